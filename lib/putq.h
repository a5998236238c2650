/*
 * putq.h — files to storage, several PUTs at a time, from a single-threaded
 * loop that has something else to watch as well.
 *
 * The worker hears of each finished HLS segment from its transcoding child
 * while the encoding goes on, and publishes it at once without letting go
 * of its clock (heartbeats, the child's deadline). A putq holds at most
 * max_waiting files not yet started and runs at most max_in_flight PUTs at
 * once on one curl multi handle; putq_run waits, for at most a timeout, for
 * progress on those transfers and on one more descriptor of the caller's
 * (the child's pipe) at the same time. A PUT that fails for a reason that
 * may pass (storage down or answering 5xx) is tried again, PUTQ_TRIES times
 * in all; after that its result is the failure.
 *
 * Files are opened by putq_add (regular files only, never through a
 * symbolic link: the caller names files another process wrote) and each is
 * closed when its PUT ends; a PUT streams its file, so memory is bounded by
 * the two limits, not by the files' sizes. The caller takes each finished
 * PUT with putq_take; until it does, the file's slot stays used, so a
 * caller that stops taking also stops being able to add (putq_full).
 */
#ifndef VP_PUTQ_H
#define VP_PUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "vp.h"

#define PUTQ_TRIES 3

struct putq;

/* A PUT that has ended. */
struct putq_done {
	uint64_t tag;   /* the caller's, from putq_add */
	long long size; /* the bytes sent: the file's size when it was opened */
	vp_res result;  /* VP_OK, or the last try's failure */
};

/* A queue that PUTs into bucket (max_in_flight >= 1, max_waiting >= 1). */
vp_res putq_new(const struct cfg *cfg, const char *bucket, int max_in_flight, size_t max_waiting,
                struct putq **out);

/* Ends every transfer and frees everything; accepts NULL. */
void putq_free(struct putq *q);

/* True when putq_add would refuse: the caller should stop reading what
 * would make it add (back-pressure). */
bool putq_full(const struct putq *q);

/* Files added and not yet taken (waiting, in flight, or done). */
size_t putq_pending(const struct putq *q);

/* Queues the file at path for key. VP_TOO_LARGE when full; VP_NOT_FOUND
 * when path is not a regular file that can be opened (or is a link). */
vp_res putq_add(struct putq *q, const char *path, const char *key, const char *content_type,
                uint64_t tag);

/* Starts what may start, then waits up to timeout_ms for a transfer to
 * progress or for fd (-1: none) to become readable; *fd_ready says whether
 * it has data (curl reports no hang-up: a caller that must see the other
 * end close reads fd anyway, without waiting). VP_INTERNAL only when curl
 * itself fails. */
vp_res putq_run(struct putq *q, int fd, int timeout_ms, bool *fd_ready);

/* Forgets the files not started yet (they are closed, never sent). */
void putq_drop_waiting(struct putq *q);

/* One PUT that has ended, if there is one (false otherwise). */
bool putq_take(struct putq *q, struct putq_done *out);

#endif
