/*
 * dt_lex.c: the D lexer: tokens with line numbers, integer and character
 * constants with C typing rules, string escapes, comments, control lines
 * (#pragma, #line, cpp line markers), macro variables ($1, $$1, $pid, ...)
 * and raw scanning of probe descriptions.
 *
 * Owner: front end.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/dt_front_impl.h"

static const char *const kwtab[] = {
	"auto",	    "break",	  "case",     "char",	    "const",
	"continue", "counter",	  "default",  "do",	    "double",
	"else",	    "enum",	  "extern",   "float",	    "for",
	"goto",	    "if",	  "import",   "inline",	    "int",
	"long",	    "offsetof",	  "probe",    "provider",   "register",
	"restrict", "return",	  "self",     "short",	    "signed",
	"sizeof",   "static",	  "string",   "stringof",   "struct",
	"switch",   "this",	  "translator", "typedef",  "union",
	"unsigned", "userland",	  "void",     "volatile",   "while",
	"xlate",
};

const char *dt_tok_name(enum dt_tok t)
{
	static const char *const punct[] = {
		"(",  ")",   "[",   "]",  "{",   "}",   ",",   ";",	":",
		"?",  ".",   "->",  "+",  "-",   "*",   "/",   "%",	"&",
		"|",  "^",   "~",   "!",  "<",   ">",   "<=",  ">=", "==",
		"!=", "&&",  "||",  "^^", "<<",  ">>",  "++",  "--", "=",
		"+=", "-=",  "*=",  "/=", "%=",  "<<=", ">>=", "&=", "^=",
		"|=", "...",
	};
	if (t == T_EOF)
		return "end of input";
	if (t >= T_KW_FIRST && t <= T_KW_LAST)
		return kwtab[t - T_KW_FIRST];
	if (t >= T_LPAR && t <= T_ELLIPSIS)
		return punct[t - T_LPAR];
	switch (t) {
	case T_IDENT: return "identifier";
	case T_INT: return "integer constant";
	case T_STRING: return "string";
	case T_AGG: return "aggregation";
	default: return "token";
	}
}

void dt_lex_init(dt_pcb_t *pcb, const char *src, size_t len)
{
	pcb->src = src;
	pcb->p = src;
	pcb->end = src + len;
	pcb->line = 1;
	pcb->havepeek = 0;
	pcb->pdepth = 0;
	memset(&pcb->tok, 0, sizeof(pcb->tok));
	/* an interpreter line (#!/usr/sbin/dtrace -s) is ignored */
	if (len >= 2 && src[0] == '#' && src[1] == '!') {
		while (pcb->p < pcb->end && *pcb->p != '\n')
			pcb->p++;
	}
}

static int at_line_start(dt_pcb_t *pcb, const char *p)
{
	while (p > pcb->src && (p[-1] == ' ' || p[-1] == '\t' ||
				p[-1] == '\f' || p[-1] == '\v'))
		p--;
	return p == pcb->src || p[-1] == '\n';
}

/* A control line starting at pcb->p ('#'): #pragma, #line, # N "f". */
static void control_line(dt_pcb_t *pcb)
{
	const char *s = pcb->p + 1, *e = s;
	int line = pcb->line;
	while (e < pcb->end && *e != '\n') {
		/* continuation lines */
		if (*e == '\\' && e + 1 < pcb->end && e[1] == '\n') {
			e += 2;
			pcb->line++;
			continue;
		}
		e++;
	}
	/* DTrace's lexer needs the newline that ends a control line */
	if (e >= pcb->end)
		dt_error(pcb, pcb->line, "D_SYNTAX",
			 "end-of-file encountered before end of control "
			 "line");
	char *text = dt_arena_strndup(&pcb->arena, s, (size_t)(e - s));
	for (char *c = text; *c; c++)
		if (*c == '\\' && c[1] == '\n')
			c[0] = c[1] = ' ';
	pcb->p = e; /* the newline is consumed by the caller */
	char *t = text;
	while (*t == ' ' || *t == '\t')
		t++;
	if (isdigit((unsigned char)*t) || strncmp(t, "line", 4) == 0) {
		if (*t == 'l')
			t += 4;
		char *q;
		long n = strtol(t, &q, 10);
		if (q == t)
			dt_error(pcb, line, "D_PRAGCTL_INVAL",
				 "invalid control directive: #%s", text);
		/* the line after this one has number n */
		pcb->line = (int)n - 1;
		return;
	}
	if (strncmp(t, "pragma", 6) == 0 &&
	    (t[6] == ' ' || t[6] == '\t' || t[6] == 0)) {
		dt_pragma(pcb, t + 6, line);
		return;
	}
	if (strncmp(t, "ident", 5) == 0 || *t == 0)
		return;
	dt_error(pcb, line, "D_PRAGCTL_INVAL", "invalid control directive: #%s",
		 text);
}

void dt_lex_skip_space(dt_pcb_t *pcb)
{
	for (;;) {
		if (pcb->p >= pcb->end)
			return;
		char c = *pcb->p;
		if (c == '\n') {
			pcb->line++;
			pcb->p++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
			   c == '\v') {
			pcb->p++;
		} else if (c == '/' && pcb->p + 1 < pcb->end &&
			   pcb->p[1] == '*') {
			pcb->p += 2;
			for (;;) {
				/* DTrace reports the line the input ends on */
				if (pcb->p + 1 >= pcb->end) {
					if (pcb->p < pcb->end &&
					    *pcb->p == '\n')
						pcb->line++;
					dt_error(pcb, pcb->line, "D_SYNTAX",
						 "end-of-file encountered "
						 "before matching */");
				}
				if (pcb->p[0] == '*' && pcb->p[1] == '/') {
					pcb->p += 2;
					break;
				}
				if (*pcb->p == '\n')
					pcb->line++;
				pcb->p++;
			}
		} else if (c == '/' && pcb->p + 1 < pcb->end &&
			   pcb->p[1] == '/') {
			while (pcb->p < pcb->end && *pcb->p != '\n')
				pcb->p++;
		} else if (c == '#' && at_line_start(pcb, pcb->p)) {
			control_line(pcb);
		} else {
			return;
		}
	}
}

static int is_id0(int c) { return isalpha(c) || c == '_'; }
static int is_id(int c) { return isalnum(c) || c == '_'; }

/* Integer constant at p; sets tok. */
static const char *lex_number(dt_pcb_t *pcb, const char *p, dt_token_t *tk)
{
	const char *s = p;
	int base = 10;
	uint64_t v = 0;
	int oflow = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    p + 2 < pcb->end && isxdigit((unsigned char)p[2])) {
		base = 16;
		p += 2;
		while (p < pcb->end && isxdigit((unsigned char)*p)) {
			int d = isdigit((unsigned char)*p)
					? *p - '0'
					: tolower((unsigned char)*p) - 'a' + 10;
			if (v >> 60)
				oflow = 1;
			v = v * 16 + (uint64_t)d;
			p++;
		}
	} else if (p[0] == '0') {
		base = 8;
		p++;
		while (p < pcb->end && isdigit((unsigned char)*p)) {
			if (*p > '7')
			{
				const char *e = p;
				while (e < pcb->end &&
				       isalnum((unsigned char)*e))
					e++;
				dt_error(pcb, pcb->line, "D_INT_DIGIT",
					 "constant %.*s contains invalid "
					 "digit %c",
					 (int)(e - s), s, *p);
			}
			if (v >> 61)
				oflow = 1;
			v = v * 8 + (uint64_t)(*p - '0');
			p++;
		}
	} else {
		while (p < pcb->end && isdigit((unsigned char)*p)) {
			uint64_t d = (uint64_t)(*p - '0');
			if (v > (UINT64_MAX - d) / 10)
				oflow = 1;
			v = v * 10 + d;
			p++;
		}
	}
	int suf = 0;
	while (p < pcb->end && (*p == 'u' || *p == 'U' || *p == 'l' ||
				*p == 'L')) {
		if (*p == 'u' || *p == 'U') {
			if (suf & 1)
				break;
			suf |= 1;
		} else {
			if (((suf >> 1) & 3) >= 2)
				break;
			suf += 2;
		}
		p++;
	}
	if (oflow)
		dt_error(pcb, pcb->line, "D_INT_OFLOW",
			 "constant %.*s results in integer overflow",
			 (int)(p - s), s);
	tk->t = T_INT;
	tk->ival = v;
	tk->isuffix = suf;
	tk->ibase = base;
	return p;
}

static int esc(dt_pcb_t *pcb, const char **pp, int *out)
{
	const char *p = *pp;
	int c = (unsigned char)*p++;
	switch (c) {
	case 'n': c = '\n'; break;
	case 't': c = '\t'; break;
	case 'r': c = '\r'; break;
	case 'a': c = '\a'; break;
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case 'v': c = '\v'; break;
	case '\\': case '\'': case '"': case '?': break;
	case 'x': {
		int v = 0, n = 0;
		while (p < pcb->end && isxdigit((unsigned char)*p) && n < 2) {
			v = v * 16 + (isdigit((unsigned char)*p)
					      ? *p - '0'
					      : tolower((unsigned char)*p) -
							'a' + 10);
			p++;
			n++;
		}
		c = v;
		break;
	}
	default:
		if (c >= '0' && c <= '7') {
			int v = c - '0', n = 1;
			while (p < pcb->end && *p >= '0' && *p <= '7' &&
			       n < 3) {
				v = v * 8 + (*p - '0');
				p++;
				n++;
			}
			c = v & 0xff;
		}
		/* other escapes stand for themselves */
		break;
	}
	*pp = p;
	*out = c;
	return 0;
}

static const char *lex_string(dt_pcb_t *pcb, const char *p, dt_token_t *tk)
{
	size_t cap = 64, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		abort();
	p++;
	for (;;) {
		if (p >= pcb->end) {
			free(buf);
			dt_error(pcb, pcb->line, "D_STR_NL",
				 "unterminated string");
		}
		int c = (unsigned char)*p;
		if (c == '"') {
			p++;
			break;
		}
		if (c == '\n') {
			free(buf);
			dt_error(pcb, pcb->line + 1, "D_STR_NL",
				 "newline encountered in string literal");
		}
		p++;
		if (c == '\\') {
			if (p < pcb->end && *p == '\n') {
				/* line continuation */
				p++;
				pcb->line++;
				continue;
			}
			esc(pcb, &p, &c);
		}
		if (n + 2 > cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				abort();
			}
			buf = nb;
		}
		buf[n++] = (char)c;
	}
	tk->t = T_STRING;
	tk->s = dt_arena_strndup(&pcb->arena, buf, n);
	tk->slen = n;
	free(buf);
	return p;
}

static const char *lex_char(dt_pcb_t *pcb, const char *p, dt_token_t *tk)
{
	uint64_t v = 0;
	int n = 0;
	p++;
	for (;;) {
		if (p >= pcb->end || *p == '\n')
			dt_error(pcb, pcb->line + (p < pcb->end), "D_CHR_NL",
				 "newline encountered in character constant");
		int c = (unsigned char)*p;
		if (c == '\'') {
			p++;
			break;
		}
		p++;
		if (c == '\\')
			esc(pcb, &p, &c);
		v = (v << 8) | (uint8_t)c;
		n++;
	}
	if (n == 0)
		dt_error(pcb, pcb->line, "D_CHR_NULL",
			 "empty character constant");
	if (n > 8)
		dt_error(pcb, pcb->line, "D_CHR_OFLOW",
			 "character constant is too long");
	tk->t = T_INT;
	tk->ival = n == 1 ? (uint64_t)(int64_t)(int8_t)v : v;
	tk->ischar = n;
	tk->ibase = 10;
	return p;
}

/* Macro variable: $name / $$name at p ('$'). */
static const char *lex_macro(dt_pcb_t *pcb, const char *p, dt_token_t *tk)
{
	int str = 0;
	const char *s = p + 1;
	if (*s == '$') {
		str = 1;
		s++;
	}
	const char *e = s;
	while (e < pcb->end && is_id(*e))
		e++;
	if (e == s)
		dt_error(pcb, pcb->line, "D_SYNTAX",
			 "syntax error near \"$\"");
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(e - s), s);
	const dt_compile_opts_t *o = pcb->opts;
	const char *val = NULL;
	char nbuf[32];
	int isint = 0;
	int64_t iv = 0;
	if (isdigit((unsigned char)name[0])) {
		char *q;
		long i = strtol(name, &q, 10);
		if (*q)
			dt_error(pcb, pcb->line, "D_SYNTAX",
				 "syntax error near \"$%s\"", name);
		if (o && i < o->macro_argc && o->macro_argv && o->macro_argv[i])
			val = o->macro_argv[i];
		else if (pcb->defaultargs)
			val = str ? "" : "0";
		else
			dt_error(pcb, pcb->line, "D_MACRO_UNDEF",
				 "macro argument %s%s is not defined",
				 str ? "$$" : "$", name);
	} else {
		int64_t v = 0;
		int ok = 1;
		if (!strcmp(name, "pid"))
			v = o ? o->pid : 0;
		else if (!strcmp(name, "ppid"))
			v = o ? o->ppid : 0;
		else if (!strcmp(name, "uid") || !strcmp(name, "euid"))
			v = o ? o->uid : 0;
		else if (!strcmp(name, "gid") || !strcmp(name, "egid"))
			v = o ? o->gid : 0;
		else if (!strcmp(name, "sid") || !strcmp(name, "pgid"))
			v = o ? o->pid : 0;
		else if (!strcmp(name, "projid") || !strcmp(name, "taskid") ||
			 !strcmp(name, "zoneid"))
			v = 0;
		else if (!strcmp(name, "target")) {
			if (!o || o->target <= 0) {
				if (pcb->defaultargs)
					v = 0;
				else
					dt_error(pcb, pcb->line,
						 "D_MACRO_UNDEF",
						 "macro $target is not "
						 "defined");
			} else
				v = o->target;
		} else
			ok = 0;
		if (!ok)
			dt_error(pcb, pcb->line, "D_MACRO_UNDEF",
				 "macro variable %s%s is not defined",
				 str ? "$$" : "$", name);
		snprintf(nbuf, sizeof(nbuf), "%lld", (long long)v);
		val = nbuf;
	}
	if (str) {
		tk->t = T_STRING;
		tk->s = dt_arena_strdup(&pcb->arena, val);
		tk->slen = strlen(val);
		return e;
	}
	/* an integer value is an integer constant; anything else is an
	 * identifier (or, failing that, a string) */
	char *q;
	errno = 0;
	const char *v = val;
	int neg = 0;
	if (*v == '-') {
		neg = 1;
		v++;
	}
	unsigned long long u = strtoull(v, &q, 0);
	if (*v && *q == 0 && errno == 0 && isdigit((unsigned char)*v)) {
		isint = 1;
		iv = neg ? -(int64_t)u : (int64_t)u;
	}
	if (isint) {
		tk->t = T_INT;
		tk->ival = (uint64_t)iv;
		tk->ibase = 10;
		tk->isuffix = 0;
		if (neg)
			tk->isuffix = 0x10; /* negative macro value */
	} else if (is_id0((unsigned char)*val)) {
		tk->t = T_IDENT;
		tk->s = dt_arena_strdup(&pcb->arena, val);
	} else {
		tk->t = T_STRING;
		tk->s = dt_arena_strdup(&pcb->arena, val);
		tk->slen = strlen(val);
	}
	return e;
}

static void lex_one(dt_pcb_t *pcb, dt_token_t *tk)
{
	memset(tk, 0, sizeof(*tk));
	dt_lex_skip_space(pcb);
	tk->line = pcb->line;
	tk->start = pcb->p;
	if (pcb->p >= pcb->end) {
		tk->t = T_EOF;
		return;
	}
	const char *p = pcb->p;
	int c = (unsigned char)*p;
	if (is_id0(c)) {
		const char *e = p;
		while (e < pcb->end && is_id((unsigned char)*e))
			e++;
		/* mod`name: a scoped identifier */
		if (e < pcb->end && *e == '`') {
			const char *f = e + 1;
			while (f < pcb->end && (is_id((unsigned char)*f) ||
						*f == '`' || *f == '.'))
				f++;
			tk->t = T_BQ;
			tk->s = dt_arena_strndup(&pcb->arena, p,
						 (size_t)(f - p));
			pcb->p = f;
			return;
		}
		size_t n = (size_t)(e - p);
		for (size_t i = 0; i < sizeof(kwtab) / sizeof(kwtab[0]); i++)
			if (strlen(kwtab[i]) == n &&
			    memcmp(kwtab[i], p, n) == 0) {
				tk->t = (enum dt_tok)(T_KW_FIRST + (int)i);
				tk->s = dt_arena_strndup(&pcb->arena, p, n);
				pcb->p = e;
				return;
			}
		tk->t = T_IDENT;
		tk->s = dt_arena_strndup(&pcb->arena, p, n);
		pcb->p = e;
		return;
	}
	if (isdigit(c)) {
		pcb->p = lex_number(pcb, p, tk);
		return;
	}
	if (c == '"') {
		pcb->p = lex_string(pcb, p, tk);
		return;
	}
	if (c == '\'') {
		pcb->p = lex_char(pcb, p, tk);
		return;
	}
	if (c == '@') {
		const char *e = p + 1;
		while (e < pcb->end && is_id((unsigned char)*e))
			e++;
		tk->t = T_AGG;
		tk->s = dt_arena_strndup(&pcb->arena, p + 1,
					 (size_t)(e - p - 1));
		pcb->p = e;
		return;
	}
	if (c == '`') {
		const char *e = p + 1;
		while (e < pcb->end && (is_id((unsigned char)*e) ||
					*e == '`' || *e == '.'))
			e++;
		tk->t = T_BQ;
		tk->s = dt_arena_strndup(&pcb->arena, p, (size_t)(e - p));
		pcb->p = e;
		return;
	}
	if (c == '$') {
		pcb->p = lex_macro(pcb, p, tk);
		return;
	}
	static const struct {
		const char *s;
		enum dt_tok t;
	} ops[] = {
		{ "...", T_ELLIPSIS }, { "<<=", T_SHL_ASSIGN },
		{ ">>=", T_SHR_ASSIGN }, { "->", T_ARROW },
		{ "++", T_INC },	{ "--", T_DEC },
		{ "<=", T_LE },		{ ">=", T_GE },
		{ "==", T_EQ },		{ "!=", T_NE },
		{ "&&", T_LAND },	{ "||", T_LOR },
		{ "^^", T_LXOR },	{ "<<", T_SHL },
		{ ">>", T_SHR },	{ "+=", T_ADD_ASSIGN },
		{ "-=", T_SUB_ASSIGN }, { "*=", T_MUL_ASSIGN },
		{ "/=", T_DIV_ASSIGN }, { "%=", T_MOD_ASSIGN },
		{ "&=", T_AND_ASSIGN }, { "^=", T_XOR_ASSIGN },
		{ "|=", T_OR_ASSIGN },	{ "(", T_LPAR },
		{ ")", T_RPAR },	{ "[", T_LBRACK },
		{ "]", T_RBRACK },	{ "{", T_LBRACE },
		{ "}", T_RBRACE },	{ ",", T_COMMA },
		{ ";", T_SEMI },	{ ":", T_COLON },
		{ "?", T_QUEST },	{ ".", T_DOT },
		{ "+", T_PLUS },	{ "-", T_MINUS },
		{ "*", T_STAR },	{ "/", T_SLASH },
		{ "%", T_PERCENT },	{ "&", T_AMP },
		{ "|", T_PIPE },	{ "^", T_CARET },
		{ "~", T_TILDE },	{ "!", T_BANG },
		{ "<", T_LT },		{ ">", T_GT },
		{ "=", T_ASSIGN },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].s);
		if ((size_t)(pcb->end - p) >= n && memcmp(p, ops[i].s, n) == 0) {
			tk->t = ops[i].t;
			pcb->p = p + n;
			return;
		}
	}
	if (isprint(c))
		dt_error(pcb, pcb->line, "D_SYNTAX",
			 "syntax error near \"%c\"", c);
	dt_error(pcb, pcb->line, "D_SYNTAX",
		 "invalid input character 0x%02x", c);
}

void dt_lex_next(dt_pcb_t *pcb)
{
	if (pcb->havepeek) {
		pcb->tok = pcb->peek;
		pcb->havepeek = 0;
	} else {
		lex_one(pcb, &pcb->tok);
	}
	/* as DTrace's lexer: a ) that closes nothing is its own error */
	if (pcb->tok.t == T_LPAR)
		pcb->pdepth++;
	else if (pcb->tok.t == T_RPAR && --pcb->pdepth < 0)
		dt_error(pcb, pcb->tok.line, "D_SYNTAX",
			 "extra ) in input stream");
}

dt_token_t *dt_lex_peek(dt_pcb_t *pcb)
{
	if (!pcb->havepeek) {
		lex_one(pcb, &pcb->peek);
		pcb->havepeek = 1;
	}
	return &pcb->peek;
}

static int pdesc_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' ||
	       c == '*' || c == '?' || c == '[' || c == ']' || c == '!' ||
	       c == '\\' || c == '$' || c == '`' || c == '+' || c == '~';
}

/* Appends n bytes to an arena buffer (grown by copying: a macro error may
 * longjmp out of here, so nothing may be malloc'd). */
static void pd_append(dt_pcb_t *pcb, char **buf, size_t *len, size_t *cap,
		      const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t nc = (*cap + n + 1) * 2;
		char *nb = dt_arena_alloc(&pcb->arena, nc);
		memcpy(nb, *buf, *len);
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
}

char *dt_lex_pdesc(dt_pcb_t *pcb, int *line)
{
	dt_lex_skip_space(pcb);
	*line = pcb->line;
	const char *p = pcb->p;
	if (p >= pcb->end || !pdesc_char((unsigned char)*p))
		return NULL;
	size_t cap = 64, n = 0;
	char *buf = dt_arena_alloc(&pcb->arena, cap);
	while (p < pcb->end && pdesc_char((unsigned char)*p)) {
		if (*p == '$') {
			/* macro variable inside a description */
			dt_token_t tk;
			memset(&tk, 0, sizeof(tk));
			pcb->p = p;
			const char *e = lex_macro(pcb, p, &tk);
			char tmp[64];
			const char *v = tmp;
			if (tk.t == T_INT)
				snprintf(tmp, sizeof(tmp), "%lld",
					 (long long)tk.ival);
			else
				v = tk.s;
			pd_append(pcb, &buf, &n, &cap, v, strlen(v));
			p = e;
			continue;
		}
		pd_append(pcb, &buf, &n, &cap, p, 1);
		p++;
	}
	pcb->p = p;
	return buf;
}
