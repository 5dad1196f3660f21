/* test_verify.c: every verifier rule has a DIFO that breaks it and is
 * refused with a reason naming the instruction; valid DIFOs pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dif/dt_asm.h"
#include "dif/dt_verify.h"

static dt_difo_t *as(const char *txt)
{
	char err[256];
	dt_difo_t *d = dt_asm(txt, err, sizeof(err));

	if (d == NULL)
		fail_msg("asm: %s", err);
	return d;
}

/* Expects refusal with a message containing want. */
static void refused(const char *txt, const char *want)
{
	char why[256] = "";
	dt_difo_t *d = as(txt);

	if (dt_verify(d, why, sizeof(why)) != -1)
		fail_msg("accepted: %s", txt);
	if (strstr(why, want) == NULL)
		fail_msg("'%s' does not mention '%s'", why, want);
	dt_difo_free(d);
}

static void test_valid(void **state)
{
	char why[256];
	dt_difo_t *d = as(".var 0x500 global scalar int\n"
			  "setx 5, %r1\nsetx 7, %r2\nadd %r1, %r2, %r3\n"
			  "cmp %r3, %r1\nbg L1\nsets \"x\", %r3\nL1:\n"
			  "stgs 0x500, %r3\nldgs 0x500, %r4\nldgs 0x116, %r5\n"
			  "flushts\npushtv 0, %r1\npushtr 1, %r0, %r3\n"
			  "call 12, %r6\nret %r4\n");

	(void)state;
	assert_int_equal(dt_verify(d, why, sizeof(why)), 0);
	dt_difo_free(d);
}

static void test_rules(void **state)
{
	(void)state;
	refused(".word 0x00000000\nret %r0", "instruction 0 (?): invalid opcode 0");
	refused(".word 0x5b000000\nret %r0", "invalid opcode 91");
	refused("add %r1, %r9, %r2\nret %r2", "instruction 0 (add): invalid register 9");
	refused("add %r1, %r2, %r9\nret %r2", "invalid register 9");
	refused("mov %r1, %r0\nret %r0", "cannot write to %r0");
	refused("setx 1, %r0\nret %r0", "invalid destination register");
	refused("ret %r8", "instruction 0 (ret): invalid register 8");
	refused("nop\nba 0\nret %r0", "instruction 1 (ba): backward branch");
	refused("nop\nba 1\nret %r0", "instruction 1 (ba): backward branch to 1");
	refused("ba 7\nret %r0", "branch target 7 out of range");
	refused(".word 0x25000501\nret %r1", "integer table index 5 out of range");
	refused(".word 0x26000901\nret %r1", "string table offset 9 out of range");
	refused("ldgs 0x50, %r1\nret %r1", "invalid variable 0x50");
	refused("ldgs 0x1ff, %r1\nret %r1", "unknown built-in variable 0x1ff");
	refused("ldgs 0x500, %r1\nret %r1", "variable 0x500 not in the variable table");
	refused(".var 0x500 global scalar int\nldts 0x500, %r1\nret %r1",
		"not in the variable table");
	refused("stgs 0x116, %r1\nret %r1", "cannot store to built-in variable");
	refused("call 999, %r1\nret %r1", "invalid subroutine 999");
	refused("pushtv 7, %r1\nret %r1", "invalid tuple type 7");
	refused("pushtv 0, %r1\npushtv 0, %r1\npushtv 0, %r1\npushtv 0, %r1\n"
		"pushtv 0, %r1\npushtv 0, %r1\npushtv 0, %r1\npushtv 0, %r1\n"
		"pushtv 0, %r1\nret %r1", "instruction 8 (pushtv): tuple stack overflow");
	refused("cmp %r1, %r2\nnop", "instruction 1 (nop): last instruction is not ret");
	refused(".word 0x24000001\nret %r0", "non-zero reserved bits");
	refused("tst %r9\nret %r0", "instruction 0 (tst)");
	refused("stx %r1, %r0\nret %r0", "cannot write to address 0");
	refused("xlate 1, %r1\nret %r1", "translators");
	refused("usetx 1, %r1\nret %r1", "unlinked relocation");
}

static void test_tables(void **state)
{
	char why[256];
	dt_difo_t *d;

	(void)state;
	d = as("ret %r0");
	d->rtype.kind = 9;
	assert_int_equal(dt_verify(d, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "bad return type"));
	d->rtype.kind = DIF_TYPE_CTF;
	d->rtype.flags = DIF_TF_BYREF;
	d->rtype.size = 0;
	assert_int_equal(dt_verify(d, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "size 0"));
	dt_difo_free(d);

	d = as("sets \"ab\", %r1\nret %r1");
	d->strtab[d->strlen - 1] = 'x';
	assert_int_equal(dt_verify(d, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "NUL-terminated"));
	dt_difo_free(d);

	d = as(".var 0x100 global scalar int\nret %r0");
	assert_int_equal(dt_verify(d, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "reserved"));
	dt_difo_free(d);

	d = dt_difo_new();
	assert_int_equal(dt_verify(d, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "empty"));
	dt_difo_free(d);
}

static void test_asm_errors(void **state)
{
	char err[256];

	(void)state;
	assert_null(dt_asm("frob %r1", err, sizeof(err)));
	assert_non_null(strstr(err, "line 1: unknown mnemonic 'frob'"));
	assert_null(dt_asm("ret %r1\nba L9", err, sizeof(err)));
	assert_non_null(strstr(err, "undefined label 'L9'"));
	assert_null(dt_asm("add %r1, %r2", err, sizeof(err)));
	assert_non_null(strstr(err, "takes 3 operands"));
	assert_null(dt_asm("ldga 0x100, %r1, %r2", err, sizeof(err)));
	assert_non_null(strstr(err, "out of range"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_asm_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
