/*
 * share.c — share links: tokens, their hashes, the share_links SQL (see
 * share.h).
 */
#include "share.h"

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "http.h"

/* A link as the owner sees it; the token is not among its columns because
 * the table does not have it. */
#define LINK_COLS                                                                                  \
	"l.id::text, "                                                                             \
	"to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "             \
	"to_char(l.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
enum { L_ID, L_CREATED, L_EXPIRES };

/* a link that still works */
#define LINK_LIVE "(l.expires_at IS NULL OR l.expires_at > now())"

static const char *const sql_create =
    "INSERT INTO share_links AS l (video_id, token_sha256, expires_at) "
    "SELECT v.id, decode($3, 'hex'), now() + $4::bigint * interval '1 second' "
    "FROM videos v WHERE v.id = $1 AND v.user_id = $2 RETURNING " LINK_COLS;
/* one row with NULL link columns when the video has no live link; none
 * when it is not the user's */
static const char *const sql_list =
    "SELECT " LINK_COLS " FROM videos v LEFT JOIN share_links l "
    "ON l.video_id = v.id AND " LINK_LIVE " WHERE v.id = $1 AND v.user_id = $2 "
    "ORDER BY l.created_at DESC, l.id DESC";
static const char *const sql_revoke = "DELETE FROM share_links l USING videos v "
                                      "WHERE l.id = $3 AND l.video_id = $1 AND v.id = l.video_id "
                                      "AND v.user_id = $2";
static const char *const sql_resolve = "SELECT l.video_id::text FROM share_links l "
                                       "WHERE l.token_sha256 = decode($1, 'hex') AND " LINK_LIVE;

/* ------------------------------------------------------------------------ */
/* Tokens                                                                    */
/* ------------------------------------------------------------------------ */

void share_base64url(const unsigned char *b, size_t n, char *out)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned long v =
		    (unsigned long)b[i] << 16 | (unsigned long)b[i + 1] << 8 | b[i + 2];

		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		out[o++] = alphabet[b[i] >> 2];
		out[o++] = alphabet[(b[i] & 3) << 4];
	} else if (n - i == 2) {
		out[o++] = alphabet[b[i] >> 2];
		out[o++] = alphabet[((b[i] & 3) << 4) | b[i + 1] >> 4];
		out[o++] = alphabet[(b[i + 1] & 15) << 2];
	}
	out[o] = '\0';
}

vp_res share_token_new(char out[SHARE_TOKEN_LEN + 1])
{
	unsigned char b[SHARE_TOKEN_BYTES];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return VP_INTERNAL;
	share_base64url(b, sizeof(b), out);
	OPENSSL_cleanse(b, sizeof(b));
	return VP_OK;
}

bool share_token_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

	/* 256 bits fill 42 characters and 4 bits of the 43rd, whose last 2
	 * bits are then zero: one of 16 characters */
	return n == SHARE_TOKEN_LEN && s[n] == '\0' && strchr("AEIMQUYcgkosw048", s[n - 1]);
}

vp_res share_token_hash(const char *token, char hex[SHARE_HASH_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) || n != 32)
		return VP_INTERNAL;
	for (unsigned i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
	return VP_OK;
}

/* ------------------------------------------------------------------------ */
/* Links                                                                     */
/* ------------------------------------------------------------------------ */

static struct json_object *col(PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? NULL : json_object_new_string(PQgetvalue(res, row, c));
}

/* {"id","created_at","expires_at"} of row, or NULL when out of memory. */
static struct json_object *link_json(PGresult *res, int row)
{
	struct json_object *o = json_object_new_object();

	if (o) {
		json_object_object_add(o, "id", col(res, row, L_ID));
		json_object_object_add(o, "created_at", col(res, row, L_CREATED));
		json_object_object_add(o, "expires_at", col(res, row, L_EXPIRES));
	}
	return o;
}

vp_res share_create(const struct cfg *cfg, const char *uid, const char *vid, long expires_in,
                    struct json_object **out)
{
	char token[SHARE_TOKEN_LEN + 1], hash[SHARE_HASH_HEX + 1], secs[24];
	const char *p[4] = {vid, uid, hash, expires_in ? secs : NULL};
	PGresult *res = NULL;
	struct json_object *o;
	buf url;
	vp_res r;

	*out = NULL;
	buf_init(&url, 4096);
	if (!http_is_uuid(vid)) {
		r = VP_NOT_FOUND;
		goto end;
	}
	snprintf(secs, sizeof(secs), "%ld", expires_in);
	if ((r = share_token_new(token)) != VP_OK || (r = share_token_hash(token, hash)) != VP_OK ||
	    (r = db_exec(sql_create, 4, p, &res)) != VP_OK)
		goto end;
	if (PQntuples(res) != 1) {
		r = VP_NOT_FOUND;
		goto end;
	}
	if ((r = buf_printf(&url, "%s/s/%s", cfg->frontend_url, token)) != VP_OK)
		goto end;
	if (!(o = link_json(res, 0))) {
		r = VP_NOMEM;
		goto end;
	}
	json_object_object_add(o, "token", json_object_new_string(token));
	json_object_object_add(o, "url", json_object_new_string(buf_str(&url)));
	*out = o;
end:
	OPENSSL_cleanse(token, sizeof(token));
	buf_free(&url);
	PQclear(res);
	return r;
}

vp_res share_list(const char *uid, const char *vid, struct json_object **out)
{
	const char *p[2] = {vid, uid};
	struct json_object *a = NULL, *o;
	PGresult *res = NULL;
	vp_res r;

	*out = NULL;
	if (!http_is_uuid(vid))
		return VP_NOT_FOUND;
	if ((r = db_exec(sql_list, 2, p, &res)) != VP_OK)
		return r;
	if (PQntuples(res) == 0) {
		r = VP_NOT_FOUND;
		goto end;
	}
	if (!(a = json_object_new_array())) {
		r = VP_NOMEM;
		goto end;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, L_ID))
			continue; /* the video, with no live link */
		if (!(o = link_json(res, i))) {
			r = VP_NOMEM;
			goto end;
		}
		json_object_array_add(a, o);
	}
	*out = a;
	a = NULL;
end:
	json_object_put(a);
	PQclear(res);
	return r;
}

vp_res share_revoke(const char *uid, const char *vid, const char *lid)
{
	const char *p[3] = {vid, uid, lid};
	PGresult *res;
	vp_res r;

	if (!http_is_uuid(vid) || !http_is_uuid(lid))
		return VP_NOT_FOUND;
	if ((r = db_exec(sql_revoke, 3, p, &res)) != VP_OK)
		return r;
	r = strcmp(PQcmdTuples(res), "1") ? VP_NOT_FOUND : VP_OK;
	PQclear(res);
	return r;
}

vp_res share_resolve(const char *token, char vid[37])
{
	char hash[SHARE_HASH_HEX + 1];
	const char *p[1] = {hash};
	PGresult *res;
	vp_res r;

	if (!share_token_ok(token))
		return VP_NOT_FOUND;
	if ((r = share_token_hash(token, hash)) != VP_OK ||
	    (r = db_exec(sql_resolve, 1, p, &res)) != VP_OK)
		return r;
	if (PQntuples(res) != 1 || PQgetlength(res, 0, 0) != 36) {
		r = VP_NOT_FOUND;
	} else {
		memcpy(vid, PQgetvalue(res, 0, 0), 37);
		r = VP_OK;
	}
	PQclear(res);
	return r;
}
