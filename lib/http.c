/*
 * http.c — the FastCGI request/response cycle shared by every responder.
 *
 * The design is kcgi's: a responder states its inputs (here: methods and
 * whether they take a body) in a table; everything generic — method check,
 * media type, body size, JSON syntax, request id, CORS, the security headers,
 * the error shape and the access log line — happens here, once.
 */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "internal.h"
#include "json.h"
#include "log.h"
#include "rds.h"

/* ------------------------------------------------------------------------ */
/* Small pieces                                                              */
/* ------------------------------------------------------------------------ */

static const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

vp_res http_uuid(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return VP_INTERNAL;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (int i = 0, o = 0; i < 16; i++) {
		static const char hex[] = "0123456789abcdef";

		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[36] = '\0';
	return VP_OK;
}

bool http_is_uuid(const char *s)
{
	static const char dash[] = {8, 13, 18, 23};
	size_t i, d = 0;

	if (!s || strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (d < sizeof(dash) && i == (size_t)dash[d]) {
			if (s[i] != '-')
				return false;
			d++;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return true;
}

/* A client's X-Request-Id is echoed only if it is short and plain, so it can
 * neither split a header nor smuggle markup into a log viewer. */
bool http_request_id_ok(const char *s)
{
	size_t n = 0;

	for (; s && s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return n >= 1 && n <= 64;
}

/* "application/json", any case, optionally followed by parameters. */
static bool is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (!ct || strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

const char *http_param(struct http_ctx *ctx, const char *name)
{
	return FCGX_GetParam(name, ctx->req->fcgx.envp);
}

vp_res http_path_segment(const struct http_req *req, unsigned n, char *out, size_t size)
{
	const char *p = req->path, *e;
	unsigned i = 0;

	while (*p == '/')
		p++;
	for (;;) {
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		if (i == n) {
			size_t len = (size_t)(e - p);

			if (len == 0)
				return VP_NOT_FOUND;
			if (len >= size)
				return VP_TOO_LARGE;
			memcpy(out, p, len);
			out[len] = '\0';
			return VP_OK;
		}
		if (!*e)
			return VP_NOT_FOUND;
		p = e + 1;
		i++;
	}
}

vp_res http_query_param(const struct http_req *req, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);
	const char *p = req->query;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);

		if (len > nlen && p[nlen] == '=' && !strncmp(p, name, nlen)) {
			int dlen = 0;
			char *v;
			vp_res r = VP_OK;

			if (len - nlen - 1 > 4096)
				return VP_TOO_LARGE;
			v = curl_easy_unescape(NULL, p + nlen + 1, (int)(len - nlen - 1), &dlen);
			if (!v)
				return VP_NOMEM;
			if ((size_t)dlen >= size)
				r = VP_TOO_LARGE;
			else if (memchr(v, '\0', (size_t)dlen))
				r = VP_INVALID;
			else
				memcpy(out, v, (size_t)dlen + 1);
			curl_free(v);
			return r;
		}
		p = amp ? amp + 1 : NULL;
	}
	return VP_NOT_FOUND;
}

/* ------------------------------------------------------------------------ */
/* Answers                                                                   */
/* ------------------------------------------------------------------------ */

void http_header(struct http_ctx *ctx, const char *name, const char *value)
{
	buf *h = &ctx->req->headers;

	if (strpbrk(name, "\r\n") || strpbrk(value, "\r\n"))
		return;
	buf_adds(h, name);
	buf_add(h, ": ", 2);
	buf_adds(h, value);
	buf_add(h, "\r\n", 2);
}

void http_json(struct http_ctx *ctx, int status, struct json_object *o)
{
	struct http_req *req = ctx->req;
	const char *s;

	buf_reset(&req->body);
	req->content_type = NULL;
	if (!o) {
		req->status = 500;
		buf_adds(&req->body,
		         "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
		req->answered = true;
		return;
	}
	s = json_object_to_json_string_ext(o,
	                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	req->status = status;
	if (!s || buf_adds(&req->body, s) != VP_OK) {
		req->status = 500;
		buf_reset(&req->body);
		buf_adds(&req->body,
		         "{\"error\":{\"code\":\"internal\",\"message\":\"response too large\"}}");
	}
	req->answered = true;
	json_object_put(o);
}

void http_error(struct http_ctx *ctx, int status, const char *code, const char *message)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e = json_object_new_object();

	if (!o || !e) {
		json_object_put(o);
		json_object_put(e);
		http_json(ctx, status, NULL);
		return;
	}
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(o, "error", e);
	http_json(ctx, status, o);
}

void http_text(struct http_ctx *ctx, int status, const char *content_type, const char *text,
               size_t n)
{
	struct http_req *req = ctx->req;

	buf_reset(&req->body);
	req->content_type = content_type;
	req->status = status;
	if (buf_add(&req->body, text, n) != VP_OK) {
		req->content_type = NULL;
		req->status = 500;
		buf_reset(&req->body);
		buf_adds(&req->body,
		         "{\"error\":{\"code\":\"internal\",\"message\":\"response too large\"}}");
	}
	req->answered = true;
}

void http_empty(struct http_ctx *ctx, int status)
{
	buf_reset(&ctx->req->body);
	ctx->req->status = status;
	ctx->req->answered = true;
}

void http_body(struct http_ctx *ctx, int status, const char *content_type, const char *data,
               size_t n)
{
	struct http_req *req = ctx->req;

	buf_reset(&req->body);
	if (buf_add(&req->body, data, n) != VP_OK) {
		http_error(ctx, 500, "internal", "response too large");
		return;
	}
	req->status = status;
	req->content_type = content_type;
	req->answered = true;
}

void http_fail(struct http_ctx *ctx, vp_res r, const char *what)
{
	log_event(r == VP_UNAVAILABLE ? LOG_WARN : LOG_ERROR, "failure", "what", what, "result",
	          vp_res_str(r), LOG_END);
	if (r == VP_UNAVAILABLE)
		http_error(ctx, 503, "unavailable",
		           "a service this request needs is unavailable; try again shortly");
	else
		http_error(ctx, 500, "internal", "internal error");
}

/* ------------------------------------------------------------------------ */
/* The request cycle                                                         */
/* ------------------------------------------------------------------------ */

static void allow_list(const struct http_method *m, size_t n, buf *out)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s%s", i ? ", " : "", m[i].method);
	buf_printf(out, "%sOPTIONS", n ? ", " : "");
}

/* Reads the body into dst (whose cap is the limit); VP_TOO_LARGE past it. */
static vp_res read_body(struct http_req *req, buf *dst)
{
	char chunk[8192];
	int got;

	for (;;) {
		got = FCGX_GetStr(chunk, sizeof(chunk), req->fcgx.in);
		if (got <= 0)
			return VP_OK;
		if (buf_add(dst, chunk, (size_t)got) != VP_OK)
			return VP_TOO_LARGE;
	}
}

/* A connection the server keeps (FCGI_KEEP_CONN: mod_proxy_fcgi with
 * enablereuse) carries the next request right after this one, so whatever
 * is left of this request's stdin (the empty record that ends it, or a body
 * no handler read) must be read first: libfcgi would otherwise take it for
 * the start of the next request and drop the connection. */
static void drain_body(struct http_req *req)
{
	char chunk[8192];

	while (FCGX_GetStr(chunk, sizeof(chunk), req->fcgx.in) > 0)
		;
}

static void too_large(struct http_ctx *ctx, size_t limit)
{
	char msg[80];

	if (limit % (1024 * 1024) == 0)
		snprintf(msg, sizeof(msg), "request bodies are limited to %zu MiB here",
		         limit / (1024 * 1024));
	else
		snprintf(msg, sizeof(msg), "request bodies are limited to %zu KiB here",
		         limit / 1024);
	http_error(ctx, 413, "payload_too_large", msg);
}

/* Everything between accept and the handler; false when it answered. */
static bool http_prepare(struct http_ctx *ctx, const struct http_method *methods, size_t n_methods,
                         const struct http_method **chosen)
{
	struct http_req *req = ctx->req;
	const char *uri, *q, *ct, *cl, *rid;
	long long clen = 0;
	size_t i, plen, limit;
	bool bad_value;
	buf allow, body;
	vp_res r;

	req->method = http_param(ctx, "REQUEST_METHOD");
	if (!req->method)
		req->method = "GET";
	uri = http_param(ctx, "REQUEST_URI");
	if (!uri)
		uri = "/";
	q = strchr(uri, '?');
	plen = q ? (size_t)(q - uri) : strlen(uri);
	if (plen >= sizeof(req->path))
		plen = sizeof(req->path) - 1;
	memcpy(req->path, uri, plen);
	req->path[plen] = '\0';
	req->query = http_param(ctx, "QUERY_STRING");
	if (!req->query)
		req->query = "";
	req->origin = http_param(ctx, "HTTP_ORIGIN");
	req->remote_addr = http_param(ctx, "REMOTE_ADDR");
	netaddr_client(req->remote_addr, http_param(ctx, "HTTP_X_FORWARDED_FOR"),
	               ctx->cfg->trusted_proxies, ctx->cfg->n_trusted_proxies, &req->client);
	netaddr_text(&req->client, req->client_ip);
	netaddr_bucket(&req->client, req->client_bucket);
	req->user_agent = http_param(ctx, "HTTP_USER_AGENT");
	if (req->user_agent && !json_text_ok(req->user_agent, strlen(req->user_agent)))
		req->user_agent = NULL; /* it is stored and shown back as JSON text */

	rid = http_param(ctx, "HTTP_X_REQUEST_ID");
	if (http_request_id_ok(rid))
		snprintf(req->request_id, sizeof(req->request_id), "%s", rid);
	else if (http_uuid(req->request_id) != VP_OK)
		snprintf(req->request_id, sizeof(req->request_id), "unknown");
	log_set_request_id(req->request_id);

	if (!methods) { /* the catch-all responder: no such path */
		http_error(ctx, 404, "not_found", "no such resource");
		return false;
	}
	if (!strcmp(req->method, "OPTIONS")) {
		buf_init(&allow, 1024);
		allow_list(methods, n_methods, &allow);
		http_header(ctx, "Allow", buf_str(&allow));
		if (req->origin &&
		    (req->cors_any || !strcmp(req->origin, ctx->cfg->frontend_url))) {
			http_header(ctx, "Access-Control-Allow-Methods", buf_str(&allow));
			http_header(ctx, "Access-Control-Allow-Headers",
			            "Authorization, Content-Type, X-Request-Id");
			http_header(ctx, "Access-Control-Max-Age", "600");
		}
		buf_free(&allow);
		http_empty(ctx, 204);
		return false;
	}
	/* Limits that hold for every path and method come first. */
	cl = http_param(ctx, "CONTENT_LENGTH");
	if (cl && *cl) {
		char *end;

		errno = 0;
		clen = strtoll(cl, &end, 10);
		if (errno || *end || clen < 0) {
			http_error(ctx, 400, "invalid_request", "bad Content-Length");
			return false;
		}
	}
	ct = http_param(ctx, "CONTENT_TYPE");
	if (clen > 0 && !is_json_type(ct)) {
		http_error(ctx, 415, "unsupported_media_type",
		           "request bodies must be Content-Type: application/json");
		return false;
	}
	*chosen = NULL;
	for (i = 0; i < n_methods; i++)
		if (!strcmp(methods[i].method, req->method))
			*chosen = &methods[i];
	/* a method that takes no body, or none the table knows, still gets
	 * the default limit rather than none */
	limit = *chosen && (*chosen)->body ? (*chosen)->body : HTTP_JSON_BODY;
	if (clen > (long long)limit) {
		too_large(ctx, limit);
		return false;
	}
	if (!*chosen) {
		buf_init(&allow, 1024);
		allow_list(methods, n_methods, &allow);
		http_header(ctx, "Allow", buf_str(&allow));
		buf_free(&allow);
		http_error(ctx, 405, "method_not_allowed", "this path does not serve that method");
		return false;
	}
	if ((*chosen)->body && !is_json_type(ct)) {
		http_error(ctx, 415, "unsupported_media_type",
		           "request bodies must be Content-Type: application/json");
		return false;
	}
	if (!(*chosen)->body)
		return true;

	buf_init(&body, limit);
	r = read_body(req, &body);
	if (r == VP_TOO_LARGE) {
		buf_free(&body);
		too_large(ctx, limit);
		return false;
	}
	r = json_parse_request(buf_str(&body), body.len, &req->json, &bad_value);
	buf_free(&body);
	if (r != VP_OK && bad_value) {
		http_error(ctx, 400, "invalid_request",
		           "a value is out of range: text must be UTF-8 without overlong forms, "
		           "surrogates, NUL or non-characters, and integers must fit in 64 bits");
		return false;
	}
	if (r != VP_OK) {
		http_error(ctx, 400, "invalid_json", "the request body must be one JSON object");
		return false;
	}
	return true;
}

/* The header block is built in a buf kept for the process and written
 * once (libfcgi's own FCGX_FPrintF does not know every printf conversion,
 * and printf is the slowest way to glue constant text anyway). */
static void http_send(struct http_ctx *ctx)
{
	static buf h;
	struct http_req *req = ctx->req;
	FCGX_Stream *out = req->fcgx.out;
	bool cors = req->origin && !strcmp(req->origin, ctx->cfg->frontend_url) && !req->cors_any;

	if (!h.max)
		buf_init(&h, 64 * 1024);
	buf_reset(&h);
	buf_adds(&h, "Status: ");
	buf_addlong(&h, req->status);
	buf_addc(&h, ' ');
	buf_adds(&h, http_reason(req->status));
	buf_adds(&h, "\r\n");
	if (req->body.len) {
		buf_adds(&h, "Content-Type: ");
		buf_adds(&h,
		         req->content_type ? req->content_type : "application/json; charset=utf-8");
		buf_adds(&h, "\r\n"
		             "Content-Length: ");
		buf_addlong(&h, (long long)req->body.len);
		buf_adds(&h, "\r\n");
	}
	buf_adds(&h, "X-Content-Type-Options: nosniff\r\n"
	             "Cache-Control: no-store\r\n"
	             "X-Request-Id: ");
	buf_adds(&h, req->request_id);
	buf_adds(&h, "\r\n");
	if (cors) {
		buf_adds(&h, "Access-Control-Allow-Origin: ");
		buf_adds(&h, req->origin);
		buf_adds(&h, "\r\n"
		             "Access-Control-Allow-Credentials: true\r\n"
		             "Access-Control-Expose-Headers: X-Request-Id, RateLimit-Limit, "
		             "RateLimit-Remaining, RateLimit-Reset, Retry-After\r\n");
	} else if (req->cors_any) {
		buf_adds(&h, "Access-Control-Allow-Origin: *\r\n"
		             "Access-Control-Expose-Headers: X-Request-Id\r\n");
	}
	buf_adds(&h, "Vary: Origin\r\n");
	buf_add(&h, req->headers.data, req->headers.len);
	buf_adds(&h, "\r\n");
	FCGX_PutStr(h.data, (int)h.len, out);
	if (req->body.len)
		FCGX_PutStr(req->body.data, (int)req->body.len, out);
}

/* The segment of the path that logs never show (http_hide_segment). */
static int hidden_segment = -1;

void http_hide_segment(unsigned n)
{
	hidden_segment = (int)n;
}

void http_log_path(const char *path, int hide, char *out, size_t size)
{
	const char *p = path;
	int seg = 0;
	buf b;

	buf_init(&b, size - 1);
	while (*p == '/') /* as http_path_segment(): leading slashes start nothing */
		buf_addc(&b, *p++);
	for (; *p; p++) {
		if (*p == '/') {
			seg++;
			buf_addc(&b, '/');
		} else if (seg == hide) {
			buf_adds(&b, HTTP_HIDDEN);
			while (p[1] && p[1] != '/')
				p++;
		} else {
			buf_addc(&b, *p);
		}
	}
	snprintf(out, size, "%s", buf_str(&b));
	buf_free(&b);
}

static void http_log(struct http_ctx *ctx)
{
	struct http_req *req = ctx->req;
	struct timespec now;
	char status[8], ms[32], hidden[sizeof(req->path)];
	const char *path = req->path;
	long long us;
	int n;

	/* copied only by a responder that hides a segment (a share link's token) */
	if (hidden_segment >= 0) {
		http_log_path(req->path, hidden_segment, hidden, sizeof(hidden));
		path = hidden;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (long long)(now.tv_sec - req->start.tv_sec) * 1000000 +
	     (now.tv_nsec - req->start.tv_nsec) / 1000;
	if (us < 0)
		us = 0;
	snprintf(status, sizeof(status), "%d", req->status);
	/* milliseconds with two decimals, rounded to the nearest */
	us += 5;
	n = snprintf(ms, sizeof(ms), "%lld.%02lld", us / 1000, us % 1000 / 10);
	if (n < 0 || (size_t)n >= sizeof(ms))
		ms[0] = '\0';
	log_event(req->status >= 500 ? LOG_WARN : LOG_INFO, "request", "method", req->method,
	          "path", path, "status", status, "ms", ms, "ip", req->client_ip, LOG_END);
}

static int serve(const char *prog, const struct http_method *methods, size_t n_methods,
                 bool any_origin)
{
	static struct http_req req;
	struct http_ctx ctx;
	struct cfg cfg;
	buf err;
	const struct http_method *chosen;

	log_init(prog);
	buf_init(&err, 1024);
	if (cfg_load(&cfg, &err) != VP_OK) {
		log_event(LOG_ERROR, "config", "error", buf_str(&err), LOG_END);
		buf_free(&err);
		return 1;
	}
	db_setup(cfg.database_url, cfg.dep_timeout_ms, prog);
	if (rds_setup(cfg.redis_url, cfg.dep_timeout_ms) != VP_OK) {
		log_event(LOG_ERROR, "config", "error", "REDIS_URL is not a valid redis:// URL",
		          LOG_END);
		buf_free(&err);
		return 1;
	}
	buf_free(&err);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || FCGX_Init() != 0) {
		log_event(LOG_ERROR, "start", "error", "library initialisation failed", LOG_END);
		return 1;
	}
	FCGX_InitRequest(&req.fcgx, 0, 0);
	buf_init(&req.headers, 16 * 1024);
	buf_init(&req.body, BUF_DEFAULT_MAX);
	ctx.req = &req;
	ctx.cfg = &cfg;
	log_event(LOG_INFO, "start", LOG_END);
	while (FCGX_Accept_r(&req.fcgx) >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &req.start);
		req.status = 500;
		req.answered = false;
		req.json = NULL;
		req.content_type = NULL;
		req.cors_any = any_origin;
		buf_reset(&req.headers);
		buf_reset(&req.body);
		if (http_prepare(&ctx, methods, n_methods, &chosen)) {
			chosen->handler(&ctx);
			if (!req.answered)
				http_error(&ctx, 500, "internal", "no answer");
		}
		http_send(&ctx);
		http_log(&ctx);
		json_object_put(req.json);
		req.json = NULL;
		log_set_request_id(NULL);
		if (req.fcgx.keepConnection)
			drain_body(&req);
		FCGX_Finish_r(&req.fcgx);
	}
	buf_free(&req.headers);
	buf_free(&req.body);
	db_close();
	rds_close();
	curl_global_cleanup();
	return 0;
}

int http_serve(const char *prog, const struct http_method *methods, size_t n_methods)
{
	return serve(prog, methods, n_methods, false);
}

int http_serve_any_origin(const char *prog, const struct http_method *methods, size_t n_methods)
{
	return serve(prog, methods, n_methods, true);
}
