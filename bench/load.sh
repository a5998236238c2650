#!/usr/bin/env bash
# bench/load.sh [SECONDS] [CONCURRENCY] — mixed load with nothing lost, under
# each web server: bench/loadgen runs register, login, refresh, list,
# create, sign (with MD5), part PUT and complete for SECONDS (default 60)
# with CONCURRENCY users (default 8: Argon2id on two cores is the ceiling,
# more users only queue). Then it asserts zero 5xx, zero requests without an
# answer, and that every completed upload was queued exactly once: one sent
# outbox row per video in Postgres, one message per video in the queue (the
# worker is stopped so the queue keeps them). Runs on its own stack
# (var/bench), stops it and removes its data. Prints Markdown.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-60} USERS=${2:-8}
# the load is one client address and many new accounts: the per-IP and
# per-user limits would measure 429s, not the work
export RATE_LIMIT_AUTH_PER_IP=1000000 RATE_LIMIT_UPLOADS=1000000 RATE_LIMIT_API=1000000
# the worker is stopped below, and a long poll it leaves behind still takes
# the next message (fauxqs holds it until the wait ends): short polls
export WORKER_WAIT_SECONDS=2
work=$(mktemp -d)
cleanup() {
	"$ROOT/stack/stack.sh" --bench down >/dev/null 2>&1 || true
	rm -rf "$work" "$ROOT/var/bench"
}
trap cleanup EXIT
[ -x "$ROOT/bench/loadgen" ] || make -C "$ROOT" -s bench/loadgen
"$ROOT/stack/stack.sh" --bench up >/dev/null
"$ROOT/stack/stack.sh" --bench stop worker >/dev/null
sleep 3 # a long poll cut short still takes the next message: let it end
set -a
. "$ROOT/var/bench/stack.env"
set +a
sqs() { curl -sS -X POST "$AWS_ENDPOINT_URL_SQS/" -H 'Content-Type: application/x-amz-json-1.0' -H "X-Amz-Target: AmazonSQS.$1" -d "$2"; }

echo "| server | iterations/s | requests/s | 2xx as expected | 4xx | 5xx | no answer | completed | queued once (outbox) | queued once (SQS) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
fail=0
for server in lighttpd apache; do
	"$ROOT/stack/stack.sh" --bench web "$server" >/dev/null
	sqs PurgeQueue "{\"QueueUrl\":\"$SQS_QUEUE_URL\"}" >/dev/null
	"$ROOT/bench/loadgen" "$API_URL" "$SECS" "$USERS" "$work/ids-$server" >"$work/out-$server" 2>"$work/err-$server" || true
	sed "s/^/  [$server] /" "$work/out-$server" >&2
	grep -v 'register answered 429\|login answered 429' "$work/err-$server" | head -5 | sed "s/^/  [$server] /" >&2 || true
	its=$(sed -n 's/^iterations .*(\([0-9.]*\)\/s); requests.*/\1/p' "$work/out-$server")
	rps=$(sed -n 's/.*; requests [0-9]* (\([0-9.]*\)\/s).*/\1/p' "$work/out-$server")
	read -r c4 c5 c0 <<<"$(awk 'NR > 1 && !/^iterations/ { a += $4; b += $5; c += $6 } END { print a + 0, b + 0, c + 0 }' "$work/out-$server")"
	ok=$(awk 'NR > 1 && !/^iterations/ { s += $2 } END { print s + 0 }' "$work/out-$server")
	n=$(wc -l <"$work/ids-$server")
	ids=$(paste -sd, "$work/ids-$server")
	# Postgres: exactly one outbox row per completed video, each sent
	once_db=$(psql "$DATABASE_URL" -tAc "select count(*) from (select video_id from outbox
		where video_id = any(string_to_array('$ids', ',')::uuid[]) and sent_at is not null
		group by video_id having count(*) = 1) x")
	# SQS: receive everything; each completed video exactly once
	: >"$work/msgs-$server"
	for _ in $(seq 1 $((n / 10 + 50))); do
		out=$(sqs ReceiveMessage "{\"QueueUrl\":\"$SQS_QUEUE_URL\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1,\"VisibilityTimeout\":600}")
		[ "$(jq '.Messages // [] | length' <<<"$out")" -gt 0 ] || break
		jq -r '.Messages[] | .Body | fromjson | .video_id' <<<"$out" >>"$work/msgs-$server"
	done
	once_q=$(sort "$work/msgs-$server" | uniq -c | awk '$1 == 1 { print $2 }' | sort |
		comm -12 - <(sort "$work/ids-$server") | wc -l)
	extra=$(sort "$work/msgs-$server" | uniq -c | awk '$1 != 1' | wc -l)
	echo "| $server | $its | $rps | $ok | $c4 | $c5 | $c0 | $n | $once_db | $once_q |"
	if [ "$c5" != 0 ] || [ "$c0" != 0 ] || [ "$c4" != 0 ] || [ "$n" = 0 ] || [ "$once_db" != "$n" ] ||
		[ "$once_q" != "$n" ] || [ "$extra" != 0 ]; then
		echo "load ($server): FAILED: 5xx=$c5 no-answer=$c0 4xx=$c4 completed=$n outbox-once=$once_db queue-once=$once_q repeated=$extra" >&2
		fail=1
	fi
done
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $SECS s per server, $USERS users, loopback."
exit $fail
