/*
 * users.c — the users table (see users.h).
 */
#include "users.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

#define USER_COLS                                                                                  \
	"id::text, email, "                                                                        \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), password_hash"

static const char *const sql_create =
    "INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING " USER_COLS;
static const char *const sql_by_email = "SELECT " USER_COLS " FROM users WHERE email = $1";
static const char *const sql_by_id = "SELECT " USER_COLS " FROM users WHERE id = $1";

void users_init(struct user *u)
{
	memset(u, 0, sizeof(*u));
	buf_init(&u->password_hash, 1024);
}

void users_free(struct user *u)
{
	if (u)
		buf_free(&u->password_hash);
}

static vp_res users_row(PGresult *res, struct user *u, int with_hash)
{
	if (PQntuples(res) != 1)
		return VP_NOT_FOUND;
	snprintf(u->id, sizeof(u->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(u->email, sizeof(u->email), "%s", PQgetvalue(res, 0, 1));
	snprintf(u->created_at, sizeof(u->created_at), "%s", PQgetvalue(res, 0, 2));
	buf_reset(&u->password_hash);
	return with_hash ? buf_adds(&u->password_hash, PQgetvalue(res, 0, 3)) : VP_OK;
}

static vp_res users_one(const char *sql, int n, const char *const *params, struct user *u,
                        int with_hash)
{
	PGresult *res;
	vp_res r = db_exec(sql, n, params, &res);

	if (r != VP_OK)
		return r;
	r = users_row(res, u, with_hash);
	PQclear(res);
	return r;
}

vp_res users_create(const char *email, const char *phc, struct user *u)
{
	const char *p[2] = {email, phc};

	return users_one(sql_create, 2, p, u, 0);
}

vp_res users_by_email(const char *email, struct user *u)
{
	const char *p[1] = {email};

	return users_one(sql_by_email, 1, p, u, 1);
}

vp_res users_by_id(const char *id, struct user *u)
{
	const char *p[1] = {id};

	return users_one(sql_by_id, 1, p, u, 0);
}

struct json_object *users_json(const struct user *u)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(u->id));
	json_object_object_add(o, "email", json_object_new_string(u->email));
	json_object_object_add(o, "created_at", json_object_new_string(u->created_at));
	return o;
}
