#!/bin/sh
# supervise.sh RUNDIR — what cron does in production, for the local stack:
# every SUPERVISE_INTERVAL seconds (default 60) run each line of
# worker/crontab under the same `flock -n`: WORKER_COUNT workers (each holds
# its lock while it runs, so a running one is never doubled) and the
# maintenance job. The configuration comes from this process's environment.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
run=$1
interval=${SUPERVISE_INTERVAL:-60}
workers=${WORKER_COUNT:-1}
sleeper=""
trap '[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; exit 0' TERM INT
while :; do
	# the worker runs until stopped; flock -n starts it only if it is not
	# running, so a killed worker is back within one interval
	for i in $(seq 1 "$workers"); do
		flock -n "$run/worker-$i.lock" "$ROOT/worker/vidpipe-worker" &
	done
	flock -n "$run/maint.lock" "$ROOT/worker/vidpipe-maint" || true
	# a stop (TERM) ends the wait too, rather than leaving a sleep behind
	sleep "$interval" &
	sleeper=$!
	wait "$sleeper"
done
