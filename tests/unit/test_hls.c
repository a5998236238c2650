/*
 * HLS as vidpipe writes it (lib/hls.h) and the playback token
 * (lib/playback.h), held to text written out here by hand from RFC 8216 and
 * to an HMAC computed with the openssl tool:
 *   printf 'vidpipe-playback-v1\n<id>\n<exp>' | openssl dgst -sha256 -hmac <key>
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/hls.h"
#include "../../lib/playback.h"

#define ID  "11111111-2222-4333-8444-555555555555"
#define SIG "0bc297198a3f38437795ff298d67d47fd829d600924d9c40ec9169f9a5599192"

static void file_names_and_keys_read_back(void **state)
{
	char name[HLS_NAME_MAX], track[16];
	int number = -1;
	buf k;

	(void)state;
	hls_file_name(0, name);
	assert_string_equal(name, "init.mp4");
	hls_file_name(42, name);
	assert_string_equal(name, "00042.m4s");
	hls_file_name(123456, name);
	assert_string_equal(name, "123456.m4s");
	buf_init(&k, 1024);
	assert_int_equal(hls_key("u", "v", "720p", 7, &k), VP_OK);
	assert_string_equal(buf_str(&k), "processed/u/v/hls/720p/00007.m4s");
	buf_reset(&k);
	assert_int_equal(hls_prefix("u", "v", &k), VP_OK);
	assert_string_equal(buf_str(&k), "processed/u/v/hls/");
	buf_free(&k);

	assert_true(hls_key_parse("720p/00007.m4s", track, &number));
	assert_string_equal(track, "720p");
	assert_int_equal(number, 7);
	assert_true(hls_key_parse("audio/init.mp4", track, &number));
	assert_int_equal(number, 0);
	assert_true(hls_key_parse("1080p/123456.m4s", track, &number));
	assert_int_equal(number, 123456);
	/* anything hls_key does not make */
	assert_false(hls_key_parse("720p/0007.m4s", track, &number));
	assert_false(hls_key_parse("720p/00000.m4s", track, &number));
	assert_false(hls_key_parse("720p/00007.m4s.bak", track, &number));
	assert_false(hls_key_parse("720p/-0007.m4s", track, &number));
	assert_false(hls_key_parse("../720p/00007.m4s", track, &number));
	assert_false(hls_key_parse("720p/x/00007.m4s", track, &number));
	assert_false(hls_key_parse("x/init.mp4", track, &number));
	assert_false(hls_key_parse("init.mp4", track, &number));
	assert_false(hls_key_parse("720p/", track, &number));
}

static void track_names_and_codecs_are_the_workers_own(void **state)
{
	(void)state;
	assert_true(hls_track_name_ok("720p"));
	assert_true(hls_track_name_ok("1080p"));
	assert_true(hls_track_name_ok("240p"));
	assert_true(hls_track_name_ok("audio"));
	assert_false(hls_track_name_ok("0p"));
	assert_false(hls_track_name_ok("p"));
	assert_false(hls_track_name_ok("720"));
	assert_false(hls_track_name_ok("720P"));
	assert_false(hls_track_name_ok("123456p"));
	assert_false(hls_track_name_ok("audio2"));
	assert_false(hls_track_name_ok("../p"));
	assert_false(hls_track_name_ok(""));
	assert_true(hls_codecs_ok("avc1.64001f"));
	assert_true(hls_codecs_ok("mp4a.40.2"));
	assert_false(hls_codecs_ok("avc1.64001F"));
	assert_false(hls_codecs_ok("avc1.64001"));
	assert_false(hls_codecs_ok("avc1.64001f\""));
	assert_false(hls_codecs_ok("mp4a.40.5"));
}

static const struct hls_track tracks[] = {
    /* name, audio, w, h, fps, bitrate, codecs, segments, duration, bytes, peak */
    {"720p", false, 1280, 720, 60, 3000000, "avc1.640020", 5, 9.0, 3000000, 3400000.4},
    {"audio", true, 0, 0, 0, 128000, "mp4a.40.2", 5, 9.1, 150000, 135000},
    {"360p", false, 640, 360, 30, 730000, "avc1.64001e", 5, 9.0, 700000, 640000},
};

static void the_master_names_every_variant_lowest_first_with_its_rates(void **state)
{
	buf m;

	(void)state;
	buf_init(&m, 1 << 16);
	assert_int_equal(hls_master(tracks, 3, true, "?token=t", &m), VP_OK);
	/* complete: BANDWIDTH the peaks (video + audio), rounded up;
	 * AVERAGE-BANDWIDTH bytes * 8 / duration of both */
	assert_string_equal(
	    buf_str(&m), "#EXTM3U\n"
	                 "#EXT-X-VERSION:7\n"
	                 "#EXT-X-INDEPENDENT-SEGMENTS\n"
	                 "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Audio\",DEFAULT=YES,"
	                 "AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio.m3u8?token=t\"\n"
	                 "#EXT-X-STREAM-INF:BANDWIDTH=775000,AVERAGE-BANDWIDTH=754091,"
	                 "CODECS=\"avc1.64001e,mp4a.40.2\",RESOLUTION=640x360,FRAME-RATE=30.000,"
	                 "AUDIO=\"audio\"\n"
	                 "360p.m3u8?token=t\n"
	                 "#EXT-X-STREAM-INF:BANDWIDTH=3535001,AVERAGE-BANDWIDTH=2798535,"
	                 "CODECS=\"avc1.640020,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=60.000,"
	                 "AUDIO=\"audio\"\n"
	                 "720p.m3u8?token=t\n");
	/* still processing: never below the nominal rates (360p: 730000 + 135000) */
	buf_reset(&m);
	assert_int_equal(hls_master(tracks, 3, false, "", &m), VP_OK);
	assert_non_null(strstr(buf_str(&m), "BANDWIDTH=865000,AVERAGE-BANDWIDTH=754091,"));
	assert_non_null(strstr(buf_str(&m), "BANDWIDTH=3535001,AVERAGE-BANDWIDTH=2798535,"));
	assert_non_null(strstr(buf_str(&m), "\n360p.m3u8\n"));
	/* silent: no group, no audio codec */
	buf_reset(&m);
	assert_int_equal(hls_master(&tracks[2], 1, true, "", &m), VP_OK);
	assert_null(strstr(buf_str(&m), "AUDIO"));
	assert_non_null(strstr(buf_str(&m), "CODECS=\"avc1.64001e\",RESOLUTION=640x360"));
	/* no video track: nothing to play */
	buf_reset(&m);
	assert_int_equal(hls_master(&tracks[1], 1, true, "", &m), VP_INVALID);
	buf_free(&m);
}

static vp_res uri(void *ud, int number, buf *out)
{
	(void)ud;
	return buf_printf(out, "https://s/%d?sig", number);
}

static void a_media_playlist_is_event_until_complete_then_vod_with_endlist(void **state)
{
	struct hls_segment seg[] = {{1, 2.0}, {2, 2.6}, {3, 1.25}, {5, 2.0}};
	buf m;

	(void)state;
	buf_init(&m, 1 << 16);
	/* the run 1..3 is there; 5 waits for 4 */
	assert_int_equal(hls_media(seg, 4, false, uri, NULL, &m), VP_OK);
	assert_string_equal(buf_str(&m), "#EXTM3U\n"
	                                 "#EXT-X-VERSION:7\n"
	                                 "#EXT-X-TARGETDURATION:3\n"
	                                 "#EXT-X-MEDIA-SEQUENCE:1\n"
	                                 "#EXT-X-PLAYLIST-TYPE:EVENT\n"
	                                 "#EXT-X-INDEPENDENT-SEGMENTS\n"
	                                 "#EXT-X-MAP:URI=\"https://s/0?sig\"\n"
	                                 "#EXTINF:2.000000,\nhttps://s/1?sig\n"
	                                 "#EXTINF:2.600000,\nhttps://s/2?sig\n"
	                                 "#EXTINF:1.250000,\nhttps://s/3?sig\n");
	buf_reset(&m);
	assert_int_equal(hls_media(seg, 3, true, uri, NULL, &m), VP_OK);
	assert_non_null(strstr(buf_str(&m), "#EXT-X-PLAYLIST-TYPE:VOD\n"));
	assert_true(m.len > 15 && !strcmp(m.data + m.len - 15, "#EXT-X-ENDLIST\n"));
	/* 2.4 s rounds to the 2 s target */
	seg[1].duration = 2.4;
	buf_reset(&m);
	assert_int_equal(hls_media(seg, 3, true, uri, NULL, &m), VP_OK);
	assert_non_null(strstr(buf_str(&m), "#EXT-X-TARGETDURATION:2\n"));
	/* nothing yet: the map and no segment */
	buf_reset(&m);
	assert_int_equal(hls_media(seg, 0, false, uri, NULL, &m), VP_OK);
	assert_null(strstr(buf_str(&m), "#EXTINF"));
	buf_free(&m);
}

static struct cfg token_cfg(void)
{
	struct cfg c;

	memset(&c, 0, sizeof(c));
	c.playback_token_secret = "0123456789abcdef0123456789abcdef-p";
	c.api_url = "http://api.example:8000/";
	return c;
}

static void the_playback_token_is_the_documented_hmac(void **state)
{
	struct cfg c = token_cfg();
	long long exp = 0;
	bool expired = true;
	buf t;

	(void)state;
	buf_init(&t, 256);
	assert_int_equal(playback_token(&c, ID, 2000000000, &t), VP_OK);
	assert_string_equal(buf_str(&t), "2000000000." SIG);
	assert_int_equal(playback_token_check(&c, ID, buf_str(&t), 1999999999, &exp, &expired),
	                 VP_OK);
	assert_int_equal(exp, 2000000000);
	assert_false(expired);
	/* the URL: the API's base (its trailing slash dropped), the token in the query */
	buf_reset(&t);
	assert_int_equal(playback_url(&c, ID, 1999999000, 1000, &t), VP_OK);
	assert_string_equal(buf_str(&t), "http://api.example:8000/playback/" ID
	                                 "/master.m3u8?token=2000000000." SIG);
	buf_free(&t);
}

static void
a_token_that_is_not_one_minted_for_the_id_is_refused_expired_only_when_genuine(void **state)
{
	static const char *const bad[] = {
	    "",
	    "2000000000",
	    "2000000000.",
	    "2000000000." SIG "0",
	    "02000000000." SIG,
	    "+2000000000." SIG,
	    "2000000001." SIG,
	    "2000000000.0bc297198a3f38437795ff298d67d47fd829d600924d9c40ec9169f9a5599193",
	    "2000000000.0BC297198A3F38437795FF298D67D47FD829D600924D9C40EC9169F9A5599192",
	    "9999999999999." SIG,
	};
	struct cfg c = token_cfg(), other = token_cfg();
	long long exp;
	bool expired;

	(void)state;
	for (size_t i = 0; i < VP_ARRAY_LEN(bad); i++) {
		assert_int_equal(playback_token_check(&c, ID, bad[i], 1000, &exp, &expired),
		                 VP_DENIED);
		assert_false(expired);
	}
	/* minted for another video, or under another key */
	assert_int_equal(playback_token_check(&c, "11111111-2222-4333-8444-555555555556",
	                                      "2000000000." SIG, 1000, &exp, &expired),
	                 VP_DENIED);
	assert_false(expired);
	other.playback_token_secret = "0123456789abcdef0123456789abcdef-q";
	assert_int_equal(playback_token_check(&other, ID, "2000000000." SIG, 1000, &exp, &expired),
	                 VP_DENIED);
	assert_false(expired);
	/* genuine, at or past its time */
	assert_int_equal(
	    playback_token_check(&c, ID, "2000000000." SIG, 2000000000, &exp, &expired), VP_DENIED);
	assert_true(expired);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(file_names_and_keys_read_back),
	    cmocka_unit_test(track_names_and_codecs_are_the_workers_own),
	    cmocka_unit_test(the_master_names_every_variant_lowest_first_with_its_rates),
	    cmocka_unit_test(a_media_playlist_is_event_until_complete_then_vod_with_endlist),
	    cmocka_unit_test(the_playback_token_is_the_documented_hmac),
	    cmocka_unit_test(
	        a_token_that_is_not_one_minted_for_the_id_is_refused_expired_only_when_genuine),
	};

	return cmocka_run_group_tests_name("hls", tests, NULL, NULL);
}
