/* test_engine.c: the DIF emulator, opcode by opcode; variables of every
 * scope; subroutines; faults into ERROR; aggregations; speculations;
 * buffers and drops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dt_tprog.h"

static dt_engine_t *g_e;
static dt_prog_t *g_p;

static int setup(void **state)
{
	(void)state;
	g_p = dt_prog_new();
	g_e = tp_engine(g_p, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dt_engine_destroy(g_e);
	dt_prog_free(g_p);
	return 0;
}

/* user address space for the uld* and copyin tests: a local buffer. */
static uint8_t g_user[64] = "user-string";
static int uread(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	if (addr < 0x1000 || addr + len > 0x1000 + sizeof(g_user))
		return -1;
	memcpy(buf, g_user + (addr - 0x1000), len);
	return 0;
}

static int run(const char *txt, uint64_t *rv)
{
	dt_difo_t *d = tp_asm(txt);
	dt_pctx_t c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.pid = 77;
	c.arg[0] = 10;
	c.arg[3] = 33;
	c.user.read = uread;
	rc = dt_engine_run_difo(g_e, d, &c, rv);
	dt_difo_free(d);
	return rc;
}

static uint64_t val(const char *txt)
{
	uint64_t v = 0;
	int rc = run(txt, &v);

	if (rc != 0)
		fail_msg("fault %d in:\n%s", rc, txt);
	return v;
}

#define BIN(op, a, b)                                                          \
	val("setx " #a ", %r1\nsetx " #b ", %r2\n" op " %r1, %r2, %r3\nret %r3")

static void test_alu(void **state)
{
	(void)state;
	assert_int_equal(BIN("or", 0xf0, 0x0f), 0xff);
	assert_int_equal(BIN("xor", 0xff, 0x0f), 0xf0);
	assert_int_equal(BIN("and", 0xff, 0x0f), 0x0f);
	assert_int_equal(BIN("sll", 1, 10), 1024);
	assert_int_equal(BIN("srl", -1, 60), 15);
	assert_int_equal((int64_t)BIN("sra", -16, 2), -4);
	assert_int_equal((int64_t)BIN("sub", 3, 5), -2);
	assert_int_equal(BIN("add", 3, 5), 8);
	assert_int_equal(BIN("mul", 6, 7), 42);
	assert_int_equal((int64_t)BIN("sdiv", -7, 2), -3);
	assert_int_equal(BIN("udiv", -1, 2), 0x7fffffffffffffffULL);
	assert_int_equal((int64_t)BIN("srem", -7, 2), -1);
	assert_int_equal(BIN("urem", 7, 4), 3);
	assert_int_equal(val("setx 0, %r1\nnot %r1, %r2\nret %r2"), ~0ULL);
	assert_int_equal(val("setx 9, %r1\nmov %r1, %r2\nret %r2"), 9);
	assert_int_equal(val("nop\nsetx 5, %r1\nret %r1"), 5);
}

static void test_divzero(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(run("setx 1, %r1\nsdiv %r1, %r0, %r2\nret %r2", &v),
			 DT_FLT_DIVZERO);
	assert_int_equal(run("setx 1, %r1\nudiv %r1, %r0, %r2\nret %r2", &v),
			 DT_FLT_DIVZERO);
	assert_int_equal(run("setx 1, %r1\nsrem %r1, %r0, %r2\nret %r2", &v),
			 DT_FLT_DIVZERO);
	assert_int_equal(run("setx 1, %r1\nurem %r1, %r0, %r2\nret %r2", &v),
			 DT_FLT_DIVZERO);
	assert_string_equal(dt_fault_str(DT_FLT_DIVZERO), "divide-by-zero");
}

/* Branch br taken when comparing a with b? */
static int taken(const char *br, int64_t a, int64_t b)
{
	char txt[256];

	snprintf(txt, sizeof(txt),
		 "setx %lld, %%r1\nsetx %lld, %%r2\ncmp %%r1, %%r2\n%s L1\n"
		 "ret %%r0\nL1:\nsetx 1, %%r3\nret %%r3",
		 (long long)a, (long long)b, br);
	return (int)val(txt);
}

static void test_branches(void **state)
{
	(void)state;
	assert_true(taken("ba", 1, 2));
	assert_true(taken("be", 2, 2));
	assert_false(taken("be", 1, 2));
	assert_true(taken("bne", 1, 2));
	assert_false(taken("bne", 2, 2));
	assert_true(taken("bg", 3, -2));
	assert_false(taken("bg", -2, 3));
	assert_true(taken("bgu", -2, 3));
	assert_false(taken("bgu", 3, 3));
	assert_true(taken("bge", 3, 3));
	assert_false(taken("bge", -3, 3));
	assert_true(taken("bgeu", -3, 3));
	assert_false(taken("bgeu", 2, 3));
	assert_true(taken("bl", -1, 0));
	assert_false(taken("bl", 0, 0));
	assert_true(taken("blu", 0, -1));
	assert_false(taken("blu", -1, 0));
	assert_true(taken("ble", 0, 0));
	assert_false(taken("ble", 1, 0));
	assert_true(taken("bleu", 1, -1));
	assert_false(taken("bleu", -1, 1));
	assert_int_equal(val("setx 0, %r1\ntst %r1\nbe L1\nret %r0\nL1:\n"
			     "setx 7, %r2\nret %r2"), 7);
}

static void test_memory(void **state)
{
	uint64_t v;

	(void)state;
	/* allocs + stores + loads of every width, through scratch */
	assert_int_equal(val("setx 16, %r1\nallocs %r1, %r2\nsetx -2, %r3\n"
			     "stx %r3, %r2\nldsb %r2, %r4\nret %r4"), (uint64_t)-2);
	assert_int_equal(val("setx 16, %r1\nallocs %r1, %r2\nsetx -2, %r3\n"
			     "stb %r3, %r2\nldub %r2, %r4\nret %r4"), 0xfe);
	assert_int_equal(val("setx 16, %r1\nallocs %r1, %r2\nsetx -2, %r3\n"
			     "sth %r3, %r2\nldsh %r2, %r4\nret %r4"), (uint64_t)-2);
	assert_int_equal(val("setx 16, %r1\nallocs %r1, %r2\nsetx -2, %r3\n"
			     "sth %r3, %r2\nlduh %r2, %r4\nret %r4"), 0xfffe);
	assert_int_equal(val("setx 16, %r1\nallocs %r1, %r2\nsetx -2, %r3\n"
			     "stw %r3, %r2\nldsw %r2, %r4\nret %r4"), (uint64_t)-2);
	assert_int_equal(val("setx 16, %r1\nallocs %r1, %r2\nsetx -2, %r3\n"
			     "stw %r3, %r2\nlduw %r2, %r4\nret %r4"), 0xfffffffe);
	assert_int_equal(val("setx 16, %r1\nallocs %r1, %r2\nsetx 99, %r3\n"
			     "stx %r3, %r2\nldx %r2, %r4\nret %r4"), 99);
	assert_int_equal(val("setx 16, %r1\nallocs %r1, %r2\nsetx 99, %r3\n"
			     "stx %r3, %r2\nrldx %r2, %r4\nrldub %r2, %r5\n"
			     "add %r4, %r5, %r6\nret %r6"), 198);
	/* copys copies between scratch objects */
	assert_int_equal(val("setx 8, %r1\nallocs %r1, %r2\nallocs %r1, %r3\n"
			     "setx 5, %r4\nstx %r4, %r2\ncopys %r2, %r1, %r3\n"
			     "ldx %r3, %r5\nret %r5"), 5);
	/* invalid addresses fault, including NULL */
	assert_int_equal(run("ldx %r0, %r1\nret %r1", &v), DT_FLT_BADADDR);
	assert_int_equal(run("setx 0x1234, %r1\nldub %r1, %r2\nret %r2", &v),
			 DT_FLT_BADADDR);
	assert_int_equal(run("setx 0x1234, %r1\nstx %r1, %r1\nret %r1", &v),
			 DT_FLT_BADADDR);
	/* the scratch space runs out */
	assert_int_equal(run("setx 0x10000000, %r1\nallocs %r1, %r2\nret %r2", &v),
			 DT_FLT_NOSCRATCH);
	/* user loads go to the user address space */
	assert_int_equal(val("setx 0x1000, %r1\nuldub %r1, %r2\nret %r2"), 'u');
	assert_int_equal(val("setx 0x1002, %r1\nulduh %r1, %r2\nret %r2"),
			 'e' | ('r' << 8));
	/* misaligned loads fault as in DTrace */
	assert_int_equal(run("setx 0x1001, %r1\nulduh %r1, %r2\nret %r2", &v),
			 DT_FLT_BADALIGN);
	assert_int_equal(run("setx 16, %r1\nallocs %r1, %r2\nsetx 1, %r3\n"
			     "add %r2, %r3, %r2\nldx %r2, %r4\nret %r4", &v),
			 DT_FLT_BADALIGN);
	assert_int_equal(run("setx 0x9000, %r1\nuldx %r1, %r2\nret %r2", &v),
			 DT_FLT_BADADDR);
}

static void test_strings(void **state)
{
	uint64_t v;

	(void)state;
	/* scmp: equal, less, greater */
	assert_int_equal(val("sets \"abc\", %r1\nsets \"abc\", %r2\nscmp %r1, %r2\n"
			     "be L1\nret %r0\nL1:\nsetx 1, %r3\nret %r3"), 1);
	assert_int_equal(val("sets \"abc\", %r1\nsets \"abd\", %r2\nscmp %r1, %r2\n"
			     "bl L1\nret %r0\nL1:\nsetx 1, %r3\nret %r3"), 1);
	assert_int_equal(val("sets \"abcd\", %r1\nsets \"abc\", %r2\nscmp %r1, %r2\n"
			     "bg L1\nret %r0\nL1:\nsetx 1, %r3\nret %r3"), 1);
	/* strlen(strjoin("foo", "barx")) through the tuple stack */
	assert_int_equal(val("sets \"foo\", %r1\nsets \"barx\", %r2\nflushts\n"
			     "pushtr 1, %r0, %r1\npushtr 1, %r0, %r2\n"
			     "call 23, %r3\nflushts\npushtr 1, %r0, %r3\n"
			     "call 12, %r4\nret %r4"), 7);
	/* substr("hello", 1, 3) == "ell"; index("hello","l") == 2 */
	v = val("sets \"hello\", %r1\nsetx 1, %r2\nsetx 3, %r3\nflushts\n"
		"pushtr 1, %r0, %r1\npushtv 0, %r2\npushtv 0, %r3\ncall 32, %r4\n"
		"ret %r4");
	assert_string_equal((const char *)(uintptr_t)v, "ell");
	assert_int_equal(val("sets \"hello\", %r1\nsets \"l\", %r2\nflushts\n"
			     "pushtr 1, %r0, %r1\npushtr 1, %r0, %r2\ncall 33, %r3\n"
			     "ret %r3"), 2);
	assert_int_equal(val("sets \"hello\", %r1\nsets \"l\", %r2\nflushts\n"
			     "pushtr 1, %r0, %r1\npushtr 1, %r0, %r2\ncall 34, %r3\n"
			     "ret %r3"), 3);
	v = val("sets \"/usr/lib/libc.so\", %r1\nflushts\npushtr 1, %r0, %r1\n"
		"call 25, %r2\nret %r2");
	assert_string_equal((const char *)(uintptr_t)v, "libc.so");
	v = val("sets \"/usr/lib/libc.so\", %r1\nflushts\npushtr 1, %r0, %r1\n"
		"call 26, %r2\nret %r2");
	assert_string_equal((const char *)(uintptr_t)v, "/usr/lib");
	v = val("setx -123, %r1\nflushts\npushtv 0, %r1\ncall 24, %r2\nret %r2");
	assert_string_equal((const char *)(uintptr_t)v, "-123");
	v = val("sets \"MiXed\", %r1\nflushts\npushtr 1, %r0, %r1\ncall 45, %r2\n"
		"ret %r2");
	assert_string_equal((const char *)(uintptr_t)v, "mixed");
	v = val("sets \"/a/./b/../c//d\", %r1\nflushts\npushtr 1, %r0, %r1\n"
		"call 27, %r2\nret %r2");
	assert_string_equal((const char *)(uintptr_t)v, "/a/c/d");
	assert_int_equal(val("setx 0x1234, %r1\nflushts\npushtv 0, %r1\n"
			     "call 35, %r2\nret %r2"), 0x3412);
	/* copyinstr from the user address space */
	v = val("setx 0x1000, %r1\nflushts\npushtv 0, %r1\ncall 9, %r2\nret %r2");
	assert_string_equal((const char *)(uintptr_t)v, "user-string");
	/* strlen(NULL) faults */
	assert_int_equal(run("flushts\npushtr 1, %r0, %r0\ncall 12, %r1\nret %r1",
			     &v), DT_FLT_BADADDR);
	/* an unknown subroutine is an illegal operation */
	assert_int_equal(run("call 1, %r1\nret %r1", &v), DT_FLT_ILLOP);
	/* tuple stack: popts drops the top */
	assert_int_equal(val("sets \"ab\", %r1\nsets \"xyz\", %r2\nflushts\n"
			     "pushtr 1, %r0, %r1\npushtr 1, %r0, %r2\npopts\n"
			     "call 12, %r3\nret %r3"), 2);
}

/* alloca(n) into %r2, then bcopy("abcdefghijklmnopqrstuvwxyz" + 0, dst,
 * size); SRC and DST are instructions that leave the pointers in %r3 and
 * %r4 (the alloca pointer is in %r2). */
#define ALLOCA_BCOPY(n, dst, size, tail)                                       \
	"setx " #n ", %r1\nflushts\npushtv 0, %r1\ncall 15, %r2\n"             \
	"sets \"abcdefghijklmnopqrstuvwxyz\", %r3\n" dst                        \
	"setx " #size ", %r5\nflushts\npushtv 0, %r3\npushtv 0, %r4\n"          \
	"pushtv 0, %r5\ncall 16, %r6\n" tail

static void test_alloca_bcopy(void **state)
{
	uint64_t v;

	(void)state;
	/* a copy that fits lands in alloca space */
	assert_int_equal(val(ALLOCA_BCOPY(10, "mov %r2, %r4\n", 8,
					  "ldub %r2, %r7\nret %r7")), 'a');
	/* the top is rounded up to 8: 16 bytes fit in alloca(10) ... */
	assert_int_equal(val(ALLOCA_BCOPY(10, "mov %r2, %r4\n", 16,
					  "setx 15, %r7\nadd %r2, %r7, %r7\n"
					  "ldub %r7, %r7\nret %r7")), 'p');
	/* ... 17 do not: invalid size, as Linux DTrace says */
	assert_int_equal(run(ALLOCA_BCOPY(10, "mov %r2, %r4\n", 17,
					  "ret %r0"), &v), DT_FLT_BADSIZE);
	/* more than scratchsize is an invalid size whatever the target */
	assert_int_equal(run(ALLOCA_BCOPY(10, "mov %r2, %r4\n", 300,
					  "ret %r0"), &v), DT_FLT_BADSIZE);
	/* a destination at the top, or outside alloca space, is invalid */
	assert_int_equal(run(ALLOCA_BCOPY(10, "setx 16, %r4\nadd %r2, %r4, %r4\n",
					  1, "ret %r0"), &v), DT_FLT_BADADDR);
	assert_int_equal(run(ALLOCA_BCOPY(10, "mov %r3, %r4\n", 1, "ret %r0"),
			     &v), DT_FLT_BADADDR);
	/* a NULL source is an invalid address */
	assert_int_equal(run(ALLOCA_BCOPY(10, "mov %r2, %r4\nmov %r0, %r3\n", 4,
					  "ret %r0"), &v), DT_FLT_BADADDR);
	/* alloca(1); alloca(1): 8 bytes apart; more than scratchsize fails */
	assert_int_equal(val("setx 1, %r1\nflushts\npushtv 0, %r1\ncall 15, %r2\n"
			     "call 15, %r3\nsub %r3, %r2, %r4\nret %r4"), 8);
	assert_int_equal(run("setx 300, %r1\nflushts\npushtv 0, %r1\n"
			     "call 15, %r2\nret %r2", &v), DT_FLT_NOSCRATCH);
	/* link_ntop(ARPHRD_ETHER, the copied bytes) */
	v = val(ALLOCA_BCOPY(10, "mov %r2, %r4\n", 8,
			     "setx 1, %r7\nflushts\npushtv 0, %r7\n"
			     "pushtv 0, %r2\ncall 55, %r6\nret %r6"));
	assert_string_equal((const char *)(uintptr_t)v, "61:62:63:64:65:66");
	/* an unknown hardware type is illegal, a NULL address invalid */
	assert_int_equal(run(ALLOCA_BCOPY(10, "mov %r2, %r4\n", 8,
					  "setx 7, %r7\nflushts\npushtv 0, %r7\n"
					  "pushtv 0, %r2\ncall 55, %r6\nret %r6"),
			     &v), DT_FLT_ILLOP);
	assert_int_equal(run("setx 1, %r7\nflushts\npushtv 0, %r7\n"
			     "pushtv 0, %r0\ncall 55, %r6\nret %r6", &v),
			 DT_FLT_BADADDR);
}

static void test_builtins(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(val("ldgs 0x106, %r1\nret %r1"), 10);       /* arg0 */
	assert_int_equal(val("setx 3, %r1\nldga 0, %r1, %r2\nret %r2"), 33);
	assert_int_equal(val("setx 3, %r1\nldta 0, %r1, %r2\nret %r2"), 33);
	assert_int_equal(val("ldgs 0x116, %r1\nret %r1"), 77);       /* pid */
	/* curcpu: a readable cpuinfo_t (cpu_id, pset, chip, lgrp, info) */
	assert_int_equal(val("ldgs 0x122, %r1\nldsw %r1, %r2\nret %r2"), 0);
	assert_int_equal(val("ldgs 0x122, %r1\nsetx 16, %r2\n"
			     "add %r1, %r2, %r1\nldx %r1, %r3\nret %r3"), 0);
	assert_int_equal(run("setx 11, %r1\nldga 0, %r1, %r2\nret %r2", &v),
			 DT_FLT_ILLOP);
}

/* Variables: a program whose clauses use them, fired for real. */
static void test_variables(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s;
	dt_engine_t *e;
	dt_aggent_t *a;
	int64_t v;

	(void)state;
	dt_prog_add_agg(p, "g", DT_AGG_SUM);
	dt_prog_add_agg(p, "t", DT_AGG_SUM);
	dt_prog_add_agg(p, "aa", DT_AGG_SUM);
	dt_prog_add_agg(p, "s", DT_AGG_SUM);
	/* tick: g++ ; self->t += 2; a["k", 1] += 5; this->l = 4; s = "abc" */
	s = tp_stmt(p, "profile", "tick-1s", NULL);
	tp_act(s, DT_ACT_DIFEXPR,
	       ".var 0x500 global scalar int\n"
	       ".var 0x501 thread scalar int\n"
	       ".var 0x502 global array int\n"
	       ".var 0x503 local scalar int\n"
	       ".var 0x504 global scalar string\n"
	       "ldgs 0x500, %r1\nsetx 1, %r2\nadd %r1, %r2, %r1\nstgs 0x500, %r1\n"
	       "ldts 0x501, %r1\nsetx 2, %r2\nadd %r1, %r2, %r1\nstts 0x501, %r1\n"
	       "sets \"k\", %r3\nsetx 1, %r4\nflushts\npushtr 1, %r0, %r3\n"
	       "pushtv 0, %r4\nldgaa 0x502, %r1\nsetx 5, %r2\nadd %r1, %r2, %r1\n"
	       "stgaa 0x502, %r1\n"
	       "ldls 0x503, %r5\nsetx 4, %r2\nadd %r5, %r2, %r5\nstls 0x503, %r5\n"
	       "sets \"abc\", %r6\nstgs 0x504, %r6\n"
	       "ret %r5", NULL, NULL);
	/* record them as aggregations so that the test can read them */
	{
		dt_action_t *x;
		static const char *rd[4] = {
			".var 0x500 global scalar int\nldgs 0x500, %r1\nret %r1",
			".var 0x501 thread scalar int\nldts 0x501, %r1\nret %r1",
			".var 0x502 global array int\nsets \"k\", %r3\nsetx 1, %r4\n"
			"flushts\npushtr 1, %r0, %r3\npushtv 0, %r4\n"
			"ldgaa 0x502, %r1\nret %r1",
			".var 0x504 global scalar string\nldgs 0x504, %r1\n"
			"flushts\npushtr 1, %r0, %r1\ncall 12, %r2\nret %r2",
		};
		for (int i = 0; i < 4; i++) {
			x = tp_act(s, DT_ACT_AGGREGATION, rd[i], NULL, NULL);
			x->arg = (uint64_t)i;
		}
	}
	e = tp_engine(p, NULL);
	tp_fire(e, 4, 100);
	tp_fire(e, 4, 100);
	tp_fire(e, 4, 200);
	/* sums over 3 firings: g = 1+2+3, t = 2+4+2, aa = 5+10+15, s = 9 */
	for (a = dt_engine_aggs(e); a; a = a->lnext) {
		v = a->vals[0];
		switch (a->agg) {
		case 0: assert_int_equal(v, 6); break;
		case 1: assert_int_equal(v, 8); break;
		case 2: assert_int_equal(v, 30); break;
		case 3: assert_int_equal(v, 9); break;
		}
	}
	dt_engine_destroy(e);
	dt_prog_free(p);
}

static int g_nerr, g_lastflt;
static void errh(void *arg, const dt_errinfo_t *ei)
{
	(void)arg;
	g_nerr++;
	g_lastflt = ei->fault;
}

static void test_error_probe(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s;
	dt_engine_t *e;
	dt_aggent_t *a;

	(void)state;
	dt_prog_add_agg(p, "e", DT_AGG_SUM);
	s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	tp_act(s, DT_ACT_DIFEXPR, "ldx %r0, %r1\nret %r1", NULL, NULL);
	/* ERROR { @e = sum(arg4); }  (arg4 is the fault type) */
	s = tp_stmt(p, "dtrace", "ERROR", NULL);
	tp_act(s, DT_ACT_AGGREGATION, "ldgs 0x10a, %r1\nret %r1", NULL, NULL);
	e = tp_engine(p, NULL);
	dt_engine_set_errhandler(e, errh, NULL);
	tp_fire(e, 1, 1);
	assert_int_equal(g_nerr, 1);
	assert_int_equal(g_lastflt, DT_FLT_BADADDR);
	a = dt_engine_aggs(e);
	assert_non_null(a);
	assert_int_equal(a->vals[0], 1); /* DTRACEFLT_BADADDR */
	dt_engine_destroy(e);
	dt_prog_free(p);
}

static void test_aggs(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s;
	dt_engine_t *e;
	dt_action_t *x;
	static const uint32_t fn[] = {DT_AGG_COUNT, DT_AGG_MIN, DT_AGG_MAX,
				      DT_AGG_AVG, DT_AGG_SUM, DT_AGG_QUANTIZE,
				      DT_AGG_LQUANTIZE};

	(void)state;
	for (int i = 0; i < 7; i++) {
		int k = dt_prog_add_agg(p, "a", fn[i]);

		p->aggs[k].nkeys = 1;
		p->aggs[k].keys = calloc(1, sizeof(dif_type_t));
		p->aggs[k].keys[0].kind = DIF_TYPE_STRING;
		if (fn[i] == DT_AGG_LQUANTIZE) {
			p->aggs[k].params[0] = 0;
			p->aggs[k].params[1] = 10;
			p->aggs[k].params[2] = 1;
		}
	}
	s = tp_stmt(p, "profile", "tick-1s", NULL);
	for (int i = 0; i < 7; i++) {
		x = tp_act(s, DT_ACT_AGGREGATION, "sets \"key\", %r1\nret %r1",
			   fn[i] == DT_AGG_COUNT
				   ? NULL
				   : ".var 0x500 global scalar int\n"
				     "ldgs 0x500, %r1\nret %r1",
			   NULL);
		x->arg = (uint64_t)i;
	}
	tp_act(s, DT_ACT_DIFEXPR,
	       ".var 0x500 global scalar int\nldgs 0x500, %r1\nsetx 3, %r2\n"
	       "add %r1, %r2, %r1\nstgs 0x500, %r1\nret %r1", NULL, NULL);
	e = tp_engine(p, NULL);
	for (int i = 0; i < 4; i++)	/* values 0, 3, 6, 9 */
		tp_fire(e, 4, 1);
	for (dt_aggent_t *a = dt_engine_aggs(e); a; a = a->lnext) {
		assert_string_equal((char *)a->key, "key");
		switch (p->aggs[a->agg].func) {
		case DT_AGG_COUNT: assert_int_equal(a->vals[0], 4); break;
		case DT_AGG_MIN: assert_int_equal(a->vals[0], 0); break;
		case DT_AGG_MAX: assert_int_equal(a->vals[0], 9); break;
		case DT_AGG_AVG:
			assert_int_equal(a->vals[0], 4);
			assert_int_equal(a->vals[1], 18);
			break;
		case DT_AGG_SUM: assert_int_equal(a->vals[0], 18); break;
		case DT_AGG_QUANTIZE:
			/* 0 -> zero bucket, 3 -> [2,4), 6 and 9 -> [4,8),[8,16) */
			assert_int_equal(a->vals[DT_QUANT_ZERO], 1);
			assert_int_equal(a->vals[DT_QUANT_ZERO + 2], 1);
			assert_int_equal(a->vals[DT_QUANT_ZERO + 3], 1);
			assert_int_equal(a->vals[DT_QUANT_ZERO + 4], 1);
			break;
		case DT_AGG_LQUANTIZE:
			assert_int_equal(a->nvals, 12);
			assert_int_equal(a->vals[1], 1);
			assert_int_equal(a->vals[4], 1);
			assert_int_equal(a->vals[10], 1);
			break;
		}
	}
	dt_engine_agg_clear(e, 0);
	assert_int_equal(dt_engine_aggs(e)->vals[0], 0);
	dt_engine_destroy(e);
	dt_prog_free(p);
}

static void test_dynvar_drops(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s;
	dt_engine_t *e;
	dt_eopts_t o;
	dt_estats_t st;

	(void)state;
	s = tp_stmt(p, "profile", "tick-1s", NULL);
	/* a[timestamp-ish counter] = 1 for growing keys fills dynvarsize */
	tp_act(s, DT_ACT_DIFEXPR,
	       ".var 0x500 global scalar int\n.var 0x501 global array int\n"
	       "ldgs 0x500, %r1\nsetx 1, %r2\nadd %r1, %r2, %r1\nstgs 0x500, %r1\n"
	       "flushts\npushtv 0, %r1\nstgaa 0x501, %r2\nret %r1", NULL, NULL);
	dt_eopts_default(&o);
	o.ncpus = 1;
	o.dynvarsize = 512;
	e = tp_engine(p, &o);
	for (int i = 0; i < 100; i++)
		tp_fire(e, 4, 1);
	dt_engine_stats(e, &st, 1);
	assert_true(st.dyndrops > 50);
	dt_engine_destroy(e);
	dt_prog_free(p);
}

static int count_rec(void *arg, uint32_t cpu, const uint8_t *rec, uint32_t len)
{
	(void)cpu;
	(void)rec;
	(void)len;
	(*(int *)arg)++;
	return 0;
}

static void test_buffers_and_spec(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s;
	dt_engine_t *e;
	dt_eopts_t o;
	int n = 0;
	dt_buf_t *b;

	(void)state;
	s = tp_stmt(p, "profile", "tick-1s", NULL);
	tp_act(s, DT_ACT_DIFEXPR, "setx 1, %r1\nret %r1", NULL, NULL);
	/* BEGIN { self->s = speculation() } is emulated with a global */
	s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	tp_act(s, DT_ACT_DIFEXPR,
	       ".var 0x500 global scalar int\ncall 10, %r1\nstgs 0x500, %r1\n"
	       "ret %r1", NULL, NULL);
	s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	tp_act(s, DT_ACT_SPECULATE, ".var 0x500 global scalar int\n"
				    "ldgs 0x500, %r1\nret %r1", NULL, NULL);
	tp_act(s, DT_ACT_DIFEXPR, "setx 2, %r1\nret %r1", NULL, NULL);
	s = tp_stmt(p, "dtrace", "END", NULL);
	tp_act(s, DT_ACT_COMMIT, ".var 0x500 global scalar int\n"
				 "ldgs 0x500, %r1\nret %r1", NULL, NULL);
	dt_eopts_default(&o);
	o.ncpus = 1;
	o.bufsize = 32; /* two records as DTrace accounts them (16 bytes) */
	e = tp_engine(p, &o);
	tp_fire(e, 1, 1);
	b = dt_engine_buf(e, 0);
	assert_int_equal(b->used, 32); /* the speculative record is held */
	for (int i = 0; i < 3; i++)
		tp_fire(e, 4, 1);
	assert_int_equal(b->drops, 2);
	dt_engine_consume(e, 0, count_rec, &n);
	assert_int_equal(n, 2);
	tp_fire(e, 2, 1); /* END commits */
	n = 0;
	dt_engine_consume(e, 0, count_rec, &n);
	assert_int_equal(n, 1); /* the committed record (commit records
				   nothing itself) */
	dt_engine_destroy(e);
	dt_prog_free(p);
}

static void test_destructive_refused(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	dt_eopts_t o;
	char why[128];

	(void)state;
	tp_act(s, DT_ACT_RAISE, "setx 9, %r1\nret %r1", NULL, NULL);
	dt_eopts_default(&o);
	assert_null(dt_engine_create(p, &o, tp_probes, 4, why, sizeof(why)));
	assert_non_null(strstr(why, "destructive"));
	/* a DIFO that fails verification is refused with the reason */
	dt_prog_free(p);
	p = dt_prog_new();
	s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	tp_act(s, DT_ACT_DIFEXPR, "nop\nba 1\nret %r0", NULL, NULL);
	assert_null(dt_engine_create(p, &o, tp_probes, 4, why, sizeof(why)));
	assert_non_null(strstr(why, "backward branch"));
	dt_prog_free(p);
}

static void test_options(void **state)
{
	dt_eopts_t o;

	(void)state;
	dt_eopts_default(&o);
	assert_int_equal(dt_eopts_set(&o, "bufsize", "4k"), 0);
	assert_int_equal(o.bufsize, 4096);
	assert_int_equal(dt_eopts_set(&o, "dynvarsize", "2m"), 0);
	assert_int_equal(o.dynvarsize, 2 << 20);
	assert_int_equal(dt_eopts_set(&o, "bufpolicy", "ring"), 0);
	assert_int_equal(o.bufpolicy, DT_BUF_RING);
	assert_int_equal(dt_eopts_set(&o, "bufpolicy", "bogus"), -1);
	assert_int_equal(dt_eopts_set(&o, "strsize", "x"), -1);
	assert_int_equal(dt_eopts_set(&o, "quiet", NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alu),
		cmocka_unit_test(test_divzero),
		cmocka_unit_test(test_branches),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_alloca_bcopy),
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_error_probe),
		cmocka_unit_test(test_aggs),
		cmocka_unit_test(test_dynvar_drops),
		cmocka_unit_test(test_buffers_and_spec),
		cmocka_unit_test(test_destructive_refused),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
