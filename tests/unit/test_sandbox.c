/*
 * The sandbox, judged by the kernel: exit statuses, the signal that ended a
 * child (SIGSEGV, SIGXCPU, SIGKILL), what a child can allocate under
 * RLIMIT_AS, which descriptors it holds, and whether it outlives its parent.
 * Every child here does something a hostile file could make a decoder do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/sandbox.h"

struct msg {
	int n;
	char text[60];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int talk_then_exit(int fd, void *arg)
{
	(void)arg;
	for (int i = 1; i <= 3; i++) {
		struct msg m = {i, "hello"};

		if (sandbox_send(fd, &m, sizeof(m)) != VP_OK)
			return 1;
	}
	return 7;
}

static void messages_and_exit_status_reach_the_parent(void **state)
{
	struct sandbox sb;
	struct sandbox_exit ex;
	struct sandbox_limits lim = {0, 0, 0};
	struct msg m;
	int seen = 0;
	bool got;

	(void)state;
	assert_int_equal(sandbox_start(&sb, &lim, talk_then_exit, NULL), VP_OK);
	for (;;) {
		vp_res r = sandbox_recv(&sb, &m, sizeof(m), 5000, &got);

		if (r == VP_NOT_FOUND)
			break;
		assert_int_equal(r, VP_OK);
		assert_true(got);
		assert_int_equal(m.n, ++seen);
		assert_string_equal(m.text, "hello");
	}
	assert_int_equal(seen, 3);
	assert_int_equal(sandbox_wait(&sb, 2000, &ex), VP_OK);
	assert_int_equal(ex.code, 7);
	assert_int_equal(ex.signal, 0);
}

static int segfault(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	signal(SIGSEGV, SIG_DFL); /* a sanitizer's handler would turn it into an exit */
	raise(SIGSEGV);
	return 0;
}

static void a_crash_ends_the_child_with_its_signal(void **state)
{
	struct sandbox sb;
	struct sandbox_exit ex;
	struct sandbox_limits lim = {0, 0, 0};

	(void)state;
	assert_int_equal(sandbox_start(&sb, &lim, segfault, NULL), VP_OK);
	assert_int_equal(sandbox_wait(&sb, 5000, &ex), VP_OK);
	assert_int_equal(ex.signal, SIGSEGV);
	assert_int_equal(ex.code, -1);
	assert_string_equal(sandbox_signal_name(ex.signal), "SIGSEGV");
}

static int spin(int fd, void *arg)
{
	volatile unsigned long x = 0;

	(void)fd;
	(void)arg;
	for (;;)
		x++;
	return 0;
}

static void the_cpu_limit_stops_an_endless_loop(void **state)
{
	struct sandbox sb;
	struct sandbox_exit ex;
	struct sandbox_limits lim = {0, 1, 1};
	double t0 = now_s();

	(void)state;
	assert_int_equal(sandbox_start(&sb, &lim, spin, NULL), VP_OK);
	assert_int_equal(sandbox_wait(&sb, 20000, &ex), VP_OK);
	assert_int_equal(ex.signal, SIGXCPU);
	assert_true(now_s() - t0 < 15);
}

/* 0 when the CPU limit moves as asked, up to the ceiling of 10 s */
static int move_cpu_limit(int fd, void *arg)
{
	struct rlimit rl;

	(void)fd;
	(void)arg;
	if (getrlimit(RLIMIT_CPU, &rl) != 0 || rl.rlim_cur != 2 || rl.rlim_max != 15)
		return 1;
	if (sandbox_set_cpu(8) != VP_OK || getrlimit(RLIMIT_CPU, &rl) != 0 || rl.rlim_cur != 8 ||
	    rl.rlim_max != 13)
		return 2;
	if (sandbox_set_cpu(100) != VP_OK || getrlimit(RLIMIT_CPU, &rl) != 0 || rl.rlim_cur != 8 ||
	    rl.rlim_max != 13)
		return 3; /* a child cannot go above what it already came down to */
	return 0;
}

static void the_cpu_limit_moves_under_its_ceiling(void **state)
{
	struct sandbox sb;
	struct sandbox_exit ex;
	struct sandbox_limits lim = {0, 2, 10};

	(void)state;
	assert_int_equal(sandbox_start(&sb, &lim, move_cpu_limit, NULL), VP_OK);
	assert_int_equal(sandbox_wait(&sb, 5000, &ex), VP_OK);
	assert_int_equal(ex.signal, 0);
	assert_int_equal(ex.code, 0);
}

/* Allocates and touches 16 MiB blocks until malloc refuses: 3 when it
 * refused under 1 GiB and the sandbox calls that the memory limit. */
static int allocate_until_refused(int fd, void *arg)
{
	size_t total = 0;

	(void)fd;
	(void)arg;
	for (;;) {
		char *p = malloc(16 << 20);

		if (!p)
			break;
		memset(p, 1, 16 << 20);
		total += 16 << 20;
		if (total > (1UL << 30))
			return 1;
	}
	return sandbox_near_memory_limit() ? 3 : 2;
}

static void the_memory_limit_refuses_a_runaway_allocation(void **state)
{
	struct sandbox sb;
	struct sandbox_exit ex;
	struct sandbox_limits lim = {256LL << 20, 0, 0};

	(void)state;
#ifdef __SANITIZE_ADDRESS__
	skip(); /* ASan reserves terabytes of address space up front */
#endif
	assert_int_equal(sandbox_start(&sb, &lim, allocate_until_refused, NULL), VP_OK);
	assert_int_equal(sandbox_wait(&sb, 20000, &ex), VP_OK);
	assert_int_equal(ex.signal, 0);
	assert_int_equal(ex.code, 3);
}

static int sleep_forever(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	for (;;)
		pause();
	return 0;
}

static void the_parent_kills_a_child_on_its_own_clock(void **state)
{
	struct sandbox sb;
	struct sandbox_exit ex;
	struct sandbox_limits lim = {0, 0, 0};
	struct msg m;
	bool got = true;

	(void)state;
	assert_int_equal(sandbox_start(&sb, &lim, sleep_forever, NULL), VP_OK);
	assert_int_equal(sandbox_recv(&sb, &m, sizeof(m), 200, &got), VP_OK);
	assert_false(got); /* nothing said: the wait ended on time */
	sandbox_kill(&sb);
	assert_int_equal(sandbox_wait(&sb, 5000, &ex), VP_OK);
	assert_int_equal(ex.signal, SIGKILL);
}

static int close_and_linger(int fd, void *arg)
{
	(void)arg;
	close(fd);
	sleep(60);
	return 0;
}

static void a_child_that_closes_its_pipe_and_lingers_is_killed_after_the_grace(void **state)
{
	struct sandbox sb;
	struct sandbox_exit ex;
	struct sandbox_limits lim = {0, 0, 0};
	struct msg m;
	bool got;
	double t0;

	(void)state;
	assert_int_equal(sandbox_start(&sb, &lim, close_and_linger, NULL), VP_OK);
	assert_int_equal(sandbox_recv(&sb, &m, sizeof(m), 5000, &got), VP_NOT_FOUND);
	t0 = now_s();
	assert_int_equal(sandbox_wait(&sb, 300, &ex), VP_OK);
	assert_int_equal(ex.signal, SIGKILL);
	assert_true(now_s() - t0 < 5);
}

static int check_descriptor(int fd, void *arg)
{
	int parents = *(int *)arg;

	(void)fd;
	return fcntl(parents, F_GETFD) == -1 && errno == EBADF ? 0 : 1;
}

static void the_child_holds_no_descriptor_of_the_parent(void **state)
{
	struct sandbox sb;
	struct sandbox_exit ex;
	struct sandbox_limits lim = {0, 0, 0};
	int null = open("/dev/null", O_RDONLY);
	int fd = fcntl(null, F_DUPFD, 10); /* above the child's pipe */

	(void)state;
	close(null);
	assert_true(fd >= 10);
	assert_int_equal(sandbox_start(&sb, &lim, check_descriptor, &fd), VP_OK);
	assert_int_equal(sandbox_wait(&sb, 5000, &ex), VP_OK);
	assert_int_equal(ex.code, 0);
	close(fd);
}

/* gone, or a zombie its new parent has not reaped yet */
static bool dead(pid_t pid)
{
	char path[64], stat[256];
	FILE *f;
	char *close_paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return true;
	stat[0] = '\0';
	if (!fgets(stat, sizeof(stat), f))
		stat[0] = '\0';
	fclose(f);
	close_paren = strrchr(stat, ')');
	return close_paren && close_paren[1] == ' ' &&
	       (close_paren[2] == 'Z' || close_paren[2] == 'X');
}

static void the_child_does_not_outlive_its_parent(void **state)
{
	int p[2];
	pid_t middle, child = 0;
	int st;

	(void)state;
	assert_int_equal(pipe(p), 0);
	middle = fork();
	assert_true(middle >= 0);
	if (middle == 0) {
		/* a worker that starts a transcode and is then killed */
		struct sandbox sb;
		struct sandbox_limits lim = {0, 0, 0};

		close(p[0]);
		if (sandbox_start(&sb, &lim, sleep_forever, NULL) != VP_OK ||
		    write(p[1], &sb.pid, sizeof(sb.pid)) != (ssize_t)sizeof(sb.pid))
			_exit(1);
		sleep(60);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &child, sizeof(child)), (ssize_t)sizeof(child));
	close(p[0]);
	assert_false(dead(child));
	kill(middle, SIGKILL);
	waitpid(middle, &st, 0);
	for (int i = 0; i < 200 && !dead(child); i++)
		usleep(10000);
	assert_true(dead(child));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(messages_and_exit_status_reach_the_parent),
	    cmocka_unit_test(a_crash_ends_the_child_with_its_signal),
	    cmocka_unit_test(the_cpu_limit_stops_an_endless_loop),
	    cmocka_unit_test(the_cpu_limit_moves_under_its_ceiling),
	    cmocka_unit_test(the_memory_limit_refuses_a_runaway_allocation),
	    cmocka_unit_test(the_parent_kills_a_child_on_its_own_clock),
	    cmocka_unit_test(a_child_that_closes_its_pipe_and_lingers_is_killed_after_the_grace),
	    cmocka_unit_test(the_child_holds_no_descriptor_of_the_parent),
	    cmocka_unit_test(the_child_does_not_outlive_its_parent),
	};
	return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
