#!/usr/bin/env bash
# run-all.sh — what `make test` runs: the unit tests (plain and under
# ASan+UBSan), the web app's type check and unit tests, then a stack of its
# own (var/test, its own ports), the end-to-end suites and the browser tests
# under each web server, and the stack torn down again.
# Ends with one line: "total: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
mkdir -p tests/out
trap '"$ROOT/stack/stack.sh" --test down >/dev/null 2>&1' EXIT

# lint counts as one check: cppcheck and the checked-in .clang-format
if make --no-print-directory -s lint >tests/out/lint.txt 2>&1; then
	echo "lint: 1 passed, 0 failed" | tee tests/out/lint.log
else
	cat tests/out/lint.txt
	echo "lint: 0 passed, 1 failed" | tee tests/out/lint.log
fi

make --no-print-directory -s unit 2>&1 | tee tests/out/unit.log
unit_rc=${PIPESTATUS[0]}

tests/run-frontend.sh 2>&1 | tee tests/out/frontend.log
fe_rc=${PIPESTATUS[0]}

make --no-print-directory -s integration-bin
if stack/stack.sh --test up >tests/out/stack-up.log 2>&1; then
	# the clients against the real services, under ASan+UBSan
	(set -a; . var/test/stack.env; set +a; tests/run-unit.sh build/integration/test_*) 2>&1 |
		sed 's/^unit:/integration:/' | tee tests/out/integration.log
	tests/run-e2e.sh 2>&1 | tee tests/out/e2e.log
	e2e_rc=${PIPESTATUS[0]}
	tests/run-browser.sh 2>&1 | tee tests/out/browser.log
	br_rc=${PIPESTATUS[0]}
else
	cat tests/out/stack-up.log
	echo "e2e: 0 passed, 1 failed (the test stack did not come up)" | tee tests/out/e2e.log
	e2e_rc=1 br_rc=1
fi

sum() { sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p" "tests/out/$1.log" | tail -n 1; }
read -r up uf <<<"$(sum unit)"
read -r ep ef <<<"$(sum e2e)"
read -r lp lf <<<"$(sum lint)"
read -r ip if_ <<<"$(sum integration)"
read -r fp ff <<<"$(sum frontend)"
read -r bp bf <<<"$(sum browser 2>/dev/null)"
p=$(( ${up:-0} + ${ep:-0} + ${lp:-0} + ${ip:-0} + ${fp:-0} + ${bp:-0} ))
f=$(( ${uf:-0} + ${ef:-0} + ${lf:-0} + ${if_:-0} + ${ff:-0} + ${bf:-0} ))
[ "$unit_rc" -eq 0 ] && [ "$e2e_rc" -eq 0 ] && [ "$fe_rc" -eq 0 ] && [ "$br_rc" -eq 0 ] &&
	[ -n "${ip:-}" ] && [ -n "${bp:-}" ] || [ "$f" -gt 0 ] || f=1
echo "total: $p passed, $f failed"
[ "$f" -eq 0 ]
