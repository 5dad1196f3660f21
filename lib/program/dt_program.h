/*
 * dt_program.h: the compiled D program in memory. The contract between the
 * compiler (which builds it), the ELF writer/reader (which serialise it), the
 * linker and type inference (which rewrite it) and the engine/consumer (which
 * run it and print its records).
 *
 * The model is DTrace's: a program is a list of statements (clauses); each
 * statement has one or more probe descriptions, an optional predicate DIFO,
 * and a list of actions; each action has a kind, operands computed by DIFOs,
 * and kind-specific constants. Aggregations, printf formats and options live
 * in program-wide tables that actions refer to by index.
 *
 * Everything is owned by the dt_prog_t and released by dt_prog_free().
 */
#ifndef DT_PROGRAM_H
#define DT_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "hypertrace/dif.h"

/* One DIF object: a predicate, or one operand of an action. */
typedef struct dt_difo {
	dif_instr_t *buf; /* instructions */
	uint32_t len;
	uint64_t *inttab; /* integer table (setx) */
	uint32_t intlen;
	char *strtab; /* string table: NUL-terminated strings at offsets */
	uint32_t strlen;
	dif_var_desc_t *vartab; /* variables this DIFO references */
	uint32_t varlen;
	char *symtab; /* relocation symbols (usetx/uload/typecast), like strtab */
	uint32_t symlen;
	dif_type_t rtype; /* return type */
	/*
	 * Printing hints for the consumer (not used by the engine): the C type
	 * name of the value as D names it ("int", "uint64_t", "char [16]",
	 * "struct foo", "string"), and DT_DIFO_* flags. May be NULL.
	 */
	char *rtype_name;
	uint32_t flags;
} dt_difo_t;

#define DT_DIFO_SIGNED 0x1  /* integer return type is signed */
#define DT_DIFO_CHARARR 0x2 /* char array: print as a string */
#define DT_DIFO_POINTER 0x4 /* pointer return type */
/* a printf argument printed with %A: the engine records the process with
 * the value (16 bytes: host pid or 0, the address), as for uaddr() */
#define DT_DIFO_UADDR 0x8

/*
 * A probe description. Empty strings match everything; the others are
 * globs. target is HyperTrace's optional leading field (guest name or
 * version glob; empty = every machine, the host included).
 */
typedef struct dt_probedesc {
	char *target;
	char *provider;
	char *module;
	char *function;
	char *name;
} dt_probedesc_t;

/* Action kinds: DTrace's DTRACEACT_* values. */
enum dt_actkind {
	DT_ACT_NONE = 0,
	DT_ACT_DIFEXPR = 1, /* trace(expr): record difo[0]'s value */
	DT_ACT_EXIT = 2,    /* exit(difo[0]) */
	DT_ACT_PRINTF = 3,  /* printf(fmt, difo[0..n-1]) */
	DT_ACT_PRINTA = 4,  /* printa([fmt,] @a, @b, ...): aggs in args[] */
	DT_ACT_LIBACT = 5,  /* consumer-side action; arg = DT_LIBACT_* */
	DT_ACT_TRACEMEM = 6, /* tracemem(difo[0] addr, arg size[, difo[1] dynsize]) */
	DT_ACT_PRINTM = 8,
	DT_ACT_PRINT = 9, /* print(difo[0]) with type in rtype_name */

	DT_ACT_USTACK = 0x101,  /* ustack(arg nframes, arg2 strsize) */
	DT_ACT_JSTACK = 0x102,
	DT_ACT_USYM = 0x103,
	DT_ACT_UMOD = 0x104,
	DT_ACT_UADDR = 0x105,

	DT_ACT_STOP = 0x201, /* destructive, proc */
	DT_ACT_RAISE = 0x202,
	DT_ACT_SYSTEM = 0x203, /* system(fmt, difo[0..n-1]) */
	DT_ACT_FREOPEN = 0x204,

	DT_ACT_STACK = 0x301, /* stack(arg nframes) */
	DT_ACT_SYM = 0x302,
	DT_ACT_MOD = 0x303,

	DT_ACT_BREAKPOINT = 0x401, /* destructive, kernel */
	DT_ACT_PANIC = 0x402,
	DT_ACT_CHILL = 0x403,

	DT_ACT_SPECULATE = 0x501, /* speculate(difo[0]) */
	DT_ACT_COMMIT = 0x502,
	DT_ACT_DISCARD = 0x503,

	/* aggregating action: arg = aggregation index in prog->aggs; difo[]
	 * holds the key tuple (nkeys DIFOs, as in the aggdesc) followed by the
	 * function's run-time operands: count(): none; sum/avg/min/max/stddev:
	 * value; quantize: value[, incr]; lquantize: value[, incr] (base,
	 * limit, step are constants in the aggdesc); llquantize: value[, incr]
	 * (factor, low, high, nsteps in the aggdesc). */
	DT_ACT_AGGREGATION = 0x700
};

/* Consumer-side actions (DT_ACT_LIBACT), DTrace's DT_ACT_* library values. */
enum dt_libact {
	DT_LIBACT_CLEAR = 1,       /* clear(@a): args[0] = agg index */
	DT_LIBACT_NORMALIZE = 2,   /* normalize(@a, difo[0]) */
	DT_LIBACT_DENORMALIZE = 3, /* denormalize(@a) */
	DT_LIBACT_TRUNC = 4,       /* trunc(@a[, difo[0]]) */
	DT_LIBACT_SETOPT = 5,      /* setopt(difo[0] name[, difo[1] value]) */
	DT_LIBACT_FTRUNCATE = 6,
	DT_LIBACT_PRINTA = 7
};

/* Aggregating functions (DTrace's DTRACEAGG_* minus DTRACEACT_AGGREGATION). */
enum dt_aggfunc {
	DT_AGG_COUNT = 1,
	DT_AGG_MIN = 2,
	DT_AGG_MAX = 3,
	DT_AGG_AVG = 4,
	DT_AGG_SUM = 5,
	DT_AGG_STDDEV = 6,
	DT_AGG_QUANTIZE = 7,
	DT_AGG_LQUANTIZE = 8,
	DT_AGG_LLQUANTIZE = 9
};

/* An aggregation variable (@name), program-wide. */
typedef struct dt_aggdesc {
	char *name;       /* without the '@'; "" for the anonymous @ */
	uint32_t func;    /* DT_AGG_* */
	uint32_t nkeys;   /* tuple arity */
	dif_type_t *keys; /* nkeys key types (strings by value, ints sized) */
	char **key_type_names; /* nkeys C type names for printing (may be NULL) */
	int64_t params[4]; /* lquantize: base, limit, step; llquantize:
			      factor, low, high, nsteps */
	uint32_t flags;    /* DT_AGGDESC_* */
} dt_aggdesc_t;

#define DT_AGGDESC_SIGNED 0x1 /* value expression is signed (min/max/sum) */

/* One action of a statement. */
typedef struct dt_action {
	uint32_t kind;      /* DT_ACT_*, or DT_ACT_AGGREGATION */
	uint32_t ndifo;
	dt_difo_t **difo;   /* operands, in source order; entries may be NULL */
	uint64_t arg;       /* kind-specific constant (see enum dt_actkind) */
	uint64_t arg2;
	uint32_t fmt;       /* index in prog->fmts, or DT_NOFMT */
	uint32_t nargs;     /* printa: aggregation indexes; clear etc.: one */
	uint64_t *args;
} dt_action_t;

#define DT_NOFMT UINT32_MAX

/* A statement (one clause for one or more probe descriptions). */
typedef struct dt_stmt {
	uint32_t ndesc;
	dt_probedesc_t *descs;
	dt_difo_t *pred;    /* NULL: always true */
	uint32_t nacts;
	dt_action_t *acts;  /* nacts == 0: the default action (trace probe) */
	uint32_t line;      /* source line of the clause, for messages */
	uint32_t src;       /* which program text (-s/-n...) it came from;
			       not kept in the ELF file */
} dt_stmt_t;

/* A format string: printf/printa/system/freopen. The engine and consumer
 * parse it (conversions, widths, flags) at program load. */
typedef struct dt_fmt {
	uint32_t kind; /* DT_ACT_PRINTF, DT_ACT_PRINTA, DT_ACT_SYSTEM, ... */
	char *str;
} dt_fmt_t;

/* A program-wide variable (global, thread-local, clause-local): id as in
 * the DIFOs, name, scope, kind, type. */
typedef struct dt_vardesc {
	char *name;
	dif_var_desc_t v; /* v.name is unused here (0) */
	char *type_name;
	uint32_t nkeys;   /* associative arrays: key arity (0 for scalars) */
} dt_vardesc_t;

/* An option set by #pragma D option or -x at compile time. */
typedef struct dt_option {
	char *name;
	char *value; /* NULL for options without a value */
} dt_option_t;

typedef struct dt_prog {
	uint32_t nstmts;
	dt_stmt_t *stmts;
	uint32_t naggs;
	dt_aggdesc_t *aggs;
	uint32_t nfmts;
	dt_fmt_t *fmts;
	uint32_t nvars;
	dt_vardesc_t *vars;
	uint32_t nopts;
	dt_option_t *opts;
	uint8_t ident[16];    /* random program identifier */
	uint8_t srcident[16]; /* the program this one was linked from */
	char *link_error;     /* set when a link failed; travels in the ELF */
} dt_prog_t;

/* Construction helpers. All return NULL/-1 on allocation failure. Strings
 * are copied. Arrays grow; the returned pointer is valid until the next
 * call that adds to the same array. */
dt_prog_t *dt_prog_new(void);
void dt_prog_free(dt_prog_t *prog);
dt_difo_t *dt_difo_new(void);
void dt_difo_free(dt_difo_t *difo);
dt_difo_t *dt_difo_dup(const dt_difo_t *difo);

dt_stmt_t *dt_prog_add_stmt(dt_prog_t *prog);
int dt_stmt_add_desc(dt_stmt_t *stmt, const char *target, const char *prov,
		     const char *mod, const char *func, const char *name);
dt_action_t *dt_stmt_add_action(dt_stmt_t *stmt, uint32_t kind);
int dt_action_add_difo(dt_action_t *act, dt_difo_t *difo); /* takes difo */
int dt_action_add_arg(dt_action_t *act, uint64_t arg);
int dt_prog_add_fmt(dt_prog_t *prog, uint32_t kind, const char *str);
int dt_prog_add_agg(dt_prog_t *prog, const char *name, uint32_t func);
int dt_prog_add_var(dt_prog_t *prog, const char *name,
		    const dif_var_desc_t *v, const char *type_name,
		    uint32_t nkeys);
int dt_prog_add_opt(dt_prog_t *prog, const char *name, const char *value);
/* Index of an aggregation / variable by name, or -1. */
int dt_prog_find_agg(const dt_prog_t *prog, const char *name);

/* Compare two programs for equality of content (used by round-trip tests
 * and by the host check). Returns 0 when equal, else -1 and, if why is not
 * NULL, a short description of the first difference. */
int dt_prog_equal(const dt_prog_t *a, const dt_prog_t *b, char *why,
		  size_t whylen);

/*
 * Aggregation keys that are not plain values are marked by their type name
 * (key_type_names[k], kept in the ELF file): "stack", "ustack", "jstack"
 * are the firing's call stack (the key's bytes are the stack record, its
 * DIFO is not used); "sym", "mod", "usym", "umod", "uaddr" are addresses
 * printed as symbols, 16 bytes: whose address (kernel kinds: the guest
 * number, 0 for the host; user kinds: the host pid, 0 when not a host
 * process), then the address. Returns the DT_ACT_* kind of key k, or 0
 * for a plain value.
 */
uint32_t dt_prog_keykind(const dt_aggdesc_t *a, uint32_t k);
const char *dt_prog_keykind_name(uint32_t kind); /* NULL: not a marker */

/* Frames a stack()/ustack() records at most, whatever the program says. */
#define DT_MAXFRAMES 1024
/* Bytes of a stack record of nframes frames (ustack/jstack: pid first). */
static inline uint32_t dt_stack_recsize(uint32_t kind, uint64_t nframes)
{
	if (nframes > DT_MAXFRAMES)
		nframes = DT_MAXFRAMES;
	return (uint32_t)(8 * (nframes + (kind != DT_ACT_STACK)));
}

/* Whether any clause calls subroutine subr (a DIF_SUBR_* value). */
int dt_prog_calls(const dt_prog_t *prog, uint32_t subr);

/* The call stack frames a program's firings need (kernel and user): what
 * its stack()/ustack() actions and keys record, and a few frames when it
 * reads stackdepth, caller and their user twins. */
void dt_prog_stack_frames(const dt_prog_t *prog, uint32_t *kframes,
			  uint32_t *uframes);

#endif /* DT_PROGRAM_H */
