/*
 * passwd.c — Argon2id hashing and verification (see passwd.h).
 */
#include "passwd.h"

#include <argon2.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define SALT_LEN 16
#define HASH_LEN 32

vp_res passwd_hash(const struct passwd_params *pp, const char *pw, size_t len, buf *out)
{
	unsigned char salt[SALT_LEN];
	size_t n = argon2_encodedlen(pp->t, pp->m_kib, pp->p, SALT_LEN, HASH_LEN, Argon2_id);
	char *enc;
	int rc;
	vp_res r;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return VP_INTERNAL;
	enc = malloc(n);
	if (!enc)
		return VP_NOMEM;
	rc = argon2id_hash_encoded(pp->t, pp->m_kib, pp->p, pw, len, salt, sizeof(salt), HASH_LEN,
	                           enc, n);
	if (rc != ARGON2_OK) {
		log_event(LOG_ERROR, "argon2", "error", argon2_error_message(rc), LOG_END);
		free(enc);
		return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? VP_NOMEM : VP_INTERNAL;
	}
	r = buf_adds(out, enc);
	free(enc);
	return r;
}

vp_res passwd_verify(const char *phc, const char *pw, size_t len)
{
	int rc;

	if (strncmp(phc, "$argon2id$", 10) != 0)
		return VP_INVALID;
	rc = argon2id_verify(phc, pw, len);
	if (rc == ARGON2_OK)
		return VP_OK;
	if (rc == ARGON2_VERIFY_MISMATCH)
		return VP_DENIED;
	log_event(LOG_ERROR, "argon2", "error", argon2_error_message(rc), LOG_END);
	return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? VP_NOMEM : VP_INVALID;
}

vp_res passwd_verify_dummy(const struct passwd_params *pp, const char *pw, size_t len)
{
	static buf dummy; /* made once per process, with the live parameters */
	static const char filler[] = "not-a-real-password-at-all";
	vp_res r;

	if (!dummy.data) {
		buf_init(&dummy, 512);
		r = passwd_hash(pp, filler, sizeof(filler) - 1, &dummy);
		if (r != VP_OK)
			return r;
	}
	r = passwd_verify(dummy.data, pw, len);
	/* Written as a plain if: GCC 14.2 -O2 (Debian 13) compiles
	 * "r == VP_OK || r == VP_DENIED ? VP_DENIED : r" here into its inverse
	 * (a bit test whose sense is flipped), so the filler itself matched. */
	if (r == VP_OK)
		r = VP_DENIED; /* the filler itself: there is still no account */
	return r;
}
