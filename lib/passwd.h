/*
 * passwd.h — password hashing with Argon2id (libargon2), PHC strings.
 *
 * Verification is constant-time in the password (libargon2's own compare).
 * passwd_verify_dummy() spends the same work as a real verification, so a
 * login for an unknown e-mail takes about as long as a wrong password.
 */
#ifndef VP_PASSWD_H
#define VP_PASSWD_H

#include <stdbool.h>

#include "buf.h"
#include "vp.h"

struct passwd_params {
	unsigned m_kib; /* memory, KiB */
	unsigned t;     /* iterations */
	unsigned p;     /* lanes */
};

/* Hashes len bytes of pw with a fresh random salt into out (PHC string). */
vp_res passwd_hash(const struct passwd_params *pp, const char *pw, size_t len, buf *out);
/* VP_OK on a match, VP_DENIED on a mismatch, VP_INVALID for a bad hash. */
vp_res passwd_verify(const char *phc, const char *pw, size_t len);
/* Does a verification against a throw-away hash and returns VP_DENIED. */
vp_res passwd_verify_dummy(const struct passwd_params *pp, const char *pw, size_t len);

#endif
