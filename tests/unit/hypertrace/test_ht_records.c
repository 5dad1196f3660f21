/*
 * test_ht_records.c: guest records run through lib/hypertrace's handler
 * into the engine, over a fake guest (RAM with real x86-64 page tables):
 * builtins from the record (vmname, execname by page walk, pid, args,
 * errno), strings copied in from guest memory, two guests kept apart, and
 * random garbage records that must be refused or fault cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "consumer/dt_consume.h"
#include "front/dt_compile.h"
#include "guest/dt_guest.h"
#include "hypertrace/dt_hypertrace.h"

#define RAM	   0x10000u
#define VA	   0x200000ull /* mapped: PML4[0] PDPT[0] PD[1] PT[0] */
#define PTE	   0x7ull      /* present, writable, user */
#define NR_READ	   0
#define NR_OPENAT  257
#define NR_GETPPID 110

typedef struct fake {
	uint8_t *ram;
	dt_gmem_t m;
	void *bar;
	dt_guest_t *g;
} fake_t;

static void put64(uint8_t *ram, uint64_t pa, uint64_t v)
{
	memcpy(ram + pa, &v, 8);
}

static void fake_init(fake_t *f, const char *name, const char *comm)
{
	f->ram = calloc(1, RAM);
	f->bar = calloc(1, HT_BAR_SIZE);
	assert_non_null(f->ram);
	assert_non_null(f->bar);
	put64(f->ram, 0x1000, 0x2000 | PTE);		/* PML4[0] */
	put64(f->ram, 0x2000, 0x3000 | PTE);		/* PDPT[0] */
	put64(f->ram, 0x3000 + 8 * 1, 0x4000 | PTE);	/* PD[1] */
	put64(f->ram, 0x4000, 0x5000 | PTE);		/* PT[0] */
	strcpy((char *)f->ram + 0x5000, comm);		/* comm at VA */
	strcpy((char *)f->ram + 0x5100, "/etc/passwd"); /* at VA + 0x100 */
	f->m.base = f->ram;
	f->m.base_size = RAM;
	f->m.nreg = 1;
	f->m.reg[0].gpa = 0;
	f->m.reg[0].size = RAM;
	f->m.reg[0].file_off = 0;
	f->g = dt_guest_from_parts(name, f->bar, 0, &f->m, -1);
	assert_non_null(f->g);
}

static void fake_fini(fake_t *f)
{
	dt_guest_detach(f->g);
	free(f->bar);
	free(f->ram);
}

static struct ht_record rec_of(unsigned nr, int ret, uint32_t pid)
{
	struct ht_record r;

	memset(&r, 0, sizeof(r));
	r.probe = HT_PROBE_SYSCALL + (nr << 1 | (unsigned)ret);
	r.flags = ret ? HT_REC_RETURN : 0;
	r.pid = r.tid = pid;
	r.cr3 = 0x1000;
	r.comm_addr = VA;
	r.task = VA;
	r.sysno = nr;
	return r;
}

/* Compiles src against ps, runs recs from the two fakes, returns the
 * printed aggregations (malloc'd). */
typedef struct env {
	dt_provset_t ps;
	dt_ht_t *ht;
	dt_prog_t *prog;
	dt_engine_t *e;
	dt_consumer_t *cons;
	FILE *out;
	char *text;
	size_t len;
	fake_t a, b;
} env_t;

static void env_init(env_t *v, const char *src)
{
	dt_compile_opts_t co = {.size = sizeof(co)};
	dt_compile_error_t err;
	dt_eopts_t eo;
	dt_copts_t cso = {.quiet = 1};
	char why[256];

	memset(v, 0, sizeof(*v));
	assert_int_equal(dt_prov_init(&v->ps), 0);
	v->ht = dt_ht_create(&v->ps);
	assert_non_null(v->ht);
	co.kind = DT_SRC_SCRIPT;
	co.probe_lookup = dt_prov_lookup;
	co.probe_lookup_arg = &v->ps;
	if (dt_compile(&co, src, &v->prog, &err) != 0)
		fail_msg("compile: %s", err.msg);
	dt_eopts_default(&eo);
	v->e = dt_engine_create(v->prog, &eo, v->ps.probes, v->ps.n, why,
				sizeof(why));
	if (v->e == NULL || dt_engine_go(v->e, why, sizeof(why)) != 0)
		fail_msg("engine: %s", why);
	v->out = open_memstream(&v->text, &v->len);
	v->cons = dt_consumer_create(v->e, v->out, stderr, &cso);
	assert_non_null(v->cons);
	dt_ht_set_engine(v->ht, v->e);
	fake_init(&v->a, "vma", "workload");
	fake_init(&v->b, "vmb", "sh");
	assert_int_equal(dt_ht_add_guest(v->ht, v->a.g, "vma"), 0);
	assert_int_equal(dt_ht_add_guest(v->ht, v->b.g, "vmb"), 0);
}

static const char *env_print(env_t *v)
{
	dt_consumer_drain(v->cons);
	dt_consumer_print_aggs(v->cons);
	fflush(v->out);
	return v->text;
}

static void env_fini(env_t *v)
{
	dt_ht_set_engine(v->ht, NULL);
	dt_consumer_destroy(v->cons);
	fclose(v->out);
	free(v->text);
	dt_engine_destroy(v->e);
	dt_prog_free(v->prog);
	dt_ht_destroy(v->ht);
	dt_prov_fini(&v->ps);
	fake_fini(&v->a);
	fake_fini(&v->b);
}

/* One line of the aggregation output has these words, in order. */
static int has_line(const char *text, const char *const *w, int n)
{
	const char *l = text;

	while (l && *l) {
		const char *e = strchr(l, '\n'), *p = l;
		int k = 0;

		if (e == NULL)
			e = l + strlen(l);
		for (; k < n; k++) {
			const char *q = strstr(p, w[k]);

			if (q == NULL || q >= e)
				break;
			p = q + strlen(w[k]);
		}
		if (k == n)
			return 1;
		l = *e ? e + 1 : NULL;
	}
	return 0;
}

static void test_builtins(void **state)
{
	env_t v;
	struct ht_record r;
	const char *t;

	(void)state;
	env_init(&v, "syscall:vmlinux:getppid:entry "
		     "{ @c[vmname, execname, pid] = count(); }\n"
		     "syscall:vmlinux:openat:entry "
		     "{ @o[vmname, copyinstr(arg1)] = count(); }\n"
		     "syscall:vmlinux:read:return "
		     "{ @e[vmname, errno, (int)arg0] = count(); }\n");
	r = rec_of(NR_GETPPID, 0, 42);
	for (int i = 0; i < 1000; i++)
		dt_ht_handle(v.a.g, &r, v.ht);
	r = rec_of(NR_GETPPID, 0, 7);
	for (int i = 0; i < 300; i++)
		dt_ht_handle(v.b.g, &r, v.ht);
	r = rec_of(NR_OPENAT, 0, 42);
	r.args[1] = VA + 0x100;
	dt_ht_handle(v.a.g, &r, v.ht);
	r = rec_of(NR_READ, 1, 42);
	r.errno_ = -2;
	dt_ht_handle(v.b.g, &r, v.ht);
	t = env_print(&v);
	if (getenv("HT_TEST_VERBOSE"))
		fputs(t, stderr);
	assert_true(
	    has_line(t, (const char *[]){"vma", "workload", "42", "1000"}, 4));
	assert_true(has_line(t, (const char *[]){"vmb", "sh", "7", "300"}, 4));
	assert_true(
	    has_line(t, (const char *[]){"vma", "/etc/passwd", "1"}, 3));
	assert_true(has_line(t, (const char *[]){"vmb", "2", "-2", "1"}, 4));
	assert_int_equal(dt_ht_refused(v.ht), 0);
	env_fini(&v);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Garbage from a guest: refused, or faulting cleanly in the engine;
 * the other guest's counts are exact. */
static void test_garbage(void **state)
{
	env_t v;
	struct ht_record r, good = rec_of(NR_GETPPID, 0, 42);
	uint64_t s = 0x9e3779b97f4a7c15ull;
	const char *t;

	(void)state;
	env_init(&v, "syscall:vmlinux:getppid:entry /vmname == \"vma\"/ "
		     "{ @c[vmname, execname] = count(); }\n"
		     "syscall:vmlinux::entry /vmname == \"vmb\"/ "
		     "{ @g[copyinstr(arg0)] = count(); x = *(int *)arg1; }\n");
	for (int i = 0; i < 100000; i++) {
		uint8_t *p = (uint8_t *)&r;

		for (size_t k = 0; k < sizeof(r); k += 8) {
			uint64_t x = rnd(&s);

			memcpy(p + k, &x, 8);
		}
		/* Half of them name a real probe, some map a real page. */
		if (i & 1)
			r.probe = HT_PROBE_SYSCALL + (uint32_t)(rnd(&s) % 700);
		if (i % 4 == 1) {
			r.cr3 = 0x1000 | (rnd(&s) & 0xfff);
			r.args[0] = VA + (rnd(&s) & 0xfff);
			r.comm_addr = VA + (rnd(&s) & 0x1fff);
		}
		dt_ht_handle(v.b.g, &r, v.ht);
		if (i % 100 == 0)
			dt_ht_handle(v.a.g, &good, v.ht);
	}
	t = env_print(&v);
	if (getenv("HT_TEST_VERBOSE"))
		fprintf(stderr, "%s%lu refused\n", t,
			(unsigned long)dt_ht_refused(v.ht));
	assert_true(
	    has_line(t, (const char *[]){"vma", "workload", "1000"}, 3));
	assert_true(dt_ht_refused(v.ht) > 40000);
	env_fini(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtins),
	    cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
