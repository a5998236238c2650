/*
 * log.h — JSON-lines logging to stderr.
 *
 * One object per line: {"ts","level","prog","request_id","event",...}. Values
 * are escaped as JSON strings, so a hostile string cannot forge a line; one
 * longer than 16 KiB is cut there. Callers
 * never pass secrets: passwords, tokens and signed URLs stay out of logs.
 */
#ifndef VP_LOG_H
#define VP_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_init(const char *prog);
/* The id that following lines carry; NULL clears it. Copied. */
void log_set_request_id(const char *id);
/* The end of log_event()'s pairs: a typed null pointer, since a bare NULL
 * may be an int 0 in a variadic call. */
#define LOG_END ((const char *)NULL)

/* Extra fields as "key", "value" string pairs, ended by LOG_END. */
void log_event(enum log_level lvl, const char *event, ...) __attribute__((sentinel));

#endif
