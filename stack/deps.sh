#!/bin/sh
# deps.sh — installs what building, running and testing vidpipe needs and is
# missing: Debian packages (as root, via apt-get, Chromium for the browser
# tests among them) and the npm packages of the local SQS emulator and of the
# web app (from their lock files). Quiet and quick when all is there.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)

PKGS="build-essential pkg-config ca-certificates curl jq openssl git
libfcgi-dev libpq-dev libhiredis-dev libjwt-dev libcurl4-openssl-dev libssl-dev
libjson-c-dev libxml2-dev libargon2-dev libcmocka-dev
libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
postgresql postgresql-client redis-server redis-tools
swift swift-proxy swift-account swift-container swift-object
lighttpd lighttpd-modules-lua apache2 libapache2-mod-fcgid
nodejs npm bats ffmpeg cppcheck clang-format clang libclang-rt-dev wrk procps util-linux iproute2 time file
chromium fonts-dejavu-core"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	# node and npm may come from elsewhere than Debian; don't fight them.
	if command -v node >/dev/null 2>&1; then
		missing=$(echo "$missing" | tr ' ' '\n' | grep -vx -e nodejs -e npm | tr '\n' ' ')
	fi
fi
if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
	[ "$(id -u)" = 0 ] || { echo "deps: missing Debian packages:$missing (run as root)" >&2; exit 1; }
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	# Debian starts some of these as system services; the stack runs its own.
	for s in redis-server apache2 lighttpd postgresql memcached; do
		service "$s" stop >/dev/null 2>&1 || true
	done
fi

if [ ! -d "$ROOT/stack/fauxqs/node_modules/fauxqs" ]; then
	echo "deps: installing fauxqs (npm ci)"
	(cd "$ROOT/stack/fauxqs" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

if [ ! -f "$ROOT/frontend/node_modules/.package-lock.json" ] ||
	[ "$ROOT/frontend/package-lock.json" -nt "$ROOT/frontend/node_modules/.package-lock.json" ]; then
	echo "deps: installing the web app's packages (npm ci)"
	(cd "$ROOT/frontend" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
