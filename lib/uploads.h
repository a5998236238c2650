/*
 * uploads.h — the uploads, videos and outbox rows of the upload flow. All of
 * their SQL lives here.
 *
 * Completion is one transaction: the upload becomes completed, its video
 * queued, and the transcode job is written to the outbox; the message is sent
 * after commit (uploads_mark_sent), and the maintenance job re-sends rows
 * left unsent, so a crash between commit and send loses nothing.
 */
#ifndef VP_UPLOADS_H
#define VP_UPLOADS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"
#include "http.h"
#include "vp.h"

struct upload {
	char id[37];
	char user_id[37];
	char video_id[37];
	char s3_upload_id[1024];
	char bucket[256];
	char key[512];
	long long size;
	long long part_size;
	int part_count;
	char status[16];
	char expires_at[32];      /* RFC 3339 UTC */
	char complete_digest[65]; /* "" until completed */
};

struct upload_new {
	const char *user_id;
	const char *filename;
	const char *content_type;
	const char *title;
	long long size;
};

/* The part size for size bytes: the configured one, grown (in whole MiB)
 * until the parts number at most 10000. */
long long uploads_part_size(const struct cfg *cfg, long long size);
int uploads_part_count(long long size, long long part_size);

/* A new upload id, video id and object key; fills u->id/video_id/key. The
 * S3 upload is created by the caller between uploads_plan() and
 * uploads_insert(). */
vp_res uploads_plan(const struct cfg *cfg, const struct upload_new *n, struct upload *u);

/* Inserts the video (uploading) and the upload (active) in one transaction,
 * unless the user already has max_active_uploads active ones (VP_CONFLICT).
 * Concurrent calls for one user are serialised on the user's row. */
vp_res uploads_insert(const struct cfg *cfg, const struct upload_new *n, struct upload *u);

/* The upload id of user uid; VP_NOT_FOUND for a missing or foreign one. */
vp_res uploads_get(const char *id, const char *uid, struct upload *u);

/* Marks u completed (with digest), its video queued with size, and writes
 * the outbox row (payload) — one transaction. *outbox_id is the row to mark
 * sent. VP_CONFLICT when the upload was no longer active. */
vp_res uploads_complete(const struct upload *u, const char *digest, const char *payload,
                        long long *outbox_id);

vp_res uploads_mark_sent(long long outbox_id);

/* Active → aborted (cancelled by the user, or unusable after completion:
 * reason becomes the video's error). VP_CONFLICT when it was not active. */
vp_res uploads_abort(const struct upload *u, const char *status, const char *reason);

/* The bytes part n (1..part_count) of u must have: part_size, or what is
 * left for the last one. */
long long uploads_part_bytes(const struct upload *u, int n);

/* One part to sign: its number and, optionally, the base64 of its MD5
 * ("" for none). */
struct upload_part_req {
	int number;
	char md5[25];
};

/* True if s is the canonical base64 of a 16-byte digest (24 characters
 * ending "=="), as Content-MD5 carries it. */
bool uploads_md5_ok(const char *s);

/* [{"part_number","url","size"[,"headers":{"Content-MD5"}]}...]: pre-signed
 * PUT URLs for the given parts, valid PART_URL_TTL. Each binds the part's
 * exact length (content-length is signed) and, when given, its digest
 * (content-md5 is signed): storage refuses other bytes. NULL with *err set
 * on failure. */
struct json_object *uploads_part_urls(const struct cfg *cfg, const struct upload *u,
                                      const struct upload_part_req *parts, size_t n, vp_res *err);

/* ---- for the maintenance job ---- */

struct outbox_row {
	long long id;
	char *payload; /* owned; uploads_outbox_free() */
};

/* Outbox rows unsent for at least grace_s seconds, oldest first, at most
 * limit. */
vp_res uploads_outbox_unsent(long grace_s, int limit, struct outbox_row **rows, size_t *n);
void uploads_outbox_free(struct outbox_row *rows, size_t n);
/* Counts a failed send on the row. */
vp_res uploads_outbox_failed(long long outbox_id, const char *error);

/* Active uploads past their expiry, at most limit; *list is the caller's. */
vp_res uploads_expired(int limit, struct upload **list, size_t *n);

/* The upload named by the path's second segment (/uploads/{id}/...), if it
 * is uid's. Otherwise answers 404 (or 503) itself and returns false. */
bool uploads_from_path(struct http_ctx *ctx, const char *uid, struct upload *u);

/* {"id","video_id","status","size","part_size","part_count","expires_at"} */
struct json_object *uploads_json(const struct upload *u);

#endif
