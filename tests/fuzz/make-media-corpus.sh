#!/usr/bin/env bash
# make-media-corpus.sh — (re)makes the seed corpus of the media fuzz target
# (tests/fuzz/corpus/media/) with the ffmpeg tool and a few lines of Python:
# tiny clips of every container and codec the worker accepts, and every
# hostile case of issue 11. Each file is a few KB; the whole corpus stays
# well under 1 MB. The names say what a file is: the unit test
# tests/unit/test_media.c holds each hostile one to its refusal.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
out=$ROOT/tests/fuzz/corpus/media
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
ff() { ffmpeg -nostdin -v error -y "$@"; }
src() { echo "testsrc2=size=${1:-64x48}:rate=${2:-10}"; }
tone() { echo "sine=frequency=440:sample_rate=${1:-48000}"; }

# ---- what the worker accepts ------------------------------------------------
ff -f lavfi -i "$(src)" -f lavfi -i "$(tone)" -t 0.5 -c:v libx264 -preset ultrafast \
	-c:a aac -b:a 16k -ac 1 -shortest "$out/good-h264-aac.mp4"
ff -f lavfi -i "$(src)" -t 0.5 -c:v libx264 -preset ultrafast "$tmp/flat.mp4"
ff -i "$tmp/flat.mp4" -c copy -metadata:s:v:0 rotate=90 "$out/good-rotated.mov"
ff -f lavfi -i "$(src)" -f lavfi -i "$(tone)" -t 0.5 -c:v libvpx -b:v 50k -c:a libvorbis \
	-ac 1 -shortest "$out/good-vp8-vorbis.webm"
ff -f lavfi -i "$(src)" -f lavfi -i "$(tone)" -t 0.5 -c:v libvpx-vp9 -b:v 50k -c:a libopus \
	-b:a 16k -ac 1 -shortest "$out/good-vp9-opus.mkv"
ff -f lavfi -i "$(src)" -f lavfi -i "$(tone 22050)" -t 0.5 -c:v mjpeg -q:v 20 \
	-c:a pcm_s16le -ac 1 -shortest "$out/good-mjpeg-pcm.avi"
ff -f lavfi -i "$(src 128x96)" -f lavfi -i "$(tone)" -t 0.5 -c:v h263 -b:v 30k -c:a aac \
	-b:a 16k -ac 1 -shortest "$out/good-h263-aac.3gp"
ff -f lavfi -i "$(src)" -f lavfi -i "$(tone 44100)" -t 0.5 -c:v mpeg4 -q:v 20 -c:a mp3 \
	-b:a 32k -ac 1 -shortest "$out/good-mpeg4-mp3.avi"
ff -f lavfi -i "$(src)" -t 0.5 -c:v libx265 -preset ultrafast -x265-params log-level=none \
	"$out/good-hevc.mp4"
ff -f lavfi -i "$(src)" -f lavfi -i "$(tone)" -t 0.5 -c:v mpeg2video -q:v 20 -c:a mp2 \
	-b:a 32k -ac 1 -shortest "$out/good-mpeg2-mp2.ts"

# ---- hostile -----------------------------------------------------------------
# a playlist, a manifest and a concat list that point at a file on the disk
printf '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n' \
	>"$out/hostile-hls.m3u8"
cat >"$out/hostile-dash.mpd" <<-MPD
	<?xml version="1.0"?>
	<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
	<Period><AdaptationSet mimeType="video/mp2t"><Representation id="1" bandwidth="100000"><BaseURL>file:///etc/passwd</BaseURL><SegmentBase/></Representation></AdaptationSet></Period></MPD>
MPD
printf 'ffconcat version 1.0\nfile /etc/passwd\n' >"$out/hostile-concat.txt"
# the audio layout changes midway: a stereo 48 kHz segment, then mono 22 kHz
ff -f lavfi -i "$(src)" -f lavfi -i "$(tone)" -t 0.5 -c:v libx264 -preset ultrafast \
	-c:a aac -b:a 16k -ac 2 -shortest -f mpegts "$tmp/stereo.ts"
ff -f lavfi -i "$(src)" -f lavfi -i "$(tone 22050)" -t 0.5 -c:v libx264 -preset ultrafast \
	-c:a aac -b:a 16k -ac 1 -shortest -output_ts_offset 0.5 -f mpegts "$tmp/mono.ts"
cat "$tmp/stereo.ts" "$tmp/mono.ts" >"$out/hostile-audio-layout-change.ts"
# timestamps that go backwards: two clips that both start at 0, glued
cat "$tmp/stereo.ts" "$tmp/stereo.ts" >"$out/hostile-timestamps-backwards.ts"
# a pixel bomb: one 8192x8192 picture, H.264 in MP4 (the header says how
# large) and HEVC in MPEG-TS (only the bitstream does)
ff -f lavfi -i "color=c=black:size=8192x8192:rate=1" -frames:v 1 -c:v libx264 \
	-preset ultrafast -crf 51 "$out/hostile-pixel-bomb.mp4"
ff -f lavfi -i "color=c=black:size=8192x8192:rate=1" -frames:v 1 -c:v libx265 \
	-preset ultrafast -x265-params log-level=none:crf=51 -f mpegts "$out/hostile-pixel-bomb.ts"
# a very wide MJPEG
ff -f lavfi -i "color=c=blue:size=30000x16:rate=5" -frames:v 2 -c:v mjpeg -q:v 20 \
	"$out/hostile-wide-mjpeg.avi"
# a container duration patched to a huge value (mvhd, version 0)
python3 - "$out/good-h264-aac.mp4" "$out/hostile-huge-duration.mp4" <<-'PY'
	import struct, sys
	b = bytearray(open(sys.argv[1], 'rb').read())
	i = b.find(b'mvhd')
	assert i > 0 and b[i + 4] == 0
	struct.pack_into('>I', b, i + 20, 0xFFFFFFF0)
	open(sys.argv[2], 'wb').write(b)
PY
# a header that says 1 s over 40 s of pictures (caught while decoding)
ff -f lavfi -i "$(src 32x32 2)" -t 40 -c:v libx264 -preset ultrafast "$tmp/long.mp4"
python3 - "$tmp/long.mp4" "$out/hostile-header-short.mp4" <<-'PY'
	import struct, sys
	b = bytearray(open(sys.argv[1], 'rb').read())
	i = b.find(b'mvhd')
	assert i > 0 and b[i + 4] == 0
	scale = struct.unpack('>I', b[i + 16:i + 20])[0]
	struct.pack_into('>I', b, i + 20, scale)
	open(sys.argv[2], 'wb').write(b)
PY
# the picture grows past the limit midway (the headers saw the small one)
ff -f lavfi -i "$(src 64x48)" -t 0.5 -c:v libx264 -preset ultrafast -f mpegts "$tmp/small.ts"
ff -f lavfi -i "color=c=red:size=9000x16:rate=10" -t 0.3 -c:v libx264 -preset ultrafast \
	-output_ts_offset 0.5 -f mpegts "$tmp/wide.ts"
cat "$tmp/small.ts" "$tmp/wide.ts" >"$out/hostile-size-change.ts"
# a frame rate far above any camera's
ff -f lavfi -i "$(src 64x48 1000)" -frames:v 20 -c:v libx264 -preset ultrafast \
	"$out/hostile-1000fps.mp4"
# more streams than any video needs
maps=() inputs=()
for i in $(seq 1 20); do inputs+=(-f lavfi -t 0.2 -i "$(tone)"); maps+=(-map "$i:a"); done
ff -f lavfi -i "$(src)" "${inputs[@]}" -map 0:v "${maps[@]}" -t 0.2 -c:v libx264 \
	-preset ultrafast -c:a pcm_u8 -ar 8000 -ac 1 "$out/hostile-many-streams.mkv"
# not a video at all
ff -f lavfi -i "$(tone)" -t 0.3 -c:a libmp3lame -b:a 8k "$out/hostile-audio-only.mp3"
ff -f lavfi -i "$(src)" -frames:v 1 "$out/hostile-image.png"
du -sh "$out"
