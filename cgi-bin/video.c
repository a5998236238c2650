/*
 * video — GET /videos/{id} (with playback URLs when ready), PATCH
 * /videos/{id} {"title"}, DELETE /videos/{id} (every object goes too).
 * Another user's video is answered exactly like a missing one: 404.
 */
#include <string.h>

#include "../lib/auth.h"
#include "../lib/json.h"
#include "../lib/videos.h"

static bool video_id(struct http_ctx *ctx, char id[40])
{
	if (http_path_segment(ctx->req, 1, id, 40) == VP_OK && http_is_uuid(id))
		return true;
	http_error(ctx, 404, "not_found", "no such video");
	return false;
}

static void answer_video(struct http_ctx *ctx, const char *uid, const char *id)
{
	struct json_object *v, *o;
	vp_res r = videos_get(ctx->cfg, uid, id, &v);

	if (r == VP_NOT_FOUND) {
		http_error(ctx, 404, "not_found", "no such video");
	} else if (r != VP_OK) {
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "video");
	} else if (!(o = json_object_new_object())) {
		json_object_put(v);
		http_json(ctx, 500, NULL);
	} else {
		json_object_object_add(o, "video", v);
		http_json(ctx, 200, o);
	}
}

static void video_get(struct http_ctx *ctx)
{
	struct auth_user who;
	char id[40];

	if (auth_require(ctx, &who) && video_id(ctx, id))
		answer_video(ctx, who.uid, id);
}

static void video_patch(struct http_ctx *ctx)
{
	struct auth_user who;
	const char *title;
	char id[40];
	vp_res r;

	if (!auth_require(ctx, &who) || !video_id(ctx, id))
		return;
	if (json_field_text(ctx->req->json, "title", 0, 200, &title) != VP_OK) {
		http_error(
		    ctx, 400, "invalid_request",
		    "title must be a string of at most 200 bytes without control characters");
		return;
	}
	r = videos_rename(who.uid, id, title);
	if (r == VP_NOT_FOUND)
		http_error(ctx, 404, "not_found", "no such video");
	else if (r != VP_OK)
		http_fail(ctx, r, "rename");
	else
		answer_video(ctx, who.uid, id);
}

static void video_delete(struct http_ctx *ctx)
{
	struct auth_user who;
	char id[40];
	vp_res r;

	if (!auth_require(ctx, &who) || !video_id(ctx, id))
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
