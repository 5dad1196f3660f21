/*
 * dt_hp_open.c: the host probe handle: open/close, errors, enabling a probe
 * under an engine probe id (its tracepoint, in-kernel filters, argument
 * layout, and the sorted perf-id table the poller demuxes with), go/stop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/dt_error.h"
#include "providers/host/dt_hp_impl.h"

int dt_hp_seterr(dt_hostprobe_t *h, int err, const char *fmt, ...)
{
	va_list ap;

	h->err = err;
	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	return -1;
}

int dt_hostprobe_errno(const dt_hostprobe_t *h)
{
	return h->err;
}

const char *dt_hostprobe_errmsg(const dt_hostprobe_t *h)
{
	return h->errmsg[0] ? h->errmsg : dt_errmsg(h->err);
}

static bool pow2(size_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

dt_hostprobe_t *dt_hostprobe_open(const struct dt_hostprobe_opts *opts,
				  int *errp)
{
	struct dt_hostprobe_opts o;
	dt_hostprobe_t *h;
	size_t ring, wm;
	char path[300];

	memset(&o, 0, sizeof(o));
	if (opts != NULL) {
		if (opts->size < sizeof(size_t) || opts->size > sizeof(o)) {
			/* A larger struct from a newer caller: only accept
			 * it if the unknown tail is zero. */
			if (opts->size <= sizeof(size_t)) {
				*errp = EDT_INVAL;
				return NULL;
			}
			for (size_t i = sizeof(o); i < opts->size; i++)
				if (((const char *)opts)[i] != 0) {
					*errp = EDT_INVAL;
					return NULL;
				}
		}
		memcpy(&o, opts,
		       opts->size < sizeof(o) ? opts->size : sizeof(o));
	}
	ring = o.ring_kib ? (size_t)o.ring_kib * 1024 : 1024 * 1024;
	wm = o.watermark_kib ? (size_t)o.watermark_kib * 1024 : ring / 16;
	if (!pow2(ring) || ring < 8192 || wm >= ring) {
		*errp = EDT_INVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		*errp = EDT_NOMEM;
		return NULL;
	}
	h->bpfmap = -1;
	h->muxmap = -1;
	{
		/* Each enabled probe takes one fd per CPU (and per target
		 * thread): syscall:::entry alone is 360 x ncpus. */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	h->self = getpid();
	h->target = o.target_pid;
	h->exclude_self = o.exclude_self >= 0;
	h->sync_close = o.sync_close;
	if (dt_hp_tracefs_find(o.tracefs, h->tracefs, sizeof(h->tracefs)) !=
	    0) {
		*errp = errno == EPERM ? EPERM : EDT_NOTSUP;
		free(h);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/available_events", h->tracefs);
	h->events = dt_hp_read_file(path, NULL);
	if (h->events == NULL || dt_hp_rings_open(h, ring, wm) != 0) {
		*errp = h->events == NULL ? EDT_IO : h->err;
		dt_hostprobe_close(h);
		return NULL;
	}
	return h;
}

void dt_hp_enab_free(dt_hp_enab_t *en)
{
	for (int i = 0; i < en->nev; i++)
		if (en->ev[i].fd >= 0)
			close(en->ev[i].fd);
	if (en->prog > 0)
		close(en->prog - 1);
	free(en->ev);
	free(en->fmt);
	free(en);
}

/*
 * Closing the last perf event of a tracepoint waits for an RCU grace period
 * under the kernel's event_mutex (~40 ms each here, serialised: 720 syscall
 * probes took 28 s, in close() or in exit()). So with many probes the
 * (already disabled) events are handed to a detached grandchild that keeps
 * only them open and lets the kernel tear them down after we are gone.
 */
static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

static void close_in_background(dt_hostprobe_t *h)
{
	int nfd = 0, k = 0, *fds;
	pid_t pid;

	int ntp = 0;

	for (int i = 0; i < h->nenabs; i++) {
		nfd += h->enabs[i]->nev;
		ntp += h->enabs[i]->nev > 0;
	}
	if (h->sync_close || ntp < 16 || nfd == 0 ||
	    (fds = malloc(sizeof(int) * (size_t)nfd)) == NULL)
		return;
	for (int i = 0; i < h->nenabs; i++)
		for (int j = 0; j < h->enabs[i]->nev; j++)
			fds[k++] = h->enabs[i]->ev[j].fd;
	qsort(fds, (size_t)nfd, sizeof(int), cmp_int);
	pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls from here: we may have been
		 * forked from a multi-threaded process. */
		int lo = 0;
		if (fork() != 0)
			_exit(0);
		setsid();
		/* Close everything but the perf fds (pipes, sockets, tty:
		 * nobody must wait for us). */
		for (int i = 0; i <= nfd; i++) {
			int hi = i < nfd ? fds[i] - 1 : 0x7fffffff;
			if (hi >= lo)
				syscall(SYS_close_range, (unsigned)lo,
					(unsigned)hi, 0);
			lo = i < nfd ? fds[i] + 1 : lo;
		}
		_exit(0); /* exit() closes the perf fds, slowly */
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	free(fds);
}

void dt_hostprobe_close(dt_hostprobe_t *h)
{
	if (h == NULL)
		return;
	if (h->going)
		dt_hostprobe_go(h, 0);
	close_in_background(h);
	for (int i = 0; i < h->nenabs; i++)
		dt_hp_enab_free(h->enabs[i]);
	free(h->enabs);
	free(h->ids);
	dt_hp_rings_close(h);
	if (h->bpfmap >= 0)
		close(h->bpfmap);
	if (h->muxmap >= 0)
		close(h->muxmap);
	dt_hp_fbt_free(h);
	dt_hp_task_free(h);
	free(h->sysnr);
	free(h->events);
	free(h);
}

static int by_perf_id(const void *a, const void *b)
{
	uint64_t x = ((const dt_hp_idmap_t *)a)->perf_id;
	uint64_t y = ((const dt_hp_idmap_t *)b)->perf_id;
	return x < y ? -1 : x > y;
}

int dt_hp_enab_ids(dt_hostprobe_t *h, dt_hp_enab_t *en)
{
	if (en->nev == 0)
		return 0; /* deferred: no events yet */
	dt_hp_idmap_t *nv =
	    realloc(h->ids, sizeof(*nv) * (size_t)(h->nids + en->nev));

	if (nv == NULL)
		return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	h->ids = nv;
	for (int i = 0; i < en->nev; i++) {
		h->ids[h->nids].perf_id = en->ev[i].perf_id;
		h->ids[h->nids].en = en;
		h->nids++;
	}
	qsort(h->ids, (size_t)h->nids, sizeof(*h->ids), by_perf_id);
	return 0;
}

int dt_hostprobe_enable(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
			uint32_t id)
{
	const dt_hp_procmap_t *pm;
	char cat[128], ev[192];
	dt_hp_enab_t *en;
	int kind;

	h->err = 0;
	h->errmsg[0] = '\0';
	{
		pid_t pid;

		if (dt_hp_is_pidprov(pd->prv, &pid))
			return dt_hp_uprobe_enable(h, pd, id);
	}
	if (dt_hp_resolve(h, pd, &kind, &pm, cat, sizeof(cat), ev,
			  sizeof(ev)) != 0)
		return -1;
	if (kind == DT_HPK_FBT)
		return dt_hp_fbt_enable(h, pd, id);
	en = calloc(1, sizeof(*en));
	if (en == NULL)
		return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	en->probe_id = id;
	en->kind = kind;
	en->pm = pm;
	en->fmt = dt_hp_load_format(h, cat, ev);
	if (en->fmt == NULL ||
	    dt_hp_layout(h, kind, pm, en->fmt, en, NULL) != 0)
		goto fail;
	if ((kind == DT_HPK_SYSCALL_ENTRY || kind == DT_HPK_SYSCALL_RETURN) &&
	    !h->started && (en->sysnr = dt_hp_sysnr(h, pd->func)) >= 0 &&
	    en->sysnr < DT_HP_MAXSYSNR) {
		/* Opened at the first go, maybe through raw_syscalls. */
		en->deferred = true;
	} else if (dt_hp_enab_open(h, en, en->fmt->id,
				   pm ? pm->filter : NULL) != 0) {
		goto fail;
	}
	return dt_hp_enab_add(h, en);
fail:
	dt_hp_enab_free(en);
	return -1;
}

int dt_hp_enab_add(dt_hostprobe_t *h, dt_hp_enab_t *en)
{
	switch (dt_hp_enab_register(h, en)) {
	case 0:
		return 0;
	case -2:
		return -1; /* registered, freed with the handle */
	default:
		dt_hp_enab_free(en);
		return -1;
	}
}

int dt_hp_enab_register(dt_hostprobe_t *h, dt_hp_enab_t *en)
{
	dt_hp_enab_t **nv =
	    realloc(h->enabs, sizeof(*nv) * (size_t)(h->nenabs + 1));

	if (nv == NULL)
		return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	h->enabs = nv;
	if (dt_hp_enab_ids(h, en) != 0)
		return -1;
	h->enabs[h->nenabs++] = en;
	/* Registered now: freed with the handle even if starting fails. */
	if (h->going && dt_hp_enab_go(h, en, 1) != 0)
		return -2;
	return 0;
}

int dt_hostprobe_go(dt_hostprobe_t *h, int go)
{
	if (go && !h->started) {
		h->started = 1;
		if (dt_hp_sysmux_start(h) != 0)
			return -1;
	}
	for (int i = 0; i < h->nenabs; i++)
		if (dt_hp_enab_go(h, h->enabs[i], go) != 0)
			return -1;
	h->going = go;
	return 0;
}
