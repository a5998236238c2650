/*
 * netaddr.h — client addresses: who sent a request, and whose bucket it
 * counts in.
 *
 * The client is the connection's address, unless that address is a trusted
 * proxy (TRUSTED_PROXIES, a list of CIDRs): then it is the rightmost
 * X-Forwarded-For entry that is not itself a trusted proxy. Entries left of
 * it were written by the client and prove nothing; an entry that is not an
 * address ends the walk at the proxy that relayed it. Addresses are parsed
 * with inet_pton only; an IPv4-mapped IPv6 address counts as IPv4. Rate
 * limits count IPv6 clients per /64, the block one subscriber gets.
 */
#ifndef VP_NETADDR_H
#define VP_NETADDR_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>

#include "vp.h"

struct netaddr {
	int family;          /* AF_INET or AF_INET6; 0 for none */
	unsigned char b[16]; /* 4 bytes used for AF_INET */
};

struct netaddr_cidr {
	struct netaddr net; /* host bits cleared */
	unsigned bits;
};

#define NETADDR_MAX_TRUSTED 64
/* text of an address or a /64 bucket, with the NUL */
#define NETADDR_TEXT (INET6_ADDRSTRLEN + 4)

/* n bytes of s as one address ("192.0.2.1", "2001:db8::1", "[2001:db8::1]");
 * VP_INVALID for anything else (ports and zones included). */
vp_res netaddr_parse(const char *s, size_t n, struct netaddr *out);

/* A list of CIDRs ("10.0.0.0/8, 2001:db8::/32 192.0.2.7"), separated by
 * commas or blanks; an address without a prefix length is a single host.
 * At most max; VP_INVALID for a malformed entry or too many. */
vp_res netaddr_cidrs_parse(const char *s, struct netaddr_cidr *out, size_t max, size_t *n);

bool netaddr_in(const struct netaddr *a, const struct netaddr_cidr *list, size_t n);

/* The client of a request whose connection came from remote (REMOTE_ADDR)
 * with the X-Forwarded-For header xff (NULL when absent), as above. An
 * unreadable remote gives family 0. */
void netaddr_client(const char *remote, const char *xff, const struct netaddr_cidr *trusted,
                    size_t n_trusted, struct netaddr *out);

/* The address as text ("" for family 0). */
void netaddr_text(const struct netaddr *a, char out[NETADDR_TEXT]);

/* The rate-limit bucket: the IPv4 address itself, or the IPv6 /64
 * ("2001:db8:1:2::/64"). */
void netaddr_bucket(const struct netaddr *a, char out[NETADDR_TEXT]);

#endif
