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
 */
#ifndef VP_VIDEOS_H
#define VP_VIDEOS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "buf.h"
#include "cfg.h"
#include "vp.h"

/* One page of uid's videos: *out is a JSON array (caller puts it); next
 * receives the next page's cursor, or stays empty on the last page. cursor
 * may be NULL for the first page; a malformed one is VP_INVALID. */
vp_res videos_list(const struct cfg *cfg, const char *uid, int limit, const char *cursor,
                   struct json_object **out, buf *next);

/* uid's video id as a <video> object; VP_NOT_FOUND for a missing or foreign
 * one. */
vp_res videos_get(const struct cfg *cfg, const char *uid, const char *id, struct json_object **out);

/* Sets the title; VP_NOT_FOUND as above. */
vp_res videos_rename(const char *uid, const char *id, const char *title);

/* Deletes the video, its raw object, every processed object (renditions,
 * thumbnail, and every HLS object under its prefix, whether an index names
 * it or not) and, for an upload still in progress, the storage upload.
 * Storage first: if storage is down nothing is deleted (VP_UNAVAILABLE). */
vp_res videos_delete(const struct cfg *cfg, const char *uid, const char *id);

/* Marks the video failed with reason if it is still queued or processing
 * (for the maintenance job, when its queue message was dead-lettered).
 * *changed says whether it was; a video gone, ready or failed is left. */
vp_res videos_fail_unfinished(const char *id, const char *reason, bool *changed);

#endif
