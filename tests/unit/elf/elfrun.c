/* elfrun.c: `elfrun FILE.elf`: reads an ELF program and runs its BEGIN/END
 * clauses (engine + consumer + ELF reader; the D front end is not linked). */
#include <stdio.h>

#include "dt_elfrun.h"
#include "elf/dt_elf.h"

int main(int argc, char **argv)
{
	dt_prog_t *p = NULL;
	dt_elf_err_t e;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: elfrun FILE.elf\n");
		return 2;
	}
	if (dt_elf_read_file(argv[1], &p, &e) != 0) {
		fprintf(stderr, "elfrun: %s\n", e.msg);
		return 2;
	}
	rc = dt_elfrun(p, stdout, stderr);
	dt_prog_free(p);
	return rc < 0 ? 2 : rc;
}
