/*
 * ratelimit.c — GCRA rate limits in Redis (see ratelimit.h).
 */
#include "ratelimit.h"

#include <stdio.h>

#include "rds.h"

static struct rds_script gcra_script = {
    .src = RATELIMIT_GCRA_LUA
    "return gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))\n",
};

/* Gives back one request's share of the window (GCRA: the theoretical
 * arrival time moves back one step, never before now). */
static struct rds_script refund_script = {
    .src = "local tat = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
           "local t = redis.call('TIME')\n"
           "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
           "local new_tat = tat - tonumber(ARGV[2]) * 1000 / tonumber(ARGV[1])\n"
           "if new_tat <= now then redis.call('DEL', KEYS[1]) return 0 end\n"
           "redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',\n"
           "  math.ceil((new_tat - now) / 1000) + 1000)\n"
           "return 1\n",
};

vp_res ratelimit_refund(const char *key, long limit, long window_s)
{
	char l[24], p[24];
	const char *args[3] = {key, l, p};
	redisReply *rep;
	vp_res r;

	snprintf(l, sizeof(l), "%ld", limit);
	snprintf(p, sizeof(p), "%ld", window_s * 1000);
	if ((r = rds_eval(&refund_script, &rep, 1, 3, args)) == VP_OK)
		freeReplyObject(rep);
	return r;
}

vp_res ratelimit_from_reply(const struct redisReply *const *e, long limit, struct ratelimit *out)
{
	for (int i = 0; i < 4; i++)
		if (e[i]->type != REDIS_REPLY_INTEGER)
			return VP_INTERNAL;
	out->allowed = e[0]->integer == 1;
	out->limit = limit;
	out->remaining = (long)e[1]->integer;
	out->reset_s = (long)((e[2]->integer + 999) / 1000);
	out->retry_after_s = (long)((e[3]->integer + 999) / 1000);
	if (!out->allowed && out->retry_after_s < 1)
		out->retry_after_s = 1;
	return VP_OK;
}

vp_res ratelimit_hit(const char *key, long limit, long window_s, bool commit, struct ratelimit *out)
{
	char l[24], p[24];
	const char *args[4] = {key, l, p, commit ? "1" : "0"};
	redisReply *rep;
	vp_res r;

	snprintf(l, sizeof(l), "%ld", limit);
	snprintf(p, sizeof(p), "%ld", window_s * 1000);
	if ((r = rds_eval(&gcra_script, &rep, 1, 4, args)) != VP_OK)
		return r;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 4)
		r = VP_INTERNAL;
	else
		r = ratelimit_from_reply((const struct redisReply *const *)rep->element, limit,
		                         out);
	freeReplyObject(rep);
	return r;
}

void ratelimit_headers(struct http_ctx *ctx, const struct ratelimit *rl)
{
	buf *h = &ctx->req->headers;

	/* every authenticated answer carries these: appended without printf */
	buf_adds(h, "RateLimit-Limit: ");
	buf_addlong(h, rl->limit);
	buf_adds(h, "\r\nRateLimit-Remaining: ");
	buf_addlong(h, rl->remaining);
	buf_adds(h, "\r\nRateLimit-Reset: ");
	buf_addlong(h, rl->reset_s);
	buf_adds(h, "\r\n");
	if (!rl->allowed) {
		buf_adds(h, "Retry-After: ");
		buf_addlong(h, rl->retry_after_s);
		buf_adds(h, "\r\n");
	}
}

void ratelimit_deny(struct http_ctx *ctx, const struct ratelimit *rl)
{
	ratelimit_headers(ctx, rl);
	http_error(ctx, 429, "rate_limited", "too many requests; retry later");
}

/* A hit's outcome as a responder's step: false with 503 or 429 answered. */
static bool pass_or_answer(struct http_ctx *ctx, vp_res r, const struct ratelimit *rl)
{
	if (r != VP_OK) {
		http_fail(ctx, r, "rate limit");
		return false;
	}
	if (!rl->allowed) {
		ratelimit_deny(ctx, rl);
		return false;
	}
	return true;
}

bool ratelimit_pass(struct http_ctx *ctx, const char *key, long limit, long window_s, bool commit,
                    struct ratelimit *rl)
{
	return pass_or_answer(ctx, ratelimit_hit(key, limit, window_s, commit, rl), rl);
}

vp_res ratelimit_client_hit(const struct http_ctx *ctx, const char *kind, long limit, long window_s,
                            struct ratelimit *rl)
{
	char key[128];

	snprintf(key, sizeof(key), "rl:%s:%s", kind, ctx->req->client_bucket);
	return ratelimit_hit(key, limit, window_s, true, rl);
}

bool ratelimit_client(struct http_ctx *ctx, const char *kind, long limit, long window_s,
                      struct ratelimit *rl)
{
	return pass_or_answer(ctx, ratelimit_client_hit(ctx, kind, limit, window_s, rl), rl);
}

vp_res ratelimit_public_hit(const struct http_ctx *ctx, struct ratelimit *rl)
{
	return ratelimit_client_hit(ctx, "public", ctx->cfg->rl_public, ctx->cfg->rl_public_window,
	                            rl);
}

bool ratelimit_public(struct http_ctx *ctx)
{
	struct ratelimit rl;

	if (!pass_or_answer(ctx, ratelimit_public_hit(ctx, &rl), &rl))
		return false;
	ratelimit_headers(ctx, &rl);
	return true;
}
