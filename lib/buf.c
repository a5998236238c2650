/*
 * buf.c — growable byte buffer with a size cap (see buf.h).
 *
 * Growth doubles the allocation; the cap is checked before any allocation so
 * a hostile size never reaches malloc. Every successful operation keeps the
 * invariant data[len] == '\0'.
 */
#include "buf.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : BUF_DEFAULT_MAX;
}

void buf_free(buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reset(buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL. */
static vp_res buf_grow(buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return VP_TOO_LARGE;
	need = b->len + n + 1;
	if (need <= b->cap)
		return VP_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	p = realloc(b->data, ncap);
	if (!p)
		return VP_NOMEM;
	b->data = p;
	b->cap = ncap;
	return VP_OK;
}

vp_res buf_add(buf *b, const void *p, size_t n)
{
	vp_res r = buf_grow(b, n);

	if (r != VP_OK)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	assert(b->len <= b->max);
	return VP_OK;
}

vp_res buf_adds(buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

vp_res buf_addc(buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* Formats straight into the room the buffer already has, and only when
 * the text does not fit grows it and formats again. */
vp_res buf_vprintf(buf *b, const char *fmt, va_list ap)
{
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list ap2;
	int n;
	vp_res r;

	va_copy(ap2, ap);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (n >= 0 && (size_t)n < room) {
		if ((size_t)n > b->max || b->len > b->max - (size_t)n) {
			b->data[b->len] = '\0'; /* as it was */
			return VP_TOO_LARGE;
		}
		b->len += (size_t)n;
		return VP_OK;
	}
	if (room)
		b->data[b->len] = '\0';
	if (n < 0)
		return VP_INVALID;
	r = buf_grow(b, (size_t)n);
	if (r != VP_OK)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return VP_OK;
}

vp_res buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	vp_res r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

vp_res buf_addlong(buf *b, long long v)
{
	char d[24];
	size_t i = sizeof(d);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--i] = '-';
	return buf_add(b, d + i, sizeof(d) - i);
}

vp_res buf_addhex(buf *b, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	vp_res r;
	size_t i;

	if (n > (b->max / 2))
		return VP_TOO_LARGE;
	r = buf_grow(b, n * 2);
	if (r != VP_OK)
		return r;
	for (i = 0; i < n; i++) {
		b->data[b->len++] = hex[p[i] >> 4];
		b->data[b->len++] = hex[p[i] & 0xf];
	}
	b->data[b->len] = '\0';
	return VP_OK;
}

char *buf_detach(buf *b)
{
	char *p = b->data;

	if (!p) {
		p = calloc(1, 1);
		if (!p)
			return NULL;
	}
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *buf_str(const buf *b)
{
	return b->data ? b->data : "";
}
