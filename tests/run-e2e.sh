#!/usr/bin/env bash
# run-e2e.sh — the end-to-end suites (bats) against the running test stack,
# once per web server (SERVER=lighttpd|apache picks one; default both).
# Prints the TAP lines and a closing "e2e: N passed, N failed, N skipped" line.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
servers=${SERVER:-lighttpd apache}
export VIDPIPE_ENV
VIDPIPE_ENV=$("$ROOT/stack/stack.sh" --test env)
[ -s "$VIDPIPE_ENV" ] || { echo "run-e2e: the test stack is not up" >&2; exit 1; }
out=$ROOT/tests/out
mkdir -p "$out"
pass=0 fail=0 skip=0
for s in $servers; do
	"$ROOT/stack/stack.sh" --test web "$s" >/dev/null || { echo "run-e2e: could not start $s" >&2; fail=$((fail + 1)); continue; }
	# A suite that exercises the worker or storage, not the web server, says
	# "# e2e: one web server" in its header and runs under the first server
	# only: its answer would not change with the server, and it is the
	# slowest part of the run.
	# E2E_ONLY="NN-name ..." runs just those suites (a developer's rerun).
	# TEST_SKIP_ONE_SERVER=1 leaves out the one-web-server suites altogether
	# (the fresh-machine test, whose host run has just run them).
	if [ -n "${E2E_ONLY:-}" ]; then
		files=()
		for n in $E2E_ONLY; do files+=("$ROOT/tests/e2e/$n.bats"); done
	elif [ "$s" = "${servers%% *}" ] && [ -z "${TEST_SKIP_ONE_SERVER:-}" ]; then
		files=("$ROOT"/tests/e2e/*.bats)
	else
		mapfile -t files < <(grep -L '^# e2e: one web server' "$ROOT"/tests/e2e/*.bats)
		echo "[$s] # not again under $s (one web server is enough): $(grep -l '^# e2e: one web server' "$ROOT"/tests/e2e/*.bats | xargs -n1 basename | tr '\n' ' ')"
	fi
	bats --formatter tap --timing "${files[@]}" >"$out/e2e-$s.tap" 2>&1
	sed "s/^/[$s] /" "$out/e2e-$s.tap"
	p=$(grep -cE '^ok [0-9]+' "$out/e2e-$s.tap" | head -1)
	k=$(grep -cE '^ok [0-9]+ .*# skip' "$out/e2e-$s.tap" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$out/e2e-$s.tap" | head -1)
	pass=$((pass + p - k)) skip=$((skip + k)) fail=$((fail + f))
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then fail=$((fail + 1)); echo "[$s] no test ran"; fi
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
