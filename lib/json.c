/*
 * json.c — strict parsing and typed field access over json-c (see json.h).
 */
#include "json.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "internal.h"

/* ------------------------------------------------------------------------ */
/* Strict text                                                               */
/* ------------------------------------------------------------------------ */

/* A scalar value that text may hold: not NUL, not a surrogate (those only
 * pair up in UTF-16), not one of the 66 non-characters. */
static bool scalar_ok(uint32_t c)
{
	if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return false;
	if ((c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE)
		return false;
	return true;
}

/*
 * The length of the well-formed UTF-8 sequence at s (n bytes available),
 * or 0. The byte ranges are the Unicode Standard's table 3-7, which rules
 * out overlong forms, surrogates and values past U+10FFFF by the second
 * byte already; scalar_ok() then refuses NUL and the non-characters.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;
	uint32_t c;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0Fu;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07u;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (i > 1 && (s[i] < 0x80 || s[i] > 0xBF))
			return 0;
		c = (c << 6) | (s[i] & 0x3Fu);
	}
	return scalar_ok(c) ? len : 0;
}

bool json_text_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, k; i < n; i += k)
		if ((k = utf8_seq(p + i, n - i)) == 0)
			return false;
	return true;
}

/* Four hex digits at s (n available) as a number, or -1. */
static long hex4(const char *s, size_t n)
{
	long v = 0;

	if (n < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* The \u escape whose 'u' is at s[0]: its length in bytes (5, or 11 for a
 * surrogate pair), or 0 when it does not stand for an allowed scalar. */
static size_t escape_len(const char *s, size_t n)
{
	long hi = hex4(s + 1, n - 1), lo;

	if (hi < 0)
		return 0;
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return 0; /* a low surrogate first */
	if (hi < 0xD800 || hi > 0xDBFF)
		return scalar_ok((uint32_t)hi) ? 5 : 0;
	if (n < 11 || s[5] != '\\' || s[6] != 'u')
		return 0; /* a high surrogate alone */
	lo = hex4(s + 7, n - 7);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return 0;
	return scalar_ok(0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00)) ? 11
	                                                                                      : 0;
}

/*
 * One pass over the raw body before json-c sees it. json-c 0.16 in strict
 * mode still takes a few things RFC 8259 forbids: NaN and Infinity,
 * single-quoted strings, and raw control characters inside strings; and its
 * UTF-8 check lets overlong forms and encoded surrogates through, which
 * Postgres then refuses. This scan rejects exactly those, and inside strings
 * (keys included) every character that is not strict UTF-8 text, whether
 * raw or escaped: NUL, surrogates (paired escapes are decoded first),
 * non-characters. Outside a string, valid JSON has no letters but those of
 * true/false/null and the exponent's e/E, and no byte above 0x7F.
 */
enum lex { LEX_OK, LEX_SYNTAX, LEX_VALUE };

/* The number token at s ([-]digits[.digits][(e|E)[+-]digits], n bytes
 * available; its length goes to *len): true when it is an integer that
 * does not fit in 64 bits. json-c 0.16 saturates such a number, json-c 0.18
 * (Debian 13) calls the whole body malformed; either way it is a value no
 * field takes, and it is answered the same on every json-c. */
static bool integer_too_large(const char *s, size_t n, size_t *len)
{
	static const char max[] = "9223372036854775807";
	size_t i = s[0] == '-', start = i, digits;
	bool integer = true;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	digits = i - start;
	if (i < n && s[i] == '.') {
		integer = false;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		integer = false;
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	*len = i;
	if (!integer || digits < sizeof(max) - 1)
		return false;
	/* nineteen digits: above INT64_MAX (a negative may be one more, but no
	 * field takes either end) */
	return digits > sizeof(max) - 1 || memcmp(s + start, max, digits) > 0;
}

static enum lex json_lexically_strict(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	bool in_str = false;
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = u[i];

		if (!in_str) {
			if (c == '"') {
				in_str = true;
			} else if (c == '-' || (c >= '0' && c <= '9')) {
				if (integer_too_large(s + i, n - i, &k))
					return LEX_VALUE;
				i += k > 0 ? k - 1 : 0; /* json-c checks the token's form */
			} else if (c >= 0x80 || c == '\'' ||
			           (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) &&
			            !strchr("truefalsnE", c)))
				return LEX_SYNTAX;
			i++;
		} else if (c == '"') {
			in_str = false;
			i++;
		} else if (c == '\\') {
			if (i + 1 >= n)
				return LEX_SYNTAX;
			if (s[i + 1] == 'u') {
				if ((k = escape_len(s + i + 1, n - i - 1)) == 0)
					return LEX_VALUE;
				i += 1 + k;
			} else {
				i += 2; /* json-c checks the escape letter itself */
			}
		} else if (c < 0x20) {
			return LEX_SYNTAX;
		} else {
			if ((k = utf8_seq(u + i, n - i)) == 0)
				return LEX_VALUE;
			i += k;
		}
	}
	return LEX_OK;
}

/*
 * json-c 0.18 (Debian 13's) in strict mode refuses every byte above 0x7F
 * inside a string (json-c issue #892: a signed-char comparison). Where the
 * json-c at hand does, the body is handed over with each such character
 * written as its \u escape (a surrogate pair above U+FFFF), which json-c
 * turns back into the very same UTF-8; json_lexically_strict() has already
 * proved that text well-formed, and that no such byte stands outside a
 * string.
 */
static bool has_high_bytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

static bool strict_refuses_utf8(void)
{
	static int refuses = -1;

	if (refuses < 0) {
		static const char probe[] = "[\"\xc3\xa9\"]";
		struct json_tokener *tok = json_tokener_new();
		struct json_object *o = NULL;

		if (!tok)
			return false; /* asked again next time */
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		o = json_tokener_parse_ex(tok, probe, (int)sizeof(probe) - 1);
		refuses = o == NULL;
		json_object_put(o);
		json_tokener_free(tok);
	}
	return refuses == 1;
}

vp_res json_escape_non_ascii(const char *s, size_t n, buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	vp_res r = VP_OK;

	for (size_t i = 0; i < n && r == VP_OK;) {
		size_t k;
		uint32_t c;

		if (u[i] < 0x80) {
			r = buf_addc(out, s[i++]);
			continue;
		}
		if ((k = utf8_seq(u + i, n - i)) == 0)
			return VP_INVALID; /* the scan let nothing like it through */
		c = u[i] & (k == 2 ? 0x1Fu : k == 3 ? 0x0Fu : 0x07u);
		for (size_t j = 1; j < k; j++)
			c = (c << 6) | (u[i + j] & 0x3Fu);
		if (c >= 0x10000)
			r = buf_printf(out, "\\u%04X\\u%04X", 0xD800 + ((c - 0x10000) >> 10),
			               0xDC00 + ((c - 0x10000) & 0x3FF));
		else
			r = buf_printf(out, "\\u%04X", c);
		i += k;
	}
	return r;
}

vp_res json_parse_object(const char *s, size_t n, struct json_object **out)
{
	return json_parse_request(s, n, out, NULL);
}

vp_res json_parse_request(const char *s, size_t n, struct json_object **out, bool *bad_value)
{
	struct json_tokener *tok;
	struct json_object *o;
	vp_res ret = VP_INVALID;
	enum lex lx;
	buf escaped;

	*out = NULL;
	if (bad_value)
		*bad_value = false;
	if (n > INT32_MAX)
		return VP_TOO_LARGE;
	if ((lx = json_lexically_strict(s, n)) != LEX_OK) {
		if (bad_value)
			*bad_value = lx == LEX_VALUE;
		return VP_INVALID;
	}
	buf_init(&escaped, 3 * n + 1); /* two bytes become six at most */
	if (has_high_bytes(s, n) && strict_refuses_utf8()) {
		if ((ret = json_escape_non_ascii(s, n, &escaped)) != VP_OK) {
			buf_free(&escaped);
			return ret;
		}
		s = escaped.data;
		n = escaped.len;
		ret = VP_INVALID;
	}
	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (!tok) {
		buf_free(&escaped);
		return VP_NOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)n);
	if (!o || json_tokener_get_error(tok) != json_tokener_success)
		goto end;
	/* Anything after the object other than white space is an error. */
	for (size_t i = json_tokener_get_parse_end(tok); i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			goto end;
	if (!json_object_is_type(o, json_type_object))
		goto end;
	*out = o;
	o = NULL;
	ret = VP_OK;
end:
	json_object_put(o);
	json_tokener_free(tok);
	buf_free(&escaped);
	return ret;
}

vp_res json_field_str(struct json_object *o, const char *key, const char **out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return VP_NOT_FOUND;
	if (!json_object_is_type(v, json_type_string))
		return VP_INVALID;
	*out = json_object_get_string(v);
	/* "\u0000" inside a string would cut it short for every C string API:
	 * such a value is refused rather than silently truncated */
	if (strlen(*out) != (size_t)json_object_get_string_len(v))
		return VP_INVALID;
	return VP_OK;
}

vp_res json_field_i64(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return VP_NOT_FOUND;
	/* Only integers: 1.5 and "1" are wrong types, not numbers to coerce. */
	if (!json_object_is_type(v, json_type_int))
		return VP_INVALID;
	errno = 0;
	*out = json_object_get_int64(v);
	return errno ? VP_INVALID : VP_OK;
}

vp_res json_field_array(struct json_object *o, const char *key, struct json_object **out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return VP_NOT_FOUND;
	if (!json_object_is_type(v, json_type_array))
		return VP_INVALID;
	*out = v;
	return VP_OK;
}

vp_res json_field_text(struct json_object *o, const char *key, size_t min, size_t max,
                       const char **out)
{
	const unsigned char *p;
	vp_res r = json_field_str(o, key, out);
	size_t n;

	if (r != VP_OK)
		return r;
	n = strlen(*out);
	if (n < min || n > max)
		return VP_INVALID;
	/* C0 controls, DEL, and C1 controls (U+0080..U+009F: C2 80..C2 9F) */
	for (p = (const unsigned char *)*out; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			return VP_INVALID;
	return VP_OK;
}
