/*
 * http.h — one FastCGI request in, one HTTP response out.
 *
 * A responder declares the methods it serves in a table and hands it to
 * http_serve(), which owns the FastCGI accept loop and does, for every
 * request and in this order: request id, CORS preflight, 405 with Allow for a
 * method not in the table, for a method that takes a body the Content-Type
 * check (415), the body limit (413: 64 KiB, or what the method declares)
 * and JSON parsing (400), then the
 * handler, then the response with the headers every API answer carries
 * (nosniff, no-store, X-Request-Id, CORS) and one log line.
 *
 * Handlers answer through http_json()/http_error()/http_empty(), or
 * http_text() for a body that is not JSON (a playlist); the response body
 * is owned by the request and freed after it is sent.
 *
 * CORS: answers carry Access-Control-Allow-Origin for FRONTEND_URL, with
 * credentials. A responder started with http_serve_any_origin() serves
 * capability URLs instead (a token in the URL is the whole credential; no
 * cookie or header is ever read): its answers and preflights allow any
 * origin, without credentials, so a player on any page can fetch them.
 */
#ifndef VP_HTTP_H
#define VP_HTTP_H

#include <fcgiapp.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "cfg.h"
#include "netaddr.h"
#include "vp.h"

/* A method's body, as its table entry declares it: none, or a JSON object
 * of at most this many bytes (413 past it). */
#define HTTP_NO_BODY         ((size_t)0)
#define HTTP_JSON_BODY       ((size_t)64 * 1024)   /* the contract's default */
#define HTTP_JSON_BODY_LARGE ((size_t)1024 * 1024) /* a 10,000-part completion */

struct http_req {
	FCGX_Request fcgx;
	const char *method;
	char path[1024];                  /* the request path, without the query */
	const char *query;                /* without '?', "" when absent */
	const char *origin;               /* NULL when absent */
	const char *remote_addr;          /* the connection's, as the web server says */
	struct netaddr client;            /* who sent it (netaddr_client: trusted proxies) */
	char client_ip[NETADDR_TEXT];     /* client as text, "" when unknown */
	char client_bucket[NETADDR_TEXT]; /* its rate-limit bucket (IPv6: /64) */
	const char *user_agent;           /* NULL when absent or not strict UTF-8 */
	char request_id[72];
	struct json_object *json; /* parsed body, for methods that take one */
	struct timespec start;

	/* the response being built */
	int status;
	buf headers; /* extra header lines, each ending "\r\n" */
	buf body;
	const char *content_type; /* of the body; NULL for the API's JSON */
	bool cors_any;            /* Access-Control-Allow-Origin: * (http_serve_any_origin) */
	bool answered;
};

struct http_ctx {
	struct http_req *req;
	const struct cfg *cfg;
};

typedef void (*http_handler)(struct http_ctx *ctx);

struct http_method {
	const char *method; /* "GET", "POST", ... */
	http_handler handler;
	size_t body; /* HTTP_NO_BODY, or the limit of its required JSON body */
};

/* Runs the FastCGI loop until the server closes the socket. prog names the
 * responder in logs. Returns the process exit status; the config is read and
 * checked before the first request and a bad one ends the process with 1.
 * methods == NULL makes the catch-all responder: every request is 404. */
int http_serve(const char *prog, const struct http_method *methods, size_t n_methods);
/* The same for a responder of capability URLs: any origin, no credentials. */
int http_serve_any_origin(const char *prog, const struct http_method *methods, size_t n_methods);

/* For a responder whose path carries a secret (a share link's token): the
 * path's segment n (0-based) never reaches a log line, which shows
 * HTTP_HIDDEN in its place. Call before http_serve(). */
#define HTTP_HIDDEN "[hidden]"
void http_hide_segment(unsigned n);

/* A request header by its CGI name ("HTTP_AUTHORIZATION"); NULL if absent. */
const char *http_param(struct http_ctx *ctx, const char *name);

/* Adds a response header; name and value must not contain CR or LF. */
void http_header(struct http_ctx *ctx, const char *name, const char *value);

/* Answers status with o as the body; takes ownership of o (may be NULL for
 * an allocation failure, which becomes a 500). */
void http_json(struct http_ctx *ctx, int status, struct json_object *o);
/* Answers the contract's error shape. */
void http_error(struct http_ctx *ctx, int status, const char *code, const char *message);
/* Answers status with n bytes of text of content_type (a literal). */
void http_text(struct http_ctx *ctx, int status, const char *content_type, const char *text,
               size_t n);
/* Answers a status without a body (204). */
void http_empty(struct http_ctx *ctx, int status);
/* Answers n bytes of a body that is not JSON (the web app's pages), of
 * content_type (a static string); they are copied. */
void http_body(struct http_ctx *ctx, int status, const char *content_type, const char *data,
               size_t n);
/* Maps a lib/ failure to its answer: 503 unavailable, 500 otherwise. */
void http_fail(struct http_ctx *ctx, vp_res r, const char *what);

/* The n-th '/'-separated segment of the path (0-based), copied into out.
 * VP_NOT_FOUND when there are fewer segments, VP_TOO_LARGE if it does not
 * fit. */
vp_res http_path_segment(const struct http_req *req, unsigned n, char *out, size_t size);

/* The first value of query parameter name, percent-decoded (by libcurl)
 * into out. VP_NOT_FOUND when absent, VP_INVALID when it decodes to
 * something with a NUL, VP_TOO_LARGE when it does not fit. */
vp_res http_query_param(const struct http_req *req, const char *name, char *out, size_t size);

/* True if s is a canonical lower-case UUID. */
bool http_is_uuid(const char *s);

/* Writes a fresh random v4 UUID (37 bytes with the NUL). */
vp_res http_uuid(char out[37]);

#endif
