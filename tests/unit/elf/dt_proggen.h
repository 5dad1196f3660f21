/* dt_proggen.h: random dt_prog_t values covering every field, for the ELF,
 * link and typing property tests (test-only code). */
#ifndef DT_PROGGEN_H
#define DT_PROGGEN_H

#include <stdint.h>

#include "program/dt_program.h"

/* A deterministic pseudo-random program from seed. */
dt_prog_t *dt_proggen(uint64_t seed);

/* Every field of a and b, including those dt_prog_equal() leaves out
 * (ident, srcident, link_error, aggregation key type names, pads). 0 if
 * equal, else -1 with a reason. */
int dt_proggen_equal_all(const dt_prog_t *a, const dt_prog_t *b, char *why,
			 size_t whylen);

#endif
