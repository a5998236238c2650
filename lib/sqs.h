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
#include <stdbool.h>

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

struct sqs_message {
	char *body;         /* owned; sqs_message_free() */
	char *receipt;      /* owned */
	long receive_count; /* ApproximateReceiveCount */
};

void sqs_message_free(struct sqs_message *m); /* accepts NULL; frees the fields */

/* ReceiveMessage of at most one message, long-polling up to wait_s seconds;
 * visibility_s > 0 overrides the queue's visibility timeout. *got is false
 * when the wait ended empty. */
vp_res sqs_receive(const struct cfg *cfg, const char *queue_url, int wait_s, int visibility_s,
                   struct sqs_message *m, bool *got);

/* DeleteMessage by receipt handle. */
vp_res sqs_delete(const struct cfg *cfg, const char *queue_url, const char *receipt);

/* ChangeMessageVisibility: the message comes back after seconds (0: now). */
vp_res sqs_change_visibility(const struct cfg *cfg, const char *queue_url, const char *receipt,
                             int seconds);

/* GetQueueAttributes on queue_url: VP_OK when the queue answers. */
vp_res sqs_ping(const struct cfg *cfg, const char *queue_url);

#endif
