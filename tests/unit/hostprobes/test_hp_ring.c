/*
 * test_hp_ring.c: unit test of the ring decoder (dt_hostprobe_poll) without
 * the kernel: a fake per-CPU ring holding hand-made perf records (a COMM
 * side-band record, samples before and after it, one sample wrapping
 * around the ring's end, a LOST record, a sample of an unknown id), checked
 * for args, errno, execname-at-time, drops and the consumed tail; and the
 * raw_syscalls demux of syscall probes by syscall number.
 */
#include <linux/perf_event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "providers/host/dt_hp_impl.h"

#define DATASZ	 4096
#define FAKE_TID 0x7ffffff0 /* no such task: /proc lookups fail */

struct ring {
	uint8_t *base, *data;
	uint64_t head;
};

static void put(struct ring *r, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		r->data[(r->head + i) & (DATASZ - 1)] = ((const uint8_t *)p)[i];
	r->head += n;
}

static void put_sample(struct ring *r, uint64_t id, uint32_t tid, uint64_t time,
		       int64_t ret)
{
	/* sample: id, pid/tid, time, cpu/res, u32 size, raw (24 bytes) */
	uint8_t raw[24] = {0};
	uint32_t rawsz = sizeof(raw);
	struct perf_event_header h = {
	    PERF_RECORD_SAMPLE, 0, (uint16_t)(8 + 8 + 8 + 8 + 8 + 4 + 24 + 4)};
	uint32_t pt[2] = {tid, tid}, cr[2] = {1, 0}, pad = 0;

	memcpy(raw + 16, &ret, 8);
	put(r, &h, sizeof(h));
	put(r, &id, 8);
	put(r, pt, 8);
	put(r, &time, 8);
	put(r, cr, 8);
	put(r, &rawsz, 4);
	put(r, raw, sizeof(raw));
	put(r, &pad, 4); /* records are 8-aligned */
}

static void put_comm(struct ring *r, uint32_t tid, const char *comm,
		     uint64_t time)
{
	char c[16] = {0};
	uint32_t pt[2] = {tid, tid};
	uint64_t trailer[4] = {((uint64_t)tid << 32) | tid, time, 1, 0};
	struct perf_event_header h = {PERF_RECORD_COMM, 0,
				      (uint16_t)(8 + 8 + 16 + 32)};

	snprintf(c, sizeof(c), "%s", comm);
	put(r, &h, sizeof(h));
	put(r, pt, 8);
	put(r, c, 16);
	put(r, trailer, 32);
}

static void put_lost(struct ring *r, uint64_t n)
{
	struct perf_event_header h = {PERF_RECORD_LOST, 0, 8 + 16};
	uint64_t id = 0;

	put(r, &h, sizeof(h));
	put(r, &id, 8);
	put(r, &n, 8);
}

struct seen {
	int n;
	int64_t ret[4], err[4];
	char comm[4][16];
	uint32_t probe[4];
};

static void fire(void *arg, const dt_hostevent_t *ev)
{
	struct seen *s = arg;

	if (s->n < 4) {
		s->ret[s->n] = (int64_t)ev->args[0];
		s->err[s->n] = ev->errno_;
		s->probe[s->n] = ev->probe;
		snprintf(s->comm[s->n], 16, "%s", ev->execname);
	}
	s->n++;
}

static void test_decode(void **st)
{
	const char *root = getenv("HT_SOURCE_ROOT");
	char path[1024], err[128];
	dt_hostprobe_t *h = calloc(1, sizeof(*h));
	dt_hp_enab_t *en = calloc(1, sizeof(*en));
	dt_hp_idmap_t ids[1];
	struct perf_event_mmap_page *pg;
	struct ring r;
	struct seen s;
	char *text;
	uint64_t start;

	assert_non_null(h);
	assert_non_null(en);
	snprintf(path, sizeof(path),
		 "%s/tests/unit/hostprobes/formats/sys_exit_openat.format",
		 root ? root : ".");
	text = dt_hp_read_file(path, NULL);
	assert_non_null(text);
	en->fmt = malloc(sizeof(*en->fmt));
	assert_int_equal(dt_hp_format_parse(text, en->fmt, err, sizeof(err)),
			 0);
	free(text);
	en->kind = DT_HPK_SYSCALL_RETURN;
	en->probe_id = 9;
	assert_int_equal(dt_hp_layout(h, en->kind, NULL, en->fmt, en, NULL), 0);
	ids[0].perf_id = 77;
	ids[0].en = en;
	h->ids = ids;
	h->nids = 1;
	h->going = 1;

	r.base = aligned_alloc(4096, 4096 + DATASZ);
	assert_non_null(r.base);
	memset(r.base, 0, 4096 + DATASZ);
	pg = (void *)r.base;
	pg->data_offset = 4096;
	pg->data_size = DATASZ;
	r.data = r.base + 4096;
	/* Start 40 bytes before the end so that the first sample wraps. */
	start = 10 * DATASZ - 40;
	r.head = start;
	pg->data_tail = start;
	put_sample(&r, 77, FAKE_TID, 50, -2); /* before the rename */
	put_comm(&r, FAKE_TID, "newname", 100);
	put_sample(&r, 77, FAKE_TID, 200, 3); /* after */
	put_lost(&r, 5);
	put_sample(&r, 12345, FAKE_TID, 300, 0); /* unknown id: skipped */
	pg->data_head = r.head;

	h->ncpus = 1;
	h->rings = calloc(1, sizeof(*h->rings));
	h->rings[0].fd = -1;
	h->rings[0].base = r.base;
	h->rings[0].datasz = DATASZ;
	h->rings[0].scratch = malloc(65536);

	memset(&s, 0, sizeof(s));
	assert_int_equal(dt_hostprobe_poll(h, 0, fire, &s), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.probe[0], 9);
	assert_int_equal(s.ret[0], -2);
	assert_int_equal(s.err[0], 2);
	assert_string_equal(s.comm[0], ""); /* unknown before the rename */
	assert_int_equal(s.ret[1], 3);
	assert_int_equal(s.err[1], 0);
	assert_string_equal(s.comm[1], "newname");
	assert_int_equal(dt_hostprobe_drops(h), 5);
	assert_int_equal(pg->data_tail, r.head);
	/* Nothing new: nothing delivered. */
	assert_int_equal(dt_hostprobe_poll(h, 0, fire, &s), 0);

	free(h->rings[0].scratch);
	free(h->rings);
	free(r.base);
	dt_hp_task_free(h);
	free(en->fmt);
	free(en);
	free(h);
}

static dt_hp_format_t *load_fmt(const char *name)
{
	const char *root = getenv("HT_SOURCE_ROOT");
	char path[1024], err[128];
	dt_hp_format_t *f = malloc(sizeof(*f));
	char *text;

	snprintf(path, sizeof(path), "%s/tests/unit/hostprobes/formats/%s",
		 root ? root : ".", name);
	text = dt_hp_read_file(path, NULL);
	assert_non_null(text);
	assert_non_null(f);
	assert_int_equal(dt_hp_format_parse(text, f, err, sizeof(err)), 0);
	free(text);
	return f;
}

/* raw_syscalls:sys_enter / sys_exit samples: long id, then args or ret. */
static void put_raw(struct ring *r, uint64_t id, int64_t nr,
		    const uint64_t *vals, int nvals)
{
	uint8_t raw[64] = {0};
	uint32_t rawsz = 16 + 8 * (uint32_t)nvals;
	uint32_t pt[2] = {FAKE_TID, FAKE_TID}, cr[2] = {0, 0};
	uint64_t time = 1;
	size_t tot = 8 + 32 + 4 + rawsz;
	uint8_t pad[8] = {0};
	struct perf_event_header h = {PERF_RECORD_SAMPLE, 0, 0};

	h.size = (uint16_t)((tot + 7) & ~(size_t)7);
	memcpy(raw + 8, &nr, 8);
	memcpy(raw + 16, vals, 8 * (size_t)nvals);
	put(r, &h, sizeof(h));
	put(r, &id, 8);
	put(r, pt, 8);
	put(r, &time, 8);
	put(r, cr, 8);
	put(r, &rawsz, 4);
	put(r, raw, rawsz);
	put(r, pad, h.size - tot);
}

struct mseen {
	int n;
	uint32_t probe[4];
	uint64_t a0[4], a1[4];
	int64_t err[4];
};

static void mfire(void *arg, const dt_hostevent_t *ev)
{
	struct mseen *s = arg;

	if (s->n < 4) {
		s->probe[s->n] = ev->probe;
		s->a0[s->n] = ev->args[0];
		s->a1[s->n] = ev->args[1];
		s->err[s->n] = ev->errno_;
	}
	s->n++;
}

static void test_mux(void **st)
{
	dt_hostprobe_t *h = calloc(1, sizeof(*h));
	dt_hp_enab_t mentry = {0}, mret = {0}, openat = {0}, oret = {0};
	dt_hp_idmap_t ids[2];
	struct perf_event_mmap_page *pg;
	struct ring r;
	struct mseen s;
	uint64_t args[6] = {0xffffff9c, 0x1000, 0, 0, 0, 0};
	uint64_t ret = (uint64_t)-13;

	assert_non_null(h);
	mentry.kind = DT_HPK_SYSMUX_ENTRY;
	mentry.fmt = load_fmt("raw_sys_enter.format");
	mret.kind = DT_HPK_SYSMUX_RETURN;
	mret.fmt = load_fmt("raw_sys_exit.format");
	openat.probe_id = 21;
	openat.nargs = 4;
	oret.probe_id = 22;
	oret.nargs = 2;
	h->mux[0][257] = &openat;
	h->mux[1][257] = &oret;
	ids[0].perf_id = 5;
	ids[0].en = &mentry;
	ids[1].perf_id = 6;
	ids[1].en = &mret;
	h->ids = ids;
	h->nids = 2;
	h->going = 1;

	r.base = aligned_alloc(4096, 4096 + DATASZ);
	assert_non_null(r.base);
	memset(r.base, 0, 4096 + DATASZ);
	pg = (void *)r.base;
	pg->data_offset = 4096;
	r.data = r.base + 4096;
	r.head = 0;
	put_raw(&r, 5, 257, args, 6);  /* openat entry */
	put_raw(&r, 5, 39, args, 6);   /* getppid: not enabled, skipped */
	put_raw(&r, 6, 257, &ret, 1);  /* openat return -EACCES */
	put_raw(&r, 6, 5000, &ret, 1); /* out of range: skipped */
	pg->data_head = r.head;
	h->ncpus = 1;
	h->rings = calloc(1, sizeof(*h->rings));
	h->rings[0].fd = -1;
	h->rings[0].base = r.base;
	h->rings[0].datasz = DATASZ;
	h->rings[0].scratch = malloc(65536);

	memset(&s, 0, sizeof(s));
	assert_int_equal(dt_hostprobe_poll(h, 0, mfire, &s), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.probe[0], 21);
	assert_int_equal(s.a0[0], 0xffffff9c);
	assert_int_equal(s.a1[0], 0x1000);
	assert_int_equal(s.err[0], 0);
	assert_int_equal(s.probe[1], 22);
	assert_int_equal((int64_t)s.a0[1], -13);
	assert_int_equal(s.a1[1], s.a0[1]);
	assert_int_equal(s.err[1], 13);
	/* Every decoded sample counts for the exact drops figure. */
	assert_int_equal(h->delivered, 4);

	free(h->rings[0].scratch);
	free(h->rings);
	free(r.base);
	dt_hp_task_free(h);
	free(mentry.fmt);
	free(mret.fmt);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_mux),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
