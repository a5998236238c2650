#!/usr/bin/env bash
# bench/transcode.sh — the worker's transcoder against ffmpeg, same source,
# same ladder, same settings, in the same run:
#   vidpipe-worker --transcode   one process: decode once, encode 4 rungs
#   (a) one ffmpeg, split filter  decode once, encode the same 4 rungs
#   (b) one ffmpeg per rung       decode 4 times (run one after another)
# Source: a generated 1080p30 clip with audio (SECONDS long, default 20).
# Reports wall time, CPU time (user+sys) and peak memory (max RSS; for (b)
# the largest of the four), then the same transcoder on a source twice as
# long, to show peak memory does not grow with the file.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$ROOT/worker/vidpipe-worker" ] || make -C "$ROOT" -s worker/vidpipe-worker

gen() { # gen SECONDS OUT
	ffmpeg -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$1" \
		-c:v libx264 -preset veryfast -b:v 8M -c:a aac -b:a 192k -shortest "$2"
}
gen "$secs" "$work/src.mp4"
gen $((secs * 2)) "$work/src2.mp4"

# measure LABEL CMD...: "wall cpu maxrss_MiB" via GNU time's format
measure() {
	local out=$work/time.$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >/dev/null 2>&1
	awk '{ printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$out"
}

v() { # the x264/AAC settings of one rung, as the worker sets them
	local s=$1 kbps=$2 fps=$3
	echo "-c:v libx264 -profile:v high -preset veryfast -pix_fmt yuv420p -b:v ${kbps}k -maxrate ${kbps}k -bufsize $((2 * kbps))k -x264-params keyint=$((2 * fps)):min-keyint=$((2 * fps)):scenecut=0 -r $fps -c:a aac -b:a 128k -ar 48000 -ac 2 -movflags +faststart"
}
rungs="1080:6000:30 720:3000:30 480:1200:30 360:730:30"

mkdir -p "$work/ours" "$work/ours2" "$work/split" "$work/each"
# MP4 renditions only, as the ffmpeg commands make (bench/hls-segments.sh
# measures what the HLS tracks add)
read -r ow oc om <<<"$(measure ours "$ROOT/worker/vidpipe-worker" --transcode "$work/src.mp4" "$work/ours" --mp4-only)"

filter="[0:v]split=4[a][b][c][d];[a]scale=-2:1080[o1];[b]scale=-2:720[o2];[c]scale=-2:480[o3];[d]scale=-2:360[o4]"
args=(-v error -y -i "$work/src.mp4" -filter_complex "$filter")
i=1
for r in $rungs; do
	IFS=: read -r s k f <<<"$r"
	# shellcheck disable=SC2046
	args+=(-map "[o$i]" -map 0:a $(v "$s" "$k" "$f") "$work/split/${s}p.mp4")
	i=$((i + 1))
done
read -r sw sc sm <<<"$(measure split ffmpeg "${args[@]}")"

ew=0 ec=0 em=0
for r in $rungs; do
	IFS=: read -r s k f <<<"$r"
	# shellcheck disable=SC2046
	read -r w c m <<<"$(measure "each$s" ffmpeg -v error -y -i "$work/src.mp4" -vf "scale=-2:$s" $(v "$s" "$k" "$f") "$work/each/${s}p.mp4")"
	ew=$(awk -v a="$ew" -v b="$w" 'BEGIN { print a + b }')
	ec=$(awk -v a="$ec" -v b="$c" 'BEGIN { print a + b }')
	em=$(( m > em ? m : em ))
done
read -r lw lc lm <<<"$(measure ours2 "$ROOT/worker/vidpipe-worker" --transcode "$work/src2.mp4" "$work/ours2" --mp4-only)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "Source: 1920x1080, 30 fps, ${secs} s, H.264 8 Mbit/s + AAC ($(du -m "$work/src.mp4" | cut -f1) MiB); ladder 1080/720/480/360 at 6000/3000/1200/730 kbit/s."
echo
echo "| transcoder | wall s | CPU s | peak MiB | wall ÷ ours | CPU ÷ ours |"
echo "|---|---|---|---|---|---|"
echo "| vidpipe-worker (decode once, 4 encoders, audio once) | $ow | $oc | $om | 1.00 | 1.00 |"
echo "| (a) one ffmpeg, split filter | $sw | $sc | $sm | $(ratio "$sw" "$ow") | $(ratio "$sc" "$oc") |"
echo "| (b) one ffmpeg per rendition, 4 runs | $ew | $ec | $em | $(ratio "$ew" "$ow") | $(ratio "$ec" "$oc") |"
echo
echo "Peak memory against source length: ${secs} s → $om MiB, $((secs * 2)) s ($(du -m "$work/src2.mp4" | cut -f1) MiB) → $lm MiB (wall $lw s)."
