/*
 * internal.h — the parsers behind lib/'s modules that read what others
 * wrote (clients, storage), declared for the unit tests and the fuzz
 * harnesses in tests/fuzz/. Responders use the modules' own headers; only
 * the modules that define these and the tests include this file.
 */
#ifndef VP_INTERNAL_H
#define VP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "s3.h"
#include "vp.h"

/* json.c: n bytes of a body json_parse_request() has scanned, with every
 * character above U+007F written as its \u escape (where json-c's strict
 * mode refuses such bytes, json.c hands json-c this instead). */
vp_res json_escape_non_ascii(const char *s, size_t n, buf *out);

/* http.c: an X-Request-Id a client sent is echoed only when this holds
 * (1..64 of A-Z a-z 0-9 - _ .). */
bool http_request_id_ok(const char *s);

/* http.c: path as a log line shows it, segment hide (0-based; -1 for none)
 * replaced by HTTP_HIDDEN; cut short to fit size. */
void http_log_path(const char *path, int hide, char *out, size_t size);

/* s3.c: the <Code> of an <Error> document (n bytes of body), or "" when
 * the body is not one. */
void s3_xml_error_code(const char *body, size_t n, char *code, size_t size);

/* s3.c: one ListParts answer page. Parts are appended to *list (growing
 * *cap, never past 10,000 in all); a part with a number outside 1..10000
 * or an unreadable size is skipped. *truncated and next (the next page's
 * marker, digits only, "" for none) say whether another page follows.
 * VP_INTERNAL for a document that is not a ListPartsResult. */
vp_res s3_xml_parts_page(const char *body, size_t n, struct s3_part **list, size_t *count,
                         size_t *cap, bool *truncated, char next[16]);

/* s3.c: one ListObjects answer page: each <Contents><Key> is appended to
 * keys with its NUL, counted in *count; *truncated says whether another
 * page follows. VP_INTERNAL for a document that is not a ListBucketResult. */
vp_res s3_xml_keys_page(const char *body, size_t n, buf *keys, size_t *count, bool *truncated);

/* s3.c: what a CompleteMultipartUpload answer means (an <Error> inside a
 * 200 is a failure): VP_OK, VP_INVALID for a part storage refused,
 * VP_NOT_FOUND for an upload gone, VP_UNAVAILABLE, VP_DENIED or
 * VP_INTERNAL. */
vp_res s3_complete_answer(long status, const char *body, size_t n);

#endif
