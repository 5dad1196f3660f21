/* gen_seeds.c: writes ELF program files for the fuzz-elf seed corpus
 * (generated programs covering every field). usage: gen_seeds DIR N */
#include <stdio.h>
#include <stdlib.h>

#include "dt_proggen.h"
#include "elf/dt_elf.h"

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 16;

	if (argc < 2)
		return 2;
	for (int i = 1; i <= n; i++) {
		dt_prog_t *p = dt_proggen((uint64_t)i * 7919);
		dt_elf_err_t e;
		char path[4096];

		snprintf(path, sizeof(path), "%s/gen-%02d.elf", argv[1], i);
		if (dt_elf_write_file(p, path, &e) != 0) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		dt_prog_free(p);
	}
	return 0;
}
