/*
 * sandbox.c — a child process under resource limits (see sandbox.h).
 *
 * sandbox_start: pipe, fork; in the child, the write end becomes fd 3 and
 * every other descriptor above 2 is closed (close_range, or a loop where
 * the kernel lacks it), limits are set, the parent-death signal is armed,
 * SIGTERM/SIGINT go back to their default, and fn runs. The parent keeps the
 * read end (close-on-exec) and polls it.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_FD 3

static void close_from(int lowest)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0U) == 0)
		return;
#endif
	for (int fd = lowest; fd < 1024; fd++)
		close(fd);
}

static int set_limit(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = {soft, hard};

	return setrlimit(resource, &rl);
}

/* Everything the child does before fn: never returns on failure. */
static void child_setup(int wfd, pid_t parent, const struct sandbox_limits *lim)
{
	struct sigaction sa;
	sigset_t none;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(126); /* the parent is already gone */
	if (wfd != CHILD_FD && (dup2(wfd, CHILD_FD) < 0 || close(wfd) != 0))
		_exit(126);
	close_from(CHILD_FD + 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (set_limit(RLIMIT_CORE, 0, 0) != 0 || set_limit(RLIMIT_NOFILE, 64, 64) != 0 ||
	    (lim->mem_bytes > 0 &&
	     set_limit(RLIMIT_AS, (rlim_t)lim->mem_bytes, (rlim_t)lim->mem_bytes) != 0) ||
	    (lim->cpu_seconds > 0 &&
	     (set_limit(RLIMIT_CPU, (rlim_t)lim->cpu_seconds,
	                (rlim_t)(lim->cpu_ceiling > lim->cpu_seconds ? lim->cpu_ceiling
	                                                             : lim->cpu_seconds) +
	                    5) != 0)))
		_exit(126);
}

vp_res sandbox_start(struct sandbox *sb, const struct sandbox_limits *lim, sandbox_fn fn, void *arg)
{
	pid_t parent = getpid();
	int p[2];

	memset(sb, 0, sizeof(*sb));
	sb->fd = -1;
	if (pipe(p) != 0)
		return VP_INTERNAL;
	sb->pid = fork();
	if (sb->pid < 0) {
		sb->pid = 0;
		close(p[0]);
		close(p[1]);
		return VP_INTERNAL;
	}
	if (sb->pid == 0) {
		int rc;

		close(p[0]);
		child_setup(p[1], parent, lim);
		rc = fn(CHILD_FD, arg);
		_exit(rc < 0 || rc > 125 ? 125 : rc);
	}
	close(p[1]);
	sb->fd = p[0];
	fcntl(sb->fd, F_SETFD, FD_CLOEXEC);
	return VP_OK;
}

vp_res sandbox_send(int fd, const void *msg, size_t size)
{
	ssize_t n;

	if (size > SANDBOX_MSG_MAX)
		return VP_TOO_LARGE;
	do
		n = write(fd, msg, size);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)size ? VP_OK : VP_UNAVAILABLE;
}

vp_res sandbox_set_cpu(long seconds)
{
	struct rlimit now;
	rlim_t soft = (rlim_t)seconds, hard = (rlim_t)seconds + 5;

	if (seconds <= 0 || getrlimit(RLIMIT_CPU, &now) != 0)
		return VP_INVALID;
	/* the hard limit only ever comes down: the ceiling holds */
	if (now.rlim_max != RLIM_INFINITY) {
		hard = hard > now.rlim_max ? now.rlim_max : hard;
		soft = soft + 5 > now.rlim_max ? now.rlim_max - 5 : soft;
	}
	return set_limit(RLIMIT_CPU, soft, hard) == 0 ? VP_OK : VP_INTERNAL;
}

bool sandbox_near_memory_limit(void)
{
	struct rlimit rl;
	char line[256];
	long long peak_kib = -1;
	unsigned long long margin;
	FILE *f;

	if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    !(f = fopen("/proc/self/status", "r")))
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmPeak:", 7)) {
			peak_kib = strtoll(line + 7, NULL, 10);
			break;
		}
	fclose(f);
	if (peak_kib < 0)
		return false;
	/* the allocation that failed did not count: allow for a large one */
	margin = rl.rlim_cur / 8 > (256ULL << 20) ? rl.rlim_cur / 8 : 256ULL << 20;
	return (unsigned long long)peak_kib * 1024 + margin >= rl.rlim_cur;
}

vp_res sandbox_recv(struct sandbox *sb, void *msg, size_t size, int timeout_ms, bool *got)
{
	struct pollfd pfd = {.fd = sb->fd, .events = POLLIN};
	ssize_t n;
	int ready;

	*got = false;
	if (sb->fd < 0)
		return VP_NOT_FOUND;
	if (size == 0 || size > SANDBOX_MSG_MAX)
		return VP_INVALID;
	ready = poll(&pfd, 1, timeout_ms);
	if (ready < 0 && errno != EINTR)
		return VP_INTERNAL;
	if (ready <= 0)
		return VP_OK;
	n = read(sb->fd, sb->part + sb->have, size - sb->have);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? VP_OK : VP_INTERNAL;
	if (n == 0)
		return VP_NOT_FOUND;
	sb->have += (size_t)n;
	if (sb->have == size) {
		memcpy(msg, sb->part, size);
		sb->have = 0;
		*got = true;
	}
	return VP_OK;
}

void sandbox_kill(struct sandbox *sb)
{
	if (sb && sb->pid > 0)
		kill(sb->pid, SIGKILL);
}

vp_res sandbox_wait(struct sandbox *sb, int grace_ms, struct sandbox_exit *ex)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	int st = 0, waited = 0;
	pid_t got = 0;

	ex->code = -1;
	ex->signal = 0;
	if (sb->fd >= 0) {
		close(sb->fd);
		sb->fd = -1;
	}
	if (sb->pid <= 0)
		return VP_NOT_FOUND;
	/* a child that closed its pipe but goes on is not waited for forever */
	while ((got = waitpid(sb->pid, &st, WNOHANG)) == 0 && waited < grace_ms) {
		nanosleep(&tick, NULL);
		waited += 10;
	}
	if (got == 0) {
		kill(sb->pid, SIGKILL);
		do
			got = waitpid(sb->pid, &st, 0);
		while (got < 0 && errno == EINTR);
	}
	sb->pid = 0;
	if (got < 0)
		return VP_INTERNAL;
	if (WIFEXITED(st))
		ex->code = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		ex->signal = WTERMSIG(st);
	return VP_OK;
}

const char *sandbox_signal_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
	    {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},   {SIGILL, "SIGILL"},   {SIGFPE, "SIGFPE"},
	    {SIGABRT, "SIGABRT"}, {SIGKILL, "SIGKILL"}, {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
	    {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"},   {SIGSYS, "SIGSYS"},   {SIGTRAP, "SIGTRAP"},
	    {SIGPIPE, "SIGPIPE"},
	};

	for (size_t i = 0; i < VP_ARRAY_LEN(names); i++)
		if (names[i].sig == sig)
			return names[i].name;
	return "a signal";
}
