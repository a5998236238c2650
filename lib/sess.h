/*
 * sess.h — login sessions in Redis.
 *
 * A session is one login on one device: the hash sess:<sid> holds its user,
 * creation and last-use times (Unix seconds), user agent, IP, the one live
 * refresh-token jti, and the user's e-mail and creation time (which never
 * change), so the middleware's one round trip also answers GET /me; the
 * set usess:<uid> indexes a user's sessions. Both
 * expire with the refresh lifetime, renewed on each rotation. Every
 * multi-step change is one Lua script, so concurrent requests see a session
 * either before or after a change, never half-way: of two refreshes with the
 * same token exactly one wins, and the loser counts as reuse.
 */
#ifndef VP_SESS_H
#define VP_SESS_H

#include <stddef.h>

#include "cfg.h"
#include "ratelimit.h"
#include "vp.h"

struct sess_info {
	char id[37];
	long created, last_used;
	char user_agent[257];
	char ip[65];
};

/* What a session knows of its user besides the id; "" when the session was
 * made without it (sess_create with owner NULL, or an older session). */
struct sess_owner {
	char email[256];
	char created_at[32]; /* RFC 3339 UTC */
};

vp_res sess_create(const struct cfg *cfg, const char *uid, const char *sid, const char *jti,
                   const char *user_agent, const char *ip, const struct sess_owner *owner);

/* The middleware's one round trip: is sid a live session of uid? (touches
 * last_used) and the per-user API rate limit. VP_DENIED when the session is
 * gone; rl is filled on VP_OK, and owner (may be NULL) with what the session
 * holds of its user, both fields or neither. */
vp_res sess_check_owner(const struct cfg *cfg, const char *uid, const char *sid,
                        struct ratelimit *rl, struct sess_owner *owner);
vp_res sess_check(const struct cfg *cfg, const char *uid, const char *sid, struct ratelimit *rl);

/* Rotates the live refresh jti from old_jti to new_jti. VP_DENIED: no such
 * session; VP_CONFLICT: old_jti was already spent, and the session is now
 * revoked. */
vp_res sess_rotate(const struct cfg *cfg, const char *uid, const char *sid, const char *old_jti,
                   const char *new_jti);

/* The user's live sessions; *out is the caller's (free()). */
vp_res sess_list(const char *uid, struct sess_info **out, size_t *n);

/* VP_NOT_FOUND when sid is not a session of uid. */
vp_res sess_revoke(const char *uid, const char *sid);
vp_res sess_revoke_all(const char *uid);

#endif
