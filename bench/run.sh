#!/bin/sh
# bench/run.sh — every benchmark, one after the other (make bench).
set -e
cd "$(dirname "$0")"
echo "## the authenticated API against the seed's stack and the FastCGI floor ($(date -u +%Y-%m-%d), $(nproc) cores)"
./api.sh
echo
echo "## auth middleware ($(date -u +%Y-%m-%d), $(nproc) cores)"
./auth-middleware.sh
echo
echo "## uploads ($(date -u +%Y-%m-%d), $(nproc) cores)"
./uploads.sh
echo
echo "## load with nothing lost ($(date -u +%Y-%m-%d), $(nproc) cores)"
./load.sh
echo
echo "## the largest upload ($(date -u +%Y-%m-%d), $(nproc) cores)"
./big-upload.sh
echo
echo "## uploads from the browser ($(date -u +%Y-%m-%d), $(nproc) cores)"
./browser-upload.sh
echo
echo "## transcoding ($(date -u +%Y-%m-%d), $(nproc) cores)"
./transcode.sh
echo
echo "## HLS: time to the first frame ($(date -u +%Y-%m-%d), $(nproc) cores)"
./hls-first-frame.sh
echo
echo "## HLS: what the segments cost ($(date -u +%Y-%m-%d), $(nproc) cores)"
./hls-segments.sh
echo
echo "## HLS: a two-hour video's playlists ($(date -u +%Y-%m-%d), $(nproc) cores)"
./hls-playlist.sh
