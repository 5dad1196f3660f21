/*
 * hp_bench.c: cost of host probes on a syscall-heavy workload. A child
 * pinned to CPU 0 makes N getppid() calls and times them; the consumer
 * (CPU 1 when there is one) runs in one of these modes, in the same run:
 *   off       untraced baseline
 *   hp-sc     dt_hostprobe: syscall:vmlinux:getppid:entry, -p child
 *   hp-raw    dt_hostprobe: sdt:vmlinux:raw_syscalls:sys_enter, -p child
 *   hp-sys    dt_hostprobe: syscall:vmlinux:getppid:entry, system-wide
 *   bpftrace  tracepoint:raw_syscalls:sys_enter /pid == X/ { @ = count(); }
 * Prints ns per call (median of R runs), ns added per traced call, events
 * per second delivered, and the ratio of our added cost to bpftrace's.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "providers/host/dt_hostprobe.h"

static long ncalls = 300000;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

struct child {
	pid_t pid;
	int go, res;
};

/* Forks the workload, stopped until release(). */
static int spawn(struct child *c)
{
	int g[2], r[2];

	if (pipe(g) || pipe(r))
		return -1;
	c->pid = fork();
	if (c->pid == 0) {
		char x;
		uint64_t t0, dt;
		close(g[1]);
		close(r[0]);
		pin(0);
		if (read(g[0], &x, 1) != 1)
			_exit(1);
		t0 = now_ns();
		for (long i = 0; i < ncalls; i++)
			syscall(SYS_getppid);
		dt = now_ns() - t0;
		if (write(r[1], &dt, sizeof(dt)) != sizeof(dt))
			_exit(1);
		_exit(0);
	}
	close(g[0]);
	close(r[1]);
	c->go = g[1];
	c->res = r[0];
	return c->pid < 0 ? -1 : 0;
}

static void release(struct child *c)
{
	if (write(c->go, "g", 1) != 1)
		perror("write");
	close(c->go);
}

static double finish(struct child *c)
{
	uint64_t dt = 0;

	if (read(c->res, &dt, sizeof(dt)) != sizeof(dt))
		dt = 0;
	close(c->res);
	waitpid(c->pid, NULL, 0);
	return (double)dt / (double)ncalls;
}

static pid_t counted_pid;

static void count_fire(void *arg, const dt_hostevent_t *ev)
{
	if (ev->pid == counted_pid)
		(*(long *)arg)++;
}

/* One run; returns ns per call, sets *evs to events delivered per second. */
static double run_hp(const char *mode, double *evs, int *ok)
{
	struct child c;
	struct dt_hostprobe_opts o;
	dt_hostprobe_t *h = NULL;
	long n = 0;
	double ns;
	int err, st;

	*ok = 0;
	if (spawn(&c) != 0)
		return 0;
	if (strcmp(mode, "off") != 0) {
		dt_hostprobe_desc_t sc = {"syscall", "vmlinux", "getppid",
					  "entry"};
		dt_hostprobe_desc_t raw = {"sdt", "vmlinux", "raw_syscalls",
					   "sys_enter"};
		memset(&o, 0, sizeof(o));
		o.size = sizeof(o);
		o.target_pid = strcmp(mode, "hp-sys") == 0 ? 0 : c.pid;
		o.ring_kib = 4096; /* no drops if the consumer is starved */
		h = dt_hostprobe_open(&o, &err);
		if (h == NULL ||
		    dt_hostprobe_enable(
			h, strcmp(mode, "hp-raw") == 0 ? &raw : &sc, 1) != 0 ||
		    dt_hostprobe_go(h, 1) != 0) {
			fprintf(stderr, "%s: setup failed: %s\n", mode,
				h ? dt_hostprobe_errmsg(h) : "open");
			kill(c.pid, SIGKILL);
			release(&c);
			finish(&c);
			dt_hostprobe_close(h);
			return 0;
		}
	}
	counted_pid = c.pid;
	release(&c);
	if (h != NULL) {
		for (;;) {
			dt_hostprobe_poll(h, 20, count_fire, &n);
			if (waitpid(c.pid, &st, WNOHANG) == c.pid)
				break;
		}
		dt_hostprobe_go(h, 0);
		dt_hostprobe_poll(h, 0, count_fire, &n);
		c.pid = -1; /* already reaped */
	}
	{
		uint64_t dt = 0;
		if (read(c.res, &dt, sizeof(dt)) != sizeof(dt))
			dt = 0;
		close(c.res);
		if (c.pid > 0)
			waitpid(c.pid, NULL, 0);
		ns = (double)dt / (double)ncalls;
	}
	*evs = ns > 0 ? (double)n / (ns * (double)ncalls / 1e9) : 0;
	*ok = h == NULL || (n >= ncalls && dt_hostprobe_drops(h) == 0);
	if (h != NULL && !*ok)
		fprintf(stderr, "%s: %ld events, %llu drops\n", mode, n,
			(unsigned long long)dt_hostprobe_drops(h));
	dt_hostprobe_close(h);
	return ns;
}

/* Starts bpftrace on prog with stdout on a pipe; returns its pid. */
static pid_t start_bpftrace(const char *prog, FILE **out)
{
	int fd[2];
	pid_t pid;

	if (pipe(fd) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(fd[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(fd[0]);
		close(fd[1]);
		execlp("bpftrace", "bpftrace", "-e", prog, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	*out = fdopen(fd[0], "r");
	return pid;
}

static double run_bpftrace(int *ok)
{
	struct child c;
	char prog[256], line[256];
	FILE *p = NULL;
	pid_t bt;
	double ns;
	int attached = 0;
	long count = -1;

	*ok = 0;
	if (spawn(&c) != 0)
		return 0;
	snprintf(prog, sizeof(prog),
		 "tracepoint:raw_syscalls:sys_enter /pid == %d/ "
		 "{ @ = count(); }",
		 (int)c.pid);
	bt = start_bpftrace(prog, &p);
	while (bt > 0 && p != NULL && fgets(line, sizeof(line), p) != NULL) {
		if (strncmp(line, "Attaching", 9) == 0) {
			attached = 1;
			break;
		}
	}
	if (!attached) {
		fprintf(stderr, "bpftrace did not start\n");
		if (bt > 0) {
			kill(bt, SIGKILL);
			waitpid(bt, NULL, 0);
		}
		if (p)
			fclose(p);
		kill(c.pid, SIGKILL);
		release(&c);
		finish(&c);
		return 0;
	}
	usleep(200000); /* attach completes after the banner */
	release(&c);
	ns = finish(&c);
	kill(bt, SIGINT); /* bpftrace prints @ and exits */
	while (fgets(line, sizeof(line), p) != NULL)
		if (strncmp(line, "@:", 2) == 0)
			count = strtol(line + 2, NULL, 10);
	fclose(p);
	waitpid(bt, NULL, 0);
	*ok = count >= ncalls;
	if (!*ok)
		fprintf(stderr, "bpftrace: counted %ld\n", count);
	return ns;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = {"off", "hp-sc", "hp-raw", "hp-sys",
					    "bpftrace"};
	enum { NM = 5, BT = 4, MAXR = 9 };
	double ns[NM][MAXR], ev[NM][MAXR], med[NM], evmed[NM];
	int runs = 3, okall = 1;

	if (argc > 1)
		ncalls = strtol(argv[1], NULL, 10);
	if (argc > 2)
		runs = atoi(argv[2]);
	if (runs < 1 || runs > MAXR || ncalls < 1000) {
		fprintf(stderr, "usage: hp_bench [ncalls [runs<=9]]\n");
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		pin(1);
	/* Interleave modes so that drifting load hits all of them alike. */
	for (int r = 0; r < runs; r++) {
		for (int m = 0; m < NM; m++) {
			int ok;
			ev[m][r] = 0;
			if (m == BT)
				ns[m][r] = run_bpftrace(&ok);
			else
				ns[m][r] = run_hp(modes[m], &ev[m][r], &ok);
			if (!ok)
				okall = 0;
		}
	}
	for (int m = 0; m < NM; m++) {
		double tmp[MAXR];
		memcpy(tmp, ns[m], sizeof(double) * (size_t)runs);
		qsort(tmp, (size_t)runs, sizeof(double), cmp_d);
		med[m] = tmp[runs / 2];
		memcpy(tmp, ev[m], sizeof(double) * (size_t)runs);
		qsort(tmp, (size_t)runs, sizeof(double), cmp_d);
		evmed[m] = tmp[runs / 2];
	}
	printf("hostprobes bench: %ld getppid() per run, median of %d runs\n",
	       ncalls, runs);
	printf("%-9s %10s %12s %14s\n", "mode", "ns/call", "added ns",
	       "events/s");
	for (int m = 0; m < NM; m++)
		printf("%-9s %10.1f %12.1f %14.0f\n", modes[m], med[m],
		       med[m] - med[0], evmed[m]);
	{
		double b = med[BT] - med[0];
		if (b > 0) {
			printf("ratio added cost hp-sc / bpftrace:  %.2f\n",
			       (med[1] - med[0]) / b);
			printf("ratio added cost hp-raw / bpftrace: %.2f\n",
			       (med[2] - med[0]) / b);
			printf("ratio added cost hp-sys / bpftrace: %.2f\n",
			       (med[3] - med[0]) / b);
		}
		printf("ratio ns/call hp-sc / off: %.2f\n", med[1] / med[0]);
	}
	if (!okall)
		printf(
		    "WARNING: some run lost events or failed (see stderr)\n");
	return okall ? 0 : 1;
}
