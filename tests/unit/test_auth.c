/*
 * Tokens, passwords, rate-limit arithmetic and session scripts.
 *
 * The rate-limit and session cases need Redis's Lua: they start a private
 * redis-server on a loopback port of their own (a real server, not a fake)
 * and stop it at the end; token and password cases need nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/passwd.h"
#include "../../lib/ratelimit.h"
#include "../../lib/rds.h"
#include "../../lib/sess.h"
#include "../../lib/token.h"

static struct cfg cfg;

static void cfg_for_tests(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.jwt_access_secret = "access-secret-0123456789abcdef-0123456789";
	cfg.jwt_refresh_secret = "refresh-secret-0123456789abcdef-012345678";
	cfg.jwt_issuer = "vidpipe";
	cfg.jwt_audience = "vidpipe-api";
	cfg.access_ttl = 900;
	cfg.refresh_ttl = 3600;
	cfg.rl_api = 3;
	cfg.rl_api_window = 60;
}

static struct token_claims sample(void)
{
	struct token_claims c;

	memset(&c, 0, sizeof(c));
	strcpy(c.sub, "0b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e10");
	strcpy(c.sid, "1b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e11");
	strcpy(c.jti, "2b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e12");
	return c;
}

/* ------------------------------------------------------------- tokens -- */

static void token_round_trip(void **state)
{
	struct token_claims c = sample(), v;
	time_t now = 1800000000;
	buf t;

	(void)state;
	buf_init(&t, 8192);
	assert_int_equal(token_issue(&cfg, TOKEN_ACCESS, &c, now, &t), VP_OK);
	assert_int_equal(c.exp - c.iat, 900);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, buf_str(&t), now + 10, &v), VP_OK);
	assert_string_equal(v.sub, c.sub);
	assert_string_equal(v.sid, c.sid);
	assert_string_equal(v.jti, c.jti);
	/* the other kind refuses it: different key and typ */
	assert_int_equal(token_verify(&cfg, TOKEN_REFRESH, buf_str(&t), now + 10, &v), VP_DENIED);
	assert_string_equal(v.sub, "");
	buf_free(&t);
}

static void token_expiry_is_enforced(void **state)
{
	struct token_claims c = sample(), v;
	time_t now = 1800000000;
	buf t;

	(void)state;
	buf_init(&t, 8192);
	token_issue(&cfg, TOKEN_ACCESS, &c, now, &t);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, buf_str(&t), now + 899, &v), VP_OK);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, buf_str(&t), now + 900, &v), VP_DENIED);
	buf_free(&t);
}

static void token_tampering_is_refused(void **state)
{
	struct token_claims c = sample(), v;
	time_t now = 1800000000;
	buf t;
	char *s;

	(void)state;
	buf_init(&t, 8192);
	token_issue(&cfg, TOKEN_ACCESS, &c, now, &t);
	s = strdup(buf_str(&t));
	assert_non_null(s);
	s[strlen(s) - 3] = s[strlen(s) - 3] == 'A' ? 'B' : 'A'; /* signature */
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, s, now, &v), VP_DENIED);
	free(s);
	s = strdup(buf_str(&t));
	assert_non_null(s);
	*strrchr(s, '.') = '\0'; /* no signature at all */
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, s, now, &v), VP_DENIED);
	free(s);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, "", now, &v), VP_DENIED);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, NULL, now, &v), VP_DENIED);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, "x.y.z", now, &v), VP_DENIED);
	buf_free(&t);
}

/* A token libjwt itself signs with alg and the right key must still fail:
 * the algorithm is pinned, not taken from the token. */
static char *sign_with(jwt_alg_t alg, const char *key, const char *typ, const char *iss, time_t now)
{
	jwt_t *j;
	char *s;

	jwt_new(&j);
	jwt_add_grant(j, "sub", "0b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e10");
	jwt_add_grant(j, "sid", "1b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e11");
	jwt_add_grant(j, "jti", "2b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e12");
	jwt_add_grant(j, "iss", iss);
	jwt_add_grant(j, "aud", "vidpipe-api");
	if (typ)
		jwt_add_grant(j, "typ", typ);
	jwt_add_grant_int(j, "iat", now);
	jwt_add_grant_int(j, "exp", now + 60);
	jwt_set_alg(j, alg, alg == JWT_ALG_NONE ? NULL : (const unsigned char *)key,
	            alg == JWT_ALG_NONE ? 0 : (int)strlen(key));
	s = jwt_encode_str(j);
	jwt_free(j);
	return s;
}

static void token_algorithm_is_pinned(void **state)
{
	time_t now = 1800000000;
	struct token_claims v;
	char *s;

	(void)state;
	s = sign_with(JWT_ALG_HS256, cfg.jwt_access_secret, "access", "vidpipe", now);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, s, now, &v), VP_OK); /* control */
	free(s);
	s = sign_with(JWT_ALG_HS384, cfg.jwt_access_secret, "access", "vidpipe", now);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, s, now, &v), VP_DENIED);
	free(s);
	s = sign_with(JWT_ALG_HS512, cfg.jwt_access_secret, "access", "vidpipe", now);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, s, now, &v), VP_DENIED);
	free(s);
	s = sign_with(JWT_ALG_NONE, NULL, "access", "vidpipe", now);
	assert_non_null(s);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, s, now, &v), VP_DENIED);
	free(s);
}

static void token_claims_are_checked(void **state)
{
	time_t now = 1800000000;
	struct token_claims v;
	char *s;

	(void)state;
	s = sign_with(JWT_ALG_HS256, cfg.jwt_access_secret, NULL, "vidpipe", now);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, s, now, &v), VP_DENIED); /* no typ */
	free(s);
	s = sign_with(JWT_ALG_HS256, cfg.jwt_access_secret, "refresh", "vidpipe", now);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, s, now, &v), VP_DENIED); /* wrong typ */
	free(s);
	s = sign_with(JWT_ALG_HS256, cfg.jwt_access_secret, "access", "evil", now);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, s, now, &v), VP_DENIED); /* wrong iss */
	free(s);
}

/* A token built by hand: base64url(header).base64url(payload), HMAC-SHA256
 * with key (OpenSSL's one-shot HMAC, an oracle independent of token.c). */
static char *hand_token(const char *header, const char *payload, const char *key)
{
	static char out[2048];
	unsigned char mac[32];
	unsigned int maclen = 0;
	char part[1024];
	size_t n = 0;
	const char *parts[2] = {header, payload};

	for (int i = 0; i < 3; i++) {
		const unsigned char *in = i < 2 ? (const unsigned char *)parts[i] : mac;
		int len = i < 2 ? (int)strlen(parts[i]) : 32;
		int m;

		if (i == 2) {
			HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)out, n,
			     mac, &maclen);
			assert_int_equal(maclen, 32);
		}
		m = EVP_EncodeBlock((unsigned char *)part, in, len);
		while (m > 0 && part[m - 1] == '=')
			m--;
		for (int k = 0; k < m; k++)
			part[k] = part[k] == '+' ? '-' : part[k] == '/' ? '_' : part[k];
		if (i)
			out[n++] = '.';
		memcpy(out + n, part, (size_t)m);
		n += (size_t)m;
		out[n] = '\0';
	}
	return out;
}

#define GOOD_CLAIMS                                                                                \
	"\"sub\":\"0b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e10\",\"sid\":\"1b0f3c9e-2c55-4d4e-9a1b-"      \
	"1f6a7d2f9e11\",\"jti\":\"2b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e12\",\"iss\":\"vidpipe\","     \
	"\"typ\":\"access\",\"iat\":1800000000,\"exp\":1800000060"

static void token_header_must_name_hs256(void **state)
{
	const char *key = "access-secret-0123456789abcdef-0123456789";
	const char *claims = "{" GOOD_CLAIMS ",\"aud\":\"vidpipe-api\"}";
	time_t now = 1800000000;
	struct token_claims v;

	(void)state;
	/* any header that says HS256 (and JWT, if it says a typ) */
	assert_int_equal(
	    token_verify(&cfg, TOKEN_ACCESS,
	                 hand_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims, key), now, &v),
	    VP_OK);
	assert_string_equal(v.sid, "1b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e11");
	assert_int_equal(
	    token_verify(&cfg, TOKEN_ACCESS,
	                 hand_token("{\"typ\":\"JWT\",\"alg\":\"HS256\"}", claims, key), now, &v),
	    VP_OK);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS,
	                              hand_token("{\"alg\":\"HS256\"}", claims, key), now, &v),
	                 VP_OK);
	/* a MAC made with HS256 does not make another alg acceptable */
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS,
	                              hand_token("{\"alg\":\"none\"}", claims, key), now, &v),
	                 VP_DENIED);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS,
	                              hand_token("{\"alg\":\"hs256\"}", claims, key), now, &v),
	                 VP_DENIED);
	assert_int_equal(
	    token_verify(&cfg, TOKEN_ACCESS,
	                 hand_token("{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", claims, key), now, &v),
	    VP_DENIED);
	assert_int_equal(
	    token_verify(&cfg, TOKEN_ACCESS, hand_token("[\"HS256\"]", claims, key), now, &v),
	    VP_DENIED);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS,
	                              hand_token("{\"alg\":\"HS256\"} x", claims, key), now, &v),
	                 VP_DENIED);
}

static void token_signature_must_be_canonical(void **state)
{
	const char *key = "access-secret-0123456789abcdef-0123456789";
	const char *claims = "{" GOOD_CLAIMS ",\"aud\":\"vidpipe-api\"}";
	time_t now = 1800000000;
	struct token_claims v;
	char t[2048], *last;
	const char *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	(void)state;
	snprintf(t, sizeof(t), "%s", hand_token("{\"alg\":\"HS256\"}", claims, key));
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, t, now, &v), VP_OK);
	/* the last character carries 2 bits of the MAC and 4 zero bits: one
	 * with a pad bit set decodes to the same MAC, and is still refused */
	last = t + strlen(t) - 1;
	*last = b64[(strchr(b64, *last) - b64) | 1];
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, t, now, &v), VP_DENIED);
	snprintf(t, sizeof(t), "%s=", hand_token("{\"alg\":\"HS256\"}", claims, key));
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS, t, now, &v), VP_DENIED);
	/* the refresh key's MAC on an access payload */
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS,
	                              hand_token("{\"alg\":\"HS256\"}", claims,
	                                         "refresh-secret-0123456789abcdef-012345678"),
	                              now, &v),
	                 VP_DENIED);
}

static void token_claims_must_have_their_types(void **state)
{
	const char *key = "access-secret-0123456789abcdef-0123456789";
	time_t now = 1800000000;
	struct token_claims v;

	(void)state;
	assert_int_equal(
	    token_verify(&cfg, TOKEN_ACCESS,
	                 hand_token("{\"alg\":\"HS256\"}",
	                            "{" GOOD_CLAIMS ",\"aud\":[\"vidpipe-api\"]}", key),
	                 now, &v),
	    VP_DENIED);
	assert_int_equal(
	    token_verify(&cfg, TOKEN_ACCESS,
	                 hand_token("{\"alg\":\"HS256\"}",
	                            "{\"sub\":\"0b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e10\","
	                            "\"sid\":\"x\",\"jti\":\"2b0f3c9e-2c55-4d4e-9a1b-"
	                            "1f6a7d2f9e12\",\"iss\":\"vidpipe\",\"aud\":"
	                            "\"vidpipe-api\",\"typ\":\"access\",\"iat\":1,"
	                            "\"exp\":1800000060}",
	                            key),
	                 now, &v),
	    VP_DENIED);
	assert_int_equal(
	    token_verify(&cfg, TOKEN_ACCESS,
	                 hand_token("{\"alg\":\"HS256\"}",
	                            "{" GOOD_CLAIMS ",\"aud\":\"vidpipe-api\",\"exp\":\"9\"}", key),
	                 now, &v),
	    VP_DENIED);
	assert_int_equal(token_verify(&cfg, TOKEN_ACCESS,
	                              hand_token("{\"alg\":\"HS256\"}", "[1,2]", key), now, &v),
	                 VP_DENIED);
}

/* ----------------------------------------------------------- passwords -- */

static const struct passwd_params pp = {19456, 2, 1};

static void passwd_hash_and_verify(void **state)
{
	buf h;

	(void)state;
	buf_init(&h, 512);
	assert_int_equal(passwd_hash(&pp, "correct horse", 13, &h), VP_OK);
	assert_memory_equal(buf_str(&h), "$argon2id$v=19$m=19456,t=2,p=1$", 31);
	assert_int_equal(passwd_verify(buf_str(&h), "correct horse", 13), VP_OK);
	assert_int_equal(passwd_verify(buf_str(&h), "correct horsE", 13), VP_DENIED);
	assert_int_equal(passwd_verify(buf_str(&h), "correct hors", 12), VP_DENIED);
	assert_int_equal(passwd_verify("$2b$10$bcrypt-is-not-accepted", "x", 1), VP_INVALID);
	buf_free(&h);
}

static void passwd_salts_differ(void **state)
{
	buf a, b;

	(void)state;
	buf_init(&a, 512);
	buf_init(&b, 512);
	passwd_hash(&pp, "same password", 13, &a);
	passwd_hash(&pp, "same password", 13, &b);
	assert_string_not_equal(buf_str(&a), buf_str(&b));
	buf_free(&a);
	buf_free(&b);
}

static void passwd_dummy_always_denies(void **state)
{
	(void)state;
	assert_int_equal(passwd_verify_dummy(&pp, "anything at all", 15), VP_DENIED);
	assert_int_equal(passwd_verify_dummy(&pp, "not-a-real-password-at-all", 26), VP_DENIED);
}

/* ------------------------------------------- Redis-backed: a real server -- */

static pid_t redis_pid;

static int redis_up(void **state)
{
	char port[16], url[64];

	(void)state;
	snprintf(port, sizeof(port), "%d", 30000 + (int)(getpid() % 20000));
	snprintf(url, sizeof(url), "redis://127.0.0.1:%s/0", port);
	redis_pid = fork();
	if (redis_pid == 0) {
		execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
		       "--save", "", "--appendonly", "no", "--loglevel", "warning", (char *)NULL);
		_exit(127);
	}
	if (redis_pid < 0 || rds_setup(url, 2000) != VP_OK)
		return -1;
	for (int i = 0; i < 100; i++) {
		if (rds_ping() == VP_OK)
			return 0;
		usleep(50000);
	}
	return -1;
}

static int redis_down(void **state)
{
	(void)state;
	rds_close();
	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
	}
	return 0;
}

static void ratelimit_counts_down_then_denies(void **state)
{
	struct ratelimit rl;

	(void)state;
	for (long i = 0; i < 3; i++) {
		assert_int_equal(ratelimit_hit("rl:t:a", 3, 60, true, &rl), VP_OK);
		assert_true(rl.allowed);
		assert_int_equal(rl.limit, 3);
		assert_int_equal(rl.remaining, 2 - i);
		assert_in_range(rl.reset_s, 0, 20);
	}
	assert_int_equal(ratelimit_hit("rl:t:a", 3, 60, true, &rl), VP_OK);
	assert_false(rl.allowed);
	assert_int_equal(rl.remaining, 0);
	/* one request frees every window/limit = 20 s */
	assert_in_range(rl.retry_after_s, 1, 20);
	/* another key is untouched */
	assert_int_equal(ratelimit_hit("rl:t:b", 3, 60, true, &rl), VP_OK);
	assert_true(rl.allowed);
	assert_int_equal(rl.remaining, 2);
}

static void ratelimit_peek_does_not_count(void **state)
{
	struct ratelimit rl;

	(void)state;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(ratelimit_hit("rl:t:peek", 2, 60, false, &rl), VP_OK);
		assert_true(rl.allowed);
	}
	assert_int_equal(ratelimit_hit("rl:t:peek", 2, 60, true, &rl), VP_OK);
	assert_int_equal(rl.remaining, 1);
}

static void ratelimit_keys_expire(void **state)
{
	struct ratelimit rl;
	redisReply *rep;

	(void)state;
	ratelimit_hit("rl:t:ttl", 5, 60, true, &rl);
	assert_int_equal(rds_cmd(&rep, "PTTL %s", "rl:t:ttl"), VP_OK);
	assert_true(rep->integer > 0 && rep->integer <= 13000); /* 60 s / 5 + 1 s slack */
	freeReplyObject(rep);
}

static void ratelimit_window_frees_requests(void **state)
{
	struct ratelimit rl;

	(void)state;
	ratelimit_hit("rl:t:w", 2, 1, true, &rl);
	ratelimit_hit("rl:t:w", 2, 1, true, &rl);
	ratelimit_hit("rl:t:w", 2, 1, true, &rl);
	assert_false(rl.allowed);
	usleep(1100 * 1000); /* a whole window later */
	ratelimit_hit("rl:t:w", 2, 1, true, &rl);
	assert_true(rl.allowed);
}

/* A limit whose step is far below a millisecond must not be eaten by
 * rounding: 1,000,000 a minute is a 60 µs step. */
static void ratelimit_high_limits_keep_their_capacity(void **state)
{
	struct ratelimit rl;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(ratelimit_hit("rl:t:high", 1000000, 60, true, &rl), VP_OK);
		assert_true(rl.allowed);
	}
	/* 2000 requests used about 2000 steps of the window, not 2000 ms */
	assert_true(rl.remaining >= 1000000 - 2000 - 100);
}

static void sessions_rotate_once_and_detect_reuse(void **state)
{
	const char *uid = "0b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e10";
	const char *sid = "5b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e15";
	struct ratelimit rl;

	(void)state;
	assert_int_equal(sess_create(&cfg, uid, sid, "jti-1", "ua", "127.0.0.1", NULL), VP_OK);
	assert_int_equal(sess_check(&cfg, uid, sid, &rl), VP_OK);
	assert_true(rl.allowed);
	/* another user's id does not pass for the session */
	assert_int_equal(sess_check(&cfg, "9b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e19", sid, &rl),
	                 VP_DENIED);
	assert_int_equal(sess_rotate(&cfg, uid, sid, "jti-1", "jti-2"), VP_OK);
	/* the spent jti again: reuse, and the session is revoked */
	assert_int_equal(sess_rotate(&cfg, uid, sid, "jti-1", "jti-3"), VP_CONFLICT);
	assert_int_equal(sess_rotate(&cfg, uid, sid, "jti-2", "jti-3"), VP_DENIED);
	assert_int_equal(sess_check(&cfg, uid, sid, &rl), VP_DENIED);
}

static void sessions_list_and_revoke(void **state)
{
	const char *uid = "7b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e17";
	const char *s1 = "7b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e71";
	const char *s2 = "7b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e72";
	struct sess_info *list;
	struct ratelimit rl;
	size_t n;

	(void)state;
	sess_create(&cfg, uid, s1, "a", "curl/8 \xc3\xa9", "127.0.0.2", NULL);
	sess_create(&cfg, uid, s2, "b", "Firefox", "127.0.0.3", NULL);
	assert_int_equal(sess_list(uid, &list, &n), VP_OK);
	assert_int_equal(n, 2);
	assert_true(list[0].created > 1700000000);
	free(list);
	assert_int_equal(sess_revoke("6b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e16", s1), VP_NOT_FOUND);
	assert_int_equal(sess_revoke(uid, s1), VP_OK);
	assert_int_equal(sess_check(&cfg, uid, s1, &rl), VP_DENIED);
	assert_int_equal(sess_check(&cfg, uid, s2, &rl), VP_OK);
	assert_int_equal(sess_revoke_all(uid), VP_OK);
	assert_int_equal(sess_check(&cfg, uid, s2, &rl), VP_DENIED);
	assert_int_equal(sess_list(uid, &list, &n), VP_OK);
	assert_int_equal(n, 0);
	free(list);
}

static void middleware_limit_counts_per_user(void **state)
{
	const char *uid = "8b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e18";
	const char *sid = "8b0f3c9e-2c55-4d4e-9a1b-1f6a7d2f9e81";
	struct ratelimit rl;

	(void)state;
	sess_create(&cfg, uid, sid, "j", "ua", "ip", NULL);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sess_check(&cfg, uid, sid, &rl), VP_OK);
		assert_true(rl.allowed);
	}
	assert_int_equal(sess_check(&cfg, uid, sid, &rl), VP_OK);
	assert_false(rl.allowed); /* cfg.rl_api = 3 */
}

int main(void)
{
	const struct CMUnitTest plain[] = {
	    cmocka_unit_test(token_round_trip),
	    cmocka_unit_test(token_expiry_is_enforced),
	    cmocka_unit_test(token_tampering_is_refused),
	    cmocka_unit_test(token_algorithm_is_pinned),
	    cmocka_unit_test(token_claims_are_checked),
	    cmocka_unit_test(token_header_must_name_hs256),
	    cmocka_unit_test(token_signature_must_be_canonical),
	    cmocka_unit_test(token_claims_must_have_their_types),
	    cmocka_unit_test(passwd_hash_and_verify),
	    cmocka_unit_test(passwd_salts_differ),
	    cmocka_unit_test(passwd_dummy_always_denies),
	};
	const struct CMUnitTest with_redis[] = {
	    cmocka_unit_test(ratelimit_counts_down_then_denies),
	    cmocka_unit_test(ratelimit_peek_does_not_count),
	    cmocka_unit_test(ratelimit_keys_expire),
	    cmocka_unit_test(ratelimit_window_frees_requests),
	    cmocka_unit_test(ratelimit_high_limits_keep_their_capacity),
	    cmocka_unit_test(sessions_rotate_once_and_detect_reuse),
	    cmocka_unit_test(sessions_list_and_revoke),
	    cmocka_unit_test(middleware_limit_counts_per_user),
	};
	int failed;

	cfg_for_tests();
	failed = cmocka_run_group_tests_name("auth", plain, NULL, NULL);
	failed += cmocka_run_group_tests_name("auth_redis", with_redis, redis_up, redis_down);
	return failed;
}
