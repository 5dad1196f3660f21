/*
 * dt_ast.h: the typed abstract syntax tree the D front end produces
 * (dt_front_parse_check() in front/dt_front.h) and code generation consumes.
 *
 * Owner: front end. Code generation reads it; it never needs to modify it.
 *
 * After a successful dt_front_parse_check() every expression node is
 * "cooked": it has its resolved type (node->type) and DT_NF_* flags, every
 * identifier is resolved to what it names (builtin variable with its DIF id,
 * user variable with its id, aggregation, kernel symbol), every call to the
 * subroutine id or action kind it names, and these are lowered so code
 * generation never sees them:
 *   - enum constants, sizeof, offsetof and integer constant expressions
 *     (folded to DT_N_INT, with their C type);
 *   - inline references (replaced by a copy of the inline's checked
 *     expression, wrapped in an implicit DT_N_CAST to the declared type when
 *     it differs);
 *   - xlate<T>(e).m and xlate<T *>(e)->m (replaced by the translator
 *     member's expression with the translator's input bound to a copy of e);
 *   - macro variables ($1, $$1, $pid, ...): DT_N_INT or DT_N_STRING;
 *   - string concatenation of adjacent literals.
 * Implicit conversions are NOT inserted as nodes (except for inlines): code
 * generation converts on assignment/store from node->type to the target's
 * type (sign/zero extension of narrow integers, bit-field masking).
 *
 * Memory: every node, string and table belongs to the dt_front_prog_t
 * (front/dt_front.h) and is freed with it.
 *
 * Change log (additive changes only; re-read after each):
 *   v1  first version.
 *   v2  (semantics only, no layout change) D forms the checker accepts
 *       that code generation must handle:
 *       - DT_N_INDEX whose left operand is a D string: the char at that
 *         offset (type char; lvalue and writable, e.g. this->s[0] = 'D');
 *       - DT_OP_ADD / DT_OP_SUB of a string and an integer: type string,
 *         the string's address moved by the integer (Linux DTrace);
 *       - comparisons (DT_OP_EQ ... DT_OP_GE) of a string with a void *
 *         (NULL) or the constant 0: compare addresses, not contents;
 *       - DT_OP_ASSIGN of the constant 0 to a DT_N_VAR of struct/union
 *         type: deletes the dynamic variable (assoc array element);
 *       - DT_N_INT nodes may have an enum type (dt_type_is_integer());
 *       - the D library's constants (NULL, DTRACEFLT_*, E*, SIG*, R_*
 *         for uregs[]) arrive as DT_N_INT, or NULL as a DT_N_CAST of 0 to
 *         void *.
 *       - dt_var.type of a variable first assigned a string literal is
 *         the D string type; of one first written by ++/op= it is int.
 *   v3  (07:20) DT_N_XLATE.xmembers/nxmembers are always left empty
 *       (nxmembers 0): generate a whole translated struct from
 *       xlator->mexprs/mnames with xlator->argvar bound to the input
 *       (left), evaluated once. Inline arrays
 *       (inline int f[int a] = ...) are expanded at each use like other
 *       inlines.
 *   v4  (07:25) names declared extern (extern int max_threads;) are
 *       DT_N_KSYM nodes with the declared type. New built-in: curcpu
 *       (DIF_VAR_CURCPU, type cpuinfo_t *: struct cpuinfo { processorid_t
 *       cpu_id; psetid_t cpu_pset; chipid_t cpu_chip; lgrp_id_t cpu_lgrp;
 *       void *cpu_info; }, as Linux DTrace's D library defines it); the
 *       D library's inlines chip, lgrp, pset are curcpu->cpu_* members.
 *   v5  (07:55) DTrace's typing, semantics only: a variable first
 *       written by ++/-- is int64_t; binary arithmetic results use
 *       DTrace's ranking (no promotion to int: char + char is char, see
 *       dt_type_arith_conv), unary -, +, ~ keep the operand's type;
 *       folded DT_N_INT values are full 64-bit results not truncated to
 *       their type ((1 << 63) - 1 is INT64_MAX of type int); character
 *       constants are int. dt_xlator.mlines and dt_clause.end_line added at
 *       the end.
 */
#ifndef DT_AST_H
#define DT_AST_H

#include <stdint.h>

#include "front/dt_compile.h" /* dt_probeinfo_t */
#include "program/dt_program.h"
#include "types/dt_type.h"

typedef struct dt_node dt_node_t;
typedef struct dt_var dt_var_t;
typedef struct dt_agg dt_agg_t;
typedef struct dt_xlator dt_xlator_t;

/* ---- node kinds ----------------------------------------------------------- */

enum dt_nkind {
	/* -- expressions -- */
	DT_N_INT = 1, /* integer constant: ival; type is int, long, unsigned
		         long long... as C types the literal (or folded expr) */
	DT_N_STRING,  /* string constant: sval (already unescaped; may hold
		         no NUL); type is D string */
	DT_N_BUILTIN, /* built-in variable: builtin = DIF_VAR_*; for the
		         arrays args[], regs[], uregs[]: index = key expr */
	DT_N_VAR,     /* user variable (global, self->, this->): var; for an
		         associative array, keys/nkeys = the key tuple */
	DT_N_AGG,     /* @name[keys]: agg, keys/nkeys. Appears as the left
		         side of DT_N_AGGSTMT, and as an argument of printa,
		         clear, trunc, normalize, denormalize, setopt... */
	DT_N_KSYM,    /* kernel symbol (`sym or extern): sval = name, type =
		         its type; lvalue; the value is the memory at the
		         symbol's address (codegen/link resolves the address) */
	DT_N_CALL,    /* function call: sval = name, callkind + subr/act/
		         libact/aggfunc, args/nargs */
	DT_N_OP1,     /* unary operator op on left */
	DT_N_OP2,     /* binary operator op: left op right (also assignments
		         and the comma operator) */
	DT_N_OP3,     /* cond ? left : right */
	DT_N_CAST,    /* (type) left; node->type is the target type */
	DT_N_INDEX,   /* left[right] where left is a C array or pointer (not
		         an associative array: those are DT_N_VAR with keys) */
	DT_N_MEMBER,  /* left.sval or left->sval (op = DT_OP_DOT/DT_OP_ARROW);
		         member = resolved member (offset, bit-field) */
	DT_N_XLATE,   /* xlate<type>(left) used as a whole value: xlator is the
		         translator; xmembers/nxmembers are the member
		         expressions in the output type's member order (NULL
		         where the translator does not define the member). */
	DT_N_SIZEOF,  /* only before checking (folded to DT_N_INT) */
	DT_N_OFFSETOF,/* only before checking (folded to DT_N_INT) */
	DT_N_IDENT,   /* only before checking: an unresolved name */
	DT_N_TYPE,    /* only before checking: a type name (sizeof(type),
		         casts, xlate<type>) */

	/* -- statements (lists linked by next) -- */
	DT_N_EXPRSTMT = 64, /* left: the expression; an action or subroutine
			       call, an assignment, or any expression */
	DT_N_AGGSTMT,       /* left: DT_N_AGG; right: DT_N_CALL with
			       callkind DT_CALL_AGGFUNC */
	DT_N_IF,            /* cond; then-list in left, else-list in right
			       (either may be NULL) */
	DT_N_EMPTY          /* ';' (kept for line numbers; codegen ignores) */
};

/* Operators (op field). */
enum dt_op {
	DT_OP_NONE = 0,
	/* unary (DT_N_OP1) */
	DT_OP_NEG,      /* -x */
	DT_OP_PLUS,     /* +x */
	DT_OP_LNOT,     /* !x */
	DT_OP_BNOT,     /* ~x */
	DT_OP_DEREF,    /* *x */
	DT_OP_ADDROF,   /* &x */
	DT_OP_PREINC,   /* ++x */
	DT_OP_PREDEC,   /* --x */
	DT_OP_POSTINC,  /* x++ */
	DT_OP_POSTDEC,  /* x-- */
	DT_OP_STRINGOF, /* stringof x: type string */
	/* binary (DT_N_OP2) */
	DT_OP_ADD, DT_OP_SUB, DT_OP_MUL, DT_OP_DIV, DT_OP_MOD,
	DT_OP_SHL, DT_OP_SHR,
	DT_OP_LT, DT_OP_LE, DT_OP_GT, DT_OP_GE, DT_OP_EQ, DT_OP_NE,
	DT_OP_BAND, DT_OP_BXOR, DT_OP_BOR,
	DT_OP_LAND, DT_OP_LXOR, DT_OP_LOR, /* &&  ^^  || */
	DT_OP_ASSIGN,   /* = */
	DT_OP_ADD_ASSIGN, DT_OP_SUB_ASSIGN, DT_OP_MUL_ASSIGN,
	DT_OP_DIV_ASSIGN, DT_OP_MOD_ASSIGN, DT_OP_SHL_ASSIGN,
	DT_OP_SHR_ASSIGN, DT_OP_AND_ASSIGN, DT_OP_XOR_ASSIGN,
	DT_OP_OR_ASSIGN,
	DT_OP_COMMA,
	/* member access (DT_N_MEMBER) */
	DT_OP_DOT, DT_OP_ARROW
};

/* Node flags (flags field), set by checking. They mirror DTrace's DT_NF_*. */
#define DT_NF_SIGNED 0x0001   /* value is a signed integer */
#define DT_NF_COOKED 0x0002   /* node has been checked */
#define DT_NF_REF 0x0004      /* by reference: the value is an address
				 (struct, union, array, string) */
#define DT_NF_LVALUE 0x0008   /* may be the target of & or assignment */
#define DT_NF_WRITABLE 0x0010 /* may be assigned (D variables; not kernel
				 memory or builtins) */
#define DT_NF_BITFIELD 0x0020 /* a bit-field member (see member) */
#define DT_NF_USERLAND 0x0040 /* address is a user-space address (loads
				 use the uld* / copyin family) */
#define DT_NF_CONST 0x0080    /* integer constant expression */
#define DT_NF_DPTR 0x0100     /* pointer to D scratch memory (alloca,
				 copyin): loads need no safety check */

/* What a DT_N_CALL names. */
enum dt_callkind {
	DT_CALL_NONE = 0,
	DT_CALL_SUBR,    /* subroutine: subr = DIF_SUBR_*; has a value */
	DT_CALL_ACTION,  /* action statement: act = DT_ACT_* (for DT_ACT_LIBACT
			    also libact = DT_LIBACT_*); no value */
	DT_CALL_AGGFUNC  /* aggregating function: aggfunc = DT_AGG_* */
};

/* ---- the node ------------------------------------------------------------- */

/*
 * One node. Fields used per kind are listed with the kinds above; the rest
 * are zero. Lists (arguments, keys, statements) are singly linked by next,
 * with the count beside the head pointer.
 */
struct dt_node {
	enum dt_nkind kind;
	int line;         /* source line (after #line), >= 1 */
	uint32_t flags;   /* DT_NF_* */
	dt_type_t *type;  /* resolved type (NULL for statements) */
	dt_node_t *next;  /* next in the list this node is in */

	enum dt_op op;    /* OP1, OP2, MEMBER */
	dt_node_t *left;  /* operand / left operand / statement expression */
	dt_node_t *right; /* right operand / else-list */
	dt_node_t *cond;  /* OP3 condition, IF condition */

	int64_t ival;     /* INT: the value (as 64-bit two's complement bits;
			     use (uint64_t) for unsigned types) */
	char *sval;       /* STRING text; CALL/KSYM/IDENT/MEMBER name;
			     VAR/AGG/BUILTIN name (for messages) */
	uint32_t slen;    /* STRING: length of sval (without NUL) */

	dt_node_t *args;  /* CALL arguments */
	uint32_t nargs;
	dt_node_t *keys;  /* VAR (assoc) / AGG keys; BUILTIN array: index */
	uint32_t nkeys;

	/* resolution */
	uint32_t builtin;       /* BUILTIN: DIF_VAR_* */
	dt_var_t *var;          /* VAR */
	dt_agg_t *agg;          /* AGG */
	enum dt_callkind callkind; /* CALL */
	uint32_t subr;          /* CALL subroutine: DIF_SUBR_* */
	uint32_t act;           /* CALL action: DT_ACT_* */
	uint32_t libact;        /* CALL action DT_ACT_LIBACT: DT_LIBACT_* */
	uint32_t aggfunc;       /* CALL aggregating function: DT_AGG_* */
	dt_member_t member;     /* MEMBER: offset_bits/bitsize relative to
				   the struct left designates (for ->: the
				   pointed-to struct) */
	dt_xlator_t *xlator;    /* XLATE */
	dt_node_t **xmembers;   /* XLATE */
	uint32_t nxmembers;
	dt_type_t *ctype;       /* TYPE / SIZEOF(type) / OFFSETOF: the named
				   type before checking */
};

/* ---- program-wide objects ----------------------------------------------------- */

/* Variable scopes (DIFV_SCOPE_*) and kinds (DIFV_KIND_*) from dif.h. */
struct dt_var {
	char *name;        /* without self->/this-> */
	uint32_t id;       /* DIF variable id: globals, thread-locals and
			      clause-locals each number from
			      DIF_VAR_OTHER_UBASE in order of first appearance
			      (declarations first), as DTrace does;
			      associative arrays share the sequence of their
			      scope */
	uint8_t scope;     /* DIFV_SCOPE_GLOBAL / THREAD / LOCAL */
	uint8_t kind;      /* DIFV_KIND_SCALAR or DIFV_KIND_ARRAY (assoc) */
	uint16_t flags;    /* DIFV_F_REF (read somewhere), DIFV_F_MOD
			      (written somewhere) */
	dt_type_t *type;   /* value type */
	uint32_t nkeys;    /* ARRAY: key arity */
	dt_type_t **keytypes; /* ARRAY: key types */
	int declared;      /* 1 if declared explicitly (vs. by first use) */
	int line;          /* line of the declaration or first use */
};

/* An aggregation (@name). Its id is its index in dt_front_prog_t.aggs. */
struct dt_agg {
	char *name;       /* without '@'; "" for the anonymous @ */
	uint32_t id;
	uint32_t func;    /* DT_AGG_* (fixed by the first use) */
	uint32_t nkeys;
	dt_type_t **keytypes;
	/* per key, the stack()/ustack()/sym()-like call that made it (first
	 * use), or NULL for a plain value */
	dt_node_t **keycalls;
	int64_t params[4]; /* lquantize: base, limit, step; llquantize:
			      factor, low, high, nsteps */
	dt_type_t *valtype; /* type of the value operand (first use); NULL
			       for count() */
	int line;
};

/* A translator: translator T < I x > { m = expr; ... }; */
struct dt_xlator {
	dt_type_t *to;     /* output type T */
	dt_type_t *from;   /* input type I */
	char *argname;     /* x */
	uint32_t nmembers;
	char **mnames;     /* member names */
	dt_node_t **mexprs; /* checked member expressions, in which the input
			       appears as DT_N_VAR with var == argvar */
	dt_var_t *argvar;  /* pseudo-variable for the input (scope LOCAL,
			      id 0); never reaches code generation after
			      lowering */
	int line;
	int *mlines;       /* v5: per member, the line DTrace reports for
			      the member's own errors (the token after its
			      ';'); the expressions keep their own lines */
};

/* One clause (statement): descriptions, predicate, body. */
typedef struct dt_clause {
	uint32_t ndescs;
	dt_probedesc_t *descs;  /* macro-expanded descriptions (strings owned
				   by the front program) */
	int *desc_lines;
	dt_probeinfo_t info;    /* from the probe lookup callback for the first
				   description that matched (nargs, arg types);
				   zero if no callback */
	dt_node_t *pred;        /* checked predicate, or NULL */
	dt_node_t *stmts;       /* statement list (DT_N_EXPRSTMT, DT_N_AGGSTMT,
				   DT_N_IF, DT_N_EMPTY); NULL = empty body:
				   the default action */
	uint32_t nstmts;
	int line;               /* line of the first description */
	int has_body;           /* 0 when written without { } */
	uint32_t src;           /* index of the program text it came from */
	int end_line;           /* v5: line of the closing '}' (or of the
				   last token): where DTrace reports errors
				   about the clause as a whole */
} dt_clause_t;

#endif /* DT_AST_H */
