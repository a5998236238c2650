/*
 * aws.h — one signed HTTP call to an AWS-protocol service over libcurl.
 *
 * The S3 and SQS clients build a request (method, URL already encoded,
 * headers, body) and aws_send() signs it with SigV4, sends it on the
 * process's reused curl handle (keep-alive) within the configured timeout,
 * and collects the status, the body (capped) and the ETag header. Transport
 * failures are VP_UNAVAILABLE; the caller maps HTTP statuses.
 *
 * aws_async_* make the same signed request on a curl handle of its own, for
 * a caller that runs several at once on a curl multi handle (the worker's
 * segment uploads, lib/putq.h).
 */
#ifndef VP_AWS_H
#define VP_AWS_H

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>

#include "buf.h"
#include "cfg.h"
#include "sigv4.h"
#include "vp.h"

struct aws_req {
	const char *service; /* "s3" or "sqs" */
	const char *method;
	const char *url;                    /* scheme://host[:port]/path[?query] */
	const struct sigv4_header *headers; /* extra headers, lower-case names */
	size_t n_headers;
	const void *body;
	size_t body_len;
	bool head;    /* HEAD: expect no body */
	FILE *upload; /* PUT this file's bytes (streamed, unsigned payload) */
	long long upload_size;
	FILE *download;  /* write a 2xx body here instead of into resp.body */
	long timeout_ms; /* 0: the configured dependency timeout */
};

struct aws_resp {
	long status;
	buf body; /* initialised by aws_send, caller frees */
	char etag[128];
	long long content_length; /* -1 when the answer has none */
};

/* A flag that, once non-zero, makes any call in progress (a long poll, a
 * large transfer) end at once with VP_UNAVAILABLE: for SIGTERM handlers. */
void aws_set_abort_flag(volatile sig_atomic_t *flag);

vp_res aws_send(const struct cfg *cfg, const struct aws_req *rq, struct aws_resp *rs);

/* A request prepared and signed on a curl handle of its own, which the
 * caller adds to its multi handle (aws_async_handle). Everything rq points
 * to but the URL must outlive the transfer (an upload's FILE, a body). */
struct aws_async;
vp_res aws_async_start(const struct cfg *cfg, const struct aws_req *rq, struct aws_async **out);
CURL *aws_async_handle(struct aws_async *a);
/* Once the multi handle says the transfer is done with cc: the answer, as
 * aws_send gives it (rs->body is the caller's on VP_OK). Then free it. */
vp_res aws_async_finish(struct aws_async *a, CURLcode cc, struct aws_resp *rs);
/* Accepts NULL; the handle must be out of any multi handle. */
void aws_async_free(struct aws_async *a);

#endif
