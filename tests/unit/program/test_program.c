/* test_program.c: building, copying, comparing and freeing dt_prog_t. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "program/dt_program.h"

static dt_difo_t *make_difo(uint64_t k)
{
	dt_difo_t *d = dt_difo_new();

	assert_non_null(d);
	d->len = 2;
	d->buf = calloc(2, sizeof(dif_instr_t));
	d->buf[0] = DIF_INSTR_SETX(0, 1);
	d->buf[1] = DIF_INSTR_RET(1);
	d->intlen = 1;
	d->inttab = calloc(1, sizeof(uint64_t));
	d->inttab[0] = k;
	d->rtype.kind = DIF_TYPE_CTF;
	d->rtype.size = 8;
	d->rtype_name = strdup("int64_t");
	d->flags = DT_DIFO_SIGNED;
	return d;
}

static dt_prog_t *make_prog(uint64_t k)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s;
	dt_action_t *a;
	int agg, fmt;

	assert_non_null(p);
	s = dt_prog_add_stmt(p);
	assert_non_null(s);
	assert_int_equal(dt_stmt_add_desc(s, "", "dtrace", "", "", "BEGIN"), 0);
	assert_int_equal(dt_stmt_add_desc(s, "vm*", "profile", NULL, NULL,
					  "tick-1s"),
			 0);
	s->pred = make_difo(1);
	a = dt_stmt_add_action(s, DT_ACT_DIFEXPR);
	assert_non_null(a);
	assert_int_equal(a->fmt, DT_NOFMT);
	assert_int_equal(dt_action_add_difo(a, make_difo(k)), 0);
	fmt = dt_prog_add_fmt(p, DT_ACT_PRINTF, "%d\n");
	assert_int_equal(fmt, 0);
	a = dt_stmt_add_action(s, DT_ACT_PRINTF);
	a->fmt = (uint32_t)fmt;
	assert_int_equal(dt_action_add_difo(a, make_difo(k + 1)), 0);
	agg = dt_prog_add_agg(p, "counts", DT_AGG_COUNT);
	assert_int_equal(agg, 0);
	a = dt_stmt_add_action(s, DT_ACT_AGGREGATION);
	a->arg = (uint64_t)agg;
	a = dt_stmt_add_action(s, DT_ACT_PRINTA);
	assert_int_equal(dt_action_add_arg(a, (uint64_t)agg), 0);
	assert_int_equal(dt_prog_add_opt(p, "quiet", NULL), 0);
	assert_int_equal(dt_prog_add_opt(p, "bufsize", "4m"), 1);
	return p;
}

static void test_build_and_find(void **state)
{
	dt_prog_t *p = make_prog(42);

	(void)state;
	assert_int_equal(p->nstmts, 1);
	assert_int_equal(p->stmts[0].ndesc, 2);
	assert_string_equal(p->stmts[0].descs[1].target, "vm*");
	assert_string_equal(p->stmts[0].descs[1].module, "");
	assert_int_equal(p->stmts[0].nacts, 4);
	assert_int_equal(dt_prog_find_agg(p, "counts"), 0);
	assert_int_equal(dt_prog_find_agg(p, "nope"), -1);
	dt_prog_free(p);
}

static void test_equal_and_differences(void **state)
{
	dt_prog_t *a = make_prog(42), *b = make_prog(42), *c = make_prog(43);
	char why[128];

	(void)state;
	assert_int_equal(dt_prog_equal(a, b, why, sizeof(why)), 0);
	assert_int_equal(dt_prog_equal(a, c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "integer tables differ"));
	b->stmts[0].pred->buf[0] = DIF_INSTR_SETX(0, 2);
	assert_int_equal(dt_prog_equal(a, b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "instruction 0"));
	dt_prog_free(a);
	dt_prog_free(b);
	dt_prog_free(c);
}

static void test_difo_dup(void **state)
{
	dt_difo_t *d = make_difo(7), *e;

	(void)state;
	e = dt_difo_dup(d);
	assert_non_null(e);
	assert_ptr_not_equal(e->buf, d->buf);
	assert_memory_equal(e->buf, d->buf, d->len * sizeof(dif_instr_t));
	assert_int_equal(e->inttab[0], 7);
	assert_string_equal(e->rtype_name, "int64_t");
	dt_difo_free(d);
	dt_difo_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_and_find),
		cmocka_unit_test(test_equal_and_differences),
		cmocka_unit_test(test_difo_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
