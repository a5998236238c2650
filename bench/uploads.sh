#!/usr/bin/env bash
# bench/uploads.sh — the upload path, each figure next to a baseline of the
# same run:
#  1. signing: the URLs of a 10,000-part upload fetched through the API
#     (100 calls of POST /uploads/{id}/parts, 100 parts each, one keep-alive
#     connection) against the same signing done in-process
#     (bench/presign-rate: lib/'s s3_presign in a loop);
#  2. throughput: a 1 GiB file through vidpipe-upload (create, 128 parts of
#     8 MiB, 4 in flight, complete) against one plain PUT stream of the same
#     bytes to the same storage.
# Runs on its own stack (var/bench), stops it and removes its data.
# Prints Markdown tables.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export MAX_UPLOAD_BYTES=$((80 * 1024 * 1024 * 1024)) RATE_LIMIT_API=1000000
export RATE_LIMIT_AUTH_PER_IP=1000 RATE_LIMIT_UPLOADS=1000
work=$(mktemp -d)
cleanup() {
	"$ROOT/stack/stack.sh" --bench down >/dev/null 2>&1 || true
	rm -rf "$work" "$ROOT/var/bench"
}
trap cleanup EXIT
[ -x "$ROOT/bench/presign-rate" ] || make -C "$ROOT" -s bench/presign-rate
"$ROOT/stack/stack.sh" --bench up >/dev/null
set -a
. "$ROOT/var/bench/stack.env"
set +a
now() { date +%s.%N; }

email=bench-$RANDOM$RANDOM@example.com password='benchmark password'
curl -fsS -X POST "$API_URL/auth/register" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null
token=$(curl -fsS -X POST "$API_URL/auth/login" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"$password\"}" | jq -r .access_token)

# ---------------------------------------------------------------- signing --
up=$(curl -fsS -X POST "$API_URL/uploads" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	--data '{"filename":"huge.mp4","size":83886080000,"content_type":"video/mp4"}')
id=$(jq -r .upload.id <<<"$up")
[ "$(jq -r .upload.part_count <<<"$up")" = 10000 ] || { echo "expected 10000 parts: $up" >&2; exit 1; }
for k in $(seq 0 99); do
	[ "$k" = 0 ] || echo next
	echo "url = \"$API_URL/uploads/$id/parts\""
	echo "header = \"Authorization: Bearer $token\""
	echo "header = \"Content-Type: application/json\""
	echo "data = \"{\\\"part_numbers\\\":[$(seq -s, $((k * 100 + 1)) $((k * 100 + 100)))]}\""
	echo "output = \"$work/batch-$k.json\""
done >"$work/curl.cfg"
t0=$(now)
curl -sS -K "$work/curl.cfg"
t1=$(now)
urls=$(cat "$work"/batch-*.json | jq -s '[.[].parts | length] | add')
[ "$urls" = 10000 ] || { echo "got $urls URLs" >&2; exit 1; }
api_rate=$(awk -v n="$urls" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
api_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
read -r _ base_secs base_rate <<<"$("$ROOT/bench/presign-rate" 10000)"
curl -fsS -o /dev/null -X DELETE "$API_URL/uploads/$id" -H "Authorization: Bearer $token"
echo "| signing 10,000 part URLs | seconds | URLs/s |"
echo "|---|---|---|"
echo "| through the API (100 × POST /uploads/{id}/parts, keep-alive) | $api_secs | $api_rate |"
echo "| in-process baseline (s3_presign loop) | $base_secs | $base_rate |"
echo "| API ÷ in-process | | $(awk -v a="$api_rate" -v b="$base_rate" 'BEGIN { printf "%.2f", a / b }') |"
echo

# ------------------------------------------------------------- throughput --
head -c $((1024 * 1024 * 1024)) /dev/urandom >"$work/1g.mp4"
sync
url=$("$ROOT/tools/vidpipe-admin" presign PUT "$S3_BUCKET_RAW" bench/one-stream.bin 3600)
t0=$(now)
code=$(curl -sS -o /dev/null -w '%{http_code}' -T "$work/1g.mp4" "$url")
t1=$(now)
[ "$code" = 200 ] || { echo "single PUT answered $code" >&2; exit 1; }
single=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
t0=$(now)
VIDPIPE_PASSWORD=$password XDG_STATE_HOME=$work/state \
	"$ROOT/tools/vidpipe-upload" -q -a "$API_URL" -e "$email" -j 4 "$work/1g.mp4" >/dev/null
t1=$(now)
multi=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
mibs() { awk -v s="$1" 'BEGIN { printf "%.0f", 1024 / s }'; }
echo "| 1 GiB to storage | seconds | MiB/s |"
echo "|---|---|---|"
echo "| vidpipe-upload: create, 128 × 8 MiB parts (4 in flight), complete | $multi | $(mibs "$multi") |"
echo "| baseline: one PUT stream of the same bytes | $single | $(mibs "$single") |"
echo "| uploader ÷ one stream | | $(awk -v a="$single" -v b="$multi" 'BEGIN { printf "%.2f", a / b }') |"
