/*
 * dt_cmd_host.c: dtrace(1)'s host probes (see dt_cmd_host.h): lazy
 * publication of lib/providers/host probes into the provider table, -l
 * listing, -c children, enabling, the delivery loop and drops; plus the
 * small glue for the ELF options (-y, -e -y, -Y).
 */
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/dt_glob.h"
#include "common/dt_error.h"
#include "dt_cmd_elf.h"
#include "dt_cmd_host.h"
#include "providers/host/dt_hostprobe.h"

/* Argument types of one host probe, kept for the compiler's info. */
typedef struct dt_hc_args {
	struct dt_hc_args *next;
	int nargs;
	dt_hostprobe_arg_t args[DT_HOSTPROBE_NARGS];
} dt_hc_args_t;

struct dt_cmd_host {
	dt_provset_t *ps;
	dt_hostprobe_t *lh; /* listing/lookup handle, opened on demand */
	int lh_failed;	    /* open failed once: don't retry */
	char lh_err[256];
	dt_hostprobe_t *rh; /* running handle (lh, or one with a target) */
	/* host probe ids in the table, and a name -> id hash for dedup */
	uint32_t *ids;
	uint32_t nids;
	char **hkeys;
	uint32_t *hvals;
	uint32_t hcap, hn;
	dt_hc_args_t *args;
	/* -c */
	pid_t child;
	int gofd;
	int traced; /* the child is stopped after its exec, under ptrace */
	/* running */
	dt_engine_t *e;
	uint64_t walloff; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t drops;	  /* already reported */
	int going, pollfail;
	int profile; /* profile-N probes fire from perf samples */
};

static uint64_t dt_hc_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

dt_cmd_host_t *dt_cmd_host_create(dt_provset_t *ps)
{
	dt_cmd_host_t *hc = calloc(1, sizeof(*hc));

	if (hc == NULL)
		return NULL;
	hc->ps = ps;
	hc->gofd = -1;
	return hc;
}

void dt_cmd_host_destroy(dt_cmd_host_t *hc)
{
	if (hc == NULL)
		return;
	if (hc->rh != NULL && hc->rh != hc->lh)
		dt_hostprobe_close(hc->rh);
	dt_hostprobe_close(hc->lh);
	if (hc->gofd >= 0)
		close(hc->gofd); /* an unreleased child exits */
	if (hc->traced) {
		int st;

		kill(hc->child, SIGKILL); /* never released: never runs */
		waitpid(hc->child, &st, 0);
	}
	for (uint32_t i = 0; i < hc->hcap; i++)
		free(hc->hkeys[i]);
	free(hc->hkeys);
	free(hc->hvals);
	free(hc->ids);
	while (hc->args != NULL) {
		dt_hc_args_t *n = hc->args->next;

		free(hc->args);
		hc->args = n;
	}
	free(hc);
}

/* ---- which descriptions can name a host probe ------------------------- */

static int dt_hc_literal(const char *s)
{
	return s != NULL && *s != '\0' && strpbrk(s, "*?[\\") == NULL;
}

/*
 * Cheap test, so that BEGIN/END/tick programs never open perf: host probes
 * are syscall/sdt/proc/fbt in module vmlinux, and none is named like a
 * dtrace or profile probe.
 */
static int dt_hc_may_match(const dt_probedesc_t *pd)
{
	static const char *const provs[] = {"syscall", "sdt", "proc", "fbt"};
	int any = 0;
	uint64_t ns;

	if (pd == NULL)
		return 1;
	/* the pid provider: "pid" and a process id, any object */
	if (pd->provider != NULL && strncmp(pd->provider, "pid", 3) == 0 &&
	    pd->provider[3] >= '1' && pd->provider[3] <= '9' &&
	    strspn(pd->provider + 3, "0123456789") == strlen(pd->provider + 3))
		return 1;
	for (size_t i = 0; i < sizeof(provs) / sizeof(provs[0]); i++)
		any |= dt_glob_match(pd->provider, provs[i]);
	if (!any || !dt_glob_match(pd->module, "vmlinux"))
		return 0;
	if ((pd->provider == NULL || *pd->provider == '\0') &&
	    dt_hc_literal(pd->name) &&
	    (strcmp(pd->name, "BEGIN") == 0 || strcmp(pd->name, "END") == 0 ||
	     strcmp(pd->name, "ERROR") == 0 ||
	     dt_prov_rate(pd->name, &ns) == 0))
		return 0;
	return 1;
}

static dt_hostprobe_t *dt_hc_lh(dt_cmd_host_t *hc)
{
	struct dt_hostprobe_opts o = {.size = sizeof(o)};
	int err = 0;

	if (hc->lh != NULL || hc->lh_failed)
		return hc->lh;
	hc->lh = dt_hostprobe_open(&o, &err);
	if (hc->lh == NULL) {
		hc->lh_failed = 1;
		snprintf(hc->lh_err, sizeof(hc->lh_err), "%s",
			 err == EPERM ? "Permission denied" : dt_errmsg(err));
	}
	return hc->lh;
}

static void dt_hc_desc(const dt_probedesc_t *pd, dt_hostprobe_desc_t *hd)
{
	memset(hd, 0, sizeof(*hd));
	if (pd == NULL)
		return;
	hd->prv = pd->provider;
	hd->mod = pd->module;
	hd->func = pd->function;
	hd->name = pd->name;
}

/* ---- the name -> id hash ---------------------------------------------- */

static uint64_t dt_hc_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static uint32_t *dt_hc_slot(dt_cmd_host_t *hc, const char *key, char ***kp)
{
	uint32_t i = (uint32_t)dt_hc_hash(key) & (hc->hcap - 1);

	while (hc->hkeys[i] != NULL && strcmp(hc->hkeys[i], key) != 0)
		i = (i + 1) & (hc->hcap - 1);
	*kp = &hc->hkeys[i];
	return &hc->hvals[i];
}

static int dt_hc_grow(dt_cmd_host_t *hc)
{
	uint32_t ocap = hc->hcap, ncap = ocap ? ocap * 2 : 1024;
	char **ok = hc->hkeys, **nk = calloc(ncap, sizeof(char *));
	uint32_t *ov = hc->hvals, *nv = calloc(ncap, sizeof(uint32_t));

	if (nk == NULL || nv == NULL) {
		free(nk);
		free(nv);
		return -1;
	}
	hc->hkeys = nk;
	hc->hvals = nv;
	hc->hcap = ncap;
	for (uint32_t i = 0; i < ocap; i++) {
		char **kp;
		uint32_t *vp;

		if (ok[i] == NULL)
			continue;
		vp = dt_hc_slot(hc, ok[i], &kp);
		*kp = ok[i];
		*vp = ov[i];
	}
	free(ok);
	free(ov);
	return 0;
}

static int dt_hc_add(void *arg, const dt_hostprobe_info_t *pi)
{
	dt_cmd_host_t *hc = arg;
	const dt_hostprobe_desc_t *d = &pi->desc;
	char key[512], **kp;
	uint32_t *vp, id, *ni;

	snprintf(key, sizeof(key), "%s:%s:%s:%s", d->prv, d->mod, d->func,
		 d->name);
	if ((hc->hn + 1) * 2 > hc->hcap && dt_hc_grow(hc) != 0)
		return 1;
	vp = dt_hc_slot(hc, key, &kp);
	if (*kp != NULL)
		return 0; /* already published */
	id = dt_prov_add(hc->ps, d->prv, d->mod, d->func, d->name, DT_PK_OTHER,
			 0);
	if (id == 0)
		return 1;
	if (hc->nids % 1024 == 0) {
		ni = realloc(hc->ids, (hc->nids + 1024) * sizeof(*ni));
		if (ni == NULL)
			return 1;
		hc->ids = ni;
	}
	hc->ids[hc->nids++] = id;
	*kp = strdup(key);
	*vp = id;
	hc->hn++;
	return 0;
}

static void dt_hc_publish(dt_cmd_host_t *hc, const dt_probedesc_t *pd)
{
	dt_hostprobe_desc_t hd;

	if (!dt_hc_may_match(pd) || dt_hc_lh(hc) == NULL)
		return;
	dt_hc_desc(pd, &hd);
	dt_hostprobe_iter(hc->lh, &hd, 0, dt_hc_add, hc);
}

static int dt_hc_getargs(void *arg, const dt_hostprobe_info_t *pi)
{
	dt_hc_args_t *a = arg;

	a->nargs = pi->nargs < 0 ? 0 : pi->nargs;
	if (a->nargs > DT_HOSTPROBE_NARGS)
		a->nargs = DT_HOSTPROBE_NARGS;
	memcpy(a->args, pi->args, sizeof(a->args));
	return 1; /* the one probe */
}

static int dt_hc_ishost(const dt_cmd_host_t *hc, uint32_t id)
{
	/* ids are added in increasing order */
	uint32_t lo = 0, hi = hc->nids;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (hc->ids[mid] == id)
			return 1;
		if (hc->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int dt_cmd_host_lookup(void *arg, const dt_probedesc_t *pd,
		       dt_probeinfo_t *info)
{
	dt_cmd_host_t *hc = arg;
	int n;

	dt_hc_publish(hc, pd);
	n = dt_prov_lookup(hc->ps, pd, info);
	if (n > 0 && info != NULL && dt_hc_ishost(hc, info->id)) {
		/* typed args[] from the tracepoint's format */
		dt_hc_args_t *a = calloc(1, sizeof(*a));
		dt_hostprobe_desc_t hd = {info->provider, info->module,
					  info->function, info->name};

		if (a == NULL)
			return n;
		a->next = hc->args;
		hc->args = a;
		dt_hostprobe_iter(hc->lh, &hd, DT_HOSTPROBE_ITER_ARGS,
				  dt_hc_getargs, a);
		info->nargs = (uint32_t)a->nargs;
		for (int i = 0; i < a->nargs; i++)
			info->argtypes[i] = a->args[i].type;
	}
	return n;
}

void dt_cmd_host_ensure(dt_cmd_host_t *hc, const dt_prog_t *prog)
{
	for (uint32_t s = 0; s < prog->nstmts; s++)
		for (uint32_t d = 0; d < prog->stmts[s].ndesc; d++)
			dt_hc_publish(hc, &prog->stmts[s].descs[d]);
}

/* ---- -l ---------------------------------------------------------------- */

void dt_cmd_host_desc_kind(int kind, dt_probedesc_t *pd)
{
	/* fields were filled from the right, as for -n: shift them so that
	 * the last one is the provider, module or function */
	int shift = kind == DT_SRC_PROVIDER   ? 3
		    : kind == DT_SRC_MODULE   ? 2
		    : kind == DT_SRC_FUNCTION ? 1
					      : 0;

	while (shift-- > 0) {
		pd->provider = pd->module;
		pd->module = pd->function;
		pd->function = pd->name;
		pd->name = (char *)"";
	}
}

typedef struct dt_hc_lctx {
	FILE *out;
	uint32_t id;
	int n;
} dt_hc_lctx_t;

static int dt_hc_print(void *arg, const dt_hostprobe_info_t *pi)
{
	dt_hc_lctx_t *l = arg;

	fprintf(l->out, "%5u %10s %17s %33s %s\n", ++l->id, pi->desc.prv,
		pi->desc.mod, pi->desc.func, pi->desc.name);
	l->n++;
	return 0;
}

int dt_cmd_host_list(dt_cmd_host_t *hc, FILE *out, const dt_probedesc_t *pd,
		     int header)
{
	dt_hc_lctx_t l = {out, hc->ps->n, 0};
	dt_hostprobe_desc_t hd;
	int n = dt_prov_list(hc->ps, out, pd, header);

	if (!dt_hc_may_match(pd) || dt_hc_lh(hc) == NULL)
		return n;
	dt_hc_desc(pd, &hd);
	dt_hostprobe_iter(hc->lh, &hd, 0, dt_hc_print, &l);
	return n + l.n;
}

/* ---- -c ------------------------------------------------------------------ */

/* Waits for the traced child to stop; 1 if it did, 0 if it exited (left
 * for the main loop to reap and report). */
static int dt_hc_stopped(pid_t pid)
{
	siginfo_t si;
	int st;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WSTOPPED | WNOWAIT) !=
		   0 &&
	       errno == EINTR)
		;
	if (si.si_code != CLD_TRAPPED && si.si_code != CLD_STOPPED)
		return 0;
	waitpid(pid, &st, 0); /* consume the stop */
	return 1;
}

/*
 * Lets the stopped child's dynamic loader map its libraries: a breakpoint
 * on the program's entry point (AT_ENTRY), run to it, put the byte and
 * the PC back. Then the libraries' functions are there for pid probes, and
 * still no instruction of the program has run. 0, or -1 if the child is
 * not stopped at its entry (it may have exited).
 */
static int dt_hc_run_to_entry(pid_t pid)
{
#if defined(__x86_64__)
	char path[64];
	uint64_t av[2], entry = 0;
	long word;
	struct user_regs_struct regs;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0; /* cannot tell: stay at the exec stop */
	while (fread(av, sizeof(av), 1, f) == 1 && av[0] != 0)
		if (av[0] == 9 /* AT_ENTRY */)
			entry = av[1];
	fclose(f);
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)entry, NULL);
	if (entry == 0 || errno != 0 ||
	    ptrace(PTRACE_POKETEXT, pid, (void *)entry,
		   (void *)((word & ~0xffL) | 0xcc)) != 0)
		return 0;
	if (ptrace(PTRACE_CONT, pid, NULL, NULL) != 0 || !dt_hc_stopped(pid))
		return -1;
	if (ptrace(PTRACE_POKETEXT, pid, (void *)entry, (void *)word) != 0 ||
	    ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0)
		return -1;
	regs.rip = entry; /* back onto the restored instruction */
	return ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0 ? 0 : -1;
#else
	(void)pid;
	return 0;
#endif
}

/*
 * -c: the command is executed at once but stopped by ptrace right after
 * its exec, so that its image is there for the pid provider to place
 * probes in, and it runs no instruction before dtrace releases it (after
 * BEGIN). Where ptrace is refused the child waits before its exec instead
 * (then pid probes cannot see its image).
 */
pid_t dt_cmd_host_spawn(dt_cmd_host_t *hc, const char *cmd)
{
	int p[2], m[2];
	pid_t pid;
	char mode = 0;

	if (pipe(p) != 0)
		return -1;
	if (pipe2(m, O_CLOEXEC) != 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		close(m[0]);
		close(m[1]);
		return -1;
	}
	if (pid == 0) {
		char *argv[256], *s = strdup(cmd), *save = NULL, go;
		int n = 0;

		close(p[1]);
		close(m[0]);
		for (char *t = strtok_r(s, " \t\n", &save);
		     t != NULL && n < 255; t = strtok_r(NULL, " \t\n", &save))
			argv[n++] = t;
		argv[n] = NULL;
		if (n > 0 && ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0) {
			go = 't';
			if (write(m[1], &go, 1) != 1)
				_exit(127);
		} else {
			go = 'p';
			if (write(m[1], &go, 1) != 1)
				_exit(127);
			/* EOF: dtrace gave up (compile error...): never run */
			if (read(p[0], &go, 1) != 1 || n == 0)
				_exit(127);
		}
		close(p[0]);
		execvp(argv[0], argv);
		fprintf(stderr, "dtrace: failed to execute %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(p[0]);
	close(m[1]);
	if (read(m[0], &mode, 1) != 1)
		mode = 0;
	close(m[0]);
	hc->child = pid;
	hc->gofd = p[1];
	if (mode == 't') {
		/* The exec stop; a failed exec is an exit, left for the main
		 * loop to reap and report. */
		if (dt_hc_stopped(pid)) {
			/* if dtrace dies now, the command must not run */
			ptrace(PTRACE_SETOPTIONS, pid, NULL,
			       (void *)(long)PTRACE_O_EXITKILL);
			hc->traced = dt_hc_run_to_entry(pid) == 0;
		}
		/* the child does not read the pipe in this mode */
		close(hc->gofd);
		hc->gofd = -1;
	}
	return pid;
}

void dt_cmd_host_release(dt_cmd_host_t *hc)
{
	char go = 'g';

	if (hc->traced) {
		/* let it run from its first instruction, untraced */
		ptrace(PTRACE_DETACH, hc->child, NULL, NULL);
		hc->traced = 0;
	}
	if (hc->gofd < 0)
		return;
	if (write(hc->gofd, &go, 1) != 1) {
		/* the child is gone already: the main loop reaps it */
	}
	close(hc->gofd);
	hc->gofd = -1;
}

void dt_cmd_host_reaped(pid_t pid, int st, int quiet)
{
	if (quiet) /* DTrace's notices are quiet under -q */
		return;
	if (WIFSIGNALED(st))
		fprintf(stderr, "dtrace: pid %d terminated by SIG%s\n",
			(int)pid,
			sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st))
						   : "?");
	else if (WEXITSTATUS(st) != 0)
		fprintf(stderr, "dtrace: pid %d exited with status %d\n",
			(int)pid, WEXITSTATUS(st));
	else
		fprintf(stderr, "dtrace: pid %d has exited\n", (int)pid);
}

int dt_cmd_host_gone(pid_t pid, int quiet)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	/* a zombie is gone too: its parent just has not reaped it */
	p = strrchr(buf, ')');
	if (p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X')
		return 0;
	if (!quiet)
		fprintf(stderr, "dtrace: pid %d has exited\n", (int)pid);
	return 1;
}

/* ---- running ------------------------------------------------------------ */

static void dt_hc_fire(void *arg, const dt_hostevent_t *ev)
{
	dt_cmd_host_t *hc = arg;
	dt_pctx_t c;

	if (dt_engine_exited(hc->e, NULL))
		return; /* exit() stops tracing */
	memset(&c, 0, sizeof(c));
	c.probe = ev->probe;
	c.cpu = ev->cpu;
	c.ts = ev->timestamp;
	c.wallts = ev->timestamp + hc->walloff;
	memcpy(c.arg, ev->args, sizeof(c.arg));
	c.pid = ev->pid;
	c.tid = ev->tid;
	c.ppid = ev->ppid;
	c.uid = ev->uid;
	c.gid = ev->gid;
	c.errno_ = ev->errno_;
	c.execname = ev->execname;
	c.vmname = "";
	c.tkey.tid = (uint64_t)ev->tid; /* guest 0: the host */
	c.kern.read = dt_hostevent_read;
	c.kern.arg = (void *)ev;
	/* the strings copied as the probe fired, else the process now */
	c.user.read = dt_hostevent_read_user;
	c.user.arg = (void *)ev;
	c.kstack = ev->kstack;
	c.nkstack = ev->nkstack;
	c.ustack = ev->ustack;
	c.nustack = ev->nustack;
	dt_engine_fire(hc->e, &c);
}

/* Number of profile-N probes the program enables. */
static int dt_hc_nprofile(dt_cmd_host_t *hc, dt_engine_t *e)
{
	int n = 0;

	for (uint32_t i = 0; i < hc->ps->n; i++)
		n += hc->ps->kind[i] == DT_PK_PROFILE &&
		     dt_engine_enabled(e, hc->ps->probes[i].id);
	return n;
}

/* profile-N from perf cpu-clock samples on every CPU; 0, or -1 with the
 * handle's message. */
static int dt_hc_profile(dt_cmd_host_t *hc, dt_engine_t *e)
{
	for (uint32_t i = 0; i < hc->ps->n; i++)
		if (hc->ps->kind[i] == DT_PK_PROFILE &&
		    dt_engine_enabled(e, hc->ps->probes[i].id) &&
		    dt_hostprobe_enable_profile(hc->rh, hc->ps->interval[i],
						hc->ps->probes[i].id) != 0)
			return -1;
	return 0;
}

int dt_cmd_host_fires(const dt_cmd_host_t *hc, uint32_t id)
{
	return hc != NULL && hc->profile && id >= 1 && id <= hc->ps->n &&
	       hc->ps->kind[id - 1] == DT_PK_PROFILE;
}

int dt_cmd_host_start(dt_cmd_host_t *hc, dt_engine_t *e, pid_t target)
{
	struct dt_hostprobe_opts o = {.size = sizeof(o), .target_pid = target};
	int err = 0, nen = 0, nprof;

	hc->e = e;
	for (uint32_t i = 0; i < hc->nids; i++)
		nen += dt_engine_enabled(e, hc->ids[i]) != 0;
	nprof = dt_hc_nprofile(hc, e);
	if (nen == 0 && nprof == 0)
		return 0; /* BEGIN/END/tick only: no perf at all */
	if (target == 0 && dt_hc_lh(hc) != NULL)
		hc->rh = hc->lh;
	else if ((hc->rh = dt_hostprobe_open(&o, &err)) == NULL) {
		if (nen == 0) {
			/* profile alone still runs, from a timer in our own
			 * context, which the user must know */
			fprintf(stderr,
				"dtrace: profile probes fire in dtrace's own "
				"context: perf is unavailable: %s\n",
				err == EPERM ? "Permission denied"
					     : dt_errmsg(err));
			return 0;
		}
		fprintf(stderr, "dtrace: could not enable tracing: %s\n",
			err == EPERM ? "Permission denied" : dt_errmsg(err));
		return 1;
	} else {
		/* the lookup handle's rings are not needed any more */
		dt_hostprobe_close(hc->lh);
		hc->lh = NULL;
	}
	{
		uint32_t kf, uf;

		const dt_prog_t *prog = dt_engine_prog(e);

		dt_prog_stack_frames(prog, &kf, &uf);
		dt_hostprobe_set_copy(hc->rh,
				      dt_prog_calls(prog, DIF_SUBR_COPYINSTR) ||
					  dt_prog_calls(prog, DIF_SUBR_COPYIN) ||
					  dt_prog_calls(prog, DIF_SUBR_COPYINTO));
		if (dt_hostprobe_set_stacks(hc->rh, kf, uf) != 0) {
			fprintf(stderr, "dtrace: could not enable tracing: %s\n",
				dt_hostprobe_errmsg(hc->rh));
			return 1;
		}
	}
	for (uint32_t i = 0; i < hc->nids; i++) {
		const dt_probe_t *p = &hc->ps->probes[hc->ids[i] - 1];
		dt_hostprobe_desc_t hd = {p->prov, p->mod, p->func, p->name};

		if (!dt_engine_enabled(e, p->id))
			continue;
		if (dt_hostprobe_enable(hc->rh, &hd, p->id) != 0) {
			/* the library's message names the probe */
			fprintf(stderr,
				"dtrace: could not enable tracing: "
				"%s\n",
				dt_hostprobe_errmsg(hc->rh));
			return 1;
		}
	}
	if (dt_hostprobe_copy_error(hc->rh) != NULL)
		fprintf(stderr,
			"dtrace: copyinstr() reads user memory after the "
			"event, not as it fires: %s\n",
			dt_hostprobe_copy_error(hc->rh));
	if (nprof > 0) {
		if (dt_hc_profile(hc, e) != 0) {
			fprintf(stderr, "dtrace: could not enable tracing: %s\n",
				dt_hostprobe_errmsg(hc->rh));
			return 1;
		}
		hc->profile = 1;
	}
	hc->walloff =
	    dt_hc_clock(CLOCK_REALTIME) - dt_hc_clock(CLOCK_MONOTONIC);
	if (dt_hostprobe_go(hc->rh, 1) != 0) {
		fprintf(stderr, "dtrace: could not enable tracing: %s\n",
			dt_hostprobe_errmsg(hc->rh));
		return 1;
	}
	hc->going = 1;
	return 0;
}

/* New kernel drops go to CPU 0's principal buffer count: the library
 * counts them for all rings together. */
static void dt_hc_drops(dt_cmd_host_t *hc)
{
	uint64_t d = dt_hostprobe_drops(hc->rh);
	dt_buf_t *b = dt_engine_buf(hc->e, 0);

	if (d > hc->drops && b != NULL)
		b->drops += d - hc->drops;
	hc->drops = d;
}

void dt_cmd_host_wait(dt_cmd_host_t *hc, uint64_t ns)
{
	if (hc != NULL && hc->going && !hc->pollfail) {
		int ms = (int)((ns + 999999) / 1000000);

		if (dt_hostprobe_poll(hc->rh, ms, dt_hc_fire, hc) < 0) {
			fprintf(stderr, "dtrace: %s\n",
				dt_hostprobe_errmsg(hc->rh));
			hc->pollfail = 1;
		}
		dt_hc_drops(hc);
		return;
	}
	struct timespec ts = {(time_t)(ns / 1000000000ULL),
			      (long)(ns % 1000000000ULL)};

	nanosleep(&ts, NULL);
}

void dt_cmd_host_stop(dt_cmd_host_t *hc)
{
	if (hc == NULL || !hc->going)
		return;
	dt_hostprobe_go(hc->rh, 0);
	dt_hostprobe_poll(hc->rh, 0, dt_hc_fire, hc);
	dt_hc_drops(hc); /* exact now */
	hc->going = 0;
}

/* ---- ELF options ------------------------------------------------------ */

int dt_cmd_host_elf_link(const char *in, int reemit, const char *out,
			 const char *const *xopts, int nx)
{
	dt_cmd_elf_xopts_t xo;

	if (reemit)
		return dt_cmd_elf_reemit(in, out);
	dt_cmd_elf_xopts(xopts, nx, &xo);
	return dt_cmd_elf_link(in, out, &xo);
}

dt_prog_t *dt_cmd_host_elf_load(const char *arg, const char **outp,
				const char *const *xopts, int nx, int *status)
{
	enum dt_cmd_elf_mode mode;
	dt_cmd_elf_xopts_t xo;
	const char *comma = strrchr(arg, ',');
	int guest = comma != NULL && strcmp(comma, ",guest") == 0;
	dt_prog_t *prog;

	dt_cmd_elf_xopts(xopts, nx, &xo);
	/* guest: -o names the linked ELF for dtraced; the host runs it */
	prog = dt_cmd_elf_load(arg, guest ? *outp : NULL, &xo, &mode, status);
	if (prog != NULL && mode == DT_ELF_MODE_GUEST) {
		dt_prog_free(prog);
		*outp = NULL;
		*status = 0;
		return NULL;
	}
	return prog;
}
