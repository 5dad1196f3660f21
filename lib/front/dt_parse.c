/*
 * dt_parse.c: the D parser: recursive descent for declarations, clauses and
 * statements, precedence climbing for expressions. Declarations (types,
 * variables, inlines, translators) take effect as they are parsed, as in C
 * and DTrace, so that typedef names parse as types afterwards; clauses are
 * collected and checked after the whole program has parsed.
 *
 * Owner: front end.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/dt_front_impl.h"

#define TT(pcb) ((pcb)->prog->types)
#define TOK (pcb->tok.t)
#define LINE (pcb->tok.line)

static dt_node_t *parse_expr(dt_pcb_t *pcb);
static dt_node_t *parse_assign(dt_pcb_t *pcb);
static dt_node_t *parse_cast(dt_pcb_t *pcb);
static dt_type_t *parse_type_name(dt_pcb_t *pcb);

__attribute__((noreturn)) static void syntax(dt_pcb_t *pcb)
{
	dt_token_t *t = &pcb->tok;
	if (t->t == T_SLASH && pcb->in_pred && pcb->pdepth > 0)
		dt_error(pcb, dt_lex_peek(pcb)->line, "D_SYNTAX",
			 "closing ) expected in predicate before /");
	if (t->t == T_EOF)
		dt_error(pcb, t->line, "D_SYNTAX",
			 "syntax error near end of input");
	char near[64];
	if (t->t == T_IDENT || t->t == T_BQ || (t->t >= T_KW_FIRST &&
						 t->t <= T_KW_LAST))
		snprintf(near, sizeof(near), "%s", t->s);
	else if (t->t == T_INT && t->start && *t->start == '$') {
		/* a macro variable: DTrace names it as written */
		size_t n = 1;
		while (isalnum((unsigned char)t->start[n]) ||
		       t->start[n] == '_' || t->start[n] == '$')
			n++;
		snprintf(near, sizeof(near), "%.*s", (int)n, t->start);
	} else if (t->t == T_INT)
		snprintf(near, sizeof(near), "%llu",
			 (unsigned long long)t->ival);
	else if (t->t == T_STRING)
		snprintf(near, sizeof(near), "\"%s\"", t->s);
	else if (t->t == T_AGG)
		snprintf(near, sizeof(near), "@%s", t->s);
	else
		snprintf(near, sizeof(near), "%s", dt_tok_name(t->t));
	dt_error(pcb, t->line, "D_SYNTAX", "syntax error near \"%s\"", near);
}

static void next(dt_pcb_t *pcb) { dt_lex_next(pcb); }

static void expect(dt_pcb_t *pcb, enum dt_tok t)
{
	/* DTrace's lexer ends a predicate at a '/' and names what is
	 * still open (on the line of what follows the '/') */
	if (TOK != t && TOK == T_SLASH && pcb->in_pred &&
	    (t == T_RPAR || t == T_RBRACK))
		dt_error(pcb, dt_lex_peek(pcb)->line, "D_SYNTAX",
			 "closing %s expected in predicate before /",
			 t == T_RPAR ? ")" : "]");
	if (TOK != t)
		syntax(pcb);
	next(pcb);
}

static int accept(dt_pcb_t *pcb, enum dt_tok t)
{
	if (TOK == t) {
		next(pcb);
		return 1;
	}
	return 0;
}

/* ---- types ---- */

static int is_typedef_name(dt_pcb_t *pcb, const char *name)
{
	/* D variables and inlines hide kernel type names */
	if (dt_var_lookup(pcb, DIFV_SCOPE_GLOBAL, name) ||
	    dt_inline_lookup(pcb, name))
		return dt_type_lookup_name(TT(pcb), "D", DT_TK_TYPEDEF,
					   name) != NULL;
	return dt_type_lookup_name(TT(pcb), NULL, DT_TK_TYPEDEF, name) != NULL;
}

/* A `-scoped name that names a type: mod`type, mod`struct (tag follows) */
static int bq_is_type(dt_pcb_t *pcb, const char *s)
{
	const char *bq = strrchr(s, '`');
	if (!bq)
		return 0;
	const char *n = bq + 1;
	if (!strcmp(n, "struct") || !strcmp(n, "union") || !strcmp(n, "enum"))
		return 1;
	char mod[64];
	snprintf(mod, sizeof(mod), "%.*s", (int)(bq - s), s);
	if (!*n)
		return 0;
	if (mod[0] == 0 || !strcmp(mod, "vmlinux") || !strcmp(mod, "C") ||
	    !strcmp(mod, "D"))
		return dt_type_lookup_name(TT(pcb), mod[0] ? mod : NULL,
					   DT_TK_TYPEDEF, n) != NULL;
	return 0;
}

static int tok_starts_type(dt_pcb_t *pcb, dt_token_t *t)
{
	switch (t->t) {
	case T_CHAR: case T_SHORT: case T_INT_KW: case T_LONG: case T_FLOAT:
	case T_DOUBLE: case T_SIGNED: case T_UNSIGNED: case T_VOID:
	case T_STRING_KW: case T_STRUCT: case T_UNION: case T_ENUM:
	case T_CONST: case T_VOLATILE: case T_RESTRICT: case T_USERLAND:
		return 1;
	case T_IDENT:
		return is_typedef_name(pcb, t->s);
	case T_BQ:
		return bq_is_type(pcb, t->s);
	default:
		return 0;
	}
}

/* Declaration specifiers. */
enum { SC_NONE, SC_TYPEDEF, SC_EXTERN, SC_STATIC, SC_REGISTER, SC_AUTO,
       SC_SELF, SC_THIS };

typedef struct dspec {
	int sclass;
	int nclass;
	uint32_t quals;
	int userland;
	int nlong, nshort, sign; /* sign: 1 signed, 2 unsigned */
	enum dt_tok base;        /* T_CHAR, T_INT_KW, ..., T_STRUCT: for sou
				    /enum/typedef-name (then type set) */
	dt_type_t *type;
	int has_type;
	int line;
} dspec_t;

static dt_type_t *parse_sou(dt_pcb_t *pcb, enum dt_tok kw);
static dt_type_t *parse_enum(dt_pcb_t *pcb);

static void spec_base(dt_pcb_t *pcb, dspec_t *ds, enum dt_tok b)
{
	if (ds->has_type && ds->base != T_EOF) {
		if (b == T_CHAR && (ds->nlong))
			dt_error(pcb, LINE, "D_DECL_CHARATTR",
				 "invalid type declaration: attributes "
				 "may not be used with char");
		dt_error(pcb, LINE, "D_DECL_COMBO",
			 "invalid type combination");
	}
	if ((b == T_STRUCT || b == T_UNION || b == T_ENUM || b == T_IDENT ||
	     b == T_VOID || b == T_STRING_KW || b == T_FLOAT ||
	     b == T_DOUBLE) && (ds->nlong || ds->nshort || ds->sign)) {
		if (ds->sign && b != T_DOUBLE)
			dt_error(pcb, LINE, "D_DECL_SIGNINT",
				 "invalid type declaration: signed and "
				 "unsigned may only be used with integer "
				 "type");
		if (!(b == T_DOUBLE && ds->nlong == 1 && !ds->nshort))
			dt_error(pcb, LINE, "D_DECL_LONGINT",
				 "invalid type declaration: short and long "
				 "may only be used with integer or floating-"
				 "point type");
	}
	if (b == T_CHAR && (ds->nlong || ds->nshort))
		dt_error(pcb, LINE, "D_DECL_CHARATTR",
			 "invalid type declaration: short and long may not "
			 "be used with char type");
	ds->base = b;
	ds->has_type = 1;
}

static void spec_attr(dt_pcb_t *pcb, dspec_t *ds, enum dt_tok a)
{
	enum dt_tok b = ds->has_type ? ds->base : T_EOF;
	if (a == T_LONG || a == T_SHORT) {
		if (b == T_CHAR)
			dt_error(pcb, LINE, "D_DECL_CHARATTR",
				 "invalid type declaration: short and long "
				 "may not be used with char type");
		if (b == T_STRUCT || b == T_UNION || b == T_ENUM ||
		    b == T_IDENT || b == T_VOID || b == T_STRING_KW ||
		    b == T_FLOAT || (b == T_DOUBLE && a == T_SHORT))
			dt_error(pcb, LINE, "D_DECL_LONGINT",
				 "invalid type declaration: short and long "
				 "may only be used with integer or floating-"
				 "point type");
		if (a == T_LONG) {
			if (ds->nshort)
				dt_error(pcb, LINE, "D_UNKNOWN",
					 "failed to resolve type short long : "
					 "Unknown type name");
			if (++ds->nlong > 2)
				dt_error(pcb, LINE, "D_DECL_COMBO",
					 "invalid type declaration: too many "
					 "long attributes");
		} else {
			if (ds->nlong)
				dt_error(pcb, LINE, "D_UNKNOWN",
					 "failed to resolve type short long : "
					 "Unknown type name");
			if (++ds->nshort > 1)
				dt_error(pcb, LINE, "D_DECL_COMBO",
					 "invalid type combination");
		}
	} else {
		if (b == T_STRUCT || b == T_UNION || b == T_ENUM ||
		    b == T_IDENT || b == T_VOID || b == T_STRING_KW ||
		    b == T_FLOAT || b == T_DOUBLE)
			dt_error(pcb, LINE, "D_DECL_SIGNINT",
				 "invalid type declaration: signed and "
				 "unsigned may only be used with integer "
				 "type");
		int s = a == T_SIGNED ? 1 : 2;
		if (ds->sign)
			dt_error(pcb, LINE, "D_DECL_COMBO",
				 "invalid type combination");
		ds->sign = s;
	}
}

/* Parses declaration specifiers; returns 0 if none were found. */
static int parse_specs(dt_pcb_t *pcb, dspec_t *ds, int allow_class)
{
	memset(ds, 0, sizeof(*ds));
	ds->base = T_EOF;
	ds->line = LINE;
	int any = 0;
	for (;;) {
		enum dt_tok t = TOK;
		switch (t) {
		case T_TYPEDEF: case T_EXTERN: case T_STATIC: case T_REGISTER:
		case T_AUTO: case T_SELF: case T_THIS: {
			if (!allow_class)
				syntax(pcb);
			/* self-> / this-> at top level are not specifiers */
			if ((t == T_SELF || t == T_THIS) &&
			    dt_lex_peek(pcb)->t == T_ARROW)
				return any;
			int sc = t == T_TYPEDEF	 ? SC_TYPEDEF
				 : t == T_EXTERN ? SC_EXTERN
				 : t == T_STATIC ? SC_STATIC
				 : t == T_REGISTER ? SC_REGISTER
				 : t == T_AUTO	 ? SC_AUTO
				 : t == T_SELF	 ? SC_SELF
						 : SC_THIS;
			if (ds->nclass++)
				dt_error(pcb, LINE, "D_DECL_CLASS",
					 "only one storage class allowed "
					 "in a declaration");
			ds->sclass = sc;
			next(pcb);
			any = 1;
			continue;
		}
		case T_CONST:
			ds->quals |= DT_TF_CONST;
			next(pcb);
			any = 1;
			continue;
		case T_VOLATILE:
			ds->quals |= DT_TF_VOLATILE;
			next(pcb);
			any = 1;
			continue;
		case T_RESTRICT:
			ds->quals |= DT_TF_RESTRICT;
			next(pcb);
			any = 1;
			continue;
		case T_USERLAND:
			ds->userland = 1;
			next(pcb);
			any = 1;
			continue;
		case T_INLINE:
			/* C's inline (system headers under -C) */
			if (!allow_class)
				syntax(pcb);
			next(pcb);
			any = 1;
			continue;
		case T_LONG: case T_SHORT: case T_SIGNED: case T_UNSIGNED:
			spec_attr(pcb, ds, t);
			next(pcb);
			any = 1;
			continue;
		case T_CHAR: case T_INT_KW: case T_VOID: case T_FLOAT:
		case T_DOUBLE: case T_STRING_KW:
			spec_base(pcb, ds, t);
			next(pcb);
			any = 1;
			continue;
		case T_STRUCT: case T_UNION:
			spec_base(pcb, ds, t);
			ds->type = parse_sou(pcb, t);
			any = 1;
			continue;
		case T_ENUM:
			spec_base(pcb, ds, t);
			ds->type = parse_enum(pcb);
			any = 1;
			continue;
		case T_IDENT:
			if (ds->has_type || !is_typedef_name(pcb, pcb->tok.s))
				return any;
			spec_base(pcb, ds, T_IDENT);
			ds->type = dt_type_lookup_name(TT(pcb), NULL,
						       DT_TK_TYPEDEF,
						       pcb->tok.s);
			next(pcb);
			any = 1;
			continue;
		case T_BQ: {
			if (ds->has_type || !bq_is_type(pcb, pcb->tok.s))
				return any;
			const char *s = pcb->tok.s, *bq = strrchr(s, '`');
			char mod[64];
			snprintf(mod, sizeof(mod), "%.*s", (int)(bq - s), s);
			const char *n = bq + 1;
			int line = LINE;
			if (!strcmp(n, "struct") || !strcmp(n, "union") ||
			    !strcmp(n, "enum")) {
				enum dt_tkind k = n[0] == 's' ? DT_TK_STRUCT
						  : n[0] == 'u' ? DT_TK_UNION
								: DT_TK_ENUM;
				next(pcb);
				if (TOK != T_IDENT)
					syntax(pcb);
				dt_type_t *ty = dt_type_lookup_name(
					TT(pcb), mod[0] ? mod : NULL, k,
					pcb->tok.s);
				if (!ty)
					dt_error(pcb, line, "D_TYPE_ERR",
						 "failed to resolve type "
						 "%s`%s %s",
						 mod, n, pcb->tok.s);
				spec_base(pcb, ds, T_STRUCT);
				ds->type = ty;
			} else {
				spec_base(pcb, ds, T_IDENT);
				ds->type = dt_type_lookup_name(
					TT(pcb), mod[0] ? mod : NULL,
					DT_TK_TYPEDEF, n);
			}
			next(pcb);
			any = 1;
			continue;
		}
		default:
			return any;
		}
	}
}

/* The type the specifiers name (int when only attributes were given). */
static dt_type_t *spec_type(dt_pcb_t *pcb, dspec_t *ds)
{
	dt_typetab_t *tt = TT(pcb);
	dt_type_t *t;
	switch (ds->base) {
	case T_CHAR:
		t = ds->sign == 2   ? dt_type_lookup_name(tt, "C",
							 DT_TK_TYPEDEF,
							 "unsigned char")
		    : ds->sign == 1 ? dt_type_lookup_name(tt, "C",
							 DT_TK_TYPEDEF,
							 "signed char")
				    : dt_type_char(tt);
		break;
	case T_VOID:
		t = dt_type_void(tt);
		break;
	case T_STRING_KW:
		t = dt_type_string(tt);
		break;
	case T_FLOAT:
		t = dt_type_lookup_name(tt, "C", DT_TK_TYPEDEF, "float");
		break;
	case T_DOUBLE:
		t = dt_type_lookup_name(tt, "C", DT_TK_TYPEDEF,
					ds->nlong ? "long double" : "double");
		break;
	case T_STRUCT: case T_UNION: case T_ENUM: case T_IDENT:
		t = ds->type;
		break;
	default: {
		int u = ds->sign == 2;
		if (ds->nshort)
			t = dt_type_int(tt, 2, !u);
		else if (ds->nlong == 2)
			t = dt_type_lookup_name(tt, "C", DT_TK_TYPEDEF,
						u ? "unsigned long long"
						  : "long long");
		else if (ds->nlong == 1)
			t = dt_type_int(tt, 8, !u);
		else
			t = dt_type_int(tt, 4, !u);
		break;
	}
	}
	if (!t)
		t = dt_type_int32(tt);
	if (ds->quals)
		t = dt_type_qual(tt, t, ds->quals);
	return t;
}

/* Declarator derivations, applied to the base type in order. */
enum { DOP_PTR, DOP_ARRAY, DOP_ASSOC, DOP_FUNC };
typedef struct dop {
	int kind;
	uint32_t quals;
	int64_t n;            /* ARRAY size, -1 for [] */
	dt_type_t **types;    /* ASSOC key types / FUNC args */
	uint32_t ntypes;
	int varargs;
	int line;
} dop_t;

typedef struct declr {
	char *name;
	int line;
	dop_t ops[16];
	int nops;
} declr_t;

static void add_op(dt_pcb_t *pcb, declr_t *d, dop_t op)
{
	if (d->nops >= 16)
		dt_error(pcb, LINE, "D_DECL_DYNOBJ",
			 "declarator is too complex");
	d->ops[d->nops++] = op;
}

static void parse_params(dt_pcb_t *pcb, dop_t *op)
{
	/* after '(' */
	dt_type_t *args[32];
	uint32_t n = 0;
	int sawvoid = 0;
	op->kind = DOP_FUNC;
	if (TOK == T_RPAR) {
		next(pcb);
		return;
	}
	for (;;) {
		if (TOK == T_ELLIPSIS) {
			next(pcb);
			op->varargs = 1;
			break;
		}
		dspec_t ds;
		int line = LINE;
		if (!parse_specs(pcb, &ds, 0))
			syntax(pcb);
		dt_type_t *bt = spec_type(pcb, &ds);
		declr_t d;
		memset(&d, 0, sizeof(d));
		/* parameter declarator (possibly abstract) */
		extern void dt_parse_declarator(dt_pcb_t *, declr_t *, int);
		dt_parse_declarator(pcb, &d, 1);
		dt_type_t *t = bt;
		for (int i = 0; i < d.nops; i++) {
			dop_t *o = &d.ops[i];
			if (o->kind == DOP_ASSOC)
				dt_error(pcb, line, "D_DECL_PROTO_TYPE",
					 "function prototype may not use "
					 "parameter of type dynamic variable: "
					 "%s, parameter #%u",
					 d.name ? d.name : "", n + 1);
			if (o->kind == DOP_PTR)
				t = dt_type_qual(TT(pcb),
						 dt_type_ptr(TT(pcb), t),
						 o->quals);
			else if (o->kind == DOP_ARRAY)
				t = dt_type_ptr(TT(pcb), t);
			else
				t = dt_type_ptr(TT(pcb),
						dt_type_func(TT(pcb), t,
							     o->types,
							     o->ntypes,
							     o->varargs));
		}
		if (dt_type_is_void(t) && d.nops == 0) {
			if (d.name)
				dt_error(pcb, line, "D_DECL_PROTO_NAME",
					 "void parameter may not have a "
					 "name: %s", d.name);
			sawvoid = 1;
		} else if (n < 32) {
			args[n++] = t;
		}
		if (!accept(pcb, T_COMMA))
			break;
	}
	if (sawvoid && (n > 0 || op->varargs))
		dt_error(pcb, LINE, "D_DECL_PROTO_VOID",
			 "void must be sole parameter");
	expect(pcb, T_RPAR);
	if (n) {
		op->types = dt_arena_alloc(&pcb->arena, n * sizeof(*args));
		memcpy(op->types, args, n * sizeof(*args));
	}
	op->ntypes = n;
}

void dt_parse_declarator(dt_pcb_t *pcb, declr_t *d, int abstract);

void dt_parse_declarator(dt_pcb_t *pcb, declr_t *d, int abstract)
{
	dop_t ptrs[8];
	int nptr = 0;
	while (TOK == T_STAR) {
		next(pcb);
		uint32_t q = 0;
		for (;;) {
			if (TOK == T_CONST)
				q |= DT_TF_CONST;
			else if (TOK == T_VOLATILE)
				q |= DT_TF_VOLATILE;
			else if (TOK == T_RESTRICT)
				q |= DT_TF_RESTRICT;
			else if (TOK == T_USERLAND)
				q |= DT_TF_USERLAND;
			else
				break;
			next(pcb);
		}
		if (nptr < 8) {
			memset(&ptrs[nptr], 0, sizeof(ptrs[0]));
			ptrs[nptr].kind = DOP_PTR;
			ptrs[nptr].quals = q;
			nptr++;
		}
	}
	declr_t inner;
	int have_inner = 0;
	memset(&inner, 0, sizeof(inner));
	if (TOK == T_LPAR) {
		dt_token_t *pk = dt_lex_peek(pcb);
		if (pk->t == T_STAR || pk->t == T_LPAR ||
		    (pk->t == T_IDENT && !is_typedef_name(pcb, pk->s) &&
		     !abstract) ||
		    pk->t == T_LBRACK) {
			next(pcb);
			dt_parse_declarator(pcb, &inner, abstract);
			expect(pcb, T_RPAR);
			have_inner = 1;
			d->name = inner.name;
			d->line = inner.line;
		}
	}
	if (!have_inner && TOK == T_IDENT) {
		d->name = pcb->tok.s;
		d->line = LINE;
		next(pcb);
	} else if (!have_inner && !abstract) {
		syntax(pcb);
	}
	/* suffixes */
	dop_t suf[8];
	int nsuf = 0;
	for (;;) {
		dop_t op;
		memset(&op, 0, sizeof(op));
		op.line = LINE;
		if (TOK == T_LBRACK) {
			next(pcb);
			if (TOK == T_RBRACK) {
				op.kind = DOP_ARRAY;
				op.n = -1;
				next(pcb);
			} else if (tok_starts_type(pcb, &pcb->tok)) {
				dt_type_t *kt[16];
				uint32_t nk = 0;
				op.kind = DOP_ASSOC;
				do {
					dt_type_t *t = parse_type_name(pcb);
					if (nk < 16)
						kt[nk++] = t;
				} while (accept(pcb, T_COMMA));
				expect(pcb, T_RBRACK);
				op.types = dt_arena_alloc(&pcb->arena,
							  nk * sizeof(*kt));
				memcpy(op.types, kt, nk * sizeof(*kt));
				op.ntypes = nk;
			} else {
				int line = LINE;
				dt_node_t *e = parse_expr(pcb);
				expect(pcb, T_RBRACK);
				int64_t v = dt_check_intconst(
					pcb, e, "D_DECL_ARRSUB",
					"array dimension");
				if (v <= 0 || v > (1LL << 32))
					dt_error(pcb, line, "D_DECL_ARRSUB",
						 "positive integral constant "
						 "expression or tuple signature "
						 "expected as array declaration "
						 "subscript");
				op.kind = DOP_ARRAY;
				op.n = v;
			}
		} else if (TOK == T_LPAR) {
			next(pcb);
			parse_params(pcb, &op);
		} else {
			break;
		}
		if (nsuf < 8)
			suf[nsuf++] = op;
	}
	/* application order: pointers, suffixes right to left, inner */
	for (int i = 0; i < nptr; i++)
		add_op(pcb, d, ptrs[i]);
	for (int i = nsuf - 1; i >= 0; i--)
		add_op(pcb, d, suf[i]);
	for (int i = 0; i < inner.nops; i++)
		add_op(pcb, d, inner.ops[i]);
}

/* Applies a declarator's derivations except a final assoc array. */
static dt_type_t *apply_ops(dt_pcb_t *pcb, dt_type_t *t, declr_t *d,
			    dop_t **assoc)
{
	*assoc = NULL;
	for (int i = 0; i < d->nops; i++) {
		dop_t *o = &d->ops[i];
		switch (o->kind) {
		case DOP_PTR: {
			dt_type_t *p = dt_type_ptr(TT(pcb), t);
			t = dt_type_qual(TT(pcb), p, o->quals);
			break;
		}
		case DOP_ARRAY:
			if (!dt_type_is_complete(t) && !dt_type_is_string(t))
				dt_error(pcb, o->line, "D_DECL_INCOMPLETE",
					 "declared array of incomplete "
					 "type");
			t = dt_type_array(TT(pcb), t,
					  o->n < 0 ? 0 : (uint64_t)o->n);
			break;
		case DOP_FUNC:
			t = dt_type_func(TT(pcb), t, o->types, o->ntypes,
					 o->varargs);
			break;
		case DOP_ASSOC:
			if (i != d->nops - 1)
				dt_error(pcb, o->line, "D_DECL_DYNOBJ",
					 "dynamic array may not be used "
					 "here");
			*assoc = o;
			break;
		}
	}
	return t;
}

/* `userland T *` (the specifier, as DTrace allows) means what `T * userland`
 * means: the pointers are user-space addresses (loads use uld* / uuload). */
static void userland_ptrs(const dspec_t *ds, declr_t *d)
{
	for (int i = 0; ds->userland && i < d->nops; i++)
		if (d->ops[i].kind == DOP_PTR)
			d->ops[i].quals |= DT_TF_USERLAND;
}

static dt_type_t *parse_type_name(dt_pcb_t *pcb)
{
	dspec_t ds;
	if (!parse_specs(pcb, &ds, 0))
		syntax(pcb);
	dt_type_t *t = spec_type(pcb, &ds);
	declr_t d;
	memset(&d, 0, sizeof(d));
	dt_parse_declarator(pcb, &d, 1);
	if (d.name)
		syntax(pcb);
	dop_t *assoc;
	userland_ptrs(&ds, &d);
	t = apply_ops(pcb, t, &d, &assoc);
	if (assoc)
		dt_error(pcb, d.line, "D_DECL_DYNOBJ",
			 "dynamic array may not be used in a type name");
	return t;
}

static dt_type_t *parse_sou(dt_pcb_t *pcb, enum dt_tok kw)
{
	enum dt_tkind k = kw == T_STRUCT ? DT_TK_STRUCT : DT_TK_UNION;
	const char *kws = kw == T_STRUCT ? "struct" : "union";
	int line = LINE;
	next(pcb);
	char *tag = NULL;
	char mod[64] = "";
	if (TOK == T_IDENT) {
		tag = pcb->tok.s;
		next(pcb);
	} else if (TOK == T_BQ) {
		const char *s = pcb->tok.s, *bq = strrchr(s, '`');
		snprintf(mod, sizeof(mod), "%.*s", (int)(bq - s), s);
		tag = dt_arena_strdup(&pcb->arena, bq + 1);
		next(pcb);
	}
	if (TOK != T_LBRACE) {
		if (!tag)
			syntax(pcb);
		dt_type_t *t = NULL;
		if (mod[0] || dt_type_lookup_name(TT(pcb), "D", k, tag) == NULL)
			t = dt_type_lookup_name(TT(pcb), mod[0] ? mod : NULL,
						k, tag);
		if (!t && mod[0])
			dt_error(pcb, line, "D_TYPE_ERR",
				 "failed to resolve type %s`%s %s", mod, kws,
				 tag);
		if (!t)
			t = dt_type_decl_sou(TT(pcb), k, tag);
		return t;
	}
	/* a definition */
	dt_type_t *sou;
	if (tag) {
		sou = dt_type_lookup_name(TT(pcb), "D", k, tag);
		/* DTrace finds this on reading the '{' */
		if (sou && sou->kind != DT_TK_FORWARD)
			dt_error(pcb, LINE, "D_DECL_TYPERED",
				 "type redeclared: %s %s", kws, tag);
		if (!sou)
			sou = dt_type_decl_sou(TT(pcb), k, tag);
	} else {
		sou = dt_type_decl_sou(TT(pcb), k, NULL);
	}
	next(pcb); /* { */
	while (TOK != T_RBRACE) {
		dspec_t ds;
		int mline = LINE;
		if (!parse_specs(pcb, &ds, 0))
			syntax(pcb);
		dt_type_t *bt = spec_type(pcb, &ds);
		if (TOK == T_SEMI) {
			/* anonymous struct/union member */
			if (dt_type_is_sou(bt) ||
			    dt_type_kind(bt) == DT_TK_FORWARD) {
				const char *why;
				dt_type_sou_add_member(TT(pcb), sou, "", bt,
						       0, &why);
			}
			next(pcb);
			continue;
		}
		for (;;) {
			declr_t d;
			memset(&d, 0, sizeof(d));
			d.line = LINE;
			if (TOK != T_COLON)
				dt_parse_declarator(pcb, &d, 0);
			dop_t *assoc;
			dt_type_t *t = apply_ops(pcb, bt, &d, &assoc);
			int bits = 0;
			if (assoc)
				dt_error(pcb, d.line, "D_DECL_DYNOBJ",
					 "dynamic array may not be a member");
			if (TOK == T_COLON) {
				next(pcb);
				int bl = LINE;
				dt_node_t *e = parse_cast(pcb);
				int64_t v = dt_check_intconst(
					pcb, e, "D_DECL_BFCONST",
					"bit-field width");
				if (v <= 0)
					dt_error(pcb, bl, "D_DECL_BFCONST",
						 "positive integral constant "
						 "expression expected as "
						 "bit-field size");
				if (!dt_type_is_integer(t))
					dt_error(pcb, bl, "D_DECL_BFTYPE",
						 "invalid type for bit-field");
				if (v > 64 ||
				    (uint64_t)v > dt_type_size(t) * 8)
					dt_error(pcb, bl, "D_DECL_BFSIZE",
						 "bit-field too big for type: "
						 "%s", d.name ? d.name : "");
				bits = (int)v;
			}
			if (dt_type_is_func(t) || dt_type_is_void(t))
				dt_error(pcb, d.line ? d.line : mline,
					 "D_DECL_VOIDOBJ",
					 "cannot have void member: %s",
					 d.name ? d.name : "");
			if (!dt_type_is_complete(t) &&
			    !dt_type_is_string(t) &&
			    !(dt_type_is_array(t) &&
			      dt_type_base(t)->nelems == 0))
			{
				char tb[128];
				dt_error(pcb, d.line ? d.line : mline,
					 "D_DECL_INCOMPLETE",
					 "incomplete struct/union/enum %s: %s",
					 dt_type_name(t, tb, sizeof(tb)),
					 d.name ? d.name : "");
			}
			const char *why = NULL;
			if (dt_type_sou_add_member(TT(pcb), sou, d.name, t,
						   bits, &why) < 0)
				dt_error(pcb, d.line, "D_UNKNOWN",
					 "failed to define member '%s': "
					 "Duplicate member or variable name",
					 d.name ? d.name : "");
			if (!accept(pcb, T_COMMA))
				break;
		}
		expect(pcb, T_SEMI);
	}
	dt_type_sou_end(TT(pcb), sou);
	next(pcb); /* } */
	return sou;
}

static dt_type_t *parse_enum(dt_pcb_t *pcb)
{
	next(pcb);
	char *tag = NULL;
	if (TOK == T_IDENT) {
		tag = pcb->tok.s;
		next(pcb);
	}
	if (TOK != T_LBRACE) {
		if (!tag)
			syntax(pcb);
		dt_type_t *t = dt_type_lookup_name(TT(pcb), NULL, DT_TK_ENUM,
						   tag);
		if (!t)
			t = dt_type_decl_enum(TT(pcb), tag);
		return t;
	}
	dt_type_t *en = NULL;
	if (tag) {
		en = dt_type_lookup_name(TT(pcb), "D", DT_TK_ENUM, tag);
		if (en && en->kind != DT_TK_FORWARD)
			dt_error(pcb, LINE, "D_DECL_TYPERED",
				 "type redeclared: enum %s", tag);
	}
	if (!en)
		en = dt_type_decl_enum(TT(pcb), tag);
	next(pcb);
	int64_t val = 0;
	while (TOK != T_RBRACE) {
		if (TOK != T_IDENT)
			syntax(pcb);
		char *name = pcb->tok.s;
		int eline = LINE;
		next(pcb);
		for (uint32_t i = 0; i < en->nenums; i++)
			if (!strcmp(en->enums[i].name, name))
				dt_error(pcb, eline, "D_UNKNOWN",
					 "failed to define enumerator "
					 "'%s': Duplicate member or variable "
					 "name",
					 name);
		int64_t ov;
		uint32_t bid;
		if (dt_type_lookup_enumerator(TT(pcb), name, &ov, NULL) ||
		    dt_var_lookup(pcb, DIFV_SCOPE_GLOBAL, name) ||
		    dt_builtin_lookup(name, &bid) || dt_func_lookup(name) >= 0 ||
		    dt_inline_lookup(pcb, name))
			dt_error(pcb, eline, "D_DECL_IDRED",
				 "identifier redeclared: %s", name);
		if (accept(pcb, T_ASSIGN)) {
			dt_node_t *e = parse_assign(pcb);
			dt_node_t *c = dt_check_expr(pcb, e);
			if (c->kind != DT_N_INT)
				dt_error(pcb, LINE, "D_DECL_ENCONST",
					 "enumerator '%s' must be assigned to "
					 "an integral constant expression",
					 name);
			val = c->ival;
		}
		if (val > INT32_MAX || val < INT32_MIN)
			dt_error(pcb, LINE, "D_DECL_ENOFLOW",
				 "enumerator '%s' value overflows INT_MAX "
				 "(2147483647)",
				 name);
		dt_type_enum_add(TT(pcb), en, name, val);
		val++;
		if (!accept(pcb, T_COMMA))
			break;
	}
	expect(pcb, T_RBRACE);
	if (en->kind == DT_TK_FORWARD) {
		en->kind = DT_TK_ENUM;
		en->size = 4;
		en->align = 4;
	}
	return en;
}

/* ---- declarations ---- */

static void declare(dt_pcb_t *pcb, dspec_t *ds, dt_type_t *bt, declr_t *d)
{
	dop_t *assoc;
	userland_ptrs(ds, d);
	dt_type_t *t = apply_ops(pcb, bt, d, &assoc);
	int line = d->line;
	if (ds->sclass == SC_TYPEDEF) {
		if (assoc)
			dt_error(pcb, line, "D_DECL_DYNOBJ",
				 "typedef may not be a dynamic array");
		dt_type_t *old = dt_type_lookup_name(TT(pcb), "D",
						     DT_TK_TYPEDEF, d->name);
		if (!old) {
			old = dt_type_lookup_name(TT(pcb), "C", DT_TK_TYPEDEF,
						  d->name);
			if (old && dt_type_equal(old, t))
				return;
		}
		if (old && dt_type_equal(old, t) &&
		    dt_type_size(old) == dt_type_size(t))
			return;
		if (old)
			dt_error(pcb, line, "D_DECL_IDRED",
				 "typedef redeclared: %s", d->name);
		dt_type_decl_typedef(TT(pcb), d->name, t);
		return;
	}
	if (dt_type_is_func(t)) {
		/* a function prototype: accepted, nothing to declare */
		return;
	}
	if (ds->sclass == SC_REGISTER || ds->sclass == SC_AUTO ||
	    ds->sclass == SC_STATIC)
		dt_error(pcb, ds->line, "D_DECL_BADCLASS",
			 "specified storage class not appropriate in D");
	if (dt_type_is_void(t))
		dt_error(pcb, line, "D_DECL_VOIDOBJ",
			 "cannot have void object: %s", d->name);
	if (!dt_type_is_complete(t) && !dt_type_is_string(t)) {
		char tb[128];
		dt_error(pcb, line, "D_DECL_INCOMPLETE",
			 "incomplete struct/union/enum %s: %s",
			 dt_type_name(t, tb, sizeof(tb)), d->name);
	}
	if (ds->sclass == SC_EXTERN) {
		/* a kernel symbol: references become DT_N_KSYM */
		uint32_t n = pcb->nexterns;
		char **nn = dt_arena_alloc(&pcb->arena, (n + 1) * sizeof(char *));
		dt_type_t **nt = dt_arena_alloc(&pcb->arena,
						(n + 1) * sizeof(dt_type_t *));
		if (n) {
			memcpy(nn, pcb->extnames, n * sizeof(char *));
			memcpy(nt, pcb->exttypes, n * sizeof(dt_type_t *));
		}
		nn[n] = d->name;
		nt[n] = t;
		pcb->extnames = nn;
		pcb->exttypes = nt;
		pcb->nexterns = n + 1;
		return;
	}
	int scope = ds->sclass == SC_SELF   ? DIFV_SCOPE_THREAD
		    : ds->sclass == SC_THIS ? DIFV_SCOPE_LOCAL
					    : DIFV_SCOPE_GLOBAL;
	if (assoc && scope == DIFV_SCOPE_LOCAL)
		dt_error(pcb, line, "D_DECL_LOCASSC",
			 "associative arrays may not be declared as local "
			 "variables: %s",
			 d->name);
	uint32_t bid;
	/* with #pragma D option version=..., names of later functions
	 * are free for variables */
	int fclash = dt_func_lookup(d->name) >= 0 &&
		     !dt_front_opt(pcb->prog, "version");
	if (scope == DIFV_SCOPE_GLOBAL &&
	    (dt_builtin_lookup(d->name, &bid) || fclash ||
	     dt_inline_lookup(pcb, d->name)))
		dt_error(pcb, line, "D_DECL_IDRED",
			 "identifier redeclared: %s", d->name);
	dt_var_t *v = dt_var_lookup(pcb, scope, d->name);
	if (v) {
		int same = dt_type_equal(v->type, t) &&
			   (v->kind == DIFV_KIND_ARRAY) == (assoc != NULL);
		if (same && assoc && assoc->ntypes != v->nkeys)
			same = 0;
		for (uint32_t i = 0; same && assoc && i < v->nkeys; i++)
			if (!dt_type_equal(v->keytypes[i], assoc->types[i]))
				same = 0;
		if (!same)
			dt_error(pcb, line, "D_DECL_IDRED",
				 "identifier redeclared: %s", d->name);
		return;
	}
	v = dt_var_declare(pcb, scope, d->name, t, line);
	v->declared = 1;
	if (assoc) {
		v->kind = DIFV_KIND_ARRAY;
		v->nkeys = assoc->ntypes;
		v->keytypes = assoc->types;
	}
}

static void parse_declaration(dt_pcb_t *pcb)
{
	dspec_t ds;
	int line = LINE;
	parse_specs(pcb, &ds, 1);
	dt_type_t *bt = spec_type(pcb, &ds);
	if (TOK == T_SEMI) {
		/* struct/union/enum definition or a useless declaration */
		if (!(ds.base == T_STRUCT || ds.base == T_UNION ||
		      ds.base == T_ENUM) ||
		    ds.sclass != SC_NONE) {
			if (ds.sclass == SC_REGISTER || ds.sclass == SC_AUTO)
				dt_error(pcb, line, "D_DECL_BADCLASS",
					 "specified storage class not "
					 "appropriate in D");
			dt_error(pcb, line, "D_DECL_USELESS",
				 "useless declaration");
		}
		return; /* ';' stays current */
	}
	for (;;) {
		declr_t d;
		memset(&d, 0, sizeof(d));
		d.line = LINE;
		dt_parse_declarator(pcb, &d, 0);
		if (TOK == T_ASSIGN)
			syntax(pcb);
		declare(pcb, &ds, bt, &d);
		if (TOK == T_LBRACE && d.nops > 0 &&
		    d.ops[d.nops - 1].kind == DOP_FUNC) {
			/* a C function definition (from a header included
			 * under -C): D cannot call it; skip the body */
			int depth = 0;
			do {
				if (TOK == T_EOF)
					syntax(pcb);
				if (TOK == T_LBRACE)
					depth++;
				else if (TOK == T_RBRACE)
					depth--;
				if (depth > 0)
					next(pcb);
			} while (depth > 0);
			pcb->tok.t = T_SEMI;
			return;
		}
		if (TOK == T_SEMI)
			return;
		expect(pcb, T_COMMA);
	}
}

static void parse_inline(dt_pcb_t *pcb)
{
	int line = LINE;
	next(pcb); /* inline */
	dspec_t ds;
	if (!parse_specs(pcb, &ds, 0))
		syntax(pcb);
	dt_type_t *bt = spec_type(pcb, &ds);
	declr_t d;
	memset(&d, 0, sizeof(d));
	d.line = LINE;
	dop_t *assoc = NULL;
	dt_type_t *t;
	char *anames[16];
	dt_type_t *atypes[16];
	uint32_t na = 0;
	if (TOK == T_IDENT && dt_lex_peek(pcb)->t == T_LBRACK) {
		/* inline array: inline type name[type x, ...] = expr; */
		d.name = pcb->tok.s;
		next(pcb);
		next(pcb);
		do {
			dspec_t as;
			if (!parse_specs(pcb, &as, 0))
				syntax(pcb);
			declr_t ad;
			memset(&ad, 0, sizeof(ad));
			dt_parse_declarator(pcb, &ad, 1);
			dop_t *aa;
			dt_type_t *at = apply_ops(pcb, spec_type(pcb, &as), &ad,
						  &aa);
			if (na < 16) {
				anames[na] = ad.name;
				atypes[na] = at;
				na++;
			}
		} while (accept(pcb, T_COMMA));
		expect(pcb, T_RBRACK);
		t = bt;
	} else {
		dt_parse_declarator(pcb, &d, 0);
		t = apply_ops(pcb, bt, &d, &assoc);
	}
	uint32_t bid;
	dt_inline_t *pin = dt_inline_lookup(pcb, d.name);
	dt_var_t *pv = dt_var_lookup(pcb, DIFV_SCOPE_GLOBAL, d.name);
	const char *prev = NULL;
	/* DTrace names both: "<kind> <inline or empty>" */
	if (pin)
		prev = pin->nargs ? "associative array inline"
				  : "scalar inline";
	else if (dt_builtin_lookup(d.name, &bid))
		prev = "scalar ";
	else if (dt_func_lookup(d.name) >= 0)
		prev = "function ";
	else if (pv)
		prev = pv->kind == DIFV_KIND_ARRAY ? "associative array "
						   : "scalar ";
	if (prev)
		dt_error(pcb, d.line, "D_DECL_IDRED",
			 "identifier redefined: %s\n\t current: inline "
			 "definition\n\tprevious: %s",
			 d.name, prev);
	if (dt_type_is_void(t) || dt_type_is_func(t))
		dt_error(pcb, d.line, "D_DECL_VOIDOBJ",
			 "cannot have void object: %s", d.name);
	expect(pcb, T_ASSIGN);
	dt_node_t *e = parse_expr(pcb);
	if (TOK != T_SEMI)
		syntax(pcb);
	dt_inline_t *inl = dt_arena_alloc(&pcb->arena, sizeof(*inl));
	inl->name = d.name;
	inl->type = t;
	inl->expr = e;
	inl->line = line;
	if (assoc) {
		inl->nargs = assoc->ntypes;
		inl->keytypes = assoc->types;
	}
	if (na) {
		inl->nargs = na;
		inl->keytypes = dt_arena_alloc(&pcb->arena,
					       na * sizeof(dt_type_t *));
		inl->argnames = dt_arena_alloc(&pcb->arena, na * sizeof(char *));
		memcpy(inl->keytypes, atypes, na * sizeof(dt_type_t *));
		memcpy(inl->argnames, anames, na * sizeof(char *));
	}
	dt_check_inline(pcb, inl);
	dt_inline_t **n = realloc(pcb->inlines,
				  (pcb->ninlines + 1) * sizeof(*n));
	if (!n)
		abort();
	pcb->inlines = n;
	n[pcb->ninlines++] = inl;
}

static void parse_translator(dt_pcb_t *pcb)
{
	int line = LINE;
	next(pcb);
	dt_type_t *to = parse_type_name(pcb);
	expect(pcb, T_LT);
	dspec_t fds;
	if (!parse_specs(pcb, &fds, 0))
		syntax(pcb);
	declr_t fd;
	memset(&fd, 0, sizeof(fd));
	dt_parse_declarator(pcb, &fd, 0);
	dop_t *fassoc;
	dt_type_t *from = apply_ops(pcb, spec_type(pcb, &fds), &fd, &fassoc);
	char *arg = fd.name;
	expect(pcb, T_GT);
	expect(pcb, T_LBRACE);
	dt_xlator_t *xl = dt_arena_alloc(&pcb->arena, sizeof(*xl));
	xl->to = to;
	xl->from = from;
	xl->argname = arg;
	xl->line = line;
	uint32_t cap = 0;
	while (TOK != T_RBRACE) {
		if (TOK != T_IDENT)
			syntax(pcb);
		char *m = pcb->tok.s;
		int mline = LINE;
		next(pcb);
		expect(pcb, T_ASSIGN);
		dt_node_t *e = parse_expr(pcb);
		expect(pcb, T_SEMI);
		(void)mline;
		mline = LINE;
		if (xl->nmembers == cap) {
			cap = cap ? cap * 2 : 8;
			char **nn = dt_arena_alloc(&pcb->arena,
						   cap * sizeof(char *));
			dt_node_t **ne = dt_arena_alloc(
				&pcb->arena, cap * sizeof(dt_node_t *));
			if (xl->nmembers) {
				memcpy(nn, xl->mnames,
				       xl->nmembers * sizeof(char *));
				memcpy(ne, xl->mexprs,
				       xl->nmembers * sizeof(dt_node_t *));
			}
			int *nl = dt_arena_alloc(&pcb->arena,
						 cap * sizeof(int));
			if (xl->nmembers)
				memcpy(nl, xl->mlines,
				       xl->nmembers * sizeof(int));
			xl->mnames = nn;
			xl->mexprs = ne;
			xl->mlines = nl;
		}
		xl->mlines[xl->nmembers] = mline;
		xl->mnames[xl->nmembers] = m;
		xl->mexprs[xl->nmembers] = e;
		xl->nmembers++;
	}
	next(pcb); /* } */
	if (TOK != T_SEMI)
		syntax(pcb);
	xl->line = LINE;
	dt_check_xlator(pcb, xl);
	dt_front_prog_t *P = pcb->prog;
	dt_xlator_t **nx = realloc(P->xlators,
				   (P->nxlators + 1) * sizeof(*nx));
	if (!nx)
		abort();
	P->xlators = nx;
	nx[P->nxlators++] = xl;
}

static void parse_provider(dt_pcb_t *pcb)
{
	/* provider name { probe name(args) [: (args)]; ... }; accepted and
	 * ignored: USDT providers are defined by dtrace -G/-h */
	next(pcb);
	if (TOK != T_IDENT)
		syntax(pcb);
	next(pcb);
	expect(pcb, T_LBRACE);
	int depth = 1;
	while (depth > 0) {
		if (TOK == T_EOF)
			syntax(pcb);
		if (TOK == T_LBRACE)
			depth++;
		if (TOK == T_RBRACE)
			depth--;
		if (depth > 0)
			next(pcb);
	}
	next(pcb);
	if (TOK != T_SEMI)
		syntax(pcb);
}

/* ---- expressions ---- */

static dt_node_t *mknode(dt_pcb_t *pcb, enum dt_nkind k, int line)
{
	return dt_node_new(pcb, k, line);
}

static dt_node_t *mkop2(dt_pcb_t *pcb, enum dt_op op, dt_node_t *l,
			dt_node_t *r, int line)
{
	dt_node_t *n = mknode(pcb, DT_N_OP2, line);
	n->op = op;
	n->left = l;
	n->right = r;
	return n;
}

static dt_node_t *parse_args(dt_pcb_t *pcb, enum dt_tok close, uint32_t *np)
{
	dt_node_t *head = NULL, **tail = &head;
	uint32_t n = 0;
	if (TOK != close) {
		for (;;) {
			dt_node_t *a = parse_assign(pcb);
			*tail = a;
			tail = &a->next;
			n++;
			if (!accept(pcb, T_COMMA))
				break;
		}
	}
	expect(pcb, close);
	*np = n;
	return head;
}

static dt_node_t *int_node(dt_pcb_t *pcb, dt_token_t *t)
{
	dt_node_t *n = mknode(pcb, DT_N_INT, t->line);
	n->ival = (int64_t)t->ival;
	/* type per C: the first of int, unsigned int (not for unsuffixed
	 * decimal in C99, but DTrace follows C90 here), long, unsigned long,
	 * long long, unsigned long long that can hold the value and agrees
	 * with the suffix */
	dt_typetab_t *tt = TT(pcb);
	uint64_t v = t->ival;
	int u = t->isuffix & 1, l = (t->isuffix >> 1) & 3;
	dt_type_t *ty;
	if (t->isuffix & 0x10) {
		/* negative macro argument */
		ty = (int64_t)v >= INT32_MIN ? dt_type_int32(tt)
					     : dt_type_long(tt);
		n->ival = (int64_t)v;
	} else if (t->ischar) {
		ty = dt_type_int32(tt); /* DTrace: 'c' is an int */
	} else if (!l && !u && v <= INT32_MAX)
		ty = dt_type_int32(tt);
	else if (!l && v <= UINT32_MAX && (u || t->ibase != 10))
		ty = dt_type_uint32(tt);
	else if (!u && v <= INT64_MAX)
		ty = l == 2 ? dt_type_int64(tt) : dt_type_long(tt);
	else
		ty = l == 2 ? dt_type_lookup_name(tt, "C", DT_TK_TYPEDEF,
						  "unsigned long long")
			    : dt_type_ulong(tt);
	n->type = ty;
	return n;
}

static dt_node_t *parse_primary(dt_pcb_t *pcb)
{
	dt_token_t t = pcb->tok;
	dt_node_t *n;
	switch (t.t) {
	case T_INT:
		next(pcb);
		return int_node(pcb, &t);
	case T_STRING: {
		next(pcb);
		n = mknode(pcb, DT_N_STRING, t.line);
		n->sval = t.s;
		n->slen = (uint32_t)t.slen;
		return n;
	}
	case T_IDENT:
		next(pcb);
		n = mknode(pcb, DT_N_IDENT, t.line);
		n->sval = t.s;
		return n;
	case T_BQ:
		next(pcb);
		n = mknode(pcb, DT_N_KSYM, t.line);
		n->sval = t.s;
		return n;
	case T_AGG:
		next(pcb);
		n = mknode(pcb, DT_N_AGG, t.line);
		n->sval = t.s;
		if (TOK == T_LBRACK) {
			next(pcb);
			n->keys = parse_args(pcb, T_RBRACK, &n->nkeys);
			if (!n->nkeys)
				dt_error(pcb, t.line, "D_SYNTAX",
					 "syntax error near \"]\"");
		}
		return n;
	case T_SELF:
	case T_THIS: {
		next(pcb);
		if (TOK != T_ARROW)
			syntax(pcb);
		next(pcb);
		if (TOK != T_IDENT && !(TOK >= T_KW_FIRST && TOK <= T_KW_LAST))
			syntax(pcb);
		n = mknode(pcb, DT_N_VAR, t.line);
		n->sval = pcb->tok.s;
		/* scope is kept in ival until checking */
		n->ival = t.t == T_SELF ? DIFV_SCOPE_THREAD : DIFV_SCOPE_LOCAL;
		next(pcb);
		return n;
	}
	case T_LPAR: {
		next(pcb);
		n = parse_expr(pcb);
		expect(pcb, T_RPAR);
		return n;
	}
	default:
		syntax(pcb);
	}
}

static dt_node_t *parse_postfix(dt_pcb_t *pcb)
{
	dt_node_t *n = parse_primary(pcb);
	for (;;) {
		int line = LINE;
		switch (TOK) {
		case T_LBRACK: {
			next(pcb);
			uint32_t nk;
			dt_node_t *k = parse_args(pcb, T_RBRACK, &nk);
			if (nk == 0)
				dt_error(pcb, line, "D_SYNTAX",
					 "syntax error near \"]\"");
			if (n->kind == DT_N_AGG)
				dt_error(pcb, line, "D_AGG_MDIM",
					 "aggregation may not be "
					 "multi-dimensional");
			/* x[a, b] on a name or self->/this-> var: keys;
			 * else C indexing (one subscript) */
			if ((n->kind == DT_N_IDENT || n->kind == DT_N_VAR ||
			     n->kind == DT_N_KSYM) && !n->keys) {
				n->keys = k;
				n->nkeys = nk;
				n->flags |= 0x80000000u; /* subscripted */
			} else {
				if (nk != 1)
					dt_error(pcb, line, "D_SYNTAX",
						 "syntax error near \",\"");
				dt_node_t *x = mknode(pcb, DT_N_INDEX, line);
				x->left = n;
				x->right = k;
				n = x;
			}
			continue;
		}
		case T_LPAR: {
			next(pcb);
			if (n->kind != DT_N_IDENT)
				dt_error(pcb, line, "D_FUNC_IDENT",
					 "function designator is not of "
					 "function type");
			dt_node_t *c = mknode(pcb, DT_N_CALL, n->line);
			c->left = n;
			if (n->kind == DT_N_IDENT)
				c->sval = n->sval;
			c->args = parse_args(pcb, T_RPAR, &c->nargs);
			n = c;
			continue;
		}
		case T_DOT:
		case T_ARROW: {
			enum dt_op op = TOK == T_DOT ? DT_OP_DOT : DT_OP_ARROW;
			next(pcb);
			if (TOK != T_IDENT && !(TOK >= T_KW_FIRST &&
						TOK <= T_KW_LAST))
				syntax(pcb);
			dt_node_t *m = mknode(pcb, DT_N_MEMBER, line);
			m->op = op;
			m->left = n;
			m->sval = pcb->tok.s;
			next(pcb);
			n = m;
			continue;
		}
		case T_INC:
		case T_DEC: {
			dt_node_t *u = mknode(pcb, DT_N_OP1, line);
			u->op = TOK == T_INC ? DT_OP_POSTINC : DT_OP_POSTDEC;
			u->left = n;
			next(pcb);
			n = u;
			continue;
		}
		default:
			return n;
		}
	}
}

static dt_node_t *parse_unary(dt_pcb_t *pcb)
{
	int line = LINE;
	enum dt_op op = DT_OP_NONE;
	switch (TOK) {
	case T_INC: op = DT_OP_PREINC; break;
	case T_DEC: op = DT_OP_PREDEC; break;
	case T_MINUS: op = DT_OP_NEG; break;
	case T_PLUS: op = DT_OP_PLUS; break;
	case T_BANG: op = DT_OP_LNOT; break;
	case T_TILDE: op = DT_OP_BNOT; break;
	case T_STAR: op = DT_OP_DEREF; break;
	case T_AMP: op = DT_OP_ADDROF; break;
	case T_SIZEOF: {
		next(pcb);
		dt_node_t *n = mknode(pcb, DT_N_SIZEOF, line);
		if (TOK == T_LPAR && tok_starts_type(pcb, dt_lex_peek(pcb))) {
			next(pcb);
			n->ctype = parse_type_name(pcb);
			expect(pcb, T_RPAR);
		} else {
			n->left = parse_unary(pcb);
		}
		return n;
	}
	case T_STRINGOF: {
		next(pcb);
		dt_node_t *n = mknode(pcb, DT_N_OP1, line);
		n->op = DT_OP_STRINGOF;
		n->left = parse_unary(pcb);
		return n;
	}
	case T_OFFSETOF: {
		next(pcb);
		expect(pcb, T_LPAR);
		dt_node_t *n = mknode(pcb, DT_N_OFFSETOF, line);
		n->ctype = parse_type_name(pcb);
		expect(pcb, T_COMMA);
		if (TOK != T_IDENT && !(TOK >= T_KW_FIRST && TOK <= T_KW_LAST))
			syntax(pcb);
		n->sval = pcb->tok.s;
		next(pcb);
		expect(pcb, T_RPAR);
		return n;
	}
	case T_XLATE: {
		next(pcb);
		expect(pcb, T_LT);
		dt_node_t *n = mknode(pcb, DT_N_XLATE, line);
		n->ctype = parse_type_name(pcb);
		expect(pcb, T_GT);
		expect(pcb, T_LPAR);
		n->left = parse_expr(pcb);
		expect(pcb, T_RPAR);
		/* postfix operators may follow */
		for (;;) {
			int l2 = LINE;
			if (TOK == T_DOT || TOK == T_ARROW) {
				enum dt_op o2 = TOK == T_DOT ? DT_OP_DOT
							     : DT_OP_ARROW;
				next(pcb);
				if (TOK != T_IDENT)
					syntax(pcb);
				dt_node_t *m = mknode(pcb, DT_N_MEMBER, l2);
				m->op = o2;
				m->left = n;
				m->sval = pcb->tok.s;
				next(pcb);
				n = m;
			} else if (TOK == T_LBRACK) {
				next(pcb);
				dt_node_t *x = mknode(pcb, DT_N_INDEX, l2);
				x->left = n;
				x->right = parse_expr(pcb);
				expect(pcb, T_RBRACK);
				n = x;
			} else {
				break;
			}
		}
		return n;
	}
	default:
		return parse_postfix(pcb);
	}
	next(pcb);
	dt_node_t *n = mknode(pcb, DT_N_OP1, line);
	n->op = op;
	n->left = parse_cast(pcb);
	return n;
}

static dt_node_t *parse_cast(dt_pcb_t *pcb)
{
	if (TOK == T_LPAR && tok_starts_type(pcb, dt_lex_peek(pcb))) {
		int line = LINE;
		next(pcb);
		dt_type_t *t = parse_type_name(pcb);
		expect(pcb, T_RPAR);
		dt_node_t *n = mknode(pcb, DT_N_CAST, line);
		n->ctype = t;
		n->left = parse_cast(pcb);
		return n;
	}
	return parse_unary(pcb);
}

static int binop(enum dt_tok t, enum dt_op *op)
{
	/* returns precedence (higher binds tighter), 0 if not binary */
	switch (t) {
	case T_STAR: *op = DT_OP_MUL; return 13;
	case T_SLASH: *op = DT_OP_DIV; return 13;
	case T_PERCENT: *op = DT_OP_MOD; return 13;
	case T_PLUS: *op = DT_OP_ADD; return 12;
	case T_MINUS: *op = DT_OP_SUB; return 12;
	case T_SHL: *op = DT_OP_SHL; return 11;
	case T_SHR: *op = DT_OP_SHR; return 11;
	case T_LT: *op = DT_OP_LT; return 10;
	case T_LE: *op = DT_OP_LE; return 10;
	case T_GT: *op = DT_OP_GT; return 10;
	case T_GE: *op = DT_OP_GE; return 10;
	case T_EQ: *op = DT_OP_EQ; return 9;
	case T_NE: *op = DT_OP_NE; return 9;
	case T_AMP: *op = DT_OP_BAND; return 8;
	case T_CARET: *op = DT_OP_BXOR; return 7;
	case T_PIPE: *op = DT_OP_BOR; return 6;
	case T_LAND: *op = DT_OP_LAND; return 5;
	case T_LXOR: *op = DT_OP_LXOR; return 4;
	case T_LOR: *op = DT_OP_LOR; return 3;
	default: return 0;
	}
}

static dt_node_t *parse_binary(dt_pcb_t *pcb, int minprec)
{
	dt_node_t *l = parse_cast(pcb);
	for (;;) {
		enum dt_op op;
		int p = binop(TOK, &op);
		if (!p || p < minprec)
			return l;
		/* in a predicate, a '/' at nesting level 0 that is followed
		 * by '{' or the end closes the predicate */
		if (TOK == T_SLASH && pcb->in_pred) {
			dt_token_t *pk = dt_lex_peek(pcb);
			if (pk->t == T_LBRACE || pk->t == T_EOF ||
			    pk->line > pcb->tok.line)
				return l;
		}
		int line = LINE;
		next(pcb);
		dt_node_t *r = parse_binary(pcb, p + 1);
		l = mkop2(pcb, op, l, r, line);
	}
}

static dt_node_t *parse_cond(dt_pcb_t *pcb)
{
	dt_node_t *c = parse_binary(pcb, 3);
	if (TOK != T_QUEST)
		return c;
	int line = LINE;
	next(pcb);
	dt_node_t *a = parse_expr(pcb);
	expect(pcb, T_COLON);
	dt_node_t *b = parse_cond(pcb);
	dt_node_t *n = mknode(pcb, DT_N_OP3, line);
	n->cond = c;
	n->left = a;
	n->right = b;
	return n;
}

static dt_node_t *parse_assign(dt_pcb_t *pcb)
{
	dt_node_t *l = parse_cond(pcb);
	enum dt_op op;
	switch (TOK) {
	case T_ASSIGN: op = DT_OP_ASSIGN; break;
	case T_ADD_ASSIGN: op = DT_OP_ADD_ASSIGN; break;
	case T_SUB_ASSIGN: op = DT_OP_SUB_ASSIGN; break;
	case T_MUL_ASSIGN: op = DT_OP_MUL_ASSIGN; break;
	case T_DIV_ASSIGN: op = DT_OP_DIV_ASSIGN; break;
	case T_MOD_ASSIGN: op = DT_OP_MOD_ASSIGN; break;
	case T_SHL_ASSIGN: op = DT_OP_SHL_ASSIGN; break;
	case T_SHR_ASSIGN: op = DT_OP_SHR_ASSIGN; break;
	case T_AND_ASSIGN: op = DT_OP_AND_ASSIGN; break;
	case T_XOR_ASSIGN: op = DT_OP_XOR_ASSIGN; break;
	case T_OR_ASSIGN: op = DT_OP_OR_ASSIGN; break;
	default: return l;
	}
	int line = LINE;
	next(pcb);
	dt_node_t *r = parse_assign(pcb);
	return mkop2(pcb, op, l, r, line);
}

static dt_node_t *parse_expr(dt_pcb_t *pcb)
{
	dt_node_t *l = parse_assign(pcb);
	while (TOK == T_COMMA) {
		int line = LINE;
		next(pcb);
		dt_node_t *r = parse_assign(pcb);
		l = mkop2(pcb, DT_OP_COMMA, l, r, line);
	}
	return l;
}

/* ---- statements and clauses ---- */

static dt_node_t *parse_stmts(dt_pcb_t *pcb, uint32_t *np);

/*
 * DTrace's yacc builds an operator, cast or prefix operator on the right
 * edge of an expression only once it has read the token that follows the
 * expression, and reports errors about it on that token's line. Gives
 * those nodes that line.
 */
static void right_edge_line(dt_node_t *e, int line)
{
	while (e) {
		if (e->kind == DT_N_OP2 || e->kind == DT_N_OP3 ||
		    e->kind == DT_N_CAST) {
			e->line = line;
			e = e->kind == DT_N_CAST ? e->left : e->right;
		} else if (e->kind == DT_N_OP1 && e->op != DT_OP_POSTINC &&
			   e->op != DT_OP_POSTDEC) {
			e->line = line;
			e = e->left;
		} else {
			break;
		}
	}
}


static dt_node_t *parse_stmt(dt_pcb_t *pcb)
{
	int line = LINE;
	if (TOK == T_SEMI) {
		next(pcb);
		return mknode(pcb, DT_N_EMPTY, line);
	}
	if (TOK == T_IF) {
		next(pcb);
		expect(pcb, T_LPAR);
		dt_node_t *n = mknode(pcb, DT_N_IF, line);
		n->cond = parse_expr(pcb);
		expect(pcb, T_RPAR);
		uint32_t cnt;
		if (TOK == T_LBRACE) {
			next(pcb);
			n->left = parse_stmts(pcb, &cnt);
			expect(pcb, T_RBRACE);
		} else {
			n->left = parse_stmt(pcb);
		}
		if (accept(pcb, T_ELSE)) {
			if (TOK == T_LBRACE) {
				next(pcb);
				n->right = parse_stmts(pcb, &cnt);
				expect(pcb, T_RBRACE);
			} else {
				n->right = parse_stmt(pcb);
			}
		}
		return n;
	}
	if (TOK == T_LBRACE) {
		/* a nested block is not D */
		syntax(pcb);
	}
	dt_node_t *e = parse_expr(pcb);
	dt_node_t *n;
	if (e->kind == DT_N_OP2 && e->op == DT_OP_ASSIGN &&
	    e->left->kind == DT_N_AGG) {
		n = mknode(pcb, DT_N_AGGSTMT, line);
		n->left = e->left;
		n->right = e->right;
	} else {
		n = mknode(pcb, DT_N_EXPRSTMT, line);
		n->left = e;
	}
	right_edge_line(e, LINE);
	if (TOK != T_RBRACE)
		expect(pcb, T_SEMI);
	return n;
}

static dt_node_t *parse_stmts(dt_pcb_t *pcb, uint32_t *np)
{
	dt_node_t *head = NULL, **tail = &head;
	uint32_t n = 0;
	while (TOK != T_RBRACE) {
		if (TOK == T_EOF)
			syntax(pcb);
		dt_node_t *s = parse_stmt(pcb);
		*tail = s;
		tail = &s->next;
		n++;
	}
	*np = n;
	return head;
}

/* Splits a description into its fields, right-aligned as DTrace does
 * (name last), or per the -P/-m/-f kind. */
static void split_pdesc(dt_pcb_t *pcb, const char *s, int line,
			dt_probedesc_t *pd)
{
	char *f[6];
	int nf = 0;
	const char *p = s;
	for (;;) {
		const char *c = p;
		/* ':' inside [...] is part of a glob */
		int br = 0;
		while (*c && (br || *c != ':')) {
			if (*c == '[')
				br = 1;
			else if (*c == ']')
				br = 0;
			else if (*c == '\\' && c[1])
				c++;
			c++;
		}
		if (nf >= 5)
			dt_error(pcb, line, "D_PDESC_INVAL",
				 "invalid probe description \"%s\": too many "
				 "fields",
				 s);
		f[nf++] = dt_arena_strndup(&pcb->arena, p, (size_t)(c - p));
		if (!*c)
			break;
		p = c + 1;
	}
	char *fields[5] = { "", "", "", "", "" };
	enum dt_srckind k = pcb->opts ? pcb->opts->kind : DT_SRC_SCRIPT;
	int last = 4; /* index of the field the last given one lands in */
	if (k == DT_SRC_PROVIDER)
		last = 1 + nf - 1;
	else if (k == DT_SRC_MODULE)
		last = 2;
	else if (k == DT_SRC_FUNCTION)
		last = 3;
	if (k == DT_SRC_PROVIDER) {
		for (int i = 0; i < nf; i++)
			fields[1 + i > 4 ? 4 : 1 + i] = f[i];
	} else {
		int start = last - nf + 1;
		if (start < 0)
			dt_error(pcb, line, "D_PDESC_INVAL",
				 "invalid probe description \"%s\"", s);
		for (int i = 0; i < nf; i++)
			fields[start + i] = f[i];
	}
	pd->target = fields[0];
	pd->provider = fields[1];
	pd->module = fields[2];
	pd->function = fields[3];
	pd->name = fields[4];
}

static int word_is_decl(dt_pcb_t *pcb)
{
	const char *p = pcb->p, *e = p;
	if (p >= pcb->end)
		return 0;
	if (*p == '`')
		return 0;
	while (e < pcb->end && (isalnum((unsigned char)*e) || *e == '_'))
		e++;
	if (e == p)
		return 0;
	size_t n = (size_t)(e - p);
	static const char *const kws[] = {
		"typedef", "struct", "union", "enum", "extern", "static",
		"register", "auto", "const", "volatile", "restrict",
		"signed", "unsigned", "char", "short", "int", "long",
		"float", "double", "void", "string", "self", "this",
		"userland", "inline", "translator", "provider",
	};
	/* a description like int:::x would be odd; ':' means description */
	const char *q = e;
	/* -x pspec: what could be either (int*x) is a probe description */
	if (*e == '*' || *e == '?' || *e == '[') {
		const char *ps = dt_front_opt(pcb->prog, "pspec");

		if (ps != NULL && strcmp(ps, "0") != 0)
			return 0;
	}
	while (q < pcb->end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < pcb->end && (*q == ':' || *q == '-' || *q == ','))
		return 0;
	if (*e == '`')
		return 0;
	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (strlen(kws[i]) == n && memcmp(kws[i], p, n) == 0)
			return 1;
	char name[128];
	if (n >= sizeof(name))
		return 0;
	memcpy(name, p, n);
	name[n] = 0;
	if (!is_typedef_name(pcb, name))
		return 0;
	/* a type name followed by a declarator */
	return q < pcb->end && (*q == '*' || *q == '(' || isalpha((unsigned char)*q) ||
				*q == '_');
}

static void add_clause(dt_pcb_t *pcb, dt_clause_t *c)
{
	dt_front_prog_t *P = pcb->prog;
	dt_clause_t **n = realloc(P->clauses, (P->nclauses + 1) * sizeof(*n));
	if (!n)
		abort();
	P->clauses = n;
	n[P->nclauses++] = c;
}

static void parse_clause(dt_pcb_t *pcb)
{
	dt_clause_t *c = dt_arena_alloc(&pcb->arena, sizeof(*c));
	uint32_t cap = 0;
	for (;;) {
		int line;
		char *s = dt_lex_pdesc(pcb, &line);
		if (!s) {
			dt_lex_next(pcb);
			syntax(pcb);
		}
		if (c->ndescs == cap) {
			cap = cap ? cap * 2 : 4;
			dt_probedesc_t *nd = dt_arena_alloc(
				&pcb->arena, cap * sizeof(*nd));
			int *nl = dt_arena_alloc(&pcb->arena,
						 cap * sizeof(int));
			if (c->ndescs) {
				memcpy(nd, c->descs,
				       c->ndescs * sizeof(*nd));
				memcpy(nl, c->desc_lines,
				       c->ndescs * sizeof(int));
			}
			c->descs = nd;
			c->desc_lines = nl;
		}
		split_pdesc(pcb, s, line, &c->descs[c->ndescs]);
		c->desc_lines[c->ndescs] = line;
		if (c->ndescs == 0)
			c->line = line;
		c->ndescs++;
		dt_lex_skip_space(pcb);
		if (pcb->p < pcb->end && *pcb->p == ',') {
			pcb->p++;
			continue;
		}
		break;
	}
	/* predicate and body are ordinary tokens */
	dt_lex_next(pcb);
	if (TOK == T_SLASH) {
		pcb->in_pred = 1;
		next(pcb);
		c->pred = parse_expr(pcb);
		pcb->in_pred = 0;
		if (TOK != T_SLASH)
			syntax(pcb);
		next(pcb);
		/* DTrace's yacc builds the operators on the predicate's
		 * right edge only once it has read past the closing '/',
		 * so they carry the line of the token after it */
		right_edge_line(c->pred, LINE);
	}
	if (TOK == T_LBRACE) {
		next(pcb);
		c->has_body = 1;
		c->stmts = parse_stmts(pcb, &c->nstmts);
		/* '}' stays current */
		c->end_line = LINE;
	} else if (TOK == T_EOF) {
		/* A bare description list ends a -n/-P/-m/-f argument, but a
		 * program read from a file needs a predicate or actions. */
		enum dt_srckind k = pcb->opts ? pcb->opts->kind : DT_SRC_SCRIPT;

		if (!c->pred && k == DT_SRC_SCRIPT)
			dt_error(pcb, c->desc_lines[c->ndescs - 1], "D_SYNTAX",
				 "expected predicate and/or actions following "
				 "probe description");
	} else {
		/* without a body the next item must begin a new line of
		 * descriptions: DTrace requires { } or end of input, and
		 * says so on the line of the last description */
		if (!c->pred)
			dt_error(pcb, c->desc_lines[c->ndescs - 1],
				 "D_SYNTAX",
				 "expected predicate and/or actions following "
				 "probe description");
		syntax(pcb);
	}
	add_clause(pcb, c);
}

/* Gives back a looked-ahead token so that raw scanning restarts at it. */
static void unpeek(dt_pcb_t *pcb)
{
	if (pcb->havepeek) {
		pcb->p = pcb->peek.start;
		pcb->line = pcb->peek.line;
		pcb->havepeek = 0;
	}
}

void dt_parse_program(dt_pcb_t *pcb)
{
	for (;;) {
		unpeek(pcb);
		dt_lex_skip_space(pcb);
		if (pcb->p >= pcb->end)
			return;
		if (*pcb->p == ';') {
			pcb->p++;
			continue;
		}
		if (*pcb->p == '}' || *pcb->p == '{' || *pcb->p == '/' ||
		    *pcb->p == '(' || *pcb->p == ')') {
			dt_lex_next(pcb);
			syntax(pcb);
		}
		if (word_is_decl(pcb)) {
			dt_lex_next(pcb);
			if (TOK == T_INLINE)
				parse_inline(pcb);
			else if (TOK == T_TRANSLATOR)
				parse_translator(pcb);
			else if (TOK == T_PROVIDER)
				parse_provider(pcb);
			else if ((TOK == T_SELF || TOK == T_THIS) &&
				 dt_lex_peek(pcb)->t == T_ARROW)
				syntax(pcb);
			else
				parse_declaration(pcb);
			/* the final ';' is current and consumed here */
			if (TOK != T_SEMI)
				syntax(pcb);
			continue;
		}
		parse_clause(pcb);
	}
}
