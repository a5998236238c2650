/*
 * sqs.c — SQS over its JSON protocol (see sqs.h).
 */
#include "sqs.h"

#include <string.h>

#include "aws.h"
#include "buf.h"
#include "json.h"
#include "log.h"

/* The endpoint the JSON calls go to: configured, or AWS's regional one. */
static vp_res sqs_endpoint(const struct cfg *cfg, buf *out)
{
	if (cfg->sqs_endpoint)
		return buf_adds(out, cfg->sqs_endpoint);
	return buf_printf(out, "https://sqs.%s.amazonaws.com/", cfg->aws_region);
}

vp_res sqs_call(const struct cfg *cfg, const char *action, struct json_object *req,
                struct json_object **out)
{
	struct sigv4_header hs[2];
	struct aws_req rq = {.service = "sqs", .method = "POST"};
	struct aws_resp rs;
	buf url, target;
	const char *body;
	vp_res r;

	*out = NULL;
	buf_init(&url, 2048);
	buf_init(&target, 128);
	if ((r = sqs_endpoint(cfg, &url)) != VP_OK ||
	    (r = buf_printf(&target, "AmazonSQS.%s", action)) != VP_OK)
		goto end;
	body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
	                                               JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!body) {
		r = VP_NOMEM;
		goto end;
	}
	hs[0] = (struct sigv4_header){"content-type", "application/x-amz-json-1.0"};
	hs[1] = (struct sigv4_header){"x-amz-target", buf_str(&target)};
	rq.url = buf_str(&url);
	rq.headers = hs;
	rq.n_headers = 2;
	rq.body = body;
	rq.body_len = strlen(body);
	if ((r = aws_send(cfg, &rq, &rs)) != VP_OK)
		goto end;
	if (rs.status >= 200 && rs.status < 300) {
		r = rs.body.len ? json_parse_object(rs.body.data, rs.body.len, out) : VP_OK;
		if (r == VP_OK && !*out)
			*out = json_object_new_object();
		if (r != VP_OK)
			r = VP_INTERNAL;
	} else {
		const char *type = "";
		struct json_object *err = NULL;

		if (json_parse_object(buf_str(&rs.body), rs.body.len, &err) == VP_OK)
			json_field_str(err, "__type", &type);
		if (strstr(type, "NonExistentQueue") || strstr(type, "QueueDoesNotExist"))
			r = VP_NOT_FOUND;
		else if (rs.status == 403 || strstr(type, "AccessDenied") ||
		         strstr(type, "Signature"))
			r = VP_DENIED;
		else if (rs.status >= 500 || strstr(type, "Throttl"))
			r = VP_UNAVAILABLE;
		else
			r = VP_INTERNAL;
		log_event(LOG_WARN, "sqs_error", "action", action, "type", type, LOG_END);
		json_object_put(err);
	}
	buf_free(&rs.body);
end:
	buf_free(&url);
	buf_free(&target);
	return r;
}

vp_res sqs_ping(const struct cfg *cfg, const char *queue_url)
{
	struct json_object *req = json_object_new_object();
	struct json_object *names = json_object_new_array();
	struct json_object *out = NULL;
	vp_res r;

	if (!req || !names) {
		json_object_put(req);
		json_object_put(names);
		return VP_NOMEM;
	}
	json_object_array_add(names, json_object_new_string("QueueArn"));
	json_object_object_add(req, "QueueUrl", json_object_new_string(queue_url));
	json_object_object_add(req, "AttributeNames", names);
	r = sqs_call(cfg, "GetQueueAttributes", req, &out);
	json_object_put(req);
	json_object_put(out);
	return r;
}

vp_res sqs_send(const struct cfg *cfg, const char *queue_url, const char *body)
{
	struct json_object *req = json_object_new_object();
	struct json_object *out = NULL;
	vp_res r;

	if (!req)
		return VP_NOMEM;
	json_object_object_add(req, "QueueUrl", json_object_new_string(queue_url));
	json_object_object_add(req, "MessageBody", json_object_new_string(body));
	r = sqs_call(cfg, "SendMessage", req, &out);
	json_object_put(req);
	json_object_put(out);
	return r;
}
