/*
 * test_cg_difo.c: unit tests of the DIFO builder (labels, tables, register
 * allocation and its D_NOREG limit) and of the DIF disassembler's format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codegen/dt_cg_difo.h"
#include "dif/dt_dis.h"

static char *dis_to_string(const dt_difo_t *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	dt_dis(d, f);
	fclose(f);
	return buf;
}

static void test_labels_and_tables(void **state)
{
	dt_cg_difo_t b;
	dt_compile_error_t err;
	jmp_buf jb;
	dt_difo_t *d;
	dif_type_t rt = {DIF_TYPE_CTF, 1, 0, 0, 4};
	uint32_t l;
	int r1, r2;

	(void)state;
	dt_cg_difo_init(&b, &jb, &err);
	if (setjmp(jb) != 0)
		fail_msg("unexpected error %s: %s", err.tag, err.msg);
	r1 = dt_cg_reg_alloc(&b);
	r2 = dt_cg_reg_alloc(&b);
	assert_int_equal(r1, 1);
	assert_int_equal(r2, 2);
	dt_cg_setx(&b, r1, 42);
	dt_cg_setx(&b, r2, 42); /* interned: same index */
	assert_int_equal(b.intlen, 1);
	assert_int_equal(dt_cg_str(&b, "abc"), 1); /* offset 0 is "" */
	assert_int_equal(dt_cg_str(&b, "de"), 5);
	assert_int_equal(dt_cg_str(&b, "abc"), 1);
	assert_int_equal(dt_cg_sym(&b, "type int"), 0); /* ordinal */
	assert_int_equal(dt_cg_sym(&b, "sizeof int"), 1);
	assert_int_equal(dt_cg_sym(&b, "type int"), 0);
	l = dt_cg_label(&b);
	dt_cg_emit(&b, DIF_INSTR_CMP(DIF_OP_CMP, r1, r2));
	dt_cg_branch(&b, DIF_OP_BE, l);
	dt_cg_emit(&b, DIF_INSTR_MOV(DIF_REG_R0, r1));
	dt_cg_label_set(&b, l);
	dt_cg_emit(&b, DIF_INSTR_RET(r1));
	dt_cg_reg_free(&b, r2);
	assert_int_equal(dt_cg_reg_alloc(&b), 2);
	d = dt_cg_difo_finish(&b, &rt, "int", DT_DIFO_SIGNED);
	assert_non_null(d);
	assert_int_equal(d->len, 6);
	assert_int_equal(DIF_INSTR_OP(d->buf[3]), DIF_OP_BE);
	assert_int_equal(DIF_INSTR_LABEL(d->buf[3]), 5);
	assert_string_equal(d->rtype_name, "int");
	dt_difo_free(d);
}

static void test_noreg(void **state)
{
	dt_cg_difo_t b;
	dt_compile_error_t err;
	jmp_buf jb;
	volatile int n = 0;

	(void)state;
	dt_cg_difo_init(&b, &jb, &err);
	if (setjmp(jb) == 0) {
		for (;;) {
			dt_cg_reg_alloc(&b);
			n++;
		}
	}
	assert_int_equal(n, DIF_DIR_NREGS - 1); /* %r1..%r7 */
	assert_string_equal(err.tag, "D_NOREG");
	dt_cg_difo_reset(&b);
}

static void test_backward_branch_rejected(void **state)
{
	dt_cg_difo_t b;
	dt_compile_error_t err;
	jmp_buf jb;
	dif_type_t rt = {0};
	uint32_t l;

	(void)state;
	dt_cg_difo_init(&b, &jb, &err);
	if (setjmp(jb) == 0) {
		l = dt_cg_label(&b);
		dt_cg_label_set(&b, l);
		dt_cg_emit(&b, DIF_INSTR_NOP);
		dt_cg_branch(&b, DIF_OP_BA, l);
		dt_cg_emit(&b, DIF_INSTR_RET(0));
		dt_cg_difo_finish(&b, &rt, NULL, 0);
		fail_msg("backward branch accepted");
	}
	dt_cg_difo_reset(&b);
}

/* The listing format of dtrace -S, instruction by instruction. */
static void test_dis_format(void **state)
{
	dt_cg_difo_t b;
	dt_compile_error_t err;
	jmp_buf jb;
	dt_difo_t *d;
	dif_type_t rt = {DIF_TYPE_STRING, 0, DIF_TF_BYREF, 0, 256};
	dif_type_t vt = {DIF_TYPE_CTF, 1, 0, 0, 8};
	char *s, *p;

	(void)state;
	dt_cg_difo_init(&b, &jb, &err);
	if (setjmp(jb) != 0)
		fail_msg("unexpected error %s", err.tag);
	dt_cg_setx(&b, 1, 1);
	dt_cg_emit(&b, DIF_INSTR_SETS(dt_cg_str(&b, "hi"), 2));
	dt_cg_var(&b, "x", 0x500, DIFV_KIND_SCALAR, DIFV_SCOPE_GLOBAL,
		  DIFV_F_REF | DIFV_F_MOD, &vt);
	dt_cg_emit(&b, DIF_INSTR_LDV(DIF_OP_LDGS, 0x500, 3));
	dt_cg_emit(&b, DIF_INSTR_STV(DIF_OP_STGS, 0x500, 3));
	dt_cg_emit(&b, DIF_INSTR_FLUSHTS);
	dt_cg_emit(&b, DIF_INSTR_PUSHTS(DIF_OP_PUSHTR, DIF_TYPE_STRING, 1, 2));
	dt_cg_emit(&b, DIF_INSTR_CALL(DIF_SUBR_STRLEN, 1));
	dt_cg_emit(&b, DIF_INSTR_FMT(DIF_OP_ADD, 1, 2, 3));
	dt_cg_emit(&b, DIF_INSTR_LOAD(DIF_OP_LDSW, 3, 3));
	dt_cg_emit(&b, DIF_INSTR_USETX(dt_cg_sym(&b, "sizeof int"), 4));
	dt_cg_emit(&b, DIF_INSTR_ULOAD(DIF_OP_ULOAD, 3,
				       dt_cg_sym(&b, "type long"), 3));
	dt_cg_emit(&b, DIF_INSTR_RET(2));
	d = dt_cg_difo_finish(&b, &rt, NULL, 0);
	s = dis_to_string(d);
	p = strstr(s, "returns");
	assert_non_null(p);
	assert_true(strncmp(s, "\nDIFO 0x", 8) == 0);
	assert_string_equal(
	    p,
	    "returns string (unknown) by ref (size 256)\n"
	    "OFF OPCODE      INSTRUCTION\n"
	    "00: 25000001    setx DT_INTEGER[0], %r1\t\t! 0x1\n"
	    "01: 26000102    sets DT_STRING[1], %r2\t\t! \"hi\"\n"
	    "02: 29050003    ldgs DT_VAR(1280), %r3\t\t! DT_VAR(1280) = "
	    "\"x\"\n"
	    "03: 2a050003    stgs %r3, DT_VAR(1280)\t\t! DT_VAR(1280) = "
	    "\"x\"\n"
	    "04: 33000000    flushts\n"
	    "05: 30010102    pushtr DT_TYPE(1), %r1, %r2\t! DT_TYPE(1) = "
	    "string\n"
	    "06: 2f000c01    call DIF_SUBR(12), %r1\t\t! strlen\n"
	    "07: 07010203    add  %r1, %r2, %r3\n"
	    "08: 1e030003    ldsw [%r3], %r3\n"
	    "09: 51000004    usetx DT_SYM[0], %r4\t\t! \"sizeof int\"\n"
	    "10: 52030103    uload [%r3], DT_SYM[1], %r3\t\t! \"type "
	    "long\"\n"
	    "11: 23000002    ret  %r2\n"
	    "\n"
	    "NAME             ID   KND SCP FLAG TYPE\n"
	    "x                500  scl glb r/w  D type (integer) (size 8)\n");
	free(s);
	dt_difo_free(d);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(dt_dis_opname(DIF_OP_TYPECAST), "typecast");
	assert_null(dt_dis_opname(0));
	assert_string_equal(dt_dis_subrname(DIF_SUBR_INET_NTOA6), "inet_ntoa6");
	assert_string_equal(dt_dis_subrname(999), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_labels_and_tables),
	    cmocka_unit_test(test_noreg),
	    cmocka_unit_test(test_backward_branch_rejected),
	    cmocka_unit_test(test_dis_format),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
