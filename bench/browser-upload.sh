#!/usr/bin/env bash
# bench/browser-upload.sh [MIB] [ROUNDS] — a file uploaded by the web app in
# headless Chromium (create, parts of 8 MiB with 4 in flight, complete)
# against the same file PUT as one stream by the same browser to one
# pre-signed URL, alternating, ROUNDS times (default 512 MiB, 3 rounds). The
# worker is stopped so that it does not read the uploads meanwhile. Runs on
# its own stack (var/bench), stops it and removes its data. Prints Markdown.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/stack/node.sh"
mib=${1:-512} rounds=${2:-3}
export RATE_LIMIT_AUTH_PER_IP=1000 RATE_LIMIT_UPLOADS=1000 MAX_ACTIVE_UPLOADS=100
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

email=bench-$RANDOM$RANDOM@example.com password='benchmark password'
curl -fsS -X POST "$API_URL/auth/register" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null
head -c $((mib * 1024 * 1024)) /dev/urandom >"$work/bench.mp4"
chmod a+r "$work" "$work/bench.mp4"
urls=()
for r in $(seq 1 "$rounds"); do
	urls+=("$("$ROOT/tools/vidpipe-admin" presign PUT "$S3_BUCKET_RAW" "bench/browser-$r.bin" 3600)")
done
node "$ROOT/bench/browser-upload.mjs" "$work/bench.mp4" "$email" "$password" "$rounds" "${urls[@]}" >"$work/runs.txt"
med() { grep "^$1 " "$work/runs.txt" | cut -d' ' -f2 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
all() { grep "^$1 " "$work/runs.txt" | cut -d' ' -f2 | paste -sd' '; }
app=$(med app) single=$(med single)
rate() { awk -v m="$mib" -v s="$1" 'BEGIN { printf "%.0f", m / s }'; }
echo "| $mib MiB from headless Chromium to storage | runs (s) | median (s) | MiB/s |"
echo "|---|---|---|---|"
echo "| the web app (8 MiB parts, 4 in flight, create + complete included) | $(all app) | $app | $(rate "$app") |"
echo "| baseline: one XMLHttpRequest PUT of the file to one pre-signed URL | $(all single) | $single | $(rate "$single") |"
echo "| web app ÷ one stream (throughput) | | | $(awk -v a="$single" -v b="$app" 'BEGIN { printf "%.2f", a / b }') |"
