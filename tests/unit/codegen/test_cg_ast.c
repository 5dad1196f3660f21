/*
 * test_cg_ast.c: code generation from hand-built typed ASTs, independent of
 * the parser: the DIF of small programs, instruction by instruction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codegen/dt_cg.h"
#include "hypertrace/dif.h"

/* A tiny arena so that a test frees everything at once. */
static void *blocks[256];
static int nblocks;

static void *zalloc(size_t n)
{
	void *p = calloc(1, n);

	assert_non_null(p);
	assert_true(nblocks < 256);
	blocks[nblocks++] = p;
	return p;
}

static void free_all(void)
{
	while (nblocks > 0)
		free(blocks[--nblocks]);
}

static dt_node_t *node(enum dt_nkind k, dt_type_t *t)
{
	dt_node_t *n = zalloc(sizeof(*n));

	n->kind = k;
	n->type = t;
	n->line = 1;
	n->flags = DT_NF_COOKED;
	return n;
}

static dt_node_t *integer(dt_typetab_t *tt, int64_t v)
{
	dt_node_t *n = node(DT_N_INT, dt_type_int32(tt));

	n->ival = v;
	return n;
}

static dt_node_t *call_act(uint32_t act, dt_node_t *arg)
{
	dt_node_t *c = node(DT_N_CALL, NULL), *s = node(DT_N_EXPRSTMT, NULL);

	c->callkind = DT_CALL_ACTION;
	c->act = act;
	c->args = arg;
	c->nargs = arg != NULL;
	s->left = c;
	return s;
}

static dt_front_prog_t *prog1(dt_typetab_t *tt, dt_node_t *pred,
			      dt_node_t *stmts)
{
	dt_front_prog_t *fp = zalloc(sizeof(*fp));
	dt_clause_t *c = zalloc(sizeof(*c));
	dt_probedesc_t *d = zalloc(sizeof(*d));

	d->target = d->provider = d->module = d->function = "";
	d->name = "BEGIN";
	c->ndescs = 1;
	c->descs = d;
	c->pred = pred;
	c->stmts = stmts;
	c->line = 1;
	c->has_body = 1;
	fp->types = tt;
	fp->nclauses = 1;
	fp->clauses = zalloc(sizeof(dt_clause_t *));
	fp->clauses[0] = c;
	fp->strsize = 256;
	return fp;
}

static dt_prog_t *gen(dt_front_prog_t *fp, dt_compile_error_t *err)
{
	dt_compile_opts_t o;
	dt_prog_t *p = NULL;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	if (dt_cg_program(&o, fp, &p, err) != 0)
		return NULL;
	return p;
}

/* BEGIN { trace(1); exit(0); } */
static void test_trace_exit(void **state)
{
	dt_typetab_t *tt = dt_typetab_new("", 256);
	dt_node_t *s1 = call_act(DT_ACT_DIFEXPR, integer(tt, 1));
	dt_node_t *s2 = call_act(DT_ACT_EXIT, integer(tt, 0));
	dt_compile_error_t err;
	dt_prog_t *p;
	dt_difo_t *d;

	(void)state;
	s1->next = s2;
	p = gen(prog1(tt, NULL, s1), &err);
	assert_non_null(p);
	assert_int_equal(p->nstmts, 1);
	assert_null(p->stmts[0].pred);
	assert_int_equal(p->stmts[0].nacts, 2);
	assert_int_equal(p->stmts[0].acts[0].kind, DT_ACT_DIFEXPR);
	assert_int_equal(p->stmts[0].acts[1].kind, DT_ACT_EXIT);
	d = p->stmts[0].acts[0].difo[0];
	assert_int_equal(d->len, 2);
	assert_int_equal(d->buf[0], DIF_INSTR_SETX(0, 1));
	assert_int_equal(d->buf[1], DIF_INSTR_RET(1));
	assert_int_equal(d->inttab[0], 1);
	assert_int_equal(d->rtype.kind, DIF_TYPE_CTF);
	assert_int_equal(d->rtype.size, 4);
	assert_true(d->flags & DT_DIFO_SIGNED);
	assert_string_equal(d->rtype_name, "int");
	assert_string_equal(p->stmts[0].descs[0].name, "BEGIN");
	dt_prog_free(p);
	dt_typetab_free(tt);
	free_all();
}

/* (a + a) * ((a + a) * ...) seven deep needs eight registers: D_NOREG. */
static void test_noreg(void **state)
{
	dt_typetab_t *tt = dt_typetab_new("", 256);
	dt_compile_error_t err;
	dt_node_t *e = NULL;
	dt_var_t *v = zalloc(sizeof(*v));
	int i;

	(void)state;
	v->name = "a";
	v->id = DIF_VAR_OTHER_UBASE;
	v->kind = DIFV_KIND_SCALAR;
	v->type = dt_type_int32(tt);
	for (i = 0; i < 7; i++) {
		dt_node_t *l = node(DT_N_VAR, v->type),
			  *r = node(DT_N_VAR, v->type);
		dt_node_t *sum = node(DT_N_OP2, v->type);

		l->var = r->var = v;
		sum->op = DT_OP_ADD;
		sum->left = l;
		sum->right = r;
		if (e == NULL) {
			e = sum;
		} else {
			dt_node_t *m = node(DT_N_OP2, v->type);

			m->op = DT_OP_MUL;
			m->left = sum;
			m->right = e;
			e = m;
		}
	}
	assert_null(gen(prog1(tt, NULL, call_act(DT_ACT_DIFEXPR, e)), &err));
	assert_string_equal(err.tag, "D_NOREG");
	dt_typetab_free(tt);
	free_all();
}

/* x < 3 with x unsigned: cmp, blu, and the 0/1 tail. */
static void test_compare_unsigned(void **state)
{
	dt_typetab_t *tt = dt_typetab_new("", 256);
	dt_var_t *v = zalloc(sizeof(*v));
	dt_node_t *x, *cmp;
	dt_compile_error_t err;
	dt_prog_t *p;
	dt_difo_t *d;

	(void)state;
	v->name = "x";
	v->id = DIF_VAR_OTHER_UBASE;
	v->kind = DIFV_KIND_SCALAR;
	v->type = dt_type_uint32(tt);
	x = node(DT_N_VAR, v->type);
	x->var = v;
	cmp = node(DT_N_OP2, dt_type_int32(tt));
	cmp->op = DT_OP_LT;
	cmp->left = x;
	cmp->right = integer(tt, 3);
	p = gen(prog1(tt, cmp, call_act(DT_ACT_DIFEXPR, integer(tt, 1))), &err);
	assert_non_null(p);
	d = p->stmts[0].pred;
	assert_non_null(d);
	assert_int_equal(d->len, 9);
	assert_int_equal(d->buf[8], DIF_INSTR_RET(1));
	assert_int_equal(d->buf[0], DIF_INSTR_LDV(DIF_OP_LDGS, 0x500, 1));
	assert_int_equal(d->buf[2], DIF_INSTR_CMP(DIF_OP_CMP, 1, 2));
	assert_int_equal(d->buf[3], DIF_INSTR_BRANCH(DIF_OP_BLU, 6));
	assert_int_equal(d->buf[4], DIF_INSTR_MOV(0, 1));
	assert_int_equal(d->buf[5], DIF_INSTR_BRANCH(DIF_OP_BA, 7));
	assert_int_equal(d->buf[7], DIF_INSTR_NOP);
	assert_int_equal(d->varlen, 1);
	assert_int_equal(d->vartab[0].flags, DIFV_F_REF);
	dt_prog_free(p);
	dt_typetab_free(tt);
	free_all();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trace_exit),
	    cmocka_unit_test(test_noreg),
	    cmocka_unit_test(test_compare_unsigned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
