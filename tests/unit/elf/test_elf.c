/* test_elf.c: the ELF program writer and reader: round trips of hand-built
 * and generated programs (every field), byte-identical re-emission, the file
 * really carrying the program (patching a constant), and precise refusal of
 * malformed files (truncations, corrupted references, every byte flipped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/dt_error.h"
#include "elf/dt_elf.h"
#include "dt_proggen.h"

/* A hand-built program touching every field of dt_prog_t. */
static dt_prog_t *build_full(void)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s;
	dt_action_t *a;
	dt_difo_t *d;
	dif_var_desc_t v = {0};
	int ai;

	memset(p->ident, 0xa5, 16);
	memset(p->srcident, 0x5a, 16);
	p->link_error = strdup("no such member");
	dt_prog_add_fmt(p, DT_ACT_PRINTF, "%s %d\n");
	dt_prog_add_fmt(p, DT_ACT_PRINTA, "%@d");
	s = dt_prog_add_stmt(p);
	s->line = 7;
	dt_stmt_add_desc(s, "vm*", "syscall", "vmlinux", "read", "entry");
	dt_stmt_add_desc(s, "", "syscall", "", "write", "entry");
	d = dt_difo_new();
	d->len = 3;
	d->buf = malloc(12);
	d->buf[0] = DIF_INSTR_SETX(0, 1);
	d->buf[1] = DIF_INSTR_USETX(0, 2);
	d->buf[2] = DIF_INSTR_RET(1);
	d->intlen = 1;
	d->inttab = malloc(8);
	d->inttab[0] = 0x1122334455667788ull;
	d->strtab = malloc(4);
	memcpy(d->strtab, "ab\0", 4);
	d->strlen = 4;
	d->symtab = strdup("sizeof int");
	d->symlen = 11;
	d->varlen = 1;
	d->vartab = calloc(1, sizeof(*d->vartab));
	d->vartab[0] = (dif_var_desc_t){.name = 1,
					.id = 0x500,
					.kind = 1,
					.scope = 1,
					.flags = 3,
					.type = {0, 3, 1, 0, 8}};
	d->rtype = (dif_type_t){1, 0, 1, 0, 256};
	d->rtype_name = strdup("string");
	d->flags = DT_DIFO_CHARARR;
	s->pred = d;
	a = dt_stmt_add_action(s, DT_ACT_PRINTF);
	a->fmt = 0;
	a->arg = 0xdeadbeefcafef00dull;
	a->arg2 = 42;
	dt_action_add_difo(a, dt_difo_dup(d));
	dt_action_add_difo(a, NULL);
	dt_action_add_arg(a, 3);
	a = dt_stmt_add_action(s, DT_ACT_AGGREGATION);
	a->arg = 0;
	ai = dt_prog_add_agg(p, "lat", DT_AGG_LQUANTIZE);
	p->aggs[ai].nkeys = 2;
	p->aggs[ai].keys = calloc(2, sizeof(dif_type_t));
	p->aggs[ai].keys[0] = (dif_type_t){1, 0, 1, 0, 256};
	p->aggs[ai].keys[1] = (dif_type_t){0, 1, 0, 0, 4};
	p->aggs[ai].key_type_names = calloc(2, sizeof(char *));
	p->aggs[ai].key_type_names[0] = strdup("string");
	p->aggs[ai].params[0] = -5;
	p->aggs[ai].params[1] = 100;
	p->aggs[ai].params[2] = 10;
	p->aggs[ai].flags = DT_AGGDESC_SIGNED;
	s = dt_prog_add_stmt(p); /* empty statement: default action */
	dt_stmt_add_desc(s, "", "", "", "", "BEGIN");
	v.id = 0x501;
	v.kind = DIFV_KIND_SCALAR;
	v.scope = DIFV_SCOPE_GLOBAL;
	v.type = (dif_type_t){0, 1, 0, 0, 8};
	dt_prog_add_var(p, "x", &v, "int64_t", 0);
	dt_prog_add_var(p, "a", &v, NULL, 2);
	dt_prog_add_opt(p, "quiet", NULL);
	dt_prog_add_opt(p, "bufsize", "4m");
	return p;
}

static void roundtrip(const dt_prog_t *p)
{
	void *b1, *b2;
	size_t l1, l2;
	dt_prog_t *q = NULL;
	dt_elf_err_t err;
	char why[256] = "";

	assert_int_equal(dt_elf_write_mem(p, &b1, &l1, &err), 0);
	if (dt_elf_read_mem(b1, l1, &q, &err) != 0)
		fail_msg("read back: %s", err.msg);
	if (dt_proggen_equal_all(p, q, why, sizeof(why)) != 0)
		fail_msg("round trip differs: %s", why);
	assert_int_equal(dt_elf_write_mem(q, &b2, &l2, &err), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	dt_prog_free(q);
	free(b1);
	free(b2);
}

static void test_full_roundtrip(void **state)
{
	dt_prog_t *p = build_full();

	roundtrip(p);
	dt_prog_free(p);
	p = dt_prog_new(); /* the empty program */
	roundtrip(p);
	dt_prog_free(p);
}

static void test_generated_roundtrip(void **state)
{
	for (uint64_t seed = 1; seed <= 500; seed++) {
		dt_prog_t *p = dt_proggen(seed);

		roundtrip(p);
		dt_prog_free(p);
	}
}

static void test_file_roundtrip(void **state)
{
	char path[] = "/tmp/test-elf-XXXXXX";
	int fd = mkstemp(path);
	dt_prog_t *p = build_full(), *q = NULL;
	dt_elf_err_t err;
	char why[128];

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(dt_elf_write_file(p, path, &err), 0);
	assert_int_equal(dt_elf_read_file(path, &q, &err), 0);
	assert_int_equal(dt_proggen_equal_all(p, q, why, sizeof(why)), 0);
	dt_prog_free(q);
	assert_int_equal(dt_elf_read_file("/nonexistent/x", &q, &err), -1);
	assert_int_equal(err.code, EDT_IO);
	unlink(path);
	dt_prog_free(p);
}

/* Changing the constant in the file changes the program read back. */
static void test_patch_constant(void **state)
{
	dt_prog_t *p = build_full(), *q = NULL;
	const uint8_t want[8] = {0x88, 0x77, 0x66, 0x55,
				 0x44, 0x33, 0x22, 0x11};
	dt_elf_err_t err;
	uint8_t *b;
	size_t l, n = 0;
	void *vb;

	assert_int_equal(dt_elf_write_mem(p, &vb, &l, &err), 0);
	b = vb;
	for (size_t i = 0; i + 8 <= l; i++)
		if (memcmp(b + i, want, 8) == 0) {
			b[i] = 0x99; /* low byte of the constant */
			n++;
		}
	assert_int_equal(n, 2); /* predicate and its copy in the action */
	assert_int_equal(dt_elf_read_mem(b, l, &q, &err), 0);
	assert_int_equal(q->stmts[0].pred->inttab[0], 0x1122334455667799ull);
	assert_int_equal(q->stmts[0].acts[0].difo[0]->inttab[0],
			 0x1122334455667799ull);
	assert_int_not_equal(dt_prog_equal(p, q, NULL, 0), 0);
	dt_prog_free(q);
	dt_prog_free(p);
	free(b);
}

static void expect_bad(const void *b, size_t l, const char *needle)
{
	dt_prog_t *q = NULL;
	dt_elf_err_t err = {0};

	assert_int_equal(dt_elf_read_mem(b, l, &q, &err), -1);
	assert_null(q);
	assert_true(err.code == EDT_BADELF || err.code == EDT_NOMEM);
	if (needle != NULL && strstr(err.msg, needle) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err.msg,
			 needle);
}

static void test_truncations(void **state)
{
	dt_prog_t *p = build_full();
	dt_elf_err_t err;
	void *b;
	size_t l;

	assert_int_equal(dt_elf_write_mem(p, &b, &l, &err), 0);
	for (size_t n = 0; n < l; n++) {
		void *c = malloc(n ? n : 1);

		memcpy(c, b, n);
		expect_bad(c, n, NULL);
		free(c);
	}
	free(b);
	dt_prog_free(p);
}

/* Every single-byte corruption either reads (as some program) or is
 * refused; never a crash (ASan build checks the memory side). */
static void test_every_byte(void **state)
{
	dt_prog_t *p = build_full();
	dt_elf_err_t err;
	uint8_t *b;
	void *vb;
	size_t l, refused = 0;

	assert_int_equal(dt_elf_write_mem(p, &vb, &l, &err), 0);
	b = vb;
	for (size_t i = 0; i < l; i++) {
		for (int k = 0; k < 3; k++) {
			static const uint8_t x[3] = {0x01, 0x80, 0xff};
			dt_prog_t *q = NULL;

			b[i] ^= x[k];
			if (dt_elf_read_mem(b, l, &q, &err) != 0)
				refused++;
			dt_prog_free(q);
			b[i] ^= x[k];
		}
	}
	print_message("every byte: %zu bytes, %zu of %zu corruptions refused\n",
		      l, refused, 3 * l);
	assert_true(refused > 0);
	free(b);
	dt_prog_free(p);
}

/* Precise messages for precise faults. */
static void test_messages(void **state)
{
	dt_prog_t *p = build_full();
	dt_elf_err_t err;
	uint8_t *b;
	void *vb;
	size_t l;
	uint64_t shoff;

	assert_int_equal(dt_elf_write_mem(p, &vb, &l, &err), 0);
	b = vb;
	expect_bad(b, 10, "too short");
	b[0] = 0;
	expect_bad(b, l, "no ELF magic");
	b[0] = 0x7f;
	/* the program section: bump its version */
	memcpy(&shoff, b + 40, 8);
	{
		uint64_t off;
		uint8_t save;

		memcpy(&off, b + shoff + 64 * 2 + 24, 8);
		save = b[off + 4];
		b[off + 4] = 9;
		expect_bad(b, l, "section 2 (.dtrace_prog): field version");
		b[off + 4] = save;
		/* first statement reference -> points to a wrong place */
		b[off + 64] = 7;
		expect_bad(b, l, "section 2 (.dtrace_prog): field stmt[0]");
		b[off + 64] = 4;
		/* statement count too large for the section */
		b[off + 44] = 3;
		expect_bad(b, l, "field nstmts/naggs");
		b[off + 44] = 2;
		/* link error string offset outside the string table */
		b[off + 43] = 0x7f;
		expect_bad(b, l, "field link_error: string offset");
	}
	free(b);
	dt_prog_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_roundtrip),
	    cmocka_unit_test(test_generated_roundtrip),
	    cmocka_unit_test(test_file_roundtrip),
	    cmocka_unit_test(test_patch_constant),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_every_byte),
	    cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
