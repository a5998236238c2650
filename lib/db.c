/*
 * db.c — one Postgres connection per process (see db.h).
 *
 * Statements are prepared once per connection and then run by name: for
 * the short reads of the API, Postgres spends more on parsing and planning
 * a statement sent as text than on running it. The cache is keyed by the
 * statement's text (lib/ writes its SQL as constants; a copy is kept) and
 * emptied with the connection. A statement the server no longer knows, or
 * whose cached plan no longer fits the schema, empties the cache and runs
 * once more as text (outside a transaction), so neither a DISCARD by a
 * pooler nor a migration breaks a running responder.
 */
#include "db.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static PGconn *db_pg;
static const char *db_url;
static char db_app[64] = "vidpipe";
static char db_timeout_s[24] = "3";
static char db_options[96] = "-c statement_timeout=5000";
static bool db_in_tx;

#define DB_STMT_MAX 128 /* more distinct statements run as text */

struct db_stmt {
	uint64_t hash;
	char *sql; /* a copy */
};
static struct db_stmt db_stmts[DB_STMT_MAX];
static int db_n_stmts;

static void db_forget_statements(void)
{
	for (int i = 0; i < db_n_stmts; i++)
		free(db_stmts[i].sql);
	db_n_stmts = 0;
}

void db_setup(const char *url, long timeout_ms, const char *prog)
{
	long s = (timeout_ms + 999) / 1000;

	db_url = url;
	snprintf(db_app, sizeof(db_app), "%s", prog);
	snprintf(db_timeout_s, sizeof(db_timeout_s), "%ld", s < 2 ? 2 : s);
	snprintf(db_options, sizeof(db_options), "-c statement_timeout=%ld", timeout_ms * 2);
}

void db_close(void)
{
	if (db_pg)
		PQfinish(db_pg);
	db_pg = NULL;
	db_in_tx = false;
	db_forget_statements();
}

static vp_res db_connect(void)
{
	const char *const keys[] = {"dbname", "connect_timeout", "application_name", "options",
	                            NULL};
	const char *const vals[] = {db_url, db_timeout_s, db_app, db_options, NULL};

	if (db_pg && PQstatus(db_pg) == CONNECTION_OK)
		return VP_OK;
	db_close();
	if (!db_url)
		return VP_INTERNAL;
	db_pg = PQconnectdbParams(keys, vals, 1);
	if (!db_pg)
		return VP_NOMEM;
	if (PQstatus(db_pg) != CONNECTION_OK) {
		log_event(LOG_WARN, "db_connect", "error", PQerrorMessage(db_pg), LOG_END);
		db_close();
		return VP_UNAVAILABLE;
	}
	return VP_OK;
}

static vp_res db_classify(PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (PQstatus(db_pg) != CONNECTION_OK || !state)
		return VP_UNAVAILABLE;
	if (!strcmp(state, "23505"))
		return VP_CONFLICT;
	/* connection exceptions, shutdown, resources, timeouts */
	if (!strncmp(state, "08", 2) || !strncmp(state, "57", 2) || !strncmp(state, "53", 2))
		return VP_UNAVAILABLE;
	log_event(LOG_ERROR, "db_error", "sqlstate", state, "error",
	          PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY), LOG_END);
	return VP_INTERNAL;
}

/* Only plain statements are prepared; BEGIN, COMMIT and the like go as
 * text. */
static bool db_preparable(const char *sql)
{
	return !strncmp(sql, "SELECT ", 7) || !strncmp(sql, "INSERT ", 7) ||
	       !strncmp(sql, "UPDATE ", 7) || !strncmp(sql, "DELETE ", 7) ||
	       !strncmp(sql, "WITH ", 5);
}

static uint64_t db_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The name sql is prepared under on this connection ("s<index>"), preparing
 * it on first use; *name is "" when it is to run as text (not preparable,
 * cache full). */
static vp_res db_statement(const char *sql, int n, char name[16])
{
	uint64_t h;
	PGresult *res;
	vp_res r;
	int i;

	name[0] = '\0';
	if (!db_preparable(sql))
		return VP_OK;
	h = db_hash(sql);
	for (i = 0; i < db_n_stmts; i++)
		if (db_stmts[i].hash == h && !strcmp(db_stmts[i].sql, sql)) {
			snprintf(name, 16, "s%d", i);
			return VP_OK;
		}
	if (db_n_stmts == DB_STMT_MAX)
		return VP_OK;
	snprintf(name, 16, "s%d", i);
	res = PQprepare(db_pg, name, sql, n, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		r = res ? db_classify(res) : VP_UNAVAILABLE;
		PQclear(res);
		name[0] = '\0';
		return r;
	}
	PQclear(res);
	if (!(db_stmts[i].sql = strdup(sql))) {
		PGresult *d = PQexec(db_pg, "DEALLOCATE ALL"); /* keep names and cache in step */

		PQclear(d);
		db_forget_statements();
		name[0] = '\0';
		return VP_OK;
	}
	db_stmts[i].hash = h;
	db_n_stmts++;
	return VP_OK;
}

/* A prepared statement the server has lost (26000) or whose plan the
 * schema has outgrown (0A000: "cached plan must not change result type"). */
static bool db_stale_statement(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state && (!strcmp(state, "26000") || !strcmp(state, "0A000"));
}

static vp_res db_try(const char *sql, int n, const char *const *params, PGresult **out)
{
	PGresult *res;
	ExecStatusType st;
	char name[16];
	vp_res r;

	if ((r = db_connect()) != VP_OK || (r = db_statement(sql, n, name)) != VP_OK)
		return r;
	if (name[0])
		res = PQexecPrepared(db_pg, name, n, params, NULL, NULL, 0);
	else
		res = PQexecParams(db_pg, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (name[0] && st == PGRES_FATAL_ERROR && db_stale_statement(res) && !db_in_tx) {
		PGresult *d = PQexec(db_pg, "DEALLOCATE ALL");

		PQclear(d);
		PQclear(res);
		db_forget_statements();
		res = PQexecParams(db_pg, sql, n, NULL, params, NULL, NULL, 0);
		st = PQresultStatus(res);
	}
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (out)
			*out = res;
		else
			PQclear(res);
		return VP_OK;
	}
	r = res ? db_classify(res) : VP_UNAVAILABLE;
	PQclear(res);
	return r;
}

vp_res db_exec(const char *sql, int n, const char *const *params, PGresult **out)
{
	bool had_conn = db_pg != NULL;
	vp_res r;

	if (out)
		*out = NULL;
	r = db_try(sql, n, params, out);
	/* A connection that died while idle (server restart) is retried once;
	 * inside a transaction the work so far is lost, so the caller must
	 * see the failure. */
	if (r == VP_UNAVAILABLE && had_conn && !db_in_tx &&
	    (!db_pg || PQstatus(db_pg) != CONNECTION_OK)) {
		db_close();
		r = db_try(sql, n, params, out);
	}
	if (r == VP_UNAVAILABLE && db_pg && PQstatus(db_pg) != CONNECTION_OK)
		db_close();
	return r;
}

vp_res db_begin(void)
{
	vp_res r = db_exec("BEGIN", 0, NULL, NULL);

	db_in_tx = (r == VP_OK);
	return r;
}

vp_res db_commit(void)
{
	vp_res r = db_exec("COMMIT", 0, NULL, NULL);

	db_in_tx = false;
	return r;
}

void db_rollback(void)
{
	if (db_in_tx && db_pg && PQstatus(db_pg) == CONNECTION_OK) {
		PGresult *res = PQexec(db_pg, "ROLLBACK");

		PQclear(res);
	}
	db_in_tx = false;
}

vp_res db_ping(void)
{
	return db_exec("SELECT 1", 0, NULL, NULL);
}
