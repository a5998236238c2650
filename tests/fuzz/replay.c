/*
 * replay.c — runs one fuzz target once over every file in its seed corpus
 * (tests/fuzz/corpus/NAME/) and its regression folder
 * (tests/fuzz/regress/NAME/), so every input libFuzzer ever found to crash
 * stays fixed. Built with gcc under ASan+UBSan and run by `make unit`; a crash
 * aborts the program, which the runner counts as a failure. Prints the
 * cmocka-style summary line tests/run-unit.sh adds up.
 *
 * FUZZ_NAME (the target's name) is set by the Makefile; the folders are
 * relative to the checkout's root, where `make` runs.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t cap = 0, len = 0, n;
	int ret = -1;

	if (!f)
		return -1;
	do {
		if (len == cap) {
			uint8_t *p = realloc(data, cap ? cap * 2 : 65536);

			if (!p)
				goto end;
			data = p;
			cap = cap ? cap * 2 : 65536;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	/* libFuzzer hands the target a copy it owns exactly: do the same so
	 * ASan sees a read past the end */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact)
			goto end;
		memcpy(exact, data, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	ret = 0;
end:
	free(data);
	fclose(f);
	return ret;
}

static int replay_dir(const char *dir, unsigned *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	if (!d)
		return 0; /* a target may have no regression files yet */
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (replay_file(path) != 0) {
			fprintf(stderr, "replay: cannot read %s\n", path);
			closedir(d);
			return -1;
		}
		(*count)++;
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned count = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (replay_dir("tests/fuzz/corpus/" FUZZ_NAME, &count) != 0 ||
	    replay_dir("tests/fuzz/regress/" FUZZ_NAME, &count) != 0) {
		printf("[  FAILED  ] 1 test(s), replay of " FUZZ_NAME "\n");
		return 1;
	}
	printf("[ REPLAYED ] %u input(s) of the fuzz target " FUZZ_NAME "\n", count);
	printf("[  PASSED  ] 1 test(s).\n");
	return 0;
}
