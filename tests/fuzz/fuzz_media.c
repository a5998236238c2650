/*
 * fuzz_media.c — the path a stranger's upload takes through lib/transcode.c
 * before any encoder runs: probe → allow-list → demux → limits → decode →
 * resample, for the first frames (tc_decode_head), with the production
 * allow-lists and default limits. The input is the file itself, read from
 * memory through a custom AVIOContext that can seek, as the worker's local
 * file can.
 *
 * The FFmpeg libraries are Debian's, not instrumented: libFuzzer's coverage
 * guidance sees only our code, and a fault inside them shows as a signal
 * (a crash the worker's child process would die of). Seeds:
 * tests/fuzz/corpus/media/ (tests/fuzz/make-media-corpus.sh).
 */
#include <libavformat/avio.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/log.h"
#include "../../lib/transcode.h"

/* pictures decoded per input: enough to reach every decoder's output, few
 * enough for thousands of inputs a minute */
#define FRAMES 8

struct mem {
	const uint8_t *data;
	size_t size, pos;
};

static int mem_read(void *opaque, uint8_t *out, int n)
{
	struct mem *m = opaque;
	size_t left = m->size - m->pos;

	if (n <= 0)
		return AVERROR(EINVAL);
	if (left == 0)
		return AVERROR_EOF;
	if ((size_t)n > left)
		n = (int)left;
	memcpy(out, m->data + m->pos, (size_t)n);
	m->pos += (size_t)n;
	return n;
}

static int64_t mem_seek(void *opaque, int64_t offset, int whence)
{
	struct mem *m = opaque;
	int64_t base;

	switch (whence & ~AVSEEK_FORCE) {
	case AVSEEK_SIZE: return (int64_t)m->size;
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)m->pos; break;
	case SEEK_END: base = (int64_t)m->size; break;
	default: return AVERROR(EINVAL);
	}
	if (offset < -base || offset > (int64_t)m->size - base)
		return AVERROR(EINVAL);
	m->pos = (size_t)(base + offset);
	return (int64_t)m->pos;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	av_log_set_level(AV_LOG_QUIET);
	setenv("LOG_LEVEL", "error", 1);
	log_init("fuzz_media");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = {data, size, 0};
	struct tc_limits lim;
	unsigned char *io = av_malloc(4096);
	AVIOContext *pb;
	buf reason;

	if (!io)
		return 0;
	pb = avio_alloc_context(io, 4096, 0, &m, mem_read, NULL, mem_seek);
	if (!pb) {
		av_free(io);
		return 0;
	}
	tc_limits_default(&lim);
	buf_init(&reason, 1024);
	(void)tc_decode_head(pb, &lim, FRAMES, &reason);
	buf_free(&reason);
	av_freep(&pb->buffer); /* avio may have replaced the buffer it was given */
	avio_context_free(&pb);
	return 0;
}
