/*
 * public_video — GET /public/videos/{id} (no auth) → the <public video> of
 * a public or unlisted video that is ready. Private, not ready and unknown
 * are one answer (404), so the route tells a stranger nothing about a
 * video it may not watch. Counted against the client's RATE_LIMIT_PUBLIC.
 */
#include "../lib/ratelimit.h"
#include "../lib/videos.h"

static void public_video_get(struct http_ctx *ctx)
{
	struct json_object *v = NULL;
	char id[40];
	vp_res r = VP_NOT_FOUND;

	if (!ratelimit_public(ctx))
		return;
	if (http_path_segment(ctx->req, 2, id, sizeof(id)) == VP_OK)
		r = videos_public_get(ctx->cfg, id, false, &v);
	videos_answer(ctx, r, v, "video");
}

static const struct http_method methods[] = {
    {"GET", public_video_get, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("public_video", methods, VP_ARRAY_LEN(methods));
}
