/*
 * transcode.h — one source file into a ladder of H.264/AAC MP4 renditions
 * and a JPEG thumbnail, with the FFmpeg libraries, in-process.
 *
 * The source is demuxed and decoded once; every decoded frame feeds each
 * rung's scaler and encoder. Audio is resampled and encoded once (AAC-LC,
 * stereo, 48 kHz, 128 kbit/s) and the same packets go into every rendition.
 * Rungs are chosen by the picture's shorter side (after rotation), never
 * above the source; a source below the lowest rung gets one rendition at its
 * own size. Files are MP4 with the index at the front.
 */
#ifndef VP_TRANSCODE_H
#define VP_TRANSCODE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "vp.h"

struct tc_rung {
	int short_side; /* 1080, 720, ... */
	int kbps;       /* capped video bitrate */
	int max_fps;
};

/* 1080/720/480/360 at 6000/3000/1200/730 kbit/s; 60 fps, 30 at 480 and below */
extern const struct tc_rung tc_default_ladder[4];

#define TC_MAX_OUTPUTS 8

struct tc_output {
	char name[16]; /* "720p" */
	int width, height;
	long bitrate; /* bits per second (the cap) */
	char path[4096];
	long long size;
};

struct tc_result {
	double duration;   /* seconds */
	int width, height; /* the source, after rotation */
	char video_codec[32];
	char audio_codec[32]; /* "" for a silent source */
	size_t n;
	struct tc_output out[TC_MAX_OUTPUTS];
	char thumbnail[4096];
	long long thumbnail_size;
};

/* Called now and then with 0..100; returning false stops the work
 * (VP_CONFLICT). */
typedef bool (*tc_progress_fn)(void *ud, int percent);

/* Transcodes in_path into files in out_dir (which must exist). On
 * VP_INVALID the source is not a playable video and reason holds a sentence
 * for the user; other failures are the machine's (VP_NOMEM, VP_INTERNAL).
 * Files written before a failure are left for the caller's cleanup. */
vp_res tc_transcode(const char *in_path, const char *out_dir, const struct tc_rung *ladder,
                    size_t n_rungs, tc_progress_fn progress, void *ud, struct tc_result *res,
                    buf *reason);

#endif
