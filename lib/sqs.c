/*
 * sqs.c — SQS over its JSON protocol (see sqs.h).
 */
#include "sqs.h"

#include <stdlib.h>
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

/* One call; timeout_ms 0 means the configured dependency timeout. */
static vp_res sqs_call_timeout(const struct cfg *cfg, const char *action, struct json_object *req,
                               long timeout_ms, struct json_object **out)
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
	rq.timeout_ms = timeout_ms;
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

void sqs_message_free(struct sqs_message *m)
{
	if (!m)
		return;
	free(m->body);
	free(m->receipt);
	m->body = m->receipt = NULL;
}

vp_res sqs_receive(const struct cfg *cfg, const char *queue_url, int wait_s, int visibility_s,
                   struct sqs_message *m, bool *got)
{
	struct json_object *req = json_object_new_object(), *names = json_object_new_array();
	struct json_object *out = NULL, *msgs, *msg, *attrs, *v;
	const char *body, *receipt;
	vp_res r;

	memset(m, 0, sizeof(*m));
	*got = false;
	if (!req || !names) {
		json_object_put(req);
		json_object_put(names);
		return VP_NOMEM;
	}
	json_object_array_add(names, json_object_new_string("ApproximateReceiveCount"));
	json_object_object_add(req, "QueueUrl", json_object_new_string(queue_url));
	json_object_object_add(req, "MaxNumberOfMessages", json_object_new_int(1));
	json_object_object_add(req, "WaitTimeSeconds", json_object_new_int(wait_s));
	json_object_object_add(req, "AttributeNames", names);
	if (visibility_s > 0)
		json_object_object_add(req, "VisibilityTimeout", json_object_new_int(visibility_s));
	/* the long poll itself may take wait_s: allow for it */
	r = sqs_call_timeout(cfg, "ReceiveMessage", req, (long)wait_s * 1000 + cfg->dep_timeout_ms,
	                     &out);
	json_object_put(req);
	if (r != VP_OK)
		return r;
	if (json_field_array(out, "Messages", &msgs) != VP_OK ||
	    json_object_array_length(msgs) == 0)
		goto end;
	msg = json_object_array_get_idx(msgs, 0);
	if (json_field_str(msg, "Body", &body) != VP_OK ||
	    json_field_str(msg, "ReceiptHandle", &receipt) != VP_OK) {
		r = VP_INTERNAL;
		goto end;
	}
	m->body = strdup(body);
	m->receipt = strdup(receipt);
	if (!m->body || !m->receipt) {
		sqs_message_free(m);
		r = VP_NOMEM;
		goto end;
	}
	if (json_object_object_get_ex(msg, "Attributes", &attrs) &&
	    json_object_object_get_ex(attrs, "ApproximateReceiveCount", &v))
		m->receive_count = strtol(json_object_get_string(v), NULL, 10);
	*got = true;
end:
	json_object_put(out);
	return r;
}

static vp_res sqs_receipt_call(const struct cfg *cfg, const char *action, const char *queue_url,
                               const char *receipt, int visibility)
{
	struct json_object *req = json_object_new_object(), *out = NULL;
	vp_res r;

	if (!req)
		return VP_NOMEM;
	json_object_object_add(req, "QueueUrl", json_object_new_string(queue_url));
	json_object_object_add(req, "ReceiptHandle", json_object_new_string(receipt));
	if (visibility >= 0)
		json_object_object_add(req, "VisibilityTimeout", json_object_new_int(visibility));
	r = sqs_call(cfg, action, req, &out);
	json_object_put(req);
	json_object_put(out);
	return r;
}

vp_res sqs_delete(const struct cfg *cfg, const char *queue_url, const char *receipt)
{
	return sqs_receipt_call(cfg, "DeleteMessage", queue_url, receipt, -1);
}

vp_res sqs_change_visibility(const struct cfg *cfg, const char *queue_url, const char *receipt,
                             int seconds)
{
	return sqs_receipt_call(cfg, "ChangeMessageVisibility", queue_url, receipt, seconds);
}

vp_res sqs_call(const struct cfg *cfg, const char *action, struct json_object *req,
                struct json_object **out)
{
	return sqs_call_timeout(cfg, action, req, 0, out);
}
