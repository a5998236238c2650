/*
 * putq.c — bounded parallel PUTs on one curl multi handle (see putq.h).
 *
 * The queue is a fixed array of slots (max_waiting + max_in_flight), each
 * empty, waiting, running or done. putq_run starts waiting slots in the
 * order they were added while fewer than max_in_flight run, lets curl wait
 * on its sockets and the caller's descriptor together (curl_multi_poll),
 * drives the transfers, and turns each finished one into a done slot, or,
 * when the failure may pass and tries remain, back into a waiting one with
 * its file rewound.
 */
#include "putq.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "s3.h"

enum slot_state { SLOT_EMPTY, SLOT_WAITING, SLOT_RUNNING, SLOT_DONE };

struct slot {
	enum slot_state state;
	uint64_t seq; /* the order of putq_add, for fairness */
	uint64_t tag;
	char key[1100];
	char type[64];
	FILE *f;
	long long size;
	int tries;
	vp_res result;
	struct aws_async *put;
};

struct putq {
	const struct cfg *cfg;
	const char *bucket;
	CURLM *multi;
	int max_in_flight, running;
	size_t n; /* slots */
	uint64_t seq;
	struct slot *slot;
};

vp_res putq_new(const struct cfg *cfg, const char *bucket, int max_in_flight, size_t max_waiting,
                struct putq **out)
{
	struct putq *q;

	*out = NULL;
	if (max_in_flight < 1 || max_waiting < 1)
		return VP_INVALID;
	if (!(q = calloc(1, sizeof(*q))))
		return VP_NOMEM;
	q->cfg = cfg;
	q->bucket = bucket;
	q->max_in_flight = max_in_flight;
	q->n = max_waiting + (size_t)max_in_flight;
	if (!(q->slot = calloc(q->n, sizeof(*q->slot))) || !(q->multi = curl_multi_init())) {
		putq_free(q);
		return VP_NOMEM;
	}
	*out = q;
	return VP_OK;
}

static void slot_clear(struct putq *q, struct slot *s)
{
	if (s->put) {
		curl_multi_remove_handle(q->multi, aws_async_handle(s->put));
		aws_async_free(s->put);
		s->put = NULL;
	}
	if (s->f)
		fclose(s->f);
	memset(s, 0, sizeof(*s));
}

void putq_free(struct putq *q)
{
	if (!q)
		return;
	for (size_t i = 0; q->slot && i < q->n; i++)
		slot_clear(q, &q->slot[i]);
	if (q->multi)
		curl_multi_cleanup(q->multi);
	free(q->slot);
	free(q);
}

size_t putq_pending(const struct putq *q)
{
	size_t k = 0;

	for (size_t i = 0; i < q->n; i++)
		k += q->slot[i].state != SLOT_EMPTY;
	return k;
}

bool putq_full(const struct putq *q)
{
	return putq_pending(q) == q->n;
}

vp_res putq_add(struct putq *q, const char *path, const char *key, const char *content_type,
                uint64_t tag)
{
	struct slot *s = NULL;
	struct stat st;
	int fd;

	for (size_t i = 0; i < q->n && !s; i++)
		if (q->slot[i].state == SLOT_EMPTY)
			s = &q->slot[i];
	if (!s)
		return VP_TOO_LARGE;
	if (strlen(key) >= sizeof(s->key) || strlen(content_type) >= sizeof(s->type))
		return VP_INVALID;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return VP_NOT_FOUND;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(s->f = fdopen(fd, "rb"))) {
		close(fd);
		return VP_NOT_FOUND;
	}
	memcpy(s->key, key, strlen(key) + 1);
	memcpy(s->type, content_type, strlen(content_type) + 1);
	s->size = (long long)st.st_size;
	s->tag = tag;
	s->seq = q->seq++;
	s->state = SLOT_WAITING;
	return VP_OK;
}

/* The waiting slot added first, or NULL. */
static struct slot *next_waiting(struct putq *q)
{
	struct slot *best = NULL;

	for (size_t i = 0; i < q->n; i++)
		if (q->slot[i].state == SLOT_WAITING && (!best || q->slot[i].seq < best->seq))
			best = &q->slot[i];
	return best;
}

static void slot_done(struct slot *s, vp_res r)
{
	s->state = SLOT_DONE;
	s->result = r;
	fclose(s->f);
	s->f = NULL;
}

/* Starts PUTs while there is room; a PUT that cannot even be prepared is
 * done with that failure. */
static void start_waiting(struct putq *q)
{
	struct slot *s;

	while (q->running < q->max_in_flight && (s = next_waiting(q))) {
		vp_res r;

		s->tries++;
		r = s3_put_start(q->cfg, q->bucket, s->key, s->type, s->f, s->size, &s->put);
		if (r == VP_OK &&
		    curl_multi_add_handle(q->multi, aws_async_handle(s->put)) != CURLM_OK)
			r = VP_INTERNAL;
		if (r != VP_OK) {
			aws_async_free(s->put);
			s->put = NULL;
			slot_done(s, r);
			continue;
		}
		s->state = SLOT_RUNNING;
		q->running++;
	}
}

/* The slot whose transfer is on handle h. */
static struct slot *slot_of(struct putq *q, CURL *h)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->slot[i].state == SLOT_RUNNING && aws_async_handle(q->slot[i].put) == h)
			return &q->slot[i];
	return NULL;
}

/* Transfers curl says have ended: done, or waiting again for another try. */
static void collect(struct putq *q)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(q->multi, &left))) {
		struct slot *s;
		vp_res r;

		if (m->msg != CURLMSG_DONE || !(s = slot_of(q, m->easy_handle)))
			continue;
		curl_multi_remove_handle(q->multi, m->easy_handle);
		r = s3_put_end(s->put, m->data.result); /* frees the transfer */
		s->put = NULL;
		q->running--;
		if (r == VP_UNAVAILABLE && s->tries < PUTQ_TRIES && fseek(s->f, 0, SEEK_SET) == 0) {
			log_event(LOG_WARN, "put_retry", "result", vp_res_str(r), LOG_END);
			s->state = SLOT_WAITING;
			continue;
		}
		slot_done(s, r);
	}
}

vp_res putq_run(struct putq *q, int fd, int timeout_ms, bool *fd_ready)
{
	struct curl_waitfd w = {.fd = fd, .events = CURL_WAIT_POLLIN, .revents = 0};
	int still;

	*fd_ready = false;
	start_waiting(q);
	if (curl_multi_poll(q->multi, fd >= 0 ? &w : NULL, fd >= 0 ? 1 : 0, timeout_ms, NULL) !=
	        CURLM_OK ||
	    curl_multi_perform(q->multi, &still) != CURLM_OK)
		return VP_INTERNAL;
	*fd_ready = fd >= 0 && (w.revents & (CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI)) != 0;
	collect(q);
	start_waiting(q); /* the slots that just freed up */
	return VP_OK;
}

void putq_drop_waiting(struct putq *q)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->slot[i].state == SLOT_WAITING)
			slot_clear(q, &q->slot[i]);
}

bool putq_take(struct putq *q, struct putq_done *out)
{
	struct slot *best = NULL;

	for (size_t i = 0; i < q->n; i++)
		if (q->slot[i].state == SLOT_DONE && (!best || q->slot[i].seq < best->seq))
			best = &q->slot[i];
	if (!best)
		return false;
	out->tag = best->tag;
	out->size = best->size;
	out->result = best->result;
	memset(best, 0, sizeof(*best));
	return true;
}
