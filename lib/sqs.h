/*
 * sqs.h — the SQS client, JSON protocol (X-Amz-Target: AmazonSQS.<Action>).
 *
 * Requests are signed with SigV4 (service "sqs") and POSTed to the SQS
 * endpoint with the queue URL in the body, as AWS's SDKs do. Only what the
 * stack needs so far; the job hand-off adds send/receive/delete here.
 */
#ifndef VP_SQS_H
#define VP_SQS_H

#include <json-c/json.h>

#include "cfg.h"
#include "vp.h"

/* Calls action with the request object req (not consumed); on VP_OK *out is
 * the answer (caller puts it). An SQS error answer is VP_NOT_FOUND for a
 * missing queue, VP_DENIED for credentials, VP_UNAVAILABLE for throttling
 * and 5xx, VP_INTERNAL otherwise. */
vp_res sqs_call(const struct cfg *cfg, const char *action, struct json_object *req,
                struct json_object **out);

/* SendMessage of body to queue_url. */
vp_res sqs_send(const struct cfg *cfg, const char *queue_url, const char *body);

/* GetQueueAttributes on queue_url: VP_OK when the queue answers. */
vp_res sqs_ping(const struct cfg *cfg, const char *queue_url);

#endif
