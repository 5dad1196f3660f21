/*
 * ht-guest-e2e: the host test program of tests/e2e/guest/run (and of
 * bench/guest). It plays the consumer (lib/guest) and, in place of dtraced,
 * drives the guests' test agent over the program channel
 * (<statedir>/guests/NAME.sock).
 *
 *   ht-guest-e2e count A:N B:M    syscall entry enabled in both, counts
 *                                 getppid per (guest, comm), comm read only
 *                                 by page walk with BTF offsets
 *   ht-guest-e2e garbage GOOD BAD 100000 garbage calls from BAD while GOOD
 *                                 is counted exactly
 *   ht-guest-e2e kill A           SIGKILL a consumer while A waits in a call
 *   ht-guest-e2e stall A          a hung consumer: A's fail-open timeout
 *   ht-guest-e2e bench A N        round trip, async record, ns per syscall
 * Options (before the mode): -R RUNDIR -D STATEDIR. Prints "ok - ..." or
 * "not ok - ..." per check; exits 1 if any check failed.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest/dt_guest.h"

#define NR_GETPPID	    110
#define PROBE_GETPPID_ENTRY (HT_PROBE_SYSCALL + (NR_GETPPID << 1))
#define MAXG		    2

static const char *rundir, *statedir;
static int nfail;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "ok - " : "not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		nfail++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the guest agent over the program channel ---------------------- */

typedef struct chan {
	char name[64];
	int fd;
} chan_t;

static int chan_open(chan_t *c, const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/guests/%s.sock",
		 statedir, name);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return 0;
}

static int chan_send(chan_t *c, const char *cmd)
{
	size_t n = strlen(cmd);

	return (write(c->fd, cmd, n) == (ssize_t)n &&
		write(c->fd, "\n", 1) == 1)
		   ? 0
		   : -1;
}

/* Reads the reply up to its "OK"/"ERR" line into out; 0 if OK. */
static int chan_reply(chan_t *c, char *out, size_t len, int timeout_ms)
{
	size_t got = 0;

	out[0] = 0;
	for (;;) {
		struct pollfd p = {c->fd, POLLIN, 0};
		char *last;
		ssize_t r;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		r = read(c->fd, out + got, len - 1 - got);
		if (r <= 0)
			return -1;
		got += r;
		out[got] = 0;
		if (got < 1 || out[got - 1] != '\n')
			continue;
		out[got - 1] = 0;
		last = strrchr(out, '\n');
		last = last ? last + 1 : out;
		out[got - 1] = '\n';
		if (!strncmp(last, "OK", 2))
			return 0;
		if (!strncmp(last, "ERR", 3))
			return -1;
		if (got >= len - 1)
			return -1;
	}
}

static int chan_cmd(chan_t *c, const char *cmd, char *out, size_t len,
		    int timeout_ms)
{
	char tmp[4096];

	if (!out) {
		out = tmp;
		len = sizeof(tmp);
	}
	if (chan_send(c, cmd))
		return -1;
	return chan_reply(c, out, len, timeout_ms);
}

static long stat_of(const char *text, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "%s=", key);
	p = strstr(text, k);
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

static double ns_of(const char *text)
{
	const char *p = strstr(text, "calls ");

	return p ? strtod(p + 6, NULL) : -1;
}

/* ---- the consumer's handler: counts getppid per (guest, comm) -------- */

typedef struct counts {
	dt_guest_t *g[MAXG];
	long off_comm[MAXG];
	unsigned long workload[MAXG], other[MAXG], unread[MAXG], total[MAXG];
	unsigned long str_hits[MAXG];
	int block_first; /* kill test: never answer the first getppid */
	int notify_fd;
} counts_t;

static counts_t C;

static void handler(dt_guest_t *g, const struct ht_record *rec, void *arg)
{
	counts_t *c = arg;
	char comm[16];
	int i;

	for (i = 0; i < MAXG && c->g[i] != g; i++)
		;
	if (i == MAXG)
		return;
	c->total[i]++;
	/* Read comm by page walk from the record's CR3 and `current` with the
	 * offset from the guest's BTF; garbage records just fail to read. */
	if (dt_guest_read_cr4(g, rec->cr3, rec->cr4,
			      rec->task + (uint64_t)c->off_comm[i], comm,
			      sizeof(comm)) != 0) {
		c->unread[i]++;
		return;
	}
	comm[15] = 0;
	if ((rec->flags & HT_REC_STR) && !strcmp(rec->str, "/init"))
		c->str_hits[i]++;
	if (rec->probe != PROBE_GETPPID_ENTRY)
		return;
	if (!strcmp(comm, "workload")) {
		__atomic_add_fetch(&c->workload[i], 1, __ATOMIC_RELAXED);
		if (c->block_first) {
			(void)!write(c->notify_fd, "x", 1);
			for (;;)
				pause(); /* the guest waits in its call */
		}
	} else {
		c->other[i]++;
	}
}

static dt_guest_t *attach(const char *name, int idx)
{
	int err = 0;
	dt_guest_t *g = dt_guest_attach(rundir, name, &err);

	check(g != NULL, "%s: consumer attached (err %d)", name, err);
	if (!g)
		exit(1);
	C.g[idx] = g;
	C.off_comm[idx] =
	    dt_guest_btf(g)
		? dt_gbtf_member_offset(dt_guest_btf(g), "task_struct", "comm")
		: -1;
	check(C.off_comm[idx] > 0, "%s: task_struct.comm at %ld from guest BTF",
	      name, C.off_comm[idx]);
	return g;
}

static dt_gpoll_t *poller(uint64_t spin_ns)
{
	dt_gpoll_t *p = dt_gpoll_create(spin_ns, handler, &C);
	int i;

	for (i = 0; i < MAXG; i++)
		if (C.g[i])
			dt_gpoll_add(p, C.g[i]);
	if (!p || dt_gpoll_start(p) != 0) {
		check(0, "poller started");
		exit(1);
	}
	return p;
}

typedef struct job {
	chan_t *c;
	char cmd[64];
	char out[4096];
	int rc;
	int timeout_ms;
} job_t;

static void *job_main(void *a)
{
	job_t *j = a;

	j->rc = chan_cmd(j->c, j->cmd, j->out, sizeof(j->out), j->timeout_ms);
	return NULL;
}

static void job_start(pthread_t *t, job_t *j, chan_t *c, const char *cmd,
		      int timeout_ms)
{
	j->c = c;
	snprintf(j->cmd, sizeof(j->cmd), "%s", cmd);
	j->timeout_ms = timeout_ms;
	pthread_create(t, NULL, job_main, j);
}

/* ---- modes ------------------------------------------------------------ */

static int mode_count(int argc, char **argv)
{
	chan_t ch[MAXG];
	long want[MAXG];
	job_t jobs[MAXG];
	pthread_t th[MAXG];
	char name[MAXG][64], out[4096], cmd[64];
	dt_gpoll_t *p;
	int i, n = argc < MAXG ? argc : MAXG;

	for (i = 0; i < n; i++) {
		char *colon = strchr(argv[i], ':');

		if (!colon)
			return 2;
		snprintf(name[i], sizeof(name[i]), "%.*s",
			 (int)(colon - argv[i]), argv[i]);
		want[i] = atol(colon + 1);
		check(chan_open(&ch[i], name[i]) == 0 &&
			  chan_cmd(&ch[i], "ping", out, sizeof(out), 30000) ==
			      0,
		      "%s: program channel answers", name[i]);
		attach(name[i], i);
	}
	chan_cmd(&ch[0], "sh grep ':getppid:' /dev/hypertrace", out,
		 sizeof(out), 10000);
	snprintf(cmd, sizeof(cmd), "%u syscall:vmlinux:getppid:entry",
		 PROBE_GETPPID_ENTRY);
	check(strstr(out, cmd) != NULL,
	      "%s: probe list names syscalls as the guest kernel does (%s)",
	      name[0], strtok(out, "\n") ? out : "");
	p = poller(2000000); /* 2 ms spin window */
	for (i = 0; i < n; i++) {
		chan_cmd(&ch[i], "ht reset", NULL, 0, 10000);
		check(chan_cmd(&ch[i], "ht enable entry all", NULL, 0, 10000) ==
			  0,
		      "%s: syscall entry probes enabled", name[i]);
	}
	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "run %ld", want[i]);
		job_start(&th[i], &jobs[i], &ch[i], cmd, 300000);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		check(jobs[i].rc == 0, "%s: workload ran (%s)", name[i],
		      strtok(jobs[i].out, "\n") ? jobs[i].out : "");
	}
	for (i = 0; i < n; i++)
		chan_cmd(&ch[i], "ht disable all", NULL, 0, 10000);
	/* A user string copied into the record by the guest. */
	chan_cmd(&ch[0], "ht enable entry openat sync str 1", NULL, 0, 10000);
	chan_cmd(&ch[0], "sh cat /init >/dev/null", NULL, 0, 10000);
	chan_cmd(&ch[0], "ht disable all", NULL, 0, 10000);
	check(C.str_hits[0] > 0,
	      "%s: openat(\"/init\") path captured in the record (%lu)",
	      name[0], C.str_hits[0]);
	/* Asynchronous records: every call is a record or a counted drop. */
	if (n > 1) {
		dt_guest_stats_t st0, st1;
		unsigned long before = C.workload[1];

		dt_guest_stats(C.g[1], &st0);
		chan_cmd(&ch[1], "ht enable entry getppid async", NULL, 0,
			 10000);
		chan_cmd(&ch[1], "run 3000", NULL, 0, 120000);
		chan_cmd(&ch[1], "ht disable all", NULL, 0, 10000);
		usleep(100000);
		dt_guest_stats(C.g[1], &st1);
		check(C.workload[1] - before +
				      (st1.ring_drops - st0.ring_drops) ==
			      3000,
		      "%s: async: %lu records + %lu drops of 3000 getppid",
		      name[1], C.workload[1] - before,
		      (unsigned long)(st1.ring_drops - st0.ring_drops));
		C.workload[1] = before;
	}
	usleep(100000);
	dt_gpoll_stop(p);
	for (i = 0; i < n; i++) {
		dt_guest_stats_t st;

		dt_guest_stats(C.g[i], &st);
		check((long)C.workload[i] == want[i],
		      "%s: counted %lu getppid for (%s, workload), want %ld",
		      name[i], C.workload[i], name[i], want[i]);
		chan_cmd(&ch[i], "stat", out, sizeof(out), 10000);
		check(stat_of(out, "timeouts") == 0,
		      "%s: module reports %ld timeouts (calls=%ld, host "
		      "handled %lu records, %lu other getppid, %lu unreadable)",
		      name[i], stat_of(out, "timeouts"), stat_of(out, "calls"),
		      (unsigned long)st.handled, C.other[i], C.unread[i]);
	}
	dt_gpoll_destroy(p);
	for (i = 0; i < n; i++)
		dt_guest_detach(C.g[i]);
	return nfail ? 1 : 0;
}

static int mode_garbage(int argc, char **argv)
{
	chan_t good, bad;
	job_t jg, jw;
	pthread_t tg, tw;
	char out[4096];
	dt_gpoll_t *p;
	dt_guest_stats_t st;
	long want = 5000;
	double t0;

	if (argc < 2)
		return 2;
	check(chan_open(&good, argv[0]) == 0 && chan_open(&bad, argv[1]) == 0,
	      "program channels open");
	attach(argv[0], 0);
	attach(argv[1], 1);
	p = poller(2000000);
	chan_cmd(&good, "ht reset", NULL, 0, 10000);
	chan_cmd(&bad, "ht reset", NULL, 0, 10000);
	check(chan_cmd(&good, "ht enable entry getppid", NULL, 0, 10000) == 0,
	      "%s: probe enabled by name", argv[0]);
	t0 = now_s();
	job_start(&tg, &jg, &bad, "ht garbage 100000", 600000);
	usleep(200000);
	job_start(&tw, &jw, &good, "run 5000", 300000);
	pthread_join(tw, NULL);
	check(jw.rc == 0, "%s: workload ran during the garbage", argv[0]);
	pthread_join(tg, NULL);
	check(jg.rc == 0, "%s: 100000 garbage calls done in %.1f s", argv[1],
	      now_s() - t0);
	chan_cmd(&bad, "stat", out, sizeof(out), 10000);
	check(stat_of(out, "garbage") == 100000,
	      "%s: module sent %ld garbage records (%ld timeouts)", argv[1],
	      stat_of(out, "garbage"), stat_of(out, "timeouts"));
	dt_guest_stats(C.g[1], &st);
	check(st.handled + st.async_handled > 0,
	      "host survived and handled %lu calls + %lu records from %s (%lu "
	      "unreadable, %lu ring resyncs)",
	      (unsigned long)st.handled, (unsigned long)st.async_handled,
	      argv[1], C.unread[1], (unsigned long)st.bad);
	check((long)C.workload[0] == want,
	      "%s: counted %lu getppid for (%s, workload) beside the garbage, "
	      "want %ld",
	      argv[0], C.workload[0], argv[0], want);
	chan_cmd(&good, "stat", out, sizeof(out), 10000);
	check(stat_of(out, "timeouts") == 0, "%s: %ld timeouts", argv[0],
	      stat_of(out, "timeouts"));
	/* And the garbage guest is still served correctly afterwards. */
	C.workload[1] = 0;
	chan_cmd(&bad, "ht enable entry 110", NULL, 0, 10000);
	chan_cmd(&bad, "run 1000", NULL, 0, 120000);
	check(C.workload[1] == 1000,
	      "%s: after the garbage, counted %lu of 1000 getppid", argv[1],
	      C.workload[1]);
	chan_cmd(&good, "ht disable all", NULL, 0, 10000);
	chan_cmd(&bad, "ht disable all", NULL, 0, 10000);
	dt_gpoll_destroy(p);
	dt_guest_detach(C.g[0]);
	dt_guest_detach(C.g[1]);
	return nfail ? 1 : 0;
}

/* stall = 0: SIGKILL the consumer while the guest waits in its call;
 * stall = 1: leave it hung (alive, never answering) so the guest's own
 * fail-open timeout must free it, then SIGKILL it. */
static int mode_kill(int argc, char **argv, int stall)
{
	chan_t ch;
	char out[4096];
	int pfd[2], st;
	pid_t kid;
	double t0, dt;
	char x;
	long timeout_ms = 1000;

	if (argc < 1)
		return 2;
	check(chan_open(&ch, argv[0]) == 0, "%s: program channel open",
	      argv[0]);
	chan_cmd(&ch, "ht reset", NULL, 0, 10000);
	if (chan_cmd(&ch, "sh cat /sys/module/hypertrace/parameters/timeout_ms",
		     out, sizeof(out), 10000) == 0)
		timeout_ms = atol(out);
	chan_cmd(&ch, "ht enable entry 110", NULL, 0, 10000);
	if (pipe(pfd) != 0)
		return 1;
	kid = fork();
	if (kid == 0) {
		/* The doomed consumer: answers nothing from `workload`. */
		C.block_first = 1;
		C.notify_fd = pfd[1];
		attach(argv[0], 0);
		/* attached: the workload may start (else its calls can all
		 * come before there is a consumer to wait for) */
		if (write(pfd[1], "a", 1) != 1)
			_exit(1);
		poller(2000000);
		for (;;)
			pause();
	}
	{
		struct pollfd pp = {pfd[0], POLLIN, 0};

		check(poll(&pp, 1, 60000) == 1 && read(pfd[0], &x, 1) == 1 &&
			  x == 'a',
		      "%s: the doomed consumer attached", argv[0]);
	}
	chan_send(&ch, "run 200");
	{
		struct pollfd pp = {pfd[0], POLLIN, 0};

		check(
		    poll(&pp, 1, 60000) == 1 && read(pfd[0], &x, 1) == 1,
		    "%s: the guest is waiting in a call of the doomed consumer",
		    argv[0]);
	}
	t0 = now_s();
	if (!stall) {
		usleep(200000);
		kill(kid, SIGKILL);
		waitpid(kid, &st, 0);
		t0 = now_s();
	}
	check(chan_reply(&ch, out, sizeof(out), 60000) == 0,
	      "%s: workload finished with its consumer %s", argv[0],
	      stall ? "hung" : "killed");
	dt = now_s() - t0;
	check(dt * 1000 < timeout_ms + 5000,
	      "%s: guest resumed %.0f ms after %s (timeout %ld ms)", argv[0],
	      dt * 1000, stall ? "its call" : "SIGKILL", timeout_ms);
	chan_cmd(&ch, "stat", out, sizeof(out), 10000);
	if (stall) {
		check(stat_of(out, "timeouts") >= 1,
		      "%s: module counted %ld fail-open timeouts", argv[0],
		      stat_of(out, "timeouts"));
		kill(kid, SIGKILL);
		waitpid(kid, &st, 0);
	}
	printf("# %s: released=%ld timeouts=%ld calls=%ld\n", argv[0],
	       stat_of(out, "released"), stat_of(out, "timeouts"),
	       stat_of(out, "calls"));
	/* A new consumer attaches; its calls resume. A second consumer of
	 * the same guest gets its own area and sees every call too. */
	memset(&C, 0, sizeof(C));
	attach(argv[0], 0);
	{
		static counts_t C2;
		dt_gpoll_t *p = poller(2000000), *p2;
		int err = 0;

		C2.g[0] = dt_guest_attach(rundir, argv[0], &err);
		C2.off_comm[0] = C.off_comm[0];
		check(C2.g[0] != NULL, "%s: a second consumer attached",
		      argv[0]);
		if (!C2.g[0])
			return 1;
		p2 = dt_gpoll_create(2000000, handler, &C2);
		dt_gpoll_add(p2, C2.g[0]);
		dt_gpoll_start(p2);
		check(chan_cmd(&ch, "run 1000", out, sizeof(out), 120000) == 0,
		      "%s: workload ran under the new consumers", argv[0]);
		check(C.workload[0] == 1000 && C2.workload[0] == 1000,
		      "%s: new consumers counted %lu and %lu of 1000 getppid",
		      argv[0], C.workload[0], C2.workload[0]);
		chan_cmd(&ch, "ht disable all", NULL, 0, 10000);
		dt_gpoll_destroy(p);
		dt_gpoll_destroy(p2);
		dt_guest_detach(C2.g[0]);
	}
	dt_guest_detach(C.g[0]);
	return nfail ? 1 : 0;
}

static int mode_bench(int argc, char **argv)
{
	chan_t ch;
	char out[4096], cmd[64];
	long n = argc > 1 ? atol(argv[1]) : 20000;
	double base, sync_ns, async_ns, block_ns, rt_ns, rec_ns, rt_block;
	dt_gpoll_t *p;

	if (argc < 1)
		return 2;
	if (chan_open(&ch, argv[0]) != 0)
		return 1;
	attach(argv[0], 0);
	chan_cmd(&ch, "ht disable all", NULL, 0, 10000);
	snprintf(cmd, sizeof(cmd), "run %ld", n);
	chan_cmd(&ch, cmd, out, sizeof(out), 300000);
	base = ns_of(out);

	p = poller(UINT64_MAX); /* busy-polling host */
	snprintf(cmd, sizeof(cmd), "ht selfcall %ld", n);
	chan_cmd(&ch, cmd, NULL, 0, 300000);
	chan_cmd(&ch, "stat", out, sizeof(out), 10000);
	rt_ns = stat_of(out, "last_ns");
	snprintf(cmd, sizeof(cmd), "ht selfasync %ld", n);
	chan_cmd(&ch, cmd, NULL, 0, 300000);
	chan_cmd(&ch, "stat", out, sizeof(out), 10000);
	rec_ns = stat_of(out, "last_ns");
	chan_cmd(&ch, "ht enable entry 110 sync", NULL, 0, 10000);
	snprintf(cmd, sizeof(cmd), "run %ld", n);
	chan_cmd(&ch, cmd, out, sizeof(out), 300000);
	sync_ns = ns_of(out);
	chan_cmd(&ch, "ht enable entry 110 async", NULL, 0, 10000);
	chan_cmd(&ch, cmd, out, sizeof(out), 300000);
	async_ns = ns_of(out);
	chan_cmd(&ch, "ht disable all", NULL, 0, 10000);
	dt_gpoll_destroy(p);

	p = poller(0); /* a host that always blocks on the eventfd */
	snprintf(cmd, sizeof(cmd), "ht selfcall %ld", n / 10);
	chan_cmd(&ch, cmd, NULL, 0, 300000);
	chan_cmd(&ch, "stat", out, sizeof(out), 10000);
	rt_block = stat_of(out, "last_ns");
	chan_cmd(&ch, "ht enable entry 110 sync", NULL, 0, 10000);
	snprintf(cmd, sizeof(cmd), "run %ld", n / 10);
	chan_cmd(&ch, cmd, out, sizeof(out), 300000);
	block_ns = ns_of(out);
	chan_cmd(&ch, "ht disable all", NULL, 0, 10000);
	dt_gpoll_destroy(p);
	dt_guest_detach(C.g[0]);

	printf("bench guest (%s, TCG, N=%ld)\n", argv[0], n);
	printf("  untraced getppid            %8.0f ns/syscall (baseline)\n",
	       base);
	printf("  sync call round trip        %8.0f ns (polling host)\n",
	       rt_ns);
	printf("  sync call round trip        %8.0f ns (blocking host)\n",
	       rt_block);
	printf("  async record                %8.0f ns (guest cost)\n", rec_ns);
	printf("  traced getppid, sync        %8.0f ns/syscall, +%.0f ns, "
	       "ratio %.2f\n",
	       sync_ns, sync_ns - base, sync_ns / base);
	printf("  traced getppid, async       %8.0f ns/syscall, +%.0f ns, "
	       "ratio %.2f\n",
	       async_ns, async_ns - base, async_ns / base);
	printf("  traced getppid, sync, blocking host %8.0f ns/syscall, ratio "
	       "%.2f\n",
	       block_ns, block_ns / base);
	return 0;
}

int main(int argc, char **argv)
{
	int c;

	rundir = dt_guest_rundir();
	statedir = getenv("DTRACED_DIR");
	if (!statedir || !*statedir)
		statedir = "/var/ddtrace";
	while ((c = getopt(argc, argv, "+R:D:")) != -1) {
		if (c == 'R')
			rundir = optarg;
		else if (c == 'D')
			statedir = optarg;
		else
			return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (optind >= argc)
		return 2;
	argv += optind;
	argc -= optind;
	if (!strcmp(argv[0], "count"))
		return mode_count(argc - 1, argv + 1);
	if (!strcmp(argv[0], "garbage"))
		return mode_garbage(argc - 1, argv + 1);
	if (!strcmp(argv[0], "kill"))
		return mode_kill(argc - 1, argv + 1, 0);
	if (!strcmp(argv[0], "stall"))
		return mode_kill(argc - 1, argv + 1, 1);
	if (!strcmp(argv[0], "bench"))
		return mode_bench(argc - 1, argv + 1);
	return 2;
}
