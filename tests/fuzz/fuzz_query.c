/*
 * fuzz_query.c — the request helpers that read attacker-controlled text
 * before any handler runs: query parameters (percent-decoded by libcurl),
 * path segments and the UUID check. The input is split at the first NUL into
 * a query string and a path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req req;
	char out[256], *text = malloc(size + 1);
	const char *nul;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&req, 0, sizeof(req));
	req.query = text;
	nul = memchr(data, '\0', size);
	if (nul)
		snprintf(req.path, sizeof(req.path), "%s", text + (nul - (const char *)data) + 1);
	static const char *names[] = {"limit", "cursor", "a", ""};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (http_query_param(&req, names[i], out, sizeof(out)) == VP_OK)
			(void)http_is_uuid(out);
	for (unsigned n = 0; n < 4; n++)
		if (http_path_segment(&req, n, out, sizeof(out)) == VP_OK)
			(void)http_is_uuid(out);
	free(text);
	return 0;
}
