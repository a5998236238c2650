#!/usr/bin/env bash
# bench/big-upload.sh — the largest upload the contract allows: 10 GiB
# (MAX_UPLOAD_BYTES), 1,280 parts of 8 MiB, through tools/vidpipe-upload
# (each part hashed with openssl and bound to its URL by length and MD5, 4
# in flight), completed with one 1,280-part body; then storage's object
# size is checked against the file's. The file is sparse (zeros, no disk
# used for it); storage writes the 10 GiB and gives it back at the end. The
# worker is stopped: this measures the upload, not a transcode of zeros.
# Runs on its own stack (var/bench), stops it and removes its data. Prints
# Markdown.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() {
	"$ROOT/stack/stack.sh" --bench down >/dev/null 2>&1 || true
	rm -rf "$work" "$ROOT/var/bench"
}
trap cleanup EXIT
"$ROOT/stack/stack.sh" --bench up >/dev/null
"$ROOT/stack/stack.sh" --bench stop worker >/dev/null
set -a
. "$ROOT/var/bench/stack.env"
set +a
size=$((10 * 1024 * 1024 * 1024))
truncate -s "$size" "$work/ten.mp4"
email=big-$RANDOM$RANDOM@example.com password='benchmark password'
curl -fsS -X POST "$API_URL/auth/register" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null
t0=$(date +%s.%N)
video=$(VIDPIPE_PASSWORD=$password XDG_STATE_HOME=$work/state \
	"$ROOT/tools/vidpipe-upload" -q -a "$API_URL" -e "$email" -j 4 "$work/ten.mp4")
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
status=$(psql "$DATABASE_URL" -tAc "select status || ' ' || size from videos where id = '$video'")
parts=$(psql "$DATABASE_URL" -tAc "select part_count from uploads where video_id = '$video'")
key=$(psql "$DATABASE_URL" -tAc "select raw_key from videos where id = '$video'")
url=$("$ROOT/tools/vidpipe-admin" presign HEAD "$S3_BUCKET_RAW" "$key" 300)
stored=$(curl -sSfI "$url" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" { print $2 }')
[ "$status" = "queued $size" ] && [ "$stored" = "$size" ] && [ "$parts" = 1280 ] ||
	{ echo "big upload: video '$status', stored '$stored', parts '$parts'" >&2; exit 1; }
echo "| 10 GiB upload (vidpipe-upload, 1,280 × 8 MiB, MD5-bound, 4 in flight) | seconds | MiB/s | object size checked |"
echo "|---|---|---|---|"
echo "| create, hash + sign + PUT every part, one 1,280-part complete | $secs | $(awk -v s="$secs" 'BEGIN { printf "%.0f", 10240 / s }') | $stored bytes |"
