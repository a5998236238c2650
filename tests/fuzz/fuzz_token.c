/*
 * fuzz_token.c — access-token verification (token_verify), which reads every
 * bearer token any client sends before anything else happens: whatever the
 * bytes, it answers VP_OK or VP_DENIED without a crash, and VP_OK only with
 * claims of their form. The seeds are a token of the right key and form
 * and variants of its header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/http.h"
#include "../../lib/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg cfg;
	struct token_claims c;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&cfg, 0, sizeof(cfg));
	cfg.jwt_access_secret = "access-secret-0123456789abcdef-0123456789";
	cfg.jwt_refresh_secret = "refresh-secret-0123456789abcdef-012345678";
	cfg.jwt_issuer = "vidpipe";
	cfg.jwt_audience = "vidpipe-api";
	if (token_verify(&cfg, TOKEN_ACCESS, s, 1800000000, &c) == VP_OK &&
	    (!http_is_uuid(c.sub) || !http_is_uuid(c.sid) || !http_is_uuid(c.jti) ||
	     c.exp <= 1800000000))
		abort();
	free(s);
	return 0;
}
