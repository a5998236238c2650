/*
 * vidpipe-maint — the maintenance job, run once a minute by cron under
 * `flock -n` (worker/crontab), and by the dev stack's supervisor loop.
 *
 * 1. Outbox relay: sends the transcode jobs whose rows are still unsent
 *    OUTBOX_GRACE_SECONDS (default 30) after commit — the API sends right
 *    after commit, so a row left unsent means the queue was down or the
 *    responder died in between — and marks them sent.
 * 2. Expiry: aborts in storage the multipart uploads not completed within
 *    UPLOAD_TTL, marks them expired and their videos failed.
 * 3. Dead letters: receives the messages SQS moved to SQS_DLQ_URL (a job
 *    that failed maxReceiveCount times: a worker that died on it each time,
 *    or storage or the database down through every attempt), marks each
 *    one's video failed if it is still queued or processing, logs a
 *    `dead_letter` line, and deletes the message. So no video stays
 *    `processing` forever, even when no worker could say why. A message is
 *    deleted only once its video is recorded; with the database down it
 *    stays for the next run.
 *
 * Each run does a bounded amount of work (MAINT_BATCH rows per kind) and
 * exits; the next run continues. Exit status: 0 when everything it tried
 * worked, 1 otherwise (cron mails it).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cfg.h"
#include "../lib/db.h"
#include "../lib/http.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/s3.h"
#include "../lib/sqs.h"
#include "../lib/uploads.h"
#include "../lib/videos.h"

static int relay_outbox(const struct cfg *cfg, long grace, int batch)
{
	struct outbox_row *rows;
	size_t n, sent = 0;
	char count[24];
	vp_res r;

	if ((r = uploads_outbox_unsent(grace, batch, &rows, &n)) != VP_OK) {
		log_event(LOG_ERROR, "outbox", "result", vp_res_str(r), LOG_END);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		r = sqs_send(cfg, cfg->sqs_queue_url, rows[i].payload);
		if (r == VP_OK)
			r = uploads_mark_sent(rows[i].id);
		if (r != VP_OK) {
			uploads_outbox_failed(rows[i].id, vp_res_str(r));
			log_event(LOG_WARN, "outbox_send", "result", vp_res_str(r), LOG_END);
			break; /* the queue is likely down: the next run retries */
		}
		sent++;
	}
	snprintf(count, sizeof(count), "%zu", sent);
	if (n)
		log_event(LOG_INFO, "outbox_relayed", "sent", count, LOG_END);
	uploads_outbox_free(rows, n);
	return sent == n ? 0 : 1;
}

static int expire_uploads(const struct cfg *cfg, int batch)
{
	struct upload *list;
	size_t n;
	int rc = 0;
	vp_res r;

	if ((r = uploads_expired(batch, &list, &n)) != VP_OK) {
		log_event(LOG_ERROR, "expire", "result", vp_res_str(r), LOG_END);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		r = s3_abort_multipart(cfg, list[i].bucket, list[i].key, list[i].s3_upload_id);
		if (r == VP_OK)
			r = uploads_abort(&list[i], "expired",
			                  "the upload expired before it was completed");
		if (r != VP_OK && r != VP_CONFLICT) {
			log_event(LOG_WARN, "expire_upload", "upload", list[i].id, "result",
			          vp_res_str(r), LOG_END);
			rc = 1;
		} else {
			log_event(LOG_INFO, "upload_expired", "upload", list[i].id, LOG_END);
		}
	}
	free(list);
	return rc;
}

/* The video id of a transcode job message, into id; false for anything
 * else. */
static bool job_video(const char *body, char id[37])
{
	struct json_object *o = NULL;
	const char *type, *vid;
	bool ok = false;

	if (json_parse_object(body, strlen(body), &o) != VP_OK)
		return false;
	if (json_field_str(o, "type", &type) == VP_OK && !strcmp(type, "transcode") &&
	    json_field_str(o, "video_id", &vid) == VP_OK && http_is_uuid(vid)) {
		memcpy(id, vid, 37);
		ok = true;
	}
	json_object_put(o);
	return ok;
}

static int drain_dead_letters(const struct cfg *cfg, int batch)
{
	static const char *const reason =
	    "the video could not be processed after repeated attempts; please upload it again";
	int rc = 0;

	if (!cfg->sqs_dlq_url)
		return 0;
	for (int i = 0; i < batch; i++) {
		struct sqs_message m;
		char id[37], count[24];
		bool got = false, changed = false, job;
		vp_res r;

		/* a short poll; hidden for a minute, so a run that dies leaves it */
		if ((r = sqs_receive(cfg, cfg->sqs_dlq_url, 0, 60, &m, &got)) != VP_OK) {
			log_event(LOG_WARN, "dead_letters", "result", vp_res_str(r), LOG_END);
			return 1;
		}
		if (!got)
			break;
		job = job_video(m.body, id);
		r = job ? videos_fail_unfinished(id, reason, &changed) : VP_OK;
		snprintf(count, sizeof(count), "%ld", m.receive_count);
		log_event(r == VP_OK ? LOG_INFO : LOG_WARN, "dead_letter", "video", job ? id : NULL,
		          "video_failed", changed ? "yes" : "no", "received", count, "result",
		          vp_res_str(r), LOG_END);
		if (r == VP_OK)
			r = sqs_delete(cfg, cfg->sqs_dlq_url, m.receipt);
		sqs_message_free(&m);
		if (r != VP_OK) {
			rc = 1;
			break; /* the database or the queue is down: the next run */
		}
	}
	return rc;
}

int main(void)
{
	struct cfg cfg;
	long grace, batch;
	buf err;
	int rc;

	log_init("vidpipe-maint");
	buf_init(&err, 1024);
	if (cfg_load(&cfg, &err) != VP_OK ||
	    cfg_long("OUTBOX_GRACE_SECONDS", 30, 0, 86400, &grace, &err) != VP_OK ||
	    cfg_long("MAINT_BATCH", 100, 1, 10000, &batch, &err) != VP_OK) {
		log_event(LOG_ERROR, "config", "error", buf_str(&err), LOG_END);
		buf_free(&err);
		return 1;
	}
	buf_free(&err);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	db_setup(cfg.database_url, cfg.dep_timeout_ms, "vidpipe-maint");
	rc = relay_outbox(&cfg, grace, (int)batch);
	rc |= expire_uploads(&cfg, (int)batch);
	rc |= drain_dead_letters(&cfg, (int)batch);
	db_close();
	curl_global_cleanup();
	return rc;
}
