/*
 * videos.h — the videos routes' reads and writes. All of the videos and
 * renditions SQL of the API (and of the maintenance job) lives here; the
 * worker's own steps are in worker/worker.c.
 *
 * A <video> answer carries pre-signed GET URLs (PLAYBACK_URL_TTL) for each
 * rendition and the thumbnail once the video is ready, null before, and
 * `playback` (lib/playback.h): the HLS URL as soon as every track has its
 * first segment, while the video is still processing. Lists
 * are newest first with an opaque keyset cursor "<created µs>_<id>", so a
 * page is stable while new videos arrive.
 *
 * Anonymous viewers get a <public video>: the same object from the same
 * builder (one table of fields says which are the owner's alone: error,
 * size, progress), nothing about the owner, and URLs valid only
 * PUBLIC_PLAYBACK_URL_TTL, which bounds how long a revoked link or a video
 * made private keeps playing where it was already open.
 */
#ifndef VP_VIDEOS_H
#define VP_VIDEOS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "buf.h"
#include "cfg.h"
#include "http.h"
#include "vp.h"

/* One page of uid's videos: *out is a JSON array (caller puts it); next
 * receives the next page's cursor, or stays empty on the last page. cursor
 * may be NULL for the first page; a malformed one is VP_INVALID. */
vp_res videos_list(const struct cfg *cfg, const char *uid, int limit, const char *cursor,
                   struct json_object **out, buf *next);

/* uid's video id as a <video> object; VP_NOT_FOUND for a missing or foreign
 * one. */
vp_res videos_get(const struct cfg *cfg, const char *uid, const char *id, struct json_object **out);

/* Who a video object is built for. */
enum videos_audience {
	VIDEOS_OWNER, /* a <video> */
	VIDEOS_PUBLIC /* a <public video> */
};

/* One page of public, ready videos as <public video>s, as videos_list(). */
vp_res videos_public_list(const struct cfg *cfg, int limit, const char *cursor,
                          struct json_object **out, buf *next);

/* The <public video> of id: a public or unlisted one that is ready, or,
 * when linked (a share link opened it), any video whatever its visibility
 * and state. VP_NOT_FOUND for everything else, one answer for every reason. */
vp_res videos_public_get(const struct cfg *cfg, const char *id, bool linked,
                         struct json_object **out);

/* "private", "unlisted" or "public". */
bool videos_visibility_ok(const char *v);

/* Sets the title and/or the visibility (NULL leaves it); VP_NOT_FOUND as
 * above. */
vp_res videos_update(const char *uid, const char *id, const char *title, const char *visibility);

/* Deletes the video, its raw object, every processed object (renditions,
 * thumbnail, and every HLS object under its prefix, whether an index names
 * it or not) and, for an upload still in progress, the storage upload.
 * Storage first: if storage is down nothing is deleted (VP_UNAVAILABLE). */
vp_res videos_delete(const struct cfg *cfg, const char *uid, const char *id);

/* Marks the video failed with reason if it is still queued or processing
 * (for the maintenance job, when its queue message was dead-lettered).
 * *changed says whether it was; a video gone, ready or failed is left. */
vp_res videos_fail_unfinished(const char *id, const char *reason, bool *changed);

/* The answers the videos routes share. */

/* The video id in path segment seg into id; false after answering 404
 * not_found when it is not a UUID. */
bool videos_path_id(struct http_ctx *ctx, unsigned seg, char id[40]);

/* Answers a lookup's outcome: 200 {"video": v} (v is taken), 404
 * not_found (message names what was not found: "video", "link"), or 503
 * or 500. */
void videos_answer(struct http_ctx *ctx, vp_res r, struct json_object *v, const char *what);

/* Answers GET of a list: reads limit (1..100, default 20, digits only) and
 * cursor from the query, and answers 200 {"videos","next_cursor"} with the
 * page of uid's videos, or of the public ones when uid is NULL; 400 for a
 * bad parameter. */
void videos_answer_list(struct http_ctx *ctx, const char *uid);

#endif
