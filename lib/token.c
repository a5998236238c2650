/*
 * token.c — JWT issue over libjwt, verification of our own (see token.h).
 */
#include "token.h"

#include <errno.h>
#include <json-c/json.h>
#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
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

/* ------------------------------------------------------------------------ */
/* Verification                                                              */
/* ------------------------------------------------------------------------ */

/*
 * Verification does not go through libjwt: on every request of every
 * authenticated route, jwt_decode() parsed both JSON parts with jansson,
 * ran OpenSSL's one-shot HMAC() (which looks the algorithm up in the
 * provider each time) and compared base64 text it had built with a BIO —
 * half of /me's instructions. Here: the header must say HS256 (the form
 * libjwt writes is recognised as it is, any other is parsed and checked),
 * the HMAC-SHA256 of "header.payload" comes from a MAC context keyed once
 * per process, its base64url form is compared in constant time with the
 * token's (so only the canonical encoding of the right MAC passes), and
 * only then is the payload decoded and parsed (json-c) and every claim
 * checked. Issuing stays with libjwt, and the unit tests verify libjwt's
 * tokens, so the two are held to one format.
 */

/* {"alg":"HS256","typ":"JWT"}, as libjwt 1.10 writes it */
static const char header_hs256[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding; out must hold 4/3 of n plus 3. */
static size_t b64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		out[o++] = b64url[in[i] >> 2];
		out[o++] = b64url[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 8 | in[i + 1];

		out[o++] = b64url[v >> 10 & 63];
		out[o++] = b64url[v >> 4 & 63];
		out[o++] = b64url[(v & 15) << 2];
	}
	return o;
}

static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes n characters of base64url (no padding) into out (at least 3/4 of
 * n bytes); -1 for a character outside the alphabet or an impossible
 * length. */
static long b64url_decode(const char *in, size_t n, unsigned char *out)
{
	unsigned v = 0;
	size_t o = 0;
	int bits = 0;

	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = b64url_value((unsigned char)in[i]);

		if (d < 0)
			return -1;
		v = (v << 6 | (unsigned)d) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return (long)o;
}

/* The MAC context of one key, set up on first use and kept: each token then
 * costs an init with the kept key (no lookup, no allocation), one update
 * and one final. */
struct token_mac {
	const char *key; /* the cfg string it was keyed with */
	EVP_MAC_CTX *ctx;
};
static struct token_mac token_macs[2];

static EVP_MAC_CTX *mac_for(const char *key, enum token_kind kind)
{
	static EVP_MAC *hmac;
	struct token_mac *m = &token_macs[kind == TOKEN_ACCESS ? 0 : 1];
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
	                       OSSL_PARAM_construct_end()};

	if (m->ctx && m->key == key)
		return m->ctx;
	EVP_MAC_CTX_free(m->ctx);
	m->ctx = NULL;
	if (!hmac && !(hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)))
		return NULL;
	if (!(m->ctx = EVP_MAC_CTX_new(hmac)))
		return NULL;
	if (!EVP_MAC_init(m->ctx, (const unsigned char *)key, strlen(key), params)) {
		EVP_MAC_CTX_free(m->ctx);
		m->ctx = NULL;
		return NULL;
	}
	m->key = key;
	return m->ctx;
}

/* Parses n bytes of JSON text that must be one value and nothing after it,
 * with one tokener kept for the process; NULL when it is not. (A payload is
 * parsed only once its MAC is verified, so its text is a signer's.) */
static struct json_object *parse_part(const unsigned char *s, size_t n)
{
	static struct json_tokener *tok;
	struct json_object *o;

	if (!tok && !(tok = json_tokener_new_ex(8)))
		return NULL;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, (const char *)s, (int)n);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
	          json_tokener_get_parse_end(tok) != n)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/* True when the header (base64url, n characters) names HS256: the form
 * libjwt writes, or any JSON object whose "alg" is "HS256" and whose "typ",
 * if present, is "JWT". */
static bool header_ok(const char *h, size_t n)
{
	unsigned char json[256];
	struct json_object *o, *v;
	long len;
	bool ok;

	if (n == sizeof(header_hs256) - 1 && !memcmp(h, header_hs256, n))
		return true;
	if (n > sizeof(json) / 3 * 4 || (len = b64url_decode(h, n, json)) < 0)
		return false;
	o = parse_part(json, (size_t)len);
	ok = o && json_object_is_type(o, json_type_object) &&
	     json_object_object_get_ex(o, "alg", &v) && json_object_is_type(v, json_type_string) &&
	     !strcmp(json_object_get_string(v), "HS256") &&
	     (!json_object_object_get_ex(o, "typ", &v) ||
	      (json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), "JWT")));
	json_object_put(o);
	return ok;
}

static vp_res claim_str(struct json_object *o, const char *name, const char *want)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string) &&
	               !strcmp(json_object_get_string(v), want)
	           ? VP_OK
	           : VP_DENIED;
}

static vp_res claim_uuid(struct json_object *o, const char *name, char out[37])
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string) ||
	    !http_is_uuid(json_object_get_string(v)))
		return VP_DENIED;
	memcpy(out, json_object_get_string(v), 37);
	return VP_OK;
}

static vp_res claim_int(struct json_object *o, const char *name, long *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
		return VP_DENIED;
	errno = 0;
	*out = (long)json_object_get_int64(v);
	return errno ? VP_DENIED : VP_OK;
}

vp_res token_verify(const struct cfg *cfg, enum token_kind kind, const char *tok, time_t now,
                    struct token_claims *c)
{
	const char *dot1, *dot2, *sig;
	unsigned char mac[EVP_MAX_MD_SIZE], payload[TOKEN_MAX];
	char mac64[64];
	struct json_object *o = NULL;
	EVP_MAC_CTX *ctx;
	size_t tlen, maclen = 0;
	long plen;
	vp_res r = VP_DENIED;

	memset(c, 0, sizeof(*c));
	if (!tok || (tlen = strlen(tok)) > TOKEN_MAX)
		return VP_DENIED;
	if (!(dot1 = memchr(tok, '.', tlen)) ||
	    !(dot2 = memchr(dot1 + 1, '.', tlen - (size_t)(dot1 + 1 - tok))))
		return VP_DENIED;
	sig = dot2 + 1;
	if (!header_ok(tok, (size_t)(dot1 - tok)))
		return VP_DENIED;
	if (!(ctx = mac_for(kind_key(cfg, kind), kind)) || !EVP_MAC_init(ctx, NULL, 0, NULL) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)tok, (size_t)(dot2 - tok)) ||
	    !EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) || maclen != 32)
		return VP_DENIED;
	if (strlen(sig) != 43 || b64url_encode(mac, 32, mac64) != 43 ||
	    CRYPTO_memcmp(mac64, sig, 43) != 0)
		return VP_DENIED;
	plen = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload);
	if (plen <= 0 || !(o = parse_part(payload, (size_t)plen)) ||
	    !json_object_is_type(o, json_type_object))
		goto end;
	if (claim_str(o, "typ", kind_name(kind)) || claim_str(o, "iss", cfg->jwt_issuer) ||
	    claim_str(o, "aud", cfg->jwt_audience) || claim_uuid(o, "sub", c->sub) ||
	    claim_uuid(o, "sid", c->sid) || claim_uuid(o, "jti", c->jti) ||
	    claim_int(o, "iat", &c->iat) || claim_int(o, "exp", &c->exp))
		goto end;
	if (c->exp <= (long)now)
		goto end;
	r = VP_OK;
end:
	if (r != VP_OK)
		memset(c, 0, sizeof(*c));
	json_object_put(o);
	return r;
}
