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
	"v.thumbnail_key, v.visibility, (extract(epoch FROM v.created_at) * "                      \
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
	C_VISIBILITY,
	C_CURSOR,
	C_PLAYABLE
};

#define RENDITION_COLS "video_id::text, name, width, height, bitrate, size, object_key"
enum { R_VIDEO, R_NAME, R_WIDTH, R_HEIGHT, R_BITRATE, R_SIZE, R_KEY };

/* ------------------------------------------------------------------------ */
/* A <video>, from a table of its fields                                     */
/* ------------------------------------------------------------------------ */

/* How a column becomes a JSON value; SQL NULL is JSON null for each. */
enum field_kind {
	F_TEXT,
	F_INT,
	F_NUMBER,
	F_URL /* an object key: a pre-signed GET URL once the video is ready */
};

struct video_field {
	const char *name;
	int col;
	enum field_kind kind;
	bool owner_only; /* left out of a <public video> */
};

/* A <video> (api.md): a <public video> is the same without the owner_only
 * fields, and nothing in either names the owner. */
static const struct video_field video_fields[] = {
    {"id", C_ID, F_TEXT, false},
    {"title", C_TITLE, F_TEXT, false},
    {"status", C_STATUS, F_TEXT, false},
    {"visibility", C_VISIBILITY, F_TEXT, false},
    {"progress", C_PROGRESS, F_INT, true},
    {"error", C_ERROR, F_TEXT, true},
    {"duration_seconds", C_DURATION, F_NUMBER, false},
    {"width", C_WIDTH, F_INT, false},
    {"height", C_HEIGHT, F_INT, false},
    {"size", C_SIZE, F_INT, true},
    {"created_at", C_CREATED, F_TEXT, false},
    {"updated_at", C_UPDATED, F_TEXT, false},
    {"thumbnail_url", C_THUMB, F_URL, false},
};

/* One entry of "renditions", the same for both audiences. */
static const struct video_field rendition_fields[] = {
    {"name", R_NAME, F_TEXT, false},    {"width", R_WIDTH, F_INT, false},
    {"height", R_HEIGHT, F_INT, false}, {"bitrate", R_BITRATE, F_INT, false},
    {"size", R_SIZE, F_INT, false},     {"url", R_KEY, F_URL, false},
};

static const char *const visibilities[] = {"private", "unlisted", "public"};

bool videos_visibility_ok(const char *v)
{
	for (size_t i = 0; i < VP_ARRAY_LEN(visibilities); i++)
		if (!strcmp(v, visibilities[i]))
			return true;
	return false;
}

/* What a builder needs beyond the rows: for whom, and so how long its
 * URLs live. A failed signature is kept in err. */
struct video_build {
	const struct cfg *cfg;
	enum videos_audience audience;
	bool ready;
	vp_res err;
};

/* A playback URL for the key in col, or JSON null when the video is not
 * ready or has no such key. */
static struct json_object *play_url(struct video_build *b, PGresult *res, int row, int col)
{
	struct json_object *o = NULL;
	long ttl = b->audience == VIDEOS_PUBLIC ? b->cfg->public_playback_url_ttl
	                                        : b->cfg->playback_url_ttl;
	buf url;

	if (!b->ready || b->err != VP_OK)
		return NULL;
	buf_init(&url, 16384);
	b->err = s3_presign(b->cfg, "GET", b->cfg->s3_bucket_processed, PQgetvalue(res, row, col),
	                    "", ttl, &url);
	if (b->err == VP_OK)
		o = json_object_new_string(url.data);
	buf_free(&url);
	return o;
}

static struct json_object *field_value(struct video_build *b, const struct video_field *f,
                                       PGresult *res, int row)
{
	const char *v = PQgetvalue(res, row, f->col);

	if (PQgetisnull(res, row, f->col))
		return NULL;
	switch (f->kind) {
	case F_TEXT: return json_object_new_string(v);
	case F_INT: return json_object_new_int64(strtoll(v, NULL, 10));
	case F_NUMBER: return json_object_new_double(strtod(v, NULL));
	case F_URL: return play_url(b, res, row, f->col);
	}
	return NULL;
}

/* Adds the fields of table (n entries) that the audience sees to o. */
static void add_fields(struct video_build *b, struct json_object *o,
                       const struct video_field *table, size_t n, PGresult *res, int row)
{
	for (size_t i = 0; i < n; i++)
		if (!(table[i].owner_only && b->audience == VIDEOS_PUBLIC))
			json_object_object_add(o, table[i].name,
			                       field_value(b, &table[i], res, row));
}

/* Renditions of the videos in res (column C_ID holds their ids), best first. */
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
	r = db_exec("SELECT " RENDITION_COLS " FROM renditions WHERE video_id = ANY($1::uuid[]) "
	            "ORDER BY video_id, least(width, height) DESC",
	            1, p, out);
	buf_free(&ids);
	return r;
}

/* The one builder of a <video> and a <public video>: row of res, with its
 * renditions from rends. NULL with *err set on failure. */
static struct json_object *video_json(const struct cfg *cfg, enum videos_audience audience,
                                      PGresult *res, int row, PGresult *rends, vp_res *err)
{
	struct video_build b = {cfg, audience, !strcmp(PQgetvalue(res, row, C_STATUS), "ready"),
	                        VP_OK};
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	const char *id = PQgetvalue(res, row, C_ID);

	if (!o || !a) {
		json_object_put(o);
		json_object_put(a);
		*err = VP_NOMEM;
		return NULL;
	}
	add_fields(&b, o, video_fields, VP_ARRAY_LEN(video_fields), res, row);
	for (int i = 0; rends && i < PQntuples(rends); i++) {
		struct json_object *r;

		if (strcmp(PQgetvalue(rends, i, R_VIDEO), id) != 0)
			continue;
		if (!(r = json_object_new_object())) {
			b.err = VP_NOMEM;
			break;
		}
		add_fields(&b, r, rendition_fields, VP_ARRAY_LEN(rendition_fields), rends, i);
		json_object_array_add(a, r);
	}
	json_object_object_add(o, "renditions", a);
	if (b.err == VP_OK) {
		struct json_object *pb = NULL;
		long ttl = audience == VIDEOS_PUBLIC ? cfg->public_playback_url_ttl
		                                     : cfg->playback_url_ttl;

		b.err = playback_json(cfg, id, !strcmp(PQgetvalue(res, row, C_PLAYABLE), "t"),
		                      b.ready, ttl, time(NULL), &pb);
		json_object_object_add(o, "playback", pb);
	}
	if (b.err != VP_OK) {
		*err = b.err;
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

/* The keyset of every list: rows after the cursor ($1 µs, $2 id, both NULL
 * for the first page), newest first, $3 rows. */
#define PAGE_AFTER                                                                                 \
	"($1::bigint IS NULL OR (v.created_at, v.id) < "                                           \
	"('epoch'::timestamptz + $1::bigint * interval '1 microsecond', $2::uuid)) "               \
	"ORDER BY v.created_at DESC, v.id DESC LIMIT $3::int"

static const char *const sql_list_own =
    "SELECT " VIDEO_COLS " FROM videos v WHERE v.user_id = $4 AND " PAGE_AFTER;
/* only what anyone may see listed (the videos_public_newest index) */
static const char *const sql_list_public = "SELECT " VIDEO_COLS " FROM videos v "
                                           "WHERE v.visibility = 'public' AND v.status = 'ready' "
                                           "AND " PAGE_AFTER;
static const char *const sql_get_own =
    "SELECT " VIDEO_COLS " FROM videos v WHERE v.id = $1 AND v.user_id = $2";
/* what an id alone opens: public or unlisted, and ready */
static const char *const sql_get_public =
    "SELECT " VIDEO_COLS " FROM videos v WHERE v.id = $1 "
    "AND v.visibility IN ('public', 'unlisted') AND v.status = 'ready'";
/* what a share link opens: the video, whatever its visibility and state */
static const char *const sql_get_linked = "SELECT " VIDEO_COLS " FROM videos v WHERE v.id = $1";

/* One page of the videos sql lists ($4 = uid, when not NULL). */
static vp_res videos_page(const struct cfg *cfg, const char *sql, enum videos_audience audience,
                          const char *uid, int limit, const char *cursor, struct json_object **out,
                          buf *next)
{
	char us[24], id[37], lim[16];
	const char *p[4] = {NULL, NULL, lim, uid};
	PGresult *res = NULL, *rends = NULL;
	struct json_object *a = NULL;
	int n;
	vp_res r;

	*out = NULL;
	if (cursor) {
		if (!cursor_parse(cursor, us, id))
			return VP_INVALID;
		p[0] = us;
		p[1] = id;
	}
	snprintf(lim, sizeof(lim), "%d", limit + 1); /* one more: is there a next page? */
	if ((r = db_exec(sql, uid ? 4 : 3, p, &res)) != VP_OK)
		return r;
	n = PQntuples(res) > limit ? limit : PQntuples(res);
	if (n > 0 && (r = renditions_of(res, &rends)) != VP_OK)
		goto end;
	if (!(a = json_object_new_array())) {
		r = VP_NOMEM;
		goto end;
	}
	for (int i = 0; i < n && r == VP_OK; i++) {
		struct json_object *v = video_json(cfg, audience, res, i, rends, &r);

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

vp_res videos_list(const struct cfg *cfg, const char *uid, int limit, const char *cursor,
                   struct json_object **out, buf *next)
{
	return videos_page(cfg, sql_list_own, VIDEOS_OWNER, uid, limit, cursor, out, next);
}

vp_res videos_public_list(const struct cfg *cfg, int limit, const char *cursor,
                          struct json_object **out, buf *next)
{
	return videos_page(cfg, sql_list_public, VIDEOS_PUBLIC, NULL, limit, cursor, out, next);
}

/* The one video sql finds (VP_NOT_FOUND for none), built for audience. */
static vp_res video_one(const struct cfg *cfg, const char *sql, int n, const char *const *p,
                        enum videos_audience audience, struct json_object **out)
{
	PGresult *res = NULL, *rends = NULL;
	vp_res r;

	*out = NULL;
	if (!http_is_uuid(p[0]))
		return VP_NOT_FOUND;
	if ((r = db_exec(sql, n, p, &res)) != VP_OK)
		return r;
	if (PQntuples(res) != 1)
		r = VP_NOT_FOUND;
	else if ((r = renditions_of(res, &rends)) == VP_OK)
		*out = video_json(cfg, audience, res, 0, rends, &r);
	PQclear(res);
	PQclear(rends);
	return r;
}

vp_res videos_get(const struct cfg *cfg, const char *uid, const char *id, struct json_object **out)
{
	const char *p[2] = {id, uid};

	return video_one(cfg, sql_get_own, 2, p, VIDEOS_OWNER, out);
}

vp_res videos_public_get(const struct cfg *cfg, const char *id, bool linked,
                         struct json_object **out)
{
	const char *p[1] = {id};

	return video_one(cfg, linked ? sql_get_linked : sql_get_public, 1, p, VIDEOS_PUBLIC, out);
}

vp_res videos_update(const char *uid, const char *id, const char *title, const char *visibility)
{
	const char *p[4] = {id, uid, title, visibility};
	PGresult *res;
	vp_res r;

	if (!http_is_uuid(id))
		return VP_NOT_FOUND;
	if ((r = db_exec("UPDATE videos SET title = coalesce($3, title), "
	                 "visibility = coalesce($4, visibility), updated_at = now() "
	                 "WHERE id = $1 AND user_id = $2",
	                 4, p, &res)) != VP_OK)
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

/* ------------------------------------------------------------------------ */
/* Answers                                                                   */
/* ------------------------------------------------------------------------ */

bool videos_path_id(struct http_ctx *ctx, unsigned seg, char id[40])
{
	if (http_path_segment(ctx->req, seg, id, 40) == VP_OK && http_is_uuid(id))
		return true;
	http_error(ctx, 404, "not_found", "no such video");
	return false;
}

void videos_answer(struct http_ctx *ctx, vp_res r, struct json_object *v, const char *what)
{
	struct json_object *o;
	char msg[64];

	if (r == VP_NOT_FOUND) {
		snprintf(msg, sizeof(msg), "no such %s", what);
		http_error(ctx, 404, "not_found", msg);
	} else if (r != VP_OK) {
		/* storage refusing to sign is storage being unusable */
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, what);
	} else if (!(o = json_object_new_object())) {
		json_object_put(v);
		http_json(ctx, 500, NULL);
	} else {
		json_object_object_add(o, "video", v);
		http_json(ctx, 200, o);
	}
}

/* limit: digits only (no sign, blank or exponent that strtol would take),
 * 1..100; VP_NOT_FOUND when absent */
static vp_res query_limit(const struct http_req *req, long *limit)
{
	char lim[16];
	vp_res r = http_query_param(req, "limit", lim, sizeof(lim));
	size_t n;

	if (r != VP_OK)
		return r;
	n = strspn(lim, "0123456789");
	*limit = n && n <= 3 && !lim[n] ? strtol(lim, NULL, 10) : 0;
	return *limit >= 1 && *limit <= 100 ? VP_OK : VP_INVALID;
}

void videos_answer_list(struct http_ctx *ctx, const char *uid)
{
	char cursor[128];
	struct json_object *list, *o;
	long limit = 20;
	vp_res r, cr;
	buf next;

	r = query_limit(ctx->req, &limit);
	cr = http_query_param(ctx->req, "cursor", cursor, sizeof(cursor));
	if ((r != VP_OK && r != VP_NOT_FOUND) || (cr != VP_OK && cr != VP_NOT_FOUND)) {
		http_error(ctx, 400, "invalid_request", "limit must be 1..100 and cursor as given");
		return;
	}
	buf_init(&next, 256);
	r = uid ? videos_list(ctx->cfg, uid, (int)limit, cr == VP_OK ? cursor : NULL, &list, &next)
	        : videos_public_list(ctx->cfg, (int)limit, cr == VP_OK ? cursor : NULL, &list,
	                             &next);
	if (r == VP_INVALID) {
		http_error(ctx, 400, "invalid_request", "cursor is not one this API gave");
	} else if (r != VP_OK) {
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "videos");
	} else if (!(o = json_object_new_object())) {
		json_object_put(list);
		http_json(ctx, 500, NULL);
	} else {
		json_object_object_add(o, "videos", list);
		json_object_object_add(o, "next_cursor",
		                       next.len ? json_object_new_string(next.data) : NULL);
		http_json(ctx, 200, o);
	}
	buf_free(&next);
}
