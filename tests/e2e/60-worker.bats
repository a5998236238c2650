#!/usr/bin/env bats
# The transcoding worker, end to end: a real upload through the API and
# storage, the worker (run by the stack's supervisor, as cron runs it) takes
# the job, and every rendition, fetched through its pre-signed URL, is probed.
# e2e: one web server (the worker and storage do the work; the web server only
# relays the API calls, and every API route is run under both elsewhere)

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR
	ff() { ffmpeg -v error -y "$@"; }
	ff -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 \
		-t 3 -c:v libx264 -preset ultrafast -c:a aac -shortest "$d/land720.mp4"
	ff -f lavfi -i testsrc2=size=720x1280:rate=30 -f lavfi -i sine=frequency=330:sample_rate=48000 \
		-t 2 -c:v libx264 -preset ultrafast -c:a aac -shortest "$d/portrait.mp4"
	ff -f lavfi -i testsrc2=size=320x240:rate=25 -t 2 -c:v libx264 -preset ultrafast "$d/small_silent.mp4"
	ff -f lavfi -i testsrc2=size=640x360:rate=60 -t 2 -c:v libx264 -preset ultrafast "$d/sixty.mp4"
	ff -f lavfi -i sine=frequency=440:sample_rate=44100 -t 2 -c:a aac "$d/audio_only.m4a"
	head -c 300000 /dev/urandom >"$d/random.mp4"
	{ printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n'; head -c 20000 /dev/urandom; } >"$d/document.mp4"
	# an MP4 whose index is at the end, cut in half: the index is gone
	ff -f lavfi -i testsrc2=size=640x360:rate=30 -t 3 -c:v libx264 -preset ultrafast "$d/whole.mp4"
	head -c $(($(stat -c %s "$d/whole.mp4") / 2)) "$d/whole.mp4" >"$d/truncated.mp4"
}

setup() {
	register_user
	login
}

duration_of() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }

# check_renditions SOURCE WANT_AUDIO: every rendition is H.264 (High), never
# above the source, as long as the source (±0.2 s), with or without audio
check_renditions() {
	local src=$1 audio=$2 sw sh sd n i url f
	IFS=x read -r sw sh <<<"$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$src")"
	sd=$(duration_of "$src")
	n=$(jq '.video.renditions | length' <<<"$BODY")
	[ "$n" -ge 1 ]
	for i in $(seq 0 $((n - 1))); do
		url=$(jq -r ".video.renditions[$i].url" <<<"$BODY")
		f=$BATS_TEST_TMPDIR/r$i.mp4
		curl -sSf "$url" -o "$f"
		[ "$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,profile -of csv=p=0 "$f")" = "h264,High" ]
		IFS=x read -r w h <<<"$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$f")"
		[ "$w" = "$(jq -r ".video.renditions[$i].width" <<<"$BODY")" ]
		[ "$h" = "$(jq -r ".video.renditions[$i].height" <<<"$BODY")" ]
		[ $((w % 2)) = 0 ] && [ $((h % 2)) = 0 ]
		# never upscaled (compare as the picture is shown: shorter side)
		[ "$(( w < h ? w : h ))" -le "$(( sw < sh ? sw : sh ))" ]
		awk -v a="$(duration_of "$f")" -v b="$sd" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.2) }'
		if [ "$audio" = yes ]; then
			[ "$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_name,sample_rate,channels -of csv=p=0 "$f")" = "aac,48000,2" ]
		else
			[ -z "$(ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 "$f")" ]
		fi
		# the index is at the front (moov before mdat)
		head -c 4096 "$f" | grep -q moov
		# a keyframe exactly every 2 s: 0, 2, 4 ...
		ffprobe -v error -select_streams v:0 -skip_frame nokey -show_entries frame=pts_time \
			-of csv=p=0 "$f" | awk '{ k = $1 / 2; if ($1 - 2 * int(k + 0.5) > 0.05 || 2 * int(k + 0.5) - $1 > 0.05) bad = 1; n++ }
			END { exit !(n >= 1 && !bad) }'
	done
	curl -sSf "$(jq -r .video.thumbnail_url <<<"$BODY")" -o "$BATS_TEST_TMPDIR/thumb"
	[ "$(file -b --mime-type "$BATS_TEST_TMPDIR/thumb")" = image/jpeg ]
}

@test "a 720p video with audio becomes ready with 720p, 480p and 360p renditions and a thumbnail" {
	upload_whole "$BATS_FILE_TMPDIR/land720.mp4"
	wait_video ready
	[ "$(jq -c '[.video.renditions[].name]' <<<"$BODY")" = '["720p","480p","360p"]' ]
	[ "$(jq -c '[.video.renditions[] | [.width, .height]]' <<<"$BODY")" = '[[1280,720],[854,480],[640,360]]' ] ||
		[ "$(jq -c '[.video.renditions[] | [.width, .height]]' <<<"$BODY")" = '[[1280,720],[852,480],[640,360]]' ]
	[ "$(jq -r .video.progress <<<"$BODY")" = 100 ]
	[ "$(jq -r .video.width <<<"$BODY")x$(jq -r .video.height <<<"$BODY")" = 1280x720 ]
	awk -v d="$(jq -r .video.duration_seconds <<<"$BODY")" 'BEGIN { exit !(d > 2.8 && d < 3.2) }'
	check_renditions "$BATS_FILE_TMPDIR/land720.mp4" yes
	[ "$(psql_value "select video_codec || '/' || audio_codec from videos where id = '$VIDEO_ID'")" = h264/aac ]
}

@test "a portrait video is laddered by its shorter side" {
	upload_whole "$BATS_FILE_TMPDIR/portrait.mp4"
	wait_video ready
	[ "$(jq -c '[.video.renditions[] | [.name, .width, .height]]' <<<"$BODY")" = '[["720p",720,1280],["480p",480,852],["360p",360,640]]' ] ||
		[ "$(jq -c '[.video.renditions[] | [.name, .width, .height]]' <<<"$BODY")" = '[["720p",720,1280],["480p",480,854],["360p",360,640]]' ]
	check_renditions "$BATS_FILE_TMPDIR/portrait.mp4" yes
}

@test "a source below 360p gets one rendition at its own size; a silent source stays silent" {
	upload_whole "$BATS_FILE_TMPDIR/small_silent.mp4"
	wait_video ready
	[ "$(jq -c '[.video.renditions[] | [.name, .width, .height]]' <<<"$BODY")" = '[["240p",320,240]]' ]
	check_renditions "$BATS_FILE_TMPDIR/small_silent.mp4" no
}

@test "progress is recorded while processing" {
	ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -t 20 -c:v libx264 -preset ultrafast \
		"$BATS_TEST_TMPDIR/long.mp4"
	upload_whole "$BATS_TEST_TMPDIR/long.mp4"
	seen=
	for i in $(seq 1 240); do
		api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
		p=$(jq -r .video.progress <<<"$BODY")
		st=$(jq -r .video.status <<<"$BODY")
		[ "$st" = processing ] && [ "$p" -gt 0 ] && [ "$p" -lt 100 ] && seen=$p
		[ "$st" = ready ] && break
		sleep 0.25
	done
	[ -n "$seen" ]
	[ "$(jq -r .video.progress <<<"$BODY")" = 100 ]
}

@test "a 60 fps source is capped at 30 fps at 480p and below" {
	upload_whole "$BATS_FILE_TMPDIR/sixty.mp4"
	wait_video ready
	[ "$(jq -c '[.video.renditions[].name]' <<<"$BODY")" = '["360p"]' ]
	curl -sSf "$(jq -r '.video.renditions[0].url' <<<"$BODY")" -o "$BATS_TEST_TMPDIR/r.mp4"
	fps=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$BATS_TEST_TMPDIR/r.mp4")
	# 2 s at 30 fps (not 60), give or take a frame
	[ "$fps" -ge 58 ] && [ "$fps" -le 62 ]
	check_renditions "$BATS_FILE_TMPDIR/sixty.mp4" no
}

@test "files that are not playable videos end failed with a reason; the worker carries on" {
	for f in random document truncated; do
		upload_whole "$BATS_FILE_TMPDIR/$f.mp4"
		wait_video failed
		[ -n "$(jq -r '.video.error // empty' <<<"$BODY")" ]
		[ "$(jq -c .video.renditions <<<"$BODY")" = '[]' ]
	done
	upload_whole "$BATS_FILE_TMPDIR/audio_only.m4a"
	wait_video failed
	[ "$(jq -r .video.error <<<"$BODY")" = "the file has no video stream" ]
	# and the next real video still goes through
	upload_whole "$BATS_FILE_TMPDIR/small_silent.mp4"
	wait_video ready
}

@test "a duplicate queue message does no second transcode" {
	upload_whole "$BATS_FILE_TMPDIR/small_silent.mp4"
	wait_video ready
	before=$(psql_value "select updated_at from videos where id = '$VIDEO_ID'")
	key=$(psql_value "select raw_key from videos where id = '$VIDEO_ID'")
	sqs_call SendMessage "$(jq -cn --arg q "$SQS_QUEUE_URL" --arg b "$(jq -cn --arg v "$VIDEO_ID" --arg bk "$S3_BUCKET_RAW" --arg k "$key" '{type:"transcode",video_id:$v,bucket:$bk,key:$k}')" '{QueueUrl:$q,MessageBody:$b}')" >/dev/null
	for i in $(seq 1 60); do
		grep -q "\"event\":\"job_skipped\".*$VIDEO_ID" "$VAR_DIR/log/worker.log" && break
		sleep 0.5
	done
	grep -q "\"event\":\"job_skipped\".*$VIDEO_ID" "$VAR_DIR/log/worker.log"
	[ "$(psql_value "select updated_at from videos where id = '$VIDEO_ID'")" = "$before" ]
	[ "$(psql_value "select count(*) from renditions where video_id = '$VIDEO_ID'")" = 1 ]
}

@test "a worker killed mid-transcode: its transcode dies with it, the job comes back and ends ready with one set of renditions, the next worker sweeps its folder" {
	ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -t 20 -c:v libx264 -preset ultrafast \
		"$BATS_TEST_TMPDIR/long.mp4"
	upload_whole "$BATS_TEST_TMPDIR/long.mp4"
	wait_video processing 60
	killed=$(worker_pids | head -n 1)
	[ -n "$killed" ]
	# it is working on the job: its folder is there, and its transcoding child
	for i in $(seq 1 100); do [ -n "$(job_folders "$killed")" ] && [ -n "$(pgrep -P "$killed")" ] && break; sleep 0.1; done
	[ -n "$(job_folders "$killed")" ]
	child=$(pgrep -P "$killed")
	[ -n "$child" ]
	kill -KILL "$killed"
	# the child does not outlive it (gone, or a zombie for init to reap)
	for i in $(seq 1 50); do
		st=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null || true)
		[ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.1
	done
	[ -z "$st" ] || [ "$st" = Z ]
	# the supervisor starts a new worker within 2 s, which removes the dead
	# one's folder at once; the message reappears after the visibility
	# timeout (10 s in the test stack) and is done again
	for i in $(seq 1 100); do [ -z "$(job_folders "$killed")" ] && break; sleep 0.1; done
	[ -z "$(job_folders "$killed")" ]
	grep -q "\"event\":\"stale_job_removed\",\"path\":\"vidpipe-job-$killed-" "$WORKER_LOG"
	wait_video ready 180
	[ "$(psql_value "select count(*) from renditions where video_id = '$VIDEO_ID'")" = 3 ]
	check_renditions "$BATS_TEST_TMPDIR/long.mp4" no
}

@test "SIGTERM hands the test's own message back at once; the job still ends ready" {
	ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -t 20 -c:v libx264 -preset ultrafast \
		"$BATS_TEST_TMPDIR/long.mp4"
	upload_whole "$BATS_TEST_TMPDIR/long.mp4"
	wait_video processing 60
	for i in $(seq 1 100); do [ "$(log_count job_start "$VIDEO_ID")" -ge 1 ] && break; sleep 0.1; done
	[ "$(log_count job_start "$VIDEO_ID")" = 1 ]
	stopped=$(worker_pids | head -n 1)
	[ -n "$stopped" ]
	[ -n "$(job_folders "$stopped")" ]
	t0=$(date +%s%N)
	kill -TERM "$stopped"
	for i in $(seq 1 50); do kill -0 "$stopped" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$stopped" 2>/dev/null
	grep -q "\"event\":\"job_handed_back\",\"video\":\"$VIDEO_ID\",\"result\":\"ok\"" "$WORKER_LOG"
	# back at once: the next worker (up within 2 s) starts this job again well
	# before the visibility timeout (10 s, extended every 3.3 s) would free it
	for i in $(seq 1 150); do [ "$(log_count job_start "$VIDEO_ID")" -ge 2 ] && break; sleep 0.1; done
	[ "$(log_count job_start "$VIDEO_ID")" = 2 ]
	elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# job restarted ${elapsed_ms} ms after SIGTERM" >&3
	[ "$elapsed_ms" -lt 6000 ]
	wait_video ready 120
	[ "$(psql_value "select count(*) from renditions where video_id = '$VIDEO_ID'")" = 3 ]
	# SIGTERM is a clean exit: its own job folder is gone
	[ -z "$(job_folders "$stopped")" ]
}

@test "rotation metadata is honoured: a 640x360 picture marked 90° becomes portrait renditions" {
	# FFmpeg 5.1 writes the display matrix on a stream copy, not when
	# encoding; FFmpeg 6 and later (Debian 13) no longer read a "rotate" tag
	# and take -display_rotation (counter-clockwise) instead
	ffmpeg -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 2 -c:v libx264 -preset ultrafast \
		"$BATS_TEST_TMPDIR/flat.mp4"
	if ffmpeg -hide_banner -h full 2>/dev/null | grep -q -- '-display_rotation'; then
		ffmpeg -v error -y -display_rotation:v:0 -90 -i "$BATS_TEST_TMPDIR/flat.mp4" -c copy \
			"$BATS_TEST_TMPDIR/rotated.mp4"
	else
		ffmpeg -v error -y -i "$BATS_TEST_TMPDIR/flat.mp4" -c copy -metadata:s:v:0 rotate=90 \
			"$BATS_TEST_TMPDIR/rotated.mp4"
	fi
	# the oracle: ffprobe reads the file as turned a quarter
	[[ "$(ffprobe -v error -select_streams v:0 -show_entries stream_side_data=rotation -of csv=p=0 "$BATS_TEST_TMPDIR/rotated.mp4" | tr -d ',\n')" =~ ^-?90$ ]]
	upload_whole "$BATS_TEST_TMPDIR/rotated.mp4"
	wait_video ready
	[ "$(jq -r .video.width <<<"$BODY")x$(jq -r .video.height <<<"$BODY")" = 360x640 ]
	[ "$(jq -c '[.video.renditions[] | [.name, .width, .height]]' <<<"$BODY")" = '[["360p",360,640]]' ]
}

@test "a video of another user is 404, even when ready" {
	upload_whole "$BATS_FILE_TMPDIR/small_silent.mp4"
	wait_video ready
	mine=$VIDEO_ID
	register_user
	login
	api GET "/videos/$mine" -H "Authorization: Bearer $TOKEN"
	expect_error 404 not_found
}
