#!/usr/bin/env bats
# Hostile input at the edges (api.md, "Conventions"): requests the web
# server refuses itself, text that is not strict UTF-8, query parameters out
# of range. Each is a 4xx in the error shape, never a 500 or an HTML page.

load helpers

big() { head -c "$1" /dev/zero | tr '\0' a; }

@test "a request line that is not HTTP: 400 in the error shape with nosniff" {
	raw_http < <(printf 'GARBAGE\r\n\r\n')
	expect_json_error_answer 400
	raw_http < <(printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n')
	expect_json_error_answer 400
}

@test "a POST without a length: 411 (lighttpd) or the responder's 400, in the error shape" {
	# lighttpd wants a length; Apache passes the request on, and the
	# responder finds no JSON body
	raw_http < <(printf 'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n')
	[ "$STATUS" = 411 ] || [ "$STATUS" = 400 ]
	expect_json_error_answer "$STATUS"
}

@test "a body past what the server accepts: 413 in the error shape, whoever answers" {
	raw_http < <(printf 'POST /uploads/x/complete HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n')
	expect_json_error_answer 413
	# a 70 KB body to a 64 KiB route: the responder's own 413
	raw_http < <(printf 'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\nConnection: close\r\n\r\n'; big 70000)
	expect_json_error_answer 413
	[ "$(jq -r .error.code <<<"$BODY")" = payload_too_large ]
}

@test "a URI or a header too long: 414 or 431 (or 400) in the error shape" {
	raw_http < <(printf 'GET /%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$(big 10000)")
	[ "$STATUS" = 414 ] || [ "$STATUS" = 431 ]
	expect_json_error_answer "$STATUS"
	raw_http < <(printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\nConnection: close\r\n\r\n' "$(big 70000)")
	[ "$STATUS" = 431 ] || [ "$STATUS" = 400 ]
	expect_json_error_answer "$STATUS"
}

@test "no answer names the server's version" {
	api GET /healthz
	[[ "$(header Server)" != *[0-9]* ]]
	api GET /no/such/path
	[[ "$(header Server)" != *[0-9]* ]]
	raw_http < <(printf 'GARBAGE\r\n\r\n')
	[[ "$(header Server)" != *[0-9]* ]]
}

# ---------------------------------------------------------- strict text --

# raw_json METHOD PATH BODY_PRINTF: a JSON body with raw bytes, as curl sends it
raw_json() {
	printf "$3" >"$BATS_TEST_TMPDIR/body"
	api "$1" "$2" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data-binary "@$BATS_TEST_TMPDIR/body"
}

@test "overlong, surrogate, NUL and non-character text is 400 on POST /uploads, never 500" {
	register_user
	login
	for s in 'x\xc0\xafy' 'x\xed\xa0\x80y' 'x\xef\xbf\xbfy' 'x\xf4\x90\x80\x80y' 'x\\ud800y' 'x\\udc00\\ud800y' 'x\\u0000y' 'x\\uffffy' 'x\xc3'; do
		raw_json POST /uploads "{\"filename\":\"$s.mp4\",\"size\":1000,\"content_type\":\"video/mp4\"}"
		expect_error 400 invalid_request
		raw_json POST /uploads "{\"filename\":\"a.mp4\",\"size\":1000,\"content_type\":\"video/mp4\",\"title\":\"$s\"}"
		expect_error 400 invalid_request
	done
	[ "$(psql_value "select count(*) from uploads u join users s on s.id = u.user_id where s.email = '$EMAIL'")" = 0 ]
	# and the real thing still passes: a pair of escapes and raw UTF-8
	raw_json POST /uploads '{"filename":"\\ud83c\\udfac caf\xc3\xa9.mp4","size":1000,"content_type":"video/mp4"}'
	expect_status 201
}

@test "overlong or surrogate text in PATCH /videos/{id} is 400, the title unchanged" {
	register_user
	login
	raw_json POST /uploads '{"filename":"a.mp4","size":1000,"content_type":"video/mp4","title":"kept"}'
	expect_status 201
	vid=$(jq -r .upload.video_id <<<"$BODY")
	for s in 'x\xc0\xafy' 'x\xed\xbf\xbfy' 'x\\ud800' 'x\\u0000' 'x\xef\xb7\x90'; do
		raw_json PATCH "/videos/$vid" "{\"title\":\"$s\"}"
		expect_error 400 invalid_request
	done
	[ "$(psql_value "select title from videos where id = '$vid'")" = kept ]
	raw_json PATCH "/videos/$vid" '{"title":"\xe2\x82\xac ok"}'
	expect_status 200
	[ "$(jq -r .video.title <<<"$BODY")" = "€ ok" ]
}

@test "a filename of up to 255 bytes without a title is 201; the title is the filename cut to 200 bytes" {
	register_user
	login
	name=$(big 197).mp4 # 201 bytes
	raw_json POST /uploads "{\"filename\":\"$name\",\"size\":1000,\"content_type\":\"video/mp4\"}"
	expect_status 201
	vid=$(jq -r .upload.video_id <<<"$BODY")
	[ "$(psql_value "select octet_length(title) from videos where id = '$vid'")" = 200 ]
	# 255 bytes of two-byte characters and one more: cut on a character boundary
	name=$(printf '\xc3\xa9%.0s' $(seq 1 125))abcde
	raw_json POST /uploads "{\"filename\":\"$name\",\"size\":1000,\"content_type\":\"video/mp4\"}"
	expect_status 201
	vid=$(jq -r .upload.video_id <<<"$BODY")
	[ "$(psql_value "select octet_length(title) from videos where id = '$vid'")" = 200 ]
	raw_json POST /uploads "{\"filename\":\"$(big 256)\",\"size\":1000,\"content_type\":\"video/mp4\"}"
	expect_error 400 invalid_request
	raw_json POST /uploads "{\"filename\":\"a.mp4\",\"title\":\"$(big 201)\",\"size\":1000,\"content_type\":\"video/mp4\"}"
	expect_error 400 invalid_request
}

@test "a cursor or limit out of range is 400, never 500" {
	register_user
	login
	u=00000000-0000-4000-8000-000000000000
	for q in "cursor=9223372036854775807_$u" "cursor=999999999999999999_$u" "cursor=-1_$u" \
		"cursor=1_not-a-uuid" "cursor=_$u" "cursor=%C0%AF_$u" "cursor=1_$u%00" \
		limit=0 limit=101 limit=-5 limit=+5 limit=1e2 'limit=%205' limit=99999999999999999999 limit= limit=abc; do
		api GET "/videos?$q" -H "Authorization: Bearer $TOKEN"
		expect_error 400 invalid_request
	done
	api GET "/videos?limit=100&cursor=253402300799999999_$u" -H "Authorization: Bearer $TOKEN"
	expect_status 200
}
