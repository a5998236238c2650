/*
 * json.h — the JSON helpers responders use on top of json-c.
 *
 * Parsing is strict: the whole input must be exactly one JSON object, nested
 * at most JSON_MAX_DEPTH deep, and every string in it (keys included) strict
 * UTF-8 text, raw or escaped: no overlong form, no surrogate, no NUL, no
 * non-character (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF). Such text is what
 * Postgres stores and any client decodes, so no field can reach the database
 * and fail there. Field getters tell "absent" (VP_NOT_FOUND)
 * from "present with the wrong type" (VP_INVALID) so a responder can answer
 * 400 for the second and apply a default for the first. A string holding
 * an escaped NUL ("\u0000") counts as the wrong type. Returned strings
 * belong to the json_object they came from.
 */
#ifndef VP_JSON_H
#define VP_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "vp.h"

#define JSON_MAX_DEPTH 16

/* Parses n bytes into a new object (caller puts it with json_object_put).
 * VP_INVALID for malformed JSON, trailing bytes, or a non-object. */
vp_res json_parse_object(const char *s, size_t n, struct json_object **out);
/* The same for a request body; *bad_value (may be NULL) tells a body whose
 * only fault is a value no field takes — a string that is not strict text,
 * an integer beyond 64 bits (400 invalid_request) — from one that is not
 * JSON at all (400 invalid_json). */
vp_res json_parse_request(const char *s, size_t n, struct json_object **out, bool *bad_value);

vp_res json_field_str(struct json_object *o, const char *key, const char **out);
vp_res json_field_i64(struct json_object *o, const char *key, int64_t *out);
vp_res json_field_array(struct json_object *o, const char *key, struct json_object **out);

/* A string field of min..max bytes without control characters (C0, DEL,
 * C1): VP_INVALID otherwise. */
vp_res json_field_text(struct json_object *o, const char *key, size_t min, size_t max,
                       const char **out);

/* True if n bytes of s are strict UTF-8 text as above (for text that does
 * not come through JSON: headers a session stores). */
bool json_text_ok(const char *s, size_t n);

#endif
