# Shared by the end-to-end suites: the stack's settings and a curl wrapper.
# Every call leaves STATUS, BODY (text) and HEADERS (file) for assertions.

: "${VIDPIPE_ENV:?run through tests/run-e2e.sh (VIDPIPE_ENV names the stack env file)}"
set -a
# shellcheck disable=SC1090
. "$VIDPIPE_ENV"
set +a
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# api METHOD PATH [curl args...]
api() {
	local method=$1 path=$2
	shift 2
	HEADERS=$(mktemp "$BATS_TEST_TMPDIR/h.XXXXXX")
	local body_file
	body_file=$(mktemp "$BATS_TEST_TMPDIR/b.XXXXXX")
	STATUS=$(curl -sS -m 30 -X "$method" -D "$HEADERS" -o "$body_file" -w '%{http_code}' "$@" "$API_URL$path")
	BODY=$(cat "$body_file")
}

# header NAME: the value of a response header of the last call ("" if absent)
header() {
	tr -d '\r' <"$HEADERS" | awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" -F': ' \
		'tolower($1) == n { sub(/^[^:]*: /, ""); print; exit }'
}

# expect_status CODE: fails with the body shown when the status differs
expect_status() {
	if [ "$STATUS" != "$1" ]; then
		echo "expected HTTP $1, got $STATUS: $BODY" >&2
		return 1
	fi
}

# expect_error CODE ERROR_CODE: status and the contract's error shape
expect_error() {
	expect_status "$1"
	[ "$(jq -r '.error.code' <<<"$BODY")" = "$2" ] || { echo "error code: $BODY" >&2; return 1; }
	[ "$(jq -r '.error.message | type' <<<"$BODY")" = string ] || { echo "no message: $BODY" >&2; return 1; }
	# that shape and no other
	[ "$(jq -c 'keys' <<<"$BODY")" = '["error"]' ] || { echo "extra keys: $BODY" >&2; return 1; }
	[ "$(jq -c '.error | keys' <<<"$BODY")" = '["code","message"]' ] || { echo "extra keys: $BODY" >&2; return 1; }
}

# Services started from a test must not hold bats' fd 3 open.
stack() { "$ROOT/stack/stack.sh" --test "$@" >/dev/null 3>&-; }

# wait_healthy SECONDS: polls /healthz until 200 (bounded)
wait_healthy() {
	local i
	for i in $(seq 1 $(($1 * 5))); do
		api GET /healthz
		[ "$STATUS" = 200 ] && return 0
		sleep 0.2
	done
	echo "still unhealthy: $BODY" >&2
	return 1
}
