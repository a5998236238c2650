#!/usr/bin/env bats
# tools/vidpipe-upload, the command-line uploader, against the real stack.

bats_require_minimum_version 1.5.0
load helpers

teardown_file() { resume_worker; }

setup_file() { pause_worker; }

setup() {
	register_user
	export VIDPIPE_PASSWORD=$PASSWORD XDG_STATE_HOME=$BATS_TEST_TMPDIR/state
	head -c $((30 * 1024 * 1024 + 4321)) /dev/urandom >"$BATS_TEST_TMPDIR/film.mp4"
}

stored_object_is() { # stored_object_is VIDEO_ID FILE
	key=$(psql_value "select raw_key from videos where id = '$1'")
	url=$(presign_at GET "$AWS_ENDPOINT_URL_S3/$S3_BUCKET_RAW/$key" "" "$(date -u +%Y%m%dT%H%M%SZ)" 300)
	curl -sSf "$url" -o "$BATS_TEST_TMPDIR/back"
	cmp "$2" "$BATS_TEST_TMPDIR/back"
}

@test "uploads a file in parallel parts and prints the queued video's id" {
	run --separate-stderr "$ROOT/tools/vidpipe-upload" -a "$API_URL" -e "$EMAIL" -j 4 "$BATS_TEST_TMPDIR/film.mp4"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f-]{36}$ ]]
	[[ "$stderr" == *"part 4/4 stored"* ]]
	[ "$(psql_value "select status from videos where id = '$output'")" = queued ]
	stored_object_is "$output" "$BATS_TEST_TMPDIR/film.mp4"
}

@test "an interrupted upload resumes: only the missing parts are sent" {
	# slow enough (1 part at a time, 8 MiB/s) to be stopped half-way
	setsid "$ROOT/tools/vidpipe-upload" -q -a "$API_URL" -e "$EMAIL" -j 1 -r 8M \
		"$BATS_TEST_TMPDIR/film.mp4" >/dev/null 2>&1 3>&- &
	pid=$!
	for i in $(seq 1 100); do
		id=$(cat "$XDG_STATE_HOME"/vidpipe-upload/* 2>/dev/null || true)
		[ -n "$id" ] && break
		sleep 0.1
	done
	[ -n "$id" ]
	# stop it as soon as storage holds a part (at 8 MiB/s the other three
	# need three more seconds), however slow the machine is
	login
	for i in $(seq 1 300); do
		api GET "/uploads/$id" -H "Authorization: Bearer $TOKEN"
		[ "$(jq '.upload.parts | length' <<<"$BODY")" -ge 1 ] && break
		sleep 0.1
	done
	kill -- -"$pid"
	wait "$pid" || true
	api GET "/uploads/$id" -H "Authorization: Bearer $TOKEN"
	held=$(jq '.upload.parts | length' <<<"$BODY")
	[ "$held" -ge 1 ] && [ "$held" -lt 4 ]
	run --separate-stderr "$ROOT/tools/vidpipe-upload" -a "$API_URL" -e "$EMAIL" "$BATS_TEST_TMPDIR/film.mp4"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"resuming upload $id"* ]]
	[ "$(psql_value "select video_id from uploads where id = '$id'")" = "$output" ]
	stored_object_is "$output" "$BATS_TEST_TMPDIR/film.mp4"
	[ -z "$(ls "$XDG_STATE_HOME/vidpipe-upload/")" ]
}

@test "a wrong password fails clearly with exit status 1" {
	VIDPIPE_PASSWORD=wrong-password run "$ROOT/tools/vidpipe-upload" -q -a "$API_URL" -e "$EMAIL" "$BATS_TEST_TMPDIR/film.mp4"
	[ "$status" -eq 1 ]
	[[ "$output" == *"login failed (401)"* ]]
}

@test "resume with more than ten parts sends exactly the missing ones" {
	# 12 parts of 8 MiB: part numbers past 9 must be compared as numbers
	head -c $((11 * 8 * 1024 * 1024 + 1000)) /dev/urandom >"$BATS_TEST_TMPDIR/twelve.mp4"
	login
	api POST /uploads -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data "{\"filename\":\"twelve.mp4\",\"size\":$((11 * 8 * 1024 * 1024 + 1000)),\"content_type\":\"video/mp4\"}"
	expect_status 201
	UPLOAD=$BODY
	UPLOAD_ID=$(jq -r .upload.id <<<"$BODY")
	n=$(jq -r .upload.part_count <<<"$UPLOAD")
	[ "$n" = 12 ]
	# parts 1, 2 and 12 are sent by hand, as a run cut short would have
	for p in 1 2 "$n"; do put_part "$BATS_TEST_TMPDIR/twelve.mp4" "$p"; done
	# the test stack lists two parts per page (stack.sh), so three held parts
	# come back only if every page of ListParts is read
	api GET "/uploads/$UPLOAD_ID" -H "Authorization: Bearer $TOKEN"
	[ "$(jq -c '[.upload.parts[].part_number]' <<<"$BODY")" = '[1,2,12]' ]
	mkdir -p "$XDG_STATE_HOME/vidpipe-upload"
	key=$(printf '%s\n%s\n%s\n%s\n' "$API_URL" "$EMAIL" "$BATS_TEST_TMPDIR/twelve.mp4" \
		"$(stat -c %s "$BATS_TEST_TMPDIR/twelve.mp4")" | sha256sum | cut -c1-32)
	echo "$UPLOAD_ID" >"$XDG_STATE_HOME/vidpipe-upload/$key"
	run --separate-stderr "$ROOT/tools/vidpipe-upload" -a "$API_URL" -e "$EMAIL" "$BATS_TEST_TMPDIR/twelve.mp4"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"resuming upload $UPLOAD_ID"* ]]
	stored_object_is "$output" "$BATS_TEST_TMPDIR/twelve.mp4"
}
