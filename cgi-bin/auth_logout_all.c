/*
 * auth_logout_all — POST /auth/logout-all (bearer) → 204: every session of
 * the user revoked.
 */
#include "../lib/auth.h"
#include "../lib/sess.h"

static void logout_all_post(struct http_ctx *ctx)
{
	struct auth_user who;
	vp_res r;

	if (!auth_origin_ok(ctx) || !auth_require(ctx, &who))
		return;
	if ((r = sess_revoke_all(who.uid)) != VP_OK) {
		http_fail(ctx, r, "logout-all");
		return;
	}
	auth_clear_cookie(ctx);
	http_empty(ctx, 204);
}

static const struct http_method methods[] = {
    {"POST", logout_all_post, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("auth_logout_all", methods, VP_ARRAY_LEN(methods));
}
