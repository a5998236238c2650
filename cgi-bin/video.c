/*
 * video — GET /videos/{id} (with playback URLs when ready), PATCH
 * /videos/{id} {"title"?, "visibility"?} (at least one), DELETE
 * /videos/{id} (every object goes too, and every share link with it).
 * Another user's video is answered exactly like a missing one: 404.
 */
#include <string.h>

#include "../lib/auth.h"
#include "../lib/json.h"
#include "../lib/videos.h"

static void answer_video(struct http_ctx *ctx, const char *uid, const char *id)
{
	struct json_object *v;
	vp_res r = videos_get(ctx->cfg, uid, id, &v);

	videos_answer(ctx, r, v, "video");
}

static void video_get(struct http_ctx *ctx)
{
	struct auth_user who;
	char id[40];

	if (auth_require(ctx, &who) && videos_path_id(ctx, 1, id))
		answer_video(ctx, who.uid, id);
}

static void video_patch(struct http_ctx *ctx)
{
	struct json_object *body = ctx->req->json;
	const char *title = NULL, *visibility = NULL;
	struct auth_user who;
	char id[40];
	vp_res rt, rv, r;

	if (!auth_require(ctx, &who) || !videos_path_id(ctx, 1, id))
		return;
	rt = json_field_text(body, "title", 0, 200, &title);
	rv = json_field_str(body, "visibility", &visibility);
	if (rt == VP_INVALID) {
		http_error(
		    ctx, 400, "invalid_request",
		    "title must be a string of at most 200 bytes without control characters");
		return;
	}
	if (rv == VP_INVALID || (rv == VP_OK && !videos_visibility_ok(visibility))) {
		http_error(ctx, 400, "invalid_request",
		           "visibility must be \"private\", \"unlisted\" or \"public\"");
		return;
	}
	if (rt != VP_OK && rv != VP_OK) {
		http_error(ctx, 400, "invalid_request", "title, visibility or both are required");
		return;
	}
	r = videos_update(who.uid, id, title, visibility);
	if (r == VP_NOT_FOUND)
		http_error(ctx, 404, "not_found", "no such video");
	else if (r != VP_OK)
		http_fail(ctx, r, "update");
	else
		answer_video(ctx, who.uid, id);
}

static void video_delete(struct http_ctx *ctx)
{
	struct auth_user who;
	char id[40];
	vp_res r;

	if (!auth_require(ctx, &who) || !videos_path_id(ctx, 1, id))
		return;
	r = videos_delete(ctx->cfg, who.uid, id);
	if (r == VP_NOT_FOUND)
		http_error(ctx, 404, "not_found", "no such video");
	else if (r != VP_OK)
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "delete");
	else
		http_empty(ctx, 204);
}

static const struct http_method methods[] = {
    {"GET", video_get, HTTP_NO_BODY},
    {"PATCH", video_patch, HTTP_JSON_BODY},
    {"DELETE", video_delete, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("video", methods, VP_ARRAY_LEN(methods));
}
