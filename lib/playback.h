/*
 * playback.h — watching a video over HLS: the playback URL and its token,
 * the playlists behind it, the segment index they are written from, and
 * the HLS objects in storage. All of the index's SQL (tables hls_tracks and
 * hls_segments) is in playback.c; the format itself is lib/hls.h.
 *
 * A playback URL is
 *     <API_URL>/playback/<video id>/master.m3u8?token=<exp>.<sig>
 * where exp is the Unix time it is good until and sig the lower-case hex
 * HMAC-SHA256, under PLAYBACK_TOKEN_SECRET (a key of its own: never a JWT
 * key), of "vidpipe-playback-v1\n<video id>\n<exp>". The token is the whole
 * credential — no header, no cookie — so Safari, VLC, ffplay and hls.js
 * all play it; the media playlists lie beside the master, named by relative
 * URIs that carry the same token ("720p.m3u8?token=..."). It travels in the
 * query, not the path, so that the web servers' access logs (which record
 * the path alone) and the API's own log lines never hold it. Whoever holds the
 * URL may watch until exp, so it is minted only for a viewer the API has
 * let see the video (its owner through GET /videos/{id}; the sharing
 * routes, for anonymous viewers, with a shorter TTL). It is checked, in
 * constant time, before anything is looked up: a token that is not one
 * minted for the id in the path — malformed, altered, or minted for another
 * video — is refused the same way whether that video exists, is someone
 * else's or never existed.
 *
 * Playlists are written on request from the index: every segment (and
 * init segment) URI is a pre-signed GET that expires with the token. While
 * the video is processing a media playlist is an EVENT playlist of the
 * segments recorded so far; once it is ready, VOD with EXT-X-ENDLIST.
 *
 * The worker records the plan (the tracks) when a transcode starts and each
 * file as soon as storage holds it, so the playlists grow while it works;
 * when the video becomes ready it replaces the whole index in the same
 * transaction, and removes from storage whatever a dead earlier attempt
 * left beyond it (object keys are deterministic: lib/hls.h).
 */
#ifndef VP_PLAYBACK_H
#define VP_PLAYBACK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "cfg.h"
#include "transcode.h"
#include "vp.h"

/* The token of video_id good until exp (Unix seconds). */
vp_res playback_token(const struct cfg *cfg, const char *video_id, long long exp, buf *out);

/* VP_OK for a token minted for video_id and still good at now, with *exp
 * set; VP_DENIED otherwise: *expired is true only for a genuine token past
 * its time (anything malformed, altered or minted for another video is
 * refused without saying more). */
vp_res playback_token_check(const struct cfg *cfg, const char *video_id, const char *token,
                            time_t now, long long *exp, bool *expired);

/* The master playlist URL of video_id, good for ttl seconds from now. */
vp_res playback_url(const struct cfg *cfg, const char *video_id, long ttl, time_t now, buf *out);

/* A boolean SQL expression over a videos row aliased v: whether it can be
 * played, i.e. it is processing or ready and every track of its plan has
 * its init segment and its first media segment in storage. */
#define PLAYBACK_AVAILABLE_SQL                                                                     \
	"(v.status IN ('processing', 'ready') AND EXISTS (SELECT 1 FROM hls_tracks t WHERE "       \
	"t.video_id = v.id) AND NOT EXISTS (SELECT 1 FROM hls_tracks t WHERE t.video_id = v.id "   \
	"AND (t.init_size IS NULL OR NOT EXISTS (SELECT 1 FROM hls_segments s WHERE s.video_id = " \
	"v.id AND s.track = t.name AND s.number = 1))))"

/* A <video>'s `playback`: {"hls": the URL good for ttl seconds, or null
 * until available, "complete": available and ready}. *out is the caller's. */
vp_res playback_json(const struct cfg *cfg, const char *video_id, bool available, bool ready,
                     long ttl, time_t now, struct json_object **out);

/* The playlist file ("master.m3u8", or "<track>.m3u8") of video_id, for a
 * request whose token (good until exp) the caller has checked: the master
 * names its media playlists with that token, their URIs are signed until
 * exp. VP_NOT_FOUND when the video is gone, cannot be played (yet), or has
 * no such track. */
vp_res playback_playlist(const struct cfg *cfg, const char *video_id, const char *file,
                         const char *token, long long exp, time_t now, buf *out);

/* ---------------------------------------------------------------------- */
/* The worker's side                                                       */
/* ---------------------------------------------------------------------- */

/* A file of a track in storage: number 0 is its init segment. */
struct playback_file {
	char track[16];
	int number;
	double duration; /* seconds; 0 for an init segment */
	long long size;
};

/* Records the tracks a transcode makes (before any of their files). A
 * track another attempt recorded keeps what it had until this one replaces
 * it. */
vp_res playback_index_plan(const char *video_id, const struct tc_plan *p);

/* Records one file storage now holds. */
vp_res playback_index_file(const char *video_id, const struct playback_file *f);

/* In the caller's transaction: the index becomes exactly the plan and these
 * files (every other track and segment row goes). */
vp_res playback_index_replace(const char *video_id, const struct tc_plan *p,
                              const struct playback_file *f, size_t n);

/* Removes the video's index (a video that failed). */
vp_res playback_index_drop(const char *video_id);

/* Removes from storage every HLS object of the video but, when p is given,
 * each of its tracks' init segment and media segments 1..count[i] (count
 * in the plan's order). Storage is listed, so objects no index names (an
 * attempt that died between storing a file and recording it) go too. */
vp_res playback_objects_keep(const struct cfg *cfg, const char *user_id, const char *video_id,
                             const struct tc_plan *p, const int *count);

#endif
