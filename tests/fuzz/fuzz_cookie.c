/*
 * fuzz_cookie.c — the Cookie header parser (auth_cookie_value) that finds
 * the refresh token. The first byte picks the output buffer's size, so the
 * "too long" edge is reached too; the rest is the header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header, *out;
	size_t cap;
	const char *v;

	if (size < 1)
		return 0;
	cap = (size_t)data[0] + 1;
	header = malloc(size);
	out = malloc(cap);
	if (!header || !out)
		goto end;
	memcpy(header, data + 1, size - 1);
	header[size - 1] = '\0';
	v = auth_cookie_value(header, "refresh_token", out, cap);
	if (v && (v != out || strlen(out) >= cap || !*out))
		abort();
	(void)auth_cookie_value(header, "", out, cap);
end:
	free(header);
	free(out);
	return 0;
}
