/*
 * auth_register — POST /auth/register {"email","password"} → 201 {"user"}.
 * Rate limited per client IP; the password is stored only as Argon2id.
 */
#include <stdio.h>

#include "../lib/auth.h"
#include "../lib/ratelimit.h"

static void register_post(struct http_ctx *ctx)
{
	struct passwd_params pp = auth_passwd_params(ctx->cfg);
	char email[256];
	const char *pw;
	size_t pwlen;
	struct ratelimit rl;
	struct user u;
	struct json_object *o;
	vp_res r;

	if (!auth_ip_limit(ctx, &rl))
		return;
	ratelimit_headers(ctx, &rl);
	if (!auth_read_credentials(ctx, email, sizeof(email), &pw, &pwlen))
		return;
	users_init(&u);
	if ((r = passwd_hash(&pp, pw, pwlen, &u.password_hash)) != VP_OK) {
		http_fail(ctx, r, "password hash");
		goto end;
	}
	r = users_create(email, buf_str(&u.password_hash), &u);
	if (r == VP_CONFLICT) {
		http_error(ctx, 409, "email_taken", "an account with this email exists");
		goto end;
	}
	if (r != VP_OK) {
		http_fail(ctx, r, "user create");
		goto end;
	}
	o = json_object_new_object();
	if (o)
		json_object_object_add(o, "user", users_json(&u));
	http_json(ctx, 201, o);
end:
	users_free(&u);
}

static const struct http_method methods[] = {
    {"POST", register_post, HTTP_JSON_BODY},
};

int main(void)
{
	return http_serve("auth_register", methods, VP_ARRAY_LEN(methods));
}
