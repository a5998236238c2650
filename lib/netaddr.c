/*
 * netaddr.c — client addresses and trusted proxies (see netaddr.h).
 */
#include "netaddr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vp_res netaddr_parse(const char *s, size_t n, struct netaddr *out)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char text[INET6_ADDRSTRLEN + 2];

	memset(out, 0, sizeof(*out));
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
		if (!memchr(s, ':', n))
			return VP_INVALID; /* brackets only around IPv6 */
	}
	if (n == 0 || n >= sizeof(text) || memchr(s, '\0', n))
		return VP_INVALID;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, out->b) == 1) {
		out->family = AF_INET;
		return VP_OK;
	}
	if (inet_pton(AF_INET6, text, out->b) != 1)
		return VP_INVALID;
	out->family = AF_INET6;
	if (!memcmp(out->b, mapped, sizeof(mapped))) {
		memmove(out->b, out->b + 12, 4);
		memset(out->b + 4, 0, 12);
		out->family = AF_INET;
	}
	return VP_OK;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Clears every bit of a past the first bits. */
static void mask(struct netaddr *a, unsigned bits)
{
	for (size_t i = 0; i < addr_len(a->family); i++) {
		unsigned keep =
		    bits >= 8 * (i + 1) ? 8 : (bits > 8 * i ? bits - 8 * (unsigned)i : 0);

		a->b[i] &= (unsigned char)(0xff00u >> keep);
	}
}

vp_res netaddr_cidrs_parse(const char *s, struct netaddr_cidr *out, size_t max, size_t *n)
{
	*n = 0;
	while (s && *s) {
		size_t len = strcspn(s, ", \t\n");
		const char *slash = memchr(s, '/', len);
		struct netaddr_cidr c;

		if (len == 0) {
			s++;
			continue;
		}
		if (*n == max ||
		    netaddr_parse(s, slash ? (size_t)(slash - s) : len, &c.net) != VP_OK)
			return VP_INVALID;
		c.bits = (unsigned)addr_len(c.net.family) * 8;
		if (slash) {
			unsigned v = 0;
			size_t digits = (size_t)(s + len - slash - 1);

			if (digits == 0 || digits > 3)
				return VP_INVALID;
			for (size_t i = 1; i <= digits; i++) {
				if (slash[i] < '0' || slash[i] > '9')
					return VP_INVALID;
				v = v * 10 + (unsigned)(slash[i] - '0');
			}
			if (v > c.bits)
				return VP_INVALID;
			c.bits = v;
		}
		mask(&c.net, c.bits);
		out[(*n)++] = c;
		s += len;
	}
	return VP_OK;
}

bool netaddr_in(const struct netaddr *a, const struct netaddr_cidr *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct netaddr m = *a;

		if (a->family != list[i].net.family)
			continue;
		mask(&m, list[i].bits);
		if (!memcmp(m.b, list[i].net.b, addr_len(a->family)))
			return true;
	}
	return false;
}

void netaddr_client(const char *remote, const char *xff, const struct netaddr_cidr *trusted,
                    size_t n_trusted, struct netaddr *out)
{
	const char *end;

	if (!remote || netaddr_parse(remote, strlen(remote), out) != VP_OK) {
		memset(out, 0, sizeof(*out));
		return;
	}
	if (!xff || !netaddr_in(out, trusted, n_trusted))
		return;
	/* right to left: each trusted hop vouches for the entry before it */
	end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end, *a, *b;
		struct netaddr hop;

		while (start > xff && start[-1] != ',')
			start--;
		for (a = start; a < end && (*a == ' ' || *a == '\t'); a++)
			;
		for (b = end; b > a && (b[-1] == ' ' || b[-1] == '\t'); b--)
			;
		if (netaddr_parse(a, (size_t)(b - a), &hop) != VP_OK)
			return; /* not an address: the proxy that relayed it is the client */
		*out = hop;
		if (!netaddr_in(&hop, trusted, n_trusted))
			return;
		end = start > xff ? start - 1 : xff;
	}
}

void netaddr_text(const struct netaddr *a, char out[NETADDR_TEXT])
{
	out[0] = '\0';
	if (a->family && !inet_ntop(a->family, a->b, out, NETADDR_TEXT))
		out[0] = '\0';
}

void netaddr_bucket(const struct netaddr *a, char out[NETADDR_TEXT])
{
	struct netaddr m = *a;
	size_t n;

	if (a->family != AF_INET6) {
		netaddr_text(a, out);
		return;
	}
	mask(&m, 64);
	netaddr_text(&m, out);
	n = strlen(out);
	snprintf(out + n, NETADDR_TEXT - n, "/64");
}
