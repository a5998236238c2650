/*
 * transcode.h — one untrusted source file into a ladder of H.264/AAC MP4
 * renditions and a JPEG thumbnail, with the FFmpeg libraries, in-process.
 *
 * Every source is hostile until proven otherwise. It is opened only through
 * an allow-list of demuxers (MP4/MOV/3GP, Matroska/WebM, AVI, MPEG-TS) that
 * is checked against what libavformat's prober says the bytes are, so a
 * playlist, manifest, concat list or image is refused by name before any
 * demuxer runs; no demuxer may open another file or URL (io_open refuses
 * everything), and only an allow-list of decoders is ever opened. The limits
 * of struct tc_limits are checked on the headers before the first frame is
 * decoded and again on every decoded frame (a header can lie): pixels per
 * frame, the longer side, frame rate, duration, number of streams, and frames
 * decoded against duration x frame rate. A source over a limit is refused at
 * once with a reason that names the limit.
 *
 * The source is demuxed and decoded once; every decoded frame feeds each
 * rung's scaler and encoder. Audio is resampled (reconfigured whenever the
 * layout, rate or sample format changes midway) and encoded once (AAC-LC,
 * stereo, 48 kHz, 128 kbit/s) and the same packets go into every rendition.
 * Video timestamps that go backwards (and, in formats with discontinuities
 * such as MPEG-TS, jump forward by more than 10 s) are rebased so the picture
 * carries on, as players and the ffmpeg tool do. Rungs are chosen by the
 * picture's shorter side (after rotation), never above the source; a source
 * below the lowest rung gets one rendition at its own size. Files are MP4
 * with the index at the front.
 *
 * Every rung has a keyframe (an IDR, nothing refers across it) on the first
 * picture at or after each HLS_SEGMENT_SECONDS mark of the timeline, and
 * nowhere else: the same pictures in every rung, whatever its frame-rate
 * cap, so a player can switch rungs at any segment. When the caller listens
 * for segments (tc_hooks.segment), each rung's video and the audio are also
 * written as CMAF (fragmented MP4) HLS tracks under out_dir/hls/<track>/:
 * init.mp4, then 00001.m4s, 00002.m4s ... one per keyframe interval (audio:
 * cut at the first AAC frame at or after each mark), each file reported as
 * soon as it is complete, so it can be published while the encoding goes
 * on. Video segments carry the timeline's time in their tfdt (negative
 * composition offsets, no edit list); audio starts at 0 with the AAC
 * encoder's 1024 priming samples (21 ms).
 *
 * These functions are not a sandbox: the worker runs them in a child process
 * with memory and CPU limits (worker/worker.c, lib/sandbox.h).
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

/* What a source may be. Each is checked on the headers and while decoding. */
struct tc_limits {
	long long max_pixels; /* per frame: MEDIA_MAX_PIXELS, 7680x4320 */
	long max_side;        /* width or height: MEDIA_MAX_SIDE, 8192 */
	long max_fps;         /* MEDIA_MAX_FPS, 240 */
	long max_duration;    /* seconds: MEDIA_MAX_DURATION, 6 h */
	long max_streams;     /* MEDIA_MAX_STREAMS, 16 */
};

/* The defaults above. */
void tc_limits_default(struct tc_limits *l);

/* The defaults, overridden by the MEDIA_MAX_* variables; VP_INVALID with a
 * line naming the variable in err for a bad value. */
vp_res tc_limits_load(struct tc_limits *l, buf *err);

#define TC_MAX_OUTPUTS 8

struct tc_output {
	char name[16]; /* "720p" */
	int width, height;
	long bitrate; /* bits per second (the cap) */
	char path[4096];
	long long size;
};

struct tc_result {
	double duration;   /* seconds, as decoded */
	int width, height; /* the source, after rotation */
	char video_codec[32];
	char audio_codec[32]; /* "" for a silent source */
	size_t n;
	struct tc_output out[TC_MAX_OUTPUTS];
	char thumbnail[4096];
	long long thumbnail_size;
};

/* What the headers say, once every check before decoding has passed. */
struct tc_probe {
	double duration; /* seconds; 0 when the headers do not say */
	int width, height;
	double fps;
};

/* An HLS track: a rung's video, or the audio every rung shares. */
struct tc_track {
	char name[16]; /* "720p", or "audio" */
	bool audio;
	int width, height; /* 0 for audio */
	double fps;        /* 0 for audio */
	long bitrate;      /* the cap (video) or the target (audio), bits per second */
	char codecs[32];   /* RFC 6381: "avc1.64001f", "mp4a.40.2" */
};

/* The tracks, rungs best first, then the audio if the source has any. */
struct tc_plan {
	size_t n;
	struct tc_track track[TC_MAX_OUTPUTS + 1];
};

/* One HLS file, complete on disk. */
struct tc_segment {
	size_t track;    /* index into the plan */
	int number;      /* 0: the track's init segment; then 1, 2, ... in order */
	double duration; /* seconds (0 for an init segment) */
	long long size;  /* bytes */
	const char *path;
};

struct tc_hooks {
	/* Called once, after the checks and before the first decode (the
	 * worker sizes its CPU budget here). May be NULL. */
	void (*probed)(void *ud, const struct tc_probe *p);
	/* Called now and then with 0..100; returning false stops the work
	 * (VP_CONFLICT). May be NULL. */
	bool (*progress)(void *ud, int percent);
	/* When set, the HLS tracks are written too: planned is called once
	 * every output is open (before any segment), segment for each file
	 * as soon as it is complete; returning false stops the work
	 * (VP_CONFLICT). planned may be NULL. */
	void (*planned)(void *ud, const struct tc_plan *p);
	bool (*segment)(void *ud, const struct tc_segment *s);
	void *ud;
};

/* Transcodes in_path into files in out_dir (which must exist) within lim.
 * On VP_INVALID the source is not a playable video or is over a limit, and
 * reason holds a sentence for the user; other failures are the machine's
 * (VP_NOMEM, VP_INTERNAL). Files written before a failure are left for the
 * caller's cleanup. hooks may be NULL. */
vp_res tc_transcode(const char *in_path, const char *out_dir, const struct tc_rung *ladder,
                    size_t n_rungs, const struct tc_limits *lim, const struct tc_hooks *hooks,
                    struct tc_result *res, buf *reason);

/* The demux → decode path of tc_transcode alone, for the fuzz harness:
 * opens the source read through pb (the caller's; not closed here) with the
 * same allow-lists, checks lim, and decodes (and resamples) until max_frames
 * pictures came out or the source ends. Results as tc_transcode's. */
struct AVIOContext;
vp_res tc_decode_head(struct AVIOContext *pb, const struct tc_limits *lim, int max_frames,
                      buf *reason);

#endif
