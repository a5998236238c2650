/*
 * fuzz_json.c — the strict JSON reader every request body goes through
 * (json_parse_request: the lexical and UTF-8 pre-scan, then json-c) and the
 * typed field access handlers use on what it accepts. Whatever it accepts
 * must hold only strict text: every string found is checked again with
 * json_text_ok, an independent pass over the decoded bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/json.h"

static void walk(struct json_object *o, int depth)
{
	if (depth > JSON_MAX_DEPTH + 1)
		abort();
	if (json_object_is_type(o, json_type_string)) {
		const char *s = json_object_get_string(o);
		int n = json_object_get_string_len(o);

		if (!json_text_ok(s, (size_t)n))
			abort(); /* accepted text that is not strict */
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			walk(json_object_array_get_idx(o, i), depth + 1);
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val)
		{
			if (!json_text_ok(key, strlen(key)))
				abort();
			walk(val, depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keys[] = {"filename", "title", "parts", "size", "part_number", ""};
	struct json_object *o = NULL, *a;
	bool bad_text = false;
	const char *s;
	int64_t n;

	(void)json_text_ok((const char *)data, size);
	if (json_parse_request((const char *)data, size, &o, &bad_text) != VP_OK)
		return 0;
	walk(o, 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		(void)json_field_str(o, keys[i], &s);
		(void)json_field_text(o, keys[i], 1, 255, &s);
		(void)json_field_i64(o, keys[i], &n);
		if (json_field_array(o, keys[i], &a) == VP_OK)
			for (size_t k = 0; k < json_object_array_length(a) && k < 16; k++) {
				struct json_object *e = json_object_array_get_idx(a, k);

				if (json_object_is_type(e, json_type_object)) {
					(void)json_field_i64(e, "part_number", &n);
					(void)json_field_str(e, "etag", &s);
				}
			}
	}
	json_object_put(o);
	return 0;
}
