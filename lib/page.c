/*
 * page.c — a video's link preview in the web app's index.html (see page.h).
 */
#include "page.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define SITE "vidpipe"

vp_res page_read_index(const char *root, buf *out)
{
	char path[PATH_MAX], chunk[8192];
	vp_res r = VP_OK;
	size_t got;
	FILE *f;

	if (!root || root[0] != '/' ||
	    snprintf(path, sizeof(path), "%s/index.html", root) >= (int)sizeof(path))
		return VP_INVALID;
	if (!(f = fopen(path, "rb")))
		return VP_INTERNAL;
	while (r == VP_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		r = buf_add(out, chunk, got);
	if (r == VP_OK && ferror(f))
		r = VP_INTERNAL;
	fclose(f);
	return r;
}

vp_res page_escape(buf *out, const char *s)
{
	vp_res r = VP_OK;

	for (; *s && r == VP_OK; s++) {
		switch (*s) {
		case '&': r = buf_adds(out, "&amp;"); break;
		case '<': r = buf_adds(out, "&lt;"); break;
		case '>': r = buf_adds(out, "&gt;"); break;
		case '"': r = buf_adds(out, "&quot;"); break;
		case '\'': r = buf_adds(out, "&#39;"); break;
		default: r = buf_addc(out, *s);
		}
	}
	return r;
}

/* <meta {attr}="{name}" content="{escaped value}"> and a new line */
static vp_res meta(buf *out, const char *attr, const char *name, const char *value)
{
	vp_res r;

	if ((r = buf_printf(out, "    <meta %s=\"%s\" content=\"", attr, name)) != VP_OK ||
	    (r = page_escape(out, value)) != VP_OK)
		return r;
	return buf_adds(out, "\">\n");
}

/* Every tag of m, in a table: property (Open Graph) or name (the rest). */
static vp_res tags(buf *out, const struct page_meta *m)
{
	const bool video = m->title != NULL;
	const struct {
		const char *attr, *name, *value;
	} t[] = {
	    {"property", "og:site_name", SITE},
	    {"property", "og:type", video ? "video.other" : "website"},
	    {"property", "og:title", video ? m->title : SITE},
	    {"property", "og:url", m->url},
	    {"property", "og:image", m->image},
	    {"name", "twitter:card", m->image ? "summary_large_image" : "summary"},
	    {"name", "twitter:title", video ? m->title : SITE},
	    {"name", "twitter:image", m->image},
	    {"name", "robots", m->indexable ? NULL : "noindex"},
	};
	vp_res r = VP_OK;

	for (size_t i = 0; i < VP_ARRAY_LEN(t) && r == VP_OK; i++)
		if (t[i].value)
			r = meta(out, t[i].attr, t[i].name, t[i].value);
	return r;
}

/* The first occurrence of the NUL-terminated needle in n bytes of hay. */
static const char *find(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (!memcmp(hay + i, needle, k))
			return hay + i;
	return NULL;
}

vp_res page_render(const char *html, size_t n, const struct page_meta *m, buf *out)
{
	const char *end = html + n, *p = html;
	const char *t0 = find(html, n, "<title>"),
	           *t1 = t0 ? find(t0, (size_t)(end - t0), "</title>") : NULL;
	const char *head = find(html, n, "</head>");
	vp_res r = VP_OK;

	if (t0 && t1 && (!head || t1 < head)) {
		t0 += strlen("<title>");
		if ((r = buf_add(out, p, (size_t)(t0 - p))) != VP_OK)
			return r;
		if (m->title && ((r = page_escape(out, m->title)) != VP_OK ||
		                 (r = buf_adds(out, " · ")) != VP_OK))
			return r;
		if ((r = buf_adds(out, SITE)) != VP_OK)
			return r;
		p = t1;
	}
	if (head) {
		while (head > p && (head[-1] == ' ' || head[-1] == '\t'))
			head--; /* the tags go on lines of their own, before </head>'s */
		if ((r = buf_add(out, p, (size_t)(head - p))) != VP_OK ||
		    (r = tags(out, m)) != VP_OK)
			return r;
		p = head;
	}
	return buf_add(out, p, (size_t)(end - p));
}
