/*
 * users.h — the users table. All of its SQL lives here.
 */
#ifndef VP_USERS_H
#define VP_USERS_H

#include "buf.h"
#include "vp.h"

struct user {
	char id[37];
	char email[256];
	char created_at[32]; /* RFC 3339 UTC */
	buf password_hash;   /* filled by users_by_email only; users_free() */
};

void users_init(struct user *u);
void users_free(struct user *u); /* accepts NULL */

/* email must already be normalised. VP_CONFLICT when it is taken. */
vp_res users_create(const char *email, const char *phc, struct user *u);
/* VP_NOT_FOUND when there is no such user. */
vp_res users_by_email(const char *email, struct user *u);
vp_res users_by_id(const char *id, struct user *u);

/* {"id","email","created_at"} */
struct json_object *users_json(const struct user *u);

#endif
