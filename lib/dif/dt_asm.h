/*
 * dt_asm.h: a DIF assembler from text, for tests, benchmarks and fuzz
 * seeds. One instruction per line, DTrace's mnemonics and operand order:
 *
 *   .rtype int [SIZE] [signed] | .rtype string | .rtype ref SIZE
 *   .var ID global|thread|local scalar|array int|string|ref [SIZE]
 *   L1:                       a label (branches only go forward)
 *   setx 42, %r1              integer (added to the integer table)
 *   sets "text", %r1          string (added to the string table)
 *   add %r1, %r2, %r3         ldsb [%r1], %r2     stx %r1, [%r2]
 *   cmp %r1, %r2   tst %r1   be L1   ret %r1
 *   ldgs 0x500, %r1   stgs 0x500, %r1   ldga 0, %r1, %r2
 *   call 12, %r1   pushtr 1, %r2, %r1   pushtv 0, %r1   flushts
 *   allocs %r1, %r2   copys %r1, %r2, %r3   nop   popts
 *   .word 0x23000001          a raw instruction word
 * '#' and ';' start comments.
 */
#ifndef DT_ASM_H
#define DT_ASM_H

#include <stddef.h>

#include "program/dt_program.h"

/* Assembles text into a new DIFO; NULL with a message naming the line. */
dt_difo_t *dt_asm(const char *text, char *err, size_t errlen);

#endif /* DT_ASM_H */
