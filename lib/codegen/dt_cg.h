/*
 * dt_cg.h: code generation: the checked AST of the front end (front/dt_ast.h)
 * to the compiled program (program/dt_program.h): one statement per clause
 * (more when a clause has if/else), a predicate DIFO, and actions whose
 * operands are DIFOs, with the program's aggregation, format, variable and
 * option tables.
 *
 * Conventions the engine and consumer rely on (DTrace's):
 *   - an expression statement (`x = 1;`, `copyout(...)`) is a DT_ACT_DIFEXPR
 *     action whose DIFO returns a type of size 0: run it, record nothing;
 *   - a value of a by-reference type (string, struct, union, array) is the
 *     address of the object, and its DIFO rtype has DIF_TF_BYREF;
 *   - subroutine arguments and associative-array keys go through the tuple
 *     stack: flushts, then pushtv (by value) or pushtr (by reference, size
 *     in a register) for each, left to right, then call / ld?aa / st?aa;
 *   - if/else inside a clause: the clause is split into several statements
 *     with the same probe descriptions; hidden clause-local variables
 *     ("%if<n>", listed in prog->vars) carry which branch is taken.
 */
#ifndef DT_CG_H
#define DT_CG_H

#include "front/dt_compile.h"
#include "front/dt_front.h"
#include "program/dt_program.h"

/*
 * Generates the program for fp into a new dt_prog_t. Returns 0 and sets
 * *progp, or -1 with err filled (D_NOREG when an expression needs more
 * registers than DIF has, and the action-list rules DTrace checks at this
 * stage: D_SPEC_*, D_AGG_SPEC, D_DREC_COMM, ...).
 */
int dt_cg_program(const dt_compile_opts_t *opts, dt_front_prog_t *fp,
		  dt_prog_t **progp, dt_compile_error_t *err);

#endif /* DT_CG_H */
