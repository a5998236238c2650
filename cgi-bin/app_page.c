/*
 * app_page — on the web app's port, GET /watch/{id} and /s/{token}: the
 * app's index.html (from the web server's DOCUMENT_ROOT) with the video's
 * link-preview tags (lib/page.h), so a crawler that runs no JavaScript sees
 * the title and the thumbnail. Always 200 with the app: a page that may not
 * name its video, and one asked for past the client's RATE_LIMIT_PUBLIC or
 * while Postgres is down, gets the generic tags and lets the app say what
 * it has to. The token of /s/{token} is hidden from the log line.
 */
#include <stdio.h>
#include <string.h>

#include "../lib/log.h"
#include "../lib/page.h"
#include "../lib/ratelimit.h"
#include "../lib/share.h"
#include "../lib/videos.h"

#define INDEX_MAX ((size_t)1 << 20)

/* The <public video> this page may name, or NULL: /watch/{id} a public or
 * unlisted one that is ready, /s/{token} the video of a live link. */
static struct json_object *page_video(struct http_ctx *ctx, bool *linked, char *key, size_t size)
{
	struct json_object *v = NULL;
	struct ratelimit rl;
	char kind[8], vid[37] = "";
	vp_res r;

	if (http_path_segment(ctx->req, 0, kind, sizeof(kind)) != VP_OK ||
	    http_path_segment(ctx->req, 1, key, size) != VP_OK ||
	    (strcmp(kind, "s") != 0 && strcmp(kind, "watch") != 0))
		return NULL;
	*linked = !strcmp(kind, "s");
	if ((r = ratelimit_public_hit(ctx, &rl)) != VP_OK || !rl.allowed)
		return NULL;
	if (*linked)
		r = share_resolve(key, vid);
	else
		snprintf(vid, sizeof(vid), "%s", http_is_uuid(key) ? key : "");
	if (r == VP_OK && *vid)
		r = videos_public_get(ctx->cfg, vid, *linked, &v);
	if (r != VP_OK && r != VP_NOT_FOUND)
		log_event(LOG_WARN, "failure", "what", "page video", "result", vp_res_str(r),
		          LOG_END);
	return v;
}

static const char *field(struct json_object *v, const char *name)
{
	return json_object_get_string(json_object_object_get(v, name));
}

static void page_get(struct http_ctx *ctx)
{
	char key[SHARE_TOKEN_LEN + 2] = "";
	bool linked = false;
	struct json_object *v;
	struct page_meta m = {NULL, NULL, NULL, false};
	buf index, html, url;
	vp_res r;

	buf_init(&index, INDEX_MAX);
	buf_init(&html, INDEX_MAX + 64 * 1024);
	buf_init(&url, 4096);
	if ((r = page_read_index(http_param(ctx, "DOCUMENT_ROOT"), &index)) != VP_OK) {
		http_fail(ctx, r, "index.html");
		goto end;
	}
	v = page_video(ctx, &linked, key, sizeof(key));
	if (v) {
		m.title = field(v, "title");
		m.image = field(v, "thumbnail_url");
		m.indexable = !linked && !strcmp(field(v, "visibility"), "public");
		buf_printf(&url, "%s/%s/%s", ctx->cfg->frontend_url, linked ? "s" : "watch", key);
	} else {
		buf_printf(&url, "%s/", ctx->cfg->frontend_url);
	}
	m.url = buf_str(&url);
	if ((r = page_render(buf_str(&index), index.len, &m, &html)) != VP_OK)
		http_fail(ctx, r, "page");
	else
		http_body(ctx, 200, "text/html; charset=utf-8", html.data, html.len);
	json_object_put(v);
end:
	buf_free(&index);
	buf_free(&html);
	buf_free(&url);
}

static const struct http_method methods[] = {
    {"GET", page_get, HTTP_NO_BODY},
    {"HEAD", page_get, HTTP_NO_BODY},
};

int main(void)
{
	http_hide_segment(1);
	return http_serve("app_page", methods, VP_ARRAY_LEN(methods));
}
