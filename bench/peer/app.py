"""The seed's stack, rebuilt as the benchmarks' peer (bench/api.sh).

FastAPI + uvicorn (uvloop, httptools), PyJWT, redis-py asyncio, asyncpg,
botocore: Debian 12's python3-* packages, run with Debian's /usr/bin/python3
(bench/peer/run.sh). It serves three of vidpipe's routes against the same
Postgres, Redis and tokens, doing the same work per request as the C
responders:

- every request: an X-Request-Id (the client's if well-formed, else a fresh
  uuid4), nosniff, no-store, Vary: Origin, and one JSON log line with the
  request id (Python logging to a file);
- the auth middleware (one FastAPI dependency): the bearer token verified
  with PyJWT, HS256 pinned, exp/iat/iss/aud/sub/sid/jti required, typ
  "access", sub/sid/jti UUIDs; then vidpipe's own Redis script (lib/sess.c's
  check, sent by EVALSHA): the session is alive and belongs to sub, last_used
  is touched, the per-user GCRA limit counts the request; 401 with
  WWW-Authenticate, 429, RateLimit-* headers as in the contract;
- GET /me: the user from the session's reply (the e-mail and creation time a
  login stores with the session), from Postgres when the session lacks them
  (the same rule as cgi-bin/me.c);
- GET /videos?limit=&cursor=: the same two SQL statements as lib/videos.c
  (asyncpg, whose statements are prepared and cached per connection), the
  same JSON, playback URLs presigned with botocore for ready videos;
- POST /uploads/{id}/parts: the JSON body checked as cgi-bin/upload_parts.c
  does (part_numbers, or parts with md5), the upload read from Postgres (the
  same SQL as lib/uploads.c), and each part URL presigned with botocore
  (SigV4 query auth, content-length and content-md5 signed, as ours).
"""
import base64
import json
import logging
import os
import re
import time
import uuid

import asyncpg
import botocore.config
import botocore.session
import jwt
import redis.asyncio as aioredis
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

ACCESS_SECRET = os.environ["JWT_ACCESS_SECRET"]
ISSUER = os.environ.get("JWT_ISSUER", "vidpipe")
AUDIENCE = os.environ.get("JWT_AUDIENCE", "vidpipe-api")
RL_API = int(os.environ.get("RATE_LIMIT_API", "300"))
RL_API_WINDOW = int(os.environ.get("RATE_LIMIT_API_WINDOW", "60"))
PART_URL_TTL = int(os.environ.get("PART_URL_TTL", "3600"))
PLAYBACK_URL_TTL = int(os.environ.get("PLAYBACK_URL_TTL", "3600"))
BUCKET_PROCESSED = os.environ.get("S3_BUCKET_PROCESSED", "vidpipe-processed")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MD5_RE = re.compile(r"^[A-Za-z0-9+/]{22}==$")

# vidpipe's middleware script, verbatim from lib/ratelimit.h and lib/sess.c
# (bench/peer/check_lua.py extracts it from the C sources at start).
CHECK_LUA = open(os.environ["PEER_CHECK_LUA"]).read()

log = logging.getLogger("peer")
log.propagate = False
_h = logging.FileHandler(os.environ.get("PEER_LOG", "/dev/null"))
_h.setFormatter(logging.Formatter("%(message)s"))
log.addHandler(_h)
log.setLevel(logging.INFO)

app = FastAPI()
state = {}

_s3 = botocore.session.get_session().create_client(
    "s3",
    region_name=os.environ.get("AWS_REGION", "us-east-1"),
    aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID"),
    aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
    endpoint_url=os.environ.get("AWS_ENDPOINT_URL_S3"),
    config=botocore.config.Config(signature_version="s3v4", s3={"addressing_style": "path"}),
)


@app.on_event("startup")
async def startup():
    state["redis"] = aioredis.from_url(os.environ["REDIS_URL"])
    state["check"] = state["redis"].register_script(CHECK_LUA)
    state["pg"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1, max_size=8)


def error(status, code, message, headers=None):
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


class Refused(Exception):
    def __init__(self, response):
        self.response = response


@app.exception_handler(Refused)
async def refused(request, exc):
    return exc.response


def unauthorized(sent):
    if sent:
        return Refused(error(401, "invalid_token", "the access token is not valid",
                             {"WWW-Authenticate": 'Bearer error="invalid_token"'}))
    return Refused(error(401, "unauthorized", "authentication required",
                         {"WWW-Authenticate": "Bearer"}))


async def auth(request: Request):
    h = request.headers.get("authorization")
    if not h:
        raise unauthorized(False)
    if h[:7].lower() != "bearer " or len(h) > 4096 + 7:
        raise unauthorized(True)
    try:
        c = jwt.decode(h[7:], ACCESS_SECRET, algorithms=["HS256"], audience=AUDIENCE,
                       issuer=ISSUER,
                       options={"require": ["exp", "iat", "iss", "aud", "sub", "sid", "jti"]})
    except jwt.PyJWTError:
        raise unauthorized(True)
    if c.get("typ") != "access" or not all(
            isinstance(c.get(k), str) and UUID_RE.match(c[k]) for k in ("sub", "sid", "jti")):
        raise unauthorized(True)
    try:
        r = await state["check"](keys=["sess:" + c["sid"], "rl:api:" + c["sub"]],
                                 args=[c["sub"], RL_API, RL_API_WINDOW * 1000])
    except aioredis.RedisError:
        raise Refused(error(503, "unavailable", "a service this request needs is unavailable"))
    if r[0] == 0:
        raise unauthorized(True)
    allowed, remaining, reset_ms, retry_ms = r[1], r[2], r[3], r[4]
    rl = {"RateLimit-Limit": str(RL_API), "RateLimit-Remaining": str(remaining),
          "RateLimit-Reset": str((reset_ms + 999) // 1000)}
    if allowed != 1:
        rl["Retry-After"] = str(max(1, (retry_ms + 999) // 1000))
        raise Refused(error(429, "rate_limited", "too many requests; retry later", rl))
    request.state.rl = rl
    email = r[5].decode() if len(r) > 5 and r[5] else None
    created = r[6].decode() if len(r) > 6 and r[6] else None
    return {"uid": c["sub"], "sid": c["sid"], "email": email, "created_at": created}


class Common:
    """Request id, the headers every answer carries, one log line."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        t0 = time.monotonic()
        rid = None
        for k, v in scope["headers"]:
            if k == b"x-request-id":
                v = v.decode("latin-1")
                rid = v if RID_RE.match(v) else None
        rid = rid or str(uuid.uuid4())
        status = [500]
        extra = [(b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"),
                 (b"x-request-id", rid.encode()), (b"vary", b"Origin")]

        async def send_with(msg):
            if msg["type"] == "http.response.start":
                status[0] = msg["status"]
                msg["headers"] = list(msg.get("headers", [])) + extra
            await send(msg)

        scope.setdefault("state", {})
        await self.inner(scope, receive, send_with)
        log.info(json.dumps({"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                             "level": "info", "prog": "peer", "request_id": rid,
                             "event": "request", "method": scope["method"],
                             "path": scope["path"], "status": str(status[0]),
                             "ms": "%.2f" % ((time.monotonic() - t0) * 1000),
                             "ip": scope["client"][0] if scope.get("client") else ""}))


def answer(request, body, status=200):
    return JSONResponse(body, status, headers=getattr(request.state, "rl", None))


# ------------------------------------------------------------------ /me --
@app.get("/me")
async def me(request: Request, who=Depends(auth)):
    if who["email"] and who["created_at"]:
        user = {"id": who["uid"], "email": who["email"], "created_at": who["created_at"]}
    else:
        row = await state["pg"].fetchrow(
            "SELECT id::text, email, to_char(created_at AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM users WHERE id = $1", uuid.UUID(who["uid"]))
        if not row:
            raise unauthorized(True)
        user = {"id": row[0], "email": row[1], "created_at": row[2]}
    return answer(request, {"user": user})


# -------------------------------------------------------------- /videos --
VIDEO_COLS = ("v.id::text, v.title, v.status, v.progress, v.error, v.duration_seconds, "
              "v.width, v.height, v.size, "
              "to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
              "to_char(v.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
              "v.thumbnail_key, (extract(epoch FROM v.created_at) * 1000000)::bigint")
SQL_LIST = ("SELECT " + VIDEO_COLS + " FROM videos v WHERE v.user_id = $1 AND "
            "($2::bigint IS NULL OR (v.created_at, v.id) < "
            "('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::uuid)) "
            "ORDER BY v.created_at DESC, v.id DESC LIMIT $4::int")
SQL_RENDS = ("SELECT video_id::text, name, width, height, bitrate, size, object_key "
             "FROM renditions WHERE video_id = ANY($1::uuid[]) "
             "ORDER BY video_id, least(width, height) DESC")


def play_url(ready, key):
    if not ready or key is None:
        return None
    return _s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET_PROCESSED,
                                                            "Key": key},
                                      ExpiresIn=PLAYBACK_URL_TTL)


@app.get("/videos")
async def videos(request: Request, who=Depends(auth)):
    q = request.query_params
    limit, cur_us, cur_id = 20, None, None
    if "limit" in q:
        s = q["limit"]
        if not (s.isdigit() and len(s) <= 3 and 1 <= int(s) <= 100):
            return error(400, "invalid_request", "limit must be 1..100 and cursor as given")
        limit = int(s)
    if "cursor" in q:
        us, _, cid = q["cursor"].partition("_")
        if not (us.isdigit() and len(us) <= 18 and UUID_RE.match(cid)):
            return error(400, "invalid_request", "cursor is not one this API gave")
        cur_us, cur_id = int(us), uuid.UUID(cid)
    async with state["pg"].acquire() as db:
        rows = await db.fetch(SQL_LIST, uuid.UUID(who["uid"]), cur_us, cur_id, limit + 1)
        page = rows[:limit]
        rends = await db.fetch(SQL_RENDS, [uuid.UUID(r[0]) for r in page]) if page else []
    out = []
    for r in page:
        ready = r[2] == "ready"
        out.append({
            "id": r[0], "title": r[1], "status": r[2], "progress": r[3], "error": r[4],
            "duration_seconds": float(r[5]) if r[5] is not None else None,
            "width": r[6], "height": r[7], "size": r[8], "created_at": r[9],
            "updated_at": r[10], "thumbnail_url": play_url(ready, r[11]),
            "renditions": [{"name": x[1], "width": x[2], "height": x[3], "bitrate": x[4],
                            "size": x[5], "url": play_url(ready, x[6])}
                           for x in rends if x[0] == r[0]],
        })
    nxt = f"{page[-1][12]}_{page[-1][0]}" if len(rows) > limit else None
    return answer(request, {"videos": out, "next_cursor": nxt})


# ------------------------------------------------- /uploads/{id}/parts --
SQL_UPLOAD = ("SELECT u.id::text, u.user_id::text, u.video_id::text, u.s3_upload_id, u.bucket, "
              "u.object_key, u.size, u.part_size, u.part_count, u.status, "
              "to_char(u.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
              "coalesce(u.complete_digest, '') FROM uploads u WHERE u.id = $1 AND u.user_id = $2")


@app.post("/uploads/{upload_id}/parts")
async def parts(upload_id: str, request: Request, who=Depends(auth)):
    ct = request.headers.get("content-type", "")
    if ct.split(";")[0].strip().lower() != "application/json":
        return error(415, "unsupported_media_type",
                     "request bodies must be Content-Type: application/json")
    raw = await request.body()
    if len(raw) > 64 * 1024:
        return error(413, "payload_too_large", "request bodies are limited to 64 KiB here")
    try:
        body = json.loads(raw)
    except ValueError:
        return error(400, "invalid_json", "the request body must be one JSON object")
    if not isinstance(body, dict):
        return error(400, "invalid_json", "the request body must be one JSON object")
    with_md5 = isinstance(body.get("parts"), list)
    arr = body.get("parts") if with_md5 else body.get("part_numbers")
    if (with_md5 and "part_numbers" in body) or not isinstance(arr, list) \
            or not 1 <= len(arr) <= 100:
        return error(400, "invalid_request", "part_numbers (1 to 100 numbers) or parts "
                     "(1 to 100 {part_number, md5}) is required, not both")
    if not UUID_RE.match(upload_id):
        return error(404, "not_found", "no such upload")
    u = await state["pg"].fetchrow(SQL_UPLOAD, uuid.UUID(upload_id), uuid.UUID(who["uid"]))
    if not u:
        return error(404, "not_found", "no such upload")
    want = []
    for v in arr:
        md5 = None
        if with_md5:
            if not isinstance(v, dict) or not isinstance(v.get("md5"), str) \
                    or not MD5_RE.match(v["md5"]) or len(base64.b64decode(v["md5"])) != 16:
                return error(400, "invalid_request", "each part needs a part_number and md5")
            md5, v = v["md5"], v.get("part_number")
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= u[8]:
            return error(400, "invalid_request", "a part number is outside 1..part_count")
        if any(n == v for n, _ in want):
            return error(400, "invalid_request", "part numbers repeat")
        want.append((v, md5))
    if u[9] != "active":
        return error(409, "upload_not_active", "the upload is not active")
    out = []
    for n, md5 in want:
        size = u[7] if n < u[8] else u[6] - u[7] * (u[8] - 1)
        params = {"Bucket": u[4], "Key": u[5], "UploadId": u[3], "PartNumber": n,
                  "ContentLength": size}
        if md5:
            params["ContentMD5"] = md5
        p = {"part_number": n, "url": _s3.generate_presigned_url(
            "upload_part", Params=params, ExpiresIn=PART_URL_TTL), "size": size}
        if md5:
            p["headers"] = {"Content-MD5": md5}
        out.append(p)
    return answer(request, {"parts": out})


app = Common(app)
