/*
 * rds.h — the process's one Redis connection.
 *
 * Opened lazily, kept across requests, dropped on any I/O error and opened
 * again on the next command (once within the same call, so the first
 * command after a Redis restart succeeds). Every value is passed as an
 * argument (%s / %b in the format, or a script's argv), never formatted into
 * the command text. Replies handed out are the caller's: freeReplyObject().
 */
#ifndef VP_RDS_H
#define VP_RDS_H

#include <hiredis/hiredis.h>

#include "vp.h"

/* url: redis://[:password@]host[:port][/db]. Checked here, connected later. */
vp_res rds_setup(const char *url, long timeout_ms);
void rds_close(void);

/* One command. An error reply is VP_INTERNAL (VP_UNAVAILABLE for a server
 * that is loading or read-only); no reply is VP_UNAVAILABLE. */
vp_res rds_cmd(redisReply **out, const char *fmt, ...);

vp_res rds_ping(void);

/* A Lua script run by EVALSHA, loaded with EVAL the first time the server
 * does not know it (after a restart, too). Declare one static per script:
 *   static struct rds_script s = { .src = "..." };  */
struct rds_script {
	const char *src;
	char sha[41]; /* filled on first use */
};

/* Runs the script with nkeys keys followed by the other args (strings).
 * Error replies from the script are VP_INTERNAL and logged. */
vp_res rds_eval(struct rds_script *s, redisReply **out, int nkeys, int nargs, const char **args);

#endif
