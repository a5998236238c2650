/*
 * vp.h — the one result type of lib/ and the few macros every file shares.
 *
 * Every lib/ function that can fail returns a vp_res. Results travel through
 * out-parameters, which are set to NULL (or left untouched for scalars) on
 * failure. VP_UNAVAILABLE means a dependency (Postgres, Redis, S3, SQS) did
 * not answer; responders map it to "503 unavailable" and nothing else.
 */
#ifndef VP_H
#define VP_H

#include <stddef.h>

typedef enum {
	VP_OK = 0,
	VP_NOMEM,       /* allocation failed */
	VP_INVALID,     /* the caller's input is malformed */
	VP_TOO_LARGE,   /* a size cap was hit */
	VP_NOT_FOUND,   /* the thing asked for does not exist */
	VP_CONFLICT,    /* a uniqueness or state rule refused the change */
	VP_UNAVAILABLE, /* a dependency is down or timed out */
	VP_DENIED,      /* a credential or signature was refused */
	VP_INTERNAL     /* a bug or an answer we did not expect */
} vp_res;

/* A short lower-case word for logs ("ok", "unavailable", ...). */
const char *vp_res_str(vp_res r);

#define VP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
