/*
 * dt_verify.h: the DIF verifier. Every DIFO passes it before the engine
 * runs it: opcodes, registers, forward-only branches, table and variable
 * references, return type and tuple stack use.
 */
#ifndef DT_VERIFY_H
#define DT_VERIFY_H

#include <stddef.h>

#include "program/dt_program.h"

/* Returns 0 if dp is valid, else -1 with a reason naming the instruction
 * ("instruction 3 (stgs): ...") in why. */
int dt_verify(const dt_difo_t *dp, char *why, size_t whylen);

/* Name of an opcode ("add"), or NULL for an unknown one. */
const char *dt_dif_opname(unsigned op);

#endif /* DT_VERIFY_H */
