/*
 * vp.c — names for the project-wide result type (see vp.h).
 */
#include "vp.h"

const char *vp_res_str(vp_res r)
{
	switch (r) {
	case VP_OK: return "ok";
	case VP_NOMEM: return "nomem";
	case VP_INVALID: return "invalid";
	case VP_TOO_LARGE: return "too_large";
	case VP_NOT_FOUND: return "not_found";
	case VP_CONFLICT: return "conflict";
	case VP_UNAVAILABLE: return "unavailable";
	case VP_DENIED: return "denied";
	case VP_INTERNAL: return "internal";
	}
	return "unknown";
}
