#!/usr/bin/env bats
# Accounts, sessions and the auth middleware (api.md, "Authentication").

load helpers

json() { jq -cn "$@"; }
post_json() { api POST "$1" --interface "$(random_ip)" -H 'Content-Type: application/json' --data "$2" "${@:3}"; }

# ------------------------------------------------------------ happy path --

@test "register, log in, /me, refresh, /me with the new token" {
	register_user
	[[ "$USER_ID" =~ ^[0-9a-f-]{36}$ ]]
	[ "$(jq -r .user.email <<<"$BODY")" = "$EMAIL" ]
	[[ "$(jq -r .user.created_at <<<"$BODY")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]
	login
	[ "$(jq -r .token_type <<<"$BODY")" = Bearer ]
	[ "$(jq -r .expires_in <<<"$BODY")" = 900 ]
	[ "$(jq -r .user.id <<<"$BODY")" = "$USER_ID" ]
	api GET /me -H "Authorization: Bearer $TOKEN"
	expect_status 200
	[ "$(jq -r .user.email <<<"$BODY")" = "$EMAIL" ]
	[ -n "$(header RateLimit-Limit)" ]
	refresh_with "$REFRESH"
	expect_status 200
	new=$(jq -r .access_token <<<"$BODY")
	[ "$new" != "$TOKEN" ]
	api GET /me -H "Authorization: Bearer $new"
	expect_status 200
	[ "$(jq -r .user.id <<<"$BODY")" = "$USER_ID" ]
}

@test "the refresh cookie is HttpOnly, Secure, SameSite=Strict, Path=/auth" {
	register_user
	login
	c=$(grep -i '^Set-Cookie: refresh_token=' "$HEADERS" | tr -d '\r')
	[[ "$c" == *"; HttpOnly"* ]]
	[[ "$c" == *"; Secure"* ]]
	[[ "$c" == *"; SameSite=Strict"* ]]
	[[ "$c" == *"; Path=/auth"* ]]
	# and the token is nowhere else in the answer
	! grep -q "$REFRESH" <<<"$BODY"
}

@test "access token claims: sub, sid, jti, iat, exp, iss, aud; HS256" {
	register_user
	login
	p=$(jwt_payload "$TOKEN")
	[ "$(jq -r .sub <<<"$p")" = "$USER_ID" ]
	for c in sid jti iat exp iss aud; do [ "$(jq -r ".$c | type" <<<"$p")" != null ]; done
	[ $(( $(jq -r .exp <<<"$p") - $(jq -r .iat <<<"$p") )) -eq 900 ]
	[ "$(b64url_decode "$(cut -d. -f1 <<<"$TOKEN")" | jq -r .alg)" = HS256 ]
}

@test "e-mails are trimmed and compared case-blind" {
	u=MiXeD-$RANDOM$RANDOM@Example.COM
	register_user "  $u  "
	[ "$(jq -r .user.email <<<"$BODY")" = "$(tr 'A-Z' 'a-z' <<<"$u")" ]
	EMAIL=$(tr 'a-z' 'A-Z' <<<"$u")
	login
	post_json /auth/register "$(json --arg e "$(tr 'A-Z' 'a-z' <<<"$u")" '{email:$e,password:"another password"}')"
	expect_error 409 email_taken
}

# ------------------------------------------------------ refresh rotation --

@test "refresh-token reuse revokes the whole session" {
	register_user
	login
	r1=$REFRESH
	refresh_with "$r1"
	expect_status 200
	r2=$(grep -i '^Set-Cookie: refresh_token=' "$HEADERS" | tr -d '\r' | sed 's/^[^=]*=\([^;]*\);.*/\1/')
	t2=$(jq -r .access_token <<<"$BODY")
	api GET /me -H "Authorization: Bearer $t2"
	expect_status 200
	# the spent token again: refused, and the session is gone
	refresh_with "$r1"
	expect_error 401 invalid_refresh_token
	refresh_with "$r2"
	expect_error 401 invalid_refresh_token
	api GET /me -H "Authorization: Bearer $t2"
	expect_invalid_token
	api GET /me -H "Authorization: Bearer $TOKEN"
	expect_invalid_token
}

@test "two concurrent refreshes with one token: exactly one succeeds" {
	register_user
	login
	for i in 1 2 3 4; do
		curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Length: 0' -H "Cookie: refresh_token=$REFRESH" \
			"$API_URL/auth/refresh" >"$BATS_TEST_TMPDIR/r$i" &
	done
	wait
	ok=$(cat "$BATS_TEST_TMPDIR"/r? | grep -c '^200$' || true)
	[ "$ok" -le 1 ]
	# whichever won, the losers presented a spent token: the session is revoked
	api GET /me -H "Authorization: Bearer $TOKEN"
	expect_invalid_token
}

@test "a refresh with a foreign Origin is 403 forbidden_origin" {
	register_user
	login
	refresh_with "$REFRESH" -H 'Origin: http://evil.example'
	expect_error 403 forbidden_origin
	# the token was not spent by the refused request
	refresh_with "$REFRESH" -H "Origin: $FRONTEND_URL"
	expect_status 200
}

@test "no cookie, garbage cookie, an access token as refresh cookie: 401 invalid_refresh_token" {
	register_user
	login
	api POST /auth/refresh
	expect_error 401 invalid_refresh_token
	refresh_with "garbage.garbage.garbage"
	expect_error 401 invalid_refresh_token
	refresh_with "$TOKEN"
	expect_error 401 invalid_refresh_token
}

# ------------------------------------------------- logout and revocation --

@test "logout revokes the session: the unexpired access token stops working" {
	register_user
	login
	api POST /auth/logout -H "Authorization: Bearer $TOKEN"
	expect_status 204
	grep -qi '^Set-Cookie: refresh_token=;.*Max-Age=0' "$HEADERS"
	api GET /me -H "Authorization: Bearer $TOKEN"
	expect_invalid_token
	refresh_with "$REFRESH"
	expect_error 401 invalid_refresh_token
}

@test "sessions: listed with the current one marked; revoking one ends only it" {
	register_user
	login "$BATS_TEST_TMPDIR/a"
	ta=$TOKEN
	login "$BATS_TEST_TMPDIR/b"
	tb=$TOKEN
	api GET /auth/sessions -H "Authorization: Bearer $ta" -A 'vidpipe-tests/1.0'
	expect_status 200
	[ "$(jq '.sessions | length' <<<"$BODY")" = 2 ]
	[ "$(jq '[.sessions[] | select(.current)] | length' <<<"$BODY")" = 1 ]
	for f in id created_at last_used_at user_agent ip current; do
		[ "$(jq -r ".sessions[0] | has(\"$f\")" <<<"$BODY")" = true ]
	done
	sid_b=$(jwt_payload "$tb" | jq -r .sid)
	api DELETE "/auth/sessions/$sid_b" -H "Authorization: Bearer $ta"
	expect_status 204
	api GET /me -H "Authorization: Bearer $tb"
	expect_invalid_token
	api GET /me -H "Authorization: Bearer $ta"
	expect_status 200
	api DELETE "/auth/sessions/$sid_b" -H "Authorization: Bearer $ta"
	expect_error 404 not_found
}

@test "logout-all revokes every session of the user" {
	register_user
	login "$BATS_TEST_TMPDIR/a"
	ta=$TOKEN
	login "$BATS_TEST_TMPDIR/b"
	tb=$TOKEN
	api POST /auth/logout-all -H "Authorization: Bearer $tb"
	expect_status 204
	api GET /me -H "Authorization: Bearer $ta"
	expect_invalid_token
	api GET /me -H "Authorization: Bearer $tb"
	expect_invalid_token
}

@test "another user's session id, and a malformed one, are 404" {
	register_user
	login
	other_sid=$(jwt_payload "$TOKEN" | jq -r .sid)
	register_user
	login
	api DELETE "/auth/sessions/$other_sid" -H "Authorization: Bearer $TOKEN"
	expect_error 404 not_found
	api DELETE "/auth/sessions/not-a-uuid" -H "Authorization: Bearer $TOKEN"
	expect_error 404 not_found
	api GET "/auth/sessions/$other_sid" -H "Authorization: Bearer $TOKEN"
	expect_error 405 method_not_allowed
}

@test "logout with a foreign Origin is 403 and revokes nothing" {
	register_user
	login
	api POST /auth/logout -H "Authorization: Bearer $TOKEN" -H 'Origin: http://evil.example'
	expect_error 403 forbidden_origin
	api GET /me -H "Authorization: Bearer $TOKEN"
	expect_status 200
}

# --------------------------------------------------------- forged tokens --

@test "no token: 401 unauthorized with a bare Bearer challenge" {
	api GET /me
	expect_error 401 unauthorized
	[ "$(header WWW-Authenticate)" = Bearer ]
}

@test "forged and broken tokens are all 401 invalid_token" {
	register_user
	login
	h=$(b64url_decode "$(cut -d. -f1 <<<"$TOKEN")")
	p=$(jwt_payload "$TOKEN")
	key=$JWT_ACCESS_SECRET
	now=$(date +%s)
	sig=$(cut -d. -f3 <<<"$TOKEN")
	bad_sig="$(cut -d. -f1,2 <<<"$TOKEN").${sig:0:10}AAAA${sig:14}"
	none="$(printf '{"alg":"none","typ":"JWT"}' | b64url).$(printf '%s' "$p" | b64url)."
	hs384=$(jwt_sign '{"alg":"HS384","typ":"JWT"}' "$p" "$key" sha384)
	hs512=$(jwt_sign '{"alg":"HS512","typ":"JWT"}' "$p" "$key" sha512)
	rs256=$(jwt_sign '{"alg":"RS256","typ":"JWT"}' "$p" "$key")
	expired=$(jwt_sign "$h" "$(jq -c --argjson n "$now" '.iat = $n - 3600 | .exp = $n - 60' <<<"$p")" "$key")
	wrong_iss=$(jwt_sign "$h" "$(jq -c '.iss = "someone-else"' <<<"$p")" "$key")
	wrong_aud=$(jwt_sign "$h" "$(jq -c '.aud = "another-api"' <<<"$p")" "$key")
	no_typ=$(jwt_sign "$h" "$(jq -c 'del(.typ)' <<<"$p")" "$key")
	other_key=$(jwt_sign "$h" "$p" "not-the-server-key-but-long-enough-to-look-real")
	as_refresh=$(jwt_sign "$h" "$p" "$JWT_REFRESH_SECRET")
	for t in "$bad_sig" "$none" "$hs384" "$hs512" "$rs256" "$expired" "$wrong_iss" "$wrong_aud" \
		"$no_typ" "$other_key" "$as_refresh" "$REFRESH" "${TOKEN:0:40}" "$(cut -d. -f1,2 <<<"$TOKEN")" \
		"garbage" "a.b.c" "...."; do
		api GET /me -H "Authorization: Bearer $t"
		expect_invalid_token
	done
	# a correctly signed copy of the same claims still passes: the checks above
	# failed for the reason each case names, not for being re-signed
	resigned=$(jwt_sign "$h" "$p" "$key")
	api GET /me -H "Authorization: Bearer $resigned"
	expect_status 200
	# a scheme other than Bearer
	api GET /me -H "Authorization: Basic $(printf 'a:b' | base64)"
	expect_invalid_token
}

# ----------------------------------------------------------- rate limits --

@test "the 11th login in a minute from one IP is 429 with Retry-After; other IPs unaffected" {
	register_user
	ip=$(random_ip)
	body=$(json --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')
	for i in $(seq 1 10); do
		api POST /auth/login --interface "$ip" -H 'Content-Type: application/json' --data "$body"
		expect_status 200
		[ "$(header RateLimit-Limit)" = 10 ]
		[ "$(header RateLimit-Remaining)" = $((10 - i)) ]
	done
	api POST /auth/login --interface "$ip" -H 'Content-Type: application/json' --data "$body"
	expect_error 429 rate_limited
	[ "$(header Retry-After)" -ge 1 ] && [ "$(header Retry-After)" -le 60 ]
	[ "$(header RateLimit-Limit)" = 10 ]
	[ "$(header RateLimit-Remaining)" = 0 ]
	[ "$(header RateLimit-Reset)" -ge 1 ]
	api POST /auth/login --interface "$(random_ip)" -H 'Content-Type: application/json' --data "$body"
	expect_status 200
}

@test "five failed logins lock the account for every IP, even with the right password" {
	register_user
	bad=$(json --arg e "$EMAIL" '{email:$e,password:"wrong password!"}')
	for i in 1 2 3 4 5; do
		post_json /auth/login "$bad"
		expect_error 401 invalid_credentials
	done
	post_json /auth/login "$(json --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')"
	expect_error 429 rate_limited
	[ -n "$(header Retry-After)" ]
}

@test "unknown e-mail and wrong password get the same answer" {
	register_user
	post_json /auth/login "$(json --arg e "$EMAIL" '{email:$e,password:"wrong password!"}')"
	a="$STATUS $BODY"
	post_json /auth/login "$(json '{email:"nobody-'$RANDOM'@example.com",password:"wrong password!"}')"
	b="$STATUS $BODY"
	[ "$a" = "$b" ]
	expect_error 401 invalid_credentials
}

@test "every rate-limit key in Redis has a TTL" {
	register_user
	login
	keys=$(REDISCLI_AUTH=$(sed -n 's|^REDIS_URL=redis://:\([^@]*\)@.*|\1|p' "$VIDPIPE_ENV") \
		redis-cli -u "$(sed 's|//:[^@]*@|//|' <<<"$REDIS_URL")" --scan --pattern 'rl:*')
	[ -n "$keys" ]
	for k in $keys; do
		ttl=$(REDISCLI_AUTH=$(sed -n 's|^REDIS_URL=redis://:\([^@]*\)@.*|\1|p' "$VIDPIPE_ENV") \
			redis-cli -u "$(sed 's|//:[^@]*@|//|' <<<"$REDIS_URL")" PTTL "$k")
		# -1 would be a key without TTL; -2 one that expired since the scan
		[ "$ttl" != -1 ]
	done
}

# ------------------------------------------------------------- bad input --

@test "register: missing fields, wrong types, bad lengths, invalid e-mails are 400" {
	for b in '{}' '{"email":"a@example.com"}' '{"password":"long enough"}' \
		'{"email":42,"password":"long enough"}' '{"email":"a@example.com","password":12345678}' \
		'{"email":null,"password":"long enough"}' '{"email":["a@example.com"],"password":"long enough"}' \
		'{"email":"a@example.com","password":"short"}' \
		"{\"email\":\"a@example.com\",\"password\":\"$(printf 'x%.0s' $(seq 1 257))\"}" \
		'{"email":"not-an-address","password":"long enough"}' '{"email":"a@b","password":"long enough"}' \
		'{"email":"a@@example.com","password":"long enough"}' '{"email":"a b@example.com","password":"long enough"}' \
		'{"email":"a@example.com","password":"has\u0000nul inside"}'; do
		post_json /auth/register "$b"
		expect_error 400 invalid_request
	done
}

@test "a 256-byte password is accepted" {
	register_user "" "$(printf 'p%.0s' $(seq 1 256))"
	login
}

@test "malformed or non-object JSON is 400 invalid_json" {
	for b in '{"email":' 'not json' '[1,2]' '"str"' '{"email":"a@example.com","password":"x"} trailing' "{'email':1}"; do
		post_json /auth/register "$b"
		expect_error 400 invalid_json
	done
}

@test "a JSON body without Content-Type: application/json is 415" {
	api POST /auth/login -H 'Content-Type: text/plain' --data '{"email":"a@example.com","password":"long enough"}'
	expect_error 415 unsupported_media_type
}

@test "SQL metacharacters in an e-mail are stored or refused, never executed" {
	register_user "o'brien-$RANDOM@example.com"
	[ "$(jq -r .user.email <<<"$BODY")" = "$EMAIL" ]
	login
	post_json /auth/register '{"email":"x'"'"'); DROP TABLE users; --@example.com","password":"long enough"}'
	expect_error 400 invalid_request
	post_json /auth/login '{"email":"'"'"' OR 1=1 --@example.com","password":"long enough"}'
	[ "$STATUS" = 400 ] || [ "$STATUS" = 401 ]
	# the table is intact and the account still works
	login
}

@test "duplicate registration is 409 email_taken" {
	register_user
	post_json /auth/register "$(json --arg e "$EMAIL" '{email:$e,password:"another password"}')"
	expect_error 409 email_taken
}

@test "the password is stored only as an Argon2id PHC string" {
	register_user
	h=$(psql "$DATABASE_URL" -tAc "select password_hash from users where id = '$USER_ID'")
	[[ "$h" == '$argon2id$v=19$m='* ]]
	[[ "$h" != *"$PASSWORD"* ]]
	m=$(sed -n 's/.*m=\([0-9]*\),t=\([0-9]*\),p=\([0-9]*\).*/\1 \2 \3/p' <<<"$h")
	read -r mk t p <<<"$m"
	[ "$mk" -ge 19456 ] && [ "$t" -ge 2 ] && [ "$p" -ge 1 ]
}

@test "passwords and tokens never reach the logs" {
	register_user "" "very-secret-$RANDOM$RANDOM"
	login
	api GET /me -H "Authorization: Bearer $TOKEN"
	not grep -rqF "$PASSWORD" "$VAR_DIR/log/"
	not grep -rqF "$TOKEN" "$VAR_DIR/log/"
	not grep -rqF "$REFRESH" "$VAR_DIR/log/"
}
