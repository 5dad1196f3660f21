/*
 * test_cg_link.c: HyperTrace relocations against the linker. Each program
 * is compiled twice: with relocations (-E), then linked against this
 * machine's BTF; and plainly for this machine. The linked DIF must be the
 * plain DIF instruction for instruction (typecasts become nops, usetx a setx
 * of the same value, uload the same load), with the same return types, and
 * the host check (dt_link_check) must accept it. Skipped without BTF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "front/dt_compile.h"
#include "link/dt_link.h"

static const char *const progs[] = {
    "BEGIN { trace(curthread->pid); exit(0); }",
    "BEGIN { trace(curthread->comm); }",
    "BEGIN { trace(curthread->real_parent->real_parent->tgid); }",
    "BEGIN /curthread->pid != 0/ { self->p = curthread->real_parent; "
    "@c[curthread->comm] = count(); }",
    "BEGIN { trace(((struct task_struct *)arg0)[2].pid); "
    "trace(curthread->comm[1]); }",
    "BEGIN { x = curthread->pid + 1; printf(\"%d %s\\n\", x, "
    "stringof(curthread->comm)); }",
    /* members reached without a dereference: one dotted offsetof */
    "BEGIN { trace(curthread->cred->uid.val); trace(curthread->se.vruntime); "
    "trace(&curthread->se.vruntime); }",
    /* sizeof and offsetof of kernel types: the machine's values */
    "BEGIN { trace(sizeof(struct task_struct)); trace(sizeof(*curthread)); "
    "trace(offsetof(struct task_struct, comm)); }",
    "BEGIN { this->p = curthread; this->p++; trace(this->p); "
    "trace(curthread + 2); }",
    /* user addresses, `userland` as a specifier or after the star */
    "BEGIN { trace(((userland struct __kernel_timespec *)arg0)->tv_nsec); "
    "trace(((struct __kernel_timespec * userland)arg0)->tv_sec); }",
};

static dt_prog_t *compile(const char *src, int ht)
{
	dt_compile_opts_t o;
	dt_compile_error_t err;
	dt_prog_t *p = NULL;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.kind = DT_SRC_SCRIPT;
	o.hypertrace = ht;
	if (dt_compile(&o, src, &p, &err) != 0)
		fail_msg("compile failed: [%s] %s: %s", err.tag, err.msg, src);
	return p;
}

/* Compares one linked DIFO with the plain one, using the unlinked one to
 * know where typecasts were. */
static void same_difo(const dt_difo_t *u, const dt_difo_t *l,
		      const dt_difo_t *h, const char *src)
{
	uint32_t i, j = 0;

	assert_int_equal(u->len, l->len);
	for (i = 0; i < l->len; i++) {
		dif_instr_t a = l->buf[i], b;
		unsigned op = DIF_INSTR_OP(a);

		if (DIF_INSTR_OP(u->buf[i]) == DIF_OP_TYPECAST) {
			assert_int_equal(op, DIF_OP_NOP);
			continue;
		}
		if (j >= h->len)
			fail_msg("linked DIFO longer than plain: %s", src);
		b = h->buf[j++];
		if (op == DIF_OP_SETX && DIF_INSTR_OP(b) == DIF_OP_SETX) {
			assert_int_equal(DIF_INSTR_RD(a), DIF_INSTR_RD(b));
			assert_int_equal(l->inttab[DIF_INSTR_INTEGER(a)],
					 h->inttab[DIF_INSTR_INTEGER(b)]);
			continue;
		}
		/* expression statements return %r0 in -E mode */
		if (op == DIF_OP_RET && DIF_INSTR_OP(b) == DIF_OP_RET &&
		    h->rtype.size == 0 && DIF_INSTR_RD(a) == 0)
			continue;
		if (a != b)
			fail_msg("instruction %u: linked %08x, plain %08x: %s",
				 i, a, b, src);
	}
	assert_int_equal(j, h->len);
	assert_int_equal(l->rtype.kind, h->rtype.kind);
	assert_int_equal(l->rtype.size, h->rtype.size);
	assert_int_equal(l->rtype.flags & DIF_TF_BYREF,
			 h->rtype.flags & DIF_TF_BYREF);
}

static void test_link_matches_host(void **state)
{
	size_t k;

	(void)state;
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		skip();
	for (k = 0; k < sizeof(progs) / sizeof(progs[0]); k++) {
		dt_prog_t *u = compile(progs[k], 1), *l = compile(progs[k], 1);
		dt_prog_t *h = compile(progs[k], 0);
		dt_link_opts_t lo;
		char err[512], why[512];
		uint32_t s, a, d;

		memcpy(l->ident, u->ident, sizeof(u->ident));
		memset(&lo, 0, sizeof(lo));
		lo.size = sizeof(lo);
		lo.resolvers = "none";
		if (dt_link(l, &lo, err, sizeof(err)) != 0)
			fail_msg("link failed: %s: %s", err, progs[k]);
		if (dt_link_check(u, l, why, sizeof(why)) != 0)
			fail_msg("host check refused: %s: %s", why, progs[k]);
		assert_int_equal(l->nstmts, h->nstmts);
		for (s = 0; s < h->nstmts; s++) {
			const dt_stmt_t *us = &u->stmts[s], *ls = &l->stmts[s],
					*hs = &h->stmts[s];

			assert_int_equal(ls->nacts, hs->nacts);
			if (hs->pred != NULL)
				same_difo(us->pred, ls->pred, hs->pred,
					  progs[k]);
			for (a = 0; a < hs->nacts; a++)
				for (d = 0; d < hs->acts[a].ndifo; d++)
					same_difo(us->acts[a].difo[d],
						  ls->acts[a].difo[d],
						  hs->acts[a].difo[d],
						  progs[k]);
		}
		assert_true(dt_link_count_relocs(u) > 0);
		assert_int_equal(dt_link_count_relocs(l), 0);
		dt_prog_free(u);
		dt_prog_free(l);
		dt_prog_free(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_matches_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
