/*
 * upload — GET /uploads/{id}: the upload and the parts storage already holds
 * (so a client can resume); DELETE /uploads/{id}: abort it.
 */
#include <stdlib.h>
#include <string.h>

#include "../lib/auth.h"
#include "../lib/s3.h"
#include "../lib/uploads.h"

static void upload_get(struct http_ctx *ctx)
{
	struct json_object *o, *up, *parts;
	struct s3_part *list = NULL;
	struct auth_user who;
	struct upload u;
	size_t n = 0;
	vp_res r;

	if (!auth_require(ctx, &who) || !uploads_from_path(ctx, who.uid, &u))
		return;
	if (!strcmp(u.status, "active")) {
		r = s3_list_parts(ctx->cfg, u.bucket, u.key, u.s3_upload_id, &list, &n);
		if (r != VP_OK && r != VP_NOT_FOUND) {
			http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "list parts");
			return;
		}
	}
	up = uploads_json(&u);
	parts = json_object_new_array();
	o = json_object_new_object();
	for (size_t i = 0; parts && i < n; i++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "part_number", json_object_new_int(list[i].number));
		json_object_object_add(p, "etag", json_object_new_string(list[i].etag));
		json_object_object_add(p, "size", json_object_new_int64(list[i].size));
		json_object_array_add(parts, p);
	}
	free(list);
	if (!up || !parts || !o) {
		json_object_put(up);
		json_object_put(parts);
		json_object_put(o);
		http_json(ctx, 500, NULL);
		return;
	}
	json_object_object_add(up, "parts", parts);
	json_object_object_add(o, "upload", up);
	http_json(ctx, 200, o);
}

static void upload_delete(struct http_ctx *ctx)
{
	struct auth_user who;
	struct upload u;
	vp_res r;

	if (!auth_require(ctx, &who) || !uploads_from_path(ctx, who.uid, &u))
		return;
	if (strcmp(u.status, "active") != 0) {
		http_error(ctx, 409, "upload_not_active", "the upload is not active");
		return;
	}
	if ((r = s3_abort_multipart(ctx->cfg, u.bucket, u.key, u.s3_upload_id)) != VP_OK) {
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "abort");
		return;
	}
	r = uploads_abort(&u, "aborted", "the upload was cancelled");
	if (r == VP_CONFLICT)
		http_error(ctx, 409, "upload_not_active", "the upload is not active");
	else if (r != VP_OK)
		http_fail(ctx, r, "abort");
	else
		http_empty(ctx, 204);
}

static const struct http_method methods[] = {
    {"GET", upload_get, HTTP_NO_BODY},
    {"DELETE", upload_delete, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("upload", methods, VP_ARRAY_LEN(methods));
}
