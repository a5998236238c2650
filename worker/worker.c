/*
 * vidpipe-worker — drains the transcode queue, one job at a time.
 *
 *   vidpipe-worker                      run until SIGTERM (cron + flock keep it up)
 *   vidpipe-worker --once               take at most one job, then exit
 *   vidpipe-worker --transcode IN DIR   transcode a local file (no queue, no
 *                                       storage; for benchmarks and debugging)
 *
 * A job: long-poll SQS (20 s), read {"type","video_id","bucket","key"}, skip
 * work for a video that is gone, ready or failed (delete the message), mark
 * it processing, stream the raw object into a private temporary folder,
 * transcode (lib/transcode.c), upload the renditions and the thumbnail, record
 * them and `ready` in one transaction, and only then delete the message.
 * While it works, the progress callback writes `progress` (at most every 2 s)
 * and extends the message's visibility, so a long job is not handed to a
 * second worker. A file that is not a playable video fails the video with a
 * reason and deletes the message; a storage or database failure leaves the
 * message to come back (SQS moves it to the dead-letter queue after
 * maxReceiveCount receives, and the last attempt marks the video failed).
 * Object keys are deterministic, so a job taken over after a crash
 * overwrites the same objects and the transaction replaces the rows: one set
 * of renditions. SIGTERM stops the transcode and hands the message back
 * (visibility 0) at once.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <libavutil/log.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/aws.h"
#include "../lib/cfg.h"
#include "../lib/db.h"
#include "../lib/http.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/s3.h"
#include "../lib/sqs.h"
#include "../lib/transcode.h"

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

struct job {
	const struct cfg *cfg;
	char video_id[37];
	char user_id[37];
	char bucket[256];
	char key[1024];
	struct sqs_message msg;
	long visibility; /* seconds the message is hidden for */
	time_t last_progress, last_extend;
};

/* ------------------------------------------------------------------------ */
/* Database steps                                                            */
/* ------------------------------------------------------------------------ */

/* The video's status and owner; VP_NOT_FOUND when the row is gone. */
static vp_res video_state(struct job *j, char status[16])
{
	const char *p[1] = {j->video_id};
	PGresult *res;
	vp_res r = db_exec("SELECT status, user_id::text FROM videos WHERE id = $1", 1, p, &res);

	if (r != VP_OK)
		return r;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return VP_NOT_FOUND;
	}
	snprintf(status, 16, "%s", PQgetvalue(res, 0, 0));
	snprintf(j->user_id, sizeof(j->user_id), "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return VP_OK;
}

static vp_res video_set(const char *id, const char *sql, const char *arg)
{
	const char *p[2] = {id, arg};

	return db_exec(sql, arg ? 2 : 1, p, NULL);
}

static vp_res video_fail(const char *id, const char *reason)
{
	return video_set(id,
	                 "UPDATE videos SET status = 'failed', error = $2, progress = 0, "
	                 "updated_at = now() WHERE id = $1 AND status <> 'ready'",
	                 reason);
}

/* Renditions and `ready` in one transaction; VP_NOT_FOUND if the video was
 * deleted meanwhile. */
static vp_res video_record(struct job *j, const struct tc_result *res, char keys[][1100],
                           const char *thumb_key)
{
	char dur[32], w[16], h[16];
	const char *up[7] = {
	    j->video_id, dur, w, h, res->video_codec, res->audio_codec[0] ? res->audio_codec : NULL,
	    thumb_key};
	const char *del[1] = {j->video_id};
	PGresult *q = NULL;
	vp_res r;

	snprintf(dur, sizeof(dur), "%.3f", res->duration);
	snprintf(w, sizeof(w), "%d", res->width);
	snprintf(h, sizeof(h), "%d", res->height);
	if ((r = db_begin()) != VP_OK)
		return r;
	if ((r = db_exec("UPDATE videos SET status = 'ready', progress = 100, error = NULL, "
	                 "duration_seconds = $2, width = $3, height = $4, video_codec = $5, "
	                 "audio_codec = $6, thumbnail_key = $7, updated_at = now() WHERE id = $1",
	                 7, up, &q)) != VP_OK)
		goto end;
	if (strcmp(PQcmdTuples(q), "1") != 0) {
		r = VP_NOT_FOUND;
		goto end;
	}
	if ((r = db_exec("DELETE FROM renditions WHERE video_id = $1", 1, del, NULL)) != VP_OK)
		goto end;
	for (size_t i = 0; i < res->n; i++) {
		char rw[16], rh[16], br[24], sz[24];
		const char *ins[7] = {j->video_id, res->out[i].name, rw, rh, br, sz, keys[i]};

		snprintf(rw, sizeof(rw), "%d", res->out[i].width);
		snprintf(rh, sizeof(rh), "%d", res->out[i].height);
		snprintf(br, sizeof(br), "%ld", res->out[i].bitrate);
		snprintf(sz, sizeof(sz), "%lld", res->out[i].size);
		if ((r = db_exec(
		         "INSERT INTO renditions (video_id, name, width, height, bitrate, size, "
		         "object_key) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		         7, ins, NULL)) != VP_OK)
			goto end;
	}
	r = db_commit();
end:
	if (r != VP_OK)
		db_rollback();
	PQclear(q);
	return r;
}

/* ------------------------------------------------------------------------ */
/* Progress and heartbeat                                                    */
/* ------------------------------------------------------------------------ */

static bool on_progress(void *ud, int pct)
{
	struct job *j = ud;
	time_t now = time(NULL);

	if (stopping)
		return false;
	if (j->cfg && now - j->last_progress >= 2) {
		char p[8];

		snprintf(p, sizeof(p), "%d", pct);
		video_set(j->video_id,
		          "UPDATE videos SET progress = $2::smallint, updated_at = now() "
		          "WHERE id = $1 AND status = 'processing'",
		          p);
		j->last_progress = now;
	}
	/* keep the message hidden while we work: extend at a third of the way */
	if (j->cfg && j->msg.receipt && now - j->last_extend >= j->visibility / 3) {
		if (sqs_change_visibility(j->cfg, j->cfg->sqs_queue_url, j->msg.receipt,
		                          (int)j->visibility) == VP_OK)
			j->last_extend = now;
	}
	return true;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                     */
/* ------------------------------------------------------------------------ */

static const char *tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

static void remove_tree(const char *dir);

/* Job folders of workers that no longer run (killed with -9, or the machine
 * stopped) are removed when a worker starts. */
static void sweep_stale_jobs(void)
{
	DIR *d = opendir(tmp_dir());
	struct dirent *e;
	char p[4200];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid;

		if (strncmp(e->d_name, "vidpipe-job-", 12) != 0)
			continue;
		pid = strtol(e->d_name + 12, &end, 10);
		if (end == e->d_name + 12 || *end != '-' || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
			continue; /* its worker still runs */
		snprintf(p, sizeof(p), "%s/%s", tmp_dir(), e->d_name);
		log_event(LOG_INFO, "stale_job_removed", "path", e->d_name, LOG_END);
		remove_tree(p);
	}
	closedir(d);
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4200];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			remove_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static vp_res upload_file(const struct cfg *cfg, const char *path, const char *key,
                          const char *type)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	vp_res r;

	if (!f)
		return VP_INTERNAL;
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		return VP_INTERNAL;
	}
	r = s3_put_file(cfg, cfg->s3_bucket_processed, key, type, f, (long long)st.st_size);
	fclose(f);
	return r;
}

/* ------------------------------------------------------------------------ */
/* One job                                                                   */
/* ------------------------------------------------------------------------ */

enum outcome { DONE, RETRY, STOPPED };

static enum outcome run_job(struct job *j, long max_receives)
{
	const struct cfg *cfg = j->cfg;
	char tmpl[4096], src[4200], outdir[4200], status[16] = "", thumb_key[1100];
	char keys[TC_MAX_OUTPUTS][1100];
	struct tc_result res;
	long long size;
	FILE *f = NULL;
	buf reason;
	vp_res r;
	enum outcome o = RETRY;

	buf_init(&reason, 1024);
	r = video_state(j, status);
	if (r == VP_NOT_FOUND ||
	    (r == VP_OK && (!strcmp(status, "ready") || !strcmp(status, "failed")))) {
		log_event(LOG_INFO, "job_skipped", "video", j->video_id, "status",
		          r == VP_NOT_FOUND ? "deleted" : status, LOG_END);
		buf_free(&reason);
		return DONE; /* a repeated message, or a video deleted meanwhile */
	}
	if (r != VP_OK)
		goto transient;
	if ((r = video_set(
	         j->video_id,
	         "UPDATE videos SET status = 'processing', progress = 0, updated_at = now() "
	         "WHERE id = $1 AND status IN ('queued', 'processing')",
	         NULL)) != VP_OK)
		goto transient;

	/* a private folder for the job; removed on every path below */
	snprintf(tmpl, sizeof(tmpl), "%s/vidpipe-job-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpl)) {
		r = VP_INTERNAL;
		goto transient;
	}
	snprintf(src, sizeof(src), "%s/source", tmpl);
	snprintf(outdir, sizeof(outdir), "%s/out", tmpl);
	if (mkdir(outdir, 0700) != 0 || !(f = fopen(src, "wb"))) {
		r = VP_INTERNAL;
		goto transient;
	}
	r = s3_get_to_file(cfg, j->bucket, j->key, f, &size);
	fclose(f);
	f = NULL;
	if (r == VP_NOT_FOUND) {
		video_fail(j->video_id, "the uploaded file is missing from storage");
		o = DONE;
		goto end;
	}
	if (r != VP_OK)
		goto transient;

	r = tc_transcode(src, outdir, tc_default_ladder, 4, on_progress, j, &res, &reason);
	if (r == VP_CONFLICT) {
		o = STOPPED;
		goto end;
	}
	if (r == VP_INVALID) {
		log_event(LOG_INFO, "job_invalid_source", "video", j->video_id, "reason",
		          buf_str(&reason), LOG_END);
		if (video_fail(j->video_id, buf_str(&reason)) != VP_OK)
			goto transient;
		o = DONE;
		goto end;
	}
	if (r != VP_OK)
		goto transient;
	unlink(src); /* the raw copy is not needed while uploading */

	for (size_t i = 0; i < res.n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "processed/%s/%s/%s.mp4", j->user_id,
		         j->video_id, res.out[i].name);
		if ((r = upload_file(cfg, res.out[i].path, keys[i], "video/mp4")) != VP_OK)
			goto transient;
	}
	snprintf(thumb_key, sizeof(thumb_key), "processed/%s/%s/thumb.jpg", j->user_id,
	         j->video_id);
	if ((r = upload_file(cfg, res.thumbnail, thumb_key, "image/jpeg")) != VP_OK)
		goto transient;
	r = video_record(j, &res, keys, thumb_key);
	if (r == VP_NOT_FOUND) {
		/* deleted while we worked: take our objects away again */
		const char *all[TC_MAX_OUTPUTS + 1];

		for (size_t i = 0; i < res.n; i++)
			all[i] = keys[i];
		all[res.n] = thumb_key;
		s3_delete_objects(cfg, cfg->s3_bucket_processed, all, res.n + 1);
		o = DONE;
		goto end;
	}
	if (r != VP_OK)
		goto transient;
	log_event(LOG_INFO, "job_done", "video", j->video_id, LOG_END);
	o = DONE;
	goto end;
transient:
	log_event(LOG_WARN, "job_retry", "video", j->video_id, "result", vp_res_str(r), LOG_END);
	if (j->msg.receive_count >= max_receives) {
		/* the last delivery: SQS dead-letters the message after this */
		video_fail(j->video_id, "the video could not be processed; please try again later");
	}
	o = RETRY;
end:
	if (f)
		fclose(f);
	if (tmpl[0] && strstr(tmpl, "vidpipe-job-"))
		remove_tree(tmpl);
	buf_free(&reason);
	return o;
}

static bool parse_job(struct job *j)
{
	struct json_object *o = NULL;
	const char *type, *vid, *bucket, *key;
	bool ok = false;

	if (json_parse_object(j->msg.body, strlen(j->msg.body), &o) != VP_OK)
		return false;
	if (json_field_str(o, "type", &type) == VP_OK && !strcmp(type, "transcode") &&
	    json_field_str(o, "video_id", &vid) == VP_OK && http_is_uuid(vid) &&
	    json_field_str(o, "bucket", &bucket) == VP_OK && strlen(bucket) < sizeof(j->bucket) &&
	    json_field_str(o, "key", &key) == VP_OK && strlen(key) < sizeof(j->key)) {
		memcpy(j->video_id, vid, 37);
		snprintf(j->bucket, sizeof(j->bucket), "%s", bucket);
		snprintf(j->key, sizeof(j->key), "%s", key);
		ok = true;
	}
	json_object_put(o);
	return ok;
}

static int transcode_local(const char *in, const char *dir)
{
	struct tc_result res;
	struct job j;
	buf reason;
	vp_res r;

	memset(&j, 0, sizeof(j));
	buf_init(&reason, 1024);
	r = tc_transcode(in, dir, tc_default_ladder, 4, on_progress, &j, &res, &reason);
	if (r != VP_OK) {
		fprintf(stderr, "vidpipe-worker: %s: %s\n", vp_res_str(r), buf_str(&reason));
		buf_free(&reason);
		return 1;
	}
	for (size_t i = 0; i < res.n; i++)
		printf("%s %dx%d %lld\n", res.out[i].name, res.out[i].width, res.out[i].height,
		       res.out[i].size);
	printf("thumbnail %lld\nduration %.3f\n", res.thumbnail_size, res.duration);
	buf_free(&reason);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct cfg cfg;
	long visibility, max_receives, wait_s;
	bool once = argc > 1 && !strcmp(argv[1], "--once");
	buf err;

	log_init("vidpipe-worker");
	av_log_set_level(AV_LOG_ERROR); /* our own JSON lines say what happened */
	if (argc == 4 && !strcmp(argv[1], "--transcode"))
		return transcode_local(argv[2], argv[3]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	buf_init(&err, 1024);
	if (cfg_load(&cfg, &err) != VP_OK ||
	    cfg_long("WORKER_VISIBILITY_TIMEOUT", 120, 10, 43200, &visibility, &err) != VP_OK ||
	    cfg_long("WORKER_MAX_RECEIVES", 5, 1, 1000, &max_receives, &err) != VP_OK ||
	    cfg_long("WORKER_WAIT_SECONDS", 20, 1, 20, &wait_s, &err) != VP_OK) {
		log_event(LOG_ERROR, "config", "error", buf_str(&err), LOG_END);
		buf_free(&err);
		return 1;
	}
	buf_free(&err);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	aws_set_abort_flag(&stopping); /* SIGTERM ends a long poll at once */
	db_setup(cfg.database_url, cfg.dep_timeout_ms, "vidpipe-worker");
	log_event(LOG_INFO, "start", LOG_END);
	sweep_stale_jobs();
	while (!stopping) {
		struct job j;
		bool got = false;
		vp_res r;
		enum outcome o;

		memset(&j, 0, sizeof(j));
		j.cfg = &cfg;
		j.visibility = visibility;
		r = sqs_receive(&cfg, cfg.sqs_queue_url, (int)wait_s, (int)visibility, &j.msg,
		                &got);
		if (r != VP_OK) {
			sleep(2); /* the queue is down: try again, gently */
			continue;
		}
		if (!got) {
			if (once)
				break;
			continue;
		}
		j.last_extend = time(NULL);
		if (!parse_job(&j)) {
			log_event(LOG_WARN, "job_malformed", LOG_END);
			sqs_delete(&cfg, cfg.sqs_queue_url, j.msg.receipt);
			sqs_message_free(&j.msg);
			continue;
		}
		o = run_job(&j, max_receives);
		if (o == DONE)
			sqs_delete(&cfg, cfg.sqs_queue_url, j.msg.receipt);
		else if (o == STOPPED)
			sqs_change_visibility(&cfg, cfg.sqs_queue_url, j.msg.receipt, 0);
		else /* RETRY: back soon, not at once */
			sqs_change_visibility(&cfg, cfg.sqs_queue_url, j.msg.receipt, 5);
		sqs_message_free(&j.msg);
		if (once)
			break;
	}
	log_event(LOG_INFO, "stop", LOG_END);
	db_close();
	curl_global_cleanup();
	return 0;
}
