/*
 * auth_session — DELETE /auth/sessions/{id} (bearer) → 204, that session
 * revoked; 404 for an id that is not one of the user's sessions.
 */
#include "../lib/auth.h"
#include "../lib/sess.h"

static void session_delete(struct http_ctx *ctx)
{
	struct auth_user who;
	char id[40];
	vp_res r;

	if (!auth_require(ctx, &who))
		return;
	/* the route map guarantees /auth/sessions/<one segment> */
	if (http_path_segment(ctx->req, 2, id, sizeof(id)) != VP_OK || !http_is_uuid(id)) {
		http_error(ctx, 404, "not_found", "no such session");
		return;
	}
	r = sess_revoke(who.uid, id);
	if (r == VP_NOT_FOUND)
		http_error(ctx, 404, "not_found", "no such session");
	else if (r != VP_OK)
		http_fail(ctx, r, "session revoke");
	else
		http_empty(ctx, 204);
}

static const struct http_method methods[] = {
    {"DELETE", session_delete, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("auth_session", methods, VP_ARRAY_LEN(methods));
}
