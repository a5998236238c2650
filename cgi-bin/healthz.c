/*
 * healthz — GET /healthz: is every dependency answering?
 *
 * No authentication and no rate limit (load balancers poll it), and the
 * answer names only the checks and a word for each, never a host, bucket or
 * error text.
 */
#include "../lib/db.h"
#include "../lib/http.h"
#include "../lib/rds.h"
#include "../lib/s3.h"
#include "../lib/sqs.h"

static const char *check_word(vp_res r)
{
	switch (r) {
	case VP_OK: return "ok";
	case VP_UNAVAILABLE: return "unavailable";
	case VP_DENIED: return "denied";
	case VP_NOT_FOUND: return "missing";
	default: return "error";
	}
}

static void healthz_get(struct http_ctx *ctx)
{
	struct {
		const char *name;
		vp_res r;
	} checks[] = {
	    {"postgres", db_ping()},
	    {"redis", rds_ping()},
	    {"s3", s3_head_bucket(ctx->cfg, ctx->cfg->s3_bucket_raw)},
	    {"sqs", sqs_ping(ctx->cfg, ctx->cfg->sqs_queue_url)},
	};
	struct json_object *o = json_object_new_object();
	struct json_object *c = json_object_new_object();
	const char *failed = NULL;

	if (!o || !c) {
		json_object_put(o);
		json_object_put(c);
		http_json(ctx, 500, NULL);
		return;
	}
	for (size_t i = 0; i < VP_ARRAY_LEN(checks); i++) {
		json_object_object_add(c, checks[i].name,
		                       json_object_new_string(check_word(checks[i].r)));
		if (checks[i].r != VP_OK && !failed)
			failed = checks[i].name;
	}
	json_object_object_add(o, "status", json_object_new_string(failed ? "unavailable" : "ok"));
	json_object_object_add(o, "checks", c);
	if (failed) {
		/* Also the contract's error shape, so generic clients see a
		 * 503 they understand. */
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "code", json_object_new_string("unavailable"));
		json_object_object_add(e, "message",
		                       json_object_new_string("a dependency is unavailable"));
		json_object_object_add(o, "error", e);
	}
	http_json(ctx, failed ? 503 : 200, o);
}

static const struct http_method methods[] = {
    {"GET", healthz_get, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("healthz", methods, VP_ARRAY_LEN(methods));
}
