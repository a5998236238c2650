/*
 * upload_parts — POST /uploads/{id}/parts {"part_numbers":[...]} → fresh
 * pre-signed URLs for those parts (at most 100, each in 1..part_count, no
 * duplicates).
 */
#include <string.h>

#include "../lib/auth.h"
#include "../lib/json.h"
#include "../lib/uploads.h"

#define MAX_NUMBERS 100

static void parts_post(struct http_ctx *ctx)
{
	struct json_object *arr, *parts, *o;
	int numbers[MAX_NUMBERS];
	struct auth_user who;
	struct upload u;
	size_t n;
	vp_res r;

	if (!auth_require(ctx, &who))
		return;
	if (json_field_array(ctx->req->json, "part_numbers", &arr) != VP_OK ||
	    (n = json_object_array_length(arr)) == 0 || n > MAX_NUMBERS) {
		http_error(ctx, 400, "invalid_request",
		           "part_numbers must be an array of 1 to 100 numbers");
		return;
	}
	if (!uploads_from_path(ctx, who.uid, &u))
		return;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		int64_t num = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;

		if (num < 1 || num > u.part_count) {
			http_error(ctx, 400, "invalid_request",
			           "a part number is outside 1..part_count");
			return;
		}
		numbers[i] = (int)num;
		for (size_t k = 0; k < i; k++)
			if (numbers[k] == numbers[i]) {
				http_error(ctx, 400, "invalid_request", "part numbers repeat");
				return;
			}
	}
	if (strcmp(u.status, "active") != 0) {
		http_error(ctx, 409, "upload_not_active", "the upload is not active");
		return;
	}
	parts = uploads_part_urls(ctx->cfg, &u, numbers, n, &r);
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
    {"POST", parts_post, true},
};

int main(void)
{
	return http_serve("upload_parts", methods, VP_ARRAY_LEN(methods));
}
