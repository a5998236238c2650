/*
 * fuzz_request_id.c — the X-Request-Id check: what it accepts is echoed in
 * a response header and written to logs, so it must never accept a byte
 * that could split a header or a log line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (http_request_id_ok(s)) {
		size_t n = strlen(s);

		if (n < 1 || n > 64 ||
		    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		              "0123456789-_.") != n)
			abort();
	}
	free(s);
	return 0;
}
