#!/usr/bin/env bash
# stack.sh — the local vidpipe stack: PostgreSQL, Redis, Swift (S3), fauxqs
# (SQS) and a web server (lighttpd or Apache) on loopback.
#
#   stack.sh [--test|--bench] up     start everything (idempotent), print URLs
#   stack.sh [--test] down           stop everything this script started
#   stack.sh [--test] web SERVER     (re)start the web server as lighttpd|apache
#   stack.sh [--test] stop NAME      stop one service (postgres|redis|s3|sqs|web|worker)
#   stack.sh [--test] start NAME     start it again (for fault tests)
#   stack.sh [--test] env            print the stack's env file path
#
# The dev stack lives in var/ (API on 8000, web app on 5173); --test uses
# var/test/ and its own ports, so `make test` runs beside `make up`; --bench
# is the benchmarks' own (var/bench/). Every port
# and path is a setting (see the defaults below). Run as root, the services
# run as the unprivileged user `vidpipe` (created if missing); otherwise as
# the invoking user.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK=dev
case ${1:-} in
--test) STACK=test; shift ;;
--bench) STACK=bench; shift ;;
esac
CMD=${1:-up}
shift || true

# ---------------------------------------------------------------- settings --
# PORT_OFFSET (default 0) moves every default port at once, so a second
# checkout (or a test root) can run its stacks beside this one's.
o=${PORT_OFFSET:-0}
if [ "$STACK" = test ]; then
	VAR=${TEST_VAR_DIR:-$ROOT/var/test}
	: "${API_PORT:=$((18000 + o))}" "${FRONTEND_PORT:=$((15173 + o))}" "${PG_PORT:=$((15432 + o))}"
	: "${REDIS_PORT:=$((16379 + o))}" "${S3_PORT:=$((18080 + o))}" "${SQS_PORT:=$((19324 + o))}"
	: "${SWIFT_PORT_BASE:=$((16200 + o))}"
	: "${SQS_VISIBILITY_TIMEOUT:=30}"
	# small ListParts pages, so every resume in the tests walks several
	: "${S3_LIST_PARTS_PAGE_SIZE:=2}"
	# 127.0.0.1 (curl's default source) is a trusted proxy, so a test can send
	# X-Forwarded-For from it; other loopback addresses (curl --interface
	# 127.x.y.z, as most suites use) are clients whose header is ignored
	: "${TRUSTED_PROXIES:=127.0.0.1/32,::1/128}"
	# a killed worker comes back fast, and its message soon after; short
	# polls, because a poll cut off by a stop still takes the next message
	: "${SUPERVISE_INTERVAL:=2}" "${WORKER_VISIBILITY_TIMEOUT:=10}" "${WORKER_WAIT_SECONDS:=2}"
elif [ "$STACK" = bench ]; then
	VAR=$ROOT/var/bench
	: "${API_PORT:=$((28000 + o))}" "${FRONTEND_PORT:=$((25173 + o))}" "${PG_PORT:=$((25432 + o))}"
	: "${REDIS_PORT:=$((26379 + o))}" "${S3_PORT:=$((28080 + o))}" "${SQS_PORT:=$((29324 + o))}"
	: "${SWIFT_PORT_BASE:=$((26200 + o))}"
	: "${SQS_VISIBILITY_TIMEOUT:=120}"
else
	VAR=${VAR_DIR:-$ROOT/var}
	# (below 32768: a port in Linux's ephemeral range, 32768-60999, can be
	# taken at random by any outgoing connection and then cannot be bound)
	: "${API_PORT:=$((8000 + o))}" "${FRONTEND_PORT:=$((5173 + o))}" "${PG_PORT:=$((30432 + o))}"
	: "${REDIS_PORT:=$((30379 + o))}" "${S3_PORT:=$((30080 + o))}" "${SQS_PORT:=$((30324 + o))}"
	: "${SWIFT_PORT_BASE:=$((30200 + o))}"
	: "${SQS_VISIBILITY_TIMEOUT:=120}"
fi
: "${BIND:=127.0.0.1}"
: "${SERVER:=lighttpd}"
# the URL → responder map (a benchmark runs its own, with its process counts)
: "${ROUTES_MAP:=$ROOT/routes.map}"
: "${AWS_REGION:=us-east-1}"
: "${S3_BUCKET_RAW:=vidpipe-raw}" "${S3_BUCKET_PROCESSED:=vidpipe-processed}"
: "${SQS_QUEUE_NAME:=vidpipe-jobs}" "${SQS_MAX_RECEIVE_COUNT:=5}"
: "${FRONTEND_URL:=http://localhost:$FRONTEND_PORT}"
: "${FRONTEND_DIST:=$([ "$STACK" = dev ] && echo "$ROOT/frontend/dist" || echo "$VAR/www")}"
SWIFT_OBJECT_PORT=$SWIFT_PORT_BASE
SWIFT_CONTAINER_PORT=$((SWIFT_PORT_BASE + 1))
SWIFT_ACCOUNT_PORT=$((SWIFT_PORT_BASE + 2))
SWIFT_ACCOUNT=vidpipe SWIFT_USER=app
RUN=$VAR/run LOG=$VAR/log CONF=$VAR/conf
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# the Node.js the project runs fauxqs with (the machine's, or var/node's)
. "$ROOT/stack/node.sh"

say() { printf 'stack(%s): %s\n' "$STACK" "$*"; }
die() { printf 'stack(%s): error: %s\n' "$STACK" "$*" >&2; exit 1; }

# `up` names the step it is on (STEP, and the log that tells more, STEP_LOG)
# and keeps the services it started itself (STARTED): if a step fails, what
# this run started is stopped again, and what was running before is left.
STEP="" STEP_LOG="" STARTED=""
step() { STEP=$1 STEP_LOG=$2; }
started() { STARTED="$1 $STARTED"; }

# ------------------------------------------------------------ service user --
if [ "$(id -u)" = 0 ]; then
	SVC_USER=vidpipe
	if ! id -u "$SVC_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$SVC_USER"
	fi
	svc() { runuser -u "$SVC_USER" -- "$@"; }
	# setpriv execs in place: a daemon leaves no waiting parent behind
	svc_exec() { exec setpriv --reuid="$SVC_USER" --regid="$SVC_USER" --init-groups -- "$@"; }
else
	SVC_USER=$(id -un)
	svc() { "$@"; }
	svc_exec() { exec "$@"; }
fi

# The service user must reach the checkout (binaries, configs, var/). A
# checkout under a private folder (mktemp -d is 0700) is opened for
# traversal only (o+x), never for reading.
ensure_traversable() {
	[ "$(id -u)" = 0 ] || return 0
	svc test -x "$ROOT/cgi-bin" && return 0
	local d=$ROOT
	while [ "$d" != / ]; do
		# the 10th mode letter is x, or t for a sticky folder such as /tmp
		if [ -d "$d" ] && ! [[ "$(stat -c %A "$d" | cut -c10)" =~ [xt] ]]; then
			say "letting $SVC_USER traverse $d (chmod o+x)"
			chmod o+x "$d"
		fi
		d=$(dirname "$d")
	done
}

# Closes every descriptor above 2 of the calling (sub)shell: a daemon that
# inherits a test runner's pipe keeps the runner waiting for its end of file
# until the daemon stops. bats holds its output on more than 3..9 (a bats
# run hung on a Postgres a test had restarted, which held one on fd 4 after
# pg_ctl), so every open one goes, not a fixed list.
close_inherited_fds() {
	local fd
	for fd in "/proc/$BASHPID/fd"/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && [ "$fd" -ne 255 ] && eval "exec $fd>&-"
	done
	return 0
}

# Starts "$@" in the background as the service user, its pid in $1.
svc_daemon() {
	local pidfile=$1 logfile=$2
	shift 2
	# Descriptors above 2 (a test runner's pipes) must not leak into it.
	(
		close_inherited_fds
		svc_exec setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@"
	) >>"$logfile" 2>&1 </dev/null &
}

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() {
	local pidfile=$1 name=$2 i
	alive "$pidfile" || { rm -f "$pidfile"; return 0; }
	local pid
	pid=$(cat "$pidfile")
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "$name did not stop in 10 s: killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
	local secs=$1 what=$2 i
	shift 2
	for i in $(seq 1 $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "$what did not come up within ${secs}s (logs: $LOG)"
}

render() { # render TEMPLATE OUT: replaces @NAME@ with $NAME
	local line out=$2
	: >"$out.tmp"
	while IFS= read -r line || [ -n "$line" ]; do
		while [[ $line =~ @([A-Z0-9_]+)@ ]]; do
			local name=${BASH_REMATCH[1]}
			line=${line//@${name}@/${!name}}
		done
		printf '%s\n' "$line" >>"$out.tmp"
	done <"$1"
	mv "$out.tmp" "$out"
}

# ----------------------------------------------------------------- secrets --
# Generated once per stack, kept in var/ (never in the repository). A secret
# a newer version needs (PLAYBACK_TOKEN_SECRET, the playback URLs' own key)
# is added to an older stack's file; the others are kept as they are.
load_secrets() {
	local f=$VAR/secrets.env name bytes
	umask 077
	touch "$f"
	for name in PG_PASSWORD:18 REDIS_PASSWORD:18 SWIFT_KEY:18 JWT_ACCESS_SECRET:32 \
		JWT_REFRESH_SECRET:32 PLAYBACK_TOKEN_SECRET:32; do
		bytes=${name#*:} name=${name%%:*}
		grep -q "^$name=" "$f" || echo "$name=$(openssl rand -hex "$bytes")" >>"$f"
	done
	umask 022
	# shellcheck disable=SC1090
	. "$f"
	DATABASE_URL="postgresql://vidpipe_app:$PG_PASSWORD@$BIND:$PG_PORT/vidpipe"
	REDIS_URL="redis://:$REDIS_PASSWORD@$BIND:$REDIS_PORT/0"
	AWS_ACCESS_KEY_ID="$SWIFT_ACCOUNT:$SWIFT_USER"
	AWS_SECRET_ACCESS_KEY=$SWIFT_KEY
	AWS_ENDPOINT_URL_S3="http://$BIND:$S3_PORT"
	AWS_ENDPOINT_URL_SQS="http://$BIND:$SQS_PORT"
	API_URL="http://localhost:$API_PORT"
	SVC_USER_FOR_CONF=$SVC_USER
}

# ---------------------------------------------------------------- postgres --
pg_url_admin() { echo "postgresql://vidpipe_admin:$PG_PASSWORD@$BIND:$PG_PORT/postgres"; }

start_postgres() {
	[ -n "$PGBIN" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
	if [ ! -s "$VAR/pg/PG_VERSION" ]; then
		say "initialising PostgreSQL cluster in $VAR/pg"
		local pw=$VAR/run/pgpw
		printf '%s\n' "$PG_PASSWORD" >"$pw"
		chown "$SVC_USER" "$pw"
		chmod 600 "$pw"
		svc "$PGBIN/initdb" -D "$VAR/pg" -U vidpipe_admin --pwfile="$pw" \
			--auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$LOG/initdb.log" 2>&1 ||
			die "initdb failed (see $LOG/initdb.log)"
		rm -f "$pw"
	fi
	if ! svc "$PGBIN/pg_ctl" -D "$VAR/pg" status >/dev/null 2>&1; then
		started postgres
		(
			close_inherited_fds
			svc "$PGBIN/pg_ctl" -D "$VAR/pg" -l "$LOG/postgres.log" -w -t 30 \
				-o "-p $PG_PORT -c listen_addresses=$BIND -c unix_socket_directories=$RUN -c max_connections=200" \
				start >/dev/null
		) || die "PostgreSQL did not start (see $LOG/postgres.log)"
	fi
	local admin
	admin=$(pg_url_admin)
	wait_for 30 PostgreSQL psql "$admin" -tAc 'select 1'
	if [ -z "$(psql "$admin" -tAc "select 1 from pg_roles where rolname='vidpipe_app'")" ]; then
		psql "$admin" -q -v ON_ERROR_STOP=1 <<-EOF
			CREATE ROLE vidpipe_app LOGIN PASSWORD '$PG_PASSWORD';
		EOF
	fi
	if [ -z "$(psql "$admin" -tAc "select 1 from pg_database where datname='vidpipe'")" ]; then
		psql "$admin" -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE vidpipe OWNER vidpipe_app'
	fi
	PGOPTIONS="-c client_min_messages=warning" psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -f "$ROOT/schema.sql" >/dev/null ||
		die "applying schema.sql failed"
}

stop_postgres() {
	[ -n "$PGBIN" ] && [ -s "$VAR/pg/postmaster.pid" ] || return 0
	svc "$PGBIN/pg_ctl" -D "$VAR/pg" -m fast -w stop >/dev/null 2>&1 || true
}

# ------------------------------------------------------------------- redis --
start_redis() {
	mkdir -p "$VAR/redis"
	chown "$SVC_USER" "$VAR/redis"
	cat >"$CONF/redis.conf" <<-EOF
		bind $BIND
		port $REDIS_PORT
		protected-mode yes
		requirepass $REDIS_PASSWORD
		daemonize no
		dir $VAR/redis
		save 60 1000
		appendonly no
		maxmemory-policy noeviction
		loglevel warning
	EOF
	chmod 600 "$CONF/redis.conf"
	chown "$SVC_USER" "$CONF/redis.conf"
	alive "$RUN/redis.pid" || {
		started redis
		svc_daemon "$RUN/redis.pid" "$LOG/redis.log" redis-server "$CONF/redis.conf"
	}
	wait_for 20 Redis env REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h "$BIND" -p "$REDIS_PORT" ping
}

# -------------------------------------------------------------- swift (S3) --
SWIFT_SERVERS="object container account proxy"

start_s3() {
	local SWIFT_DIR=$VAR/swift s
	mkdir -p "$SWIFT_DIR/devices/d1"
	for s in account container object proxy; do
		render "$ROOT/stack/swift/$s-server.conf.in" "$SWIFT_DIR/$s-server.conf"
	done
	chmod 600 "$SWIFT_DIR/proxy-server.conf"
	# Rings are built once and kept (they are most of a cold start's time),
	# and built again when the server's address changed (another
	# PORT_OFFSET, a port set by hand): a ring naming the old port sends
	# every request nowhere, which Swift's S3 layer answers 503. The one
	# device keeps its data: with the same partitions it holds the same.
	for s in object:$SWIFT_OBJECT_PORT container:$SWIFT_CONTAINER_PORT account:$SWIFT_ACCOUNT_PORT; do
		local kind=${s%%:*} port=${s##*:}
		if [ "$(cat "$SWIFT_DIR/$kind.ring.addr" 2>/dev/null)" != "$BIND:$port" ]; then
			rm -f "$SWIFT_DIR/$kind.builder" "$SWIFT_DIR/$kind.ring.gz"
			rm -rf "$SWIFT_DIR/backups"
		fi
		if [ ! -s "$SWIFT_DIR/$kind.ring.gz" ]; then
			echo "$BIND:$port" >"$SWIFT_DIR/$kind.ring.addr"
			swift-ring-builder "$SWIFT_DIR/$kind.builder" create 8 1 1 >/dev/null
			swift-ring-builder "$SWIFT_DIR/$kind.builder" add "r1z1-$BIND:$port/d1" 100 >/dev/null
			swift-ring-builder "$SWIFT_DIR/$kind.builder" rebalance >/dev/null
		fi
	done
	chown -R "$SVC_USER" "$SWIFT_DIR"
	for s in $SWIFT_SERVERS; do
		alive "$RUN/swift-$s.pid" || {
			case $STARTED in *s3*) ;; *) started s3 ;; esac
			svc_daemon "$RUN/swift-$s.pid" "$LOG/swift-$s.log" "swift-$s-server" "$SWIFT_DIR/$s-server.conf"
		}
	done
	wait_for 60 "Swift proxy" sh -c "curl -fsS http://$BIND:$S3_PORT/healthcheck | grep -q OK"
	create_buckets
}

# Buckets are made through S3 itself, signed by our own client.
create_buckets() {
	local i
	for i in $(seq 1 50); do
		env DATABASE_URL=unused REDIS_URL=redis://unused SQS_QUEUE_URL=http://unused \
			AWS_REGION="$AWS_REGION" AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
			AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" AWS_ENDPOINT_URL_S3="$AWS_ENDPOINT_URL_S3" \
			S3_FORCE_PATH_STYLE=true S3_BUCKET_RAW="$S3_BUCKET_RAW" S3_BUCKET_PROCESSED="$S3_BUCKET_PROCESSED" \
			JWT_ACCESS_SECRET="$JWT_ACCESS_SECRET" JWT_REFRESH_SECRET="$JWT_REFRESH_SECRET" \
			PLAYBACK_TOKEN_SECRET="$PLAYBACK_TOKEN_SECRET" \
			"$ROOT/tools/vidpipe-admin" create-bucket "$S3_BUCKET_RAW" "$S3_BUCKET_PROCESSED" \
			2>>"$LOG/admin.log" && return 0
		sleep 0.2
	done
	die "creating the buckets failed (see $LOG/admin.log)"
}

stop_s3() {
	local s
	for s in proxy account container object; do stop_pid "$RUN/swift-$s.pid" "swift-$s"; done
}

# ------------------------------------------------------------- fauxqs (SQS) --
sqs() { # sqs ACTION JSON
	curl -fsS -X POST "http://$BIND:$SQS_PORT/" -H 'Content-Type: application/x-amz-json-1.0' \
		-H "X-Amz-Target: AmazonSQS.$1" -d "$2"
}

start_sqs() {
	[ -d "$ROOT/stack/fauxqs/node_modules/fauxqs" ] || die "fauxqs is not installed (make deps)"
	node_ok || die "Node.js $(node --version 2>/dev/null) is older than $NODE_MIN (make deps installs one)"
	alive "$RUN/fauxqs.pid" || {
		started sqs
		FAUXQS_PORT=$SQS_PORT FAUXQS_BIND=$BIND \
			svc_daemon "$RUN/fauxqs.pid" "$LOG/fauxqs.log" "$(command -v node)" "$ROOT/stack/fauxqs/serve.mjs"
	}
	wait_for 30 fauxqs curl -fsS "http://$BIND:$SQS_PORT/health"
	local dlq arn policy
	dlq=$(sqs CreateQueue "{\"QueueName\":\"$SQS_QUEUE_NAME-dlq\"}" | jq -r .QueueUrl)
	arn=$(sqs GetQueueAttributes "{\"QueueUrl\":\"$dlq\",\"AttributeNames\":[\"QueueArn\"]}" | jq -r .Attributes.QueueArn)
	policy=$(jq -cn --arg arn "$arn" --arg n "$SQS_MAX_RECEIVE_COUNT" '{deadLetterTargetArn:$arn,maxReceiveCount:$n}')
	SQS_QUEUE_URL=$(sqs CreateQueue "$(jq -cn --arg n "$SQS_QUEUE_NAME" --arg p "$policy" \
		--arg v "$SQS_VISIBILITY_TIMEOUT" '{QueueName:$n,Attributes:{RedrivePolicy:$p,VisibilityTimeout:$v}}')" | jq -r .QueueUrl)
	SQS_DLQ_URL=$dlq
	[ -n "$SQS_QUEUE_URL" ] && [ "$SQS_QUEUE_URL" != null ] || die "creating the queue failed"
}

stop_sqs() { stop_pid "$RUN/fauxqs.pid" fauxqs; }

# -------------------------------------------------------------- web server --
# Everything a responder reads from its environment; the web server passes it.
# Tuning variables are passed only when set.
RESPONDER_ENV="DATABASE_URL REDIS_URL FRONTEND_URL API_URL AWS_REGION AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SQS S3_FORCE_PATH_STYLE
S3_BUCKET_RAW S3_BUCKET_PROCESSED SQS_QUEUE_URL SQS_DLQ_URL JWT_ACCESS_SECRET
JWT_REFRESH_SECRET PLAYBACK_TOKEN_SECRET LOG_LEVEL DEPENDENCY_TIMEOUT_MS JWT_ISSUER JWT_AUDIENCE
ACCESS_TOKEN_TTL REFRESH_TOKEN_TTL ARGON2_MEMORY_KIB ARGON2_ITERATIONS
ARGON2_PARALLELISM RATE_LIMIT_AUTH_PER_IP RATE_LIMIT_AUTH_WINDOW
RATE_LIMIT_LOGIN_FAILURES RATE_LIMIT_LOGIN_FAILURES_WINDOW RATE_LIMIT_API
RATE_LIMIT_API_WINDOW RATE_LIMIT_UPLOADS RATE_LIMIT_UPLOADS_WINDOW
S3_LIST_PARTS_PAGE_SIZE S3_MULTIPART_THRESHOLD MAX_UPLOAD_BYTES UPLOAD_PART_SIZE PART_URL_TTL UPLOAD_TTL
MAX_ACTIVE_UPLOADS PLAYBACK_URL_TTL PUBLIC_PLAYBACK_URL_TTL RATE_LIMIT_PUBLIC
RATE_LIMIT_PUBLIC_WINDOW RATE_LIMIT_PLAYBACK RATE_LIMIT_PLAYBACK_WINDOW TRUSTED_PROXIES SUPERVISE_INTERVAL WORKER_COUNT
WORKER_VISIBILITY_TIMEOUT WORKER_MAX_RECEIVES WORKER_WAIT_SECONDS WORKER_MEMORY_MB
WORKER_CPU_SECONDS WORKER_CPU_PER_SECOND WORKER_UPLOADS MEDIA_MAX_PIXELS MEDIA_MAX_SIDE MEDIA_MAX_FPS
MEDIA_MAX_DURATION MEDIA_MAX_STREAMS"
S3_FORCE_PATH_STYLE=true
: "${LOG_LEVEL:=info}"

# The web app's Content-Security-Policy: nothing but its own scripts, styles
# and icon, the API, and the storage endpoint (direct part uploads, playback
# and thumbnails). No inline script or style, no eval, no framing; only the
# embed pages (/embed/...) may be framed, by any site (CSP_FOR '*'). Playback:
# hls.js fetches the playlists from the API and the segments from storage
# (connect-src) and feeds them to the video element through Media Source
# Extensions, whose object URL is a blob: (media-src); a browser that plays
# HLS itself (Safari) loads the playlist URL as the media (media-src API).
CSP_FOR() {
	echo "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' $AWS_ENDPOINT_URL_S3; media-src blob: $API_URL $AWS_ENDPOINT_URL_S3; connect-src $API_URL $AWS_ENDPOINT_URL_S3; form-action 'self'; base-uri 'none'; frame-ancestors ${1:-'none'}; object-src 'none'"
}

start_web() {
	local server=${1:-$SERVER} CGI_BIN=$ROOT/cgi-bin CSP CSP_EMBED n
	CSP=$(CSP_FOR) CSP_EMBED=$(CSP_FOR '*')
	[ -x "$CGI_BIN/healthz" ] || die "responders are not built (run make)"
	# the web app, built for this stack's API origin (a no-op when current)
	step "web app build" "(the build's output above)"
	"$ROOT/frontend/build.sh" "$FRONTEND_DIST" "$API_URL" || die "the web app did not build"
	step "web server ($server)" "$LOG/$server-error.log"
	case $server in
	lighttpd)
		"$ROOT/stack/gen-routes.sh" "$ROUTES_MAP" lighttpd "$CGI_BIN" "$RUN" >"$CONF/routes-lighttpd.conf"
		"$ROOT/stack/gen-routes.sh" "$ROUTES_MAP" lighttpd "$CGI_BIN" "$RUN" app >"$CONF/routes-lighttpd-app.conf"
		render "$ROOT/lighttpd/lighttpd.conf.in" "$CONF/lighttpd.conf"
		lighttpd -tt -f "$CONF/lighttpd.conf" >/dev/null || die "lighttpd.conf does not parse"
		if ! alive "$RUN/lighttpd.pid"; then
			started web
			# lighttpd hands its environment to the responders it spawns.
			(
				for n in $RESPONDER_ENV; do [ -n "${!n:-}" ] && export "$n=${!n}"; done
				close_inherited_fds
				svc lighttpd -f "$CONF/lighttpd.conf"
			) || die "lighttpd did not start (see $LOG/lighttpd-error.log)"
		fi
		;;
	apache)
		# the responders run as fixed pools (tools/vidpipe-pool) on UNIX
		# sockets, which mod_proxy_fcgi connects to and keeps open; one pool
		# per responder serves both ports (app_page is the web app's)
		"$ROOT/stack/gen-routes.sh" "$ROUTES_MAP" apache "$CGI_BIN" "$RUN" >"$CONF/routes-apache.conf"
		"$ROOT/stack/gen-routes.sh" "$ROUTES_MAP" apache "$CGI_BIN" "$RUN" app >"$CONF/routes-apache-app.conf"
		"$ROOT/stack/gen-routes.sh" "$ROUTES_MAP" pools "$CGI_BIN" "$RUN" >"$CONF/pools"
		if ! alive "$RUN/pool.pid"; then
			started web
			(
				for n in $RESPONDER_ENV; do [ -n "${!n:-}" ] && export "$n=${!n}"; done
				svc_daemon "$RUN/pool.pid" "$LOG/responders.log" "$ROOT/tools/vidpipe-pool" "$RUN" "$CONF/pools"
			)
		fi
		wait_for 10 "the responder pools" test -S "$RUN/fcgi-notfound.sock"
		render "$ROOT/apache/httpd.conf.in" "$CONF/apache.conf"
		if ! alive "$RUN/apache.pid"; then
			started web
			(close_inherited_fds && svc env -i PATH=/usr/sbin:/usr/bin:/bin /usr/sbin/apache2 -f "$CONF/apache.conf" -k start) ||
				die "Apache did not start (see $LOG/apache-error.log)"
		fi
		;;
	*) die "SERVER must be lighttpd or apache, not '$server'" ;;
	esac
	echo "$server" >"$RUN/web-server"
	wait_for 30 "$server" curl -sS -o /dev/null "http://$BIND:$API_PORT/healthz"
}

stop_web() {
	if alive "$RUN/apache.pid"; then
		svc env -i PATH=/usr/sbin:/usr/bin:/bin /usr/sbin/apache2 -f "$CONF/apache.conf" -k stop >/dev/null 2>&1 || true
		local i
		for i in $(seq 1 100); do alive "$RUN/apache.pid" || break; sleep 0.1; done
		stop_pid "$RUN/apache.pid" apache
	fi
	stop_pid "$RUN/pool.pid" "responder pools"
	stop_pid "$RUN/lighttpd.pid" lighttpd
	# Responders spawned by lighttpd or the pools end with them; make sure of it.
	pkill -u "$SVC_USER" -f "^$ROOT/cgi-bin/" 2>/dev/null || true
	rm -f "$RUN"/fcgi-*.sock*
}

# -------------------------------------------------------- worker supervisor --
# The workers' job folders go to the stack's own temporary folder
# (var/.../tmp), so a test can tell what its workers left behind from what
# another stack's did.
start_supervisor() {
	[ -x "$ROOT/worker/vidpipe-maint" ] || die "the worker programs are not built (run make)"
	alive "$RUN/worker-supervisor.pid" && return 0
	started worker
	mkdir -p "$VAR/tmp"
	chown "$SVC_USER" "$VAR/tmp"
	chmod 700 "$VAR/tmp"
	(
		for n in $RESPONDER_ENV; do [ -n "${!n:-}" ] && export "$n=${!n}"; done
		export TMPDIR=$VAR/tmp
		svc_daemon "$RUN/worker-supervisor.pid" "$LOG/worker.log" "$ROOT/stack/supervise.sh" "$RUN"
	)
}

stop_supervisor() {
	stop_pid "$RUN/worker-supervisor.pid" "worker supervisor"
	# workers hand their message back on SIGTERM
	pkill -TERM -u "$SVC_USER" -f "^$ROOT/worker/vidpipe-" 2>/dev/null || true
	local i
	for i in $(seq 1 50); do
		pgrep -u "$SVC_USER" -f "^$ROOT/worker/vidpipe-" >/dev/null || break
		sleep 0.1
	done
	pkill -KILL -u "$SVC_USER" -f "^$ROOT/worker/vidpipe-" 2>/dev/null || true
}

# ---------------------------------------------------------------- env file --
write_env() {
	local f=$VAR/stack.env
	umask 077
	cat >"$f.tmp" <<-EOF
		# Written by stack/stack.sh ($STACK stack). Source it: set -a; . $f; set +a
		STACK=$STACK
		WEB_SERVER=$(cat "$RUN/web-server" 2>/dev/null || echo "$SERVER")
		API_URL=$API_URL
		FRONTEND_URL=$FRONTEND_URL
		DATABASE_URL=$DATABASE_URL
		REDIS_URL=$REDIS_URL
		AWS_REGION=$AWS_REGION
		AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
		AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
		AWS_ENDPOINT_URL_S3=$AWS_ENDPOINT_URL_S3
		AWS_ENDPOINT_URL_SQS=$AWS_ENDPOINT_URL_SQS
		S3_FORCE_PATH_STYLE=$S3_FORCE_PATH_STYLE
		S3_BUCKET_RAW=$S3_BUCKET_RAW
		S3_BUCKET_PROCESSED=$S3_BUCKET_PROCESSED
		SQS_QUEUE_URL=$SQS_QUEUE_URL
		SQS_DLQ_URL=$SQS_DLQ_URL
		JWT_ACCESS_SECRET=$JWT_ACCESS_SECRET
		JWT_REFRESH_SECRET=$JWT_REFRESH_SECRET
		PLAYBACK_TOKEN_SECRET=$PLAYBACK_TOKEN_SECRET
		WORKER_PID_FILE=$RUN/worker-supervisor.pid
		WORKER_TMPDIR=$VAR/tmp
		VAR_DIR=$VAR
		REDIS_PORT=$REDIS_PORT
		STACK_PORTS="$(port_owners | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
	EOF
	umask 022
	mv "$f.tmp" "$f"
}

# ------------------------------------------------------------------- verbs --
prepare() {
	ensure_traversable
	mkdir -p "$VAR" "$RUN" "$LOG" "$CONF"
	chown "$SVC_USER" "$VAR" "$RUN" "$LOG" "$CONF"
	[ -d "$VAR/pg" ] && chown -R "$SVC_USER" "$VAR/pg"
	load_secrets
}

# Every port this stack listens on, with the pid file of the process that
# holds it when it is this stack's.
port_owners() {
	cat <<-EOF
		$PG_PORT $VAR/pg/postmaster.pid
		$REDIS_PORT $RUN/redis.pid
		$S3_PORT $RUN/swift-proxy.pid
		$SWIFT_OBJECT_PORT $RUN/swift-object.pid
		$SWIFT_CONTAINER_PORT $RUN/swift-container.pid
		$SWIFT_ACCOUNT_PORT $RUN/swift-account.pid
		$SQS_PORT $RUN/fauxqs.pid
		$API_PORT $RUN/lighttpd.pid $RUN/apache.pid
		$FRONTEND_PORT $RUN/lighttpd.pid $RUN/apache.pid
	EOF
}

# A port held by a process that is not this stack's (another checkout's
# stack, a system service) is named before anything starts. A listener is
# this stack's when it, or its parent (Apache's and Swift's workers), is the
# process its service's pid file names; a port that is free is fine, and a
# port held by this stack's own running service is left to it.
check_ports() {
	local p files f pid want listeners l ppid ok
	while read -r p files; do
		listeners=$(ss -Hltnp "sport = :$p" 2>/dev/null) || continue
		[ -n "$listeners" ] || continue
		want=""
		for f in $files; do
			[ -s "$f" ] && want="$want $(head -n 1 "$f")"
		done
		ok=""
		for l in $(grep -o 'pid=[0-9]*' <<<"$listeners" | cut -d= -f2 | sort -u); do
			ppid=$(awk '{print $4}' "/proc/$l/stat" 2>/dev/null || true)
			for pid in $want; do
				[ "$l" = "$pid" ] || [ "$ppid" = "$pid" ] && ok=yes
			done
		done
		[ -n "$ok" ] || die "port $p is held by a process that is not this stack's ($(head -n 1 <<<"$listeners" | grep -o 'users:.*')); stop it or set the *_PORT variables"
	done < <(port_owners)
}

# A failed `up`: say where, stop what this run started.
up_failed() {
	local rc=$? s
	[ "$rc" -ne 0 ] || return 0
	trap - EXIT
	printf 'stack(%s): make up failed at step "%s"; its log: %s\n' "$STACK" "$STEP" "$STEP_LOG" >&2
	for s in $STARTED; do
		printf 'stack(%s): stopping %s (started by this run)\n' "$STACK" "$s" >&2
		stop_service "$s" >/dev/null 2>&1 || true
	done
	exit "$rc"
}

stop_service() {
	case $1 in
	postgres) stop_postgres ;; redis) stop_pid "$RUN/redis.pid" redis ;;
	s3) stop_s3 ;; sqs) stop_sqs ;; web) stop_web ;; worker) stop_supervisor ;;
	*) die "unknown service $1" ;;
	esac
}

up() {
	prepare
	trap up_failed EXIT
	step "checking ports" "(none)"
	check_ports
	step postgres "$LOG/postgres.log"
	start_postgres
	step redis "$LOG/redis.log"
	start_redis
	step "s3 (swift)" "$LOG/swift-proxy.log"
	start_s3
	step "sqs (fauxqs)" "$LOG/fauxqs.log"
	start_sqs
	start_web "$SERVER"
	step worker "$LOG/worker.log"
	start_supervisor
	write_env
	trap - EXIT
	cat <<-EOF

		vidpipe is up ($STACK stack, $(cat "$RUN/web-server")):
		  API          $API_URL        (health: $API_URL/healthz)
		  web app      $FRONTEND_URL
		  S3 (Swift)   $AWS_ENDPOINT_URL_S3   buckets $S3_BUCKET_RAW, $S3_BUCKET_PROCESSED
		  SQS (fauxqs) $AWS_ENDPOINT_URL_SQS   queue $SQS_QUEUE_URL
		  worker       cron loop (stack/supervise.sh), log $LOG/worker.log
		  Postgres     $BIND:$PG_PORT (database vidpipe)
		  Redis        $BIND:$REDIS_PORT
		  settings     $VAR/stack.env
	EOF
}

down() {
	stop_supervisor
	stop_web
	stop_sqs
	stop_s3
	stop_pid "$RUN/redis.pid" redis
	stop_postgres
	rm -f "$RUN/web-server"
	say "stopped"
}

case $CMD in
up) up ;;
down) [ -d "$VAR" ] && down || true ;;
web)
	prepare
	SQS_QUEUE_URL=$(grep '^SQS_QUEUE_URL=' "$VAR/stack.env" | cut -d= -f2-)
	SQS_DLQ_URL=$(grep '^SQS_DLQ_URL=' "$VAR/stack.env" | cut -d= -f2-)
	stop_web
	start_web "${1:?web needs lighttpd or apache}"
	write_env
	;;
stop)
	prepare
	stop_service "${1:?}"
	;;
start)
	prepare
	case ${1:?} in
	postgres) start_postgres ;; redis) start_redis ;;
	s3) start_s3 ;; sqs) start_sqs ;;
	worker)
		SQS_QUEUE_URL=$(grep '^SQS_QUEUE_URL=' "$VAR/stack.env" | cut -d= -f2-)
		SQS_DLQ_URL=$(grep '^SQS_DLQ_URL=' "$VAR/stack.env" | cut -d= -f2-)
		start_supervisor
		;;
	*) die "unknown service $1" ;;
	esac
	;;
env) echo "$VAR/stack.env" ;;
*) die "unknown command '$CMD'" ;;
esac
