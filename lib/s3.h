/*
 * s3.h — the S3 REST client (path-style or virtual-hosted addressing).
 *
 * Only what the stack needs so far; the uploads capability adds multipart
 * calls here. Every call maps transport failures and 5xx answers to
 * VP_UNAVAILABLE, 404 to VP_NOT_FOUND, 403 to VP_DENIED.
 */
#ifndef VP_S3_H
#define VP_S3_H

#include <stdio.h>

#include "aws.h"
#include "buf.h"
#include "cfg.h"
#include "sigv4.h"
#include "vp.h"

/* The URL of bucket/key (key may be NULL for the bucket itself), key
 * encoded, without a query. */
vp_res s3_url(const struct cfg *cfg, const char *bucket, const char *key, buf *out);

/* HeadBucket: VP_OK when the bucket exists and the credentials work. */
vp_res s3_head_bucket(const struct cfg *cfg, const char *bucket);

struct s3_part {
	int number;
	char etag[128]; /* as S3 quotes it: "\"<hex>\"" */
	long long size;
};

/* A pre-signed URL for method on bucket/key with the request's own encoded
 * parameters (query, "" for none), valid ttl_s seconds from now. */
vp_res s3_presign(const struct cfg *cfg, const char *method, const char *bucket, const char *key,
                  const char *query, long ttl_s, buf *out);
/* The same, binding nh request headers too (lower-case names with their
 * exact values, e.g. content-length): storage refuses a request whose
 * headers differ. */
vp_res s3_presign_bound(const struct cfg *cfg, const char *method, const char *bucket,
                        const char *key, const char *query, const struct sigv4_header *h, size_t nh,
                        long ttl_s, buf *out);

/* CreateMultipartUpload; upload_id receives the id S3 chose. */
vp_res s3_create_multipart(const struct cfg *cfg, const char *bucket, const char *key,
                           const char *content_type, buf *upload_id);

/* ListParts, every page; *parts is the caller's (free()), in part order.
 * VP_NOT_FOUND when the upload does not exist (any more). */
vp_res s3_list_parts(const struct cfg *cfg, const char *bucket, const char *key,
                     const char *upload_id, struct s3_part **parts, size_t *n);

/* CompleteMultipartUpload with parts (number + etag). S3 may answer 200 with
 * an error in the body: that is read too. VP_INVALID when storage refuses a
 * part (wrong ETag, missing, too small, out of order); VP_NOT_FOUND when the
 * upload is gone. */
vp_res s3_complete_multipart(const struct cfg *cfg, const char *bucket, const char *key,
                             const char *upload_id, const struct s3_part *parts, size_t n);

/* AbortMultipartUpload; an upload already gone is VP_OK. */
vp_res s3_abort_multipart(const struct cfg *cfg, const char *bucket, const char *key,
                          const char *upload_id);

/* HeadObject: the object's size. */
vp_res s3_head_object(const struct cfg *cfg, const char *bucket, const char *key, long long *size);

/* DeleteObject; a missing object is VP_OK. */
vp_res s3_delete_object(const struct cfg *cfg, const char *bucket, const char *key);

/* GetObject streamed into f (never held in memory); *size gets the bytes
 * written. */
vp_res s3_get_to_file(const struct cfg *cfg, const char *bucket, const char *key, FILE *f,
                      long long *size);

/* PutObject of the size bytes of f, streamed from its current position;
 * above S3_MULTIPART_THRESHOLD a multipart upload in parts of that size
 * (aborted if any part fails). */
vp_res s3_put_file(const struct cfg *cfg, const char *bucket, const char *key,
                   const char *content_type, FILE *f, long long size);

/* PutObject of the size bytes of f (one PUT: a segment-sized file) as a
 * transfer on a curl handle of its own, for the caller's multi handle
 * (aws_async_handle). f must stay open until s3_put_end. */
vp_res s3_put_start(const struct cfg *cfg, const char *bucket, const char *key,
                    const char *content_type, FILE *f, long long size, struct aws_async **out);
/* How that PUT ended, once the multi handle says it is done (cc); frees a
 * (already out of the multi handle). */
vp_res s3_put_end(struct aws_async *a, CURLcode cc);

/* ListObjects of every key under prefix, in key order, every page (of
 * S3_LIST_PARTS_PAGE_SIZE keys), appended to keys one after another, each
 * ended by its NUL; *n: how many. keys' cap bounds the listing
 * (VP_TOO_LARGE past it). */
vp_res s3_list_keys(const struct cfg *cfg, const char *bucket, const char *prefix, buf *keys,
                    size_t *n);

/* DeleteObjects (at most 1000 keys per call; more are sent in batches).
 * Missing keys count as deleted. */
vp_res s3_delete_objects(const struct cfg *cfg, const char *bucket, const char *const *keys,
                         size_t n);

/* CreateBucket; a bucket we already own is VP_OK. */
vp_res s3_create_bucket(const struct cfg *cfg, const char *bucket);

#endif
