#!/bin/sh
# run-unit.sh BIN... — runs cmocka test programs, prints their output and a
# closing "unit: N passed, N failed" line; exits non-zero on any failure.
pass=0 fail=0 rc=0
for t in "$@"; do
	out=$("$t" 2>&1); st=$?
	printf '%s\n' "$out" | sed "s|^|[$(basename "$(dirname "$t")")/$(basename "$t")] |"
	# a program may run several groups: add up every group's line
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s += $1} END {print s + 0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s += $1} END {print s + 0}')
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
	if [ "$st" -ne 0 ]; then rc=1; [ "$f" -gt 0 ] || fail=$((fail + 1)); fi
done
echo "unit: $pass passed, $fail failed"
exit $rc
