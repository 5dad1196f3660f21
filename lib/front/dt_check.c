/*
 * dt_check.c: semantic checking of D ("cooking", as DTrace calls it):
 * identifier resolution (built-in variables, user variables with ids,
 * aggregations, inlines, enumerators), types of every expression with C's
 * rules as D applies them, constant folding, function prototypes of the
 * subroutines and actions, and the per-action rules (printf formats,
 * aggregating functions, speculations), each error with DTrace's D_ tag.
 *
 * Owner: front end.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dt_size.h"
#include "front/dt_front_impl.h"

#define TT(pcb) ((pcb)->prog->types)
#define SUBSCRIPTED 0x80000000u

dt_node_t *dt_node_new(dt_pcb_t *pcb, enum dt_nkind k, int line)
{
	dt_node_t *n = dt_arena_alloc(&pcb->arena, sizeof(*n));
	n->kind = k;
	n->line = line;
	return n;
}

static dt_node_t *node_copy(dt_pcb_t *pcb, dt_node_t *n)
{
	if (!n)
		return NULL;
	dt_node_t *c = dt_node_new(pcb, n->kind, n->line);
	*c = *n;
	c->next = NULL;
	c->left = node_copy(pcb, n->left);
	c->right = node_copy(pcb, n->right);
	c->cond = node_copy(pcb, n->cond);
	dt_node_t **t = &c->args;
	for (dt_node_t *a = n->args; a; a = a->next) {
		*t = node_copy(pcb, a);
		t = &(*t)->next;
	}
	t = &c->keys;
	for (dt_node_t *a = n->keys; a; a = a->next) {
		*t = node_copy(pcb, a);
		t = &(*t)->next;
	}
	return c;
}

/* ---- built-in variables ---- */

typedef struct bvar {
	const char *name;
	uint32_t id;
	const char *type; /* D type name; NULL: special */
	int array;
} bvar_t;

static const bvar_t bvars[] = {
	{ "args", DIF_VAR_ARGS, NULL, 1 },
	{ "regs", DIF_VAR_REGS, "uint64_t", 1 },
	{ "uregs", DIF_VAR_UREGS, "uint64_t", 1 },
	{ "curthread", DIF_VAR_CURTHREAD, NULL, 0 },
	{ "timestamp", DIF_VAR_TIMESTAMP, "uint64_t", 0 },
	{ "vtimestamp", DIF_VAR_VTIMESTAMP, "uint64_t", 0 },
	{ "ipl", DIF_VAR_IPL, "uint_t", 0 },
	{ "epid", DIF_VAR_EPID, "uint_t", 0 },
	{ "id", DIF_VAR_ID, "uint_t", 0 },
	{ "arg0", DIF_VAR_ARG0 + 0, "int64_t", 0 },
	{ "arg1", DIF_VAR_ARG0 + 1, "int64_t", 0 },
	{ "arg2", DIF_VAR_ARG0 + 2, "int64_t", 0 },
	{ "arg3", DIF_VAR_ARG0 + 3, "int64_t", 0 },
	{ "arg4", DIF_VAR_ARG0 + 4, "int64_t", 0 },
	{ "arg5", DIF_VAR_ARG0 + 5, "int64_t", 0 },
	{ "arg6", DIF_VAR_ARG0 + 6, "int64_t", 0 },
	{ "arg7", DIF_VAR_ARG0 + 7, "int64_t", 0 },
	{ "arg8", DIF_VAR_ARG0 + 8, "int64_t", 0 },
	{ "arg9", DIF_VAR_ARG0 + 9, "int64_t", 0 },
	{ "stackdepth", DIF_VAR_STACKDEPTH, "uint32_t", 0 },
	{ "caller", DIF_VAR_CALLER, "uintptr_t", 0 },
	{ "probeprov", DIF_VAR_PROBEPROV, "string", 0 },
	{ "probemod", DIF_VAR_PROBEMOD, "string", 0 },
	{ "probefunc", DIF_VAR_PROBEFUNC, "string", 0 },
	{ "probename", DIF_VAR_PROBENAME, "string", 0 },
	{ "pid", DIF_VAR_PID, "pid_t", 0 },
	{ "tid", DIF_VAR_TID, "id_t", 0 },
	{ "execname", DIF_VAR_EXECNAME, "string", 0 },
	{ "zonename", DIF_VAR_ZONENAME, "string", 0 },
	{ "walltimestamp", DIF_VAR_WALLTIMESTAMP, "int64_t", 0 },
	{ "ustackdepth", DIF_VAR_USTACKDEPTH, "uint32_t", 0 },
	{ "ucaller", DIF_VAR_UCALLER, "uint64_t", 0 },
	{ "ppid", DIF_VAR_PPID, "pid_t", 0 },
	{ "uid", DIF_VAR_UID, "uid_t", 0 },
	{ "gid", DIF_VAR_GID, "gid_t", 0 },
	{ "errno", DIF_VAR_ERRNO, "int", 0 },
	{ "execargs", DIF_VAR_EXECARGS, "string", 0 },
	{ "cpu", DIF_VAR_CPU, "processorid_t", 0 },
	{ "curcpu", DIF_VAR_CURCPU, "cpuinfo_t *", 0 },
	{ "vmname", DIF_VAR_VMNAME, "string", 0 },
	{ "hostid", DIF_VAR_HOSTID, "uint64_t", 0 },
};

int dt_builtin_lookup(const char *name, uint32_t *id)
{
	for (size_t i = 0; i < sizeof(bvars) / sizeof(bvars[0]); i++)
		if (!strcmp(bvars[i].name, name)) {
			*id = (uint32_t)i;
			return 1;
		}
	return 0;
}

/* ---- functions: subroutines, actions, aggregating functions ---- */

enum { FK_SUBR, FK_ACT, FK_AGG };

/* Argument classes: a any value, i integer (or pointer), s string-like,
 * p pointer or integer, A aggregation, f format string. Upper-case
 * arguments after '|' are optional. */
typedef struct func {
	const char *name;
	int kind;
	uint32_t id;     /* subr id, action kind, or agg func */
	uint32_t libact; /* DT_LIBACT_* for DT_ACT_LIBACT */
	const char *ret; /* return type name (subroutines) */
	const char *args; /* e.g. "s|i": required then optional; "..." */
	int destructive;
} func_t;

static const func_t funcs[] = {
	/* subroutines */
	{ "rand", FK_SUBR, DIF_SUBR_RAND, 0, "int", "", 0 },
	{ "mutex_owned", FK_SUBR, DIF_SUBR_MUTEX_OWNED, 0, "int", "p", 0 },
	{ "mutex_owner", FK_SUBR, DIF_SUBR_MUTEX_OWNER, 0, "void *", "p", 0 },
	{ "mutex_type_adaptive", FK_SUBR, DIF_SUBR_MUTEX_TYPE_ADAPTIVE, 0,
	  "int", "p", 0 },
	{ "mutex_type_spin", FK_SUBR, DIF_SUBR_MUTEX_TYPE_SPIN, 0, "int", "p",
	  0 },
	{ "rw_read_held", FK_SUBR, DIF_SUBR_RW_READ_HELD, 0, "int", "p", 0 },
	{ "rw_write_held", FK_SUBR, DIF_SUBR_RW_WRITE_HELD, 0, "int", "p", 0 },
	{ "rw_iswriter", FK_SUBR, DIF_SUBR_RW_ISWRITER, 0, "int", "p", 0 },
	{ "copyin", FK_SUBR, DIF_SUBR_COPYIN, 0, "void *", "ii", 0 },
	{ "copyinstr", FK_SUBR, DIF_SUBR_COPYINSTR, 0, "string", "i|i", 0 },
	{ "speculation", FK_SUBR, DIF_SUBR_SPECULATION, 0, "int", "", 0 },
	{ "progenyof", FK_SUBR, DIF_SUBR_PROGENYOF, 0, "int", "i", 0 },
	{ "strlen", FK_SUBR, DIF_SUBR_STRLEN, 0, "size_t", "s", 0 },
	{ "copyout", FK_SUBR, DIF_SUBR_COPYOUT, 0, "void", "pii", 1 },
	{ "copyoutstr", FK_SUBR, DIF_SUBR_COPYOUTSTR, 0, "void", "sii", 1 },
	{ "alloca", FK_SUBR, DIF_SUBR_ALLOCA, 0, "void *", "i", 0 },
	{ "bcopy", FK_SUBR, DIF_SUBR_BCOPY, 0, "void", "ppi", 0 },
	{ "copyinto", FK_SUBR, DIF_SUBR_COPYINTO, 0, "void", "iip", 0 },
	{ "msgdsize", FK_SUBR, DIF_SUBR_MSGDSIZE, 0, "size_t", "p", 0 },
	{ "msgsize", FK_SUBR, DIF_SUBR_MSGSIZE, 0, "size_t", "p", 0 },
	{ "getmajor", FK_SUBR, DIF_SUBR_GETMAJOR, 0, "major_t", "i", 0 },
	{ "getminor", FK_SUBR, DIF_SUBR_GETMINOR, 0, "minor_t", "i", 0 },
	{ "ddi_pathname", FK_SUBR, DIF_SUBR_DDI_PATHNAME, 0, "string", "pi",
	  0 },
	{ "strjoin", FK_SUBR, DIF_SUBR_STRJOIN, 0, "string", "ss", 0 },
	{ "lltostr", FK_SUBR, DIF_SUBR_LLTOSTR, 0, "string", "i|i", 0 },
	{ "basename", FK_SUBR, DIF_SUBR_BASENAME, 0, "string", "s", 0 },
	{ "dirname", FK_SUBR, DIF_SUBR_DIRNAME, 0, "string", "s", 0 },
	{ "cleanpath", FK_SUBR, DIF_SUBR_CLEANPATH, 0, "string", "s", 0 },
	{ "strchr", FK_SUBR, DIF_SUBR_STRCHR, 0, "string", "si", 0 },
	{ "strrchr", FK_SUBR, DIF_SUBR_STRRCHR, 0, "string", "si", 0 },
	{ "strstr", FK_SUBR, DIF_SUBR_STRSTR, 0, "string", "ss", 0 },
	{ "strtok", FK_SUBR, DIF_SUBR_STRTOK, 0, "string", "ss", 0 },
	{ "substr", FK_SUBR, DIF_SUBR_SUBSTR, 0, "string", "si|i", 0 },
	{ "index", FK_SUBR, DIF_SUBR_INDEX, 0, "int", "ss|i", 0 },
	{ "rindex", FK_SUBR, DIF_SUBR_RINDEX, 0, "int", "ss|i", 0 },
	{ "htons", FK_SUBR, DIF_SUBR_HTONS, 0, "uint16_t", "i", 0 },
	{ "htonl", FK_SUBR, DIF_SUBR_HTONL, 0, "uint32_t", "i", 0 },
	{ "htonll", FK_SUBR, DIF_SUBR_HTONLL, 0, "uint64_t", "i", 0 },
	{ "ntohs", FK_SUBR, DIF_SUBR_NTOHS, 0, "uint16_t", "i", 0 },
	{ "ntohl", FK_SUBR, DIF_SUBR_NTOHL, 0, "uint32_t", "i", 0 },
	{ "ntohll", FK_SUBR, DIF_SUBR_NTOHLL, 0, "uint64_t", "i", 0 },
	{ "inet_ntop", FK_SUBR, DIF_SUBR_INET_NTOP, 0, "string", "ip", 0 },
	{ "link_ntop", FK_SUBR, DIF_SUBR_LINK_NTOP, 0, "string", "ip", 0 },
	{ "inet_ntoa", FK_SUBR, DIF_SUBR_INET_NTOA, 0, "string", "P", 0 },
	{ "inet_ntoa6", FK_SUBR, DIF_SUBR_INET_NTOA6, 0, "string", "6", 0 },
	{ "toupper", FK_SUBR, DIF_SUBR_TOUPPER, 0, "string", "s", 0 },
	{ "tolower", FK_SUBR, DIF_SUBR_TOLOWER, 0, "string", "s", 0 },
	{ "strtoll", FK_SUBR, DIF_SUBR_STRTOLL, 0, "int64_t", "s|i", 0 },
	{ "getf", FK_SUBR, DIF_SUBR_GETF, 0, "void *", "i", 0 },
	{ "json", FK_SUBR, DIF_SUBR_JSON, 0, "string", "ss", 0 },
	{ "memref", FK_SUBR, DIF_SUBR_MEMREF, 0, "uintptr_t *", "pi", 0 },
	/* actions */
	{ "trace", FK_ACT, DT_ACT_DIFEXPR, 0, NULL, "a", 0 },
	{ "tracemem", FK_ACT, DT_ACT_TRACEMEM, 0, NULL, "ai|i", 0 },
	{ "printf", FK_ACT, DT_ACT_PRINTF, 0, NULL, "f...", 0 },
	{ "printa", FK_ACT, DT_ACT_PRINTA, 0, NULL, "a...", 0 },
	{ "system", FK_ACT, DT_ACT_SYSTEM, 0, NULL, "f...", 1 },
	{ "freopen", FK_ACT, DT_ACT_FREOPEN, 0, NULL, "f...", 1 },
	{ "ftruncate", FK_ACT, DT_ACT_LIBACT, DT_LIBACT_FTRUNCATE, NULL, "",
	  0 },
	{ "exit", FK_ACT, DT_ACT_EXIT, 0, NULL, "i", 0 },
	{ "stack", FK_ACT, DT_ACT_STACK, 0, NULL, "|i", 0 },
	{ "ustack", FK_ACT, DT_ACT_USTACK, 0, NULL, "|ii", 0 },
	{ "jstack", FK_ACT, DT_ACT_JSTACK, 0, NULL, "|ii", 0 },
	{ "sym", FK_ACT, DT_ACT_SYM, 0, NULL, "i", 0 },
	{ "func", FK_ACT, DT_ACT_SYM, 0, NULL, "i", 0 },
	{ "mod", FK_ACT, DT_ACT_MOD, 0, NULL, "i", 0 },
	{ "usym", FK_ACT, DT_ACT_USYM, 0, NULL, "i", 0 },
	{ "ufunc", FK_ACT, DT_ACT_USYM, 0, NULL, "i", 0 },
	{ "umod", FK_ACT, DT_ACT_UMOD, 0, NULL, "i", 0 },
	{ "uaddr", FK_ACT, DT_ACT_UADDR, 0, NULL, "i", 0 },
	{ "stop", FK_ACT, DT_ACT_STOP, 0, NULL, "", 1 },
	{ "raise", FK_ACT, DT_ACT_RAISE, 0, NULL, "i", 1 },
	{ "breakpoint", FK_ACT, DT_ACT_BREAKPOINT, 0, NULL, "", 1 },
	{ "panic", FK_ACT, DT_ACT_PANIC, 0, NULL, "", 1 },
	{ "chill", FK_ACT, DT_ACT_CHILL, 0, NULL, "i", 1 },
	{ "speculate", FK_ACT, DT_ACT_SPECULATE, 0, NULL, "i", 0 },
	{ "commit", FK_ACT, DT_ACT_COMMIT, 0, NULL, "i", 0 },
	{ "discard", FK_ACT, DT_ACT_DISCARD, 0, NULL, "i", 0 },
	{ "clear", FK_ACT, DT_ACT_LIBACT, DT_LIBACT_CLEAR, NULL, "A", 0 },
	{ "normalize", FK_ACT, DT_ACT_LIBACT, DT_LIBACT_NORMALIZE, NULL, "Ai",
	  0 },
	{ "denormalize", FK_ACT, DT_ACT_LIBACT, DT_LIBACT_DENORMALIZE, NULL,
	  "A", 0 },
	{ "trunc", FK_ACT, DT_ACT_LIBACT, DT_LIBACT_TRUNC, NULL, "A|i", 0 },
	{ "setopt", FK_ACT, DT_ACT_LIBACT, DT_LIBACT_SETOPT, NULL, "s|s", 0 },
	{ "print", FK_ACT, DT_ACT_PRINT, 0, NULL, "a", 0 },
	{ "printm", FK_ACT, DT_ACT_PRINTM, 0, NULL, "ip", 0 },
	{ "pcap", FK_ACT, DT_ACT_NONE, 0, NULL, "pi", 0 },
	/* aggregating functions */
	{ "count", FK_AGG, DT_AGG_COUNT, 0, NULL, "", 0 },
	{ "sum", FK_AGG, DT_AGG_SUM, 0, NULL, "a", 0 },
	{ "avg", FK_AGG, DT_AGG_AVG, 0, NULL, "a", 0 },
	{ "min", FK_AGG, DT_AGG_MIN, 0, NULL, "a", 0 },
	{ "max", FK_AGG, DT_AGG_MAX, 0, NULL, "a", 0 },
	{ "stddev", FK_AGG, DT_AGG_STDDEV, 0, NULL, "a", 0 },
	{ "quantize", FK_AGG, DT_AGG_QUANTIZE, 0, NULL, "a|i", 0 },
	{ "lquantize", FK_AGG, DT_AGG_LQUANTIZE, 0, NULL, "aii|ii", 0 },
	{ "llquantize", FK_AGG, DT_AGG_LLQUANTIZE, 0, NULL, "aiiii|i", 0 },
};

int dt_func_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (!strcmp(funcs[i].name, name))
			return (int)i;
	return -1;
}

/* ---- variables, inlines ---- */

static dt_var_t ***var_tab(dt_pcb_t *pcb, int scope, uint32_t **np)
{
	dt_front_prog_t *P = pcb->prog;
	if (scope == DIFV_SCOPE_THREAD) {
		*np = &P->ntls;
		return &P->tls;
	}
	if (scope == DIFV_SCOPE_LOCAL) {
		*np = &P->nlocals;
		return &P->locals;
	}
	*np = &P->nglobals;
	return &P->globals;
}

dt_var_t *dt_var_lookup(dt_pcb_t *pcb, int scope, const char *name)
{
	uint32_t *np;
	dt_var_t ***tab = var_tab(pcb, scope, &np);
	for (uint32_t i = 0; i < *np; i++)
		if (!strcmp((*tab)[i]->name, name))
			return (*tab)[i];
	return NULL;
}

dt_var_t *dt_var_declare(dt_pcb_t *pcb, int scope, const char *name,
			 dt_type_t *type, int line)
{
	uint32_t *np;
	dt_var_t ***tab = var_tab(pcb, scope, &np);
	dt_var_t *v = dt_arena_alloc(&pcb->arena, sizeof(*v));
	v->name = dt_arena_strdup(&pcb->arena, name);
	v->scope = (uint8_t)scope;
	v->kind = DIFV_KIND_SCALAR;
	v->type = type;
	v->line = line;
	v->id = DIF_VAR_OTHER_UBASE + *np;
	dt_var_t **n = realloc(*tab, (*np + 1) * sizeof(*n));
	if (!n)
		abort();
	*tab = n;
	n[(*np)++] = v;
	return v;
}

dt_inline_t *dt_inline_lookup(dt_pcb_t *pcb, const char *name)
{
	for (uint32_t i = 0; i < pcb->ninlines; i++)
		if (!strcmp(pcb->inlines[i]->name, name))
			return pcb->inlines[i];
	return NULL;
}

static dt_agg_t *agg_lookup(dt_pcb_t *pcb, const char *name)
{
	dt_front_prog_t *P = pcb->prog;
	for (uint32_t i = 0; i < P->naggs; i++)
		if (!strcmp(P->aggs[i]->name, name))
			return P->aggs[i];
	return NULL;
}

static dt_agg_t *agg_new(dt_pcb_t *pcb, const char *name, int line)
{
	dt_front_prog_t *P = pcb->prog;
	dt_agg_t *a = dt_arena_alloc(&pcb->arena, sizeof(*a));
	a->name = dt_arena_strdup(&pcb->arena, name);
	a->id = P->naggs;
	a->line = line;
	dt_agg_t **n = realloc(P->aggs, (P->naggs + 1) * sizeof(*n));
	if (!n)
		abort();
	P->aggs = n;
	n[P->naggs++] = a;
	return a;
}

/* ---- type helpers ---- */

static dt_type_t *tname(dt_pcb_t *pcb, const char *n)
{
	dt_type_t *t = dt_type_lookup(TT(pcb), n);
	return t ? t : dt_type_int64(TT(pcb));
}

static void set_type(dt_node_t *n, dt_type_t *t)
{
	n->type = t;
	n->flags |= DT_NF_COOKED;
	n->flags &= ~(DT_NF_SIGNED | DT_NF_REF);
	if (dt_type_is_signed(t))
		n->flags |= DT_NF_SIGNED;
	if (dt_type_is_byref(t))
		n->flags |= DT_NF_REF;
	dt_type_t *b = dt_type_base(t);
	if (b->kind == DT_TK_PTR && (t->flags & DT_TF_USERLAND))
		n->flags |= DT_NF_USERLAND;
}

static int is_void(dt_node_t *n) { return !n->type || dt_type_is_void(n->type); }
static int is_int(dt_node_t *n) { return n->type && dt_type_is_integer(n->type); }
static int is_arith(dt_node_t *n) { return n->type && dt_type_is_arith(n->type); }
static int is_ptr(dt_node_t *n) { return n->type && dt_type_is_pointer(n->type); }
static int is_string(dt_node_t *n) { return n->type && dt_type_is_string(n->type); }
static int is_strlike(dt_node_t *n)
{
	if (is_string(n))
		return 1;
	dt_type_t *b = n->type ? dt_type_base(n->type) : NULL;
	return b && (b->kind == DT_TK_PTR || b->kind == DT_TK_ARRAY) &&
	       dt_type_is_char(b->ref);
}
static int is_scalar(dt_node_t *n)
{
	return n->type && (dt_type_is_scalar(n->type) ||
			   dt_type_kind(n->type) == DT_TK_ARRAY);
}
static int is_const(dt_node_t *n) { return n->kind == DT_N_INT; }
static int is_agg(dt_node_t *n) { return n->kind == DT_N_AGG; }

static int is_vfptr(dt_node_t *n)
{
	if (!is_ptr(n))
		return 0;
	dt_type_t *r = dt_type_base(dt_type_base(n->type)->ref);
	return r->kind == DT_TK_VOID || r->kind == DT_TK_FUNC;
}

static char *tstr(dt_node_t *n, char *buf, size_t len)
{
	if (!n->type)
		return strcpy(buf, "void");
	return dt_type_name(n->type, buf, len);
}

/* Truncates/extends v to the type's width. */
static int64_t fit(dt_type_t *t, int64_t v)
{
	uint64_t sz = dt_type_size(t);
	if (sz >= 8 || sz == 0)
		return v;
	int sh = (int)(64 - sz * 8);
	if (dt_type_is_signed(t))
		return (int64_t)((uint64_t)v << sh) >> sh;
	return (int64_t)(((uint64_t)v << sh) >> sh);
}

static dt_node_t *mkint(dt_pcb_t *pcb, int line, int64_t v, dt_type_t *t)
{
	dt_node_t *n = dt_node_new(pcb, DT_N_INT, line);
	n->ival = fit(t, v);
	set_type(n, t);
	n->flags |= DT_NF_CONST;
	return n;
}

/* ---- cooking ---- */

typedef struct cctx {
	int lvalue;          /* being assigned */
	dt_node_t *rhs;      /* the value assigned (for type inference) */
	int compound;        /* compound assignment or ++/-- */
	int stmt_top;        /* the expression of a statement */
	int keyctx;          /* in a printa/clear argument list (aggs ok) */
} cctx_t;

static dt_node_t *cook(dt_pcb_t *pcb, dt_node_t *n, cctx_t *cx);

static dt_node_t *cookr(dt_pcb_t *pcb, dt_node_t *n)
{
	cctx_t cx;
	memset(&cx, 0, sizeof(cx));
	return cook(pcb, n, &cx);
}

static void cook_list(dt_pcb_t *pcb, dt_node_t **head)
{
	for (dt_node_t **p = head; *p;) {
		dt_node_t *nx = (*p)->next;
		dt_node_t *c = cookr(pcb, *p);
		c->next = nx;
		*p = c;
		p = &c->next;
	}
}

static int key_compat(dt_type_t *want, dt_node_t *k)
{
	if (!k->type)
		return 0;
	if (dt_type_is_string(want))
		return is_strlike(k);
	if (dt_type_is_integer(want))
		return is_int(k) || is_ptr(k);
	if (dt_type_is_pointer(want))
		return is_ptr(k) || is_int(k);
	return dt_type_assign_compat(want, k->type, is_const(k) && !k->ival);
}

static void check_keys(dt_pcb_t *pcb, dt_node_t *n)
{
	for (dt_node_t *k = n->keys; k; k = k->next) {
		if (is_void(k) && k->kind != DT_N_AGG)
			dt_error(pcb, k->line, "D_KEY_TYPE",
				 "%s[ ] key #%d is of a type that cannot be "
				 "used as a key",
				 n->sval, 1);
		if (k->kind == DT_N_AGG)
			dt_error(pcb, k->line, "D_KEY_TYPE",
				 "%s[ ] key is an aggregation", n->sval);
	}
}

static dt_type_t *key_type(dt_pcb_t *pcb, dt_node_t *k)
{
	if (is_strlike(k))
		return dt_type_string(TT(pcb));
	return k->type;
}

static dt_node_t *cook_varref(dt_pcb_t *pcb, dt_node_t *n, cctx_t *cx,
			      int scope)
{
	const char *name = n->sval;
	dt_var_t *v = dt_var_lookup(pcb, scope, name);
	int subscripted = (n->flags & SUBSCRIPTED) != 0;
	n->flags &= ~SUBSCRIPTED;
	if (n->keys)
		cook_list(pcb, &n->keys);
	if (n->keys)
		check_keys(pcb, n);
	if (v && v->kind == DIFV_KIND_SCALAR && subscripted) {
		/* a C array or pointer variable indexed */
		dt_node_t *base = dt_node_new(pcb, DT_N_VAR, n->line);
		base->sval = n->sval;
		base->var = v;
		set_type(base, v->type);
		base->flags |= DT_NF_LVALUE | DT_NF_WRITABLE;
		dt_node_t *x = dt_node_new(pcb, DT_N_INDEX, n->line);
		x->left = base;
		x->right = n->keys;
		if (n->nkeys != 1)
			dt_error(pcb, n->line, "D_PROTO_LEN",
				 "%s[ ] prototype mismatch: %u args passed, "
				 "1 expected",
				 name, n->nkeys);
		return cook(pcb, x, cx);
	}
	if (!v) {
		if (!cx->lvalue) {
			if (scope == DIFV_SCOPE_GLOBAL)
				dt_error(pcb, n->line, "D_IDENT_UNDEF",
					 "failed to resolve %s: Unknown "
					 "variable name",
					 name);
			dt_error(pcb, n->line, "D_IDENT_UNDEF",
				 "%s%s has not yet been declared or "
				 "assigned",
				 scope == DIFV_SCOPE_THREAD ? "self->"
							    : "this->",
				 name);
		}
		if (cx->compound && cx->rhs && is_void(cx->rhs))
			dt_error(pcb, n->line, "D_VAR_UNDEF",
				 "%s%s has not yet been declared or assigned",
				 scope == DIFV_SCOPE_THREAD   ? "self->"
				 : scope == DIFV_SCOPE_LOCAL ? "this->"
							      : "",
				 name);
		/* a variable first written by ++/-- is int64_t, as in
		 * DTrace (it has no rhs to take a type from) */
		dt_type_t *t = cx->rhs && cx->rhs->type ? cx->rhs->type
			       : cx->compound ? tname(pcb, "int64_t")
					      : dt_type_int32(TT(pcb));
		if (cx->rhs && cx->rhs->kind == DT_N_INT &&
		    dt_type_kind(t) == DT_TK_ENUM)
			t = dt_type_int32(TT(pcb));
		if (cx->rhs && is_strlike(cx->rhs) &&
		    (cx->rhs->kind == DT_N_STRING || is_string(cx->rhs)))
			t = dt_type_string(TT(pcb));
		if (cx->rhs && is_void(cx->rhs))
			dt_error(pcb, cx->rhs->line, "D_OP_VOID",
				 "operator = requires an operand of non-void "
				 "type");
		v = dt_var_declare(pcb, scope, name, t, n->line);
		if (n->keys) {
			if (scope == DIFV_SCOPE_LOCAL)
				dt_error(pcb, n->line, "D_DECL_LOCASSC",
					 "associative arrays may not be "
					 "declared as local variables: %s",
					 name);
			v->kind = DIFV_KIND_ARRAY;
			v->nkeys = n->nkeys;
			v->keytypes = dt_arena_alloc(
				&pcb->arena, n->nkeys * sizeof(dt_type_t *));
			uint32_t i = 0;
			for (dt_node_t *k = n->keys; k; k = k->next)
				v->keytypes[i++] = key_type(pcb, k);
		}
	} else if (v->kind == DIFV_KIND_ARRAY) {
		if (!n->keys)
			dt_error(pcb, n->line, "D_PROTO_LEN",
				 "%s[ ] prototype mismatch: 0 args passed, "
				 "%u expected",
				 name, v->nkeys);
		if (n->nkeys != v->nkeys)
			dt_error(pcb, n->line, "D_PROTO_LEN",
				 "%s[ ] prototype mismatch: %u key%s passed, "
				 "%u expected",
				 name, n->nkeys, n->nkeys == 1 ? "" : "s",
				 v->nkeys);
		uint32_t i = 0;
		for (dt_node_t *k = n->keys; k; k = k->next, i++)
			if (!key_compat(v->keytypes[i], k)) {
				char a[128], b[128];
				dt_error(pcb, n->line, "D_PROTO_ARG",
					 "%s[ ] key #%u is incompatible "
					 "with prototype:\n\tprototype: %s\n\t"
					 "      key: %s",
					 name, i + 1,
					 dt_type_name(v->keytypes[i], a,
						      sizeof(a)),
					 tstr(k, b, sizeof(b)));
			}
	} else if (n->keys) {
		dt_error(pcb, n->line, "D_IDENT_BADREF",
			 "%s is not an array", name);
	}
	n->kind = DT_N_VAR;
	n->var = v;
	n->ival = 0;
	set_type(n, v->type);
	n->flags |= DT_NF_LVALUE | DT_NF_WRITABLE;
	if (cx->lvalue)
		v->flags |= DIFV_F_MOD;
	else
		v->flags |= DIFV_F_REF;
	return n;
}

static dt_node_t *cook_builtin(dt_pcb_t *pcb, dt_node_t *n, uint32_t bi)
{
	const bvar_t *b = &bvars[bi];
	n->kind = DT_N_BUILTIN;
	n->builtin = b->id;
	int subscripted = (n->flags & SUBSCRIPTED) != 0;
	n->flags &= ~SUBSCRIPTED;
	if (b->array) {
		if (!subscripted)
			dt_error(pcb, n->line, "D_IDENT_BADREF",
				 "%s must be subscripted", b->name);
		cook_list(pcb, &n->keys);
		if (n->nkeys != 1)
			dt_error(pcb, n->line, "D_PROTO_LEN",
				 "%s[ ] prototype mismatch: %u args passed, "
				 "1 expected",
				 b->name, n->nkeys);
		if (!is_int(n->keys))
			dt_error(pcb, n->line, "D_PROTO_ARG",
				 "%s[ ] argument #1 is incompatible with "
				 "prototype",
				 b->name);
		if (b->id == DIF_VAR_ARGS) {
			dt_clause_t *c = pcb->clause;
			dt_type_t *t = dt_type_int64(TT(pcb));
			if (c && pcb->opts && pcb->opts->probe_lookup &&
			    n->keys->kind == DT_N_INT) {
				int64_t i = n->keys->ival;
				if (i < 0 || (uint64_t)i >= c->info.nargs)
					dt_error(pcb, n->line, "D_ARGS_IDX",
						 "index %lld is out of range "
						 "for %s args[ ]",
						 (long long)i,
						 c->descs ? c->descs[0].name
							  : "probe");
				if (i < 10 && c->info.argtypes[i]) {
					dt_type_t *at = dt_type_lookup(
						TT(pcb), c->info.argtypes[i]);
					if (at)
						t = at;
				}
			}
			set_type(n, t);
		} else {
			set_type(n, tname(pcb, b->type));
		}
		n->flags |= DT_NF_LVALUE;
		return n;
	}
	if (subscripted)
		dt_error(pcb, n->line, "D_IDENT_BADREF",
			 "%s is not an array", b->name);
	if (b->id == DIF_VAR_CURTHREAD) {
		dt_type_t *t = dt_type_lookup(TT(pcb),
					      "vmlinux`struct task_struct");
		set_type(n, t ? dt_type_ptr(TT(pcb), t)
			      : dt_type_voidptr(TT(pcb)));
	} else {
		set_type(n, tname(pcb, b->type));
	}
	n->flags |= DT_NF_LVALUE;
	return n;
}

/* Replaces the inline's parameter names in raw (uncooked) e by copies
 * of the subscripts. */
static dt_node_t *inline_subst(dt_pcb_t *pcb, dt_node_t *e, dt_inline_t *inl,
			       dt_node_t **keys)
{
	if (!e)
		return NULL;
	if (e->kind == DT_N_IDENT && !(e->flags & SUBSCRIPTED) &&
	    inl->argnames) {
		for (uint32_t i = 0; i < inl->nargs; i++)
			if (inl->argnames[i] &&
			    !strcmp(inl->argnames[i], e->sval)) {
				dt_node_t *c = node_copy(pcb, keys[i]);
				c->next = e->next;
				return c;
			}
	}
	e->left = inline_subst(pcb, e->left, inl, keys);
	e->right = inline_subst(pcb, e->right, inl, keys);
	e->cond = inline_subst(pcb, e->cond, inl, keys);
	for (dt_node_t **p = &e->args; *p; p = &(*p)->next)
		*p = inline_subst(pcb, *p, inl, keys);
	for (dt_node_t **p = &e->keys; *p; p = &(*p)->next)
		*p = inline_subst(pcb, *p, inl, keys);
	return e;
}

static dt_node_t *cook_ident(dt_pcb_t *pcb, dt_node_t *n, cctx_t *cx)
{
	const char *name = n->sval;
	uint32_t bi;
	if (dt_builtin_lookup(name, &bi))
		return cook_builtin(pcb, n, bi);
	dt_inline_t *inl = dt_inline_lookup(pcb, name);
	if (inl && inl->nargs) {
		/* inline array: its raw expression with the parameters
		 * replaced by the subscripts, cooked here */
		if (!(n->flags & SUBSCRIPTED))
			dt_error(pcb, n->line, "D_IDENT_BADREF",
				 "%s must be subscripted", name);
		if (n->nkeys != inl->nargs)
			dt_error(pcb, n->line, "D_PROTO_LEN",
				 "%s[ ] prototype mismatch: %u args passed, "
				 "%u expected",
				 name, n->nkeys, inl->nargs);
		cook_list(pcb, &n->keys);
		dt_node_t *keys[16];
		uint32_t i = 0;
		for (dt_node_t *k = n->keys; k && i < 16; k = k->next, i++) {
			if (!key_compat(inl->keytypes[i], k))
				dt_error(pcb, n->line, "D_PROTO_ARG",
					 "%s[ ] argument #%u is incompatible "
					 "with prototype",
					 name, i + 1);
			keys[i] = k;
		}
		dt_node_t *c = node_copy(pcb, inl->raw);
		c = inline_subst(pcb, c, inl, keys);
		c = cookr(pcb, c);
		if (!dt_type_equal(c->type, inl->type) &&
		    !(dt_type_is_integer(c->type) &&
		      dt_type_is_integer(inl->type) && c->kind == DT_N_INT)) {
			dt_node_t *k = dt_node_new(pcb, DT_N_CAST, n->line);
			k->left = c;
			set_type(k, inl->type);
			return k;
		}
		return c;
	}
	if (inl) {
		if (n->flags & SUBSCRIPTED)
			dt_error(pcb, n->line, "D_IDENT_BADREF",
				 "%s is not an array", name);
		dt_node_t *c = node_copy(pcb, inl->expr);
		c->line = n->line;
		if (!dt_type_equal(c->type, inl->type)) {
			if (c->kind == DT_N_INT && dt_type_is_integer(inl->type))
				return mkint(pcb, n->line, c->ival,
					     inl->type);
			dt_node_t *k = dt_node_new(pcb, DT_N_CAST, n->line);
			k->left = c;
			set_type(k, inl->type);
			return k;
		}
		return c;
	}
	int64_t ev;
	dt_type_t *en;
	if (dt_type_lookup_enumerator(TT(pcb), name, &ev, &en)) {
		dt_node_t *k = mkint(pcb, n->line, ev, en);
		return k;
	}
	for (uint32_t i = pcb->nexterns; i-- > 0;)
		if (!strcmp(pcb->extnames[i], name) &&
		    !dt_var_lookup(pcb, DIFV_SCOPE_GLOBAL, name)) {
			n->kind = DT_N_KSYM;
			set_type(n, pcb->exttypes[i]);
			n->flags |= DT_NF_LVALUE;
			return n;
		}
	if (pcb->xlator_cur && !strcmp(name, pcb->xlator_cur->argname)) {
		n->kind = DT_N_VAR;
		n->var = pcb->xlator_cur->argvar;
		set_type(n, pcb->xlator_cur->from);
		return n;
	}
	if (dt_func_lookup(name) >= 0 && !dt_var_lookup(pcb, 0, name) &&
	    !(n->flags & 0x40000000u)) {
		if (cx->lvalue)
			dt_error(pcb, n->line, "D_DECL_IDRED",
				 "identifier redeclared: %s", name);
		dt_error(pcb, n->line, "D_FUNC_IDENT",
			 "%s( ) may not be referenced without calling it",
			 name);
	}
	return cook_varref(pcb, n, cx, DIFV_SCOPE_GLOBAL);
}

static void check_lvalue(dt_pcb_t *pcb, dt_node_t *l, const char *op)
{
	if (!(l->flags & DT_NF_LVALUE))
		dt_error(pcb, l->line, "D_OP_LVAL",
			 "operator %s requires modifiable lvalue as an "
			 "operand",
			 op);
	if (!(l->flags & DT_NF_WRITABLE))
		dt_error(pcb, l->line, "D_OP_WRITE",
			 "operator %s can only be applied to a writable "
			 "variable",
			 op);
}

static const char *opname(enum dt_op op)
{
	static const char *const names[] = {
		"",   "-",  "+",  "!",	"~",  "*",  "&",  "++", "--", "++",
		"--", "stringof", "+", "-", "*", "/", "%", "<<", ">>", "<",
		"<=", ">",  ">=", "==", "!=", "&",  "^",  "|",	"&&", "^^",
		"||", "=",  "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=",
		"^=", "|=", ",",  ".",	"->",
	};
	if ((size_t)op < sizeof(names) / sizeof(names[0]))
		return names[op];
	return "?";
}

/*
 * Folds a binary operator on two constants as DTrace does: in 64 bits,
 * without truncating to the result type (so (1 << 63) - 1 is INT64_MAX even
 * though its type is int); signedness from the operands' common type.
 */
static dt_node_t *fold2(dt_pcb_t *pcb, dt_node_t *n, dt_type_t *t)
{
	dt_node_t *l = n->left, *r = n->right;
	if (!is_const(l) || !is_const(r))
		return NULL;
	int s = dt_type_is_signed(
		dt_type_arith_conv(TT(pcb), l->type, r->type));
	int64_t a = l->ival, b = r->ival, v = 0;
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
	switch (n->op) {
	case DT_OP_ADD: v = (int64_t)(ua + ub); break;
	case DT_OP_SUB: v = (int64_t)(ua - ub); break;
	case DT_OP_MUL: v = (int64_t)(ua * ub); break;
	case DT_OP_DIV:
		if (s)
			v = (b == -1) ? (int64_t)(0 - ua) : a / b;
		else
			v = (int64_t)(ua / ub);
		break;
	case DT_OP_MOD:
		if (s)
			v = (b == -1) ? 0 : a % b;
		else
			v = (int64_t)(ua % ub);
		break;
	case DT_OP_SHL: v = (int64_t)(ua << (ub & 63)); break;
	case DT_OP_SHR:
		v = s ? a >> (ub & 63) : (int64_t)(ua >> (ub & 63));
		break;
	case DT_OP_BAND: v = (int64_t)(ua & ub); break;
	case DT_OP_BOR: v = (int64_t)(ua | ub); break;
	case DT_OP_BXOR: v = (int64_t)(ua ^ ub); break;
	case DT_OP_LT: v = s ? a < b : ua < ub; break;
	case DT_OP_LE: v = s ? a <= b : ua <= ub; break;
	case DT_OP_GT: v = s ? a > b : ua > ub; break;
	case DT_OP_GE: v = s ? a >= b : ua >= ub; break;
	case DT_OP_EQ: v = ua == ub; break;
	case DT_OP_NE: v = ua != ub; break;
	case DT_OP_LAND: v = a && b; break;
	case DT_OP_LOR: v = a || b; break;
	case DT_OP_LXOR: v = !a != !b; break;
	default: return NULL;
	}
	dt_node_t *k = mkint(pcb, n->line, 0, t);
	k->ival = v;
	return k;
}

static dt_node_t *cook_op2(dt_pcb_t *pcb, dt_node_t *n, cctx_t *cx)
{
	enum dt_op op = n->op;
	const char *on = opname(op);
	char b1[128], b2[128];
	if (op == DT_OP_ASSIGN || (op >= DT_OP_ADD_ASSIGN &&
				   op <= DT_OP_OR_ASSIGN)) {
		dt_node_t *r = cookr(pcb, n->right);
		n->right = r;
		cctx_t lc;
		memset(&lc, 0, sizeof(lc));
		lc.lvalue = 1;
		lc.rhs = r;
		lc.compound = op != DT_OP_ASSIGN;
		if (is_agg(r))
			dt_error(pcb, r->line, "D_OP_INCOMPAT",
				 "operator %s: aggregation may not be used "
				 "as a value",
				 on);
		dt_node_t *l = cook(pcb, n->left, &lc);
		n->left = l;
		if (l->kind == DT_N_AGG)
			dt_error(pcb, n->line, "D_AGG_FUNC",
				 "aggregations may only be assigned "
				 "aggregating functions");
		check_lvalue(pcb, l, on);
		if (is_void(r))
			dt_error(pcb, r->line, op == DT_OP_ASSIGN
						      ? "D_OP_VOID"
						      : "D_OP_VFPTR",
				 "operator %s requires an operand of "
				 "non-void type",
				 on);
		if (op == DT_OP_ASSIGN) {
			if (!(l->kind == DT_N_VAR && is_const(r) &&
			      r->ival == 0) &&
			    !(is_string(l) && is_vfptr(r)) &&
			    !dt_type_assign_compat(l->type, r->type,
						   is_const(r) && !r->ival) &&
			    !(is_int(l) && is_ptr(r)) &&
			    !(is_ptr(l) && is_int(r)))
				dt_error(pcb, n->line, "D_OP_INCOMPAT",
					 "operands have incompatible types: "
					 "\"%s\" %s \"%s\"",
					 tstr(l, b1, sizeof(b1)), on,
					 tstr(r, b2, sizeof(b2)));
		} else if (op == DT_OP_ADD_ASSIGN || op == DT_OP_SUB_ASSIGN) {
			if (is_ptr(l) && is_int(r)) {
				if (is_vfptr(l))
					dt_error(pcb, n->line, "D_OP_VFPTR",
						 "operator %s requires "
						 "pointer to a complete type",
						 on);
			} else if (is_vfptr(r)) {
				dt_error(pcb, n->line, "D_OP_VFPTR",
					 "operator %s requires left-hand scalar "
					 "operand of known size",
					 on);
			} else if (!is_arith(l) || !is_arith(r)) {
				dt_error(pcb, n->line, "D_OP_INCOMPAT",
					 "operands have incompatible types: "
					 "\"%s\" %s \"%s\"",
					 tstr(l, b1, sizeof(b1)), on,
					 tstr(r, b2, sizeof(b2)));
			}
		} else {
			if (!is_int(l) || !is_int(r)) {
				if (!((op == DT_OP_MUL_ASSIGN ||
				       op == DT_OP_DIV_ASSIGN) &&
				      is_arith(l) && is_arith(r)))
					dt_error(pcb, n->line,
						 is_string(r) || is_string(l)
							 ? "D_OP_INCOMPAT"
							 : "D_OP_INT",
						 "operator %s requires "
						 "operands of integral type",
						 on);
			}
			if ((op == DT_OP_DIV_ASSIGN ||
			     op == DT_OP_MOD_ASSIGN) &&
			    is_const(r) && r->ival == 0)
				dt_error(pcb, n->line, "D_DIV_ZERO",
					 "expression contains division by "
					 "zero");
		}
		set_type(n, l->type);
		return n;
	}
	if (op == DT_OP_COMMA) {
		n->left = cookr(pcb, n->left);
		n->right = cookr(pcb, n->right);
		set_type(n, n->right->type);
		return n;
	}
	dt_node_t *l = cookr(pcb, n->left);
	dt_node_t *r = cookr(pcb, n->right);
	n->left = l;
	n->right = r;
	if (is_agg(l) || is_agg(r))
		dt_error(pcb, n->line, "D_OP_INCOMPAT",
			 "operator %s: aggregation may not be used as an "
			 "operand",
			 on);
	dt_type_t *t = NULL;
	switch (op) {
	case DT_OP_ADD:
	case DT_OP_SUB:
		if (is_arith(l) && is_arith(r)) {
			t = dt_type_arith_conv(TT(pcb), l->type, r->type);
		} else if (is_string(l) && is_int(r)) {
			t = l->type;
		} else if (op == DT_OP_ADD && is_int(l) && is_string(r)) {
			t = r->type;
		} else if (is_ptr(l) && is_int(r)) {
			if (is_vfptr(l))
				dt_error(pcb, n->line, "D_OP_INCOMPAT",
					 "operands have incompatible types: "
					 "\"%s\" %s \"%s\"",
					 tstr(l, b1, sizeof(b1)), on,
					 tstr(r, b2, sizeof(b2)));
			t = l->type;
		} else if (op == DT_OP_ADD && is_int(l) && is_ptr(r)) {
			if (is_vfptr(r))
				dt_error(pcb, n->line, "D_OP_INCOMPAT",
					 "operator %s: pointer arithmetic on "
					 "void or function pointer",
					 on);
			t = r->type;
		} else if (op == DT_OP_SUB && is_ptr(l) && is_ptr(r)) {
			if (!dt_type_ptr_compat(l->type, r->type))
				dt_error(pcb, n->line, "D_OP_INCOMPAT",
					 "operands have incompatible types: "
					 "\"%s\" %s \"%s\"",
					 tstr(l, b1, sizeof(b1)), on,
					 tstr(r, b2, sizeof(b2)));
			t = dt_type_long(TT(pcb));
		} else if (dt_type_kind(l->type ? l->type
						 : dt_type_void(TT(pcb))) ==
				   DT_TK_ARRAY &&
			   is_int(r)) {
			t = dt_type_ptr(TT(pcb), dt_type_elem(l->type));
		} else {
			if (is_void(l) || is_void(r) ||
			    (!is_ptr(l) && !is_arith(l)) ||
			    (!is_ptr(r) && !is_arith(r)))
				dt_error(pcb, n->line, "D_OP_ARITH",
					 "operator %s requires operands of "
					 "arithmetic type",
					 on);
			dt_error(pcb, n->line, "D_OP_INCOMPAT",
				 "operands have incompatible types: \"%s\" "
				 "%s \"%s\"",
				 tstr(l, b1, sizeof(b1)), on,
				 tstr(r, b2, sizeof(b2)));
		}
		break;
	case DT_OP_MUL:
	case DT_OP_DIV:
	case DT_OP_MOD:
		if (!is_arith(l) || !is_arith(r) ||
		    (op == DT_OP_MOD && (!is_int(l) || !is_int(r))))
			dt_error(pcb, n->line,
				 op == DT_OP_MOD ? "D_OP_INT" : "D_OP_ARITH",
				 "operator %s requires operands of %s type",
				 on, op == DT_OP_MOD ? "integral"
						     : "arithmetic");
		if (op != DT_OP_MUL && is_const(r) && r->ival == 0)
			dt_error(pcb, n->line, "D_DIV_ZERO",
				 "expression contains division by zero");
		t = dt_type_arith_conv(TT(pcb), l->type, r->type);
		break;
	case DT_OP_SHL:
	case DT_OP_SHR:
	case DT_OP_BAND:
	case DT_OP_BOR:
	case DT_OP_BXOR:
		if (!is_int(l) || !is_int(r))
			dt_error(pcb, n->line, "D_OP_INT",
				 "operator %s requires operands of integral "
				 "type",
				 on);
		t = dt_type_arith_conv(TT(pcb), l->type, r->type);
		break;
	case DT_OP_LAND:
	case DT_OP_LOR:
	case DT_OP_LXOR:
		if (!is_scalar(l) || !is_scalar(r))
			dt_error(pcb, n->line, "D_OP_SCALAR",
				 "operator %s requires operands of scalar "
				 "type",
				 on);
		t = dt_type_int32(TT(pcb));
		break;
	case DT_OP_LT:
	case DT_OP_LE:
	case DT_OP_GT:
	case DT_OP_GE:
	case DT_OP_EQ:
	case DT_OP_NE:
		if ((is_strlike(l) || is_vfptr(l) || is_int(l)) &&
		    (is_strlike(r) || is_vfptr(r) || is_int(r)) &&
		    (is_string(l) || is_string(r)) &&
		    !(is_int(l) && !is_const(l)) && !(is_int(r) && !is_const(r))) {
			t = dt_type_int32(TT(pcb));
			break;
		}
		if (!is_scalar(l) && !is_string(l))
			dt_error(pcb, n->line, "D_OP_SCALAR",
				 "operator %s requires operands of scalar "
				 "type",
				 on);
		if (!is_scalar(r) && !is_string(r))
			dt_error(pcb, n->line, "D_OP_SCALAR",
				 "operator %s requires operands of scalar "
				 "type",
				 on);
		if ((is_arith(l) && is_arith(r)) ||
		    (is_ptr(l) && is_ptr(r) &&
		     dt_type_ptr_compat(l->type, r->type)) ||
		    (is_ptr(l) && is_int(r)) || (is_int(l) && is_ptr(r)) ||
		    (is_strlike(l) && is_strlike(r))) {
			t = dt_type_int32(TT(pcb));
			break;
		}
		dt_error(pcb, n->line, "D_OP_INCOMPAT",
			 "operands have incompatible types: \"%s\" %s \"%s\"",
			 tstr(l, b1, sizeof(b1)), on, tstr(r, b2, sizeof(b2)));
	default:
		dt_error(pcb, n->line, "D_UNKNOWN", "bad operator");
	}
	dt_node_t *f = fold2(pcb, n, t);
	if (f)
		return f;
	set_type(n, t);
	(void)cx;
	return n;
}

/* Type of a unary arithmetic operator: the operand's (DTrace does not
 * promote), enums as int. */
static dt_type_t *uprop(dt_pcb_t *pcb, dt_node_t *l)
{
	if (dt_type_kind(l->type) == DT_TK_ENUM)
		return dt_type_int32(TT(pcb));
	return l->type;
}

static dt_node_t *cook_op1(dt_pcb_t *pcb, dt_node_t *n, cctx_t *cx)
{
	enum dt_op op = n->op;
	const char *on = opname(op);
	if (op == DT_OP_ADDROF) {
		dt_node_t *l = n->left;
		if (l->kind == DT_N_AGG)
			dt_error(pcb, n->line, "D_ADDROF_VAR",
				 "cannot take address of dynamic variable");
		pcb->in_addrof++;
		l = cookr(pcb, l);
		pcb->in_addrof--;
		n->left = l;
		if (l->kind == DT_N_VAR)
			dt_error(pcb, n->line, "D_ADDROF_VAR",
				 "cannot take address of dynamic variable");
		if (l->kind == DT_N_BUILTIN)
			dt_error(pcb, n->line, "D_ADDROF_VAR",
				 "cannot take address of built-in variable");
		if (!(l->flags & DT_NF_LVALUE))
			dt_error(pcb, n->line, "D_ADDROF_LVAL",
				 "unary & operand must be an lvalue");
		if (l->flags & DT_NF_BITFIELD)
			dt_error(pcb, n->line, "D_ADDROF_BITFIELD",
				 "cannot take address of bit-field");
		set_type(n, dt_type_ptr(TT(pcb), l->type));
		return n;
	}
	if (op == DT_OP_PREINC || op == DT_OP_PREDEC || op == DT_OP_POSTINC ||
	    op == DT_OP_POSTDEC) {
		cctx_t lc;
		memset(&lc, 0, sizeof(lc));
		lc.lvalue = 1;
		lc.compound = 1;
		dt_node_t *l = cook(pcb, n->left, &lc);
		n->left = l;
		if (!is_scalar(l) || dt_type_kind(l->type) == DT_TK_ARRAY)
			dt_error(pcb, n->line, "D_OP_SCALAR",
				 "operator %s requires operand of scalar "
				 "type",
				 on);
		if (is_vfptr(l))
			dt_error(pcb, n->line, "D_OP_VFPTR",
				 "operator %s requires pointer to a complete "
				 "type",
				 on);
		check_lvalue(pcb, l, on);
		set_type(n, l->type);
		return n;
	}
	dt_node_t *l = cookr(pcb, n->left);
	n->left = l;
	if (is_agg(l))
		dt_error(pcb, n->line, "D_OP_INCOMPAT",
			 "operator %s: aggregation may not be used as an "
			 "operand",
			 on);
	switch (op) {
	case DT_OP_NEG:
	case DT_OP_PLUS:
		if (!is_arith(l))
			dt_error(pcb, n->line, "D_OP_ARITH",
				 "operator %s requires an operand of "
				 "arithmetic type",
				 on);
		/* DTrace keeps the operand's type (no promotion) and
		 * folds in 64 bits */
		if (is_const(l)) {
			dt_node_t *k = mkint(pcb, n->line, 0, uprop(pcb, l));
			k->ival = op == DT_OP_NEG
					  ? (int64_t)(0 - (uint64_t)l->ival)
					  : l->ival;
			return k;
		}
		set_type(n, uprop(pcb, l));
		return n;
	case DT_OP_BNOT:
		if (!is_int(l))
			dt_error(pcb, n->line, "D_OP_INT",
				 "operator %s requires an operand of "
				 "integral type",
				 on);
		if (is_const(l)) {
			dt_node_t *k = mkint(pcb, n->line, 0, uprop(pcb, l));
			k->ival = ~l->ival;
			return k;
		}
		set_type(n, uprop(pcb, l));
		return n;
	case DT_OP_LNOT:
		if (!is_scalar(l) && !is_string(l))
			dt_error(pcb, n->line, "D_OP_SCALAR",
				 "operator %s requires an operand of scalar "
				 "type",
				 on);
		if (is_const(l))
			return mkint(pcb, n->line, !l->ival,
				     dt_type_int32(TT(pcb)));
		set_type(n, dt_type_int32(TT(pcb)));
		return n;
	case DT_OP_DEREF: {
		dt_type_t *b = l->type ? dt_type_base(l->type) : NULL;
		if (!b || (b->kind != DT_TK_PTR && b->kind != DT_TK_ARRAY))
			dt_error(pcb, n->line, "D_DEREF_NONPTR",
				 "cannot dereference non-pointer type");
		dt_type_t *r = b->ref;
		if (dt_type_is_void(r))
			dt_error(pcb, n->line, "D_DEREF_VOID",
				 "cannot dereference pointer to void");
		if (dt_type_is_func(r))
			dt_error(pcb, n->line, "D_DEREF_FUNC",
				 "cannot dereference pointer to function");
		set_type(n, r);
		n->flags |= DT_NF_LVALUE;
		if (l->flags & DT_NF_USERLAND)
			n->flags |= DT_NF_USERLAND;
		if ((l->flags & DT_NF_DPTR) || is_string(l))
			n->flags |= DT_NF_WRITABLE;
		if (!dt_type_is_complete(r) && !dt_type_is_string(r))
			dt_error(pcb, n->line, "D_OP_INCOMPLETE",
				 "cannot dereference pointer to incomplete "
				 "type");
		n->flags |= DT_NF_WRITABLE;
		return n;
	}
	case DT_OP_STRINGOF:
		if (!is_scalar(l) && !is_strlike(l)) {
			char b[128];
			dt_error(pcb, n->line, "D_STRINGOF_TYPE",
				 "cannot apply stringof to a value of type %s",
				 tstr(l, b, sizeof(b)));
		}
		set_type(n, dt_type_string(TT(pcb)));
		return n;
	default:
		break;
	}
	(void)cx;
	dt_error(pcb, n->line, "D_UNKNOWN", "bad unary operator");
}

dt_node_t *dt_xlate_subst(dt_pcb_t *pcb, dt_node_t *e, dt_var_t *argvar,
			  dt_node_t *arg);

static dt_node_t *cook_member(dt_pcb_t *pcb, dt_node_t *n)
{
	/* cooked first: an inline may stand for an xlate<T>(e) */
	dt_node_t *l = cookr(pcb, n->left);
	if (l->kind == DT_N_XLATE) {
		/* xlate<T>(e).m / xlate<T *>(e)->m: the member's translation */
		dt_node_t *x = l;
		dt_xlator_t *xl = x->xlator;
		for (uint32_t i = 0; i < xl->nmembers; i++)
			if (!strcmp(xl->mnames[i], n->sval)) {
				/* substitute the input */
				dt_node_t *e = dt_xlate_subst(
					pcb, node_copy(pcb, xl->mexprs[i]),
					xl->argvar, x->left);
				e->line = n->line;
				return e;
			}
		dt_error(pcb, n->line, "D_XLATE_NOCONV",
			 "translator does not define conversion for member: "
			 "%s",
			 n->sval);
	}
	l = cookr(pcb, l);
	n->left = l;
	dt_type_t *st;
	if (n->op == DT_OP_ARROW) {
		if (!is_ptr(l))
			dt_error(pcb, n->line, "D_OP_PTR",
				 "operator -> must be applied to a pointer");
		st = dt_type_base(l->type)->ref;
		if (!dt_type_is_sou(st) &&
		    dt_type_kind(st) != DT_TK_FORWARD) {
			char b[128];
			dt_error(pcb, n->line, "D_OP_SOU",
				 "operator -> cannot be applied to pointer to "
				 "type \"%s\"; must be applied to a struct or "
				 "union pointer",
				 dt_type_name(st, b, sizeof(b)));
		}
	} else {
		st = l->type;
		if (is_ptr(l) && dt_type_is_sou(dt_type_base(l->type)->ref))
			dt_error(pcb, n->line, "D_OP_SOU",
				 "operator . must be applied to a struct or "
				 "union");
	}
	dt_type_t *sb = st ? dt_type_base(st) : NULL;
	if (!sb || (sb->kind != DT_TK_STRUCT && sb->kind != DT_TK_UNION)) {
		if (sb && sb->kind == DT_TK_FORWARD)
			dt_error(pcb, n->line, "D_OP_INCOMPLETE",
				 "operator %s cannot be applied to a forward "
				 "declaration: no %s %s definition is "
				 "available",
				 opname(n->op),
				 sb->fwd_kind == DT_TK_UNION ? "union"
							     : "struct",
				 sb->name ? sb->name : "");
		dt_error(pcb, n->line, "D_OP_SOU",
			 "operator %s cannot be applied to non-struct/union",
			 opname(n->op));
	}
	dt_member_t m;
	if (dt_type_member(sb, n->sval, &m) < 0) {
		char b[128];
		dt_error(pcb, n->line, "D_TYPE_MEMBER",
			 "%s is not a member of %s", n->sval,
			 dt_type_name(sb, b, sizeof(b)));
	}
	n->member = m;
	set_type(n, m.type);
	if (m.bitsize)
		n->flags |= DT_NF_BITFIELD;
	n->flags |= DT_NF_LVALUE;
	if (n->op == DT_OP_DOT && (l->flags & DT_NF_WRITABLE))
		n->flags |= DT_NF_WRITABLE;
	if (n->op == DT_OP_ARROW && (l->flags & DT_NF_DPTR))
		n->flags |= DT_NF_WRITABLE;
	if (n->op == DT_OP_ARROW && !(sb->flags & DT_TF_BTF))
		n->flags |= DT_NF_WRITABLE;
	if (l->flags & DT_NF_USERLAND)
		n->flags |= DT_NF_USERLAND;
	return n;
}

dt_node_t *dt_xlate_subst(dt_pcb_t *pcb, dt_node_t *e, dt_var_t *argvar,
			  dt_node_t *arg);
dt_node_t *dt_xlate_subst(dt_pcb_t *pcb, dt_node_t *e, dt_var_t *argvar,
			  dt_node_t *arg)
{
	if (!e)
		return NULL;
	if (e->kind == DT_N_VAR && e->var == argvar) {
		dt_node_t *c = node_copy(pcb, arg);
		c->next = e->next;
		return c;
	}
	e->left = dt_xlate_subst(pcb, e->left, argvar, arg);
	e->right = dt_xlate_subst(pcb, e->right, argvar, arg);
	e->cond = dt_xlate_subst(pcb, e->cond, argvar, arg);
	for (dt_node_t **p = &e->args; *p; p = &(*p)->next)
		*p = dt_xlate_subst(pcb, *p, argvar, arg);
	for (dt_node_t **p = &e->keys; *p; p = &(*p)->next)
		*p = dt_xlate_subst(pcb, *p, argvar, arg);
	return e;
}

dt_node_t *dt_xlate_subst(dt_pcb_t *pcb, dt_node_t *e, dt_var_t *argvar,
			  dt_node_t *arg);

static dt_xlator_t *xlator_find(dt_pcb_t *pcb, dt_type_t *to, dt_node_t *e)
{
	dt_front_prog_t *P = pcb->prog;
	dt_type_t *tb = dt_type_base(to);
	for (uint32_t i = P->nxlators; i-- > 0;) {
		dt_xlator_t *x = P->xlators[i];
		if (!dt_type_equal(x->to, tb) && !dt_type_equal(x->to, to))
			continue;
		if (dt_type_assign_compat(x->from, e->type, 0) ||
		    dt_type_equal(x->from, e->type))
			return x;
	}
	return NULL;
}

static dt_node_t *cook_xlate(dt_pcb_t *pcb, dt_node_t *n)
{
	dt_node_t *e = cookr(pcb, n->left);
	n->left = e;
	dt_type_t *to = n->ctype;
	int isptr = dt_type_is_pointer(to);
	dt_type_t *ot = isptr ? dt_type_base(to)->ref : to;
	if (!dt_type_is_sou(ot))
		dt_error(pcb, n->line, "D_XLATE_SOU",
			 "translator output type must be a struct or union");
	dt_xlator_t *x = xlator_find(pcb, ot, e);
	if (!x) {
		char a[128], b[128];
		dt_error(pcb, n->line, "D_XLATE_NONE",
			 "cannot translate from \"%s\" to \"%s\"",
			 tstr(e, a, sizeof(a)), dt_type_name(to, b, sizeof(b)));
	}
	n->xlator = x;
	set_type(n, to);
	/* xmembers stay empty: code generation evaluates the input once and
	 * binds it to x->argvar in x->mexprs (see dt_ast.h v3) */
	return n;
}

static dt_node_t *cook_cast(dt_pcb_t *pcb, dt_node_t *n)
{
	dt_node_t *l = cookr(pcb, n->left);
	n->left = l;
	dt_type_t *t = n->ctype;
	char b1[128], b2[128];
	if (l->kind == DT_N_XLATE && is_ptr(l))
		dt_error(pcb, n->line, "D_CAST_INVAL",
			 "invalid cast expression: \"pointer to translated "
			 "data\" to \"%s\"",
			 dt_type_name(t, b2, sizeof(b2)));
	if (dt_type_is_void(t)) {
		set_type(n, t);
		return n;
	}
	int ok = 0;
	if (dt_type_is_scalar(t) && (is_scalar(l) || is_strlike(l)))
		ok = 1;
	else if (dt_type_is_string(t) && (is_strlike(l) || is_scalar(l)))
		ok = 1;
	else if (dt_type_equal(t, l->type))
		ok = 1;
	else if (dt_type_is_arith(t) && is_arith(l))
		ok = 1;
	if (!ok)
		dt_error(pcb, n->line, "D_CAST_INVAL",
			 "invalid cast expression: \"%s\" to \"%s\"",
			 tstr(l, b1, sizeof(b1)), dt_type_name(t, b2, sizeof(b2)));
	if (is_const(l) && dt_type_is_integer(t))
		return mkint(pcb, n->line, l->ival, t);
	set_type(n, t);
	n->flags |= l->flags & DT_NF_USERLAND;
	return n;
}

static dt_node_t *cook_index(dt_pcb_t *pcb, dt_node_t *n)
{
	dt_node_t *l = cookr(pcb, n->left);
	dt_node_t *r = cookr(pcb, n->right);
	n->left = l;
	n->right = r;
	dt_type_t *b = l->type ? dt_type_base(l->type) : NULL;
	if (is_string(l)) {
		if (!is_int(r))
			dt_error(pcb, n->line, "D_OP_INT",
				 "[ ] index must be of integral type");
		set_type(n, dt_type_char(TT(pcb)));
		n->flags |= DT_NF_LVALUE | DT_NF_WRITABLE;
		return n;
	}
	if (!b || (b->kind != DT_TK_PTR && b->kind != DT_TK_ARRAY)) {
		dt_error(pcb, n->line, "D_OP_PTR",
			 "[ ] may only be applied to a pointer or array");
	}
	if (!is_int(r))
		dt_error(pcb, n->line, "D_OP_INT",
			 "[ ] index must be of integral type");
	if (b->kind == DT_TK_ARRAY && is_const(r) && b->nelems &&
	    l->kind == DT_N_VAR && !pcb->in_addrof &&
	    ((uint64_t)r->ival >= b->nelems))
		dt_error(pcb, n->line, "D_ARR_BOUNDS",
			 "index outside array bounds: %lld, max is %llu",
			 (long long)r->ival, (unsigned long long)b->nelems);
	dt_type_t *et = b->ref;
	if (dt_type_is_void(et))
		dt_error(pcb, n->line, "D_DEREF_VOID",
			 "cannot dereference pointer to void");
	set_type(n, et);
	n->flags |= DT_NF_LVALUE | DT_NF_WRITABLE;
	if (l->flags & DT_NF_USERLAND)
		n->flags |= DT_NF_USERLAND;
	return n;
}

/* Argument class check for prototypes. */
static int arg_ok(char cls, dt_node_t *a)
{
	if (a->kind == DT_N_AGG)
		return cls == 'A' || cls == 'a';
	if (is_void(a))
		return 0;
	switch (cls) {
	case 'a': return 1;
	case 'i': return is_int(a) || is_ptr(a);
	case 'p':
	case 'P':
		return is_ptr(a) || is_int(a) || is_strlike(a) ||
		       dt_type_kind(a->type) == DT_TK_ARRAY;
	case 's':
		return is_strlike(a) || (is_const(a) && a->ival == 0) ||
		       (is_ptr(a) &&
			dt_type_is_void(dt_type_base(a->type)->ref));
	case 'f': return is_strlike(a);
	case '6':
		/* in6_addr_t *: a pointer to an address, not to integers */
		return (is_ptr(a) &&
			!dt_type_is_integer(dt_type_base(a->type)->ref)) ||
		       (is_int(a) && !is_const(a)) ||
		       (is_const(a) && a->ival == 0);
	case 'A': return 0;
	default: return 1;
	}
}

static dt_node_t *cook_call(dt_pcb_t *pcb, dt_node_t *n, cctx_t *cx)
{
	const char *name = n->sval;
	if (!name || (n->left && n->left->kind != DT_N_IDENT))
		dt_error(pcb, n->line, "D_FUNC_IDENT",
			 "function designator is not of function type");
	int fi = dt_func_lookup(name);
	if (fi < 0) {
		uint32_t bi;
		if (dt_builtin_lookup(name, &bi) ||
		    dt_var_lookup(pcb, DIFV_SCOPE_GLOBAL, name) ||
		    dt_inline_lookup(pcb, name))
			dt_error(pcb, n->line, "D_FUNC_IDENT",
				 "%s is not a function", name);
		dt_error(pcb, n->line, "D_FUNC_UNDEF",
			 "undefined function name: %s", name);
	}
	const func_t *f = &funcs[fi];
	n->left = NULL;
	/* arguments: aggregations are allowed as the A arguments and in
	 * printa/trace (checked later) */
	for (dt_node_t **p = &n->args; *p;) {
		dt_node_t *nx = (*p)->next;
		dt_node_t *c;
		if ((*p)->kind == DT_N_AGG) {
			c = *p;
			dt_agg_t *ag = agg_lookup(pcb, c->sval);
			if (c->keys)
				cook_list(pcb, &c->keys);
			if (!ag)
				dt_error(pcb, c->line, "D_AGG_NULL",
					 "@%s has not yet been assigned an "
					 "aggregating function",
					 c->sval);
			c->agg = ag;
			c->flags |= DT_NF_COOKED;
		} else {
			c = cookr(pcb, *p);
		}
		c->next = nx;
		*p = c;
		p = &c->next;
	}
	/* prototype */
	const char *spec = f->args;
	int varargs = strstr(spec, "...") != NULL;
	int req = 0, opt = 0, inopt = 0;
	char cls[16];
	int ncls = 0;
	for (const char *s = spec; *s && *s != '.'; s++) {
		if (*s == '|') {
			inopt = 1;
			continue;
		}
		if (ncls < 16)
			cls[ncls++] = *s;
		if (inopt)
			opt++;
		else
			req++;
	}
	if (n->nargs < (uint32_t)req)
		dt_error(pcb, n->line, "D_PROTO_LEN",
			 "%s( ) prototype mismatch: %u arg%s passed, %s%d "
			 "expected",
			 name, n->nargs, n->nargs == 1 ? "" : "s",
			 (opt || varargs) ? "at least " : "", req);
	if (!varargs && n->nargs > (uint32_t)(req + opt))
		dt_error(pcb, n->line, "D_PROTO_LEN",
			 "%s( ) prototype mismatch: %u arg%s passed, %s%d "
			 "expected",
			 name, n->nargs, n->nargs == 1 ? "" : "s",
			 opt ? "at most " : "", req + opt);
	int i = 0;
	for (dt_node_t *a = n->args; a; a = a->next, i++) {
		if (i >= ncls)
			break;
		char c = cls[i];
		if (f->kind == FK_AGG && i == 0 && is_void(a))
			dt_error(pcb, a->line, "D_PROTO_ARG",
				 "%s( ) argument #1 is incompatible with "
				 "prototype",
				 name);
		if (f->kind == FK_AGG && i == 0) {
			if (!is_arith(a) && !is_ptr(a))
				dt_error(pcb, a->line, "D_AGG_SCALAR",
					 "%s( ) requires a scalar argument",
					 name);
			continue;
		}
		if (c == 'A' && a->kind != DT_N_AGG) {
			if (!strcmp(name, "clear"))
				dt_error(pcb, a->line, "D_CLEAR_AGGARG",
					 "clear( ) argument #1 is "
					 "incompatible with prototype");
			if (!strcmp(name, "trunc"))
				dt_error(pcb, a->line, "D_TRUNC_AGGARG",
					 "trunc( ) argument #1 is "
					 "incompatible with prototype");
			dt_error(pcb, a->line, "D_NORMALIZE_AGGARG",
				 "%s( ) argument #1 is incompatible with "
				 "prototype",
				 name);
		}
		if (c == 'a' && a->kind == DT_N_AGG &&
		    strcmp(name, "printa") != 0) {
			if (!strcmp(name, "trace"))
				dt_error(pcb, a->line, "D_TRACE_AGG",
					 "trace( ) may not be applied to an "
					 "aggregation");
			if (!strcmp(name, "print"))
				dt_error(pcb, a->line, "D_PRINT_AGG",
					 "print( ) may not be applied to an "
					 "aggregation");
		}
		if (c == 'a' && is_void(a) && a->kind != DT_N_AGG) {
			if (!strcmp(name, "trace"))
				dt_error(pcb, a->line, "D_TRACE_VOID",
					 "trace( ) may not be applied to a "
					 "void expression");
			dt_error(pcb, a->line, "D_PROTO_ARG",
				 "%s( ) argument #%d is incompatible with "
				 "prototype:\n\tprototype: void *\n\t "
				 "argument: void",
				 name, i + 1);
		}
		/* A string is copied by value and never lives in alloca
		 * space, so it cannot be where bcopy() and copyinto() write. */
		if (f->kind == FK_SUBR && is_string(a) &&
		    ((f->id == DIF_SUBR_BCOPY && i == 1) ||
		     (f->id == DIF_SUBR_COPYINTO && i == 2)))
			dt_error(pcb, a->line, "D_PROTO_ARG",
				 "%s( ) argument #%d is incompatible with "
				 "prototype:\n\tprototype: alloca pointer\n"
				 "\t argument: non-alloca pointer",
				 name, i + 1);
		if (!arg_ok(c, a)) {
			char b[128];
			const char *proto = c == 'i' ? "int"
					    : c == 's' ? "char *"
					    : c == 'f' ? "string"
					    : c == 'A' ? "aggregation"
						       : "void *";
			dt_error(pcb, a->line, "D_PROTO_ARG",
				 "%s( ) argument #%d is incompatible with "
				 "prototype:\n\tprototype: %s\n\t argument: %s",
				 name, i + 1, proto,
				 a->kind == DT_N_AGG ? "aggregation"
						     : tstr(a, b, sizeof(b)));
		}
	}
	n->kind = DT_N_CALL;
	if (f->kind == FK_SUBR) {
		n->callkind = DT_CALL_SUBR;
		n->subr = f->id;
		set_type(n, tname(pcb, f->ret));
		if (f->id == DIF_SUBR_ALLOCA || f->id == DIF_SUBR_COPYIN)
			n->flags |= DT_NF_DPTR;
		if (f->id == DIF_SUBR_ALLOCA && n->args &&
		    is_const(n->args)) {
			dt_front_prog_t *P = pcb->prog;
			const char *sc = dt_front_opt(P, "scratchsize");
			uint64_t lim = 256; /* the engine's default */

			if (sc != NULL && dt_parse_size(sc, &lim) != 0)
				lim = 256;
			lim = (lim + 7) & ~7ULL;
			if ((uint64_t)n->args->ival > lim)
				dt_error(pcb, n->line, "D_ALLOCA_SIZE",
					 "alloca(%llu) size larger than "
					 "scratchsize %llu",
					 (unsigned long long)n->args->ival,
					 (unsigned long long)lim);
		}
	} else if (f->kind == FK_ACT) {
		n->callkind = DT_CALL_ACTION;
		n->act = f->id;
		n->libact = f->libact;
		set_type(n, dt_type_void(TT(pcb)));
	} else {
		n->callkind = DT_CALL_AGGFUNC;
		n->aggfunc = f->id;
		set_type(n, dt_type_void(TT(pcb)));
	}
	(void)cx;
	return n;
}

static dt_node_t *cook(dt_pcb_t *pcb, dt_node_t *n, cctx_t *cx)
{
	if (n->flags & DT_NF_COOKED)
		return n;
	switch (n->kind) {
	case DT_N_INT:
		set_type(n, n->type ? n->type : dt_type_int32(TT(pcb)));
		n->flags |= DT_NF_CONST;
		return n;
	case DT_N_STRING:
		set_type(n, dt_type_string(TT(pcb)));
		return n;
	case DT_N_IDENT:
		return cook_ident(pcb, n, cx);
	case DT_N_VAR:
		if (n->var) {
			n->flags |= DT_NF_COOKED;
			return n;
		}
		return cook_varref(pcb, n, cx, (int)n->ival);
	case DT_N_KSYM: {
		const char *s = n->sval;
		const char *nm = strrchr(s, '`');
		nm = nm ? nm + 1 : s;
		if (!*nm)
			dt_error(pcb, n->line, "D_IDENT_UNDEF",
				 "failed to resolve %s: Unknown symbol name",
				 s);
		dt_type_t *t = dt_type_lookup_kvar(TT(pcb), nm);
		if (!t)
			dt_error(pcb, n->line, "D_IDENT_UNDEF",
				 "failed to resolve %s: Unknown symbol name",
				 s);
		set_type(n, t);
		n->flags |= DT_NF_LVALUE;
		return n;
	}
	case DT_N_AGG: {
		dt_agg_t *a = agg_lookup(pcb, n->sval);
		if (!a)
			dt_error(pcb, n->line, "D_IDENT_UNDEF",
				 "failed to resolve @%s: Unknown variable "
				 "name",
				 n->sval);
		if (n->keys)
			cook_list(pcb, &n->keys);
		n->agg = a;
		n->flags |= DT_NF_COOKED;
		n->type = NULL;
		return n;
	}
	case DT_N_CALL:
		return cook_call(pcb, n, cx);
	case DT_N_OP1:
		return cook_op1(pcb, n, cx);
	case DT_N_OP2:
		return cook_op2(pcb, n, cx);
	case DT_N_OP3: {
		dt_node_t *c = cookr(pcb, n->cond);
		dt_node_t *l = cookr(pcb, n->left);
		dt_node_t *r = cookr(pcb, n->right);
		n->cond = c;
		n->left = l;
		n->right = r;
		if (!is_scalar(c) && !is_string(c))
			dt_error(pcb, n->line, "D_OP_SCALAR",
				 "operator ?: requires a scalar as first "
				 "operand");
		if (is_void(l) || is_void(r))
			dt_error(pcb, n->line, "D_OP_VOID",
				 "operator ?: operands cannot be of type "
				 "void");
		dt_type_t *t;
		if (is_arith(l) && is_arith(r))
			t = dt_type_arith_conv(TT(pcb), l->type, r->type);
		else if (is_strlike(l) && is_strlike(r))
			t = dt_type_string(TT(pcb));
		else if (dt_type_equal(l->type, r->type))
			t = l->type;
		else if (is_ptr(l) && is_ptr(r) &&
			 dt_type_ptr_compat(l->type, r->type))
			t = l->type;
		else if (is_ptr(l) && is_const(r) && r->ival == 0)
			t = l->type;
		else if (is_ptr(r) && is_const(l) && l->ival == 0)
			t = r->type;
		else {
			char b1[128], b2[128];
			dt_error(pcb, n->line, "D_OP_INCOMPAT",
				 "operator ?: operands must have compatible "
				 "types: \"%s\" and \"%s\"",
				 tstr(l, b1, sizeof(b1)),
				 tstr(r, b2, sizeof(b2)));
		}
		if (is_const(c) && is_const(l) && is_const(r))
			return mkint(pcb, n->line, c->ival ? l->ival : r->ival,
				     t);
		set_type(n, t);
		return n;
	}
	case DT_N_CAST:
		return cook_cast(pcb, n);
	case DT_N_INDEX:
		return cook_index(pcb, n);
	case DT_N_MEMBER:
		return cook_member(pcb, n);
	case DT_N_XLATE:
		return cook_xlate(pcb, n);
	case DT_N_SIZEOF: {
		dt_type_t *t = n->ctype;
		if (!t) {
			int isnull = n->left->kind == DT_N_IDENT &&
				     n->left->sval &&
				     !strcmp(n->left->sval, "NULL");
			dt_node_t *e = cookr(pcb, n->left);
			if (e->flags & DT_NF_BITFIELD)
				dt_error(pcb, n->line, "D_SIZEOF_BITFIELD",
					 "cannot apply sizeof to a bit-field");
			if (e->kind == DT_N_AGG)
				dt_error(pcb, n->line, "D_SIZEOF_TYPE",
					 "cannot apply sizeof to an "
					 "aggregation");
			t = e->type;
			/* DTrace: sizeof a string literal is its length
			 * plus the NUL (not the string type's size), and
			 * sizeof(NULL) is that of the int 0 */
			if (e->kind == DT_N_STRING)
				return mkint(pcb, n->line, (int64_t)e->slen + 1,
					     dt_type_lookup(TT(pcb), "size_t"));
			if (isnull && e->kind == DT_N_CAST &&
			    is_const(e->left))
				t = dt_type_int32(TT(pcb));
		}
		if (!t || dt_type_is_void(t) || dt_type_is_func(t) ||
		    (!dt_type_is_complete(t) && !dt_type_is_string(t)))
			dt_error(pcb, n->line, "D_SIZEOF_TYPE",
				 "cannot apply sizeof to an expression of "
				 "incomplete or void type");
		dt_node_t *k = mkint(pcb, n->line, (int64_t)dt_type_size(t),
				     dt_type_lookup(TT(pcb), "size_t"));
		/* hook for codegen: in -E a kernel type's size is the
		 * guest's (usetx "sizeof T"), so keep which type it was */
		k->ctype = t;
		return k;
	}
	case DT_N_OFFSETOF: {
		dt_type_t *t = n->ctype;
		if (!dt_type_is_sou(t))
			dt_error(pcb, n->line, "D_OFFSETOF_TYPE",
				 "offsetof operand must be a struct or union "
				 "type");
		dt_member_t m;
		if (dt_type_member(t, n->sval, &m) < 0) {
			char b[128];
			(void)b;
			dt_error(pcb, n->line, "D_UNKNOWN",
				 "failed to determine offset of %s: Member "
				 "name not found",
				 n->sval);
		}
		if (m.bitsize)
			dt_error(pcb, n->line, "D_OFFSETOF_BITFIELD",
				 "cannot take offset of a bit-field: %s",
				 n->sval);
		dt_node_t *k = mkint(pcb, n->line, (int64_t)(m.offset_bits / 8),
				     dt_type_lookup(TT(pcb), "size_t"));
		/* hook for codegen, as for sizeof: -E emits a usetx of
		 * "offsetof T member" */
		k->ctype = t;
		k->sval = n->sval;
		return k;
	}
	case DT_N_TYPE:
	default:
		dt_error(pcb, n->line, "D_SYNTAX", "unexpected expression");
	}
}

dt_node_t *dt_check_expr(dt_pcb_t *pcb, dt_node_t *n) { return cookr(pcb, n); }

int64_t dt_check_intconst(dt_pcb_t *pcb, dt_node_t *n, const char *tag,
			  const char *what)
{
	int line = n->line;
	dt_node_t *c = cookr(pcb, n);
	if (c->kind != DT_N_INT || !dt_type_is_integer(c->type))
		dt_error(pcb, line, tag,
			 "%s must be an integer constant expression", what);
	return c->ival;
}

void dt_check_inline(dt_pcb_t *pcb, dt_inline_t *inl)
{
	if (inl->nargs) {
		/* inline arrays are cooked at each use */
		inl->raw = node_copy(pcb, inl->expr);
		return;
	}
	dt_node_t *e = cookr(pcb, inl->expr);
	inl->expr = e;
	if (is_void(e) ||
	    (!dt_type_assign_compat(inl->type, e->type,
				    is_const(e) && !e->ival) &&
	     !(dt_type_is_integer(inl->type) && is_ptr(e)))) {
		char b1[128], b2[128];
		dt_error(pcb, inl->line, "D_OP_INCOMPAT",
			 "inline %s definition uses incompatible types: "
			 "\"%s\" = \"%s\"",
			 inl->name, dt_type_name(inl->type, b1, sizeof(b1)),
			 tstr(e, b2, sizeof(b2)));
	}
}

void dt_check_xlator(dt_pcb_t *pcb, dt_xlator_t *xl)
{
	if (!dt_type_is_sou(xl->to))
		dt_error(pcb, xl->line, "D_XLATE_SOU",
			 "translator output type must be a struct or union");
	xl->argvar = dt_arena_alloc(&pcb->arena, sizeof(dt_var_t));
	xl->argvar->name = xl->argname;
	xl->argvar->scope = DIFV_SCOPE_LOCAL;
	xl->argvar->type = xl->from;
	pcb->xlator_cur = xl;
	for (uint32_t i = 0; i < xl->nmembers; i++) {
		dt_member_t m;
		int line = xl->mlines ? xl->mlines[i] : xl->mexprs[i]->line;
		if (dt_type_member(xl->to, xl->mnames[i], &m) < 0)
		{
			char b[128];
			dt_error(pcb, line, "D_XLATE_MEMB",
				 "translator member %s is not a member of %s",
				 xl->mnames[i], dt_type_name(xl->to, b, sizeof(b)));
		}
		dt_node_t *e = cookr(pcb, xl->mexprs[i]);
		xl->mexprs[i] = e;
		if (is_void(e) ||
		    (!dt_type_assign_compat(m.type, e->type,
					    is_const(e) && !e->ival) &&
		     !(dt_type_is_integer(m.type) && is_ptr(e)))) {
			char b1[128], b2[128];
			dt_error(pcb, line, "D_XLATE_INCOMPAT",
				 "translator member %s definition uses "
				 "incompatible types: \"%s\" = \"%s\"",
				 xl->mnames[i],
				 dt_type_name(m.type, b1, sizeof(b1)),
				 tstr(e, b2, sizeof(b2)));
		}
	}
	pcb->xlator_cur = NULL;
}

/* ---- printf formats ---- */

typedef struct conv {
	char conv[8];   /* conversion with length modifiers, e.g. "lld" */
	int dynwidth, dynprec;
	int agg;        /* %@ */
} conv_t;

/* Parses a format; returns the number of conversions. */
static int parse_fmt(dt_pcb_t *pcb, int line, const char *fmt, conv_t *cv,
		     int maxc, const char *fn)
{
	int n = 0;
	(void)fn;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		int num = n + 1;
		conv_t c;
		memset(&c, 0, sizeof(c));
		/* flags */
		int flags = 0;
		while (*p && strchr("-+ #0'", *p))
			p++, flags++;
		if (*p == '@') {
			c.agg = 1;
			p++;
			while (*p && strchr("-+ #0'", *p))
				p++, flags++;
		}
		if (*p == '%')
			dt_error(pcb, line, "D_SYNTAX",
				 "format conversion #%d cannot be combined "
				 "with other format flags: %%%%",
				 num);
		/* width */
		if (*p == '*') {
			c.dynwidth = 1;
			p++;
			if (*p == '*')
				dt_error(pcb, line, "D_SYNTAX",
					 "format conversion #%d has more than "
					 "one '*' specified for the output "
					 "width",
					 num);
		}
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '$')
			dt_error(pcb, line, "D_SYNTAX",
				 "format conversion #%d uses unsupported "
				 "positional format (%%n$)",
				 num);
		if (*p == '?')
			p++; /* %? : pointer-width field */
		/* precision */
		if (*p == '.') {
			p++;
			if (*p == '*') {
				c.dynprec = 1;
				p++;
				if (*p == '*')
					dt_error(pcb, line, "D_SYNTAX",
						 "format conversion #%d has "
						 "more than one '*' specified "
						 "for the output precision",
						 num);
			}
			while (isdigit((unsigned char)*p))
				p++;
			if (*p == '$')
				dt_error(pcb, line, "D_SYNTAX",
					 "format conversion #%d uses "
					 "unsupported positional format "
					 "(%%n$)",
					 num);
			if (*p == '.')
				dt_error(pcb, line, "D_SYNTAX",
					 "format conversion #%d has more than "
					 "one '.' specified",
					 num);
		}
		if (*p == '@') {
			c.agg = 1;
			p++;
		}
		/* length */
		char len[4] = "";
		size_t ll = 0;
		while (*p && strchr("hlLjtzw", *p) && ll < 3) {
			if (*p == 'z' && !(p[1] && strchr("diouxX", p[1])))
				break;
			len[ll++] = *p++;
		}
		len[ll] = 0;
		if (!*p)
			dt_error(pcb, line, "D_SYNTAX",
				 "format conversion #%d name expected before "
				 "end of format string",
				 num);
		if (!strchr("aAcCdeEfFgGiIkmopPsSTuxXYD", *p))
			dt_error(pcb, line, "D_SYNTAX",
				 "format conversion #%d is undefined: %%%s%c",
				 num, len, *p);
		snprintf(c.conv, sizeof(c.conv), "%s%c", len, *p);
		if (n < maxc)
			cv[n] = c;
		n++;
	}
	return n;
}

static int conv_arg_ok(const conv_t *c, dt_node_t *a)
{
	char ch = c->conv[strlen(c->conv) - 1];
	if (is_void(a))
		return 0;
	switch (ch) {
	case 'd': case 'i': case 'o': case 'u': case 'x': case 'X':
		return is_int(a) || is_ptr(a);
	case 'c':
		return is_int(a);
	case 'C':
		return is_int(a);
	case 's': case 'S':
		return is_strlike(a) || is_scalar(a) ||
		       dt_type_is_sou(a->type);
	case 'p': case 'a': case 'A':
		return is_ptr(a) || is_int(a);
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
		return is_arith(a);
	case 'k':
		return 1;
	case 'Y': case 'T':
		return is_int(a);
	case 'm':
		return 1;
	default:
		return 1;
	}
}

static void check_printf(dt_pcb_t *pcb, dt_node_t *call)
{
	const char *fn = call->sval;
	dt_node_t *f = call->args;
	if (f->kind != DT_N_STRING)
	{
		char b[128];
		dt_error(pcb, call->line, "D_PRINTF_ARG_FMT",
			 "%s( ) argument #1 is incompatible with prototype:\n"
			 "\tprototype: string constant\n\t argument: %s",
			 fn, tstr(f, b, sizeof(b)));
	}
	if (!strcmp(fn, "freopen") && f->kind == DT_N_STRING &&
	    (!strcmp(f->sval, ".") || !strcmp(f->sval, "..")))
		dt_error(pcb, call->line, "D_FREOPEN_INVALID",
			 "freopen( ) argument #1 cannot be \"%s\"", f->sval);
	if (!strcmp(fn, "printf") && f->slen == 0)
		dt_error(pcb, call->line, "D_PRINTF_FMT_EMPTY",
			 "printf( ) format string is empty");
	conv_t cv[64];
	int nc = parse_fmt(pcb, call->line, f->sval, cv, 64, fn);
	dt_node_t *a = f->next;
	int argi = 2;
	for (int i = 0; i < nc && i < 64; i++) {
		conv_t *c = &cv[i];
		if (c->agg)
			dt_error(pcb, call->line, "D_PRINTF_AGG_CONV",
				 "%%@ conversion requires an aggregation and "
				 "is not for use with printf( )");
		int dyn = c->dynwidth + c->dynprec;
		for (int d = 0; d < dyn; d++) {
			const char *star = (d == 0 && c->dynwidth) ? "*" : ".*";
			if (!a)
				dt_error(pcb, call->line,
					 "D_PRINTF_DYN_PROTO",
					 "%s( ) prototype mismatch: conversion "
					 "#%d (%%%s) is missing a corresponding "
					 "\"%s\" argument",
					 fn, i + 1, c->conv, star);
			if (!is_int(a)) {
				char b[128];
				dt_error(pcb, call->line, "D_PRINTF_DYN_TYPE",
					 "%s( ) argument #%d is incompatible "
					 "with conversion #%d prototype:\n"
					 "\tconversion: %% %s %s\n"
					 "\t prototype: int\n"
					 "\t  argument: %s",
					 fn, argi, i + 1, star, c->conv,
					 tstr(a, b, sizeof(b)));
			}
			a = a->next;
			argi++;
		}
		if (!a)
			dt_error(pcb, call->line, "D_PRINTF_ARG_PROTO",
				 "%s( ) prototype mismatch: conversion #%d "
				 "(%%%s) is missing a corresponding value "
				 "argument",
				 fn, i + 1, c->conv);
		if (!conv_arg_ok(c, a)) {
			char b[128];
			char ch = c->conv[strlen(c->conv) - 1];
			const char *proto =
				strchr("diouxXc", ch)
					? "char, short, int, long, or long long"
				: strchr("sS", ch) ? "char [] or string"
				: strchr("eEfFgG", ch) ? "double"
						       : "pointer or integer";
			dt_error(pcb, call->line, "D_PRINTF_ARG_TYPE",
				 "%s( ) argument #%d is incompatible with "
				 "conversion #%d prototype:\n\tconversion: "
				 "%%%s\n\t prototype: %s\n\t  argument: %s",
				 fn, argi, i + 1, c->conv, proto,
				 tstr(a, b, sizeof(b)));
		}
		a = a->next;
		argi++;
	}
	if (a)
		dt_error(pcb, call->line, "D_PRINTF_ARG_EXTRA",
			 "%s( ) prototype mismatch: only %d arguments "
			 "required by this format string",
			 fn, argi - 2);
}

static void check_printa(dt_pcb_t *pcb, dt_node_t *call)
{
	dt_node_t *a = call->args;
	const char *fmt = NULL;
	if (a->kind == DT_N_STRING) {
		fmt = a->sval;
		a = a->next;
		if (!a)
			dt_error(pcb, call->line, "D_PRINTA_PROTO",
				 "printa( ) prototype mismatch: 1 args passed, "
				 "2 expected");
	} else if (a->kind != DT_N_AGG) {
		dt_error(pcb, call->line, "D_PRINTA_AGGARG",
			 "printa( ) argument #1 is incompatible with "
			 "prototype");
	}
	int i = fmt ? 2 : 1;
	dt_agg_t *first = NULL;
	for (dt_node_t *x = a; x; x = x->next, i++) {
		if (x->kind != DT_N_AGG) {
			char b[128];
			dt_error(pcb, call->line, "D_PRINTA_AGGARG",
				 "printa( ) argument #%d is incompatible "
				 "with prototype:\n\tprototype: aggregation\n"
				 "\t argument: %s",
				 i, tstr(x, b, sizeof(b)));
		}
		if (!first) {
			first = x->agg;
			continue;
		}
		if (x->agg->nkeys != first->nkeys)
			dt_error(pcb, call->line, "D_PRINTA_AGGKEY",
				 "printa( ): @%s and @%s do not have matching "
				 "key signatures: @%s has %u key%s, @%s has %u "
				 "key%s",
				 first->name, x->agg->name, first->name,
				 first->nkeys, first->nkeys == 1 ? "" : "s",
				 x->agg->name, x->agg->nkeys,
				 x->agg->nkeys == 1 ? "" : "s");
		for (uint32_t k = 0; k < first->nkeys; k++)
			if (!dt_type_equal(x->agg->keytypes[k],
					   first->keytypes[k]) &&
			    !(dt_type_is_integer(x->agg->keytypes[k]) &&
			      dt_type_is_integer(first->keytypes[k])))
				dt_error(pcb, call->line, "D_PRINTA_AGGPROTO",
					 "printa( ) aggregation #%d key "
					 "type does not match aggregation "
					 "#1",
					 i);
	}
	if (fmt && first) {
		conv_t cv[64];
		int nc = parse_fmt(pcb, call->line, fmt, cv, 64, "printa");
		/* the keys of the first aggregation, then the %@ values */
		uint32_t key = 0;
		int naggconv = 0;
		for (int c = 0; c < nc && c < 64; c++) {
			if (cv[c].agg) {
				naggconv++;
				continue;
			}
			if (key >= first->nkeys)
				dt_error(pcb, call->line,
					 "D_PRINTF_ARG_PROTO",
					 "printa( ) prototype mismatch: "
					 "conversion #%d (%%%s) is missing a "
					 "corresponding value argument",
					 c + 1, cv[c].conv);
			key++;
		}
	}
}

/* ---- clauses ---- */

typedef struct clstate {
	int spec, commit, drec, agg;
	dt_node_t *commits[16];
	int ncommits;
} clstate_t;

static int same_expr(dt_node_t *a, dt_node_t *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == DT_N_INT)
		return a->ival == b->ival;
	if (a->kind == DT_N_VAR)
		return a->var == b->var && !a->keys && !b->keys;
	return 0;
}

static int is_drec_act(uint32_t act)
{
	switch (act) {
	case DT_ACT_SPECULATE: case DT_ACT_COMMIT: case DT_ACT_DISCARD:
	case DT_ACT_LIBACT: case DT_ACT_NONE:
		return 0;
	default:
		return 1;
	}
}

static int64_t cval(dt_node_t *n) { return n->ival; }

static void check_agg_params(dt_pcb_t *pcb, dt_node_t *call, dt_agg_t *ag,
			     int64_t *params)
{
	dt_node_t *a = call->args;
	int line = call->line;
	if (call->aggfunc == DT_AGG_LQUANTIZE) {
		dt_node_t *b = a->next, *l = b->next, *s = l ? l->next : NULL;
		if (!is_const(b))
			dt_error(pcb, line, "D_LQUANT_BASETYPE",
				 "lquantize( ) argument #2 must be a "
				 "constant");
		if (cval(b) < INT32_MIN || cval(b) > INT32_MAX)
			dt_error(pcb, line, "D_LQUANT_BASEVAL",
				 "lquantize( ) base (argument #2) must be a "
				 "32-bit quantity");
		if (!is_const(l))
			dt_error(pcb, line, "D_LQUANT_LIMTYPE",
				 "lquantize( ) argument #3 must be a "
				 "constant");
		if (cval(l) < INT32_MIN || cval(l) > INT32_MAX)
			dt_error(pcb, line, "D_LQUANT_LIMVAL",
				 "lquantize( ) limit (argument #3) must be a "
				 "32-bit quantity");
		if (cval(l) <= cval(b))
			dt_error(pcb, line, "D_LQUANT_MISMATCH",
				 "lquantize( ) base (argument #2) must be "
				 "less than limit (argument #3)");
		int64_t step = 1;
		if (s) {
			if (!is_const(s) || cval(s) <= 0)
				dt_error(pcb, line, "D_LQUANT_STEPTYPE",
					 "lquantize( ) argument #4 must be a "
					 "positive integer constant");
			step = cval(s);
			if (step > UINT16_MAX)
				dt_error(pcb, line, "D_LQUANT_STEPVAL",
					 "lquantize( ) step (argument #4) must "
					 "be a 16-bit quantity");
			if ((cval(l) - cval(b)) / step == 0)
				dt_error(pcb, line, "D_LQUANT_STEPLARGE",
					 "lquantize( ) step (argument #4) too "
					 "large for limit - base");
			if (s->next && !is_int(s->next))
				dt_error(pcb, line, "D_PROTO_ARG",
					 "lquantize( ) argument #5 must be of "
					 "scalar type");
		}
		if ((cval(l) - cval(b)) / step > UINT16_MAX)
			dt_error(pcb, line, "D_LQUANT_STEPSMALL",
				 "lquantize( ) step (argument #4) too small "
				 "for limit - base");
		params[0] = cval(b);
		params[1] = cval(l);
		params[2] = step;
		if (ag->func == DT_AGG_LQUANTIZE) {
			if (ag->params[0] != params[0])
				dt_error(pcb, line, "D_LQUANT_MATCHBASE",
					 "lquantize( ) base does not match "
					 "previous declaration");
			if (ag->params[1] != params[1])
				dt_error(pcb, line, "D_LQUANT_MATCHLIM",
					 "lquantize( ) limit does not match "
					 "previous declaration");
			if (ag->params[2] != params[2])
				dt_error(pcb, line, "D_LQUANT_MATCHSTEP",
					 "lquantize( ) step does not match "
					 "previous declaration");
		}
	} else if (call->aggfunc == DT_AGG_LLQUANTIZE) {
		/* Linux DTrace's rules and tags (the illumos suite names
		 * some of these cases differently) */
		dt_node_t *f = a->next, *lo = f->next, *hi = lo->next,
			  *ns = hi->next;
		if (!is_const(f))
			dt_error(pcb, line, "D_LLQUANT_FACTORTYPE",
				 "llquantize( ) argument #2 (factor) must be "
				 "an integer constant");
		if (cval(f) < 2)
			dt_error(pcb, line, "D_LLQUANT_FACTORSMALL",
				 "llquantize( ) argument #2 (factor) must be "
				 "two or more");
		if (cval(f) > UINT16_MAX)
			dt_error(pcb, line, "D_LLQUANT_FACTORVAL",
				 "llquantize( ) argument #2 (factor) must be "
				 "an unsigned 16-bit quantity");
		if (!is_const(lo))
			dt_error(pcb, line, "D_LLQUANT_LOWTYPE",
				 "llquantize( ) argument #3 (low magnitude) "
				 "must be an integer constant");
		if (cval(lo) < 0 || cval(lo) > UINT16_MAX)
			dt_error(pcb, line, "D_LLQUANT_LMAGVAL",
				 "llquantize( ) argument #3 (low magnitude) "
				 "must be an unsigned 16-bit quantity");
		if (!is_const(hi))
			dt_error(pcb, line, "D_LLQUANT_HIGHTYPE",
				 "llquantize( ) argument #4 (high magnitude) "
				 "must be an integer constant");
		if (cval(hi) < cval(lo) || cval(hi) > UINT16_MAX)
			dt_error(pcb, line, "D_LLQUANT_HMAGVAL",
				 "llquantize( ) argument #4 (high magnitude) "
				 "must be an unsigned 16-bit quantity at "
				 "least argument #3 (low magnitude)");
		int64_t fac = cval(f);
		{
			uint64_t v = 1;
			for (int64_t i = 0; i <= cval(hi); i++) {
				if (v > UINT64_MAX / (uint64_t)fac)
					dt_error(pcb, line, "D_LLQUANT_HMAGVAL",
						 "llquantize( ) factor "
						 "(argument #2) raised to "
						 "power of high magnitude "
						 "(argument #4) plus 1 "
						 "overflows 64-bits");
				v *= (uint64_t)fac;
			}
		}
		if (!is_const(ns) || cval(ns) <= 0)
			dt_error(pcb, line, "D_LLQUANT_STEPTYPE",
				 "llquantize( ) argument #5 (steps per "
				 "magnitude) must be a positive integer "
				 "constant");
		int64_t st = cval(ns);
		if (st > UINT16_MAX)
			dt_error(pcb, line, "D_LLQUANT_STEPVAL",
				 "llquantize( ) argument #5 (steps per "
				 "magnitude) must be an unsigned 16-bit "
				 "quantity");
		if (st < fac && fac % st != 0)
			dt_error(pcb, line, "D_LLQUANT_STEPVAL",
				 "llquantize( ) argument #5 (steps per "
				 "magnitude) must evenly divide the factor "
				 "when less than it");
		if (st > fac) {
			uint64_t p = (uint64_t)fac;
			for (int64_t i = 0; i < (cval(lo) ? cval(lo) : 1) &&
					    p < UINT64_MAX / (uint64_t)fac;
			     i++)
				p *= (uint64_t)fac;
			if (st % fac != 0 ||
			    (cval(lo) > 0 && p % (uint64_t)st != 0))
				dt_error(pcb, line, "D_LLQUANT_STEPVAL",
					 "llquantize( ) argument #5 (steps "
					 "per magnitude) must be a multiple "
					 "of the factor that evenly divides "
					 "factor ^ (low magnitude + 1)");
		}
		if (ns->next && !is_int(ns->next))
			dt_error(pcb, line, "D_PROTO_ARG",
				 "llquantize( ) argument #6 must be of "
				 "scalar type");
		params[0] = fac;
		params[1] = cval(lo);
		params[2] = cval(hi);
		params[3] = st;
		if (ag->func == DT_AGG_LLQUANTIZE) {
			if (ag->params[0] != params[0])
				dt_error(pcb, line, "D_LLQUANT_MATCHFACTOR",
					 "llquantize( ) factor does not match "
					 "previous declaration");
			if (ag->params[1] != params[1])
				dt_error(pcb, line, "D_LLQUANT_LOWMATCH",
					 "llquantize( ) low magnitude does not "
					 "match previous declaration");
			if (ag->params[2] != params[2])
				dt_error(pcb, line, "D_LLQUANT_MATCHHMAG",
					 "llquantize( ) high magnitude does "
					 "not match previous declaration");
			if (ag->params[3] != params[3])
				dt_error(pcb, line, "D_LLQUANT_MATCHSTEPS",
					 "llquantize( ) steps per magnitude "
					 "does not match previous declaration");
		}
	} else if (call->aggfunc == DT_AGG_QUANTIZE) {
		if (a->next && !is_int(a->next))
			dt_error(pcb, line, "D_PROTO_ARG",
				 "quantize( ) argument #2 must be of scalar "
				 "type");
	}
}

/* stack(), ustack(), jstack(), sym() and kin: allowed as aggregation keys,
 * where they record a call stack or print an address as a symbol. */
static int key_call(const dt_node_t *k)
{
	if (k->kind != DT_N_CALL || k->callkind != DT_CALL_ACTION)
		return 0;
	switch (k->act) {
	case DT_ACT_STACK: case DT_ACT_USTACK: case DT_ACT_JSTACK:
	case DT_ACT_SYM: case DT_ACT_MOD: case DT_ACT_USYM:
	case DT_ACT_UMOD: case DT_ACT_UADDR:
		return 1;
	default:
		return 0;
	}
}

static uint32_t key_kind(const dt_node_t *call)
{
	return call != NULL ? call->act : 0;
}

static void check_aggstmt(dt_pcb_t *pcb, dt_node_t *s, clstate_t *st)
{
	dt_node_t *an = s->left, *call = s->right;
	if (call->kind != DT_N_CALL)
		dt_error(pcb, s->line, "D_AGG_FUNC",
			 "@%s must be assigned the result of an aggregating "
			 "function",
			 an->sval);
	if (an->keys)
		cook_list(pcb, &an->keys);
	dt_node_t *keycalls[64];
	uint32_t nk = 0;
	for (dt_node_t **kp = &an->keys; *kp; kp = &(*kp)->next, nk++) {
		dt_node_t *k = *kp, *r;
		if (nk < 64)
			keycalls[nk] = NULL;
		if (key_call(k)) {
			/* the key's value: the address for sym() and kin,
			 * nothing for a stack (the engine records it) */
			if (k->act == DT_ACT_STACK || k->act == DT_ACT_USTACK ||
			    k->act == DT_ACT_JSTACK) {
				r = dt_node_new(pcb, DT_N_INT, k->line);
				r->ival = 0;
				r = cookr(pcb, r);
			} else {
				r = k->args;
			}
			r->next = k->next;
			*kp = r;
			if (nk < 64)
				keycalls[nk] = k;
			continue;
		}
		if (k->kind == DT_N_AGG || is_void(k))
			dt_error(pcb, k->line, "D_KEY_TYPE",
				 "@%s[ ] key is of a type that cannot be used "
				 "as a key",
				 an->sval);
	}
	int fi = call->sval ? dt_func_lookup(call->sval) : -1;
	if (call->left && call->left->kind != DT_N_IDENT)
		dt_error(pcb, call->line, "D_FUNC_IDENT",
			 "function designator is not of function type");
	if (fi < 0)
		dt_error(pcb, call->line, "D_FUNC_UNDEF",
			 "undefined function name: %s", call->sval);
	if (funcs[fi].kind != FK_AGG)
		dt_error(pcb, call->line, "D_AGG_FUNC",
			 "@%s must be assigned the result of an aggregating "
			 "function",
			 an->sval);
	call = cookr(pcb, call);
	s->right = call;
	dt_agg_t *ag = agg_lookup(pcb, an->sval);
	int64_t params[4] = { 0, 0, 0, 0 };
	if (ag && ag->func && ag->func != call->aggfunc)
		dt_error(pcb, s->line, "D_AGG_REDEF",
			 "@%s: aggregation redefined", an->sval);
	if (ag && ag->nkeys != an->nkeys)
		dt_error(pcb, s->line, "D_PROTO_LEN",
			 "@%s[ ] prototype mismatch: %u args passed, %u "
			 "expected",
			 an->sval, an->nkeys, ag->nkeys);
	if (ag) {
		uint32_t i = 0;
		for (dt_node_t *k = an->keys; k; k = k->next, i++)
			if (!key_compat(ag->keytypes[i], k) ||
			    (i < 64 && key_kind(ag->keycalls[i]) !=
					   key_kind(keycalls[i]))) {
				char b1[128], b2[128];
				dt_error(pcb, s->line, "D_PROTO_ARG",
					 "@%s[ ] argument #%u is incompatible "
					 "with prototype:\n\tprototype: %s\n\t"
					 " argument: %s",
					 an->sval, i + 1,
					 dt_type_name(ag->keytypes[i], b1,
						      sizeof(b1)),
					 tstr(k, b2, sizeof(b2)));
			}
	}
	dt_agg_t tmp;
	memset(&tmp, 0, sizeof(tmp));
	check_agg_params(pcb, call, ag ? ag : &tmp, params);
	(void)st;
	if (!ag) {
		ag = agg_new(pcb, an->sval, an->line);
		ag->func = call->aggfunc;
		ag->nkeys = an->nkeys;
		if (an->nkeys) {
			ag->keytypes = dt_arena_alloc(
				&pcb->arena, an->nkeys * sizeof(dt_type_t *));
			ag->keycalls = dt_arena_alloc(
				&pcb->arena, an->nkeys * sizeof(dt_node_t *));
			uint32_t i = 0;
			for (dt_node_t *k = an->keys; k; k = k->next, i++) {
				ag->keytypes[i] = key_type(pcb, k);
				ag->keycalls[i] = i < 64 ? keycalls[i] : NULL;
			}
		}
		memcpy(ag->params, params, sizeof(params));
		ag->valtype = call->args ? call->args->type : NULL;
	}
	an->agg = ag;
	an->flags |= DT_NF_COOKED;
}

static void check_action(dt_pcb_t *pcb, dt_node_t *e, clstate_t *st)
{
	if (e->kind != DT_N_CALL || e->callkind != DT_CALL_ACTION) {
		return;
	}
	uint32_t act = e->act;
	int line = e->line;
	switch (act) {
	case DT_ACT_PRINTF:
	case DT_ACT_SYSTEM:
	case DT_ACT_FREOPEN:
		check_printf(pcb, e);
		break;
	case DT_ACT_PRINTA:
		check_printa(pcb, e);
		break;
	case DT_ACT_PRINT:
		if (e->args && is_const(e->args) &&
		    dt_type_kind(e->args->type) != DT_TK_ENUM)
			dt_error(pcb, line, "D_PROTO_ARG",
				 "print( ) argument #1 is incompatible with "
				 "prototype:\n\tprototype: void *\n\t "
				 "argument: int");
		break;
	case DT_ACT_LIBACT:
		if (e->libact == DT_LIBACT_NORMALIZE) {
			dt_node_t *v = e->args->next;
			if (!is_int(v))
				dt_error(pcb, line, "D_NORMALIZE_SCALAR",
					 "normalize( ) argument #2 must be of "
					 "scalar type");
		}
		if (e->libact == DT_LIBACT_TRUNC && e->args->next) {
			dt_node_t *v = e->args->next;
			if (!is_int(v))
				dt_error(pcb, line, "D_TRUNC_SCALAR",
					 "trunc( ) argument #2 must be of "
					 "scalar type");
		}
		break;
	default:
		break;
	}
	if (act == DT_ACT_SPECULATE) {
		if (st->spec)
			dt_error(pcb, line, "D_SPEC_SPEC",
				 "speculate( ) may not follow speculate( )");
		if (st->commit)
			dt_error(pcb, line, "D_SPEC_COMM",
				 "speculate( ) may not follow commit( )");
		if (st->drec)
			dt_error(pcb, line, "D_SPEC_DREC",
				 "speculate( ) must precede data-recording "
				 "actions");
		if (st->agg)
			dt_error(pcb, line, "D_SPEC_AGG",
				 "speculate( ) may not follow an aggregating "
				 "action");
		st->spec = 1;
	} else if (act == DT_ACT_COMMIT || act == DT_ACT_DISCARD) {
		for (int i = 0; act == DT_ACT_COMMIT && i < st->ncommits; i++)
			if (e->args && same_expr(st->commits[i], e->args))
				dt_error(pcb, line, "D_COMM_COMM",
					 "commit( ) may not follow commit( )");
		if (act == DT_ACT_COMMIT && e->args && st->ncommits < 16)
			st->commits[st->ncommits++] = e->args;
		if (st->drec && act == DT_ACT_COMMIT)
			dt_error(pcb, line, "D_COMM_DREC",
				 "commit( ) may not follow data-recording "
				 "action(s)");
		if (st->spec && act == DT_ACT_COMMIT)
			dt_error(pcb, line, "D_COMM_SPEC",
				 "commit( ) may not follow speculate( )");
		if (act == DT_ACT_COMMIT)
			st->commit = 1;
	} else if (is_drec_act(act)) {
		if (st->commit)
			dt_error(pcb, line, "D_DREC_COMM",
				 "data-recording actions may not follow "
				 "commit( )");
		if (st->spec && (act == DT_ACT_EXIT || act >= 0x200))
			if (act == DT_ACT_EXIT ||
			    (act >= DT_ACT_STOP && act <= DT_ACT_FREOPEN) ||
			    (act >= DT_ACT_BREAKPOINT && act <= DT_ACT_CHILL))
				dt_error(pcb, line, "D_ACT_SPEC",
					 "destructive actions and exit( ) may "
					 "not follow speculate( )");
		st->drec = 1;
	}
}

static void cook_stmts(dt_pcb_t *pcb, dt_node_t *s)
{
	for (; s; s = s->next) {
		switch (s->kind) {
		case DT_N_EXPRSTMT: {
			dt_node_t *e = s->left;
			if (e->kind == DT_N_AGG) {
				dt_agg_t *a = agg_lookup(pcb, e->sval);
				if (!a && !e->keys)
					dt_error(pcb, e->line,
						 "D_IDENT_UNDEF",
						 "failed to resolve @%s: "
						 "Unknown variable name",
						 e->sval);
				dt_error(pcb, e->line, "D_AGG_NULL",
					 "expression has null effect: "
					 "aggregation @%s",
					 e->sval);
			}
			if (e->kind == DT_N_CALL && e->sval) {
				int fi = dt_func_lookup(e->sval);
				if (fi >= 0 && funcs[fi].kind == FK_AGG) {
					/* let prototype errors come first */
					cookr(pcb, e);
					dt_error(pcb, e->line, "D_AGG_FUNC",
						 "%s( ) may only be used as "
						 "an aggregating function",
						 e->sval);
				}
			}
			cctx_t cx;
			memset(&cx, 0, sizeof(cx));
			cx.stmt_top = 1;
			s->left = cook(pcb, e, &cx);
			break;
		}
		case DT_N_AGGSTMT:
			check_aggstmt(pcb, s, NULL);
			break;
		case DT_N_IF: {
			dt_node_t *c = cookr(pcb, s->cond);
			s->cond = c;
			if (!is_scalar(c) && !is_string(c))
				dt_error(pcb, c->line, "D_OP_SCALAR",
					 "if condition must be of scalar "
					 "type");
			cook_stmts(pcb, s->left);
			cook_stmts(pcb, s->right);
			break;
		}
		default:
			break;
		}
	}
}

static void action_stmts(dt_pcb_t *pcb, dt_node_t *s, clstate_t *st)
{
	for (; s; s = s->next) {
		switch (s->kind) {
		case DT_N_EXPRSTMT:
			check_action(pcb, s->left, st);
			break;
		case DT_N_AGGSTMT:
			if (st->spec)
				dt_error(pcb, s->line, "D_AGG_SPEC",
					 "aggregating actions may not follow "
					 "speculate( )");
			if (st->commit)
				dt_error(pcb, s->line, "D_AGG_COMM",
					 "aggregating actions may not follow "
					 "commit( )");
			st->agg = 1;
			break;
		case DT_N_IF:
			action_stmts(pcb, s->left, st);
			action_stmts(pcb, s->right, st);
			break;
		default:
			break;
		}
	}
}

void dt_check_clause(dt_pcb_t *pcb, dt_clause_t *c)
{
	pcb->clause = c;
	const dt_compile_opts_t *o = pcb->opts;
	/* probe descriptions */
	for (uint32_t i = 0; i < c->ndescs; i++) {
		if (!o || !o->probe_lookup)
			continue;
		dt_probeinfo_t info;
		memset(&info, 0, sizeof(info));
		int nm = o->probe_lookup(o->probe_lookup_arg, &c->descs[i],
					 &info);
		if (nm <= 0 && !o->zdefs) {
			const dt_probedesc_t *d = &c->descs[i];
			dt_error(pcb, c->desc_lines[i], "D_PDESC_ZERO",
				 "probe description %s%s%s:%s:%s:%s does not "
				 "match any probes",
				 d->target, *d->target ? ":" : "", d->provider,
				 d->module, d->function, d->name);
		}
		if (nm > 0 && i == 0)
			c->info = info;
	}
	/* As DTrace does: the body first, so that variables it assigns are
	 * known in the predicate; if that fails on an undefined variable,
	 * the predicate first (it may assign them), then the body again. */
	int retry = 0;
	if (c->pred) {
		dt_node_t *saved = NULL, **t = &saved;
		for (dt_node_t *s = c->stmts; s; s = s->next) {
			*t = node_copy(pcb, s);
			t = &(*t)->next;
		}
		jmp_buf ojb;
		memcpy(ojb, pcb->jb, sizeof(jmp_buf));
		if (setjmp(pcb->jb) == 0) {
			cook_stmts(pcb, c->stmts);
		} else {
			if (strcmp(pcb->err->tag, "D_IDENT_UNDEF") &&
			    strcmp(pcb->err->tag, "D_VAR_UNDEF")) {
				memcpy(pcb->jb, ojb, sizeof(jmp_buf));
				longjmp(pcb->jb, 1);
			}
			c->stmts = saved;
			retry = 1;
		}
		memcpy(pcb->jb, ojb, sizeof(jmp_buf));
	} else {
		cook_stmts(pcb, c->stmts);
	}
	if (c->pred) {
		c->pred = cookr(pcb, c->pred);
		if ((!is_scalar(c->pred) && !is_string(c->pred)) ||
		    dt_type_kind(c->pred->type) == DT_TK_ARRAY)
			dt_error(pcb, c->end_line ? c->end_line : c->pred->line,
				 "D_PRED_SCALAR",
				 "predicate result must be of scalar type");
	}
	if (retry)
		cook_stmts(pcb, c->stmts);
	clstate_t st;
	memset(&st, 0, sizeof(st));
	action_stmts(pcb, c->stmts, &st);
	pcb->clause = NULL;
}
