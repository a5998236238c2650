/*
 * sandbox.h — run one function in a child process under resource limits,
 * and hear from it over a pipe.
 *
 * The worker decodes files from strangers with libraries written for
 * trusted input. It does so in a child (fork) so that a crash, a runaway
 * allocation or an endless loop costs that child and never the worker. The
 * child runs with RLIMIT_AS (address space), RLIMIT_CPU (SIGXCPU at the soft
 * limit, SIGKILL 5 s later; the child may move it, under a ceiling set at
 * the start, once it knows how much work it has), no
 * core files and a small RLIMIT_NOFILE; it dies with its parent
 * (PR_SET_PDEATHSIG), keeps no descriptor of the parent's but 0-2 and its end
 * of the pipe, and takes SIGTERM and SIGINT with the default action. It is
 * not a privilege boundary (same user, same network): see the operations
 * notes.
 *
 * The child tells the parent things by writing fixed-size messages of at
 * most SANDBOX_MSG_MAX bytes (atomic on a pipe); the parent waits for them
 * with a timeout so that it can keep its own clock (heartbeats, deadlines),
 * and may kill the child at any time. Everything a child sends is untrusted
 * input for the parent.
 */
#ifndef VP_SANDBOX_H
#define VP_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vp.h"

#define SANDBOX_MSG_MAX 4096 /* PIPE_BUF on Linux */

struct sandbox_limits {
	long long mem_bytes; /* RLIMIT_AS; 0 leaves it as it is */
	long cpu_seconds;    /* RLIMIT_CPU to start with; 0 leaves it as it is */
	long cpu_ceiling;    /* the most sandbox_set_cpu may give (>= cpu_seconds) */
};

struct sandbox {
	pid_t pid; /* 0 when there is no child to reap */
	int fd;    /* the parent's read end; -1 once closed */
	size_t have;
	unsigned char part[SANDBOX_MSG_MAX]; /* a message read in pieces */
};

/* The child's work: fd is its end of the pipe; the return value (0..125)
 * is its exit status. */
typedef int (*sandbox_fn)(int fd, void *arg);

/* Forks a child that sets lim and runs fn(fd, arg), then _exit()s (no
 * atexit handler of the parent runs in it). VP_INTERNAL when fork or pipe
 * fail. */
vp_res sandbox_start(struct sandbox *sb, const struct sandbox_limits *lim, sandbox_fn fn,
                     void *arg);

/* In the child: writes one message (size <= SANDBOX_MSG_MAX). */
vp_res sandbox_send(int fd, const void *msg, size_t size);

/* In the child: sets the CPU limit to seconds (SIGXCPU), with SIGKILL 5 s
 * later; never above the ceiling it started with (sandbox_limits). */
vp_res sandbox_set_cpu(long seconds);

/* In the child: true when its peak address space (VmPeak) came within an
 * eighth of its RLIMIT_AS (256 MiB at least: the allocation that failed is
 * not in the peak). Libraries report a failed allocation in many ways ("no
 * frame", "generic error"); this says which failures were likely the
 * memory limit's. */
bool sandbox_near_memory_limit(void);

/* In the parent: waits up to timeout_ms for one whole message of size
 * bytes. VP_OK with *got true: msg is filled; VP_OK with *got false: the wait
 * ended (time, or a signal); VP_NOT_FOUND: the child closed its end. */
vp_res sandbox_recv(struct sandbox *sb, void *msg, size_t size, int timeout_ms, bool *got);

/* SIGKILL to the child, if there is one. */
void sandbox_kill(struct sandbox *sb);

struct sandbox_exit {
	int code;   /* exit status, or -1 when a signal ended it */
	int signal; /* the signal that ended it, or 0 */
};

/* Reaps the child and closes the pipe: a child that has not exited within
 * grace_ms is killed first. Safe to call on a sandbox with no child. */
vp_res sandbox_wait(struct sandbox *sb, int grace_ms, struct sandbox_exit *ex);

/* "SIGSEGV", "SIGXCPU", ...; "a signal" for one without a name here. */
const char *sandbox_signal_name(int sig);

#endif
