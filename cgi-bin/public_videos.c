/*
 * public_videos — GET /public/videos?limit=&cursor= (no auth) → the public
 * videos that are ready, newest first, as <public video>s. Counted against
 * the client's RATE_LIMIT_PUBLIC.
 */
#include "../lib/ratelimit.h"
#include "../lib/videos.h"

static void public_videos_get(struct http_ctx *ctx)
{
	if (ratelimit_public(ctx))
		videos_answer_list(ctx, NULL);
}

static const struct http_method methods[] = {
    {"GET", public_videos_get, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("public_videos", methods, VP_ARRAY_LEN(methods));
}
