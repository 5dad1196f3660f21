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
 *     (constant arguments followed by computed ones are materialised at
 *     their push, which saves registers; the order of effects is kept);
 *   - registers: %r1..%r7 lowest first, no spilling (D_NOREG), or as many
 *     as the iregs option says (DTrace's; beyond 8 the verifier refuses);
 *   - values stored to integer variables narrower than 64 bits are cut to
 *     their width (registers do not wrap at int width);
 *   - -E (HyperTrace): member offsets, loads and casts through kernel (BTF)
 *     types become usetx/uload/uuload/typecast naming symbols in the syntax
 *     of link/dt_reloc.h; a DIFO returning a guest-typed value ends with a
 *     typecast and rtype size 0; expression statements return %r0;
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
 * *progp, or -1 with err filled: D_NOREG when an expression needs more
 * registers than allowed, D_SYM_BADREF for a kernel symbol in -E mode,
 * D_NOMEM. (The action-order rules, D_SPEC_* and the like, and printf
 * checks are the front end's.)
 */
int dt_cg_program(const dt_compile_opts_t *opts, dt_front_prog_t *fp,
		  dt_prog_t **progp, dt_compile_error_t *err);

#endif /* DT_CG_H */
