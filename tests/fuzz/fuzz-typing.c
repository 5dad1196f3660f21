/* fuzz-typing.c: libFuzzer target for DIF type inference: the input is a
 * DIFO (instruction words, then a symbol table); building the CFG/IFG and
 * typing it must never crash, whatever the words are. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "typing/dt_typing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dt_difo_t d;
	uint64_t ints[4] = {0, 1, 8, 16};
	char why[512];
	dt_ifg_t g;
	size_t n;

	if (size < 2)
		return 0;
	memset(&d, 0, sizeof(d));
	n = data[0] % 64 + 1; /* instruction count */
	if (1 + 4 * n > size)
		n = (size - 1) / 4;
	if (n == 0)
		return 0;
	d.len = (uint32_t)n;
	d.buf = malloc(n * sizeof(*d.buf));
	memcpy(d.buf, data + 1, n * 4);
	d.inttab = ints;
	d.intlen = 4;
	/* the rest is the symbol table (NUL-terminated here) */
	d.symlen = (uint32_t)(size - 1 - 4 * n + 1);
	d.symtab = malloc(d.symlen);
	memcpy(d.symtab, data + 1 + 4 * n, d.symlen - 1);
	d.symtab[d.symlen - 1] = '\0';
	d.strtab = (char *)"str";
	d.strlen = 4;
	if (dt_ifg_build(&d, &g, why, sizeof(why)) == 0) {
		dt_typing_difo(&g, NULL, "fuzz", why, sizeof(why));
		dt_ifg_free(&g);
	}
	free(d.buf);
	free(d.symtab);
	return 0;
}
