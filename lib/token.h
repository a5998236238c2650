/*
 * token.h — access and refresh JWTs (libjwt), HS256 with pinned algorithm.
 *
 * The two kinds are signed with different keys and carry "typ" ("access" or
 * "refresh"), so neither can pass as the other. Verification refuses, before
 * or after libjwt's own checks: a token over 4 KiB, any "alg" but HS256
 * (none, HS384, RS256 ...), a bad signature, a wrong typ/iss/aud, an expired
 * "exp", and claims that are missing or not of their form.
 */
#ifndef VP_TOKEN_H
#define VP_TOKEN_H

#include <time.h>

#include "buf.h"
#include "cfg.h"
#include "vp.h"

enum token_kind { TOKEN_ACCESS, TOKEN_REFRESH };

struct token_claims {
	char sub[37]; /* user id */
	char sid[37]; /* session id */
	char jti[37]; /* token id */
	long iat, exp;
};

/* Issues a token of kind for c (sub, sid, jti set by the caller) with iat =
 * now and exp = now + the kind's TTL; fills c->iat/exp. */
vp_res token_issue(const struct cfg *cfg, enum token_kind kind, struct token_claims *c, time_t now,
                   buf *out);

/* VP_OK and *c filled for a good token; VP_DENIED for any refusal. */
vp_res token_verify(const struct cfg *cfg, enum token_kind kind, const char *tok, time_t now,
                    struct token_claims *c);

#endif
