/*
 * dt_hp_fbt.c: the fbt provider on the host: probes listed from the kernel
 * BTF's FUNC entries (available_filter_functions may be unreadable), and
 * the feature probe that decides whether they can be enabled: the kprobe
 * PMU, or loading a trivial BPF fentry program. Enabling goes through the
 * kprobe PMU when there is one (register arguments; untested, since the
 * development host has no kprobes); the BPF fentry path is not written
 * yet; otherwise enabling fails with a message saying what this kernel
 * lacks.
 */
/* Names are truncated on purpose when they do not fit. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dt_error.h"
#include "providers/host/dt_hp_impl.h"

static struct btf *vmlinux_btf(dt_hostprobe_t *h)
{
	if (h->btf == NULL) {
		struct btf *b = btf__load_vmlinux_btf();
		if (b == NULL || libbpf_get_error(b) != 0) {
			dt_hp_seterr(h, EDT_NOBTF, "cannot load kernel BTF");
			return NULL;
		}
		h->btf = b;
	}
	return h->btf;
}

void dt_hp_fbt_free(dt_hostprobe_t *h)
{
	if (h->btf != NULL)
		btf__free(h->btf);
	h->btf = NULL;
}

/* A C spelling of a BTF type, good enough for argument listings. */
static void type_name(const struct btf *b, uint32_t id, char *buf, size_t len,
		      int depth)
{
	const struct btf_type *t;
	const char *n;
	char inner[96];

	if (id == 0 || depth > 8) {
		snprintf(buf, len, "void");
		return;
	}
	t = btf__type_by_id(b, id);
	if (t == NULL) {
		snprintf(buf, len, "void");
		return;
	}
	n = btf__name_by_offset(b, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		type_name(b, t->type, inner, sizeof(inner), depth + 1);
		snprintf(buf, len, "%s *", inner);
		break;
	case BTF_KIND_CONST:
		type_name(b, t->type, inner, sizeof(inner), depth + 1);
		snprintf(buf, len, "const %s", inner);
		break;
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		type_name(b, t->type, buf, len, depth + 1);
		break;
	case BTF_KIND_STRUCT:
		snprintf(buf, len, "struct %s", n);
		break;
	case BTF_KIND_UNION:
		snprintf(buf, len, "union %s", n);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		snprintf(buf, len, "enum %s", n);
		break;
	case BTF_KIND_FUNC_PROTO:
		snprintf(buf, len, "void (*)()");
		break;
	case BTF_KIND_ARRAY:
		snprintf(buf, len, "void *");
		break;
	default:
		snprintf(buf, len, "%s", n && *n ? n : "void");
		break;
	}
}

static void fbt_args(const struct btf *b, const struct btf_type *fn, int ret,
		     dt_hostprobe_info_t *pi)
{
	const struct btf_type *proto = btf__type_by_id(b, fn->type);
	const struct btf_param *p;
	int n;

	pi->nargs = 0;
	if (proto == NULL || !btf_is_func_proto(proto))
		return;
	if (ret) {
		/* arg0: the return offset (unknown), arg1: the value. */
		snprintf(pi->args[0].type, sizeof(pi->args[0].type), "int");
		type_name(b, proto->type, pi->args[1].type,
			  sizeof(pi->args[1].type), 0);
		pi->nargs = 2;
		return;
	}
	p = btf_params(proto);
	n = btf_vlen(proto);
	for (int i = 0; i < n && i < DT_HOSTPROBE_NARGS; i++) {
		snprintf(pi->args[i].name, sizeof(pi->args[i].name), "%s",
			 btf__name_by_offset(b, p[i].name_off));
		type_name(b, p[i].type, pi->args[i].type,
			  sizeof(pi->args[i].type), 0);
		pi->args[i].kind = DT_HOSTARG_KERNPTR;
		pi->nargs = i + 1;
	}
}

/* Decides once whether fbt probes can be enabled, and why not. */
static int fbt_feature(dt_hostprobe_t *h, int func_id)
{
	struct bpf_insn prog[2];
	int fd;

	if (h->fbt_state != 0)
		return h->fbt_state;
	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0) {
		h->fbt_state = 1;
		snprintf(h->fbt_why, sizeof(h->fbt_why),
			 "the kprobe PMU is available");
		return 1;
	}
	memset(prog, 0, sizeof(prog));
	prog[0].code = BPF_ALU64 | BPF_MOV | BPF_K; /* r0 = 0 */
	prog[1].code = BPF_JMP | BPF_EXIT;
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (uint32_t)func_id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ht_fbt_probe", "GPL", prog,
			   2, &o);
	if (fd >= 0) {
		close(fd);
		h->fbt_state = 1;
		snprintf(h->fbt_why, sizeof(h->fbt_why),
			 "BPF fentry programs load");
		return 1;
	}
	h->fbt_state = -1;
	snprintf(h->fbt_why, sizeof(h->fbt_why),
		 "this kernel has no kprobe PMU (CONFIG_KPROBES off) and "
		 "refuses BPF fentry programs (%s)",
		 strerror(errno));
	return -1;
}

int dt_hp_fbt_iter(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd, int flags,
		   dt_hostprobe_iter_f *cb, void *arg, int *count)
{
	struct btf *b;
	uint32_t n;
	/* Only the kprobe PMU path can enable fbt so far. */
	int can =
	    access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0;

	if (!dt_hp_match(pd ? pd->mod : NULL, "vmlinux"))
		return 0;
	b = vmlinux_btf(h);
	if (b == NULL)
		return 0; /* no BTF: no fbt probes, not an error */
	n = btf__type_cnt(b);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b, id);
		const char *fn;

		if (!btf_is_func(t))
			continue;
		fn = btf__name_by_offset(b, t->name_off);
		if (fn == NULL || !dt_hp_match(pd ? pd->func : NULL, fn))
			continue;
		for (int ret = 0; ret < 2; ret++) {
			dt_hostprobe_info_t pi;
			const char *nm = ret ? "return" : "entry";
			int r;

			if (!dt_hp_match(pd ? pd->name : NULL, nm))
				continue;
			memset(&pi, 0, sizeof(pi));
			pi.desc.prv = "fbt";
			pi.desc.mod = "vmlinux";
			pi.desc.func = fn;
			pi.desc.name = nm;
			pi.nargs = -1;
			pi.enableable = can;
			if (flags & DT_HOSTPROBE_ITER_ARGS)
				fbt_args(b, t, ret, &pi);
			(*count)++;
			if (cb != NULL && (r = cb(arg, &pi)) != 0)
				return r;
		}
	}
	return 0;
}

/* Enables through the kprobe PMU (untested: this host has no kprobes). */
static int fbt_kprobe(dt_hostprobe_t *h, const struct btf *b, int fid,
		      const dt_hostprobe_desc_t *pd, uint32_t id)
{
	const struct btf_type *fn = btf__type_by_id(b, (uint32_t)fid);
	const struct btf_type *proto = btf__type_by_id(b, fn->type);
	bool ret = strcmp(pd->name, "return") == 0;
	dt_hp_enab_t *en = calloc(1, sizeof(*en));
	int r;

	if (en == NULL)
		return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	en->probe_id = id;
	en->kind = DT_HPK_FBT;
	en->is_return = ret;
	/* Register arguments only: at most 6. */
	en->nargs = ret ? 2
			: (proto && btf_is_func_proto(proto)
			       ? (btf_vlen(proto) < 6 ? btf_vlen(proto) : 6)
			       : 6);
	if (dt_hp_enab_open_kprobe(h, en, pd->func, ret) != 0) {
		dt_hp_enab_free(en);
		return -1;
	}
	r = dt_hp_enab_register(h, en);
	if (r == -1)
		dt_hp_enab_free(en);
	return r == 0 ? 0 : -1;
}

int dt_hp_fbt_enable(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
		     uint32_t id)
{
	struct btf *b = vmlinux_btf(h);
	int fid;

	(void)id;
	if (b == NULL)
		return -1;
	if (pd->name == NULL ||
	    (strcmp(pd->name, "entry") != 0 && strcmp(pd->name, "return") != 0))
		return dt_hp_seterr(
		    h, EDT_NOPROBE, "no host probe fbt:%s:%s:%s",
		    pd->mod ? pd->mod : "", pd->func ? pd->func : "",
		    pd->name ? pd->name : "");
	fid =
	    pd->func ? btf__find_by_name_kind(b, pd->func, BTF_KIND_FUNC) : -1;
	if (fid <= 0)
		return dt_hp_seterr(h, EDT_NOPROBE,
				    "no host probe fbt:vmlinux:%s:%s",
				    pd->func ? pd->func : "", pd->name);
	if (fbt_feature(h, fid) < 0)
		return dt_hp_seterr(h, EDT_NOTSUP,
				    "cannot enable fbt:vmlinux:%s:%s: %s",
				    pd->func, pd->name, h->fbt_why);
	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0)
		return fbt_kprobe(h, b, fid, pd, id);
	return dt_hp_seterr(h, EDT_NOTSUP,
			    "cannot enable fbt:vmlinux:%s:%s: %s, but the "
			    "BPF fentry attach path is not implemented yet",
			    pd->func, pd->name, h->fbt_why);
}
