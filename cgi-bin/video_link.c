/*
 * video_link — DELETE /videos/{id}/links/{link_id} → 204: the link stops
 * working at once (its row goes; pages already playing keep their URLs for
 * PUBLIC_PLAYBACK_URL_TTL at most). 404 for an unknown link, or a link of
 * another video or of another user's video.
 */
#include "../lib/auth.h"
#include "../lib/log.h"
#include "../lib/share.h"

static void link_delete(struct http_ctx *ctx)
{
	struct auth_user who;
	char vid[40], lid[40];
	vp_res r = VP_NOT_FOUND;

	if (!auth_require(ctx, &who))
		return;
	if (http_path_segment(ctx->req, 1, vid, sizeof(vid)) == VP_OK &&
	    http_path_segment(ctx->req, 3, lid, sizeof(lid)) == VP_OK)
		r = share_revoke(who.uid, vid, lid);
	if (r == VP_NOT_FOUND) {
		http_error(ctx, 404, "not_found", "no such link");
	} else if (r != VP_OK) {
		http_fail(ctx, r, "revoke link");
	} else {
		log_event(LOG_INFO, "link_revoked", "video", vid, "link", lid, LOG_END);
		http_empty(ctx, 204);
	}
}

static const struct http_method methods[] = {
    {"DELETE", link_delete, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("video_link", methods, VP_ARRAY_LEN(methods));
}
