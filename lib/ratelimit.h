/*
 * ratelimit.h — rate limits in Redis, shared by every process and host.
 *
 * GCRA (the generic cell rate algorithm): one key per limited subject holds
 * a "theoretical arrival time" (microseconds, rounded to the nearest, so a
 * high limit's small step is not inflated by rounding); a request is allowed while that time is
 * less than one window ahead of now. It allows `limit` requests in any window, smooths bursts,
 * costs one key (with a TTL) per subject, and runs as one Lua script on Redis's own clock, so hosts
 * with skewed clocks agree.
 */
#ifndef VP_RATELIMIT_H
#define VP_RATELIMIT_H

#include <stdbool.h>

#include <hiredis/hiredis.h>

#include "http.h"
#include "vp.h"

struct ratelimit {
	bool allowed;
	long limit;
	long remaining;
	long reset_s;       /* seconds until the window frees a request */
	long retry_after_s; /* when denied */
};

/* The GCRA step as a Lua function, for scripts that combine it with other
 * work (the auth middleware's session check). t is Redis's TIME when the
 * caller already has it (nil: asked here). Returns
 * {allowed 0|1, remaining, reset_ms, retry_ms}. */
#define RATELIMIT_GCRA_LUA                                                                         \
	"local function gcra(key, limit, period_ms, commit, t)\n"                                  \
	"  t = t or redis.call('TIME')\n"                                                          \
	"  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"                                \
	"  local period = period_ms * 1000\n"                                                      \
	"  local step = period / limit\n"                                                          \
	"  local tat = tonumber(redis.call('GET', key) or '0')\n"                                  \
	"  if tat < now then tat = now end\n"                                                      \
	"  local new_tat = tat + step\n"                                                           \
	"  local allow_at = new_tat - period\n"                                                    \
	"  if now < allow_at then\n"                                                               \
	"    local wait = math.ceil((allow_at - now) / 1000)\n"                                    \
	"    return {0, 0, wait, wait}\n"                                                          \
	"  end\n"                                                                                  \
	"  if commit == 1 then\n"                                                                  \
	"    redis.call('SET', key, string.format('%.0f', new_tat), 'PX',\n"                       \
	"      math.ceil((new_tat - now) / 1000) + 1000)\n"                                        \
	"  else\n"                                                                                 \
	"    new_tat = tat\n"                                                                      \
	"  end\n"                                                                                  \
	"  local debt = new_tat - now\n"                                                           \
	"  local remaining = math.floor((period - debt) / step + 1e-6)\n"                          \
	"  local reset = debt - (period - (remaining + 1) * step)\n"                               \
	"  if reset < 0 then reset = 0 end\n"                                                      \
	"  return {1, remaining, math.ceil(reset / 1000), 0}\n"                                    \
	"end\n"

/* Counts one request against key (commit) or only asks whether one would be
 * allowed (!commit). */
vp_res ratelimit_hit(const char *key, long limit, long window_s, bool commit,
                     struct ratelimit *out);

/* Gives back one request counted with ratelimit_hit() (commit): for a
 * limit on failures that counts each attempt before knowing its outcome,
 * so parallel attempts cannot pass it, and refunds the ones that succeed. */
vp_res ratelimit_refund(const char *key, long limit, long window_s);

/* Reads the script's {allowed, remaining, reset_ms, retry_ms} reply. */
vp_res ratelimit_from_reply(const struct redisReply *const *e, long limit, struct ratelimit *out);

/* RateLimit-Limit/-Remaining/-Reset, and Retry-After when denied. */
void ratelimit_headers(struct http_ctx *ctx, const struct ratelimit *rl);

/* Answers 429 rate_limited with the headers. */
void ratelimit_deny(struct http_ctx *ctx, const struct ratelimit *rl);

/* A responder's step: ratelimit_hit(), then false with the answer written
 * (503 when Redis fails, 429 when denied), or true to go on. The caller adds
 * the headers of an allowed request (ratelimit_headers) when it wants them. */
bool ratelimit_pass(struct http_ctx *ctx, const char *key, long limit, long window_s, bool commit,
                    struct ratelimit *rl);

/* ratelimit_hit() (commit) on the client's own counter of kind:
 * "rl:<kind>:<bucket>", the bucket being its address or its IPv6 /64. */
vp_res ratelimit_client_hit(const struct http_ctx *ctx, const char *kind, long limit, long window_s,
                            struct ratelimit *rl);

/* The same as a responder's step, as ratelimit_pass(). */
bool ratelimit_client(struct http_ctx *ctx, const char *kind, long limit, long window_s,
                      struct ratelimit *rl);

/* The gate of every anonymous route: RATE_LIMIT_PUBLIC per client IP
 * ("rl:public:<bucket>"). Counts the request and adds the RateLimit headers,
 * or answers 429 (503 when Redis is down) and returns false. */
bool ratelimit_public(struct http_ctx *ctx);

/* Only counts it, answering nothing: for a page that degrades instead of
 * refusing (the web app's preview tags). */
vp_res ratelimit_public_hit(const struct http_ctx *ctx, struct ratelimit *rl);

#endif
