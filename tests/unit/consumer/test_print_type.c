/* test_print_type.c: print()'s layouts: the codegen writer and the
 * consumer reader agree, DTrace's look for each kind of type, and
 * malformed layouts (as an ELF file may carry) are refused whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "codegen/dt_cg_print.h"
#include "consumer/dt_print_type.h"
#include "types/dt_type.h"

static char *show(const char *layout, const void *data, size_t len, int *rc)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	*rc = dt_print_type(f, layout, data, len);
	fclose(f);
	return buf;
}

static void expect(const char *layout, const void *data, size_t len,
		   const char *want)
{
	int rc;
	char *got = show(layout, data, len, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	free(got);
}

static void test_scalars(void **state)
{
	uint32_t i = 0x2a;
	uint64_t p = 0xdeadbeef;
	char c = 'x';

	(void)state;
	expect("i4,1,3:int", &i, 4, "int 0x2a\n");
	expect("p8,6:void *", &p, 8, "void * 0xdeadbeef\n");
	expect("i1,3,4:char", &c, 1, "char 'x'\n");
	c = 4;
	expect("i1,3,4:char", &c, 1, "char '\\004'\n");
	i = 1;
	expect("e4,6:enum e2,0,1:a1,1:b", &i, 4, "enum e b\n");
	i = 9;
	expect("e4,6:enum e2,0,1:a1,1:b", &i, 4, "enum e 9\n");
	/* too few recorded bytes: said, not read past */
	expect("i8,1,4:long", &i, 4, "long <unreadable>\n");
}

static void test_sou_and_arrays(void **state)
{
	struct {
		int a[3];
		char s[8];
		uint8_t bits;
	} v = {{1, 2, 3}, "ab", 0x2d};
	const char *lay = "s3,5:foo_t"
			  "0,0,1:a" "a3,4,7:int [3]i4,1,3:int"
			  "96,0,1:s" "a8,1,8:char [8]i1,3,4:char"
			  "160,3,1:x" "i4,0,12:unsigned int";

	(void)state;
	expect(lay, &v, sizeof(v),
	       "foo_t {\n"
	       "    int [3] a = [ 0x1, 0x2, 0x3 ]\n"
	       "    char [8] s = [ \"ab\" ]\n"
	       "    unsigned int x :3 = 0x5\n"
	       "}");
	/* a top-level char array holding a string loses its brackets */
	expect("a8,1,8:char [8]i1,3,4:char", v.s, 8, "char [8] \"ab\"\n");
}

static void test_writer_reader_agree(void **state)
{
	dt_typetab_t *tt = dt_typetab_new("", 256);
	dt_type_t *st, *en;
	const char *why = NULL;
	char *lay, *out;
	struct {
		int32_t a;
		uint16_t b;
		int32_t e;
	} v = {-1, 7, 1};
	int rc;

	(void)state;
	assert_non_null(tt);
	en = dt_type_decl_enum(tt, "color");
	assert_int_equal(dt_type_enum_add(tt, en, "RED", 0), 0);
	assert_int_equal(dt_type_enum_add(tt, en, "GREEN", 1), 0);
	st = dt_type_decl_sou(tt, DT_TK_STRUCT, "pt");
	assert_int_equal(dt_type_sou_add_member(tt, st, "a",
						dt_type_int32(tt), 0, &why), 0);
	assert_int_equal(dt_type_sou_add_member(tt, st, "b",
						dt_type_int(tt, 2, 0), 0, &why),
			 0);
	assert_int_equal(dt_type_sou_add_member(tt, st, "e", en, 0, &why), 0);
	assert_int_equal(dt_type_sou_end(tt, st), 0);
	lay = dt_cg_print_layout(st);
	assert_non_null(lay);
	out = show(lay, &v, sizeof(v), &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "struct pt {\n"
				 "    int a = 0xffffffff\n"
				 "    unsigned short b = 0x7\n"
				 "    enum color e = GREEN\n"
				 "}");
	free(out);
	free(lay);
	dt_typetab_free(tt);
}

static void test_malformed_refused(void **state)
{
	static const char *const bad[] = {
		"", "x", "i4,1,", "i4,1,9:int", "i3,1,3:int", "i4,1,3:intX",
		"a3,4,7:int [3]", "s1,1:s", "s99999999999,1:s",
		"s1,1:s0,0,1:a", "e4,1:e99999999,", "p8,99999999999999999999:x",
		"a2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:"
		"aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:"
		"aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:"
		"aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:"
		"aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:aa2,1,1:"
		"aa2,1,1:aa2,1,1:ai1,1,1:c",
	};
	uint64_t v = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		char *out = show(bad[i], &v, sizeof(v), &rc);

		if (rc != -1 || out[0] != '\0')
			fail_msg("layout %zu accepted: \"%s\" -> \"%s\"", i,
				 bad[i], out);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_sou_and_arrays),
		cmocka_unit_test(test_writer_reader_agree),
		cmocka_unit_test(test_malformed_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
