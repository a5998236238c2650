/*
 * transcode.c — decode once, encode every rung (see transcode.h).
 *
 * Shape of the work, as FFmpeg's doc/examples/transcode.c but with one
 * decoder fanning out: read a packet → decode → for a video frame, rotate
 * if the stream says so, maybe take the thumbnail, then for each rung drop
 * the frame if the rung's frame-rate cap says so, scale, encode, mux; for an
 * audio frame, resample into a FIFO and encode 1024-sample frames once,
 * writing each packet into every rendition. Negative AVERROR codes pass up
 * and are turned into a vp_res with a reason at the top; one cleanup path
 * frees everything.
 */
#include "transcode.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

const struct tc_rung tc_default_ladder[4] = {
    {1080, 6000, 60},
    {720, 3000, 60},
    {480, 1200, 30},
    {360, 730, 30},
};

/* frames an encoder has taken: frame_number was renamed frame_num in FFmpeg
 * 6.0 and removed in 7 (Debian 13) */
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 2, 100)
#define ENCODED_FRAMES(c) ((c)->frame_num)
#else
#define ENCODED_FRAMES(c) ((c)->frame_number)
#endif

#define AUDIO_RATE    48000
#define AUDIO_BITRATE 128000
#define THUMB_WIDTH   640

struct rend {
	AVFormatContext *oc;
	AVCodecContext *venc;
	AVStream *vst, *ast;
	struct SwsContext *sws;
	AVFrame *frame;
	double interval; /* source time-base units between kept frames; 0 keeps all */
	double next;     /* the next source pts to keep */
	bool started;
};

struct tc {
	AVFormatContext *ic;
	AVCodecContext *vdec, *adec, *aenc;
	int vidx, aidx;
	AVRational vtb;
	int64_t vstart;
	int rotation; /* clockwise degrees to apply: 0, 90, 180, 270 */
	AVFrame *dec, *rot, *yuv;
	struct SwsContext *to_yuv;
	SwrContext *swr;
	AVAudioFifo *fifo;
	AVFrame *aframe;
	int64_t apts;
	struct rend r[TC_MAX_OUTPUTS];
	size_t n;
	double duration, thumb_at;
	bool thumb_done;
	const char *thumb_path;
	tc_progress_fn progress;
	void *ud;
	int last_pct;
	AVPacket *pkt;
};

static int even(double v)
{
	int i = (int)lround(v);

	return i < 2 ? 2 : i & ~1;
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
	char params[128];

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
	r->venc->gop_size = 2 * out_fps;
	r->venc->bit_rate = o->bitrate;
	r->venc->rc_max_rate = o->bitrate;
	r->venc->rc_buffer_size = (int)(2 * o->bitrate);
	r->venc->sample_aspect_ratio = (AVRational){1, 1};
	if (r->oc->oformat->flags & AVFMT_GLOBALHEADER)
		r->venc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	av_opt_set(r->venc->priv_data, "profile", "high", 0);
	av_opt_set(r->venc->priv_data, "preset", "veryfast", 0);
	/* a keyframe exactly every 2 s, none in between */
	snprintf(params, sizeof(params), "keyint=%d:min-keyint=%d:scenecut=0", 2 * out_fps,
	         2 * out_fps);
	av_opt_set(r->venc->priv_data, "x264-params", params, 0);
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
		r->interval = (double)t->vtb.den / ((double)t->vtb.num * max_fps);
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
	if ((ret = swr_alloc_set_opts2(&t->swr, &stereo, AV_SAMPLE_FMT_FLTP, AUDIO_RATE,
	                               &t->adec->ch_layout, t->adec->sample_fmt,
	                               t->adec->sample_rate, 0, NULL)) < 0 ||
	    (ret = swr_init(t->swr)) < 0)
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

static int on_video_frame(struct tc *t, AVFrame *f)
{
	int64_t pts = f->best_effort_timestamp;
	AVFrame *src = f;
	int ret;

	if (pts == AV_NOPTS_VALUE)
		pts = 0;
	pts -= t->vstart;
	if (pts < 0)
		pts = 0;
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
	if (!t->thumb_done && pts * av_q2d(t->vtb) >= t->thumb_at &&
	    (ret = write_thumbnail(t, src)) < 0)
		return ret;
	for (size_t i = 0; i < t->n; i++) {
		struct rend *r = &t->r[i];

		if (r->interval > 0) {
			if ((double)pts + 0.5 < r->next)
				continue;
			r->next += r->interval;
			if (r->next <= (double)pts)
				r->next = (double)pts + r->interval;
		}
		if (!(r->sws = sws_getCachedContext(
		          r->sws, src->width, src->height, src->format, r->venc->width,
		          r->venc->height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL, NULL, NULL)))
			return AVERROR(EINVAL);
		if ((ret = av_frame_make_writable(r->frame)) < 0 ||
		    (ret = sws_scale_frame(r->sws, r->frame, src)) < 0)
			return ret;
		r->frame->pts = av_rescale_q(pts, t->vtb, r->venc->time_base);
		if ((ret = write_packets(t, r, r->venc, r->vst, r->frame)) < 0)
			return ret;
	}
	if (t->progress && t->duration > 0) {
		int pct = (int)(100.0 * pts * av_q2d(t->vtb) / t->duration);

		pct = pct > 99 ? 99 : pct;
		if (pct != t->last_pct) {
			t->last_pct = pct;
			if (!t->progress(t->ud, pct))
				return AVERROR_EXIT;
		}
	}
	return 0;
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

static int on_audio_frame(struct tc *t, const AVFrame *f)
{
	uint8_t **samples = NULL;
	int out = swr_get_out_samples(t->swr, f ? f->nb_samples : 0), ret;

	if (out <= 0)
		return 0;
	if ((ret = av_samples_alloc_array_and_samples(&samples, NULL, 2, out, AV_SAMPLE_FMT_FLTP,
	                                              0)) < 0)
		return ret;
	ret = swr_convert(t->swr, samples, out, f ? (const uint8_t **)f->extended_data : NULL,
	                  f ? f->nb_samples : 0);
	if (ret > 0)
		ret = av_audio_fifo_write(t->fifo, (void **)samples, ret);
	av_freep(&samples[0]);
	av_freep(&samples);
	return ret < 0 ? ret : drain_fifo(t, false);
}

static int decode(struct tc *t, AVCodecContext *dec, const AVPacket *pkt, bool video)
{
	int ret = avcodec_send_packet(dec, pkt);

	if (ret < 0 && ret != AVERROR_EOF)
		return ret;
	for (;;) {
		ret = avcodec_receive_frame(dec, t->dec);
		if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
			return 0;
		if (ret < 0)
			return ret;
		ret = video ? on_video_frame(t, t->dec) : on_audio_frame(t, t->dec);
		av_frame_unref(t->dec);
		if (ret < 0)
			return ret;
	}
}

/* ------------------------------------------------------------------------ */
/* The whole job                                                             */
/* ------------------------------------------------------------------------ */

static int open_decoder(AVStream *st, AVCodecContext **out)
{
	const AVCodec *c = avcodec_find_decoder(st->codecpar->codec_id);
	int ret;

	if (!c)
		return AVERROR_DECODER_NOT_FOUND;
	if (!(*out = avcodec_alloc_context3(c)))
		return AVERROR(ENOMEM);
	if ((ret = avcodec_parameters_to_context(*out, st->codecpar)) < 0)
		return ret;
	(*out)->pkt_timebase = st->time_base;
	return avcodec_open2(*out, c, NULL);
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

vp_res tc_transcode(const char *in_path, const char *out_dir, const struct tc_rung *ladder,
                    size_t n_rungs, tc_progress_fn progress, void *ud, struct tc_result *res,
                    buf *reason)
{
	struct tc t;
	const char *why = NULL;
	AVStream *vs;
	int ret, w, h, fps, decoded_ok = 0;
	vp_res r = VP_INTERNAL;

	memset(&t, 0, sizeof(t));
	memset(res, 0, sizeof(*res));
	t.progress = progress;
	t.ud = ud;
	t.last_pct = -1;
	snprintf(res->thumbnail, sizeof(res->thumbnail), "%s/thumb.jpg", out_dir);
	t.thumb_path = res->thumbnail;
	if (!(t.pkt = av_packet_alloc()) || !(t.dec = av_frame_alloc())) {
		r = VP_NOMEM;
		goto end;
	}
	if (avformat_open_input(&t.ic, in_path, NULL, NULL) < 0 ||
	    avformat_find_stream_info(t.ic, NULL) < 0) {
		why =
		    "the file is not a video we can read (unknown format, or damaged or truncated)";
		goto invalid;
	}
	t.vidx = av_find_best_stream(t.ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (t.vidx < 0 || (t.ic->streams[t.vidx]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
		why = "the file has no video stream";
		goto invalid;
	}
	vs = t.ic->streams[t.vidx];
	if (open_decoder(vs, &t.vdec) < 0 || t.vdec->width <= 0 || t.vdec->height <= 0) {
		why = "the video's format is not supported";
		goto invalid;
	}
	t.aidx = av_find_best_stream(t.ic, AVMEDIA_TYPE_AUDIO, -1, t.vidx, NULL, 0);
	if (t.aidx >= 0 && open_decoder(t.ic->streams[t.aidx], &t.adec) < 0)
		t.aidx = -1; /* an audio track we cannot decode: keep the picture */
	t.vtb = vs->time_base;
	t.vstart = vs->start_time == AV_NOPTS_VALUE ? 0 : vs->start_time;
	t.rotation = stream_rotation(vs);
	t.duration = t.ic->duration > 0 ? (double)t.ic->duration / AV_TIME_BASE : 0;
	t.thumb_at = t.duration * 0.10;
	w = t.rotation % 180 ? t.vdec->height : t.vdec->width;
	h = t.rotation % 180 ? t.vdec->width : t.vdec->height;
	{
		AVRational fr = av_guess_frame_rate(t.ic, vs, NULL);

		fps = fr.num > 0 && fr.den > 0 ? (int)lround(av_q2d(fr)) : 30;
		fps = fps < 1 ? 1 : fps;
	}
	res->width = w;
	res->height = h;
	snprintf(res->video_codec, sizeof(res->video_codec), "%s",
	         avcodec_get_name(vs->codecpar->codec_id));
	if (t.aidx >= 0) {
		snprintf(res->audio_codec, sizeof(res->audio_codec), "%s",
		         avcodec_get_name(t.ic->streams[t.aidx]->codecpar->codec_id));
		if ((ret = open_audio_encoder(&t)) < 0)
			goto fail;
	}
	plan_outputs(&t, ladder, n_rungs, w, h, out_dir, res);
	for (size_t i = 0; i < t.n; i++)
		if ((ret = open_rendition(&t, &t.r[i], &res->out[i], fps,
		                          max_fps_for(ladder, n_rungs, &res->out[i]))) < 0)
			goto fail;

	while ((ret = av_read_frame(t.ic, t.pkt)) >= 0) {
		if (t.pkt->stream_index == t.vidx)
			ret = decode(&t, t.vdec, t.pkt, true);
		else if (t.pkt->stream_index == t.aidx)
			ret = decode(&t, t.adec, t.pkt, false);
		av_packet_unref(t.pkt);
		if (ret == AVERROR_EXIT)
			goto stopped;
		if (ret == AVERROR_INVALIDDATA) {
			ret = 0; /* one damaged packet: carry on, as players do */
			continue;
		}
		if (ret < 0)
			goto fail;
		decoded_ok = 1;
	}
	if (ret != AVERROR_EOF) {
		why = "the file is damaged or truncated";
		goto invalid;
	}
	if ((ret = decode(&t, t.vdec, NULL, true)) < 0)
		goto fail;
	if (t.adec) {
		if ((ret = decode(&t, t.adec, NULL, false)) < 0 ||
		    (ret = on_audio_frame(&t, NULL)) < 0 || (ret = drain_fifo(&t, true)) < 0 ||
		    (ret = write_audio(&t, NULL)) < 0)
			goto fail;
	}
	if (!decoded_ok || ENCODED_FRAMES(t.r[0].venc) == 0) {
		why = "no picture could be decoded from the file";
		goto invalid;
	}
	for (size_t i = 0; i < t.n; i++) {
		struct stat st;

		if ((ret = write_packets(&t, &t.r[i], t.r[i].venc, t.r[i].vst, NULL)) < 0 ||
		    (ret = av_write_trailer(t.r[i].oc)) < 0)
			goto fail;
		t.r[i].started = false;
		if (stat(res->out[i].path, &st) == 0)
			res->out[i].size = (long long)st.st_size;
	}
	if (!t.thumb_done && t.r[0].frame && (ret = write_thumbnail(&t, t.r[0].frame)) < 0)
		goto fail;
	{
		struct stat st;

		if (stat(res->thumbnail, &st) == 0)
			res->thumbnail_size = (long long)st.st_size;
	}
	if (t.duration <= 0)
		t.duration = (double)t.apts / AUDIO_RATE;
	res->duration = t.duration;
	if (progress)
		progress(ud, 100);
	r = VP_OK;
	goto end;
stopped:
	r = VP_CONFLICT;
	goto end;
invalid:
	buf_adds(reason, why);
	r = VP_INVALID;
	goto end;
fail : {
	char e[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(ret, e, sizeof(e));
	log_event(LOG_ERROR, "transcode", "error", e, LOG_END);
	if (ret == AVERROR(ENOMEM))
		r = VP_NOMEM;
	else if (ret == AVERROR_INVALIDDATA || ret == AVERROR_DECODER_NOT_FOUND) {
		buf_adds(reason, "the video could not be decoded");
		r = VP_INVALID;
	}
}
end:
	for (size_t i = 0; i < TC_MAX_OUTPUTS; i++) {
		struct rend *rd = &t.r[i];

		if (rd->oc) {
			if (rd->started)
				av_write_trailer(rd->oc);
			avio_closep(&rd->oc->pb);
			avformat_free_context(rd->oc);
		}
		avcodec_free_context(&rd->venc);
		sws_freeContext(rd->sws);
		av_frame_free(&rd->frame);
	}
	avcodec_free_context(&t.vdec);
	avcodec_free_context(&t.adec);
	avcodec_free_context(&t.aenc);
	avformat_close_input(&t.ic);
	sws_freeContext(t.to_yuv);
	swr_free(&t.swr);
	if (t.fifo)
		av_audio_fifo_free(t.fifo);
	av_frame_free(&t.aframe);
	av_frame_free(&t.dec);
	av_frame_free(&t.rot);
	av_frame_free(&t.yuv);
	av_packet_free(&t.pkt);
	return r;
}
