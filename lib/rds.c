/*
 * rds.c — one Redis connection per process (see rds.h).
 */
#include "rds.h"

#include <curl/curl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static redisContext *rds_ctx;
static char rds_host[256];
static int rds_port = 6379;
static char rds_pass[256];
static long rds_db;
static struct timeval rds_tv = {3, 0};

vp_res rds_setup(const char *url, long timeout_ms)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *pass = NULL, *path = NULL;
	vp_res ret = VP_INVALID;

	if (!u)
		return VP_NOMEM;
	rds_tv.tv_sec = timeout_ms / 1000;
	rds_tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    strlen(host) >= sizeof(rds_host))
		goto end;
	strcpy(rds_host, host);
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
		char *e;
		long p;

		errno = 0;
		p = strtol(port, &e, 10);
		if (errno || *e || p < 1 || p > 65535)
			goto end;
		rds_port = (int)p;
	}
	rds_pass[0] = '\0';
	if (curl_url_get(u, CURLUPART_PASSWORD, &pass, CURLU_URLDECODE) == CURLUE_OK) {
		if (strlen(pass) >= sizeof(rds_pass))
			goto end;
		strcpy(rds_pass, pass);
	}
	rds_db = 0;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && path[0] == '/' && path[1]) {
		char *e;

		errno = 0;
		rds_db = strtol(path + 1, &e, 10);
		if (errno || *e || rds_db < 0 || rds_db > 1000)
			goto end;
	}
	ret = VP_OK;
end:
	curl_free(host);
	curl_free(port);
	curl_free(pass);
	curl_free(path);
	curl_url_cleanup(u);
	return ret;
}

void rds_close(void)
{
	if (rds_ctx)
		redisFree(rds_ctx);
	rds_ctx = NULL;
}

static vp_res rds_connect(void)
{
	redisReply *rep;

	if (rds_ctx)
		return VP_OK;
	rds_ctx = redisConnectWithTimeout(rds_host, rds_port, rds_tv);
	if (!rds_ctx)
		return VP_NOMEM;
	if (rds_ctx->err) {
		log_event(LOG_WARN, "redis_connect", "error", rds_ctx->errstr, LOG_END);
		rds_close();
		return VP_UNAVAILABLE;
	}
	redisSetTimeout(rds_ctx, rds_tv);
	if (rds_pass[0]) {
		rep = redisCommand(rds_ctx, "AUTH %s", rds_pass);
		if (!rep || rep->type == REDIS_REPLY_ERROR) {
			log_event(LOG_ERROR, "redis_connect", "error", "AUTH failed", LOG_END);
			freeReplyObject(rep);
			rds_close();
			return VP_UNAVAILABLE;
		}
		freeReplyObject(rep);
	}
	if (rds_db) {
		rep = redisCommand(rds_ctx, "SELECT %ld", rds_db);
		if (!rep || rep->type == REDIS_REPLY_ERROR) {
			freeReplyObject(rep);
			rds_close();
			return VP_UNAVAILABLE;
		}
		freeReplyObject(rep);
	}
	return VP_OK;
}

static vp_res rds_check(redisReply *rep, redisReply **out)
{
	if (!rep) {
		log_event(LOG_WARN, "redis_io", "error", rds_ctx ? rds_ctx->errstr : "no context",
		          LOG_END);
		rds_close();
		return VP_UNAVAILABLE;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		bool down = !strncmp(rep->str, "LOADING", 7) || !strncmp(rep->str, "READONLY", 8) ||
		            !strncmp(rep->str, "MASTERDOWN", 10) || !strncmp(rep->str, "BUSY", 4);

		if (!down)
			log_event(LOG_ERROR, "redis_error", "error", rep->str, LOG_END);
		freeReplyObject(rep);
		return down ? VP_UNAVAILABLE : VP_INTERNAL;
	}
	*out = rep;
	return VP_OK;
}

/*
 * One command on the kept connection: send(ud) writes it and answers the
 * reply. A connection kept from an earlier request may have died meanwhile
 * (rds_check closes it on an I/O error); then the command is sent once more
 * on a new connection. A fresh connection that fails is not tried again.
 */
static vp_res rds_roundtrip(redisReply *(*send)(void *ud), void *ud, redisReply **out)
{
	bool had = rds_ctx != NULL;
	vp_res r = VP_UNAVAILABLE;

	*out = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((r = rds_connect()) != VP_OK)
			return r;
		r = rds_check(send(ud), out);
		if (r != VP_UNAVAILABLE || !had || rds_ctx)
			return r;
		had = false;
	}
	return r;
}

struct fmt_cmd {
	const char *fmt;
	va_list ap;
};

static redisReply *send_fmt(void *ud)
{
	struct fmt_cmd *c = ud;
	redisReply *rep;
	va_list ap;

	va_copy(ap, c->ap); /* each attempt reads the arguments afresh */
	rep = redisvCommand(rds_ctx, c->fmt, ap);
	va_end(ap);
	return rep;
}

vp_res rds_cmd(redisReply **out, const char *fmt, ...)
{
	struct fmt_cmd c = {.fmt = fmt};
	vp_res r;

	va_start(c.ap, fmt);
	r = rds_roundtrip(send_fmt, &c, out);
	va_end(c.ap);
	return r;
}

vp_res rds_ping(void)
{
	redisReply *rep;
	vp_res r = rds_cmd(&rep, "PING");

	if (r == VP_OK)
		freeReplyObject(rep);
	return r;
}

struct eval_cmd {
	const struct rds_script *s;
	const char **argv; /* EVALSHA sha nkeys keys... args... */
	int argc;
};

/* EVALSHA; when the server does not know the script (restarted, flushed),
 * EVAL with its source, which caches it again. */
static redisReply *send_eval(void *ud)
{
	struct eval_cmd *c = ud;
	redisReply *rep = redisCommandArgv(rds_ctx, c->argc, c->argv, NULL);

	if (rep && rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "NOSCRIPT", 8)) {
		freeReplyObject(rep);
		c->argv[0] = "EVAL";
		c->argv[1] = c->s->src;
		rep = redisCommandArgv(rds_ctx, c->argc, c->argv, NULL);
		c->argv[0] = "EVALSHA";
		c->argv[1] = c->s->sha;
	}
	return rep;
}

vp_res rds_eval(struct rds_script *s, redisReply **out, int nkeys, int nargs, const char **args)
{
	const char *argv[32];
	struct eval_cmd c = {.s = s, .argv = argv, .argc = 3 + nargs};
	char nk[16];

	*out = NULL;
	if (nargs > 28)
		return VP_INVALID;
	if (!s->sha[0]) {
		unsigned char md[SHA_DIGEST_LENGTH];

		SHA1((const unsigned char *)s->src, strlen(s->src), md);
		for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
			snprintf(s->sha + 2 * i, 3, "%02x", md[i]);
	}
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = s->sha;
	argv[2] = nk;
	for (int i = 0; i < nargs; i++)
		argv[3 + i] = args[i];
	return rds_roundtrip(send_eval, &c, out);
}
