/*
 * aws.c — signed requests over one reused curl handle, or on a handle of
 * their own for the caller's multi handle (see aws.h). Both ways go through
 * aws_prepare, which signs the request and sets every option.
 */
#include "aws.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

static CURL *aws_curl;
static volatile sig_atomic_t *aws_abort;

void aws_set_abort_flag(volatile sig_atomic_t *flag)
{
	aws_abort = flag;
}

static int on_xfer(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)ud, (void)dt, (void)dn, (void)ut, (void)un;
	return aws_abort && *aws_abort; /* non-zero aborts the transfer */
}

#define AWS_MAX_RESPONSE ((size_t)8 << 20)

struct aws_io {
	struct aws_resp *rs;
	FILE *download;
	CURL *curl;
	FILE *upload;
	long long upload_left; /* never read past the bytes this request sends */
};

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
	struct aws_io *io = ud;
	size_t want = size * n;

	if ((long long)want > io->upload_left)
		want = (size_t)io->upload_left;
	want = want ? fread(p, 1, want, io->upload) : 0;
	io->upload_left -= (long long)want;
	return want;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct aws_io *io = ud;
	long status = 0;

	/* a download goes to its file only when the answer is a success; an
	 * error document is kept in the body for the caller to read */
	if (io->download) {
		curl_easy_getinfo(io->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300)
			return fwrite(p, size, n, io->download) == n ? size * n : 0;
	}
	if (buf_add(&io->rs->body, p, size * n) != VP_OK)
		return 0; /* over the cap: curl stops with an error */
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct aws_resp *rs = ud;
	size_t len = size * n;

	if (len > 15 && !strncasecmp(p, "content-length:", 15)) {
		char num[32];
		size_t k = 0;

		for (size_t i = 15; i < len && k + 1 < sizeof(num); i++)
			if (p[i] >= '0' && p[i] <= '9')
				num[k++] = p[i];
		num[k] = '\0';
		if (k)
			rs->content_length = strtoll(num, NULL, 10);
	}
	if (len > 5 && !strncasecmp(p, "etag:", 5)) {
		const char *v = p + 5;
		size_t vl = len - 5;

		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		if (vl < sizeof(rs->etag)) {
			memcpy(rs->etag, v, vl);
			rs->etag[vl] = '\0';
		}
	}
	return len;
}

/* Everything about one request but sending it: signed headers into *list
 * (the caller frees it), every option on curl, io filled. rs is
 * initialised. */
static vp_res aws_prepare(const struct cfg *cfg, const struct aws_req *rq, CURL *curl,
                          struct aws_io *io, struct aws_resp *rs, struct curl_slist **list)
{
	struct sigv4_creds creds = {cfg->aws_access_key_id, cfg->aws_secret_access_key,
	                            cfg->aws_region};
	struct sigv4_header hs[16];
	CURLU *u = NULL;
	char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char amz_date[17], payload[65];
	buf hostport, auth, line;
	size_t nh = 0, i;
	vp_res ret = VP_NOMEM;

	*list = NULL;
	buf_init(&rs->body, AWS_MAX_RESPONSE);
	rs->status = 0;
	rs->etag[0] = '\0';
	rs->content_length = -1;
	buf_init(&hostport, 512);
	buf_init(&auth, 2048);
	buf_init(&line, 4096);
	if (rq->n_headers > VP_ARRAY_LEN(hs) - 3)
		return VP_INVALID;

	if (!(u = curl_url()))
		goto end;
	ret = VP_INVALID;
	if (curl_url_set(u, CURLUPART_URL, rq->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto end;
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	ret = VP_NOMEM;
	if (buf_printf(&hostport, "%s%s%s", host, port ? ":" : "", port ? port : "") != VP_OK)
		goto end;

	sigv4_amz_date(time(NULL), amz_date);
	if (rq->upload)
		memcpy(payload, SIGV4_UNSIGNED, sizeof(SIGV4_UNSIGNED));
	else
		sigv4_sha256_hex(rq->body ? rq->body : "", rq->body_len, payload);
	hs[nh++] = (struct sigv4_header){"host", buf_str(&hostport)};
	hs[nh++] = (struct sigv4_header){"x-amz-date", amz_date};
	hs[nh++] = (struct sigv4_header){"x-amz-content-sha256", payload};
	for (i = 0; i < rq->n_headers; i++)
		hs[nh++] = rq->headers[i];
	if ((ret = sigv4_authorization(&creds, rq->service, rq->method, path, query ? query : "",
	                               hs, nh, payload, amz_date, &auth)) != VP_OK)
		goto end;

	ret = VP_NOMEM;
	for (i = 1; i < nh; i++) { /* curl sends Host itself */
		buf_reset(&line);
		if (buf_printf(&line, "%s: %s", hs[i].name, hs[i].value) != VP_OK)
			goto end;
		struct curl_slist *n = curl_slist_append(*list, buf_str(&line));
		if (!n)
			goto end;
		*list = n;
	}
	buf_reset(&line);
	if (buf_printf(&line, "Authorization: %s", buf_str(&auth)) != VP_OK)
		goto end;
	{
		struct curl_slist *n = curl_slist_append(*list, buf_str(&line));
		if (!n)
			goto end;
		*list = n;
		/* No "Expect: 100-continue" round trip for small bodies. */
		n = curl_slist_append(*list, "Expect:");
		if (!n)
			goto end;
		*list = n;
	}

	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, rq->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *list);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, rq->method);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
	                 rq->timeout_ms ? rq->timeout_ms : cfg->dep_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, cfg->dep_timeout_ms);
	memset(io, 0, sizeof(*io));
	io->rs = rs;
	io->download = rq->download;
	io->curl = curl;
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, io);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (aws_abort) {
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_xfer);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	}
	if (rq->head)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	if (rq->upload) {
		/* whole objects can be large: no overall timeout, but give up on a
		 * transfer that stalls below 1 KiB/s for 30 s */
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 0L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		io->upload = rq->upload;
		io->upload_left = rq->upload_size;
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(curl, CURLOPT_READDATA, io);
		curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->upload_size);
	} else if (rq->download) {
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 0L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
	}
	if (rq->body && !rq->upload) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	}
	ret = VP_OK;
end:
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	buf_free(&hostport);
	buf_free(&auth);
	buf_free(&line);
	if (ret != VP_OK) {
		curl_slist_free_all(*list);
		*list = NULL;
		buf_free(&rs->body);
	}
	return ret;
}

/* How a transfer ended: the status, or VP_UNAVAILABLE (logged) for a
 * transport failure. */
static vp_res aws_outcome(const struct aws_req *rq, CURL *curl, CURLcode cc, struct aws_resp *rs)
{
	if (cc != CURLE_OK) {
		log_event(LOG_WARN, "aws_transport", "service", rq ? rq->service : "s3", "error",
		          curl_easy_strerror(cc), LOG_END);
		buf_free(&rs->body); /* on failure the caller owns nothing */
		return VP_UNAVAILABLE;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &rs->status);
	return VP_OK;
}

vp_res aws_send(const struct cfg *cfg, const struct aws_req *rq, struct aws_resp *rs)
{
	struct curl_slist *list = NULL;
	struct aws_io io;
	vp_res r;

	if (!aws_curl && !(aws_curl = curl_easy_init())) {
		buf_init(&rs->body, 1);
		return VP_NOMEM;
	}
	if ((r = aws_prepare(cfg, rq, aws_curl, &io, rs, &list)) != VP_OK)
		return r;
	r = aws_outcome(rq, aws_curl, curl_easy_perform(aws_curl), rs);
	curl_slist_free_all(list);
	return r;
}

struct aws_async {
	CURL *curl;
	struct curl_slist *list;
	struct aws_io io;
	struct aws_resp rs;
	const char *service; /* a literal */
};

vp_res aws_async_start(const struct cfg *cfg, const struct aws_req *rq, struct aws_async **out)
{
	struct aws_async *a = calloc(1, sizeof(*a));
	vp_res r = VP_NOMEM;

	*out = NULL;
	if (!a || !(a->curl = curl_easy_init()))
		goto fail;
	if ((r = aws_prepare(cfg, rq, a->curl, &a->io, &a->rs, &a->list)) != VP_OK)
		goto fail;
	a->service = !strcmp(rq->service, "sqs") ? "sqs" : "s3";
	curl_easy_setopt(a->curl, CURLOPT_PRIVATE, a);
	*out = a;
	return VP_OK;
fail:
	if (a && a->curl)
		curl_easy_cleanup(a->curl);
	free(a);
	return r;
}

CURL *aws_async_handle(struct aws_async *a)
{
	return a->curl;
}

vp_res aws_async_finish(struct aws_async *a, CURLcode cc, struct aws_resp *rs)
{
	struct aws_req rq = {.service = a->service};
	vp_res r = aws_outcome(&rq, a->curl, cc, &a->rs);

	*rs = a->rs;
	memset(&a->rs, 0, sizeof(a->rs)); /* the body is the caller's now */
	return r;
}

void aws_async_free(struct aws_async *a)
{
	if (!a)
		return;
	curl_easy_cleanup(a->curl);
	curl_slist_free_all(a->list);
	buf_free(&a->rs.body);
	free(a);
}
