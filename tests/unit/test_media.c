/*
 * The transcoder's gate, held to what each seed file of the media fuzz
 * target is (tests/fuzz/make-media-corpus.sh made them with the ffmpeg tool:
 * the oracle is how a file was made, never our own code): every clip of a
 * supported container and codec decodes; every hostile one is refused with a
 * reason that names what was found or the limit it is over; the files that
 * crashed or failed the old worker (a layout change, timestamps going
 * backwards) transcode in full. The HLS tracks are read back the same
 * way: a clip made here with the ffmpeg tool, its segments opened with
 * libavformat and their boxes read here, never through our own writer.
 * Runs from the checkout's root, as `make unit` does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/transcode.h"

#define CORPUS "tests/fuzz/corpus/media/"

/* tc_decode_head over a file, through the file protocol: up to 100
 * pictures (the header-short file needs about 60 to show its lie) */
static vp_res head(const char *name, const struct tc_limits *lim, buf *reason)
{
	char path[512];
	AVIOContext *pb = NULL;
	vp_res r;

	snprintf(path, sizeof(path), "file:" CORPUS "%s", name);
	assert_int_equal(avio_open(&pb, path, AVIO_FLAG_READ), 0);
	r = tc_decode_head(pb, lim, 100, reason);
	avio_closep(&pb);
	return r;
}

static void every_supported_clip_decodes(void **state)
{
	DIR *d = opendir(CORPUS);
	struct dirent *e;
	struct tc_limits lim;
	int seen = 0;

	(void)state;
	assert_non_null(d);
	tc_limits_default(&lim);
	while ((e = readdir(d)) != NULL) {
		buf reason;

		if (strncmp(e->d_name, "good-", 5) != 0)
			continue;
		buf_init(&reason, 1024);
		if (head(e->d_name, &lim, &reason) != VP_OK)
			fail_msg("%s: %s", e->d_name, buf_str(&reason));
		buf_free(&reason);
		seen++;
	}
	closedir(d);
	assert_true(seen >= 9);
}

/* FFmpeg 6.1 and later (Debian 13) recognise an HLS playlist only by a
 * playlist file name, never by its bytes alone: there the worker's source
 * (named "source") is an unknown format, refused all the same. */
#if LIBAVFORMAT_VERSION_INT >= AV_VERSION_INT(60, 16, 100)
#define HLS_REASON "the file is not a video we can read (unknown format, or damaged or truncated)"
#else
#define HLS_REASON "the file is an HLS playlist (hls), which is not a supported video format"
#endif

/* FFmpeg 7 (Debian 13) takes a file's length from its track, not from the
 * patched movie header: the same files are then ordinary clips (the limits
 * on what is decoded still hold, below). */
#if LIBAVFORMAT_VERSION_MAJOR >= 61
#define HUGE_DURATION_REASON NULL
#define HEADER_SHORT_REASON  NULL
#else
#define HUGE_DURATION_REASON "the file says it lasts 1193 hours; the limit is 6 hours"
#define HEADER_SHORT_REASON  "the file holds more video than its header says (1 second)"
#endif

static const struct {
	const char *file, *reason; /* reason NULL: this FFmpeg reads it as a fine video */
} hostile[] = {
    {"hostile-hls.m3u8", HLS_REASON},
    {"hostile-dash.mpd",
     "the file is a DASH manifest (dash), which is not a supported video format"},
    {"hostile-concat.txt",
     "the file is a concat list (concat), which is not a supported video format"},
    {"hostile-audio-only.mp3",
     "the file is an MP3 audio file (mp3), which is not a supported video format"},
    {"hostile-image.png", "the file is an image (png_pipe), which is not a supported video format"},
    {"hostile-pixel-bomb.mp4",
     "the picture is 8192x8192 (67.1 megapixels); the limit is 33.2 megapixels"},
    {"hostile-pixel-bomb.ts",
     "the picture is 8192x8192 (67.1 megapixels); the limit is 33.2 megapixels"},
    {"hostile-wide-mjpeg.avi", "the picture is 30000 pixels wide; the limit is 8192"},
    {"hostile-size-change.ts", "the picture is 9000 pixels wide; the limit is 8192"},
    {"hostile-huge-duration.mp4", HUGE_DURATION_REASON},
    {"hostile-header-short.mp4", HEADER_SHORT_REASON},
    {"hostile-1000fps.mp4", "the frame rate is 1000 fps; the limit is 240 fps"},
    {"hostile-many-streams.mkv", "the file has 21 streams; the limit is 16"},
};

static void hostile_files_are_refused_with_a_reason_that_names_it(void **state)
{
	struct tc_limits lim;

	(void)state;
	tc_limits_default(&lim);
	for (size_t i = 0; i < VP_ARRAY_LEN(hostile); i++) {
		buf reason;
		vp_res r;

		buf_init(&reason, 1024);
		r = head(hostile[i].file, &lim, &reason);
		if (!hostile[i].reason
		        ? r != VP_OK
		        : r != VP_INVALID || strcmp(buf_str(&reason), hostile[i].reason) != 0)
			fail_msg("%s: %s \"%s\"", hostile[i].file, vp_res_str(r), buf_str(&reason));
		buf_free(&reason);
	}
}

static void each_limit_is_configurable_and_named(void **state)
{
	struct tc_limits lim;
	buf reason;

	(void)state;
	tc_limits_default(&lim);
	lim.max_side = 32;
	buf_init(&reason, 1024);
	assert_int_equal(head("good-h264-aac.mp4", &lim, &reason), VP_INVALID);
	assert_string_equal(buf_str(&reason), "the picture is 64 pixels wide; the limit is 32");
	buf_reset(&reason);
	tc_limits_default(&lim);
	lim.max_pixels = 64 * 48 - 1;
	assert_int_equal(head("good-h264-aac.mp4", &lim, &reason), VP_INVALID);
	assert_string_equal(buf_str(&reason),
	                    "the picture is 64x48 (0.0 megapixels); the limit is 0.0 megapixels");
	buf_reset(&reason);
	tc_limits_default(&lim);
	lim.max_fps = 5; /* the clip is 10 fps */
	assert_int_equal(head("good-h264-aac.mp4", &lim, &reason), VP_INVALID);
	assert_string_equal(buf_str(&reason), "the frame rate is 10 fps; the limit is 5 fps");
	buf_reset(&reason);
	tc_limits_default(&lim);
	lim.max_streams = 1; /* video and audio */
	assert_int_equal(head("good-h264-aac.mp4", &lim, &reason), VP_INVALID);
	assert_string_equal(buf_str(&reason), "the file has 2 streams; the limit is 1");
	buf_reset(&reason);
	tc_limits_default(&lim);
	lim.max_duration = 10; /* 40 s of pictures; the header says 1 s */
	assert_int_equal(head("hostile-header-short.mp4", &lim, &reason), VP_INVALID);
#if LIBAVFORMAT_VERSION_MAJOR >= 61
	/* FFmpeg 7 reads the stream's real length despite the patched header:
	 * the limit is named before decoding instead of while */
	assert_string_equal(buf_str(&reason),
	                    "the file says it lasts 40 seconds; the limit is 10 seconds");
#else
	assert_string_equal(buf_str(&reason), "the video runs longer than the limit of 10 seconds");
#endif
	buf_free(&reason);
}

static void limits_come_from_the_environment(void **state)
{
	struct tc_limits lim;
	buf err;

	(void)state;
	buf_init(&err, 256);
	unsetenv("MEDIA_MAX_PIXELS");
	assert_int_equal(tc_limits_load(&lim, &err), VP_OK);
	assert_int_equal(lim.max_pixels, 7680LL * 4320);
	assert_int_equal(lim.max_side, 8192);
	assert_int_equal(lim.max_fps, 240);
	assert_int_equal(lim.max_duration, 21600);
	assert_int_equal(lim.max_streams, 16);
	setenv("MEDIA_MAX_DURATION", "600", 1);
	assert_int_equal(tc_limits_load(&lim, &err), VP_OK);
	assert_int_equal(lim.max_duration, 600);
	setenv("MEDIA_MAX_FPS", "0", 1);
	assert_int_equal(tc_limits_load(&lim, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "MEDIA_MAX_FPS"));
	unsetenv("MEDIA_MAX_DURATION");
	unsetenv("MEDIA_MAX_FPS");
	buf_free(&err);
}

/* tc_transcode into a fresh folder; the decoded duration must be near
 * want (the clip was made of two 0.5 s pieces) */
static void transcode_whole(const char *name, double want)
{
	char dir[] = "/tmp/vidpipe-test-media-XXXXXX", path[512];
	struct tc_limits lim;
	struct tc_result res;
	AVFormatContext *ic = NULL;
	buf reason;
	vp_res r;

	assert_non_null(mkdtemp(dir));
	tc_limits_default(&lim);
	buf_init(&reason, 1024);
	snprintf(path, sizeof(path), CORPUS "%s", name);
	r = tc_transcode(path, dir, tc_default_ladder, VP_ARRAY_LEN(tc_default_ladder), &lim, NULL,
	                 &res, &reason);
	if (r != VP_OK)
		fail_msg("%s: %s %s", name, vp_res_str(r), buf_str(&reason));
	assert_true(res.n == 1 && res.out[0].size > 0 && res.thumbnail_size > 0);
	assert_true(res.duration > want - 0.15 && res.duration < want + 0.15);
	/* the rendition has stereo 48 kHz audio, read back with libavformat */
	assert_int_equal(avformat_open_input(&ic, res.out[0].path, NULL, NULL), 0);
	assert_true(avformat_find_stream_info(ic, NULL) >= 0);
	for (unsigned i = 0; i < ic->nb_streams; i++)
		if (ic->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
			assert_int_equal(ic->streams[i]->codecpar->ch_layout.nb_channels, 2);
			assert_int_equal(ic->streams[i]->codecpar->sample_rate, 48000);
		}
	assert_true((double)ic->duration / AV_TIME_BASE > want - 0.15);
	avformat_close_input(&ic);
	unlink(res.out[0].path);
	unlink(res.thumbnail);
	rmdir(dir);
	buf_free(&reason);
}

static void a_layout_change_midway_is_resampled(void **state)
{
	(void)state;
	transcode_whole("hostile-audio-layout-change.ts", 1.0);
}

static void timestamps_going_backwards_carry_on(void **state)
{
	(void)state;
	transcode_whole("hostile-timestamps-backwards.ts", 1.0);
}

/* What the segment hook heard. */
struct heard {
	struct tc_plan plan;
	bool planned;
	int next[TC_MAX_OUTPUTS + 1];
	double total[TC_MAX_OUTPUTS + 1];
	char path[TC_MAX_OUTPUTS + 1][8][512];
	bool bad;
};

static void heard_plan(void *ud, const struct tc_plan *p)
{
	struct heard *h = ud;

	h->plan = *p;
	h->planned = true;
}

static bool heard_segment(void *ud, const struct tc_segment *sg)
{
	struct heard *h = ud;
	struct stat st;

	/* in order, after the plan, complete on disk when told */
	if (!h->planned || sg->track >= h->plan.n || sg->number != h->next[sg->track] ||
	    sg->number >= 8 || stat(sg->path, &st) != 0 || st.st_size != sg->size ||
	    (sg->number == 0) != (sg->duration == 0)) {
		h->bad = true;
		return true;
	}
	snprintf(h->path[sg->track][sg->number], 512, "%s", sg->path);
	h->next[sg->track]++;
	h->total[sg->track] += sg->duration;
	return true;
}

/* The tfdt of the first fragment of a CMAF segment, read from its bytes. */
static long long segment_tfdt(const char *path)
{
	unsigned char b[8192];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(b, 1, sizeof(b), f) : 0;

	if (f)
		fclose(f);
	for (size_t i = 4; i + 12 <= n; i++)
		if (!memcmp(b + i, "tfdt", 4)) {
			long long v = 0;
			size_t len = b[i + 4] ? 8 : 4;

			for (size_t k = 0; k < len; k++)
				v = v << 8 | b[i + 8 + k];
			return v;
		}
	return -1;
}

/* Whether the first packet of init + segment, as libavformat reads it, is
 * a keyframe. */
static bool starts_with_keyframe(const char *init, const char *seg, const char *tmp)
{
	char cmd[2048];
	AVFormatContext *ic = NULL;
	AVPacket *pkt = av_packet_alloc();
	bool key = false;

	snprintf(cmd, sizeof(cmd), "cat '%s' '%s' > '%s'", init, seg, tmp);
	if (pkt && system(cmd) == 0 && avformat_open_input(&ic, tmp, NULL, NULL) == 0 &&
	    av_read_frame(ic, pkt) == 0)
		key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
	av_packet_free(&pkt);
	avformat_close_input(&ic);
	return key;
}

static void every_rung_is_written_as_hls_segments_cut_at_the_same_instants(void **state)
{
	char dir[] = "/tmp/vidpipe-test-hls-XXXXXX", src[600], cmd[1200], tmp[600];
	struct heard h;
	struct tc_hooks hooks = {NULL, NULL, heard_plan, heard_segment, &h};
	struct tc_limits lim;
	struct tc_result res;
	buf reason;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_non_null(mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/src.mp4", dir);
	snprintf(tmp, sizeof(tmp), "%s/one.mp4", dir);
	snprintf(cmd, sizeof(cmd),
	         "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1280x720:rate=60 -f lavfi "
	         "-i sine=sample_rate=44100 -t 4.5 -c:v libx264 -preset ultrafast -c:a aac "
	         "-shortest '%s'",
	         src);
	assert_int_equal(system(cmd), 0);
	tc_limits_default(&lim);
	buf_init(&reason, 1024);
	assert_int_equal(tc_transcode(src, dir, tc_default_ladder, VP_ARRAY_LEN(tc_default_ladder),
	                              &lim, &hooks, &res, &reason),
	                 VP_OK);
	assert_false(h.bad);
	/* the plan: the rungs best first at their frame rates, then the audio */
	assert_int_equal(h.plan.n, 4);
	assert_string_equal(h.plan.track[0].name, "720p");
	assert_true(h.plan.track[0].fps == 60 && h.plan.track[0].width == 1280);
	assert_string_equal(h.plan.track[1].name, "480p");
	assert_true(h.plan.track[1].fps == 30);
	assert_string_equal(h.plan.track[2].name, "360p");
	assert_string_equal(h.plan.track[3].name, "audio");
	assert_true(h.plan.track[3].audio);
	assert_string_equal(h.plan.track[3].codecs, "mp4a.40.2");
	for (size_t t = 0; t < 3; t++) {
		assert_int_equal(strncmp(h.plan.track[t].codecs, "avc1.64", 7), 0);
		/* init + 3 segments: 2 s, 2 s, 0.5 s, adding up to the clip */
		assert_int_equal(h.next[t], 4);
		assert_true(h.total[t] > 4.5 - 1.0 / 60 && h.total[t] < 4.5 + 1.0 / 60);
		for (int k = 1; k < 4; k++) {
			assert_true(starts_with_keyframe(h.path[t][0], h.path[t][k], tmp));
			/* the same instant in every rung: 0, 2, 4 s in 1/90000 */
			assert_int_equal(segment_tfdt(h.path[t][k]),
			                 (long long)(k - 1) * 2 * 90000);
		}
	}
	assert_true(h.next[3] >= 3);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	buf_free(&reason);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_supported_clip_decodes),
	    cmocka_unit_test(hostile_files_are_refused_with_a_reason_that_names_it),
	    cmocka_unit_test(each_limit_is_configurable_and_named),
	    cmocka_unit_test(limits_come_from_the_environment),
	    cmocka_unit_test(a_layout_change_midway_is_resampled),
	    cmocka_unit_test(timestamps_going_backwards_carry_on),
	    cmocka_unit_test(every_rung_is_written_as_hls_segments_cut_at_the_same_instants),
	};

	av_log_set_level(AV_LOG_QUIET);
	return cmocka_run_group_tests_name("media", tests, NULL, NULL);
}
