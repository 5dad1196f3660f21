/*
 * dt_front_impl.h: private state shared by the front end's files (lexer,
 * parser, checker, preprocessing). Not for use outside lib/front/.
 *
 * Owner: front end.
 */
#ifndef DT_FRONT_IMPL_H
#define DT_FRONT_IMPL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "front/dt_front.h"

/* ---- arena ---- */
typedef struct dt_arena_blk {
	struct dt_arena_blk *next;
	size_t used, cap;
	char data[];
} dt_arena_blk_t;

typedef struct dt_arena {
	dt_arena_blk_t *head;
} dt_arena_t;

void *dt_arena_alloc(dt_arena_t *a, size_t n); /* zeroed */
char *dt_arena_strdup(dt_arena_t *a, const char *s);
char *dt_arena_strndup(dt_arena_t *a, const char *s, size_t n);
void dt_arena_free(dt_arena_t *a);

/* ---- tokens ---- */
enum dt_tok {
	T_EOF = 0,
	T_IDENT,
	T_INT,
	T_STRING,
	T_AGG,     /* @name (s = name, "" for @) */
	T_BQ,      /* `name or mod`name (s = whole text) */
	T_MACRO,   /* $name / $$name (s = text after $; ival = 1 for $$) */
	/* keywords */
	T_KW_FIRST,
	T_AUTO = T_KW_FIRST, T_BREAK, T_CASE, T_CHAR, T_CONST, T_CONTINUE,
	T_COUNTER, T_DEFAULT, T_DO, T_DOUBLE, T_ELSE, T_ENUM, T_EXTERN,
	T_FLOAT, T_FOR, T_GOTO, T_IF, T_IMPORT, T_INLINE, T_INT_KW, T_LONG,
	T_OFFSETOF, T_PROBE, T_PROVIDER, T_REGISTER, T_RESTRICT, T_RETURN,
	T_SELF, T_SHORT, T_SIGNED, T_SIZEOF, T_STATIC, T_STRING_KW,
	T_STRINGOF, T_STRUCT, T_SWITCH, T_THIS, T_TRANSLATOR, T_TYPEDEF,
	T_UNION, T_UNSIGNED, T_USERLAND, T_VOID, T_VOLATILE, T_WHILE,
	T_XLATE,
	T_KW_LAST = T_XLATE,
	/* punctuators */
	T_LPAR, T_RPAR, T_LBRACK, T_RBRACK, T_LBRACE, T_RBRACE, T_COMMA,
	T_SEMI, T_COLON, T_QUEST, T_DOT, T_ARROW, T_PLUS, T_MINUS, T_STAR,
	T_SLASH, T_PERCENT, T_AMP, T_PIPE, T_CARET, T_TILDE, T_BANG, T_LT,
	T_GT, T_LE, T_GE, T_EQ, T_NE, T_LAND, T_LOR, T_LXOR, T_SHL, T_SHR,
	T_INC, T_DEC, T_ASSIGN, T_ADD_ASSIGN, T_SUB_ASSIGN, T_MUL_ASSIGN,
	T_DIV_ASSIGN, T_MOD_ASSIGN, T_SHL_ASSIGN, T_SHR_ASSIGN, T_AND_ASSIGN,
	T_XOR_ASSIGN, T_OR_ASSIGN, T_ELLIPSIS
};

typedef struct dt_token {
	enum dt_tok t;
	int line;
	char *s;       /* identifier / string text (arena) */
	size_t slen;
	uint64_t ival; /* integer value */
	int isuffix;   /* bit 0: u, bits 1-2: number of l */
	int ibase;     /* 8, 10, 16 */
	int ischar;    /* integer from a character constant */
	const char *start; /* where the token began in the source */
} dt_token_t;

/* A declared inline. */
typedef struct dt_inline {
	char *name;
	dt_type_t *type;
	dt_node_t *expr;  /* checked */
	uint32_t nargs;   /* inline arrays: key types and parameter names */
	dt_type_t **keytypes;
	char **argnames;
	dt_node_t *raw;   /* inline arrays: the uncooked expression */
	int line;
} dt_inline_t;

/* The parse/check state. */
typedef struct dt_pcb {
	dt_front_prog_t *prog;
	dt_arena_t arena;
	const dt_compile_opts_t *opts;
	dt_compile_error_t *err;
	jmp_buf jb;

	/* lexer */
	const char *src, *p, *end;
	int line;
	dt_token_t tok;  /* current token */
	dt_token_t peek; /* one-token lookahead (valid if havepeek) */
	int havepeek;
	int pdepth;      /* ( nesting of the tokens made current so far */

	/* tables */
	dt_inline_t **inlines;
	uint32_t ninlines;
	int in_clause;   /* checking a clause (vs. a declaration) */
	dt_clause_t *clause; /* clause being checked */
	int in_pred;
	int in_xlator;
	dt_xlator_t *xlator_cur;
	uint32_t next_gid, next_tid, next_lid;
	int defaultargs;
	int nonuser_macro; /* reserved */
	int in_addrof;     /* cooking the operand of unary & */
	/* extern declarations: kernel symbols with their declared types */
	char **extnames;
	dt_type_t **exttypes;
	uint32_t nexterns;
} dt_pcb_t;

/* errors: never return */
__attribute__((noreturn, format(printf, 4, 5))) void
dt_error(dt_pcb_t *pcb, int line, const char *tag, const char *fmt, ...);

/* lexer (dt_lex.c) */
void dt_lex_init(dt_pcb_t *pcb, const char *src, size_t len);
void dt_lex_next(dt_pcb_t *pcb);          /* advance pcb->tok */
dt_token_t *dt_lex_peek(dt_pcb_t *pcb);   /* the token after pcb->tok */
/* Probe description scanning: from the raw position just after the
 * current token state (pcb->tok must have been consumed with no
 * lookahead). Skips space/comments; returns NULL if none begins here. */
char *dt_lex_pdesc(dt_pcb_t *pcb, int *line);
void dt_lex_skip_space(dt_pcb_t *pcb);
const char *dt_tok_name(enum dt_tok t);

/* parser (dt_parse.c) */
void dt_parse_program(dt_pcb_t *pcb);

/* checker (dt_check.c) */
dt_node_t *dt_node_new(dt_pcb_t *pcb, enum dt_nkind k, int line);
void dt_check_clause(dt_pcb_t *pcb, dt_clause_t *c);
dt_node_t *dt_check_expr(dt_pcb_t *pcb, dt_node_t *n);
/* integer constant expression: checks and folds; error tag if not */
int64_t dt_check_intconst(dt_pcb_t *pcb, dt_node_t *n, const char *tag,
			  const char *what);
void dt_check_inline(dt_pcb_t *pcb, dt_inline_t *inl);
void dt_check_xlator(dt_pcb_t *pcb, dt_xlator_t *xl);
dt_var_t *dt_var_lookup(dt_pcb_t *pcb, int scope, const char *name);
dt_var_t *dt_var_declare(dt_pcb_t *pcb, int scope, const char *name,
			 dt_type_t *type, int line);
dt_inline_t *dt_inline_lookup(dt_pcb_t *pcb, const char *name);
int dt_builtin_lookup(const char *name, uint32_t *id);
int dt_func_lookup(const char *name);

/* pragmas and options (dt_pragma.c) */
void dt_pragma(dt_pcb_t *pcb, const char *text, int line);
void dt_option_set(dt_pcb_t *pcb, const char *name, const char *value,
		   int line);

#endif /* DT_FRONT_IMPL_H */
