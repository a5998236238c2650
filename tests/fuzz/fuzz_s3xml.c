/*
 * fuzz_s3xml.c — storage's XML answers as lib/s3.c reads them: ListParts
 * pages (appended across calls, as pagination does), ListObjects pages (the
 * keys packed NUL after NUL), <Error> codes, and what a
 * CompleteMultipartUpload answer means. The first byte picks the
 * HTTP status given with the answer; the rest is the document.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 400, 403, 404, 500, 503, 0, 301};
	struct s3_part *list = NULL;
	size_t count = 0, cap = 0;
	const char *doc;
	char code[64], next[16];
	bool truncated;
	long status;

	if (size < 1)
		return 0;
	status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	doc = (const char *)data + 1;
	size--;
	for (int page = 0; page < 2; page++)
		if (s3_xml_parts_page(doc, size, &list, &count, &cap, &truncated, next) != VP_OK)
			break;
	for (size_t i = 0; i < count; i++)
		if (list[i].number < 1 || list[i].number > 10000 || list[i].size < 0 ||
		    strlen(list[i].etag) >= sizeof(list[i].etag))
			abort();
	if (strspn(next, "0123456789") != strlen(next))
		abort();
	free(list);
	{
		buf keys;
		size_t n = 0, seen = 0;

		buf_init(&keys, 1 << 20);
		for (int page = 0; page < 2; page++)
			if (s3_xml_keys_page(doc, size, &keys, &n, &truncated) != VP_OK)
				break;
		/* n keys, each non-empty and ended by its NUL */
		for (size_t off = 0; off < keys.len; seen++) {
			size_t l = strlen(keys.data + off);

			if (l == 0 || l >= 1100)
				abort();
			off += l + 1;
		}
		if (seen != n)
			abort();
		buf_free(&keys);
	}
	s3_xml_error_code(doc, size, code, sizeof(code));
	(void)s3_complete_answer(status, doc, size);
	return 0;
}
