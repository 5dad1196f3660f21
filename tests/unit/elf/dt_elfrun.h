/* dt_elfrun.h: runs a program's BEGIN and END clauses in the engine and
 * prints through the consumer, without the D front end (test-only code:
 * proves that an ELF file carries the whole program). */
#ifndef DT_ELFRUN_H
#define DT_ELFRUN_H

#include <stdio.h>

#include "program/dt_program.h"

/* Returns the program's exit status (exit(n)), or -1 with a message on err
 * if the engine refuses it. */
int dt_elfrun(const dt_prog_t *prog, FILE *out, FILE *err);

#endif
