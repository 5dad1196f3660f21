/*
 * fuzz-guest.c: the guest page walker and RAM bounds over a synthetic guest
 * RAM built from the input (a guest controls CR3, every table entry, the
 * address and the length), plus the "info mtree -f" parser on the same
 * bytes. Any read outside the RAM buffer is an ASan report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/dt_guest.h"

#define RAM_SIZE 0x10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	uint64_t cr3, va, pa, sz;
	uint16_t len;
	uint8_t flags, buf[4096];
	dt_gmem_t m;
	dt_gmem_region_t reg[DT_GMEM_MAXREG];
	unsigned n;
	char *text;
	int err;

	if (size < 19)
		return 0;
	if (!ram)
		ram = malloc(RAM_SIZE);
	memcpy(&cr3, data, 8);
	memcpy(&va, data + 8, 8);
	memcpy(&len, data + 16, 2);
	flags = data[18];
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data + 19, size - 19 < RAM_SIZE ? size - 19 : RAM_SIZE);
	/* Two regions with a hole, like RAM split around the 4G boundary. */
	memset(&m, 0, sizeof(m));
	m.base = ram;
	m.base_size = RAM_SIZE;
	m.nreg = 2;
	m.reg[0] = (dt_gmem_region_t){0, RAM_SIZE / 2, 0};
	m.reg[1] = (dt_gmem_region_t){0x100000, RAM_SIZE / 2, RAM_SIZE / 2};
	/* Keep CR3 and addresses mostly inside the small RAM. */
	if (flags & 2)
		cr3 &= 0x10f000;
	if (flags & 4)
		va &= 0xffff80000010ffffULL;
	(void)dt_gwalk(&m, cr3, flags & 1, va, &pa, &sz);
	(void)dt_gmem_read(&m, cr3, flags & 1, va, buf, len % sizeof(buf),
			   &err);

	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	(void)dt_gmem_parse_mtree(text, "mem", reg, &n);
	free(text);
	return 0;
}
