/*
 * dt_hp_perf.c: the perf_event_open side: one ring per CPU owned by a dummy
 * software event (which also reports COMM/FORK/EXIT side-band records for
 * the task cache), and per enabled probe one tracepoint event per CPU (or
 * per CPU and target thread, inherited by what the target creates), all
 * redirected into that CPU's ring, demuxed later by PERF_SAMPLE_IDENTIFIER.
 *
 * Wakeups are by watermark only: per-event wakeups cost ~12 us each in a
 * VM (notes/host-probes.md), so the consumer also polls with a timeout.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/dt_error.h"
#include "providers/host/dt_hp_impl.h"

#define SAMPLE_TYPE                                                            \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |         \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_RAW)

static long sysfs_num(const char *path, const char *skip);

static int perf_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

void dt_hp_attr_base(struct perf_event_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->sample_period = 1;
	a->sample_type = SAMPLE_TYPE;
	a->disabled = 1;
	/* Timestamps in DTrace's clock: no conversion needed later. */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
}

/* Online CPUs from /sys/devices/system/cpu/online ("0-3,5"). */
static int online_cpus(int **cpus)
{
	char *s = dt_hp_read_file("/sys/devices/system/cpu/online", NULL);
	int n = 0, cap = 16;
	int *v = malloc(sizeof(int) * (size_t)cap);
	char *p = s;

	if (s == NULL || v == NULL) {
		free(s);
		free(v);
		return -1;
	}
	while (*p != '\0' && *p != '\n') {
		char *e;
		long a = strtol(p, &e, 10), b = a;
		if (e == p)
			break;
		if (*e == '-')
			b = strtol(e + 1, &e, 10);
		for (long c = a; c <= b; c++) {
			if (n == cap) {
				int *nv = realloc(v, sizeof(int) *
							 (size_t)(cap *= 2));
				if (nv == NULL) {
					free(v);
					free(s);
					return -1;
				}
				v = nv;
			}
			v[n++] = (int)c;
		}
		p = *e == ',' ? e + 1 : e;
	}
	free(s);
	*cpus = v;
	return n;
}

int dt_hp_rings_open(dt_hostprobe_t *h, size_t ringsz, size_t watermark)
{
	long pg = sysconf(_SC_PAGESIZE);
	int n = online_cpus(&h->cpus);

	if (n <= 0)
		return dt_hp_seterr(h, EDT_PROVIDER, "cannot list online CPUs");
	h->ncpus = n;
	h->rings = calloc((size_t)n, sizeof(*h->rings));
	h->copies = calloc((size_t)n, sizeof(*h->copies));
	if (h->rings == NULL || h->copies == NULL)
		return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	for (int i = 0; i < n; i++)
		h->rings[i].fd = -1;
	h->ringsz = ringsz;
	h->watermark = watermark;
	for (int i = 0; i < n; i++) {
		struct perf_event_attr a;
		dt_hp_ring_t *r = &h->rings[i];

		dt_hp_attr_base(&a);
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_DUMMY;
		a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID |
				PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
		a.sample_id_all = 1;
		a.comm = 1;
		a.comm_exec = 1;
		a.task = 1;
		a.watermark = 1;
		a.wakeup_watermark = (uint32_t)watermark;
		a.disabled = 0;
		r->cpu = h->cpus[i];
		r->fd = perf_open(&a, -1, r->cpu);
		if (r->fd < 0)
			return dt_hp_seterr(h, EDT_PROVIDER,
					    "perf_event_open(dummy, cpu %d): "
					    "%s",
					    r->cpu, strerror(errno));
		r->datasz = ringsz;
		r->base = mmap(NULL, (size_t)pg + ringsz,
			       PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
		if (r->base == MAP_FAILED) {
			r->base = NULL;
			return dt_hp_seterr(
			    h, EDT_PROVIDER,
			    "mmap of the cpu %d ring (%zu KiB): "
			    "%s",
			    r->cpu, ringsz / 1024, strerror(errno));
		}
		r->scratch = malloc(65536);
		if (r->scratch == NULL)
			return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	}
	return 0;
}

void dt_hp_rings_close(dt_hostprobe_t *h)
{
	long pg = sysconf(_SC_PAGESIZE);

	for (int i = 0; h->rings != NULL && i < h->ncpus; i++) {
		dt_hp_ring_t *r = &h->rings[i];
		if (r->base != NULL)
			munmap(r->base, (size_t)pg + r->datasz);
		if (r->fd >= 0)
			close(r->fd);
		free(r->scratch);
	}
	free(h->rings);
	h->rings = NULL;
	free(h->copies);
	h->copies = NULL;
	free(h->cpus);
	h->cpus = NULL;
}

/* Thread ids of a process, from /proc/<pid>/task. */
static int list_tids(pid_t pid, pid_t **out)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int n = 0, cap = 8;
	pid_t *v = malloc(sizeof(pid_t) * (size_t)cap);

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL || v == NULL) {
		if (d)
			closedir(d);
		free(v);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		long t = strtol(de->d_name, NULL, 10);
		if (t <= 0)
			continue;
		if (n == cap) {
			pid_t *nv =
			    realloc(v, sizeof(pid_t) * (size_t)(cap *= 2));
			if (nv == NULL)
				break;
			v = nv;
		}
		v[n++] = (pid_t)t;
	}
	closedir(d);
	*out = v;
	return n;
}

/* Builds the in-kernel filter: the probe's own and "not us". */
static int build_filter(dt_hostprobe_t *h, const char *own, char *buf,
			size_t len)
{
	size_t o = 0;
	pid_t *tids = NULL;
	int n = 0;

	buf[0] = '\0';
	if (own != NULL) {
		int w = snprintf(buf, len, "(%s)", own);
		if (w < 0 || (size_t)w >= len)
			return -1;
		o = (size_t)w;
	}
	if (h->target != 0 || !h->exclude_self)
		return 0;
	n = list_tids(h->self, &tids);
	/* Stops adding threads when full: less exclusion, still valid. */
	for (int i = 0; i < n && o + 40 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%scommon_pid != %d",
				      o ? " && " : "", (int)tids[i]);
	free(tids);
	return 0;
}

static int add_event(dt_hostprobe_t *h, dt_hp_enab_t *en,
		     const struct perf_event_attr *tmpl, const char *filter,
		     bool filter_optional, pid_t pid, int ringidx)
{
	struct perf_event_attr a = *tmpl;
	dt_hp_pevent_t *nv;
	int fd;
	uint64_t id;

	a.inherit = pid != -1;
	fd = perf_open(&a, pid, h->rings[ringidx].cpu);
	if (fd < 0)
		return dt_hp_seterr(h, EDT_PROVIDER,
				    "perf_event_open(type %u, config %llu, "
				    "pid %d, cpu %d): %s",
				    a.type, (unsigned long long)a.config,
				    (int)pid, h->rings[ringidx].cpu,
				    strerror(errno));
	if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, h->rings[ringidx].fd) != 0) {
		int e = errno;
		close(fd);
		return dt_hp_seterr(h, EDT_PROVIDER,
				    "PERF_EVENT_IOC_SET_OUTPUT: %s",
				    strerror(e));
	}
	if (filter[0] != '\0' &&
	    ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) != 0 &&
	    !filter_optional) {
		int e = errno;
		close(fd);
		return dt_hp_seterr(h, EDT_PROVIDER,
				    "in-kernel filter \"%s\" refused: %s",
				    filter, strerror(e));
	}
	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) != 0) {
		int e = errno;
		close(fd);
		return dt_hp_seterr(h, EDT_PROVIDER, "PERF_EVENT_IOC_ID: %s",
				    strerror(e));
	}
	nv = realloc(en->ev, sizeof(*nv) * (size_t)(en->nev + 1));
	if (nv == NULL) {
		close(fd);
		return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	}
	en->ev = nv;
	en->ev[en->nev].fd = fd;
	en->ev[en->nev].perf_id = id;
	en->nev++;
	return 0;
}

/* One event per CPU, or per CPU and target thread (inherited). */
static int open_all(dt_hostprobe_t *h, dt_hp_enab_t *en,
		    const struct perf_event_attr *a, const char *own_filter,
		    bool filter_optional)
{
	char filter[4096];

	if (build_filter(h, own_filter, filter, sizeof(filter)) != 0)
		return dt_hp_seterr(h, EDT_PROVIDER,
				    "in-kernel filter too long");
	if (h->target != 0) {
		pid_t *tids = NULL;
		int n = list_tids(h->target, &tids);

		if (n <= 0)
			return dt_hp_seterr(h, EDT_PROVIDER,
					    "target process %d not found",
					    (int)h->target);
		for (int t = 0; t < n; t++)
			for (int i = 0; i < h->ncpus; i++)
				if (add_event(h, en, a, filter, filter_optional,
					      tids[t], i) != 0) {
					free(tids);
					return -1;
				}
		free(tids);
		return 0;
	}
	for (int i = 0; i < h->ncpus; i++)
		if (add_event(h, en, a, filter, filter_optional, -1, i) != 0)
			return -1;
	return 0;
}

int dt_hostprobe_set_stacks(dt_hostprobe_t *h, uint32_t kframes,
			    uint32_t uframes)
{
	/* deeper stacks than we keep are cut, as the kernel cuts them */
	h->kframes = kframes < DT_HP_MAXFRAMES ? kframes : DT_HP_MAXFRAMES;
	h->uframes = uframes < DT_HP_MAXFRAMES ? uframes : DT_HP_MAXFRAMES;
	return 0;
}

/* Asks for the call stacks dt_hostprobe_set_stacks() set, within the
 * kernel's limit (a larger sample_max_stack makes the open fail). */
static void stack_attr(dt_hostprobe_t *h, dt_hp_enab_t *en,
		       struct perf_event_attr *a)
{
	uint32_t want = h->kframes + h->uframes;
	long cap;

	en->callchain = want != 0;
	if (want == 0)
		return; /* most programs: no file read per enabling */
	cap = sysfs_num("/proc/sys/kernel/perf_event_max_stack", NULL);
	if (cap > 0 && want > (uint32_t)cap)
		want = (uint32_t)cap;
	a->sample_type |= PERF_SAMPLE_CALLCHAIN;
	a->exclude_callchain_kernel = h->kframes == 0;
	a->exclude_callchain_user = h->uframes == 0;
	a->sample_max_stack = (uint16_t)want;
}

int dt_hp_add_event(dt_hostprobe_t *h, dt_hp_enab_t *en,
		    const struct perf_event_attr *a, pid_t pid, int ring)
{
	return add_event(h, en, a, "", true, pid, ring);
}

int dt_hostprobe_enable_profile(dt_hostprobe_t *h, uint64_t period_ns,
				uint32_t id)
{
	struct perf_event_attr a;
	dt_hp_enab_t *en;

	h->err = 0;
	h->errmsg[0] = '\0';
	if (period_ns == 0)
		return dt_hp_seterr(h, EDT_INVAL, "profile period of 0");
	en = calloc(1, sizeof(*en));
	if (en == NULL)
		return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	en->probe_id = id;
	en->kind = DT_HPK_PROFILE;
	en->nargs = 2;
	dt_hp_attr_base(&a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK; /* counts nanoseconds */
	a.sample_period = period_ns;
	a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP |
			PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
	stack_attr(h, en, &a);
	for (int i = 0; i < h->ncpus; i++)
		if (add_event(h, en, &a, "", true, -1, i) != 0) {
			dt_hp_enab_free(en);
			return -1;
		}
	return dt_hp_enab_add(h, en);
}

int dt_hp_enab_open(dt_hostprobe_t *h, dt_hp_enab_t *en, uint32_t tp_id,
		    const char *own_filter)
{
	struct perf_event_attr a;

	dt_hp_attr_base(&a);
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = tp_id;
	stack_attr(h, en, &a);
	if (open_all(h, en, &a, own_filter, false) != 0)
		return -1;
	return dt_hp_bpf_attach(h, en);
}

/* Reads a small integer from a sysfs file, after a prefix; -1 if absent. */
static long sysfs_num(const char *path, const char *skip)
{
	char *s = dt_hp_read_file(path, NULL);
	long v = -1;

	if (s != NULL) {
		const char *p = s;
		if (skip != NULL && strncmp(p, skip, strlen(skip)) == 0)
			p += strlen(skip);
		v = strtol(p, NULL, 10);
		free(s);
	}
	return v;
}

/* The kprobe or uprobe PMU: its type and its retprobe bit, from sysfs. */
static int probe_pmu(dt_hostprobe_t *h, const char *pmu, bool retprobe,
		     struct perf_event_attr *a)
{
	char path[128];
	long type, rbit;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type",
		 pmu);
	type = sysfs_num(path, NULL);
	snprintf(path, sizeof(path),
		 "/sys/bus/event_source/devices/%s/format/retprobe", pmu);
	rbit = sysfs_num(path, "config:");
	if (type < 0)
		return dt_hp_seterr(h, EDT_NOTSUP, "no %s PMU", pmu);
	dt_hp_attr_base(a);
	a->type = (uint32_t)type;
	a->config = retprobe ? 1ull << (rbit >= 0 ? rbit : 0) : 0;
	return 0;
}

/*
 * fbt through the kprobe PMU: arguments from the interrupted registers
 * (x86-64 SysV: rdi, rsi, rdx, rcx, r8, r9), the return value from rax.
 * NOT TESTED: the development host has no kprobes (CONFIG_KPROBES off).
 */
int dt_hp_enab_open_kprobe(dt_hostprobe_t *h, dt_hp_enab_t *en,
			   const char *func, bool retprobe)
{
#if !defined(__x86_64__)
	return dt_hp_seterr(h, EDT_NOTSUP,
			    "fbt register arguments: x86-64 only so far");
#else
	struct perf_event_attr a;

	if (probe_pmu(h, "kprobe", retprobe, &a) != 0)
		return -1;
	a.config1 = (uint64_t)(uintptr_t)func; /* kprobe_func */
	a.config2 = 0;			       /* probe_offset */
	a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID |
			PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
			PERF_SAMPLE_REGS_INTR;
	a.sample_regs_intr = DT_HP_KPROBE_REGS;
	stack_attr(h, en, &a);
	/* A pid filter may not apply to kprobe events on every kernel. */
	return open_all(h, en, &a, NULL, true);
#endif
}

int dt_hp_enab_open_uprobe(dt_hostprobe_t *h, dt_hp_enab_t *en,
			   const char *path, uint64_t offset, bool retprobe,
			   pid_t pid)
{
#if !defined(__x86_64__)
	return dt_hp_seterr(h, EDT_NOTSUP,
			    "pid provider arguments: x86-64 only so far");
#else
	struct perf_event_attr a;
	pid_t *tids = NULL;
	int n;

	if (probe_pmu(h, "uprobe", retprobe, &a) != 0)
		return -1;
	a.config1 = (uint64_t)(uintptr_t)path; /* uprobe_path */
	a.config2 = offset;		       /* probe_offset */
	a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID |
			PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
			PERF_SAMPLE_REGS_USER;
	a.sample_regs_user = DT_HP_KPROBE_REGS;
	stack_attr(h, en, &a);
	/* the process's threads on each CPU, inherited by new ones */
	n = list_tids(pid, &tids);
	if (n <= 0)
		return dt_hp_seterr(h, EDT_PROVIDER, "process %d not found",
				    (int)pid);
	for (int t = 0; t < n; t++)
		for (int i = 0; i < h->ncpus; i++)
			if (add_event(h, en, &a, "", true, tids[t], i) != 0) {
				free(tids);
				return -1;
			}
	free(tids);
	return 0;
#endif
}

int dt_hp_enab_go(dt_hostprobe_t *h, dt_hp_enab_t *en, int go)
{
	for (int i = 0; i < en->nev; i++)
		if (ioctl(en->ev[i].fd,
			  go ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE,
			  0) != 0)
			return dt_hp_seterr(h, EDT_PROVIDER,
					    "cannot %s probe %u: %s",
					    go ? "enable" : "disable",
					    en->probe_id, strerror(errno));
	return 0;
}
