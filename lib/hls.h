/*
 * hls.h — HTTP Live Streaming as vidpipe writes it (RFC 8216): the layout
 * of the segments the worker makes, the object keys they are stored under,
 * and the text of the master and media playlists the API writes from the
 * segment index. No I/O here: lib/playback.h reads the index, signs the
 * URIs and serves the playlists.
 *
 * Every video is one HLS presentation of CMAF (fragmented MP4) tracks: one
 * video track per rung of the ladder ("1080p", "720p", ...) and, when the
 * source has sound, one audio track ("audio") that every rung shares as an
 * EXT-X-MEDIA rendition group (the audio is encoded once; storing it once
 * keeps each rung's segments video only). Each track is an init segment
 * (init.mp4) and media segments numbered from 1 (00001.m4s ...), each
 * HLS_SEGMENT_SECONDS long and starting on a keyframe at the same instant
 * in every rung. Objects live under
 *   processed/<user>/<video>/hls/<track>/<file>
 * so a video's segments are found, replaced and removed by that prefix.
 */
#ifndef VP_HLS_H
#define VP_HLS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "vp.h"

/* The target duration: one segment per keyframe interval. Two seconds is
 * the ladder's keyframe interval, so each segment is one closed GOP; the
 * first segment of every rung exists about two seconds of video after the
 * transcode starts (watchable seconds after upload), and a player adapts
 * every two seconds. */
#define HLS_SEGMENT_SECONDS 2
#define HLS_AUDIO_TRACK     "audio"
#define HLS_NAME_MAX        24 /* "init.mp4", "00001.m4s" */
#define HLS_VERSION         7  /* EXT-X-MAP in a media playlist needs 6 */

/* The file name of a track's file: "init.mp4" for 0, "00042.m4s" for 42. */
void hls_file_name(int number, char out[HLS_NAME_MAX]);

/* A track name the worker makes: a rung ("720p": 1 to 5 digits and 'p'),
 * or HLS_AUDIO_TRACK. */
bool hls_track_name_ok(const char *s);

/* An RFC 6381 codec name the worker writes: "avc1." and 6 hex digits, or
 * "mp4a.40.2". */
bool hls_codecs_ok(const char *s);

/* "processed/<user>/<video>/hls/": every HLS object of the video. */
vp_res hls_prefix(const char *user_id, const char *video_id, buf *out);
/* The key of a track's file (number 0: its init segment). */
vp_res hls_key(const char *user_id, const char *video_id, const char *track, int number, buf *out);
/* A key's part after the prefix, "<track>/<file>", read back: false for
 * anything hls_key does not make. */
bool hls_key_parse(const char *rest, char track[16], int *number);

/* A track as the master playlist needs it: what the worker planned, and
 * what its segments so far add up to. */
struct hls_track {
	char name[16];
	bool audio;
	int width, height; /* video */
	double fps;        /* video */
	long bitrate;      /* the rung's cap, or the audio's target: bits per second */
	char codecs[32];
	long segments;   /* recorded so far */
	double duration; /* seconds, in all */
	long long bytes; /* in all (init segments not counted) */
	double peak_bps; /* the highest rate of a segment of half the target or more */
};

/* The master playlist: EXT-X-INDEPENDENT-SEGMENTS; the audio track, if
 * any, as the rendition group every variant names; one EXT-X-STREAM-INF
 * per video track, lowest first (a player starts low and climbs), with
 * BANDWIDTH (peak: the highest segment rate of video plus audio; while the
 * video is not complete, never below the tracks' nominal rates),
 * AVERAGE-BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE, and its media
 * playlist "<track>.m3u8<query>", relative to the master's own URL (query:
 * "" or "?..."). VP_INVALID without a video track. */
vp_res hls_master(const struct hls_track *t, size_t n, bool complete, const char *query, buf *out);

struct hls_segment {
	int number;
	double duration;
};

/* Appends the URI of file number of a track (0: its init segment). */
typedef vp_res (*hls_uri_fn)(void *ud, int number, buf *out);

/* A media playlist of the segments 1, 2, ... that are there in order (seg
 * sorted by number; it stops at the first gap, as an EVENT playlist may
 * only grow at its end): EXT-X-VERSION, EXT-X-TARGETDURATION (the longest
 * segment, rounded, and HLS_SEGMENT_SECONDS at least), EXT-X-PLAYLIST-TYPE
 * EVENT while not complete and VOD with EXT-X-ENDLIST once it is,
 * EXT-X-INDEPENDENT-SEGMENTS, EXT-X-MAP for the init segment. */
vp_res hls_media(const struct hls_segment *seg, size_t n, bool complete, hls_uri_fn uri, void *ud,
                 buf *out);

#endif
