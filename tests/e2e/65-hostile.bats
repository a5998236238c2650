#!/usr/bin/env bats
# Hostile media (issue 11), end to end: files a stranger can upload, made
# here with ffmpeg or a few lines of Python, through the real API, storage,
# queue and the supervised worker. Each test asserts what a user sees — the
# status, the reason, how soon — and that the worker is still there for the
# next user with nothing left in its temporary folder.
# e2e: one web server (the worker and storage do the work; the web server only
# relays the API calls, and every API route is run under both elsewhere)

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR
	ff() { ffmpeg -nostdin -v error -y "$@"; }
	# a video of someone else's, readable by the worker's user: what a
	# playlist or manifest would make the worker publish
	SECRET_DIR=$(mktemp -d /tmp/vidpipe-e2e-secret-XXXXXX)
	chmod 755 "$SECRET_DIR"
	ff -f lavfi -i testsrc2=size=320x240:rate=25 -t 2 -c:v libx264 -preset ultrafast -f mpegts \
		"$SECRET_DIR/other-user.ts"
	chmod 644 "$SECRET_DIR/other-user.ts"
	echo "$SECRET_DIR" >"$d/secret_dir"
	printf '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2,\nfile://%s/other-user.ts\n#EXT-X-ENDLIST\n' \
		"$SECRET_DIR" >"$d/playlist.mp4"
	cat >"$d/manifest.mp4" <<-EOF
		<?xml version="1.0"?>
		<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
		<Period><AdaptationSet mimeType="video/mp2t"><Representation id="1" bandwidth="100000"><BaseURL>file://$SECRET_DIR/other-user.ts</BaseURL><SegmentBase/></Representation></AdaptationSet></Period></MPD>
	EOF
	# stereo 48 kHz for 2 s, then mono 44.1 kHz for 2 s, timestamps continuous
	ff -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
		-t 2 -c:v libx264 -preset ultrafast -c:a aac -ac 2 -shortest -f mpegts "$d/stereo.ts"
	ff -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=330:sample_rate=44100 \
		-t 2 -c:v libx264 -preset ultrafast -c:a aac -ac 1 -shortest -output_ts_offset 2 \
		-f mpegts "$d/mono.ts"
	cat "$d/stereo.ts" "$d/mono.ts" >"$d/layout.ts"
	# two clips that both start at 0, glued: timestamps go backwards at 2 s
	ff -f lavfi -i testsrc2=size=320x240:rate=25 -t 2 -c:v libx264 -preset ultrafast -f mpegts \
		"$d/part.ts"
	cat "$d/part.ts" "$d/part.ts" >"$d/backwards.ts"
	# a pixel bomb: 40 black 8192x8192 H.264 pictures in about 200 KB
	ff -f lavfi -i color=c=black:size=8192x8192:rate=25 -frames:v 40 -c:v libx264 \
		-preset ultrafast -crf 51 "$d/bomb.mp4"
	# a very wide MJPEG
	ff -f lavfi -i color=c=blue:size=30000x16:rate=5 -t 1 -c:v mjpeg -q:v 5 "$d/wide.avi"
	# a normal short clip, and one whose container duration is patched
	ff -f lavfi -i testsrc2=size=320x240:rate=25 -t 2 -c:v libx264 -preset ultrafast \
		"$d/normal.mp4"
	ff -f lavfi -i testsrc2=size=1280x720:rate=30 -t 20 -c:v libx264 -preset ultrafast \
		"$d/long.mp4"
	ff -f lavfi -i testsrc2=size=1280x720:rate=30 -t 8 -c:v libx264 -preset ultrafast \
		"$d/eight.mp4"
	patch_duration "$d/normal.mp4" "$d/huge.mp4" 4000000
	ff -f lavfi -i testsrc2=size=1280x720:rate=30 -t 30 -c:v libx264 -preset ultrafast \
		"$d/long30.mp4"
	patch_duration "$d/long30.mp4" "$d/lying.mp4" 18000
}

teardown_file() {
	rm -rf "$(cat "$BATS_FILE_TMPDIR/secret_dir")"
}

setup() {
	register_user
	login
}

teardown() {
	# an extra worker a test started: stopped, whatever happened
	if [ -s "$BATS_TEST_TMPDIR/extra.pid" ]; then
		kill -TERM "$(cat "$BATS_TEST_TMPDIR/extra.pid")" 2>/dev/null || true
		for i in $(seq 1 50); do kill -0 "$(cat "$BATS_TEST_TMPDIR/extra.pid")" 2>/dev/null || break; sleep 0.1; done
	fi
	if [ -e "$BATS_TEST_TMPDIR/paused" ]; then
		stack stop worker # it may run with other settings
		resume_worker
	fi
}

# patch_duration IN OUT SECONDS: the MP4's movie header (mvhd, version 0)
# says the file lasts SECONDS
patch_duration() {
	python3 - "$1" "$2" "$3" <<-'PY'
		import struct, sys
		b = bytearray(open(sys.argv[1], 'rb').read())
		i = b.find(b'mvhd')
		assert i > 0 and b[i + 4] == 0
		scale = struct.unpack('>I', b[i + 16:i + 20])[0]
		struct.pack_into('>I', b, i + 20, min(int(float(sys.argv[3]) * scale), 0xFFFFFFFF))
		open(sys.argv[2], 'wb').write(b)
	PY
}

# elapsed_since NS: whole seconds since a `date +%s%N`
elapsed_since() { echo $((($(date +%s%N) - $1) / 1000000000)); }

# worker_serves_others: a second user's normal upload becomes ready within
# a minute, and nothing is left in the workers' temporary folder
worker_serves_others() {
	local mine=$VIDEO_ID token=$TOKEN
	register_user
	login
	upload_whole "$BATS_FILE_TMPDIR/normal.mp4"
	wait_video ready 60
	VIDEO_ID=$mine TOKEN=$token
	no_job_folder_left
}

# lavf_at_least MAJOR MINOR: the FFmpeg here (the worker's libraries: the
# same Debian packages) has libavformat MAJOR.MINOR or later
lavf_at_least() {
	local v
	v=$(ffprobe -version | sed -n 's/^libavformat *\([0-9]*\)\. *\([0-9]*\)\..*/\1.\2/p')
	[ "$(printf '%s\n%s\n' "$1.$2" "$v" | sort -V | head -n 1)" = "$1.$2" ]
}

# expect_refused REASON [SECONDS]: the video ends failed within SECONDS
# (default 30) with exactly REASON, no renditions, nothing published
expect_refused() {
	wait_video failed "${2:-30}"
	[ "$(jq -r .video.error <<<"$BODY")" = "$1" ] || { echo "error: $(jq -r .video.error <<<"$BODY")" >&2; return 1; }
	[ "$(jq -c .video.renditions <<<"$BODY")" = '[]' ]
	[ "$(jq -r .video.thumbnail_url <<<"$BODY")" = null ]
	[ "$(psql_value "select count(*) from renditions where video_id = '$VIDEO_ID'")" = 0 ]
	[ "$(processed_object_status "processed/$USER_ID/$VIDEO_ID/thumb.jpg")" = 404 ]
	[ "$(processed_object_status "processed/$USER_ID/$VIDEO_ID/240p.mp4")" = 404 ]
	# refused, not crashed, and not retried
	[ "$(log_count job_start "$VIDEO_ID")" = 1 ]
	[ "$(log_count job_child_died "$VIDEO_ID")" = 0 ]
}

# start_extra_worker [VAR=VALUE...]: one more worker on the same queue, as
# another host would run it, with the test stack's timings and any overrides
start_extra_worker() {
	env TMPDIR="$WORKER_TMPDIR" WORKER_VISIBILITY_TIMEOUT=10 WORKER_WAIT_SECONDS=2 "$@" \
		"$ROOT/worker/vidpipe-worker" >/dev/null 2>"$BATS_TEST_TMPDIR/extra.log" 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/extra.pid"
}

@test "an HLS playlist pointing at a file on the worker's disk fails naming the format and publishes nothing" {
	upload_whole "$BATS_FILE_TMPDIR/playlist.mp4"
	# FFmpeg 6.1 and later (Debian 13) recognise a playlist only by its file
	# name, never by its bytes: there it is an unknown format, refused alike
	if lavf_at_least 60 16; then
		expect_refused "the file is not a video we can read (unknown format, or damaged or truncated)"
	else
		expect_refused "the file is an HLS playlist (hls), which is not a supported video format"
	fi
	worker_serves_others
}

@test "a DASH manifest pointing at a file on the worker's disk fails naming the format and publishes nothing" {
	upload_whole "$BATS_FILE_TMPDIR/manifest.mp4"
	expect_refused "the file is a DASH manifest (dash), which is not a supported video format"
	worker_serves_others
}

@test "audio whose layout and rate change midway (stereo 48 kHz, then mono 44.1 kHz) is resampled: ready, stereo 48 kHz throughout" {
	upload_whole "$BATS_FILE_TMPDIR/layout.ts"
	wait_video ready 60
	[ "$(log_count job_child_died "$VIDEO_ID")" = 0 ]
	[ "$(log_count job_start "$VIDEO_ID")" = 1 ]
	awk -v d="$(jq -r .video.duration_seconds <<<"$BODY")" 'BEGIN { exit !(d > 3.7 && d < 4.3) }'
	curl -sSf "$(jq -r '.video.renditions[0].url' <<<"$BODY")" -o "$BATS_TEST_TMPDIR/r.mp4"
	[ "$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_name,sample_rate,channels -of csv=p=0 "$BATS_TEST_TMPDIR/r.mp4")" = "aac,48000,2" ]
	# the audio lasts as long as the source's four seconds
	awk -v d="$(ffprobe -v error -select_streams a:0 -show_entries stream=duration -of csv=p=0 "$BATS_TEST_TMPDIR/r.mp4")" \
		'BEGIN { exit !(d > 3.7 && d < 4.3) }'
	no_job_folder_left
}

@test "a 200 KB 8192x8192 pixel bomb fails in seconds while another user's normal upload is ready in under a minute" {
	size=$(stat -c %s "$BATS_FILE_TMPDIR/bomb.mp4")
	[ "$size" -lt 300000 ]
	upload_whole "$BATS_FILE_TMPDIR/bomb.mp4"
	bomb=$VIDEO_ID bomb_token=$TOKEN
	t0=$(date +%s%N)
	register_user
	login
	upload_whole "$BATS_FILE_TMPDIR/normal.mp4"
	normal=$VIDEO_ID
	VIDEO_ID=$bomb TOKEN=$bomb_token
	wait_video failed 15
	echo "# the bomb failed $((($(date +%s%N) - t0) / 1000000)) ms after upload" >&3
	[ "$(jq -r .video.error <<<"$BODY")" = "the picture is 8192x8192 (67.1 megapixels); the limit is 33.2 megapixels" ]
	VIDEO_ID=$normal
	login
	wait_video ready 60
	echo "# the other user's video was ready $((($(date +%s%N) - t0) / 1000000)) ms after the bomb's upload" >&3
	[ "$(elapsed_since "$t0")" -lt 60 ]
	no_job_folder_left
}

@test "a container duration patched to a huge value fails at once naming the limit" {
	upload_whole "$BATS_FILE_TMPDIR/huge.mp4"
	if lavf_at_least 61 0; then
		# FFmpeg 7 (Debian 13) takes the length from the track, not from the
		# patched header: the same file is a 2 s clip, and plays as one
		wait_video ready 30
		[ "$(jq -r .video.duration_seconds <<<"$BODY")" = 2.0 ]
		return 0
	fi
	expect_refused "the file says it lasts 1111 hours; the limit is 6 hours" 20
	worker_serves_others
}

@test "a header that understates progress does not make a second worker take the job: the heartbeat is on the clock" {
	# the header says 5 hours over 30 s of 720p: progress stays near 0 % for
	# the whole job, which outlasts the 10 s visibility timeout
	start_extra_worker
	upload_whole "$BATS_FILE_TMPDIR/lying.mp4"
	wait_video processing 60
	t0=$(date +%s%N)
	api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	[ "$(jq -r .video.progress <<<"$BODY")" -le 1 ]
	wait_video ready 180
	echo "# processing took $((($(date +%s%N) - t0) / 1000000)) ms" >&3
	# long enough to prove something: past the visibility timeout (10 s)
	[ "$(elapsed_since "$t0")" -ge 12 ]
	# one job, done by one of the two workers
	[ "$(log_count job_start "$VIDEO_ID" "$WORKER_LOG" "$BATS_TEST_TMPDIR/extra.log")" = 1 ]
	[ "$(log_count job_skipped "$VIDEO_ID" "$WORKER_LOG" "$BATS_TEST_TMPDIR/extra.log")" = 0 ]
	# the duration recorded is what was decoded, not what the header says
	awk -v d="$(jq -r .video.duration_seconds <<<"$BODY")" 'BEGIN { exit !(d > 29.5 && d < 30.5) }'
	no_job_folder_left
}

@test "timestamps that go backwards are rebased as players do: the video is ready and plays for the whole file" {
	upload_whole "$BATS_FILE_TMPDIR/backwards.ts"
	wait_video ready 60
	[ "$(log_count job_start "$VIDEO_ID")" = 1 ]
	awk -v d="$(jq -r .video.duration_seconds <<<"$BODY")" 'BEGIN { exit !(d > 3.7 && d < 4.3) }'
	curl -sSf "$(jq -r '.video.renditions[0].url' <<<"$BODY")" -o "$BATS_TEST_TMPDIR/r.mp4"
	# every picture of both halves: 2 x 2 s at 25 fps
	frames=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$BATS_TEST_TMPDIR/r.mp4")
	[ "$frames" -ge 98 ] && [ "$frames" -le 102 ]
	no_job_folder_left
}

@test "a very wide MJPEG fails at once naming the limit" {
	upload_whole "$BATS_FILE_TMPDIR/wide.avi"
	expect_refused "the picture is 30000 pixels wide; the limit is 8192"
	worker_serves_others
}

@test "deleting a video while it is processing stops its transcode within seconds and frees the worker" {
	upload_whole "$BATS_FILE_TMPDIR/long.mp4"
	wait_video processing 60
	w=$(worker_pids | head -n 1)
	for i in $(seq 1 100); do [ -n "$(pgrep -P "$w")" ] && break; sleep 0.1; done
	child=$(pgrep -P "$w")
	[ -n "$child" ]
	t0=$(date +%s%N)
	api DELETE "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	expect_status 204
	for i in $(seq 1 100); do [ "$(log_count job_cancelled "$VIDEO_ID")" = 1 ] && break; sleep 0.1; done
	[ "$(log_count job_cancelled "$VIDEO_ID")" = 1 ]
	! kill -0 "$child" 2>/dev/null
	echo "# cancelled $((($(date +%s%N) - t0) / 1000000)) ms after DELETE" >&3
	[ "$(elapsed_since "$t0")" -lt 8 ]
	# the same worker, still running, takes the next user's job
	kill -0 "$w"
	no_job_folder_left 5
	worker_serves_others
	[ "$(log_count job_done "$VIDEO_ID")" = 0 ]
}

@test "a transcode over its CPU budget costs the attempt (logged with the signal); the last attempt fails the video with a reason; the worker lives; a budget that grows with the duration lets it through" {
	pause_worker
	touch "$BATS_TEST_TMPDIR/paused"
	# a worker whose transcodes may use 1 CPU second, and 2 attempts (8 s of
	# 720p needs about 6)
	start_extra_worker WORKER_CPU_SECONDS=1 WORKER_CPU_PER_SECOND=0 WORKER_MAX_RECEIVES=2
	extra=$(cat "$BATS_TEST_TMPDIR/extra.pid")
	upload_whole "$BATS_FILE_TMPDIR/eight.mp4"
	wait_video failed 90
	[ "$(jq -r .video.error <<<"$BODY")" = "the video could not be processed: it needs more processing time than its length allows" ]
	log=$BATS_TEST_TMPDIR/extra.log
	[ "$(grep -c "\"event\":\"job_child_died\",\"video\":\"$VIDEO_ID\",\"signal\":\"SIGXCPU\"" "$log")" = 2 ]
	[ "$(log_count job_start "$VIDEO_ID" "$log")" = 2 ]
	# the worker itself is alive and idle, its folders gone
	kill -0 "$extra"
	no_job_folder_left
	# and the message is gone: with no worker left, nothing comes back
	kill -TERM "$extra"
	for i in $(seq 1 50); do kill -0 "$extra" 2>/dev/null || break; sleep 0.1; done
	sleep 2.5 # its cut-off long poll
	[ "$(queue_count_for "$VIDEO_ID")" = 0 ]
	# 1 CPU second plus 2 per second of video (17): the same file goes through
	start_extra_worker WORKER_CPU_SECONDS=1 WORKER_CPU_PER_SECOND=2 WORKER_MAX_RECEIVES=2
	upload_whole "$BATS_FILE_TMPDIR/eight.mp4"
	wait_video ready 120
	[ "$(log_count job_start "$VIDEO_ID" "$BATS_TEST_TMPDIR/extra.log")" = 1 ]
}

@test "a job whose message reaches the dead-letter queue leaves its video failed, recorded by the maintenance job" {
	pause_worker
	touch "$BATS_TEST_TMPDIR/paused"
	upload_whole "$BATS_FILE_TMPDIR/normal.mp4"
	# a worker took it and died, again and again: processing, never finished
	psql_value "update videos set status = 'processing' where id = '$VIDEO_ID'" >/dev/null
	for i in $(seq 1 5); do
		out=$(sqs_call ReceiveMessage "{\"QueueUrl\":\"$SQS_QUEUE_URL\",\"MaxNumberOfMessages\":1,\"VisibilityTimeout\":0}")
		[ "$(jq --arg v "$VIDEO_ID" '[.Messages // [] | .[] | .Body | fromjson | select(.video_id == $v)] | length' <<<"$out")" = 1 ]
	done
	# the sixth receive moves it to the dead-letter queue (maxReceiveCount 5)
	out=$(sqs_call ReceiveMessage "{\"QueueUrl\":\"$SQS_QUEUE_URL\",\"MaxNumberOfMessages\":1,\"VisibilityTimeout\":0}")
	[ "$(jq '.Messages // [] | length' <<<"$out")" = 0 ]
	[ "$(psql_value "select status from videos where id = '$VIDEO_ID'")" = processing ]
	run_maint 2>"$BATS_TEST_TMPDIR/maint.log"
	grep -q "\"event\":\"dead_letter\",\"video\":\"$VIDEO_ID\",\"video_failed\":\"yes\"" "$BATS_TEST_TMPDIR/maint.log"
	api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	[ "$(jq -r .video.status <<<"$BODY")" = failed ]
	[ "$(jq -r .video.error <<<"$BODY")" = "the video could not be processed after repeated attempts; please upload it again" ]
	# drained: the dead-letter queue no longer holds it
	out=$(sqs_call ReceiveMessage "{\"QueueUrl\":\"$SQS_DLQ_URL\",\"MaxNumberOfMessages\":10,\"VisibilityTimeout\":0}")
	[ "$(jq --arg v "$VIDEO_ID" '[.Messages // [] | .[] | .Body | fromjson | select(.video_id == $v)] | length' <<<"$out")" = 0 ]
}

@test "three workers on one queue: a dozen uploads all become ready, each transcoded once, no job folder left" {
	stack stop worker
	sleep 2.5 # a cut-off long poll stays registered until its wait ends
	WORKER_COUNT=3 stack start worker
	touch "$BATS_TEST_TMPDIR/paused" # teardown restarts the usual one worker
	for i in $(seq 1 100); do [ "$(worker_pids | wc -l)" = 3 ] && break; sleep 0.1; done
	[ "$(worker_pids | wc -l)" = 3 ]
	ids=()
	for i in $(seq 1 12); do
		upload_whole "$BATS_FILE_TMPDIR/normal.mp4"
		ids+=("$VIDEO_ID")
	done
	for id in "${ids[@]}"; do
		VIDEO_ID=$id
		wait_video ready 180
	done
	for id in "${ids[@]}"; do
		[ "$(log_count job_start "$id")" = 1 ] || { echo "$id started $(log_count job_start "$id") times" >&2; false; }
		[ "$(psql_value "select count(*) from renditions where video_id = '$id'")" = 1 ]
	done
	[ "$(worker_pids | wc -l)" = 3 ]
	no_job_folder_left
	stack stop worker
	sleep 2.5
}
