/*
 * sess.c — sessions in Redis, each change one Lua script (see sess.h).
 */
#include "sess.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rds.h"

#define SESS_KEY(buf_, sid_)  snprintf(buf_, sizeof(buf_), "sess:%s", sid_)
#define USESS_KEY(buf_, uid_) snprintf(buf_, sizeof(buf_), "usess:%s", uid_)

/* KEYS: sess, usess. ARGV: uid, jti, ua, ip, ttl, email, user's created_at */
static struct rds_script create_script = {
    .src = "local t = redis.call('TIME')\n"
           "redis.call('HSET', KEYS[1], 'user', ARGV[1], 'jti', ARGV[2], 'ua', ARGV[3],\n"
           "  'ip', ARGV[4], 'created', t[1], 'last_used', t[1])\n"
           "if ARGV[6] ~= '' then\n"
           "  redis.call('HSET', KEYS[1], 'email', ARGV[6], 'ucreated', ARGV[7])\n"
           "end\n"
           "redis.call('EXPIRE', KEYS[1], ARGV[5])\n"
           "redis.call('SADD', KEYS[2], string.sub(KEYS[1], 6))\n"
           "redis.call('EXPIRE', KEYS[2], ARGV[5])\n"
           "return 1\n"};

/* KEYS: sess, rl:api. ARGV: uid, limit, period_ms.
 * {0} for a dead session, else {1, allowed, remaining, reset_ms, retry_ms,
 * email, user's created_at} (the last two nil for a session that predates
 * them). One HMGET reads the owner, last_used and the user's fields; one
 * TIME serves both steps; last_used (whole seconds) is written only when it
 * changes. */
static struct rds_script check_script = {
    .src = RATELIMIT_GCRA_LUA
    "local h = redis.call('HMGET', KEYS[1], 'user', 'last_used', 'email', 'ucreated')\n"
    "if h[1] ~= ARGV[1] then return {0} end\n"
    "local t = redis.call('TIME')\n"
    "if h[2] ~= t[1] then redis.call('HSET', KEYS[1], 'last_used', t[1]) end\n"
    "local r = gcra(KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]), 1, t)\n"
    "return {1, r[1], r[2], r[3], r[4], h[3], h[4]}\n"};

/* KEYS: sess, usess. ARGV: uid, old jti, new jti, ttl.
 * 1 rotated, 0 no session, -1 reuse (session revoked) */
static struct rds_script rotate_script = {
    .src = "local h = redis.call('HMGET', KEYS[1], 'user', 'jti')\n"
           "if not h[1] or h[1] ~= ARGV[1] then return 0 end\n"
           "if h[2] ~= ARGV[2] then\n"
           "  redis.call('DEL', KEYS[1])\n"
           "  redis.call('SREM', KEYS[2], string.sub(KEYS[1], 6))\n"
           "  return -1\n"
           "end\n"
           "local t = redis.call('TIME')\n"
           "redis.call('HSET', KEYS[1], 'jti', ARGV[3], 'last_used', t[1])\n"
           "redis.call('EXPIRE', KEYS[1], ARGV[4])\n"
           "redis.call('EXPIRE', KEYS[2], ARGV[4])\n"
           "return 1\n"};

/* KEYS: usess. Flat list: sid, created, last_used, ua, ip per live session;
 * ids whose hash expired are dropped from the index on the way. */
static struct rds_script list_script = {
    .src = "local out = {}\n"
           "for _, sid in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
           "  local h = redis.call('HMGET', 'sess:' .. sid, 'created', 'last_used', 'ua', 'ip')\n"
           "  if h[1] then\n"
           "    table.insert(out, sid); table.insert(out, h[1]); table.insert(out, h[2])\n"
           "    table.insert(out, h[3] or ''); table.insert(out, h[4] or '')\n"
           "  else\n"
           "    redis.call('SREM', KEYS[1], sid)\n"
           "  end\n"
           "end\n"
           "return out\n"};

/* KEYS: sess, usess. ARGV: uid. 1 revoked, 0 not the user's */
static struct rds_script revoke_script = {
    .src = "if redis.call('HGET', KEYS[1], 'user') ~= ARGV[1] then return 0 end\n"
           "redis.call('DEL', KEYS[1])\n"
           "redis.call('SREM', KEYS[2], string.sub(KEYS[1], 6))\n"
           "return 1\n"};

/* KEYS: usess */
static struct rds_script revoke_all_script = {
    .src = "for _, sid in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
           "  redis.call('DEL', 'sess:' .. sid)\n"
           "end\n"
           "redis.call('DEL', KEYS[1])\n"
           "return 1\n"};

/* Copies at most size-1 bytes without splitting a UTF-8 sequence. */
static void copy_utf8(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static vp_res int_reply(struct rds_script *s, int nkeys, int nargs, const char **args,
                        long long *out)
{
	redisReply *rep;
	vp_res r = rds_eval(s, &rep, nkeys, nargs, args);

	if (r != VP_OK)
		return r;
	if (rep->type == REDIS_REPLY_INTEGER)
		*out = rep->integer;
	else
		r = VP_INTERNAL;
	freeReplyObject(rep);
	return r;
}

vp_res sess_create(const struct cfg *cfg, const char *uid, const char *sid, const char *jti,
                   const char *user_agent, const char *ip, const struct sess_owner *owner)
{
	char sk[64], uk[64], ttl[24], ua[257], addr[65];
	const char *args[9] = {sk,
	                       uk,
	                       uid,
	                       jti,
	                       ua,
	                       addr,
	                       ttl,
	                       owner ? owner->email : "",
	                       owner ? owner->created_at : ""};
	long long v;

	SESS_KEY(sk, sid);
	USESS_KEY(uk, uid);
	snprintf(ttl, sizeof(ttl), "%ld", cfg->refresh_ttl);
	copy_utf8(ua, sizeof(ua), user_agent ? user_agent : "");
	copy_utf8(addr, sizeof(addr), ip ? ip : "");
	return int_reply(&create_script, 2, 9, args, &v);
}

/* Copies a bulk string reply into out; false when it is not one or does
 * not fit. */
static bool reply_str(const redisReply *e, char *out, size_t size)
{
	if (e->type != REDIS_REPLY_STRING || e->len == 0 || e->len >= size)
		return false;
	memcpy(out, e->str, e->len);
	out[e->len] = '\0';
	return true;
}

vp_res sess_check(const struct cfg *cfg, const char *uid, const char *sid, struct ratelimit *rl)
{
	return sess_check_owner(cfg, uid, sid, rl, NULL);
}

vp_res sess_check_owner(const struct cfg *cfg, const char *uid, const char *sid,
                        struct ratelimit *rl, struct sess_owner *owner)
{
	char sk[64], rk[64], lim[24], per[24];
	const char *args[5] = {sk, rk, uid, lim, per};
	redisReply *rep;
	vp_res r;

	if (owner)
		memset(owner, 0, sizeof(*owner));
	SESS_KEY(sk, sid);
	snprintf(rk, sizeof(rk), "rl:api:%s", uid);
	snprintf(lim, sizeof(lim), "%ld", cfg->rl_api);
	snprintf(per, sizeof(per), "%ld", cfg->rl_api_window * 1000);
	if ((r = rds_eval(&check_script, &rep, 2, 5, args)) != VP_OK)
		return r;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
	    rep->element[0]->type != REDIS_REPLY_INTEGER)
		r = VP_INTERNAL;
	else if (rep->element[0]->integer == 0)
		r = VP_DENIED;
	else if (rep->elements != 7)
		r = VP_INTERNAL;
	else
		r = ratelimit_from_reply((const struct redisReply *const *)rep->element + 1,
		                         cfg->rl_api, rl);
	/* both or neither: a half-filled owner would answer a wrong /me */
	if (r == VP_OK && owner &&
	    !(reply_str(rep->element[5], owner->email, sizeof(owner->email)) &&
	      reply_str(rep->element[6], owner->created_at, sizeof(owner->created_at))))
		memset(owner, 0, sizeof(*owner));
	freeReplyObject(rep);
	return r;
}

vp_res sess_rotate(const struct cfg *cfg, const char *uid, const char *sid, const char *old_jti,
                   const char *new_jti)
{
	char sk[64], uk[64], ttl[24];
	const char *args[6] = {sk, uk, uid, old_jti, new_jti, ttl};
	long long v;
	vp_res r;

	SESS_KEY(sk, sid);
	USESS_KEY(uk, uid);
	snprintf(ttl, sizeof(ttl), "%ld", cfg->refresh_ttl);
	if ((r = int_reply(&rotate_script, 2, 6, args, &v)) != VP_OK)
		return r;
	return v == 1 ? VP_OK : v == -1 ? VP_CONFLICT : VP_DENIED;
}

vp_res sess_list(const char *uid, struct sess_info **out, size_t *n)
{
	char uk[64];
	const char *args[1] = {uk};
	struct sess_info *list = NULL;
	redisReply *rep;
	vp_res r;

	*out = NULL;
	*n = 0;
	USESS_KEY(uk, uid);
	if ((r = rds_eval(&list_script, &rep, 1, 1, args)) != VP_OK)
		return r;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements % 5) {
		r = VP_INTERNAL;
		goto end;
	}
	list = calloc(rep->elements / 5 + 1, sizeof(*list));
	if (!list) {
		r = VP_NOMEM;
		goto end;
	}
	for (size_t i = 0; i < rep->elements; i += 5) {
		struct sess_info *s = &list[i / 5];
		redisReply **e = rep->element + i;

		for (int k = 0; k < 5; k++)
			if (e[k]->type != REDIS_REPLY_STRING) {
				r = VP_INTERNAL;
				goto end;
			}
		copy_utf8(s->id, sizeof(s->id), e[0]->str);
		s->created = strtol(e[1]->str, NULL, 10);
		s->last_used = strtol(e[2]->str, NULL, 10);
		copy_utf8(s->user_agent, sizeof(s->user_agent), e[3]->str);
		copy_utf8(s->ip, sizeof(s->ip), e[4]->str);
	}
	*out = list;
	*n = rep->elements / 5;
	list = NULL;
end:
	free(list);
	freeReplyObject(rep);
	return r;
}

vp_res sess_revoke(const char *uid, const char *sid)
{
	char sk[64], uk[64];
	const char *args[3] = {sk, uk, uid};
	long long v;
	vp_res r;

	SESS_KEY(sk, sid);
	USESS_KEY(uk, uid);
	if ((r = int_reply(&revoke_script, 2, 3, args, &v)) != VP_OK)
		return r;
	return v == 1 ? VP_OK : VP_NOT_FOUND;
}

vp_res sess_revoke_all(const char *uid)
{
	char uk[64];
	const char *args[1] = {uk};
	long long v;

	USESS_KEY(uk, uid);
	return int_reply(&revoke_all_script, 1, 1, args, &v);
}
