#!/usr/bin/env bash
# tests/fresh/run.sh [SUITE] — the README, followed by a newcomer on a fresh
# minimal Debian (SUITE: bookworm, the default, or trixie).
#
# Builds a minbase root with debootstrap in var/fresh/ (the pristine root is
# kept as a tarball in FRESH_CACHE, so later runs skip the download), clones
# this checkout's HEAD into it, and inside it runs only what the README says:
# `apt-get install make git ca-certificates`, `make up`, `make test`. Its
# stacks use other ports (PORT_OFFSET), so it runs beside this machine's own.
# Then it checks what a newcomer would: /healthz all ok, an account, a short
# clip uploaded with tools/vidpipe-upload becomes ready and a rendition
# downloads, the web app answers; a second `make up` is a no-op; `make up`
# brings back a stopped Redis, Postgres and Swift, refuses a port held by a
# stranger, and stops what it started when a step fails; `make down` leaves
# no process of the root and no port open. Every mount and process of the
# root is removed on exit, by pid.
#
#   FRESH_CACHE=/var/cache/vidpipe-fresh   pristine roots, apt and npm caches
#   FRESH_SKIP_TEST=1                      skip the root's `make test`
#   FRESH_SERVER=lighttpd|apache           the root's `make test` under one
#                                          web server (SERVER=; default both)
#   FRESH_SKIP_ONE_SERVER=1                ... without the suites and browser
#                                          tests of one web server (the
#                                          worker's, HLS adaptation), which
#                                          the host's run has just run
#   PORT_OFFSET=1000                       the root's stacks' port offset
# Ends with "fresh: N passed, N failed". Needs root and debootstrap.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=${1:-bookworm}
CACHE=${FRESH_CACHE:-/var/cache/vidpipe-fresh}
OFFSET=${PORT_OFFSET:-1000}
WORK=$ROOT/var/fresh
R=$WORK/root-$SUITE
OUT=$ROOT/tests/out/fresh-$SUITE
pass=0 fail=0

say() { printf 'fresh(%s): %s\n' "$SUITE" "$*"; }
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
finish() {
	echo "fresh: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

[ "$(id -u)" = 0 ] || { echo "fresh: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "fresh: debootstrap is missing (make deps)" >&2; exit 1; }
mkdir -p "$CACHE" "$WORK" "$OUT"

# ------------------------------------------------------------ the root's end --
# Processes whose root is R, by pid (never by name: the host runs the same
# programs).
root_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && echo "${p#/proc/}"
	done
}

cmdlines() { local p; for p in "$@"; do printf '[%s] ' "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done; }

# Mount points at or below R, deepest first.
root_mounts() { awk -v r="$R" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r; }

teardown() {
	local i pids m
	[ -d "$R" ] || return 0
	# the stacks' logs outlive the root, for whoever reads a failure
	if [ -d "$R/root/vidpipe/var" ]; then
		rm -rf "$OUT/logs"
		mkdir -p "$OUT/logs"
		(cd "$R/root/vidpipe/var" && find . -path '*/log/*' -type f -exec cp --parents -t "$OUT/logs" {} +)
	fi
	for i in 1 2 3; do
		pids=$(root_pids)
		[ -n "$pids" ] || break
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null
		sleep 2
	done
	pids=$(root_pids)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	sleep 0.5
	for m in $(root_mounts); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	[ -z "$(root_mounts)" ] && rm -rf --one-file-system "$R"
}
trap teardown EXIT

# ----------------------------------------------------------- a pristine root --
# The mirror is the host's (the root must reach the same package registry).
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
: "${mirror:=http://deb.debian.org/debian}"
tarball=$CACHE/$SUITE-minbase.tar.gz
teardown
if [ ! -s "$tarball" ]; then
	say "debootstrap --variant=minbase $SUITE from $mirror (once; kept in $tarball)"
	t0=$SECONDS
	rm -rf "$WORK/pristine"
	if ! debootstrap --variant=minbase "$SUITE" "$WORK/pristine" "$mirror" >"$OUT/debootstrap.log" 2>&1; then
		tail -n 20 "$OUT/debootstrap.log"
		not_ok "debootstrap $SUITE"
		finish
	fi
	tar -C "$WORK/pristine" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -rf --one-file-system "$WORK/pristine"
	say "pristine root made in $((SECONDS - t0)) s"
fi
mkdir -p "$R"
tar -C "$R" -xzf "$tarball" || { not_ok "unpack the pristine root"; finish; }

# ------------------------------------------ what this network needs, not a user
# A real user's machine needs none of this block. This machine reaches the
# package registries through its own apt settings (a snapshot mirror that
# needs old Release files accepted) and a network that intercepts TLS with
# its own CA: the root gets the same apt sources and settings, and trusts the
# same extra CA certificates (put in place before ca-certificates is
# installed, whose trigger adds them). Node.js from the npm registry ignores
# the system store, so npm is told to use it (cafile). The host's resolver
# and a standard hosts file make the network reachable at all.
cp /etc/resolv.conf "$R/etc/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
rm -f "$R/etc/apt/sources.list"
mkdir -p "$R/etc/apt/sources.list.d" "$R/etc/apt/apt.conf.d"
host_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
for f in /etc/apt/sources.list.d/*.sources; do
	[ -e "$f" ] || continue
	sed "/^Suites:/ s/\b$host_suite\b/$SUITE/g" "$f" >"$R/etc/apt/sources.list.d/$(basename "$f")"
done
for f in /etc/apt/apt.conf.d/*; do
	# docker-clean empties the package cache after each install, which would
	# defeat the cache below
	case $(basename "$f") in docker-clean) continue ;; esac
	cp "$f" "$R/etc/apt/apt.conf.d/"
done
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
	mkdir -p "$R/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/"
	printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$R/root/.npmrc"
fi

# Caches, for speed only: the packages apt downloads and npm's cache persist
# across runs (what is installed is decided inside the root as on any
# machine).
mkdir -p "$CACHE/apt-$SUITE" "$CACHE/npm" "$R/var/cache/apt/archives" "$R/root/.npm"

mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --rbind /dev "$R/dev"
mount --make-rslave "$R/dev"
mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm" # PostgreSQL's shared memory
mount --bind "$CACHE/apt-$SUITE" "$R/var/cache/apt/archives"
mount --bind "$CACHE/npm" "$R/root/.npm"

# in_root CMD: runs a shell command in the root as its root user, with a
# clean environment (only the ports moved).
in_root() {
	chroot "$R" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		PORT_OFFSET="$OFFSET" /bin/bash -c "$1"
}

# ------------------------------------------------------- the README, line 1 --
say "apt-get install make git ca-certificates (the README's first line)"
t0=$SECONDS
if in_root 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make git ca-certificates' >"$OUT/apt-first.log" 2>&1; then
	ok "the README's first line installs make, git, ca-certificates ($((SECONDS - t0)) s)"
else
	tail -n 20 "$OUT/apt-first.log"
	not_ok "apt-get install make git ca-certificates"
	finish
fi
git clone -q "$ROOT" "$R/root/vidpipe" || { not_ok "clone the checkout into the root"; finish; }
say "cloned $(git -C "$ROOT" rev-parse --short HEAD) into the root"

# ---------------------------------------------------------------- make up --
say "make up (installs packages, Node, npm packages; builds; starts the stack)"
t0=$SECONDS
if in_root 'cd /root/vidpipe && make up' >"$OUT/make-up.log" 2>&1; then
	ok "make up on a fresh $SUITE ($((SECONDS - t0)) s)"
else
	tail -n 40 "$OUT/make-up.log"
	not_ok "make up on a fresh $SUITE (log: $OUT/make-up.log)"
	finish
fi
grep -E '^(node|deps|npm):' "$OUT/make-up.log" | sed 's/^/  /'
V=$R/root/vidpipe
ENVF=$V/var/stack.env
# shellcheck disable=SC1090
set -a && . "$ENVF" && set +a
check "the stack's URLs are printed" grep -q "API .*$API_URL" "$OUT/make-up.log"

health_ok() {
	[ "$(curl -sS -m 10 "$API_URL/healthz" | jq -c .checks 2>/dev/null)" = '{"postgres":"ok","redis":"ok","s3":"ok","sqs":"ok"}' ]
}
check "/healthz answers every check ok" health_ok

# ------------------------------------------------ what a newcomer tries first --
email="newcomer-$$@example.com" password="a long enough password"
code=$(curl -sS -m 20 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data "{\"email\":\"$email\",\"password\":\"$password\"}" "$API_URL/auth/register")
check "register an account (201)" [ "$code" = 201 ]

in_root 'ffmpeg -v error -y -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440 -t 3 -c:v libx264 -preset ultrafast -c:a aac -shortest /root/clip.mp4' >"$OUT/clip.log" 2>&1
video=$(in_root "cd /root/vidpipe && VIDPIPE_PASSWORD='$password' XDG_STATE_HOME=/root/.state tools/vidpipe-upload -q -a '$API_URL' -e '$email' /root/clip.mp4" 2>"$OUT/upload.log")
is_uuid() { [[ $1 =~ ^[0-9a-f-]{36}$ ]]; }
check "tools/vidpipe-upload uploads a clip and prints its video id" is_uuid "$video"

token=$(curl -sS -m 20 -H 'Content-Type: application/json' --data "{\"email\":\"$email\",\"password\":\"$password\"}" \
	"$API_URL/auth/login" | jq -r .access_token)
status="" body=""
for _ in $(seq 1 240); do
	body=$(curl -sS -m 10 -H "Authorization: Bearer $token" "$API_URL/videos/$video")
	status=$(jq -r .video.status <<<"$body" 2>/dev/null)
	case $status in ready | failed) break ;; esac
	sleep 0.5
done
check "the video becomes ready (is: $status)" [ "$status" = ready ]
url=$(jq -r '.video.renditions[0].url // empty' <<<"$body")
rendition_plays() {
	[ -n "$url" ] && curl -sSf -m 60 "$url" -o "$OUT/rendition.mp4" &&
		[ "$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$OUT/rendition.mp4")" = h264 ]
}
check "a rendition downloads and is H.264" rendition_plays
app_answers() {
	local page
	page=$(curl -sSf -m 10 "$FRONTEND_URL/") && grep -q '<script type="module"' <<<"$page"
}
check "the web app answers at $FRONTEND_URL" app_answers

# ------------------------------------------------------------ idempotence --
pids_of_stack() { cat "$V"/var/run/*.pid "$V/var/pg/postmaster.pid" 2>/dev/null | grep -E '^[0-9]+$' | sort; }
before=$(pids_of_stack)
t0=$SECONDS
in_root 'cd /root/vidpipe && make up' >"$OUT/make-up-2.log" 2>&1
rc=$?
check "a second make up succeeds ($((SECONDS - t0)) s)" [ "$rc" = 0 ]
check "a second make up starts nothing (same pids)" [ "$before" = "$(pids_of_stack)" ]

# make up brings back what died: Redis, Postgres, Swift's proxy
in_root "cd /root/vidpipe && . var/secrets.env && REDISCLI_AUTH=\$REDIS_PASSWORD redis-cli -p $REDIS_PORT shutdown nosave" >/dev/null 2>&1
in_root "runuser -u vidpipe -- \$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)/pg_ctl -D /root/vidpipe/var/pg -m fast -w stop" >/dev/null 2>&1
proxy=$(cat "$V/var/run/swift-proxy.pid" 2>/dev/null)
kill "$proxy" 2>/dev/null
# stopped means gone: a proxy still shutting down holds its pid (and port),
# and `make up` rightly takes it for a running one (seen once: the new proxy
# never came up)
for _ in $(seq 1 100); do kill -0 "$proxy" 2>/dev/null || break; sleep 0.1; done
sleep 1
check "with Redis, Postgres and Swift stopped, /healthz is 503" [ "$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "$API_URL/healthz")" = 503 ]
in_root 'cd /root/vidpipe && make up' >"$OUT/make-up-3.log" 2>&1
rc=$?
check "make up brings back a stopped Redis, Postgres and Swift" [ "$rc" = 0 ]
check "... and /healthz is ok again" health_ok

# a port held by a stranger is refused, and nothing running is touched
in_root "cd /root/vidpipe && . var/secrets.env && REDISCLI_AUTH=\$REDIS_PASSWORD redis-cli -p $REDIS_PORT shutdown nosave" >/dev/null 2>&1
sleep 0.5
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(120)' "$REDIS_PORT" &
stranger=$!
sleep 0.5
before=$(pids_of_stack)
in_root 'cd /root/vidpipe && make up' >"$OUT/make-up-stranger.log" 2>&1
rc=$?
refused() { [ "$rc" != 0 ] && grep -q "port $REDIS_PORT is held by a process that is not this stack's" "$OUT/make-up-stranger.log"; }
check "make up refuses a port held by a process not of this stack" refused
check "... and leaves the running services alone" [ "$before" = "$(pids_of_stack)" ]
kill "$stranger" 2>/dev/null
wait "$stranger" 2>/dev/null

# a step that fails stops what this run started, and says where
in_root 'cd /root/vidpipe && make down' >"$OUT/make-down-1.log" 2>&1
mv "$V/stack/fauxqs/node_modules/fauxqs" "$V/stack/fauxqs/fauxqs.away"
in_root 'cd /root/vidpipe && make up' >"$OUT/make-up-fails.log" 2>&1
rc=$?
mv "$V/stack/fauxqs/fauxqs.away" "$V/stack/fauxqs/node_modules/fauxqs"
named() { [ "$rc" != 0 ] && grep -q 'make up failed at step "sqs (fauxqs)"; its log: .*fauxqs.log' "$OUT/make-up-fails.log"; }
check "a failing make up names its step and log" named
left=$(root_pids)
check "... and stops what it started (no process left in the root)${left:+ (left: $(cmdlines $left))}" [ -z "$left" ]

# --------------------------------------------------------------- make test --
if [ -z "${FRESH_SKIP_TEST:-}" ]; then
	say "make up again, then make test (the README's second command)"
	in_root 'cd /root/vidpipe && make up' >"$OUT/make-up-4.log" 2>&1
	t0=$SECONDS
	in_root "cd /root/vidpipe && ${FRESH_SERVER:+SERVER=$FRESH_SERVER }${FRESH_SKIP_ONE_SERVER:+TEST_SKIP_ONE_SERVER=1 }make test" >"$OUT/make-test.log" 2>&1
	rc=$?
	total=$(grep '^total:' "$OUT/make-test.log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		ok "make test${FRESH_SERVER:+ (SERVER=$FRESH_SERVER)} in the fresh root: $total ($((SECONDS - t0)) s)"
	else
		grep -E '^(not ok|\[[a-z]+\] not ok)|FAILED|failed' "$OUT/make-test.log" | head -n 40
		not_ok "make test in the fresh root: $total (log: $OUT/make-test.log)"
	fi
else
	say "make test skipped (FRESH_SKIP_TEST)"
fi

# -------------------------------------------------------------- make down --
in_root 'cd /root/vidpipe && make down' >"$OUT/make-down.log" 2>&1
check "make down succeeds" [ $? = 0 ]
sleep 1
left=$(root_pids)
check "make down leaves no process of the root${left:+ (left: $(cmdlines $left))}" [ -z "$left" ]
open=""
for p in $STACK_PORTS; do
	[ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] && open="$open $p"
done
check "make down leaves no port of the stack open${open:+ (open:$open)}" [ -z "$open" ]
finish
