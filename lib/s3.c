/*
 * s3.c — S3 REST calls (see s3.h).
 */
#include "s3.h"

#include <string.h>

#include "aws.h"
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
