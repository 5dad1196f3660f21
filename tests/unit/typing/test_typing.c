/* test_typing.c: DIF type inference: basic blocks and CFG, the information-
 * flow graph (register, variable and tuple-stack definitions), programs that
 * must type-check and programs that must fail with a given message, and
 * random DIF that must never crash it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <cmocka.h>

#include "dif/dt_asm.h"
#include "link/dt_reloc.h"
#include "typing/dt_typing.h"

/* Assembles text (relocations as .word) and appends symbols ('|'-separated). */
static dt_difo_t *as(const char *text, const char *syms)
{
	char err[256];
	dt_difo_t *d = dt_asm(text, err, sizeof(err));

	if (d == NULL)
		fail_msg("asm: %s", err);
	while (syms != NULL && *syms) {
		char s[256];
		size_t n = strcspn(syms, "|");

		memcpy(s, syms, n);
		s[n] = '\0';
		dt_reloc_sym_add(d, s);
		syms += n + (syms[n] == '|');
	}
	return d;
}

static int check(dt_difo_t *d, const struct btf *btf, char *why, size_t len)
{
	dt_ifg_t g;
	int rc;

	if (dt_ifg_build(d, &g, why, len) != 0)
		return -1;
	rc = dt_typing_difo(&g, btf, "clause", why, len);
	dt_ifg_free(&g);
	return rc;
}

static void must_pass(const char *text, const char *syms, const struct btf *b)
{
	dt_difo_t *d = as(text, syms);
	char why[512];

	if (check(d, b, why, sizeof(why)) != 0)
		fail_msg("should type-check: %s\n%s", why, text);
	dt_difo_free(d);
}

static void must_fail(const char *text, const char *syms, const struct btf *b,
		      const char *msg)
{
	dt_difo_t *d = as(text, syms);
	char why[512] = "";

	if (check(d, b, why, sizeof(why)) == 0)
		fail_msg("should fail with \"%s\":\n%s", msg, text);
	if (strstr(why, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", why, msg);
	dt_difo_free(d);
}

static char w[64];
/* a raw word as ".word 0x..." */
static const char *word(dif_instr_t x)
{
	snprintf(w, sizeof(w), ".word 0x%08x", x);
	return w;
}

static void test_cfg(void **state)
{
	dt_difo_t *d = as("setx 1, %r1\n"
			  "tst %r1\n"
			  "be L1\n"
			  "setx 2, %r1\n"
			  "ba L2\n"
			  "L1:\n"
			  "setx 3, %r1\n"
			  "L2:\n"
			  "ret %r1\n",
			  NULL);
	dt_ifg_t g;
	char why[256];

	assert_int_equal(dt_ifg_build(d, &g, why, sizeof(why)), 0);
	assert_int_equal(g.cfg.nbbs, 4);
	assert_int_equal(g.cfg.bbs[0].nsucc, 2);
	assert_int_equal(g.cfg.bbs[1].nsucc, 1);
	assert_int_equal(g.cfg.bbs[3].npred, 2);
	/* the ret sees both definitions of %r1 (instructions 3 and 5) */
	assert_int_equal(g.nodes[6].rd.n, 2);
	assert_int_equal(g.nodes[6].rd.v[0], 3);
	assert_int_equal(g.nodes[6].rd.v[1], 5);
	dt_ifg_free(&g);
	dt_difo_free(d);

	/* a backward branch is refused */
	d = as("setx 1, %r1\nret %r1\n", NULL);
	d->buf[0] = DIF_INSTR_BRANCH(DIF_OP_BA, 0);
	assert_int_equal(dt_cfg_build(d, &g.cfg, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a forward branch"));
	dt_difo_free(d);
	d = as("setx 1, %r1\n", NULL);
	assert_int_equal(dt_cfg_build(d, &g.cfg, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "must be ret"));
	dt_difo_free(d);
}

static void test_ifg_vars_stack(void **state)
{
	dt_difo_t *d = as(".var 0x500 thread scalar int\n"
			  "setx 1, %r1\n"
			  "stts 0x500, %r1\n"
			  "tst %r1\n"
			  "be L1\n"
			  "stts 0x500, %r1\n"
			  "L1:\n"
			  "ldts 0x500, %r2\n"
			  "pushtv 0, %r2\n"
			  "pushtv 0, %r1\n"
			  "call 12, %r3\n"
			  "flushts\n"
			  "ret %r3\n",
			  NULL);
	dt_ifg_t g;
	char why[256];

	assert_int_equal(dt_ifg_build(d, &g, why, sizeof(why)), 0);
	/* the load sees both stores; the call sees both pushes */
	assert_int_equal(g.nodes[5].var.n, 2);
	assert_int_equal(g.nodes[5].var.v[0], 1);
	assert_int_equal(g.nodes[5].var.v[1], 4);
	assert_int_equal(g.nodes[8].sdepth, 2);
	assert_int_equal(g.nodes[8].stack[0], 6);
	assert_int_equal(g.nodes[8].stack[1], 7);
	assert_int_equal(dt_typing_difo(&g, NULL, NULL, why, sizeof(why)), 0);
	dt_ifg_free(&g);
	dt_difo_free(d);
}

static void test_pass(void **state)
{
	char buf[1024];
	struct btf *btf = btf__parse("/sys/kernel/btf/vmlinux", NULL);

	assert_non_null(btf);
	/* strings flow through a variable and a comparison */
	must_pass(".var 0x500 global scalar string\n"
		  "sets \"bash\", %r1\n"
		  "stgs 0x500, %r1\n"
		  "ldgs 0x500, %r2\n"
		  "ldgs 0x118, %r3\n" /* execname */
		  "scmp %r2, %r3\n"
		  "ret %r2\n",
		  NULL, NULL);
	/* NULL (%r0, bottom) joins a string */
	must_pass("sets \"x\", %r1\n"
		  "tst %r1\n"
		  "be L1\n"
		  "mov %r0, %r1\n"
		  "L1:\n"
		  "ret %r1\n",
		  NULL, NULL);
	/* a kernel member read, as -E compiles it, with and without BTF */
	snprintf(buf, sizeof(buf), "ldgs 0x100, %%r1\n%s\n",
		 word(DIF_INSTR_USETX(0, 2)));
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		 "add %%r1, %%r2, %%r1\n%s\nret %%r1\n",
		 word(DIF_INSTR_ULOAD(DIF_OP_ULOAD, 1, 1, 1)));
	must_pass(buf,
		  "offsetof struct task_struct pid|"
		  "member struct task_struct pid",
		  NULL);
	must_pass(buf,
		  "offsetof struct task_struct pid|"
		  "member struct task_struct pid",
		  btf);
	/* typecast then ret */
	snprintf(buf, sizeof(buf), "ldgs 0x100, %%r1\n%s\nret %%r1\n",
		 word(DIF_INSTR_TYPECAST(0, 1)));
	must_pass(buf, "type struct task_struct *", btf);
	/* unreachable code is not typed */
	must_pass("setx 1, %r1\n"
		  "ba L1\n"
		  "add %r5, %r6, %r7\n"
		  "L1:\n"
		  "ret %r1\n",
		  NULL, NULL);
	btf__free(btf);
}

static void test_fail(void **state)
{
	char buf[1024];
	struct btf *btf = btf__parse("/sys/kernel/btf/vmlinux", NULL);

	must_fail("add %r1, %r2, %r3\nret %r3\n", NULL, NULL,
		  "instruction 0 (add %r1, %r2, %r3): %r1 is used before it "
		  "is set");
	must_fail("sets \"a\", %r1\nsetx 1, %r2\nmul %r1, %r2, %r3\nret %r3\n",
		  NULL, NULL,
		  "instruction 2 (mul %r1, %r2, %r3): %r1 is a "
		  "string, not a number");
	must_fail("sets \"a\", %r1\nadd %r1, %r1, %r3\nret %r3\n", NULL, NULL,
		  "%r1 and %r1 are both strings");
	must_fail("sets \"a\", %r1\n"
		  "tst %r1\n"
		  "be L1\n"
		  "setx 7, %r1\n"
		  "L1:\n"
		  "ret %r1\n",
		  NULL, NULL,
		  "clause: instruction 4 (ret %r1): %r1: its definitions "
		  "disagree: string (from instruction 0) and int (from "
		  "instruction 3)");
	must_fail("setx 1, %r1\ntst %r1\nbe L1\nsetx 2, %r2\nL1:\nret %r2\n",
		  NULL, NULL, "%r2 is used before it is set (on some path)");
	must_fail("sets \"a\", %r1\nsetx 8, %r2\nstx %r1, [%r2]\nret %r2\n",
		  NULL, NULL, "%r1 is a string, and cannot be stored by value");
	/* relocation symbols */
	snprintf(buf, sizeof(buf), "%s\nret %%r1\n",
		 word(DIF_INSTR_USETX(3, 1)));
	must_fail(buf, "sizeof int", NULL, "symbol 3 does not exist");
	snprintf(buf, sizeof(buf), "%s\nret %%r1\n",
		 word(DIF_INSTR_USETX(0, 1)));
	must_fail(buf, "type int", NULL, "has the wrong kind here");
	must_fail(buf, "offsetof struct task_struct nope", btf,
		  "struct task_struct has no member \"nope\"");
	snprintf(buf, sizeof(buf), "ldgs 0x100, %%r1\n%s\nret %%r1\n",
		 word(DIF_INSTR_ULOAD(DIF_OP_ULOAD, 1, 0, 1)));
	must_fail(buf, "type struct task_struct", btf,
		  "a struct or union cannot be loaded by value");
	snprintf(buf, sizeof(buf), "sets \"a\", %%r1\n%s\nret %%r1\n",
		 word(DIF_INSTR_ULOAD(DIF_OP_UULOAD, 1, 0, 1)));
	must_fail(buf, "type int", NULL,
		  "%r1 is a string, not an address of a kernel object");
	must_fail("popts\nret %r0\n", NULL, NULL,
		  "popts on an empty tuple stack");
	must_fail("setx 1, %r1\n"
		  "tst %r1\n"
		  "be L1\n"
		  "pushtv 0, %r1\n"
		  "L1:\n"
		  "call 12, %r2\n"
		  "ret %r2\n",
		  NULL, NULL, "tuple stack differs between the paths");
	btf__free(btf);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random DIF (valid opcodes, forward branches, random operands): typing
 * either succeeds or explains; never crashes (ASan build checks memory). */
static void test_random(void **state)
{
	uint64_t s = 88172645463325252ull;
	uint32_t ok = 0, n = 20000;
	struct btf *btf = btf__parse("/sys/kernel/btf/vmlinux", NULL);

	for (uint32_t k = 0; k < n; k++) {
		dt_difo_t *d = dt_difo_new();
		char why[512];
		dt_ifg_t g;

		d->len = 1 + (uint32_t)(rnd(&s) % 24);
		d->buf = malloc(d->len * sizeof(*d->buf));
		for (uint32_t i = 0; i < d->len; i++) {
			uint32_t op = 1 + (uint32_t)(rnd(&s) % DIF_OP_MAX);
			uint32_t r = (uint32_t)rnd(&s) & 0x070707;

			if (op >= DIF_OP_BA && op <= DIF_OP_BLEU)
				d->buf[i] = DIF_INSTR_BRANCH(
				    op, i + 1 + rnd(&s) % (d->len - i));
			else
				d->buf[i] = op << 24 | r;
		}
		d->buf[d->len - 1] = DIF_INSTR_RET((uint32_t)rnd(&s) % 8);
		d->intlen = 2;
		d->inttab = calloc(2, 8);
		dt_reloc_sym_add(d, "type int");
		dt_reloc_sym_add(d, "member struct task_struct pid");
		if (dt_ifg_build(d, &g, why, sizeof(why)) == 0) {
			if (dt_typing_difo(&g, k % 2 ? btf : NULL, "x", why,
					   sizeof(why)) == 0)
				ok++;
			dt_ifg_free(&g);
		}
		dt_difo_free(d);
	}
	print_message("random DIF: %u of %u type-check\n", ok, n);
	btf__free(btf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cfg),
	    cmocka_unit_test(test_ifg_vars_stack),
	    cmocka_unit_test(test_pass),
	    cmocka_unit_test(test_fail),
	    cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
