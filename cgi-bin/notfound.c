/*
 * notfound — every path no other responder serves: 404 in the contract's
 * shape, with the headers every API answer carries.
 */
#include "../lib/http.h"

int main(void)
{
	return http_serve("notfound", NULL, 0);
}
