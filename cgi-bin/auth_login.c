/*
 * auth_login — POST /auth/login {"email","password"} → 200 tokens + cookie.
 *
 * Two limits: requests per client IP, and failed logins per account whatever
 * the IP. The account's limit counts an attempt before its password is
 * checked (one Redis script takes a token or refuses), so however many
 * guesses run in parallel, at most the limit of them are ever verified; a
 * correct password gives its token back, a wrong one keeps it spent. Once
 * the limit is reached even the right password is refused until the window
 * frees a token. An unknown e-mail and a wrong password get the same answer
 * after the same work (one Argon2id verification).
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "../lib/auth.h"
#include "../lib/ratelimit.h"

/* The per-account key holds a hash of the e-mail, not the address. */
static void fail_key(const char *email, char *out, size_t size)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	int n = snprintf(out, size, "rl:login_fail:");

	SHA256((const unsigned char *)email, strlen(email), md);
	for (int i = 0; i < 16 && (size_t)n + 2 < size; i++)
		n += snprintf(out + n, size - (size_t)n, "%02x", md[i]);
}

static void login_post(struct http_ctx *ctx)
{
	struct passwd_params pp = auth_passwd_params(ctx->cfg);
	const struct cfg *cfg = ctx->cfg;
	char email[256], fkey[64];
	const char *pw;
	size_t pwlen;
	struct ratelimit rl, fl;
	struct user u;
	vp_res r;

	if (!auth_ip_limit(ctx, &rl))
		return;
	if (!auth_read_credentials(ctx, email, sizeof(email), &pw, &pwlen)) {
		ratelimit_headers(ctx, &rl);
		return;
	}
	fail_key(email, fkey, sizeof(fkey));
	if (!ratelimit_pass(ctx, fkey, cfg->rl_login_fail, cfg->rl_login_fail_window, true, &fl))
		return;
	ratelimit_headers(ctx, &rl);

	users_init(&u);
	r = users_by_email(email, &u);
	if (r == VP_OK)
		r = passwd_verify(buf_str(&u.password_hash), pw, pwlen);
	else if (r == VP_NOT_FOUND)
		r = passwd_verify_dummy(&pp, pw, pwlen);
	if (r == VP_DENIED || r == VP_NOT_FOUND) {
		http_error(ctx, 401, "invalid_credentials", "email or password is wrong");
		goto end;
	}
	/* not a failed guess (a success, or the database down): the attempt's
	 * token goes back */
	if (ratelimit_refund(fkey, cfg->rl_login_fail, cfg->rl_login_fail_window) != VP_OK)
		r = r == VP_OK ? VP_UNAVAILABLE : r;
	if (r == VP_OK)
		auth_answer_new_session(ctx, &u);
	else
		http_fail(ctx, r, "login");
end:
	users_free(&u);
}

static const struct http_method methods[] = {
    {"POST", login_post, HTTP_JSON_BODY},
};

int main(void)
{
	return http_serve("auth_login", methods, VP_ARRAY_LEN(methods));
}
