#!/usr/bin/env bash
# run-fuzz.sh BIN... — runs each libFuzzer target for a bounded time
# (FUZZ_SECONDS, or the target's default below) over a scratch copy of its
# seed corpus (var/fuzz/NAME; new inputs never touch the checkout). A crash,
# leak or timeout is written to tests/fuzz/regress/NAME/: commit it, fix the
# code, and `make unit` replays it from then on.
# Ends with "fuzz: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# seconds per target when FUZZ_SECONDS is not set: the media path is slower
# per input than the text parsers, so it gets longer
default_seconds() { case $1 in media) echo 60 ;; *) echo 30 ;; esac; }
pass=0 fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	name=${name#fuzz_}
	secs=${FUZZ_SECONDS:-$(default_seconds "$name")}
	work=var/fuzz/$name
	mkdir -p "$work" "tests/fuzz/regress/$name"
	log=tests/out/fuzz-$name.log
	mkdir -p tests/out
	# -timeout: one input may take this long; -rss_limit_mb: a memory bomb
	# is a finding, not a dead machine
	if "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="tests/fuzz/regress/$name/" "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
		echo "ok - fuzz $name (${secs}s, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs)"
		pass=$((pass + 1))
	else
		tail -n 40 "$log"
		echo "not ok - fuzz $name: a finding is in tests/fuzz/regress/$name/ (log: $log)"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
