#!/usr/bin/env bash
# run-browser.sh — the web app in headless Chromium (Debian's, driven by
# playwright-core) against the running test stack, once per web server
# (SERVER=lighttpd|apache picks one). A failing test leaves a screenshot of
# each open page in tests/out/browser/<server>/.
# Ends with "browser: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/stack/node.sh"
servers=${SERVER:-lighttpd apache}
export VIDPIPE_ENV
VIDPIPE_ENV=$("$ROOT/stack/stack.sh" --test env)
[ -s "$VIDPIPE_ENV" ] || { echo "run-browser: the test stack is not up" >&2; exit 1; }
out=$ROOT/tests/out
pass=0 fail=0
for s in $servers; do
	"$ROOT/stack/stack.sh" --test web "$s" >/dev/null || { echo "run-browser: could not start $s" >&2; fail=$((fail + 1)); continue; }
	rm -rf "$out/browser/$s"
	mkdir -p "$out/browser/$s"
	# a test about the browser alone, not the server, runs under the first
	# server only (BROWSER_FIRST_SERVER); TEST_SKIP_ONE_SERVER: under none
	first=
	[ "$s" = "${servers%% *}" ] && [ -z "${TEST_SKIP_ONE_SERVER:-}" ] && first=1
	(cd "$ROOT/frontend" && BROWSER_OUT=$out/browser/$s BROWSER_FIRST_SERVER=$first timeout 600 \
		node --test --test-concurrency=1 --test-reporter=tap tests/browser/) >"$out/browser-$s.tap" 2>&1
	sed "s/^/[$s] /" "$out/browser-$s.tap"
	p=$(grep -E '^ok [0-9]+' "$out/browser-$s.tap" | grep -vc '# SKIP')
	f=$(grep -cE '^not ok [0-9]+' "$out/browser-$s.tap")
	pass=$((pass + p)) fail=$((fail + f))
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then fail=$((fail + 1)); echo "[$s] no browser test ran"; fi
done
echo "browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
