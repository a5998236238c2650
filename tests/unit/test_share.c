/*
 * Sharing: share-link tokens (their alphabet, length and hash), the link
 * preview written into the web app's index.html, the log line that hides a
 * token, and the visibility values. The oracles are published vectors
 * (RFC 4648 for base64url, FIPS 180-2 for SHA-256) and HTML written out by
 * hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/cfg.h"
#include "../../lib/internal.h"
#include "../../lib/page.h"
#include "../../lib/share.h"
#include "../../lib/videos.h"

static void base64url_follows_rfc4648(void **state)
{
	/* RFC 4648 section 10, in the URL-safe alphabet without padding */
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
	    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
	};
	/* bytes whose standard base64 is "+/8=": the URL-safe letters */
	static const unsigned char high[] = {0xfb, 0xff};
	char out[16];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		share_base64url((const unsigned char *)v[i].in, strlen(v[i].in), out);
		assert_string_equal(out, v[i].out);
	}
	share_base64url(high, sizeof(high), out);
	assert_string_equal(out, "-_8");
}

static void tokens_are_256_random_bits_in_url_letters(void **state)
{
	char a[SHARE_TOKEN_LEN + 1], b[SHARE_TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(share_token_new(a), VP_OK);
	assert_int_equal(strlen(a), 43); /* ceil(256 / 6) */
	assert_int_equal(
	    strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
	assert_true(share_token_ok(a));
	for (int i = 0; i < 100; i++) {
		assert_int_equal(share_token_new(b), VP_OK);
		assert_true(share_token_ok(b));
		assert_string_not_equal(a, b);
	}
}

static void token_form_is_checked_before_any_lookup(void **state)
{
	char t[SHARE_TOKEN_LEN + 2];

	(void)state;
	memset(t, 'A', SHARE_TOKEN_LEN);
	t[SHARE_TOKEN_LEN] = '\0';
	assert_true(share_token_ok(t));
	t[SHARE_TOKEN_LEN - 1] = 'B'; /* its last 2 bits would not be zero */
	assert_false(share_token_ok(t));
	t[SHARE_TOKEN_LEN - 1] = 'w';
	assert_true(share_token_ok(t));
	t[3] = '+'; /* standard base64, not URL-safe */
	assert_false(share_token_ok(t));
	t[3] = '=';
	assert_false(share_token_ok(t));
	t[3] = 'A';
	t[SHARE_TOKEN_LEN] = 'A'; /* one too long */
	t[SHARE_TOKEN_LEN + 1] = '\0';
	assert_false(share_token_ok(t));
	t[SHARE_TOKEN_LEN - 1] = '\0'; /* one too short */
	assert_false(share_token_ok(t));
	assert_false(share_token_ok(""));
}

static void token_hash_is_sha256(void **state)
{
	char hex[SHARE_HASH_HEX + 1];

	(void)state;
	/* FIPS 180-2, appendix B.1 */
	assert_int_equal(share_token_hash("abc", hex), VP_OK);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(share_token_hash("", hex), VP_OK);
	assert_string_equal(hex,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void page_text_is_escaped(void **state)
{
	buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(page_escape(&b, "<script>alert(\"x\" & 'y')</script> café"), VP_OK);
	assert_string_equal(buf_str(&b), "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/"
	                                 "script&gt; café");
	buf_free(&b);
}

static const char index_html[] = "<!doctype html>\n<html>\n  <head>\n    <title>vidpipe</title>\n"
                                 "    <script src=\"/assets/a.js\"></script>\n  </head>\n"
                                 "  <body><div id=\"root\"></div></body>\n</html>\n";

static void page_names_a_video_it_may_name(void **state)
{
	struct page_meta m = {"Tom & \"Jerry\" <3", "http://app.test/watch/1",
	                      "http://s3.test/t.jpg?a=1&b=2", true};
	buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(page_render(index_html, strlen(index_html), &m, &b), VP_OK);
	assert_string_equal(
	    buf_str(&b),
	    "<!doctype html>\n<html>\n  <head>\n"
	    "    <title>Tom &amp; &quot;Jerry&quot; &lt;3 · vidpipe</title>\n"
	    "    <script src=\"/assets/a.js\"></script>\n"
	    "    <meta property=\"og:site_name\" content=\"vidpipe\">\n"
	    "    <meta property=\"og:type\" content=\"video.other\">\n"
	    "    <meta property=\"og:title\" content=\"Tom &amp; &quot;Jerry&quot; &lt;3\">\n"
	    "    <meta property=\"og:url\" content=\"http://app.test/watch/1\">\n"
	    "    <meta property=\"og:image\" content=\"http://s3.test/t.jpg?a=1&amp;b=2\">\n"
	    "    <meta name=\"twitter:card\" content=\"summary_large_image\">\n"
	    "    <meta name=\"twitter:title\" content=\"Tom &amp; &quot;Jerry&quot; &lt;3\">\n"
	    "    <meta name=\"twitter:image\" content=\"http://s3.test/t.jpg?a=1&amp;b=2\">\n"
	    "  </head>\n  <body><div id=\"root\"></div></body>\n</html>\n");
	buf_free(&b);
}

static void page_without_a_video_is_generic(void **state)
{
	struct page_meta m = {NULL, "http://app.test/", NULL, false};
	buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(page_render(index_html, strlen(index_html), &m, &b), VP_OK);
	assert_string_equal(buf_str(&b),
	                    "<!doctype html>\n<html>\n  <head>\n"
	                    "    <title>vidpipe</title>\n"
	                    "    <script src=\"/assets/a.js\"></script>\n"
	                    "    <meta property=\"og:site_name\" content=\"vidpipe\">\n"
	                    "    <meta property=\"og:type\" content=\"website\">\n"
	                    "    <meta property=\"og:title\" content=\"vidpipe\">\n"
	                    "    <meta property=\"og:url\" content=\"http://app.test/\">\n"
	                    "    <meta name=\"twitter:card\" content=\"summary\">\n"
	                    "    <meta name=\"twitter:title\" content=\"vidpipe\">\n"
	                    "    <meta name=\"robots\" content=\"noindex\">\n"
	                    "  </head>\n  <body><div id=\"root\"></div></body>\n</html>\n");
	buf_free(&b);
	/* a document without <head> or <title> is copied as it is */
	buf_init(&b, 0);
	assert_int_equal(page_render("<p>x</p>", 8, &m, &b), VP_OK);
	assert_string_equal(buf_str(&b), "<p>x</p>");
	buf_free(&b);
}

static void index_is_read_from_an_absolute_root(void **state)
{
	char dir[] = "/tmp/vidpipe-page-XXXXXX", path[64];
	FILE *f;
	buf b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	buf_init(&b, 0);
	assert_int_equal(page_read_index("relative/dir", &b), VP_INVALID);
	assert_int_equal(page_read_index(NULL, &b), VP_INVALID);
	assert_int_equal(page_read_index(dir, &b), VP_INTERNAL); /* no index.html */
	snprintf(path, sizeof(path), "%s/index.html", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(index_html, f);
	fclose(f);
	assert_int_equal(page_read_index(dir, &b), VP_OK);
	assert_string_equal(buf_str(&b), index_html);
	buf_free(&b);
	buf_init(&b, 16); /* the cap bounds what is read */
	assert_int_equal(page_read_index(dir, &b), VP_TOO_LARGE);
	buf_free(&b);
	unlink(path);
	rmdir(dir);
}

static void log_lines_hide_the_token(void **state)
{
	char out[64];

	(void)state;
	http_log_path("/public/links/SECRET", 2, out, sizeof(out));
	assert_string_equal(out, "/public/links/[hidden]");
	/* as http_path_segment() counts: leading slashes start nothing */
	http_log_path("//public/links/SECRET/more", 2, out, sizeof(out));
	assert_string_equal(out, "//public/links/[hidden]/more");
	http_log_path("/s/SECRET", 1, out, sizeof(out));
	assert_string_equal(out, "/s/[hidden]");
	http_log_path("/public/links/", 2, out, sizeof(out));
	assert_string_equal(out, "/public/links/");
	http_log_path("/videos/abc", -1, out, sizeof(out));
	assert_string_equal(out, "/videos/abc");
	/* cut short, never with a part of the secret */
	http_log_path("/public/links/SECRET", 2, out, 18);
	assert_string_equal(out, "/public/links/");
	assert_null(strstr(out, "SEC"));
}

static void visibility_values(void **state)
{
	(void)state;
	assert_true(videos_visibility_ok("private"));
	assert_true(videos_visibility_ok("unlisted"));
	assert_true(videos_visibility_ok("public"));
	assert_false(videos_visibility_ok("Public"));
	assert_false(videos_visibility_ok(""));
	assert_false(videos_visibility_ok("public "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(base64url_follows_rfc4648),
	    cmocka_unit_test(tokens_are_256_random_bits_in_url_letters),
	    cmocka_unit_test(token_form_is_checked_before_any_lookup),
	    cmocka_unit_test(token_hash_is_sha256),
	    cmocka_unit_test(page_text_is_escaped),
	    cmocka_unit_test(page_names_a_video_it_may_name),
	    cmocka_unit_test(page_without_a_video_is_generic),
	    cmocka_unit_test(index_is_read_from_an_absolute_root),
	    cmocka_unit_test(log_lines_hide_the_token),
	    cmocka_unit_test(visibility_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
