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

# not CMD...: fails when CMD succeeds. A bare `! CMD` fails a bats test only
# as its last command (errexit ignores a negated command).
not() {
	if "$@"; then
		echo "unexpected success: $*" >&2
		return 1
	fi
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

# --------------------------------------------------------------- uploads --
# A real video of ~17.6 MB (three 8 MiB parts), made once per suite.
make_video() { # make_video OUT [SECONDS]
	ffmpeg -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i anoisesrc=sample_rate=48000 \
		-t "${2:-1.5}" -vf noise=alls=40:allf=t -c:v libx264 -preset ultrafast -qp 0 -c:a aac -shortest "$1"
}

# create_upload FILE [SIZE] [CONTENT_TYPE]: sets UPLOAD (JSON), UPLOAD_ID, VIDEO_ID
create_upload() {
	local size=${2:-$(stat -c %s "$1")}
	api POST /uploads -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data "$(jq -cn --arg f "$(basename "$1")" --argjson s "$size" --arg t "${3:-video/mp4}" \
			'{filename:$f,size:$s,content_type:$t}')"
	expect_status 201
	UPLOAD=$BODY
	UPLOAD_ID=$(jq -r .upload.id <<<"$BODY")
	VIDEO_ID=$(jq -r .upload.video_id <<<"$BODY")
}

# put_part FILE N: PUTs part N of FILE to its URL from UPLOAD; sets ETAG
put_part() {
	local ps url
	ps=$(jq -r .upload.part_size <<<"$UPLOAD")
	url=$(jq -r ".upload.parts[] | select(.part_number == $2) | .url" <<<"$UPLOAD")
	dd if="$1" of="$BATS_TEST_TMPDIR/part" bs="$ps" skip=$(($2 - 1)) count=1 status=none
	ETAG=$(curl -sS -f -T "$BATS_TEST_TMPDIR/part" -D - -o /dev/null "$url" | tr -d '\r' |
		awk -F': ' 'tolower($1) == "etag" { print $2 }')
	[ -n "$ETAG" ]
	eval "ETAG_$2=\$ETAG"
}

# complete_body N...: {"parts":[...]} from the ETAG_<n> of put_part
complete_body() {
	local n out=
	for n in "$@"; do
		local v="ETAG_$n"
		out="$out$(jq -cn --argjson n "$n" --arg e "${!v}" '{part_number:$n,etag:$e}'),"
	done
	echo "{\"parts\":[${out%,}]}"
}

complete_upload() { # complete_upload BODY
	api POST "/uploads/$UPLOAD_ID/complete" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data "$1"
}

# upload_whole FILE: create, put every part, complete (202)
upload_whole() {
	create_upload "$1"
	local n i
	n=$(jq -r .upload.part_count <<<"$UPLOAD")
	for i in $(seq 1 "$n"); do put_part "$1" "$i"; done
	complete_upload "$(complete_body $(seq 1 "$n"))"
	expect_status 202
}

# ---------------------------------------------------------------- videos --
# new_video: an upload created and completed (a small one-part file), so the
# video exists and is queued; sets VIDEO_ID and UPLOAD_ID
new_video() {
	head -c 1500 /dev/urandom >"$BATS_TEST_TMPDIR/v.mp4"
	create_upload "$BATS_TEST_TMPDIR/v.mp4"
	put_part "$BATS_TEST_TMPDIR/v.mp4" 1
	complete_upload "$(complete_body 1)"
	expect_status 202
}

# make_ready: what the worker records, with real objects behind the keys
make_ready() {
	local k720="processed/$USER_ID/$VIDEO_ID/720p.mp4" thumb="processed/$USER_ID/$VIDEO_ID/thumb.jpg"
	printf 'rendition bytes' >"$BATS_TEST_TMPDIR/r"
	curl -sSf -o /dev/null -T "$BATS_TEST_TMPDIR/r" "$("$ROOT/tools/vidpipe-admin" presign PUT "$S3_BUCKET_PROCESSED" "$k720" 60)"
	curl -sSf -o /dev/null -T "$BATS_TEST_TMPDIR/r" "$("$ROOT/tools/vidpipe-admin" presign PUT "$S3_BUCKET_PROCESSED" "$thumb" 60)"
	psql "$DATABASE_URL" -q <<-EOF
		INSERT INTO renditions (video_id, name, width, height, bitrate, size, object_key)
		VALUES ('$VIDEO_ID', '720p', 1280, 720, 3000000, 15, '$k720'),
		       ('$VIDEO_ID', '360p', 640, 360, 730000, 15, 'processed/$USER_ID/$VIDEO_ID/360p.mp4');
		UPDATE videos SET status = 'ready', progress = 100, duration_seconds = 4.5, width = 1280,
		       height = 720, thumbnail_key = '$thumb' WHERE id = '$VIDEO_ID';
	EOF
}

sqs_call() { # sqs_call ACTION JSON
	curl -sS -X POST "$AWS_ENDPOINT_URL_SQS/" -H 'Content-Type: application/x-amz-json-1.0' \
		-H "X-Amz-Target: AmazonSQS.$1" -d "$2"
}

# queue_bodies_for VIDEO_ID: how many queue messages name the video (drains
# what is visible; received messages stay invisible for the visibility timeout)
queue_count_for() {
	local total=0 out n
	for _ in $(seq 1 20); do
		out=$(sqs_call ReceiveMessage "{\"QueueUrl\":\"$SQS_QUEUE_URL\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1}")
		n=$(jq '.Messages // [] | length' <<<"$out")
		[ "$n" -gt 0 ] || break
		total=$((total + $(jq --arg v "$1" '[.Messages[] | .Body | fromjson | select(.video_id == $v)] | length' <<<"$out")))
		printf '%s\n' "$out" >>"$BATS_TEST_TMPDIR/messages"
	done
	echo "$total"
}

psql_value() { psql "$DATABASE_URL" -tAc "$1"; }

run_maint() { # one maintenance run, as cron would start it
	env OUTBOX_GRACE_SECONDS=0 flock -w 30 "$VAR_DIR/run/maint.lock" "$ROOT/worker/vidpipe-maint"
}

# presign_at METHOD URL EXTRA_QUERY AMZ_DATE EXPIRES [NAME:VALUE...]: a SigV4
# pre-signed URL made here with openssl, independently of lib/sigv4.c; the
# NAME:VALUE pairs (lower-case names, in order) are signed besides host
presign_at() {
	local method=$1 base=$2 extra=$3 date=$4 exp=$5 hostport path day cred q cq creq hash sts k
	shift 5
	local names="host" canon h
	hostport=$(sed -E 's|^https?://([^/]+).*|\1|' <<<"$base")
	path=$(sed -E 's|^https?://[^/]+||' <<<"$base")
	canon=$(for h in "$@" "host:$hostport"; do printf '%s\n' "$h"; done | LC_ALL=C sort)
	names=$(cut -d: -f1 <<<"$canon" | paste -sd ';')
	day=${date:0:8}
	cred=$(jq -rn --arg s "$AWS_ACCESS_KEY_ID/$day/$AWS_REGION/s3/aws4_request" '$s|@uri')
	q="$extra${extra:+&}X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=$cred&X-Amz-Date=$date&X-Amz-Expires=$exp&X-Amz-SignedHeaders=$(jq -rn --arg s "$names" '$s|@uri')"
	cq=$(tr '&' '\n' <<<"$q" | LC_ALL=C sort | paste -sd '&')
	creq=$(printf '%s\n%s\n%s\n%s\n\n%s\nUNSIGNED-PAYLOAD' "$method" "$path" "$cq" "$canon" "$names")
	hash=$(printf '%s' "$creq" | openssl dgst -sha256 -hex | awk '{print $NF}')
	sts=$(printf 'AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s' "$date" "$day" "$AWS_REGION" "$hash")
	hm() { printf '%s' "$2" | openssl dgst -sha256 -mac HMAC -macopt "$1" -hex | awk '{print $NF}'; }
	k=$(hm "key:AWS4$AWS_SECRET_ACCESS_KEY" "$day")
	k=$(hm "hexkey:$k" "$AWS_REGION")
	k=$(hm "hexkey:$k" s3)
	k=$(hm "hexkey:$k" aws4_request)
	echo "$base?$q&X-Amz-Signature=$(hm "hexkey:$k" "$sts")"
}

# md5_b64 FILE: base64 of the file's MD5, as Content-MD5 carries it
md5_b64() { openssl dgst -md5 -binary "$1" | openssl base64 -A; }

# Suites that look at the queue or at `queued` videos pause the worker (and
# the maintenance loop) and leave the queue empty for the next suite.
# A long poll cut off by the stop stays registered with the queue until its
# wait ends (2 s in the test stack) and would still take the next message:
# wait it out.
pause_worker() {
	stack stop worker
	sleep 2.5
}
resume_worker() {
	sqs_call PurgeQueue "{\"QueueUrl\":\"$SQS_QUEUE_URL\"}" >/dev/null || true
	stack start worker
}

# ------------------------------------------------------------ raw HTTP --
# raw_http < <(printf ...): sends stdin as-is to the API's port (bash's /dev/tcp, no client
# fixing anything up) and leaves the answer in RAW, its status in STATUS,
# its headers (CR stripped) in HEADERS and its body in BODY (feed it by
# redirection, not a pipe, or the variables stay in the pipe's subshell)
raw_http() {
	local hostport=${API_URL#http://} out
	local host=${hostport%:*} port=${hostport##*:}
	[ "$host" = localhost ] && host=127.0.0.1
	out=$BATS_TEST_TMPDIR/raw.$RANDOM
	(
		exec 3<>"/dev/tcp/$host/$port" || exit 1
		cat >&3
		timeout 10 cat <&3
	) >"$out" 2>/dev/null || true
	RAW=$(tr -d '\r' <"$out")
	STATUS=$(head -n 1 <<<"$RAW" | awk '{print $2}')
	HEADERS=$BATS_TEST_TMPDIR/rawh.$RANDOM
	awk 'NR > 1 && /^$/ { exit } NR > 1' <<<"$RAW" >"$HEADERS"
	BODY=$(awk 'f; /^$/ { f = 1 }' <<<"$RAW")
	# an HTTP/1.1 answer without Content-Length comes in chunks (Apache's
	# mod_proxy_fcgi sends responders' answers so): read it as a client does
	if grep -qi '^transfer-encoding: *chunked' "$HEADERS"; then
		BODY=$(awk '
			function hex(s, i, c, v) {
				v = 0; s = tolower(s)
				for (i = 1; i <= length(s); i++) {
					c = index("0123456789abcdef", substr(s, i, 1))
					if (!c) break
					v = v * 16 + c - 1
				}
				return v
			}
			BEGIN { need = -1 }
			need < 0 { n = hex($0); if (n == 0) exit; need = n; got = 0; first = 1; next }
			{ if (!first) printf "\n"; first = 0; printf "%s", $0
			  got += length($0) + 1; if (got > need) need = -1 }' <<<"$BODY")
	fi
}

# expect_json_error_answer STATUS: the web server's (or a responder's)
# answer is the contract's error shape, JSON-typed, with nosniff and no
# version in Server
expect_json_error_answer() {
	expect_status "$1"
	[ "$(jq -c 'keys' <<<"$BODY")" = '["error"]' ] || { echo "not the error shape: $BODY" >&2; return 1; }
	[ "$(jq -r '.error.code | type' <<<"$BODY")" = string ]
	[ "$(jq -r '.error.message | type' <<<"$BODY")" = string ]
	[[ "$(header Content-Type)" == application/json* ]] || { echo "type: $(header Content-Type)" >&2; return 1; }
	[ "$(header X-Content-Type-Options)" = nosniff ] || { echo "no nosniff" >&2; return 1; }
	[[ "$(header Server)" != *[0-9]* ]] || { echo "Server: $(header Server)" >&2; return 1; }
}

# ---------------------------------------------------------------- worker --
WORKER_LOG=$VAR_DIR/log/worker.log

# wait_video STATUS [SECONDS]: polls GET /videos/{VIDEO_ID} (bounded)
wait_video() {
	local i
	for i in $(seq 1 $((${2:-120} * 2))); do
		api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
		case $(jq -r .video.status <<<"$BODY") in
		"$1") return 0 ;;
		ready | failed) break ;;
		esac
		sleep 0.5
	done
	echo "video is $(jq -r .video.status <<<"$BODY"), not $1: $BODY" >&2
	return 1
}

# worker_pids: this stack's worker processes, not their transcoding
# children (a fork carries the same command line)
worker_pids() {
	local p pp
	for p in $(pgrep -f "^$ROOT/worker/vidpipe-worker"); do
		pp=$(ps -o ppid= -p "$p" | tr -d ' ')
		[ -n "$pp" ] || continue
		case $(tr '\0' ' ' <"/proc/$pp/cmdline" 2>/dev/null) in
		"$ROOT/worker/vidpipe-worker"*) ;;
		*) echo "$p" ;;
		esac
	done
}

# job_folders [PID]: the job folders in the workers' temporary folder (of
# the worker PID only, when given)
job_folders() {
	ls -d "$WORKER_TMPDIR/vidpipe-job-${1:+$1-}"* 2>/dev/null || true
}

# no_job_folder_left [SECONDS]: every job folder is gone (a worker removes
# its folder just after recording the outcome: allow it a moment)
no_job_folder_left() {
	local i
	for i in $(seq 1 $((${1:-10} * 10))); do
		[ -z "$(job_folders)" ] && return 0
		sleep 0.1
	done
	echo "left behind: $(job_folders)" >&2
	return 1
}

# log_count EVENT VIDEO_ID [FILE...]: how many worker log lines of that
# event name the video
log_count() {
	local ev=$1 vid=$2
	shift 2
	cat "${@:-$WORKER_LOG}" 2>/dev/null | grep -c "\"event\":\"$ev\",\"video\":\"$vid\"" || true
}

# processed_object_status KEY: the HTTP status of a signed GET of KEY in the
# processed bucket (signed here, independently of lib/sigv4.c)
processed_object_status() {
	curl -s -o /dev/null -w '%{http_code}' \
		"$(presign_at GET "$AWS_ENDPOINT_URL_S3/$S3_BUCKET_PROCESSED/$1" "" "$(date -u +%Y%m%dT%H%M%SZ)" 300)"
}

# ------------------------------------------------------------------ HLS --
# Oracles made here, apart from lib/: openssl for the playback token,
# presign_at for storage listings, a few lines of Python for MP4 boxes.

# playback_token_sign VIDEO_ID EXP: the token lib/playback.h documents,
# signed with the stack's key
playback_token_sign() {
	printf '%s.%s' "$2" "$(printf 'vidpipe-playback-v1\n%s\n%s' "$1" "$2" |
		openssl dgst -sha256 -hmac "$PLAYBACK_TOKEN_SECRET" -hex | awk '{print $NF}')"
}

# processed_keys PREFIX: every key under PREFIX in the processed bucket, one
# a line, sorted (ListObjects, signed here; HLS prefixes hold < 1000 keys)
processed_keys() {
	local q
	q="max-keys=1000&prefix=$(jq -rn --arg p "$1" '$p|@uri')"
	curl -sSf "$(presign_at GET "$AWS_ENDPOINT_URL_S3/$S3_BUCKET_PROCESSED" "$q" "$(date -u +%Y%m%dT%H%M%SZ)" 300)" |
		grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g' | LC_ALL=C sort
}

# fragment_times FILE...: for each CMAF media segment, the base media decode
# time of its first fragment (tfdt) plus its first sample's composition
# offset, in seconds (its trak's timescale: TIMESCALE, default 90000)
fragment_times() {
	python3 - "$@" <<-'PY'
		import os, struct, sys
		scale = int(os.environ.get('TIMESCALE', '90000'))
		def boxes(b, off, end):
		    while off + 8 <= end:
		        size, typ = struct.unpack('>I4s', b[off:off + 8]); hdr = 8
		        if size == 1: size = struct.unpack('>Q', b[off + 8:off + 16])[0]; hdr = 16
		        yield typ, off + hdr, off + size
		        off += size
		for f in sys.argv[1:]:
		    b = open(f, 'rb').read(); tfdt = cts = None
		    for typ, s, e in boxes(b, 0, len(b)):
		        if typ != b'moof': continue
		        for t2, s2, e2 in boxes(b, s, e):
		            if t2 != b'traf': continue
		            for t3, s3, e3 in boxes(b, s2, e2):
		                v = b[s3]
		                if t3 == b'tfdt':
		                    tfdt = struct.unpack('>Q', b[s3 + 4:s3 + 12])[0] if v else struct.unpack('>I', b[s3 + 4:s3 + 8])[0]
		                if t3 == b'trun' and cts is None:
		                    fl = int.from_bytes(b[s3 + 1:s3 + 4], 'big'); p = s3 + 8
		                    p += 4 if fl & 1 else 0
		                    p += 4 if fl & 4 else 0
		                    p += 4 if fl & 0x100 else 0
		                    p += 4 if fl & 0x200 else 0
		                    p += 4 if fl & 0x400 else 0
		                    cts = struct.unpack('>i' if v else '>I', b[p:p + 4])[0] if fl & 0x800 else 0
		        break
		    print('%.6f' % ((tfdt + cts) / scale))
	PY
}

# wait_playback [SECONDS]: polls GET /videos/{VIDEO_ID} until playback.hls is
# set (bounded); leaves the answer in BODY and the URL in HLS_URL
wait_playback() {
	local i
	for i in $(seq 1 $((${1:-120} * 4))); do
		api GET "/videos/$VIDEO_ID" -H "Authorization: Bearer $TOKEN"
		HLS_URL=$(jq -r '.video.playback.hls // empty' <<<"$BODY")
		[ -n "$HLS_URL" ] && return 0
		case $(jq -r .video.status <<<"$BODY") in failed) break ;; esac
		sleep 0.25
	done
	echo "no playback URL: $BODY" >&2
	return 1
}
