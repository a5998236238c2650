/*
 * vidpipe-worker — drains the transcode queue, one job at a time.
 *
 *   vidpipe-worker                      run until SIGTERM (cron + flock keep it up)
 *   vidpipe-worker --once               take at most one job, then exit
 *   vidpipe-worker --transcode IN DIR [--mp4-only]
 *                                       transcode a local file in this process
 *                                       (no queue, no storage, no child; for
 *                                       benchmarks and debugging), with the
 *                                       HLS tracks unless --mp4-only
 *
 * A job: long-poll SQS (20 s), read {"type","video_id","bucket","key"}, skip
 * work for a video that is gone, ready or failed (delete the message), mark
 * it processing (log `job_start`), stream the raw object into a private
 * folder named for this worker's pid (vidpipe-job-<pid>-XXXXXX, so the next
 * worker to start removes the folders of a worker that was killed), and
 * transcode it in a child process (lib/sandbox.h) with memory and CPU limits:
 * the file is hostile until proven otherwise, and a crash, a runaway
 * allocation or an endless loop must cost one attempt, never this process.
 * The child reports over a pipe; its result is checked field by field and
 * the files are opened by names this process makes.
 *
 * HLS while it works: the child announces its plan (the tracks: one per
 * rung, and the audio) and then each CMAF file as soon as it is complete
 * (lib/transcode.h). This process checks each announcement (a known track,
 * the next number in order), queues the file for storage at once
 * (lib/putq.h: a few PUTs in flight, a bounded queue; when it is full the
 * pipe is not read, so the child waits) and, as each PUT lands, records it
 * in the segment index (lib/playback.h) and removes the local copy: the
 * video's playlists grow while it transcodes and it can be watched within
 * seconds. When the child is done: wait for the last uploads, upload the
 * MP4 renditions and the thumbnail, remove from storage any HLS object an
 * earlier attempt left beyond this one's, then record renditions, the
 * whole segment index and `ready` in one transaction, and only then delete
 * the message. Bad media, a deleted video or a last attempt that fails
 * take the job's HLS objects and index away again.
 *
 * While the child works this process keeps a clock, not the child's
 * progress: every tick it honours SIGTERM (kill the child, hand the message
 * back at once: visibility 0), extends the message's visibility every third
 * of WORKER_VISIBILITY_TIMEOUT, writes progress, and looks at the video's
 * row, so a video deleted meanwhile cancels the job within seconds. A child
 * past its wall-clock bound (twice its CPU budget, plus 10 s) is killed.
 *
 * Failure classes:
 *   bad media (VP_INVALID: not a video, not an allowed format, over a
 *     limit) → the video fails with the reason at once, message deleted;
 *   the child crashed or hit a limit (signal, CPU, wall clock, memory) →
 *     logged with the signal; the message comes back in 5 s; the last of
 *     WORKER_MAX_RECEIVES attempts fails the video with a reason and deletes
 *     the message;
 *   transient (storage, database, queue) → the message comes back in 5 s;
 *     the last attempt marks the video failed and SQS moves the message to
 *     the dead-letter queue, which vidpipe-maint drains (a video whose
 *     message is dead-lettered ends failed even when this process could not
 *     say so).
 * Object keys are deterministic, so a job taken over after a crash
 * overwrites the same objects and the transaction replaces the rows: one set
 * of renditions, one set of segments and one index.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libavutil/log.h>
#include <libpq-fe.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
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
#include "../lib/hls.h"
#include "../lib/log.h"
#include "../lib/playback.h"
#include "../lib/putq.h"
#include "../lib/s3.h"
#include "../lib/sandbox.h"
#include "../lib/sqs.h"
#include "../lib/transcode.h"

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

struct settings {
	long visibility; /* seconds the message is hidden for */
	long max_receives;
	long wait_s;
	long memory_mb; /* the child's address space */
	long cpu_base;  /* CPU seconds every transcode may use ... */
	long cpu_per_s; /* ... plus this many per second of video */
	long uploads;   /* segment PUTs in flight at once */
	struct tc_limits lim;
};

struct job {
	const struct cfg *cfg;
	const struct settings *set;
	char video_id[37];
	char user_id[37];
	char bucket[256];
	char key[1024];
	struct sqs_message msg;
	char dir[4096]; /* the job's folder; "" until made */
	double last_extend, last_check;
	int pct, pct_written;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* What video_state said means the job is no longer wanted: the video was
 * deleted, or finished elsewhere. */
static bool state_gone(vp_res r, const char *status)
{
	return r == VP_NOT_FOUND || (r == VP_OK && strcmp(status, "processing") != 0);
}

/* Asked when recording a segment failed: deleting a video takes its index
 * rows with it, and the next segment's row then fails before the clock's
 * next look at the video would have seen the deletion. */
static bool video_gone(struct job *j)
{
	char status[16];

	return state_gone(video_state(j, status), status);
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

/* Renditions, the segment index and `ready` in one transaction;
 * VP_NOT_FOUND if the video was deleted meanwhile. */
static vp_res video_record(struct job *j, const struct tc_result *res, char keys[][1100],
                           const char *thumb_key, const struct tc_plan *plan,
                           const struct playback_file *files, size_t n_files)
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
	if ((r = playback_index_replace(j->video_id, plan, files, n_files)) != VP_OK)
		goto end;
	r = db_commit();
end:
	if (r != VP_OK)
		db_rollback();
	PQclear(q);
	return r;
}

/* ------------------------------------------------------------------------ */
/* The clock                                                                 */
/* ------------------------------------------------------------------------ */

/* Keeps the message hidden while we work: extended every third of the
 * visibility timeout, whatever the work is doing. */
static void keep_hidden(struct job *j)
{
	double now = now_s();

	if (j->msg.receipt && now - j->last_extend >= (double)j->set->visibility / 3) {
		if (sqs_change_visibility(j->cfg, j->cfg->sqs_queue_url, j->msg.receipt,
		                          (int)j->set->visibility) == VP_OK)
			j->last_extend = now;
	}
}

/* One tick of the clock while the child works: keeps the message hidden,
 * and every 2 s writes progress and looks at the video's row. false when
 * the video was deleted (or finished elsewhere) meanwhile. */
static bool heartbeat(struct job *j)
{
	double now = now_s();
	char status[16];
	vp_res r;

	keep_hidden(j);
	if (now - j->last_check < 2)
		return true;
	j->last_check = now;
	r = video_state(j, status);
	if (state_gone(r, status))
		return false;
	if (r == VP_OK && j->pct != j->pct_written) {
		char p[8];

		snprintf(p, sizeof(p), "%d", j->pct);
		if (video_set(j->video_id,
		              "UPDATE videos SET progress = $2::smallint, updated_at = now() "
		              "WHERE id = $1 AND status = 'processing'",
		              p) == VP_OK)
			j->pct_written = j->pct;
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

/* Job folders are vidpipe-job-<pid>-XXXXXX: those of workers that no longer
 * run (killed with -9, or the machine stopped) are removed when a worker
 * starts. A pid that is alive again as another process keeps its folder
 * until that process ends: safe, never wrong. */
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

/* Uploads a file the child wrote: a regular file, never through a link
 * (the child is not trusted to have made what it says). *size: its bytes. */
static vp_res upload_file(const struct cfg *cfg, const char *path, const char *key,
                          const char *type, long long *size)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	FILE *f;
	vp_res r;

	if (fd < 0)
		return VP_INTERNAL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fdopen(fd, "rb"))) {
		close(fd);
		return VP_INTERNAL;
	}
	*size = (long long)st.st_size;
	r = s3_put_file(cfg, cfg->s3_bucket_processed, key, type, f, (long long)st.st_size);
	fclose(f);
	return r;
}

/* ------------------------------------------------------------------------ */
/* The child: one transcode under limits, reported over the pipe            */
/* ------------------------------------------------------------------------ */

enum { MSG_PROBED = 1, MSG_PROGRESS, MSG_RESULT, MSG_PLAN, MSG_SEGMENT };

/* One message from the child; every field is checked before use. */
struct child_msg {
	int32_t kind;
	int32_t percent; /* MSG_PROGRESS */
	double duration; /* MSG_PROBED: the header's; MSG_RESULT: as decoded;
	                    MSG_SEGMENT: the segment's */
	int32_t res;     /* MSG_RESULT: a vp_res */
	char reason[256];
	int32_t width, height;
	char video_codec[32], audio_codec[32];
	uint32_t n;
	struct {
		char name[16];
		int32_t width, height;
		int64_t bitrate;
	} out[TC_MAX_OUTPUTS];
	uint32_t ntracks; /* MSG_PLAN */
	struct {
		char name[16];
		int32_t audio, width, height;
		double fps;
		int64_t bitrate;
		char codecs[32];
	} track[TC_MAX_OUTPUTS + 1];
	uint32_t seg_track; /* MSG_SEGMENT: index in the plan */
	int32_t seg_number; /* 0: the init segment */
};

/* CPU seconds a transcode of a video of duration seconds may use (a
 * duration the headers do not state counts as the longest allowed). */
static long cpu_budget(const struct settings *s, double duration)
{
	double d = isfinite(duration) && duration > 0 ? duration : (double)s->lim.max_duration;

	d = d > (double)s->lim.max_duration ? (double)s->lim.max_duration : d;
	return s->cpu_base + (long)ceil((double)s->cpu_per_s * d);
}

struct child_job {
	const struct settings *set;
	const char *src, *outdir;
	int fd;
};

static void child_probed(void *ud, const struct tc_probe *p)
{
	struct child_job *c = ud;
	struct child_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = MSG_PROBED;
	m.duration = p->duration;
	sandbox_set_cpu(cpu_budget(c->set, p->duration));
	sandbox_send(c->fd, &m, sizeof(m));
}

static void child_planned(void *ud, const struct tc_plan *p)
{
	struct child_job *c = ud;
	struct child_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = MSG_PLAN;
	m.ntracks = (uint32_t)p->n;
	for (size_t i = 0; i < p->n && i < VP_ARRAY_LEN(m.track); i++) {
		snprintf(m.track[i].name, sizeof(m.track[i].name), "%s", p->track[i].name);
		m.track[i].audio = p->track[i].audio;
		m.track[i].width = p->track[i].width;
		m.track[i].height = p->track[i].height;
		m.track[i].fps = p->track[i].fps;
		m.track[i].bitrate = p->track[i].bitrate;
		snprintf(m.track[i].codecs, sizeof(m.track[i].codecs), "%s", p->track[i].codecs);
	}
	sandbox_send(c->fd, &m, sizeof(m));
}

/* A file is complete: the parent publishes it at once (it makes the path
 * itself, from the track's name and the number). */
static bool child_segment(void *ud, const struct tc_segment *sg)
{
	struct child_job *c = ud;
	struct child_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = MSG_SEGMENT;
	m.seg_track = (uint32_t)sg->track;
	m.seg_number = sg->number;
	m.duration = sg->duration;
	return sandbox_send(c->fd, &m, sizeof(m)) == VP_OK;
}

static bool child_progress(void *ud, int percent)
{
	struct child_job *c = ud;
	struct child_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = MSG_PROGRESS;
	m.percent = percent;
	sandbox_send(c->fd, &m, sizeof(m));
	return true;
}

/* The child needs no secret: the environment (database and storage
 * credentials, token keys) is wiped from its memory before it decodes. */
static void scrub_environment(void)
{
	extern char **environ;

	for (char **e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
}

static int transcode_child(int fd, void *arg)
{
	struct child_job *c = arg;
	struct tc_hooks hooks = {child_probed, child_progress, child_planned, child_segment, c};
	struct tc_result res;
	struct child_msg m;
	buf reason;
	vp_res r;

	c->fd = fd;
	scrub_environment();
	buf_init(&reason, 1024);
	r = tc_transcode(c->src, c->outdir, tc_default_ladder, VP_ARRAY_LEN(tc_default_ladder),
	                 &c->set->lim, &hooks, &res, &reason);
	if (r != VP_OK && r != VP_CONFLICT && sandbox_near_memory_limit())
		r = VP_NOMEM; /* whatever the libraries made of a failed allocation */
	memset(&m, 0, sizeof(m));
	m.kind = MSG_RESULT;
	m.res = (int32_t)r;
	snprintf(m.reason, sizeof(m.reason), "%s", buf_str(&reason));
	buf_free(&reason);
	if (r == VP_OK) {
		m.duration = res.duration;
		m.width = res.width;
		m.height = res.height;
		snprintf(m.video_codec, sizeof(m.video_codec), "%s", res.video_codec);
		snprintf(m.audio_codec, sizeof(m.audio_codec), "%s", res.audio_codec);
		m.n = (uint32_t)res.n;
		for (size_t i = 0; i < res.n; i++) {
			snprintf(m.out[i].name, sizeof(m.out[i].name), "%s", res.out[i].name);
			m.out[i].width = res.out[i].width;
			m.out[i].height = res.out[i].height;
			m.out[i].bitrate = res.out[i].bitrate;
		}
	}
	return sandbox_send(fd, &m, sizeof(m)) == VP_OK ? 0 : 1;
}

static bool str_in(const char *s, size_t cap, const char *allowed)
{
	const char *nul = memchr(s, '\0', cap);

	return nul && strspn(s, allowed) == (size_t)(nul - s);
}

static bool side_ok(int32_t v, long max)
{
	return v >= 1 && v <= max;
}

/* A result from the child, checked, as a tc_result whose paths this
 * process makes from the rendition names (digits and a "p"). */
static bool child_result(const struct child_msg *m, const struct job *j, struct tc_result *res)
{
	static const char *const digits = "0123456789";
	long max = j->set->lim.max_side;

	memset(res, 0, sizeof(*res));
	if (m->n < 1 || m->n > TC_MAX_OUTPUTS || !isfinite(m->duration) || m->duration < 0 ||
	    m->duration > 2.0 * (double)j->set->lim.max_duration + 60 || !side_ok(m->width, max) ||
	    !side_ok(m->height, max) ||
	    !str_in(m->video_codec, sizeof(m->video_codec),
	            "abcdefghijklmnopqrstuvwxyz0123456789_") ||
	    !str_in(m->audio_codec, sizeof(m->audio_codec),
	            "abcdefghijklmnopqrstuvwxyz0123456789_") ||
	    !m->video_codec[0])
		return false;
	res->duration = m->duration;
	res->width = m->width;
	res->height = m->height;
	memcpy(res->video_codec, m->video_codec, sizeof(res->video_codec));
	memcpy(res->audio_codec, m->audio_codec, sizeof(res->audio_codec));
	for (uint32_t i = 0; i < m->n; i++) {
		const char *name = m->out[i].name;
		size_t len = strnlen(name, sizeof(m->out[i].name));

		if (len < 2 || len > 6 || name[len - 1] != 'p' || strspn(name, digits) != len - 1 ||
		    !side_ok(m->out[i].width, max) || !side_ok(m->out[i].height, max) ||
		    m->out[i].bitrate < 1 || m->out[i].bitrate > 1000000000)
			return false;
		for (uint32_t k = 0; k < i; k++)
			if (!strcmp(res->out[k].name, name))
				return false;
		memcpy(res->out[i].name, name, len + 1);
		res->out[i].width = m->out[i].width;
		res->out[i].height = m->out[i].height;
		res->out[i].bitrate = (long)m->out[i].bitrate;
		snprintf(res->out[i].path, sizeof(res->out[i].path), "%s/out/%s.mp4", j->dir, name);
	}
	res->n = m->n;
	snprintf(res->thumbnail, sizeof(res->thumbnail), "%s/out/thumb.jpg", j->dir);
	return true;
}

/* A reason from the child is shown to users: printable ASCII only. */
static bool child_reason(const struct child_msg *m)
{
	const char *nul = memchr(m->reason, '\0', sizeof(m->reason));

	if (!nul || nul == m->reason)
		return false;
	for (const char *p = m->reason; p < nul; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

/* How a transcode in the child ended. */
enum child_end {
	C_DONE,      /* a result: see res */
	C_INVALID,   /* bad media: reason */
	C_CRASHED,   /* a signal, no result, or a malformed one */
	C_CPU,       /* over its CPU budget or its wall-clock bound */
	C_MEMORY,    /* out of its address space */
	C_INTERNAL,  /* the transcoder's own failure */
	C_PUBLISH,   /* storing or recording a segment failed (transient) */
	C_CANCELLED, /* the video was deleted meanwhile */
	C_STOPPED    /* SIGTERM */
};

struct child_report {
	struct tc_result res;
	char reason[256];
};

static void log_child(const struct job *j, const char *event, const char *key, const char *value)
{
	char attempt[24];

	snprintf(attempt, sizeof(attempt), "%ld", j->msg.receive_count);
	log_event(LOG_WARN, event, "video", j->video_id, key, value, "attempt", attempt, LOG_END);
}

/* ------------------------------------------------------------------------ */
/* HLS segments: from the child's announcements to storage and the index    */
/* ------------------------------------------------------------------------ */

/* Files the child has closed that may wait for an upload slot; past that
 * the pipe is not read and the child waits (back-pressure). */
#define SEGMENTS_WAITING_MAX 32

struct segs {
	struct tc_plan plan; /* as the child announced it, checked */
	bool planned;
	int next[TC_MAX_OUTPUTS + 1];  /* the number each track's next file must have */
	int count[TC_MAX_OUTPUTS + 1]; /* each track's media segments in storage */
	struct playback_file *files;   /* every file announced; the putq tag is the index */
	size_t n, cap;
	size_t stored;
	struct putq *q;
	vp_res failed;  /* the first upload or record that failed: the attempt is lost */
	double started; /* when the job started (now_s), for job_playable */
	bool playable;  /* every track has its first segment in the index */
};

static void segs_free(struct segs *s)
{
	putq_free(s->q);
	free(s->files);
	memset(s, 0, sizeof(*s));
}

/* The plan the child announced, checked: known names, each once, the
 * audio at most once, sizes and rates in range. */
static bool child_plan(const struct child_msg *m, const struct job *j, struct tc_plan *p)
{
	long max = j->set->lim.max_side;
	int audio = 0;

	memset(p, 0, sizeof(*p));
	if (m->ntracks < 1 || m->ntracks > VP_ARRAY_LEN(p->track))
		return false;
	for (uint32_t i = 0; i < m->ntracks; i++) {
		struct tc_track *k = &p->track[i];
		const char *name = m->track[i].name, *codecs = m->track[i].codecs;
		bool is_audio;

		if (!memchr(name, '\0', sizeof(m->track[i].name)) ||
		    !memchr(codecs, '\0', sizeof(m->track[i].codecs)) || !hls_track_name_ok(name) ||
		    !hls_codecs_ok(codecs) || m->track[i].bitrate < 1 ||
		    m->track[i].bitrate > 1000000000)
			return false;
		is_audio = !strcmp(name, HLS_AUDIO_TRACK);
		if (is_audio != (m->track[i].audio != 0) ||
		    is_audio != !strncmp(codecs, "mp4a.", 5) || (is_audio && ++audio > 1))
			return false;
		if (!is_audio &&
		    (!side_ok(m->track[i].width, max) || !side_ok(m->track[i].height, max) ||
		     !(m->track[i].fps > 0) || m->track[i].fps > (double)j->set->lim.max_fps))
			return false;
		for (uint32_t k2 = 0; k2 < i; k2++)
			if (!strcmp(p->track[k2].name, name))
				return false;
		snprintf(k->name, sizeof(k->name), "%s", name);
		snprintf(k->codecs, sizeof(k->codecs), "%s", codecs);
		k->audio = is_audio;
		k->width = is_audio ? 0 : m->track[i].width;
		k->height = is_audio ? 0 : m->track[i].height;
		k->fps = is_audio ? 0 : m->track[i].fps;
		k->bitrate = (long)m->track[i].bitrate;
	}
	p->n = m->ntracks;
	return true;
}

/* Where the child wrote a track's file: a path this process makes. */
static void segment_path(const struct job *j, const char *track, int number, char *out, size_t n)
{
	char file[HLS_NAME_MAX];

	hls_file_name(number, file);
	snprintf(out, n, "%s/out/hls/%s/%s", j->dir, track, file);
}

/* A file the child announced: a track of the plan, the next number in
 * order, a duration in range; queued for storage at once. false for an
 * announcement that breaks those rules (the child is not trusted). */
static bool child_segment_msg(struct job *j, struct segs *s, const struct child_msg *m)
{
	struct playback_file *f;
	char path[4300];
	buf key;
	vp_res r;

	if (!s->planned || m->seg_track >= s->plan.n || m->seg_number != s->next[m->seg_track] ||
	    !isfinite(m->duration) ||
	    (m->seg_number == 0 ? m->duration != 0 : !(m->duration > 0 && m->duration <= 600)))
		return false;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct playback_file *nf = realloc(s->files, cap * sizeof(*nf));

		if (!nf) {
			s->failed = VP_NOMEM;
			return true;
		}
		s->files = nf;
		s->cap = cap;
	}
	f = &s->files[s->n];
	memset(f, 0, sizeof(*f));
	snprintf(f->track, sizeof(f->track), "%s", s->plan.track[m->seg_track].name);
	f->number = m->seg_number;
	f->duration = m->duration;
	segment_path(j, f->track, f->number, path, sizeof(path));
	buf_init(&key, 2048);
	r = hls_key(j->user_id, j->video_id, f->track, f->number, &key);
	if (r == VP_OK)
		r = putq_add(s->q, path, key.data,
		             f->number                           ? "video/iso.segment"
		             : s->plan.track[m->seg_track].audio ? "audio/mp4"
		                                                 : "video/mp4",
		             s->n);
	buf_free(&key);
	if (r == VP_NOT_FOUND)
		return false; /* announced, but not a file the child wrote */
	if (r != VP_OK && !s->failed)
		s->failed = r;
	s->next[m->seg_track]++;
	s->n++;
	return true;
}

/* Uploads that have landed: recorded in the index (the playlists grow),
 * the local copy removed. */
static void segs_collect(struct job *j, struct segs *s)
{
	struct putq_done d;

	while (s->q && putq_take(s->q, &d)) {
		struct playback_file *f = d.tag < s->n ? &s->files[d.tag] : NULL;
		char path[4300];
		vp_res r;

		if (!f)
			continue;
		if (d.result != VP_OK) {
			if (!s->failed)
				s->failed = d.result;
			continue;
		}
		f->size = d.size;
		if ((r = playback_index_file(j->video_id, f)) != VP_OK && !s->failed)
			s->failed = r;
		for (size_t i = 0; i < s->plan.n; i++)
			if (!strcmp(s->plan.track[i].name, f->track) && f->number > s->count[i])
				s->count[i] = f->number;
		s->stored++;
		segment_path(j, f->track, f->number, path, sizeof(path));
		unlink(path);
		if (!s->playable && s->planned) {
			bool all = true;

			for (size_t i = 0; i < s->plan.n; i++)
				all = all && s->count[i] >= 1 && s->next[i] >= 2;
			if (all) {
				char ms[24];

				s->playable = true;
				snprintf(ms, sizeof(ms), "%.0f", (now_s() - s->started) * 1000);
				log_event(LOG_INFO, "job_playable", "video", j->video_id,
				          "after_ms", ms, LOG_END);
			}
		}
	}
}

/* Waits for the uploads still on their way, keeping the clock. */
static enum child_end segs_drain(struct job *j, struct segs *s)
{
	while (putq_pending(s->q) > 0 && !s->failed) {
		bool ready;

		if (putq_run(s->q, -1, 500, &ready) != VP_OK)
			s->failed = VP_INTERNAL;
		segs_collect(j, s);
		if (stopping)
			return C_STOPPED;
		if (!heartbeat(j))
			return C_CANCELLED;
	}
	if (s->failed && video_gone(j))
		return C_CANCELLED;
	return s->failed ? C_PUBLISH : C_DONE;
}

/* The job's HLS files are not wanted (bad media, a deleted video, a last
 * attempt that failed): nothing more is sent, what is on its way lands (so
 * that nothing arrives after the clean-up), then the index and every HLS
 * object of the video go. */
static void segs_forget(struct job *j, struct segs *s)
{
	if (s->q && !stopping) {
		putq_drop_waiting(s->q);
		while (putq_pending(s->q) > 0) {
			bool ready;
			struct putq_done d;

			if (putq_run(s->q, -1, 500, &ready) != VP_OK)
				break;
			while (putq_take(s->q, &d))
				;
			keep_hidden(j);
		}
	}
	putq_free(s->q);
	s->q = NULL;
	playback_index_drop(j->video_id);
	playback_objects_keep(j->cfg, j->user_id, j->video_id, NULL, NULL);
}

/* After the child's result and the last upload: every track has its init
 * segment and one media segment at least, every file announced is in
 * storage, and the plan's video tracks are the renditions. */
static bool segs_complete(const struct segs *s, const struct tc_result *res)
{
	size_t videos = 0;

	if (!s->planned || s->stored != s->n)
		return false;
	for (size_t i = 0; i < s->plan.n; i++) {
		bool found = s->plan.track[i].audio;

		if (s->next[i] < 2 || s->count[i] != s->next[i] - 1)
			return false;
		for (size_t k = 0; k < res->n && !found; k++)
			found = !strcmp(res->out[k].name, s->plan.track[i].name);
		if (!found)
			return false;
		videos += !s->plan.track[i].audio;
	}
	return videos == res->n;
}

/* ------------------------------------------------------------------------ */
/* The child, watched                                                        */
/* ------------------------------------------------------------------------ */

/* Runs the transcode in a child and keeps the clock until it ends; its
 * segments go to storage meanwhile. */
static enum child_end run_child(struct job *j, const char *src, struct segs *sg,
                                struct child_report *rep)
{
	struct child_job cj = {j->set, src, NULL, -1};
	struct sandbox_limits lim = {(long long)j->set->memory_mb << 20, j->set->cpu_base,
	                             cpu_budget(j->set, 0)};
	struct sandbox sb;
	struct sandbox_exit ex;
	struct child_msg m, last;
	char outdir[4200];
	double start = now_s(), deadline = start + 2.0 * (double)j->set->cpu_base + 10;
	bool have = false, timed_out = false, open = true, malformed = false;
	enum child_end end = C_CRASHED;

	memset(rep, 0, sizeof(*rep));
	memset(&last, 0, sizeof(last));
	snprintf(outdir, sizeof(outdir), "%s/out", j->dir);
	cj.outdir = outdir;
	if (sandbox_start(&sb, &lim, transcode_child, &cj) != VP_OK)
		return C_INTERNAL;
	for (;;) {
		bool reading = !putq_full(sg->q), ready, got;

		/* waits on the pipe and the uploads at once, half a second at most */
		if (putq_run(sg->q, reading ? sb.fd : -1, 500, &ready) != VP_OK && !sg->failed)
			sg->failed = VP_INTERNAL;
		while (reading && !malformed && !putq_full(sg->q)) {
			if (sandbox_recv(&sb, &m, sizeof(m), 0, &got) != VP_OK) {
				open = false; /* the child closed its end: it is done */
				break;
			}
			if (!got)
				break;
			if (m.kind == MSG_PROBED) {
				deadline =
				    start + 2.0 * (double)cpu_budget(j->set, m.duration) + 10;
			} else if (m.kind == MSG_PROGRESS) {
				if (m.percent >= 0 && m.percent <= 100)
					j->pct = m.percent;
			} else if (m.kind == MSG_RESULT) {
				last = m;
				have = true;
			} else if (m.kind == MSG_PLAN) {
				malformed = sg->planned || !child_plan(&m, j, &sg->plan);
				sg->planned = !malformed;
				if (sg->planned && !sg->failed)
					sg->failed = playback_index_plan(j->video_id, &sg->plan);
			} else if (m.kind == MSG_SEGMENT) {
				malformed = !child_segment_msg(j, sg, &m);
			}
		}
		segs_collect(j, sg);
		if (!open || malformed || sg->failed)
			break;
		if (stopping) {
			end = C_STOPPED;
			break;
		}
		if (!heartbeat(j)) {
			end = C_CANCELLED;
			break;
		}
		if (now_s() > deadline) {
			timed_out = true;
			break;
		}
	}
	if (open)
		sandbox_kill(&sb);
	sandbox_wait(&sb, 2000, &ex);
	if (stopping)
		return C_STOPPED;
	if (end == C_CANCELLED)
		return C_CANCELLED;
	if (malformed) {
		log_child(j, "job_child_died", "signal", "malformed message");
		return C_CRASHED;
	}
	if (sg->failed) {
		if (video_gone(j))
			return C_CANCELLED;
		log_child(j, "job_segments_failed", "result", vp_res_str(sg->failed));
		return C_PUBLISH;
	}
	if (timed_out) {
		log_child(j, "job_child_limit", "limit", "wall_clock");
		return C_CPU;
	}
	if (ex.signal) {
		log_child(j, "job_child_died", "signal", sandbox_signal_name(ex.signal));
		return ex.signal == SIGXCPU || ex.signal == SIGKILL ? C_CPU : C_CRASHED;
	}
	if (!have || ex.code != 0) {
		log_child(j, "job_child_died", "signal", "none");
		return C_CRASHED;
	}
	switch ((vp_res)last.res) {
	case VP_OK:
		if (!child_result(&last, j, &rep->res))
			break;
		return C_DONE;
	case VP_INVALID:
		if (!child_reason(&last))
			break;
		memcpy(rep->reason, last.reason, sizeof(rep->reason));
		return C_INVALID;
	case VP_NOMEM: log_child(j, "job_child_limit", "limit", "memory"); return C_MEMORY;
	default: return C_INTERNAL;
	}
	log_child(j, "job_child_died", "signal", "malformed result");
	return C_CRASHED;
}

/* ------------------------------------------------------------------------ */
/* One job                                                                   */
/* ------------------------------------------------------------------------ */

enum outcome { DONE, RETRY, STOPPED };

/* The reason a video fails with when its last attempt ended this way. */
static const char *last_attempt_reason(enum child_end e)
{
	switch (e) {
	case C_CRASHED:
		return "the video could not be processed: the transcoder failed on it at every "
		       "attempt";
	case C_CPU:
		return "the video could not be processed: it needs more processing time than its "
		       "length allows";
	case C_MEMORY:
		return "the video could not be processed: it needs more memory than the transcoder "
		       "may use";
	default: return "the video could not be processed; please try again later";
	}
}

/* Uploads the renditions and the thumbnail, removes the HLS objects an
 * earlier attempt left beyond this one's, and records it all. */
static enum outcome publish(struct job *j, struct tc_result *res, const struct segs *sg, vp_res *r)
{
	const struct cfg *cfg = j->cfg;
	char keys[TC_MAX_OUTPUTS][1100], thumb_key[1100];
	long long size;

	for (size_t i = 0; i < res->n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "processed/%s/%s/%s.mp4", j->user_id,
		         j->video_id, res->out[i].name);
		keep_hidden(j);
		if ((*r = upload_file(cfg, res->out[i].path, keys[i], "video/mp4",
		                      &res->out[i].size)) != VP_OK)
			return RETRY;
	}
	snprintf(thumb_key, sizeof(thumb_key), "processed/%s/%s/thumb.jpg", j->user_id,
	         j->video_id);
	keep_hidden(j);
	if ((*r = upload_file(cfg, res->thumbnail, thumb_key, "image/jpeg", &size)) != VP_OK)
		return RETRY;
	/* one set of segments: this attempt's (keys are deterministic: an
	 * earlier attempt's files are overwritten, or beyond these and go) */
	keep_hidden(j);
	if ((*r = playback_objects_keep(cfg, j->user_id, j->video_id, &sg->plan, sg->count)) !=
	    VP_OK)
		return RETRY;
	*r = video_record(j, res, keys, thumb_key, &sg->plan, sg->files, sg->n);
	if (*r == VP_NOT_FOUND) {
		/* deleted while we worked: take our objects away again */
		const char *all[TC_MAX_OUTPUTS + 1];

		for (size_t i = 0; i < res->n; i++)
			all[i] = keys[i];
		all[res->n] = thumb_key;
		s3_delete_objects(cfg, cfg->s3_bucket_processed, all, res->n + 1);
		playback_objects_keep(cfg, j->user_id, j->video_id, NULL, NULL);
		return DONE;
	}
	if (*r != VP_OK)
		return RETRY;
	log_event(LOG_INFO, "job_done", "video", j->video_id, LOG_END);
	return DONE;
}

static enum outcome run_job(struct job *j)
{
	const struct cfg *cfg = j->cfg;
	char src[4200], outdir[4200], status[16] = "", attempt[24];
	struct child_report rep;
	struct segs sg;
	enum child_end ce = C_INTERNAL;
	long long size;
	FILE *f = NULL;
	vp_res r;
	enum outcome o = RETRY;

	j->dir[0] = '\0';
	memset(&sg, 0, sizeof(sg));
	sg.started = now_s();
	r = video_state(j, status);
	if (r == VP_NOT_FOUND ||
	    (r == VP_OK && (!strcmp(status, "ready") || !strcmp(status, "failed")))) {
		log_event(LOG_INFO, "job_skipped", "video", j->video_id, "status",
		          r == VP_NOT_FOUND ? "deleted" : status, LOG_END);
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
	snprintf(attempt, sizeof(attempt), "%ld", j->msg.receive_count);
	log_event(LOG_INFO, "job_start", "video", j->video_id, "attempt", attempt, LOG_END);

	/* a private folder named for this worker; removed on every path below */
	snprintf(j->dir, sizeof(j->dir), "%s/vidpipe-job-%ld-XXXXXX", tmp_dir(), (long)getpid());
	if (!mkdtemp(j->dir)) {
		j->dir[0] = '\0';
		r = VP_INTERNAL;
		goto transient;
	}
	snprintf(src, sizeof(src), "%s/source", j->dir);
	snprintf(outdir, sizeof(outdir), "%s/out", j->dir);
	if (mkdir(outdir, 0700) != 0 || !(f = fopen(src, "wb"))) {
		r = VP_INTERNAL;
		goto transient;
	}
	keep_hidden(j);
	r = s3_get_to_file(cfg, j->bucket, j->key, f, &size);
	fclose(f);
	f = NULL;
	if (r == VP_NOT_FOUND) {
		video_fail(j->video_id, "the uploaded file is missing from storage");
		o = DONE;
		goto end;
	}
	if (r != VP_OK || (r = putq_new(cfg, cfg->s3_bucket_processed, (int)j->set->uploads,
	                                SEGMENTS_WAITING_MAX, &sg.q)) != VP_OK)
		goto transient;

	ce = run_child(j, src, &sg, &rep);
	if (ce == C_DONE && (ce = segs_drain(j, &sg)) == C_DONE && !segs_complete(&sg, &rep.res)) {
		log_child(j, "job_child_died", "signal", "segments missing from the result");
		ce = C_CRASHED;
	}
	switch (ce) {
	case C_STOPPED: o = STOPPED; goto end;
	case C_CANCELLED:
		log_event(LOG_INFO, "job_cancelled", "video", j->video_id, LOG_END);
		segs_forget(j, &sg);
		o = DONE;
		goto end;
	case C_INVALID:
		log_event(LOG_INFO, "job_invalid_source", "video", j->video_id, "reason",
		          rep.reason, LOG_END);
		segs_forget(j, &sg);
		if ((r = video_fail(j->video_id, rep.reason)) != VP_OK)
			goto transient;
		o = DONE;
		goto end;
	case C_PUBLISH: r = sg.failed; goto transient;
	case C_DONE: break;
	default:
		/* the attempt is lost; the last one says so to the user */
		r = VP_INTERNAL;
		if (j->msg.receive_count < j->set->max_receives)
			goto transient;
		segs_forget(j, &sg);
		if ((r = video_fail(j->video_id, last_attempt_reason(ce))) != VP_OK)
			goto transient;
		o = DONE;
		goto end;
	}
	unlink(src); /* the raw copy is not needed while uploading */
	if ((o = publish(j, &rep.res, &sg, &r)) == DONE)
		goto end;
transient:
	if (stopping) {
		o = STOPPED;
		goto end;
	}
	log_event(LOG_WARN, "job_retry", "video", j->video_id, "result", vp_res_str(r), LOG_END);
	if (j->msg.receive_count >= j->set->max_receives) {
		/* the last delivery: SQS dead-letters the message after this */
		segs_forget(j, &sg);
		video_fail(j->video_id, last_attempt_reason(ce));
	}
	o = RETRY;
end:
	segs_free(&sg);
	if (f)
		fclose(f);
	if (j->dir[0])
		remove_tree(j->dir);
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

/* --transcode: what the HLS tracks came to. */
struct local_hls {
	long files;
	long long bytes;
	double first_at; /* seconds from the start until the last track's first segment */
	double start;
	bool seen[TC_MAX_OUTPUTS + 1];
	size_t tracks, seen_n;
};

static void local_planned(void *ud, const struct tc_plan *p)
{
	((struct local_hls *)ud)->tracks = p->n;
}

static bool local_segment(void *ud, const struct tc_segment *sg)
{
	struct local_hls *h = ud;

	h->files++;
	h->bytes += sg->size;
	if (sg->number == 1 && sg->track < VP_ARRAY_LEN(h->seen) && !h->seen[sg->track]) {
		h->seen[sg->track] = true;
		if (++h->seen_n == h->tracks)
			h->first_at = now_s() - h->start;
	}
	return true;
}

static int transcode_local(const char *in, const char *dir, bool hls)
{
	struct local_hls h = {.start = now_s()};
	struct tc_hooks hooks = {NULL, NULL, local_planned, local_segment, &h};
	struct tc_limits lim;
	struct tc_result res;
	buf reason;
	vp_res r;

	buf_init(&reason, 1024);
	if (tc_limits_load(&lim, &reason) != VP_OK) {
		fprintf(stderr, "vidpipe-worker: %s\n", buf_str(&reason));
		buf_free(&reason);
		return 1;
	}
	r = tc_transcode(in, dir, tc_default_ladder, VP_ARRAY_LEN(tc_default_ladder), &lim,
	                 hls ? &hooks : NULL, &res, &reason);
	if (r != VP_OK) {
		fprintf(stderr, "vidpipe-worker: %s: %s\n", vp_res_str(r), buf_str(&reason));
		buf_free(&reason);
		return 1;
	}
	for (size_t i = 0; i < res.n; i++)
		printf("%s %dx%d %lld\n", res.out[i].name, res.out[i].width, res.out[i].height,
		       res.out[i].size);
	printf("thumbnail %lld\nduration %.3f\n", res.thumbnail_size, res.duration);
	if (hls)
		printf("hls %ld files %lld bytes, every track's first segment after %.2f s\n",
		       h.files, h.bytes, h.first_at);
	buf_free(&reason);
	return 0;
}

static vp_res load_settings(struct settings *s, buf *err)
{
	vp_res r;

	if ((r = cfg_long("WORKER_VISIBILITY_TIMEOUT", 120, 10, 43200, &s->visibility, err)) ||
	    (r = cfg_long("WORKER_MAX_RECEIVES", 5, 1, 1000, &s->max_receives, err)) ||
	    (r = cfg_long("WORKER_WAIT_SECONDS", 20, 1, 20, &s->wait_s, err)) ||
	    (r = cfg_long("WORKER_MEMORY_MB", 3072, 256, 1L << 20, &s->memory_mb, err)) ||
	    (r = cfg_long("WORKER_CPU_SECONDS", 60, 1, 86400, &s->cpu_base, err)) ||
	    (r = cfg_long("WORKER_CPU_PER_SECOND", 10, 0, 1000, &s->cpu_per_s, err)) ||
	    (r = cfg_long("WORKER_UPLOADS", 4, 1, 32, &s->uploads, err)))
		return r;
	return tc_limits_load(&s->lim, err);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct settings set;
	struct cfg cfg;
	bool once = argc > 1 && !strcmp(argv[1], "--once");
	buf err;

	log_init("vidpipe-worker");
	av_log_set_level(AV_LOG_ERROR); /* our own JSON lines say what happened */
	if ((argc == 4 || (argc == 5 && !strcmp(argv[4], "--mp4-only"))) &&
	    !strcmp(argv[1], "--transcode"))
		return transcode_local(argv[2], argv[3], argc == 4);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	buf_init(&err, 1024);
	if (cfg_load(&cfg, &err) != VP_OK || load_settings(&set, &err) != VP_OK) {
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
		j.set = &set;
		j.pct_written = -1;
		r = sqs_receive(&cfg, cfg.sqs_queue_url, (int)set.wait_s, (int)set.visibility,
		                &j.msg, &got);
		if (r != VP_OK) {
			if (!stopping)
				sleep(2); /* the queue is down: try again, gently */
			continue;
		}
		if (!got) {
			if (once)
				break;
			continue;
		}
		j.last_extend = now_s();
		if (!parse_job(&j)) {
			log_event(LOG_WARN, "job_malformed", LOG_END);
			sqs_delete(&cfg, cfg.sqs_queue_url, j.msg.receipt);
			sqs_message_free(&j.msg);
			continue;
		}
		o = run_job(&j);
		if (o == DONE) {
			sqs_delete(&cfg, cfg.sqs_queue_url, j.msg.receipt);
		} else if (o == STOPPED) {
			/* SIGTERM: hand the message back at once (the abort flag
			 * must not cut this call short) */
			aws_set_abort_flag(NULL);
			r = sqs_change_visibility(&cfg, cfg.sqs_queue_url, j.msg.receipt, 0);
			log_event(LOG_INFO, "job_handed_back", "video", j.video_id, "result",
			          vp_res_str(r), LOG_END);
		} else { /* RETRY: back soon, not at once */
			sqs_change_visibility(&cfg, cfg.sqs_queue_url, j.msg.receipt, 5);
		}
		sqs_message_free(&j.msg);
		if (once)
			break;
	}
	log_event(LOG_INFO, "stop", LOG_END);
	db_close();
	curl_global_cleanup();
	return 0;
}
