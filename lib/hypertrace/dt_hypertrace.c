/*
 * dt_hypertrace.c: the host side of HyperTrace mode (dtrace -E): guest probe
 * table, program delivery through dtraced, the check of each guest's linked
 * program, attaching to guests, ENABLE, and running guest records in the
 * engine (see dt_hypertrace.h).
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/dt_error.h"
#include "daemon/dt_dtraced_client.h"
#include "elf/dt_elf.h"
#include "guest/dt_guest.h"
#include "hypertrace/dt_ht_impl.h"
#include "hypertrace/dt_hypertrace.h"
#include "link/dt_link.h"

#define DT_HT_MAXG 64

/* One guest that answered. */
typedef struct dt_htg {
	char name[DTD_NAME_MAX + 1];
	dt_guest_t *g;			/* NULL until its program is accepted */
	uint8_t enident[DTD_IDENT_LEN]; /* the ENABLE we sent it */
	int state;			/* HTG_* */
	uint32_t index;			/* 1-based: thread-local key, hostid */
	uint8_t *stmts; /* statements its records run (NULL: all) */
} dt_htg_t;

enum { HTG_REFUSED = -1, HTG_LINKED = 1, HTG_ENABLING, HTG_ENABLED };

struct dt_ht {
	dt_provset_t *ps;
	uint32_t map[2 * DT_HT_NSYSCALLS]; /* HT probe index -> engine id */
	dt_htg_t guests[DT_HT_MAXG];
	uint32_t nguests;
	pthread_mutex_t lock; /* the engine: poller thread vs main thread */
	dt_engine_t *e;
	uint32_t ncpus;
	uint64_t nrecs, nbad, ns; /* ns: host time spent on records */
};

dt_ht_t *dt_ht_create(dt_provset_t *ps)
{
	dt_ht_t *ht = calloc(1, sizeof(*ht));

	if (ht == NULL)
		return NULL;
	ht->ps = ps;
	ht->ncpus = 1;
	pthread_mutex_init(&ht->lock, NULL);
	for (uint32_t nr = 0; nr < DT_HT_NSYSCALLS; nr++) {
		if (dt_ht_scnames[nr] == NULL)
			continue;
		for (int ret = 0; ret < 2; ret++) {
			uint32_t id = dt_prov_add(
			    ps, "syscall", "vmlinux", dt_ht_scnames[nr],
			    ret ? "return" : "entry", DT_PK_OTHER, 0);

			if (id == 0) {
				dt_ht_destroy(ht);
				return NULL;
			}
			ht->map[nr << 1 | ret] = id;
		}
	}
	return ht;
}

void dt_ht_destroy(dt_ht_t *ht)
{
	if (ht == NULL)
		return;
	for (uint32_t i = 0; i < ht->nguests; i++)
		free(ht->guests[i].stmts);
	pthread_mutex_destroy(&ht->lock);
	free(ht);
}

static uint64_t dt_ht_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- guest records ---------------------------------------------------- */

/* The address space of one record: the guest's RAM through its tables. */
typedef struct dt_ht_as {
	dt_guest_t *g;
	uint64_t cr3, cr4;
} dt_ht_as_t;

static int dt_ht_gread(void *arg, uint64_t addr, void *buf, size_t len)
{
	dt_ht_as_t *as = arg;

	return dt_guest_read_cr4(as->g, as->cr3, as->cr4, addr, buf, len);
}

void dt_ht_handle(dt_guest_t *g, const struct ht_record *rec, void *arg)
{
	dt_ht_t *ht = arg;
	dt_htg_t *hg = NULL;
	dt_ht_as_t as = {g, rec->cr3, rec->cr4};
	dt_pctx_t ctx;
	char comm[17];
	uint32_t idx;
	uint64_t t0 = dt_ht_clock(CLOCK_MONOTONIC);

	for (uint32_t i = 0; i < ht->nguests; i++)
		if (ht->guests[i].g == g)
			hg = &ht->guests[i];
	/* Everything in rec is the guest's word: bound it before use. */
	if (hg == NULL || rec->probe < HT_PROBE_SYSCALL ||
	    (idx = rec->probe - HT_PROBE_SYSCALL) >= 2 * DT_HT_NSYSCALLS ||
	    ht->map[idx] == 0) {
		__atomic_add_fetch(&ht->nbad, 1, __ATOMIC_RELAXED);
		return;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.probe = ht->map[idx];
	ctx.cpu = rec->cpu % ht->ncpus;
	if (rec->flags & HT_REC_RETURN) {
		ctx.arg[0] = ctx.arg[1] = (uint64_t)rec->errno_;
		if (rec->errno_ < 0 && rec->errno_ >= -4095)
			ctx.errno_ = -rec->errno_;
	} else {
		for (int i = 0; i < 6; i++)
			ctx.arg[i] = rec->args[i];
	}
	ctx.pid = rec->pid;
	ctx.tid = rec->tid;
	ctx.ppid = rec->ppid;
	ctx.uid = rec->uid;
	ctx.gid = rec->gid;
	/* execname: the task's comm, read by page walk like any guest load. */
	if (dt_guest_read_cr4(g, rec->cr3, rec->cr4, rec->comm_addr, comm,
			      16) != 0)
		snprintf(comm, sizeof(comm), "<unknown>");
	comm[16] = '\0';
	ctx.execname = comm;
	ctx.vmname = hg->name;
	ctx.tkey.tid = rec->tid;
	ctx.tkey.guest = hg->index;
	ctx.curthread = rec->task;
	ctx.stmts = hg->stmts;
	ctx.kern.read = dt_ht_gread;
	ctx.kern.arg = &as;
	ctx.user.read = dt_ht_gread;
	ctx.user.arg = &as;
	pthread_mutex_lock(&ht->lock);
	ctx.ts = dt_ht_clock(CLOCK_MONOTONIC);
	ctx.wallts = dt_ht_clock(CLOCK_REALTIME);
	if (ht->e != NULL)
		dt_engine_fire(ht->e, &ctx);
	pthread_mutex_unlock(&ht->lock);
	__atomic_add_fetch(&ht->nrecs, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&ht->ns, dt_ht_clock(CLOCK_MONOTONIC) - t0,
			   __ATOMIC_RELAXED);
}

void dt_ht_set_engine(dt_ht_t *ht, dt_engine_t *e)
{
	pthread_mutex_lock(&ht->lock);
	ht->e = e;
	ht->ncpus =
	    e && dt_engine_opts(e)->ncpus ? dt_engine_opts(e)->ncpus : 1;
	pthread_mutex_unlock(&ht->lock);
}

uint64_t dt_ht_refused(const dt_ht_t *ht)
{
	return __atomic_load_n(&ht->nbad, __ATOMIC_RELAXED);
}

/* ---- guests' replies -------------------------------------------------- */

typedef struct dt_ht_run {
	dt_ht_t *ht;
	const dt_prog_t *prog; /* the host's compilation */
	dt_prog_t *eprog;      /* the first guest's linked program, when the
				  engine runs that (relocations) */
	const char *eguest;    /* ... and its guest */
	const dt_eopts_t *eo;
	const dt_copts_t *co;
	const dt_ht_opts_t *o;
	FILE *out;
	dt_consumer_t *cons;
	dt_pctx_t ctx; /* host probes (BEGIN, END, tick) */
	dtd_client_t *c;
	dt_gpoll_t *poll;
	const char *rundir;
	uint32_t nenabled;
	int done;
} dt_ht_run_t;

/* Creates the engine for eprog, its consumer, and fires BEGIN. 0 or -1. */
static int dt_ht_engine(dt_ht_run_t *r, const dt_prog_t *eprog)
{
	dt_ht_t *ht = r->ht;
	dt_engine_t *e;
	char why[512];

	e = dt_engine_create(eprog, r->eo, ht->ps->probes, ht->ps->n, why,
			     sizeof(why));
	if (e == NULL) {
		fprintf(stderr, "dtrace: could not enable tracing: %s\n", why);
		return -1;
	}
	if (!r->o->quiet || (dt_engine_necbs(e) == 0 && !r->o->zdefs)) {
		uint32_t n = dt_engine_necbs(e);

		fprintf(stderr, "dtrace: %s '%s' matched %u probe%s\n",
			r->o->script ? "script" : "description",
			r->o->srcname ? r->o->srcname : "", n,
			n == 1 ? "" : "s");
	}
	if (dt_engine_go(e, why, sizeof(why)) != 0) {
		fprintf(stderr, "dtrace: could not enable tracing: %s\n", why);
		dt_engine_destroy(e);
		return -1;
	}
	r->cons = dt_consumer_create(e, r->out, stderr, r->co);
	if (r->cons == NULL) {
		dt_engine_destroy(e);
		return -1;
	}
	dt_engine_set_errhandler(e, dt_consumer_errhandler, r->cons);
	pthread_mutex_lock(&ht->lock);
	ht->ncpus = dt_engine_opts(e)->ncpus ? dt_engine_opts(e)->ncpus : 1;
	ht->e = e;
	r->ctx.probe = DT_PROBE_BEGIN;
	r->ctx.ts = dt_ht_clock(CLOCK_MONOTONIC);
	r->ctx.wallts = dt_ht_clock(CLOCK_REALTIME);
	dt_engine_fire(e, &r->ctx);
	if (dt_consumer_drain(r->cons) || dt_engine_exited(e, NULL))
		r->done = 1;
	pthread_mutex_unlock(&ht->lock);
	return 0;
}

static dt_htg_t *dt_ht_guest(dt_ht_t *ht, const char *name)
{
	dt_htg_t *hg;

	for (uint32_t i = 0; i < ht->nguests; i++)
		if (strcmp(ht->guests[i].name, name) == 0)
			return &ht->guests[i];
	if (ht->nguests == DT_HT_MAXG)
		return NULL;
	hg = &ht->guests[ht->nguests];
	memset(hg, 0, sizeof(*hg));
	snprintf(hg->name, sizeof(hg->name), "%s", name);
	hg->index = ht->nguests + 1;
	/* Published last: the poller thread reads guests[0..nguests). */
	__atomic_store_n(&ht->nguests, ht->nguests + 1, __ATOMIC_RELEASE);
	return hg;
}

int dt_ht_add_guest(dt_ht_t *ht, dt_guest_t *g, const char *name)
{
	dt_htg_t *hg = dt_ht_guest(ht, name);

	if (hg == NULL)
		return -1;
	hg->g = g;
	return 0;
}

static int dt_ht_streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int dt_ht_same_stmt(const dt_stmt_t *a, const dt_stmt_t *b)
{
	if (a->ndesc != b->ndesc || a->line != b->line)
		return 0;
	for (uint32_t d = 0; d < a->ndesc; d++) {
		const dt_probedesc_t *x = &a->descs[d], *y = &b->descs[d];

		if (!dt_ht_streq(x->target, y->target) ||
		    !dt_ht_streq(x->provider, y->provider) ||
		    !dt_ht_streq(x->module, y->module) ||
		    !dt_ht_streq(x->function, y->function) ||
		    !dt_ht_streq(x->name, y->name))
			return 0;
	}
	return 1;
}

/*
 * The statements of the host's program that guest program gp kept: a guest
 * drops those whose target does not name it (dt_link_select), and the host
 * check has made sure gp's statements are the host's, in order. A record
 * from the guest runs only these.
 */
static uint8_t *dt_ht_kept(const dt_prog_t *host, const dt_prog_t *gp)
{
	uint8_t *m = calloc(host->nstmts + 1, 1);
	uint32_t k = 0;

	for (uint32_t s = 0; m != NULL && s < host->nstmts; s++)
		if (k < gp->nstmts &&
		    dt_ht_same_stmt(&host->stmts[s], &gp->stmts[k])) {
			m[s] = 1;
			k++;
		}
	return m;
}

/* A guest's answer to the program: check it, attach, send ENABLE. */
static void dt_ht_linked(dt_ht_run_t *r, dt_htg_t *hg, const dtd_msg_t *m)
{
	dt_prog_t *gp = NULL;
	dt_elf_err_t ee;
	char why[512];
	int err = 0;

	if (hg->state != 0)
		return; /* a duplicate after a dtraced restart */
	hg->state = HTG_REFUSED;
	if (dt_elf_read_mem(m->data, m->len, &gp, &ee) != 0) {
		/* Not a program: the guest command's output says why. */
		fprintf(stderr,
			"dtrace: guest %s: link failed (status %d): "
			"%.*s\n",
			hg->name, m->status, (int)(m->len > 400 ? 400 : m->len),
			m->len ? (const char *)m->data : "");
		return;
	}
	if (gp->link_error != NULL) {
		fprintf(stderr, "dtrace: guest %s: link failed: %s\n", hg->name,
			gp->link_error);
		goto out;
	}
	if (dt_link_check(r->prog, gp, why, sizeof(why)) != 0) {
		fprintf(stderr, "dtrace: guest %s: program refused: %s\n",
			hg->name, why);
		goto out;
	}
	if (r->o->verbose)
		fprintf(stderr,
			"dtrace: guest %s: program accepted "
			"(%u relocations linked)\n",
			hg->name, dt_link_count_relocs(r->prog));
	/* One engine runs one program for every guest: the host's own
	 * compilation when it has no relocations, else the first guest's
	 * linked program, and then every other guest must have linked to
	 * the same DIF (the same kernel types). */
	if (dt_link_count_relocs(r->prog) != 0) {
		if (r->eprog != NULL &&
		    dt_prog_equal(r->eprog, gp, why, sizeof(why)) != 0) {
			fprintf(stderr,
				"dtrace: guest %s: its kernel types "
				"differ from guest %s's (%s); one "
				"program per guest kernel is not "
				"supported yet\n",
				hg->name, r->eguest, why);
			goto out;
		}
		if (r->eprog == NULL) {
			if (dt_ht_engine(r, gp) != 0)
				goto out;
			r->eprog = gp;
			r->eguest = hg->name;
			gp = NULL;
		}
	}
	/* With the host's compilation in the engine, the guest's records
	 * run the statements that target it. (With the first guest's linked
	 * program, the others are equal to it: all of them.) */
	if (r->eprog == NULL && (hg->stmts = dt_ht_kept(r->prog, gp)) == NULL)
		goto out;
	hg->g = dt_guest_attach(r->rundir, hg->name, &err);
	if (hg->g == NULL) {
		fprintf(stderr, "dtrace: guest %s: cannot attach in %s: %s\n",
			hg->name, r->rundir, dt_errmsg(err));
		goto out;
	}
	if (dt_gpoll_add(r->poll, hg->g) != 0) {
		fprintf(stderr, "dtrace: guest %s: cannot poll\n", hg->name);
		goto out;
	}
	/* ENABLE: the accepted program, back to its guest alone, under a
	 * fresh identifier. */
	if (getrandom(hg->enident, DTD_IDENT_LEN, 0) != DTD_IDENT_LEN)
		goto out;
	if (dtd_client_send_elf(r->c, hg->enident, m->ident, hg->name, m->data,
				m->len) != 0) {
		fprintf(stderr, "dtrace: guest %s: cannot send ENABLE: %s\n",
			hg->name, dtd_client_errmsg(r->c));
		goto out;
	}
	hg->state = HTG_ENABLING;
	if (r->o->verbose)
		fprintf(stderr, "dtrace: guest %s: attached, ENABLE sent\n",
			hg->name);
out:
	dt_prog_free(gp);
}

static void dt_ht_reply(dt_ht_run_t *r, const dtd_msg_t *m)
{
	dt_htg_t *hg = dt_ht_guest(r->ht, m->guest);

	if (hg == NULL)
		return;
	if (memcmp(m->srcident, r->prog->ident, DTD_IDENT_LEN) == 0) {
		dt_ht_linked(r, hg, m);
		return;
	}
	if (hg->state != HTG_ENABLING ||
	    memcmp(m->srcident, hg->enident, DTD_IDENT_LEN) != 0)
		return;
	if (m->status != 0) {
		fprintf(stderr, "dtrace: guest %s: enable failed: %.*s\n",
			hg->name, (int)(m->len > 400 ? 400 : m->len),
			m->len ? (const char *)m->data : "");
		hg->state = HTG_REFUSED;
		return;
	}
	hg->state = HTG_ENABLED;
	r->nenabled++;
	if (r->o->verbose) {
		/* The first line of its answer: "enabled N probes ...". */
		size_t n = 0;

		while (n < m->len && n < 200 && m->data[n] != '\n' &&
		       m->data[n] != '\0')
			n++;
		fprintf(stderr, "dtrace: guest %s: %.*s\n", hg->name, (int)n,
			n ? (const char *)m->data : "");
	}
}

/* Guests dtraced knows now: its guests/ folder is the registry. */
static uint32_t dt_ht_known_guests(const char *dir)
{
	char p[4096];
	struct dirent *d;
	uint32_t n = 0;
	DIR *dp;

	snprintf(p, sizeof(p), "%s/guests", dir);
	if ((dp = opendir(p)) == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL) {
		size_t l = strlen(d->d_name);

		if (l > 5 && strcmp(d->d_name + l - 5, ".sock") == 0)
			n++;
	}
	closedir(dp);
	return n;
}

static const char *dt_ht_xopt(const dt_ht_opts_t *o, const dt_prog_t *prog,
			      const char *name)
{
	size_t l = strlen(name);

	for (uint32_t i = 0; i < prog->nopts; i++)
		if (strcmp(prog->opts[i].name, name) == 0)
			return prog->opts[i].value;
	for (int i = 0; i < o->nxopts; i++)
		if (strncmp(o->xopts[i], name, l) == 0 && o->xopts[i][l] == '=')
			return o->xopts[i] + l + 1;
	return NULL;
}

/* ---- the run ---------------------------------------------------------- */

/* Fires the tick and profile probes that are due. Engine lock held. */
static void dt_ht_ticks(dt_ht_run_t *r, uint64_t *next)
{
	dt_ht_t *ht = r->ht;
	dt_provset_t *ps = ht->ps;
	uint64_t now = dt_ht_clock(CLOCK_MONOTONIC);

	for (uint32_t i = 0; i < ps->n; i++) {
		if (!next[i] || !dt_engine_enabled(ht->e, ps->probes[i].id))
			continue;
		while (next[i] <= now && !dt_engine_exited(ht->e, NULL)) {
			uint32_t ncpu =
			    ps->kind[i] == DT_PK_PROFILE ? ht->ncpus : 1;

			for (uint32_t cpu = 0; cpu < ncpu; cpu++) {
				r->ctx.probe = ps->probes[i].id;
				r->ctx.cpu = cpu;
				r->ctx.ts = dt_ht_clock(CLOCK_MONOTONIC);
				r->ctx.wallts = dt_ht_clock(CLOCK_REALTIME);
				dt_engine_fire(ht->e, &r->ctx);
			}
			next[i] += ps->interval[i];
		}
	}
	r->ctx.cpu = 0;
}

int dt_ht_run(dt_ht_t *ht, dt_prog_t *prog, const dt_eopts_t *eo,
	      const dt_copts_t *co, FILE *out, const dt_ht_opts_t *o,
	      volatile sig_atomic_t *intr)
{
	dt_ht_run_t r = {
	    .ht = ht, .prog = prog, .eo = eo, .co = co, .o = o, .out = out};
	dt_provset_t *ps = ht->ps;
	const char *dir, *v;
	uint64_t *next = NULL, deadline, spin_ns;
	void *buf = NULL;
	size_t len = 0;
	dt_elf_err_t ee;
	uint32_t nknown;
	int err = 0, status = 0, started = 0, wait_s;

	dir =
	    o->dtraced_dir ? o->dtraced_dir : dt_ht_xopt(o, prog, "ddtracedir");
	dir = dtd_client_default_dir(dir);
	r.rundir = o->run_dir ? o->run_dir : dt_ht_xopt(o, prog, "htvmdir");
	if (r.rundir == NULL)
		r.rundir = dt_guest_rundir();
	wait_s = o->wait_s > 0 ? o->wait_s : 60;
	if ((v = dt_ht_xopt(o, prog, "htwait")) != NULL)
		wait_s = atoi(v);
	memset(&r.ctx, 0, sizeof(r.ctx));
	r.ctx.pid = getpid();
	r.ctx.tid = gettid();
	r.ctx.ppid = getppid();
	r.ctx.uid = getuid();
	r.ctx.gid = getgid();
	r.ctx.execname = "dtrace";
	r.ctx.vmname = "";
	r.ctx.tkey.tid = (uint64_t)r.ctx.tid;
	r.ctx.user.read = dt_aspace_procread;
	r.ctx.user.arg = (void *)(intptr_t)getpid();
	if ((next = calloc(ps->n + 1, sizeof(*next))) == NULL)
		return 1;
	for (uint32_t s = 0; s < prog->nstmts; s++)
		for (uint32_t d = 0; d < prog->stmts[s].ndesc; d++)
			dt_prov_ensure(ps, &prog->stmts[s].descs[d]);
	/* Without relocations the host's compilation is what every guest
	 * links to: the engine starts now. Else with the first guest. */
	if (dt_link_count_relocs(prog) == 0 && dt_ht_engine(&r, prog) != 0) {
		status = 1;
		goto out;
	}

	/* The program, as ELF, to every guest through the host dtraced. */
	r.c = dtd_client_open(dir, DTD_KIND_CONSUMER, DTD_SUB_ELF, "dtrace",
			      &err);
	if (r.c == NULL) {
		fprintf(stderr, "dtrace: cannot reach dtraced in %s: %s\n", dir,
			dt_errmsg(err));
		status = 1;
		goto out;
	}
	if (dt_prog_new_ident(prog) != 0 ||
	    dt_elf_write_mem(prog, &buf, &len, &ee) != 0) {
		fprintf(stderr, "dtrace: cannot write the program: %s\n",
			ee.msg);
		status = 1;
		goto out;
	}
	/* The poller spins this long after a guest's last call before it
	 * sleeps on the doorbell: waking up costs a guest call far more
	 * than a round trip (bench/guest), so spin through short gaps. */
	spin_ns = 50000000ULL;
	if ((v = dt_ht_xopt(o, prog, "htspin")) != NULL &&
	    dt_parse_size(v, &spin_ns) != 0)
		spin_ns = 50000000ULL;
	r.poll = dt_gpoll_create(spin_ns, dt_ht_handle, ht);
	if (r.poll == NULL || dt_gpoll_start(r.poll) != 0) {
		fprintf(stderr, "dtrace: cannot start the guest poller\n");
		status = 1;
		goto out;
	}
	if (dtd_client_send_elf(r.c, prog->ident, NULL, NULL, buf, len) != 0) {
		fprintf(stderr, "dtrace: dtraced refused the program: %s\n",
			dtd_client_errmsg(r.c));
		status = 1;
		goto out;
	}
	nknown = dt_ht_known_guests(dir);
	if (nknown == 0)
		fprintf(stderr,
			"dtrace: no guest in %s/guests yet; "
			"waiting for guests\n",
			dir);

	/* The clocks (tick-N) start once the guests dtraced knows have
	 * enabled their probes, or after wait_s: a program that says
	 * tick-5s { exit(0); } traces the guests for five seconds. */
	deadline =
	    dt_ht_clock(CLOCK_MONOTONIC) + (uint64_t)wait_s * 1000000000ULL;
	while (!r.done && !*intr) {
		uint64_t now = dt_ht_clock(CLOCK_MONOTONIC);
		uint64_t wake = now + o->switchrate;
		struct pollfd pfd = {dtd_client_fd(r.c), POLLIN, 0};
		dtd_msg_t m;
		int rc;

		uint32_t nsettled = 0;

		/* A guest whose program was refused is settled too. */
		for (uint32_t i = 0; i < ht->nguests; i++)
			if (ht->guests[i].state == HTG_ENABLED ||
			    ht->guests[i].state == HTG_REFUSED)
				nsettled++;
		if (!started && ht->e != NULL &&
		    ((nknown > 0 && nsettled >= nknown) || now >= deadline)) {
			started = 1;
			if (r.nenabled == 0)
				fprintf(stderr,
					"dtrace: no guest enabled "
					"its probes within %d s\n",
					wait_s);
			for (uint32_t i = 0; i < ps->n; i++)
				if (ps->kind[i] == DT_PK_PROFILE ||
				    ps->kind[i] == DT_PK_TICK)
					next[i] = now + ps->interval[i];
		}
		if (!started && ht->e == NULL && now >= deadline) {
			fprintf(stderr,
				"dtrace: no guest linked the program "
				"within %d s\n",
				wait_s);
			status = 1;
			break;
		}
		for (uint32_t i = 0; started && i < ps->n; i++)
			if (next[i] && next[i] < wake &&
			    dt_engine_enabled(ht->e, ps->probes[i].id))
				wake = next[i];
		rc = poll(&pfd, 1,
			  wake > now ? (int)((wake - now) / 1000000) : 0);
		if (rc > 0) {
			while ((rc = dtd_client_recv(r.c, &m, 0)) == 1) {
				dt_ht_reply(&r, &m);
				dtd_msg_free(&m);
			}
			if (rc < 0) {
				fprintf(stderr, "dtrace: lost dtraced: %s\n",
					dtd_client_errmsg(r.c));
				break;
			}
		}
		if (ht->e == NULL)
			continue;
		pthread_mutex_lock(&ht->lock);
		if (started)
			dt_ht_ticks(&r, next);
		if (dt_consumer_drain(r.cons) || dt_engine_exited(ht->e, NULL))
			r.done = 1;
		dt_consumer_report(r.cons);
		pthread_mutex_unlock(&ht->lock);
	}
	/* No more guest records: stop polling and give the areas back (the
	 * guests stop calling us), then END and the final print. */
	dt_gpoll_stop(r.poll);
	for (uint32_t i = 0; i < ht->nguests; i++)
		if (ht->guests[i].g != NULL) {
			dt_guest_detach(ht->guests[i].g);
			ht->guests[i].g = NULL;
		}
	if (ht->e != NULL) {
		r.ctx.probe = DT_PROBE_END;
		r.ctx.cpu = 0;
		r.ctx.ts = dt_ht_clock(CLOCK_MONOTONIC);
		r.ctx.wallts = dt_ht_clock(CLOCK_REALTIME);
		dt_engine_fire(ht->e, &r.ctx);
		dt_consumer_drain(r.cons);
		dt_consumer_report(r.cons);
		fputc('\n', out);
		dt_consumer_print_aggs(r.cons);
		fflush(out);
		if (status == 0)
			dt_engine_exited(ht->e, &status);
	}
	if (o->verbose)
		fprintf(stderr,
			"dtrace: %lu guest records (%lu ns each on "
			"the host), %lu refused\n",
			(unsigned long)ht->nrecs,
			(unsigned long)(ht->nrecs ? ht->ns / ht->nrecs : 0),
			(unsigned long)ht->nbad);
out:
	if (r.poll != NULL) {
		dt_gpoll_stop(r.poll);
		dt_gpoll_destroy(r.poll);
	}
	for (uint32_t i = 0; i < ht->nguests; i++)
		if (ht->guests[i].g != NULL)
			dt_guest_detach(ht->guests[i].g);
	/* Closing the connection KILLs the program (and ENABLEs) in every
	 * guest: their probes go off. */
	if (r.c != NULL)
		dtd_client_close(r.c);
	if (r.cons != NULL)
		dt_consumer_destroy(r.cons);
	dt_engine_destroy(ht->e);
	ht->e = NULL;
	dt_prog_free(r.eprog);
	free(next);
	free(buf);
	return status;
}
