/*
 * sigv4.h — AWS Signature Version 4 on OpenSSL's HMAC and SHA-256.
 *
 * One canonicalisation (sigv4_canonical_request) serves both header signing
 * (the Authorization header of S3 and SQS calls) and, later, query-string
 * pre-signing. The derived signing key is cached per day, region, service and
 * secret, so signing many URLs costs two HMACs each.
 *
 * Paths and query strings are taken as they go on the wire: the caller builds
 * them with sigv4_uri_encode(), and canonicalisation only sorts the query.
 */
#ifndef VP_SIGV4_H
#define VP_SIGV4_H

#include <stdbool.h>
#include <time.h>

#include "buf.h"
#include "vp.h"

struct sigv4_creds {
	const char *access_key;
	const char *secret_key;
	const char *region;
};

struct sigv4_header {
	const char *name; /* lower-case */
	const char *value;
};

#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SIGV4_UNSIGNED     "UNSIGNED-PAYLOAD"
/* headers a pre-signed URL may bind besides host */
#define SIGV4_MAX_PRESIGN_HEADERS 4

/* "YYYYMMDDTHHMMSSZ" for t. */
void sigv4_amz_date(time_t t, char out[17]);
/* Lower-case hex SHA-256 of n bytes. */
void sigv4_sha256_hex(const void *p, size_t n, char out[65]);
/* RFC 3986 encoding as AWS wants it: unreserved bytes kept, the rest %XX
 * upper-case; '/' kept when keep_slash. */
vp_res sigv4_uri_encode(buf *out, const char *s, size_t n, bool keep_slash);

/* The canonical request; signed_headers receives "host;x-amz-date;...". */
vp_res sigv4_canonical_request(const char *method, const char *path, const char *query,
                               const struct sigv4_header *h, size_t nh, const char *payload_hash,
                               buf *out, buf *signed_headers);

/* The Authorization header value for a request made at amz_date. */
vp_res sigv4_authorization(const struct sigv4_creds *c, const char *service, const char *method,
                           const char *path, const char *query, const struct sigv4_header *h,
                           size_t nh, const char *payload_hash, const char *amz_date, buf *out);

/* Query-string pre-signing (UNSIGNED-PAYLOAD). "host" is always signed;
 * h holds nh more headers (lower-case names, e.g. content-length and
 * content-md5) that the request must then carry with exactly these values,
 * or the store refuses it. query is the request's own encoded parameters
 * ("" for none); out receives the whole query string to put after '?':
 * those parameters plus the X-Amz-* ones, the signature last. */
vp_res sigv4_presign(const struct sigv4_creds *c, const char *service, const char *method,
                     const char *host, const char *path, const char *query,
                     const struct sigv4_header *h, size_t nh, long expires_s, const char *amz_date,
                     buf *out);

#endif
