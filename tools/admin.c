/*
 * vidpipe-admin — operator commands that speak the same protocols as the API.
 *
 *   vidpipe-admin create-bucket NAME...   create S3 buckets (existing: fine)
 *   vidpipe-admin check                   the /healthz checks, from a shell
 *   vidpipe-admin presign METHOD BUCKET KEY [TTL]
 *                                         a pre-signed URL (default 3600 s),
 *                                         e.g. to fetch a raw upload
 *
 * Configuration comes from the environment, as for every vidpipe program.
 * Exit status: 0 on success, 1 on failure, 2 on bad usage.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cfg.h"
#include "../lib/db.h"
#include "../lib/log.h"
#include "../lib/rds.h"
#include "../lib/s3.h"
#include "../lib/sqs.h"

static int usage(void)
{
	fputs("usage: vidpipe-admin create-bucket NAME... | check | presign METHOD BUCKET KEY "
	      "[TTL]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct cfg cfg;
	buf err;
	int rc = 0;

	if (argc < 2)
		return usage();
	log_init("vidpipe-admin");
	buf_init(&err, 1024);
	if (cfg_load(&cfg, &err) != VP_OK) {
		fprintf(stderr, "vidpipe-admin: %s\n", buf_str(&err));
		buf_free(&err);
		return 1;
	}
	buf_free(&err);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!strcmp(argv[1], "create-bucket") && argc > 2) {
		for (int i = 2; i < argc; i++) {
			vp_res r = s3_create_bucket(&cfg, argv[i]);

			if (r != VP_OK) {
				fprintf(stderr, "vidpipe-admin: bucket %s: %s\n", argv[i],
				        vp_res_str(r));
				rc = 1;
			}
		}
	} else if (!strcmp(argv[1], "presign") && (argc == 5 || argc == 6)) {
		char *end = NULL;
		long ttl = argc == 6 ? strtol(argv[5], &end, 10) : 3600;
		buf url;

		if ((end && *end) || ttl < 1 || ttl > 7 * 86400)
			return usage();
		buf_init(&url, 16384);
		if (s3_presign(&cfg, argv[2], argv[3], argv[4], "", ttl, &url) == VP_OK)
			puts(buf_str(&url));
		else
			rc = 1;
		buf_free(&url);
	} else if (!strcmp(argv[1], "check")) {
		vp_res r;

		db_setup(cfg.database_url, cfg.dep_timeout_ms, "vidpipe-admin");
		rds_setup(cfg.redis_url, cfg.dep_timeout_ms);
		r = db_ping();
		printf("postgres %s\n", vp_res_str(r));
		rc |= r != VP_OK;
		r = rds_ping();
		printf("redis %s\n", vp_res_str(r));
		rc |= r != VP_OK;
		r = s3_head_bucket(&cfg, cfg.s3_bucket_raw);
		printf("s3 %s\n", vp_res_str(r));
		rc |= r != VP_OK;
		r = sqs_ping(&cfg, cfg.sqs_queue_url);
		printf("sqs %s\n", vp_res_str(r));
		rc |= r != VP_OK;
		db_close();
		rds_close();
	} else {
		rc = usage();
	}
	curl_global_cleanup();
	return rc;
}
