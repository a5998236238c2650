/*
 * videos — GET /videos?limit=&cursor= → the user's videos, newest first.
 */
#include <stdlib.h>
#include <string.h>

#include "../lib/auth.h"
#include "../lib/videos.h"

static void videos_get_list(struct http_ctx *ctx)
{
	char lim[16], cursor[128];
	struct json_object *list, *o;
	struct auth_user who;
	long limit = 20;
	vp_res r, cr;
	buf next;

	if (!auth_require(ctx, &who))
		return;
	r = http_query_param(ctx->req, "limit", lim, sizeof(lim));
	if (r == VP_OK) {
		/* digits only: no sign, blank or exponent that strtol would take */
		size_t n = strspn(lim, "0123456789");

		limit = n && n <= 3 && !lim[n] ? strtol(lim, NULL, 10) : 0;
		if (limit < 1 || limit > 100)
			r = VP_INVALID;
	}
	cr = http_query_param(ctx->req, "cursor", cursor, sizeof(cursor));
	if ((r != VP_OK && r != VP_NOT_FOUND) || (cr != VP_OK && cr != VP_NOT_FOUND)) {
		http_error(ctx, 400, "invalid_request", "limit must be 1..100 and cursor as given");
		return;
	}
	buf_init(&next, 256);
	r = videos_list(ctx->cfg, who.uid, (int)limit, cr == VP_OK ? cursor : NULL, &list, &next);
	if (r == VP_INVALID) {
		http_error(ctx, 400, "invalid_request", "cursor is not one this API gave");
	} else if (r != VP_OK) {
		http_fail(ctx, r, "videos");
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

static const struct http_method methods[] = {
    {"GET", videos_get_list, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("videos", methods, VP_ARRAY_LEN(methods));
}
