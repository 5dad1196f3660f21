/* fuzz-elf.c: libFuzzer target for the ELF program reader: any input must be
 * either refused with a message or read into a program that re-serialises
 * and reads back equal; print() layouts it carries go to the consumer's
 * layout reader, which must print or refuse them cleanly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "consumer/dt_print_type.h"
#include "elf/dt_elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dt_prog_t *p = NULL, *q = NULL;
	dt_elf_err_t err;
	void *buf;
	size_t len;

	if (dt_elf_read_mem(data, size, &p, &err) != 0)
		return 0;
	if (dt_elf_write_mem(p, &buf, &len, &err) == 0) {
		if (dt_elf_read_mem(buf, len, &q, &err) != 0 ||
		    dt_prog_equal(p, q, NULL, 0) != 0)
			abort(); /* what we wrote must read back equal */
		free(buf);
	}
	for (uint32_t i = 0; i < p->nfmts; i++) {
		static uint8_t zero[4096];
		static FILE *sink;

		if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
			abort();
		if (p->fmts[i].kind == DT_ACT_PRINT)
			(void)dt_print_type(sink, p->fmts[i].str, zero,
					    sizeof(zero));
	}
	dt_prog_free(q);
	dt_prog_free(p);
	return 0;
}
