-- error-headers.lua — run by mod_magnet as each response starts. The
-- answers lighttpd makes itself (a request that does not parse, 411, 413,
-- 431, a responder that is down) skip mod_setenv, so the headers every API
-- answer carries are added here to each that lacks them; their JSON bodies
-- come from errors/<status>.html (server.errorfile-prefix). The responders'
-- own answers already carry both headers, and are left as they are.
--
-- It also hands the access log the path the client asked for without its
-- query (VP_LOG_PATH): the query of a playback URL holds its token, which
-- no log may keep (the log's %U would be the rewritten path).
local orig = lighty.r.req_attr["request.orig-uri"]
if orig ~= nil then
  lighty.r.req_env["VP_LOG_PATH"] = orig:match("^[^?]*")
end
local h = lighty.r.resp_header
if h["X-Content-Type-Options"] == nil then
  h["X-Content-Type-Options"] = "nosniff"
end
local ct = h["Content-Type"]
if ct ~= nil and ct:sub(1, 16) == "application/json" and h["Cache-Control"] == nil then
  h["Cache-Control"] = "no-store"
end
return 0
