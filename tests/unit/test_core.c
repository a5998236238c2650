/*
 * The core of lib/: the capped buffer, strict JSON, configuration from the
 * environment, and the request helpers (UUIDs, path segments).
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/cfg.h"
#include "../../lib/http.h"
#include "../../lib/json.h"
#include "../../lib/s3.h"
#include "../../lib/uploads.h"

static void buf_grows_and_stays_terminated(void **state)
{
	buf b;

	(void)state;
	buf_init(&b, 0);
	assert_string_equal(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i), VP_OK);
	assert_int_equal(b.len, strlen(b.data));
	assert_memory_equal(b.data, "0,1,2,", 6);
	buf_free(&b);
	buf_free(NULL); /* free functions accept NULL */
}

static void buf_cap_refuses_and_keeps_contents(void **state)
{
	buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "12345678"), VP_OK);
	assert_int_equal(buf_addc(&b, '9'), VP_TOO_LARGE);
	assert_int_equal(buf_printf(&b, "%s", "x"), VP_TOO_LARGE);
	assert_string_equal(buf_str(&b), "12345678");
	assert_int_equal(b.len, 8);
	buf_free(&b);
}

static void buf_detach_hands_over(void **state)
{
	buf b;
	char *p;

	(void)state;
	buf_init(&b, 0);
	p = buf_detach(&b);
	assert_string_equal(p, "");
	free(p);
	buf_addhex(&b, (const unsigned char *)"\x01\xab", 2);
	p = buf_detach(&b);
	assert_string_equal(p, "01ab");
	assert_null(b.data);
	free(p);
}

static void json_accepts_one_object(void **state)
{
	struct json_object *o;
	const char *s;
	int64_t n;

	(void)state;
	assert_int_equal(json_parse_object("{\"a\":\"x\",\"n\":5} \n", 17, &o), VP_OK);
	assert_int_equal(json_field_str(o, "a", &s), VP_OK);
	assert_string_equal(s, "x");
	assert_int_equal(json_field_i64(o, "n", &n), VP_OK);
	assert_int_equal(n, 5);
	assert_int_equal(json_field_str(o, "n", &s), VP_INVALID); /* wrong type */
	assert_int_equal(json_field_i64(o, "a", &n), VP_INVALID);
	assert_int_equal(json_field_str(o, "missing", &s), VP_NOT_FOUND);
	json_object_put(o);
}

static void json_rejects_everything_else(void **state)
{
	static const char *bad[] = {
	    "",
	    "{",
	    "[1,2]",
	    "\"str\"",
	    "42",
	    "null",
	    "{\"a\":1} {}",
	    "{\"a\":1}x",
	    "{'a':1}",
	    "{\"a\":01}",
	    "{\"a\":1,}",
	    "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
	    /* what json-c 0.16 takes even in strict mode */
	    "{\"a\":NaN}",
	    "{\"a\":Infinity}",
	    "{\"a\":-Infinity}",
	    "{\"a\":\"\x01\"}",
	    "{\"a\":\"\xff\"}",
	    "{/*c*/\"a\":1}",
	    "{a:1}",
	    "{\"a\":tru}",
	};
	struct json_object *o;

	(void)state;
	for (size_t i = 0; i < VP_ARRAY_LEN(bad); i++) {
		assert_int_equal(json_parse_object(bad[i], strlen(bad[i]), &o), VP_INVALID);
		assert_null(o);
	}
}

static void json_keeps_what_looks_odd_but_is_valid(void **state)
{
	static const char *good[] = {
	    "{\"a\":\"it's NaN, Infinity\"}",      "{\"a\":1E5,\"b\":-2e-3}",
	    "{\"a\":true,\"b\":false,\"c\":null}", "{\"a\":\"\\\"q\\\" \\u00e9\"}",
	    "{\"\xc3\xa9\":\"\xe2\x82\xac\"}",
	};
	struct json_object *o;

	(void)state;
	for (size_t i = 0; i < VP_ARRAY_LEN(good); i++) {
		assert_int_equal(json_parse_object(good[i], strlen(good[i]), &o), VP_OK);
		json_object_put(o);
	}
}

static void json_strings_with_nul_are_refused(void **state)
{
	struct json_object *o;
	bool bad_value = false;

	(void)state;
	/* "\u0000" is valid JSON but no text a C string or Postgres holds */
	assert_int_equal(json_parse_request("{\"a\":\"x\\u0000y\"}",
	                                    strlen("{\"a\":\"x\\u0000y\"}"), &o, &bad_value),
	                 VP_INVALID);
	assert_true(bad_value);
	assert_null(o);
}

/* Strings must be strict UTF-8 text, raw or escaped; the cases are the
 * Unicode Standard's (table 3-7) and RFC 3629's examples, not ours. */
static void json_text_is_strict_utf8(void **state)
{
	static const char *bad[] = {
	    "x\xc0\xafy",       /* overlong '/' (the example) */
	    "\xe0\x80\xaf",     /* overlong, 3 bytes */
	    "\xf0\x80\x80\xaf", /* overlong, 4 bytes */
	    "\xed\xa0\x80",     /* U+D800 encoded */
	    "\xed\xbf\xbf",     /* U+DFFF encoded */
	    "\xf4\x90\x80\x80", /* past U+10FFFF */
	    "\xc3",             /* cut short */
	    "\x80",             /* a lone continuation byte */
	    "\xef\xbf\xbf",     /* U+FFFF, a non-character */
	    "\xef\xb7\x90",     /* U+FDD0 */
	    "\xf0\x9f\xbf\xbe", /* U+1FFFE */
	    "\\ud800",          /* a lone high surrogate */
	    "\\udc00",          /* a lone low surrogate */
	    "\\ude00\\ud83d",   /* a pair in the wrong order */
	    "\\ud83dx",         /* a high surrogate before a letter */
	    "\\uffff",
	    "\\ufdef",
	    "\\u0000",
	};
	static const char *good[] = {
	    "\xc3\xa9",         /* é */
	    "\xe2\x82\xac",     /* € */
	    "\xf0\x9f\x98\x80", /* U+1F600 */
	    "\xf4\x8f\xbf\xbd", /* U+10FFFD, the last character */
	    "\xef\xbf\xbd",     /* U+FFFD */
	    "\\ud83d\\ude00",   /* U+1F600 escaped as a pair */
	    "\\u00e9\\u20ac",   "\\ufdcf\\ufdf0",
	};
	char doc[128];
	struct json_object *o;
	bool bad_value;

	(void)state;
	for (size_t i = 0; i < VP_ARRAY_LEN(bad); i++) {
		snprintf(doc, sizeof(doc), "{\"t\":\"%s\"}", bad[i]);
		assert_int_equal(json_parse_request(doc, strlen(doc), &o, &bad_value), VP_INVALID);
		assert_true(bad_value);
		/* keys are strings too */
		snprintf(doc, sizeof(doc), "{\"%s\":1}", bad[i]);
		assert_int_equal(json_parse_request(doc, strlen(doc), &o, &bad_value), VP_INVALID);
	}
	for (size_t i = 0; i < VP_ARRAY_LEN(good); i++) {
		snprintf(doc, sizeof(doc), "{\"t\":\"%s\"}", good[i]);
		assert_int_equal(json_parse_request(doc, strlen(doc), &o, &bad_value), VP_OK);
		json_object_put(o);
	}
	/* not JSON at all is not a text fault */
	assert_int_equal(json_parse_request("{\"a\":NaN}", 10, &o, &bad_value), VP_INVALID);
	assert_false(bad_value);
	assert_true(json_text_ok("Mozilla/5.0 \xc3\xa9", 14));
	assert_false(json_text_ok("a\xc0\xaf", 3));
}

/* An integer beyond 64 bits is a value no field takes: the same 400
 * invalid_request whichever json-c reads the body (0.18 would call it
 * malformed); floats of any length stay json-c's to read. */
static void json_integers_beyond_64_bits_are_bad_values(void **state)
{
	static const char *bad[] = {
	    "{\"n\":9223372036854775808}",
	    "{\"n\":99999999999999999999999}",
	    "{\"n\":-99999999999999999999999}",
	    "{\"a\":[1,2,{\"n\":10000000000000000000}]}",
	};
	static const char *good[] = {
	    "{\"n\":9223372036854775807}",
	    "{\"n\":-9223372036854775807}",
	    "{\"n\":0.12345678901234567890123}",
	    "{\"n\":12345678901234567890123.5}",
	    "{\"n\":1e5,\"m\":-2E-3,\"k\":\"99999999999999999999999\"}",
	};
	struct json_object *o;
	bool bad_value;

	(void)state;
	for (size_t i = 0; i < VP_ARRAY_LEN(bad); i++) {
		assert_int_equal(json_parse_request(bad[i], strlen(bad[i]), &o, &bad_value),
		                 VP_INVALID);
		assert_true(bad_value);
	}
	for (size_t i = 0; i < VP_ARRAY_LEN(good); i++) {
		assert_int_equal(json_parse_request(good[i], strlen(good[i]), &o, &bad_value),
		                 VP_OK);
		json_object_put(o);
	}
}

static void json_text_fields_refuse_controls(void **state)
{
	struct json_object *o;
	const char *s;

	(void)state;
	assert_int_equal(json_parse_object("{\"a\":\"ok \xc3\xa9\",\"b\":\"x\\ty\",\"c\":"
	                                   "\"x\xc2\x85y\",\"d\":\"\"}",
	                                   strlen("{\"a\":\"ok \xc3\xa9\",\"b\":\"x\\ty\",\"c\":"
	                                          "\"x\xc2\x85y\",\"d\":\"\"}"),
	                                   &o),
	                 VP_OK);
	assert_int_equal(json_field_text(o, "a", 1, 10, &s), VP_OK);
	assert_int_equal(json_field_text(o, "a", 1, 4, &s), VP_INVALID);  /* 5 bytes */
	assert_int_equal(json_field_text(o, "b", 0, 10, &s), VP_INVALID); /* a tab */
	assert_int_equal(json_field_text(o, "c", 0, 10, &s), VP_INVALID); /* U+0085 (C1) */
	assert_int_equal(json_field_text(o, "d", 0, 10, &s), VP_OK);
	assert_int_equal(json_field_text(o, "d", 1, 10, &s), VP_INVALID);
	assert_int_equal(json_field_text(o, "e", 0, 10, &s), VP_NOT_FOUND);
	json_object_put(o);
}

static void json_floats_are_not_integers(void **state)
{
	struct json_object *o;
	int64_t n;

	(void)state;
	assert_int_equal(json_parse_object("{\"n\":1.5,\"s\":\"1\"}", 17, &o), VP_OK);
	assert_int_equal(json_field_i64(o, "n", &n), VP_INVALID);
	assert_int_equal(json_field_i64(o, "s", &n), VP_INVALID);
	json_object_put(o);
}

static void set_required_env(void)
{
	setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1/db", 1);
	setenv("REDIS_URL", "redis://127.0.0.1:6379/0", 1);
	setenv("AWS_ACCESS_KEY_ID", "a", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
	setenv("S3_BUCKET_RAW", "raw", 1);
	setenv("S3_BUCKET_PROCESSED", "out", 1);
	setenv("SQS_QUEUE_URL", "http://127.0.0.1:9324/000000000000/q", 1);
	setenv("JWT_ACCESS_SECRET", "0123456789abcdef0123456789abcdef-a", 1);
	setenv("JWT_REFRESH_SECRET", "0123456789abcdef0123456789abcdef-r", 1);
	setenv("PLAYBACK_TOKEN_SECRET", "0123456789abcdef0123456789abcdef-p", 1);
	unsetenv("API_URL");
	unsetenv("DEPENDENCY_TIMEOUT_MS");
	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("S3_FORCE_PATH_STYLE");
}

static void cfg_loads_with_defaults(void **state)
{
	struct cfg c;
	buf err;

	(void)state;
	set_required_env();
	buf_init(&err, 256);
	assert_int_equal(cfg_load(&c, &err), VP_OK);
	assert_string_equal(c.frontend_url, "http://localhost:5173");
	assert_string_equal(c.api_url, "http://localhost:8000");
	assert_int_equal(c.dep_timeout_ms, 3000);
	assert_false(c.s3_path_style);
	/* anonymous viewers: 120 requests a minute, URLs of 5 minutes */
	assert_int_equal(c.rl_public, 120);
	assert_int_equal(c.rl_public_window, 60);
	assert_int_equal(c.public_playback_url_ttl, 300);
	buf_free(&err);
}

static void cfg_names_the_bad_variable(void **state)
{
	struct cfg c;
	buf err;

	(void)state;
	set_required_env();
	buf_init(&err, 256);
	unsetenv("S3_BUCKET_RAW");
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "S3_BUCKET_RAW"));

	set_required_env();
	buf_reset(&err);
	setenv("DEPENDENCY_TIMEOUT_MS", "12abc", 1);
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "DEPENDENCY_TIMEOUT_MS"));

	set_required_env();
	buf_reset(&err);
	setenv("REDIS_URL", "http://nope", 1);
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "REDIS_URL"));

	set_required_env();
	buf_reset(&err);
	setenv("S3_FORCE_PATH_STYLE", "maybe", 1);
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "S3_FORCE_PATH_STYLE"));

	/* token keys: present, at least 32 bytes, and different */
	set_required_env();
	buf_reset(&err);
	setenv("JWT_ACCESS_SECRET", "too-short", 1);
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "JWT_ACCESS_SECRET"));
	set_required_env();
	buf_reset(&err);
	unsetenv("JWT_REFRESH_SECRET");
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "JWT_REFRESH_SECRET"));
	set_required_env();
	buf_reset(&err);
	setenv("JWT_REFRESH_SECRET", getenv("JWT_ACCESS_SECRET"), 1);
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "differ"));
	buf_reset(&err);
	set_required_env();
	/* a public URL lives at most an hour: it is how long a revoked link plays */
	setenv("PUBLIC_PLAYBACK_URL_TTL", "3601", 1);
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "PUBLIC_PLAYBACK_URL_TTL"));
	unsetenv("PUBLIC_PLAYBACK_URL_TTL");

	/* the playback key: its own, present, long enough, no JWT key */
	set_required_env();
	buf_reset(&err);
	unsetenv("PLAYBACK_TOKEN_SECRET");
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "PLAYBACK_TOKEN_SECRET"));
	set_required_env();
	buf_reset(&err);
	setenv("PLAYBACK_TOKEN_SECRET", "short", 1);
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "PLAYBACK_TOKEN_SECRET"));
	set_required_env();
	buf_reset(&err);
	setenv("PLAYBACK_TOKEN_SECRET", getenv("JWT_REFRESH_SECRET"), 1);
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "PLAYBACK_TOKEN_SECRET"));
	set_required_env();
	buf_reset(&err);
	setenv("API_URL", "localhost:8000", 1);
	assert_int_equal(cfg_load(&c, &err), VP_INVALID);
	assert_non_null(strstr(buf_str(&err), "API_URL"));
	buf_free(&err);
}

static void s3_addressing_styles(void **state)
{
	struct cfg c;
	buf err, u;

	(void)state;
	set_required_env();
	buf_init(&err, 256);
	buf_init(&u, 1024);
	assert_int_equal(cfg_load(&c, &err), VP_OK);
	/* AWS, virtual-hosted */
	assert_int_equal(s3_url(&c, "raw", "a b/c.mp4", &u), VP_OK);
	assert_string_equal(buf_str(&u), "https://raw.s3.us-east-1.amazonaws.com/a%20b/c.mp4");
	/* AWS, path style forced */
	buf_reset(&u);
	c.s3_path_style = true;
	assert_int_equal(s3_url(&c, "raw", "k", &u), VP_OK);
	assert_string_equal(buf_str(&u), "https://s3.us-east-1.amazonaws.com/raw/k");
	/* an endpoint, path style (the local stack, MinIO) */
	buf_reset(&u);
	c.s3_endpoint = "http://127.0.0.1:9000/";
	assert_int_equal(s3_url(&c, "raw", "k", &u), VP_OK);
	assert_string_equal(buf_str(&u), "http://127.0.0.1:9000/raw/k");
	/* an endpoint, virtual-hosted (R2, a CDN-fronted store) */
	buf_reset(&u);
	c.s3_path_style = false;
	c.s3_endpoint = "https://files.example.com";
	assert_int_equal(s3_url(&c, "raw", NULL, &u), VP_OK);
	assert_string_equal(buf_str(&u), "https://raw.files.example.com/");
	buf_free(&u);
	buf_free(&err);
}

/* Past 10,000 parts of the configured size, the part size grows (in whole
 * MiB) so that no upload needs more than S3's 10,000 parts. The expected
 * figures are worked out by hand in the comments. */
static void part_size_grows_past_10000_parts(void **state)
{
	struct cfg c;
	const long long mib = 1LL << 20, gib = 1LL << 30;
	const long long sizes[] = {1, 10 * gib, 10000 * 8 * mib, 10000 * 8 * mib + 1,
	                           5 * 1024 * gib};

	(void)state;
	memset(&c, 0, sizeof(c));
	c.part_size = 8 * mib;
	/* 10 GiB / 8 MiB = 1,280 parts: no growth */
	assert_int_equal(uploads_part_size(&c, 10 * gib), 8 * mib);
	assert_int_equal(uploads_part_count(10 * gib, 8 * mib), 1280);
	/* 10,000 parts of 8 MiB (78.125 GiB) need no growth; one byte more
	 * needs 8 MiB + 1 B a part, rounded up to 9 MiB: 8,889 parts */
	assert_int_equal(uploads_part_size(&c, 10000 * 8 * mib), 8 * mib);
	assert_int_equal(uploads_part_size(&c, 10000 * 8 * mib + 1), 9 * mib);
	assert_int_equal(uploads_part_count(10000 * 8 * mib + 1, 9 * mib), 8889);
	/* 5 TiB (S3's largest object) / 10,000 = 524.29 MiB → 525 MiB, 9,987 parts */
	assert_int_equal(uploads_part_size(&c, 5 * 1024 * gib), 525 * mib);
	assert_int_equal(uploads_part_count(5 * 1024 * gib, 525 * mib), 9987);
	for (size_t i = 0; i < VP_ARRAY_LEN(sizes); i++) {
		long long ps = uploads_part_size(&c, sizes[i]);
		long long pc = uploads_part_count(sizes[i], ps);

		assert_true(pc >= 1 && pc <= 10000);
		assert_true(ps >= 8 * mib && ps % mib == 0);
		assert_true(ps * (pc - 1) < sizes[i] && sizes[i] <= ps * pc);
	}
}

static void uuids_are_v4_and_checked(void **state)
{
	char a[37], b[37];

	(void)state;
	assert_int_equal(http_uuid(a), VP_OK);
	assert_int_equal(http_uuid(b), VP_OK);
	assert_true(http_is_uuid(a));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '4');
	assert_true(http_is_uuid("0b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e10"));
	assert_false(http_is_uuid("0B0F3C9E-2C55-4D4E-9A1B-1F6A7D2F9E10")); /* lower-case only */
	assert_false(http_is_uuid("0b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e1"));
	assert_false(http_is_uuid("0b0f3c9e+2c55-4d4e-9a1b-1f6a7d2f9e10"));
	assert_false(http_is_uuid("' OR 1=1 --"));
	assert_false(http_is_uuid(NULL));
}

static void path_segments(void **state)
{
	struct http_req req;
	char seg[40];

	(void)state;
	memset(&req, 0, sizeof(req));
	strcpy(req.path, "/uploads/abc/complete");
	assert_int_equal(http_path_segment(&req, 0, seg, sizeof(seg)), VP_OK);
	assert_string_equal(seg, "uploads");
	assert_int_equal(http_path_segment(&req, 1, seg, sizeof(seg)), VP_OK);
	assert_string_equal(seg, "abc");
	assert_int_equal(http_path_segment(&req, 2, seg, sizeof(seg)), VP_OK);
	assert_string_equal(seg, "complete");
	assert_int_equal(http_path_segment(&req, 3, seg, sizeof(seg)), VP_NOT_FOUND);
	assert_int_equal(http_path_segment(&req, 1, seg, 3), VP_TOO_LARGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(buf_grows_and_stays_terminated),
	    cmocka_unit_test(buf_cap_refuses_and_keeps_contents),
	    cmocka_unit_test(buf_detach_hands_over),
	    cmocka_unit_test(json_accepts_one_object),
	    cmocka_unit_test(json_rejects_everything_else),
	    cmocka_unit_test(json_keeps_what_looks_odd_but_is_valid),
	    cmocka_unit_test(json_strings_with_nul_are_refused),
	    cmocka_unit_test(json_text_is_strict_utf8),
	    cmocka_unit_test(json_text_fields_refuse_controls),
	    cmocka_unit_test(json_floats_are_not_integers),
	    cmocka_unit_test(cfg_loads_with_defaults),
	    cmocka_unit_test(cfg_names_the_bad_variable),
	    cmocka_unit_test(s3_addressing_styles),
	    cmocka_unit_test(json_integers_beyond_64_bits_are_bad_values),
	    cmocka_unit_test(part_size_grows_past_10000_parts),
	    cmocka_unit_test(uuids_are_v4_and_checked),
	    cmocka_unit_test(path_segments),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
