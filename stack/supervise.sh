#!/bin/sh
# supervise.sh RUNDIR — what cron does in production, for the local stack:
# every SUPERVISE_INTERVAL seconds (default 60) run each job of
# worker/crontab under the same `flock -n`, so a run never overlaps the
# previous one. The configuration comes from this process's environment.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
run=$1
interval=${SUPERVISE_INTERVAL:-60}
while :; do
	flock -n "$run/maint.lock" "$ROOT/worker/vidpipe-maint" || true
	sleep "$interval"
done
