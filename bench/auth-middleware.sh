#!/usr/bin/env bash
# bench/auth-middleware.sh — GET /me through the whole auth middleware (token
# verification, the session and rate-limit script in Redis, one Postgres
# read) against the same web server serving a static file of the same size,
# in the same run, under the same wrk load. A second baseline is the FastCGI
# floor: the trivial `notfound` responder (no auth, no I/O), so the table
# shows both what the middleware costs over a static file and over the
# FastCGI hop itself. Prints a Markdown table.
#
#   bench/auth-middleware.sh [SECONDS] [CONNECTIONS]   (defaults 10 and 32)
# Runs on its own stack (var/bench), under lighttpd then Apache, and stops it.
# The per-user API limit is raised for the run: this measures the work of
# the middleware, not how fast it answers 429.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10} conns=${2:-32}
export RATE_LIMIT_API=1000000 RATE_LIMIT_AUTH_PER_IP=1000
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
trap '"$ROOT/stack/stack.sh" --bench down >/dev/null 2>&1' EXIT
"$ROOT/stack/stack.sh" --bench up >/dev/null
set -a
. "$ROOT/var/bench/stack.env"
set +a

email=bench-$RANDOM$RANDOM@example.com
curl -fsS -X POST "$API_URL/auth/register" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"benchmark password\"}" >/dev/null
token=$(curl -fsS -X POST "$API_URL/auth/login" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"benchmark password\"}" | jq -r .access_token)

# the static twin: a file as long as /me's body, served by the same server
size=$(curl -fsS "$API_URL/me" -H "Authorization: Bearer $token" | wc -c)
dist=${FRONTEND_DIST:-$ROOT/frontend/dist}
head -c "$size" /dev/zero | tr '\0' 'x' >"$dist/bench-static.json"
trap 'rm -f "$dist/bench-static.json"; "$ROOT/stack/stack.sh" --bench down >/dev/null 2>&1' EXIT

run_wrk() { # URL [header] → "rps p99_ms non2xx"
	local out
	out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency ${2:+-H "$2"} "$1")
	local rps p99 non
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) sub(/ms$/,"",v); else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$out")
	non=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
	echo "$rps $p99 ${non:-0}"
}

echo "| server | GET /me req/s | p99 ms | static file req/s | p99 ms | FastCGI floor req/s | p99 ms | /me ÷ static | /me ÷ floor | /me non-2xx |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for server in lighttpd apache; do
	"$ROOT/stack/stack.sh" --bench web "$server" >/dev/null
	curl -fsS -o /dev/null "$API_URL/me" -H "Authorization: Bearer $token" # warm the responders
	# warm up at the measured concurrency: mod_fcgid starts processes one at
	# a time and parks waiting requests for a second while it does
	wrk -t2 -c"$conns" -d3s -H "Authorization: Bearer $token" "$API_URL/me" >/dev/null
	wrk -t2 -c"$conns" -d3s "$API_URL/no-such-path" >/dev/null
	read -r mr mp mn <<<"$(run_wrk "$API_URL/me" "Authorization: Bearer $token")"
	read -r sr sp sn <<<"$(run_wrk "$FRONTEND_URL/bench-static.json")"
	read -r fr fp fn <<<"$(run_wrk "$API_URL/no-such-path")"  # 404 from notfound: expected
	ratio=$(awk -v a="$mr" -v b="$sr" 'BEGIN { printf "%.2f", a / b }')
	fratio=$(awk -v a="$mr" -v b="$fr" 'BEGIN { printf "%.2f", a / b }')
	echo "| $server | $mr | $mp | $sr | $sp | $fr | $fp | $ratio | $fratio | $mn |"
done
