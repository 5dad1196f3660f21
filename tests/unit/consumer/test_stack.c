/* test_stack.c: stack(), ustack() and the symbol actions from D source to
 * printed text: the compiler's key markers, the engine's stack records
 * (from the firing's call stacks), and the consumer's symbolised output
 * (kernel frames from /proc/kallsyms, user frames from this process). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consumer/dt_consume.h"
#include "consumer/dt_print_sym.h"
#include "common/dt_sym.h"
#include "front/dt_compile.h"

static const dt_probe_t probes[] = {
    {1, "dtrace", "", "", "BEGIN"},
    {2, "dtrace", "", "", "END"},
    {3, "dtrace", "", "", "ERROR"},
    {4, "syscall", "vmlinux", "getppid", "entry"},
};

/* Functions whose addresses are the user frames. */
__attribute__((noinline)) int stack_leaf(int x)
{
	return x + 1;
}
__attribute__((noinline)) int stack_mid(int x)
{
	return stack_leaf(x) * 2;
}

static uint64_t kpc[3];
static uint32_t guest; /* fire as guest N's thread (0: the host) */
static int have_kernel;
static char *text;
static size_t textlen;

static int setup(void **state)
{
	dt_ksyms_t *ks = dt_ksyms_open(NULL);

	(void)state;
	if (ks != NULL) {
		kpc[0] = dt_ksyms_addr(ks, "schedule");
		kpc[1] = dt_ksyms_addr(ks, "do_syscall_64");
		have_kernel = kpc[0] != 0 && kpc[1] != 0;
		kpc[0] += 4;
		kpc[1] += 0x10;
		dt_ksyms_close(ks);
	}
	return 0;
}

/* Compiles src, fires probe 4 `times` with the stacks below, then END;
 * returns what was printed (quiet unless loud). */
static const char *run(const char *src, int times, int loud)
{
	dt_compile_opts_t co = {.size = sizeof(co)};
	dt_compile_error_t err;
	dt_copts_t cso = {.quiet = !loud, .testing = 1};
	dt_eopts_t eo;
	dt_prog_t *prog = NULL;
	dt_engine_t *e;
	dt_consumer_t *c;
	FILE *f;
	char why[256];
	uint64_t upc[3] = {(uint64_t)(uintptr_t)stack_leaf + 3,
			   (uint64_t)(uintptr_t)stack_mid + 5, 0};
	dt_pctx_t ctx;

	co.kind = DT_SRC_SCRIPT;
	if (dt_compile(&co, src, &prog, &err) != 0)
		fail_msg("compile: [%s] %s", err.tag, err.msg);
	dt_eopts_default(&eo);
	eo.ncpus = 1;
	e = dt_engine_create(prog, &eo, probes, 4, why, sizeof(why));
	if (e == NULL || dt_engine_go(e, why, sizeof(why)) != 0)
		fail_msg("engine: %s", why);
	free(text);
	text = NULL;
	f = open_memstream(&text, &textlen);
	c = dt_consumer_create(e, f, f, &cso);
	assert_non_null(c);
	memset(&ctx, 0, sizeof(ctx));
	ctx.probe = 4;
	ctx.pid = getpid();
	ctx.tid = getpid();
	ctx.tkey.tid = (uint64_t)getpid();
	ctx.tkey.guest = guest;
	ctx.execname = "test_stack";
	ctx.kstack = kpc;
	ctx.nkstack = 2;
	ctx.ustack = upc;
	ctx.nustack = 2;
	for (int i = 0; i < times; i++) {
		dt_engine_fire(e, &ctx);
		dt_consumer_drain(c);
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.probe = 2;
	dt_engine_fire(e, &ctx);
	dt_consumer_drain(c);
	dt_consumer_print_aggs(c);
	fclose(f);
	dt_consumer_destroy(c);
	dt_engine_destroy(e);
	dt_prog_free(prog);
	return text;
}

/* The frames as DTrace prints them, indented by 14. */
static void frames(char *buf, size_t len, int user, int n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (user)
			o += (size_t)snprintf(
			    buf + o, len - o, "%14s%s`%s+0x%x\n", "",
			    "test_stack", i == 0 ? "stack_leaf" : "stack_mid",
			    i == 0 ? 3 : 5);
		else if (have_kernel)
			o += (size_t)snprintf(
			    buf + o, len - o, "%14svmlinux`%s+0x%x\n", "",
			    i == 0 ? "schedule" : "do_syscall_64",
			    i == 0 ? 4 : 0x10);
		else
			o += (size_t)snprintf(buf + o, len - o, "%14s0x%llx\n",
					      "", (unsigned long long)kpc[i]);
	}
}

static void test_trace_stacks(void **state)
{
	char k[512], u[512], want[1200];

	(void)state;
	frames(k, sizeof(k), 0, 2);
	frames(u, sizeof(u), 1, 2);
	snprintf(want, sizeof(want), "\n%s\n\n%s\n", k, u);
	assert_string_equal(
	    run("syscall::getppid:entry { stack(); ustack(); }", 1, 0), want);
	/* a frame count cuts the stack */
	frames(k, sizeof(k), 0, 1);
	snprintf(want, sizeof(want), "\n%s\n", k);
	assert_string_equal(run("syscall::getppid:entry { stack(1); }", 1, 0),
			    want);
}

static void test_stack_variables(void **state)
{
	char want[256];

	(void)state;
	snprintf(want, sizeof(want), "2 2 %llx %llx\n",
		 (unsigned long long)kpc[1],
		 (unsigned long long)(uintptr_t)stack_mid + 5);
	assert_string_equal(
	    run("syscall::getppid:entry { printf(\"%d %d %x %x\\n\", "
		"stackdepth, ustackdepth, caller, ucaller); }",
		1, 0),
	    want);
}

static void test_stack_keys(void **state)
{
	char u[512], want[1200];

	(void)state;
	frames(u, sizeof(u), 1, 2);
	/* the stack, then the value on its own line */
	snprintf(want, sizeof(want), "\n%s%17d\n", u, 3);
	assert_string_equal(
	    run("syscall::getppid:entry { @[ustack()] = count(); }", 3, 0),
	    want);
	/* %k in printa */
	snprintf(want, sizeof(want), "\n%s= 3\n", u);
	assert_string_equal(
	    run("syscall::getppid:entry { @[ustack()] = count(); }"
		"END { printa(\"%k= %@d\\n\", @); }",
		3, 0),
	    want);
	/* a stack key beside a plain one */
	snprintf(want, sizeof(want), "  %-50s\n%s%17d\n", "test_stack", u, 2);
	assert_string_equal(
	    run("syscall::getppid:entry { @[execname, ustack()] = count(); }",
		2, 0),
	    want);
}

static void test_symbol_actions(void **state)
{
	char want[1024];

	(void)state;
	snprintf(want, sizeof(want), "  %-50s  %-50s  %-50s",
		 "test_stack`stack_mid", "test_stack",
		 "test_stack`stack_mid+0x5");
	assert_string_equal(run("syscall::getppid:entry { usym(ucaller); "
				"umod(ucaller); uaddr(ucaller); }",
				1, 0),
			    want);
	/* as aggregation keys */
	snprintf(want, sizeof(want), "  %-50s %16d\n", "test_stack`stack_mid",
		 4);
	assert_string_equal(
	    run("syscall::getppid:entry { @[ufunc(ucaller)] = count(); }", 4,
		0),
	    want);
	if (have_kernel) {
		snprintf(want, sizeof(want), "  %-50s  %-50s%s\n",
			 "vmlinux`do_syscall_64", "vmlinux",
			 "vmlinux`do_syscall_64+0x10");
		assert_string_equal(
		    run("syscall::getppid:entry { sym(caller); mod(caller); "
			"printf(\"%a\\n\", caller); }",
			1, 0),
		    want);
	}
	/* an address in no mapping prints as hex */
	assert_string_equal(
	    run("syscall::getppid:entry { usym(16); }", 1, 0),
	    "  0x10                                              ");
}

/* A guest's addresses are not the host's: no host symbols for them. */
static void test_guest_addresses(void **state)
{
	char want[512];

	(void)state;
	guest = 1;
	snprintf(want, sizeof(want), "  0x%-48llx  0x%-48llx",
		 (unsigned long long)(uintptr_t)stack_mid + 5,
		 (unsigned long long)kpc[1]);
	assert_string_equal(
	    run("syscall::getppid:entry { usym(ucaller); sym(caller); }", 1, 0),
	    want);
	snprintf(want, sizeof(want), "  0x%-48llx %16d\n",
		 (unsigned long long)kpc[1], 2);
	assert_string_equal(
	    run("syscall::getppid:entry { @[func(caller)] = count(); }", 2, 0),
	    want);
	guest = 0;
}

static void test_key_mismatch(void **state)
{
	dt_compile_opts_t co = {.size = sizeof(co)};
	dt_compile_error_t err;
	dt_prog_t *prog = NULL;

	(void)state;
	co.kind = DT_SRC_SCRIPT;
	assert_int_equal(dt_compile(&co,
				    "BEGIN { @[stack()] = count(); }"
				    "END { @[ustack()] = count(); }",
				    &prog, &err),
			 -1);
	assert_string_equal(err.tag, "D_PROTO_ARG");
}

static void frames_of(const char *src, uint32_t *kf, uint32_t *uf)
{
	dt_compile_opts_t co = {.size = sizeof(co)};
	dt_compile_error_t err;
	dt_prog_t *prog = NULL;

	co.kind = DT_SRC_SCRIPT;
	if (dt_compile(&co, src, &prog, &err) != 0)
		fail_msg("compile: [%s] %s", err.tag, err.msg);
	dt_prog_stack_frames(prog, kf, uf);
	dt_prog_free(prog);
}

/* Only programs that use stacks make the providers walk them. */
static void test_frames_needed(void **state)
{
	uint32_t kf, uf;

	(void)state;
	frames_of("BEGIN { trace(1); @[execname] = count(); }", &kf, &uf);
	assert_int_equal(kf, 0);
	assert_int_equal(uf, 0);
	frames_of("BEGIN { stack(5); ustack(); }", &kf, &uf);
	assert_int_equal(kf, 5);
	assert_int_equal(uf, 100); /* ustackframes' default */
	frames_of("#pragma D option stackframes=33\nBEGIN { stack(); }", &kf,
		  &uf);
	assert_int_equal(kf, 33);
	frames_of("BEGIN { @[ustack(7)] = count(); @k[stack(9)] = count(); }",
		  &kf, &uf);
	assert_int_equal(kf, 9);
	assert_int_equal(uf, 7);
	frames_of("BEGIN /caller/ { trace(ucaller); }", &kf, &uf);
	assert_int_equal(kf, 2);
	assert_int_equal(uf, 2);
	frames_of("BEGIN { trace(stackdepth); }", &kf, &uf);
	assert_true(kf >= 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trace_stacks),
	    cmocka_unit_test(test_stack_variables),
	    cmocka_unit_test(test_stack_keys),
	    cmocka_unit_test(test_symbol_actions),
	    cmocka_unit_test(test_key_mismatch),
	    cmocka_unit_test(test_guest_addresses),
	    cmocka_unit_test(test_frames_needed),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);

	free(text);
	return rc;
}
