/*
 * me — GET /me (bearer) → {"user"}.
 */
#include "../lib/auth.h"

static void me_get(struct http_ctx *ctx)
{
	struct auth_user who;
	struct user u;
	struct json_object *o;
	vp_res r;

	if (!auth_require(ctx, &who))
		return;
	users_init(&u);
	r = users_by_id(who.uid, &u);
	if (r == VP_NOT_FOUND) {
		auth_unauthorized(ctx, true);
	} else if (r != VP_OK) {
		http_fail(ctx, r, "me");
	} else {
		o = json_object_new_object();
		if (o)
			json_object_object_add(o, "user", users_json(&u));
		http_json(ctx, 200, o);
	}
	users_free(&u);
}

static const struct http_method methods[] = {
    {"GET", me_get, HTTP_NO_BODY},
};

int main(void)
{
	return http_serve("me", methods, VP_ARRAY_LEN(methods));
}
