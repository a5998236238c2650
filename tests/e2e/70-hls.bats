#!/usr/bin/env bats
# HLS playback (issue 13), end to end: a real upload, the worker writing CMAF
# segments as it encodes, the playlists the API writes from the index, read
# by ffprobe and ffmpeg with no header or cookie. The oracles are ffmpeg's
# own tools, the MP4 boxes read here, openssl for the token and listings of
# storage signed here — never lib/ itself.
# e2e: one web server (the worker and storage do most of the work; the
# playback route under the other server is played by hls.js in the browser
# tests, which run under both)

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# 720p at 60 fps with sound: rungs 720p (60 fps), 480p and 360p (30 fps)
	ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1280x720:rate=60 \
		-f lavfi -i sine=frequency=440:sample_rate=44100 -t 9 -c:v libx264 -preset ultrafast \
		-c:a aac -shortest "$d/src.mp4"
	register_user
	login
	upload_whole "$d/src.mp4"
	wait_video ready 180
	printf '%s\n' "$TOKEN" >"$d/token"
	printf '%s\n' "$VIDEO_ID" >"$d/video"
	printf '%s\n' "$USER_ID" >"$d/user"
	printf '%s\n' "$BODY" >"$d/body"
}

setup() {
	TOKEN=$(cat "$BATS_FILE_TMPDIR/token")
	VIDEO_ID=$(cat "$BATS_FILE_TMPDIR/video")
	USER_ID=$(cat "$BATS_FILE_TMPDIR/user")
	SRC=$BATS_FILE_TMPDIR/src.mp4
}

teardown() {
	if [ -e "$BATS_TEST_TMPDIR/killed" ]; then
		# a test that killed a worker: the supervisor has started another
		true
	fi
}

# master URL of the shared ready video
master_url() {
	api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	expect_status 200
	jq -r .video.playback.hls <<<"$BODY"
}

# media_url MASTER_URL NAME: the URL of a media playlist the master names
media_url() {
	local base=${1%%\?*} line
	# a variant's line, or the URI of a rendition (the audio)
	line=$(curl -sSf "$1" | sed -n -e "s/^#EXT-X-MEDIA:.*URI=\"\($2\.m3u8[^\"]*\)\".*/\1/p" \
		-e "/^$2\.m3u8/p" | head -n 1)
	echo "${base%/*}/$line"
}

# fetch_track MASTER_URL NAME DIR: the media playlist, its init segment
# and every media segment into DIR (playlist.m3u8, init.mp4, 1.m4s ...)
fetch_track() {
	local url i=0 line
	mkdir -p "$3"
	url=$(media_url "$1" "$2")
	curl -sSf "$url" -o "$3/playlist.m3u8"
	curl -sSf "$(sed -n 's/^#EXT-X-MAP:URI="\(.*\)"$/\1/p' "$3/playlist.m3u8")" -o "$3/init.mp4"
	while read -r line; do
		i=$((i + 1))
		curl -sSf "$line" -o "$3/$i.m4s"
	done < <(grep -v '^#' "$3/playlist.m3u8")
	echo "$i" >"$3/count"
}

@test "a ready video's playback URL is an HLS master any player reads with no header or cookie: ffprobe and ffmpeg find every rung and the audio" {
	[ "$(jq -r .video.playback.complete <"$BATS_FILE_TMPDIR/body")" = true ]
	url=$(master_url)
	[[ "$url" == "$API_URL/playback/$VIDEO_ID/master.m3u8?token="* ]]
	# the answer itself: the playlist type, never cached, any origin
	curl -sS -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/master.m3u8" -H 'Origin: https://elsewhere.example' "$url"
	HEADERS=$BATS_TEST_TMPDIR/h
	[ "$(head -n 1 "$HEADERS" | awk '{print $2}')" = 200 ]
	[ "$(header Content-Type)" = application/vnd.apple.mpegurl ]
	[ "$(header Cache-Control)" = no-store ]
	[ "$(header Access-Control-Allow-Origin)" = '*' ]
	[ -z "$(header Access-Control-Allow-Credentials)" ]
	[ -z "$(header Set-Cookie)" ]
	head -n 1 "$BATS_TEST_TMPDIR/master.m3u8" | grep -qx '#EXTM3U'
	# ffprobe opens every variant through the URL alone
	ffprobe -v error -show_entries stream=codec_type,codec_name,width,height -of json "$url" >"$BATS_TEST_TMPDIR/probe.json"
	[ "$(jq -c '[.streams[] | select(.codec_type == "video") | .height] | unique' "$BATS_TEST_TMPDIR/probe.json")" = '[360,480,720]' ]
	[ "$(jq -c '[.streams[] | select(.codec_type == "audio") | .codec_name] | unique' "$BATS_TEST_TMPDIR/probe.json")" = '["aac"]' ]
	# and ffmpeg decodes all of it, every stream of every variant
	ffmpeg -nostdin -v error -i "$url" -map 0 -f null -
}

@test "the master declares BANDWIDTH, AVERAGE-BANDWIDTH, CODECS, RESOLUTION and FRAME-RATE; the media playlists are VOD with ENDLIST" {
	url=$(master_url)
	curl -sSf "$url" -o "$BATS_TEST_TMPDIR/m"
	grep -qx '#EXT-X-INDEPENDENT-SEGMENTS' "$BATS_TEST_TMPDIR/m"
	grep -q '^#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",.*URI="audio.m3u8?token=' "$BATS_TEST_TMPDIR/m"
	[ "$(grep -c '^#EXT-X-STREAM-INF:' "$BATS_TEST_TMPDIR/m")" = 3 ]
	for rung in 720p:1280x720:60.000 480p:85[24]x480:30.000 360p:640x360:30.000; do
		IFS=: read -r name res fps <<<"$rung"
		line=$(grep -B1 "^$name\.m3u8?token=" "$BATS_TEST_TMPDIR/m" | head -n 1)
		[[ "$line" =~ BANDWIDTH=([0-9]+),AVERAGE-BANDWIDTH=([0-9]+), ]]
		peak=${BASH_REMATCH[1]} avg=${BASH_REMATCH[2]}
		[ "$avg" -gt 0 ] && [ "$peak" -ge "$avg" ]
		[[ "$line" =~ CODECS=\"avc1\.64[0-9a-f]{4},mp4a\.40\.2\" ]]
		[[ "$line" =~ RESOLUTION=$res, ]]
		[[ "$line" =~ FRAME-RATE=$fps, ]]
		[[ "$line" == *'AUDIO="audio"'* ]]
		fetch_track "$url" "$name" "$BATS_TEST_TMPDIR/$name"
		p=$BATS_TEST_TMPDIR/$name/playlist.m3u8
		grep -qx '#EXT-X-VERSION:7' "$p"
		grep -qx '#EXT-X-TARGETDURATION:2' "$p"
		grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' "$p"
		grep -qx '#EXT-X-INDEPENDENT-SEGMENTS' "$p"
		grep -q '^#EXT-X-MAP:URI="http' "$p"
		[ "$(tail -n 1 "$p")" = '#EXT-X-ENDLIST' ]
		# no whole segment (1 s or longer) of video and audio together goes
		# over the declared peak (RFC 8216: by 10 % at most)
		fetch_track "$url" audio "$BATS_TEST_TMPDIR/audio"
		apeak=$(paste <(grep '^#EXTINF' "$BATS_TEST_TMPDIR/audio/playlist.m3u8" | sed 's/#EXTINF:\([0-9.]*\),/\1/') \
			<(for i in $(seq 1 "$(cat "$BATS_TEST_TMPDIR/audio/count")"); do stat -c %s "$BATS_TEST_TMPDIR/audio/$i.m4s"; done) |
			awk '$1 >= 1 { r = $2 * 8 / $1; if (r > m) m = r } END { print m + 0 }')
		paste <(grep '^#EXTINF' "$p" | sed 's/#EXTINF:\([0-9.]*\),/\1/') \
			<(for i in $(seq 1 "$(cat "$BATS_TEST_TMPDIR/$name/count")"); do stat -c %s "$BATS_TEST_TMPDIR/$name/$i.m4s"; done) |
			awk -v peak="$peak" -v a="$apeak" '$1 >= 1 && $2 * 8 / $1 + a > peak * 1.1 { bad = 1 } END { exit bad }'
	done
}

@test "every segment starts with a keyframe, the boundaries are the same instants in every rung, and the durations add up to the source's within a frame" {
	url=$(master_url)
	# the source's own video length, and one frame of it (60 fps)
	src=$(ffprobe -v error -select_streams v:0 -show_entries stream=duration -of csv=p=0 "$SRC")
	for name in 720p 480p 360p; do
		d=$BATS_TEST_TMPDIR/$name
		fetch_track "$url" "$name" "$d"
		n=$(cat "$d/count")
		[ "$n" -ge 4 ]
		for i in $(seq 1 "$n"); do
			cat "$d/init.mp4" "$d/$i.m4s" >"$d/one.mp4"
			# the first packet of the segment is a keyframe
			[ "$(ffprobe -v error -select_streams v:0 -show_entries packet=flags -of csv=p=0 "$d/one.mp4" | head -n 1)" = K_ ]
		done
		# when each segment starts, read from its own boxes
		fragment_times $(for i in $(seq 1 "$n"); do echo "$d/$i.m4s"; done) >"$d/starts"
		# the playlist says the same: each EXTINF is the next start minus this one
		grep '^#EXTINF' "$d/playlist.m3u8" | sed 's/#EXTINF:\([0-9.]*\),/\1/' >"$d/durations"
		paste "$d/starts" <(awk '{ s += $1; print s - $1 }' "$d/durations") |
			awk '{ x = $1 - $2; if (x < 0) x = -x; if (x > 0.001) bad = 1 } END { exit bad }'
		# in all, the source's length, within one frame
		awk -v src="$src" '{ s += $1 } END { x = s - src; if (x < 0) x = -x; exit !(x <= 1 / 60 + 0.0005) }' "$d/durations"
	done
	# boundaries: the same instants in every rung (60 fps and 30 fps alike)
	cmp "$BATS_TEST_TMPDIR/720p/starts" "$BATS_TEST_TMPDIR/480p/starts"
	cmp "$BATS_TEST_TMPDIR/720p/starts" "$BATS_TEST_TMPDIR/360p/starts"
	# two seconds apart: 0, 2, 4 ...
	awk '{ if ($1 != (NR - 1) * 2) bad = 1 } END { exit bad }' "$BATS_TEST_TMPDIR/720p/starts"
}

@test "a stranger watches a public video, or a private one through a share link, over HLS with URLs that live PUBLIC_PLAYBACK_URL_TTL" {
	auth=(-H "Authorization: Bearer $TOKEN")
	json=(-H 'Content-Type: application/json')
	api PATCH "/videos/$VIDEO_ID" "${auth[@]}" "${json[@]}" --data '{"visibility":"public"}'
	expect_status 200
	now=$(date +%s)
	api GET "/public/videos/$VIDEO_ID" --interface "$(random_ip)"
	expect_status 200
	[ "$(jq -r .video.playback.complete <<<"$BODY")" = true ]
	url=$(jq -r .video.playback.hls <<<"$BODY")
	[[ "$url" == "$API_URL/playback/$VIDEO_ID/master.m3u8?token="* ]]
	# a stranger's token is good for 300 s (the owner's for 3600)
	exp=${url#*token=}
	exp=${exp%%.*}
	[ "$exp" -ge $((now + 295)) ] && [ "$exp" -le $((now + 305)) ]
	owner_exp=$(master_url)
	owner_exp=${owner_exp#*token=}
	[ "${owner_exp%%.*}" -ge $((now + 3595)) ]
	# and every segment URI it leads to expires with it
	media=$(media_url "$url" 360p)
	curl -sSf "$media" | grep -v '^#' | head -n 1 | grep -Eq 'X-Amz-Expires=(29[0-9]|30[0-5])&'
	ffprobe -v error -show_entries stream=codec_type,height -of json "$url" >"$BATS_TEST_TMPDIR/probe.json"
	[ "$(jq -c '[.streams[] | select(.codec_type == "video") | .height] | unique' "$BATS_TEST_TMPDIR/probe.json")" = '[360,480,720]' ]
	[ "$(jq -c '[.streams[] | select(.codec_type == "audio")] | length > 0' "$BATS_TEST_TMPDIR/probe.json")" = true ]

	# private again: the public route says nothing, a share link plays it
	api PATCH "/videos/$VIDEO_ID" "${auth[@]}" "${json[@]}" --data '{"visibility":"private"}'
	expect_status 200
	api GET "/public/videos/$VIDEO_ID" --interface "$(random_ip)"
	expect_error 404 not_found
	api POST "/videos/$VIDEO_ID/links" "${auth[@]}" "${json[@]}" --data '{}'
	expect_status 201
	link_token=$(jq -r .link.token <<<"$BODY")
	link_id=$(jq -r .link.id <<<"$BODY")
	api GET "/public/links/$link_token" --interface "$(random_ip)"
	expect_status 200
	url=$(jq -r .video.playback.hls <<<"$BODY")
	exp=${url#*token=}
	[ "${exp%%.*}" -le $(($(date +%s) + 305)) ]
	curl -sSf "$url" | grep -q '^#EXT-X-STREAM-INF:'
	api DELETE "/videos/$VIDEO_ID/links/$link_id" "${auth[@]}"
	expect_status 204
	api GET "/public/links/$link_token" --interface "$(random_ip)"
	expect_error 404 not_found
}

@test "a tampered, foreign or expired playback token is refused with 403; a valid one for a video that does not exist is 404" {
	url=$(master_url)
	token=${url#*token=}
	base=${url%%\?*}
	# the URL works as given, and with a token minted here by the documented rule
	api GET "${base#$API_URL}?token=$(playback_token_sign "$VIDEO_ID" $(($(date +%s) + 120)))"
	expect_status 200
	# one hex digit changed
	last=${token: -1}
	[ "$last" = 0 ] && other=1 || other=0
	api GET "${base#$API_URL}?token=${token%?}$other"
	expect_error 403 invalid_playback_token
	# no token, or a token that is not one at all
	api GET "${base#$API_URL}"
	expect_error 403 invalid_playback_token
	api GET "${base#$API_URL}?token=1.2"
	expect_error 403 invalid_playback_token
	# this video's token on another id: the same answer whether that video
	# exists or not (a token says nothing about other videos)
	other_id=$(cat /proc/sys/kernel/random/uuid)
	api GET "/playback/$other_id/master.m3u8?token=$token"
	expect_error 403 invalid_playback_token
	# the media playlists check the token too
	api GET "/playback/$VIDEO_ID/360p.m3u8?token=${token%?}$other"
	expect_error 403 invalid_playback_token
	# expired: signed with the right key, a time in the past
	api GET "${base#$API_URL}?token=$(playback_token_sign "$VIDEO_ID" $(($(date +%s) - 5)))"
	expect_error 403 playback_token_expired
	# a genuine token for a video that does not exist, and for a track it
	# does not have
	api GET "/playback/$other_id/master.m3u8?token=$(playback_token_sign "$other_id" $(($(date +%s) + 60)))"
	expect_error 404 not_found
	api GET "/playback/$VIDEO_ID/1080p.m3u8?token=$token"
	expect_error 404 not_found
	# the segment URLs are pre-signed for no longer than the token lives
	curl -sSf "$(media_url "$url" 360p)" | grep -v '^#' | head -n 1 >"$BATS_TEST_TMPDIR/seg"
	exp=$(sed -n 's/.*X-Amz-Expires=\([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/seg")
	[ "$exp" -ge 1 ] && [ "$exp" -le 3600 ]
	# neither the token nor a segment's signature is in the logs of the API,
	# the worker or the web server (access and errors)
	sig=${token#*.}
	amz=$(sed -n 's/.*X-Amz-Signature=\([0-9a-f]*\).*/\1/p' "$BATS_TEST_TMPDIR/seg")
	[ -n "$amz" ]
	logs=$(ls "$VAR_DIR"/log/{responders,worker,*-access,*-error}.log 2>/dev/null)
	[ -n "$logs" ]
	! grep -qF -e "$sig" -e "$amz" $logs
}

@test "playlists are rate limited per client IP before the token is read: RATE_LIMIT_PLAYBACK (600 a minute) answers, then 429 with Retry-After" {
	ip=$(random_ip)
	bad="$API_URL/playback/$VIDEO_ID/master.m3u8?token=1.$(printf '0%.0s' {1..64})"
	valid=$(master_url)
	# 700 requests with a bad token, then 50 with a valid one, from one
	# address as fast as one connection goes (the allowance comes back at
	# 10 a second meanwhile)
	{
		for i in $(seq 1 700); do printf 'url = "%s"\noutput = "/dev/null"\n' "$bad"; done
		for i in $(seq 1 50); do printf 'url = "%s"\noutput = "/dev/null"\n' "$valid"; done
	} >"$BATS_TEST_TMPDIR/urls"
	curl -sS --interface "$ip" -w '%{http_code} %header{retry-after}\n' -K "$BATS_TEST_TMPDIR/urls" >"$BATS_TEST_TMPDIR/codes"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/codes")" = 750 ]
	# the first 600 counted and refused for their token, none limited
	[ "$(head -n 600 "$BATS_TEST_TMPDIR/codes" | sort | uniq -c | awk '{print $1 "x" $2}')" = 600x403 ]
	# then limited, with Retry-After, a valid URL as well as a bad one
	sed -n '601,700p' "$BATS_TEST_TMPDIR/codes" | grep -Eq '^429 [0-9]+$'
	tail -n 50 "$BATS_TEST_TMPDIR/codes" | grep -Eq '^429 [0-9]+$'
	# what got through was answered as usual
	not grep -Ev '^(403 |429 [0-9]+|200 )$' "$BATS_TEST_TMPDIR/codes"
	# another address is not limited
	api GET "${valid#$API_URL}" --interface "$(random_ip)"
	expect_status 200
}

@test "while the video is processing its playlists are EVENT playlists that grow; once ready they are VOD with ENDLIST, from the same URL" {
	ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 \
		-f lavfi -i sine=frequency=330:sample_rate=48000 -t 60 -c:v libx264 -preset ultrafast \
		-c:a aac -shortest "$BATS_TEST_TMPDIR/long.mp4"
	upload_whole "$BATS_TEST_TMPDIR/long.mp4"
	wait_playback 120
	# playable while still processing, and says so
	[ "$(jq -r .video.status <<<"$BODY")" = processing ]
	[ "$(jq -r .video.playback.complete <<<"$BODY")" = false ]
	url=$HLS_URL
	media=$(media_url "$url" 360p)
	counts=()
	while :; do
		curl -sSf "$media" -o "$BATS_TEST_TMPDIR/p"
		api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
		grep -qx '#EXT-X-ENDLIST' "$BATS_TEST_TMPDIR/p" && break
		grep -qx '#EXT-X-PLAYLIST-TYPE:EVENT' "$BATS_TEST_TMPDIR/p"
		counts+=("$(grep -c '^#EXTINF' "$BATS_TEST_TMPDIR/p")")
		[ "${#counts[@]}" -lt 600 ] # bounded: 5 minutes at most
		sleep 0.5
	done
	echo "# segments seen while processing: ${counts[*]}" >&3
	# it grew, one poll to the next, and never shrank
	distinct=$(printf '%s\n' "${counts[@]}" | sort -un | wc -l)
	[ "$distinct" -ge 3 ]
	printf '%s\n' "${counts[@]}" | sort -nc
	# the end: VOD, every segment, and the video says complete
	grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' "$BATS_TEST_TMPDIR/p"
	[ "$(grep -c '^#EXTINF' "$BATS_TEST_TMPDIR/p")" = 30 ]
	wait_video ready 30
	[ "$(jq -r .video.playback.complete <<<"$BODY")" = true ]
	# the master from while it was processing still plays, now to the end
	ffmpeg -nostdin -v error -i "$url" -map 0:v:0 -f null -
}

@test "a job redone after a worker died mid-transcode leaves exactly one set of segments and one index" {
	ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -t 24 -c:v libx264 \
		-preset ultrafast "$BATS_TEST_TMPDIR/long.mp4"
	upload_whole "$BATS_TEST_TMPDIR/long.mp4"
	wait_playback 120
	prefix="processed/$USER_ID/$VIDEO_ID/hls/"
	killed=$(worker_pids | head -n 1)
	[ -n "$killed" ]
	kill -KILL "$killed"
	touch "$BATS_TEST_TMPDIR/killed"
	# what a dead attempt can leave beyond the next one's files: a segment
	# in storage and a row in the index that the redo will not make
	printf 'stale' >"$BATS_TEST_TMPDIR/stale"
	curl -sSf -o /dev/null -T "$BATS_TEST_TMPDIR/stale" "$("$ROOT/tools/vidpipe-admin" presign PUT "$S3_BUCKET_PROCESSED" "${prefix}720p/00999.m4s" 60)"
	psql_value "INSERT INTO hls_segments (video_id, track, number, duration, size) VALUES ('$VIDEO_ID', '720p', 999, 2, 5)" >/dev/null
	# the message comes back after the visibility timeout and is done again
	wait_video ready 180
	n=$(psql_value "select count(*) from hls_segments where video_id = '$VIDEO_ID' and track = '720p'")
	[ "$n" = 12 ]
	# the index: tracks 720p, 480p, 360p (silent source: no audio), 1..12 each
	[ "$(psql_value "select string_agg(name, ',' order by name) from hls_tracks where video_id = '$VIDEO_ID'")" = 360p,480p,720p ]
	[ "$(psql_value "select count(*) from hls_segments where video_id = '$VIDEO_ID'")" = 36 ]
	[ "$(psql_value "select count(*) from hls_segments where video_id = '$VIDEO_ID' and number > 12")" = 0 ]
	# storage: exactly those files, nothing else under the prefix
	processed_keys "$prefix" >"$BATS_TEST_TMPDIR/got"
	for t in 360p 480p 720p; do
		echo "${prefix}$t/init.mp4"
		for i in $(seq 1 12); do printf '%s%s/%05d.m4s\n' "$prefix" "$t" "$i"; done
	done | LC_ALL=C sort >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	# and the playlist names the twelve
	api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	[ "$(curl -sSf "$(media_url "$(jq -r .video.playback.hls <<<"$BODY")" 720p)" | grep -c '^#EXTINF')" = 12 ]
}

@test "delete removes every segment of the video from storage, and its playlists with it" {
	url=$(master_url)
	prefix="processed/$USER_ID/$VIDEO_ID/hls/"
	[ "$(processed_keys "$prefix" | wc -l)" -ge 20 ]
	seg=$(curl -sSf "$(media_url "$url" 720p)" | grep -v '^#' | head -n 1)
	curl -sSf -o /dev/null "$seg"
	api DELETE "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
	expect_status 204
	[ -z "$(processed_keys "$prefix")" ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$seg")" = 404 ]
	[ "$(psql_value "select count(*) from hls_segments where video_id = '$VIDEO_ID'")" = 0 ]
	api GET "${url#$API_URL}"
	expect_error 404 not_found
}
