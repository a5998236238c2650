/*
 * json.h — the JSON helpers responders use on top of json-c.
 *
 * Parsing is strict: the whole input must be exactly one JSON object, nested
 * at most JSON_MAX_DEPTH deep. Field getters tell "absent" (VP_NOT_FOUND)
 * from "present with the wrong type" (VP_INVALID) so a responder can answer
 * 400 for the second and apply a default for the first. A string holding
 * an escaped NUL ("\u0000") counts as the wrong type. Returned strings
 * belong to the json_object they came from.
 */
#ifndef VP_JSON_H
#define VP_JSON_H

#include <json-c/json.h>
#include <stdint.h>

#include "vp.h"

#define JSON_MAX_DEPTH 16

/* Parses n bytes into a new object (caller puts it with json_object_put).
 * VP_INVALID for malformed JSON, trailing bytes, or a non-object. */
vp_res json_parse_object(const char *s, size_t n, struct json_object **out);

vp_res json_field_str(struct json_object *o, const char *key, const char **out);
vp_res json_field_i64(struct json_object *o, const char *key, int64_t *out);
vp_res json_field_array(struct json_object *o, const char *key, struct json_object **out);

#endif
