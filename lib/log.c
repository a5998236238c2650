/*
 * log.c — JSON-lines logging (see log.h).
 *
 * Each line is built whole and written with one fwrite, so lines from
 * concurrent processes sharing the server's error log do not interleave.
 */
#include "log.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char log_prog[64] = "vidpipe";
static char log_request_id[72];
static enum log_level log_min = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *prog)
{
	const char *lvl = getenv("LOG_LEVEL");
	size_t i;

	snprintf(log_prog, sizeof(log_prog), "%s", prog);
	for (i = 0; lvl && i < 4; i++)
		if (!strcmp(lvl, level_names[i]))
			log_min = (enum log_level)i;
}

void log_set_request_id(const char *id)
{
	snprintf(log_request_id, sizeof(log_request_id), "%s", id ? id : "");
}

void log_event(enum log_level lvl, const char *event, ...)
{
	struct json_object *o;
	struct timespec ts;
	struct tm tm;
	char when[80];
	const char *k, *v, *line;
	va_list ap;

	if (lvl < log_min)
		return;
	o = json_object_new_object();
	if (!o)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	json_object_object_add(o, "ts", json_object_new_string(when));
	json_object_object_add(o, "level", json_object_new_string(level_names[lvl]));
	json_object_object_add(o, "prog", json_object_new_string(log_prog));
	if (log_request_id[0])
		json_object_object_add(o, "request_id", json_object_new_string(log_request_id));
	json_object_object_add(o, "event", json_object_new_string(event));
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
	}
	va_end(ap);
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	if (line) {
		size_t n = strlen(line);
		char *l = malloc(n + 2);

		if (l) {
			memcpy(l, line, n);
			l[n] = '\n';
			fwrite(l, 1, n + 1, stderr);
			fflush(stderr);
			free(l);
		}
	}
	json_object_put(o);
}
