/*
 * video_links — the share links of one of the user's videos:
 *   POST /videos/{id}/links {"expires_in"?} → 201 {"link":{"id","token",
 *        "url","created_at","expires_at"}}; expires_in is 60..31536000
 *        seconds, absent for a link that never expires. The token is in
 *        this answer only: the database keeps its hash.
 *   GET  /videos/{id}/links → {"links":[{"id","created_at","expires_at"}]},
 *        the links that still work, newest first.
 * Another user's video is 404, as a missing one.
 */
#include "../lib/auth.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/share.h"
#include "../lib/videos.h"

/* Answers {name: v} with status, or the failure r. */
static void answer(struct http_ctx *ctx, vp_res r, int status, const char *name,
                   struct json_object *v)
{
	struct json_object *o;

	if (r == VP_NOT_FOUND) {
		http_error(ctx, 404, "not_found", "no such video");
	} else if (r != VP_OK) {
		http_fail(ctx, r, name);
	} else if (!(o = json_object_new_object())) {
		json_object_put(v);
		http_json(ctx, 500, NULL);
	} else {
		json_object_object_add(o, name, v);
		http_json(ctx, status, o);
	}
}

static void links_post(struct http_ctx *ctx)
{
	struct json_object *link = NULL;
	struct auth_user who;
	int64_t expires_in = 0;
	char id[40];
	vp_res r;

	if (!auth_require(ctx, &who) || !videos_path_id(ctx, 1, id))
		return;
	r = json_field_i64(ctx->req->json, "expires_in", &expires_in);
	if (r == VP_INVALID ||
	    (r == VP_OK && (expires_in < SHARE_EXPIRES_MIN || expires_in > SHARE_EXPIRES_MAX))) {
		http_error(ctx, 400, "invalid_request",
		           "expires_in must be a whole number of seconds from 60 to 31536000, or "
		           "absent for a link that does not expire");
		return;
	}
	r = share_create(ctx->cfg, who.uid, id, (long)expires_in, &link);
	if (r == VP_OK) /* the link by its id: its token stays out of logs */
		log_event(LOG_INFO, "link_created", "video", id, "link",
		          json_object_get_string(json_object_object_get(link, "id")), LOG_END);
	answer(ctx, r, 201, "link", link);
}

static void links_get(struct http_ctx *ctx)
{
	struct json_object *links = NULL;
	struct auth_user who;
	char id[40];
	vp_res r;

	if (!auth_require(ctx, &who) || !videos_path_id(ctx, 1, id))
		return;
	r = share_list(who.uid, id, &links);
	answer(ctx, r, 200, "links", links);
}

static const struct http_method methods[] = {
    {"GET", links_get, HTTP_NO_BODY},
    {"POST", links_post, HTTP_JSON_BODY},
};

int main(void)
{
	return http_serve("video_links", methods, VP_ARRAY_LEN(methods));
}
