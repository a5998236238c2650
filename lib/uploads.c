/*
 * uploads.c — SQL of the upload flow (see uploads.h).
 */
#include "uploads.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http.h"
#include "s3.h"
#include "sigv4.h"

#define MIB (1024LL * 1024LL)

long long uploads_part_size(const struct cfg *cfg, long long size)
{
	long long ps = cfg->part_size;

	if (size > ps * 10000) {
		long long need = (size + 9999) / 10000;

		ps = (need + MIB - 1) / MIB * MIB;
	}
	return ps;
}

int uploads_part_count(long long size, long long part_size)
{
	return (int)((size + part_size - 1) / part_size);
}

vp_res uploads_plan(const struct cfg *cfg, const struct upload_new *n, struct upload *u)
{
	vp_res r;

	memset(u, 0, sizeof(*u));
	if ((r = http_uuid(u->id)) != VP_OK || (r = http_uuid(u->video_id)) != VP_OK)
		return r;
	memcpy(u->user_id, n->user_id, sizeof(u->user_id));
	/* The key never holds anything the client chose. */
	snprintf(u->key, sizeof(u->key), "raw/%s/%s", n->user_id, u->video_id);
	snprintf(u->bucket, sizeof(u->bucket), "%s", cfg->s3_bucket_raw);
	u->size = n->size;
	u->part_size = uploads_part_size(cfg, n->size);
	u->part_count = uploads_part_count(n->size, u->part_size);
	snprintf(u->status, sizeof(u->status), "active");
	return VP_OK;
}

#define UPLOAD_COLS                                                                                \
	"u.id::text, u.user_id::text, u.video_id::text, u.s3_upload_id, u.bucket, u.object_key, "  \
	"u.size, u.part_size, u.part_count, u.status, "                                            \
	"to_char(u.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "             \
	"coalesce(u.complete_digest, '')"

static void upload_row_at(PGresult *res, int row, struct upload *u);

static void upload_row(PGresult *res, struct upload *u)
{
	upload_row_at(res, 0, u);
}

static void upload_row_at(PGresult *res, int row, struct upload *u)
{
	snprintf(u->id, sizeof(u->id), "%s", PQgetvalue(res, row, 0));
	snprintf(u->user_id, sizeof(u->user_id), "%s", PQgetvalue(res, row, 1));
	snprintf(u->video_id, sizeof(u->video_id), "%s", PQgetvalue(res, row, 2));
	snprintf(u->s3_upload_id, sizeof(u->s3_upload_id), "%s", PQgetvalue(res, row, 3));
	snprintf(u->bucket, sizeof(u->bucket), "%s", PQgetvalue(res, row, 4));
	snprintf(u->key, sizeof(u->key), "%s", PQgetvalue(res, row, 5));
	u->size = strtoll(PQgetvalue(res, row, 6), NULL, 10);
	u->part_size = strtoll(PQgetvalue(res, row, 7), NULL, 10);
	u->part_count = (int)strtol(PQgetvalue(res, row, 8), NULL, 10);
	snprintf(u->status, sizeof(u->status), "%s", PQgetvalue(res, row, 9));
	snprintf(u->expires_at, sizeof(u->expires_at), "%s", PQgetvalue(res, row, 10));
	snprintf(u->complete_digest, sizeof(u->complete_digest), "%s", PQgetvalue(res, row, 11));
}

vp_res uploads_insert(const struct cfg *cfg, const struct upload_new *n, struct upload *u)
{
	char size[24], ps[24], pc[16], ttl[24], max[16];
	const char *lock[1] = {n->user_id};
	const char *count[2] = {n->user_id, max};
	const char *video[5] = {u->video_id, n->user_id, n->title, u->bucket, u->key};
	const char *up[12] = {u->id,     n->user_id, u->video_id, u->s3_upload_id,
	                      u->bucket, u->key,     n->filename, n->content_type,
	                      size,      ps,         pc,          ttl};
	PGresult *res = NULL;
	vp_res r;

	snprintf(size, sizeof(size), "%lld", u->size);
	snprintf(ps, sizeof(ps), "%lld", u->part_size);
	snprintf(pc, sizeof(pc), "%d", u->part_count);
	snprintf(ttl, sizeof(ttl), "%ld", cfg->upload_ttl);
	snprintf(max, sizeof(max), "%ld", cfg->max_active_uploads);
	if ((r = db_begin()) != VP_OK)
		return r;
	/* serialise this user's creations, then count */
	if ((r = db_exec("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", 1, lock, NULL)) != VP_OK)
		goto end;
	if ((r = db_exec(
	         "SELECT count(*) >= $2::int FROM uploads WHERE user_id = $1 AND status = 'active'",
	         2, count, &res)) != VP_OK)
		goto end;
	if (!strcmp(PQgetvalue(res, 0, 0), "t")) {
		r = VP_CONFLICT;
		goto end;
	}
	PQclear(res);
	res = NULL;
	if ((r = db_exec("INSERT INTO videos (id, user_id, title, raw_bucket, raw_key) "
	                 "VALUES ($1, $2, $3, $4, $5)",
	                 5, video, NULL)) != VP_OK)
		goto end;
	if ((r = db_exec(
	         "INSERT INTO uploads AS u (id, user_id, video_id, s3_upload_id, bucket, "
	         "object_key, filename, content_type, size, part_size, part_count, expires_at) "
	         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
	         "now() + make_interval(secs => $12::int)) RETURNING " UPLOAD_COLS,
	         12, up, &res)) != VP_OK)
		goto end;
	upload_row(res, u);
	r = db_commit();
end:
	if (r != VP_OK)
		db_rollback();
	PQclear(res);
	return r;
}

vp_res uploads_get(const char *id, const char *uid, struct upload *u)
{
	const char *p[2] = {id, uid};
	PGresult *res;
	vp_res r;

	memset(u, 0, sizeof(*u));
	if (!http_is_uuid(id))
		return VP_NOT_FOUND;
	if ((r = db_exec("SELECT " UPLOAD_COLS " FROM uploads u WHERE u.id = $1 AND u.user_id = $2",
	                 2, p, &res)) != VP_OK)
		return r;
	if (PQntuples(res) == 1)
		upload_row(res, u);
	else
		r = VP_NOT_FOUND;
	PQclear(res);
	return r;
}

vp_res uploads_complete(const struct upload *u, const char *digest, const char *payload,
                        long long *outbox_id)
{
	char size[24];
	const char *up[2] = {u->id, digest};
	const char *video[2] = {u->video_id, size};
	const char *box[2] = {u->video_id, payload};
	PGresult *res = NULL;
	vp_res r;

	*outbox_id = 0;
	snprintf(size, sizeof(size), "%lld", u->size);
	if ((r = db_begin()) != VP_OK)
		return r;
	if ((r = db_exec("UPDATE uploads SET status = 'completed', completed_at = now(), "
	                 "complete_digest = $2 WHERE id = $1 AND status = 'active'",
	                 2, up, &res)) != VP_OK)
		goto end;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		r = VP_CONFLICT;
		goto end;
	}
	PQclear(res);
	res = NULL;
	if ((r = db_exec("UPDATE videos SET status = 'queued', size = $2, updated_at = now() "
	                 "WHERE id = $1",
	                 2, video, NULL)) != VP_OK ||
	    (r = db_exec("INSERT INTO outbox (video_id, payload) VALUES ($1, $2::jsonb) "
	                 "ON CONFLICT (video_id, kind) DO NOTHING RETURNING id",
	                 2, box, &res)) != VP_OK)
		goto end;
	if (PQntuples(res) == 1)
		*outbox_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	r = db_commit();
end:
	if (r != VP_OK)
		db_rollback();
	PQclear(res);
	return r;
}

vp_res uploads_mark_sent(long long outbox_id)
{
	char id[24];
	const char *p[1] = {id};

	snprintf(id, sizeof(id), "%lld", outbox_id);
	return db_exec("UPDATE outbox SET sent_at = now(), attempts = attempts + 1 "
	               "WHERE id = $1 AND sent_at IS NULL",
	               1, p, NULL);
}

vp_res uploads_abort(const struct upload *u, const char *status, const char *reason)
{
	const char *up[2] = {u->id, status};
	const char *video[2] = {u->video_id, reason};
	PGresult *res = NULL;
	vp_res r;

	if ((r = db_begin()) != VP_OK)
		return r;
	if ((r = db_exec("UPDATE uploads SET status = $2 WHERE id = $1 AND status = 'active'", 2,
	                 up, &res)) != VP_OK)
		goto end;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		r = VP_CONFLICT;
		goto end;
	}
	if ((r = db_exec("UPDATE videos SET status = 'failed', error = $2, updated_at = now() "
	                 "WHERE id = $1",
	                 2, video, NULL)) != VP_OK)
		goto end;
	r = db_commit();
end:
	if (r != VP_OK)
		db_rollback();
	PQclear(res);
	return r;
}

long long uploads_part_bytes(const struct upload *u, int n)
{
	if (n < u->part_count)
		return u->part_size;
	return u->size - (long long)(u->part_count - 1) * u->part_size;
}

bool uploads_md5_ok(const char *s)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (strlen(s) != 24 || strcmp(s + 22, "==") != 0)
		return false;
	for (int i = 0; i < 22; i++)
		if (!s[i] || !strchr(b64, s[i]))
			return false;
	/* the last character carries 2 bits of the digest and 4 zero bits */
	return strchr("AQgw", s[21]) != NULL;
}

struct json_object *uploads_part_urls(const struct cfg *cfg, const struct upload *u,
                                      const struct upload_part_req *parts, size_t n, vp_res *err)
{
	struct json_object *a = json_object_new_array();
	buf q, url, id;

	*err = a ? VP_OK : VP_NOMEM;
	buf_init(&q, 4096);
	buf_init(&url, 16384);
	buf_init(&id, 2048);
	if (*err == VP_OK)
		*err = sigv4_uri_encode(&id, u->s3_upload_id, strlen(u->s3_upload_id), false);
	for (size_t i = 0; *err == VP_OK && i < n; i++) {
		struct json_object *p = json_object_new_object(), *h = NULL;
		long long bytes = uploads_part_bytes(u, parts[i].number);
		char len[24];
		struct sigv4_header hs[2] = {{"content-length", len},
		                             {"content-md5", parts[i].md5}};
		size_t nh = parts[i].md5[0] ? 2 : 1;

		buf_reset(&q);
		buf_reset(&url);
		if (!p || (nh == 2 && !(h = json_object_new_object()))) {
			json_object_put(p);
			*err = VP_NOMEM;
			break;
		}
		json_object_array_add(a, p);
		snprintf(len, sizeof(len), "%lld", bytes);
		if ((*err = buf_printf(&q, "partNumber=%d&uploadId=%s", parts[i].number,
		                       id.data)) != VP_OK ||
		    (*err = s3_presign_bound(cfg, "PUT", u->bucket, u->key, q.data, hs, nh,
		                             cfg->part_url_ttl, &url)) != VP_OK) {
			json_object_put(h);
			break;
		}
		json_object_object_add(p, "part_number", json_object_new_int(parts[i].number));
		json_object_object_add(p, "url", json_object_new_string(url.data));
		json_object_object_add(p, "size", json_object_new_int64(bytes));
		if (h) {
			json_object_object_add(h, "Content-MD5",
			                       json_object_new_string(parts[i].md5));
			json_object_object_add(p, "headers", h);
		}
	}
	buf_free(&q);
	buf_free(&url);
	buf_free(&id);
	if (*err != VP_OK) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

bool uploads_from_path(struct http_ctx *ctx, const char *uid, struct upload *u)
{
	char id[40];
	vp_res r = http_path_segment(ctx->req, 1, id, sizeof(id));

	if (r == VP_OK)
		r = uploads_get(id, uid, u);
	if (r == VP_OK)
		return true;
	if (r == VP_NOT_FOUND || r == VP_TOO_LARGE)
		http_error(ctx, 404, "not_found", "no such upload");
	else
		http_fail(ctx, r, "upload lookup");
	return false;
}

struct json_object *uploads_json(const struct upload *u)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(u->id));
	json_object_object_add(o, "video_id", json_object_new_string(u->video_id));
	json_object_object_add(o, "status", json_object_new_string(u->status));
	json_object_object_add(o, "size", json_object_new_int64(u->size));
	json_object_object_add(o, "part_size", json_object_new_int64(u->part_size));
	json_object_object_add(o, "part_count", json_object_new_int(u->part_count));
	json_object_object_add(o, "expires_at", json_object_new_string(u->expires_at));
	return o;
}

/* One zeroed element per row of res in *out (NULL for no rows). On failure
 * res is cleared. */
static vp_res rows_alloc(PGresult *res, size_t size, void **out)
{
	*out = NULL;
	if (PQntuples(res) == 0)
		return VP_OK;
	if (!(*out = calloc((size_t)PQntuples(res), size))) {
		PQclear(res);
		return VP_NOMEM;
	}
	return VP_OK;
}

vp_res uploads_outbox_unsent(long grace_s, int limit, struct outbox_row **rows, size_t *n)
{
	char g[24], l[16];
	const char *p[2] = {g, l};
	PGresult *res;
	void *mem;
	vp_res r;

	*rows = NULL;
	*n = 0;
	snprintf(g, sizeof(g), "%ld", grace_s);
	snprintf(l, sizeof(l), "%d", limit);
	if ((r = db_exec("SELECT id, payload::text FROM outbox WHERE sent_at IS NULL "
	                 "AND created_at <= now() - make_interval(secs => $1::int) "
	                 "ORDER BY id LIMIT $2::int",
	                 2, p, &res)) != VP_OK)
		return r;
	if ((r = rows_alloc(res, sizeof(**rows), &mem)) != VP_OK)
		return r;
	*rows = mem;
	for (int i = 0; i < PQntuples(res); i++) {
		(*rows)[i].id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		(*rows)[i].payload = strdup(PQgetvalue(res, i, 1));
		if (!(*rows)[i].payload) {
			uploads_outbox_free(*rows, (size_t)i);
			*rows = NULL;
			PQclear(res);
			return VP_NOMEM;
		}
	}
	*n = (size_t)PQntuples(res);
	PQclear(res);
	return VP_OK;
}

void uploads_outbox_free(struct outbox_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		free(rows[i].payload);
	free(rows);
}

vp_res uploads_outbox_failed(long long outbox_id, const char *error)
{
	char id[24];
	const char *p[2] = {id, error};

	snprintf(id, sizeof(id), "%lld", outbox_id);
	return db_exec("UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
	               2, p, NULL);
}

vp_res uploads_expired(int limit, struct upload **list, size_t *n)
{
	char l[16];
	const char *p[1] = {l};
	PGresult *res;
	void *mem;
	vp_res r;

	*list = NULL;
	*n = 0;
	snprintf(l, sizeof(l), "%d", limit);
	if ((r = db_exec("SELECT " UPLOAD_COLS " FROM uploads u WHERE u.status = 'active' "
	                 "AND u.expires_at < now() ORDER BY u.expires_at LIMIT $1::int",
	                 1, p, &res)) != VP_OK)
		return r;
	if ((r = rows_alloc(res, sizeof(**list), &mem)) != VP_OK)
		return r;
	*list = mem;
	for (int i = 0; i < PQntuples(res); i++)
		upload_row_at(res, i, &(*list)[i]);
	*n = (size_t)PQntuples(res);
	PQclear(res);
	return VP_OK;
}
