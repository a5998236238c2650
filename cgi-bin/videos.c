/*
 * videos — GET /videos?limit=&cursor= → the user's videos, newest first.
 */
#include "../lib/auth.h"
#include "../lib/videos.h"

static void videos_get_list(struct http_ctx *ctx)
{
	struct auth_user who;

	if (auth_require(ctx, &who))
		videos_answer_list(ctx, who.uid);
}

static const struct http_method methods[] = {
    {"GET", videos_get_list, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("videos", methods, VP_ARRAY_LEN(methods));
}
