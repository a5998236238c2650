/*
 * auth_sessions — GET /auth/sessions (bearer) → the user's sessions.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/auth.h"
#include "../lib/sess.h"

static struct json_object *rfc3339(long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(s);
}

static void sessions_get(struct http_ctx *ctx)
{
	struct auth_user who;
	struct sess_info *list;
	struct json_object *o, *a;
	size_t n;
	vp_res r;

	if (!auth_require(ctx, &who))
		return;
	if ((r = sess_list(who.uid, &list, &n)) != VP_OK) {
		http_fail(ctx, r, "sessions");
		return;
	}
	o = json_object_new_object();
	a = json_object_new_array();
	for (size_t i = 0; o && a && i < n; i++) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "id", json_object_new_string(list[i].id));
		json_object_object_add(s, "created_at", rfc3339(list[i].created));
		json_object_object_add(s, "last_used_at", rfc3339(list[i].last_used));
		json_object_object_add(s, "user_agent", json_object_new_string(list[i].user_agent));
		json_object_object_add(s, "ip", json_object_new_string(list[i].ip));
		json_object_object_add(s, "current",
		                       json_object_new_boolean(!strcmp(list[i].id, who.sid)));
		json_object_array_add(a, s);
	}
	if (o)
		json_object_object_add(o, "sessions", a);
	else
		json_object_put(a);
	free(list);
	http_json(ctx, 200, o);
}

static const struct http_method methods[] = {
    {"GET", sessions_get, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("auth_sessions", methods, VP_ARRAY_LEN(methods));
}
