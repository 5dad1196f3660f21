/*
 * test_types.c: unit tests of the D type system: built-in types and their
 * sizes, name lookup and formatting, interning, C layout of structs,
 * unions and bit-fields, promotions and conversions, compatibility, the
 * DIF view, and kernel types from BTF.
 *
 * Owner: front end / type system.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "types/dt_type.h"

static dt_typetab_t *tt;

static int setup(void **state)
{
	(void)state;
	tt = dt_typetab_new(NULL, 0);
	return tt ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	dt_typetab_free(tt);
	return 0;
}

static const char *name(dt_type_t *t)
{
	static char buf[256];
	return dt_type_name(t, buf, sizeof(buf));
}

static void test_builtins(void **state)
{
	(void)state;
	static const struct {
		const char *n;
		uint64_t size;
		int sign;
	} cases[] = {
		{ "char", 1, 1 },	    { "unsigned char", 1, 0 },
		{ "short", 2, 1 },	    { "unsigned short int", 2, 0 },
		{ "int", 4, 1 },	    { "unsigned", 4, 0 },
		{ "long", 8, 1 },	    { "long int", 8, 1 },
		{ "unsigned long long", 8, 0 }, { "int8_t", 1, 1 },
		{ "uint16_t", 2, 0 },	    { "int32_t", 4, 1 },
		{ "uint64_t", 8, 0 },	    { "uintptr_t", 8, 0 },
		{ "size_t", 8, 0 },	    { "pid_t", 4, 1 },
		{ "C`int", 4, 1 },	    { "D`int", 4, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dt_type_t *t = dt_type_lookup(tt, cases[i].n);
		if (!t)
			fail_msg("lookup of %s failed", cases[i].n);
		assert_int_equal(dt_type_size(t), cases[i].size);
		assert_int_equal(dt_type_is_signed(t), cases[i].sign);
		assert_true(dt_type_is_integer(t));
	}
	assert_int_equal(dt_type_size(dt_type_string(tt)), 256);
	assert_true(dt_type_is_byref(dt_type_string(tt)));
	assert_null(dt_type_lookup(tt, "struct nonexistent_type_xyz"));
	assert_null(dt_type_lookup(tt, "nosuchtype"));
	dt_typetab_t *t2 = dt_typetab_new("", 1024);
	assert_int_equal(dt_type_size(dt_type_string(t2)), 1024);
	assert_false(dt_typetab_has_btf(t2));
	dt_typetab_free(t2);
}

static void test_derived(void **state)
{
	(void)state;
	dt_type_t *i = dt_type_int32(tt);
	dt_type_t *p = dt_type_ptr(tt, i);
	assert_ptr_equal(p, dt_type_ptr(tt, i));
	assert_ptr_equal(dt_type_elem(p), i);
	assert_string_equal(name(p), "int *");
	dt_type_t *a = dt_type_array(tt, dt_type_char(tt), 16);
	assert_ptr_equal(a, dt_type_array(tt, dt_type_char(tt), 16));
	assert_int_equal(dt_type_size(a), 16);
	assert_string_equal(name(a), "char [16]");
	assert_ptr_equal(dt_type_lookup(tt, "char [16]"), a);
	assert_ptr_equal(dt_type_lookup(tt, "int *"), p);
	dt_type_t *args[2] = { i, dt_type_charptr(tt) };
	dt_type_t *f = dt_type_func(tt, i, args, 2, 0);
	assert_string_equal(name(dt_type_ptr(tt, f)), "int (*)(int, char *)");
	dt_type_t *c = dt_type_qual(tt, i, DT_TF_CONST);
	assert_string_equal(name(c), "const int");
	assert_ptr_equal(dt_type_base(c), i);
	assert_true(dt_type_equal(c, i));
	assert_true(dt_type_is_byref(a));
	assert_false(dt_type_is_byref(p));
	dif_type_t d = dt_type_to_dif(a);
	assert_int_equal(d.kind, DIF_TYPE_CTF);
	assert_int_equal(d.flags, DIF_TF_BYREF);
	assert_int_equal(d.size, 16);
	d = dt_type_to_dif(dt_type_string(tt));
	assert_int_equal(d.kind, DIF_TYPE_STRING);
}

static void test_layout(void **state)
{
	(void)state;
	const char *why;
	dt_type_t *s = dt_type_decl_sou(tt, DT_TK_STRUCT, "lay");
	assert_int_equal(s->kind, DT_TK_FORWARD);
	assert_false(dt_type_is_complete(s));
	assert_int_equal(dt_type_sou_add_member(tt, s, "c", dt_type_char(tt),
						0, &why), 0);
	assert_int_equal(dt_type_sou_add_member(tt, s, "i", dt_type_int32(tt),
						3, &why), 0);
	assert_int_equal(dt_type_sou_add_member(tt, s, "j", dt_type_int32(tt),
						30, &why), 0);
	assert_int_equal(dt_type_sou_add_member(tt, s, "l", dt_type_long(tt),
						0, &why), 0);
	assert_int_equal(dt_type_sou_add_member(tt, s, "c", dt_type_char(tt),
						0, &why), -1);
	assert_string_equal(why, "D_DECL_IDRED");
	dt_type_sou_end(tt, s);
	assert_int_equal(s->kind, DT_TK_STRUCT);
	/* as gcc lays out struct { char c; int i:3; int j:30; long l; } */
	assert_int_equal(dt_type_size(s), 16);
	assert_int_equal(dt_type_align(s), 8);
	dt_member_t m;
	assert_int_equal(dt_type_member(s, "i", &m), 0);
	assert_int_equal(m.offset_bits, 8);
	assert_int_equal(m.bitsize, 3);
	assert_int_equal(dt_type_member(s, "j", &m), 0);
	assert_int_equal(m.offset_bits, 32);
	assert_int_equal(dt_type_member(s, "l", &m), 0);
	assert_int_equal(m.offset_bits, 64);
	assert_int_equal(dt_type_member(s, "zz", &m), -1);
	assert_ptr_equal(dt_type_lookup(tt, "struct lay"), s);
	assert_string_equal(name(s), "struct lay");

	dt_type_t *u = dt_type_decl_sou(tt, DT_TK_UNION, "un");
	dt_type_sou_add_member(tt, u, "c", dt_type_char(tt), 0, &why);
	dt_type_sou_add_member(tt, u, "s", dt_type_array(tt, dt_type_char(tt),
							 9), 0, &why);
	dt_type_sou_add_member(tt, u, "i", dt_type_int32(tt), 0, &why);
	dt_type_sou_end(tt, u);
	assert_int_equal(dt_type_size(u), 12);

	/* anonymous member */
	dt_type_t *o = dt_type_decl_sou(tt, DT_TK_STRUCT, "outer");
	dt_type_sou_add_member(tt, o, "a", dt_type_long(tt), 0, &why);
	dt_type_sou_add_member(tt, o, "", u, 0, &why);
	dt_type_sou_end(tt, o);
	assert_int_equal(dt_type_member(o, "i", &m), 0);
	assert_int_equal(m.offset_bits, 64);

	dt_type_t *e = dt_type_decl_enum(tt, "col");
	dt_type_enum_add(tt, e, "RED", 0);
	dt_type_enum_add(tt, e, "BLUE", 7);
	int64_t v;
	assert_int_equal(dt_type_lookup_enumerator(tt, "BLUE", &v, NULL), 1);
	assert_int_equal(v, 7);
	assert_int_equal(dt_type_size(e), 4);
	assert_true(dt_type_is_integer(e));
	dt_type_t *td = dt_type_decl_typedef(tt, "lay_t", s);
	assert_ptr_equal(dt_type_base(td), s);
	assert_ptr_equal(dt_type_lookup(tt, "lay_t"), td);
}

static void test_conversions(void **state)
{
	(void)state;
	dt_type_t *ch = dt_type_char(tt), *i = dt_type_int32(tt),
		  *u = dt_type_uint32(tt), *l = dt_type_long(tt),
		  *ul = dt_type_ulong(tt);
	assert_ptr_equal(dt_type_promote(tt, ch), i);
	assert_ptr_equal(dt_type_promote(tt, l), l);
	assert_ptr_equal(dt_type_arith_conv(tt, i, u), u);
	assert_ptr_equal(dt_type_arith_conv(tt, i, l), l);
	assert_ptr_equal(dt_type_arith_conv(tt, u, l), l);
	assert_ptr_equal(dt_type_arith_conv(tt, l, ul), ul);
	assert_ptr_equal(dt_type_arith_conv(tt, ch, ch), ch);
	assert_ptr_equal(dt_type_arith_conv(tt, ch, i), i);
	assert_ptr_equal(dt_type_arith_conv(tt, u, i), u);
	dt_type_t *ip = dt_type_ptr(tt, i), *vp = dt_type_voidptr(tt),
		  *cp = dt_type_charptr(tt), *str = dt_type_string(tt);
	assert_true(dt_type_assign_compat(ip, vp, 0));
	assert_true(dt_type_assign_compat(vp, ip, 0));
	assert_false(dt_type_assign_compat(ip, cp, 0));
	assert_true(dt_type_assign_compat(ip, i, 1));
	assert_false(dt_type_assign_compat(ip, i, 0));
	assert_true(dt_type_assign_compat(str, cp, 0));
	assert_true(dt_type_assign_compat(str, dt_type_array(tt, ch, 8), 0));
	assert_false(dt_type_assign_compat(i, str, 0));
	assert_true(dt_type_assign_compat(l, ch, 0));
	assert_true(dt_type_ptr_compat(ip, vp));
	assert_false(dt_type_ptr_compat(ip, cp));
}

static void test_btf(void **state)
{
	(void)state;
	if (!dt_typetab_has_btf(tt)) {
		skip();
		return;
	}
	dt_type_t *t = dt_type_lookup(tt, "struct task_struct");
	assert_non_null(t);
	assert_ptr_equal(t, dt_type_lookup(tt, "vmlinux`struct task_struct"));
	assert_true(dt_type_is_sou(t));
	assert_true(t->flags & DT_TF_BTF);
	dt_member_t m;
	assert_int_equal(dt_type_member(t, "comm", &m), 0);
	assert_string_equal(name(m.type), "char [16]");
	assert_int_equal(m.offset_bits % 8, 0);
	assert_int_equal(dt_type_member(t, "real_parent", &m), 0);
	assert_true(dt_type_is_pointer(m.type));
	assert_ptr_equal(dt_type_base(dt_type_elem(m.type)), t);
	assert_int_equal(dt_type_member(t, "pid", &m), 0);
	assert_int_equal(dt_type_size(m.type), 4);
	assert_true(dt_type_is_signed(m.type));
	dt_type_t *u = dt_type_lookup(tt, "u64");
	assert_non_null(u);
	assert_int_equal(dt_type_size(u), 8);
	/* only per-CPU variables have BTF VAR records */
	assert_non_null(dt_type_lookup_kvar(tt, "runqueues"));
	assert_null(dt_type_lookup_kvar(tt, "no_such_kernel_var_xyz"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_derived),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_btf),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
