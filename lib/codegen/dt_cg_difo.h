/*
 * dt_cg_difo.h: the DIFO builder used by code generation: an instruction
 * buffer with forward labels, interned integer/string/symbol tables, the
 * variable table, and the register allocator (DIF has 8 registers, %r0 is
 * zero; there is no spilling: running out is D_NOREG, as in DTrace).
 *
 * Errors (out of memory, out of registers, a table overflowing the 16-bit
 * operand fields) are fatal for the compilation: the builder fills *err and
 * longjmp()s to *jmp, which the caller set up with setjmp().
 */
#ifndef DT_CG_DIFO_H
#define DT_CG_DIFO_H

#include <setjmp.h>
#include <stdint.h>

#include "front/dt_compile.h"
#include "program/dt_program.h"

typedef struct dt_cg_difo {
	dif_instr_t *buf;
	uint32_t len, cap;
	uint64_t *inttab;
	uint32_t intlen, intcap;
	char *strtab;
	uint32_t strlen, strcap;
	char *symtab;
	uint32_t symlen, symcap;
	dif_var_desc_t *vartab;
	uint32_t varlen, varcap;
	uint32_t *labels; /* label -> instruction index (UINT32_MAX: unset) */
	uint32_t nlabels, labcap;
	uint32_t *fixups; /* branch instructions whose label is a label id */
	uint32_t nfixups, fixcap;
	uint32_t regs; /* bitmask of registers in use; bit 0 always set */
	int nregs;     /* registers the allocator may use (option iregs; by
			  default DIF_DIR_NREGS, the ISA's) */
	int line;      /* source line for error messages */
	jmp_buf *jmp;
	dt_compile_error_t *err;
} dt_cg_difo_t;

/* Prepares b (zeroed); errors go to err and longjmp to *jmp. */
void dt_cg_difo_init(dt_cg_difo_t *b, jmp_buf *jmp, dt_compile_error_t *err);
/* Releases what b holds (after an error, or when not finished). */
void dt_cg_difo_reset(dt_cg_difo_t *b);

/* Fails the compilation with a D_ tag and message (never returns). */
void dt_cg_fail(dt_cg_difo_t *b, const char *tag, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* Appends an instruction; returns its index. */
uint32_t dt_cg_emit(dt_cg_difo_t *b, dif_instr_t in);
/* A new label, not yet placed. */
uint32_t dt_cg_label(dt_cg_difo_t *b);
/* Places label at the next instruction. */
void dt_cg_label_set(dt_cg_difo_t *b, uint32_t label);
/* A branch (DIF_OP_BA..BLEU) to label (placed later: forward only). */
void dt_cg_branch(dt_cg_difo_t *b, unsigned op, uint32_t label);

/* Table indexes (interned: the same value gives the same index). */
uint32_t dt_cg_int(dt_cg_difo_t *b, uint64_t v);
uint32_t dt_cg_str(dt_cg_difo_t *b, const char *s);
uint32_t dt_cg_sym(dt_cg_difo_t *b, const char *s);

/* Records a reference (DIFV_F_REF) or modification (DIFV_F_MOD) of a user
 * variable in the variable table. */
void dt_cg_var(dt_cg_difo_t *b, const char *name, uint32_t id, uint8_t kind,
	       uint8_t scope, uint16_t flags, const dif_type_t *type);

/* Register allocation: lowest free of %r1..%r7, or D_NOREG. */
int dt_cg_reg_alloc(dt_cg_difo_t *b);
void dt_cg_reg_free(dt_cg_difo_t *b, int reg);
int dt_cg_regs_in_use(const dt_cg_difo_t *b);

/* Emits setx of v into reg (through the integer table, as DTrace does). */
void dt_cg_setx(dt_cg_difo_t *b, int reg, uint64_t v);

/*
 * Resolves labels and moves the tables into a new dt_difo_t with the given
 * return type (b is reset). rtype_name may be NULL.
 */
dt_difo_t *dt_cg_difo_finish(dt_cg_difo_t *b, const dif_type_t *rtype,
			     const char *rtype_name, uint32_t flags);

#endif /* DT_CG_DIFO_H */
