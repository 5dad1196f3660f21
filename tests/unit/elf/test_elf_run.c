/* test_elf_run.c: the ELF file really carries the program: a program run
 * from its file by elfrun (engine + ELF reader, no front end) prints what
 * the program in memory prints, and patching one DIF integer constant in
 * the file changes the output accordingly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dt_elfrun.h"
#include "elf/dt_elf.h"

static const char *elfrun_path;

/* BEGIN { trace(K); printf("v=%d\n", K + 1); exit(0); } */
static dt_prog_t *build(uint64_t k)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s = dt_prog_add_stmt(p);
	dt_action_t *a;
	dt_difo_t *d;
	int f = dt_prog_add_fmt(p, DT_ACT_PRINTF, "v=%d\n");

	dt_stmt_add_desc(s, "", "dtrace", "", "", "BEGIN");
	for (int i = 0; i < 3; i++) {
		d = dt_difo_new();
		d->len = i == 1 ? 4 : 2;
		d->buf = calloc(d->len, sizeof(*d->buf));
		d->inttab = calloc(2, 8);
		d->intlen = i == 1 ? 2 : 1;
		d->inttab[0] = i == 2 ? 0 : k;
		d->inttab[1] = 1;
		d->buf[0] = DIF_INSTR_SETX(0, 1);
		if (i == 1) {
			d->buf[1] = DIF_INSTR_SETX(1, 2);
			d->buf[2] = DIF_INSTR_FMT(DIF_OP_ADD, 1, 2, 1);
		}
		d->buf[d->len - 1] = DIF_INSTR_RET(1);
		d->rtype.kind = DIF_TYPE_CTF;
		d->rtype.size = i == 1 ? 4 : 8;
		d->flags = DT_DIFO_SIGNED;
		d->rtype_name = strdup(i == 1 ? "int" : "int64_t");
		a = dt_stmt_add_action(s, i == 0   ? DT_ACT_DIFEXPR
					  : i == 1 ? DT_ACT_PRINTF
						   : DT_ACT_EXIT);
		if (i == 1)
			a->fmt = (uint32_t)f;
		dt_action_add_difo(a, d);
	}
	dt_prog_add_opt(p, "quiet", NULL);
	return p;
}

static char *run_file(const char *path)
{
	char cmd[4200], *buf = calloc(1, 4096);
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' '%s' 2>&1", elfrun_path, path);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	pclose(f);
	return buf;
}

static char *run_mem(const dt_prog_t *p)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	dt_elfrun(p, f, f);
	fclose(f);
	return buf;
}

static void test_run_and_patch(void **state)
{
	char path[] = "/tmp/test-elf-run-XXXXXX";
	int fd = mkstemp(path);
	dt_prog_t *p = build(12345678);
	dt_elf_err_t e;
	char *mem, *file;
	unsigned char *b;
	void *vb;
	size_t len, hits = 0;
	const unsigned char k[8] = {0x4e, 0x61, 0xbc, 0, 0, 0, 0, 0};

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(dt_elf_write_file(p, path, &e), 0);
	mem = run_mem(p);
	file = run_file(path);
	print_message("in memory: [%s] from the file: [%s]\n", mem, file);
	assert_non_null(strstr(mem, "12345678"));
	assert_non_null(strstr(mem, "v=12345679"));
	assert_string_equal(mem, file);
	free(file);

	/* patch the constant in the file: 12345678 -> 12345688 */
	assert_int_equal(dt_elf_write_mem(p, &vb, &len, &e), 0);
	b = vb;
	for (size_t i = 0; i + 8 <= len; i++)
		if (memcmp(b + i, k, 8) == 0) {
			b[i] += 10;
			hits++;
		}
	assert_int_equal(hits, 2); /* trace's and printf's constants */
	{
		FILE *f = fopen(path, "wb");

		assert_int_equal(fwrite(b, 1, len, f), len);
		fclose(f);
	}
	file = run_file(path);
	print_message("patched: [%s]\n", file);
	assert_non_null(strstr(file, "12345688"));
	assert_non_null(strstr(file, "v=12345689"));
	assert_null(strstr(file, "12345678"));
	free(file);
	free(mem);
	free(b);
	unlink(path);
	dt_prog_free(p);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_run_and_patch),
	};

	elfrun_path = argc > 1 ? argv[1] : "./elfrun";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
