#!/usr/bin/env bash
# bench/peer/run.sh PORT PIDFILE LOGFILE — starts the peer (bench/peer/app.py:
# the seed's stack, FastAPI + uvicorn with uvloop and httptools, 2 workers)
# on 127.0.0.1:PORT in the background, with the environment of the bench
# stack (var/bench/stack.env must be sourced by the caller), and waits until
# it answers. Stop it with: kill "$(cat PIDFILE)" (uvicorn's supervisor stops
# its workers). Debian's own python3 and its python3-* packages, whatever
# python3 comes first on PATH; installed here on first use (only the
# benchmarks need them, so `make up` does not).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
port=$1 pidfile=$2 logfile=$3
py=/usr/bin/python3
pkgs="python3-fastapi python3-uvicorn python3-uvloop python3-httptools python3-jwt python3-redis python3-asyncpg python3-botocore"
"$py" -c 'import fastapi, uvicorn, uvloop, httptools, jwt, redis, asyncpg, botocore' 2>/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null || {
	echo "peer: Debian's $pkgs are needed (apt-get install them as root)" >&2
	exit 1
}
lua=$(dirname "$logfile")/peer-check.lua
"$HERE/check_lua.py" "$HERE/../.." >"$lua"
export PEER_CHECK_LUA=$lua PEER_LOG=$logfile
cd "$HERE"
# --no-access-log: the peer writes its own JSON line per request, as ours do
setsid "$py" -m uvicorn app:app --host 127.0.0.1 --port "$port" --workers 2 \
	--loop uvloop --http httptools --no-access-log --log-level warning \
	>>"$logfile.err" 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/me" && exit 0
	sleep 0.1
done
echo "peer: did not start (see $logfile.err)" >&2
kill "$(cat "$pidfile")" 2>/dev/null || true
exit 1
