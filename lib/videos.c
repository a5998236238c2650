/*
 * videos.c — the videos routes' SQL and answers (see videos.h), and the
 * maintenance job's one write to a video (a dead-lettered job).
 */
#include "videos.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "http.h"
#include "log.h"
#include "playback.h"
#include "s3.h"

#define VIDEO_COLS                                                                                 \
	"v.id::text, v.title, v.status, v.progress, v.error, v.duration_seconds, v.width, "        \
	"v.height, v.size, "                                                                       \
	"to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "             \
	"to_char(v.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "             \
	"v.thumbnail_key, (extract(epoch FROM v.created_at) * "                                    \
	"1000000)::bigint, " PLAYBACK_AVAILABLE_SQL

enum {
	C_ID,
	C_TITLE,
	C_STATUS,
	C_PROGRESS,
	C_ERROR,
	C_DURATION,
	C_WIDTH,
	C_HEIGHT,
	C_SIZE,
	C_CREATED,
	C_UPDATED,
	C_THUMB,
	C_CURSOR,
	C_PLAYABLE
};

static struct json_object *col_int(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col)
	           ? NULL
	           : json_object_new_int64(strtoll(PQgetvalue(res, row, col), NULL, 10));
}

static struct json_object *col_str(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL
	                                  : json_object_new_string(PQgetvalue(res, row, col));
}

/* A playback URL, or JSON null when the video is not ready or has no key. */
static struct json_object *play_url(const struct cfg *cfg, bool ready, PGresult *res, int row,
                                    int col, vp_res *err)
{
	struct json_object *o = NULL;
	buf url;

	if (!ready || PQgetisnull(res, row, col) || *err != VP_OK)
		return NULL;
	buf_init(&url, 16384);
	*err = s3_presign(cfg, "GET", cfg->s3_bucket_processed, PQgetvalue(res, row, col), "",
	                  cfg->playback_url_ttl, &url);
	if (*err == VP_OK)
		o = json_object_new_string(url.data);
	buf_free(&url);
	return o;
}

/* Renditions of the videos in res (column 0 holds their ids), best first. */
static vp_res renditions_of(PGresult *videos, PGresult **out)
{
	buf ids;
	const char *p[1];
	vp_res r;

	buf_init(&ids, 65536);
	buf_addc(&ids, '{');
	for (int i = 0; i < PQntuples(videos); i++)
		buf_printf(&ids, "%s%s", i ? "," : "", PQgetvalue(videos, i, C_ID));
	if ((r = buf_addc(&ids, '}')) != VP_OK) {
		buf_free(&ids);
		return r;
	}
	p[0] = ids.data;
	r = db_exec("SELECT video_id::text, name, width, height, bitrate, size, object_key "
	            "FROM renditions WHERE video_id = ANY($1::uuid[]) "
	            "ORDER BY video_id, least(width, height) DESC",
	            1, p, out);
	buf_free(&ids);
	return r;
}

static struct json_object *video_json(const struct cfg *cfg, PGresult *res, int row,
                                      PGresult *rends, vp_res *err)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	const char *id = PQgetvalue(res, row, C_ID);
	bool ready = !strcmp(PQgetvalue(res, row, C_STATUS), "ready");

	if (!o || !a) {
		json_object_put(o);
		json_object_put(a);
		*err = VP_NOMEM;
		return NULL;
	}
	json_object_object_add(o, "id", col_str(res, row, C_ID));
	json_object_object_add(o, "title", col_str(res, row, C_TITLE));
	json_object_object_add(o, "status", col_str(res, row, C_STATUS));
	json_object_object_add(o, "progress", col_int(res, row, C_PROGRESS));
	json_object_object_add(o, "error", col_str(res, row, C_ERROR));
	json_object_object_add(
	    o, "duration_seconds",
	    PQgetisnull(res, row, C_DURATION)
	        ? NULL
	        : json_object_new_double(strtod(PQgetvalue(res, row, C_DURATION), NULL)));
	json_object_object_add(o, "width", col_int(res, row, C_WIDTH));
	json_object_object_add(o, "height", col_int(res, row, C_HEIGHT));
	json_object_object_add(o, "size", col_int(res, row, C_SIZE));
	json_object_object_add(o, "created_at", col_str(res, row, C_CREATED));
	json_object_object_add(o, "updated_at", col_str(res, row, C_UPDATED));
	json_object_object_add(o, "thumbnail_url", play_url(cfg, ready, res, row, C_THUMB, err));
	for (int i = 0; rends && i < PQntuples(rends); i++) {
		struct json_object *r;

		if (strcmp(PQgetvalue(rends, i, 0), id) != 0)
			continue;
		r = json_object_new_object();
		json_object_object_add(r, "name", col_str(rends, i, 1));
		json_object_object_add(r, "width", col_int(rends, i, 2));
		json_object_object_add(r, "height", col_int(rends, i, 3));
		json_object_object_add(r, "bitrate", col_int(rends, i, 4));
		json_object_object_add(r, "size", col_int(rends, i, 5));
		json_object_object_add(r, "url", play_url(cfg, ready, rends, i, 6, err));
		json_object_array_add(a, r);
	}
	json_object_object_add(o, "renditions", a);
	if (*err == VP_OK) {
		struct json_object *pb = NULL;

		*err = playback_json(cfg, id, !strcmp(PQgetvalue(res, row, C_PLAYABLE), "t"), ready,
		                     cfg->playback_url_ttl, time(NULL), &pb);
		json_object_object_add(o, "playback", pb);
	}
	if (*err != VP_OK) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Cursors name a creation time in µs since 1970 before the year 10000:
 * anything later cannot be one this API gave, and would overflow
 * Postgres's timestamp arithmetic. */
#define CURSOR_MAX_US 253402300799999999LL

/* "<digits>_<uuid>", the digits a time in range */
static bool cursor_parse(const char *c, char us[24], char id[37])
{
	const char *u = strchr(c, '_');
	size_t n = u ? (size_t)(u - c) : 0;
	long long v = 0;

	if (!u || n == 0 || n > 18 || !http_is_uuid(u + 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (c[i] < '0' || c[i] > '9')
			return false;
		v = v * 10 + (c[i] - '0'); /* 18 digits cannot overflow */
	}
	if (v > CURSOR_MAX_US)
		return false;
	memcpy(us, c, n);
	us[n] = '\0';
	memcpy(id, u + 1, 37);
	return true;
}

vp_res videos_list(const struct cfg *cfg, const char *uid, int limit, const char *cursor,
                   struct json_object **out, buf *next)
{
	char us[24], id[37], lim[16];
	const char *p[4] = {uid, NULL, NULL, lim};
	PGresult *res = NULL, *rends = NULL;
	struct json_object *a = NULL;
	int n;
	vp_res r;

	*out = NULL;
	if (cursor) {
		if (!cursor_parse(cursor, us, id))
			return VP_INVALID;
		p[1] = us;
		p[2] = id;
	}
	snprintf(lim, sizeof(lim), "%d", limit + 1); /* one more: is there a next page? */
	if ((r = db_exec(
	         "SELECT " VIDEO_COLS " FROM videos v WHERE v.user_id = $1 AND "
	         "($2::bigint IS NULL OR (v.created_at, v.id) < "
	         "('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::uuid)) "
	         "ORDER BY v.created_at DESC, v.id DESC LIMIT $4::int",
	         4, p, &res)) != VP_OK)
		return r;
	n = PQntuples(res) > limit ? limit : PQntuples(res);
	if (n > 0 && (r = renditions_of(res, &rends)) != VP_OK)
		goto end;
	if (!(a = json_object_new_array())) {
		r = VP_NOMEM;
		goto end;
	}
	for (int i = 0; i < n && r == VP_OK; i++) {
		struct json_object *v = video_json(cfg, res, i, rends, &r);

		if (v)
			json_object_array_add(a, v);
	}
	if (r == VP_OK && PQntuples(res) > limit)
		r = buf_printf(next, "%s_%s", PQgetvalue(res, n - 1, C_CURSOR),
		               PQgetvalue(res, n - 1, C_ID));
	if (r == VP_OK) {
		*out = a;
		a = NULL;
	}
end:
	json_object_put(a);
	PQclear(res);
	PQclear(rends);
	return r;
}

vp_res videos_get(const struct cfg *cfg, const char *uid, const char *id, struct json_object **out)
{
	const char *p[2] = {id, uid};
	PGresult *res = NULL, *rends = NULL;
	vp_res r;

	*out = NULL;
	if (!http_is_uuid(id))
		return VP_NOT_FOUND;
	if ((r = db_exec("SELECT " VIDEO_COLS " FROM videos v WHERE v.id = $1 AND v.user_id = $2",
	                 2, p, &res)) != VP_OK)
		return r;
	if (PQntuples(res) != 1)
		r = VP_NOT_FOUND;
	else if ((r = renditions_of(res, &rends)) == VP_OK)
		*out = video_json(cfg, res, 0, rends, &r);
	PQclear(res);
	PQclear(rends);
	return r;
}

vp_res videos_rename(const char *uid, const char *id, const char *title)
{
	const char *p[3] = {id, uid, title};
	PGresult *res;
	vp_res r;

	if (!http_is_uuid(id))
		return VP_NOT_FOUND;
	if ((r = db_exec("UPDATE videos SET title = $3, updated_at = now() "
	                 "WHERE id = $1 AND user_id = $2",
	                 3, p, &res)) != VP_OK)
		return r;
	r = strcmp(PQcmdTuples(res), "1") ? VP_NOT_FOUND : VP_OK;
	PQclear(res);
	return r;
}

vp_res videos_delete(const struct cfg *cfg, const char *uid, const char *id)
{
	const char *p[2] = {id, uid};
	PGresult *res = NULL, *keys = NULL;
	const char **list = NULL;
	vp_res r;

	if (!http_is_uuid(id))
		return VP_NOT_FOUND;
	if ((r = db_exec(
	         "SELECT v.raw_bucket, v.raw_key, v.thumbnail_key, u.bucket, u.object_key, "
	         "u.s3_upload_id, u.status FROM videos v LEFT JOIN uploads u ON u.video_id = v.id "
	         "WHERE v.id = $1 AND v.user_id = $2",
	         2, p, &res)) != VP_OK)
		return r;
	if (PQntuples(res) != 1) {
		r = VP_NOT_FOUND;
		goto end;
	}
	if ((r = db_exec("SELECT object_key FROM renditions WHERE video_id = $1", 1, p, &keys)) !=
	    VP_OK)
		goto end;
	/* storage first: an upload still open, the raw object, the processed ones */
	if (!PQgetisnull(res, 0, 6) && !strcmp(PQgetvalue(res, 0, 6), "active") &&
	    (r = s3_abort_multipart(cfg, PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4),
	                            PQgetvalue(res, 0, 5))) != VP_OK)
		goto end;
	{
		const char *raw[1] = {PQgetvalue(res, 0, 1)};

		if ((r = s3_delete_objects(cfg, PQgetvalue(res, 0, 0), raw, 1)) != VP_OK)
			goto end;
	}
	list = calloc((size_t)PQntuples(keys) + 1, sizeof(*list));
	if (!list) {
		r = VP_NOMEM;
		goto end;
	}
	{
		size_t n = 0;

		for (int i = 0; i < PQntuples(keys); i++)
			list[n++] = PQgetvalue(keys, i, 0);
		if (!PQgetisnull(res, 0, 2))
			list[n++] = PQgetvalue(res, 0, 2);
		if (n && (r = s3_delete_objects(cfg, cfg->s3_bucket_processed, list, n)) != VP_OK)
			goto end;
	}
	/* every HLS object: listed, so none an index does not name is left */
	if ((r = playback_objects_keep(cfg, uid, id, NULL, NULL)) != VP_OK)
		goto end;
	r = db_exec("DELETE FROM videos WHERE id = $1 AND user_id = $2", 2, p, NULL);
end:
	free(list);
	PQclear(res);
	PQclear(keys);
	return r;
}

vp_res videos_fail_unfinished(const char *id, const char *reason, bool *changed)
{
	const char *p[2] = {id, reason};
	PGresult *res;
	vp_res r;

	*changed = false;
	if (!http_is_uuid(id))
		return VP_NOT_FOUND;
	if ((r = db_exec("UPDATE videos SET status = 'failed', error = $2, progress = 0, "
	                 "updated_at = now() WHERE id = $1 AND status IN ('queued', 'processing')",
	                 2, p, &res)) != VP_OK)
		return r;
	*changed = !strcmp(PQcmdTuples(res), "1");
	PQclear(res);
	return VP_OK;
}
