/*
 * test_hp_format.c: unit tests of the host probe sources' pure parts:
 * tracefs format parsing (checked-in sample files in formats/), D type
 * mapping, field decoding from synthetic raw records, probe-name mapping,
 * glob matching, argument layouts per provider, and the user/event readers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/dt_error.h"
#include "providers/host/dt_hp_impl.h"

static char *load(const char *name)
{
	const char *root = getenv("HT_SOURCE_ROOT");
	char path[1024];
	char *s;

	snprintf(path, sizeof(path), "%s/tests/unit/hostprobes/formats/%s",
		 root ? root : ".", name);
	s = dt_hp_read_file(path, NULL);
	assert_non_null(s);
	return s;
}

static void parse(const char *name, dt_hp_format_t *f)
{
	char err[160];
	char *s = load(name);

	assert_int_equal(dt_hp_format_parse(s, f, err, sizeof(err)), 0);
	free(s);
}

static void test_openat(void **st)
{
	dt_hp_format_t f;
	char t[96];
	int kind;

	parse("sys_enter_openat.format", &f);
	assert_string_equal(f.name, "sys_enter_openat");
	assert_int_equal(f.id, 782);
	assert_int_equal(f.nfields, 5); /* __syscall_nr + 4 args */
	assert_string_equal(f.fields[0].name, "__syscall_nr");
	assert_string_equal(f.fields[2].name, "filename");
	assert_string_equal(f.fields[2].ctype, "const char *");
	assert_true(f.fields[2].is_pointer);
	assert_int_equal(f.fields[2].offset, 24);
	assert_int_equal(f.fields[2].size, 8);
	assert_string_equal(f.fields[4].ctype, "umode_t");
	dt_hp_field_dtype(&f.fields[2], true, t, sizeof(t), &kind);
	assert_string_equal(t, "const char *");
	assert_int_equal(kind, DT_HOSTARG_USERPTR);
	dt_hp_field_dtype(&f.fields[1], true, t, sizeof(t), &kind);
	assert_string_equal(t, "int");
	assert_int_equal(kind, DT_HOSTARG_INT);
}

static void test_execve_types(void **st)
{
	dt_hp_format_t f;

	parse("sys_enter_execve.format", &f);
	assert_int_equal(f.nfields, 4);
	assert_string_equal(f.fields[2].name, "argv");
	assert_string_equal(f.fields[2].ctype, "const char *const *");
}

static void test_exit_ret(void **st)
{
	dt_hp_format_t f;
	const dt_hp_field_t *r;
	uint8_t raw[24] = {0};
	int64_t ret = -2;
	uint64_t v;

	parse("sys_exit_openat.format", &f);
	r = dt_hp_format_field(&f, "ret");
	assert_non_null(r);
	assert_true(r->is_signed);
	memcpy(raw + 16, &ret, 8);
	assert_int_equal(dt_hp_field_value(r, raw, sizeof(raw), &v, NULL, 0),
			 0);
	assert_int_equal((int64_t)v, -2);
	/* A record too short for the field is refused. */
	assert_int_equal(dt_hp_field_value(r, raw, 20, &v, NULL, 0), -1);
}

static void test_dataloc(void **st)
{
	dt_hp_format_t f;
	uint8_t raw[64];
	uint32_t loc = (10u << 16) | 20; /* 10 bytes at offset 20 */
	int32_t pid = 1234;
	char sb[64], t[96];
	uint64_t v;
	int kind;

	parse("sched_process_exec.format", &f);
	assert_int_equal(f.nfields, 3);
	assert_int_equal(f.fields[0].kind, DT_HPF_DATALOC);
	assert_true(f.fields[0].is_char);
	assert_string_equal(f.fields[0].ctype, "char");
	dt_hp_field_dtype(&f.fields[0], false, t, sizeof(t), &kind);
	assert_string_equal(t, "string");
	assert_int_equal(kind, DT_HOSTARG_STRING);
	dt_hp_field_dtype(&f.fields[1], false, t, sizeof(t), &kind);
	assert_string_equal(t, "pid_t");

	memset(raw, 0, sizeof(raw));
	memcpy(raw + 8, &loc, 4);
	memcpy(raw + 12, &pid, 4);
	memcpy(raw + 20, "/bin/true", 10);
	assert_int_equal(
	    dt_hp_field_value(&f.fields[0], raw, 30, &v, sb, sizeof(sb)), 0);
	assert_string_equal((const char *)(uintptr_t)v, "/bin/true");
	assert_ptr_equal((void *)(uintptr_t)v, sb);
	assert_int_equal(dt_hp_field_value(&f.fields[1], raw, 30, &v, NULL, 0),
			 0);
	assert_int_equal(v, 1234);
	/* A location beyond the record is refused. */
	assert_int_equal(
	    dt_hp_field_value(&f.fields[0], raw, 25, &v, sb, sizeof(sb)), -1);
}

static void test_relloc(void **st)
{
	dt_hp_format_t f;
	uint8_t raw[32];
	/* offset relative to the end of the field (8 + 4 = 12): 4 -> 16 */
	uint32_t loc = (3u << 16) | 4;
	int16_t d = -3;
	char sb[16];
	uint64_t v;

	parse("synth_rel.format", &f);
	assert_int_equal(f.nfields, 2);
	assert_int_equal(f.fields[0].kind, DT_HPF_RELLOC);
	memset(raw, 0, sizeof(raw));
	memcpy(raw + 8, &loc, 4);
	memcpy(raw + 12, &d, 2);
	memcpy(raw + 16, "hi", 3);
	assert_int_equal(dt_hp_field_value(&f.fields[0], raw, sizeof(raw), &v,
					   sb, sizeof(sb)),
			 0);
	assert_string_equal(sb, "hi");
	assert_int_equal(
	    dt_hp_field_value(&f.fields[1], raw, sizeof(raw), &v, NULL, 0), 0);
	assert_int_equal((int64_t)v, -3); /* sign-extended */
}

static void test_chararray_and_maps(void **st)
{
	dt_hp_format_t f;
	uint8_t raw[64];
	char sb[32], t[96];
	uint64_t v;
	int kind;

	parse("sched_switch.format", &f);
	assert_string_equal(f.fields[0].name, "prev_comm");
	assert_int_equal(f.fields[0].kind, DT_HPF_CHARARRAY);
	assert_int_equal(f.fields[0].size, 16);
	dt_hp_field_dtype(&f.fields[0], false, t, sizeof(t), &kind);
	assert_string_equal(t, "string");
	/* A full 16-byte comm without NUL still gets terminated. */
	memset(raw, 'x', sizeof(raw));
	assert_int_equal(dt_hp_field_value(&f.fields[0], raw, sizeof(raw), &v,
					   sb, sizeof(sb)),
			 0);
	assert_int_equal(strlen(sb), 16);

	parse("add_delayed_data_ref.format", &f);
	assert_string_equal(f.fields[0].name, "fsid");
	assert_int_equal(f.fields[0].kind, DT_HPF_ARRAY);
	dt_hp_field_dtype(&f.fields[0], false, t, sizeof(t), &kind);
	assert_string_equal(t, "uint8_t *");
	assert_int_equal(kind, DT_HOSTARG_BYTES);
	dt_hp_field_dtype(&f.fields[1], false, t, sizeof(t), &kind);
	assert_string_equal(t, "uint64_t");

	parse("amd_pstate_perf.format", &f);
	dt_hp_field_dtype(dt_hp_format_field(&f, "fast_switch"), false, t,
			  sizeof(t), &kind);
	assert_string_equal(t, "uint8_t");
	dt_hp_field_dtype(dt_hp_format_field(&f, "freq"), false, t, sizeof(t),
			  &kind);
	assert_string_equal(t, "unsigned long long");
}

static void test_broken(void **st)
{
	dt_hp_format_t f;
	char err[160];
	char *s = load("broken.format");

	assert_int_equal(dt_hp_format_parse(s, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 4"));
	free(s);
	assert_int_equal(dt_hp_format_parse("ID: 3\n", &f, err, sizeof(err)),
			 -1);
	assert_int_equal(dt_hp_format_parse("", &f, err, sizeof(err)), -1);
	assert_int_equal(
	    dt_hp_format_parse("name: x\nformat:\n\tfield:int ;\toffset:8;"
			       "\tsize:4;\tsigned:1;\n",
			       &f, err, sizeof(err)),
	    -1);
}

static void test_names(void **st)
{
	char sc[64];
	int ret = -1;

	assert_int_equal(
	    dt_hp_syscall_from_event("sys_enter_openat", sc, sizeof(sc), &ret),
	    0);
	assert_string_equal(sc, "openat");
	assert_int_equal(ret, 0);
	assert_int_equal(
	    dt_hp_syscall_from_event("sys_exit_getppid", sc, sizeof(sc), &ret),
	    0);
	assert_string_equal(sc, "getppid");
	assert_int_equal(ret, 1);
	assert_int_equal(
	    dt_hp_syscall_from_event("sys_enter_", sc, sizeof(sc), &ret), -1);
	assert_int_equal(
	    dt_hp_syscall_from_event("sched_switch", sc, sizeof(sc), &ret), -1);

	assert_true(dt_hp_match(NULL, "x"));
	assert_true(dt_hp_match("", "x"));
	assert_true(dt_hp_match("open*", "openat"));
	assert_false(dt_hp_match("open", "openat"));
	assert_true(dt_hp_match("sys_[ef]*", "sys_exit_read"));
	{
		dt_hostprobe_desc_t d = {"syscall", NULL, "read", "entry"};
		assert_true(dt_hp_desc_match(&d, "syscall", "vmlinux", "read",
					     "entry"));
		assert_false(dt_hp_desc_match(&d, "syscall", "vmlinux", "read",
					      "return"));
		dt_hostprobe_desc_t s = {"sdt", "", "", "sched_switch"};
		assert_true(dt_hp_desc_match(&s, "sdt", "vmlinux", "sched",
					     "sched_switch"));
	}
}

/* The proc table's fields exist in the real formats it names. */
static void test_procmap_layout(void **st)
{
	dt_hostprobe_t *h = calloc(1, sizeof(*h));
	dt_hp_enab_t en;
	dt_hostprobe_info_t info;
	dt_hp_format_t f;
	int seen = 0;

	assert_non_null(h);
	for (int i = 0; i < dt_hp_nprocmap; i++) {
		const dt_hp_procmap_t *pm = &dt_hp_procmap[i];
		const char *file = NULL;
		if (strcmp(pm->event, "sched/sched_process_exec") == 0)
			file = "sched_process_exec.format";
		else if (strcmp(pm->event, "task/task_newtask") == 0)
			file = "task_newtask.format";
		else if (strcmp(pm->event, "signal/signal_generate") == 0)
			file = "signal_generate.format";
		else if (strcmp(pm->event, "syscalls/sys_enter_execve") == 0)
			file = "sys_enter_execve.format";
		else if (strcmp(pm->event, "syscalls/sys_exit_execve") == 0)
			file = "sys_exit_openat.format"; /* same layout */
		if (file == NULL)
			continue;
		parse(file, &f);
		memset(&en, 0, sizeof(en));
		assert_int_equal(
		    dt_hp_layout(h, DT_HPK_PROC, pm, &f, &en, &info), 0);
		seen++;
	}
	assert_int_equal(seen, 6);

	/* syscall entry: __syscall_nr is skipped, 4 args. */
	parse("sys_enter_openat.format", &f);
	assert_int_equal(
	    dt_hp_layout(h, DT_HPK_SYSCALL_ENTRY, NULL, &f, &en, &info), 0);
	assert_int_equal(en.nargs, 4);
	assert_int_equal(en.argfield[0], 1);
	assert_string_equal(info.args[1].name, "filename");
	assert_string_equal(info.args[3].type, "umode_t");
	/* syscall return: arg0 == arg1 == ret. */
	parse("sys_exit_openat.format", &f);
	assert_int_equal(
	    dt_hp_layout(h, DT_HPK_SYSCALL_RETURN, NULL, &f, &en, &info), 0);
	assert_int_equal(en.nargs, 2);
	assert_int_equal(en.argfield[0], en.argfield[1]);
	assert_string_equal(info.args[0].type, "long");
	/* sdt: every field. */
	parse("sched_switch.format", &f);
	assert_int_equal(dt_hp_layout(h, DT_HPK_SDT, NULL, &f, &en, &info), 0);
	assert_int_equal(en.nargs, 7);
	assert_string_equal(info.args[3].type, "long");
	/* A format without "ret" cannot be a syscall return. */
	parse("sched_switch.format", &f);
	assert_int_equal(
	    dt_hp_layout(h, DT_HPK_SYSCALL_RETURN, NULL, &f, &en, &info), -1);
	assert_int_equal(h->err, EDT_PROVIDER);
	free(h);
}

static void test_readers(void **st)
{
	char data[16] = "abcdefgh";
	char aux[8] = "xyz";
	char out[16];
	dt_hostevent_t ev;
	static const char str[] = "copyinstr works";
	long n;

	memset(&ev, 0, sizeof(ev));
	ev.data = data;
	ev.datalen = sizeof(data);
	ev.aux = aux;
	ev.auxlen = sizeof(aux);
	assert_int_equal(dt_hostevent_read(&ev, (uintptr_t)data + 2, out, 3),
			 0);
	assert_memory_equal(out, "cde", 3);
	assert_int_equal(dt_hostevent_read(&ev, (uintptr_t)aux, out, 4), 0);
	assert_string_equal(out, "xyz");
	assert_int_equal(dt_hostevent_read(&ev, (uintptr_t)data + 10, out, 8),
			 -1);
	assert_int_equal(dt_hostevent_read(&ev, 0xffffffff81000000ull, out, 1),
			 -1);
	/* Reading ourselves through process_vm_readv. */
	n = dt_host_read_user_str(getpid(), (uintptr_t)str, out, sizeof(out));
	assert_int_equal(n, 15);
	assert_string_equal(out, "copyinstr works");
	n = dt_host_read_user_str(getpid(), (uintptr_t)str, out, 5);
	assert_int_equal(n, 4);
	assert_string_equal(out, "copy");
	assert_int_equal(dt_host_read_user(getpid(), (uintptr_t)str, out, 4),
			 0);
	assert_memory_equal(out, "copy", 4);
	assert_int_equal(dt_host_read_user(getpid(), 0, out, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_openat),
	    cmocka_unit_test(test_execve_types),
	    cmocka_unit_test(test_exit_ret),
	    cmocka_unit_test(test_dataloc),
	    cmocka_unit_test(test_relloc),
	    cmocka_unit_test(test_chararray_and_maps),
	    cmocka_unit_test(test_broken),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_procmap_layout),
	    cmocka_unit_test(test_readers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
