/*
 * playback — GET /playback/{video id}/{file}?token=...: a video's HLS
 * playlists, for any player, with no header or cookie (lib/playback.h).
 *
 *   master.m3u8     the variants (one per rung) and the audio group
 *   <track>.m3u8    a track's media playlist: EVENT while the video is
 *                   processing, VOD with EXT-X-ENDLIST once it is ready;
 *                   every segment a pre-signed storage URL
 *
 * The token is checked first, before anything is looked up, so that one
 * that is not valid for this id — malformed, altered, minted for another
 * video — gets the same 403 invalid_playback_token whether the video is
 * someone else's, deleted or never existed; a genuine token past its time
 * is 403 playback_token_expired (the player's cue to ask the API for a new
 * URL). With a valid token, a video that is gone or cannot be played yet,
 * or a track it does not have, is 404. Any origin may read the answers
 * (http_serve_any_origin): the URL is the credential and nothing else is
 * read, so an embed or another site's player can fetch them. Every request,
 * before its token is read, counts against the client's RATE_LIMIT_PLAYBACK
 * (its own allowance: a player reloads a growing playlist every segment per
 * track, and each media playlist signs every segment it names).
 */
#include <string.h>
#include <time.h>

#include "../lib/http.h"
#include "../lib/playback.h"
#include "../lib/ratelimit.h"

#define MPEGURL "application/vnd.apple.mpegurl"

static void playlist_get(struct http_ctx *ctx)
{
	char id[40], token[128], file[32];
	long long exp;
	bool expired = false;
	struct ratelimit rl;
	time_t now = time(NULL);
	buf out;
	vp_res r;

	if (!ratelimit_client(ctx, "playback", ctx->cfg->rl_playback, ctx->cfg->rl_playback_window,
	                      &rl))
		return;
	if (http_path_segment(ctx->req, 1, id, sizeof(id)) != VP_OK ||
	    http_path_segment(ctx->req, 2, file, sizeof(file)) != VP_OK) {
		http_error(ctx, 404, "not_found", "no such playlist");
		return;
	}
	if (http_query_param(ctx->req, "token", token, sizeof(token)) != VP_OK ||
	    playback_token_check(ctx->cfg, id, token, now, &exp, &expired) != VP_OK) {
		if (expired)
			http_error(ctx, 403, "playback_token_expired",
			           "this playback URL has expired; ask the API for a new one");
		else
			http_error(ctx, 403, "invalid_playback_token",
			           "this playback URL is not valid");
		return;
	}
	buf_init(&out, BUF_DEFAULT_MAX);
	r = playback_playlist(ctx->cfg, id, file, token, exp, now, &out);
	if (r == VP_OK)
		http_text(ctx, 200, MPEGURL, out.data, out.len);
	else if (r == VP_NOT_FOUND)
		http_error(ctx, 404, "not_found", "no such playlist");
	else
		http_fail(ctx, r == VP_DENIED ? VP_UNAVAILABLE : r, "playlist");
	buf_free(&out);
}

static const struct http_method methods[] = {
    {"GET", playlist_get, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve_any_origin("playback", methods, VP_ARRAY_LEN(methods));
}
