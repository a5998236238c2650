/*
 * uploads_create — POST /uploads {"filename","size","content_type","title"?}
 * → 201 with the upload and pre-signed URLs for its first parts.
 *
 * The API never sees video bytes: it creates the S3 multipart upload, records
 * the upload and its video, and signs part URLs.
 */
#include <stdio.h>
#include <string.h>

#include "../lib/auth.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/ratelimit.h"
#include "../lib/s3.h"
#include "../lib/uploads.h"

#define FIRST_URLS 100

#define FILENAME_MAX_BYTES 255
#define TITLE_MAX_BYTES    200

/* The default title: the filename, cut to TITLE_MAX_BYTES on a character
 * boundary (the body is strict UTF-8, so a cut before a lead byte is). */
static void title_from(const char *filename, char out[TITLE_MAX_BYTES + 1])
{
	size_t n = strlen(filename);

	if (n > TITLE_MAX_BYTES) {
		n = TITLE_MAX_BYTES;
		while (n && ((unsigned char)filename[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, filename, n);
	out[n] = '\0';
}

/* type/subtype of token characters, type "video". */
static bool video_type(const char *s)
{
	if (strncmp(s, "video/", 6) != 0 || !s[6] || strlen(s) > 100)
		return false;
	for (s += 6; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("!#$&^_.+-", *s)))
			return false;
	return true;
}

static void create_post(struct http_ctx *ctx)
{
	const struct cfg *cfg = ctx->cfg;
	struct json_object *o, *parts, *up;
	struct upload_new n = {0};
	struct auth_user who;
	struct ratelimit rl;
	struct upload u;
	char key[64], default_title[TITLE_MAX_BYTES + 1];
	struct upload_part_req first[FIRST_URLS] = {{0}};
	int64_t size;
	buf upload_id;
	vp_res r, tr;

	if (!auth_require(ctx, &who))
		return;
	if (json_field_str(ctx->req->json, "filename", &n.filename) != VP_OK ||
	    json_field_i64(ctx->req->json, "size", &size) != VP_OK ||
	    json_field_str(ctx->req->json, "content_type", &n.content_type) != VP_OK) {
		http_error(
		    ctx, 400, "invalid_request",
		    "filename (string), size (integer) and content_type (string) are required");
		return;
	}
	n.size = size;
	tr = json_field_text(ctx->req->json, "title", 0, TITLE_MAX_BYTES, &n.title);
	if (json_field_text(ctx->req->json, "filename", 1, FILENAME_MAX_BYTES, &n.filename) !=
	        VP_OK ||
	    (tr != VP_OK && tr != VP_NOT_FOUND)) {
		http_error(ctx, 400, "invalid_request",
		           "filename must be 1-255 bytes and title at most 200, without control "
		           "characters");
		return;
	}
	if (tr == VP_NOT_FOUND) {
		title_from(n.filename, default_title);
		n.title = default_title;
	}
	if (n.size < 1) {
		http_error(ctx, 400, "invalid_request", "size must be a positive number of bytes");
		return;
	}
	if (n.size > cfg->max_upload_bytes) {
		http_error(ctx, 413, "file_too_large", "the file is larger than uploads may be");
		return;
	}
	if (!video_type(n.content_type)) {
		http_error(ctx, 415, "unsupported_media_type", "content_type must be video/*");
		return;
	}
	snprintf(key, sizeof(key), "rl:uploads:%s", who.uid);
	if (!ratelimit_pass(ctx, key, cfg->rl_uploads, cfg->rl_uploads_window, true, &rl))
		return;
	n.user_id = who.uid;
	buf_init(&upload_id, 2048);
	if ((r = uploads_plan(cfg, &n, &u)) != VP_OK ||
	    (r = s3_create_multipart(cfg, u.bucket, u.key, n.content_type, &upload_id)) != VP_OK) {
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "create multipart");
		goto end;
	}
	if (upload_id.len >= sizeof(u.s3_upload_id)) {
		http_fail(ctx, VP_INTERNAL, "upload id too long");
		goto abort;
	}
	memcpy(u.s3_upload_id, upload_id.data, upload_id.len + 1);
	r = uploads_insert(cfg, &n, &u);
	if (r == VP_CONFLICT) {
		http_error(ctx, 429, "too_many_active_uploads",
		           "finish or cancel an upload before starting another");
		goto abort;
	}
	if (r != VP_OK) {
		http_fail(ctx, r, "upload insert");
		goto abort;
	}
	for (int i = 0; i < FIRST_URLS && i < u.part_count; i++)
		first[i].number = i + 1;
	parts = uploads_part_urls(
	    cfg, &u, first, (size_t)(u.part_count < FIRST_URLS ? u.part_count : FIRST_URLS), &r);
	if (!parts) {
		http_fail(ctx, r, "sign parts");
		goto end;
	}
	up = uploads_json(&u);
	o = json_object_new_object();
	if (!up || !o) {
		json_object_put(up);
		json_object_put(o);
		json_object_put(parts);
		http_json(ctx, 500, NULL);
		goto end;
	}
	json_object_object_del(up, "status");
	json_object_object_del(up, "size");
	json_object_object_add(up, "parts", parts);
	json_object_object_add(o, "upload", up);
	http_json(ctx, 201, o);
	goto end;
abort:
	/* nothing half-written: the storage upload goes too */
	if (s3_abort_multipart(cfg, u.bucket, u.key, u.s3_upload_id) != VP_OK)
		log_event(LOG_WARN, "abort_after_failure", "upload", u.id, LOG_END);
end:
	buf_free(&upload_id);
}

static const struct http_method methods[] = {
    {"POST", create_post, HTTP_JSON_BODY},
};

int main(void)
{
	return http_serve("uploads_create", methods, VP_ARRAY_LEN(methods));
}
