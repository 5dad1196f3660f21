/*
 * dt_cg_dump.h: a readable summary of a compiled program (statements,
 * probe descriptions, actions with their constants, aggregations, formats,
 * variables, options) for tests and debugging; `dtrace -S` prints only the
 * DIF (dt_prog_dump()).
 */
#ifndef DT_CG_DUMP_H
#define DT_CG_DUMP_H

#include <stdio.h>

#include "program/dt_program.h"

void dt_cg_prog_summary(FILE *out, const dt_prog_t *prog);

/* Name of an action kind ("printf", "aggregation"...). */
const char *dt_cg_actname(uint32_t kind);

#endif /* DT_CG_DUMP_H */
