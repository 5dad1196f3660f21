/*
 * test_front.c: unit tests of the D front end: every construct of the
 * parser, identifier resolution and ids, constant folding, declarations,
 * pragmas and macros, checking errors (tag and line), and kernel types
 * through BTF.
 *
 * Owner: front end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/dt_front.h"

static dt_compile_error_t err;
static const char *margv[] = { "prog", "42", "hello" };

static int lookup(void *arg, const dt_probedesc_t *pd, dt_probeinfo_t *info)
{
	(void)arg;
	if (!strcmp(pd->name, "nomatch"))
		return 0;
	if (!strcmp(pd->provider, "syscall")) {
		info->nargs = 2;
		info->argtypes[0] = "int";
		info->argtypes[1] = "char *";
	}
	return 1;
}

static dt_front_prog_t *compile_opts(const char *src, int cpp)
{
	dt_compile_opts_t o;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.cpp = cpp;
	o.macro_argv = margv;
	o.macro_argc = 3;
	o.pid = 77;
	o.probe_lookup = lookup;
	dt_front_prog_t *p = NULL;
	if (dt_front_parse_check(&o, src, &p, &err) < 0)
		return NULL;
	return p;
}

static dt_front_prog_t *compile(const char *src)
{
	dt_front_prog_t *p = compile_opts(src, 0);
	if (!p)
		fail_msg("unexpected error [%s] line %d: %s", err.tag, err.line,
			 err.msg);
	return p;
}

static void expect_err(const char *src, const char *tag, int line)
{
	dt_front_prog_t *p = compile_opts(src, 0);
	if (p) {
		dt_front_prog_free(p);
		fail_msg("expected [%s] for: %s", tag, src);
	}
	if (strcmp(err.tag, tag) != 0 || (line && err.line != line))
		fail_msg("expected [%s] line %d, got [%s] line %d: %s", tag,
			 line, err.tag, err.line, err.msg);
}

/* the expression of the first statement of the first clause */
static dt_node_t *first_expr(dt_front_prog_t *p)
{
	return p->clauses[0]->stmts->left;
}

/* value assigned by "x = EXPR" in the first statement */
static dt_node_t *rhs(dt_front_prog_t *p)
{
	dt_node_t *e = first_expr(p);
	assert_int_equal(e->kind, DT_N_OP2);
	assert_int_equal(e->op, DT_OP_ASSIGN);
	return e->right;
}

static void test_clauses_and_descs(void **state)
{
	(void)state;
	dt_front_prog_t *p = compile(
		"BEGIN, syscall::read:entry,\n vm*:syscall:vmlinux:write:entry\n"
		"/pid == 1/\n{ trace(1); }\nEND\n{}\nprofile:::tick-1s\n/1/");
	assert_int_equal(p->nclauses, 3);
	dt_clause_t *c = p->clauses[0];
	assert_int_equal(c->ndescs, 3);
	assert_string_equal(c->descs[0].name, "BEGIN");
	assert_string_equal(c->descs[0].provider, "");
	assert_string_equal(c->descs[1].provider, "syscall");
	assert_string_equal(c->descs[1].function, "read");
	assert_string_equal(c->descs[2].target, "vm*");
	assert_string_equal(c->descs[2].module, "vmlinux");
	assert_int_equal(c->desc_lines[2], 2);
	assert_non_null(c->pred);
	assert_int_equal(c->pred->kind, DT_N_OP2);
	assert_int_equal(c->nstmts, 1);
	assert_int_equal(p->clauses[1]->nstmts, 0);
	assert_null(p->clauses[2]->stmts);
	assert_int_equal(p->clauses[2]->has_body, 0);
	dt_front_prog_free(p);
	/* a script may not end in a bare description (a -n argument may) */
	expect_err("BEGIN\n{}\nprofile:::tick-1s\n", "D_SYNTAX", 3);
	expect_err("int*x\n", "D_SYNTAX", 0);
	expect_err("#pragma D option pspec\nint*x\n", "D_SYNTAX", 2);
}

static void test_several_texts(void **state)
{
	dt_compile_opts_t o;
	dt_compile_src_t srcs[3] = {
		{DT_SRC_NAME, NULL, "BEGIN"},
		{DT_SRC_SCRIPT, "a.d", "int n;\nBEGIN\n{ n = 5; }\n"},
		{DT_SRC_NAME, NULL, "END { trace(n); }"},
	};
	dt_front_prog_t *p = NULL;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.probe_lookup = lookup;
	/* a bare description may end a -n text; the texts share n */
	assert_int_equal(dt_front_parse_check_srcs(&o, srcs, 3, &p, &err), 0);
	assert_int_equal(p->nclauses, 3);
	assert_int_equal(p->clauses[0]->src, 0);
	assert_int_equal(p->clauses[1]->src, 1);
	assert_int_equal(p->clauses[2]->src, 2);
	assert_string_equal(p->clauses[2]->descs[0].name, "END");
	dt_front_prog_free(p);
	/* an error says which text it is in */
	srcs[2].text = "END { trace(m); }";
	assert_int_equal(dt_front_parse_check_srcs(&o, srcs, 3, &p, &err), -1);
	assert_null(p);
	assert_int_equal(err.src, 2);
	assert_string_equal(err.tag, "D_IDENT_UNDEF");
	srcs[2].text = "END { trace(n); }";
	srcs[0].text = "BEGIN {";
	assert_int_equal(dt_front_parse_check_srcs(&o, srcs, 3, &p, &err), -1);
	assert_int_equal(err.src, 0);
	/* a script text ending in a bare description is still refused */
	srcs[0].text = "BEGIN";
	srcs[1].text = "BEGIN { }\nEND\n";
	assert_int_equal(dt_front_parse_check_srcs(&o, srcs, 3, &p, &err), -1);
	assert_int_equal(err.src, 1);
	assert_int_equal(err.line, 2);
}

static void test_precedence_folding(void **state)
{
	(void)state;
	static const struct {
		const char *e;
		int64_t v;
	} cases[] = {
		{ "1 + 2 * 3", 7 },	 { "(1 + 2) * 3", 9 },
		{ "10 - 2 - 3", 5 },	 { "1 << 2 + 1", 8 },
		{ "7 & 3 | 8", 11 },	 { "1 ? 2 : 3", 2 },
		{ "0 ? 2 : 1 ? 4 : 5", 4 }, { "1 ^^ 1", 0 },
		{ "!0 && 2 > 1", 1 },	 { "-5 / 2", -2 },
		{ "-5 % 2", -1 },	 { "~0", -1 },
		{ "'A'", 65 },		 { "0x10 + 010", 24 },
		{ "sizeof (int)", 4 },	 { "sizeof (char *)", 8 },
		{ "(char)300", 44 },	 { "(unsigned char)-1", 255 },
		{ "3 == 3 != 0", 1 },	 { "1 < 2 == 1", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char src[256];
		snprintf(src, sizeof(src), "BEGIN { x = %s; }", cases[i].e);
		dt_front_prog_t *p = compile(src);
		dt_node_t *r = rhs(p);
		if (r->kind != DT_N_INT || r->ival != cases[i].v)
			fail_msg("%s: kind %d value %lld", cases[i].e, r->kind,
				 (long long)r->ival);
		dt_front_prog_free(p);
	}
}

static void test_integer_types(void **state)
{
	(void)state;
	static const struct {
		const char *lit, *type;
	} cases[] = {
		{ "1", "int" },
		{ "2147483648", "long" },
		{ "0xffffffff", "unsigned int" },
		{ "1u", "unsigned int" },
		{ "1ul", "unsigned long" },
		{ "1ll", "long long" },
		{ "0xffffffffffffffff", "unsigned long" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char src[128], buf[64];
		snprintf(src, sizeof(src), "BEGIN { x = %s; }", cases[i].lit);
		dt_front_prog_t *p = compile(src);
		dt_type_name(rhs(p)->type, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].type);
		dt_front_prog_free(p);
	}
	expect_err("BEGIN { x = 0x12345678123456781; }", "D_INT_OFLOW", 1);
	expect_err("BEGIN {\n x = 08; }", "D_INT_DIGIT", 2);
}

/* DTrace's typing, not C's: ranked arithmetic, 64-bit folding, int
 * character constants, sizeof of literals and NULL, ++ on a new name. */
static void test_dtrace_typing(void **state)
{
	(void)state;
	static const struct {
		const char *e;
		int64_t v;
		const char *type;
	} cases[] = {
		{ "(1 << 63) - 1", INT64_MAX, "int" },
		{ "1 << 40", (int64_t)1 << 40, "int" },
		{ "sizeof ('c')", 4, NULL },
		{ "sizeof (\"hi\")", 3, NULL },
		{ "sizeof (NULL)", 4, NULL },
		{ "sizeof (10 * 'c')", 4, NULL },
		{ "sizeof (1234512345 * 1234512345 * 1ULL)", 8, NULL },
		{ "'c'", 'c', "int" },
		{ "-1u", (int64_t)-1, "unsigned int" },
		{ "0xffffffffu > -1", 0, "int" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char src[256], buf[64];
		snprintf(src, sizeof(src), "BEGIN { x = %s; }", cases[i].e);
		dt_front_prog_t *p = compile(src);
		dt_node_t *r = rhs(p);
		if (r->kind != DT_N_INT || r->ival != cases[i].v)
			fail_msg("%s: kind %d value %lld", cases[i].e, r->kind,
				 (long long)r->ival);
		if (cases[i].type) {
			dt_type_name(r->type, buf, sizeof(buf));
			assert_string_equal(buf, cases[i].type);
		}
		dt_front_prog_free(p);
	}
	static const struct {
		const char *decl, *e, *type;
	} ops[] = {
		{ "char a, b;", "a + b", "char" },
		{ "unsigned char a; short b;", "a + b", "short" },
		{ "unsigned char a; char b;", "a - b", "unsigned char" },
		{ "int a; unsigned int b;", "a * b", "unsigned int" },
		{ "char a; int b;", "a << b", "int" },
		{ "short a;", "-a", "short" },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char src[256], buf[64];
		snprintf(src, sizeof(src), "%s BEGIN { x = %s; }", ops[i].decl,
			 ops[i].e);
		dt_front_prog_t *p = compile(src);
		dt_type_name(rhs(p)->type, buf, sizeof(buf));
		if (strcmp(buf, ops[i].type))
			fail_msg("%s %s: %s, want %s", ops[i].decl, ops[i].e,
				 buf, ops[i].type);
		dt_front_prog_free(p);
	}
	/* a variable first written by ++ is int64_t */
	dt_front_prog_t *p = compile("BEGIN { x++; self->y++; this->z--; }");
	char buf[64];
	dt_type_name(p->globals[0]->type, buf, sizeof(buf));
	assert_string_equal(buf, "int64_t");
	dt_front_prog_free(p);
	/* lexer errors as DTrace words and places them */
	expect_err("BEGIN { trace(1)); }", "D_SYNTAX", 1);
	expect_err("BEGIN\n/rand(/\n{ }", "D_SYNTAX", 3);
	expect_err("BEGIN { }\n/* open", "D_SYNTAX", 2);
}

static void test_strings_chars(void **state)
{
	(void)state;
	dt_front_prog_t *p = compile("BEGIN { s = \"a\\tb\\\\\\x41\\101\"; }");
	dt_node_t *r = rhs(p);
	assert_int_equal(r->kind, DT_N_STRING);
	assert_int_equal(r->slen, 6);
	assert_memory_equal(r->sval, "a\tb\\AA", 6);
	assert_true(dt_type_is_string(r->type));
	assert_true(dt_type_is_string(p->globals[0]->type));
	dt_front_prog_free(p);
	expect_err("BEGIN {\n s = \"ab\ncd\"; }", "D_STR_NL", 3);
	expect_err("BEGIN { c = ''; }", "D_CHR_NULL", 1);
	expect_err("BEGIN { c = 'abcdefghi'; }", "D_CHR_OFLOW", 1);
	/* comments of both kinds, anywhere */
	p = compile("/* c */ BEGIN // x\n/* y */ { /* z */ x = 1; // w\n}");
	assert_int_equal(p->nclauses, 1);
	dt_front_prog_free(p);
}

static void test_variables_ids(void **state)
{
	(void)state;
	dt_front_prog_t *p = compile(
		"int g;\nself int t;\nBEGIN { a = 1; g = 2; self->t = 3; "
		"self->u = \"x\"; this->l = 4; arr[1, \"k\"] = 5; "
		"@c[probefunc] = count(); @ = sum(1); }");
	assert_int_equal(p->nglobals, 3);
	assert_string_equal(p->globals[0]->name, "g");
	assert_int_equal(p->globals[0]->id, DIF_VAR_OTHER_UBASE);
	assert_int_equal(p->globals[1]->id, DIF_VAR_OTHER_UBASE + 1);
	assert_int_equal(p->globals[2]->kind, DIFV_KIND_ARRAY);
	assert_int_equal(p->globals[2]->nkeys, 2);
	assert_true(dt_type_is_string(p->globals[2]->keytypes[1]));
	assert_int_equal(p->ntls, 2);
	assert_int_equal(p->tls[0]->id, DIF_VAR_OTHER_UBASE);
	assert_int_equal(p->tls[0]->scope, DIFV_SCOPE_THREAD);
	assert_int_equal(p->nlocals, 1);
	assert_int_equal(p->locals[0]->scope, DIFV_SCOPE_LOCAL);
	assert_int_equal(p->naggs, 2);
	assert_string_equal(p->aggs[1]->name, "");
	assert_int_equal(p->aggs[0]->func, DT_AGG_COUNT);
	assert_int_equal(p->aggs[0]->nkeys, 1);
	dt_node_t *s = p->clauses[0]->stmts;
	for (int i = 0; i < 6; i++)
		s = s->next;
	assert_int_equal(s->kind, DT_N_AGGSTMT);
	assert_int_equal(s->left->agg->id, 0);
	assert_int_equal(s->right->callkind, DT_CALL_AGGFUNC);
	dt_front_prog_free(p);
	expect_err("BEGIN {\n exit(x); }", "D_IDENT_UNDEF", 2);
	expect_err("BEGIN { x[1, 2] = 1; x[1] = 2; }", "D_PROTO_LEN", 1);
	expect_err("BEGIN { x = 1; x = \"s\"; }", "D_OP_INCOMPAT", 1);
	expect_err("this int a[int];", "D_DECL_LOCASSC", 1);
	expect_err("int x;\nchar x;", "D_DECL_IDRED", 2);
}

static void test_builtins_calls(void **state)
{
	(void)state;
	dt_front_prog_t *p = compile(
		"syscall::read:entry { x = timestamp; y = args[1]; "
		"z = strlen(execname); printf(\"%d %s\\n\", pid, probefunc); "
		"exit(0); }");
	dt_node_t *s = p->clauses[0]->stmts;
	assert_int_equal(s->left->right->kind, DT_N_BUILTIN);
	assert_int_equal(s->left->right->builtin, DIF_VAR_TIMESTAMP);
	s = s->next;
	assert_int_equal(s->left->right->builtin, DIF_VAR_ARGS);
	assert_true(dt_type_is_pointer(s->left->right->type));
	s = s->next;
	assert_int_equal(s->left->right->callkind, DT_CALL_SUBR);
	assert_int_equal(s->left->right->subr, DIF_SUBR_STRLEN);
	s = s->next;
	assert_int_equal(s->left->callkind, DT_CALL_ACTION);
	assert_int_equal(s->left->act, DT_ACT_PRINTF);
	assert_int_equal(s->left->nargs, 3);
	s = s->next;
	assert_int_equal(s->left->act, DT_ACT_EXIT);
	dt_front_prog_free(p);
	p = compile("extern int max_threads;\n"
		    "BEGIN { a = max_threads; b = curcpu->cpu_id; c = chip; }");
	s = p->clauses[0]->stmts;
	assert_int_equal(s->left->right->kind, DT_N_KSYM);
	assert_string_equal(s->left->right->sval, "max_threads");
	assert_int_equal(s->next->left->right->left->kind, DT_N_BUILTIN);
	assert_int_equal(s->next->left->right->left->builtin, DIF_VAR_CURCPU);
	assert_int_equal(s->next->next->left->right->kind, DT_N_MEMBER);
	dt_front_prog_free(p);
	expect_err("BEGIN { trace(args[0]); }", "D_ARGS_IDX", 1);
	expect_err("BEGIN { pid = 1; }", "D_OP_WRITE", 1);
	expect_err("BEGIN { strlen(); }", "D_PROTO_LEN", 1);
	expect_err("BEGIN { strlen(12); }", "D_PROTO_ARG", 1);
	expect_err("BEGIN { nosuch(); }", "D_FUNC_UNDEF", 1);
	expect_err("BEGIN { printf(\"%d\"); }", "D_PRINTF_ARG_PROTO", 1);
	expect_err("BEGIN { printf(\"%d\", 1, 2); }", "D_PRINTF_ARG_EXTRA",
		   1);
	expect_err("BEGIN { printf(\"%z\"); }", "D_SYNTAX", 1);
	expect_err("BEGIN { @a = count(); @a = sum(1); }", "D_AGG_REDEF", 1);
	expect_err("BEGIN { @ = lquantize(1, 10, 5); }", "D_LQUANT_MISMATCH",
		   1);
	expect_err("BEGIN { commit(1); @a = count(); }", "D_AGG_COMM", 1);
	expect_err("nosuch:::nomatch { }", "D_PDESC_ZERO", 1);
}

static void test_declarations(void **state)
{
	(void)state;
	dt_front_prog_t *p = compile(
		"struct s { char c; int i : 3; int j : 30; long l; } v;\n"
		"union u { char c; long l; };\n"
		"enum e { A, B = 10, C };\n"
		"typedef struct s s_t;\n"
		"inline int K = B + 1;\n"
		"int (*fp)(int, char *);\n"
		"BEGIN { x = sizeof (struct s); y = offsetof(s_t, l); "
		"z = C; w = K; q = sizeof (union u); v.j = 2; }");
	/* layout as gcc lays it out on x86-64 */
	dt_node_t *s = p->clauses[0]->stmts;
	assert_int_equal(s->left->right->ival, 16);
	s = s->next;
	assert_int_equal(s->left->right->ival, 8);
	s = s->next;
	assert_int_equal(s->left->right->ival, 11);
	s = s->next;
	assert_int_equal(s->left->right->ival, 11);
	s = s->next;
	assert_int_equal(s->left->right->ival, 8);
	s = s->next;
	dt_node_t *m = s->left->left;
	assert_int_equal(m->kind, DT_N_MEMBER);
	assert_true(m->flags & DT_NF_BITFIELD);
	assert_int_equal(m->member.offset_bits, 32);
	assert_int_equal(m->member.bitsize, 30);
	char buf[64];
	dt_type_name(p->globals[1]->type, buf, sizeof(buf));
	assert_string_equal(buf, "int (*)(int, char *)");
	dt_front_prog_free(p);
	expect_err("struct foo { int x; char x; };", "D_UNKNOWN", 1);
	expect_err("struct r { struct r x; };", "D_DECL_INCOMPLETE", 1);
	expect_err("struct b { int a : 0; };", "D_DECL_BFCONST", 1);
	expect_err("struct b { char a : 9; };", "D_DECL_BFSIZE", 1);
	expect_err("long struct m { int i; };", "D_DECL_LONGINT", 1);
	expect_err("BEGIN { i = (char long)0; }", "D_DECL_CHARATTR", 1);
	expect_err("self this int x;", "D_DECL_CLASS", 1);
	expect_err("register x;", "D_DECL_BADCLASS", 1);
	expect_err("extern int;", "D_DECL_USELESS", 1);
	expect_err("enum e { T = \"s\" };", "D_DECL_ENCONST", 1);
	expect_err("enum e { T = 2147483648 };", "D_DECL_ENOFLOW", 1);
	expect_err("int a[-7];", "D_DECL_ARRSUB", 1);
	expect_err("int foo(int, void);", "D_DECL_PROTO_VOID", 1);
	expect_err("inline int rand = 7;", "D_DECL_IDRED", 1);
	expect_err("int i = 0;", "D_SYNTAX", 1);
}

static void test_translators(void **state)
{
	(void)state;
	dt_front_prog_t *p = compile(
		"struct in { int ii; };\nstruct out { int oi; long ol; };\n"
		"translator struct out < struct in *i > { oi = i->ii + 1; "
		"ol = 5; };\n"
		"struct in *f;\n"
		"BEGIN { x = xlate<struct out>(f).oi; "
		"y = xlate<struct out *>(f)->ol; }");
	assert_int_equal(p->nxlators, 1);
	dt_node_t *s = p->clauses[0]->stmts;
	dt_node_t *r = s->left->right;
	/* lowered: f->ii + 1 */
	assert_int_equal(r->kind, DT_N_OP2);
	assert_int_equal(r->op, DT_OP_ADD);
	assert_int_equal(r->left->kind, DT_N_MEMBER);
	assert_int_equal(r->left->left->kind, DT_N_VAR);
	assert_string_equal(r->left->left->var->name, "f");
	assert_int_equal(s->next->left->right->kind, DT_N_INT);
	dt_front_prog_free(p);
	/* a whole translated struct, inline arrays, inline translations */
	p = compile("struct in { int ii; };\nstruct out { int oi; long ol; };\n"
		    "translator struct out < struct in *i > { oi = i->ii; };\n"
		    "struct in *f;\ninline int add2[int a, int b] = a + b;\n"
		    "inline struct out o = xlate<struct out>(f);\n"
		    "BEGIN { trace(xlate<struct out>(f)); x = add2[2, 3]; "
		    "y = o.oi; }");
	s = p->clauses[0]->stmts;
	dt_node_t *x = s->left->args;
	assert_int_equal(x->kind, DT_N_XLATE);
	assert_int_equal(x->nxmembers, 0);
	assert_non_null(x->xlator);
	assert_int_equal(x->xlator->nmembers, 1);
	assert_ptr_equal(x->xlator->mexprs[0]->left->var,
			 x->xlator->argvar);
	assert_int_equal(s->next->left->right->kind, DT_N_INT);
	assert_int_equal(s->next->left->right->ival, 5);
	assert_int_equal(s->next->next->left->right->kind, DT_N_MEMBER);
	dt_front_prog_free(p);
	expect_err("struct in { int ii; };\nstruct out { int oi; };\n"
		   "translator struct out < struct in *i > { nope = 1; };",
		   "D_XLATE_MEMB", 3);
	expect_err("struct a { int x; };\nstruct b { int y; };\nstruct a v;\n"
		   "BEGIN { xlate<struct b>(v).y; }",
		   "D_XLATE_NONE", 4);
}

static void test_statements(void **state)
{
	(void)state;
	dt_front_prog_t *p = compile(
		"BEGIN { if (pid > 1) { x = 1; } else y = 2; ; trace(3) }");
	dt_node_t *s = p->clauses[0]->stmts;
	assert_int_equal(s->kind, DT_N_IF);
	assert_non_null(s->cond);
	assert_int_equal(s->left->kind, DT_N_EXPRSTMT);
	assert_int_equal(s->right->kind, DT_N_EXPRSTMT);
	assert_int_equal(s->next->kind, DT_N_EMPTY);
	assert_int_equal(s->next->next->left->act, DT_ACT_DIFEXPR);
	dt_front_prog_free(p);
	expect_err("BEGIN\n{\n trace(1));\n}", "D_SYNTAX", 3);
	expect_err("BEGIN\n{\n trace(1);\n", "D_SYNTAX", 0);
	expect_err("BEGIN { i = 1; i */= i; }", "D_SYNTAX", 1);
}

static void test_pragmas_macros(void **state)
{
	(void)state;
	dt_front_prog_t *p = compile(
		"#pragma D option quiet\n#pragma D option bufsize=4m\n"
		"#line 100\nBEGIN { x = $1 + $pid; s = $$2; }");
	assert_string_equal(dt_front_opt(p, "quiet"), "");
	assert_string_equal(dt_front_opt(p, "bufsize"), "4m");
	assert_null(dt_front_opt(p, "flowindent"));
	dt_node_t *r = rhs(p);
	assert_int_equal(r->ival, 42 + 77);
	assert_int_equal(p->clauses[0]->line, 100);
	assert_string_equal(p->clauses[0]->stmts->next->left->right->sval,
			    "hello");
	dt_front_prog_free(p);
	p = compile_opts("#define N 5\nBEGIN { x = N; }", 1);
	assert_non_null(p);
	assert_int_equal(rhs(p)->ival, 5);
	dt_front_prog_free(p);
	expect_err("#pragma D option nosuchoption\n", "D_PRAGMA_OPTSET", 1);
	expect_err("#pragma D option bufsize=1b\n", "D_PRAGMA_OPTSET", 1);
	expect_err("#pragma D option nspec=24 * 44\n", "D_PRAGMA_MALFORM", 1);
	expect_err("\n#pragma D error \"boom\"\n", "D_PRAGERR", 2);
	expect_err("BEGIN {\n trace($3); }", "D_MACRO_UNDEF", 2);
}

static void test_kernel_types(void **state)
{
	(void)state;
	dt_front_prog_t *p = compile_opts(
		"BEGIN { c = curthread->comm; "
		"p = ((struct task_struct *)curthread)->real_parent->pid; }",
		0);
	if (!p && !strcmp(err.tag, "D_OP_SOU")) {
		skip(); /* no kernel BTF on this machine */
		return;
	}
	if (!p)
		fail_msg("[%s] %s", err.tag, err.msg);
	char buf[64];
	dt_type_name(rhs(p)->type, buf, sizeof(buf));
	assert_string_equal(buf, "char [16]");
	dt_node_t *e = p->clauses[0]->stmts->next->left->right;
	assert_int_equal(e->kind, DT_N_MEMBER);
	assert_true(dt_type_is_integer(e->type));
	assert_int_equal(dt_type_size(e->type), 4);
	dt_front_prog_free(p);
	expect_err("BEGIN { x = curthread->no_such_member; }", "D_TYPE_MEMBER",
		   1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clauses_and_descs),
		cmocka_unit_test(test_several_texts),
		cmocka_unit_test(test_precedence_folding),
		cmocka_unit_test(test_integer_types),
		cmocka_unit_test(test_dtrace_typing),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_variables_ids),
		cmocka_unit_test(test_builtins_calls),
		cmocka_unit_test(test_declarations),
		cmocka_unit_test(test_translators),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_pragmas_macros),
		cmocka_unit_test(test_kernel_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
