/*
 * playback.c — playback tokens, playlists from the segment index, the
 * index's SQL and the HLS objects in storage (see playback.h).
 *
 * Sections: the token (mint, check), the answers (the URL, the `playback`
 * object, the playlists), the worker's writes to the index, and storage.
 */
#include "playback.h"

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hls.h"
#include "http.h"
#include "log.h"
#include "s3.h"

#define TOKEN_CONTEXT "vidpipe-playback-v1"
#define SIG_HEX       64
/* exp: 1 to 12 digits (Unix time before the year 33658) */
#define EXP_DIGITS_MAX 12

/* ------------------------------------------------------------------------ */
/* The token                                                                 */
/* ------------------------------------------------------------------------ */

/* The hex HMAC of (video_id, exp): SIG_HEX characters and a NUL. */
static vp_res token_sig(const struct cfg *cfg, const char *video_id, long long exp,
                        char out[SIG_HEX + 1])
{
	const char *key = cfg->playback_token_secret;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char msg[128];
	int n = snprintf(msg, sizeof(msg), TOKEN_CONTEXT "\n%s\n%lld", video_id, exp);

	if (n < 0 || (size_t)n >= sizeof(msg) ||
	    !HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, (size_t)n, md,
	          &mdlen) ||
	    mdlen != SIG_HEX / 2)
		return VP_INTERNAL;
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	OPENSSL_cleanse(md, sizeof(md));
	return VP_OK;
}

vp_res playback_token(const struct cfg *cfg, const char *video_id, long long exp, buf *out)
{
	char sig[SIG_HEX + 1];
	vp_res r;

	if (!http_is_uuid(video_id) || exp <= 0)
		return VP_INVALID;
	if ((r = token_sig(cfg, video_id, exp, sig)) != VP_OK)
		return r;
	return buf_printf(out, "%lld.%s", exp, sig);
}

vp_res playback_token_check(const struct cfg *cfg, const char *video_id, const char *token,
                            time_t now, long long *exp, bool *expired)
{
	char want[SIG_HEX + 1];
	size_t d = token ? strspn(token, "0123456789") : 0;
	long long e = 0;

	*expired = false;
	*exp = 0;
	/* the form first: digits (no sign, no leading zero), a dot, 64 hex */
	if (!http_is_uuid(video_id) || d < 1 || d > EXP_DIGITS_MAX || token[0] == '0' ||
	    token[d] != '.' || strlen(token + d + 1) != SIG_HEX ||
	    strspn(token + d + 1, "0123456789abcdef") != SIG_HEX)
		return VP_DENIED;
	for (size_t i = 0; i < d; i++)
		e = e * 10 + (token[i] - '0');
	if (token_sig(cfg, video_id, e, want) != VP_OK)
		return VP_DENIED;
	if (CRYPTO_memcmp(want, token + d + 1, SIG_HEX) != 0)
		return VP_DENIED;
	if (e <= (long long)now) {
		*expired = true;
		return VP_DENIED;
	}
	*exp = e;
	return VP_OK;
}

/* ------------------------------------------------------------------------ */
/* Answers                                                                   */
/* ------------------------------------------------------------------------ */

vp_res playback_url(const struct cfg *cfg, const char *video_id, long ttl, time_t now, buf *out)
{
	size_t n = strlen(cfg->api_url);
	vp_res r;

	while (n && cfg->api_url[n - 1] == '/')
		n--;
	if (ttl < 1)
		return VP_INVALID;
	if ((r = buf_printf(out, "%.*s/playback/%s/master.m3u8?token=", (int)n, cfg->api_url,
	                    video_id)) != VP_OK)
		return r;
	return playback_token(cfg, video_id, (long long)now + ttl, out);
}

vp_res playback_json(const struct cfg *cfg, const char *video_id, bool available, bool ready,
                     long ttl, time_t now, struct json_object **out)
{
	struct json_object *o = json_object_new_object(), *hls = NULL;
	buf url;
	vp_res r = VP_OK;

	*out = NULL;
	if (!o)
		return VP_NOMEM;
	buf_init(&url, 1024);
	if (available && (r = playback_url(cfg, video_id, ttl, now, &url)) == VP_OK &&
	    !(hls = json_object_new_string(url.data)))
		r = VP_NOMEM;
	buf_free(&url);
	if (r != VP_OK) {
		json_object_put(o);
		return r;
	}
	json_object_object_add(o, "hls", hls);
	json_object_object_add(o, "complete", json_object_new_boolean(available && ready));
	*out = o;
	return VP_OK;
}

/* The video's owner (for its object keys) and state; VP_NOT_FOUND when it
 * is gone or cannot be played. */
static vp_res video_playable(const char *video_id, char user_id[37], bool *ready)
{
	const char *p[1] = {video_id};
	PGresult *res;
	vp_res r = db_exec("SELECT v.user_id::text, v.status = 'ready', " PLAYBACK_AVAILABLE_SQL
	                   " FROM videos v WHERE v.id = $1",
	                   1, p, &res);

	if (r != VP_OK)
		return r;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 2), "t") != 0) {
		r = VP_NOT_FOUND;
	} else {
		snprintf(user_id, 37, "%s", PQgetvalue(res, 0, 0));
		*ready = !strcmp(PQgetvalue(res, 0, 1), "t");
	}
	PQclear(res);
	return r;
}

static vp_res master_playlist(const char *video_id, const char *token, bool ready, buf *out)
{
	char half[16], query[160];
	const char *p[2] = {video_id, half};
	struct hls_track t[TC_MAX_OUTPUTS + 1];
	PGresult *res;
	size_t n = 0;
	vp_res r;

	snprintf(half, sizeof(half), "%.3f", HLS_SEGMENT_SECONDS / 2.0);
	if ((r = db_exec(
	         "SELECT t.name, t.kind = 'audio', coalesce(t.width, 0), coalesce(t.height, 0), "
	         "coalesce(t.frame_rate, 0), t.bitrate, t.codecs, count(s.number), "
	         "coalesce(sum(s.duration), 0), coalesce(sum(s.size), 0), "
	         "coalesce(max(s.size * 8 / s.duration) FILTER (WHERE s.duration >= $2::float8), "
	         "0) "
	         "FROM hls_tracks t LEFT JOIN hls_segments s "
	         "ON s.video_id = t.video_id AND s.track = t.name WHERE t.video_id = $1 "
	         "GROUP BY t.name, t.kind, t.width, t.height, t.frame_rate, t.bitrate, t.codecs",
	         2, p, &res)) != VP_OK)
		return r;
	for (int i = 0; i < PQntuples(res) && n < VP_ARRAY_LEN(t); i++, n++) {
		struct hls_track *k = &t[n];

		memset(k, 0, sizeof(*k));
		snprintf(k->name, sizeof(k->name), "%s", PQgetvalue(res, i, 0));
		k->audio = !strcmp(PQgetvalue(res, i, 1), "t");
		k->width = (int)strtol(PQgetvalue(res, i, 2), NULL, 10);
		k->height = (int)strtol(PQgetvalue(res, i, 3), NULL, 10);
		k->fps = strtod(PQgetvalue(res, i, 4), NULL);
		k->bitrate = strtol(PQgetvalue(res, i, 5), NULL, 10);
		snprintf(k->codecs, sizeof(k->codecs), "%s", PQgetvalue(res, i, 6));
		k->segments = strtol(PQgetvalue(res, i, 7), NULL, 10);
		k->duration = strtod(PQgetvalue(res, i, 8), NULL);
		k->bytes = strtoll(PQgetvalue(res, i, 9), NULL, 10);
		k->peak_bps = strtod(PQgetvalue(res, i, 10), NULL);
	}
	PQclear(res);
	snprintf(query, sizeof(query), "?token=%s", token); /* checked: digits, '.', hex */
	r = hls_master(t, n, ready, query, out);
	return r == VP_INVALID ? VP_NOT_FOUND : r;
}

struct signer {
	const struct cfg *cfg;
	const char *user_id, *video_id, *track;
	long ttl;
	buf key;
};

/* hls_uri_fn: a pre-signed GET of the track's file. */
static vp_res sign_file(void *ud, int number, buf *out)
{
	struct signer *s = ud;
	vp_res r;

	buf_reset(&s->key);
	if ((r = hls_key(s->user_id, s->video_id, s->track, number, &s->key)) != VP_OK)
		return r;
	return s3_presign(s->cfg, "GET", s->cfg->s3_bucket_processed, s->key.data, "", s->ttl, out);
}

static vp_res media_playlist(const struct cfg *cfg, const char *user_id, const char *video_id,
                             const char *track, bool ready, long ttl, buf *out)
{
	const char *p[2] = {video_id, track};
	struct signer sg = {cfg, user_id, video_id, track, ttl, {0}};
	struct hls_segment *seg = NULL;
	PGresult *res = NULL;
	int n;
	vp_res r;

	if ((r = db_exec("SELECT 1 FROM hls_tracks WHERE video_id = $1 AND name = $2", 2, p,
	                 &res)) != VP_OK)
		return r;
	n = PQntuples(res);
	PQclear(res);
	if (n != 1)
		return VP_NOT_FOUND;
	if ((r = db_exec("SELECT number, duration FROM hls_segments WHERE video_id = $1 AND "
	                 "track = $2 ORDER BY number",
	                 2, p, &res)) != VP_OK)
		return r;
	n = PQntuples(res);
	if (!(seg = calloc((size_t)n + 1, sizeof(*seg)))) {
		PQclear(res);
		return VP_NOMEM;
	}
	for (int i = 0; i < n; i++) {
		seg[i].number = (int)strtol(PQgetvalue(res, i, 0), NULL, 10);
		seg[i].duration = strtod(PQgetvalue(res, i, 1), NULL);
	}
	PQclear(res);
	buf_init(&sg.key, 2048);
	r = hls_media(seg, (size_t)n, ready, sign_file, &sg, out);
	buf_free(&sg.key);
	free(seg);
	return r;
}

vp_res playback_playlist(const struct cfg *cfg, const char *video_id, const char *file,
                         const char *token, long long exp, time_t now, buf *out)
{
	char user_id[37], track[16];
	size_t n = strlen(file);
	bool ready = false;
	vp_res r;

	if (n < 6 || n - 5 >= sizeof(track) || strcmp(file + n - 5, ".m3u8") != 0)
		return VP_NOT_FOUND;
	memcpy(track, file, n - 5);
	track[n - 5] = '\0';
	if (strcmp(track, "master") != 0 && !hls_track_name_ok(track))
		return VP_NOT_FOUND;
	if ((r = video_playable(video_id, user_id, &ready)) != VP_OK)
		return r;
	if (!strcmp(track, "master"))
		return master_playlist(video_id, token, ready, out);
	/* the segments' URLs expire with the token (X-Amz-Expires: 7 days at most) */
	return media_playlist(cfg, user_id, video_id, track, ready,
	                      exp - now > 604800 ? 604800 : (long)(exp - now), out);
}

/* ------------------------------------------------------------------------ */
/* The worker's writes                                                       */
/* ------------------------------------------------------------------------ */

vp_res playback_index_plan(const char *video_id, const struct tc_plan *p)
{
	vp_res r = VP_OK;

	for (size_t i = 0; i < p->n && r == VP_OK; i++) {
		const struct tc_track *k = &p->track[i];
		char w[16], h[16], fps[32], br[24];
		const char *v[8] = {video_id,
		                    k->name,
		                    k->audio ? "audio" : "video",
		                    k->audio ? NULL : w,
		                    k->audio ? NULL : h,
		                    k->audio ? NULL : fps,
		                    br,
		                    k->codecs};

		snprintf(w, sizeof(w), "%d", k->width);
		snprintf(h, sizeof(h), "%d", k->height);
		snprintf(fps, sizeof(fps), "%.3f", k->fps);
		snprintf(br, sizeof(br), "%ld", k->bitrate);
		r = db_exec(
		    "INSERT INTO hls_tracks (video_id, name, kind, width, height, frame_rate, "
		    "bitrate, codecs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
		    "ON CONFLICT (video_id, name) DO UPDATE SET kind = EXCLUDED.kind, "
		    "width = EXCLUDED.width, height = EXCLUDED.height, "
		    "frame_rate = EXCLUDED.frame_rate, bitrate = EXCLUDED.bitrate, "
		    "codecs = EXCLUDED.codecs",
		    8, v, NULL);
	}
	return r;
}

vp_res playback_index_file(const char *video_id, const struct playback_file *f)
{
	char num[16], dur[32], size[24];
	const char *v[5] = {video_id, f->track, num, dur, size};

	snprintf(num, sizeof(num), "%d", f->number);
	snprintf(dur, sizeof(dur), "%.6f", f->duration);
	snprintf(size, sizeof(size), "%lld", f->size);
	if (f->number == 0) {
		const char *u[3] = {video_id, f->track, size};

		return db_exec(
		    "UPDATE hls_tracks SET init_size = $3 WHERE video_id = $1 AND name = $2", 3, u,
		    NULL);
	}
	return db_exec("INSERT INTO hls_segments (video_id, track, number, duration, size) "
	               "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (video_id, track, number) "
	               "DO UPDATE SET duration = EXCLUDED.duration, size = EXCLUDED.size",
	               5, v, NULL);
}

/* Postgres array literals of the files (segments, or init segments): names
 * are [0-9a-z] only, so nothing needs quoting. */
static vp_res file_arrays(const struct playback_file *f, size_t n, bool inits, buf *tracks,
                          buf *nums, buf *durs, buf *sizes)
{
	vp_res r = VP_OK;
	bool first = true;

	buf_addc(tracks, '{');
	buf_addc(nums, '{');
	buf_addc(durs, '{');
	buf_addc(sizes, '{');
	for (size_t i = 0; i < n && r == VP_OK; i++) {
		const char *sep = first ? "" : ",";

		if ((f[i].number == 0) != inits || !hls_track_name_ok(f[i].track))
			continue;
		first = false;
		if ((r = buf_printf(tracks, "%s%s", sep, f[i].track)) != VP_OK ||
		    (r = buf_printf(nums, "%s%d", sep, f[i].number)) != VP_OK ||
		    (r = buf_printf(durs, "%s%.6f", sep, f[i].duration)) != VP_OK)
			break;
		r = buf_printf(sizes, "%s%lld", sep, f[i].size);
	}
	if (r == VP_OK && (r = buf_addc(tracks, '}')) == VP_OK &&
	    (r = buf_addc(nums, '}')) == VP_OK && (r = buf_addc(durs, '}')) == VP_OK)
		r = buf_addc(sizes, '}');
	return r;
}

vp_res playback_index_replace(const char *video_id, const struct tc_plan *p,
                              const struct playback_file *f, size_t n)
{
	buf names, tracks, nums, durs, sizes;
	vp_res r;

	buf_init(&names, 1024);
	buf_init(&tracks, 32 << 20);
	buf_init(&nums, 32 << 20);
	buf_init(&durs, 32 << 20);
	buf_init(&sizes, 32 << 20);
	r = buf_addc(&names, '{');
	for (size_t i = 0; i < p->n && r == VP_OK; i++)
		r = buf_printf(&names, "%s%s", i ? "," : "", p->track[i].name);
	if (r == VP_OK)
		r = buf_addc(&names, '}');
	if (r != VP_OK || (r = playback_index_plan(video_id, p)) != VP_OK)
		goto end;
	{
		const char *v[2] = {video_id, names.data};

		/* tracks another plan had (their segments go with them) */
		if ((r = db_exec("DELETE FROM hls_tracks WHERE video_id = $1 AND "
		                 "name <> ALL ($2::text[])",
		                 2, v, NULL)) != VP_OK ||
		    (r = db_exec("DELETE FROM hls_segments WHERE video_id = $1", 1, v, NULL)) !=
		        VP_OK)
			goto end;
	}
	if ((r = file_arrays(f, n, false, &tracks, &nums, &durs, &sizes)) != VP_OK)
		goto end;
	{
		const char *v[5] = {video_id, tracks.data, nums.data, durs.data, sizes.data};

		if ((r = db_exec(
		         "INSERT INTO hls_segments (video_id, track, number, duration, size) "
		         "SELECT $1, * FROM unnest($2::text[], $3::int[], $4::float8[], "
		         "$5::bigint[])",
		         5, v, NULL)) != VP_OK)
			goto end;
	}
	buf_reset(&tracks);
	buf_reset(&nums);
	buf_reset(&durs);
	buf_reset(&sizes);
	if ((r = file_arrays(f, n, true, &tracks, &nums, &durs, &sizes)) != VP_OK)
		goto end;
	{
		const char *v[3] = {video_id, tracks.data, sizes.data};

		r = db_exec("UPDATE hls_tracks t SET init_size = u.size FROM "
		            "unnest($2::text[], $3::bigint[]) AS u(name, size) "
		            "WHERE t.video_id = $1 AND t.name = u.name",
		            3, v, NULL);
	}
end:
	buf_free(&names);
	buf_free(&tracks);
	buf_free(&nums);
	buf_free(&durs);
	buf_free(&sizes);
	return r;
}

vp_res playback_index_drop(const char *video_id)
{
	const char *v[1] = {video_id};

	return db_exec("DELETE FROM hls_tracks WHERE video_id = $1", 1, v, NULL);
}

/* ------------------------------------------------------------------------ */
/* Storage                                                                   */
/* ------------------------------------------------------------------------ */

/* Whether the key (after the prefix) is one the plan keeps. */
static bool kept(const char *rest, const struct tc_plan *p, const int *count)
{
	char track[16];
	int number;

	if (!p || !hls_key_parse(rest, track, &number))
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->track[i].name, track))
			return number <= count[i];
	return false;
}

vp_res playback_objects_keep(const struct cfg *cfg, const char *user_id, const char *video_id,
                             const struct tc_plan *p, const int *count)
{
	const char **gone = NULL;
	size_t n = 0, k = 0;
	buf prefix, keys;
	vp_res r;

	buf_init(&prefix, 1024);
	buf_init(&keys, BUF_DEFAULT_MAX);
	if ((r = hls_prefix(user_id, video_id, &prefix)) != VP_OK ||
	    (r = s3_list_keys(cfg, cfg->s3_bucket_processed, prefix.data, &keys, &n)) != VP_OK)
		goto end;
	if (n && !(gone = calloc(n, sizeof(*gone)))) {
		r = VP_NOMEM;
		goto end;
	}
	for (size_t off = 0, i = 0; i < n && off < keys.len; i++) {
		const char *key = keys.data + off;

		off += strlen(key) + 1;
		/* nothing outside the video's own prefix is ever touched */
		if (!strncmp(key, prefix.data, prefix.len) && !kept(key + prefix.len, p, count))
			gone[k++] = key;
	}
	if (k)
		r = s3_delete_objects(cfg, cfg->s3_bucket_processed, gone, k);
	if (r == VP_OK && k) {
		char left[24];

		snprintf(left, sizeof(left), "%zu", k);
		log_event(LOG_INFO, "hls_objects_removed", "video", video_id, "count", left,
		          LOG_END);
	}
end:
	free(gone);
	buf_free(&prefix);
	buf_free(&keys);
	return r;
}
