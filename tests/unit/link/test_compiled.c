/*
 * test_compiled.c: the ELF/link tests that need the D compiler:
 *  - every program of pure-d.txt that compiles (plain and -E) round-trips
 *    through the ELF format byte-identically, and the program read back (run
 *    by elfrun: engine + ELF reader, no front end) prints what the compiled
 *    one prints;
 *  - curthread->comm, ->real_parent->pid, ->cred->uid.val compiled with -E
 *    and linked against the host's BTF give the DIF of a direct compilation
 *    (nops removed), and the same against the guest image's BTF;
 *  - the host check accepts those links and refuses every single-instruction
 *    change.
 * While lib/front is the stub, meson marks this test should_fail (an
 * expected failure, reason printed below), see tests/unit/link/meson.build.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../elf/dt_elfrun.h"
#include "elf/dt_elf.h"
#include "front/dt_compile.h"
#include "link/dt_link.h"

#define HOST_BTF "/sys/kernel/btf/vmlinux"

static char guest_btf[4096];
static const char *elfrun_path, *srcroot, *confdir;
static char nocompiler[1200];

static int compile(const char *src, int hypertrace, const char *btf,
		   dt_prog_t **p, char *why, size_t len)
{
	dt_compile_opts_t o;
	dt_compile_error_t e;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.kind = DT_SRC_SCRIPT;
	o.hypertrace = hypertrace;
	o.btf_path = btf;
	o.zdefs = 1;
	memset(&e, 0, sizeof(e));
	if (dt_compile(&o, src, p, &e) != 0) {
		snprintf(why, len, "[%s] line %d: %s", e.tag, e.line, e.msg);
		return -1;
	}
	return 0;
}

/* Fails (the expected failure) while the compiler is a stub. */
static void need_compiler(void)
{
	if (nocompiler[0] != '\0')
		fail_msg("expected failure: %s", nocompiler);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *b;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	b[n] = '\0';
	fclose(f);
	return b;
}

/* Runs p in a child process with stdout/stderr into a file, as elfrun
 * runs a file, so that both see the same kind of output stream. */
static char *run_mem(const dt_prog_t *p)
{
	char tmp[] = "/tmp/test-compiled-out-XXXXXX", *out;
	int fd = mkstemp(tmp), st;
	pid_t pid;

	assert_true(fd >= 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		alarm(20);
		dup2(fd, 1);
		dup2(fd, 2);
		st = dt_elfrun(p, stdout, stderr) < 0 ? 2 : 0;
		fflush(stdout);
		_exit(st);
	}
	waitpid(pid, &st, 0);
	close(fd);
	out = slurp(tmp);
	unlink(tmp);
	return out ? out : strdup("");
}

static char *run_file(const char *path)
{
	char cmd[8300], *buf = calloc(1, 1 << 16);
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "timeout 20 '%s' '%s' 2>&1", elfrun_path,
		 path);
	f = popen(cmd, "r");
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	pclose(f);
	return buf;
}

/* Replaces what looks like an address (0x and 6+ hex digits, or 9+
 * decimal digits) by "<A>": engine addresses differ between processes. */
static void unaddress(char *s)
{
	char *o = s, *p = s;

	while (*p != '\0') {
		size_t n = 0;

		if (p[0] == '0' && p[1] == 'x') {
			while (isxdigit((unsigned char)p[2 + n]))
				n++;
			if (n >= 6) {
				memcpy(o, "<A>", 3);
				o += 3;
				p += 2 + n;
				continue;
			}
		}
		n = 0;
		while (isdigit((unsigned char)p[n]))
			n++;
		if (n >= 9) {
			memcpy(o, "<A>", 3);
			o += 3;
			p += n;
			continue;
		}
		if (n == 0)
			n = 1;
		memmove(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
}

static void test_pure_d_roundtrip(void **state)
{
	char list[4200], line[4096], tmp[] = "/tmp/test-compiled-XXXXXX";
	uint32_t total = 0, compiled = 0, same_bytes = 0, same_output = 0;
	uint32_t bad = 0, nondet = 0, linked = 0, nrelocs = 0;
	FILE *f;
	int fd;

	need_compiler();
	snprintf(list, sizeof(list), "%s/pure-d.txt", confdir);
	f = fopen(list, "r");
	assert_non_null(f);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	while (fgets(line, sizeof(line), f) != NULL) {
		char path[8200], why[1200];
		dt_prog_t *p = NULL, *q = NULL;
		dt_elf_err_t e;
		void *b1, *b2;
		size_t l1, l2;
		char *src, *o1, *o2;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		total++;
		snprintf(path, sizeof(path), "%s/%s", confdir, line);
		if ((src = slurp(path)) == NULL)
			continue;
		for (int ht = 0; ht < 2; ht++) {
			if (compile(src, ht, NULL, &p, why, sizeof(why)) != 0)
				continue;
			if (!ht)
				compiled++;
			dt_prog_new_ident(p);
			if (dt_elf_write_mem(p, &b1, &l1, &e) != 0 ||
			    dt_elf_read_mem(b1, l1, &q, &e) != 0 ||
			    dt_elf_write_mem(q, &b2, &l2, &e) != 0) {
				print_message("%s: %s\n", line, e.msg);
				bad++;
			} else {
				if (l1 == l2 && memcmp(b1, b2, l1) == 0 &&
				    dt_prog_equal(p, q, why, sizeof(why)) == 0)
					same_bytes += !ht;
				else {
					print_message("%s (-E %d): not "
						      "byte-identical\n",
						      line, ht);
					bad++;
				}
				free(b2);
			}
			if (!ht && q != NULL &&
			    dt_elf_write_file(q, tmp, &e) == 0) {
				o1 = run_mem(p);
				o2 = run_file(tmp);
				unaddress(o1);
				unaddress(o2);
				if (strcmp(o1, o2) == 0) {
					same_output++;
				} else {
					/* run it again, up to 10 times: if
					 * the output changes from run to run
					 * (pid, tid, rand, time, addresses)
					 * it cannot be compared */
					int differs = 0;

					for (int r = 0; r < 10 && !differs;
					     r++) {
						char *o3 = r % 2
							       ? run_mem(p)
							       : run_file(tmp);

						unaddress(o3);
						differs =
						    strcmp(r % 2 ? o1 : o2,
							   o3) != 0 ||
						    strstr(o3, "runtime "
							       "error:");
						free(o3);
					}
					if (differs) {
						nondet++;
					} else {
						print_message("%s: output "
							      "differs:\n"
							      "[%.300s]\n"
							      "[%.300s]\n",
							      line, o1, o2);
						bad++;
					}
				}
				free(o1);
				free(o2);
			}
			if (ht && q != NULL) {
				/* the -E program links on this machine and
				 * the host accepts the link */
				dt_link_opts_t lo = {.size = sizeof(lo),
						     .btf_path = HOST_BTF};
				dt_prog_t *lk = dt_prog_copy(q, &e);

				nrelocs += dt_link_count_relocs(q);
				if (lk == NULL ||
				    dt_link(lk, &lo, why, sizeof(why)) != 0) {
					print_message("%s: link: %s\n", line,
						      why);
					bad++;
				} else if (dt_link_check(q, lk, why,
							 sizeof(why)) != 0) {
					print_message("%s: host check: %s\n",
						      line, why);
					bad++;
				} else {
					linked++;
				}
				dt_prog_free(lk);
			}
			free(b1);
			dt_prog_free(q);
			dt_prog_free(p);
			q = p = NULL;
		}
		free(src);
	}
	fclose(f);
	unlink(tmp);
	print_message("pure-d: %u programs, %u compile, %u byte-identical "
		      "(plain and -E), %u same output from the file, %u "
		      "whose output changes from run to run\n",
		      total, compiled, same_bytes, same_output, nondet);
	print_message("pure-d -E: %u linked against the host BTF and "
		      "accepted by the host check (%u relocations)\n",
		      linked, nrelocs);
	assert_true(compiled > 0);
	assert_int_equal(bad, 0);
}

static const char *const member_src[] = {
    "BEGIN { trace(curthread->comm); exit(0); }",
    "BEGIN { trace(curthread->real_parent->pid); exit(0); }",
    "BEGIN { trace(curthread->cred->uid.val); exit(0); }",
};

/* nops removed, branch labels remapped, setx by value */
static uint32_t normalise(const dt_difo_t *d, uint64_t *out, uint32_t max)
{
	uint32_t *map = calloc(d->len + 1, sizeof(*map)), n = 0;

	for (uint32_t i = 0; i < d->len; i++) {
		map[i] = n;
		if (d->buf[i] != DIF_INSTR_NOP)
			n++;
	}
	n = 0;
	for (uint32_t i = 0; i < d->len && n < max; i++) {
		dif_instr_t w = d->buf[i];
		uint32_t op = DIF_INSTR_OP(w);

		if (w == DIF_INSTR_NOP)
			continue;
		if (op == DIF_OP_SETX && DIF_INSTR_INTEGER(w) < d->intlen)
			out[n++] = (uint64_t)op << 56 |
				   (uint64_t)DIF_INSTR_RD(w) << 48 |
				   d->inttab[DIF_INSTR_INTEGER(w)];
		else if (op >= DIF_OP_BA && op <= DIF_OP_BLEU)
			out[n++] =
			    DIF_INSTR_BRANCH(op, map[DIF_INSTR_LABEL(w)]);
		else
			out[n++] = w;
	}
	free(map);
	return n;
}

static void same_dif(const dt_prog_t *a, const dt_prog_t *b, const char *what)
{
	assert_int_equal(a->nstmts, b->nstmts);
	for (uint32_t s = 0; s < a->nstmts; s++)
		for (uint32_t j = 0; j < a->stmts[s].nacts; j++)
			for (uint32_t k = 0; k < a->stmts[s].acts[j].ndifo;
			     k++) {
				const dt_difo_t *x =
				    a->stmts[s].acts[j].difo[k];
				const dt_difo_t *y =
				    b->stmts[s].acts[j].difo[k];
				uint64_t nx[512], ny[512];
				uint32_t cx, cy;

				if (x == NULL || y == NULL)
					continue;
				cx = normalise(x, nx, 512);
				cy = normalise(y, ny, 512);
				if (cx != cy || memcmp(nx, ny, cx * 8) != 0)
					fail_msg("%s: statement %u action %u: "
						 "linked and direct DIF differ",
						 what, s, j);
				if (x->rtype.size != y->rtype.size)
					fail_msg("%s: return sizes %u vs %u",
						 what, x->rtype.size,
						 y->rtype.size);
			}
}

/* Every single-instruction change of a genuine link is refused. */
static uint32_t mutate_all(const dt_prog_t *host, const dt_prog_t *lk,
			   const char *what)
{
	uint32_t tried = 0;
	dt_elf_err_t e;
	char why[1024];

	for (uint32_t s = 0; s < lk->nstmts; s++)
		for (uint32_t j = 0; j < lk->stmts[s].nacts; j++)
			for (uint32_t k = 0; k < lk->stmts[s].acts[j].ndifo;
			     k++) {
				const dt_difo_t *d =
				    lk->stmts[s].acts[j].difo[k];
				const dt_difo_t *hd =
				    host->stmts[s].acts[j].difo[k];

				for (uint32_t i = 0; d != NULL && i < d->len;
				     i++) {
					static const uint32_t fl[] = {
					    0x1, 0x100, 0x10000, 0x1000000};

					for (int f = 0; f < 4; f++) {
						dt_prog_t *m =
						    dt_prog_copy(lk, &e);
						dt_difo_t *md =
						    m->stmts[s].acts[j].difo[k];
						uint32_t op, gop, hop;

						md->buf[i] ^= fl[f];
						op = DIF_INSTR_OP(md->buf[i]);
						gop = DIF_INSTR_OP(d->buf[i]);
						hop = DIF_INSTR_OP(hd->buf[i]);
						/* another sized load, or a
						 * setx of another appended
						 * entry, is a legal link */
						if ((hop == DIF_OP_ULOAD ||
						     hop == DIF_OP_UULOAD) &&
						    op != gop)
							goto next;
						if (hop == DIF_OP_USETX &&
						    op == DIF_OP_SETX &&
						    DIF_INSTR_RD(md->buf[i]) ==
							DIF_INSTR_RD(d->buf[i]))
							goto next;
						tried++;
						if (dt_link_check(
							host, m, why,
							sizeof(why)) == 0)
							fail_msg(
							    "%s: statement %u "
							    "action %u "
							    "instruction %u "
							    "^%x accepted",
							    what, s, j, i,
							    fl[f]);
					next:
						dt_prog_free(m);
					}
				}
			}
	return tried;
}

static void member_read(const char *src, const char *btf)
{
	dt_link_opts_t o = {.size = sizeof(o), .btf_path = btf};
	dt_prog_t *ht = NULL, *dir = NULL, *lk;
	char why[1200];
	dt_elf_err_t e;
	uint32_t n;

	if (compile(src, 1, btf, &ht, why, sizeof(why)) != 0 ||
	    compile(src, 0, btf, &dir, why, sizeof(why)) != 0)
		fail_msg("%s: %s", src, why);
	assert_true(dt_link_count_relocs(ht) > 0);
	dt_prog_new_ident(ht);
	lk = dt_prog_copy(ht, &e);
	if (dt_link(lk, &o, why, sizeof(why)) != 0)
		fail_msg("%s: link: %s", src, why);
	if (dt_link_check(ht, lk, why, sizeof(why)) != 0)
		fail_msg("%s: host check: %s", src, why);
	n = mutate_all(ht, lk, src);
	print_message("%s (%s): host check refused all %u changes\n", src, btf,
		      n);
	same_dif(lk, dir, src);
	dt_prog_free(lk);
	dt_prog_free(ht);
	dt_prog_free(dir);
}

/* -E programs reading kernel types in various ways: each links against
 * the host's and the guest image's BTF, the host accepts the link, and
 * refuses every single-instruction change of it. */
static const char *const kernel_src[] = {
	"BEGIN { self->p = curthread; trace(self->p->pid); }",
	"BEGIN { trace(stringof(curthread->comm)); }",
	"BEGIN { @[curthread->comm] = count(); }",
	"BEGIN /curthread->pid > 0/ { printf(\"%s %d\\n\", curthread->comm, "
	"curthread->tgid); }",
	"BEGIN { this->t = (struct task_struct *)curthread; "
	"trace(this->t->real_parent->comm); }",
	"BEGIN { trace(curthread->mm != NULL ? curthread->mm->map_count : 0); }",
	"BEGIN { trace(curthread->se.vruntime); }",
	"BEGIN { trace(curthread->cred->uid.val == 0 ? \"root\" : \"user\"); }",
	"BEGIN { x = curthread; trace(x->pid); }",
	"BEGIN { print(*curthread->cred); }",
	"BEGIN { trace((int)curthread->prio); }",
	"BEGIN { trace(((userland struct __kernel_timespec *)arg0)->tv_sec); }",
	"syscall::read:entry { @[execname, curthread->comm] = "
	"sum(curthread->se.sum_exec_runtime); }",
};

static void kernel_programs(const char *btf)
{
	uint32_t changes = 0, relocs = 0;

	for (size_t i = 0; i < sizeof(kernel_src) / sizeof(kernel_src[0]);
	     i++) {
		dt_link_opts_t o = {.size = sizeof(o), .btf_path = btf};
		dt_prog_t *ht = NULL, *lk;
		char why[1200];
		dt_elf_err_t e;

		if (compile(kernel_src[i], 1, NULL, &ht, why, sizeof(why)) != 0)
			fail_msg("%s: %s", kernel_src[i], why);
		relocs += dt_link_count_relocs(ht);
		dt_prog_new_ident(ht);
		lk = dt_prog_copy(ht, &e);
		if (dt_link(lk, &o, why, sizeof(why)) != 0)
			fail_msg("%s: link: %s", kernel_src[i], why);
		if (dt_link_check(ht, lk, why, sizeof(why)) != 0)
			fail_msg("%s: host check: %s", kernel_src[i], why);
		changes += mutate_all(ht, lk, kernel_src[i]);
		dt_prog_free(lk);
		dt_prog_free(ht);
	}
	print_message("%s: %zu programs, %u relocations linked and accepted; "
		      "%u single-instruction changes all refused\n",
		      btf, sizeof(kernel_src) / sizeof(kernel_src[0]), relocs,
		      changes);
}

static const char *which_btf(int guest)
{
	if (guest && guest_btf[0] == '\0')
		fail_msg("no guest BTF");
	return guest ? guest_btf : HOST_BTF;
}

static void test_comm_host(void **state)
{
	need_compiler();
	member_read(member_src[0], which_btf(0));
}

static void test_comm_guest(void **state)
{
	need_compiler();
	member_read(member_src[0], which_btf(1));
}

static void test_ppid_host(void **state)
{
	need_compiler();
	member_read(member_src[1], which_btf(0));
}

static void test_ppid_guest(void **state)
{
	need_compiler();
	member_read(member_src[1], which_btf(1));
}

static void test_kernel_host(void **state)
{
	need_compiler();
	kernel_programs(which_btf(0));
}

static void test_kernel_guest(void **state)
{
	need_compiler();
	kernel_programs(which_btf(1));
}

static void test_uid_host(void **state)
{
	need_compiler();
	member_read(member_src[2], which_btf(0));
}

static void test_uid_guest(void **state)
{
	need_compiler();
	member_read(member_src[2], which_btf(1));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pure_d_roundtrip),
	    cmocka_unit_test(test_comm_host),
	    cmocka_unit_test(test_comm_guest),
	    cmocka_unit_test(test_ppid_host),
	    cmocka_unit_test(test_ppid_guest),
	    cmocka_unit_test(test_kernel_host),
	    cmocka_unit_test(test_kernel_guest),
	};
	/* nested members without a dereference: see tests/unit/link/meson.build
	 */
	const struct CMUnitTest nested[] = {
	    cmocka_unit_test(test_uid_host),
	    cmocka_unit_test(test_uid_guest),
	};
	int only_nested = argc > 2 && strcmp(argv[2], "nested") == 0;
	static char conf[4200];
	const char *bld = getenv("HT_BUILD_ROOT");
	dt_prog_t *p = NULL;
	char why[1024];

	elfrun_path = argc > 1 ? argv[1] : "./elfrun";
	srcroot = getenv("HT_SOURCE_ROOT");
	confdir = getenv("HT_CONFORMANCE_DIR");
	if (confdir == NULL) {
		snprintf(conf, sizeof(conf), "%s/../shared/conformance",
			 srcroot ? srcroot : ".");
		confdir = conf;
	}
	if (compile("BEGIN { exit(0); }", 0, NULL, &p, why, sizeof(why)) != 0)
		snprintf(nocompiler, sizeof(nocompiler),
			 "the D compiler does not work yet: %s", why);
	dt_prog_free(p);
	if (srcroot != NULL) {
		char cmd[8400];
		FILE *f;

		snprintf(cmd, sizeof(cmd),
			 "sh '%s/tests/unit/link/guest-btf.sh' '%s' '%s'",
			 srcroot, srcroot, bld ? bld : "");
		f = popen(cmd, "r");
		if (f != NULL) {
			if (fgets(guest_btf, sizeof(guest_btf), f) == NULL)
				guest_btf[0] = '\0';
			guest_btf[strcspn(guest_btf, "\n")] = '\0';
			pclose(f);
		}
	}
	if (nocompiler[0])
		printf("XFAIL: %s\n", nocompiler);
	if (only_nested)
		return cmocka_run_group_tests(nested, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
