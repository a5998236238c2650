/*
 * vidpipe-pool — runs the responders as fixed pools of FastCGI processes on
 * UNIX sockets, for a web server that connects to them instead of spawning
 * them (Apache's mod_proxy_fcgi).
 *
 *   vidpipe-pool [-m MODE] [-g GROUP] RUNDIR POOLFILE
 *
 * POOLFILE has one line per responder, "NAME PROCS PATH" (what
 * `stack/gen-routes.sh routes.map pools ...` writes); blank lines and lines
 * starting with '#' are skipped. For each, the pool listens on
 * RUNDIR/fcgi-NAME.sock (mode MODE, default 0600, group GROUP if given, so a
 * web server running as another user can be let in) and starts PROCS copies
 * of PATH, each with the listening socket as its standard input, which is
 * how libfcgi expects to be started (as lighttpd and spawn-fcgi do). Every
 * process accepts on the shared socket: the kernel hands each connection to
 * one that waits, and a connection the web server keeps (FCGI_KEEP_CONN)
 * stays with its process.
 *
 * A process that exits is started again (after a second when it lived less
 * than a second, so a responder that cannot start does not spin). SIGTERM,
 * SIGINT or SIGHUP stop every process (SIGTERM, then SIGKILL after 5 s),
 * remove the sockets and end the pool with 0. The children inherit the
 * pool's environment and standard error (their JSON log lines).
 * Exit status: 0 after a signal, 1 when a socket cannot be set up, 2 on bad
 * usage.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX_ROUTES 64
#define POOL_MAX_PROCS  64
#define POOL_BACKLOG    1024

struct pool {
	char name[64];
	char path[4096];
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int procs;
	int fd;
	pid_t pid[POOL_MAX_PROCS];
	time_t started[POOL_MAX_PROCS];
};

static struct pool pools[POOL_MAX_ROUTES];
static int n_pools;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	if (sig != SIGCHLD)
		stopping = 1;
}

static int usage(void)
{
	fputs("usage: vidpipe-pool [-m MODE] [-g GROUP] RUNDIR POOLFILE\n", stderr);
	return 2;
}

/* The next blank-separated field of *s (NUL-terminated in place), or NULL. */
static char *field(char **s)
{
	char *p = *s, *start;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return NULL;
	start = p;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n')
		p++;
	if (*p)
		*p++ = '\0';
	*s = p;
	return start;
}

/* Reads POOLFILE into pools[]; -1 with a message on a malformed line. */
static int read_pools(const char *rundir, const char *file)
{
	char line[4200];
	FILE *f = fopen(file, "r");
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "vidpipe-pool: %s: %s\n", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct pool *p = &pools[n_pools];
		char *rest = line, *name, *procs, *path, *end = NULL;
		long n;

		lineno++;
		name = field(&rest);
		if (!name || name[0] == '#')
			continue;
		procs = field(&rest);
		path = field(&rest);
		n = procs ? strtol(procs, &end, 10) : 0;
		if (!path || *end || field(&rest) || n < 1 || n > POOL_MAX_PROCS ||
		    n_pools == POOL_MAX_ROUTES || strlen(name) >= sizeof(p->name) ||
		    strlen(path) >= sizeof(p->path) ||
		    snprintf(p->sock, sizeof(p->sock), "%s/fcgi-%s.sock", rundir, name) >=
		        (int)sizeof(p->sock)) {
			fprintf(stderr, "vidpipe-pool: %s:%d: want NAME PROCS PATH\n", file,
			        lineno);
			fclose(f);
			return -1;
		}
		memcpy(p->name, name, strlen(name) + 1);
		memcpy(p->path, path, strlen(path) + 1);
		p->procs = (int)n;
		p->fd = -1;
		n_pools++;
	}
	fclose(f);
	return 0;
}

static int listen_on(struct pool *p, mode_t mode, gid_t gid)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	memcpy(a.sun_path, p->sock, strlen(p->sock) + 1);
	unlink(p->sock);
	p->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    chmod(p->sock, mode) != 0 || (gid != (gid_t)-1 && chown(p->sock, (uid_t)-1, gid)) ||
	    listen(p->fd, POOL_BACKLOG) != 0) {
		fprintf(stderr, "vidpipe-pool: %s: %s\n", p->sock, strerror(errno));
		return -1;
	}
	return 0;
}

/* Starts process i of pool p: the listening socket becomes its stdin. */
static void start(struct pool *p, int i)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (dup2(p->fd, 0) < 0)
			_exit(127);
		for (int k = 0; k < n_pools; k++)
			close(pools[k].fd);
		execl(p->path, p->path, (char *)NULL);
		fprintf(stderr, "vidpipe-pool: %s: %s\n", p->path, strerror(errno));
		_exit(127);
	}
	p->pid[i] = pid > 0 ? pid : 0;
	p->started[i] = time(NULL);
}

/* The pool and slot of a child that ended, so it can be started again. */
static int find(pid_t pid, struct pool **p)
{
	for (int k = 0; k < n_pools; k++)
		for (int i = 0; i < pools[k].procs; i++)
			if (pools[k].pid[i] == pid) {
				*p = &pools[k];
				return i;
			}
	return -1;
}

static int live(void)
{
	int n = 0;

	for (int k = 0; k < n_pools; k++)
		for (int i = 0; i < pools[k].procs; i++)
			n += pools[k].pid[i] > 0;
	return n;
}

static void signal_all(int sig)
{
	for (int k = 0; k < n_pools; k++)
		for (int i = 0; i < pools[k].procs; i++)
			if (pools[k].pid[i] > 0)
				kill(pools[k].pid[i], sig);
}

/* Collects children that ended; with restart, starts their slot again. */
static void reap(int restart)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct pool *p;
		int i = find(pid, &p);

		if (i < 0)
			continue;
		p->pid[i] = 0;
		if (!restart)
			continue;
		if (time(NULL) - p->started[i] < 1)
			sleep(1); /* a responder that cannot start must not spin */
		fprintf(stderr, "vidpipe-pool: %s exited (status %d): starting it again\n", p->name,
		        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		start(p, i);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t block, wait_mask;
	mode_t mode = 0600;
	gid_t gid = (gid_t)-1;
	int opt;

	while ((opt = getopt(argc, argv, "m:g:")) != -1) {
		if (opt == 'm') {
			char *end;

			mode = (mode_t)strtol(optarg, &end, 8);
			if (*end || mode > 0777)
				return usage();
		} else if (opt == 'g') {
			struct group *g = getgrnam(optarg);

			if (!g) {
				fprintf(stderr, "vidpipe-pool: no group %s\n", optarg);
				return 2;
			}
			gid = g->gr_gid;
		} else {
			return usage();
		}
	}
	if (argc - optind != 2)
		return usage();
	if (read_pools(argv[optind], argv[optind + 1]) != 0)
		return 1;
	/* The signals are blocked except while waiting in sigsuspend(), so
	 * none can slip in between a check and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (int k = 0; k < n_pools; k++)
		if (listen_on(&pools[k], mode, gid) != 0)
			goto stop;
	for (int k = 0; k < n_pools; k++)
		for (int i = 0; i < pools[k].procs; i++)
			start(&pools[k], i);
	while (!stopping) {
		sigsuspend(&wait_mask);
		if (!stopping)
			reap(1);
	}
stop:
	signal_all(SIGTERM);
	for (int t = 0; t < 50 && live(); t++) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		nanosleep(&ts, NULL);
		reap(0);
	}
	signal_all(SIGKILL);
	while (live()) {
		struct pool *p;
		pid_t pid = waitpid(-1, NULL, 0);
		int i;

		if (pid < 0)
			break;
		if ((i = find(pid, &p)) >= 0)
			p->pid[i] = 0;
	}
	for (int k = 0; k < n_pools; k++) {
		if (pools[k].fd >= 0)
			close(pools[k].fd);
		unlink(pools[k].sock);
	}
	return stopping ? 0 : 1;
}
