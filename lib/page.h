/*
 * page.h — the web app's pages that carry a video's link preview.
 *
 * Link previews (Open Graph and Twitter card tags) are read by crawlers
 * that run no JavaScript, so the single-page app cannot write them: the
 * pages a viewer shares, /watch/{id} and /s/{token}, are answered by a
 * responder that puts the tags into the built index.html, and the app takes
 * over from there as on any other page. Every value is HTML-escaped.
 *
 * A page names a video only where the API would show it to a stranger on
 * that path (a public or unlisted video that is ready; any video of a live
 * share link). Every other page, private, unknown, revoked or expired
 * alike, gets the same generic tags, so the HTML says nothing the API would
 * not. Only a public video's page may be indexed by search engines.
 */
#ifndef VP_PAGE_H
#define VP_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "vp.h"

struct page_meta {
	const char *title; /* the video's title; NULL for the generic page */
	const char *url;   /* the page's own URL (og:url) */
	const char *image; /* a thumbnail URL, or NULL */
	bool indexable;    /* a public video's page */
};

/* The built app's index.html, read from root (the web server's
 * DOCUMENT_ROOT for the app's port, an absolute path) into out (whose cap
 * bounds it). VP_INVALID for a root that is not absolute, VP_INTERNAL when
 * the file cannot be read. */
vp_res page_read_index(const char *root, buf *out);

/* Appends s with & < > " ' written as character references. */
vp_res page_escape(buf *out, const char *s);

/* The n bytes of html (the app's index.html) with m's tags before </head>
 * and its <title> naming the video, into out. A document without </head>
 * or <title> is copied without the part that has no place. */
vp_res page_render(const char *html, size_t n, const struct page_meta *m, buf *out);

#endif
