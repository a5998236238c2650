/*
 * loadgen — the mixed-load generator of bench/load.sh. CONCURRENCY virtual
 * users each run, over and over for SECONDS: register a new account, log in,
 * refresh, list videos, create a one-part upload, sign its part with its MD5,
 * PUT the part to storage, complete. Every answer is checked against the one
 * the contract promises; the run counts answers by class and connection
 * failures (a request that got no HTTP answer at all), and writes the id of
 * every video whose completion was accepted (202) to IDS_FILE, one a line,
 * so the caller can check that each was queued exactly once.
 *
 *   loadgen API_URL SECONDS CONCURRENCY IDS_FILE
 *
 * libcurl's multi interface drives every user on one thread; json-c reads
 * the answers. Loopback only, bounded by SECONDS (requests already in flight
 * finish, each within 60 s). Exit status 0 when every answer was the one
 * expected.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../lib/buf.h"

enum step { REGISTER, LOGIN, REFRESH, LIST, CREATE, SIGN, PUT, COMPLETE, N_STEPS };

static const char *const step_name[N_STEPS] = {"register", "login", "refresh", "list",
                                               "create",   "sign",  "put",     "complete"};
static const long step_want[N_STEPS] = {201, 200, 200, 200, 201, 200, 200, 202};

#define PART_BYTES 1024

struct user {
	CURL *h;
	struct curl_slist *hdrs;
	enum step step;
	buf body, rsp_hdrs, req, url;
	char email[80], token[2048], cookie[2048], upload[40], video[40], part_url[8192], etag[80];
	long n;
};

static struct {
	const char *api;
	double deadline;
	long count[N_STEPS][6]; /* [step][0: no answer, 1: unexpected 2xx, 2..5: class] */
	long done[N_STEPS];     /* answered as expected */
	long iterations;
	FILE *ids;
	unsigned char part[PART_BYTES];
	char part_md5[32];
} g;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	return buf_add(ud, p, size * n) == VP_OK ? size * n : 0;
}

/* The value of response header name into out ("" when absent). */
static void header_value(const buf *h, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);
	const char *p = buf_str(h);

	out[0] = '\0';
	while (p && *p) {
		const char *e = strstr(p, "\r\n");
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len > nlen && !strncasecmp(p, name, nlen) && p[nlen] == ':') {
			const char *v = p + nlen + 1;

			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)(len - (size_t)(v - p)), v);
			return;
		}
		p = e ? e + 2 : NULL;
	}
}

/* o[a][b] (b may be NULL) when it is a string, else NULL. */
static const char *json_at(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void header(struct user *u, const char *name, const char *value)
{
	buf line;

	buf_init(&line, 4096);
	buf_printf(&line, "%s: %s", name, value);
	u->hdrs = curl_slist_append(u->hdrs, buf_str(&line));
	buf_free(&line);
}

/* Sets up the request of the user's current step and adds it to m. */
static void start(CURLM *m, struct user *u)
{
	curl_easy_reset(u->h);
	curl_slist_free_all(u->hdrs);
	u->hdrs = NULL;
	buf_reset(&u->body);
	buf_reset(&u->rsp_hdrs);
	buf_reset(&u->req);
	buf_reset(&u->url);
	curl_easy_setopt(u->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(u->h, CURLOPT_WRITEDATA, &u->body);
	curl_easy_setopt(u->h, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(u->h, CURLOPT_HEADERDATA, &u->rsp_hdrs);
	curl_easy_setopt(u->h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(u->h, CURLOPT_PRIVATE, u);
	if (u->step != PUT)
		header(u, "Content-Type", "application/json");
	if (u->step >= LIST && u->step != PUT) {
		buf_printf(&u->req, "Bearer %s", u->token);
		header(u, "Authorization", buf_str(&u->req));
		buf_reset(&u->req);
	}
	switch (u->step) {
	case REGISTER:
	case LOGIN:
		buf_printf(&u->url, "%s/auth/%s", g.api,
		           u->step == REGISTER ? "register" : "login");
		buf_printf(&u->req, "{\"email\":\"%s\",\"password\":\"load test password\"}",
		           u->email);
		break;
	case REFRESH:
		buf_printf(&u->url, "%s/auth/refresh", g.api);
		buf_printf(&u->req, "Cookie: refresh_token=%s", u->cookie);
		u->hdrs = curl_slist_append(u->hdrs, buf_str(&u->req));
		buf_reset(&u->req);
		curl_easy_setopt(u->h, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(u->h, CURLOPT_POSTFIELDS, "");
		break;
	case LIST: buf_printf(&u->url, "%s/videos?limit=20", g.api); break;
	case CREATE:
		buf_printf(&u->url, "%s/uploads", g.api);
		buf_printf(
		    &u->req,
		    "{\"filename\":\"load-%ld.mp4\",\"size\":%d,\"content_type\":\"video/mp4\"}",
		    u->n, PART_BYTES);
		break;
	case SIGN:
		buf_printf(&u->url, "%s/uploads/%s/parts", g.api, u->upload);
		buf_printf(&u->req, "{\"parts\":[{\"part_number\":1,\"md5\":\"%s\"}]}", g.part_md5);
		break;
	case PUT:
		buf_adds(&u->url, u->part_url);
		header(u, "Content-MD5", g.part_md5);
		curl_easy_setopt(u->h, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(u->h, CURLOPT_POSTFIELDSIZE, (long)PART_BYTES);
		curl_easy_setopt(u->h, CURLOPT_POSTFIELDS, g.part);
		break;
	case COMPLETE:
		buf_printf(&u->url, "%s/uploads/%s/complete", g.api, u->upload);
		buf_printf(&u->req, "{\"parts\":[{\"part_number\":1,\"etag\":\"%s\"}]}", u->etag);
		break;
	default: break;
	}
	if (u->req.len) {
		curl_easy_setopt(u->h, CURLOPT_POSTFIELDSIZE, (long)u->req.len);
		curl_easy_setopt(u->h, CURLOPT_POSTFIELDS, u->req.data);
	}
	/* the part PUT carries no Expect: 100-continue round trip */
	u->hdrs = curl_slist_append(u->hdrs, "Expect:");
	curl_easy_setopt(u->h, CURLOPT_HTTPHEADER, u->hdrs);
	curl_easy_setopt(u->h, CURLOPT_URL, buf_str(&u->url));
	curl_multi_add_handle(m, u->h);
}

/* Reads the answer of the current step; the next step, or REGISTER for a
 * new iteration (also after any unexpected answer). */
static enum step finish(struct user *u, CURLcode rc)
{
	struct json_object *o = NULL;
	enum step s = u->step, next = s + 1;
	long status = 0;
	const char *v;
	char etag[80];

	if (rc != CURLE_OK) {
		g.count[s][0]++;
		fprintf(stderr, "loadgen: %s: no answer (%s)\n", step_name[s],
		        curl_easy_strerror(rc));
		return REGISTER;
	}
	curl_easy_getinfo(u->h, CURLINFO_RESPONSE_CODE, &status);
	g.count[s][status / 100 >= 2 && status / 100 <= 5 ? status / 100 : 1]++;
	if (status != step_want[s]) {
		if (status >= 500 || g.count[s][4] < 5)
			fprintf(stderr, "loadgen: %s answered %ld: %.200s\n", step_name[s], status,
			        buf_str(&u->body));
		return REGISTER;
	}
	if (s != PUT)
		o = json_tokener_parse(buf_str(&u->body));
	switch (s) {
	case LOGIN:
	case REFRESH:
		v = json_at(o, "access_token", NULL);
		header_value(&u->rsp_hdrs, "Set-Cookie", u->cookie, sizeof(u->cookie));
		if (!v || strncmp(u->cookie, "refresh_token=", 14) != 0) {
			next = REGISTER;
			break;
		}
		snprintf(u->token, sizeof(u->token), "%s", v);
		memmove(u->cookie, u->cookie + 14, strlen(u->cookie + 14) + 1);
		u->cookie[strcspn(u->cookie, ";")] = '\0';
		break;
	case CREATE:
		if (!(v = json_at(o, "upload", "id")))
			next = REGISTER;
		else
			snprintf(u->upload, sizeof(u->upload), "%s", v);
		if ((v = json_at(o, "upload", "video_id")))
			snprintf(u->video, sizeof(u->video), "%s", v);
		break;
	case SIGN: {
		struct json_object *parts = NULL, *p;

		if (json_object_object_get_ex(o, "parts", &parts) &&
		    (p = json_object_array_get_idx(parts, 0)) && (v = json_at(p, "url", NULL)))
			snprintf(u->part_url, sizeof(u->part_url), "%s", v);
		else
			next = REGISTER;
		break;
	}
	case PUT:
		header_value(&u->rsp_hdrs, "ETag", etag, sizeof(etag));
		if (strlen(etag) < 3)
			next = REGISTER;
		else
			snprintf(u->etag, sizeof(u->etag), "%.*s", (int)strlen(etag) - 2, etag + 1);
		break;
	case COMPLETE:
		fprintf(g.ids, "%s\n", u->video);
		g.iterations++;
		next = REGISTER;
		break;
	default: break;
	}
	json_object_put(o);
	if (next != REGISTER || s == COMPLETE)
		g.done[s]++;
	return next;
}

static void new_account(struct user *u, long id)
{
	static unsigned long seq;

	snprintf(u->email, sizeof(u->email), "load-%ld-%ld-%lu@example.com", (long)time(NULL), id,
	         ++seq);
	u->n++;
}

int main(int argc, char **argv)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct user *users;
	double secs, t0;
	long n, bad = 0, total = 0;
	int running = 0;
	CURLM *m;

	if (argc != 5 || (secs = strtod(argv[2], NULL)) <= 0 ||
	    (n = strtol(argv[3], NULL, 10)) < 1 || !(g.ids = fopen(argv[4], "w"))) {
		fprintf(stderr, "usage: loadgen API_URL SECONDS CONCURRENCY IDS_FILE\n");
		return 2;
	}
	g.api = argv[1];
	for (size_t i = 0; i < PART_BYTES; i++)
		g.part[i] = (unsigned char)(i * 31 + 7);
	EVP_Digest(g.part, PART_BYTES, md, &mdlen, EVP_md5(), NULL);
	EVP_EncodeBlock((unsigned char *)g.part_md5, md, 16);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	users = calloc((size_t)n, sizeof(*users));
	if (!m || !users)
		return 1;
	t0 = now_s();
	g.deadline = t0 + secs;
	for (long i = 0; i < n; i++) {
		struct user *u = &users[i];

		u->h = curl_easy_init();
		buf_init(&u->body, 1 << 20);
		buf_init(&u->rsp_hdrs, 1 << 16);
		buf_init(&u->req, 1 << 16);
		buf_init(&u->url, 1 << 14);
		new_account(u, i);
		u->step = REGISTER;
		start(m, u);
	}
	do {
		CURLMsg *msg;
		int left;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct user *u;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&u);
			curl_multi_remove_handle(m, u->h);
			u->step = finish(u, msg->data.result);
			if (u->step == REGISTER) {
				if (now_s() >= g.deadline)
					continue; /* this user is done */
				new_account(u, u - users);
			}
			start(m, u);
			running++;
		}
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running);
	secs = now_s() - t0;
	printf("step       expected  2xx-other  4xx  5xx  no-answer  per-second\n");
	for (int s = 0; s < N_STEPS; s++) {
		long other2xx = g.count[s][2] - g.done[s];

		printf("%-9s  %8ld  %9ld  %3ld  %3ld  %9ld  %10.1f\n", step_name[s], g.done[s],
		       other2xx < 0 ? 0 : other2xx, g.count[s][4], g.count[s][5], g.count[s][0],
		       (double)g.done[s] / secs);
		bad +=
		    g.count[s][0] + g.count[s][5] + g.count[s][4] + g.count[s][1] + g.count[s][3];
		for (int c = 0; c < 6; c++)
			total += g.count[s][c];
	}
	printf("iterations %ld in %.1f s (%.2f/s); requests %ld (%.1f/s); unexpected %ld\n",
	       g.iterations, secs, (double)g.iterations / secs, total, (double)total / secs, bad);
	fclose(g.ids);
	for (long i = 0; i < n; i++) {
		curl_easy_cleanup(users[i].h);
		curl_slist_free_all(users[i].hdrs);
		buf_free(&users[i].body);
		buf_free(&users[i].rsp_hdrs);
		buf_free(&users[i].req);
		buf_free(&users[i].url);
	}
	free(users);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return bad ? 1 : 0;
}
