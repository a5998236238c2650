/*
 * me — GET /me (bearer) → {"user"}.
 *
 * The user's e-mail and creation time never change, so a login stores them
 * with the session and the middleware's Redis round trip already brings
 * them: the answer needs no Postgres. A session made before sessions held
 * them is answered from Postgres, as before.
 */
#include <string.h>

#include "../lib/auth.h"

static void me_get(struct http_ctx *ctx)
{
	struct auth_user who;
	struct user u;
	struct json_object *o;
	vp_res r = VP_OK;

	if (!auth_require(ctx, &who))
		return;
	users_init(&u);
	if (who.owner.email[0]) {
		memcpy(u.id, who.uid, sizeof(u.id));
		memcpy(u.email, who.owner.email, sizeof(u.email));
		memcpy(u.created_at, who.owner.created_at, sizeof(u.created_at));
	} else {
		r = users_by_id(who.uid, &u);
	}
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
