#!/usr/bin/env bats
# Who the client is, and what a flood of guesses can do (api.md, "Rate
# limiting"). The test stack trusts 127.0.0.1 as a proxy (TRUSTED_PROXIES,
# stack/stack.sh): a request from it names its client in X-Forwarded-For;
# from any other loopback address (curl --interface) the header is ignored.

load helpers

json() { jq -cn "$@"; }

# login_from SOURCE_ADDRESS XFF: one login with EMAIL/PASSWORD
login_from() {
	api POST /auth/login --interface "$1" -H "X-Forwarded-For: $2" -H 'Content-Type: application/json' \
		--data "$(json --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')"
}

session_ip() { # the ip the sessions list shows for the current session
	api GET /auth/sessions -H "Authorization: Bearer $1"
	jq -r '.sessions[] | select(.current) | .ip' <<<"$BODY"
}

@test "from a trusted proxy, the rightmost untrusted X-Forwarded-For entry is the client" {
	register_user
	login_from 127.0.0.1 "198.51.100.7, 203.0.113.$((RANDOM % 250 + 1))"
	expect_status 200
	t=$(jq -r .access_token <<<"$BODY")
	ip=$(session_ip "$t")
	[[ "$ip" == 203.0.113.* ]]
	# a trusted hop on the right is skipped
	login_from 127.0.0.1 "203.0.113.9, 127.0.0.1"
	expect_status 200
	[ "$(session_ip "$(jq -r .access_token <<<"$BODY")")" = 203.0.113.9 ]
}

@test "from an untrusted address, X-Forwarded-For is ignored: the connection is the client" {
	register_user
	src=$(random_ip)
	login_from "$src" "203.0.113.9"
	expect_status 200
	[ "$(session_ip "$(jq -r .access_token <<<"$BODY")")" = "$src" ]
}

@test "the per-IP login limit counts the forwarded client, each in its own bucket" {
	register_user
	client=192.0.2.$((RANDOM % 250 + 1))
	for i in $(seq 1 10); do
		login_from 127.0.0.1 "$client"
		expect_status 200
	done
	login_from 127.0.0.1 "$client"
	expect_error 429 rate_limited
	# another forwarded client, through the same proxy, is not affected
	login_from 127.0.0.1 "192.0.2.$((RANDOM % 250 + 1)), 198.51.100.$((RANDOM % 250 + 1))"
	expect_status 200
	# and a spoofed header from an untrusted address does not use that bucket
	login_from "$(random_ip)" "$client"
	expect_status 200
}

@test "IPv6 clients are counted per /64" {
	register_user
	net=2001:db8:$((RANDOM % 8000 + 1000)):$((RANDOM % 8000 + 1000))
	for i in $(seq 1 10); do
		login_from 127.0.0.1 "$net::$i"
		expect_status 200
	done
	# the eleventh address of the same /64 shares its bucket
	login_from 127.0.0.1 "$net:ffff:ffff:ffff:ffff"
	expect_error 429 rate_limited
	# the next /64 does not
	login_from 127.0.0.1 "${net%:*}:$(( ${net##*:} + 1 ))::1"
	expect_status 200
}

@test "30 parallel wrong passwords for one account from 30 addresses: at most 5 are checked (401), the rest 429" {
	register_user
	body=$(json --arg e "$EMAIL" '{email:$e,password:"wrong password!"}')
	for i in $(seq 1 30); do
		curl -s -o /dev/null -w '%{http_code}\n' -m 60 --interface "$(random_ip)" -X POST \
			-H 'Content-Type: application/json' --data "$body" "$API_URL/auth/login" \
			>"$BATS_TEST_TMPDIR/p$i" &
	done
	wait
	cat "$BATS_TEST_TMPDIR"/p* | sort | uniq -c >&3 || true
	n401=$(cat "$BATS_TEST_TMPDIR"/p* | grep -c '^401$' || true)
	n429=$(cat "$BATS_TEST_TMPDIR"/p* | grep -c '^429$' || true)
	echo "# $WEB_SERVER: $n401 × 401, $n429 × 429" >&3
	[ "$n401" -ge 1 ] && [ "$n401" -le 5 ]
	[ $((n401 + n429)) -eq 30 ]
	# and the right password is refused too, until the window frees
	api POST /auth/login --interface "$(random_ip)" -H 'Content-Type: application/json' \
		--data "$(json --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')"
	expect_error 429 rate_limited
}

@test "a correct password gives its attempt back: five good logins do not lock the account" {
	register_user
	for i in $(seq 1 7); do
		login
	done
	post() { api POST /auth/login --interface "$(random_ip)" -H 'Content-Type: application/json' --data "$1"; }
	post "$(json --arg e "$EMAIL" '{email:$e,password:"wrong password!"}')"
	expect_error 401 invalid_credentials
	login
}
