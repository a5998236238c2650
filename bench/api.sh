#!/usr/bin/env bash
# bench/api.sh — the authenticated API against the seed's stack and against
# the FastCGI floor, per web server, in one run (issue 15's goals):
#
#   ours    GET /me, GET /videos, POST /uploads/{id}/parts through the web
#           server (lighttpd, then Apache), the route's process count from
#           routes.map;
#   peer    the same three routes on the seed's stack (bench/peer: FastAPI +
#           uvicorn with uvloop and httptools, 2 workers, PyJWT, redis-py
#           asyncio, asyncpg, botocore), same Redis, Postgres and token;
#   floor   bench/fcgi-floor (a bare libfcgi responder printing a fixed 404)
#           under the same web server with the route's process count.
#
#   bench/api.sh [SECONDS] [CONNECTIONS] [ROUNDS] [SERVERS]
#                                    (defaults 8, 32, 3, "lighttpd apache")
# wrk -t2 -c CONNECTIONS for SECONDS per measurement; each round measures
# every candidate once, in an order that rotates from round to round, so a
# change in the machine's load falls on all of them; each ratio is the
# median of the rounds' ratios. Prints the load average before and after,
# every round, and a Markdown table. Runs on its own stack (var/bench) and
# stops it and the peer afterwards. The per-user limit is raised for the
# run: this measures the work, not 429s.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-8} conns=${2:-32} rounds=${3:-3} servers=${4:-lighttpd apache}
# (1,000,000 per second: more than any run here reaches)
export RATE_LIMIT_API=1000000 RATE_LIMIT_API_WINDOW=1 RATE_LIMIT_AUTH_PER_IP=1000 ACCESS_TOKEN_TTL=7200
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
for b in bench/fcgi-floor tools/vidpipe-pool cgi-bin/me; do
	[ -x "$ROOT/$b" ] || make -C "$ROOT" -s "$b"
done
VAR=$ROOT/var/bench
work=$(mktemp -d)
peer_pid=$work/peer.pid
cleanup() {
	[ -s "$peer_pid" ] && kill "$(cat "$peer_pid")" 2>/dev/null
	"$ROOT/stack/stack.sh" --bench down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# The route map of the run: the project's, plus one floor route per process
# count that the measured routes use (each floor its own responder name).
procs_of() { awk -v r="$1" '!/^[[:space:]]*#/ && $2 == r { print (NF >= 3 ? $3 : 2); exit }' "$ROOT/routes.map"; }
p_me=$(procs_of me) p_videos=$(procs_of videos) p_parts=$(procs_of upload_parts)
mkdir -p "$VAR"
cp "$ROOT/routes.map" "$work/routes.map"
for n in $(printf '%s\n' "$p_me" "$p_videos" "$p_parts" | sort -u); do
	ln -sf "$ROOT/bench/fcgi-floor" "$VAR/floor-$n"
	echo "^/bench/floor-$n\$ $VAR/floor-$n $n" >>"$work/routes.map"
done
export ROUTES_MAP=$work/routes.map
"$ROOT/stack/stack.sh" --bench up >/dev/null
set -a
. "$VAR/stack.env"
set +a
peer_port=$(( $(sed 's|.*:||' <<<"$API_URL") + 90 ))
"$ROOT/bench/peer/run.sh" "$peer_port" "$peer_pid" "$VAR/log/peer.log"
PEER=http://127.0.0.1:$peer_port

# One user, a session made by our login (so it carries what /me needs), and
# five uploads: five videos to list, one upload to sign parts of.
email=bench-$RANDOM$RANDOM@example.com
curl -fsS -X POST "$API_URL/auth/register" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"benchmark password\"}" >/dev/null
token=$(curl -fsS -X POST "$API_URL/auth/login" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"benchmark password\"}" | jq -r .access_token)
for i in 1 2 3 4 5; do
	upload=$(curl -fsS -X POST "$API_URL/uploads" -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' \
		--data "{\"filename\":\"v$i.mp4\",\"size\":41943040,\"content_type\":\"video/mp4\",\"title\":\"video $i\"}" |
		jq -r .upload.id)
done
parts_body='{"parts":[{"part_number":2,"md5":"1B2M2Y8AsgTpgAmY7PhCfg=="}]}'
cat >"$work/parts.lua" <<-EOF
	wrk.method = "POST"
	wrk.body = '$parts_body'
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer $token"
EOF
auth="Authorization: Bearer $token"

# The same answers from ours and the peer, before anything is timed.
for base in "$API_URL" "$PEER"; do
	[ "$(curl -fsS "$base/me" -H "$auth" | jq -r .user.email)" = "$email" ]
	[ "$(curl -fsS "$base/videos" -H "$auth" | jq '.videos | length')" = 5 ]
	[ "$(curl -fsS -X POST "$base/uploads/$upload/parts" -H "$auth" -H 'Content-Type: application/json' \
		--data "$parts_body" | jq '.parts[0].size')" = 8388608 ]
done

run_wrk() { # NAME URL [wrk args] → "rps p99_ms non2xx errors"
	local out
	out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "${@:2}" 2>&1)
	echo "$out" >>"$work/wrk-$1.log"
	awk '
		/^Requests\/sec:/ { rps = $2 }
		$1 == "99%" { v = $2
			if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
			else if (v ~ /ms$/) sub(/ms$/, "", v)
			else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
			p99 = v }
		/Non-2xx/ { non = $NF }
		/Socket errors/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
		END { printf "%s %s %d %d\n", rps, p99, non, err }' <<<"$out"
}
candidate() { # ROUTE CAND → wrk arguments
	local route=$1 p
	case $route in me) p=$p_me ;; videos) p=$p_videos ;; parts) p=$p_parts ;; esac
	case $2 in
	floor) echo "$API_URL/bench/floor-$p" ;;
	ours | peer)
		local base=$API_URL
		[ "$2" = peer ] && base=$PEER
		case $route in
		me) echo "-H|$auth|$base/me" ;;
		videos) echo "-H|$auth|$base/videos" ;;
		parts) echo "-s|$work/parts.lua|$base/uploads/$upload/parts" ;;
		esac
		;;
	esac
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
summary=$work/summary
: >"$summary"
for server in $servers; do
	"$ROOT/stack/stack.sh" --bench web "$server" >/dev/null
	for route in me videos parts; do
		order=(ours peer floor)
		for c in "${order[@]}"; do # warm up: every process started, every connection made
			IFS='|' read -r -a args <<<"$(candidate "$route" "$c")"
			wrk -t2 -c"$conns" -d2s "${args[@]}" >/dev/null 2>&1
		done
		for r in $(seq 1 "$rounds"); do
			line="$server $route round $r:"
			for c in "${order[@]}"; do
				IFS='|' read -r -a args <<<"$(candidate "$route" "$c")"
				read -r rps p99 non err <<<"$(run_wrk "$server-$route-$c" "${args[@]}")"
				[ "$c" = floor ] || [ "$non" = 0 ] || echo "warning: $server $route $c: $non non-2xx answers" >&2
				[ "$err" = 0 ] || echo "warning: $server $route $c: $err socket errors" >&2
				echo "$server $route $c $r $rps $p99" >>"$summary"
				line="$line $c $rps req/s (p99 $p99 ms)"
			done
			echo "$line"
			order=("${order[@]:1}" "${order[0]}")
		done
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| server | route | procs | ours req/s | p99 ms | peer req/s | p99 ms | floor req/s | p99 ms | ours ÷ peer | ours ÷ floor |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for server in $servers; do
	for route in me videos parts; do
		case $route in me) p=$p_me name="GET /me" ;; videos) p=$p_videos name="GET /videos" ;;
		parts) p=$p_parts name="POST /uploads/{id}/parts" ;; esac
		col() { awk -v s="$server" -v r="$route" -v c="$1" -v f="$2" '$1 == s && $2 == r && $3 == c { print $f }' "$summary" | median; }
		ratio() { # median over rounds of ours ÷ CAND
			awk -v s="$server" -v r="$route" -v c="$1" '$1 == s && $2 == r { v[$3 " " $4] = $5 }
				END { for (k in v) { split(k, a, " "); if (a[1] == c) print v["ours " a[2]] / v[k] } }' "$summary" | median
		}
		printf '| %s | %s | %s | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f | %.2f | %.2f |\n' "$server" "$name" "$p" \
			"$(col ours 5)" "$(col ours 6)" "$(col peer 5)" "$(col peer 6)" "$(col floor 5)" "$(col floor 6)" \
			"$(ratio peer)" "$(ratio floor)"
	done
done
