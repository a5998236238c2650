#!/usr/bin/env bats
# A dependency that goes down gives 503 unavailable naming it; once it is back
# the next request succeeds without restarting the web server. These suites
# stop and start real services, so they run last and restore what they stop.

load helpers

teardown() {
	# whatever happened, leave every service running for the next suite
	stack start worker || true
	stack start postgres || true
	stack start redis || true
	stack start s3 || true
	stack start sqs || true
}

check_outage() { # check_outage SERVICE CHECK_NAME
	wait_healthy 30
	web_pid=$(cat "$VAR_DIR/run/$WEB_SERVER.pid")
	stack stop "$1"
	api GET /healthz
	expect_status 503
	[ "$(jq -r ".checks.$2" <<<"$BODY")" != ok ]
	[ "$(jq -r '.status' <<<"$BODY")" = unavailable ]
	[ "$(jq -r '.error.code' <<<"$BODY")" = unavailable ]
	# the others still answer ok
	[ "$(jq -r '[.checks[] | select(. == "ok")] | length' <<<"$BODY")" = 3 ]
	stack start "$1"
	api GET /healthz
	expect_status 200
	[ "$(cat "$VAR_DIR/run/$WEB_SERVER.pid")" = "$web_pid" ]
}

@test "Redis down: healthz 503 naming redis; back up: the next request is 200" {
	check_outage redis redis
}

@test "Postgres down: healthz 503 naming postgres; back up: the next request is 200" {
	check_outage postgres postgres
}

@test "S3 down: healthz 503 naming s3; back up: 200" {
	check_outage s3 s3
}

@test "SQS down: healthz 503 naming sqs; back up: 200" {
	check_outage sqs sqs
}

@test "Redis down: authenticated routes 503, never a pass; back up: they work" {
	wait_healthy 30
	register_user
	login
	stack stop redis
	api GET /me -H "Authorization: Bearer $TOKEN"
	expect_error 503 unavailable
	api GET /auth/sessions -H "Authorization: Bearer $TOKEN"
	expect_error 503 unavailable
	stack start redis
	api GET /me -H "Authorization: Bearer $TOKEN"
	expect_status 200
}

@test "Postgres down: login 503 unavailable; back up: it works" {
	wait_healthy 30
	register_user
	stack stop postgres
	api POST /auth/login --interface "$(random_ip)" -H 'Content-Type: application/json' \
		--data "$(jq -cn --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')"
	expect_error 503 unavailable
	stack start postgres
	login
}

@test "Postgres down: every route that needs it is 503 unavailable; healthz names it; back up, each works again without a restart" {
	wait_healthy 30
	register_user
	login
	make_video "$BATS_TEST_TMPDIR/v.mp4" 0.5
	create_upload "$BATS_TEST_TMPDIR/v.mp4"
	vid=$VIDEO_ID up=$UPLOAD_ID
	web_pid=$(cat "$VAR_DIR/run/$WEB_SERVER.pid")
	calls() {
		api GET /me -H "Authorization: Bearer $TOKEN"
		echo "me $STATUS $(jq -r .error.code <<<"$BODY")"
		api GET /videos -H "Authorization: Bearer $TOKEN"
		echo "videos $STATUS $(jq -r .error.code <<<"$BODY")"
		api GET "/videos/$vid" -H "Authorization: Bearer $TOKEN"
		echo "video $STATUS $(jq -r .error.code <<<"$BODY")"
		api PATCH "/videos/$vid" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{"title":"t"}'
		echo "rename $STATUS $(jq -r .error.code <<<"$BODY")"
		api GET "/uploads/$up" -H "Authorization: Bearer $TOKEN"
		echo "upload $STATUS $(jq -r .error.code <<<"$BODY")"
		api POST "/uploads/$up/parts" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{"part_numbers":[1]}'
		echo "parts $STATUS $(jq -r .error.code <<<"$BODY")"
		api POST "/uploads/$up/complete" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{}'
		echo "complete $STATUS $(jq -r .error.code <<<"$BODY")"
		api POST /uploads -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
			--data '{"filename":"a.mp4","size":1000,"content_type":"video/mp4"}'
		echo "create $STATUS $(jq -r .error.code <<<"$BODY")"
		api POST /auth/register --interface "$(random_ip)" -H 'Content-Type: application/json' \
			--data "{\"email\":\"pg-$RANDOM$RANDOM@example.com\",\"password\":\"long enough\"}"
		echo "register $STATUS $(jq -r .error.code <<<"$BODY")"
	}
	stack stop postgres
	calls >"$BATS_TEST_TMPDIR/down"
	cat "$BATS_TEST_TMPDIR/down" >&3
	# /me answers from the session in Redis, where login stored the user's
	# fields (issue 15): it needs no Postgres, and must still answer
	[ "$(awk '$1 == "me"' "$BATS_TEST_TMPDIR/down")" = "me 200 null" ]
	[ "$(awk '$1 != "me" && ($2 != 503 || $3 != "unavailable")' "$BATS_TEST_TMPDIR/down" | wc -l)" = 0 ]
	api GET /healthz
	expect_status 503
	[ "$(jq -r .checks.postgres <<<"$BODY")" = unavailable ]
	stack start postgres
	calls >"$BATS_TEST_TMPDIR/up"
	! grep -E ' (5[0-9][0-9]) ' "$BATS_TEST_TMPDIR/up"
	api GET /healthz
	expect_status 200
	[ "$(cat "$VAR_DIR/run/$WEB_SERVER.pid")" = "$web_pid" ]
}

@test "storage down during completion: 503, nothing recorded; back up, the same completion is 202" {
	wait_healthy 30
	register_user
	login
	make_video "$BATS_TEST_TMPDIR/v.mp4" 0.5
	pause_worker
	create_upload "$BATS_TEST_TMPDIR/v.mp4"
	n=$(jq -r .upload.part_count <<<"$UPLOAD")
	for i in $(seq 1 "$n"); do put_part "$BATS_TEST_TMPDIR/v.mp4" "$i"; done
	stack stop s3
	for body in "$(complete_body $(seq 1 "$n"))" '{}'; do
		complete_upload "$body"
		expect_error 503 unavailable
	done
	[ "$(psql_value "select status from uploads where id = '$UPLOAD_ID'")" = active ]
	[ "$(psql_value "select status from videos where id = '$VIDEO_ID'")" = uploading ]
	[ "$(psql_value "select count(*) from outbox where video_id = '$VIDEO_ID'")" = 0 ]
	stack start s3
	complete_upload "$(complete_body $(seq 1 "$n"))"
	expect_status 202
	[ "$(psql_value "select count(*) from outbox where video_id = '$VIDEO_ID'")" = 1 ]
	resume_worker
}

@test "SQS down during completion: 202, the job waits in the outbox; back up, maintenance sends exactly one" {
	wait_healthy 30
	register_user
	login
	make_video "$BATS_TEST_TMPDIR/v.mp4" 0.5
	upload_parts_only() {
		create_upload "$1"
		local n i
		n=$(jq -r .upload.part_count <<<"$UPLOAD")
		for i in $(seq 1 "$n"); do put_part "$1" "$i"; done
		PARTS=$(complete_body $(seq 1 "$n"))
	}
	upload_parts_only "$BATS_TEST_TMPDIR/v.mp4"
	pause_worker # so the queue can be inspected
	stack stop sqs
	complete_upload "$PARTS"
	expect_status 202
	[ "$(psql_value "select count(*) from outbox where video_id = '$VIDEO_ID' and sent_at is null")" = 1 ]
	[ "$(psql_value "select status from videos where id = '$VIDEO_ID'")" = queued ]
	stack start sqs
	run_maint
	[ "$(psql_value "select count(*) from outbox where video_id = '$VIDEO_ID' and sent_at is not null")" = 1 ]
	[ "$(queue_count_for "$VIDEO_ID")" = 1 ]
	# a second maintenance run sends nothing more
	run_maint
	[ "$(psql_value "select attempts from outbox where video_id = '$VIDEO_ID'")" = 1 ]
	resume_worker
}

@test "storage down while a job waits: retried, then after 5 receives the video fails and the message is dead-lettered" {
	wait_healthy 30
	register_user
	login
	make_video "$BATS_TEST_TMPDIR/v.mp4" 0.5
	pause_worker
	upload_whole "$BATS_TEST_TMPDIR/v.mp4"
	stack stop s3
	stack start worker
	# 5 deliveries, 5 s apart: the last marks the video failed
	for i in $(seq 1 120); do
		[ "$(psql_value "select status from videos where id = '$VIDEO_ID'")" = failed ] && break
		sleep 0.5
	done
	[ "$(psql_value "select status from videos where id = '$VIDEO_ID'")" = failed ]
	[ "$(grep -c "\"event\":\"job_retry\".*$VIDEO_ID" "$VAR_DIR/log/worker.log")" -ge 5 ]
	# the next receive moves the message to the dead-letter queue, which the
	# maintenance job (every 2 s in the test stack) drains and records
	for i in $(seq 1 60); do
		grep -q "\"event\":\"dead_letter\",\"video\":\"$VIDEO_ID\"" "$VAR_DIR/log/worker.log" && break
		sleep 0.5
	done
	grep -q "\"event\":\"dead_letter\",\"video\":\"$VIDEO_ID\",\"video_failed\":\"no\",\"received\":\"[0-9]*\",\"result\":\"ok\"" "$VAR_DIR/log/worker.log"
	[ "$(psql_value "select status from videos where id = '$VIDEO_ID'")" = failed ]
	stack start s3
}
