/*
 * hp_e2e.c: end-to-end checks of the host probe sources against the real
 * kernel (needs root and tracefs): listing, exact syscall counts for one
 * process, entry/return pairing with return value and errno, copyinstr of a
 * syscall argument, proc exec/create/exit, and fbt's refusal. Prints one
 * line per check and "N passed, N failed" last.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include "common/dt_error.h"
#include "providers/host/dt_hostprobe.h"

static int npass, nfail;

static void check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s", ok ? "PASS" : "FAIL", name);
	if (fmt != NULL) {
		printf(" (");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(")");
	}
	printf("\n");
	fflush(stdout);
	if (ok)
		npass++;
	else
		nfail++;
}

/* A child stopped on a pipe until go() so probes can be set up first. */
struct child {
	pid_t pid;
	int gofd, donefd;
};

static void child_wait(int fd)
{
	char c;
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static int spawn(struct child *c, void (*body)(int donefd))
{
	int go[2], done[2];

	if (pipe(go) != 0 || pipe(done) != 0)
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		close(go[1]);
		close(done[0]);
		child_wait(go[0]);
		body(done[1]);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	c->gofd = go[1];
	c->donefd = done[0];
	return 0;
}

static void go(struct child *c)
{
	if (write(c->gofd, "g", 1) != 1)
		perror("write");
	close(c->gofd);
}

static dt_hostprobe_t *open_h(pid_t target)
{
	struct dt_hostprobe_opts o;
	int err;
	dt_hostprobe_t *h;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.target_pid = target;
	/* Room for every test's events even if a loaded machine starves
	 * the consumer for the whole run. */
	o.ring_kib = 4096;
	h = dt_hostprobe_open(&o, &err);
	if (h == NULL)
		fprintf(stderr, "dt_hostprobe_open: %s\n", dt_errmsg(err));
	return h;
}

static int enable(dt_hostprobe_t *h, const char *p, const char *m,
		  const char *f, const char *n, uint32_t id)
{
	dt_hostprobe_desc_t d = {p, m, f, n};

	if (dt_hostprobe_enable(h, &d, id) != 0) {
		fprintf(stderr, "enable %s:%s:%s:%s: %s\n", p, m, f, n,
			dt_hostprobe_errmsg(h));
		return -1;
	}
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Polls until the child has exited, then drains once more. */
static int run_until_exit(dt_hostprobe_t *h, pid_t pid,
			  dt_hostprobe_fire_f *fire, void *arg)
{
	int st;
	uint64_t deadline = mono_ns() + 60ull * 1000000000u;

	for (;;) {
		if (dt_hostprobe_poll(h, 50, fire, arg) < 0)
			return -1;
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		if (mono_ns() > deadline) {
			/* A hung child must not hang the suite. */
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
	}
	/* Stop, then drain: drops are exact from here on. */
	if (dt_hostprobe_go(h, 0) != 0)
		return -1;
	return dt_hostprobe_poll(h, 0, fire, arg) < 0 ? -1 : 0;
}

/* ---- listing ---- */

struct lcount {
	int n;
	int openat_ok;
};

static int count_cb(void *arg, const dt_hostprobe_info_t *pi)
{
	struct lcount *c = arg;

	c->n++;
	if (strcmp(pi->desc.func, "openat") == 0 &&
	    strcmp(pi->desc.name, "entry") == 0 && pi->nargs == 4 &&
	    strcmp(pi->args[1].type, "const char *") == 0 &&
	    pi->args[1].kind == DT_HOSTARG_USERPTR &&
	    strcmp(pi->args[0].type, "int") == 0)
		c->openat_ok = 1;
	return 0;
}

static void test_listing(void)
{
	dt_hostprobe_t *h = open_h(0);
	dt_hostprobe_desc_t sc = {"syscall", "", "", "entry"};
	dt_hostprobe_desc_t sdt = {"sdt", "", "", "sched_switch"};
	dt_hostprobe_desc_t proc = {"proc", "", "", ""};
	dt_hostprobe_desc_t fbt = {"fbt", "vmlinux", "vfs_*", "entry"};
	struct lcount c = {0, 0};
	int n;

	if (h == NULL) {
		check(0, "listing", "open failed");
		return;
	}
	n = dt_hostprobe_iter(h, &sc, DT_HOSTPROBE_ITER_ARGS, count_cb, &c);
	check(n > 300 && c.n == n, "listing: > 300 syscall entry probes", "%d",
	      n);
	check(c.openat_ok, "listing: openat entry args typed",
	      "int, const char *, ...");
	n = dt_hostprobe_iter(h, &sdt, 0, NULL, NULL);
	check(n == 1, "listing: sdt:::sched_switch", "%d match", n);
	n = dt_hostprobe_iter(h, &proc, 0, NULL, NULL);
	check(n >= 7, "listing: proc probes", "%d", n);
	n = dt_hostprobe_iter(h, &fbt, 0, NULL, NULL);
	check(n > 10, "listing: fbt:vmlinux:vfs_*:entry from BTF", "%d", n);
	{
		dt_hostprobe_desc_t d = {"fbt", "vmlinux", "vfs_read", "entry"};
		int r = dt_hostprobe_enable(h, &d, 99);
		check(r == -1 && dt_hostprobe_errno(h) == EDT_NOTSUP,
		      "fbt enable fails clearly", "%s", dt_hostprobe_errmsg(h));
	}
	{
		dt_hostprobe_desc_t d = {"syscall", "vmlinux", "nosuchcall",
					 "entry"};
		int r = dt_hostprobe_enable(h, &d, 98);
		check(r == -1 && dt_hostprobe_errno(h) == EDT_NOPROBE,
		      "unknown probe refused", "%s", dt_hostprobe_errmsg(h));
	}
	dt_hostprobe_close(h);
}

/* ---- exact counts ---- */

#define NCALLS 10000

static void body_getppid(int donefd)
{
	for (int i = 0; i < NCALLS; i++)
		syscall(SYS_getppid);
}

struct cnt {
	pid_t pid;
	long n, other, self;
	int names_ok;
	uint64_t tmin, tmax;
};

static void count_fire(void *arg, const dt_hostevent_t *ev)
{
	struct cnt *c = arg;

	if (ev->probe == 1 && ev->pid == getpid())
		c->self++;
	if (ev->probe == 1 && ev->pid == c->pid) {
		c->n++;
		if (c->tmin == 0 || ev->timestamp < c->tmin)
			c->tmin = ev->timestamp;
		if (ev->timestamp > c->tmax)
			c->tmax = ev->timestamp;
		if (ev->ppid != getpid() || strcmp(ev->execname, "hp_e2e") != 0)
			c->names_ok = 0;
	} else {
		c->other++;
	}
}

static void test_count(int targeted)
{
	struct child ch;
	struct cnt c = {0, 0, 0, 0, 1, 0, 0};
	dt_hostprobe_t *h;
	uint64_t t0, t1;
	const char *name = targeted ? "getppid x10000 counted (-p target)"
				    : "getppid x10000 counted (system-wide)";

	if (spawn(&ch, body_getppid) != 0) {
		check(0, name, "fork");
		return;
	}
	c.pid = ch.pid;
	h = open_h(targeted ? ch.pid : 0);
	if (h == NULL ||
	    enable(h, "syscall", "vmlinux", "getppid", "entry", 1) != 0 ||
	    dt_hostprobe_go(h, 1) != 0) {
		check(0, name, "setup");
		kill(ch.pid, SIGKILL);
		go(&ch);
		waitpid(ch.pid, NULL, 0);
		dt_hostprobe_close(h);
		return;
	}
	t0 = mono_ns();
	/* Our own calls must be filtered out in the kernel. */
	for (int i = 0; i < 100; i++)
		syscall(SYS_getppid);
	go(&ch);
	run_until_exit(h, ch.pid, count_fire, &c);
	t1 = mono_ns();
	check(c.n == NCALLS && dt_hostprobe_drops(h) == 0, name,
	      "%ld events for the child, %ld others, %llu drops", c.n, c.other,
	      (unsigned long long)dt_hostprobe_drops(h));
	check(c.names_ok,
	      targeted ? "execname and ppid (-p target)"
		       : "execname and ppid (system-wide)",
	      NULL);
	if (!targeted)
		check(c.self == 0, "consumer's own syscalls excluded in-kernel",
		      "%ld seen", c.self);
	if (targeted)
		check(c.tmin >= t0 && c.tmax <= t1 && c.tmin < c.tmax,
		      "timestamps are CLOCK_MONOTONIC ns",
		      "events span %.3f ms within a %.3f ms window",
		      (double)(c.tmax - c.tmin) / 1e6, (double)(t1 - t0) / 1e6);
	close(ch.donefd);
	dt_hostprobe_close(h);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* ---- every syscall entry and return at once (720 probes) ---- */

struct all {
	pid_t pid;
	uint32_t getppid_entry, getppid_return;
	long entries, returns, child_entries, child_returns, total;
	int ret_ok;
};

static void all_fire(void *arg, const dt_hostevent_t *ev)
{
	struct all *a = arg;

	a->total++;
	if (ev->pid != a->pid)
		return;
	if (ev->probe == a->getppid_entry)
		a->entries++;
	else if (ev->probe == a->getppid_return) {
		a->returns++;
		if ((int64_t)ev->args[0] != getpid() || ev->errno_ != 0)
			a->ret_ok = 0;
	} else if (ev->probe & 1)
		a->child_returns++;
	else
		a->child_entries++;
}

struct enab_all {
	dt_hostprobe_t *h;
	struct all *a;
	uint32_t next;
	int failed;
};

static int enable_cb(void *arg, const dt_hostprobe_info_t *pi)
{
	struct enab_all *e = arg;
	int ret = strcmp(pi->desc.name, "return") == 0;
	/* Unique ids, odd for return probes. */
	uint32_t id = 100 + 2 * e->next++ + (uint32_t)ret;

	/* Some syscall tracepoints may not be enableable: count those. */
	if (dt_hostprobe_enable(e->h, &pi->desc, id) != 0) {
		e->failed++;
		return 0;
	}
	if (strcmp(pi->desc.func, "getppid") == 0) {
		if (ret)
			e->a->getppid_return = id;
		else
			e->a->getppid_entry = id;
	}
	return 0;
}

static void test_all_syscalls(void)
{
	struct child ch;
	struct all a;
	struct enab_all e;
	dt_hostprobe_desc_t d = {"syscall", "vmlinux", "", ""};
	dt_hostprobe_t *h;
	int n, nfd0, nfd1;
	uint64_t t0, t1;

	memset(&a, 0, sizeof(a));
	a.ret_ok = 1;
	if (spawn(&ch, body_getppid) != 0) {
		check(0, "syscall:::entry,return all", "fork");
		return;
	}
	a.pid = ch.pid;
	{
		struct dt_hostprobe_opts o;
		int err;

		memset(&o, 0, sizeof(o));
		o.size = sizeof(o);
		o.target_pid = ch.pid;
		o.ring_kib = 4096;
		o.sync_close = 1; /* time the teardown here */
		h = dt_hostprobe_open(&o, &err);
	}
	if (h == NULL) {
		check(0, "syscall:::entry,return all", "open");
		kill(ch.pid, SIGKILL);
		go(&ch);
		waitpid(ch.pid, NULL, 0);
		return;
	}
	e.h = h;
	e.a = &a;
	e.next = 0;
	e.failed = 0;
	n = dt_hostprobe_iter(h, &d, 0, enable_cb, &e);
	nfd0 = count_fds();
	dt_hostprobe_go(h, 1);
	nfd1 = count_fds();
	go(&ch);
	run_until_exit(h, ch.pid, all_fire, &a);
	check(n > 600 && e.failed == 0 && a.entries == NCALLS &&
		  a.returns == NCALLS && a.ret_ok && dt_hostprobe_drops(h) == 0,
	      "all syscall probes enabled: getppid entry/return exact",
	      "%d probes, %d failed, %ld/%ld getppid, %ld other child "
	      "events, %ld total, %llu drops",
	      n, e.failed, a.entries, a.returns,
	      a.child_entries + a.child_returns, a.total,
	      (unsigned long long)dt_hostprobe_drops(h));
	/* 720 probes share raw_syscalls: a few events, not 720 x ncpus. */
	check(nfd1 - nfd0 <= 16, "syscall probes multiplexed on raw_syscalls",
	      "%d perf fds for 720 probes", nfd1 - nfd0);
	close(ch.donefd);
	t0 = mono_ns();
	dt_hostprobe_close(h);
	t1 = mono_ns();
	check(t1 - t0 < 3000000000ull,
	      "teardown of 720 syscall probes is quick", "%.3f s",
	      (double)(t1 - t0) / 1e9);
}

/* ---- drops: a tiny ring that is not drained while the child runs ---- */

static void test_drops(void)
{
	struct child ch;
	struct cnt c = {0, 0, 0, 0, 1, 0, 0};
	struct dt_hostprobe_opts o;
	dt_hostprobe_t *h;
	int err, st;

	if (spawn(&ch, body_getppid) != 0) {
		check(0, "drops counted", "fork");
		return;
	}
	c.pid = ch.pid;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.target_pid = ch.pid;
	o.ring_kib = 8;
	h = dt_hostprobe_open(&o, &err);
	if (h == NULL ||
	    enable(h, "syscall", "vmlinux", "getppid", "entry", 1) != 0 ||
	    dt_hostprobe_go(h, 1) != 0) {
		check(0, "drops counted", "setup");
		kill(ch.pid, SIGKILL);
		go(&ch);
		waitpid(ch.pid, NULL, 0);
		dt_hostprobe_close(h);
		return;
	}
	go(&ch);
	waitpid(ch.pid, &st, 0); /* no draining meanwhile */
	dt_hostprobe_go(h, 0);
	dt_hostprobe_poll(h, 0, count_fire, &c);
	check(dt_hostprobe_drops(h) > 0 &&
		  c.n + (long)dt_hostprobe_drops(h) == NCALLS,
	      "drops counted exactly: delivered + lost = 10000",
	      "%ld delivered, %llu lost", c.n,
	      (unsigned long long)dt_hostprobe_drops(h));
	close(ch.donefd);
	dt_hostprobe_close(h);
}

/* ---- entry/return pairing, errno, copyinstr ---- */

#define MISSING "/nonexistent/hypertrace-e2e-missing"

static void body_open(int donefd)
{
	int fd = open(MISSING, O_RDONLY);

	(void)fd;
	/* Stay alive until the parent has read our memory and kills us. */
	for (;;)
		pause();
}

struct pair {
	pid_t pid;
	int entries, returns, order_ok, path_ok, ret_ok;
	uint64_t tentry;
	int64_t entry_tid;
};

static void pair_fire(void *arg, const dt_hostevent_t *ev)
{
	struct pair *p = arg;
	char path[256];

	if (ev->pid != p->pid)
		return;
	if (ev->probe == 2) {
		p->entries++;
		p->tentry = ev->timestamp;
		p->entry_tid = ev->tid;
		if (dt_host_read_user_str((pid_t)ev->pid, ev->args[1], path,
					  sizeof(path)) > 0 &&
		    strcmp(path, MISSING) == 0)
			p->path_ok = 1;
	} else if (ev->probe == 3) {
		p->returns++;
		p->order_ok = p->entries == p->returns &&
			      ev->tid == p->entry_tid &&
			      ev->timestamp >= p->tentry;
		p->ret_ok = (int64_t)ev->args[0] == -ENOENT &&
			    ev->args[1] == ev->args[0] && ev->errno_ == ENOENT;
	}
}

static void test_pairing(void)
{
	struct child ch;
	struct pair p;
	dt_hostprobe_t *h;
	int st;

	memset(&p, 0, sizeof(p));
	if (spawn(&ch, body_open) != 0) {
		check(0, "openat entry/return", "fork");
		return;
	}
	p.pid = ch.pid;
	h = open_h(ch.pid);
	if (h == NULL ||
	    enable(h, "syscall", "vmlinux", "openat", "entry", 2) != 0 ||
	    enable(h, "syscall", "vmlinux", "openat", "return", 3) != 0 ||
	    dt_hostprobe_go(h, 1) != 0) {
		check(0, "openat entry/return", "setup");
		kill(ch.pid, SIGKILL);
		waitpid(ch.pid, NULL, 0);
		dt_hostprobe_close(h);
		return;
	}
	go(&ch);
	/* The child sleeps after its openat until killed, so that its
	 * memory is still there when the entry event is read. */
	for (int i = 0; i < 40 && p.returns == 0; i++)
		dt_hostprobe_poll(h, 50, pair_fire, &p);
	kill(ch.pid, SIGKILL);
	waitpid(ch.pid, &st, 0);
	dt_hostprobe_poll(h, 0, pair_fire, &p);
	check(p.entries == 1 && p.returns == 1 && p.order_ok,
	      "openat entry/return paired", "%d entries, %d returns", p.entries,
	      p.returns);
	check(p.ret_ok, "openat return value -ENOENT, errno ENOENT", NULL);
	check(p.path_ok, "copyinstr(arg1) of openat via process_vm_readv",
	      NULL);
	close(ch.donefd);
	dt_hostprobe_close(h);
}

/* ---- proc ---- */

static void *thread_main(void *a)
{
	return a;
}

static void body_exec(int donefd)
{
	pid_t g = fork();
	pthread_t t;

	if (g == 0)
		_exit(0);
	waitpid(g, NULL, 0);
	if (pthread_create(&t, NULL, thread_main, NULL) == 0)
		pthread_join(t, NULL);
	execl("/nonexistent/hypertrace-e2e", "x", (char *)NULL);
	execl("/bin/true", "true", (char *)NULL);
	_exit(127);
}

struct procx {
	pid_t pid;
	int exec_ok, exec_seen, create_ok, exit_ok, sdt_ok, lwp_ok, fail_ok;
	char execname[32], arg0[128];
};

static void proc_fire(void *arg, const dt_hostevent_t *ev)
{
	struct procx *p = arg;
	char s[128];

	if (ev->pid != p->pid)
		return;
	switch (ev->probe) {
	case 4:
		p->exec_seen++;
		snprintf(p->execname, sizeof(p->execname), "%s", ev->execname);
		if (dt_hostevent_read((void *)ev, ev->args[0], s, 10) == 0)
			snprintf(p->arg0, sizeof(p->arg0), "%.10s", s);
		p->exec_ok = strcmp(ev->execname, "true") == 0 &&
			     strcmp(p->arg0, "/bin/true") == 0;
		break;
	case 5:
		p->create_ok =
		    ev->args[0] > 0 && ev->args[0] != (uint64_t)p->pid;
		break;
	case 6:
		p->exit_ok = strcmp(ev->execname, "true") == 0;
		break;
	case 8:
		p->lwp_ok = ev->args[0] > 0 && (ev->args[1] & 0x10000) != 0;
		break;
	case 9:
		p->fail_ok = ev->args[0] == ENOENT;
		break;
	case 7:
		/* sdt:sched:sched_process_exec: filename, pid, old_pid */
		p->sdt_ok = (int64_t)ev->args[1] == p->pid && ev->nargs == 3;
		break;
	}
}

static void test_proc(void)
{
	struct child ch;
	struct procx p;
	dt_hostprobe_t *h;

	memset(&p, 0, sizeof(p));
	if (spawn(&ch, body_exec) != 0) {
		check(0, "proc", "fork");
		return;
	}
	p.pid = ch.pid;
	h = open_h(ch.pid);
	if (h == NULL ||
	    enable(h, "proc", "vmlinux", "", "exec-success", 4) != 0 ||
	    enable(h, "proc", "vmlinux", "", "create", 5) != 0 ||
	    enable(h, "proc", "vmlinux", "", "exit", 6) != 0 ||
	    enable(h, "proc", "vmlinux", "", "lwp-create", 8) != 0 ||
	    enable(h, "proc", "vmlinux", "", "exec-failure", 9) != 0 ||
	    enable(h, "sdt", "vmlinux", "sched", "sched_process_exec", 7) !=
		0 ||
	    dt_hostprobe_go(h, 1) != 0) {
		check(0, "proc", "setup");
		kill(ch.pid, SIGKILL);
		waitpid(ch.pid, NULL, 0);
		dt_hostprobe_close(h);
		return;
	}
	go(&ch);
	run_until_exit(h, ch.pid, proc_fire, &p);
	check(p.exec_seen == 1 && p.exec_ok,
	      "proc:::exec-success sees execname",
	      "execname \"%s\", args[0] "
	      "\"%s\"",
	      p.execname, p.arg0);
	check(p.create_ok, "proc:::create gives the child pid", NULL);
	check(p.exit_ok, "proc:::exit fires for the process", NULL);
	check(p.sdt_ok, "sdt:vmlinux:sched:sched_process_exec args", NULL);
	check(p.lwp_ok, "proc:::lwp-create for a new thread", NULL);
	check(p.fail_ok, "proc:::exec-failure args[0] == ENOENT", NULL);
	close(ch.donefd);
	dt_hostprobe_close(h);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("SKIP: needs root (perf_event_open on tracepoints)\n");
		printf("0 passed, 1 failed\n");
		return 1;
	}
	test_listing();
	test_count(1);
	test_count(0);
	test_drops();
	test_pairing();
	test_proc();
	/* Last: tearing down 720 tracepoints keeps the kernel's event_mutex
	 * busy for ~30 s (in a detached grandchild), stalling later opens. */
	test_all_syscalls();
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail != 0;
}
