/*
 * test_gwalk.c: the guest page walker and RAM bounds against synthetic page
 * tables: 4- and 5-level, 4K/2M/1G pages, a RAM split in two regions (as
 * QEMU lays out RAM above 4G), and every out-of-bounds case a guest could
 * construct. Also the "info mtree -f" parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/dt_error.h"
#include "guest/dt_guest.h"

#define MB	  (1ULL << 20)
#define GB	  (1ULL << 30)
#define LOW_SIZE  (16 * MB)
#define HIGH_GPA  (4 * GB)
#define HIGH_SIZE (8 * MB)
#define P	  0x1ULL
#define RW	  0x2ULL
#define PS	  0x80ULL

typedef struct fx {
	uint8_t *ram;
	dt_gmem_t m;
	uint64_t next; /* bump allocator for tables, in low RAM */
} fx_t;

static uint64_t *tbl(fx_t *f, uint64_t gpa)
{
	return (uint64_t *)(f->ram + gpa); /* tables live in low RAM */
}

static uint64_t new_table(fx_t *f)
{
	uint64_t gpa = f->next;

	f->next += 4096;
	memset(f->ram + gpa, 0, 4096);
	return gpa;
}

/* Maps va -> pa with a leaf at `leaf_level` (1: 4K, 2: 2M, 3: 1G). */
static void map(fx_t *f, uint64_t root, int levels, uint64_t va, uint64_t pa,
		int leaf_level)
{
	uint64_t table = root;
	int lvl;

	for (lvl = levels; lvl > leaf_level; lvl--) {
		unsigned idx = (va >> (12 + 9 * (lvl - 1))) & 511;
		uint64_t *e = &tbl(f, table)[idx];

		if (!(*e & P))
			*e = new_table(f) | P | RW;
		table = *e & 0x000ffffffffff000ULL;
	}
	tbl(f, table)[(va >> (12 + 9 * (leaf_level - 1))) & 511] =
	    pa | P | RW | (leaf_level > 1 ? PS : 0);
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));

	f->ram = aligned_alloc(4096, LOW_SIZE + HIGH_SIZE);
	memset(f->ram, 0, LOW_SIZE + HIGH_SIZE);
	f->m.base = f->ram;
	f->m.base_size = LOW_SIZE + HIGH_SIZE;
	f->m.nreg = 2;
	f->m.reg[0] = (dt_gmem_region_t){0, LOW_SIZE, 0};
	f->m.reg[1] = (dt_gmem_region_t){HIGH_GPA, HIGH_SIZE, LOW_SIZE};
	f->next = 0x100000; /* tables from 1M up */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

static void test_4k_4level(void **state)
{
	fx_t *f = *state;
	uint64_t cr3 = new_table(f), va = 0xffff888000123000ULL, pa, sz;
	char buf[16];
	int err = 0;

	map(f, cr3, 4, va, 0x800000, 1);
	memcpy(f->ram + 0x800010, "workload", 9);
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, va + 0x10, &pa, &sz), 0);
	assert_int_equal(pa, 0x800010);
	assert_int_equal(sz, 4096);
	/* PCID bits and bit 63 in CR3 are ignored. */
	assert_int_equal(dt_gmem_read(&f->m, cr3 | 0x5 | (1ULL << 63), 0,
				      va + 0x10, buf, 9, &err),
			 0);
	assert_string_equal(buf, "workload");
}

static void test_2m_and_1g(void **state)
{
	fx_t *f = *state;
	uint64_t cr3 = new_table(f), pa, sz;
	uint64_t va2m = 0xffff888000400000ULL, va1g = 0xffff880000000000ULL;
	uint32_t v;
	int err = 0;

	map(f, cr3, 4, va2m, 0x600000, 2);
	map(f, cr3, 4, va1g, 0, 3);
	memcpy(f->ram + 0x600000 + 0x1234, "\x78\x56\x34\x12", 4);
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, va2m + 0x1234, &pa, &sz), 0);
	assert_int_equal(pa, 0x601234);
	assert_int_equal(sz, 2 * MB);
	assert_int_equal(
	    dt_gmem_read(&f->m, cr3, 0, va2m + 0x1234, &v, 4, &err), 0);
	assert_int_equal(v, 0x12345678);
	/* 1G page at physical 0: only its first 16M is RAM. */
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, va1g + 0x601234, &pa, &sz), 0);
	assert_int_equal(pa, 0x601234);
	assert_int_equal(sz, GB);
	assert_int_equal(
	    dt_gmem_read(&f->m, cr3, 0, va1g + 0x601234, &v, 4, &err), 0);
	assert_int_equal(v, 0x12345678);
	/* ... beyond it the walk succeeds but the read must not. */
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, va1g + 512 * MB, &pa, &sz), 0);
	assert_int_equal(
	    dt_gmem_read(&f->m, cr3, 0, va1g + 512 * MB, &v, 4, &err), -1);
	assert_int_equal(err, EDT_GUESTADDR);
}

static void test_5level(void **state)
{
	fx_t *f = *state;
	uint64_t cr3 = new_table(f), pa, sz;
	uint64_t va = 0xff11000000042000ULL; /* canonical for 57 bits only */
	char buf[8];
	int err = 0;

	map(f, cr3, 5, va, 0x900000, 1);
	memcpy(f->ram + 0x900000, "five", 5);
	assert_int_equal(dt_gwalk(&f->m, cr3, 1, va, &pa, &sz), 0);
	assert_int_equal(pa, 0x900000);
	assert_int_equal(dt_gmem_read(&f->m, cr3, 1, va, buf, 5, &err), 0);
	assert_string_equal(buf, "five");
	/* The same address is non-canonical with 4 levels. */
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, va, &pa, &sz), -1);
	/* 5-level 2M page. */
	map(f, cr3, 5, va + 0x200000 - 0x42000, 0xa00000, 2);
	assert_int_equal(
	    dt_gwalk(&f->m, cr3, 1, va + 0x200000 - 0x42000 + 8, &pa, &sz), 0);
	assert_int_equal(pa, 0xa00008);
	assert_int_equal(sz, 2 * MB);
}

static void test_high_region(void **state)
{
	fx_t *f = *state;
	uint64_t cr3 = new_table(f), va = 0xffff888100000000ULL;
	char buf[8];
	int err = 0;

	map(f, cr3, 4, va, HIGH_GPA + 0x3000, 1);
	memcpy(f->ram + LOW_SIZE + 0x3000, "high", 5);
	assert_int_equal(dt_gmem_read(&f->m, cr3, 0, va, buf, 5, &err), 0);
	assert_string_equal(buf, "high");
	/* The hole between the regions is not RAM. */
	assert_null(dt_gmem_ptr(&f->m, LOW_SIZE, 1));
	assert_null(dt_gmem_ptr(&f->m, HIGH_GPA - 1, 1));
	/* A read may not run off the end of a region. */
	assert_null(dt_gmem_ptr(&f->m, LOW_SIZE - 4, 8));
	assert_non_null(dt_gmem_ptr(&f->m, LOW_SIZE - 8, 8));
	assert_null(dt_gmem_ptr(&f->m, HIGH_GPA + HIGH_SIZE - 4, 8));
	assert_null(dt_gmem_ptr(&f->m, UINT64_MAX - 3, 8));
}

static void test_out_of_bounds(void **state)
{
	fx_t *f = *state;
	uint64_t cr3 = new_table(f), va = 0xffff888000200000ULL, pa, sz;
	uint64_t *pml4;
	char buf[64];
	int err = 0;

	map(f, cr3, 4, va, 0x700000, 1);
	/* Wild CR3s. */
	assert_int_equal(
	    dt_gwalk(&f->m, 0x000ffffffffff000ULL, 0, va, &pa, &sz), -1);
	assert_int_equal(dt_gwalk(&f->m, LOW_SIZE, 0, va, &pa, &sz), -1);
	assert_int_equal(dt_gwalk(&f->m, HIGH_GPA + HIGH_SIZE, 1, va, &pa, &sz),
			 -1);
	/* Non-canonical and unmapped addresses. */
	assert_int_equal(
	    dt_gwalk(&f->m, cr3, 0, 0x0000900000000000ULL, &pa, &sz), -1);
	assert_int_equal(
	    dt_gwalk(&f->m, cr3, 0, 0xffff888000201000ULL, &pa, &sz), -1);
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, 0x1000, &pa, &sz), -1);
	/* A read that crosses from a mapped into an unmapped page. */
	assert_int_equal(
	    dt_gmem_read(&f->m, cr3, 0, va + 4096 - 8, buf, 16, &err), -1);
	assert_int_equal(err, EDT_GUESTADDR);
	assert_int_equal(
	    dt_gmem_read(&f->m, cr3, 0, va + 4096 - 8, buf, 8, &err), 0);
	/* A table entry pointing outside RAM, and PS at the PML4 level. */
	pml4 = tbl(f, cr3);
	pml4[(va >> 39) & 511] = 0x000fff0000000000ULL | P;
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, va, &pa, &sz), -1);
	pml4[(va >> 39) & 511] = 0x200000 | P | PS;
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, va, &pa, &sz), -1);
	/* A leaf pointing outside RAM: translation ok, read refused. */
	pml4[(va >> 39) & 511] = 0;
	map(f, cr3, 4, va, 0x000ff00000000000ULL, 1);
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, va, &pa, &sz), 0);
	assert_int_equal(dt_gmem_read(&f->m, cr3, 0, va, buf, 8, &err), -1);
	/* Self-referencing tables terminate (4 levels at most). */
	pml4[0] = cr3 | P;
	assert_int_equal(dt_gwalk(&f->m, cr3, 0, 0, &pa, &sz), 0);
	assert_int_equal(pa, cr3);
}

static void test_mtree(void **state)
{
	static const char text[] =
	    "FlatView #0\n"
	    " AS \"I/O\", root: io\n"
	    " Root memory region: io\n"
	    "  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\n"
	    "\n"
	    "FlatView #1\n"
	    " AS \"memory\", root: system\n"
	    " AS \"cpu-memory-0\", root: system\n"
	    " Root memory region: system\n"
	    "  0000000000000000-000000000009ffff (prio 0, ram): mem\n"
	    "  00000000000a0000-00000000000bffff (prio 1, i/o): vga-lowmem\n"
	    "  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom\n"
	    "  0000000000100000-00000000bfffffff (prio 0, ram): mem "
	    "@0000000000100000\n"
	    "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n"
	    "  0000000100000000-000000013fffffff (prio 0, ram): mem "
	    "@00000000c0000000\n"
	    "\n"
	    "FlatView #2\n"
	    " AS \"other\", root: x\n"
	    "  0000000000000000-00000000000fffff (prio 0, ram): mem\n";
	dt_gmem_region_t r[DT_GMEM_MAXREG];
	unsigned n = 0;

	(void)state;
	assert_int_equal(dt_gmem_parse_mtree(text, "mem", r, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].gpa, 0);
	assert_int_equal(r[0].size, 0xa0000);
	assert_int_equal(r[0].file_off, 0);
	assert_int_equal(r[1].gpa, 0x100000);
	assert_int_equal(r[1].file_off, 0x100000);
	assert_int_equal(r[2].gpa, 0x100000000ULL);
	assert_int_equal(r[2].size, 0x40000000ULL);
	assert_int_equal(r[2].file_off, 0xc0000000ULL);
	assert_int_equal(dt_gmem_parse_mtree("garbage\n", "mem", r, &n), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_4k_4level, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_2m_and_1g, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_5level, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_high_region, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_out_of_bounds, setup,
					    teardown),
	    cmocka_unit_test(test_mtree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
