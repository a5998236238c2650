/*
 * aws.c — signed requests over one reused curl handle (see aws.h).
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

vp_res aws_send(const struct cfg *cfg, const struct aws_req *rq, struct aws_resp *rs)
{
	struct sigv4_creds creds = {cfg->aws_access_key_id, cfg->aws_secret_access_key,
	                            cfg->aws_region};
	struct sigv4_header hs[16];
	struct curl_slist *list = NULL;
	CURLU *u = NULL;
	char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char amz_date[17], payload[65];
	buf hostport, auth, line;
	size_t nh = 0, i;
	struct aws_io io;
	CURLcode cc;
	vp_res ret = VP_NOMEM;

	buf_init(&rs->body, AWS_MAX_RESPONSE);
	rs->status = 0;
	rs->etag[0] = '\0';
	rs->content_length = -1;
	buf_init(&hostport, 512);
	buf_init(&auth, 2048);
	buf_init(&line, 4096);
	if (rq->n_headers > VP_ARRAY_LEN(hs) - 3)
		return VP_INVALID;

	if (!aws_curl && !(aws_curl = curl_easy_init()))
		goto end;
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
		struct curl_slist *n = curl_slist_append(list, buf_str(&line));
		if (!n)
			goto end;
		list = n;
	}
	buf_reset(&line);
	if (buf_printf(&line, "Authorization: %s", buf_str(&auth)) != VP_OK)
		goto end;
	{
		struct curl_slist *n = curl_slist_append(list, buf_str(&line));
		if (!n)
			goto end;
		list = n;
		/* No "Expect: 100-continue" round trip for small bodies. */
		n = curl_slist_append(list, "Expect:");
		if (!n)
			goto end;
		list = n;
	}

	curl_easy_reset(aws_curl);
	curl_easy_setopt(aws_curl, CURLOPT_URL, rq->url);
	curl_easy_setopt(aws_curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(aws_curl, CURLOPT_CUSTOMREQUEST, rq->method);
	curl_easy_setopt(aws_curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(aws_curl, CURLOPT_TIMEOUT_MS,
	                 rq->timeout_ms ? rq->timeout_ms : cfg->dep_timeout_ms);
	curl_easy_setopt(aws_curl, CURLOPT_CONNECTTIMEOUT_MS, cfg->dep_timeout_ms);
	io.rs = rs;
	io.download = rq->download;
	io.curl = aws_curl;
	curl_easy_setopt(aws_curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(aws_curl, CURLOPT_WRITEDATA, &io);
	curl_easy_setopt(aws_curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(aws_curl, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(aws_curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (aws_abort) {
		curl_easy_setopt(aws_curl, CURLOPT_XFERINFOFUNCTION, on_xfer);
		curl_easy_setopt(aws_curl, CURLOPT_NOPROGRESS, 0L);
	}
	if (rq->head)
		curl_easy_setopt(aws_curl, CURLOPT_NOBODY, 1L);
	if (rq->upload) {
		/* whole objects can be large: no overall timeout, but give up on a
		 * transfer that stalls below 1 KiB/s for 30 s */
		curl_easy_setopt(aws_curl, CURLOPT_TIMEOUT_MS, 0L);
		curl_easy_setopt(aws_curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		curl_easy_setopt(aws_curl, CURLOPT_LOW_SPEED_TIME, 30L);
		curl_easy_setopt(aws_curl, CURLOPT_UPLOAD, 1L);
		io.upload = rq->upload;
		io.upload_left = rq->upload_size;
		curl_easy_setopt(aws_curl, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(aws_curl, CURLOPT_READDATA, &io);
		curl_easy_setopt(aws_curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->upload_size);
	} else if (rq->download) {
		curl_easy_setopt(aws_curl, CURLOPT_TIMEOUT_MS, 0L);
		curl_easy_setopt(aws_curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		curl_easy_setopt(aws_curl, CURLOPT_LOW_SPEED_TIME, 30L);
	}
	if (rq->body && !rq->upload) {
		curl_easy_setopt(aws_curl, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(aws_curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	}
	cc = curl_easy_perform(aws_curl);
	if (cc != CURLE_OK) {
		log_event(LOG_WARN, "aws_transport", "service", rq->service, "error",
		          curl_easy_strerror(cc), LOG_END);
		ret = VP_UNAVAILABLE;
		goto end;
	}
	curl_easy_getinfo(aws_curl, CURLINFO_RESPONSE_CODE, &rs->status);
	ret = VP_OK;
end:
	curl_slist_free_all(list);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	buf_free(&hostport);
	buf_free(&auth);
	buf_free(&line);
	if (ret != VP_OK)
		buf_free(&rs->body); /* on failure the caller owns nothing */
	return ret;
}
