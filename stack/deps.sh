#!/bin/sh
# deps.sh — installs what building, running and testing vidpipe needs and is
# missing: Debian packages (as root, via apt-get, Chromium for the browser
# tests among them), a Node.js recent enough for the web app's toolchain
# (stack/node.sh: the machine's own, or a pinned one in var/node), and the
# npm packages of the local SQS emulator and of the web app (from their lock
# files). Quiet and quick when all is there; on a failure it shows the
# failing tool's own output.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/stack/node.sh"

PKGS="build-essential pkg-config ca-certificates curl jq openssl git
libfcgi-dev libpq-dev libhiredis-dev libjwt-dev libcurl4-openssl-dev libssl-dev
libjson-c-dev libxml2-dev libargon2-dev libcmocka-dev
libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
postgresql postgresql-client redis-server redis-tools
swift swift-proxy swift-account swift-container swift-object
lighttpd lighttpd-modules-lua apache2
nodejs npm bats ffmpeg cppcheck clang-format clang libclang-rt-dev wrk procps util-linux iproute2 time file
chromium fonts-dejavu-core debootstrap"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
# A machine whose node is recent enough (installed from elsewhere) needs
# neither Debian's nodejs nor its npm; one whose node is older needs Debian's
# npm once, to fetch the pinned Node.
if node_ok; then
	missing=$(echo "$missing" | tr ' ' '\n' | grep -vx -e nodejs -e npm | tr '\n' ' ')
fi
if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
	[ "$(id -u)" = 0 ] || { echo "deps: missing Debian packages:$missing (run as root)" >&2; exit 1; }
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	log=$(mktemp)
	# shellcheck disable=SC2086
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "deps: apt-get failed (its output above)" >&2
		exit 1
	fi
	rm -f "$log"
	# Debian starts some of these as system services; the stack runs its own.
	for s in redis-server apache2 lighttpd postgresql memcached; do
		service "$s" stop >/dev/null 2>&1 || true
	done
fi

node_ok || node_install
npm_ci "$ROOT/stack/fauxqs"
npm_ci "$ROOT/frontend"
