#!/usr/bin/env bash
# run-frontend.sh — the web app's own checks: the TypeScript type check (one
# check) and the Vitest unit tests (upload scheduler, token refresh, ...).
# Ends with "frontend: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/stack/node.sh"
cd "$ROOT/frontend"
out=$ROOT/tests/out
mkdir -p "$out"
pass=0 fail=0
if npx --no-install tsc --noEmit -p . >"$out/frontend-tsc.txt" 2>&1; then
	echo "ok - typecheck (tsc --noEmit)"
	pass=$((pass + 1))
else
	cat "$out/frontend-tsc.txt"
	echo "not ok - typecheck (tsc --noEmit)"
	fail=$((fail + 1))
fi
npx --no-install vitest run --reporter=tap-flat >"$out/frontend-vitest.tap" 2>&1
rc=$?
cat "$out/frontend-vitest.tap"
p=$(grep -cE '^ok [0-9]+' "$out/frontend-vitest.tap")
f=$(grep -cE '^not ok [0-9]+' "$out/frontend-vitest.tap")
pass=$((pass + p)) fail=$((fail + f))
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then fail=$((fail + 1)); echo "not ok - vitest exited $rc"; fi
if [ "$p" -eq 0 ]; then fail=$((fail + 1)); echo "not ok - no Vitest test ran"; fi
echo "frontend: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
