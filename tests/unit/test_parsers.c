/*
 * The parsers that read what others wrote before any handler or client code
 * trusts it: client addresses and X-Forwarded-For (TRUSTED_PROXIES), the
 * Cookie header, X-Request-Id, part digests, and storage's XML answers
 * (documents shaped as AWS documents them and Swift's s3api sends them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/auth.h"
#include "../../lib/internal.h"
#include "../../lib/netaddr.h"
#include "../../lib/uploads.h"

static void addresses_parse_with_inet_pton_only(void **state)
{
	struct netaddr a;
	char t[NETADDR_TEXT];

	(void)state;
	assert_int_equal(netaddr_parse("192.0.2.1", 9, &a), VP_OK);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(netaddr_parse("[2001:db8::1]", 13, &a), VP_OK);
	assert_int_equal(a.family, AF_INET6);
	/* IPv4-mapped counts as the IPv4 address */
	assert_int_equal(netaddr_parse("::ffff:192.0.2.1", 16, &a), VP_OK);
	netaddr_text(&a, t);
	assert_string_equal(t, "192.0.2.1");
	static const char *bad[] = {"",           "192.0.2",      "192.0.2.1:80",   "[192.0.2.1]",
	                            "1.2.3.256",  "fe80::1%eth0", "2001:db8::1/64", "unknown",
	                            " 192.0.2.1", "0x7f.1",       "[::1]:443"};
	for (size_t i = 0; i < VP_ARRAY_LEN(bad); i++)
		assert_int_equal(netaddr_parse(bad[i], strlen(bad[i]), &a), VP_INVALID);
}

static void trusted_proxy_lists_parse(void **state)
{
	struct netaddr_cidr c[4];
	struct netaddr a;
	size_t n;

	(void)state;
	assert_int_equal(netaddr_cidrs_parse("10.0.0.0/8, 2001:db8::/32 192.0.2.7", c, 4, &n),
	                 VP_OK);
	assert_int_equal(n, 3);
	netaddr_parse("10.200.3.4", 10, &a);
	assert_true(netaddr_in(&a, c, n));
	netaddr_parse("11.0.0.1", 8, &a);
	assert_false(netaddr_in(&a, c, n));
	netaddr_parse("2001:db8:ffff::1", 16, &a);
	assert_true(netaddr_in(&a, c, n));
	netaddr_parse("192.0.2.8", 9, &a);
	assert_false(netaddr_in(&a, c, n));
	assert_int_equal(netaddr_cidrs_parse("", c, 4, &n), VP_OK);
	assert_int_equal(n, 0);
	assert_int_equal(netaddr_cidrs_parse(NULL, c, 4, &n), VP_OK);
	static const char *bad[] = {"10.0.0.0/33", "::/129",
	                            "10.0.0.0/",   "10.0.0.0/x",
	                            "a,b",         "1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5"};
	for (size_t i = 0; i < VP_ARRAY_LEN(bad); i++)
		assert_int_equal(netaddr_cidrs_parse(bad[i], c, 4, &n), VP_INVALID);
}

static void client(const char *remote, const char *xff, const char *trusted, const char *want)
{
	struct netaddr_cidr c[8];
	struct netaddr a;
	char t[NETADDR_TEXT];
	size_t n;

	assert_int_equal(netaddr_cidrs_parse(trusted, c, 8, &n), VP_OK);
	netaddr_client(remote, xff, c, n, &a);
	netaddr_text(&a, t);
	assert_string_equal(t, want);
}

static void x_forwarded_for_counts_only_from_trusted_proxies(void **state)
{
	(void)state;
	/* no trusted proxies: the header is ignored */
	client("198.51.100.1", "203.0.113.9", "", "198.51.100.1");
	/* an untrusted connection cannot name a client */
	client("198.51.100.1", "203.0.113.9", "10.0.0.0/8", "198.51.100.1");
	/* the rightmost untrusted entry; what the client wrote left of it is ignored */
	client("10.0.0.2", "1.1.1.1, 203.0.113.9", "10.0.0.0/8", "203.0.113.9");
	client("10.0.0.2", "1.1.1.1, 203.0.113.9, 10.0.0.5", "10.0.0.0/8", "203.0.113.9");
	client("10.0.0.2", " 2001:db8::7 ,10.1.1.1", "10.0.0.0/8", "2001:db8::7");
	/* a hop that is not an address: the proxy that relayed it */
	client("10.0.0.2", "203.0.113.9, unknown", "10.0.0.0/8", "10.0.0.2");
	client("10.0.0.2", "203.0.113.9,,10.0.0.3", "10.0.0.0/8", "10.0.0.3");
	/* every hop trusted: the leftmost */
	client("10.0.0.2", "10.0.0.9, 10.0.0.3", "10.0.0.0/8", "10.0.0.9");
	client("10.0.0.2", "", "10.0.0.0/8", "10.0.0.2");
	client("::1", "192.0.2.1", "::1", "192.0.2.1");
	client(NULL, "192.0.2.1", "", "");
	client("garbage", NULL, "", "");
}

static void ipv6_clients_share_a_bucket_per_64(void **state)
{
	struct netaddr a;
	char t[NETADDR_TEXT];

	(void)state;
	netaddr_parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 32, &a);
	netaddr_bucket(&a, t);
	assert_string_equal(t, "2001:db8:1:2::/64");
	netaddr_parse("2001:db8:1:2::1", 15, &a);
	netaddr_bucket(&a, t);
	assert_string_equal(t, "2001:db8:1:2::/64");
	netaddr_parse("192.0.2.44", 10, &a);
	netaddr_bucket(&a, t);
	assert_string_equal(t, "192.0.2.44");
}

static void cookies_are_found_by_exact_name(void **state)
{
	char out[16];

	(void)state;
	assert_string_equal(
	    auth_cookie_value("a=1; refresh_token=xyz; b=2", "refresh_token", out, sizeof(out)),
	    "xyz");
	assert_null(auth_cookie_value("xrefresh_token=1", "refresh_token", out, sizeof(out)));
	assert_null(auth_cookie_value("refresh_tokenx=1", "refresh_token", out, sizeof(out)));
	assert_null(auth_cookie_value("refresh_token=", "refresh_token", out, sizeof(out)));
	assert_null(
	    auth_cookie_value("refresh_token=0123456789abcdef", "refresh_token", out, sizeof(out)));
	assert_null(auth_cookie_value(NULL, "refresh_token", out, sizeof(out)));
	assert_string_equal(
	    auth_cookie_value(";;refresh_token=a b ", "refresh_token", out, sizeof(out)), "a b");
}

static void request_ids(void **state)
{
	(void)state;
	assert_true(http_request_id_ok("trace-abc.123_X"));
	assert_false(http_request_id_ok(""));
	assert_false(http_request_id_ok(NULL));
	assert_false(http_request_id_ok("a b"));
	assert_false(http_request_id_ok("<script>"));
	assert_false(http_request_id_ok(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 65 */
}

/* base64 of MD5 as `openssl dgst -md5 -binary | base64` prints it */
static void part_digests(void **state)
{
	(void)state;
	assert_true(uploads_md5_ok("1B2M2Y8AsgTpgAmY7PhCfg=="));  /* MD5("") */
	assert_true(uploads_md5_ok("XUFAKrxLKna5cZ2REBfFkg=="));  /* MD5("hello") */
	assert_false(uploads_md5_ok("XUFAKrxLKna5cZ2REBfFkh==")); /* non-canonical bits */
	assert_false(uploads_md5_ok("XUFAKrxLKna5cZ2REBfFkg="));
	assert_false(uploads_md5_ok("5d41402abc4b2a76b9719d911017c592")); /* hex */
	assert_false(uploads_md5_ok("XUFAKrxLKna5cZ2REBfF g=="));
	assert_false(uploads_md5_ok(""));
}

static void part_sizes(void **state)
{
	struct upload u = {.size = 17600000, .part_size = 8388608, .part_count = 3};

	(void)state;
	assert_int_equal(uploads_part_bytes(&u, 1), 8388608);
	assert_int_equal(uploads_part_bytes(&u, 2), 8388608);
	assert_int_equal(uploads_part_bytes(&u, 3), 17600000 - 2 * 8388608);
}

static void list_parts_pages(void **state)
{
	static const char page[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	    "<Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId>"
	    "<PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker>"
	    "<MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>"
	    "<Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag><Size>8388608</Size></Part>"
	    "<Part><PartNumber>2</PartNumber><ETag>\"b\"</ETag><Size>5</Size></Part>"
	    "<Part><PartNumber>0</PartNumber><ETag>\"c\"</ETag><Size>5</Size></Part>"
	    "<Part><PartNumber>99999999999999999999</PartNumber><ETag>\"d\"</ETag><Size>5</Size>"
	    "</Part><Part><PartNumber>3</PartNumber><ETag>\"e\"</ETag><Size>-1</Size></Part>"
	    "</ListPartsResult>";
	struct s3_part *list = NULL;
	size_t count = 0, cap = 0;
	bool truncated;
	char next[16];

	(void)state;
	assert_int_equal(
	    s3_xml_parts_page(page, strlen(page), &list, &count, &cap, &truncated, next), VP_OK);
	assert_int_equal(count, 2);
	assert_int_equal(list[0].number, 1);
	assert_string_equal(list[0].etag, "\"a\"");
	assert_int_equal(list[0].size, 8388608);
	assert_int_equal(list[1].size, 5);
	assert_true(truncated);
	assert_string_equal(next, "2");
	assert_int_equal(s3_xml_parts_page("<Error/>", 8, &list, &count, &cap, &truncated, next),
	                 VP_INTERNAL);
	assert_int_equal(s3_xml_parts_page("", 0, &list, &count, &cap, &truncated, next),
	                 VP_INTERNAL);
	free(list);
}

/* The escaped form json.c hands a json-c that refuses raw UTF-8 in strict
 * mode (Debian 13's 0.18) reads back as the very same text: checked here with
 * json-c itself on both forms, for 2-, 3- and 4-byte characters. */
static void non_ascii_text_survives_escaping(void **state)
{
	static const char body[] =
	    "{\"\xc3\xa9t\xc3\xa9\":\"\xe2\x82\xac \xf0\x9f\x8e\xac \xc2\xba\"}";
	struct json_object *a, *b;
	buf e;

	(void)state;
	buf_init(&e, 0);
	assert_int_equal(json_escape_non_ascii(body, sizeof(body) - 1, &e), VP_OK);
	assert_string_equal(buf_str(&e),
	                    "{\"\\u00E9t\\u00E9\":\"\\u20AC \\uD83C\\uDFAC \\u00BA\"}");
	a = json_tokener_parse(body);
	b = json_tokener_parse(buf_str(&e));
	assert_non_null(a);
	assert_non_null(b);
	assert_true(json_object_equal(a, b));
	json_object_put(a);
	json_object_put(b);
	buf_free(&e);
}

static void complete_answers(void **state)
{
	static const char ok[] = "<CompleteMultipartUploadResult><ETag>\"x-3\"</ETag>"
	                         "</CompleteMultipartUploadResult>";
	static const char bad_part[] =
	    "<Error><Code>InvalidPart</Code><Message>m</Message></Error>";
	static const char gone[] = "<Error><Code>NoSuchUpload</Code></Error>";
	static const char busy[] = "<Error><Code>InternalError</Code></Error>";

	(void)state;
	assert_int_equal(s3_complete_answer(200, ok, strlen(ok)), VP_OK);
	/* S3 may answer 200 and put the error in the body */
	assert_int_equal(s3_complete_answer(200, bad_part, strlen(bad_part)), VP_INVALID);
	assert_int_equal(s3_complete_answer(400, bad_part, strlen(bad_part)), VP_INVALID);
	assert_int_equal(s3_complete_answer(404, gone, strlen(gone)), VP_NOT_FOUND);
	assert_int_equal(s3_complete_answer(200, busy, strlen(busy)), VP_UNAVAILABLE);
	assert_int_equal(s3_complete_answer(503, "", 0), VP_UNAVAILABLE);
	assert_int_equal(s3_complete_answer(403, "<x", 2), VP_DENIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(addresses_parse_with_inet_pton_only),
	    cmocka_unit_test(trusted_proxy_lists_parse),
	    cmocka_unit_test(x_forwarded_for_counts_only_from_trusted_proxies),
	    cmocka_unit_test(ipv6_clients_share_a_bucket_per_64),
	    cmocka_unit_test(cookies_are_found_by_exact_name),
	    cmocka_unit_test(request_ids),
	    cmocka_unit_test(part_digests),
	    cmocka_unit_test(part_sizes),
	    cmocka_unit_test(list_parts_pages),
	    cmocka_unit_test(complete_answers),
	    cmocka_unit_test(non_ascii_text_survives_escaping),
	};

	return cmocka_run_group_tests_name("parsers", tests, NULL, NULL);
}
