/*
 * transcode.c — check, decode once, encode every rung (see transcode.h).
 *
 * Shape of the work, as FFmpeg's doc/examples/transcode.c but with one
 * decoder fanning out and a gate in front:
 *
 *   open_source    probe the bytes, refuse a demuxer off the allow-list by
 *                  name, open with nested opens refused and only allowed
 *                  decoders, check the stream count and the picture size the
 *                  headers state before find_stream_info decodes anything
 *   pick_streams   the best video stream (its decoder allowed), its frame
 *                  rate and duration against the limits; the budget of
 *                  timeline and frames the decoding may use
 *   decode loop    read a packet → decode → for a video frame, check it
 *                  against the limits, put its timestamp on a timeline that
 *                  only moves forward, rotate if the stream says so, maybe
 *                  take the thumbnail, then for each rung drop the frame if
 *                  the rung's frame-rate cap says so, scale, encode, mux; for
 *                  an audio frame, (re)configure the resampler for the
 *                  frame's own layout, rate and format, resample into a FIFO
 *                  and encode 1024-sample frames once, writing each packet
 *                  into every rendition
 *   segments       (when the caller listens) every encoded packet also goes
 *                  to its HLS track: an MP4 muxer in CMAF mode per track
 *                  ("+cmaf+frag_custom"), writing into a memory buffer; a
 *                  keyframe (video) or the first AAC frame past a mark
 *                  (audio) closes the open segment: the muxer flushes its
 *                  fragment, the buffer becomes <n>.m4s, the hook hears of it
 *
 * A check that fails writes the user's reason and answers TC_EREFUSED,
 * which becomes VP_INVALID at the top; other negative AVERROR codes pass up
 * and become VP_NOMEM or VP_INTERNAL. One cleanup path frees everything.
 * tc_decode_head runs the same gate and decode loop with no encoder, for the
 * fuzz harness.
 */
#include "transcode.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/avstring.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "hls.h"
#include "log.h"

const struct tc_rung tc_default_ladder[4] = {
    {1080, 6000, 60},
    {720, 3000, 60},
    {480, 1200, 30},
    {360, 730, 30},
};

#define AUDIO_RATE    48000
#define AUDIO_BITRATE 128000
#define THUMB_WIDTH   640

/* Demuxers the product supports, by libavformat's names (av_match_list
 * also matches the combined names "mov,mp4,m4a,3gp,3g2,mj2" and
 * "matroska,webm"). Nothing that reads a list of other files. */
#define TC_FORMATS "mov,matroska,avi,mpegts"
/* Decoders: the video codecs phones, cameras and editors write into those
 * containers, and their audio. */
#define TC_VIDEO_DECODERS "h264,hevc,mpeg4,mpeg2video,mpeg1video,vp8,vp9,libdav1d,mjpeg,h263"
#define TC_AUDIO_DECODERS                                                                          \
	"aac,mp3float,mp3,mp2,mp2float,ac3,eac3,opus,vorbis,flac,alac,amrnb,amrwb,pcm_s16le,"      \
	"pcm_s16be,pcm_s24le,pcm_s24be,pcm_f32le,pcm_u8,pcm_alaw,pcm_mulaw"
#define TC_DECODERS TC_VIDEO_DECODERS "," TC_AUDIO_DECODERS

/* Audio the resampler is given at most (swresample's own cap is 64). */
#define AUDIO_MAX_CHANNELS 64
#define AUDIO_MIN_RATE     1000
#define AUDIO_MAX_RATE     384000

/* A check refused the source; the reason is written. */
#define TC_EREFUSED FFERRTAG('V', 'P', 'R', 'F')
/* tc_decode_head has decoded what it was asked for. */
#define TC_EENOUGH FFERRTAG('V', 'P', 'N', 'F')

static const char *const NOT_A_VIDEO =
    "the file is not a video we can read (unknown format, or damaged or truncated)";

void tc_limits_default(struct tc_limits *l)
{
	l->max_pixels = 7680LL * 4320;
	l->max_side = 8192;
	l->max_fps = 240;
	l->max_duration = 6 * 3600;
	l->max_streams = 16;
}

vp_res tc_limits_load(struct tc_limits *l, buf *err)
{
	long px;
	vp_res r;

	tc_limits_default(l);
	if ((r = cfg_long("MEDIA_MAX_PIXELS", (long)l->max_pixels, 64, 1L << 30, &px, err)) ||
	    (r = cfg_long("MEDIA_MAX_SIDE", l->max_side, 16, 16384, &l->max_side, err)) ||
	    (r = cfg_long("MEDIA_MAX_FPS", l->max_fps, 1, 1000, &l->max_fps, err)) ||
	    (r = cfg_long("MEDIA_MAX_DURATION", l->max_duration, 1, 7 * 86400, &l->max_duration,
	                  err)) ||
	    (r = cfg_long("MEDIA_MAX_STREAMS", l->max_streams, 1, 1000, &l->max_streams, err)))
		return r;
	l->max_pixels = px;
	return VP_OK;
}

/* One HLS track being written: its muxer writes into a memory buffer that
 * becomes a file each time a segment closes. */
struct seg_out {
	AVFormatContext *oc;
	AVStream *st;
	size_t track;     /* index in the plan */
	char dir[4096];   /* out_dir/hls/<track> */
	int number;       /* segments closed so far */
	bool open;        /* the current segment holds packets */
	int64_t start;    /* the open segment's first time, in st->time_base */
	int64_t end;      /* the latest packet end in it */
	int64_t next_cut; /* audio: the time at which the next segment starts */
	long long init_size;
	bool finished;
};

struct rend {
	AVFormatContext *oc;
	AVCodecContext *venc;
	AVStream *vst, *ast;
	struct SwsContext *sws;
	AVFrame *frame;
	double interval;  /* seconds between kept frames; 0 keeps all */
	double next;      /* the timeline second of the next frame to keep */
	long long frames; /* pictures given to the encoder */
	int64_t last_pts;
	int64_t frame_ticks; /* one frame at the output rate, in 1/90000 s */
	bool started;
	struct seg_out hls;
};

struct tc {
	const struct tc_limits *lim;
	buf *reason;
	AVIOContext *own_pb; /* opened by tc_transcode; NULL for the caller's */
	AVFormatContext *ic;
	AVCodecContext *vdec, *adec, *aenc;
	int vidx, aidx;
	AVRational vtb;
	int64_t vstart;
	int rotation; /* clockwise degrees to apply: 0, 90, 180, 270 */
	AVFrame *dec, *rot, *yuv;
	struct SwsContext *to_yuv;

	/* audio: the resampler follows the input frames' configuration */
	SwrContext *swr;
	AVFrame *aconf; /* the output side: stereo float at 48 kHz */
	bool swr_ready;
	AVChannelLayout swr_layout;
	int swr_format, swr_rate;
	AVAudioFifo *fifo;
	AVFrame *aframe;
	int64_t apts;       /* samples given to the encoder */
	int64_t aresampled; /* samples out of the resampler */

	/* the timeline: seconds from the start, only ever moving forward */
	double fps, step; /* the guessed frame rate and one frame of it */
	bool discont;     /* the format has timestamp discontinuities (TS) */
	bool have_last;
	double last_sec, ts_offset, video_end;
	bool rebase_logged;

	/* the budget a source may use, from its headers and the limits */
	double header_duration; /* 0 when unknown */
	double time_budget;     /* seconds of timeline */
	double fps_budget;      /* frames per second of timeline */
	long long frames;       /* pictures decoded */
	long long max_frames;   /* tc_decode_head stops here; 0: never */

	struct rend r[TC_MAX_OUTPUTS];
	size_t n;
	double next_key;     /* the timeline second of the next keyframe */
	bool hls;            /* write the HLS tracks (the caller listens) */
	struct seg_out ahls; /* the audio's HLS track */
	struct tc_plan plan;
	AVPacket *spkt; /* a packet's second reference, for its segment */
	double thumb_at;
	bool thumb_done;
	const char *thumb_path;
	const struct tc_hooks *hooks;
	int last_pct;
	AVPacket *pkt;
};

static int even(double v)
{
	int i = (int)lround(v);

	return i < 2 ? 2 : i & ~1;
}

/* ------------------------------------------------------------------------ */
/* Reasons                                                                   */
/* ------------------------------------------------------------------------ */

static int refuse(struct tc *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes the user's reason (the first one wins) and answers TC_EREFUSED. */
static int refuse(struct tc *t, const char *fmt, ...)
{
	va_list ap;

	if (t->reason && t->reason->len == 0) {
		va_start(ap, fmt);
		buf_vprintf(t->reason, fmt, ap);
		va_end(ap);
	}
	return TC_EREFUSED;
}

/* "6 hours", "90 minutes", "1 second" */
static void say_seconds(char *out, size_t n, double s)
{
	const char *unit = "second";
	double v;

	s = s > 1e12 ? 1e12 : s;
	if (s >= 7200) {
		v = round(s / 3600);
		unit = "hour";
	} else if (s >= 120) {
		v = round(s / 60);
		unit = "minute";
	} else {
		v = round(s);
	}
	snprintf(out, n, "%.0f %s%s", v, unit, v == 1 ? "" : "s");
}

static int refuse_format(struct tc *t, const AVInputFormat *f)
{
	static const struct {
		const char *names, *what;
	} known[] = {
	    {"hls", "an HLS playlist"},    {"dash", "a DASH manifest"},
	    {"concat", "a concat list"},   {"image2,image2pipe", "an image sequence"},
	    {"mp3", "an MP3 audio file"},  {"wav,w64", "a WAV audio file"},
	    {"flac", "a FLAC audio file"}, {"ogg", "an Ogg file"},
	    {"flv", "a Flash video"},      {"mpeg,mpegvideo", "an MPEG program stream"},
	    {"gif", "a GIF image"},        {"ffmetadata", "an FFmpeg metadata file"},
	    {"tty", "a text file"},
	};
	const char *what = NULL;

	for (size_t i = 0; i < VP_ARRAY_LEN(known) && !what; i++)
		if (av_match_list(f->name, known[i].names, ',') > 0)
			what = known[i].what;
	if (!what && strstr(f->name, "_pipe"))
		what = "an image";
	if (what)
		return refuse(t, "the file is %s (%s), which is not a supported video format", what,
		              f->name);
	return refuse(
	    t, "the file is in the format \"%s\" (%s), which is not a supported video format",
	    f->long_name ? f->long_name : f->name, f->name);
}

/* The picture size against the limits (the headers' or a decoded frame's). */
static int check_picture(struct tc *t, int w, int h)
{
	if (w > t->lim->max_side)
		return refuse(t, "the picture is %d pixels wide; the limit is %ld", w,
		              t->lim->max_side);
	if (h > t->lim->max_side)
		return refuse(t, "the picture is %d pixels tall; the limit is %ld", h,
		              t->lim->max_side);
	if ((long long)w * h > t->lim->max_pixels)
		return refuse(
		    t, "the picture is %dx%d (%.1f megapixels); the limit is %.1f megapixels", w, h,
		    (double)w * h / 1e6, (double)t->lim->max_pixels / 1e6);
	return 0;
}

/* The decoded timeline against the budget from the headers and the limits. */
static int refuse_timeline(struct tc *t, const char *what)
{
	char s[64];

	if (t->header_duration > 0 && t->time_budget < (double)t->lim->max_duration) {
		say_seconds(s, sizeof(s), t->header_duration);
		return refuse(t, "the file holds more %s than its header says (%s)", what, s);
	}
	say_seconds(s, sizeof(s), (double)t->lim->max_duration);
	return refuse(t, "the %s runs longer than the limit of %s", what, s);
}

/* ------------------------------------------------------------------------ */
/* Rotation of yuv420p frames, by whole quarter turns                        */
/* ------------------------------------------------------------------------ */

static void rotate_plane(const uint8_t *src, int sl, int w, int h, uint8_t *dst, int dl, int deg)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t v = src[y * sl + x];

			if (deg == 90) /* clockwise: (x, y) → (h-1-y, x) */
				dst[x * dl + (h - 1 - y)] = v;
			else if (deg == 270)
				dst[(w - 1 - x) * dl + y] = v;
			else
				dst[(h - 1 - y) * dl + (w - 1 - x)] = v;
		}
}

static int rotate_frame(struct tc *t, const AVFrame *in, AVFrame **out)
{
	int w = in->width, h = in->height, ret;
	int ow = t->rotation == 180 ? w : h, oh = t->rotation == 180 ? h : w;

	if (!t->rot || t->rot->width != ow || t->rot->height != oh) {
		av_frame_free(&t->rot);
		if (!(t->rot = av_frame_alloc()))
			return AVERROR(ENOMEM);
		t->rot->format = AV_PIX_FMT_YUV420P;
		t->rot->width = ow;
		t->rot->height = oh;
		if ((ret = av_frame_get_buffer(t->rot, 0)) < 0)
			return ret;
	}
	if ((ret = av_frame_make_writable(t->rot)) < 0)
		return ret;
	for (int p = 0; p < 3; p++) {
		int pw = p ? (w + 1) / 2 : w, ph = p ? (h + 1) / 2 : h;

		rotate_plane(in->data[p], in->linesize[p], pw, ph, t->rot->data[p],
		             t->rot->linesize[p], t->rotation);
	}
	t->rot->pts = in->pts;
	*out = t->rot;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                    */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* HLS segments                                                              */
/* ------------------------------------------------------------------------ */

/* Moves what the track's muxer wrote since the last file into path, and
 * gives the muxer a fresh buffer. *size: the file's bytes. */
static int seg_take(struct seg_out *s, const char *path, long long *size)
{
	uint8_t *data = NULL;
	int n = avio_close_dyn_buf(s->oc->pb, &data), ret = 0;
	FILE *f;

	s->oc->pb = NULL;
	*size = n;
	if (!(f = fopen(path, "wb")) || (n > 0 && fwrite(data, 1, (size_t)n, f) != (size_t)n))
		ret = AVERROR(EIO);
	if (f && fclose(f) != 0)
		ret = AVERROR(EIO);
	av_free(data);
	return ret < 0 ? ret : avio_open_dyn_buf(&s->oc->pb);
}

/* Tells the caller a file of the track is complete. */
static int seg_report(struct tc *t, const struct seg_out *s, const char *path, double duration,
                      long long size)
{
	struct tc_segment seg = {s->track, s->number, duration, size, path};

	return t->hooks->segment(t->hooks->ud, &seg) ? 0 : AVERROR_EXIT;
}

/* Closes the open segment at until (its end, in the track's time base):
 * the muxer writes its fragment, which becomes the next numbered file. */
static int seg_close(struct tc *t, struct seg_out *s, int64_t until)
{
	char path[4200], name[HLS_NAME_MAX];
	long long size;
	int ret;

	if (!s->open)
		return 0;
	if ((ret = av_write_frame(s->oc, NULL)) < 0) /* frag_custom: flush the fragment */
		return ret;
	hls_file_name(s->number + 1, name);
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	if ((ret = seg_take(s, path, &size)) < 0)
		return ret;
	s->number++;
	s->open = false;
	return seg_report(t, s, path, (double)(until - s->start) * av_q2d(s->st->time_base), size);
}

/* One packet (times in tb, moved by offset) into the track's open segment. */
static int seg_write(struct tc *t, struct seg_out *s, const AVPacket *pkt, AVRational tb,
                     int64_t offset)
{
	int ret;

	if ((ret = av_packet_ref(t->spkt, pkt)) < 0)
		return ret;
	t->spkt->pts += offset;
	t->spkt->dts += offset;
	av_packet_rescale_ts(t->spkt, tb, s->st->time_base);
	t->spkt->stream_index = s->st->index;
	if (!s->open) {
		s->open = true;
		s->start = s->end = t->spkt->pts;
	}
	if (t->spkt->pts + t->spkt->duration > s->end)
		s->end = t->spkt->pts + t->spkt->duration;
	ret = av_write_frame(s->oc, t->spkt);
	av_packet_unref(t->spkt);
	return ret;
}

/* A rung's packet: a keyframe closes the segment before it (in decoding
 * order nothing after an IDR refers to anything before it). */
static int seg_video(struct tc *t, struct rend *r, const AVPacket *pkt)
{
	struct seg_out *s = &r->hls;
	int ret;

	if ((pkt->flags & AV_PKT_FLAG_KEY) && s->open &&
	    (ret = seg_close(t, s, av_rescale_q(pkt->pts, r->venc->time_base, s->st->time_base))) <
	        0)
		return ret;
	return seg_write(t, s, pkt, r->venc->time_base, 0);
}

/* An audio packet: the first AAC frame at or after a mark starts a new
 * segment. The encoder's priming samples come first (its pts are negative
 * by that much): the track is moved to start at 0. */
static int seg_audio(struct tc *t, const AVPacket *pkt)
{
	struct seg_out *s = &t->ahls;
	int64_t mark = av_rescale_q(HLS_SEGMENT_SECONDS, (AVRational){1, 1}, s->st->time_base);
	int64_t at =
	    av_rescale_q(pkt->pts + t->aenc->initial_padding, t->aenc->time_base, s->st->time_base);
	int ret;

	if (s->open && at >= s->next_cut && (ret = seg_close(t, s, s->end)) < 0)
		return ret;
	while (s->next_cut <= at)
		s->next_cut += mark;
	return seg_write(t, s, pkt, t->aenc->time_base, t->aenc->initial_padding);
}

/* A track's muxer: MP4 in CMAF mode, fragments cut by hand (frag_custom),
 * into a memory buffer. Its init segment (ftyp + an empty moov) is written
 * at once; seg_report tells of it later, after the plan. */
static int seg_open(struct seg_out *s, size_t track, const char *out_dir, const char *name,
                    const AVCodecContext *enc, const char *movflags)
{
	AVDictionary *opts = NULL;
	char path[4200], file[HLS_NAME_MAX];
	int ret;

	s->track = track;
	snprintf(s->dir, sizeof(s->dir), "%s/hls/%s", out_dir, name);
	if (mkdir(s->dir, 0700) != 0 && errno != EEXIST)
		return AVERROR(errno);
	if ((ret = avformat_alloc_output_context2(&s->oc, NULL, "mp4", NULL)) < 0)
		return ret;
	if (!(s->st = avformat_new_stream(s->oc, NULL)))
		return AVERROR(ENOMEM);
	if ((ret = avcodec_parameters_from_context(s->st->codecpar, enc)) < 0)
		return ret;
	s->st->time_base = enc->time_base;
	if ((ret = avio_open_dyn_buf(&s->oc->pb)) < 0)
		return ret;
	av_dict_set(&opts, "movflags", movflags, 0);
	ret = avformat_write_header(s->oc, &opts);
	av_dict_free(&opts);
	if (ret < 0)
		return ret;
	hls_file_name(0, file);
	snprintf(path, sizeof(path), "%s/%s", s->dir, file);
	return seg_take(s, path, &s->init_size);
}

/* The last segment closed, and the muxer's trailer (an index of the
 * fragments, which HLS does not use) thrown away. */
static int seg_finish(struct tc *t, struct seg_out *s)
{
	uint8_t *data = NULL;
	int ret;

	if (!s->oc || s->finished)
		return 0;
	if ((ret = seg_close(t, s, s->end)) < 0 || (ret = av_write_trailer(s->oc)) < 0)
		return ret;
	avio_close_dyn_buf(s->oc->pb, &data);
	av_free(data);
	s->oc->pb = NULL;
	s->finished = true;
	return 0;
}

static void seg_free(struct seg_out *s)
{
	uint8_t *data = NULL;

	if (!s->oc)
		return;
	if (s->oc->pb) {
		avio_close_dyn_buf(s->oc->pb, &data);
		av_free(data);
		s->oc->pb = NULL;
	}
	avformat_free_context(s->oc);
	s->oc = NULL;
}

/* RFC 6381's name of an H.264 stream, avc1.PPCCLL: profile, constraint
 * flags and level from the SPS in the encoder's extradata (Annex B start
 * codes, as libx264 writes it, or an avcC record). */
static int avc1_codecs(const AVCodecContext *enc, char *out, size_t n)
{
	const uint8_t *x = enc->extradata;
	int len = enc->extradata_size;

	if (x && len >= 4 && x[0] == 1) {
		snprintf(out, n, "avc1.%02x%02x%02x", x[1], x[2], x[3]);
		return 0;
	}
	for (int i = 0; x && i + 6 < len; i++)
		if (x[i] == 0 && x[i + 1] == 0 && x[i + 2] == 1 && (x[i + 3] & 0x1f) == 7) {
			snprintf(out, n, "avc1.%02x%02x%02x", x[i + 4], x[i + 5], x[i + 6]);
			return 0;
		}
	return AVERROR_BUG;
}

/* ------------------------------------------------------------------------ */
/* Encoded packets                                                           */
/* ------------------------------------------------------------------------ */

static int write_packets(struct tc *t, struct rend *r, AVCodecContext *enc, AVStream *st,
                         const AVFrame *f)
{
	int ret = avcodec_send_frame(enc, f);

	while (ret >= 0) {
		ret = avcodec_receive_packet(enc, t->pkt);
		if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
			return 0;
		if (ret < 0)
			return ret;
		t->pkt->duration = r->frame_ticks;
		if (t->hls && (ret = seg_video(t, r, t->pkt)) < 0) {
			av_packet_unref(t->pkt);
			return ret;
		}
		av_packet_rescale_ts(t->pkt, enc->time_base, st->time_base);
		t->pkt->stream_index = st->index;
		ret = av_interleaved_write_frame(r->oc, t->pkt);
	}
	return ret;
}

/* Audio is encoded once; every rendition gets its own reference. */
static int write_audio(struct tc *t, const AVFrame *f)
{
	int ret = avcodec_send_frame(t->aenc, f);

	while (ret >= 0) {
		ret = avcodec_receive_packet(t->aenc, t->pkt);
		if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
			return 0;
		if (ret < 0)
			return ret;
		if (t->hls && (ret = seg_audio(t, t->pkt)) < 0) {
			av_packet_unref(t->pkt);
			return ret;
		}
		for (size_t i = 0; i < t->n && ret >= 0; i++) {
			AVPacket *c = av_packet_clone(t->pkt);

			if (!c)
				return AVERROR(ENOMEM);
			av_packet_rescale_ts(c, t->aenc->time_base, t->r[i].ast->time_base);
			c->stream_index = t->r[i].ast->index;
			ret = av_interleaved_write_frame(t->r[i].oc, c);
			av_packet_free(&c);
		}
		av_packet_unref(t->pkt);
	}
	return ret;
}

static int open_rendition(struct tc *t, struct rend *r, const struct tc_output *o, int fps,
                          int max_fps)
{
	const AVCodec *x264 = avcodec_find_encoder_by_name("libx264");
	int out_fps = fps > max_fps ? max_fps : fps, ret;

	if (!x264)
		return AVERROR_ENCODER_NOT_FOUND;
	if ((ret = avformat_alloc_output_context2(&r->oc, NULL, "mp4", o->path)) < 0)
		return ret;
	if (!(r->venc = avcodec_alloc_context3(x264)) ||
	    !(r->vst = avformat_new_stream(r->oc, NULL)))
		return AVERROR(ENOMEM);
	r->venc->width = o->width;
	r->venc->height = o->height;
	r->venc->pix_fmt = AV_PIX_FMT_YUV420P;
	r->venc->time_base = (AVRational){1, 90000};
	r->venc->framerate = (AVRational){out_fps, 1};
	r->venc->bit_rate = o->bitrate;
	r->venc->rc_max_rate = o->bitrate;
	r->venc->rc_buffer_size = (int)(2 * o->bitrate);
	r->venc->sample_aspect_ratio = (AVRational){1, 1};
	if (r->oc->oformat->flags & AVFMT_GLOBALHEADER)
		r->venc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	av_opt_set(r->venc->priv_data, "profile", "high", 0);
	av_opt_set(r->venc->priv_data, "preset", "veryfast", 0);
	/* keyframes only where on_video_frame asks for them (an IDR at each
	 * segment mark), the same pictures in every rung */
	av_opt_set(r->venc->priv_data, "x264-params", "keyint=infinite:scenecut=0", 0);
	av_opt_set(r->venc->priv_data, "forced-idr", "1", 0);
	if ((ret = avcodec_open2(r->venc, x264, NULL)) < 0 ||
	    (ret = avcodec_parameters_from_context(r->vst->codecpar, r->venc)) < 0)
		return ret;
	r->vst->time_base = r->venc->time_base;
	r->vst->avg_frame_rate = r->venc->framerate;
	if (t->aenc) {
		if (!(r->ast = avformat_new_stream(r->oc, NULL)))
			return AVERROR(ENOMEM);
		if ((ret = avcodec_parameters_from_context(r->ast->codecpar, t->aenc)) < 0)
			return ret;
		r->ast->time_base = t->aenc->time_base;
	}
	if (fps > max_fps)
		r->interval = 1.0 / max_fps;
	r->frame_ticks = llrint(90000.0 / out_fps);
	if (!(r->frame = av_frame_alloc()))
		return AVERROR(ENOMEM);
	r->frame->format = AV_PIX_FMT_YUV420P;
	r->frame->width = o->width;
	r->frame->height = o->height;
	if ((ret = av_frame_get_buffer(r->frame, 0)) < 0)
		return ret;
	if ((ret = avio_open(&r->oc->pb, o->path, AVIO_FLAG_WRITE)) < 0)
		return ret;
	{
		AVDictionary *opts = NULL;

		av_dict_set(&opts, "movflags", "+faststart", 0);
		ret = avformat_write_header(r->oc, &opts);
		av_dict_free(&opts);
	}
	if (ret >= 0)
		r->started = true;
	return ret < 0 ? ret : 0;
}

static int open_audio_encoder(struct tc *t)
{
	const AVCodec *aac = avcodec_find_encoder(AV_CODEC_ID_AAC);
	AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
	int ret;

	if (!aac)
		return AVERROR_ENCODER_NOT_FOUND;
	if (!(t->aenc = avcodec_alloc_context3(aac)))
		return AVERROR(ENOMEM);
	t->aenc->sample_fmt = AV_SAMPLE_FMT_FLTP;
	t->aenc->sample_rate = AUDIO_RATE;
	t->aenc->bit_rate = AUDIO_BITRATE;
	t->aenc->time_base = (AVRational){1, AUDIO_RATE};
	t->aenc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER; /* MP4 wants it */
	if ((ret = av_channel_layout_copy(&t->aenc->ch_layout, &stereo)) < 0 ||
	    (ret = avcodec_open2(t->aenc, aac, NULL)) < 0)
		return ret;
	if (!(t->fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, 2, 4096)) ||
	    !(t->aframe = av_frame_alloc()))
		return AVERROR(ENOMEM);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Frames                                                                    */
/* ------------------------------------------------------------------------ */

static int write_thumbnail(struct tc *t, const AVFrame *f)
{
	const AVCodec *mj = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
	int tw = f->width > THUMB_WIDTH ? THUMB_WIDTH : f->width;
	int th = even((double)f->height * tw / f->width);
	AVCodecContext *enc = NULL;
	struct SwsContext *sws = NULL;
	AVFrame *j = NULL;
	FILE *out = NULL;
	int ret;

	tw = even(tw);
	if (!mj)
		return AVERROR_ENCODER_NOT_FOUND;
	if (!(enc = avcodec_alloc_context3(mj)) || !(j = av_frame_alloc())) {
		ret = AVERROR(ENOMEM);
		goto end;
	}
	enc->width = tw;
	enc->height = th;
	enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
	enc->time_base = (AVRational){1, 25};
	enc->flags |= AV_CODEC_FLAG_QSCALE;
	enc->global_quality = FF_QP2LAMBDA * 3;
	if ((ret = avcodec_open2(enc, mj, NULL)) < 0)
		goto end;
	j->format = enc->pix_fmt;
	j->width = tw;
	j->height = th;
	if ((ret = av_frame_get_buffer(j, 0)) < 0)
		goto end;
	sws = sws_getContext(f->width, f->height, f->format, tw, th, AV_PIX_FMT_YUVJ420P,
	                     SWS_BICUBIC, NULL, NULL, NULL);
	if (!sws || (ret = sws_scale_frame(sws, j, f)) < 0) {
		ret = ret < 0 ? ret : AVERROR(EINVAL);
		goto end;
	}
	j->pts = 0;
	if ((ret = avcodec_send_frame(enc, j)) < 0 ||
	    (ret = avcodec_receive_packet(enc, t->pkt)) < 0)
		goto end;
	out = fopen(t->thumb_path, "wb");
	if (!out || fwrite(t->pkt->data, 1, (size_t)t->pkt->size, out) != (size_t)t->pkt->size)
		ret = AVERROR(EIO);
	av_packet_unref(t->pkt);
	t->thumb_done = ret >= 0;
end:
	if (out)
		fclose(out);
	sws_freeContext(sws);
	av_frame_free(&j);
	avcodec_free_context(&enc);
	return ret;
}

/* Encodes whole 1024-sample frames from the FIFO (and the rest, at the end). */
static int drain_fifo(struct tc *t, bool final)
{
	int fs = t->aenc->frame_size ? t->aenc->frame_size : 1024, ret;

	while (av_audio_fifo_size(t->fifo) >= fs || (final && av_audio_fifo_size(t->fifo) > 0)) {
		int n = av_audio_fifo_size(t->fifo) < fs ? av_audio_fifo_size(t->fifo) : fs;

		av_frame_unref(t->aframe);
		t->aframe->nb_samples = n;
		t->aframe->format = AV_SAMPLE_FMT_FLTP;
		t->aframe->sample_rate = AUDIO_RATE;
		if ((ret = av_channel_layout_copy(&t->aframe->ch_layout, &t->aenc->ch_layout)) <
		        0 ||
		    (ret = av_frame_get_buffer(t->aframe, 0)) < 0)
			return ret;
		if (av_audio_fifo_read(t->fifo, (void **)t->aframe->data, n) < n)
			return AVERROR(EIO);
		t->aframe->pts = t->apts;
		t->apts += n;
		if ((ret = write_audio(t, t->aframe)) < 0)
			return ret;
	}
	return 0;
}

/* The stream's display matrix: FFmpeg 6.1 moved stream side data into the
 * codec parameters (and FFmpeg 7, Debian 13's, deprecates the old call). */
static const int32_t *display_matrix(const AVStream *st)
{
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
	const AVPacketSideData *sd =
	    av_packet_side_data_get(st->codecpar->coded_side_data, st->codecpar->nb_coded_side_data,
	                            AV_PKT_DATA_DISPLAYMATRIX);

	return sd ? (const int32_t *)sd->data : NULL;
#else
	return (const int32_t *)av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
#endif
}

static int stream_rotation(AVStream *st)
{
	const int32_t *m = display_matrix(st);
	double theta;

	if (!m)
		return 0;
	theta = -av_display_rotation_get(m); /* as ffmpeg's autorotate reads it */
	theta -= 360 * floor(theta / 360 + 0.9 / 360);
	if (fabs(theta - 90) < 1)
		return 90;
	if (fabs(theta - 180) < 1)
		return 180;
	if (fabs(theta - 270) < 1)
		return 270;
	return 0;
}

static void plan_outputs(struct tc *t, const struct tc_rung *ladder, size_t n_rungs, int w, int h,
                         const char *dir, struct tc_result *res)
{
	int s = w < h ? w : h;

	for (size_t i = 0; i < n_rungs && res->n < TC_MAX_OUTPUTS; i++) {
		struct tc_output *o = &res->out[res->n];
		int side = ladder[i].short_side;

		if (side > s)
			continue; /* never upscale */
		o->width = w <= h ? side : even((double)w * side / h);
		o->height = w <= h ? even((double)h * side / w) : side;
		o->bitrate = ladder[i].kbps * 1000L;
		snprintf(o->name, sizeof(o->name), "%dp", side);
		snprintf(o->path, sizeof(o->path), "%s/%dp.mp4", dir, side);
		res->n++;
	}
	if (res->n == 0 && n_rungs > 0) {
		/* smaller than the lowest rung: one rendition at its own size */
		struct tc_output *o = &res->out[0];

		o->width = even(w);
		o->height = even(h);
		o->bitrate = ladder[n_rungs - 1].kbps * 1000L;
		snprintf(o->name, sizeof(o->name), "%dp",
		         o->width < o->height ? o->width : o->height);
		snprintf(o->path, sizeof(o->path), "%s/%dp.mp4", dir,
		         o->width < o->height ? o->width : o->height);
		res->n = 1;
	}
	t->n = res->n;
}

static int max_fps_for(const struct tc_rung *ladder, size_t n, const struct tc_output *o)
{
	int s = o->width < o->height ? o->width : o->height;

	for (size_t i = 0; i < n; i++)
		if (ladder[i].short_side == s)
			return ladder[i].max_fps;
	return ladder[n - 1].max_fps;
}

/* Puts a decoded picture on the timeline: seconds from the stream's start
 * that only move forward. A timestamp that goes backwards or repeats (files
 * cut and glued together, a broken muxer) continues one frame after the last
 * picture, as players show such frames; in formats with discontinuities
 * (MPEG-TS) a jump forward of more than 10 s does too, as the ffmpeg tool's
 * dts_delta_threshold does. A picture without a timestamp is the next frame. */
static double timeline(struct tc *t, const AVFrame *f)
{
	int64_t pts = f->best_effort_timestamp;
	double sec = NAN;

	if (pts != AV_NOPTS_VALUE)
		sec = ((double)pts - (double)t->vstart) * av_q2d(t->vtb) + t->ts_offset;
	if (!isfinite(sec)) {
		sec = t->have_last ? t->last_sec + t->step : 0;
	} else if (!t->have_last) {
		sec = sec < 0 ? 0 : sec;
	} else if (sec <= t->last_sec || (t->discont && sec > t->last_sec + t->step + 10)) {
		double next = t->last_sec + t->step;

		if (!t->rebase_logged) {
			char from[32], to[32];

			snprintf(from, sizeof(from), "%.3f", sec);
			snprintf(to, sizeof(to), "%.3f", next);
			log_event(LOG_INFO, "timestamps_rebased", "from", from, "to", to, LOG_END);
			t->rebase_logged = true;
		}
		t->ts_offset += next - sec;
		sec = next;
	}
	t->have_last = true;
	t->last_sec = sec;
	return sec;
}

static void report_progress(struct tc *t, double sec, int *stop)
{
	double p = -1;
	int pct;

	*stop = 0;
	if (!t->hooks || !t->hooks->progress)
		return;
	if (t->header_duration > 0) {
		p = 100.0 * sec / t->header_duration;
	} else {
		int64_t size = avio_size(t->ic->pb), at = avio_tell(t->ic->pb);

		if (size > 0 && at >= 0)
			p = 100.0 * (double)at / (double)size;
	}
	/* in double and clamped before the conversion: a lying header must not
	 * overflow an int */
	pct = !(p >= 0) ? 0 : p > 99 ? 99 : (int)p;
	if (pct != t->last_pct) {
		t->last_pct = pct;
		if (!t->hooks->progress(t->hooks->ud, pct))
			*stop = 1;
	}
}

static int on_video_frame(struct tc *t, AVFrame *f)
{
	AVFrame *src = f;
	double sec;
	bool key;
	int ret, stop;

	if ((ret = check_picture(t, f->width, f->height)) < 0)
		return ret;
	sec = timeline(t, f);
	t->frames++;
	if (sec > t->time_budget)
		return refuse_timeline(t, "video");
	if ((double)t->frames > (sec + 1) * t->fps_budget * 2 + 300)
		return refuse(t,
		              "the file holds more frames than its duration and frame rate allow "
		              "(%lld frames in %.0f seconds)",
		              t->frames, sec);
	if (sec + t->step > t->video_end)
		t->video_end = sec + t->step;
	/* the first picture at or after each segment mark is a keyframe in
	 * every rung (a millisecond's slack for timestamps in odd bases) */
	key = sec + 0.001 >= t->next_key;
	if (key)
		t->next_key =
		    (floor((sec + 0.001) / HLS_SEGMENT_SECONDS) + 1) * HLS_SEGMENT_SECONDS;
	if (t->rotation) {
		/* rotate in yuv420p at the source size, then feed the rungs */
		if (!(t->to_yuv = sws_getCachedContext(t->to_yuv, f->width, f->height, f->format,
		                                       f->width, f->height, AV_PIX_FMT_YUV420P,
		                                       SWS_BICUBIC, NULL, NULL, NULL)))
			return AVERROR(EINVAL);
		if (!t->yuv || t->yuv->width != f->width || t->yuv->height != f->height) {
			av_frame_free(&t->yuv);
			if (!(t->yuv = av_frame_alloc()))
				return AVERROR(ENOMEM);
			t->yuv->format = AV_PIX_FMT_YUV420P;
			t->yuv->width = f->width;
			t->yuv->height = f->height;
			if ((ret = av_frame_get_buffer(t->yuv, 0)) < 0)
				return ret;
		}
		if ((ret = av_frame_make_writable(t->yuv)) < 0 ||
		    (ret = sws_scale_frame(t->to_yuv, t->yuv, f)) < 0 ||
		    (ret = rotate_frame(t, t->yuv, &src)) < 0)
			return ret;
	}
	if (t->thumb_path && !t->thumb_done && sec >= t->thumb_at &&
	    (ret = write_thumbnail(t, src)) < 0)
		return ret;
	for (size_t i = 0; i < t->n; i++) {
		struct rend *r = &t->r[i];
		int64_t pts;

		if (r->interval > 0) {
			/* over the rung's frame-rate cap; a keyframe is always kept */
			if (!key && sec + 0.001 < r->next)
				continue;
			r->next += r->interval;
			if (r->next <= sec || key)
				r->next = sec + r->interval;
		}
		if (!(r->sws = sws_getCachedContext(
		          r->sws, src->width, src->height, src->format, r->venc->width,
		          r->venc->height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL, NULL, NULL)))
			return AVERROR(EINVAL);
		if ((ret = av_frame_make_writable(r->frame)) < 0 ||
		    (ret = sws_scale_frame(r->sws, r->frame, src)) < 0)
			return ret;
		r->frame->pict_type = key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
		/* the encoder's clock (1/90000) must strictly increase even when
		 * two pictures are closer than one of its ticks */
		pts = llrint(sec * 90000);
		if (r->frames && pts <= r->last_pts)
			pts = r->last_pts + 1;
		r->frame->pts = r->last_pts = pts;
		r->frames++;
		if ((ret = write_packets(t, r, r->venc, r->vst, r->frame)) < 0)
			return ret;
	}
	report_progress(t, sec, &stop);
	if (stop)
		return AVERROR_EXIT;
	if (t->max_frames && t->frames >= t->max_frames)
		return TC_EENOUGH;
	return 0;
}

/* A frame swresample can take, or a refusal; an unspecified channel order
 * becomes the default layout for its channel count. */
static int audio_frame_ok(struct tc *t, AVFrame *f)
{
	int ch = f->ch_layout.nb_channels;

	if (ch < 1 || ch > AUDIO_MAX_CHANNELS || f->sample_rate < AUDIO_MIN_RATE ||
	    f->sample_rate > AUDIO_MAX_RATE || f->nb_samples < 0)
		return refuse(
		    t,
		    "the audio changes to a form that cannot be converted (%d channels at %d Hz)",
		    ch, f->sample_rate);
	if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
		av_channel_layout_uninit(&f->ch_layout);
		av_channel_layout_default(&f->ch_layout, ch);
	}
	return 0;
}

/* Resampled samples: counted against the budget, then queued for the
 * encoder (tc_decode_head has none and drops them). */
static int take_samples(struct tc *t, AVFrame *out)
{
	t->aresampled += out->nb_samples;
	if ((double)t->aresampled / AUDIO_RATE > t->time_budget + 5)
		return refuse_timeline(t, "audio");
	if (!t->fifo)
		return 0;
	if (av_audio_fifo_write(t->fifo, (void **)out->extended_data, out->nb_samples) <
	    out->nb_samples)
		return AVERROR(ENOMEM);
	return drain_fifo(t, false);
}

/* Resamples f (NULL: what the resampler still holds) to stereo float at
 * 48 kHz. The resampler is configured from the frame itself and set up
 * again, after draining, whenever the layout, rate or sample format changes
 * midway (a resampler kept on its first layout reads planes a mono frame
 * does not have). */
static int resample(struct tc *t, AVFrame *f)
{
	AVFrame *out;
	int ret;

	if (f) {
		if ((ret = audio_frame_ok(t, f)) < 0)
			return ret;
		if (t->swr_ready &&
		    (f->format != t->swr_format || f->sample_rate != t->swr_rate ||
		     av_channel_layout_compare(&f->ch_layout, &t->swr_layout) != 0)) {
			if ((ret = resample(t, NULL)) < 0)
				return ret;
			t->swr_ready = false;
		}
		if (!t->swr_ready) {
			av_channel_layout_uninit(&t->swr_layout);
			if ((ret = av_channel_layout_copy(&t->swr_layout, &f->ch_layout)) < 0)
				return ret;
			if ((ret = swr_config_frame(t->swr, t->aconf, f)) < 0 ||
			    (ret = swr_init(t->swr)) < 0)
				return ret == AVERROR(ENOMEM)
				           ? ret
				           : refuse(t, "the audio could not be converted");
			t->swr_format = f->format;
			t->swr_rate = f->sample_rate;
			t->swr_ready = true;
		}
	} else if (!t->swr_ready) {
		return 0;
	}
	if (!(out = av_frame_alloc()))
		return AVERROR(ENOMEM);
	out->format = AV_SAMPLE_FMT_FLTP;
	out->sample_rate = AUDIO_RATE;
	if ((ret = av_channel_layout_copy(&out->ch_layout, &t->aconf->ch_layout)) >= 0 &&
	    (ret = swr_convert_frame(t->swr, out, f)) >= 0 && out->nb_samples > 0)
		ret = take_samples(t, out);
	av_frame_free(&out);
	return ret;
}

/* A decoder's error is the file's (bad media), but for memory and for one
 * damaged packet, which the caller skips as players do. */
static int decoder_error(struct tc *t, int err, bool video)
{
	if (err == AVERROR(ENOMEM) || err == AVERROR_INVALIDDATA || err == TC_EREFUSED ||
	    err == TC_EENOUGH || err == AVERROR_EXIT)
		return err;
	if (video && t->vdec && check_picture(t, t->vdec->width, t->vdec->height) < 0)
		return TC_EREFUSED;
	return refuse(t,
	              video ? "the video could not be decoded" : "the audio could not be decoded");
}

static int decode(struct tc *t, AVCodecContext *dec, const AVPacket *pkt, bool video)
{
	int ret = avcodec_send_packet(dec, pkt);

	if (ret < 0 && ret != AVERROR_EOF)
		return decoder_error(t, ret, video);
	for (;;) {
		ret = avcodec_receive_frame(dec, t->dec);
		if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
			return 0;
		if (ret < 0)
			return decoder_error(t, ret, video);
		ret = video ? on_video_frame(t, t->dec) : resample(t, t->dec);
		av_frame_unref(t->dec);
		if (ret < 0)
			return ret;
	}
}

static int check_streams(struct tc *t)
{
	if (t->ic->nb_streams > (unsigned)t->lim->max_streams)
		return refuse(t, "the file has %u streams; the limit is %ld", t->ic->nb_streams,
		              t->lim->max_streams);
	return 0;
}

/* Reads every packet of the chosen streams, decodes it and hands on what
 * comes out; then drains the decoders and the resampler. */
static int decode_all(struct tc *t)
{
	int ret;

	while ((ret = av_read_frame(t->ic, t->pkt)) >= 0) {
		if ((ret = check_streams(t)) < 0) {
			av_packet_unref(t->pkt);
			return ret;
		}
		if (t->pkt->stream_index == t->vidx)
			ret = decode(t, t->vdec, t->pkt, true);
		else if (t->pkt->stream_index == t->aidx)
			ret = decode(t, t->adec, t->pkt, false);
		av_packet_unref(t->pkt);
		if (ret == AVERROR_INVALIDDATA)
			continue; /* one damaged packet: carry on, as players do */
		if (ret < 0)
			return ret;
	}
	if (ret != AVERROR_EOF)
		return ret == AVERROR(ENOMEM) || ret == AVERROR_EXIT
		           ? ret
		           : refuse(t, "the file is damaged or truncated");
	if ((ret = decode(t, t->vdec, NULL, true)) < 0 && ret != AVERROR_INVALIDDATA)
		return ret;
	if (t->adec && (ret = decode(t, t->adec, NULL, false)) < 0 && ret != AVERROR_INVALIDDATA)
		return ret;
	return resample(t, NULL);
}

/* ------------------------------------------------------------------------ */
/* The gate: what the source is, and whether it is within the limits         */
/* ------------------------------------------------------------------------ */

/* No demuxer may open anything but the source it was given: no playlist
 * segment, manifest fragment, MOV reference or concat entry. */
static int refuse_io_open(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                          AVDictionary **options)
{
	(void)s;
	(void)url;
	(void)flags;
	(void)options;
	*pb = NULL;
	return AVERROR(EPERM);
}

/* Picture sizes the headers state, before anything is decoded. */
static int check_stated_pictures(struct tc *t)
{
	int ret;

	for (unsigned i = 0; i < t->ic->nb_streams; i++) {
		const AVCodecParameters *p = t->ic->streams[i]->codecpar;

		if (p->codec_type == AVMEDIA_TYPE_VIDEO &&
		    (ret = check_picture(t, p->width, p->height)) < 0)
			return ret;
	}
	return 0;
}

/* find_stream_info decodes a few frames of every stream: with the pixel
 * limit on each decoder, a bomb's first frame is refused, not allocated. */
static int find_stream_info(struct tc *t)
{
	unsigned n = t->ic->nb_streams;
	AVDictionary **so = av_calloc(n ? n : 1, sizeof(*so));
	char px[32];
	int ret;

	if (!so)
		return AVERROR(ENOMEM);
	snprintf(px, sizeof(px), "%lld", t->lim->max_pixels);
	for (unsigned i = 0; i < n; i++) {
		av_dict_set(&so[i], "max_pixels", px, 0);
		av_dict_set(&so[i], "threads", "1", 0);
	}
	ret = avformat_find_stream_info(t->ic, so);
	for (unsigned i = 0; i < n; i++)
		av_dict_free(&so[i]);
	av_free(so);
	return ret;
}

/* Probes what the bytes are and opens them only if that is on the
 * allow-list; checks the stream count and the stated picture sizes before
 * and after find_stream_info. */
static int open_source(struct tc *t, AVIOContext *pb)
{
	const AVInputFormat *fmt = NULL;
	AVDictionary *opts = NULL;
	int ret;

	ret = av_probe_input_buffer2(pb, &fmt, "", NULL, 0, 0);
	if (ret < 0 || !fmt)
		return ret == AVERROR(ENOMEM) ? ret : refuse(t, "%s", NOT_A_VIDEO);
	if (av_match_list(fmt->name, TC_FORMATS, ',') <= 0)
		return refuse_format(t, fmt);
	if (!(t->ic = avformat_alloc_context()))
		return AVERROR(ENOMEM);
	t->ic->pb = pb;
	t->ic->flags |= AVFMT_FLAG_CUSTOM_IO;
	t->ic->io_open = refuse_io_open;
	/* FFmpeg's own cap; our limit is checked below, where it can be named */
	t->ic->max_streams = 1000;
	av_dict_set(&opts, "format_whitelist", TC_FORMATS, 0);
	av_dict_set(&opts, "codec_whitelist", TC_DECODERS, 0);
	av_dict_set(&opts, "protocol_whitelist", "file", 0);
	av_dict_set(&opts, "enable_drefs", "0", 0);
	ret = avformat_open_input(&t->ic, NULL, fmt, &opts); /* frees ic on failure */
	av_dict_free(&opts);
	/* memory runs short here only when a header asks for over 1000 streams */
	if (ret == AVERROR(ENOMEM))
		return refuse(t, "the file has more than 1000 streams; the limit is %ld",
		              t->lim->max_streams);
	if (ret < 0)
		return refuse(t, "%s", NOT_A_VIDEO);
	if ((ret = check_streams(t)) < 0 || (ret = check_stated_pictures(t)) < 0)
		return ret;
	if ((ret = find_stream_info(t)) < 0)
		return ret == AVERROR(ENOMEM) ? ret : refuse(t, "%s", NOT_A_VIDEO);
	if ((ret = check_streams(t)) < 0 || (ret = check_stated_pictures(t)) < 0)
		return ret;
	return 0;
}

static int open_decoder(struct tc *t, AVStream *st, const AVCodec *c, AVCodecContext **out)
{
	AVDictionary *opts = NULL;
	char px[32];
	int ret;

	if (!(*out = avcodec_alloc_context3(c)))
		return AVERROR(ENOMEM);
	if ((ret = avcodec_parameters_to_context(*out, st->codecpar)) < 0)
		return ret;
	(*out)->pkt_timebase = st->time_base;
	snprintf(px, sizeof(px), "%lld", t->lim->max_pixels);
	av_dict_set(&opts, "max_pixels", px, 0);
	av_dict_set(&opts, "codec_whitelist", TC_DECODERS, 0);
	ret = avcodec_open2(*out, c, &opts);
	av_dict_free(&opts);
	return ret;
}

static bool decoder_allowed(const AVCodec *c, const char *list)
{
	return c && av_match_list(c->name, list, ',') > 0;
}

static double rate_of(AVRational q)
{
	return q.num > 0 && q.den > 0 ? av_q2d(q) : 0;
}

/* The audio stream to keep, if any: an allowed decoder that opens, in a
 * form the resampler takes. Anything else is dropped and the picture kept. */
static void pick_audio(struct tc *t)
{
	const AVCodecParameters *p;
	const AVCodec *c;

	t->aidx = av_find_best_stream(t->ic, AVMEDIA_TYPE_AUDIO, -1, t->vidx, NULL, 0);
	if (t->aidx < 0)
		return;
	p = t->ic->streams[t->aidx]->codecpar;
	c = avcodec_find_decoder(p->codec_id);
	if (decoder_allowed(c, TC_AUDIO_DECODERS) && p->ch_layout.nb_channels >= 1 &&
	    p->ch_layout.nb_channels <= AUDIO_MAX_CHANNELS && p->sample_rate >= AUDIO_MIN_RATE &&
	    p->sample_rate <= AUDIO_MAX_RATE &&
	    open_decoder(t, t->ic->streams[t->aidx], c, &t->adec) >= 0)
		return;
	log_event(LOG_INFO, "audio_dropped", "codec", avcodec_get_name(p->codec_id), LOG_END);
	avcodec_free_context(&t->adec);
	t->aidx = -1;
}

/* The video stream (its decoder allowed and open), the audio stream, and
 * the frame rate and duration the headers state, against the limits; sets
 * the budget the decoding may use. */
static int pick_streams(struct tc *t)
{
	const AVCodec *c;
	AVStream *vs;
	double avg, rfr, stated;
	char s[64], lim[64];
	int ret;

	t->vidx = av_find_best_stream(t->ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (t->vidx < 0 || (t->ic->streams[t->vidx]->disposition & AV_DISPOSITION_ATTACHED_PIC))
		return refuse(t, "the file has no video stream");
	vs = t->ic->streams[t->vidx];
	c = avcodec_find_decoder(vs->codecpar->codec_id);
	if (!decoder_allowed(c, TC_VIDEO_DECODERS)) {
		const AVCodecDescriptor *d = avcodec_descriptor_get(vs->codecpar->codec_id);

		return refuse(t, "the video is encoded as %s (%s), which is not supported",
		              d && d->long_name ? d->long_name : "an unknown codec",
		              avcodec_get_name(vs->codecpar->codec_id));
	}
	if ((ret = open_decoder(t, vs, c, &t->vdec)) < 0 || t->vdec->width <= 0 ||
	    t->vdec->height <= 0)
		return ret == AVERROR(ENOMEM) ? ret
		                              : refuse(t, "the video's format is not supported");
	if ((ret = check_picture(t, t->vdec->width, t->vdec->height)) < 0)
		return ret;
	pick_audio(t);
	for (unsigned i = 0; i < t->ic->nb_streams; i++)
		if ((int)i != t->vidx && (int)i != t->aidx)
			t->ic->streams[i]->discard = AVDISCARD_ALL;

	t->vtb = vs->time_base;
	t->vstart = vs->start_time == AV_NOPTS_VALUE ? 0 : vs->start_time;
	t->discont = (t->ic->iformat->flags & AVFMT_TS_DISCONT) != 0;
	if (t->ic->duration > 0)
		t->header_duration = (double)t->ic->duration / AV_TIME_BASE;
	else if (vs->duration > 0)
		t->header_duration = (double)vs->duration * av_q2d(vs->time_base);
	if (t->header_duration > (double)t->lim->max_duration) {
		say_seconds(s, sizeof(s), t->header_duration);
		say_seconds(lim, sizeof(lim), (double)t->lim->max_duration);
		return refuse(t, "the file says it lasts %s; the limit is %s", s, lim);
	}
	t->time_budget =
	    t->header_duration > 0 ? t->header_duration * 1.5 + 30 : (double)t->lim->max_duration;
	if (t->time_budget > (double)t->lim->max_duration)
		t->time_budget = (double)t->lim->max_duration;

	/* the stated rate is the average where the headers have one (a variable
	 * rate's "real" base rate can be far above it) */
	avg = rate_of(vs->avg_frame_rate);
	rfr = rate_of(vs->r_frame_rate);
	stated = avg > 0 ? avg : rfr;
	if (stated > (double)t->lim->max_fps + 0.5)
		return refuse(t, "the frame rate is %.0f fps; the limit is %ld fps", stated,
		              t->lim->max_fps);
	t->fps = rate_of(av_guess_frame_rate(t->ic, vs, NULL));
	t->fps = t->fps >= 1 ? t->fps : stated >= 1 ? stated : 30;
	t->fps = t->fps > (double)t->lim->max_fps ? (double)t->lim->max_fps : t->fps;
	t->step = 1.0 / t->fps;
	t->fps_budget = fmax(fmax(avg, rfr), t->fps);
	t->fps_budget =
	    t->fps_budget > (double)t->lim->max_fps ? (double)t->lim->max_fps : t->fps_budget;
	t->rotation = stream_rotation(vs);
	if (t->aidx >= 0) {
		AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;

		if (!(t->swr = swr_alloc()) || !(t->aconf = av_frame_alloc()))
			return AVERROR(ENOMEM);
		t->aconf->format = AV_SAMPLE_FMT_FLTP;
		t->aconf->sample_rate = AUDIO_RATE;
		if ((ret = av_channel_layout_copy(&t->aconf->ch_layout, &stereo)) < 0)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The whole job                                                             */
/* ------------------------------------------------------------------------ */

static void tc_init(struct tc *t, const struct tc_limits *lim, const struct tc_hooks *hooks,
                    buf *reason)
{
	memset(t, 0, sizeof(*t));
	t->lim = lim;
	t->hooks = hooks;
	t->reason = reason;
	t->last_pct = -1;
	t->vidx = t->aidx = -1;
}

static void tc_free(struct tc *t)
{
	for (size_t i = 0; i < TC_MAX_OUTPUTS; i++) {
		struct rend *rd = &t->r[i];

		if (rd->oc) {
			if (rd->started)
				av_write_trailer(rd->oc);
			avio_closep(&rd->oc->pb);
			avformat_free_context(rd->oc);
		}
		avcodec_free_context(&rd->venc);
		sws_freeContext(rd->sws);
		av_frame_free(&rd->frame);
		seg_free(&rd->hls);
	}
	seg_free(&t->ahls);
	av_packet_free(&t->spkt);
	avcodec_free_context(&t->vdec);
	avcodec_free_context(&t->adec);
	avcodec_free_context(&t->aenc);
	avformat_close_input(&t->ic); /* custom I/O: the pb is not closed */
	avio_closep(&t->own_pb);
	sws_freeContext(t->to_yuv);
	swr_free(&t->swr);
	av_channel_layout_uninit(&t->swr_layout);
	av_frame_free(&t->aconf);
	if (t->fifo)
		av_audio_fifo_free(t->fifo);
	av_frame_free(&t->aframe);
	av_frame_free(&t->dec);
	av_frame_free(&t->rot);
	av_frame_free(&t->yuv);
	av_packet_free(&t->pkt);
}

/* An AVERROR (or a refusal) as the one result type; the machine's errors
 * are logged here, once. */
static vp_res tc_outcome(int ret)
{
	char e[AV_ERROR_MAX_STRING_SIZE];

	if (ret >= 0)
		return VP_OK;
	if (ret == TC_EREFUSED)
		return VP_INVALID;
	if (ret == AVERROR_EXIT)
		return VP_CONFLICT;
	av_strerror(ret, e, sizeof(e));
	log_event(LOG_ERROR, "transcode", "error", e, LOG_END);
	return ret == AVERROR(ENOMEM) ? VP_NOMEM : VP_INTERNAL;
}

/* The renditions' files completed: encoders drained, trailers written. */
static int finish_outputs(struct tc *t, struct tc_result *res)
{
	int ret;

	if (t->aenc && ((ret = drain_fifo(t, true)) < 0 || (ret = write_audio(t, NULL)) < 0))
		return ret;
	for (size_t i = 0; i < t->n; i++) {
		struct stat st;

		if ((ret = write_packets(t, &t->r[i], t->r[i].venc, t->r[i].vst, NULL)) < 0 ||
		    (ret = av_write_trailer(t->r[i].oc)) < 0)
			return ret;
		t->r[i].started = false;
		if (stat(res->out[i].path, &st) == 0)
			res->out[i].size = (long long)st.st_size;
		if (t->hls && (ret = seg_finish(t, &t->r[i].hls)) < 0)
			return ret;
	}
	if (t->hls && t->aenc && (ret = seg_finish(t, &t->ahls)) < 0)
		return ret;
	return 0;
}

/* The HLS tracks: every rung's video (its muxer shares the encoder), then
 * the audio; the plan is told, then each track's init segment. */
static int open_segments(struct tc *t, const struct tc_result *res, const char *out_dir)
{
	char dir[4200];
	int ret;

	snprintf(dir, sizeof(dir), "%s/hls", out_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return AVERROR(errno);
	memset(&t->plan, 0, sizeof(t->plan));
	for (size_t i = 0; i < t->n; i++) {
		struct tc_track *k = &t->plan.track[i];
		const AVCodecContext *e = t->r[i].venc;

		if ((ret = seg_open(&t->r[i].hls, i, out_dir, res->out[i].name, e,
		                    "+cmaf+frag_custom+negative_cts_offsets")) < 0 ||
		    (ret = avc1_codecs(e, k->codecs, sizeof(k->codecs))) < 0)
			return ret;
		snprintf(k->name, sizeof(k->name), "%s", res->out[i].name);
		k->width = e->width;
		k->height = e->height;
		k->fps = av_q2d(e->framerate);
		k->bitrate = res->out[i].bitrate;
	}
	t->plan.n = t->n;
	if (t->aenc) {
		struct tc_track *k = &t->plan.track[t->n];

		if ((ret = seg_open(&t->ahls, t->n, out_dir, HLS_AUDIO_TRACK, t->aenc,
		                    "+cmaf+frag_custom")) < 0)
			return ret;
		t->ahls.next_cut =
		    av_rescale_q(HLS_SEGMENT_SECONDS, (AVRational){1, 1}, t->ahls.st->time_base);
		snprintf(k->name, sizeof(k->name), "%s", HLS_AUDIO_TRACK);
		k->audio = true;
		k->bitrate = AUDIO_BITRATE;
		snprintf(k->codecs, sizeof(k->codecs), "mp4a.40.2"); /* AAC-LC */
		t->plan.n++;
	}
	if (t->hooks->planned)
		t->hooks->planned(t->hooks->ud, &t->plan);
	for (size_t i = 0; i <= t->n; i++) {
		struct seg_out *s = i < t->n ? &t->r[i].hls : &t->ahls;
		char path[4200], file[HLS_NAME_MAX];

		if (!s->oc)
			continue;
		hls_file_name(0, file);
		snprintf(path, sizeof(path), "%s/%s", s->dir, file);
		if ((ret = seg_report(t, s, path, 0, s->init_size)) < 0)
			return ret;
	}
	return 0;
}

vp_res tc_transcode(const char *in_path, const char *out_dir, const struct tc_rung *ladder,
                    size_t n_rungs, const struct tc_limits *lim, const struct tc_hooks *hooks,
                    struct tc_result *res, buf *reason)
{
	struct tc t;
	AVDictionary *o = NULL;
	struct stat st;
	buf url;
	int ret, w, h, fps;

	tc_init(&t, lim, hooks, reason);
	memset(res, 0, sizeof(*res));
	buf_init(&url, 8192);
	snprintf(res->thumbnail, sizeof(res->thumbnail), "%s/thumb.jpg", out_dir);
	t.thumb_path = res->thumbnail;
	t.hls = hooks && hooks->segment;
	if (!(t.pkt = av_packet_alloc()) || !(t.spkt = av_packet_alloc()) ||
	    !(t.dec = av_frame_alloc()) || buf_printf(&url, "file:%s", in_path) != VP_OK) {
		ret = AVERROR(ENOMEM);
		goto end;
	}
	/* our own copy of the source, through the file protocol only */
	av_dict_set(&o, "protocol_whitelist", "file", 0);
	ret = avio_open2(&t.own_pb, buf_str(&url), AVIO_FLAG_READ, NULL, &o);
	av_dict_free(&o);
	if (ret < 0 || (ret = open_source(&t, t.own_pb)) < 0 || (ret = pick_streams(&t)) < 0)
		goto end;
	if (hooks && hooks->probed) {
		struct tc_probe p = {t.header_duration, t.vdec->width, t.vdec->height, t.fps};

		hooks->probed(hooks->ud, &p);
	}
	t.thumb_at = t.header_duration * 0.10;
	w = t.rotation % 180 ? t.vdec->height : t.vdec->width;
	h = t.rotation % 180 ? t.vdec->width : t.vdec->height;
	fps = (int)lround(t.fps);
	res->width = w;
	res->height = h;
	snprintf(res->video_codec, sizeof(res->video_codec), "%s",
	         avcodec_get_name(t.ic->streams[t.vidx]->codecpar->codec_id));
	if (t.aidx >= 0) {
		snprintf(res->audio_codec, sizeof(res->audio_codec), "%s",
		         avcodec_get_name(t.ic->streams[t.aidx]->codecpar->codec_id));
		if ((ret = open_audio_encoder(&t)) < 0)
			goto end;
	}
	plan_outputs(&t, ladder, n_rungs, w, h, out_dir, res);
	for (size_t i = 0; i < t.n; i++)
		if ((ret = open_rendition(&t, &t.r[i], &res->out[i], fps,
		                          max_fps_for(ladder, n_rungs, &res->out[i]))) < 0)
			goto end;
	if (t.hls && (ret = open_segments(&t, res, out_dir)) < 0)
		goto end;
	if ((ret = decode_all(&t)) < 0)
		goto end;
	if (t.frames == 0 || t.n == 0 || t.r[0].frames == 0) {
		ret = refuse(&t, "no picture could be decoded from the file");
		goto end;
	}
	if ((ret = finish_outputs(&t, res)) < 0)
		goto end;
	if (!t.thumb_done && t.r[0].frame && (ret = write_thumbnail(&t, t.r[0].frame)) < 0)
		goto end;
	if (stat(res->thumbnail, &st) == 0)
		res->thumbnail_size = (long long)st.st_size;
	/* what was decoded, not what the header says */
	res->duration = fmax(t.video_end, (double)t.aresampled / AUDIO_RATE);
	if (res->duration <= 0)
		res->duration = t.header_duration;
	if (hooks && hooks->progress)
		hooks->progress(hooks->ud, 100);
end:
	tc_free(&t);
	buf_free(&url);
	return tc_outcome(ret);
}

vp_res tc_decode_head(struct AVIOContext *pb, const struct tc_limits *lim, int max_frames,
                      buf *reason)
{
	struct tc t;
	int ret;

	tc_init(&t, lim, NULL, reason);
	t.max_frames = max_frames > 0 ? max_frames : 1;
	if (!(t.pkt = av_packet_alloc()) || !(t.dec = av_frame_alloc())) {
		ret = AVERROR(ENOMEM);
		goto end;
	}
	if ((ret = open_source(&t, pb)) < 0 || (ret = pick_streams(&t)) < 0)
		goto end;
	ret = decode_all(&t);
	if (ret == TC_EENOUGH)
		ret = 0;
	if (ret == 0 && t.frames == 0)
		ret = refuse(&t, "no picture could be decoded from the file");
end:
	tc_free(&t);
	return tc_outcome(ret);
}
