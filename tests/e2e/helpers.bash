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
	# A bodiless POST carries Content-Length: 0, as browsers send it (lighttpd
	# answers 411 to a POST with neither a length nor chunked encoding).
	local len=()
	case "$method $*" in
	POST*--data* | PATCH*--data* | PUT*--data*) ;;
	POST* | PATCH* | PUT*) len=(-H 'Content-Length: 0') ;;
	esac
	STATUS=$(curl -sS -m 30 -X "$method" -D "$HEADERS" -o "$body_file" -w '%{http_code}' "${len[@]}" "$@" "$API_URL$path")
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

# ------------------------------------------------------------------ auth --
# A client address of its own per call site, so the per-IP limit of login
# and register (10 a minute) counts each test's requests apart, as it would
# count different clients. All of 127.0.0.0/8 is loopback on Linux.
random_ip() { echo "127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"; }

# register_user [EMAIL] [PASSWORD]: sets EMAIL, PASSWORD, USER_ID
register_user() {
	EMAIL=${1:-user-$RANDOM$RANDOM@example.com}
	PASSWORD=${2:-correct horse battery}
	api POST /auth/register --interface "$(random_ip)" -H 'Content-Type: application/json' \
		--data "$(jq -cn --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')"
	expect_status 201
	USER_ID=$(jq -r .user.id <<<"$BODY")
}

# login [JAR]: logs EMAIL/PASSWORD in; sets TOKEN and REFRESH (cookie value)
login() {
	local jar=${1:-$BATS_TEST_TMPDIR/jar}
	api POST /auth/login --interface "$(random_ip)" -c "$jar" -H 'Content-Type: application/json' \
		--data "$(jq -cn --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')"
	expect_status 200
	TOKEN=$(jq -r .access_token <<<"$BODY")
	REFRESH=$(awk '$6 == "refresh_token" { print $7 }' "$jar")
}

# refresh_with VALUE: POST /auth/refresh with that refresh cookie
refresh_with() {
	api POST /auth/refresh -H "Cookie: refresh_token=$1" "${@:2}"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
b64url_decode() {
	local s
	s=$(tr '_-' '/+' <<<"$1")
	case $(( ${#s} % 4 )) in 2) s="$s==" ;; 3) s="$s=" ;; esac
	openssl base64 -d -A <<<"$s"
}
jwt_payload() { b64url_decode "$(cut -d. -f2 <<<"$1")"; }

# jwt_sign HEADER_JSON PAYLOAD_JSON KEY [DIGEST]: an HMAC-signed JWT
jwt_sign() {
	local h p s
	h=$(printf '%s' "$1" | b64url)
	p=$(printf '%s' "$2" | b64url)
	s=$(printf '%s.%s' "$h" "$p" | openssl dgst -"${4:-sha256}" -hmac "$3" -binary | b64url)
	printf '%s.%s.%s' "$h" "$p" "$s"
}

# expect_invalid_token: a 401 with the bearer challenge naming the error
expect_invalid_token() {
	expect_error 401 invalid_token
	[ "$(header WWW-Authenticate)" = 'Bearer error="invalid_token"' ]
}
