/* dt_asm.c: the DIF assembler (see dt_asm.h for the syntax). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dif/dt_asm.h"
#include "dif/dt_verify.h"

typedef struct dt_asmst {
	dt_difo_t *dp;
	char lbl[64][32];
	uint32_t lblpc[64], nlbl;
	char fix[256][32];
	uint32_t fixpc[256], nfix;
	int line;
	char *err;
	size_t errlen;
} dt_asmst_t;

static int dt_aerr(dt_asmst_t *a, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(a->err, a->errlen, "line %d: ", a->line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < a->errlen)
		vsnprintf(a->err + n, a->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int dt_emit(dt_asmst_t *a, dif_instr_t in)
{
	dif_instr_t *b = realloc(a->dp->buf, (a->dp->len + 1) * sizeof(*b));

	if (b == NULL)
		return -1;
	b[a->dp->len++] = in;
	a->dp->buf = b;
	return 0;
}

static int dt_addint(dt_asmst_t *a, uint64_t v)
{
	uint64_t *t;

	for (uint32_t i = 0; i < a->dp->intlen; i++)
		if (a->dp->inttab[i] == v)
			return (int)i;
	t = realloc(a->dp->inttab, (a->dp->intlen + 1) * sizeof(*t));
	if (t == NULL)
		return -1;
	t[a->dp->intlen] = v;
	a->dp->inttab = t;
	return (int)a->dp->intlen++;
}

static int dt_addstr(dt_asmst_t *a, const char *s, size_t n)
{
	char *t;
	uint32_t off = a->dp->strlen;

	t = realloc(a->dp->strtab, off + n + 1);
	if (t == NULL)
		return -1;
	memcpy(t + off, s, n);
	t[off + n] = 0;
	a->dp->strtab = t;
	a->dp->strlen += (uint32_t)n + 1;
	return (int)off;
}

/* Splits operands at commas outside quotes. */
static int dt_ops(char *s, char **ops, int max)
{
	int n = 0, q = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 0;
	ops[n++] = s;
	for (; *s; s++) {
		if (*s == '"' && (s == ops[n - 1] || s[-1] != '\\'))
			q = !q;
		if (*s == ',' && !q) {
			*s = '\0';
			if (n == max)
				return -1;
			ops[n++] = s + 1;
		}
	}
	for (int i = 0; i < n; i++) {
		char *e;

		while (isspace((unsigned char)*ops[i]))
			ops[i]++;
		e = ops[i] + strlen(ops[i]);
		while (e > ops[i] && isspace((unsigned char)e[-1]))
			*--e = '\0';
	}
	return n;
}

static int dt_reg(dt_asmst_t *a, const char *s, uint32_t *r)
{
	char *end;
	unsigned long v;

	if (*s == '[')
		s++;
	if (s[0] != '%' || s[1] != 'r')
		return dt_aerr(a, "expected a register, got '%s'", s);
	v = strtoul(s + 2, &end, 10);
	if (end == s + 2 || (*end != '\0' && *end != ']') || v > 255)
		return dt_aerr(a, "bad register '%s'", s);
	*r = (uint32_t)v;
	return 0;
}

static int dt_num(dt_asmst_t *a, const char *s, uint64_t *v)
{
	char *end;

	*v = (uint64_t)strtoull(s, &end, 0);
	if (*s == '-')
		*v = (uint64_t)strtoll(s, &end, 0);
	if (end == s || *end != '\0')
		return dt_aerr(a, "expected a number, got '%s'", s);
	return 0;
}

static int dt_directive(dt_asmst_t *a, char *s)
{
	char w[6][32] = {{0}};
	int n = sscanf(s, "%31s %31s %31s %31s %31s %31s", w[0], w[1], w[2],
		       w[3], w[4], w[5]);

	if (strcmp(w[0], ".rtype") == 0 && n >= 2) {
		dif_type_t *t = &a->dp->rtype;

		memset(t, 0, sizeof(*t));
		if (strcmp(w[1], "string") == 0) {
			t->kind = DIF_TYPE_STRING;
			t->flags = DIF_TF_BYREF;
			t->size = 256;
		} else if (strcmp(w[1], "ref") == 0 && n >= 3) {
			t->flags = DIF_TF_BYREF;
			t->size = (uint32_t)strtoul(w[2], NULL, 0);
		} else if (strcmp(w[1], "int") == 0) {
			t->size = n >= 3 && isdigit((unsigned char)w[2][0])
					  ? (uint32_t)strtoul(w[2], NULL, 0)
					  : 8;
			for (int i = 2; i < n; i++)
				if (strcmp(w[i], "signed") == 0)
					a->dp->flags |= DT_DIFO_SIGNED;
		} else {
			return dt_aerr(a, "bad .rtype");
		}
		return 0;
	}
	if (strcmp(w[0], ".var") == 0 && n >= 5) {
		dif_var_desc_t v, *t;

		memset(&v, 0, sizeof(v));
		v.id = (uint32_t)strtoul(w[1], NULL, 0);
		v.scope = strcmp(w[2], "thread") == 0	? DIFV_SCOPE_THREAD
			  : strcmp(w[2], "local") == 0 ? DIFV_SCOPE_LOCAL
						       : DIFV_SCOPE_GLOBAL;
		v.kind = strcmp(w[3], "array") == 0 ? DIFV_KIND_ARRAY
						    : DIFV_KIND_SCALAR;
		if (strcmp(w[4], "string") == 0) {
			v.type.kind = DIF_TYPE_STRING;
			v.type.flags = DIF_TF_BYREF;
			v.type.size = 256;
		} else if (strcmp(w[4], "ref") == 0) {
			v.type.flags = DIF_TF_BYREF;
			v.type.size = n >= 6 ? (uint32_t)strtoul(w[5], 0, 0) : 8;
		} else {
			v.type.size = 8;
		}
		t = realloc(a->dp->vartab, (a->dp->varlen + 1) * sizeof(*t));
		if (t == NULL)
			return -1;
		t[a->dp->varlen++] = v;
		a->dp->vartab = t;
		return 0;
	}
	if (strcmp(w[0], ".word") == 0 && n >= 2)
		return dt_emit(a, (dif_instr_t)strtoul(w[1], NULL, 0));
	return dt_aerr(a, "unknown directive '%s'", w[0]);
}

static int dt_line(dt_asmst_t *a, char *s)
{
	char *ops[4], *p, mn[16];
	int n, op = -1;
	uint32_t r1 = 0, r2 = 0, rd = 0;
	uint64_t v = 0;
	size_t ml;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 0;
	if (*s == '.')
		return dt_directive(a, s);
	p = strchr(s, ':');
	if (p != NULL && !strchr(s, '"') && p[1] == '\0') {
		if (a->nlbl == 64)
			return dt_aerr(a, "too many labels");
		*p = '\0';
		snprintf(a->lbl[a->nlbl], 32, "%s", s);
		a->lblpc[a->nlbl++] = a->dp->len;
		return 0;
	}
	ml = strcspn(s, " \t");
	if (ml >= sizeof(mn))
		return dt_aerr(a, "bad mnemonic");
	memcpy(mn, s, ml);
	mn[ml] = '\0';
	for (unsigned i = 1; i <= DIF_OP_MAX; i++)
		if (dt_dif_opname(i) && strcmp(dt_dif_opname(i), mn) == 0)
			op = (int)i;
	if (op < 0)
		return dt_aerr(a, "unknown mnemonic '%s'", mn);
	n = dt_ops(s + ml, ops, 4);
	if (n < 0)
		return dt_aerr(a, "too many operands");
#define NEED(k)                                                                \
	do {                                                                   \
		if (n != (k))                                                  \
			return dt_aerr(a, "%s takes %d operands", mn, k);      \
	} while (0)
	switch (op) {
	case DIF_OP_NOP: case DIF_OP_POPTS: case DIF_OP_FLUSHTS:
		NEED(0);
		return dt_emit(a, DIF_INSTR_FMT(op, 0, 0, 0));
	case DIF_OP_RET:
		NEED(1);
		if (dt_reg(a, ops[0], &rd))
			return -1;
		return dt_emit(a, DIF_INSTR_RET(rd));
	case DIF_OP_TST:
		NEED(1);
		if (dt_reg(a, ops[0], &r1))
			return -1;
		return dt_emit(a, DIF_INSTR_TST(r1));
	case DIF_OP_CMP: case DIF_OP_SCMP:
		NEED(2);
		if (dt_reg(a, ops[0], &r1) || dt_reg(a, ops[1], &r2))
			return -1;
		return dt_emit(a, DIF_INSTR_CMP(op, r1, r2));
	case DIF_OP_BA: case DIF_OP_BE: case DIF_OP_BNE: case DIF_OP_BG:
	case DIF_OP_BGU: case DIF_OP_BGE: case DIF_OP_BGEU: case DIF_OP_BL:
	case DIF_OP_BLU: case DIF_OP_BLE: case DIF_OP_BLEU:
		NEED(1);
		if (isdigit((unsigned char)ops[0][0])) {
			if (dt_num(a, ops[0], &v))
				return -1;
			return dt_emit(a, DIF_INSTR_BRANCH(op, v));
		}
		if (a->nfix == 256)
			return dt_aerr(a, "too many branches");
		snprintf(a->fix[a->nfix], 32, "%s", ops[0]);
		a->fixpc[a->nfix++] = a->dp->len;
		return dt_emit(a, DIF_INSTR_BRANCH(op, 0));
	case DIF_OP_SETX: {
		int i;

		NEED(2);
		if (dt_num(a, ops[0], &v) || dt_reg(a, ops[1], &rd))
			return -1;
		if ((i = dt_addint(a, v)) < 0)
			return -1;
		return dt_emit(a, DIF_INSTR_SETX(i, rd));
	}
	case DIF_OP_SETS: {
		char buf[1024];
		size_t k = 0;
		int i;

		NEED(2);
		if (ops[0][0] != '"')
			return dt_aerr(a, "sets needs a quoted string");
		for (p = ops[0] + 1; *p && *p != '"' && k < sizeof(buf); p++) {
			if (*p == '\\' && p[1]) {
				p++;
				buf[k++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
			} else {
				buf[k++] = *p;
			}
		}
		if (dt_reg(a, ops[1], &rd))
			return -1;
		if ((i = dt_addstr(a, buf, k)) < 0)
			return -1;
		return dt_emit(a, DIF_INSTR_SETS(i, rd));
	}
	case DIF_OP_LDGS: case DIF_OP_LDTS: case DIF_OP_LDLS:
	case DIF_OP_LDGAA: case DIF_OP_LDTAA: case DIF_OP_CALL:
	case DIF_OP_STGS: case DIF_OP_STTS: case DIF_OP_STLS:
	case DIF_OP_STGAA: case DIF_OP_STTAA:
		NEED(2);
		if (dt_num(a, ops[0], &v) || dt_reg(a, ops[1], &rd))
			return -1;
		return dt_emit(a, DIF_INSTR_IDX(op, v, rd));
	case DIF_OP_LDGA: case DIF_OP_LDTA:
		NEED(3);
		if (dt_num(a, ops[0], &v) || dt_reg(a, ops[1], &r2) ||
		    dt_reg(a, ops[2], &rd))
			return -1;
		if (v > DIF_VAR_ARRAY_MAX)
			return dt_aerr(a, "array variable %#llx out of range",
				       (unsigned long long)v);
		return dt_emit(a, DIF_INSTR_FMT(op, v, r2, rd));
	case DIF_OP_PUSHTR:
		NEED(3);
		if (dt_num(a, ops[0], &v) || dt_reg(a, ops[1], &r2) ||
		    dt_reg(a, ops[2], &rd))
			return -1;
		return dt_emit(a, DIF_INSTR_FMT(op, v, r2, rd));
	case DIF_OP_PUSHTV:
		NEED(2);
		if (dt_num(a, ops[0], &v) || dt_reg(a, ops[1], &rd))
			return -1;
		return dt_emit(a, DIF_INSTR_FMT(op, v, 0, rd));
	case DIF_OP_STB: case DIF_OP_STH: case DIF_OP_STW: case DIF_OP_STX:
		NEED(2);
		if (dt_reg(a, ops[0], &r1) || dt_reg(a, ops[1], &rd))
			return -1;
		return dt_emit(a, DIF_INSTR_FMT(op, r1, 0, rd));
	case DIF_OP_NOT: case DIF_OP_MOV: case DIF_OP_ALLOCS:
		NEED(2);
		if (dt_reg(a, ops[0], &r1) || dt_reg(a, ops[1], &rd))
			return -1;
		return dt_emit(a, DIF_INSTR_FMT(op, r1, 0, rd));
	default:
		if ((op >= DIF_OP_LDSB && op <= DIF_OP_LDX) ||
		    (op >= DIF_OP_ULDSB && op <= DIF_OP_RLDX)) {
			NEED(2);
			if (dt_reg(a, ops[0], &r1) || dt_reg(a, ops[1], &rd))
				return -1;
			return dt_emit(a, DIF_INSTR_FMT(op, r1, 0, rd));
		}
		if (op >= DIF_OP_XLATE) {
			NEED(2);
			if (dt_num(a, ops[0], &v) || dt_reg(a, ops[1], &rd))
				return -1;
			return dt_emit(a, DIF_INSTR_IDX(op, v, rd));
		}
		NEED(3);
		if (dt_reg(a, ops[0], &r1) || dt_reg(a, ops[1], &r2) ||
		    dt_reg(a, ops[2], &rd))
			return -1;
		return dt_emit(a, DIF_INSTR_FMT(op, r1, r2, rd));
	}
#undef NEED
}

dt_difo_t *dt_asm(const char *text, char *err, size_t errlen)
{
	dt_asmst_t a;
	char *copy = strdup(text), *line, *save = NULL;

	memset(&a, 0, sizeof(a));
	a.err = err;
	a.errlen = errlen;
	a.dp = dt_difo_new();
	if (copy == NULL || a.dp == NULL)
		goto fail;
	a.dp->rtype.size = 8;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int q = 0;

		a.line++;
		for (char *c = line; *c; c++) {
			if (*c == '"')
				q = !q;
			if (!q && (*c == '#' || *c == ';')) {
				*c = '\0';
				break;
			}
		}
		if (dt_line(&a, line))
			goto fail;
	}
	for (uint32_t i = 0; i < a.nfix; i++) {
		uint32_t k;

		for (k = 0; k < a.nlbl; k++)
			if (strcmp(a.lbl[k], a.fix[i]) == 0)
				break;
		if (k == a.nlbl) {
			a.line = 0;
			dt_aerr(&a, "undefined label '%s'", a.fix[i]);
			goto fail;
		}
		a.dp->buf[a.fixpc[i]] |= a.lblpc[k] & 0xffffff;
	}
	free(copy);
	return a.dp;
fail:
	free(copy);
	dt_difo_free(a.dp);
	return NULL;
}
