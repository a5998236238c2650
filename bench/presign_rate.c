/*
 * presign_rate — the in-process baseline of the upload-signing benchmark:
 * signs the URLs of N parts (default 10,000) of one multipart upload with
 * lib/'s s3_presign(), exactly as the API does, and prints URLs per second.
 * Configuration from the environment, like every vidpipe program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../lib/cfg.h"
#include "../lib/s3.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	struct timespec a, b;
	struct cfg cfg;
	buf err, url, q;
	double secs;

	buf_init(&err, 1024);
	if (cfg_load(&cfg, &err) != VP_OK || n < 1) {
		fprintf(stderr, "presign_rate: %s\n", buf_str(&err));
		return 1;
	}
	buf_init(&url, 16384);
	buf_init(&q, 1024);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 1; i <= n; i++) {
		buf_reset(&url);
		buf_reset(&q);
		buf_printf(&q, "partNumber=%ld&uploadId=YmVuY2htYXJrLXVwbG9hZC1pZA", i);
		if (s3_presign(&cfg, "PUT", cfg.s3_bucket_raw, "raw/bench/object", q.data, 3600,
		               &url) != VP_OK)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%ld %.4f %.0f\n", n, secs, (double)n / secs);
	buf_free(&url);
	buf_free(&q);
	buf_free(&err);
	return 0;
}
