#!/usr/bin/env bats
# Sharing (api.md, "Sharing and public playback", `visibility`): who sees a
# video on which route for each visibility, share links (tokens stored only
# as hashes; revoked, expired and deleted links), the public listing, the
# anonymous rate limit, link previews in the web app's HTML, framing, and
# tokens kept out of every log.

load helpers

setup_file() { pause_worker; }
teardown_file() { resume_worker; }

setup() {
	register_user
	login
	OWNER_TOKEN=$TOKEN OWNER_ID=$USER_ID
	# anonymous requests come from an address of their own per test, so each
	# test has its own RATE_LIMIT_PUBLIC allowance
	ANON_IP=$(random_ip)
}

owner() { api "$1" "$2" -H "Authorization: Bearer $OWNER_TOKEN" "${@:3}"; }
anon() { api GET "$1" --interface "$ANON_IP" "${@:2}"; }

# owner_json METHOD PATH JSON: an owner's request with a JSON body
owner_json() { owner "$1" "$2" -H 'Content-Type: application/json' --data "$3"; }

set_visibility() { # set_visibility VIDEO_ID VISIBILITY
	owner_json PATCH "/videos/$1" "{\"visibility\":\"$2\"}"
	expect_status 200
}

new_link() { # new_link VIDEO_ID [BODY]: sets LINK (JSON), LINK_ID, LINK_TOKEN
	local body=${2:-'{}'}
	owner_json POST "/videos/$1/links" "$body"
	expect_status 201
	LINK=$BODY
	LINK_ID=$(jq -r .link.id <<<"$BODY")
	LINK_TOKEN=$(jq -r .link.token <<<"$BODY")
}

# a second user, whose token is OTHER_TOKEN; the owner's stay as they were
other_user() {
	local t=$TOKEN u=$USER_ID e=$EMAIL
	register_user
	login
	OTHER_TOKEN=$TOKEN
	TOKEN=$t USER_ID=$u EMAIL=$e
}

unknown_uuid() { psql_value "select gen_random_uuid()"; }

# page PATH: the web app's page (with its headers in HEADERS)
page() {
	HEADERS=$(mktemp "$BATS_TEST_TMPDIR/h.XXXXXX")
	BODY=$(curl -sS -m 30 -D "$HEADERS" --interface "$ANON_IP" "$FRONTEND_URL$1")
}

# og NAME: the content of the page's <meta property|name=NAME>, as written
og() { grep -o "<meta [a-z]*=\"$1\" content=\"[^\"]*\">" <<<"$BODY" | sed 's/.*content="\(.*\)">/\1/'; }

@test "every video starts private; PATCH sets visibility alone or with a title" {
	new_video
	owner GET "/videos/$VIDEO_ID"
	[ "$(jq -r .video.visibility <<<"$BODY")" = private ]
	owner_json PATCH "/videos/$VIDEO_ID" '{"visibility":"public"}'
	expect_status 200
	[ "$(jq -r .video.visibility <<<"$BODY")" = public ]
	[ "$(jq -r .video.title <<<"$BODY")" = v.mp4 ]
	owner_json PATCH "/videos/$VIDEO_ID" '{"title":"Beach","visibility":"unlisted"}'
	expect_status 200
	[ "$(jq -c '.video | [.title, .visibility]' <<<"$BODY")" = '["Beach","unlisted"]' ]
	for b in '{"visibility":"secret"}' '{"visibility":"Public"}' '{"visibility":1}' \
		'{"visibility":["public"]}' '{"title":"x","visibility":"everyone"}' '{"visibility":null}'; do
		owner_json PATCH "/videos/$VIDEO_ID" "$b"
		expect_error 400 invalid_request
	done
	owner GET "/videos/$VIDEO_ID"
	[ "$(jq -c '.video | [.title, .visibility]' <<<"$BODY")" = '["Beach","unlisted"]' ]
	other_user
	api PATCH "/videos/$VIDEO_ID" -H "Authorization: Bearer $OTHER_TOKEN" -H 'Content-Type: application/json' \
		--data '{"visibility":"private"}'
	expect_error 404 not_found
}

@test "each visibility on each route: owner, another user, anonymous, share link" {
	other_user
	for vis in private unlisted public; do
		new_video
		make_ready
		set_visibility "$VIDEO_ID" "$vis"
		new_link "$VIDEO_ID"

		# the owner: the whole <video>
		owner GET "/videos/$VIDEO_ID"
		expect_status 200
		[ "$(jq -r .video.visibility <<<"$BODY")" = "$vis" ]
		# another user: as if it did not exist, on every owner's route
		for m in GET DELETE; do
			api "$m" "/videos/$VIDEO_ID" -H "Authorization: Bearer $OTHER_TOKEN"
			expect_error 404 not_found
		done
		api GET "/videos/$VIDEO_ID/links" -H "Authorization: Bearer $OTHER_TOKEN"
		expect_error 404 not_found
		api POST "/videos/$VIDEO_ID/links" -H "Authorization: Bearer $OTHER_TOKEN" \
			-H 'Content-Type: application/json' --data '{}'
		expect_error 404 not_found
		api DELETE "/videos/$VIDEO_ID/links/$LINK_ID" -H "Authorization: Bearer $OTHER_TOKEN"
		expect_error 404 not_found
		# anonymous, by id: public and unlisted only
		anon "/public/videos/$VIDEO_ID"
		if [ "$vis" = private ]; then
			expect_error 404 not_found
		else
			expect_status 200
			[ "$(jq -r .video.id <<<"$BODY")" = "$VIDEO_ID" ]
		fi
		# anonymous, in the listing: public only
		anon '/public/videos?limit=100'
		expect_status 200
		listed=$(jq --arg v "$VIDEO_ID" '[.videos[].id] | index($v) != null' <<<"$BODY")
		[ "$listed" = "$([ "$vis" = public ] && echo true || echo false)" ]
		# anonymous, with the link: whatever the visibility
		anon "/public/links/$LINK_TOKEN"
		expect_status 200
		[ "$(jq -r .video.id <<<"$BODY")" = "$VIDEO_ID" ]
		[ "$(jq -r .video.visibility <<<"$BODY")" = "$vis" ]
		# anonymous on the owner's routes: 401
		api GET "/videos/$VIDEO_ID" --interface "$ANON_IP"
		expect_error 401 unauthorized
		api GET "/videos/$VIDEO_ID/links" --interface "$ANON_IP"
		expect_error 401 unauthorized
	done
}

@test "a <public video> is the <video> without error, size and progress, nothing of the owner, with short-lived URLs storage serves" {
	new_video
	make_ready
	set_visibility "$VIDEO_ID" public
	owner GET "/videos/$VIDEO_ID"
	own=$BODY
	anon "/public/videos/$VIDEO_ID"
	expect_status 200
	[ "$(header X-Content-Type-Options)" = nosniff ]
	[ "$(header Cache-Control)" = no-store ]
	[ -n "$(header X-Request-Id)" ]
	[ "$(jq -c '.video | keys' <<<"$BODY")" = "$(jq -c '.video | del(.error, .size, .progress) | keys' <<<"$own")" ]
	[ "$(jq -c '.video | del(.thumbnail_url, .renditions)' <<<"$BODY")" = \
		"$(jq -c '.video | del(.error, .size, .progress, .thumbnail_url, .renditions)' <<<"$own")" ]
	[ "$(jq -c '[.video.renditions[] | del(.url)]' <<<"$BODY")" = "$(jq -c '[.video.renditions[] | del(.url)]' <<<"$own")" ]
	# nothing names the owner (the object keys inside the URLs are storage's
	# paths: see "Sharing" in docs/architecture.md)
	not grep -q "$OWNER_ID" <<<"$(jq -c '.video | del(.thumbnail_url) | .renditions |= map(del(.url))' <<<"$BODY")"
	not grep -qi "$EMAIL" <<<"$BODY"
	# the owner's URLs live PLAYBACK_URL_TTL, a stranger's PUBLIC_PLAYBACK_URL_TTL
	[[ "$(jq -r '.video.renditions[0].url' <<<"$own")" == *X-Amz-Expires=3600* ]]
	url=$(jq -r '.video.renditions[0].url' <<<"$BODY")
	thumb=$(jq -r '.video.thumbnail_url' <<<"$BODY")
	[[ "$url" == *X-Amz-Expires=300\&* ]] && [[ "$thumb" == *X-Amz-Expires=300\&* ]]
	[ "$(curl -sSf "$url")" = 'rendition bytes' ]
	[ "$(curl -sSf "$thumb")" = 'rendition bytes' ]
	# the same object through a link
	new_link "$VIDEO_ID"
	anon "/public/links/$LINK_TOKEN"
	[ "$(jq -c '.video | keys' <<<"$BODY")" = "$(jq -c '.video | del(.error, .size, .progress) | keys' <<<"$own")" ]
}

@test "anonymous 404s are one answer: private, not ready, unknown, malformed" {
	new_video
	make_ready
	private=$VIDEO_ID
	new_video # queued: not ready
	set_visibility "$VIDEO_ID" public
	queued=$VIDEO_ID
	anon "/public/videos/$(unknown_uuid)"
	expect_error 404 not_found
	want=$BODY
	for id in "$private" "$queued" not-a-uuid "$(tr a-f A-F <<<"$private")"; do
		anon "/public/videos/$id"
		expect_error 404 not_found
		[ "$BODY" = "$want" ]
	done
	# a link opens a video that is not ready yet too: its state, no URLs
	new_link "$queued"
	anon "/public/links/$LINK_TOKEN"
	expect_status 200
	[ "$(jq -r .video.status <<<"$BODY")" = queued ]
	[ "$(jq -c '[.video.thumbnail_url, .video.renditions]' <<<"$BODY")" = '[null,[]]' ]
}

@test "a share link: 201 with a 256-bit base64url token shown once, stored only as its SHA-256" {
	new_video
	new_link "$VIDEO_ID"
	[ "$(jq -c '.link | keys' <<<"$LINK")" = '["created_at","expires_at","id","token","url"]' ]
	[[ "$LINK_TOKEN" =~ ^[A-Za-z0-9_-]{43}$ ]]
	[ "$(jq -r .link.url <<<"$LINK")" = "$FRONTEND_URL/s/$LINK_TOKEN" ]
	[ "$(jq -r .link.expires_at <<<"$LINK")" = null ]
	# the database holds the hash (computed here with openssl), never the token
	want=$(printf '%s' "$LINK_TOKEN" | openssl dgst -sha256 -hex | awk '{print $NF}')
	[ "$(psql_value "select encode(token_sha256, 'hex') from share_links where id = '$LINK_ID'")" = "$want" ]
	psql "$DATABASE_URL" -qAtc "copy (select * from share_links) to stdout" >"$BATS_TEST_TMPDIR/dump"
	not grep -qF "$LINK_TOKEN" "$BATS_TEST_TMPDIR/dump"
	# the list names links without their tokens
	new_link "$VIDEO_ID" '{"expires_in":3600}'
	owner GET "/videos/$VIDEO_ID/links"
	expect_status 200
	[ "$(jq -c '[.links[] | keys]' <<<"$BODY")" = '[["created_at","expires_at","id"],["created_at","expires_at","id"]]' ]
	[ "$(jq -r '.links[0].id' <<<"$BODY")" = "$LINK_ID" ] # newest first
	not grep -qF "$LINK_TOKEN" <<<"$BODY"
	# expires_in seconds after its creation
	created=$(date -d "$(jq -r .link.created_at <<<"$LINK")" +%s)
	expires=$(date -d "$(jq -r .link.expires_at <<<"$LINK")" +%s)
	[ $((expires - created)) -eq 3600 ]
	# the link works; its page is the web app's /s/{token}
	anon "/public/links/$LINK_TOKEN"
	expect_status 200
}

@test "expires_in is a whole number of seconds from 60 to 31536000" {
	new_video
	for b in '{"expires_in":59}' '{"expires_in":31536001}' '{"expires_in":0}' '{"expires_in":-60}' \
		'{"expires_in":"3600"}' '{"expires_in":60.5}' '{"expires_in":true}' '{"expires_in":1e3}'; do
		owner_json POST "/videos/$VIDEO_ID/links" "$b"
		expect_error 400 invalid_request
	done
	for b in '{"expires_in":60}' '{"expires_in":31536000}' '{}'; do
		owner_json POST "/videos/$VIDEO_ID/links" "$b"
		expect_status 201
	done
	owner POST "/videos/$VIDEO_ID/links" -H 'Content-Type: application/json' --data 'not json'
	expect_error 400 invalid_json
	owner_json POST "/videos/$(unknown_uuid)/links" '{}'
	expect_error 404 not_found
}

@test "a revoked link is 404 at once, the same 404 as an unknown token" {
	new_video
	make_ready
	new_link "$VIDEO_ID"
	keep=$LINK_TOKEN
	new_link "$VIDEO_ID"
	anon "/public/links/$LINK_TOKEN"
	expect_status 200
	anon "/public/links/$(openssl rand 32 | b64url)"
	expect_error 404 not_found
	unknown=$BODY
	other_user
	api DELETE "/videos/$VIDEO_ID/links/$LINK_ID" -H "Authorization: Bearer $OTHER_TOKEN"
	expect_error 404 not_found
	anon "/public/links/$LINK_TOKEN"
	expect_status 200
	owner DELETE "/videos/$(unknown_uuid)/links/$LINK_ID"
	expect_error 404 not_found
	owner DELETE "/videos/$VIDEO_ID/links/$LINK_ID"
	expect_status 204
	anon "/public/links/$LINK_TOKEN"
	expect_error 404 not_found
	[ "$BODY" = "$unknown" ]
	owner DELETE "/videos/$VIDEO_ID/links/$LINK_ID"
	expect_error 404 not_found
	owner GET "/videos/$VIDEO_ID/links"
	[ "$(jq '.links | length' <<<"$BODY")" = 1 ]
	# the other link still works
	anon "/public/links/$keep"
	expect_status 200
}

@test "an expired link is 404 at once and leaves the list" {
	new_video
	make_ready
	new_link "$VIDEO_ID" '{"expires_in":60}'
	anon "/public/links/$LINK_TOKEN"
	expect_status 200
	psql "$DATABASE_URL" -qc "update share_links set created_at = now() - interval '2 minutes',
		expires_at = now() - interval '1 second' where id = '$LINK_ID'"
	anon "/public/links/$LINK_TOKEN"
	expect_error 404 not_found
	[ "$(jq -r .error.message <<<"$BODY")" = 'no such link' ]
	owner GET "/videos/$VIDEO_ID/links"
	[ "$(jq -c .links <<<"$BODY")" = '[]' ]
	# revoking it is still the owner's to do
	owner DELETE "/videos/$VIDEO_ID/links/$LINK_ID"
	expect_status 204
}

@test "deleting a video deletes its links" {
	new_video
	make_ready
	new_link "$VIDEO_ID"
	owner DELETE "/videos/$VIDEO_ID"
	expect_status 204
	anon "/public/links/$LINK_TOKEN"
	expect_error 404 not_found
	[ "$(psql_value "select count(*) from share_links where video_id = '$VIDEO_ID'")" = 0 ]
}

@test "malformed tokens are the same 404" {
	anon "/public/links/$(openssl rand 32 | b64url)"
	unknown=$BODY
	for t in short "$(printf 'A%.0s' $(seq 1 300))" "$(openssl rand 32 | openssl base64 -A | tr '/' '+')" \
		"$(openssl rand 32 | b64url)=" 'a%20b' "$(openssl rand 32 | b64url | tr 'A-Za-z' 'a-zA-Z')x"; do
		anon "/public/links/$t"
		expect_error 404 not_found
		[ "$BODY" = "$unknown" ]
	done
}

@test "the public listing: public and ready only, newest first, paged with a cursor" {
	for i in 1 2 3; do
		new_video
		make_ready
		set_visibility "$VIDEO_ID" public
		pub+=("$VIDEO_ID")
	done
	new_video
	make_ready
	set_visibility "$VIDEO_ID" unlisted
	hidden=("$VIDEO_ID")
	new_video
	make_ready
	hidden+=("$VIDEO_ID") # private
	new_video
	set_visibility "$VIDEO_ID" public
	hidden+=("$VIDEO_ID") # not ready

	anon '/public/videos?limit=2'
	expect_status 200
	[ "$(jq -r '[.videos[].id] | join(",")' <<<"$BODY")" = "${pub[2]},${pub[1]}" ]
	[ "$(header RateLimit-Limit)" = 120 ]
	cursor=$(jq -r .next_cursor <<<"$BODY")
	anon "/public/videos?limit=2&cursor=$(jq -rn --arg c "$cursor" '$c|@uri')"
	expect_status 200
	[ "$(jq -r '.videos[0].id' <<<"$BODY")" = "${pub[0]}" ]
	# every page, to the end (bounded): never a hidden one, never an owner's field
	seen=$BATS_TEST_TMPDIR/seen
	: >"$seen"
	cursor=
	for page in $(seq 1 20); do
		anon "/public/videos?limit=100${cursor:+&cursor=$(jq -rn --arg c "$cursor" '$c|@uri')}"
		expect_status 200
		jq -r '.videos[].id' <<<"$BODY" >>"$seen"
		[ "$(jq '[.videos[] | select(has("error") or has("size") or has("progress"))] | length' <<<"$BODY")" = 0 ]
		[ "$(jq '[.videos[] | select(.visibility != "public" or .status != "ready")] | length' <<<"$BODY")" = 0 ]
		cursor=$(jq -r '.next_cursor // empty' <<<"$BODY")
		[ -n "$cursor" ] || break
	done
	for id in "${pub[@]}"; do grep -qx "$id" "$seen"; done
	for id in "${hidden[@]}"; do not grep -qx "$id" "$seen"; done
	for q in 'limit=0' 'limit=101' 'limit=abc' 'limit=' 'cursor=garbage' 'cursor=123_not-a-uuid'; do
		anon "/public/videos?$q"
		expect_error 400 invalid_request
	done
}

@test "anonymous routes are limited per client IP: 429 with Retry-After and the RateLimit headers" {
	id=$(unknown_uuid)
	anon "/public/videos/$id"
	[ "$(header RateLimit-Limit)" = 120 ]
	[ "$(header RateLimit-Remaining)" = 119 ]
	# 130 more on one connection: the allowance runs out (a few come back
	# while they run: 2 a second)
	urls=()
	for i in $(seq 1 130); do urls+=("$API_URL/public/videos/$id" -o /dev/null); done
	curl -sS --interface "$ANON_IP" -w '%{http_code}\n' "${urls[@]}" >"$BATS_TEST_TMPDIR/codes"
	n404=$(grep -c '^404$' "$BATS_TEST_TMPDIR/codes" || true)
	n429=$(grep -c '^429$' "$BATS_TEST_TMPDIR/codes" || true)
	echo "# $WEB_SERVER: $n404 × 404, $n429 × 429" >&3
	[ $((n404 + n429)) -eq 130 ] && [ "$n404" -ge 119 ] && [ "$n429" -ge 1 ]
	# while it stays spent, every anonymous route refuses (the allowance
	# comes back at 2 a second: a request may find one and spend it)
	spent() {
		for try in 1 2 3 4 5; do
			api GET "$@"
			[ "$STATUS" = 429 ] && return 0
		done
	}
	for path in "/public/videos/$id" /public/videos "/public/links/$(openssl rand 32 | b64url)"; do
		spent "$path" --interface "$ANON_IP"
		expect_error 429 rate_limited
		[ "$(header RateLimit-Limit)" = 120 ]
		[ "$(header RateLimit-Remaining)" = 0 ]
		[ "$(header Retry-After)" -ge 1 ]
		[ "$(header RateLimit-Reset)" -ge 1 ]
	done
	# the web app's preview page degrades to the generic tags instead
	page "/watch/$id"
	[ "$(og og:title)" = vidpipe ]
	# another client is not affected; through the trusted proxy, the
	# forwarded client is the one counted
	api GET "/public/videos/$id" --interface "$(random_ip)"
	expect_error 404 not_found
	spent "/public/videos/$id" -H "X-Forwarded-For: $ANON_IP"
	expect_error 429 rate_limited
}

@test "link previews: escaped tags for public and unlisted pages and share links, generic ones for the rest" {
	new_video
	make_ready
	title=$'<b>"Tom" & \'Jerry\'</b> — Été'
	owner_json PATCH "/videos/$VIDEO_ID" "$(jq -cn --arg t "$title" '{title:$t,visibility:"public"}')"
	expect_status 200
	escaped='&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt; — Été'

	page "/watch/$VIDEO_ID"
	[[ "$(header Content-Type)" == text/html* ]]
	[ "$(og og:title)" = "$escaped" ]
	[ "$(og twitter:title)" = "$escaped" ]
	[ "$(og og:type)" = video.other ]
	[ "$(og og:url)" = "$FRONTEND_URL/watch/$VIDEO_ID" ]
	[ "$(og twitter:card)" = summary_large_image ]
	[ -z "$(og robots)" ] # a public page may be indexed
	grep -qF "<title>$escaped · vidpipe</title>" <<<"$BODY"
	not grep -qF '<b>' <<<"$BODY"
	# the image is the thumbnail, short-lived, and storage serves it
	img=$(og og:image | sed 's/&amp;/\&/g')
	[[ "$img" == *X-Amz-Expires=300\&* ]]
	[ "$(curl -sSf "$img")" = 'rendition bytes' ]
	# the app is still the app
	grep -q '<div id="root"></div>' <<<"$BODY"
	grep -q '<script type="module"' <<<"$BODY"

	set_visibility "$VIDEO_ID" unlisted
	page "/watch/$VIDEO_ID"
	[ "$(og og:title)" = "$escaped" ]
	[ "$(og robots)" = noindex ]

	# private: the generic page, the same as for an unknown id
	set_visibility "$VIDEO_ID" private
	page "/watch/$VIDEO_ID"
	private=$BODY
	[ "$(og og:title)" = vidpipe ]
	[ "$(og og:type)" = website ]
	[ "$(og og:url)" = "$FRONTEND_URL/" ]
	[ -z "$(og og:image)" ]
	not grep -qF "$VIDEO_ID" <<<"$BODY"
	not grep -qF 'Tom' <<<"$BODY"
	page "/watch/$(unknown_uuid)"
	[ "$BODY" = "$private" ]

	# a share link names even a private video; once revoked, nothing
	new_link "$VIDEO_ID"
	page "/s/$LINK_TOKEN"
	[ "$(og og:title)" = "$escaped" ]
	[ "$(og og:url)" = "$FRONTEND_URL/s/$LINK_TOKEN" ]
	[ "$(og robots)" = noindex ]
	owner DELETE "/videos/$VIDEO_ID/links/$LINK_ID"
	page "/s/$LINK_TOKEN"
	[ "$BODY" = "$private" ]
}

@test "only the embed pages may be framed; every page keeps the app's other headers" {
	new_video
	make_ready
	new_link "$VIDEO_ID"
	for p in / /sessions /explore "/watch/$VIDEO_ID" "/s/$LINK_TOKEN" "/videos/$VIDEO_ID"; do
		page "$p"
		csp=$(header Content-Security-Policy)
		[[ "$csp" == *"frame-ancestors 'none'"* ]] || { echo "$p: $csp" >&2; return 1; }
		[[ "$csp" == *"script-src 'self'"* ]]
		[ "$(header X-Content-Type-Options)" = nosniff ]
		[ "$(header Referrer-Policy)" = no-referrer ]
		[ "$(header Cache-Control)" = no-cache ]
		[ "$(grep -ci '^x-content-type-options:' "$HEADERS")" = 1 ]
	done
	for p in "/embed/$VIDEO_ID" "/embed/s/$LINK_TOKEN"; do
		page "$p"
		csp=$(header Content-Security-Policy)
		[[ "$csp" == *"frame-ancestors *"* ]] || { echo "$p: $csp" >&2; return 1; }
		[[ "$csp" == *"script-src 'self'"* ]]
		[[ "$csp" != *"frame-ancestors 'none'"* ]]
		[ "$(header Referrer-Policy)" = no-referrer ]
		grep -q '<div id="embed"></div>' <<<"$BODY"
	done
}

@test "no log holds a share link's token" {
	new_video
	make_ready
	new_link "$VIDEO_ID"
	anon "/public/links/$LINK_TOKEN"
	expect_status 200
	# the same path %-encoded: routed the same, logged the same
	anon "/publi%63/links/$LINK_TOKEN"
	page "/s/$LINK_TOKEN"
	page "/embed/s/$LINK_TOKEN"
	owner DELETE "/videos/$VIDEO_ID/links/$LINK_ID"
	anon "/public/links/$LINK_TOKEN"
	# lighttpd writes its access log a moment later: wait for a request made
	# after (a path: the logs keep no query)
	marker=flush-$RANDOM$RANDOM
	curl -sS -o /dev/null "$API_URL/$marker"
	for i in $(seq 1 100); do
		grep -qs "$marker" "$VAR_DIR"/log/*access.log && break
		sleep 0.1
	done
	grep -qs "$marker" "$VAR_DIR"/log/*access.log
	not grep -rqF "$LINK_TOKEN" "$VAR_DIR/log"
	# what the responders log instead: the path without it, the link by its id
	grep -qF '"path":"/public/links/[hidden]"' "$VAR_DIR"/log/{responders,apache-error}.log 2>/dev/null
	grep -qF "\"link\":\"$LINK_ID\"" "$VAR_DIR"/log/{responders,apache-error}.log 2>/dev/null
}

@test "the new routes answer OPTIONS and CORS as every route, and 405 with Allow" {
	new_video
	for p in /public/videos "/public/videos/$VIDEO_ID" "/public/links/x" "/videos/$VIDEO_ID/links" \
		"/videos/$VIDEO_ID/links/$(unknown_uuid)"; do
		api OPTIONS "$p" -H "Origin: $FRONTEND_URL" -H 'Access-Control-Request-Method: GET'
		expect_status 204
		[ "$(header Access-Control-Allow-Origin)" = "$FRONTEND_URL" ]
		[[ "$(header Allow)" == *OPTIONS ]]
	done
	api POST /public/videos -H 'Content-Type: application/json' --data '{}'
	expect_error 405 method_not_allowed
	[ "$(header Allow)" = 'GET, OPTIONS' ]
	owner PUT "/videos/$VIDEO_ID/links" -H 'Content-Type: application/json' --data '{}'
	expect_error 405 method_not_allowed
	[ "$(header Allow)" = 'GET, POST, OPTIONS' ]
	anon "/public/videos" -H "Origin: $FRONTEND_URL"
	[ "$(header Access-Control-Allow-Origin)" = "$FRONTEND_URL" ]
	anon "/public/videos" -H 'Origin: https://elsewhere.example'
	[ -z "$(header Access-Control-Allow-Origin)" ]
}
