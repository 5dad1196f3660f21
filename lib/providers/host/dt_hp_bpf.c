/*
 * dt_hp_bpf.c: copies of user strings taken in the kernel when a syscall
 * probe fires, so that copyinstr() sees what the process passed even when
 * the consumer reads the event later (the process may have exited or
 * reused the buffer by then).
 *
 * A small BPF program per enabled syscall entry probe, attached to its
 * tracepoint, reads each `const char *` argument with
 * bpf_probe_read_user_str() and writes it, tagged with the probe and the
 * address, through a BPF_OUTPUT perf event into the same per-CPU ring just
 * before the tracepoint's own sample; dt_hp_poll.c pairs the two. The
 * program is written here instruction by instruction: it is a few dozen
 * instructions, and this keeps the build free of a BPF compiler.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/dt_error.h"
#include "providers/host/dt_hp_impl.h"

/* The record a program writes (RAW data of a BPF_OUTPUT sample). */
#define REC_MAGIC 0x50435448u /* "HTCP" */
#define REC_HDR	  24
#define REC_SIZE  (REC_HDR + DT_HP_COPYMAX)

#define INSN(c, d, s, o, i)                                                    \
	((struct bpf_insn){.code = (c),                                        \
			   .dst_reg = (d),                                     \
			   .src_reg = (s),                                     \
			   .off = (o),                                         \
			   .imm = (i)})

/* "char *" or "const char *" as tracefs spells the type. */
static int char_pointer(const char *t)
{
	if (strncmp(t, "const ", 6) == 0)
		t += 6;
	return strcmp(t, "char *") == 0 || strcmp(t, "char*") == 0;
}

/* The string arguments of a syscall entry probe: plain `char *` pointers
 * (not `char **`, whose bytes are no string). */
static int str_fields(const dt_hp_enab_t *en, int *off, int *argi, int max)
{
	int n = 0;

	if (en->kind != DT_HPK_SYSCALL_ENTRY || en->fmt == NULL)
		return 0;
	for (int i = 0; i < en->nargs && n < max; i++) {
		int fi = en->argfield[i];
		const dt_hp_field_t *f;

		if (fi < 0 || fi >= en->fmt->nfields)
			continue;
		f = &en->fmt->fields[fi];
		if (f->kind != DT_HPF_SCALAR || f->size != 8 ||
		    !char_pointer(f->ctype))
			continue;
		off[n] = (int)f->offset;
		argi[n] = i;
		n++;
	}
	return n;
}

/* Emits one copy: the pointer at ctx+off (r6 holds ctx), tagged with the
 * probe (an immediate, or register preg when preg > 0) and the argument
 * index, read with bpf_probe_read_user_str and written through the
 * BPF_OUTPUT map. Always COPY_INSNS instructions. */
#define COPY_INSNS 24
static int emit_copy(const dt_hostprobe_t *h, struct bpf_insn *p, int k,
		     int off, int argi, uint32_t probe, int preg)
{
	/* r1 = the pointer argument; the record's header */
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 6, (short)off, 0);
	p[k++] = INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -REC_SIZE + 8, 0);
	p[k++] =
	    INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -REC_SIZE, (int)REC_MAGIC);
	if (preg > 0)
		p[k++] = INSN(BPF_STX | BPF_MEM | BPF_W, 10, (uint8_t)preg,
			      -REC_SIZE + 4, 0);
	else
		p[k++] = INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -REC_SIZE + 4,
			      (int)probe);
	p[k++] = INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -REC_SIZE + 16, argi);
	/* r0 = bpf_probe_read_user_str(r10 - COPYMAX, COPYMAX, r1) */
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 3, 1, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -DT_HP_COPYMAX);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, DT_HP_COPYMAX);
	p[k++] =
	    INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_user_str);
	/* its result (length with the NUL, or -errno) */
	p[k++] = INSN(BPF_STX | BPF_MEM | BPF_W, 10, 0, -REC_SIZE + 20, 0);
	/* r5 = the header and the string's bytes only: 0 <= r0 <= max */
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 5, 0, 0, 0);
	p[k++] = INSN(BPF_JMP | BPF_JSGT | BPF_K, 5, 0, 1, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, 0);
	p[k++] = INSN(BPF_JMP | BPF_JLE | BPF_K, 5, 0, 1, DT_HP_COPYMAX);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, DT_HP_COPYMAX);
	p[k++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 5, 0, 0, REC_HDR);
	/* bpf_perf_event_output(ctx, map, CURRENT_CPU, rec, r5) */
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
	p[k++] =
	    INSN(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, h->bpfmap);
	p[k++] = INSN(0, 0, 0, 0, 0);
	p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_K, 3, 0, 0, -1);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 4, 10, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, -REC_SIZE);
	p[k++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_perf_event_output);
	return k;
}

/* Loads a program of k instructions (the exit appended); fd or -1 with
 * copywhy saying why. */
static int load(dt_hostprobe_t *h, struct bpf_insn *p, int k)
{
	int fd;
	char log[1024];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log,
		    .log_size = sizeof(log), .log_level = 0);

	/* 1: the tracepoint's own sample is still written */
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	log[0] = '\0';
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "ht_copystr", "GPL", p,
			   (size_t)k, &o);
	if (fd < 0) {
		/* ask again with the verifier's log, for the message */
		o.log_level = 1;
		fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "ht_copystr",
				   "GPL", p, (size_t)k, &o);
	}
	if (fd < 0)
		snprintf(h->copywhy, sizeof(h->copywhy),
			 "BPF program refused: %s%s%.200s", strerror(errno),
			 log[0] ? ": " : "", log);
	return fd;
}

/* One syscall's tracepoint: its string fields at off[], probe id. */
static int load_prog(dt_hostprobe_t *h, uint32_t id, const int *off,
		     const int *argi, int n)
{
	struct bpf_insn p[COPY_INSNS * DT_HP_MAXCOPY + 8];
	int k = 0;

	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0); /* r6 = ctx */
	for (int i = 0; i < n; i++)
		k = emit_copy(h, p, k, off[i], argi[i], id, 0);
	return load(h, p, k);
}

/*
 * raw_syscalls:sys_enter, serving many syscall probes: which of the six
 * arguments are strings depends on the syscall, so a map gives the mask
 * per syscall number; records are tagged MUX_TAG | number.
 */
#define MUX_TAG DT_HP_MUX_TAG
#define MUX_KEY (-REC_SIZE - 8)
static int load_mux_prog(dt_hostprobe_t *h, int idoff, int argsoff)
{
	struct bpf_insn p[COPY_INSNS * 6 + 6 * 3 + 24];
	int k = 0, jexit[2];

	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0); /* r6 = ctx */
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, (short)idoff, 0);
	jexit[0] = k;
	p[k++] = INSN(BPF_JMP | BPF_JGT | BPF_K, 7, 0, 0, DT_HP_MAXSYSNR - 1);
	p[k++] = INSN(BPF_STX | BPF_MEM | BPF_W, 10, 7, MUX_KEY, 0);
	p[k++] =
	    INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, h->muxmap);
	p[k++] = INSN(0, 0, 0, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, MUX_KEY);
	p[k++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	jexit[1] = k;
	p[k++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 8, 0, 0, 0); /* r8 = mask */
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 9, 7, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_OR | BPF_K, 9, 0, 0, (int)MUX_TAG);
	for (int i = 0; i < 6; i++) {
		/* if (!(mask & 1 << i)) skip this argument's copy */
		p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 8, 0, 0);
		p[k++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, 1 << i);
		p[k++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, COPY_INSNS, 0);
		k = emit_copy(h, p, k, argsoff + 8 * i, i, 0, 9);
	}
	/* the exits jump to the return load() appends */
	for (int j = 0; j < 2; j++)
		p[jexit[j]].off = (short)(k - jexit[j] - 1);
	return load(h, p, k);
}

/* The per-CPU BPF_OUTPUT events, redirected into the rings, and the map
 * that names them; once per handle. 0 or -1 (copywhy says why). */
static int outputs_open(dt_hostprobe_t *h)
{
	dt_hp_enab_t *en;
	int maxcpu = 0;

	if (h->bpfmap >= 0)
		return 0;
	if (h->copyfail)
		return -1;
	for (int i = 0; i < h->ncpus; i++)
		if (h->rings[i].cpu > maxcpu)
			maxcpu = h->rings[i].cpu;
	h->bpfmap = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "ht_copies",
				   4, 4, (uint32_t)maxcpu + 1, NULL);
	if (h->bpfmap < 0) {
		snprintf(h->copywhy, sizeof(h->copywhy), "BPF map: %s",
			 strerror(errno));
		h->copyfail = 1;
		return -1;
	}
	en = calloc(1, sizeof(*en));
	if (en == NULL)
		goto fail;
	en->kind = DT_HPK_COPY;
	for (int i = 0; i < h->ncpus; i++) {
		struct perf_event_attr a;
		int cpu = h->rings[i].cpu;

		dt_hp_attr_base(&a);
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_BPF_OUTPUT;
		if (dt_hp_add_event(h, en, &a, -1, i) != 0 ||
		    bpf_map_update_elem(h->bpfmap, &cpu,
					&en->ev[en->nev - 1].fd,
					BPF_ANY) != 0) {
			if (h->copywhy[0] == '\0')
				snprintf(h->copywhy, sizeof(h->copywhy),
					 "BPF output event: %s",
					 strerror(errno));
			dt_hp_enab_free(en);
			goto fail;
		}
	}
	if (dt_hp_enab_register(h, en) != 0) {
		dt_hp_enab_free(en);
		goto fail;
	}
	return 0;
fail:
	close(h->bpfmap);
	h->bpfmap = -1;
	h->copyfail = 1;
	return -1;
}

/* The mux program's mask map from the syscall probes it serves; the
 * number of syscalls with string arguments, or -1. */
static int mux_masks(dt_hostprobe_t *h)
{
	int nset = 0;

	h->muxmap = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ht_muxmask", 4, 4,
				   DT_HP_MAXSYSNR, NULL);
	if (h->muxmap < 0) {
		snprintf(h->copywhy, sizeof(h->copywhy), "BPF map: %s",
			 strerror(errno));
		return -1;
	}
	for (uint32_t nr = 0; nr < DT_HP_MAXSYSNR; nr++) {
		const dt_hp_enab_t *se = h->mux[0][nr];
		int off[6], argi[6], n;
		uint32_t mask = 0;

		if (se == NULL || (n = str_fields(se, off, argi, 6)) == 0)
			continue;
		for (int i = 0; i < n; i++)
			if (argi[i] < 6)
				mask |= 1u << argi[i];
		if (bpf_map_update_elem(h->muxmap, &nr, &mask, BPF_ANY) != 0)
			return -1;
		nset++;
	}
	return nset;
}

int dt_hp_bpf_attach(dt_hostprobe_t *h, dt_hp_enab_t *en)
{
	int off[DT_HP_MAXCOPY], argi[DT_HP_MAXCOPY], n;

	int fd;

	if (!h->copystr || en->nev == 0 || en->prog != 0)
		return 0;
	if (en->kind == DT_HPK_SYSMUX_ENTRY) {
		const dt_hp_field_t *fid = dt_hp_format_field(en->fmt, "id");
		const dt_hp_field_t *fa = dt_hp_format_field(en->fmt, "args");

		if (fid == NULL || fa == NULL || fid->size != 8 ||
		    fa->size < 48 || h->muxmap >= 0 || mux_masks(h) <= 0 ||
		    outputs_open(h) != 0)
			return 0;
		fd = load_mux_prog(h, (int)fid->offset, (int)fa->offset);
	} else {
		n = str_fields(en, off, argi, DT_HP_MAXCOPY);
		if (n == 0 || outputs_open(h) != 0)
			return 0; /* without copies copyinstr reads late */
		fd = load_prog(h, en->probe_id, off, argi, n);
	}
	if (fd < 0) {
		h->copyfail = 1;
		return 0;
	}
	/* The program belongs to the tracepoint, not the event: one
	 * attachment runs it once per firing on every CPU. */
	if (ioctl(en->ev[0].fd, PERF_EVENT_IOC_SET_BPF, fd) != 0) {
		snprintf(h->copywhy, sizeof(h->copywhy),
			 "PERF_EVENT_IOC_SET_BPF: %s", strerror(errno));
		close(fd);
		h->copyfail = 1;
		return 0;
	}
	en->prog = fd + 1;
	return 0;
}

void dt_hp_bpf_copy(dt_hostprobe_t *h, int ring, uint32_t tid,
		    const uint8_t *raw, size_t len)
{
	dt_hp_copies_t *c;
	uint32_t magic, probe, argi;
	int32_t res;
	uint64_t addr;

	if (ring < 0 || ring >= h->ncpus || len < REC_HDR)
		return;
	memcpy(&magic, raw, 4);
	memcpy(&probe, raw + 4, 4);
	memcpy(&addr, raw + 8, 8);
	memcpy(&argi, raw + 16, 4);
	memcpy(&res, raw + 20, 4);
	if (magic != REC_MAGIC)
		return;
	c = &h->copies[ring];
	/* copies of an earlier firing that never came: start again */
	if (c->tid != tid || c->probe != probe || c->n >= DT_HP_MAXCOPY)
		c->n = 0;
	c->tid = tid;
	c->probe = probe;
	{
		dt_hostcopy_t *d = &c->c[c->n];
		size_t n = len - REC_HDR < DT_HP_COPYMAX ? len - REC_HDR
							 : DT_HP_COPYMAX;

		d->addr = addr;
		d->fault = res < 0;
		/* the program sends the string's bytes only */
		memset(c->buf[c->n], 0, DT_HP_COPYMAX);
		memcpy(c->buf[c->n], raw + REC_HDR, n);
		c->buf[c->n][DT_HP_COPYMAX - 1] = '\0';
		d->len = res > 0 ? (uint32_t)res - 1 : 0;
		if (d->len >= DT_HP_COPYMAX)
			d->len = DT_HP_COPYMAX - 1;
		if (d->len > strlen(c->buf[c->n]))
			d->len = (uint32_t)strlen(c->buf[c->n]);
		d->data = c->buf[c->n];
		d->complete = res > 0 && (uint32_t)res < DT_HP_COPYMAX;
		c->n++;
	}
	(void)argi;
}

int dt_hostevent_read_user(void *arg, uint64_t addr, void *buf, size_t len)
{
	const dt_hostevent_t *ev = arg;

	for (int i = 0; i < ev->ncopies; i++) {
		const dt_hostcopy_t *c = &ev->copies[i];

		if (c->fault || addr < c->addr || addr - c->addr > c->len)
			continue;
		/* Bytes of the string and its NUL; past them only when the
		 * string was read whole (the rest of the buffer is not
		 * known): zeros, which end it where it ended. */
		{
			uint64_t o = addr - c->addr;
			size_t have = (size_t)(c->len + 1 - o);

			if (len > have && !c->complete)
				break;
			memset(buf, 0, len);
			memcpy(buf, c->data + o, len < have ? len : have);
			return 0;
		}
	}
	return dt_host_read_user((pid_t)ev->pid, addr, buf, len);
}

int dt_hostprobe_set_copy(dt_hostprobe_t *h, int on)
{
	h->copystr = on != 0;
	return 0;
}

const char *dt_hostprobe_copy_error(const dt_hostprobe_t *h)
{
	return h->copyfail && h->copywhy[0] ? h->copywhy : NULL;
}
