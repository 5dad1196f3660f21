/* test_sym.c: the address symboliser: kallsyms parsing and lookups
 * (synthetic, malformed, large, and the real /proc/kallsyms when readable),
 * user symbols of this very process (its own functions and data, libc
 * through dlsym, a copy of its maps), corrupt and truncated ELF files that
 * must not crash, DTrace's "mod`name+0x1c" formatting, and the cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/dt_sym.h"

/* Looked up by address below: not static, so the linker keeps a sized
 * FUNC/OBJECT symbol for them in .symtab. */
__attribute__((noinline, used)) int dt_sym_test_target(int x);
int dt_sym_test_target(int x)
{
	volatile int y = x;

	return y * 3 + 1;
}

__attribute__((used)) const int dt_sym_test_table[16] = {1, 2, 3};

static char g_dir[] = "/tmp/test_sym.XXXXXX";

static const char *tpath(const char *name)
{
	static char buf[8][256];
	static int n;
	char *b = buf[n++ % 8];

	snprintf(b, 256, "%s/%s", g_dir, name);
	return b;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_str(const char *path, const char *s)
{
	write_file(path, s, strlen(s));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int setup(void **state)
{
	return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- kernel ---- */

static const char synth_kallsyms[] =
    "ffffffff81000000 T _stext\n"
    "ffffffff81000000 T _text\n"
    "ffffffff81000000 t local_at_start\n"
    "ffffffff81000100 t local_fn\n"
    "ffffffff81000200 T schedule\n"
    "ffffffff81000300 T do_exit\n"
    "ffffffff81000380 W weak_fn\n"
    "0000000000000000 T zero_hidden\n"
    "this is not a symbol line\n"
    "ffffffff8100zzzz T bad_hex\n"
    "ffffffff81000400 ? odd_type\n"
    "ffffffff81000410 T\n"
    "ffffffff81000420 A absolute_sym\n"
    "ffffffff81000430Tno_space_name\n"
    "11111111111111111111 T too_long_hex\n"
    "ffffffff81000500 D some_data\n"
    "0000000000001000 D per_cpu_var\n"
    "ffffffff81000600 T dup\n"
    "ffffffff81000700 T dup\n"
    "\n"
    "ffffffffc0002000 t nfs_fn\t[nfs]\n"
    "ffffffffc0001000 t mod_fn\t[ext4]\n"
    "ffffffffc0001100 T mod_fn2\t[ext4]\n"
    "ffffffffc0003000 t broken_mod\t[unterminated\n"
    "ffffffffc0004000 t empty_mod\t[]\n"
    "ffffffffc0005000 t trailing_junk\tjunk\n"
    "ffffffffc0006000 t last_fn\t[last]"; /* no final newline */

static void ksym_expect(const dt_ksyms_t *ks, uint64_t pc, const char *mod,
			const char *name, uint64_t off)
{
	const char *m = NULL, *n = NULL;
	uint64_t o = ~0ull;

	assert_int_equal(dt_ksyms_lookup(ks, pc, &m, &n, &o), 0);
	assert_string_equal(m, mod);
	assert_string_equal(n, name);
	assert_int_equal(o, off);
}

static void test_ksyms_synthetic(void **state)
{
	const char *p = tpath("kallsyms");
	dt_ksyms_t *ks;

	write_str(p, synth_kallsyms);
	ks = dt_ksyms_open(p);
	assert_non_null(ks);
	/* 3 at _stext + local_fn, schedule, do_exit, weak_fn, some_data,
	 * 2 dup, nfs_fn, mod_fn, mod_fn2, last_fn */
	assert_int_equal(dt_ksyms_count(ks), 14);

	/* Same address: global before local, first in file on a tie. */
	ksym_expect(ks, 0xffffffff81000000, "vmlinux", "_stext", 0);
	ksym_expect(ks, 0xffffffff81000010, "vmlinux", "_stext", 0x10);
	ksym_expect(ks, 0xffffffff81000100, "vmlinux", "local_fn", 0);
	ksym_expect(ks, 0xffffffff81000200, "vmlinux", "schedule", 0);
	ksym_expect(ks, 0xffffffff8100021c, "vmlinux", "schedule", 0x1c);
	ksym_expect(ks, 0xffffffff810002ff, "vmlinux", "schedule", 0xff);
	ksym_expect(ks, 0xffffffff81000390, "vmlinux", "weak_fn", 0x10);
	/* Malformed lines in between claimed nothing. */
	ksym_expect(ks, 0xffffffff81000410, "vmlinux", "weak_fn", 0x90);
	ksym_expect(ks, 0xffffffff81000504, "vmlinux", "some_data", 4);
	ksym_expect(ks, 0xffffffffc0001000, "ext4", "mod_fn", 0);
	ksym_expect(ks, 0xffffffffc0001104, "ext4", "mod_fn2", 4);
	ksym_expect(ks, 0xffffffffc0002008, "nfs", "nfs_fn", 8);
	/* Lines with a broken module suffix were dropped entirely. */
	ksym_expect(ks, 0xffffffffc0003000, "nfs", "nfs_fn", 0x1000);
	ksym_expect(ks, 0xffffffffc0006001, "last", "last_fn", 1);
	/* A per-CPU (below the text) data symbol would claim user space. */
	assert_int_equal(dt_ksyms_lookup(ks, 0x1008, NULL, NULL, NULL), -1);

	/* Below the first symbol, and absurdly past one. */
	assert_int_equal(
	    dt_ksyms_lookup(ks, 0xffffffff80ffffff, NULL, NULL, NULL), -1);
	assert_int_equal(dt_ksyms_lookup(ks, 0, NULL, NULL, NULL), -1);
	assert_int_equal(dt_ksyms_lookup(ks, 0xffffffffc0006000 + (2 << 20),
					 NULL, NULL, NULL),
			 -1);
	assert_int_equal(
	    dt_ksyms_lookup(ks, 0xffffffffa0000000, NULL, NULL, NULL), -1);
	assert_int_equal(dt_ksyms_lookup(ks, UINT64_MAX, NULL, NULL, NULL), -1);
	/* Exactly at the bound is still believed. */
	ksym_expect(ks, 0xffffffffc0006000 + DT_SYM_MAXOFF, "last", "last_fn",
		    DT_SYM_MAXOFF);

	assert_int_equal(dt_ksyms_addr(ks, "schedule"), 0xffffffff81000200);
	assert_int_equal(dt_ksyms_addr(ks, "mod_fn2"), 0xffffffffc0001100);
	assert_int_equal(dt_ksyms_addr(ks, "dup"), 0xffffffff81000600);
	assert_int_equal(dt_ksyms_addr(ks, "local_at_start"),
			 0xffffffff81000000);
	assert_int_equal(dt_ksyms_addr(ks, "zero_hidden"), 0);
	assert_int_equal(dt_ksyms_addr(ks, "bad_hex"), 0);
	assert_int_equal(dt_ksyms_addr(ks, "nope"), 0);
	assert_int_equal(dt_ksyms_addr(ks, ""), 0);
	dt_ksyms_close(ks);
}

static void test_ksyms_errors(void **state)
{
	const char *p = tpath("kallsyms-bad");
	unsigned char junk[4096];

	errno = 0;
	assert_null(dt_ksyms_open(tpath("does-not-exist")));
	assert_int_equal(errno, ENOENT);

	/* What a non-root reader of /proc/kallsyms sees. */
	write_str(p, "0000000000000000 T _stext\n"
		     "0000000000000000 T schedule\n");
	errno = 0;
	assert_null(dt_ksyms_open(p));
	assert_int_equal(errno, EACCES);

	write_str(p, "");
	assert_null(dt_ksyms_open(p));
	assert_int_equal(errno, ENODATA);

	/* Random bytes: nothing parses, nothing crashes. */
	srand(7);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)rand();
	write_file(p, junk, sizeof(junk));
	dt_ksyms_close(dt_ksyms_open(p));

	/* A directory is not a kallsyms file. */
	assert_null(dt_ksyms_open(g_dir));
	dt_ksyms_close(NULL);
	assert_int_equal(dt_ksyms_lookup(NULL, 1, NULL, NULL, NULL), -1);
	assert_int_equal(dt_ksyms_addr(NULL, "x"), 0);
}

/* kallsyms-sized input, unsorted modules included, to time the load. */
static void test_ksyms_large(void **state)
{
	const char *p = tpath("kallsyms-large");
	const size_t n = 150000;
	FILE *f = fopen(p, "w");
	const char *m, *name;
	dt_ksyms_t *ks;
	uint64_t off;
	double t0, t1;

	assert_non_null(f);
	for (size_t i = 0; i < n; i++) {
		if (i < n - 5000)
			fprintf(f, "%016llx %c func_%zu\n",
				0xffffffff81000000ull + i * 0x40,
				i % 2 ? 't' : 'T', i);
		else
			fprintf(f, "%016llx t modfn_%zu\t[mod%zu]\n",
				0xffffffffc0000000ull + (n - i) * 0x40, i,
				i % 10);
	}
	assert_int_equal(fclose(f), 0);
	t0 = now_ms();
	ks = dt_ksyms_open(p);
	t1 = now_ms();
	assert_non_null(ks);
	assert_int_equal(dt_ksyms_count(ks), n);
	print_message("synthetic kallsyms, %zu lines: loaded in %.1f ms\n", n,
		      t1 - t0);
	assert_int_equal(
	    dt_ksyms_lookup(ks, 0xffffffff81000000ull + 1234 * 0x40 + 7, &m,
			    &name, &off),
	    0);
	assert_string_equal(name, "func_1234");
	assert_int_equal(off, 7);
	assert_int_equal(dt_ksyms_lookup(ks, 0xffffffffc0000000ull + 0x40 + 1,
					 &m, &name, &off),
			 0);
	assert_string_equal(name, "modfn_149999");
	assert_string_equal(m, "mod9");
	assert_int_equal(dt_ksyms_addr(ks, "func_99999"),
			 0xffffffff81000000ull + 99999 * 0x40);
	dt_ksyms_close(ks);
}

static void test_ksyms_real(void **state)
{
	const char *m, *name;
	dt_ksyms_t *ks;
	uint64_t addr, off;
	double t0, t1;

	t0 = now_ms();
	ks = dt_ksyms_open(NULL);
	t1 = now_ms();
	if (ks == NULL) {
		print_message("/proc/kallsyms unusable (%s): skipped\n",
			      strerror(errno));
		skip();
	}
	print_message("/proc/kallsyms, %zu symbols: loaded in %.1f ms\n",
		      dt_ksyms_count(ks), t1 - t0);
	addr = dt_ksyms_addr(ks, "schedule");
	if (addr == 0) {
		dt_ksyms_close(ks);
		skip();
	}
	assert_int_equal(dt_ksyms_lookup(ks, addr + 4, &m, &name, &off), 0);
	assert_string_equal(m, "vmlinux");
	assert_string_equal(name, "schedule");
	assert_int_equal(off, 4);
	t0 = now_ms();
	for (int i = 0; i < 100000; i++)
		dt_ksyms_lookup(ks, addr + (uint64_t)i, &m, &name, &off);
	t1 = now_ms();
	print_message("100000 kernel lookups: %.1f ms\n", t1 - t0);
	dt_ksyms_close(ks);
}

/* ---- user ---- */

/* A libc function's own address: not our PLT stub, and not a sanitizer's
 * interceptor that RTLD_DEFAULT would find first. */
static uintptr_t libc_fn(const char *name)
{
	void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *p;

	assert_non_null(h);
	p = dlsym(h, name);
	dlclose(h);
	assert_non_null(p);
	return (uintptr_t)p;
}

static const char *self_base(void)
{
	static char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	const char *s;

	assert_true(n > 0);
	buf[n] = '\0';
	s = strrchr(buf, '/');
	return s != NULL ? s + 1 : buf;
}

static void test_usyms_self(void **state)
{
	uintptr_t fn = (uintptr_t)&dt_sym_test_target;
	uintptr_t tab = (uintptr_t)&dt_sym_test_table[3];
	dt_usyms_t *us = dt_usyms_open(getpid());
	const char *m, *name;
	uint64_t off;
	void *heap = malloc(64);
	int local;

	assert_non_null(us);
	assert_int_equal(dt_usyms_lookup(us, fn, &m, &name, &off), 0);
	assert_string_equal(m, self_base());
	assert_non_null(name);
	assert_string_equal(name, "dt_sym_test_target");
	assert_int_equal(off, 0);
	assert_int_equal(dt_usyms_lookup(us, fn + 5, &m, &name, &off), 0);
	assert_string_equal(name, "dt_sym_test_target");
	assert_int_equal(off, 5);

	/* Data: a sized OBJECT symbol covers it. */
	assert_int_equal(dt_usyms_lookup(us, tab, &m, &name, &off), 0);
	assert_string_equal(m, self_base());
	assert_string_equal(name, "dt_sym_test_table");
	assert_int_equal(off, 3 * sizeof(int));

	/* Anonymous memory and the stack are in no file. */
	assert_int_equal(dt_usyms_lookup(us, (uintptr_t)heap, &m, &name, &off),
			 -1);
	assert_int_equal(
	    dt_usyms_lookup(us, (uintptr_t)&local, &m, &name, &off), -1);
	assert_int_equal(dt_usyms_lookup(us, 0x10, &m, &name, &off), -1);
	free(heap);
	dt_usyms_close(us);
}

static void test_usyms_libc(void **state)
{
	uintptr_t fn = libc_fn("getpid");
	dt_usyms_t *us = dt_usyms_open(getpid());
	const char *m, *name;
	uint64_t off;
	double t0, t1;
	Dl_info di;

	assert_true(fn != 0);
	assert_non_null(us);
	t0 = now_ms();
	assert_int_equal(dt_usyms_lookup(us, fn, &m, &name, &off), 0);
	t1 = now_ms();
	print_message("first libc lookup (loads its symbols): %.1f ms\n",
		      t1 - t0);
	assert_true(strncmp(m, "libc", 4) == 0);
	assert_non_null(name);
	assert_non_null(strstr(name, "getpid"));
	assert_int_equal(off, 0);

	/* Against the dynamic linker's own answer for another function. */
	fn = libc_fn("qsort");
	assert_true(dladdr((void *)(fn + 3), &di) != 0);
	assert_int_equal(dt_usyms_lookup(us, fn + 3, &m, &name, &off), 0);
	assert_true(strncmp(m, "libc", 4) == 0);
	assert_non_null(name);
	assert_non_null(strstr(name, "qsort"));
	assert_int_equal(off, 3);
	assert_int_equal(fn + 3 - off, (uintptr_t)di.dli_saddr);
	dt_usyms_close(us);
}

/* A copy of our maps read by path: the same answers as the live file. */
static void test_usyms_maps_copy(void **state)
{
	const char *p = tpath("maps-copy");
	uintptr_t fn = (uintptr_t)&dt_sym_test_target;
	const char *m, *name;
	size_t len = 0;
	char buf[1 << 16];
	dt_usyms_t *us;
	uint64_t off;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY);
	assert_true(fd >= 0);
	for (ssize_t n; (n = read(fd, buf + len, sizeof(buf) - len)) > 0;)
		len += (size_t)n;
	close(fd);
	write_file(p, buf, len);
	us = dt_usyms_open_maps(p);
	assert_non_null(us);
	assert_int_equal(dt_usyms_lookup(us, fn + 1, &m, &name, &off), 0);
	assert_string_equal(m, self_base());
	assert_string_equal(name, "dt_sym_test_target");
	assert_int_equal(off, 1);
	dt_usyms_close(us);
	assert_null(dt_usyms_open_maps(tpath("nope")));
	assert_null(dt_usyms_open(-1));
	assert_null(dt_usyms_open(0));
	assert_int_equal(dt_usyms_lookup(NULL, 1, &m, &name, &off), -1);
	dt_usyms_close(NULL);
}

static unsigned char *read_all(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *b;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size);
	assert_non_null(b);
	assert_int_equal(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return b;
}

/* Looks up a few addresses of every mapping of a maps file. */
static void poke_all(const char *maps)
{
	static const uint64_t at[] = {0x400000, 0x400010, 0x401000,
				      0x402345, 0x500000, 0x7f0000001000};
	dt_usyms_t *us = dt_usyms_open_maps(maps);

	assert_non_null(us);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		const char *m, *name;
		uint64_t off;

		if (dt_usyms_lookup(us, at[i], &m, &name, &off) == 0) {
			char out[128];

			assert_non_null(m);
			dt_sym_format(out, sizeof(out), m, name, off, at[i]);
		}
	}
	dt_usyms_close(us);
}

static void test_usyms_corrupt(void **state)
{
	const char *elf = tpath("elf.bin"), *maps = tpath("maps-bad");
	unsigned char *orig, *mut;
	unsigned char rnd[8192];
	char text[2048];
	const char *m, *name;
	uint64_t off;
	dt_usyms_t *us;
	size_t len;

	orig = read_all("/bin/true", &len);
	mut = malloc(len);
	assert_non_null(mut);
	srand(12345);
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)rand();
	write_file(tpath("random.bin"), rnd, sizeof(rnd));
	/* ELF magic then garbage. */
	memcpy(rnd, orig, 16);
	write_file(tpath("magic.bin"), rnd, sizeof(rnd));

	snprintf(text, sizeof(text),
		 "00400000-00401000 r--p 00000000 fe:00 1 %s\n"
		 "00401000-00403000 r-xp 00001000 fe:00 1 %s\n"
		 "00500000-00501000 r-xp 00000000 fe:00 2 %s\n"
		 "7f0000000000-7f0000002000 r-xp 00000000 fe:00 3 %s\n"
		 "7f0000002000-7f0000003000 r-xp 00000000 fe:00 3 %s\n"
		 "7f0000003000-7f0000004000 r-xp 00000000 fe:00 3 %s\n"
		 "7f0000004000-7f0000005000 r-xp 00000000 00:05 4 /dev/zero\n"
		 "7f0000005000-7f0000006000 r-xp 00000000 00:05 4 %s\n"
		 "garbage\n"
		 "7f0000009000-7f0000008000 r-xp 00000000 fe:00 3 /backwards\n"
		 "7f000000a000-7f000000b000 r-xp zz fe:00 3 /badoff\n"
		 "7f000000c000-7f000000d000 rw-p 00000000 00:00 0\n"
		 "7f000000d000-7f000000e000 rw-p 00000000 00:00 0 [heap]\n"
		 "ffffffffffffffffff-1 r-xp 0 0:0 0 /x\n",
		 elf, elf, tpath("random.bin"), tpath("magic.bin"),
		 tpath("missing.so"), g_dir, g_dir);
	write_str(maps, text);

	/* Truncations of a real ELF file at every interesting length. */
	for (size_t cut = 0; cut < len; cut += cut < 512 ? 7 : 997) {
		write_file(elf, orig, cut);
		poke_all(maps);
	}
	write_file(elf, orig, len - 1);
	poke_all(maps);

	/* Random mutations of headers and tables (a little fuzzer). */
	for (int it = 0; it < 300; it++) {
		memcpy(mut, orig, len);
		for (int k = 0; k < 1 + it % 8; k++) {
			size_t pos = (size_t)rand() % (it % 2 ? 4096 : len);

			mut[pos] = (unsigned char)rand();
		}
		/* Section headers live at the end: hit them too. */
		if (it % 3 == 0)
			for (int k = 0; k < 8; k++)
				mut[len - 1 - (size_t)rand() % 2048] =
				    (unsigned char)rand();
		write_file(elf, mut, len);
		poke_all(maps);
	}

	/* Files without symbols: still the module, offset from its base. */
	us = dt_usyms_open_maps(maps);
	assert_non_null(us);
	assert_int_equal(dt_usyms_lookup(us, 0x500010, &m, &name, &off), 0);
	assert_string_equal(m, "random.bin");
	assert_null(name);
	assert_int_equal(off, 0x10);
	assert_int_equal(dt_usyms_lookup(us, 0x7f0000001234, &m, &name, &off),
			 0);
	assert_string_equal(m, "magic.bin");
	assert_null(name);
	assert_int_equal(off, 0x1234);
	assert_int_equal(dt_usyms_lookup(us, 0x7f0000002010, &m, &name, &off),
			 0);
	assert_string_equal(m, "missing.so");
	assert_null(name);
	assert_int_equal(off, 0x10);
	assert_int_equal(dt_usyms_lookup(us, 0x7f0000004010, &m, &name, &off),
			 0);
	assert_string_equal(m, "zero");
	assert_null(name);
	/* Malformed lines and non-file mappings resolve to nothing. */
	assert_int_equal(dt_usyms_lookup(us, 0x7f0000008800, &m, &name, &off),
			 -1);
	assert_int_equal(dt_usyms_lookup(us, 0x7f000000a010, &m, &name, &off),
			 -1);
	assert_int_equal(dt_usyms_lookup(us, 0x7f000000d010, &m, &name, &off),
			 -1);
	dt_usyms_close(us);

	/* The intact file again: a stripped PIE at a bias of 0x400000 (its
	 * text segment maps file offset 0x1000 at 0x401000 here, so this
	 * maps file lies about layout; only .dynsym names exist). */
	write_file(elf, orig, len);
	us = dt_usyms_open_maps(maps);
	assert_non_null(us);
	assert_int_equal(dt_usyms_lookup(us, 0x400010, &m, &name, &off), 0);
	assert_string_equal(m, "elf.bin");
	dt_usyms_close(us);
	free(mut);
	free(orig);
}

/* A synthetic maps file describing a real PIE (this process's libc) at a
 * made-up address: the bias comes from the mapping and PT_LOAD headers. */
static void test_usyms_bias(void **state)
{
	uintptr_t fn = libc_fn("getpid");
	dt_usyms_t *self = dt_usyms_open(getpid());
	const char *p = tpath("maps-bias"), *m, *name;
	char libc[64];
	char text[4096], path[PATH_MAX];
	uint64_t off, base = 0, moved = 0x7e0000000000ull;
	unsigned long long s, e, o;
	char line[PATH_MAX + 128];
	dt_usyms_t *us;
	size_t tl = 0;
	FILE *f;

	assert_non_null(self);
	assert_int_equal(dt_usyms_lookup(self, fn, &m, &name, &off), 0);
	snprintf(libc, sizeof(libc), "%s", m); /* m dies with self */
	dt_usyms_close(self);
	/* Rewrite every libc line of our maps shifted to a new base. */
	f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %4095s", &s, &e,
			   &o, path) != 4 ||
		    strstr(path, "/libc.so") == NULL)
			continue;
		if (base == 0)
			base = s;
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl,
				       "%llx-%llx r-xp %08llx fe:00 7 %s\n",
				       s - base + moved, e - base + moved, o,
				       path);
		assert_true(tl < sizeof(text));
	}
	fclose(f);
	assert_true(base != 0);
	write_str(p, text);
	us = dt_usyms_open_maps(p);
	assert_non_null(us);
	assert_int_equal(
	    dt_usyms_lookup(us, fn - base + moved + 2, &m, &name, &off), 0);
	assert_string_equal(m, libc);
	assert_non_null(name);
	assert_non_null(strstr(name, "getpid"));
	assert_int_equal(off, 2);
	dt_usyms_close(us);
}

/* ---- formatting ---- */

static void test_format(void **state)
{
	char buf[64];

	assert_int_equal(
	    dt_sym_format(buf, sizeof(buf), "vmlinux", "schedule", 0x1c, 0),
	    21);
	assert_string_equal(buf, "vmlinux`schedule+0x1c");
	dt_sym_format(buf, sizeof(buf), "libc.so.6", "read", 0, 0);
	assert_string_equal(buf, "libc.so.6`read");
	dt_sym_format(buf, sizeof(buf), "bash", NULL, 0x1c, 0x5555);
	assert_string_equal(buf, "bash`0x1c");
	dt_sym_format(buf, sizeof(buf), NULL, NULL, 0, 0xffffffff81234567);
	assert_string_equal(buf, "0xffffffff81234567");
	dt_sym_format(buf, sizeof(buf), NULL, "ignored", 5, 0);
	assert_string_equal(buf, "0x0");

	/* Truncation: always terminated, length as written. */
	assert_int_equal(dt_sym_format(buf, 8, "vmlinux", "schedule", 1, 0), 7);
	assert_string_equal(buf, "vmlinux");
	buf[0] = 'x';
	assert_int_equal(dt_sym_format(buf, 1, "m", "n", 1, 0), 0);
	assert_string_equal(buf, "");
	buf[0] = 'x';
	assert_int_equal(dt_sym_format(buf, 0, "m", "n", 1, 0), 0);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(dt_sym_format(NULL, 10, "m", "n", 1, 0), 0);
}

/* ---- cache ---- */

static void test_cache(void **state)
{
	dt_sym_cache_t *c = dt_sym_cache_create();
	uintptr_t fn = (uintptr_t)&dt_sym_test_target;
	const char *m, *name;
	dt_usyms_t *us;
	uint64_t off;
	unsigned opens;

	assert_non_null(c);
	us = dt_sym_cache_proc(c, getpid());
	assert_non_null(us);
	for (int i = 0; i < 100; i++)
		assert_ptr_equal(dt_sym_cache_proc(c, getpid()), us);
	assert_int_equal(dt_sym_cache_opens(c), 1);
	assert_int_equal(
	    dt_sym_cache_ulookup(c, getpid(), fn + 2, &m, &name, &off), 0);
	assert_string_equal(name, "dt_sym_test_target");
	assert_int_equal(off, 2);
	/* A miss just after reading the maps does not reread them. */
	assert_int_equal(
	    dt_sym_cache_ulookup(c, getpid(), 0x10, &m, &name, &off), -1);
	assert_int_equal(dt_sym_cache_opens(c), 1);

	/* Kernel: opened once, whatever the outcome. */
	dt_ksyms_t *k = dt_sym_cache_kernel(c);
	assert_ptr_equal(dt_sym_cache_kernel(c), k);

	/* Fill the cache with pids that do not exist (remembered as
	 * failures, not reread), then ours has been evicted. */
	for (int i = 0; i < DT_SYM_CACHE_PROCS; i++) {
		assert_null(dt_sym_cache_proc(c, 0x3fff0000 + i));
		assert_null(dt_sym_cache_proc(c, 0x3fff0000 + i));
	}
	opens = dt_sym_cache_opens(c);
	assert_int_equal(opens, 1 + DT_SYM_CACHE_PROCS);
	assert_non_null(dt_sym_cache_proc(c, getpid()));
	assert_int_equal(dt_sym_cache_opens(c), opens + 1);
	/* The recently used stays; forget drops it. */
	assert_non_null(dt_sym_cache_proc(c, getpid()));
	assert_int_equal(dt_sym_cache_opens(c), opens + 1);
	dt_sym_cache_forget(c, getpid());
	assert_non_null(dt_sym_cache_proc(c, getpid()));
	assert_int_equal(dt_sym_cache_opens(c), opens + 2);
	assert_null(dt_sym_cache_proc(c, -5));
	dt_sym_cache_destroy(c);
	dt_sym_cache_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ksyms_synthetic),
	    cmocka_unit_test(test_ksyms_errors),
	    cmocka_unit_test(test_ksyms_large),
	    cmocka_unit_test(test_ksyms_real),
	    cmocka_unit_test(test_usyms_self),
	    cmocka_unit_test(test_usyms_libc),
	    cmocka_unit_test(test_usyms_maps_copy),
	    cmocka_unit_test(test_usyms_corrupt),
	    cmocka_unit_test(test_usyms_bias),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
