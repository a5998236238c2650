/*
 * fcgi_floor — the FastCGI floor of the benchmarks: a bare libfcgi responder
 * that answers every request with the same fixed 404 and does nothing else
 * (no parsing, no I/O, no log line); on a connection the server keeps, it
 * reads what is left of the request first, as the protocol requires. What a route reaches next to
 * it, under the same web server with the same number of processes, is what its own work costs over
 * the FastCGI hop itself.
 */
#include <fcgiapp.h>
#include <string.h>

static const char answer[] =
    "Status: 404 Not Found\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Content-Length: 60\r\n"
    "\r\n"
    "{\"error\":{\"code\":\"not_found\",\"message\":\"no such resource\"}}\n";

int main(void)
{
	FCGX_Request req;
	char rest[4096];

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(answer, (int)sizeof(answer) - 1, req.out);
		while (req.keepConnection && FCGX_GetStr(rest, sizeof(rest), req.in) > 0)
			;
		FCGX_Finish_r(&req);
	}
	return 0;
}
