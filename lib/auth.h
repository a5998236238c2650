/*
 * auth.h — the auth middleware and what the auth responders share.
 *
 * auth_require() is the one gate of every authenticated route: bearer token
 * → verified access claims → the session alive in Redis → the per-user rate
 * limit → the route gets the user and session ids. It answers the refusal
 * itself (401 with WWW-Authenticate, 429, 503 — never a pass when Redis is
 * down) and returns false; the handler then just returns.
 */
#ifndef VP_AUTH_H
#define VP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "passwd.h"
#include "ratelimit.h"
#include "sess.h"
#include "token.h"
#include "users.h"

struct auth_user {
	char uid[37];
	char sid[37];
	struct sess_owner owner; /* the user's e-mail and created_at, when the session has them */
};

bool auth_require(struct http_ctx *ctx, struct auth_user *who);

/* Cookie-authenticated and state-changing routes refuse a foreign Origin:
 * answers 403 forbidden_origin and returns false. No Origin is fine (not a
 * browser, or a same-origin GET). */
bool auth_origin_ok(struct http_ctx *ctx);

/* The per-client-IP allowance of login and register (RATE_LIMIT_AUTH_PER_IP):
 * takes one request, or answers 429/503 and returns false. */
bool auth_ip_limit(struct http_ctx *ctx, struct ratelimit *rl);

/* Reads {"email","password"}: trims and lower-cases the e-mail and checks
 * both; on failure answers 400 invalid_request and returns false. */
bool auth_read_credentials(struct http_ctx *ctx, char *email, size_t email_size,
                           const char **password, size_t *password_len);

/* True when s is a plausible e-mail address (after normalising). */
bool auth_email_ok(const char *s);

/* Starts a session for u and answers 200 with the token body and the
 * refresh cookie (login). */
void auth_answer_new_session(struct http_ctx *ctx, const struct user *u);

/* Issues an access token and a refresh token for (uid, sid) with the given
 * refresh jti, and answers 200 with both (login and refresh). */
void auth_answer_tokens(struct http_ctx *ctx, const struct user *u, const char *sid,
                        const char *refresh_jti);

/* Set-Cookie that clears the refresh cookie. */
void auth_clear_cookie(struct http_ctx *ctx);

/* The refresh token from the Cookie header, or NULL. Copied into out. */
const char *auth_refresh_cookie(struct http_ctx *ctx, char *out, size_t size);
/* The value of the first cookie called name in a Cookie header (NULL for
 * none), copied into out; NULL when absent, empty or too long for out. */
const char *auth_cookie_value(const char *header, const char *name, char *out, size_t size);

struct passwd_params auth_passwd_params(const struct cfg *cfg);

/* A 401 with the contract's WWW-Authenticate. */
void auth_unauthorized(struct http_ctx *ctx, bool token_sent);

#endif
