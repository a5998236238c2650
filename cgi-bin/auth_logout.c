/*
 * auth_logout — POST /auth/logout (bearer) → 204: this session revoked, the
 * refresh cookie cleared.
 */
#include "../lib/auth.h"
#include "../lib/sess.h"

static void logout_post(struct http_ctx *ctx)
{
	struct auth_user who;
	vp_res r;

	if (!auth_origin_ok(ctx) || !auth_require(ctx, &who))
		return;
	r = sess_revoke(who.uid, who.sid);
	if (r != VP_OK && r != VP_NOT_FOUND) {
		http_fail(ctx, r, "logout");
		return;
	}
	auth_clear_cookie(ctx);
	http_empty(ctx, 204);
}

static const struct http_method methods[] = {
    {"POST", logout_post, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("auth_logout", methods, VP_ARRAY_LEN(methods));
}
