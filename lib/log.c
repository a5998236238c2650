/*
 * log.c — JSON-lines logging (see log.h).
 *
 * Each line is built whole in one buffer kept for the process and written
 * with one write(2), so lines from concurrent processes sharing the
 * server's log do not interleave. Every request writes one line, so the
 * line is built by hand rather than as a json-c object: strings are
 * escaped here (quote, backslash and control characters; other bytes pass
 * as they are, as json-c passes them), and the timestamp's date part is
 * formatted once per second.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define LOG_LINE_MAX  ((size_t)256 * 1024)
#define LOG_VALUE_MAX ((size_t)16 * 1024) /* a longer value is cut there */

static char log_prog[64] = "vidpipe";
static char log_request_id[72];
static enum log_level log_min = LOG_INFO;
static buf log_line;

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
	size_t n = id ? strlen(id) : 0;

	if (n >= sizeof(log_request_id))
		n = sizeof(log_request_id) - 1;
	memcpy(log_request_id, id ? id : "", n);
	log_request_id[n] = '\0';
}

/* Appends s as a JSON string (quotes included), at most LOG_VALUE_MAX bytes
 * of it, not cutting a UTF-8 sequence. */
static void add_string(buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s), run = 0;

	if (n > LOG_VALUE_MAX) {
		n = LOG_VALUE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = {'\\', 0, 0, 0, 0, 0};
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + run, i - run); /* the plain bytes before it */
		run = i + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		buf_add(b, esc, elen);
	}
	buf_add(b, s + run, n - run);
	buf_addc(b, '"');
}

static void add_field(buf *b, const char *key, const char *value)
{
	buf_addc(b, ',');
	add_string(b, key);
	buf_addc(b, ':');
	if (value)
		add_string(b, value);
	else
		buf_adds(b, "null");
}

/* "2026-11-29T11:40:00.123Z": the part before the milliseconds is made
 * once per second. */
static void add_time(buf *b)
{
	static time_t cached_sec = -1;
	static char cached[64];
	struct timespec ts;
	char ms[5];
	long m;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec) {
		struct tm tm;

		gmtime_r(&ts.tv_sec, &tm);
		snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d.",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		         tm.tm_sec);
		cached_sec = ts.tv_sec;
	}
	m = ts.tv_nsec / 1000000;
	ms[0] = (char)('0' + m / 100);
	ms[1] = (char)('0' + m / 10 % 10);
	ms[2] = (char)('0' + m % 10);
	ms[3] = 'Z';
	ms[4] = '"';
	buf_adds(b, "{\"ts\":\"");
	buf_adds(b, cached);
	buf_add(b, ms, sizeof(ms));
}

void log_event(enum log_level lvl, const char *event, ...)
{
	const char *k, *v;
	size_t off = 0;
	va_list ap;

	if (lvl < log_min)
		return;
	if (!log_line.max)
		buf_init(&log_line, LOG_LINE_MAX);
	buf_reset(&log_line);
	add_time(&log_line);
	add_field(&log_line, "level", level_names[lvl]);
	add_field(&log_line, "prog", log_prog);
	if (log_request_id[0])
		add_field(&log_line, "request_id", log_request_id);
	add_field(&log_line, "event", event);
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		add_field(&log_line, k, v);
	}
	va_end(ap);
	if (buf_adds(&log_line, "}\n") != VP_OK)
		return; /* past LOG_LINE_MAX: no half line */
	while (off < log_line.len) {
		ssize_t w = write(STDERR_FILENO, log_line.data + off, log_line.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}
