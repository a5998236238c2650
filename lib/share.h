/*
 * share.h — share links: their tokens, and all of the share_links SQL.
 *
 * A token is SHARE_TOKEN_BYTES from OpenSSL's RAND_bytes (256 bits) written
 * as base64url without padding, so it travels in a URL path as it is. The
 * database keeps only its SHA-256: a viewer's token is hashed and looked up
 * by that hash, and nobody, the owner included, can read a working token
 * back out of the table. The token is therefore shown once, in the answer
 * that creates the link; a list names links by id, creation and expiry.
 *
 * A link opens its video whatever its visibility until it expires or is
 * revoked (its row is deleted, so the next lookup fails); deleting the video
 * deletes its links (ON DELETE CASCADE). Unknown, revoked and expired are
 * one answer. Logs name a link by its id, never by its token.
 */
#ifndef VP_SHARE_H
#define VP_SHARE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "cfg.h"
#include "vp.h"

#define SHARE_TOKEN_BYTES 32
#define SHARE_TOKEN_LEN   43 /* base64url of 32 bytes, without padding */
#define SHARE_HASH_HEX    64 /* SHA-256 as hex */

/* "expires_in" of a new link, in seconds: a minute to a year */
#define SHARE_EXPIRES_MIN 60L
#define SHARE_EXPIRES_MAX 31536000L

/* A fresh random token, SHARE_TOKEN_LEN characters and a NUL. */
vp_res share_token_new(char out[SHARE_TOKEN_LEN + 1]);

/* The token of n random bytes as base64url without padding (out holds
 * n * 4 / 3 + 2 bytes at least); exposed for the unit tests. */
void share_base64url(const unsigned char *b, size_t n, char *out);

/* True when s has a token's form: SHARE_TOKEN_LEN base64url characters. */
bool share_token_ok(const char *s);

/* The lower-case hex SHA-256 of the token, as the table keys it. */
vp_res share_token_hash(const char *token, char hex[SHARE_HASH_HEX + 1]);

/* Creates a link to uid's video vid that expires after expires_in seconds
 * (0: never). *out is {"id","token","url","created_at","expires_at"}, url
 * being FRONTEND_URL/s/<token>; the caller puts it. VP_NOT_FOUND for a
 * missing or foreign video. */
vp_res share_create(const struct cfg *cfg, const char *uid, const char *vid, long expires_in,
                    struct json_object **out);

/* The links of uid's video vid that still work, newest first, as a JSON
 * array of {"id","created_at","expires_at"}; the caller puts it.
 * VP_NOT_FOUND for a missing or foreign video. */
vp_res share_list(const char *uid, const char *vid, struct json_object **out);

/* Revokes link lid of uid's video vid (an expired one too): it stops
 * working at once. VP_NOT_FOUND when there is no such link of that video
 * of that user. */
vp_res share_revoke(const char *uid, const char *vid, const char *lid);

/* The id of the video a live link's token opens, into vid. VP_NOT_FOUND
 * for a malformed, unknown, revoked or expired token alike. */
vp_res share_resolve(const char *token, char vid[37]);

#endif
