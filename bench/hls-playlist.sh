#!/usr/bin/env bash
# bench/hls-playlist.sh [REQUESTS] — what writing a playlist on request
# costs for a two-hour video: its segment index (4 rungs and the audio,
# 3,600 two-second segments each: 18,000 rows) is put in Postgres, and the
# master and the 1080p media playlist (3,600 pre-signed segment URIs) are
# fetched through the API REQUESTS times each (default 20) with curl on one
# keep-alive connection, medians and the slowest. Baselines of the same run:
# the index query alone in Postgres (EXPLAIN ANALYZE), and signing 3,601
# URLs in-process (bench/presign-rate: lib/'s s3_presign in a loop). Runs on
# its own stack (var/bench), stops it and removes its data. Prints Markdown.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-20}
work=$(mktemp -d)
cleanup() {
	"$ROOT/stack/stack.sh" --bench down >/dev/null 2>&1 || true
	rm -rf "$work" "$ROOT/var/bench"
}
trap cleanup EXIT
[ -x "$ROOT/bench/presign-rate" ] || make -C "$ROOT" -s bench/presign-rate
"$ROOT/stack/stack.sh" --bench up >/dev/null
"$ROOT/stack/stack.sh" --bench stop worker >/dev/null
set -a
. "$ROOT/var/bench/stack.env"
set +a
email=bench-$RANDOM$RANDOM@example.com
uid=$(curl -fsS -X POST "$API_URL/auth/register" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"benchmark password\"}" | jq -r .user.id)
vid=$(psql "$DATABASE_URL" -qtAc "INSERT INTO videos (user_id, title, status, progress, raw_bucket, raw_key, duration_seconds)
	VALUES ('$uid', 'two hours', 'ready', 100, '$S3_BUCKET_RAW', 'bench/none', 7200) RETURNING id" | head -n 1)
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 <<-EOF
	INSERT INTO hls_tracks (video_id, name, kind, width, height, frame_rate, bitrate, codecs, init_size) VALUES
	  ('$vid', '1080p', 'video', 1920, 1080, 30, 6000000, 'avc1.640028', 900),
	  ('$vid', '720p', 'video', 1280, 720, 30, 3000000, 'avc1.64001f', 900),
	  ('$vid', '480p', 'video', 854, 480, 30, 1200000, 'avc1.64001f', 900),
	  ('$vid', '360p', 'video', 640, 360, 30, 730000, 'avc1.64001e', 900),
	  ('$vid', 'audio', 'audio', NULL, NULL, NULL, 128000, 'mp4a.40.2', 700);
	INSERT INTO hls_segments (video_id, track, number, duration, size)
	SELECT '$vid', t.name, g, 2.0, (t.bitrate / 4 * (0.8 + random() * 0.4))::bigint
	FROM hls_tracks t, generate_series(1, 3600) g WHERE t.video_id = '$vid';
	ANALYZE hls_segments;
	EOF
exp=$(($(date +%s) + 3600))
tok="$exp.$(printf 'vidpipe-playback-v1\n%s\n%s' "$vid" "$exp" | openssl dgst -sha256 -hmac "$PLAYBACK_TOKEN_SECRET" -hex | awk '{print $NF}')"
base="$API_URL/playback/$vid"
# N requests on one connection: each one's total time, in ms, sorted
times() {
	local args=() i
	for i in $(seq 1 "$n"); do args+=(-o /dev/null -w '%{http_code} %{time_total}\n' "$1"); done
	curl -sS "${args[@]}" | awk '$1 != 200 { print "HTTP " $1 > "/dev/stderr"; exit 1 } { print $2 * 1000 }' | sort -n
}
med() { awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] }'; }
worst() { tail -n 1 | awk '{ printf "%.1f", $1 }'; }
times "$base/master.m3u8?token=$tok" >"$work/master"
times "$base/1080p.m3u8?token=$tok" >"$work/media"
curl -fsS "$base/1080p.m3u8?token=$tok" -o "$work/media.m3u8"
uris=$(grep -vc '^#' "$work/media.m3u8")
query=$(psql "$DATABASE_URL" -qtA -c "EXPLAIN ANALYZE SELECT number, duration FROM hls_segments WHERE video_id = '$vid' AND track = '1080p' ORDER BY number" |
	sed -n 's/^Execution Time: \([0-9.]*\) ms/\1/p')
read -r _ secs rate <<<"$("$ROOT/bench/presign-rate" $((uris + 1)))"
echo "A two-hour video: 4 rungs + audio, 3,600 segments of 2 s each (18,000 index rows); $n requests each on one keep-alive connection."
echo
echo "| | median (ms) | slowest (ms) | size |"
echo "|---|---|---|---|"
echo "| GET master.m3u8 (the index aggregated per track) | $(med <"$work/master") | $(worst <"$work/master") | 4 variants + audio |"
echo "| GET 1080p.m3u8 ($uris pre-signed segment URIs) | $(med <"$work/media") | $(worst <"$work/media") | $(du -k "$work/media.m3u8" | cut -f1) KiB |"
echo "| baseline: that track's index query alone in Postgres | $query | | |"
echo "| baseline: signing $((uris + 1)) URLs in-process (${rate%.*} URLs/s) | $(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }') | | |"
