/*
 * dt_typing.h: type inference on DIF. For one DIFO: basic blocks and the
 * control-flow graph (a DAG: DIF branches only forward), the information-
 * flow graph (for each instruction, which instructions define the registers,
 * the variable and the tuple-stack entries it uses), and a type for every
 * instruction's result by per-opcode rules, with a bottom type for %r0/NULL.
 * Used by the linker before a program is accepted on a machine.
 */
#ifndef DT_TYPING_H
#define DT_TYPING_H

#include <stddef.h>
#include <stdint.h>

#include "program/dt_program.h"

struct btf;

/* ---- basic blocks and CFG */

typedef struct dt_bb {
	uint32_t start, end; /* instruction range [start, end] */
	uint32_t nsucc;
	uint32_t succ[2]; /* successor blocks (fall-through first) */
	uint32_t npred;
} dt_bb_t;

typedef struct dt_cfg {
	uint32_t nbbs;
	dt_bb_t *bbs;	/* in instruction order; bbs[0] is the entry */
	uint32_t *bbof; /* block of each instruction */
} dt_cfg_t;

/* Builds the CFG; fails (with why) on a branch that is not forward or that
 * leaves the DIFO, or an empty DIFO, or one whose last instruction is not
 * ret. */
int dt_cfg_build(const dt_difo_t *d, dt_cfg_t *cfg, char *why, size_t whylen);
void dt_cfg_free(dt_cfg_t *cfg);

/* ---- information-flow graph */

/* Pseudo definitions: the implicit %r0 node (bottom), and "no definition"
 * (the register is undefined on some path). */
#define DT_DEF_R0   0xfffffffeu
#define DT_DEF_NONE 0xffffffffu

typedef struct dt_defs {
	uint32_t n;
	uint32_t *v; /* sorted instruction indices (or DT_DEF_*) */
} dt_defs_t;

enum dt_tykind {
	DT_TY_NONE = 0, /* no value (cmp, branches, stores) */
	DT_TY_BOTTOM,	/* %r0 / NULL: converts to any type */
	DT_TY_INT,	/* an integer or an untyped address */
	DT_TY_STRING,	/* a D string */
	DT_TY_KTYPE,	/* a kernel type named by symbol sym ("type ..." or
			   "member ...": the type of the member) */
	DT_TY_SYMOFF	/* "uint64 | sym": the value of usetx sym */
};

typedef struct dt_ty {
	enum dt_tykind kind;
	uint32_t sym; /* KTYPE, SYMOFF: symbol index in the DIFO */
} dt_ty_t;

typedef struct dt_ifg_node {
	dt_defs_t r1, r2, rd; /* definitions of the registers read (rd: when
				 rd is read: stores, ret, copys, typecast) */
	dt_defs_t data;	      /* typecast: the data definitions behind it */
	dt_defs_t var;	      /* variable loads: reaching stores in the DIFO */
	uint32_t sdepth;      /* tuple stack depth before the instruction */
	uint32_t stack[8];    /* the pushes making up that stack */
	dt_ty_t type;	      /* the type of the value it defines */
	int reached;	      /* some path from the entry reaches it */
} dt_ifg_node_t;

typedef struct dt_ifg {
	const dt_difo_t *difo;
	dt_cfg_t cfg;
	uint32_t n;
	dt_ifg_node_t *nodes;
} dt_ifg_t;

/* Builds the CFG and IFG of d. */
int dt_ifg_build(const dt_difo_t *d, dt_ifg_t *g, char *why, size_t whylen);
void dt_ifg_free(dt_ifg_t *g);

/*
 * Infers the types of d's instructions (g from dt_ifg_build, filled in).
 * btf (may be NULL) resolves relocation symbols. where prefixes messages:
 * "<where>: instruction 4 (add %r1, %r2, %r3): %r1 is a string".
 */
int dt_typing_difo(dt_ifg_t *g, const struct btf *btf, const char *where,
		   char *why, size_t whylen);

/* Type-checks every DIFO of prog. 0, or -1 with the first error. */
int dt_typing_check(const dt_prog_t *prog, const struct btf *btf, char *why,
		    size_t whylen);

/* "int", "string", "bottom", "type char [16]", ... into buf. */
const char *dt_ty_name(const dt_difo_t *d, const dt_ty_t *t, char *buf,
		       size_t len);

#endif /* DT_TYPING_H */
