/*
 * dt_ht_guest.c: the guest side of HyperTrace mode, run by the guest's
 * dtraced minion on each program from the host (see dt_hypertrace.h):
 * links a host program against this kernel's BTF, or enables the probes of
 * a program the host accepted in hypertrace.ko (/dev/hypertrace) and holds
 * them until SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/dt_glob.h"
#include "elf/dt_elf.h"
#include "hypertrace/dt_hypertrace.h"
#include "link/dt_link.h"

#define DT_HT_DEV "/dev/hypertrace"

static int dt_htg_link(dt_prog_t *prog, const char *out)
{
	dt_link_opts_t lo = {.size = sizeof(lo)};
	dt_elf_err_t ee;
	char err[1024];
	int rc;

	lo.btf_path = getenv("HT_BTF"); /* NULL: /sys/kernel/btf/vmlinux */
	rc = dt_link(prog, &lo, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "htguest: link failed: %s\n", err);
	/* The error travels in the file too: the host prints it. */
	if (dt_elf_write_file(prog, out, &ee) != 0) {
		fprintf(stderr, "htguest: cannot write %s: %s\n", out, ee.msg);
		return 2;
	}
	return rc ? 1 : 0;
}

/* Writes one command line to the module; 0 or -1. */
static int dt_htg_cmd(int fd, const char *line)
{
	size_t n = strlen(line);

	return write(fd, line, n) == (ssize_t)n ? 0 : -1;
}

typedef struct dt_htg_probe {
	char name[64]; /* syscall name */
	int ret;       /* return probe */
	unsigned id;
} dt_htg_probe_t;

/* The probes of prog that this machine has, from the module's list. */
static int dt_htg_match(const dt_prog_t *prog, dt_htg_probe_t **pp, int *np)
{
	char line[256], host[256] = "";
	struct utsname u;
	FILE *f = fopen(DT_HT_DEV, "r");
	dt_htg_probe_t *v = NULL;
	int n = 0;

	if (f == NULL) {
		fprintf(stderr, "htguest: %s: %s\n", DT_HT_DEV,
			strerror(errno));
		return -1;
	}
	gethostname(host, sizeof(host) - 1);
	uname(&u);
	while (fgets(line, sizeof(line), f) != NULL) {
		char prov[64], mod[64], func[64], name[64];
		unsigned id;
		int hit = 0;

		if (sscanf(line, "%u %63[^:]:%63[^:]:%63[^:]:%63s", &id, prov,
			   mod, func, name) != 5)
			continue;
		for (uint32_t s = 0; s < prog->nstmts && !hit; s++)
			for (uint32_t d = 0; d < prog->stmts[s].ndesc && !hit;
			     d++) {
				const dt_probedesc_t *pd =
				    &prog->stmts[s].descs[d];

				hit =
				    dt_link_target_match(pd->target,
							 DT_RESOLVE_HOSTNAME |
							     DT_RESOLVE_VERSION,
							 host, u.release) &&
				    dt_glob_match(pd->provider, prov) &&
				    dt_glob_match(pd->module, mod) &&
				    dt_glob_match(pd->function, func) &&
				    dt_glob_match(pd->name, name);
			}
		if (!hit)
			continue;
		dt_htg_probe_t *nv = realloc(v, (size_t)(n + 1) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		snprintf(v[n].name, sizeof(v[n].name), "%s", func);
		v[n].ret = strcmp(name, "return") == 0;
		v[n].id = id;
		n++;
	}
	fclose(f);
	*pp = v;
	*np = n;
	return 0;
}

/*
 * The module has one on/off switch per probe, and several host consumers
 * may each have a program enabled here: each probe's users are counted in
 * a file (under an flock), and only the last one turns it off.
 */
#define DT_HTG_REFS "/tmp/htguest-refs"

static int dt_htg_lock(void)
{
	int fd;

	mkdir(DT_HTG_REFS, 0700);
	fd = open(DT_HTG_REFS "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		flock(fd, LOCK_EX);
	return fd;
}

/* Adds d to probe p's count (lock held); returns the new count. */
static long dt_htg_ref(const dt_htg_probe_t *p, int d)
{
	char path[256], b[32];
	long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), DT_HTG_REFS "/%s.%s",
		 p->ret ? "return" : "entry", p->name);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(b, sizeof(b), f) != NULL)
			n = atol(b);
		fclose(f);
	}
	n += d;
	if (n < 0)
		n = 0;
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%ld\n", n);
		fclose(f);
	}
	return n;
}

static int dt_htg_enable(const dt_prog_t *prog, const char *out)
{
	dt_htg_probe_t *v = NULL;
	char line[160], tmp[4096], batch[4000];
	const char *rfd = getenv("DTRACED_READY_FD");
	sigset_t set;
	FILE *f;
	int fd, lk, n = 0, sig, bad = 0;

	if (dt_htg_match(prog, &v, &n) != 0)
		return 1;
	if ((fd = open(DT_HT_DEV, O_WRONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "htguest: %s: %s\n", DT_HT_DEV,
			strerror(errno));
		free(v);
		return 1;
	}
	/* Blocked before enabling: a KILL arriving meanwhile still finds
	 * the probes to disable. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	lk = dt_htg_lock();
	for (int i = 0; i < n; i++)
		dt_htg_ref(&v[i], 1);
	/* Batched (the module takes up to 4 KiB a write): the first probes
	 * on see fewer of our own writes. A failed batch is retried line by
	 * line to count what failed. */
	for (int i = 0; i < n;) {
		size_t used = 0;
		int j = i;

		batch[0] = '\0';
		while (j < n && used + 100 < sizeof(batch)) {
			used += (size_t)snprintf(
			    batch + used, sizeof(batch) - used,
			    "enable %s %s sync\n",
			    v[j].ret ? "return" : "entry", v[j].name);
			j++;
		}
		if (dt_htg_cmd(fd, batch) != 0) {
			for (int k = i; k < j; k++) {
				snprintf(
				    line, sizeof(line), "enable %s %s sync\n",
				    v[k].ret ? "return" : "entry", v[k].name);
				if (dt_htg_cmd(fd, line) != 0) {
					fprintf(stderr, "htguest: %s", line);
					bad++;
				}
			}
		}
		i = j;
	}
	if (lk >= 0)
		close(lk);
	/* The answer: what is enabled here, for the host. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	if ((f = fopen(tmp, "w")) == NULL) {
		close(fd);
		free(v);
		return 2;
	}
	fprintf(f, "enabled %d probes (%d failed)\n", n - bad, bad);
	for (int i = 0; i < n; i++)
		fprintf(f, "%u syscall:vmlinux:%s:%s\n", v[i].id, v[i].name,
			v[i].ret ? "return" : "entry");
	if (fclose(f) != 0 || rename(tmp, out) != 0) {
		close(fd);
		free(v);
		return 2;
	}
	/* A workload waiting for tracing may start now. */
	close(open("/tmp/ht.enabled", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	/* dtraced sends the answer when we close the ready fd. */
	if (rfd != NULL)
		close(atoi(rfd));
	sigwait(&set, &sig);
	lk = dt_htg_lock();
	for (int i = 0; i < n; i++) {
		if (dt_htg_ref(&v[i], -1) > 0)
			continue; /* another program still uses it */
		snprintf(line, sizeof(line), "disable %s %s\n",
			 v[i].ret ? "return" : "entry", v[i].name);
		dt_htg_cmd(fd, line);
	}
	if (lk >= 0)
		close(lk);
	close(fd);
	free(v);
	return 0;
}

int dt_ht_guest_main(const char *in, const char *out)
{
	static const uint8_t zero[16];
	dt_prog_t *prog = NULL;
	dt_elf_err_t ee;
	int rc;

	if (dt_elf_read_file(in, &prog, &ee) != 0) {
		fprintf(stderr, "htguest: %s: %s\n", in, ee.msg);
		return 1;
	}
	/* A program that was linked already and comes from the host is its
	 * ENABLE: the host checked it and wants its probes on. */
	if (memcmp(prog->srcident, zero, sizeof(zero)) != 0 &&
	    prog->link_error == NULL)
		rc = dt_htg_enable(prog, out);
	else
		rc = dt_htg_link(prog, out);
	dt_prog_free(prog);
	return rc;
}
