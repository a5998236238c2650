/*
 * json.c — strict parsing and typed field access over json-c (see json.h).
 */
#include "json.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/*
 * json-c 0.16 in strict mode still takes a few things RFC 8259 forbids:
 * NaN and Infinity, single-quoted strings, and raw control characters inside
 * strings. This scan rejects exactly those before json-c parses; outside a
 * string, valid JSON has no letters but those of true/false/null and the
 * exponent's e/E.
 */
static bool json_lexically_strict(const char *s, size_t n)
{
	bool in_str = false, esc = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (in_str) {
			if (c < 0x20)
				return false;
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '\'' || (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) &&
		                         !strchr("truefalsnE", c))) {
			return false;
		}
	}
	return true;
}

vp_res json_parse_object(const char *s, size_t n, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;
	vp_res ret = VP_INVALID;

	*out = NULL;
	if (n > INT32_MAX)
		return VP_TOO_LARGE;
	if (!json_lexically_strict(s, n))
		return VP_INVALID;
	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (!tok)
		return VP_NOMEM;
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
