/*
 * hls.c — names, keys and playlist text of vidpipe's HLS (see hls.h).
 *
 * The playlists are built in the caller's buf from plain data; the only
 * judgement here is the bandwidth a variant declares (RFC 8216 4.3.4.2):
 * the peak is the highest bit rate of a whole segment (a closing fragment
 * shorter than half the target is left out: its keyframe alone would make
 * the peak), and while the video is still being made, when not every
 * segment exists yet, the declared values are estimates that never go
 * below the tracks' nominal rates.
 */
#include "hls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hls_file_name(int number, char out[HLS_NAME_MAX])
{
	if (number <= 0)
		snprintf(out, HLS_NAME_MAX, "init.mp4");
	else
		snprintf(out, HLS_NAME_MAX, "%05d.m4s", number);
}

bool hls_track_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n && !strcmp(s, HLS_AUDIO_TRACK))
		return true;
	return n >= 2 && n <= 6 && s[n - 1] == 'p' && s[0] != '0' &&
	       strspn(s, "0123456789") == n - 1;
}

bool hls_codecs_ok(const char *s)
{
	if (!s)
		return false;
	if (!strcmp(s, "mp4a.40.2"))
		return true;
	return strlen(s) == 11 && !strncmp(s, "avc1.", 5) && strspn(s + 5, "0123456789abcdef") == 6;
}

vp_res hls_prefix(const char *user_id, const char *video_id, buf *out)
{
	return buf_printf(out, "processed/%s/%s/hls/", user_id, video_id);
}

vp_res hls_key(const char *user_id, const char *video_id, const char *track, int number, buf *out)
{
	char file[HLS_NAME_MAX];
	vp_res r;

	hls_file_name(number, file);
	if ((r = hls_prefix(user_id, video_id, out)) != VP_OK)
		return r;
	return buf_printf(out, "%s/%s", track, file);
}

bool hls_key_parse(const char *rest, char track[16], int *number)
{
	const char *slash = strchr(rest, '/');
	size_t tl = slash ? (size_t)(slash - rest) : 0;
	const char *f = slash ? slash + 1 : "";
	long v = 0;

	if (!slash || tl == 0 || tl >= 16)
		return false;
	memcpy(track, rest, tl);
	track[tl] = '\0';
	if (!hls_track_name_ok(track))
		return false;
	if (!strcmp(f, "init.mp4")) {
		*number = 0;
		return true;
	}
	/* five digits or more, no sign, then ".m4s" */
	size_t d = strspn(f, "0123456789");
	if (d < 5 || d > 9 || strcmp(f + d, ".m4s") != 0)
		return false;
	for (size_t i = 0; i < d; i++)
		v = v * 10 + (f[i] - '0');
	if (v < 1)
		return false;
	*number = (int)v;
	return true;
}

/* ------------------------------------------------------------------------ */
/* Playlists                                                                 */
/* ------------------------------------------------------------------------ */

/* x rounded up, and to the nearest (x >= 0; no libm in the responders). */
static long long round_up(double x)
{
	long long i = (long long)x;

	return (double)i < x ? i + 1 : i;
}

static long round_near(double x)
{
	return (long)(x + 0.5);
}

/* What a track declares: its peak and its average, bits per second. */
static void track_rates(const struct hls_track *t, bool complete, double *peak, double *avg)
{
	*peak = t->peak_bps;
	*avg = t->duration > 0 ? (double)t->bytes * 8 / t->duration : 0;
	if ((!complete || *peak <= 0) && *peak < (double)t->bitrate)
		*peak = (double)t->bitrate;
	if (*avg <= 0)
		*avg = (double)t->bitrate;
}

static int by_bitrate(const void *a, const void *b)
{
	const struct hls_track *x = *(const struct hls_track *const *)a;
	const struct hls_track *y = *(const struct hls_track *const *)b;

	if (x->bitrate != y->bitrate)
		return x->bitrate < y->bitrate ? -1 : 1;
	return x->height < y->height ? -1 : x->height > y->height;
}

vp_res hls_master(const struct hls_track *t, size_t n, bool complete, const char *query, buf *out)
{
	const struct hls_track *audio = NULL, *video[16];
	double apeak = 0, aavg = 0;
	size_t nv = 0;
	vp_res r;

	for (size_t i = 0; i < n; i++) {
		if (t[i].audio && !audio)
			audio = &t[i];
		else if (!t[i].audio && nv < VP_ARRAY_LEN(video))
			video[nv++] = &t[i];
	}
	if (nv == 0)
		return VP_INVALID;
	qsort(video, nv, sizeof(video[0]), by_bitrate);
	if ((r = buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:%d\n#EXT-X-INDEPENDENT-SEGMENTS\n",
	                    HLS_VERSION)) != VP_OK)
		return r;
	if (audio) {
		track_rates(audio, complete, &apeak, &aavg);
		if ((r = buf_printf(out,
		                    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Audio\","
		                    "DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"%s.m3u8%s\"\n",
		                    audio->name, query)) != VP_OK)
			return r;
	}
	for (size_t i = 0; i < nv; i++) {
		const struct hls_track *v = video[i];
		double peak, avg;

		track_rates(v, complete, &peak, &avg);
		if ((r = buf_printf(
		         out,
		         "#EXT-X-STREAM-INF:BANDWIDTH=%lld,AVERAGE-BANDWIDTH=%lld,"
		         "CODECS=\"%s%s%s\",RESOLUTION=%dx%d,FRAME-RATE=%.3f%s\n%s.m3u8%s\n",
		         round_up(peak + apeak), round_up(avg + aavg), v->codecs, audio ? "," : "",
		         audio ? audio->codecs : "", v->width, v->height, v->fps,
		         audio ? ",AUDIO=\"audio\"" : "", v->name, query)) != VP_OK)
			return r;
	}
	return VP_OK;
}

vp_res hls_media(const struct hls_segment *seg, size_t n, bool complete, hls_uri_fn uri, void *ud,
                 buf *out)
{
	size_t k = 0;
	long target = HLS_SEGMENT_SECONDS;
	vp_res r;

	/* the run 1, 2, ... that is there */
	while (k < n && seg[k].number == (int)k + 1)
		k++;
	for (size_t i = 0; i < k; i++)
		if (round_near(seg[i].duration) > target)
			target = round_near(seg[i].duration);
	if ((r = buf_printf(out,
	                    "#EXTM3U\n#EXT-X-VERSION:%d\n#EXT-X-TARGETDURATION:%ld\n"
	                    "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:%s\n"
	                    "#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"",
	                    HLS_VERSION, target, complete ? "VOD" : "EVENT")) != VP_OK ||
	    (r = uri(ud, 0, out)) != VP_OK || (r = buf_adds(out, "\"\n")) != VP_OK)
		return r;
	for (size_t i = 0; i < k; i++)
		if ((r = buf_printf(out, "#EXTINF:%.6f,\n", seg[i].duration)) != VP_OK ||
		    (r = uri(ud, seg[i].number, out)) != VP_OK ||
		    (r = buf_addc(out, '\n')) != VP_OK)
			return r;
	return complete ? buf_adds(out, "#EXT-X-ENDLIST\n") : VP_OK;
}
