/*
 * db.h — the process's one Postgres connection.
 *
 * Opened lazily on first use and kept across requests. When the server has
 * restarted, the first statement on the dead connection fails; if no
 * transaction was open, db_exec() reconnects and runs it once more, so the
 * first request after recovery succeeds. A server that stays down gives
 * VP_UNAVAILABLE within the configured timeout.
 *
 * Values travel only as parameters ($1, $2 ...), never in the SQL text.
 * A PGresult handed out is the caller's: PQclear() it.
 */
#ifndef VP_DB_H
#define VP_DB_H

#include <libpq-fe.h>

#include "vp.h"

/* Remembers how to connect; does not connect yet. prog becomes the
 * application_name. */
void db_setup(const char *url, long timeout_ms, const char *prog);
void db_close(void);

/* Runs sql with n text parameters (NULL entries are SQL NULL). *out is set
 * on VP_OK only (NULL may be passed to discard the result). Unique-key
 * violations are VP_CONFLICT, connection and timeout failures
 * VP_UNAVAILABLE, everything else VP_INTERNAL. */
vp_res db_exec(const char *sql, int n, const char *const *params, PGresult **out);

/* BEGIN / COMMIT / ROLLBACK. db_rollback() is safe to call on any path. */
vp_res db_begin(void);
vp_res db_commit(void);
void db_rollback(void);

/* SELECT 1. */
vp_res db_ping(void);

#endif
