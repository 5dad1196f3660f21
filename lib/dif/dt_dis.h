/*
 * dt_dis.h: the DIF disassembler. Prints a DIFO as `dtrace -S` does (one
 * line per instruction with its offset, word and operands, then the
 * variable table), and names opcodes and subroutines for other tools.
 */
#ifndef DT_DIS_H
#define DT_DIS_H

#include <stdio.h>

#include "program/dt_program.h"

/* Prints dp as DTrace's dt_dis() does. */
void dt_dis(const dt_difo_t *dp, FILE *fp);

/* Prints one instruction (without offset and word) of dp. */
void dt_dis_instr(const dt_difo_t *dp, dif_instr_t in, FILE *fp);

/* "D type (integer) (size 4)" and the like, into buf. */
char *dt_dis_typestr(const dif_type_t *t, char *buf, size_t len);

/* Name of an opcode ("setx"), or NULL if it is not one. */
const char *dt_dis_opname(unsigned op);

/* Name of a subroutine ("strlen"), or "unknown". */
const char *dt_dis_subrname(unsigned subr);

#endif /* DT_DIS_H */
