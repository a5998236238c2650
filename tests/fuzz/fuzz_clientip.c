/*
 * fuzz_clientip.c — who the client is: TRUSTED_PROXIES parsing, the
 * connection's address and the X-Forwarded-For walk, and the rate-limit
 * bucket. The input is three lines: trusted CIDRs, REMOTE_ADDR,
 * X-Forwarded-For (absent when there is no third line). Whatever comes out
 * is an address that inet_pton reads back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/netaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netaddr_cidr trusted[NETADDR_MAX_TRUSTED];
	char *text = malloc(size + 1), *remote, *xff, t[NETADDR_TEXT], b[NETADDR_TEXT];
	unsigned char back[16];
	struct netaddr a;
	size_t n = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	remote = strchr(text, '\n');
	if (remote)
		*remote++ = '\0';
	xff = remote ? strchr(remote, '\n') : NULL;
	if (xff)
		*xff++ = '\0';
	if (netaddr_cidrs_parse(text, trusted, NETADDR_MAX_TRUSTED, &n) != VP_OK)
		n = 0;
	netaddr_client(remote, xff, trusted, n, &a);
	netaddr_text(&a, t);
	netaddr_bucket(&a, b);
	if (a.family && inet_pton(a.family, t, back) != 1)
		abort();
	if (!a.family && (t[0] || b[0]))
		abort();
	free(text);
	return 0;
}
