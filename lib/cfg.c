/*
 * cfg.c — configuration from the environment (see cfg.h).
 *
 * Defaults are the local stack's; anything that is a secret or names a
 * deployment's resource (URLs, buckets, keys) has no default and is required.
 */
#include "cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return (v && *v) ? v : def;
}

static vp_res require(const char *name, const char **out, buf *err)
{
	const char *v = getenv(name);

	if (!v || !*v) {
		buf_printf(err, "%s is not set", name);
		return VP_INVALID;
	}
	*out = v;
	return VP_OK;
}

/* An http(s) URL with a host; good enough to catch typos at start-up. */
static vp_res require_http_url(const char *name, const char *v, buf *err)
{
	if (v && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		buf_printf(err, "%s must be an http:// or https:// URL", name);
		return VP_INVALID;
	}
	return VP_OK;
}

vp_res cfg_long(const char *name, long def, long min, long max, long *out, buf *err)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v) {
		*out = def;
		return VP_OK;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < min || n > max) {
		buf_printf(err, "%s must be a whole number from %ld to %ld", name, min, max);
		return VP_INVALID;
	}
	*out = n;
	return VP_OK;
}

static vp_res cfg_bool(const char *name, bool def, bool *out, buf *err)
{
	const char *v = getenv(name);

	if (!v || !*v)
		*out = def;
	else if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no"))
		*out = false;
	else {
		buf_printf(err, "%s must be true or false", name);
		return VP_INVALID;
	}
	return VP_OK;
}

/* Token keys are secrets: present, long enough to resist guessing, and not
 * the same for both kinds (so one kind can never verify as the other). */
static vp_res require_key(const char *name, const char **out, buf *err)
{
	vp_res r = require(name, out, err);

	if (r == VP_OK && strlen(*out) < 32) {
		buf_printf(err, "%s must be at least 32 bytes (openssl rand -hex 32)", name);
		return VP_INVALID;
	}
	return r;
}

static vp_res cfg_load_uploads(struct cfg *c, buf *err)
{
	long max_bytes;
	vp_res r;

	/* sizes in bytes: a long is 64 bits on the LP64 hosts we build for */
	if ((r = cfg_long("MAX_UPLOAD_BYTES", 10L << 30, 1, 5L << 40, &max_bytes, err)) ||
	    (r = cfg_long("UPLOAD_PART_SIZE", 8L << 20, 5L << 20, 5L << 30, &c->part_size, err)) ||
	    (r = cfg_long("PART_URL_TTL", 3600, 60, 7 * 86400, &c->part_url_ttl, err)) ||
	    (r = cfg_long("UPLOAD_TTL", 86400, 60, 30 * 86400, &c->upload_ttl, err)) ||
	    (r = cfg_long("MAX_ACTIVE_UPLOADS", 5, 1, 1000, &c->max_active_uploads, err)) ||
	    (r = cfg_long("PLAYBACK_URL_TTL", 3600, 60, 7 * 86400, &c->playback_url_ttl, err)) ||
	    (r = cfg_long("PUBLIC_PLAYBACK_URL_TTL", 300, 60, 3600, &c->public_playback_url_ttl,
	                  err)))
		return r;
	c->max_upload_bytes = max_bytes;
	return VP_OK;
}

static vp_res cfg_load_auth(struct cfg *c, buf *err)
{
	vp_res r;

	if ((r = require_key("JWT_ACCESS_SECRET", &c->jwt_access_secret, err)) != VP_OK ||
	    (r = require_key("JWT_REFRESH_SECRET", &c->jwt_refresh_secret, err)) != VP_OK)
		return r;
	if (!strcmp(c->jwt_access_secret, c->jwt_refresh_secret)) {
		buf_printf(err, "JWT_ACCESS_SECRET and JWT_REFRESH_SECRET must differ");
		return VP_INVALID;
	}
	/* playback URLs are signed with a key of their own: one that leaked
	 * from a player's URL can never sign a session token, or the reverse */
	if ((r = require_key("PLAYBACK_TOKEN_SECRET", &c->playback_token_secret, err)) != VP_OK)
		return r;
	if (!strcmp(c->playback_token_secret, c->jwt_access_secret) ||
	    !strcmp(c->playback_token_secret, c->jwt_refresh_secret)) {
		buf_printf(err, "PLAYBACK_TOKEN_SECRET must differ from the JWT keys");
		return VP_INVALID;
	}
	c->jwt_issuer = env_or("JWT_ISSUER", "vidpipe");
	c->jwt_audience = env_or("JWT_AUDIENCE", "vidpipe-api");
	if ((r = cfg_long("ACCESS_TOKEN_TTL", 900, 30, 86400, &c->access_ttl, err)) ||
	    (r = cfg_long("REFRESH_TOKEN_TTL", 14 * 86400, 300, 365 * 86400, &c->refresh_ttl,
	                  err)) ||
	    (r = cfg_long("ARGON2_MEMORY_KIB", 19456, 19456, 4 << 20, &c->argon2_m_kib, err)) ||
	    (r = cfg_long("ARGON2_ITERATIONS", 2, 2, 100, &c->argon2_t, err)) ||
	    (r = cfg_long("ARGON2_PARALLELISM", 1, 1, 64, &c->argon2_p, err)) ||
	    (r = cfg_long("RATE_LIMIT_AUTH_PER_IP", 10, 1, 1000000, &c->rl_auth_ip, err)) ||
	    (r = cfg_long("RATE_LIMIT_AUTH_WINDOW", 60, 1, 86400, &c->rl_auth_ip_window, err)) ||
	    (r = cfg_long("RATE_LIMIT_LOGIN_FAILURES", 5, 1, 1000000, &c->rl_login_fail, err)) ||
	    (r = cfg_long("RATE_LIMIT_LOGIN_FAILURES_WINDOW", 900, 1, 86400,
	                  &c->rl_login_fail_window, err)) ||
	    (r = cfg_long("RATE_LIMIT_API", 300, 1, 1000000, &c->rl_api, err)) ||
	    (r = cfg_long("RATE_LIMIT_API_WINDOW", 60, 1, 86400, &c->rl_api_window, err)) ||
	    (r = cfg_long("RATE_LIMIT_UPLOADS", 30, 1, 1000000, &c->rl_uploads, err)) ||
	    (r = cfg_long("RATE_LIMIT_UPLOADS_WINDOW", 3600, 1, 86400, &c->rl_uploads_window,
	                  err)) ||
	    (r = cfg_long("RATE_LIMIT_PUBLIC", 120, 1, 1000000, &c->rl_public, err)) ||
	    (r = cfg_long("RATE_LIMIT_PUBLIC_WINDOW", 60, 1, 86400, &c->rl_public_window, err)) ||
	    (r = cfg_long("RATE_LIMIT_PLAYBACK", 600, 1, 1000000, &c->rl_playback, err)) ||
	    (r = cfg_long("RATE_LIMIT_PLAYBACK_WINDOW", 60, 1, 86400, &c->rl_playback_window, err)))
		return r;
	return cfg_load_uploads(c, err);
}

vp_res cfg_load(struct cfg *c, buf *err)
{
	vp_res r;

	memset(c, 0, sizeof(*c));
	if ((r = require("DATABASE_URL", &c->database_url, err)) != VP_OK ||
	    (r = require("REDIS_URL", &c->redis_url, err)) != VP_OK ||
	    (r = require("AWS_ACCESS_KEY_ID", &c->aws_access_key_id, err)) != VP_OK ||
	    (r = require("AWS_SECRET_ACCESS_KEY", &c->aws_secret_access_key, err)) != VP_OK ||
	    (r = require("S3_BUCKET_RAW", &c->s3_bucket_raw, err)) != VP_OK ||
	    (r = require("S3_BUCKET_PROCESSED", &c->s3_bucket_processed, err)) != VP_OK ||
	    (r = require("SQS_QUEUE_URL", &c->sqs_queue_url, err)) != VP_OK)
		return r;
	if (strncmp(c->redis_url, "redis://", 8) != 0) {
		buf_printf(err, "REDIS_URL must start with redis://");
		return VP_INVALID;
	}
	c->frontend_url = env_or("FRONTEND_URL", "http://localhost:5173");
	c->api_url = env_or("API_URL", "http://localhost:8000");
	c->aws_region = env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", "us-east-1"));
	c->s3_endpoint = env_or("AWS_ENDPOINT_URL_S3", NULL);
	c->sqs_endpoint = env_or("AWS_ENDPOINT_URL_SQS", NULL);
	c->sqs_dlq_url = env_or("SQS_DLQ_URL", NULL);
	if ((r = require_http_url("FRONTEND_URL", c->frontend_url, err)) != VP_OK ||
	    (r = require_http_url("API_URL", c->api_url, err)) != VP_OK ||
	    (r = require_http_url("AWS_ENDPOINT_URL_S3", c->s3_endpoint, err)) != VP_OK ||
	    (r = require_http_url("AWS_ENDPOINT_URL_SQS", c->sqs_endpoint, err)) != VP_OK ||
	    (r = require_http_url("SQS_QUEUE_URL", c->sqs_queue_url, err)) != VP_OK)
		return r;
	if ((r = cfg_bool("S3_FORCE_PATH_STYLE", c->s3_endpoint != NULL, &c->s3_path_style, err)) !=
	    VP_OK)
		return r;
	if ((r = cfg_long("S3_LIST_PARTS_PAGE_SIZE", 1000, 1, 1000, &c->s3_list_page, err)) !=
	    VP_OK)
		return r;
	{
		long t;

		/* S3 parts are 5 MiB at least, and a single PUT 5 GiB at most */
		if ((r = cfg_long("S3_MULTIPART_THRESHOLD", 64L << 20, 5L << 20, 5L << 30, &t,
		                  err)) != VP_OK)
			return r;
		c->s3_multipart_threshold = t;
	}
	if (netaddr_cidrs_parse(getenv("TRUSTED_PROXIES"), c->trusted_proxies, NETADDR_MAX_TRUSTED,
	                        &c->n_trusted_proxies) != VP_OK) {
		buf_printf(err,
		           "TRUSTED_PROXIES must be IPv4 or IPv6 addresses or CIDRs (at most %d)",
		           NETADDR_MAX_TRUSTED);
		return VP_INVALID;
	}
	if ((r = cfg_long("DEPENDENCY_TIMEOUT_MS", 3000, 100, 60000, &c->dep_timeout_ms, err)) !=
	    VP_OK)
		return r;
	return cfg_load_auth(c, err);
}
