/*
 * auth.c — the auth middleware and the auth responders' shared steps
 * (see auth.h).
 */
#include "auth.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "json.h"
#include "log.h"
#include "ratelimit.h"
#include "sess.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 256

struct passwd_params auth_passwd_params(const struct cfg *cfg)
{
	struct passwd_params pp = {(unsigned)cfg->argon2_m_kib, (unsigned)cfg->argon2_t,
	                           (unsigned)cfg->argon2_p};
	return pp;
}

void auth_unauthorized(struct http_ctx *ctx, bool token_sent)
{
	if (token_sent) {
		http_header(ctx, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		http_error(ctx, 401, "invalid_token", "the access token is not valid");
	} else {
		http_header(ctx, "WWW-Authenticate", "Bearer");
		http_error(ctx, 401, "unauthorized", "authentication required");
	}
}

bool auth_require(struct http_ctx *ctx, struct auth_user *who)
{
	const char *h = http_param(ctx, "HTTP_AUTHORIZATION");
	struct token_claims c;
	struct ratelimit rl;
	vp_res r;

	memset(who, 0, sizeof(*who));
	if (!h || !*h) {
		auth_unauthorized(ctx, false);
		return false;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0 ||
	    token_verify(ctx->cfg, TOKEN_ACCESS, h + 7, time(NULL), &c) != VP_OK) {
		auth_unauthorized(ctx, true);
		return false;
	}
	r = sess_check_owner(ctx->cfg, c.sub, c.sid, &rl, &who->owner);
	if (r == VP_DENIED) {
		auth_unauthorized(ctx, true);
		return false;
	}
	if (r != VP_OK) {
		http_fail(ctx, r, "session check");
		return false;
	}
	if (!rl.allowed) {
		ratelimit_deny(ctx, &rl);
		return false;
	}
	ratelimit_headers(ctx, &rl);
	memcpy(who->uid, c.sub, sizeof(who->uid));
	memcpy(who->sid, c.sid, sizeof(who->sid));
	return true;
}

bool auth_origin_ok(struct http_ctx *ctx)
{
	const char *o = ctx->req->origin;

	if (!o || !strcmp(o, ctx->cfg->frontend_url))
		return true;
	http_error(ctx, 403, "forbidden_origin", "requests from this origin are not allowed");
	return false;
}

bool auth_ip_limit(struct http_ctx *ctx, struct ratelimit *rl)
{
	return ratelimit_client(ctx, "auth_ip", ctx->cfg->rl_auth_ip, ctx->cfg->rl_auth_ip_window,
	                        rl);
}

/* ------------------------------------------------------------------------ */
/* Credentials                                                               */
/* ------------------------------------------------------------------------ */

bool auth_email_ok(const char *s)
{
	const char *at = strchr(s, '@'), *dom, *p;
	size_t n = strlen(s);

	if (n < 3 || n > 254 || !at || strchr(at + 1, '@'))
		return false;
	if (at == s || at - s > 64)
		return false;
	dom = at + 1;
	if (!*dom || *dom == '.' || s[n - 1] == '.' || !strchr(dom, '.') || strstr(dom, ".."))
		return false;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		/* printable ASCII without the characters that need quoting */
		if (c <= 0x20 || c >= 0x7f || strchr("()<>[]\\,;:\"", c))
			return false;
		if (p > at && !(isalnum(c) || c == '-' || c == '.'))
			return false;
	}
	return true;
}

bool auth_read_credentials(struct http_ctx *ctx, char *email, size_t email_size,
                           const char **password, size_t *password_len)
{
	const char *e = NULL, *pw = NULL;
	struct json_object *v;
	size_t n;

	if (json_field_str(ctx->req->json, "email", &e) != VP_OK ||
	    json_field_str(ctx->req->json, "password", &pw) != VP_OK) {
		http_error(ctx, 400, "invalid_request", "email and password are required strings");
		return false;
	}
	while (*e == ' ' || *e == '\t')
		e++;
	n = strlen(e);
	while (n && (e[n - 1] == ' ' || e[n - 1] == '\t'))
		n--;
	if (n >= email_size) {
		http_error(ctx, 400, "invalid_request", "email is not a valid address");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		email[i] = (char)tolower((unsigned char)e[i]);
	email[n] = '\0';
	if (!auth_email_ok(email)) {
		http_error(ctx, 400, "invalid_request", "email is not a valid address");
		return false;
	}
	/* The length json-c saw, so an embedded NUL cannot shorten it. */
	json_object_object_get_ex(ctx->req->json, "password", &v);
	*password_len = (size_t)json_object_get_string_len(v);
	if (*password_len < PASSWORD_MIN || *password_len > PASSWORD_MAX ||
	    memchr(pw, '\0', *password_len)) {
		http_error(ctx, 400, "invalid_request", "password must be 8 to 256 bytes");
		return false;
	}
	*password = pw;
	return true;
}

/* ------------------------------------------------------------------------ */
/* Tokens and the cookie                                                     */
/* ------------------------------------------------------------------------ */

static void set_refresh_cookie(struct http_ctx *ctx, const char *value, long max_age)
{
	buf c;

	buf_init(&c, 8192);
	buf_printf(&c,
	           "refresh_token=%s; Max-Age=%ld; Path=/auth; HttpOnly; Secure; SameSite=Strict",
	           value, max_age);
	http_header(ctx, "Set-Cookie", buf_str(&c));
	buf_free(&c);
}

void auth_clear_cookie(struct http_ctx *ctx)
{
	set_refresh_cookie(ctx, "", 0);
}

void auth_answer_tokens(struct http_ctx *ctx, const struct user *u, const char *sid,
                        const char *refresh_jti)
{
	struct token_claims ac, rc;
	struct json_object *o;
	time_t now = time(NULL);
	buf at, rt;
	vp_res r;

	buf_init(&at, 8192);
	buf_init(&rt, 8192);
	memset(&ac, 0, sizeof(ac));
	memcpy(ac.sub, u->id, sizeof(ac.sub));
	memcpy(ac.sid, sid, sizeof(ac.sid));
	rc = ac;
	memcpy(rc.jti, refresh_jti, sizeof(rc.jti));
	if ((r = http_uuid(ac.jti)) != VP_OK ||
	    (r = token_issue(ctx->cfg, TOKEN_ACCESS, &ac, now, &at)) != VP_OK ||
	    (r = token_issue(ctx->cfg, TOKEN_REFRESH, &rc, now, &rt)) != VP_OK) {
		http_fail(ctx, r, "token issue");
		goto end;
	}
	o = json_object_new_object();
	if (o) {
		json_object_object_add(o, "access_token", json_object_new_string(buf_str(&at)));
		json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
		json_object_object_add(o, "expires_in",
		                       json_object_new_int64(ctx->cfg->access_ttl));
		json_object_object_add(o, "user", users_json(u));
	}
	set_refresh_cookie(ctx, buf_str(&rt), ctx->cfg->refresh_ttl);
	http_json(ctx, 200, o);
end:
	buf_free(&at);
	buf_free(&rt);
}

void auth_answer_new_session(struct http_ctx *ctx, const struct user *u)
{
	struct sess_owner owner;
	char sid[37], jti[37];
	vp_res r;

	memcpy(owner.email, u->email, sizeof(owner.email));
	memcpy(owner.created_at, u->created_at, sizeof(owner.created_at));
	if ((r = http_uuid(sid)) != VP_OK || (r = http_uuid(jti)) != VP_OK ||
	    (r = sess_create(ctx->cfg, u->id, sid, jti, ctx->req->user_agent, ctx->req->client_ip,
	                     &owner)) != VP_OK) {
		http_fail(ctx, r, "session create");
		return;
	}
	auth_answer_tokens(ctx, u, sid, jti);
}

const char *auth_cookie_value(const char *header, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);
	const char *p, *e;
	size_t n;

	for (p = header; p && *p; p = e ? e + 1 : NULL) {
		while (*p == ' ' || *p == ';')
			p++;
		e = strchr(p, ';');
		if (strncmp(p, name, nlen) != 0 || p[nlen] != '=')
			continue;
		p += nlen + 1;
		n = e ? (size_t)(e - p) : strlen(p);
		while (n && p[n - 1] == ' ')
			n--;
		if (n == 0 || n >= size)
			return NULL;
		memcpy(out, p, n);
		out[n] = '\0';
		return out;
	}
	return NULL;
}

const char *auth_refresh_cookie(struct http_ctx *ctx, char *out, size_t size)
{
	return auth_cookie_value(http_param(ctx, "HTTP_COOKIE"), "refresh_token", out, size);
}
