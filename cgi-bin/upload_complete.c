/*
 * upload_complete — POST /uploads/{id}/complete {"parts":[{"part_number",
 * "etag"}...]} or {} → 202 {"video":{"id","status":"queued"}}.
 *
 * The body may list 10,000 parts (~700 KB), so this route declares a 1 MiB
 * body limit (every other keeps 64 KiB). {} completes with the parts
 * storage holds (ListParts, every page), which must be exactly
 * 1..part_count, each of the size its URL bound.
 *
 * Storage assembles the parts (CompleteMultipartUpload), the object's size
 * is checked against the declared one, then one transaction marks the upload
 * completed, the video queued and writes the job to the outbox; the message
 * is sent after commit. If sending fails the answer is still 202: the job
 * waits in the outbox for the maintenance job. A repeated identical
 * completion answers 202 again and enqueues nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/auth.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/s3.h"
#include "../lib/sigv4.h"
#include "../lib/sqs.h"
#include "../lib/uploads.h"

/* 1..100 printable bytes that cannot break the XML sent to storage. */
static bool etag_ok(const char *s, size_t len)
{
	if (len == 0 || len > 100)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || strchr("<>&\"\\", s[i]))
			return false;
	return true;
}

/* Reads parts into list (exactly 1..part_count, ascending) and the digest of
 * the list; answers 400 and returns false otherwise. */
static bool read_parts(struct http_ctx *ctx, const struct upload *u, struct s3_part *list,
                       char digest[65])
{
	struct json_object *arr;
	buf text;
	size_t n;

	if (json_field_array(ctx->req->json, "parts", &arr) != VP_OK ||
	    (n = json_object_array_length(arr)) != (size_t)u->part_count) {
		http_error(ctx, 400, "invalid_request",
		           "parts must list every part, 1..part_count, in ascending order");
		return false;
	}
	buf_init(&text, (size_t)4 << 20);
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		const char *etag;
		int64_t num;
		size_t len;

		if (!json_object_is_type(p, json_type_object) ||
		    json_field_i64(p, "part_number", &num) != VP_OK || num != (int64_t)i + 1 ||
		    json_field_str(p, "etag", &etag) != VP_OK) {
			buf_free(&text);
			http_error(ctx, 400, "invalid_request",
			           "parts must list every part, 1..part_count, in ascending order");
			return false;
		}
		/* S3 quotes ETags; clients may or may not keep the quotes */
		if (*etag == '"')
			etag++;
		len = strlen(etag);
		if (len && etag[len - 1] == '"')
			len--;
		if (!etag_ok(etag, len)) {
			buf_free(&text);
			http_error(ctx, 400, "invalid_request", "an etag is malformed");
			return false;
		}
		list[i].number = (int)num;
		snprintf(list[i].etag, sizeof(list[i].etag), "\"%.*s\"", (int)len, etag);
		buf_printf(&text, "%s\n", list[i].etag);
	}
	/* the completion's identity, to recognise an identical repeat */
	sigv4_sha256_hex(text.data, text.len, digest);
	buf_free(&text);
	return true;
}

static void answer_queued(struct http_ctx *ctx, const struct upload *u)
{
	struct json_object *o = json_object_new_object();
	struct json_object *v = json_object_new_object();

	if (!o || !v) {
		json_object_put(o);
		json_object_put(v);
		http_json(ctx, 500, NULL);
		return;
	}
	json_object_object_add(v, "id", json_object_new_string(u->video_id));
	json_object_object_add(v, "status", json_object_new_string("queued"));
	json_object_object_add(o, "video", v);
	http_json(ctx, 202, o);
}

/* {}: the part list is what storage holds, which must be every part, each
 * of its size; answers (422, 503) and returns false otherwise. */
static bool held_parts(struct http_ctx *ctx, const struct upload *u, struct s3_part *list,
                       char digest[65])
{
	struct s3_part *held = NULL;
	size_t n = 0;
	buf text;
	vp_res r;

	r = s3_list_parts(ctx->cfg, u->bucket, u->key, u->s3_upload_id, &held, &n);
	if (r == VP_NOT_FOUND) {
		http_error(ctx, 422, "upload_incomplete", "storage no longer holds this upload");
		return false;
	}
	if (r != VP_OK) {
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "list parts");
		return false;
	}
	buf_init(&text, (size_t)4 << 20);
	for (size_t i = 0; r == VP_OK && i < n; i++)
		if (n != (size_t)u->part_count || held[i].number != (int)i + 1 ||
		    held[i].size != uploads_part_bytes(u, held[i].number))
			r = VP_INVALID;
		else
			r = buf_printf(&text, "%s\n", held[i].etag);
	if (r == VP_OK && n == (size_t)u->part_count) {
		memcpy(list, held, n * sizeof(*held));
		sigv4_sha256_hex(text.data, text.len, digest);
	} else if (r == VP_OK || r == VP_INVALID) {
		http_error(ctx, 422, "upload_incomplete",
		           "storage does not hold every part, each of its size: send the missing "
		           "ones first");
		r = VP_INVALID;
	} else {
		http_fail(ctx, r, "complete");
	}
	free(held);
	buf_free(&text);
	return r == VP_OK;
}

/* The queue message of the contract. */
static vp_res job_payload(const struct upload *u, buf *out)
{
	struct json_object *o = json_object_new_object();
	vp_res r;

	if (!o)
		return VP_NOMEM;
	json_object_object_add(o, "type", json_object_new_string("transcode"));
	json_object_object_add(o, "video_id", json_object_new_string(u->video_id));
	json_object_object_add(o, "bucket", json_object_new_string(u->bucket));
	json_object_object_add(o, "key", json_object_new_string(u->key));
	r = buf_adds(out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return r;
}

static void complete_post(struct http_ctx *ctx)
{
	const struct cfg *cfg = ctx->cfg;
	struct s3_part *parts = NULL;
	struct auth_user who;
	struct upload u;
	char digest[65];
	long long size = -1, outbox_id;
	bool from_storage;
	buf payload;
	vp_res r;

	buf_init(&payload, 4096);
	if (!auth_require(ctx, &who) || !uploads_from_path(ctx, who.uid, &u))
		goto end;
	parts = calloc((size_t)u.part_count, sizeof(*parts));
	if (!parts) {
		http_fail(ctx, VP_NOMEM, "complete");
		goto end;
	}
	from_storage = !json_object_object_get_ex(ctx->req->json, "parts", NULL);
	if (!from_storage && !read_parts(ctx, &u, parts, digest))
		goto end;
	if (!strcmp(u.status, "completed")) {
		/* the same completion again ({} stands for what was completed) */
		if (from_storage || !strcmp(u.complete_digest, digest))
			answer_queued(ctx, &u);
		else
			http_error(ctx, 409, "upload_not_active",
			           "the upload was completed differently");
		goto end;
	}
	if (strcmp(u.status, "active") != 0) {
		http_error(ctx, 409, "upload_not_active", "the upload is not active");
		goto end;
	}
	if (from_storage && !held_parts(ctx, &u, parts, digest))
		goto end;

	r = s3_complete_multipart(cfg, u.bucket, u.key, u.s3_upload_id, parts,
	                          (size_t)u.part_count);
	if (r == VP_NOT_FOUND && s3_head_object(cfg, u.bucket, u.key, &size) == VP_OK)
		r = VP_OK; /* completed before, and our answer was lost: carry on */
	if (r == VP_INVALID || r == VP_NOT_FOUND) {
		http_error(ctx, 422, "upload_incomplete",
		           "storage refused the parts: check each part's ETag");
		goto end;
	}
	if (r != VP_OK) {
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "complete multipart");
		goto end;
	}
	if (size < 0 && (r = s3_head_object(cfg, u.bucket, u.key, &size)) != VP_OK) {
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "head object");
		goto end;
	}
	if (size != u.size) {
		/* unusable: the parts are gone into an object of the wrong size */
		log_event(LOG_WARN, "upload_size_mismatch", "upload", u.id, LOG_END);
		if (s3_delete_object(cfg, u.bucket, u.key) != VP_OK ||
		    uploads_abort(&u, "aborted",
		                  "the uploaded file's size differs from the declared size") !=
		        VP_OK)
			log_event(LOG_ERROR, "upload_size_mismatch_cleanup", "upload", u.id,
			          LOG_END);
		http_error(ctx, 422, "upload_incomplete",
		           "the uploaded size differs from the declared size");
		goto end;
	}

	if ((r = job_payload(&u, &payload)) != VP_OK) {
		http_fail(ctx, r, "payload");
		goto end;
	}
	r = uploads_complete(&u, digest, payload.data, &outbox_id);
	if (r == VP_CONFLICT) {
		/* a concurrent completion won: answer as a repeat would */
		if (uploads_get(u.id, who.uid, &u) == VP_OK && !strcmp(u.status, "completed") &&
		    (from_storage || !strcmp(u.complete_digest, digest)))
			answer_queued(ctx, &u);
		else
			http_error(ctx, 409, "upload_not_active", "the upload is not active");
		goto end;
	}
	if (r != VP_OK) {
		http_fail(ctx, r, "complete");
		goto end;
	}
	/* after commit: send, then mark sent; a failure leaves the row for the
	 * maintenance job, and the client still gets its 202 */
	if (outbox_id > 0) {
		r = sqs_send(cfg, cfg->sqs_queue_url, payload.data);
		if (r == VP_OK)
			r = uploads_mark_sent(outbox_id);
		if (r != VP_OK)
			log_event(LOG_WARN, "outbox_deferred", "video", u.video_id, "result",
			          vp_res_str(r), LOG_END);
	}
	answer_queued(ctx, &u);
end:
	free(parts);
	buf_free(&payload);
}

static const struct http_method methods[] = {
    {"POST", complete_post, HTTP_JSON_BODY_LARGE},
};

int main(void)
{
	return http_serve("upload_complete", methods, VP_ARRAY_LEN(methods));
}
