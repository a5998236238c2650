/*
 * token.c — JWT issue and verification over libjwt 1.10 (see token.h).
 *
 * libjwt 1.10 verifies the signature with the algorithm the token names and
 * checks no claim, so the algorithm is pinned and every claim is checked
 * here.
 */
#include "token.h"

#include <errno.h>
#include <jwt.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define TOKEN_MAX 4096

static const char *kind_name(enum token_kind k)
{
	return k == TOKEN_ACCESS ? "access" : "refresh";
}

static const char *kind_key(const struct cfg *cfg, enum token_kind k)
{
	return k == TOKEN_ACCESS ? cfg->jwt_access_secret : cfg->jwt_refresh_secret;
}

vp_res token_issue(const struct cfg *cfg, enum token_kind kind, struct token_claims *c, time_t now,
                   buf *out)
{
	const char *key = kind_key(cfg, kind);
	jwt_t *jwt = NULL;
	char *s = NULL;
	vp_res r = VP_NOMEM;

	c->iat = (long)now;
	c->exp = (long)now + (kind == TOKEN_ACCESS ? cfg->access_ttl : cfg->refresh_ttl);
	if (jwt_new(&jwt) != 0)
		goto end;
	if (jwt_add_grant(jwt, "sub", c->sub) || jwt_add_grant(jwt, "sid", c->sid) ||
	    jwt_add_grant(jwt, "jti", c->jti) || jwt_add_grant(jwt, "iss", cfg->jwt_issuer) ||
	    jwt_add_grant(jwt, "aud", cfg->jwt_audience) ||
	    jwt_add_grant(jwt, "typ", kind_name(kind)) || jwt_add_grant_int(jwt, "iat", c->iat) ||
	    jwt_add_grant_int(jwt, "exp", c->exp) ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)key, (int)strlen(key)))
		goto end;
	s = jwt_encode_str(jwt);
	if (!s)
		goto end;
	r = buf_adds(out, s);
end:
	free(s);
	jwt_free(jwt);
	return r;
}

static vp_res copy_uuid(jwt_t *jwt, const char *name, char out[37])
{
	const char *v = jwt_get_grant(jwt, name);

	if (!v || !http_is_uuid(v))
		return VP_DENIED;
	memcpy(out, v, 37);
	return VP_OK;
}

static vp_res claim_is(jwt_t *jwt, const char *name, const char *want)
{
	const char *v = jwt_get_grant(jwt, name);

	return v && !strcmp(v, want) ? VP_OK : VP_DENIED;
}

static vp_res claim_int(jwt_t *jwt, const char *name, long *out)
{
	errno = 0;
	*out = jwt_get_grant_int(jwt, name);
	return errno ? VP_DENIED : VP_OK;
}

vp_res token_verify(const struct cfg *cfg, enum token_kind kind, const char *tok, time_t now,
                    struct token_claims *c)
{
	const char *key = kind_key(cfg, kind);
	jwt_t *jwt = NULL;
	vp_res r = VP_DENIED;

	memset(c, 0, sizeof(*c));
	if (!tok || strlen(tok) > TOKEN_MAX)
		return VP_DENIED;
	if (jwt_decode(&jwt, tok, (const unsigned char *)key, (int)strlen(key)) != 0 || !jwt)
		goto end;
	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		goto end;
	if (claim_is(jwt, "typ", kind_name(kind)) || claim_is(jwt, "iss", cfg->jwt_issuer) ||
	    claim_is(jwt, "aud", cfg->jwt_audience) || copy_uuid(jwt, "sub", c->sub) ||
	    copy_uuid(jwt, "sid", c->sid) || copy_uuid(jwt, "jti", c->jti) ||
	    claim_int(jwt, "iat", &c->iat) || claim_int(jwt, "exp", &c->exp))
		goto end;
	if (c->exp <= (long)now)
		goto end;
	r = VP_OK;
end:
	if (r != VP_OK)
		memset(c, 0, sizeof(*c));
	jwt_free(jwt);
	return r;
}
