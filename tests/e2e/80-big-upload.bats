#!/usr/bin/env bats
# A real 1,280-part upload completed through the API (api.md: "Completion
# works at every size the contract allows"). Storage keeps S3's rule that
# every part but the last has 5 MiB at least, and each part URL binds its
# exact length, so 1,280 parts are real bytes: this suite restarts the web
# server with the smallest part size the contract allows (5 MiB, 6.25 GiB in
# all, the same zero-filled part sent 1,280 times) and puts the default back
# afterwards. (The 10 GiB upload at the default 8 MiB runs in make bench.)
# e2e: one web server (the bytes go to storage; the web server carries a
# 1,280-part completion body, a seventh of the 10,000-part one that
# 30-uploads sends under both servers)

load helpers

PARTS=1280
PART=$((5 * 1024 * 1024))

# The web server started here outlives the suite: it must hold none of
# bats' descriptors (the one bats reads its results from included), or bats
# waits for it forever.
restart_web() {
	(
		for fd in $(seq 3 255); do eval "exec $fd>&-"; done
		exec "$ROOT/stack/stack.sh" --test web "$WEB_SERVER"
	) >/dev/null 2>&1 </dev/null
}

setup_file() {
	pause_worker
	UPLOAD_PART_SIZE=$PART restart_web
}

teardown_file() {
	restart_web
	resume_worker
}

@test "1,280 parts of 5 MiB: signed 100 at a time, sent, completed with one 1,280-part body" {
	register_user
	login
	size=$((PARTS * PART))
	api POST /uploads -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data "{\"filename\":\"big.mp4\",\"size\":$size,\"content_type\":\"video/mp4\"}"
	expect_status 201
	[ "$(jq -r .upload.part_size <<<"$BODY")" = "$PART" ]
	[ "$(jq -r .upload.part_count <<<"$BODY")" = "$PARTS" ]
	UPLOAD_ID=$(jq -r .upload.id <<<"$BODY")
	VIDEO_ID=$(jq -r .upload.video_id <<<"$BODY")
	head -c "$PART" /dev/zero >"$BATS_TEST_TMPDIR/part"
	: >"$BATS_TEST_TMPDIR/curl.cfg"
	for first in $(seq 1 100 "$PARTS"); do
		last=$((first + 99 < PARTS ? first + 99 : PARTS))
		api POST "/uploads/$UPLOAD_ID/parts" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
			--data "{\"part_numbers\":[$(seq -s, "$first" "$last")]}"
		expect_status 200
		jq -r --arg f "$BATS_TEST_TMPDIR/part" \
			'.parts[] | "url = \"\(.url)\"\nupload-file = \"\($f)\"\noutput = \"/dev/null\""' \
			<<<"$BODY" >>"$BATS_TEST_TMPDIR/curl.cfg"
	done
	# every part, 8 at a time; each line: part number, status, ETag
	curl -sS --no-progress-meter -Z --parallel-max 8 -K "$BATS_TEST_TMPDIR/curl.cfg" \
		-w '%{url} %{http_code} %header{etag}\n' |
		sed -E 's/.*[?&]partNumber=([0-9]+)&[^ ]* /\1 /' | sort -n >"$BATS_TEST_TMPDIR/sent"
	[ "$(awk '$2 == 200 && $3 != ""' "$BATS_TEST_TMPDIR/sent" | wc -l)" = "$PARTS" ]
	awk '{ printf "{\"part_number\":%d,\"etag\":%s}\n", $1, "\"" substr($3, 2, length($3) - 2) "\"" }' \
		"$BATS_TEST_TMPDIR/sent" | jq -cs '{parts: .}' >"$BATS_TEST_TMPDIR/complete.json"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/complete.json")" -gt 65536 ]
	api POST "/uploads/$UPLOAD_ID/complete" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data-binary "@$BATS_TEST_TMPDIR/complete.json"
	expect_status 202
	[ "$(psql_value "select status || ' ' || size from videos where id = '$VIDEO_ID'")" = "queued $size" ]
	[ "$(psql_value "select count(*) from outbox where video_id = '$VIDEO_ID'")" = 1 ]
	# the object is whole: storage's size is the declared one
	key=$(psql_value "select raw_key from videos where id = '$VIDEO_ID'")
	url=$(presign_at HEAD "$AWS_ENDPOINT_URL_S3/$S3_BUCKET_RAW/$key" "" "$(date -u +%Y%m%dT%H%M%SZ)" 300)
	[ "$(curl -sSfI "$url" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" { print $2 }')" = "$size" ]
	# 6.25 GiB is given back at once
	api DELETE "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	expect_status 204
}
