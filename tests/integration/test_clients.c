/*
 * The S3 and SQS clients against the real local services of the test stack
 * (Swift + s3api, fauxqs): configuration from the stack's environment, as
 * every vidpipe program takes it. Run by tests/run-all.sh once the stack is
 * up; it cleans up what it creates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../lib/json.h"
#include "../../lib/putq.h"
#include "../../lib/s3.h"
#include "../../lib/sqs.h"

static struct cfg cfg;
static char key[128];
static char queue[1024]; /* a queue of this test's own: the worker drains the shared one */

static int setup(void **state)
{
	buf err;

	(void)state;
	buf_init(&err, 1024);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cfg_load(&cfg, &err) != VP_OK) {
		fprintf(stderr, "config: %s\n", buf_str(&err));
		return -1;
	}
	snprintf(key, sizeof(key), "integration/%d/clip data.bin", (int)getpid());
	buf_free(&err);
	{
		struct json_object *req = json_object_new_object(), *out = NULL;
		char name[64];
		const char *url;

		snprintf(name, sizeof(name), "vidpipe-integration-%d", (int)getpid());
		json_object_object_add(req, "QueueName", json_object_new_string(name));
		if (sqs_call(&cfg, "CreateQueue", req, &out) != VP_OK ||
		    json_field_str(out, "QueueUrl", &url) != VP_OK)
			return -1;
		snprintf(queue, sizeof(queue), "%s", url);
		json_object_put(req);
		json_object_put(out);
	}
	return 0;
}

static int teardown(void **state)
{
	struct json_object *req = json_object_new_object(), *out = NULL;

	(void)state;
	json_object_object_add(req, "QueueUrl", json_object_new_string(queue));
	sqs_call(&cfg, "DeleteQueue", req, &out);
	json_object_put(req);
	json_object_put(out);
	curl_global_cleanup();
	return 0;
}

static void s3_put_head_get_delete_a_file(void **state)
{
	FILE *in = tmpfile(), *out = tmpfile();
	long long size = 0, got = 0;
	const char *keys[2] = {key, "integration/never-existed"};
	char a[4096], b[4096];

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	for (int i = 0; i < 2000; i++)
		fprintf(in, "line %d of a streamed object\n", i);
	size = ftell(in);
	rewind(in);
	assert_int_equal(s3_put_file(&cfg, cfg.s3_bucket_processed, key, "video/mp4", in, size),
	                 VP_OK);
	assert_int_equal(s3_head_object(&cfg, cfg.s3_bucket_processed, key, &got), VP_OK);
	assert_int_equal(got, size);
	assert_int_equal(s3_get_to_file(&cfg, cfg.s3_bucket_processed, key, out, &got), VP_OK);
	assert_int_equal(got, size);
	rewind(in);
	rewind(out);
	while (!feof(in)) {
		size_t n = fread(a, 1, sizeof(a), in), m = fread(b, 1, sizeof(b), out);

		assert_int_equal(n, m);
		assert_memory_equal(a, b, n);
	}
	assert_int_equal(s3_delete_objects(&cfg, cfg.s3_bucket_processed, keys, 2), VP_OK);
	assert_int_equal(s3_head_object(&cfg, cfg.s3_bucket_processed, key, &got), VP_NOT_FOUND);
	fclose(in);
	fclose(out);
}

/* putq: five files of different sizes, two PUTs at a time and two
 * waiting (so it fills and must be drained), each landing whole and taken
 * once; ListObjects finds them under their prefix (two to a page: the
 * listing walks pages), and a link is never followed. */
static void putq_sends_files_in_parallel_and_list_finds_them(void **state)
{
	char dir[] = "/tmp/vidpipe-putq-XXXXXX", path[256], k[256], prefix[128];
	const char *gone[5];
	char keys_store[5][256];
	struct putq *q = NULL;
	struct putq_done d;
	bool taken[5] = {false}, ready;
	size_t n = 0, added = 0, done = 0;
	long long size;
	buf keys;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(prefix, sizeof(prefix), "integration/%d/putq/", (int)getpid());
	assert_int_equal(putq_new(&cfg, cfg.s3_bucket_processed, 2, 2, &q), VP_OK);
	while (done < 5) {
		while (added < 5 && !putq_full(q)) {
			FILE *f;

			snprintf(path, sizeof(path), "%s/%zu", dir, added);
			f = fopen(path, "wb");
			assert_non_null(f);
			for (size_t i = 0; i < 1000 * (added + 1); i++)
				fputs("segment bytes\n", f);
			fclose(f);
			snprintf(keys_store[added], sizeof(keys_store[added]), "%s%05zu.m4s",
			         prefix, added + 1);
			assert_int_equal(
			    putq_add(q, path, keys_store[added], "video/iso.segment", added),
			    VP_OK);
			added++;
		}
		assert_true(added < 5 || putq_pending(q) <= 4);
		assert_int_equal(putq_run(q, -1, 500, &ready), VP_OK);
		while (putq_take(q, &d)) {
			assert_true(d.tag < 5 && !taken[d.tag]);
			assert_int_equal(d.result, VP_OK);
			assert_int_equal(d.size, (long long)(14 * 1000 * (d.tag + 1)));
			taken[d.tag] = true;
			done++;
		}
	}
	assert_int_equal(putq_pending(q), 0);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(
		    s3_head_object(&cfg, cfg.s3_bucket_processed, keys_store[i], &size), VP_OK);
		assert_int_equal(size, (long long)(14 * 1000 * (i + 1)));
		gone[i] = keys_store[i];
	}
	/* a symbolic link is refused, whatever it points at */
	snprintf(path, sizeof(path), "%s/link", dir);
	snprintf(k, sizeof(k), "%s/0", dir);
	assert_int_equal(symlink(k, path), 0);
	assert_int_equal(putq_add(q, path, keys_store[0], "video/iso.segment", 9), VP_NOT_FOUND);
	putq_free(q);

	buf_init(&keys, 1 << 20);
	assert_int_equal(s3_list_keys(&cfg, cfg.s3_bucket_processed, prefix, &keys, &n), VP_OK);
	assert_int_equal(n, 5);
	for (size_t i = 0, off = 0; i < n; i++) {
		assert_string_equal(keys.data + off, keys_store[i]); /* listed in key order */
		off += strlen(keys.data + off) + 1;
	}
	assert_int_equal(s3_delete_objects(&cfg, cfg.s3_bucket_processed, gone, 5), VP_OK);
	buf_reset(&keys);
	assert_int_equal(s3_list_keys(&cfg, cfg.s3_bucket_processed, prefix, &keys, &n), VP_OK);
	assert_int_equal(n, 0);
	buf_free(&keys);
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%d", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/link", dir);
	unlink(path);
	rmdir(dir);
}

/* Collects the ETag header of a response. */
static size_t etag_header(char *line, size_t size, size_t n, void *ud)
{
	size_t len = size * n;

	if (len > 6 && !strncasecmp(line, "etag:", 5)) {
		const char *v = line + 5;
		size_t vl = len - 5;

		while (vl && (*v == ' ' || *v == '"')) {
			v++;
			vl--;
		}
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == '"'))
			vl--;
		snprintf(ud, 128, "%.*s", (int)vl, v);
	}
	return len;
}

/* The object's ETag, by a pre-signed HEAD sent with plain libcurl. */
static void object_etag(const struct cfg *c, char etag[128])
{
	CURL *h = curl_easy_init();
	buf url;
	long status = 0;

	buf_init(&url, 0);
	etag[0] = '\0';
	assert_int_equal(s3_presign(c, "HEAD", c->s3_bucket_processed, key, "", 60, &url), VP_OK);
	curl_easy_setopt(h, CURLOPT_URL, buf_str(&url));
	curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, etag_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, etag);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	assert_int_equal(status, 200);
	curl_easy_cleanup(h);
	buf_free(&url);
}

static void s3_put_above_the_threshold_goes_multipart(void **state)
{
	FILE *in = tmpfile(), *out = tmpfile();
	long long size = 12LL << 20, got = 0; /* 5 + 5 + 2 MiB parts */
	const char *keys[1] = {key};
	char a[65536], b[65536];
	struct cfg c = cfg;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	c.s3_multipart_threshold = 5LL << 20;
	for (long long i = 0; i < size; i += (long long)sizeof(a)) {
		for (size_t k = 0; k < sizeof(a); k++)
			a[k] = (char)((i / (long long)sizeof(a) * 31 + (long long)k) & 0xff);
		fwrite(a, 1, sizeof(a), in);
	}
	rewind(in);
	assert_int_equal(s3_put_file(&c, c.s3_bucket_processed, key, "video/mp4", in, size), VP_OK);
	assert_int_equal(s3_head_object(&c, c.s3_bucket_processed, key, &got), VP_OK);
	assert_int_equal(got, size);
	/* Stored as a multipart object: S3 (and Swift's s3api) name such an
	 * object "<MD5 of the parts' binary MD5s>-<parts>", which a single PUT
	 * (the MD5 of the bytes) never is. Computed here with OpenSSL from the
	 * bytes, in 5 MiB parts. */
	{
		unsigned char digests[3 * 16], whole[16];
		char want[64], etag[128];
		size_t off = 0;

		rewind(in);
		for (int part = 0; part < 3; part++) {
			EVP_MD_CTX *m = EVP_MD_CTX_new();
			long long left = part < 2 ? 5LL << 20 : 2LL << 20;

			EVP_DigestInit_ex(m, EVP_md5(), NULL);
			while (left > 0) {
				size_t n = fread(a, 1, sizeof(a), in);

				assert_int_equal(n, sizeof(a));
				EVP_DigestUpdate(m, a, n);
				left -= (long long)n;
			}
			EVP_DigestFinal_ex(m, digests + off, NULL);
			off += 16;
			EVP_MD_CTX_free(m);
		}
		EVP_Digest(digests, sizeof(digests), whole, NULL, EVP_md5(), NULL);
		for (int i = 0; i < 16; i++)
			snprintf(want + 2 * i, 3, "%02x", whole[i]);
		snprintf(want + 32, sizeof(want) - 32, "-3");
		object_etag(&c, etag);
		assert_string_equal(etag, want);
	}
	assert_int_equal(s3_get_to_file(&c, c.s3_bucket_processed, key, out, &got), VP_OK);
	rewind(in);
	rewind(out);
	for (long long done = 0; done < size; done += (long long)sizeof(a)) {
		assert_int_equal(fread(a, 1, sizeof(a), in), sizeof(a));
		assert_int_equal(fread(b, 1, sizeof(b), out), sizeof(b));
		assert_memory_equal(a, b, sizeof(a));
	}
	assert_int_equal(s3_delete_objects(&c, c.s3_bucket_processed, keys, 1), VP_OK);
	fclose(in);
	fclose(out);
}

static void s3_get_of_a_missing_object_writes_nothing(void **state)
{
	FILE *out = tmpfile();
	long long got = -1;

	(void)state;
	assert_non_null(out);
	assert_int_equal(
	    s3_get_to_file(&cfg, cfg.s3_bucket_processed, "integration/none", out, &got),
	    VP_NOT_FOUND);
	assert_int_equal(ftell(out), 0); /* the error document is not the object */
	fclose(out);
}

static void sqs_send_receive_return_delete(void **state)
{
	const char *body = "{\"integration\":true}";
	struct sqs_message m;
	bool got;

	(void)state;
	assert_int_equal(sqs_send(&cfg, queue, body), VP_OK);
	assert_int_equal(sqs_receive(&cfg, queue, 2, 30, &m, &got), VP_OK);
	assert_true(got);
	assert_string_equal(m.body, body);
	assert_int_equal(m.receive_count, 1);
	/* hidden now: a second receive finds nothing */
	{
		struct sqs_message n;
		bool again = true;

		assert_int_equal(sqs_receive(&cfg, queue, 1, 0, &n, &again), VP_OK);
		assert_false(again);
		sqs_message_free(&n);
	}
	/* visibility 0: it comes straight back, counted once more */
	assert_int_equal(sqs_change_visibility(&cfg, queue, m.receipt, 0), VP_OK);
	sqs_message_free(&m);
	assert_int_equal(sqs_receive(&cfg, queue, 2, 30, &m, &got), VP_OK);
	assert_true(got);
	assert_int_equal(m.receive_count, 2);
	assert_int_equal(sqs_delete(&cfg, queue, m.receipt), VP_OK);
	sqs_message_free(&m);
	/* deleted: gone for good */
	assert_int_equal(sqs_receive(&cfg, queue, 1, 0, &m, &got), VP_OK);
	assert_false(got);
	sqs_message_free(&m);
}

static void sqs_long_poll_on_an_empty_queue_ends_empty(void **state)
{
	struct sqs_message m;
	bool got = true;

	(void)state;
	assert_int_equal(sqs_receive(&cfg, queue, 1, 0, &m, &got), VP_OK);
	assert_false(got);
	sqs_message_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(s3_put_head_get_delete_a_file),
	    cmocka_unit_test(s3_put_above_the_threshold_goes_multipart),
	    cmocka_unit_test(s3_get_of_a_missing_object_writes_nothing),
	    cmocka_unit_test(putq_sends_files_in_parallel_and_list_finds_them),
	    cmocka_unit_test(sqs_send_receive_return_delete),
	    cmocka_unit_test(sqs_long_poll_on_an_empty_queue_ends_empty),
	};
	return cmocka_run_group_tests_name("clients", tests, setup, teardown);
}
