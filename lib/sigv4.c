/*
 * sigv4.c — AWS Signature Version 4 (see sigv4.h).
 *
 * Steps as AWS documents them: canonical request → string to sign →
 * signing key (HMAC chain over date, region, service, "aws4_request") →
 * signature. Only OpenSSL does cryptography here.
 */
#include "sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void sigv4_amz_date(time_t t, char out[17])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static void hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* SHA-256 and HMAC-SHA256 through objects fetched once per process:
 * OpenSSL 3's one-shot SHA256() and HMAC() look the algorithm up in the
 * provider on every call, which cost more than hashing a canonical request
 * (a part URL is signed with two hashes and one HMAC). */
static EVP_MD *sigv4_sha256_md(void)
{
	static EVP_MD *md;

	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

static void sha256(const void *p, size_t n, unsigned char md[SHA256_DIGEST_LENGTH])
{
	EVP_MD *alg = sigv4_sha256_md();

	if (!alg || !EVP_Digest(p, n, md, NULL, alg, NULL))
		SHA256(p, n, md); /* the one-shot path, should the fetch fail */
}

void sigv4_sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	sha256(p, n, md);
	hex(md, sizeof(md), out);
}

static vp_res hmac(const void *key, size_t klen, const void *msg, size_t mlen,
                   unsigned char out[32])
{
	static EVP_MAC_CTX *ctx;
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
	                       OSSL_PARAM_construct_end()};
	size_t olen = 0;

	if (!ctx) {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);

		ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac); /* the context holds its own reference */
		if (!ctx)
			return VP_INTERNAL;
	}
	if (!EVP_MAC_init(ctx, key, klen, params) || !EVP_MAC_update(ctx, msg, mlen) ||
	    !EVP_MAC_final(ctx, out, &olen, 32) || olen != 32)
		return VP_INTERNAL;
	return VP_OK;
}

vp_res sigv4_uri_encode(buf *out, const char *s, size_t n, bool keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	vp_res r = VP_OK;

	for (size_t i = 0; i < n && r == VP_OK; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && keep_slash)) {
			r = buf_addc(out, (char)c);
		} else {
			char esc[3] = {'%', digits[c >> 4], digits[c & 0xf]};

			r = buf_add(out, esc, 3);
		}
	}
	return r;
}

/* ------------------------------------------------------------------------ */
/* Canonical request                                                         */
/* ------------------------------------------------------------------------ */

struct qpair {
	const char *k;
	size_t klen;
	const char *v;
	size_t vlen;
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->k, y->k, n);

	if (c || x->klen != y->klen)
		return c ? c : (x->klen < y->klen ? -1 : 1);
	n = x->vlen < y->vlen ? x->vlen : y->vlen;
	c = memcmp(x->v, y->v, n);
	if (c || x->vlen == y->vlen)
		return c;
	return x->vlen < y->vlen ? -1 : 1;
}

static int header_cmp(const void *a, const void *b)
{
	const struct sigv4_header *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Header values are trimmed and inner runs of spaces folded to one. */
static vp_res add_trimmed(buf *out, const char *v)
{
	bool space = false;
	vp_res r = VP_OK;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v && r == VP_OK; v++) {
		if (*v == ' ' || *v == '\t') {
			space = true;
			continue;
		}
		if (space)
			r = buf_addc(out, ' ');
		space = false;
		if (r == VP_OK)
			r = buf_addc(out, *v);
	}
	return r;
}

vp_res sigv4_canonical_request(const char *method, const char *path, const char *query,
                               const struct sigv4_header *h, size_t nh, const char *payload_hash,
                               buf *out, buf *signed_headers)
{
	struct qpair *qp = NULL;
	struct sigv4_header *hs = NULL;
	size_t nq = 0, i;
	const char *p;
	vp_res r = VP_NOMEM;

	/* Query: split on '&', sort by key then value. */
	for (p = query; p && *p; p++)
		if (*p == '&')
			nq++;
	nq = (query && *query) ? nq + 1 : 0;
	if (nq) {
		qp = calloc(nq, sizeof(*qp));
		if (!qp)
			goto end;
		p = query;
		for (i = 0; i < nq; i++) {
			const char *amp = strchr(p, '&');
			const char *e = amp ? amp : p + strlen(p);
			const char *eq = memchr(p, '=', (size_t)(e - p));

			qp[i].k = p;
			qp[i].klen = (size_t)((eq ? eq : e) - p);
			qp[i].v = eq ? eq + 1 : e;
			qp[i].vlen = (size_t)(e - qp[i].v);
			p = amp ? amp + 1 : e;
		}
		qsort(qp, nq, sizeof(*qp), qpair_cmp);
	}
	hs = malloc((nh ? nh : 1) * sizeof(*hs));
	if (!hs)
		goto end;
	memcpy(hs, h, nh * sizeof(*hs));
	qsort(hs, nh, sizeof(*hs), header_cmp);

	if ((r = buf_printf(out, "%s\n%s\n", method, *path ? path : "/")) != VP_OK)
		goto end;
	for (i = 0; i < nq; i++) {
		if ((r = buf_add(out, i ? "&" : "", i ? 1 : 0)) != VP_OK ||
		    (r = buf_add(out, qp[i].k, qp[i].klen)) != VP_OK ||
		    (r = buf_addc(out, '=')) != VP_OK ||
		    (r = buf_add(out, qp[i].v, qp[i].vlen)) != VP_OK)
			goto end;
	}
	if ((r = buf_addc(out, '\n')) != VP_OK)
		goto end;
	for (i = 0; i < nh; i++) {
		if ((r = buf_adds(out, hs[i].name)) != VP_OK || (r = buf_addc(out, ':')) != VP_OK ||
		    (r = add_trimmed(out, hs[i].value)) != VP_OK ||
		    (r = buf_addc(out, '\n')) != VP_OK)
			goto end;
		if ((i && (r = buf_addc(signed_headers, ';')) != VP_OK) ||
		    (r = buf_adds(signed_headers, hs[i].name)) != VP_OK)
			goto end;
	}
	if ((r = buf_addc(out, '\n')) != VP_OK ||
	    (r = buf_add(out, signed_headers->data, signed_headers->len)) != VP_OK ||
	    (r = buf_addc(out, '\n')) != VP_OK)
		goto end;
	r = buf_adds(out, payload_hash);
end:
	free(qp);
	free(hs);
	return r;
}

/* ------------------------------------------------------------------------ */
/* Signing                                                                   */
/* ------------------------------------------------------------------------ */

/* The derived key depends only on these, so it is kept until one changes. */
static struct {
	char date[9];
	char region[64];
	char service[32];
	const char *secret; /* the string secret_md was made from */
	unsigned char secret_md[32];
	unsigned char key[32];
	bool valid;
} sigv4_cache;

static vp_res signing_key(const struct sigv4_creds *c, const char *date, const char *service,
                          unsigned char key[32])
{
	unsigned char md[32], k1[32], k2[32], k3[32];
	buf secret;
	vp_res r;

	/* the secret is hashed once per process (its string does not move) */
	if (sigv4_cache.valid && sigv4_cache.secret == c->secret_key)
		memcpy(md, sigv4_cache.secret_md, 32);
	else
		sha256(c->secret_key, strlen(c->secret_key), md);
	if (sigv4_cache.valid && !strcmp(sigv4_cache.date, date) &&
	    !strcmp(sigv4_cache.region, c->region) && !strcmp(sigv4_cache.service, service) &&
	    !CRYPTO_memcmp(sigv4_cache.secret_md, md, 32)) {
		memcpy(key, sigv4_cache.key, 32);
		return VP_OK;
	}
	buf_init(&secret, 1024);
	if ((r = buf_printf(&secret, "AWS4%s", c->secret_key)) != VP_OK)
		goto end;
	if ((r = hmac(secret.data, secret.len, date, strlen(date), k1)) != VP_OK ||
	    (r = hmac(k1, 32, c->region, strlen(c->region), k2)) != VP_OK ||
	    (r = hmac(k2, 32, service, strlen(service), k3)) != VP_OK ||
	    (r = hmac(k3, 32, "aws4_request", 12, key)) != VP_OK)
		goto end;
	if (strlen(c->region) < sizeof(sigv4_cache.region) &&
	    strlen(service) < sizeof(sigv4_cache.service)) {
		memcpy(sigv4_cache.date, date, 9);
		strcpy(sigv4_cache.region, c->region);
		strcpy(sigv4_cache.service, service);
		memcpy(sigv4_cache.secret_md, md, 32);
		sigv4_cache.secret = c->secret_key;
		memcpy(sigv4_cache.key, key, 32);
		sigv4_cache.valid = true;
	}
end:
	OPENSSL_cleanse(secret.data, secret.len);
	buf_free(&secret);
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	OPENSSL_cleanse(k3, sizeof(k3));
	return r;
}

/* The hex signature of a canonical request made at amz_date. */
static vp_res sign_canonical(const struct sigv4_creds *c, const char *service, const buf *creq,
                             const char *amz_date, char sig[65])
{
	buf sts;
	char date[9], creq_hash[65];
	unsigned char key[32], mac[32];
	vp_res r;

	buf_init(&sts, 4096);
	memcpy(date, amz_date, 8);
	date[8] = '\0';
	sigv4_sha256_hex(creq->data, creq->len, creq_hash);
	if ((r = buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date,
	                    c->region, service, creq_hash)) != VP_OK)
		goto end;
	if ((r = signing_key(c, date, service, key)) != VP_OK ||
	    (r = hmac(key, 32, sts.data, sts.len, mac)) != VP_OK)
		goto end;
	hex(mac, 32, sig);
end:
	OPENSSL_cleanse(key, sizeof(key));
	buf_free(&sts);
	return r;
}

vp_res sigv4_authorization(const struct sigv4_creds *c, const char *service, const char *method,
                           const char *path, const char *query, const struct sigv4_header *h,
                           size_t nh, const char *payload_hash, const char *amz_date, buf *out)
{
	buf creq, signed_h;
	char sig[65];
	vp_res r;

	buf_init(&creq, 1 << 20);
	buf_init(&signed_h, 4096);
	if ((r = sigv4_canonical_request(method, path, query, h, nh, payload_hash, &creq,
	                                 &signed_h)) != VP_OK ||
	    (r = sign_canonical(c, service, &creq, amz_date, sig)) != VP_OK)
		goto end;
	r = buf_printf(out,
	               "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
	               "SignedHeaders=%s, Signature=%s",
	               c->access_key, amz_date, c->region, service, buf_str(&signed_h), sig);
end:
	buf_free(&creq);
	buf_free(&signed_h);
	return r;
}

vp_res sigv4_presign(const struct sigv4_creds *c, const char *service, const char *method,
                     const char *host, const char *path, const char *query,
                     const struct sigv4_header *h, size_t nh, long expires_s, const char *amz_date,
                     buf *out)
{
	struct sigv4_header hs[SIGV4_MAX_PRESIGN_HEADERS + 1];
	buf cred, q, creq, signed_h, names;
	char sig[65];
	vp_res r = VP_INVALID;

	buf_init(&cred, 1024);
	buf_init(&q, 16384);
	buf_init(&creq, 32768);
	buf_init(&signed_h, 1024);
	buf_init(&names, 1024);
	if (nh > SIGV4_MAX_PRESIGN_HEADERS)
		goto end;
	hs[0] = (struct sigv4_header){"host", host};
	if (nh)
		memcpy(hs + 1, h, nh * sizeof(*h));
	/* X-Amz-SignedHeaders is the same sorted list the canonical request
	 * ends with: canonicalise once with a throw-away query to learn it */
	if ((r = sigv4_canonical_request(method, path, "", hs, nh + 1, SIGV4_UNSIGNED, &creq,
	                                 &names)) != VP_OK)
		goto end;
	buf_reset(&creq);
	if ((r = buf_printf(&cred, "%s/%.8s/%s/%s/aws4_request", c->access_key, amz_date, c->region,
	                    service)) != VP_OK)
		goto end;
	if ((r = buf_printf(&q, "%s%sX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=", query,
	                    *query ? "&" : "")) != VP_OK ||
	    (r = sigv4_uri_encode(&q, cred.data, cred.len, false)) != VP_OK ||
	    (r = buf_printf(&q, "&X-Amz-Date=%s&X-Amz-Expires=%ld&X-Amz-SignedHeaders=", amz_date,
	                    expires_s)) != VP_OK ||
	    (r = sigv4_uri_encode(&q, names.data, names.len, false)) != VP_OK)
		goto end;
	if ((r = sigv4_canonical_request(method, path, q.data, hs, nh + 1, SIGV4_UNSIGNED, &creq,
	                                 &signed_h)) != VP_OK ||
	    (r = sign_canonical(c, service, &creq, amz_date, sig)) != VP_OK)
		goto end;
	if ((r = buf_add(out, q.data, q.len)) == VP_OK &&
	    (r = buf_adds(out, "&X-Amz-Signature=")) == VP_OK)
		r = buf_adds(out, sig);
end:
	buf_free(&cred);
	buf_free(&q);
	buf_free(&creq);
	buf_free(&signed_h);
	buf_free(&names);
	return r;
}
