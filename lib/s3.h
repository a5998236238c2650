/*
 * s3.h — the S3 REST client (path-style or virtual-hosted addressing).
 *
 * Only what the stack needs so far; the uploads capability adds multipart
 * calls here. Every call maps transport failures and 5xx answers to
 * VP_UNAVAILABLE, 404 to VP_NOT_FOUND, 403 to VP_DENIED.
 */
#ifndef VP_S3_H
#define VP_S3_H

#include "buf.h"
#include "cfg.h"
#include "vp.h"

/* The URL of bucket/key (key may be NULL for the bucket itself), key
 * encoded, without a query. */
vp_res s3_url(const struct cfg *cfg, const char *bucket, const char *key, buf *out);

/* HeadBucket: VP_OK when the bucket exists and the credentials work. */
vp_res s3_head_bucket(const struct cfg *cfg, const char *bucket);

/* CreateBucket; a bucket we already own is VP_OK. */
vp_res s3_create_bucket(const struct cfg *cfg, const char *bucket);

#endif
