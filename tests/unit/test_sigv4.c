/*
 * SigV4 against signatures AWS publishes: the Signature Version 4 test
 * suite (get-vanilla, query-order) and the worked examples of the S3 API
 * reference ("Signature Calculations for the Authorization Header").
 * Exact strings, never a round trip through our own code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../lib/sigv4.h"

static const struct sigv4_creds suite = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                         "us-east-1"};
static const struct sigv4_creds s3doc = {"AKIAIOSFODNN7EXAMPLE",
                                         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"};

static void expect_sig(const struct sigv4_creds *c, const char *service, const char *method,
                       const char *path, const char *query, const struct sigv4_header *h, size_t nh,
                       const char *payload, const char *date, const char *sig)
{
	buf out;
	const char *p;

	buf_init(&out, 4096);
	assert_int_equal(
	    sigv4_authorization(c, service, method, path, query, h, nh, payload, date, &out),
	    VP_OK);
	p = strstr(buf_str(&out), "Signature=");
	assert_non_null(p);
	assert_string_equal(p + 10, sig);
	buf_free(&out);
}

static void suite_get_vanilla(void **state)
{
	const struct sigv4_header h[] = {
	    {"host", "example.amazonaws.com"},
	    {"x-amz-date", "20150830T123600Z"},
	};
	buf out;

	(void)state;
	expect_sig(&suite, "service", "GET", "/", "", h, 2, SIGV4_EMPTY_SHA256, "20150830T123600Z",
	           "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	buf_init(&out, 4096);
	sigv4_authorization(&suite, "service", "GET", "/", "", h, 2, SIGV4_EMPTY_SHA256,
	                    "20150830T123600Z", &out);
	assert_string_equal(
	    buf_str(&out),
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	    "SignedHeaders=host;x-amz-date, "
	    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	buf_free(&out);
}

static void suite_query_order_key_case(void **state)
{
	const struct sigv4_header h[] = {
	    {"x-amz-date", "20150830T123600Z"}, /* order must not matter */
	    {"host", "example.amazonaws.com"},
	};

	(void)state;
	expect_sig(&suite, "service", "GET", "/", "Param2=value2&Param1=value1", h, 2,
	           SIGV4_EMPTY_SHA256, "20150830T123600Z",
	           "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

static void s3_get_object_canonical_request(void **state)
{
	const struct sigv4_header h[] = {
	    {"host", "examplebucket.s3.amazonaws.com"},
	    {"range", "bytes=0-9"},
	    {"x-amz-content-sha256", SIGV4_EMPTY_SHA256},
	    {"x-amz-date", "20130524T000000Z"},
	};
	buf creq, signed_h;
	char hash[65];

	(void)state;
	buf_init(&creq, 4096);
	buf_init(&signed_h, 256);
	assert_int_equal(sigv4_canonical_request("GET", "/test.txt", "", h, 4, SIGV4_EMPTY_SHA256,
	                                         &creq, &signed_h),
	                 VP_OK);
	assert_string_equal(buf_str(&creq),
	                    "GET\n/test.txt\n\n"
	                    "host:examplebucket.s3.amazonaws.com\n"
	                    "range:bytes=0-9\n"
	                    "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\n"
	                    "x-amz-date:20130524T000000Z\n\n"
	                    "host;range;x-amz-content-sha256;x-amz-date\n" SIGV4_EMPTY_SHA256);
	sigv4_sha256_hex(creq.data, creq.len, hash);
	assert_string_equal(hash,
	                    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
	buf_free(&creq);
	buf_free(&signed_h);
}

static void s3_get_object(void **state)
{
	const struct sigv4_header h[] = {
	    {"host", "examplebucket.s3.amazonaws.com"},
	    {"range", "bytes=0-9"},
	    {"x-amz-content-sha256", SIGV4_EMPTY_SHA256},
	    {"x-amz-date", "20130524T000000Z"},
	};

	(void)state;
	expect_sig(&s3doc, "s3", "GET", "/test.txt", "", h, 4, SIGV4_EMPTY_SHA256,
	           "20130524T000000Z",
	           "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

static void s3_put_object(void **state)
{
	const char *payload = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
	const struct sigv4_header h[] = {
	    {"date", "Fri, 24 May 2013 00:00:00 GMT"},
	    {"host", "examplebucket.s3.amazonaws.com"},
	    {"x-amz-content-sha256", payload},
	    {"x-amz-date", "20130524T000000Z"},
	    {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
	};
	buf path;

	(void)state;
	buf_init(&path, 256);
	sigv4_uri_encode(&path, "/test$file.text", 15, true);
	assert_string_equal(buf_str(&path), "/test%24file.text");
	expect_sig(&s3doc, "s3", "PUT", buf_str(&path), "", h, 5, payload, "20130524T000000Z",
	           "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	buf_free(&path);
}

static void s3_list_objects(void **state)
{
	const struct sigv4_header h[] = {
	    {"host", "examplebucket.s3.amazonaws.com"},
	    {"x-amz-content-sha256", SIGV4_EMPTY_SHA256},
	    {"x-amz-date", "20130524T000000Z"},
	};

	(void)state;
	expect_sig(&s3doc, "s3", "GET", "/", "max-keys=2&prefix=J", h, 3, SIGV4_EMPTY_SHA256,
	           "20130524T000000Z",
	           "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

static void s3_get_bucket_lifecycle(void **state)
{
	const struct sigv4_header h[] = {
	    {"host", "examplebucket.s3.amazonaws.com"},
	    {"x-amz-content-sha256", SIGV4_EMPTY_SHA256},
	    {"x-amz-date", "20130524T000000Z"},
	};

	(void)state;
	/* A key without '=' ("?lifecycle") canonicalises as "lifecycle=". */
	expect_sig(&s3doc, "s3", "GET", "/", "lifecycle", h, 3, SIGV4_EMPTY_SHA256,
	           "20130524T000000Z",
	           "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

/* The pre-signed URL example of the S3 API reference ("Authenticating
 * Requests: Using Query Parameters"): GET /test.txt, 86400 s. */
static void s3_presigned_get(void **state)
{
	buf q;

	(void)state;
	buf_init(&q, 4096);
	assert_int_equal(sigv4_presign(&s3doc, "s3", "GET", "examplebucket.s3.amazonaws.com",
	                               "/test.txt", "", NULL, 0, 86400, "20130524T000000Z", &q),
	                 VP_OK);
	assert_string_equal(
	    buf_str(&q),
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
	    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
	    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	buf_free(&q);
}

/* A part URL's own parameters are signed too: changing one breaks it. */
static void presign_covers_the_request_parameters(void **state)
{
	buf a, b;

	(void)state;
	buf_init(&a, 4096);
	buf_init(&b, 4096);
	sigv4_presign(&s3doc, "s3", "PUT", "h", "/b/k", "partNumber=1&uploadId=abc", NULL, 0, 3600,
	              "20130524T000000Z", &a);
	sigv4_presign(&s3doc, "s3", "PUT", "h", "/b/k", "partNumber=2&uploadId=abc", NULL, 0, 3600,
	              "20130524T000000Z", &b);
	assert_memory_equal(buf_str(&a), "partNumber=1&uploadId=abc&X-Amz-Algorithm=", 42);
	assert_string_not_equal(strstr(buf_str(&a), "X-Amz-Signature="),
	                        strstr(buf_str(&b), "X-Amz-Signature="));
	buf_free(&a);
	buf_free(&b);
}

static void uri_encode_rules(void **state)
{
	buf b;

	(void)state;
	buf_init(&b, 256);
	sigv4_uri_encode(&b, "a b/c~d_e.f-g+h=é", strlen("a b/c~d_e.f-g+h=é"), false);
	assert_string_equal(buf_str(&b), "a%20b%2Fc~d_e.f-g%2Bh%3D%C3%A9");
	buf_reset(&b);
	sigv4_uri_encode(&b, "raw/2026/x y.mp4", 16, true);
	assert_string_equal(buf_str(&b), "raw/2026/x%20y.mp4");
	buf_free(&b);
}

static void signing_key_cache_follows_the_secret(void **state)
{
	const struct sigv4_header h[] = {
	    {"host", "example.amazonaws.com"},
	    {"x-amz-date", "20150830T123600Z"},
	};
	struct sigv4_creds other = suite;

	(void)state;
	other.secret_key = "another-secret";
	expect_sig(&suite, "service", "GET", "/", "", h, 2, SIGV4_EMPTY_SHA256, "20150830T123600Z",
	           "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	{
		buf out;

		buf_init(&out, 4096);
		sigv4_authorization(&other, "service", "GET", "/", "", h, 2, SIGV4_EMPTY_SHA256,
		                    "20150830T123600Z", &out);
		assert_null(
		    strstr(buf_str(&out),
		           "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
		buf_free(&out);
	}
	/* and back: the cached key for the first secret is not reused wrongly */
	expect_sig(&suite, "service", "GET", "/", "", h, 2, SIGV4_EMPTY_SHA256, "20150830T123600Z",
	           "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(suite_get_vanilla),
	    cmocka_unit_test(suite_query_order_key_case),
	    cmocka_unit_test(s3_get_object_canonical_request),
	    cmocka_unit_test(s3_get_object),
	    cmocka_unit_test(s3_put_object),
	    cmocka_unit_test(s3_list_objects),
	    cmocka_unit_test(s3_get_bucket_lifecycle),
	    cmocka_unit_test(s3_presigned_get),
	    cmocka_unit_test(presign_covers_the_request_parameters),
	    cmocka_unit_test(uri_encode_rules),
	    cmocka_unit_test(signing_key_cache_follows_the_secret),
	};
	return cmocka_run_group_tests_name("sigv4", tests, NULL, NULL);
}
