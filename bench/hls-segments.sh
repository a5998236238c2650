#!/usr/bin/env bash
# bench/hls-segments.sh [SECONDS] [ROUNDS] — what the HLS segments cost the
# worker: the same source transcoded by `vidpipe-worker --transcode` with
# the HLS tracks (every rung's video and the audio also written as CMAF
# segments) and with --mp4-only, alternating, ROUNDS times (default 3):
# wall and CPU time (medians), and the bytes each writes. Source: 1080p30
# with audio, SECONDS long (default 30; H.264 8 Mbit/s + AAC, as
# bench/transcode.sh makes it). Storage is the local files: what the worker
# uploads is exactly these (its uploads of the segments run in parallel with
# the encoding, in another process; bench/hls-first-frame.sh has the
# end-to-end times). Prints Markdown.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30} rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$ROOT/worker/vidpipe-worker" ] || make -C "$ROOT" -s worker/vidpipe-worker
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$secs" \
	-c:v libx264 -preset veryfast -b:v 8M -c:a aac -b:a 192k -shortest "$work/src.mp4"

# run KIND: "wall cpu first" of one transcode; KIND hls or mp4
run() {
	rm -rf "$work/out"
	mkdir "$work/out"
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$ROOT/worker/vidpipe-worker" --transcode \
		"$work/src.mp4" "$work/out" $([ "$1" = mp4 ] && echo --mp4-only) >"$work/log"
	awk '{ printf "%.2f %.2f", $1, $2 + $3 }' "$work/time"
	sed -n 's/.*first segment after \([0-9.]*\) s/ \1/p' "$work/log"
	echo
}
for r in $(seq 1 "$rounds"); do
	echo "hls $(run hls)" >>"$work/runs"
	hls_mp4=$(find "$work/out" -maxdepth 1 -name '*.mp4' -printf '%s\n' | awk '{ s += $1 } END { print s }')
	hls_seg=$(find "$work/out/hls" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
	hls_files=$(find "$work/out/hls" -type f | wc -l)
	echo "mp4 $(run mp4)" >>"$work/runs"
	mp4=$(find "$work/out" -maxdepth 1 -name '*.mp4' -printf '%s\n' | awk '{ s += $1 } END { print s }')
done
med() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$work/runs" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
all() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$work/runs" | paste -sd' '; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "Source: 1920x1080, 30 fps, ${secs} s, H.264 8 Mbit/s + AAC ($(du -m "$work/src.mp4" | cut -f1) MiB); ladder 1080/720/480/360."
echo
echo "| transcode | wall, runs (s) | wall median (s) | CPU median (s) | every track's first segment (s) | written |"
echo "|---|---|---|---|---|---|"
echo "| MP4 renditions only (--mp4-only) | $(all mp4 2) | $(med mp4 2) | $(med mp4 3) | – | $(mib "$mp4") MiB |"
echo "| MP4 renditions + HLS tracks | $(all hls 2) | $(med hls 2) | $(med hls 3) | $(med hls 4) | $(mib "$hls_mp4") MiB + $(mib "$hls_seg") MiB in $hls_files files |"
echo "| HLS ÷ MP4 only | | $(awk -v a="$(med hls 2)" -v b="$(med mp4 2)" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$(med hls 3)" -v b="$(med mp4 3)" 'BEGIN { printf "%.2f", a / b }') | | $(awk -v a="$hls_seg" -v b="$mp4" 'BEGIN { printf "segments: %.2f of the MP4 bytes; stored in all: %.2f", a / b, (a + b) / b }') |"
