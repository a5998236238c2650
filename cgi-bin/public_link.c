/*
 * public_link — GET /public/links/{token} (no auth) → the <public video> a
 * share link opens, whatever the video's visibility or state. A malformed,
 * unknown, revoked or expired token is one answer (404). The token is a
 * secret: the request's log line hides it. Counted against the client's
 * RATE_LIMIT_PUBLIC.
 */
#include "../lib/ratelimit.h"
#include "../lib/share.h"
#include "../lib/videos.h"

static void public_link_get(struct http_ctx *ctx)
{
	struct json_object *v = NULL;
	char token[SHARE_TOKEN_LEN + 2], vid[37];
	vp_res r = VP_NOT_FOUND;

	if (!ratelimit_public(ctx))
		return;
	if (http_path_segment(ctx->req, 2, token, sizeof(token)) == VP_OK &&
	    (r = share_resolve(token, vid)) == VP_OK)
		r = videos_public_get(ctx->cfg, vid, true, &v);
	videos_answer(ctx, r, v, "link");
}

static const struct http_method methods[] = {
    {"GET", public_link_get, HTTP_NO_BODY},
};

int main(void)
{
	http_hide_segment(2);
	return http_serve("public_link", methods, VP_ARRAY_LEN(methods));
}
