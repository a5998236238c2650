/*
 * upload_parts — POST /uploads/{id}/parts → fresh pre-signed URLs for some
 * parts (at most 100, each in 1..part_count, no duplicates), each binding
 * the part's exact length. Two forms:
 *   {"part_numbers":[1,2,...]}
 *   {"parts":[{"part_number":1,"md5":"<base64 MD5>"},...]}
 * The second also binds each part's digest (Content-MD5 is signed), so
 * storage refuses bytes that differ; its entries say the header to send.
 */
#include <string.h>

#include "../lib/auth.h"
#include "../lib/json.h"
#include "../lib/uploads.h"

#define MAX_PARTS 100

/* Reads one entry of either form into p; false for a malformed one. */
static bool read_entry(struct json_object *v, bool with_md5, struct upload_part_req *p)
{
	const char *md5;
	int64_t num;

	if (!with_md5) {
		if (!json_object_is_type(v, json_type_int))
			return false;
		num = json_object_get_int64(v);
	} else if (!json_object_is_type(v, json_type_object) ||
	           json_field_i64(v, "part_number", &num) != VP_OK ||
	           json_field_str(v, "md5", &md5) != VP_OK || !uploads_md5_ok(md5)) {
		return false;
	} else {
		memcpy(p->md5, md5, sizeof(p->md5));
	}
	if (num < 1 || num > 10000)
		return false;
	p->number = (int)num;
	return true;
}

static void parts_post(struct http_ctx *ctx)
{
	struct json_object *arr, *parts, *o;
	struct upload_part_req want[MAX_PARTS] = {{0}};
	struct auth_user who;
	struct upload u;
	bool with_md5;
	size_t n;
	vp_res r;

	if (!auth_require(ctx, &who))
		return;
	with_md5 = json_field_array(ctx->req->json, "parts", &arr) == VP_OK;
	if ((with_md5 ? json_object_object_get_ex(ctx->req->json, "part_numbers", NULL)
	              : json_field_array(ctx->req->json, "part_numbers", &arr) != VP_OK) ||
	    (n = json_object_array_length(arr)) == 0 || n > MAX_PARTS) {
		http_error(ctx, 400, "invalid_request",
		           "part_numbers (1 to 100 numbers) or parts (1 to 100 "
		           "{part_number, md5}) is required, not both");
		return;
	}
	if (!uploads_from_path(ctx, who.uid, &u))
		return;
	for (size_t i = 0; i < n; i++) {
		if (!read_entry(json_object_array_get_idx(arr, i), with_md5, &want[i]) ||
		    want[i].number > u.part_count) {
			http_error(ctx, 400, "invalid_request",
			           with_md5 ? "each part needs a part_number in 1..part_count and "
			                      "md5, the base64 of its 16-byte MD5"
			                    : "a part number is outside 1..part_count");
			return;
		}
		for (size_t k = 0; k < i; k++)
			if (want[k].number == want[i].number) {
				http_error(ctx, 400, "invalid_request", "part numbers repeat");
				return;
			}
	}
	if (strcmp(u.status, "active") != 0) {
		http_error(ctx, 409, "upload_not_active", "the upload is not active");
		return;
	}
	parts = uploads_part_urls(ctx->cfg, &u, want, n, &r);
	o = json_object_new_object();
	if (!parts || !o) {
		json_object_put(parts);
		json_object_put(o);
		http_fail(ctx, parts ? VP_NOMEM : r, "sign parts");
		return;
	}
	json_object_object_add(o, "parts", parts);
	http_json(ctx, 200, o);
}

static const struct http_method methods[] = {
    {"POST", parts_post, HTTP_JSON_BODY},
};

int main(void)
{
	return http_serve("upload_parts", methods, VP_ARRAY_LEN(methods));
}
