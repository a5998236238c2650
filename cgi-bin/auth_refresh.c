/*
 * auth_refresh — POST /auth/refresh, refresh cookie → 200 new tokens.
 *
 * Rotation: the presented refresh jti must be the session's live one; it is
 * replaced atomically. A spent jti presented again revokes the session.
 */
#include <time.h>

#include "../lib/auth.h"
#include "../lib/log.h"
#include "../lib/sess.h"

static void refresh_invalid(struct http_ctx *ctx)
{
	auth_clear_cookie(ctx);
	http_error(ctx, 401, "invalid_refresh_token", "the refresh token is not valid");
}

static void refresh_post(struct http_ctx *ctx)
{
	char tok[4200], jti[37];
	struct token_claims c;
	struct user u;
	vp_res r;

	if (!auth_origin_ok(ctx))
		return;
	if (!auth_refresh_cookie(ctx, tok, sizeof(tok)) ||
	    token_verify(ctx->cfg, TOKEN_REFRESH, tok, time(NULL), &c) != VP_OK) {
		refresh_invalid(ctx);
		return;
	}
	/* Read the user first: a failure after rotating would strand the
	 * client without its new token. */
	users_init(&u);
	r = users_by_id(c.sub, &u);
	if (r == VP_NOT_FOUND) {
		refresh_invalid(ctx);
		goto end;
	}
	if (r != VP_OK || (r = http_uuid(jti)) != VP_OK) {
		http_fail(ctx, r, "refresh");
		goto end;
	}
	r = sess_rotate(ctx->cfg, c.sub, c.sid, c.jti, jti);
	if (r == VP_CONFLICT) {
		log_event(LOG_WARN, "refresh_reuse", "session", c.sid, LOG_END);
		refresh_invalid(ctx);
	} else if (r == VP_DENIED) {
		refresh_invalid(ctx);
	} else if (r != VP_OK) {
		http_fail(ctx, r, "refresh");
	} else {
		auth_answer_tokens(ctx, &u, c.sid, jti);
	}
end:
	users_free(&u);
}

static const struct http_method methods[] = {
    {"POST", refresh_post, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("auth_refresh", methods, VP_ARRAY_LEN(methods));
}
