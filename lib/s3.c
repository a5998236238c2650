/*
 * s3.c — S3 REST calls (see s3.h).
 *
 * Answers are XML, read with libxml2 (no network, no entity expansion);
 * elements are matched by local name, so S3's namespace and Swift's
 * slightly different documents both read the same.
 */
#include "s3.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <openssl/evp.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "internal.h"

#include <stdbool.h>
#include <stdint.h>
#include "log.h"
#include "sigv4.h"

vp_res s3_url(const struct cfg *cfg, const char *bucket, const char *key, buf *out)
{
	const char *ep = cfg->s3_endpoint;
	vp_res r;

	if (!ep) {
		/* AWS: virtual-hosted unless path style is forced. */
		if (cfg->s3_path_style)
			r = buf_printf(out, "https://s3.%s.amazonaws.com/%s", cfg->aws_region,
			               bucket);
		else
			r = buf_printf(out, "https://%s.s3.%s.amazonaws.com", bucket,
			               cfg->aws_region);
	} else if (cfg->s3_path_style) {
		size_t n = strlen(ep);

		while (n && ep[n - 1] == '/')
			n--;
		r = buf_printf(out, "%.*s/%s", (int)n, ep, bucket);
	} else {
		/* endpoint scheme://host → scheme://bucket.host */
		const char *h = strstr(ep, "://");

		if (!h)
			return VP_INVALID;
		h += 3;
		r = buf_printf(out, "%.*s%s.%s", (int)(h - ep), ep, bucket, h);
		while (r == VP_OK && out->len && out->data[out->len - 1] == '/')
			out->data[--out->len] = '\0';
	}
	if (r != VP_OK)
		return r;
	if ((r = buf_addc(out, '/')) != VP_OK)
		return r;
	if (key)
		r = sigv4_uri_encode(out, key, strlen(key), true);
	return r;
}

static vp_res s3_status(long status)
{
	if (status >= 200 && status < 300)
		return VP_OK;
	if (status == 404)
		return VP_NOT_FOUND;
	if (status == 403 || status == 401)
		return VP_DENIED;
	if (status >= 500 || status == 0)
		return VP_UNAVAILABLE;
	return VP_INTERNAL;
}

vp_res s3_head_bucket(const struct cfg *cfg, const char *bucket)
{
	struct aws_req rq = {.service = "s3", .method = "HEAD", .head = true};
	struct aws_resp rs;
	buf url;
	vp_res r;

	buf_init(&url, 4096);
	if ((r = s3_url(cfg, bucket, NULL, &url)) != VP_OK) {
		buf_free(&url);
		return r;
	}
	rq.url = buf_str(&url);
	r = aws_send(cfg, &rq, &rs);
	if (r == VP_OK)
		r = s3_status(rs.status);
	buf_free(&rs.body);
	buf_free(&url);
	return r;
}

vp_res s3_create_bucket(const struct cfg *cfg, const char *bucket)
{
	struct aws_req rq = {.service = "s3", .method = "PUT"};
	struct aws_resp rs;
	buf url, body;
	vp_res r;

	buf_init(&url, 4096);
	buf_init(&body, 1024);
	if ((r = s3_url(cfg, bucket, NULL, &url)) != VP_OK)
		goto end;
	/* us-east-1 is the one region that takes no location constraint. */
	if (strcmp(cfg->aws_region, "us-east-1") != 0) {
		r = buf_printf(
		    &body,
		    "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		    "<LocationConstraint>%s</LocationConstraint></CreateBucketConfiguration>",
		    cfg->aws_region);
		if (r != VP_OK)
			goto end;
		rq.body = body.data;
		rq.body_len = body.len;
	} else {
		rq.body = "";
		rq.body_len = 0;
	}
	rq.url = buf_str(&url);
	if ((r = aws_send(cfg, &rq, &rs)) != VP_OK)
		goto end;
	r = s3_status(rs.status);
	if (rs.status == 409 && strstr(buf_str(&rs.body), "BucketAlreadyOwnedByYou"))
		r = VP_OK;
	else if (r != VP_OK)
		log_event(LOG_ERROR, "s3_create_bucket", "bucket", bucket, "answer",
		          buf_str(&rs.body), LOG_END);
	buf_free(&rs.body);
end:
	buf_free(&url);
	buf_free(&body);
	return r;
}

/* ------------------------------------------------------------------------ */
/* XML                                                                       */
/* ------------------------------------------------------------------------ */

static xmlDocPtr xml_read(const char *s, size_t n)
{
	if (!n || n > INT32_MAX)
		return NULL;
	return xmlReadMemory(s, (int)n, "s3.xml", NULL,
	                     XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
	                         XML_PARSE_NOWARNING);
}

static bool xml_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, (const xmlChar *)name);
}

/* The text of the first child element called name, copied into out. */
static bool xml_child_text(xmlNodePtr parent, const char *name, char *out, size_t size)
{
	for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) {
		if (xml_is(c, name)) {
			xmlChar *t = xmlNodeGetContent(c);
			bool ok = t && strlen((const char *)t) < size;

			if (ok)
				strcpy(out, (const char *)t);
			xmlFree(t);
			return ok;
		}
	}
	return false;
}

void s3_xml_error_code(const char *body, size_t n, char *code, size_t size)
{
	xmlDocPtr d = xml_read(body, n);
	xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;

	code[0] = '\0';
	if (root && xml_is(root, "Error"))
		xml_child_text(root, "Code", code, size);
	xmlFreeDoc(d);
}

/* ------------------------------------------------------------------------ */
/* Calls                                                                     */
/* ------------------------------------------------------------------------ */

/* Appends "uploadId=<upload_id, encoded>" to a query. */
static vp_res add_upload_id(buf *q, const char *upload_id)
{
	vp_res r = buf_adds(q, "uploadId=");

	return r == VP_OK ? sigv4_uri_encode(q, upload_id, strlen(upload_id), false) : r;
}

/* Storage may take long to assemble many parts (AWS: "several minutes",
 * with white space sent meanwhile), or to delete an object made of many
 * (Swift removes each segment). Below the web servers' own FastCGI timeout
 * (Apache's ProxyTimeout, 60 s), so the client still gets our answer. */
#define S3_SLOW_CALL_TIMEOUT_MS 50000L

/* One signed call on bucket/key with an encoded query, within timeout_ms
 * (0: the dependency timeout). */
static vp_res s3_call_within(const struct cfg *cfg, const char *method, const char *bucket,
                             const char *key, const char *query, const struct sigv4_header *hs,
                             size_t nh, const char *body, size_t body_len, long timeout_ms,
                             struct aws_resp *rs)
{
	struct aws_req rq = {.service = "s3",
	                     .method = method,
	                     .headers = hs,
	                     .n_headers = nh,
	                     .timeout_ms = timeout_ms};
	buf url;
	vp_res r;

	buf_init(&url, 8192);
	buf_init(&rs->body, 1);
	if ((r = s3_url(cfg, bucket, key, &url)) != VP_OK ||
	    (query && *query && (r = buf_printf(&url, "?%s", query)) != VP_OK))
		goto end;
	rq.url = buf_str(&url);
	rq.head = !strcmp(method, "HEAD");
	rq.body = body;
	rq.body_len = body_len;
	if (!body && (!strcmp(method, "POST") || !strcmp(method, "PUT")))
		rq.body = "";
	buf_free(&rs->body);
	r = aws_send(cfg, &rq, rs);
end:
	buf_free(&url);
	return r;
}

static vp_res s3_call(const struct cfg *cfg, const char *method, const char *bucket,
                      const char *key, const char *query, const struct sigv4_header *hs, size_t nh,
                      const char *body, size_t body_len, struct aws_resp *rs)
{
	return s3_call_within(cfg, method, bucket, key, query, hs, nh, body, body_len, 0, rs);
}

vp_res s3_presign(const struct cfg *cfg, const char *method, const char *bucket, const char *key,
                  const char *query, long ttl_s, buf *out)
{
	return s3_presign_bound(cfg, method, bucket, key, query, NULL, 0, ttl_s, out);
}

vp_res s3_presign_bound(const struct cfg *cfg, const char *method, const char *bucket,
                        const char *key, const char *query, const struct sigv4_header *h, size_t nh,
                        long ttl_s, buf *out)
{
	struct sigv4_creds creds = {cfg->aws_access_key_id, cfg->aws_secret_access_key,
	                            cfg->aws_region};
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *path = NULL;
	char amz_date[17];
	buf url, hostport, q;
	vp_res r = VP_NOMEM;

	buf_init(&url, 8192);
	buf_init(&hostport, 512);
	buf_init(&q, 16384);
	if (!u || (r = s3_url(cfg, bucket, key, &url)) != VP_OK)
		goto end;
	r = VP_INVALID;
	if (curl_url_set(u, CURLUPART_URL, url.data, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto end;
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	if ((r = buf_printf(&hostport, "%s%s%s", host, port ? ":" : "", port ? port : "")) != VP_OK)
		goto end;
	sigv4_amz_date(time(NULL), amz_date);
	if ((r = sigv4_presign(&creds, "s3", method, hostport.data, path, query ? query : "", h, nh,
	                       ttl_s, amz_date, &q)) != VP_OK)
		goto end;
	if ((r = buf_add(out, url.data, url.len)) == VP_OK && (r = buf_addc(out, '?')) == VP_OK)
		r = buf_add(out, q.data, q.len);
end:
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	buf_free(&url);
	buf_free(&hostport);
	buf_free(&q);
	return r;
}

vp_res s3_create_multipart(const struct cfg *cfg, const char *bucket, const char *key,
                           const char *content_type, buf *upload_id)
{
	const struct sigv4_header hs[1] = {{"content-type", content_type}};
	struct aws_resp rs;
	xmlDocPtr d = NULL;
	char id[1024];
	vp_res r;

	if ((r = s3_call(cfg, "POST", bucket, key, "uploads", hs, 1, NULL, 0, &rs)) != VP_OK)
		return r;
	if ((r = s3_status(rs.status)) != VP_OK)
		goto end;
	d = xml_read(rs.body.data, rs.body.len);
	if (!d || !xml_child_text(xmlDocGetRootElement(d), "UploadId", id, sizeof(id)) || !id[0]) {
		r = VP_INTERNAL;
		goto end;
	}
	r = buf_adds(upload_id, id);
end:
	if (r != VP_OK && r != VP_UNAVAILABLE)
		log_event(LOG_ERROR, "s3_create_multipart", "answer", buf_str(&rs.body), LOG_END);
	xmlFreeDoc(d);
	buf_free(&rs.body);
	return r;
}

static int part_cmp(const void *a, const void *b)
{
	const struct s3_part *x = a, *y = b;

	return (x->number > y->number) - (x->number < y->number);
}

/* A decimal in [min, max] from XML text; false for anything else. */
static bool xml_number(const char *t, long long min, long long max, long long *out)
{
	long long v = 0;
	size_t n = strspn(t, "0123456789");

	if (n == 0 || n > 18 || t[n])
		return false;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (t[i] - '0');
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

vp_res s3_xml_parts_page(const char *body, size_t n, struct s3_part **list, size_t *count,
                         size_t *cap, bool *truncated, char next[16])
{
	xmlDocPtr d = xml_read(body, n);
	xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
	char flag[8] = "false";
	vp_res r = VP_OK;

	*truncated = false;
	next[0] = '\0';
	if (!root || !xml_is(root, "ListPartsResult")) {
		xmlFreeDoc(d);
		return VP_INTERNAL;
	}
	for (xmlNodePtr c = root->children; c && r == VP_OK; c = c->next) {
		char num[16], size[32];
		long long number, bytes;
		struct s3_part *p;

		if (!xml_is(c, "Part"))
			continue;
		if (*count == *cap) {
			size_t ncap = *cap ? (*cap * 2 < 10000 ? *cap * 2 : 10000) : 64;
			struct s3_part *nl;

			if (*cap == 10000) {
				r = VP_INTERNAL; /* more parts than S3 allows */
				break;
			}
			if (!(nl = realloc(*list, ncap * sizeof(**list)))) {
				r = VP_NOMEM;
				break;
			}
			*list = nl;
			*cap = ncap;
		}
		p = &(*list)[*count];
		memset(p, 0, sizeof(*p));
		/* a part this API could not have made is skipped, not trusted */
		if (!xml_child_text(c, "PartNumber", num, sizeof(num)) ||
		    !xml_child_text(c, "ETag", p->etag, sizeof(p->etag)) ||
		    !xml_child_text(c, "Size", size, sizeof(size)) ||
		    !xml_number(num, 1, 10000, &number) || !xml_number(size, 0, 5LL << 30, &bytes))
			continue;
		p->number = (int)number;
		p->size = bytes;
		(*count)++;
	}
	xml_child_text(root, "IsTruncated", flag, sizeof(flag));
	*truncated = !strcmp(flag, "true");
	if (!xml_child_text(root, "NextPartNumberMarker", next, 16) ||
	    strspn(next, "0123456789") != strlen(next))
		next[0] = '\0';
	xmlFreeDoc(d);
	return r;
}

vp_res s3_list_parts(const struct cfg *cfg, const char *bucket, const char *key,
                     const char *upload_id, struct s3_part **parts, size_t *n)
{
	struct s3_part *list = NULL;
	size_t count = 0, cap = 0;
	char marker[16] = "0";
	buf q, id;
	vp_res r;

	*parts = NULL;
	*n = 0;
	buf_init(&q, 4096);
	buf_init(&id, 2048);
	if ((r = sigv4_uri_encode(&id, upload_id, strlen(upload_id), false)) != VP_OK)
		goto end;
	for (int page = 0; page <= 10000; page++) { /* a page holds one part at least */
		struct aws_resp rs;
		char next[16];
		bool truncated;

		buf_reset(&q);
		if ((r = buf_printf(&q, "max-parts=%ld&part-number-marker=%s&uploadId=%s",
		                    cfg->s3_list_page, marker, id.data)) != VP_OK)
			goto end;
		if ((r = s3_call(cfg, "GET", bucket, key, q.data, NULL, 0, NULL, 0, &rs)) != VP_OK)
			goto end;
		if ((r = s3_status(rs.status)) != VP_OK) {
			char code[64];

			s3_xml_error_code(rs.body.data, rs.body.len, code, sizeof(code));
			if (!strcmp(code, "NoSuchUpload"))
				r = VP_NOT_FOUND;
			buf_free(&rs.body);
			goto end;
		}
		r = s3_xml_parts_page(rs.body.data, rs.body.len, &list, &count, &cap, &truncated,
		                      next);
		buf_free(&rs.body);
		if (r != VP_OK)
			goto end;
		if (!truncated || !next[0] || !strcmp(next, marker))
			break;
		memcpy(marker, next, sizeof(marker));
	}
	qsort(list, count, sizeof(*list), part_cmp);
	*parts = list;
	*n = count;
	list = NULL;
	r = VP_OK;
end:
	free(list);
	buf_free(&q);
	buf_free(&id);
	return r;
}

vp_res s3_complete_answer(long status, const char *body, size_t n)
{
	char code[64];
	vp_res r;

	/* 200 with <Error> in the body is a failure too */
	s3_xml_error_code(body, n, code, sizeof(code));
	r = code[0] ? VP_INTERNAL : s3_status(status);
	if (!strcmp(code, "InvalidPart") || !strcmp(code, "InvalidPartOrder") ||
	    !strcmp(code, "EntityTooSmall") || !strcmp(code, "MalformedXML"))
		r = VP_INVALID;
	else if (!strcmp(code, "NoSuchUpload"))
		r = VP_NOT_FOUND;
	else if (!strcmp(code, "InternalError") || !strcmp(code, "SlowDown") ||
	         !strcmp(code, "ServiceUnavailable"))
		r = VP_UNAVAILABLE;
	if (r != VP_OK)
		log_event(LOG_WARN, "s3_complete", "code", code[0] ? code : "status", LOG_END);
	return r;
}

vp_res s3_complete_multipart(const struct cfg *cfg, const char *bucket, const char *key,
                             const char *upload_id, const struct s3_part *parts, size_t n)
{
	struct aws_resp rs;
	buf q, body;
	vp_res r;

	buf_init(&q, 4096);
	buf_init(&body, (size_t)8 << 20);
	if ((r = add_upload_id(&q, upload_id)) != VP_OK ||
	    (r = buf_adds(&body, "<CompleteMultipartUpload>")) != VP_OK)
		goto end;
	for (size_t i = 0; i < n; i++) {
		xmlChar *etag = xmlEncodeSpecialChars(NULL, (const xmlChar *)parts[i].etag);

		r = etag ? buf_printf(&body,
		                      "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
		                      parts[i].number, (const char *)etag)
		         : VP_NOMEM;
		xmlFree(etag);
		if (r != VP_OK)
			goto end;
	}
	if ((r = buf_adds(&body, "</CompleteMultipartUpload>")) != VP_OK)
		goto end;
	if ((r = s3_call_within(cfg, "POST", bucket, key, q.data, NULL, 0, body.data, body.len,
	                        S3_SLOW_CALL_TIMEOUT_MS, &rs)) != VP_OK)
		goto end;
	r = s3_complete_answer(rs.status, rs.body.data, rs.body.len);
	buf_free(&rs.body);
end:
	buf_free(&q);
	buf_free(&body);
	return r;
}

vp_res s3_abort_multipart(const struct cfg *cfg, const char *bucket, const char *key,
                          const char *upload_id)
{
	struct aws_resp rs;
	buf q;
	vp_res r;

	buf_init(&q, 4096);
	if ((r = add_upload_id(&q, upload_id)) != VP_OK)
		goto end;
	if ((r = s3_call(cfg, "DELETE", bucket, key, q.data, NULL, 0, NULL, 0, &rs)) != VP_OK)
		goto end;
	r = s3_status(rs.status);
	if (r == VP_NOT_FOUND)
		r = VP_OK;
	buf_free(&rs.body);
end:
	buf_free(&q);
	return r;
}

vp_res s3_head_object(const struct cfg *cfg, const char *bucket, const char *key, long long *size)
{
	struct aws_resp rs;
	vp_res r;

	if ((r = s3_call(cfg, "HEAD", bucket, key, NULL, NULL, 0, NULL, 0, &rs)) != VP_OK)
		return r;
	r = s3_status(rs.status);
	if (r == VP_OK)
		*size = rs.content_length;
	buf_free(&rs.body);
	return r;
}

vp_res s3_delete_object(const struct cfg *cfg, const char *bucket, const char *key)
{
	struct aws_resp rs;
	vp_res r;

	if ((r = s3_call(cfg, "DELETE", bucket, key, NULL, NULL, 0, NULL, 0, &rs)) != VP_OK)
		return r;
	r = s3_status(rs.status);
	if (r == VP_NOT_FOUND)
		r = VP_OK;
	buf_free(&rs.body);
	return r;
}

vp_res s3_get_to_file(const struct cfg *cfg, const char *bucket, const char *key, FILE *f,
                      long long *size)
{
	struct aws_req rq = {.service = "s3", .method = "GET", .download = f};
	struct aws_resp rs;
	long start = ftell(f);
	buf url;
	vp_res r;

	buf_init(&url, 8192);
	if ((r = s3_url(cfg, bucket, key, &url)) != VP_OK)
		goto end;
	rq.url = url.data;
	if ((r = aws_send(cfg, &rq, &rs)) != VP_OK)
		goto end;
	r = s3_status(rs.status);
	buf_free(&rs.body);
	if (r == VP_OK && fflush(f) != 0)
		r = VP_INTERNAL;
	if (r == VP_OK)
		*size = (long long)(ftell(f) - start);
end:
	buf_free(&url);
	return r;
}

/* One PUT of len bytes of f from its current position, to bucket/key with
 * an optional query (a part); the answer's ETag into etag. */
static vp_res s3_put_stream(const struct cfg *cfg, const char *bucket, const char *key,
                            const char *query, const char *content_type, FILE *f, long long len,
                            char etag[128])
{
	const struct sigv4_header hs[1] = {{"content-type", content_type}};
	struct aws_req rq = {.service = "s3",
	                     .method = "PUT",
	                     .upload = f,
	                     .upload_size = len,
	                     .headers = hs,
	                     .n_headers = content_type ? 1 : 0};
	struct aws_resp rs;
	buf url;
	vp_res r;

	buf_init(&url, 8192);
	if ((r = s3_url(cfg, bucket, key, &url)) != VP_OK ||
	    (query && (r = buf_printf(&url, "?%s", query)) != VP_OK))
		goto end;
	rq.url = url.data;
	if ((r = aws_send(cfg, &rq, &rs)) != VP_OK)
		goto end;
	r = s3_status(rs.status);
	if (r != VP_OK)
		log_event(LOG_WARN, "s3_put", "status", rs.status >= 500 ? "5xx" : "4xx", LOG_END);
	if (etag)
		memcpy(etag, rs.etag, 128);
	buf_free(&rs.body);
end:
	buf_free(&url);
	return r;
}

static vp_res s3_put_multipart(const struct cfg *cfg, const char *bucket, const char *key,
                               const char *content_type, FILE *f, long long size)
{
	long long ps = cfg->s3_multipart_threshold;
	size_t n = (size_t)((size + ps - 1) / ps);
	struct s3_part *parts = calloc(n, sizeof(*parts));
	buf id, q;
	vp_res r = VP_NOMEM;

	buf_init(&id, 2048);
	buf_init(&q, 4096);
	if (!parts || (r = s3_create_multipart(cfg, bucket, key, content_type, &id)) != VP_OK)
		goto end;
	for (size_t i = 0; i < n; i++) {
		long long len = size - (long long)i * ps < ps ? size - (long long)i * ps : ps;

		buf_reset(&q);
		if ((r = buf_printf(&q, "partNumber=%zu&", i + 1)) != VP_OK ||
		    (r = add_upload_id(&q, id.data)) != VP_OK ||
		    (r = s3_put_stream(cfg, bucket, key, q.data, NULL, f, len, parts[i].etag)) !=
		        VP_OK)
			break;
		parts[i].number = (int)i + 1;
	}
	if (r == VP_OK)
		r = s3_complete_multipart(cfg, bucket, key, id.data, parts, n);
	if (r != VP_OK && id.len)
		s3_abort_multipart(cfg, bucket, key, id.data);
end:
	free(parts);
	buf_free(&id);
	buf_free(&q);
	return r;
}

vp_res s3_put_start(const struct cfg *cfg, const char *bucket, const char *key,
                    const char *content_type, FILE *f, long long size, struct aws_async **out)
{
	const struct sigv4_header hs[1] = {{"content-type", content_type}};
	struct aws_req rq = {.service = "s3",
	                     .method = "PUT",
	                     .upload = f,
	                     .upload_size = size,
	                     .headers = hs,
	                     .n_headers = 1};
	buf url;
	vp_res r;

	*out = NULL;
	buf_init(&url, 8192);
	if ((r = s3_url(cfg, bucket, key, &url)) == VP_OK) {
		rq.url = url.data;
		r = aws_async_start(cfg, &rq, out); /* curl keeps its own copy of the URL */
	}
	buf_free(&url);
	return r;
}

vp_res s3_put_end(struct aws_async *a, CURLcode cc)
{
	struct aws_resp rs;
	vp_res r = aws_async_finish(a, cc, &rs);

	if (r == VP_OK) {
		r = s3_status(rs.status);
		if (r != VP_OK)
			log_event(LOG_WARN, "s3_put", "status", rs.status >= 500 ? "5xx" : "4xx",
			          LOG_END);
		buf_free(&rs.body);
	}
	aws_async_free(a);
	return r;
}

vp_res s3_xml_keys_page(const char *body, size_t n, buf *keys, size_t *count, bool *truncated)
{
	xmlDocPtr d = xml_read(body, n);
	xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
	char flag[8] = "false";
	vp_res r = VP_OK;

	*truncated = false;
	if (!root || !xml_is(root, "ListBucketResult")) {
		xmlFreeDoc(d);
		return VP_INTERNAL;
	}
	for (xmlNodePtr c = root->children; c && r == VP_OK; c = c->next) {
		char key[1100];

		/* a key this API could not have made (empty, too long) is skipped */
		if (!xml_is(c, "Contents") || !xml_child_text(c, "Key", key, sizeof(key)) ||
		    !key[0])
			continue;
		if ((r = buf_add(keys, key, strlen(key) + 1)) == VP_OK)
			(*count)++;
	}
	xml_child_text(root, "IsTruncated", flag, sizeof(flag));
	*truncated = !strcmp(flag, "true");
	xmlFreeDoc(d);
	return r;
}

/* The last key of a packed list (keys NUL-separated), or "" for none. */
static const char *last_key(const buf *keys)
{
	size_t i;

	if (!keys->len)
		return "";
	for (i = keys->len - 1; i > 0 && keys->data[i - 1] != '\0'; i--)
		;
	return keys->data + i;
}

vp_res s3_list_keys(const struct cfg *cfg, const char *bucket, const char *prefix, buf *keys,
                    size_t *n)
{
	buf q;
	vp_res r = VP_OK;

	*n = 0;
	buf_init(&q, 8192);
	for (;;) {
		struct aws_resp rs;
		const char *marker = last_key(keys);
		bool truncated = false;
		size_t before = *n;

		buf_reset(&q);
		if ((r = buf_adds(&q, "marker=")) != VP_OK ||
		    (r = sigv4_uri_encode(&q, marker, strlen(marker), false)) != VP_OK ||
		    (r = buf_printf(&q, "&max-keys=%ld&prefix=", cfg->s3_list_page)) != VP_OK ||
		    (r = sigv4_uri_encode(&q, prefix, strlen(prefix), false)) != VP_OK)
			break;
		if ((r = s3_call(cfg, "GET", bucket, NULL, q.data, NULL, 0, NULL, 0, &rs)) != VP_OK)
			break;
		if ((r = s3_status(rs.status)) == VP_OK)
			r = s3_xml_keys_page(rs.body.data, rs.body.len, keys, n, &truncated);
		buf_free(&rs.body);
		/* a truncated page that brought nothing new would loop for ever */
		if (r != VP_OK || !truncated || *n == before)
			break;
	}
	buf_free(&q);
	return r;
}

vp_res s3_put_file(const struct cfg *cfg, const char *bucket, const char *key,
                   const char *content_type, FILE *f, long long size)
{
	if (size > cfg->s3_multipart_threshold)
		return s3_put_multipart(cfg, bucket, key, content_type, f, size);
	return s3_put_stream(cfg, bucket, key, NULL, content_type, f, size, NULL);
}

/* base64(MD5(p)): DeleteObjects requires Content-MD5. */
static vp_res content_md5(const buf *b, char out[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(b->data, b->len, md, &mdlen, EVP_md5(), NULL) || mdlen != 16)
		return VP_INTERNAL;
	EVP_EncodeBlock((unsigned char *)out, md, 16);
	return VP_OK;
}

vp_res s3_delete_objects(const struct cfg *cfg, const char *bucket, const char *const *keys,
                         size_t n)
{
	vp_res r = VP_OK;

	for (size_t start = 0; start < n && r == VP_OK; start += 1000) {
		size_t end = n - start > 1000 ? start + 1000 : n;
		struct sigv4_header hs[1];
		struct aws_resp rs;
		char md5[32];
		buf body;

		buf_init(&body, (size_t)2 << 20);
		r = buf_adds(&body, "<Delete><Quiet>true</Quiet>");
		for (size_t i = start; r == VP_OK && i < end; i++) {
			xmlChar *k = xmlEncodeSpecialChars(NULL, (const xmlChar *)keys[i]);

			r = k ? buf_printf(&body, "<Object><Key>%s</Key></Object>", (const char *)k)
			      : VP_NOMEM;
			xmlFree(k);
		}
		if (r == VP_OK)
			r = buf_adds(&body, "</Delete>");
		if (r == VP_OK)
			r = content_md5(&body, md5);
		hs[0] = (struct sigv4_header){"content-md5", md5};
		if (r == VP_OK)
			r = s3_call_within(cfg, "POST", bucket, NULL, "delete", hs, 1, body.data,
			                   body.len, S3_SLOW_CALL_TIMEOUT_MS, &rs);
		if (r == VP_OK) {
			char code[64];

			/* a per-key <Error> in a 200 answer is a failure too */
			r = s3_status(rs.status);
			if (r == VP_OK && strstr(buf_str(&rs.body), "<Error>"))
				r = VP_INTERNAL;
			s3_xml_error_code(rs.body.data, rs.body.len, code, sizeof(code));
			if (r != VP_OK)
				log_event(LOG_WARN, "s3_delete_objects", "code", code, LOG_END);
			buf_free(&rs.body);
		}
		buf_free(&body);
	}
	return r;
}
