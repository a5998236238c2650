/*
 * db.c — one Postgres connection per process (see db.h).
 */
#include "db.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static PGconn *db_pg;
static const char *db_url;
static char db_app[64] = "vidpipe";
static char db_timeout_s[24] = "3";
static char db_options[96] = "-c statement_timeout=5000";
static bool db_in_tx;

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

static vp_res db_try(const char *sql, int n, const char *const *params, PGresult **out)
{
	PGresult *res;
	ExecStatusType st;
	vp_res r;

	if ((r = db_connect()) != VP_OK)
		return r;
	res = PQexecParams(db_pg, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
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
