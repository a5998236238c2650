#!/usr/bin/env bats
# The videos API (api.md, "Videos"): list with cursor pagination, one video
# with playback URLs when ready, rename, delete with every stored object.

load helpers

teardown_file() { resume_worker; }

setup_file() { pause_worker; }

setup() {
	register_user
	login
}

@test "a new video is listed with the contract's fields, URLs null until ready" {
	new_video
	api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	expect_status 200
	[ "$(jq -c '.video | keys' <<<"$BODY")" = '["created_at","duration_seconds","error","height","id","playback","progress","renditions","size","status","thumbnail_url","title","updated_at","visibility","width"]' ]
	[ "$(jq -c .video.playback <<<"$BODY")" = '{"hls":null,"complete":false}' ]
	[ "$(jq -r .video.status <<<"$BODY")" = queued ]
	[ "$(jq -r .video.title <<<"$BODY")" = v.mp4 ]
	[ "$(jq -r .video.size <<<"$BODY")" = 1500 ]
	[ "$(jq -r .video.thumbnail_url <<<"$BODY")" = null ]
	[ "$(jq -c .video.renditions <<<"$BODY")" = '[]' ]
}

@test "a ready video answers pre-signed URLs that storage serves" {
	new_video
	make_ready
	api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	expect_status 200
	[ "$(jq -r .video.status <<<"$BODY")" = ready ]
	[ "$(jq -c '[.video.renditions[].name]' <<<"$BODY")" = '["720p","360p"]' ]
	url=$(jq -r '.video.renditions[0].url' <<<"$BODY")
	[[ "$url" == *X-Amz-Signature=* ]] && [[ "$url" == *X-Amz-Expires=3600* ]]
	[ "$(curl -sSf "$url")" = 'rendition bytes' ]
	[ "$(curl -sSf "$(jq -r .video.thumbnail_url <<<"$BODY")")" = 'rendition bytes' ]
	# the signature, not the key, is what grants access
	run curl -sS -o /dev/null -w '%{http_code}' "${url%%\?*}"
	[ "$output" != 200 ]
}

@test "the list is newest first and pages with a cursor" {
	for i in 1 2 3; do new_video; ids+=("$VIDEO_ID"); done
	api GET '/videos?limit=2' -H "Authorization: Bearer $TOKEN"
	expect_status 200
	[ "$(jq -r '[.videos[].id] | join(",")' <<<"$BODY")" = "${ids[2]},${ids[1]}" ]
	cursor=$(jq -r .next_cursor <<<"$BODY")
	[ "$cursor" != null ]
	api GET "/videos?limit=2&cursor=$(jq -rn --arg c "$cursor" '$c|@uri')" -H "Authorization: Bearer $TOKEN"
	expect_status 200
	[ "$(jq -r '[.videos[].id] | join(",")' <<<"$BODY")" = "${ids[0]}" ]
	[ "$(jq -r .next_cursor <<<"$BODY")" = null ]
	api GET /videos -H "Authorization: Bearer $TOKEN"
	[ "$(jq '.videos | length' <<<"$BODY")" = 3 ]
}

@test "bad list parameters are 400" {
	for q in 'limit=0' 'limit=101' 'limit=abc' 'limit=' 'limit=5.5' 'cursor=garbage' \
		'cursor=123_not-a-uuid'; do
		api GET "/videos?$q" -H "Authorization: Bearer $TOKEN"
		expect_error 400 invalid_request
	done
	# an encoded NUL: lighttpd refuses the URL itself (its own 400 page,
	# before any responder runs); Apache passes it and the responder does
	api GET "/videos?cursor=%00" -H "Authorization: Bearer $TOKEN"
	expect_status 400
}

@test "rename: 200 with the video; bad titles 400" {
	new_video
	api PATCH "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data '{"title":"Holiday — day 1"}'
	expect_status 200
	[ "$(jq -r .video.title <<<"$BODY")" = 'Holiday — day 1' ]
	for b in '{"title":5}' '{}' "{\"title\":\"$(printf 'x%.0s' $(seq 1 201))\"}" '{"title":"a\nb"}'; do
		api PATCH "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data "$b"
		expect_error 400 invalid_request
	done
}

@test "delete removes the video, its raw object and every processed object" {
	new_video
	make_ready
	raw=$(psql_value "select raw_key from videos where id = '$VIDEO_ID'")
	api DELETE "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	expect_status 204
	api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	expect_error 404 not_found
	[ "$(psql_value "select count(*) from renditions where video_id = '$VIDEO_ID'")" = 0 ]
	for k in "$S3_BUCKET_RAW $raw" "$S3_BUCKET_PROCESSED processed/$USER_ID/$VIDEO_ID/720p.mp4" \
		"$S3_BUCKET_PROCESSED processed/$USER_ID/$VIDEO_ID/thumb.jpg"; do
		set -- $k
		run curl -sS -o /dev/null -w '%{http_code}' "$("$ROOT/tools/vidpipe-admin" presign GET "$1" "$2" 60)"
		[ "$output" = 404 ]
	done
}

@test "deleting a video whose upload is still open aborts the storage upload" {
	head -c 1500 /dev/urandom >"$BATS_TEST_TMPDIR/v.mp4"
	create_upload "$BATS_TEST_TMPDIR/v.mp4"
	api DELETE "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	expect_status 204
	run curl -sS -o /dev/null -w '%{http_code}' -T "$BATS_TEST_TMPDIR/v.mp4" "$(jq -r '.upload.parts[0].url' <<<"$UPLOAD")"
	[ "$output" = 404 ]
}

@test "another user's video is 404 on every video route" {
	new_video
	mine=$VIDEO_ID
	register_user
	login
	api GET "/videos/$mine" -H "Authorization: Bearer $TOKEN"
	expect_error 404 not_found
	api PATCH "/videos/$mine" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{"title":"x"}'
	expect_error 404 not_found
	api DELETE "/videos/$mine" -H "Authorization: Bearer $TOKEN"
	expect_error 404 not_found
	api GET /videos -H "Authorization: Bearer $TOKEN"
	[ "$(jq '.videos | length' <<<"$BODY")" = 0 ]
	api GET /videos/not-a-uuid -H "Authorization: Bearer $TOKEN"
	expect_error 404 not_found
}
