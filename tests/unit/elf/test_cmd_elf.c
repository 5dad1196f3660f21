/* test_cmd_elf.c: dtrace's ELF options as cmd/dtrace/dt_cmd_elf.c implements
 * them: -E -e writes and prints an absolute path, -e -y re-emits the same
 * bytes, -y links (a link error exits 1 and is recorded in OUT), -Y loads
 * and links with ,host / ,guest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "dt_cmd_elf.h"
#include "elf/dt_elf.h"
#include "link/dt_reloc.h"

static char dir[] = "/tmp/test-cmd-elf-XXXXXX";

/* trace(curthread-><member>) as -E compiles it. */
static dt_prog_t *member_prog(const char *member)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s = dt_prog_add_stmt(p);
	dt_action_t *a;
	dt_difo_t *d = dt_difo_new();
	char sym[128];

	snprintf(sym, sizeof(sym), "offsetof struct task_struct %s", member);
	dt_reloc_sym_add(d, sym);
	dt_reloc_sym_add(d, "type char [16]");
	d->len = 5;
	d->buf = malloc(5 * sizeof(*d->buf));
	d->buf[0] = DIF_INSTR_LDV(DIF_OP_LDGS, DIF_VAR_CURTHREAD, 1);
	d->buf[1] = DIF_INSTR_USETX(0, 2);
	d->buf[2] = DIF_INSTR_FMT(DIF_OP_ADD, 1, 2, 1);
	d->buf[3] = DIF_INSTR_TYPECAST(1, 1);
	d->buf[4] = DIF_INSTR_RET(1);
	s->line = 1;
	dt_stmt_add_desc(s, "", "syscall", "", "read", "entry");
	a = dt_stmt_add_action(s, DT_ACT_DIFEXPR);
	dt_action_add_difo(a, d);
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Runs fn with stdout captured into buf. */
static int capture(int (*fn)(void *), void *arg, char *buf, size_t len)
{
	char path[256];
	int fd, saved, rc;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stdout", dir);
	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 1);
	close(fd);
	rc = fn(arg);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	f = fopen(path, "r");
	buf[0] = '\0';
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return rc;
}

static int run_emit(void *arg)
{
	dt_prog_t *p = member_prog("comm");
	int rc = dt_cmd_elf_emit(p, arg);

	dt_prog_free(p);
	return rc;
}

struct two {
	const char *in, *out;
	dt_cmd_elf_xopts_t xo;
};

static int run_reemit(void *arg)
{
	struct two *t = arg;

	return dt_cmd_elf_reemit(t->in, t->out);
}

static int run_link(void *arg)
{
	struct two *t = arg;

	return dt_cmd_elf_link(t->in, t->out, &t->xo);
}

static void test_emit_reemit(void **state)
{
	char path[700], out[700], line[700];
	struct two t = {0};
	char *a, *b;
	size_t la, lb;

	/* default location: $TMPDIR/ht-<ident>.elf, printed absolute */
	setenv("TMPDIR", dir, 1);
	assert_int_equal(capture(run_emit, NULL, line, sizeof(line)), 0);
	assert_true(strncmp(line, dir, strlen(dir)) == 0);
	assert_non_null(strstr(line, "/ht-"));
	snprintf(path, sizeof(path), "%s", line);
	/* -e -y: byte-identical */
	t.in = path;
	snprintf(out, sizeof(out), "%s/copy.elf", dir);
	t.out = out;
	assert_int_equal(capture(run_reemit, &t, line, sizeof(line)), 0);
	assert_string_equal(line, out);
	a = slurp(path, &la);
	b = slurp(out, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
	/* a relative -o prints an absolute path */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(capture(run_emit, "rel.elf", line, sizeof(line)), 0);
	snprintf(out, sizeof(out), "%s/rel.elf", dir);
	assert_string_equal(line, out);
}

static void test_link_cmd(void **state)
{
	char in[512], out[512], line[600];
	struct two t = {0};
	dt_prog_t *p = member_prog("comm"), *q = NULL;
	dt_elf_err_t e;
	enum dt_cmd_elf_mode mode;
	int status;

	snprintf(in, sizeof(in), "%s/in.elf", dir);
	snprintf(out, sizeof(out), "%s/out.elf", dir);
	dt_prog_new_ident(p);
	assert_int_equal(dt_elf_write_file(p, in, &e), 0);
	t.in = in;
	t.out = out;
	assert_int_equal(capture(run_link, &t, line, sizeof(line)), 0);
	assert_string_equal(line, out);
	assert_int_equal(dt_elf_read_file(out, &q, &e), 0);
	assert_null(q->link_error);
	assert_memory_equal(q->srcident, p->ident, 16);
	assert_int_equal(DIF_INSTR_OP(q->stmts[0].acts[0].difo[0]->buf[1]),
			 DIF_OP_SETX);
	dt_prog_free(q);
	dt_prog_free(p);

	/* a link error: exit 1, recorded in OUT */
	p = member_prog("no_such_member");
	assert_int_equal(dt_elf_write_file(p, in, &e), 0);
	assert_int_equal(capture(run_link, &t, line, sizeof(line)), 1);
	assert_string_equal(line, out);
	assert_int_equal(dt_elf_read_file(out, &q, &e), 0);
	assert_non_null(q->link_error);
	assert_non_null(strstr(q->link_error, "no_such_member"));
	dt_prog_free(q);
	dt_prog_free(p);

	/* a bad BTF path */
	p = member_prog("comm");
	assert_int_equal(dt_elf_write_file(p, in, &e), 0);
	t.xo.btf = "/nonexistent";
	assert_int_equal(capture(run_link, &t, line, sizeof(line)), 1);
	t.xo.btf = NULL;

	/* -Y: ,guest and ,host */
	snprintf(line, sizeof(line), "%s,guest", in);
	q = dt_cmd_elf_load(line, out, NULL, &mode, &status);
	assert_non_null(q);
	assert_int_equal(mode, DT_ELF_MODE_GUEST);
	dt_prog_free(q);
	snprintf(line, sizeof(line), "%s,host", in);
	q = dt_cmd_elf_load(line, NULL, NULL, &mode, &status);
	assert_non_null(q);
	assert_int_equal(mode, DT_ELF_MODE_HOST);
	dt_prog_free(q);
	/* a malformed file: status 1; a missing one: 2 */
	{
		FILE *f = fopen(in, "w");

		fputs("not an ELF file", f);
		fclose(f);
	}
	assert_null(dt_cmd_elf_load(in, NULL, NULL, &mode, &status));
	assert_int_equal(status, 1);
	assert_null(
	    dt_cmd_elf_load("/nonexistent/x.elf", NULL, NULL, &mode, &status));
	assert_int_equal(status, 2);
	dt_prog_free(p);
}

static void test_xopts(void **state)
{
	const char *x[] = {"quiet", "btf=/a/b", "resolvers=version"};
	dt_cmd_elf_xopts_t xo;

	dt_cmd_elf_xopts(x, 3, &xo);
	assert_string_equal(xo.btf, "/a/b");
	assert_string_equal(xo.resolvers, "version");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_emit_reemit),
	    cmocka_unit_test(test_link_cmd),
	    cmocka_unit_test(test_xopts),
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			rc = rc ? rc : 1;
	}
	return rc;
}
