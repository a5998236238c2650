#!/usr/bin/env bash
# bench/hls-first-frame.sh [ROUNDS] — how soon a new upload can be watched:
# from the 202 of `complete` to the first frame hls.js puts on the screen in
# headless Chromium (the web app's watch page, open on the video), against
# the time until the video is `ready` (every rung of the whole file done,
# which is when it could be watched before HLS). Sources: 1080p30 with
# audio, 10 s and 120 s (H.264 8 Mbit/s + AAC, as bench/transcode.sh makes
# them); ROUNDS runs each (default 3), medians. Runs on its own stack
# (var/bench), stops it and removes its data. Prints Markdown.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/stack/node.sh"
rounds=${1:-3}
export RATE_LIMIT_AUTH_PER_IP=1000 RATE_LIMIT_UPLOADS=1000 RATE_LIMIT_API=1000000 MAX_ACTIVE_UPLOADS=100
work=$(mktemp -d)
cleanup() {
	"$ROOT/stack/stack.sh" --bench down >/dev/null 2>&1 || true
	rm -rf "$work" "$ROOT/var/bench"
}
trap cleanup EXIT
gen() { # gen SECONDS OUT
	ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$1" \
		-c:v libx264 -preset veryfast -b:v 8M -c:a aac -b:a 192k -shortest "$2"
}
gen 10 "$work/s10.mp4"
gen 120 "$work/s120.mp4"
"$ROOT/stack/stack.sh" --bench up >/dev/null
set -a
. "$ROOT/var/bench/stack.env"
set +a
email=bench-$RANDOM$RANDOM@example.com password='benchmark password'
curl -fsS -X POST "$API_URL/auth/register" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null
node "$ROOT/bench/hls-first-frame.mjs" "$email" "$password" "$rounds" \
	"10s=$work/s10.mp4" "120s=$work/s120.mp4" >"$work/runs.txt"
med() { awk -v k="$1 $2" 'index($0, k " ") == 1 { print $3 }' "$work/runs.txt" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
all() { awk -v k="$1 $2" 'index($0, k " ") == 1 { print $3 }' "$work/runs.txt" | paste -sd' '; }
echo "| 1080p30 source | first frame in Chromium, runs (s) | median (s) | playback URL in the API, median (s) | ready, runs (s) | median (s) | first frame ÷ ready |"
echo "|---|---|---|---|---|---|---|"
for s in 10s 120s; do
	echo "| $s | $(all "$s" first_frame) | $(med "$s" first_frame) | $(med "$s" playable) | $(all "$s" ready) | $(med "$s" ready) | $(awk -v a="$(med "$s" first_frame)" -v b="$(med "$s" ready)" 'BEGIN { printf "%.2f", a / b }') |"
done
