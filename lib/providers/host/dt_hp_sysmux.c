/*
 * dt_hp_sysmux.c: serving many syscall probes from raw_syscalls. Every
 * syscalls/sys_enter_X tracepoint costs ~40 ms of serialised kernel time to
 * tear down (RCU under event_mutex: syscall:::entry,return took 28 s), so
 * when 16 or more syscall probes of one direction are enabled before
 * dt_hostprobe_go(), they share raw_syscalls:sys_enter (or sys_exit) with an
 * in-kernel filter on the syscall number, and records are demuxed by it.
 *
 * Numbers come from the x86-64 ABI header (asm/unistd_64.h, read at run
 * time) plus the few syscalls whose tracepoint is named after a different
 * entry point; a syscall without a number keeps its own tracepoint.
 * Known gap: raw_syscalls also reports 32-bit compat syscalls, with compat
 * numbers (the per-syscall tracepoints ignore them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dt_error.h"
#include "providers/host/dt_hp_impl.h"

#define MUX_MIN 16

/* Tracepoint name -> ABI (__NR_) name where they differ. */
static const char *const alias[][2] = {
    {"newstat", "stat"},   {"newfstat", "fstat"},      {"newlstat", "lstat"},
    {"newuname", "uname"}, {"sendfile64", "sendfile"}, {"umount", "umount2"},
};

static void load_table(dt_hostprobe_t *h)
{
	static const char *const hdr[] = {
	    "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
	    "/usr/include/asm/unistd_64.h",
	};
	char *s = NULL;

	h->sysnr_loaded = 1;
#if defined(__x86_64__)
	for (size_t i = 0; i < 2 && s == NULL; i++)
		s = dt_hp_read_file(hdr[i], NULL);
#endif
	if (s == NULL)
		return;
	for (char *p = strstr(s, "#define __NR_"); p != NULL;
	     p = strstr(p + 1, "#define __NR_")) {
		char name[48];
		int nr;

		if (sscanf(p, "#define __NR_%47s %d", name, &nr) != 2 ||
		    nr < 0 || nr >= DT_HP_MAXSYSNR)
			continue;
		dt_hp_sysnr_t *nv =
		    realloc(h->sysnr, sizeof(*nv) * (size_t)(h->nsysnr + 1));
		if (nv == NULL)
			break;
		h->sysnr = nv;
		snprintf(h->sysnr[h->nsysnr].name,
			 sizeof(h->sysnr[h->nsysnr].name), "%s", name);
		h->sysnr[h->nsysnr].nr = nr;
		h->nsysnr++;
	}
	free(s);
}

int dt_hp_sysnr(dt_hostprobe_t *h, const char *tpname)
{
	const char *n = tpname;

	if (!h->sysnr_loaded)
		load_table(h);
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(alias[i][0], tpname) == 0)
			n = alias[i][1];
	for (int i = 0; i < h->nsysnr; i++)
		if (strcmp(h->sysnr[i].name, n) == 0)
			return h->sysnr[i].nr;
	return -1;
}

/* "(id >= a && id <= b) || id == c ..." over the set numbers. */
static int build_idfilter(dt_hp_enab_t *const *map, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int a = 0; a < DT_HP_MAXSYSNR; a++) {
		int b = a;
		int w;

		if (map[a] == NULL)
			continue;
		while (b + 1 < DT_HP_MAXSYSNR && map[b + 1] != NULL)
			b++;
		if (a == b)
			w = snprintf(buf + o, len - o, "%sid == %d",
				     o ? " || " : "", a);
		else
			w = snprintf(buf + o, len - o,
				     "%s(id >= %d && id <= %d)",
				     o ? " || " : "", a, b);
		if (w < 0 || (size_t)w >= len - o)
			return -1;
		o += (size_t)w;
		a = b;
	}
	return 0;
}

/* Opens the shared raw_syscalls event for one direction. */
static int open_mux(dt_hostprobe_t *h, int ret)
{
	char filter[3072], own[3100];
	dt_hp_enab_t *mux = calloc(1, sizeof(*mux));
	int r;

	if (mux == NULL)
		return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	mux->kind = ret ? DT_HPK_SYSMUX_RETURN : DT_HPK_SYSMUX_ENTRY;
	mux->fmt = dt_hp_load_format(h, "raw_syscalls",
				     ret ? "sys_exit" : "sys_enter");
	if (mux->fmt == NULL || dt_hp_format_field(mux->fmt, "id") == NULL ||
	    dt_hp_format_field(mux->fmt, ret ? "ret" : "args") == NULL ||
	    build_idfilter(h->mux[ret], filter, sizeof(filter)) != 0) {
		if (h->err == 0)
			dt_hp_seterr(h, EDT_PROVIDER,
				     "raw_syscalls unusable for syscall "
				     "probes");
		dt_hp_enab_free(mux);
		return -1;
	}
	snprintf(own, sizeof(own), "%s", filter);
	if (dt_hp_enab_open(h, mux, mux->fmt->id, own) != 0) {
		dt_hp_enab_free(mux);
		return -1;
	}
	r = dt_hp_enab_register(h, mux);
	if (r == -1)
		dt_hp_enab_free(mux);
	return r == 0 ? 0 : -1;
}

/*
 * At the first go: the deferred syscall probes (en->mux_nr >= 0, no perf
 * events yet) either share raw_syscalls or get their own tracepoints.
 */
int dt_hp_sysmux_start(dt_hostprobe_t *h)
{
	for (int ret = 0; ret < 2; ret++) {
		int kind = ret ? DT_HPK_SYSCALL_RETURN : DT_HPK_SYSCALL_ENTRY;
		int n = 0;

		for (int i = 0; i < h->nenabs; i++) {
			dt_hp_enab_t *en = h->enabs[i];
			if (en->kind == kind && en->deferred &&
			    h->mux[ret][en->sysnr] == NULL) {
				h->mux[ret][en->sysnr] = en;
				n++;
			}
		}
		if (n < MUX_MIN || open_mux(h, ret) != 0)
			memset(h->mux[ret], 0, sizeof(h->mux[ret]));
		/* The rest (few, duplicates, or no raw_syscalls): one
		 * tracepoint each. */
		for (int i = 0; i < h->nenabs; i++) {
			dt_hp_enab_t *en = h->enabs[i];
			if (en->kind != kind || !en->deferred)
				continue;
			en->deferred = false;
			if (h->mux[ret][en->sysnr] == en)
				continue;
			if (dt_hp_enab_open(h, en, en->fmt->id, NULL) != 0 ||
			    dt_hp_enab_ids(h, en) != 0)
				return -1;
		}
	}
	return 0;
}
