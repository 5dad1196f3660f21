/*
 * dt_cg_difo.c: the DIFO builder (see dt_cg_difo.h): instruction buffer,
 * label patching, table interning, variable table, register allocation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/dt_cg_difo.h"

void dt_cg_difo_init(dt_cg_difo_t *b, jmp_buf *jmp, dt_compile_error_t *err)
{
	memset(b, 0, sizeof(*b));
	b->regs = 1;
	b->nregs = DIF_DIR_NREGS;
	b->jmp = jmp;
	b->err = err;
}

void dt_cg_difo_reset(dt_cg_difo_t *b)
{
	jmp_buf *jmp = b->jmp;
	dt_compile_error_t *err = b->err;
	int line = b->line, nregs = b->nregs;

	free(b->buf);
	free(b->inttab);
	free(b->strtab);
	free(b->symtab);
	free(b->vartab);
	free(b->labels);
	free(b->fixups);
	dt_cg_difo_init(b, jmp, err);
	b->line = line;
	b->nregs = nregs;
}

void dt_cg_fail(dt_cg_difo_t *b, const char *tag, const char *fmt, ...)
{
	va_list ap;

	if (b->err != NULL) {
		uint32_t src = b->err->src; /* the text being compiled */

		memset(b->err, 0, sizeof(*b->err));
		b->err->src = src;
		snprintf(b->err->tag, sizeof(b->err->tag), "%s", tag);
		b->err->line = b->line;
		va_start(ap, fmt);
		vsnprintf(b->err->msg, sizeof(b->err->msg), fmt, ap);
		va_end(ap);
	}
	longjmp(*b->jmp, 1);
}

/* Makes room for one more element of size sz in *arr (capacity *cap). */
static void *grow(dt_cg_difo_t *b, void *arrp, uint32_t n, uint32_t *cap,
		  size_t sz, uint32_t need)
{
	void **arr = arrp;

	if (n + need > *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 16;
		void *p;

		while (ncap < n + need)
			ncap *= 2;
		p = realloc(*arr, (size_t)ncap * sz);
		if (p == NULL)
			dt_cg_fail(b, "D_NOMEM", "out of memory");
		*arr = p;
		*cap = ncap;
	}
	return *arr;
}

uint32_t dt_cg_emit(dt_cg_difo_t *b, dif_instr_t in)
{
	grow(b, &b->buf, b->len, &b->cap, sizeof(dif_instr_t), 1);
	b->buf[b->len] = in;
	return b->len++;
}

uint32_t dt_cg_label(dt_cg_difo_t *b)
{
	grow(b, &b->labels, b->nlabels, &b->labcap, sizeof(uint32_t), 1);
	b->labels[b->nlabels] = UINT32_MAX;
	return b->nlabels++;
}

void dt_cg_label_set(dt_cg_difo_t *b, uint32_t label)
{
	b->labels[label] = b->len;
}

void dt_cg_branch(dt_cg_difo_t *b, unsigned op, uint32_t label)
{
	uint32_t at = dt_cg_emit(b, DIF_INSTR_BRANCH(op, label));

	grow(b, &b->fixups, b->nfixups, &b->fixcap, sizeof(uint32_t), 1);
	b->fixups[b->nfixups++] = at;
}

uint32_t dt_cg_int(dt_cg_difo_t *b, uint64_t v)
{
	uint32_t i;

	for (i = 0; i < b->intlen; i++)
		if (b->inttab[i] == v)
			return i;
	if (b->intlen > DIF_INTOFF_MAX)
		dt_cg_fail(b, "D_DIF_TOOBIG",
			   "too many integer constants in one clause");
	grow(b, &b->inttab, b->intlen, &b->intcap, sizeof(uint64_t), 1);
	b->inttab[b->intlen] = v;
	return b->intlen++;
}

/* Interns s in a string-table-like buffer; offset 0 holds "" as DTrace's
 * string tables do. */
static uint32_t intern(dt_cg_difo_t *b, char **tab, uint32_t *len,
		       uint32_t *cap, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t off = 0;

	if (*len == 0) {
		grow(b, tab, 0, cap, 1, 1);
		(*tab)[0] = '\0';
		*len = 1;
	}
	while (off < *len) {
		size_t l = strlen(*tab + off) + 1;

		if (l == n && memcmp(*tab + off, s, n) == 0)
			return off;
		off += (uint32_t)l;
	}
	if (*len + n > DIF_STROFF_MAX + 1u)
		dt_cg_fail(b, "D_STR_TOOBIG", "too many strings in one clause");
	grow(b, tab, *len, cap, 1, (uint32_t)n);
	memcpy(*tab + *len, s, n);
	off = *len;
	*len += (uint32_t)n;
	return off;
}

uint32_t dt_cg_str(dt_cg_difo_t *b, const char *s)
{
	return intern(b, &b->strtab, &b->strlen, &b->strcap, s);
}

/* Relocation symbols are named by ordinal index (link/dt_reloc.h), and
 * the table has no leading empty string. */
uint32_t dt_cg_sym(dt_cg_difo_t *b, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t off = 0, idx = 0;

	while (off < b->symlen) {
		size_t l = strlen(b->symtab + off) + 1;

		if (l == n && memcmp(b->symtab + off, s, n) == 0)
			return idx;
		off += (uint32_t)l;
		idx++;
	}
	if (idx > DIF_VARIABLE_MAX)
		dt_cg_fail(b, "D_DIF_TOOBIG",
			   "too many relocations in one clause");
	grow(b, &b->symtab, b->symlen, &b->symcap, 1, (uint32_t)n);
	memcpy(b->symtab + b->symlen, s, n);
	b->symlen += (uint32_t)n;
	return idx;
}

void dt_cg_var(dt_cg_difo_t *b, const char *name, uint32_t id, uint8_t kind,
	       uint8_t scope, uint16_t flags, const dif_type_t *type)
{
	dif_var_desc_t *v;
	uint32_t i;

	for (i = 0; i < b->varlen; i++) {
		v = &b->vartab[i];
		if (v->id == id && v->scope == scope) {
			v->flags |= flags;
			return;
		}
	}
	i = dt_cg_str(b, name);
	grow(b, &b->vartab, b->varlen, &b->varcap, sizeof(*v), 1);
	v = &b->vartab[b->varlen++];
	memset(v, 0, sizeof(*v));
	v->name = i;
	v->id = id;
	v->kind = kind;
	v->scope = scope;
	v->flags = flags;
	if (type != NULL)
		v->type = *type;
}

int dt_cg_reg_alloc(dt_cg_difo_t *b)
{
	int r;

	for (r = 1; r < b->nregs && r < 32; r++) {
		if (!(b->regs & (1u << r))) {
			b->regs |= 1u << r;
			return r;
		}
	}
	dt_cg_fail(b, "D_NOREG", "Insufficient registers to generate code");
}

void dt_cg_reg_free(dt_cg_difo_t *b, int reg)
{
	if (reg > 0 && reg < 32)
		b->regs &= ~(1u << reg);
}

int dt_cg_regs_in_use(const dt_cg_difo_t *b)
{
	return __builtin_popcount(b->regs & ~1u);
}

void dt_cg_setx(dt_cg_difo_t *b, int reg, uint64_t v)
{
	dt_cg_emit(b, DIF_INSTR_SETX(dt_cg_int(b, v), reg));
}

dt_difo_t *dt_cg_difo_finish(dt_cg_difo_t *b, const dif_type_t *rtype,
			     const char *rtype_name, uint32_t flags)
{
	dt_difo_t *d;
	uint32_t i;

	for (i = 0; i < b->nfixups; i++) {
		uint32_t at = b->fixups[i];
		uint32_t lab = DIF_INSTR_LABEL(b->buf[at]);
		uint32_t to = b->labels[lab];

		if (to == UINT32_MAX || to <= at)
			dt_cg_fail(b, "D_UNKNOWN",
				   "internal error: bad branch at %u", at);
		b->buf[at] = DIF_INSTR_BRANCH(DIF_INSTR_OP(b->buf[at]), to);
	}
	d = dt_difo_new();
	if (d == NULL)
		dt_cg_fail(b, "D_NOMEM", "out of memory");
	if (rtype_name != NULL &&
	    (d->rtype_name = strdup(rtype_name)) == NULL) {
		free(d);
		dt_cg_fail(b, "D_NOMEM", "out of memory");
	}
	d->buf = b->buf;
	d->len = b->len;
	d->inttab = b->inttab;
	d->intlen = b->intlen;
	d->strtab = b->strtab;
	d->strlen = b->strlen;
	d->symtab = b->symtab;
	d->symlen = b->symlen;
	d->vartab = b->vartab;
	d->varlen = b->varlen;
	d->rtype = *rtype;
	d->flags = flags;
	b->buf = NULL;
	b->inttab = NULL;
	b->strtab = NULL;
	b->symtab = NULL;
	b->vartab = NULL;
	dt_cg_difo_reset(b);
	return d;
}
