#!/usr/bin/env bats
# The conventions every API answer keeps (api.md, "Conventions").

load helpers

@test "healthz answers 200 with all four checks ok" {
	api GET /healthz
	expect_status 200
	[ "$(jq -c . <<<"$BODY")" = '{"status":"ok","checks":{"postgres":"ok","redis":"ok","s3":"ok","sqs":"ok"}}' ]
}

@test "healthz reveals no configuration" {
	api GET /healthz
	! grep -qE '127\.0\.0\.1|localhost|vidpipe-|amazonaws|postgres(ql)?://|redis://' <<<"$BODY"
}

@test "every answer carries nosniff, no-store and a JSON content type" {
	for p in /healthz /no/such/path; do
		api GET "$p"
		[ "$(header X-Content-Type-Options)" = nosniff ]
		[ "$(header Cache-Control)" = no-store ]
		[[ "$(header Content-Type)" == "application/json; charset=utf-8" ]]
	done
}

@test "a well-formed X-Request-Id is echoed" {
	api GET /healthz -H 'X-Request-Id: trace-abc.123_X'
	[ "$(header X-Request-Id)" = trace-abc.123_X ]
}

@test "a malformed X-Request-Id is replaced by a generated one" {
	api GET /healthz -H 'X-Request-Id: <script>alert(1)</script>'
	rid=$(header X-Request-Id)
	[[ "$rid" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	api GET /healthz -H "X-Request-Id: $(printf 'a%.0s' $(seq 1 65))"
	[ "$(header X-Request-Id | wc -c)" -eq 37 ]
}

@test "without X-Request-Id every answer gets a fresh one" {
	api GET /healthz
	a=$(header X-Request-Id)
	api GET /healthz
	b=$(header X-Request-Id)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]
}

@test "the request id is in the log line of the request" {
	rid=logcheck-$RANDOM$RANDOM
	api GET /healthz -H "X-Request-Id: $rid"
	expect_status 200
	# lighttpd hands the responders' stderr to its breakage log; under
	# Apache the responder pools (tools/vidpipe-pool) write to the same file
	log=$VAR_DIR/log/responders.log
	for i in $(seq 1 20); do grep -q "\"request_id\":\"$rid\"" "$log" && break; sleep 0.1; done
	grep "\"request_id\":\"$rid\"" "$log" | grep -q '"event":"request"'
}

@test "an unknown path is 404 not_found in the error shape, whatever the method" {
	for m in GET POST DELETE PATCH; do
		api "$m" /no/such/thing --data-raw '' -H 'Content-Type: application/json' 
		expect_error 404 not_found
	done
	api GET /healthz/extra
	expect_error 404 not_found
}

@test "a known path with a method it does not serve is 405 with Allow" {
	api DELETE /healthz
	expect_error 405 method_not_allowed
	[ "$(header Allow)" = "GET, OPTIONS" ]
	api POST /healthz -H 'Content-Type: application/json' --data '{}'
	expect_error 405 method_not_allowed
}

@test "a body over 64 KiB is 413 in the error shape" {
	big=$(head -c 70000 /dev/zero | tr '\0' 'a')
	api POST /healthz -H 'Content-Type: application/json' --data "{\"a\":\"$big\"}"
	expect_error 413 payload_too_large
}

@test "a body that is not JSON-typed is 415" {
	api POST /healthz -H 'Content-Type: application/x-www-form-urlencoded' --data 'a=b'
	expect_error 415 unsupported_media_type
	api POST /healthz -H 'Content-Type: text/plain' --data '{}'
	expect_error 415 unsupported_media_type
}

@test "CORS: the web app's origin is allowed with credentials" {
	api GET /healthz -H "Origin: $FRONTEND_URL"
	[ "$(header Access-Control-Allow-Origin)" = "$FRONTEND_URL" ]
	[ "$(header Access-Control-Allow-Credentials)" = true ]
}

@test "CORS: any other origin gets no CORS headers" {
	api GET /healthz -H 'Origin: http://evil.example'
	[ -z "$(header Access-Control-Allow-Origin)" ]
	api GET /healthz -H "Origin: $FRONTEND_URL.evil.example"
	[ -z "$(header Access-Control-Allow-Origin)" ]
}

@test "CORS: a preflight answers 204 with the allowed methods and headers" {
	api OPTIONS /healthz -H "Origin: $FRONTEND_URL" -H 'Access-Control-Request-Method: GET'
	expect_status 204
	[ "$(header Access-Control-Allow-Origin)" = "$FRONTEND_URL" ]
	[[ "$(header Access-Control-Allow-Methods)" == *GET* ]]
	[[ "$(header Access-Control-Allow-Headers)" == *Authorization* ]]
	[ -n "$(header X-Request-Id)" ]
}

@test "the web app is served on its own port, with a CSP that allows nothing inline" {
	run curl -sS -D - -o "$BATS_TEST_TMPDIR/index.html" "$FRONTEND_URL/"
	[[ "$output" == "HTTP/1.1 200"* ]]
	csp=$(grep -i '^Content-Security-Policy:' <<<"$output" | tr -d '\r')
	[[ "$csp" == *"default-src 'none'"* ]]
	[[ "$csp" == *"script-src 'self';"* ]]
	[[ "$csp" == *"connect-src $API_URL $AWS_ENDPOINT_URL_S3;"* ]]
	[[ "$csp" != *unsafe-inline* && "$csp" != *unsafe-eval* ]]
	# the built app, not a placeholder: one module script, no inline script
	grep -q '<script type="module" crossorigin src="/assets/' "$BATS_TEST_TMPDIR/index.html"
	[ "$(grep -c '<script>' "$BATS_TEST_TMPDIR/index.html")" = 0 ]
}

@test "the web app's own paths answer index.html; a missing asset is a 404; assets are cached for good" {
	run curl -sS -D - -o "$BATS_TEST_TMPDIR/page.html" "$FRONTEND_URL/videos/$(uuidgen 2>/dev/null || cat /proc/sys/kernel/random/uuid)"
	[[ "$output" == "HTTP/1.1 200"* ]]
	[[ "$output" == *"Cache-Control: no-cache"* ]]
	cmp -s "$BATS_TEST_TMPDIR/page.html" <(curl -sS "$FRONTEND_URL/")
	run curl -sS -o /dev/null -w '%{http_code}' "$FRONTEND_URL/assets/no-such-file.js"
	[ "$output" = 404 ]
	asset=$(grep -o '/assets/[^"]*\.js' <(curl -sS "$FRONTEND_URL/") | head -n 1)
	run curl -sS -D - -o /dev/null "$FRONTEND_URL$asset"
	[[ "$output" == "HTTP/1.1 200"* ]]
	[[ "$output" == *"Cache-Control: public, max-age=31536000, immutable"* ]]
	[[ "$output" == *"Content-Type: "*"/javascript"* ]]
}
