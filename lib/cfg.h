/*
 * cfg.h — configuration from the environment, read and validated once.
 *
 * cfg_load() reads every variable lib/ knows, applies defaults, and checks
 * each value; the first bad or missing variable is named in the error text so
 * a start-up failure says exactly what to fix. Strings point into the
 * process environment (not copied); the struct owns nothing.
 */
#ifndef VP_CFG_H
#define VP_CFG_H

#include <stdbool.h>

#include "buf.h"
#include "netaddr.h"
#include "vp.h"

struct cfg {
	const char *database_url;
	const char *redis_url;
	const char *frontend_url; /* the one CORS origin */
	const char *api_url;      /* the API's own base URL, as clients reach it */
	const char *aws_region;
	const char *aws_access_key_id;
	const char *aws_secret_access_key;
	const char *s3_endpoint; /* e.g. http://127.0.0.1:8080; AWS when unset */
	bool s3_path_style;
	long s3_list_page;                /* ListParts page size (1..1000) */
	long long s3_multipart_threshold; /* PutObject above this goes multipart */
	const char *sqs_endpoint;         /* SQS JSON endpoint; AWS when unset */
	const char *s3_bucket_raw;
	const char *s3_bucket_processed;
	const char *sqs_queue_url;
	const char *sqs_dlq_url; /* may be NULL */
	long dep_timeout_ms;     /* one call to a dependency, at most */

	/* TRUSTED_PROXIES: whose X-Forwarded-For names the client */
	struct netaddr_cidr trusted_proxies[NETADDR_MAX_TRUSTED];
	size_t n_trusted_proxies;

	/* auth */
	const char *jwt_access_secret;  /* >= 32 bytes */
	const char *jwt_refresh_secret; /* >= 32 bytes, differs from the above */
	const char *jwt_issuer;
	const char *jwt_audience;
	long access_ttl;                   /* seconds */
	long refresh_ttl;                  /* seconds; also the session's lifetime */
	const char *playback_token_secret; /* >= 32 bytes, differs from both JWT keys */
	long argon2_m_kib, argon2_t, argon2_p;

	/* uploads and playback */
	long long max_upload_bytes;
	long part_size;          /* bytes; grows so part_count <= 10000 */
	long part_url_ttl;       /* seconds */
	long upload_ttl;         /* seconds an upload may stay active */
	long max_active_uploads; /* per user */
	long playback_url_ttl;   /* seconds */
	/* seconds the playback URLs handed to anonymous viewers (public pages,
	 * share links) stay valid: how long a revoked link or a video made
	 * private can still be watched by someone who had it open */
	long public_playback_url_ttl;

	/* rate limits: count per window (seconds) */
	long rl_auth_ip, rl_auth_ip_window;       /* login + register per IP */
	long rl_login_fail, rl_login_fail_window; /* failed logins per account */
	long rl_api, rl_api_window;               /* authenticated API per user */
	long rl_uploads, rl_uploads_window;       /* POST /uploads per user */
	long rl_public, rl_public_window;         /* anonymous routes per client IP */
	long rl_playback, rl_playback_window;     /* playlist requests per client IP */
};

/* Fills c from the environment. On failure returns VP_INVALID and writes a
 * one-line reason naming the variable into err. */
vp_res cfg_load(struct cfg *c, buf *err);

/* Reads an integer variable within [min, max]; def when unset. Exposed for the
 * other modules' settings so every number is parsed one way. */
vp_res cfg_long(const char *name, long def, long min, long max, long *out, buf *err);

#endif
