/*
 * fuzz_page.c — what the sharing code makes of text a stranger chooses: a
 * video's title escaped into the web app's HTML (no byte of it may open or
 * close markup), a document around it (rendered, whatever it holds), a
 * token's form (nothing but 43 URL-safe letters passes), and a request path
 * whose token segment a log line hides (it never shows).
 *
 * Input: the title, a NUL, then the document (or the path, for the log).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/internal.h"
#include "../../lib/page.h"
#include "../../lib/share.h"

static void escaped_text_opens_no_markup(const char *title)
{
	buf b;

	buf_init(&b, 0);
	if (page_escape(&b, title) != VP_OK)
		abort();
	if (strpbrk(buf_str(&b), "<>\"'"))
		abort();
	for (const char *p = strchr(buf_str(&b), '&'); p; p = strchr(p + 1, '&'))
		if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) &&
		    strncmp(p, "&quot;", 6) && strncmp(p, "&#39;", 5))
			abort();
	buf_free(&b);
}

static void token_form(const char *s)
{
	if (share_token_ok(s) &&
	    (strlen(s) != SHARE_TOKEN_LEN ||
	     strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
	         SHARE_TOKEN_LEN))
		abort();
}

/* segment 1 of path, as http_path_segment() counts, when it is long and
 * appears nowhere else: the log line must not hold it */
static void log_hides_segment(const char *path)
{
	char out[1024], seg[1024];
	const char *p = path, *e;
	size_t n;

	http_log_path(path, 1, out, sizeof(out));
	while (*p == '/')
		p++;
	if (!(p = strchr(p, '/')))
		return;
	p++;
	e = strchr(p, '/');
	n = e ? (size_t)(e - p) : strlen(p);
	if (n < 8 || n >= sizeof(seg))
		return;
	memcpy(seg, p, n);
	seg[n] = '\0';
	if (strstr(p + n, seg) || strstr(path, seg) != p)
		return;
	if (strstr(out, seg))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct page_meta m = {NULL, "http://app.test/", NULL, false};
	size_t tlen;
	buf out;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	tlen = strlen(s);
	m.title = s;
	escaped_text_opens_no_markup(s);
	token_form(s);
	buf_init(&out, 0);
	/* any document renders (the old title's text is the only thing left out) */
	if (tlen < size && page_render(s + tlen + 1, size - tlen - 1, &m, &out) != VP_OK)
		abort();
	buf_free(&out);
	log_hides_segment(tlen < size ? s + tlen + 1 : s);
	free(s);
	return 0;
}
