/*
 * dt_hp_poll.c: draining the per-CPU rings. Each poll snapshots every
 * ring's head, applies the side-band records (COMM, FORK) of all rings to
 * the task cache first, then decodes the samples ring by ring into
 * dt_hostevent_t and calls the consumer; EXIT records free cache entries
 * only after that, and PERF_RECORD_LOST counts drops.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dt_error.h"
#include "providers/host/dt_hp_impl.h"

struct meta {
	struct perf_event_mmap_page *pg;
	uint8_t *data;
	uint64_t tail, head;
};

static void meta_of(dt_hp_ring_t *r, struct meta *m)
{
	m->pg = r->base;
	m->data = (uint8_t *)r->base + m->pg->data_offset;
	m->tail = m->pg->data_tail;
	m->head = __atomic_load_n(&m->pg->data_head, __ATOMIC_ACQUIRE);
}

/* The record at pos, copied out when it wraps around the ring's end. */
static const struct perf_event_header *
rec_at(dt_hp_ring_t *r, const struct meta *m, uint64_t pos)
{
	size_t mask = r->datasz - 1, off = pos & mask;
	struct perf_event_header hdr;

	if (off + sizeof(hdr) <= r->datasz) {
		memcpy(&hdr, m->data + off, sizeof(hdr));
	} else {
		size_t a = r->datasz - off;
		memcpy(&hdr, m->data + off, a);
		memcpy((uint8_t *)&hdr + a, m->data, sizeof(hdr) - a);
	}
	if (hdr.size < sizeof(hdr))
		return NULL;
	if (off + hdr.size <= r->datasz)
		return (const void *)(m->data + off);
	{
		size_t a = r->datasz - off;
		memcpy(r->scratch, m->data + off, a);
		memcpy(r->scratch + a, m->data, hdr.size - a);
	}
	return (const void *)r->scratch;
}

/* Side-band records carry {pid,tid,time,cpu,id} after their body. */
static uint64_t sb_time(const struct perf_event_header *h)
{
	uint64_t t;

	memcpy(&t, (const uint8_t *)h + h->size - 24, 8);
	return t;
}

static int by_id(const void *k, const void *e)
{
	uint64_t a = *(const uint64_t *)k;
	uint64_t b = ((const dt_hp_idmap_t *)e)->perf_id;
	return a < b ? -1 : a > b;
}

/* fbt (kprobe PMU) samples: u64 abi, then the sampled registers. */
static void fbt_args(const dt_hp_enab_t *en, const uint8_t *p, size_t len,
		     dt_hostevent_t *ev)
{
#if defined(__x86_64__)
	/* Register order in the sample: ax cx dx si di r8 r9. */
	static const int argreg[6] = {4, 3, 2, 1, 5, 6};
	uint64_t abi, r[DT_HP_KPROBE_NREGS];

	if (len < 8 + sizeof(r))
		return;
	memcpy(&abi, p, 8);
	if (abi == 0)
		return;
	memcpy(r, p + 8, sizeof(r));
	if (en->is_return) {
		ev->args[0] = 0; /* return offset: unknown */
		ev->args[1] = r[0];
		return;
	}
	for (int i = 0; i < en->nargs && i < 6; i++)
		ev->args[i] = r[argreg[i]];
#else
	(void)en;
	(void)p;
	(void)len;
	(void)ev;
#endif
}

/* Tracepoint samples: u32 size, then the raw record per the format. */
static void tp_args(dt_hostprobe_t *h, const dt_hp_enab_t *en, const uint8_t *p,
		    size_t len, dt_hostevent_t *ev)
{
	uint32_t rawsz;
	const uint8_t *raw = p + 4;

	if (len < 4)
		return;
	memcpy(&rawsz, p, 4);
	if (rawsz > len - 4)
		return;
	ev->data = raw;
	ev->datalen = rawsz;
	ev->aux = h->strbuf;
	ev->auxlen = sizeof(h->strbuf);
	for (int i = 0; i < en->nargs; i++) {
		int fi = en->argfield[i];
		uint64_t v = 0;

		if (fi >= 0) {
			dt_hp_field_value(&en->fmt->fields[fi], raw, rawsz, &v,
					  h->strbuf + i * 256, 256);
		} else if (fi == -2) {
			const dt_hp_field_t *f =
			    dt_hp_format_field(en->fmt, "ret");
			if (f != NULL &&
			    dt_hp_field_value(f, raw, rawsz, &v, NULL, 0) == 0)
				v = (uint64_t)(-(int64_t)v);
		}
		ev->args[i] = v;
	}
	if (en->kind == DT_HPK_SYSCALL_RETURN) {
		int64_t ret = (int64_t)ev->args[0];
		if (ret >= -4095 && ret <= -1)
			ev->errno_ = -ret;
	}
}

/* raw_syscalls samples: find the syscall's own probe by number. */
static const dt_hp_enab_t *mux_args(dt_hostprobe_t *h, const dt_hp_enab_t *mux,
				    const uint8_t *p, size_t len,
				    dt_hostevent_t *ev)
{
	int ret = mux->kind == DT_HPK_SYSMUX_RETURN;
	const dt_hp_field_t *fid = dt_hp_format_field(mux->fmt, "id");
	const dt_hp_field_t *fv =
	    dt_hp_format_field(mux->fmt, ret ? "ret" : "args");
	const dt_hp_enab_t *en;
	const uint8_t *raw = p + 4;
	uint32_t rawsz;
	uint64_t nr;

	if (len < 4 || fid == NULL || fv == NULL)
		return NULL;
	memcpy(&rawsz, p, 4);
	if (rawsz > len - 4 ||
	    dt_hp_field_value(fid, raw, rawsz, &nr, NULL, 0) != 0 ||
	    nr >= DT_HP_MAXSYSNR || (en = h->mux[ret][nr]) == NULL)
		return NULL;
	ev->probe = en->probe_id;
	ev->nargs = en->nargs;
	ev->data = raw;
	ev->datalen = rawsz;
	if (ret) {
		uint64_t v;
		if (dt_hp_field_value(fv, raw, rawsz, &v, NULL, 0) != 0)
			return NULL;
		ev->args[0] = ev->args[1] = v;
		if ((int64_t)v >= -4095 && (int64_t)v <= -1)
			ev->errno_ = -(int64_t)v;
	} else {
		if ((size_t)fv->offset + fv->size > rawsz)
			return NULL;
		for (int i = 0; i < en->nargs && (uint32_t)i * 8 < fv->size;
		     i++)
			memcpy(&ev->args[i], raw + fv->offset + 8 * i, 8);
	}
	return en;
}

/*
 * PERF_SAMPLE_CALLCHAIN: u64 nr, then nr entries where context markers
 * (PERF_CONTEXT_KERNEL, _USER, ...) say whose frames follow. Splits them
 * into the event's kernel and user stacks and says how many bytes the
 * chain took; -1 if it does not fit the sample (then it is ignored).
 */
static int callchain(dt_hostprobe_t *h, const uint8_t *p, size_t len,
		     dt_hostevent_t *ev, size_t *used)
{
	uint64_t nr, ip;
	int where = 0; /* 1 kernel, 2 user, 0 anything else */

	if (len < 8)
		return -1;
	memcpy(&nr, p, 8);
	if (nr > (len - 8) / 8)
		return -1;
	ev->kstack = h->kstack;
	ev->ustack = h->ustack;
	for (uint64_t i = 0; i < nr; i++) {
		memcpy(&ip, p + 8 + 8 * i, 8);
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			where = ip == (uint64_t)PERF_CONTEXT_KERNEL ? 1
				: ip == (uint64_t)PERF_CONTEXT_USER ? 2
									 : 0;
			continue;
		}
		if (where == 1 && ev->nkstack < h->kframes &&
		    ev->nkstack < DT_HP_MAXFRAMES)
			h->kstack[ev->nkstack++] = ip;
		else if (where == 2 && ev->nustack < h->uframes &&
			 ev->nustack < DT_HP_MAXFRAMES)
			h->ustack[ev->nustack++] = ip;
	}
	*used = 8 + 8 * (size_t)nr;
	return 0;
}

static void deliver(dt_hostprobe_t *h, int ring, const uint8_t *s,
		    size_t len, dt_hostprobe_fire_f *fire, void *arg,
		    int *count)
{
	/* IDENTIFIER, TID, TIME, CPU: then RAW or REGS_INTR. */
	struct {
		uint64_t id;
		uint32_t pid, tid;
		uint64_t time;
		uint32_t cpu, res;
	} hd;
	const dt_hp_idmap_t *im;
	const dt_hp_enab_t *en;
	dt_hostevent_t ev;
	dt_hp_task_t *t;
	size_t skip = 0;
	uint64_t ip = 0;
	char idle[32];

	if (len < sizeof(hd))
		return;
	memcpy(&hd, s, sizeof(hd));
	im = bsearch(&hd.id, h->ids, (size_t)h->nids, sizeof(*h->ids), by_id);
	if (im == NULL)
		return;
	en = im->en;
	if (en->kind == DT_HPK_COPY) {
		/* RAW: u32 size, then the copy; its sample follows */
		uint32_t rawsz;

		if (len < sizeof(hd) + 4)
			return;
		memcpy(&rawsz, s + sizeof(hd), 4);
		if (rawsz <= len - sizeof(hd) - 4)
			dt_hp_bpf_copy(h, ring, hd.tid, s + sizeof(hd) + 4,
				       rawsz);
		return;
	}
	if (en->kind == DT_HPK_PROFILE) {
		/* PERF_SAMPLE_IP sits between IDENTIFIER and TID */
		if (len < sizeof(hd) + 8)
			return;
		memcpy(&ip, s + 8, 8);
		memcpy((uint8_t *)&hd + 8, s + 16, sizeof(hd) - 8);
		s += 8;
		len -= 8;
	}
	memset(&ev, 0, sizeof(ev));
	ev.probe = en->probe_id;
	ev.cpu = hd.cpu;
	ev.timestamp = hd.time;
	ev.pid = hd.pid;
	ev.tid = hd.tid;
	ev.nargs = en->nargs;
	h->delivered++; /* decoded, for the exact drops count */
	if (en->kind == DT_HPK_PROFILE)
		h->pdelivered++;
	if (en->callchain &&
	    callchain(h, s + sizeof(hd), len - sizeof(hd), &ev, &skip) == 0) {
		s += skip;
		len -= skip;
	}
	if (en->kind == DT_HPK_PROFILE) {
		/* DTrace's profile arguments: kernel PC, user PC */
		if ((int64_t)ip < 0)
			ev.args[0] = ip;
		else
			ev.args[1] = ip;
	} else if (en->kind == DT_HPK_FBT || en->kind == DT_HPK_UPROBE) {
		/* REGS_INTR and REGS_USER samples are laid out alike */
		fbt_args(en, s + sizeof(hd), len - sizeof(hd), &ev);
	} else if (en->kind == DT_HPK_SYSMUX_ENTRY ||
		   en->kind == DT_HPK_SYSMUX_RETURN) {
		en = mux_args(h, en, s + sizeof(hd), len - sizeof(hd), &ev);
		if (en == NULL)
			return;
	} else {
		tp_args(h, en, s + sizeof(hd), len - sizeof(hd), &ev);
	}
	if (h->copies != NULL && ring >= 0 && ring < h->ncpus &&
	    h->copies[ring].n > 0) {
		dt_hp_copies_t *c = &h->copies[ring];

		if (c->tid == hd.tid &&
		    (c->probe == en->probe_id ||
		     c->probe == (DT_HP_MUX_TAG | (uint32_t)en->sysnr))) {
			ev.copies = c->c;
			ev.ncopies = c->n;
		}
		c->n = 0; /* they were this sample's, or nobody's */
	}
	t = dt_hp_task_get(h, (int32_t)hd.tid);
	ev.ppid = t ? t->ppid : -1;
	ev.uid = t ? t->uid : -1;
	ev.gid = t ? t->gid : -1;
	ev.execname = t ? dt_hp_task_comm_at(t, hd.time) : "";
	if (hd.tid == 0) {
		/* the idle task has no /proc entry: Linux calls it this */
		snprintf(idle, sizeof(idle), "swapper/%u", hd.cpu);
		ev.execname = idle;
	}
	(*count)++;
	if (fire != NULL)
		fire(arg, &ev);
}

int dt_hostprobe_poll(dt_hostprobe_t *h, int timeout_ms,
		      dt_hostprobe_fire_f *fire, void *arg)
{
	struct meta m[h->ncpus];
	int32_t exits[512];
	int nexits = 0, count = 0;

	if (timeout_ms != 0) {
		struct pollfd pfd[h->ncpus];
		for (int i = 0; i < h->ncpus; i++) {
			pfd[i].fd = h->rings[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)h->ncpus, timeout_ms) < 0 &&
		    errno != EINTR)
			return dt_hp_seterr(h, EDT_IO, "poll: %s",
					    strerror(errno));
	}
	/* Pass 1: side-band records of every ring. */
	for (int i = 0; i < h->ncpus; i++) {
		dt_hp_ring_t *r = &h->rings[i];
		meta_of(r, &m[i]);
		for (uint64_t pos = m[i].tail; pos < m[i].head;) {
			const struct perf_event_header *e =
			    rec_at(r, &m[i], pos);
			const uint32_t *u;
			if (e == NULL)
				break;
			u = (const uint32_t *)(e + 1);
			if (e->type == PERF_RECORD_COMM && e->size >= 56) {
				/* comm is NUL-padded to 8; bound it anyway */
				char comm[DT_HOSTPROBE_COMMLEN];
				size_t n = e->size - 8 - 8 - 32;
				if (n > sizeof(comm) - 1)
					n = sizeof(comm) - 1;
				memcpy(comm, u + 2, n);
				comm[n] = '\0';
				dt_hp_task_comm(h, (int32_t)u[0], (int32_t)u[1],
						comm, sb_time(e));
			} else if (e->type == PERF_RECORD_FORK)
				dt_hp_task_fork(h, (int32_t)u[0], (int32_t)u[1],
						(int32_t)u[2], (int32_t)u[3]);
			pos += e->size;
		}
	}
	/* Pass 2: samples and losses. */
	for (int i = 0; i < h->ncpus; i++) {
		dt_hp_ring_t *r = &h->rings[i];
		uint64_t pos;
		for (pos = m[i].tail; pos < m[i].head;) {
			const struct perf_event_header *e =
			    rec_at(r, &m[i], pos);
			if (e == NULL) {
				/* Corrupt ring: drop what is there. */
				pos = m[i].head;
				break;
			}
			if (e->type == PERF_RECORD_SAMPLE) {
				deliver(h, i, (const uint8_t *)(e + 1),
					e->size - sizeof(*e), fire, arg,
					&count);
			} else if (e->type == PERF_RECORD_LOST &&
				   e->size >= sizeof(*e) + 16) {
				uint64_t lost;
				memcpy(&lost, (const uint8_t *)(e + 1) + 8, 8);
				h->drops += lost;
			} else if (e->type == PERF_RECORD_LOST_SAMPLES &&
				   e->size >= sizeof(*e) + 8) {
				uint64_t lost;
				memcpy(&lost, e + 1, 8);
				h->drops += lost;
			} else if (e->type == PERF_RECORD_EXIT) {
				const uint32_t *u = (const uint32_t *)(e + 1);
				if (nexits < 512)
					exits[nexits++] = (int32_t)u[2];
			}
			pos += e->size;
		}
		__atomic_store_n(&m[i].pg->data_tail, pos, __ATOMIC_RELEASE);
	}
	for (int i = 0; i < nexits; i++)
		dt_hp_task_exit(h, exits[i]);
	return count;
}

/*
 * A full ring's PERF_RECORD_LOST is only written once the ring has room
 * and something else is written, which may be never. So once delivery is
 * stopped (no writer can race), the exact figure is what the kernel
 * counted (read() of each event, inherited children included) minus what
 * was delivered.
 */
uint64_t dt_hostprobe_drops(const dt_hostprobe_t *h)
{
	uint64_t total = 0, d = h->drops;

	if (h->going)
		return d;
	for (int i = 0; i < h->nenabs; i++) {
		const dt_hp_enab_t *en = h->enabs[i];
		/* a cpu-clock counts nanoseconds, not samples: profile losses
		 * are only known from PERF_RECORD_LOST */
		if (en->kind == DT_HPK_PROFILE || en->kind == DT_HPK_COPY)
			continue;
		for (int j = 0; j < en->nev; j++) {
			uint64_t c;
			if (read(en->ev[j].fd, &c, sizeof(c)) == sizeof(c))
				total += c;
		}
	}
	if (total > h->delivered - h->pdelivered &&
	    total - (h->delivered - h->pdelivered) > d)
		d = total - (h->delivered - h->pdelivered);
	return d;
}
