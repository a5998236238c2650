/*
 * buf.h — the one growable byte buffer of lib/, with a hard size cap.
 *
 * A buf always holds a NUL after its last byte, so buf.data can be handed to
 * C string APIs when the contents are text; len never counts that NUL.
 * Appending past the cap fails with VP_TOO_LARGE and leaves the buffer as it
 * was. The buffer owns data; buf_free() releases it, buf_detach() hands it
 * to the caller (who frees it with free()).
 */
#ifndef VP_BUF_H
#define VP_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "vp.h"

typedef struct {
	char *data; /* NULL until the first append */
	size_t len; /* bytes used, not counting the trailing NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* hard cap on len */
} buf;

#define BUF_DEFAULT_MAX ((size_t)16 << 20) /* 16 MiB */

void buf_init(buf *b, size_t max);
void buf_free(buf *b);  /* accepts NULL */
void buf_reset(buf *b); /* len = 0, keeps memory */
vp_res buf_add(buf *b, const void *p, size_t n);
vp_res buf_adds(buf *b, const char *s);
vp_res buf_addc(buf *b, char c);
vp_res buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
vp_res buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends v in decimal (no printf: every response's headers use it). */
vp_res buf_addlong(buf *b, long long v);
/* Appends bytes as lower-case hex. */
vp_res buf_addhex(buf *b, const unsigned char *p, size_t n);
/* Hands the contents (never NULL on success: "" for an empty buffer) to the
 * caller and leaves b empty. */
char *buf_detach(buf *b);
/* A C string for the contents; "" when nothing was ever added. */
const char *buf_str(const buf *b);

#endif
