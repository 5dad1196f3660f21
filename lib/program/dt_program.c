/* dt_program.c: construction, copy, comparison and release of dt_prog_t. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program/dt_program.h"

static char *dt_strdup0(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* Grows *arr (of *n elements of size sz) by one zeroed element. */
static void *dt_grow(void *arrp, uint32_t *n, size_t sz)
{
	void **arr = arrp;
	char *p = realloc(*arr, (size_t)(*n + 1) * sz);

	if (p == NULL)
		return NULL;
	memset(p + (size_t)*n * sz, 0, sz);
	*arr = p;
	return p + (size_t)(*n)++ * sz;
}

dt_prog_t *dt_prog_new(void)
{
	return calloc(1, sizeof(dt_prog_t));
}

dt_difo_t *dt_difo_new(void)
{
	return calloc(1, sizeof(dt_difo_t));
}

void dt_difo_free(dt_difo_t *d)
{
	if (d == NULL)
		return;
	free(d->buf);
	free(d->inttab);
	free(d->strtab);
	free(d->vartab);
	free(d->symtab);
	free(d->rtype_name);
	free(d);
}

static void *dt_memdup(const void *p, size_t n)
{
	void *q;

	if (p == NULL || n == 0)
		return NULL;
	q = malloc(n);
	if (q != NULL)
		memcpy(q, p, n);
	return q;
}

dt_difo_t *dt_difo_dup(const dt_difo_t *s)
{
	dt_difo_t *d = dt_difo_new();

	if (d == NULL)
		return NULL;
	*d = *s;
	d->buf = dt_memdup(s->buf, s->len * sizeof(dif_instr_t));
	d->inttab = dt_memdup(s->inttab, s->intlen * sizeof(uint64_t));
	d->strtab = dt_memdup(s->strtab, s->strlen);
	d->vartab = dt_memdup(s->vartab, s->varlen * sizeof(dif_var_desc_t));
	d->symtab = dt_memdup(s->symtab, s->symlen);
	d->rtype_name = s->rtype_name ? strdup(s->rtype_name) : NULL;
	if ((s->len && !d->buf) || (s->intlen && !d->inttab) ||
	    (s->strlen && !d->strtab) || (s->varlen && !d->vartab) ||
	    (s->symlen && !d->symtab) || (s->rtype_name && !d->rtype_name)) {
		dt_difo_free(d);
		return NULL;
	}
	return d;
}

void dt_prog_free(dt_prog_t *p)
{
	uint32_t i, j, k;

	if (p == NULL)
		return;
	for (i = 0; i < p->nstmts; i++) {
		dt_stmt_t *s = &p->stmts[i];

		for (j = 0; j < s->ndesc; j++) {
			free(s->descs[j].target);
			free(s->descs[j].provider);
			free(s->descs[j].module);
			free(s->descs[j].function);
			free(s->descs[j].name);
		}
		free(s->descs);
		dt_difo_free(s->pred);
		for (j = 0; j < s->nacts; j++) {
			for (k = 0; k < s->acts[j].ndifo; k++)
				dt_difo_free(s->acts[j].difo[k]);
			free(s->acts[j].difo);
			free(s->acts[j].args);
		}
		free(s->acts);
	}
	free(p->stmts);
	for (i = 0; i < p->naggs; i++) {
		free(p->aggs[i].name);
		free(p->aggs[i].keys);
		if (p->aggs[i].key_type_names != NULL)
			for (j = 0; j < p->aggs[i].nkeys; j++)
				free(p->aggs[i].key_type_names[j]);
		free(p->aggs[i].key_type_names);
	}
	free(p->aggs);
	for (i = 0; i < p->nfmts; i++)
		free(p->fmts[i].str);
	free(p->fmts);
	for (i = 0; i < p->nvars; i++) {
		free(p->vars[i].name);
		free(p->vars[i].type_name);
	}
	free(p->vars);
	for (i = 0; i < p->nopts; i++) {
		free(p->opts[i].name);
		free(p->opts[i].value);
	}
	free(p->opts);
	free(p->link_error);
	free(p);
}

dt_stmt_t *dt_prog_add_stmt(dt_prog_t *p)
{
	return dt_grow(&p->stmts, &p->nstmts, sizeof(dt_stmt_t));
}

int dt_stmt_add_desc(dt_stmt_t *s, const char *target, const char *prov,
		     const char *mod, const char *func, const char *name)
{
	dt_probedesc_t *d = dt_grow(&s->descs, &s->ndesc, sizeof(*d));

	if (d == NULL)
		return -1;
	d->target = dt_strdup0(target);
	d->provider = dt_strdup0(prov);
	d->module = dt_strdup0(mod);
	d->function = dt_strdup0(func);
	d->name = dt_strdup0(name);
	if (!d->target || !d->provider || !d->module || !d->function ||
	    !d->name)
		return -1;
	return 0;
}

dt_action_t *dt_stmt_add_action(dt_stmt_t *s, uint32_t kind)
{
	dt_action_t *a = dt_grow(&s->acts, &s->nacts, sizeof(*a));

	if (a != NULL) {
		a->kind = kind;
		a->fmt = DT_NOFMT;
	}
	return a;
}

int dt_action_add_difo(dt_action_t *a, dt_difo_t *d)
{
	dt_difo_t **slot = dt_grow(&a->difo, &a->ndifo, sizeof(*slot));

	if (slot == NULL) {
		dt_difo_free(d);
		return -1;
	}
	*slot = d;
	return 0;
}

int dt_action_add_arg(dt_action_t *a, uint64_t arg)
{
	uint64_t *slot = dt_grow(&a->args, &a->nargs, sizeof(*slot));

	if (slot == NULL)
		return -1;
	*slot = arg;
	return 0;
}

int dt_prog_add_fmt(dt_prog_t *p, uint32_t kind, const char *str)
{
	dt_fmt_t *f = dt_grow(&p->fmts, &p->nfmts, sizeof(*f));

	if (f == NULL)
		return -1;
	f->kind = kind;
	f->str = dt_strdup0(str);
	return f->str ? (int)(p->nfmts - 1) : -1;
}

int dt_prog_add_agg(dt_prog_t *p, const char *name, uint32_t func)
{
	dt_aggdesc_t *a = dt_grow(&p->aggs, &p->naggs, sizeof(*a));

	if (a == NULL)
		return -1;
	a->func = func;
	a->name = dt_strdup0(name);
	return a->name ? (int)(p->naggs - 1) : -1;
}

int dt_prog_add_var(dt_prog_t *p, const char *name, const dif_var_desc_t *v,
		    const char *type_name, uint32_t nkeys)
{
	dt_vardesc_t *d = dt_grow(&p->vars, &p->nvars, sizeof(*d));

	if (d == NULL)
		return -1;
	d->name = dt_strdup0(name);
	d->v = *v;
	d->v.name = 0;
	d->type_name = type_name ? strdup(type_name) : NULL;
	d->nkeys = nkeys;
	if (!d->name || (type_name && !d->type_name))
		return -1;
	return (int)(p->nvars - 1);
}

int dt_prog_add_opt(dt_prog_t *p, const char *name, const char *value)
{
	dt_option_t *o = dt_grow(&p->opts, &p->nopts, sizeof(*o));

	if (o == NULL)
		return -1;
	o->name = dt_strdup0(name);
	o->value = value ? strdup(value) : NULL;
	if (!o->name || (value && !o->value))
		return -1;
	return (int)(p->nopts - 1);
}

int dt_prog_find_agg(const dt_prog_t *p, const char *name)
{
	for (uint32_t i = 0; i < p->naggs; i++)
		if (strcmp(p->aggs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Records the first difference and fails. */
#define DIFF(...)                                                              \
	do {                                                                   \
		if (why != NULL)                                               \
			snprintf(why, whylen, __VA_ARGS__);                    \
		return -1;                                                     \
	} while (0)

static int dt_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int dt_mem_eq(const void *a, const void *b, size_t n)
{
	return n == 0 || memcmp(a, b, n) == 0;
}

static int dt_difo_equal(const dt_difo_t *a, const dt_difo_t *b,
			 const char *where, char *why, size_t whylen)
{
	if (a == NULL || b == NULL) {
		if (a != b)
			DIFF("%s: DIFO present in one program only", where);
		return 0;
	}
	if (a->len != b->len)
		DIFF("%s: %u vs %u instructions", where, a->len, b->len);
	for (uint32_t i = 0; i < a->len; i++)
		if (a->buf[i] != b->buf[i])
			DIFF("%s: instruction %u: %08x vs %08x", where, i,
			     a->buf[i], b->buf[i]);
	if (a->intlen != b->intlen ||
	    !dt_mem_eq(a->inttab, b->inttab, a->intlen * sizeof(uint64_t)))
		DIFF("%s: integer tables differ", where);
	if (a->strlen != b->strlen || !dt_mem_eq(a->strtab, b->strtab, a->strlen))
		DIFF("%s: string tables differ", where);
	if (a->varlen != b->varlen ||
	    !dt_mem_eq(a->vartab, b->vartab, a->varlen * sizeof(dif_var_desc_t)))
		DIFF("%s: variable tables differ", where);
	if (a->symlen != b->symlen || !dt_mem_eq(a->symtab, b->symtab, a->symlen))
		DIFF("%s: symbol tables differ", where);
	if (memcmp(&a->rtype, &b->rtype, sizeof(a->rtype)) != 0)
		DIFF("%s: return types differ", where);
	if (a->flags != b->flags || !dt_str_eq(a->rtype_name, b->rtype_name))
		DIFF("%s: return type names differ", where);
	return 0;
}

int dt_prog_equal(const dt_prog_t *a, const dt_prog_t *b, char *why,
		  size_t whylen)
{
	char where[64];

	if (a->nstmts != b->nstmts)
		DIFF("%u vs %u statements", a->nstmts, b->nstmts);
	for (uint32_t i = 0; i < a->nstmts; i++) {
		const dt_stmt_t *s = &a->stmts[i], *t = &b->stmts[i];

		if (s->ndesc != t->ndesc || s->nacts != t->nacts)
			DIFF("statement %u: shape differs", i);
		for (uint32_t j = 0; j < s->ndesc; j++) {
			const dt_probedesc_t *x = &s->descs[j], *y = &t->descs[j];

			if (!dt_str_eq(x->target, y->target) ||
			    !dt_str_eq(x->provider, y->provider) ||
			    !dt_str_eq(x->module, y->module) ||
			    !dt_str_eq(x->function, y->function) ||
			    !dt_str_eq(x->name, y->name))
				DIFF("statement %u: probe description %u differs",
				     i, j);
		}
		snprintf(where, sizeof(where), "statement %u predicate", i);
		if (dt_difo_equal(s->pred, t->pred, where, why, whylen) != 0)
			return -1;
		for (uint32_t j = 0; j < s->nacts; j++) {
			const dt_action_t *x = &s->acts[j], *y = &t->acts[j];

			if (x->kind != y->kind || x->ndifo != y->ndifo ||
			    x->arg != y->arg || x->arg2 != y->arg2 ||
			    x->fmt != y->fmt || x->nargs != y->nargs ||
			    !dt_mem_eq(x->args, y->args,
				       x->nargs * sizeof(uint64_t)))
				DIFF("statement %u action %u differs", i, j);
			for (uint32_t k = 0; k < x->ndifo; k++) {
				snprintf(where, sizeof(where),
					 "statement %u action %u operand %u", i,
					 j, k);
				if (dt_difo_equal(x->difo[k], y->difo[k], where,
						  why, whylen) != 0)
					return -1;
			}
		}
	}
	if (a->naggs != b->naggs)
		DIFF("%u vs %u aggregations", a->naggs, b->naggs);
	for (uint32_t i = 0; i < a->naggs; i++) {
		const dt_aggdesc_t *x = &a->aggs[i], *y = &b->aggs[i];

		if (!dt_str_eq(x->name, y->name) || x->func != y->func ||
		    x->nkeys != y->nkeys || x->flags != y->flags ||
		    memcmp(x->params, y->params, sizeof(x->params)) != 0 ||
		    !dt_mem_eq(x->keys, y->keys, x->nkeys * sizeof(dif_type_t)))
			DIFF("aggregation %u differs", i);
	}
	if (a->nfmts != b->nfmts)
		DIFF("%u vs %u formats", a->nfmts, b->nfmts);
	for (uint32_t i = 0; i < a->nfmts; i++)
		if (a->fmts[i].kind != b->fmts[i].kind ||
		    !dt_str_eq(a->fmts[i].str, b->fmts[i].str))
			DIFF("format %u differs", i);
	if (a->nvars != b->nvars)
		DIFF("%u vs %u variables", a->nvars, b->nvars);
	for (uint32_t i = 0; i < a->nvars; i++)
		if (!dt_str_eq(a->vars[i].name, b->vars[i].name) ||
		    memcmp(&a->vars[i].v, &b->vars[i].v, sizeof(a->vars[i].v)) ||
		    a->vars[i].nkeys != b->vars[i].nkeys ||
		    !dt_str_eq(a->vars[i].type_name, b->vars[i].type_name))
			DIFF("variable %u differs", i);
	if (a->nopts != b->nopts)
		DIFF("%u vs %u options", a->nopts, b->nopts);
	for (uint32_t i = 0; i < a->nopts; i++)
		if (!dt_str_eq(a->opts[i].name, b->opts[i].name) ||
		    !dt_str_eq(a->opts[i].value, b->opts[i].value))
			DIFF("option %u differs", i);
	return 0;
}

static const struct {
	uint32_t kind;
	const char *name;
} keykinds[] = {
	{DT_ACT_STACK, "stack"}, {DT_ACT_USTACK, "ustack"},
	{DT_ACT_JSTACK, "jstack"}, {DT_ACT_SYM, "sym"},
	{DT_ACT_MOD, "mod"},	 {DT_ACT_USYM, "usym"},
	{DT_ACT_UMOD, "umod"},	 {DT_ACT_UADDR, "uaddr"},
};

const char *dt_prog_keykind_name(uint32_t kind)
{
	for (size_t i = 0; i < sizeof(keykinds) / sizeof(keykinds[0]); i++)
		if (keykinds[i].kind == kind)
			return keykinds[i].name;
	return NULL;
}

uint32_t dt_prog_keykind(const dt_aggdesc_t *a, uint32_t k)
{
	const char *n;

	if (a->key_type_names == NULL || k >= a->nkeys ||
	    (n = a->key_type_names[k]) == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(keykinds) / sizeof(keykinds[0]); i++)
		if (strcmp(keykinds[i].name, n) == 0)
			return keykinds[i].kind;
	return 0;
}

static void want(uint32_t *have, uint64_t n)
{
	if (n > DT_MAXFRAMES)
		n = DT_MAXFRAMES;
	if (n > *have)
		*have = (uint32_t)n;
}

/* stackdepth, caller and kin read from a DIFO (ldgs/ldga of them). */
static void difo_frames(const dt_difo_t *d, uint32_t *kf, uint32_t *uf)
{
	for (uint32_t i = 0; d != NULL && i < d->len; i++) {
		uint32_t op = DIF_INSTR_OP(d->buf[i]);

		if (op != DIF_OP_LDGS && op != DIF_OP_LDGA)
			continue;
		switch (DIF_INSTR_VAR(d->buf[i])) {
		/* stackdepth counts every frame the kernel gives */
		case DIF_VAR_STACKDEPTH: want(kf, 127); break;
		case DIF_VAR_USTACKDEPTH: want(uf, 127); break;
		case DIF_VAR_CALLER: want(kf, 2); break;
		case DIF_VAR_UCALLER: want(uf, 2); break;
		default: break;
		}
	}
}

void dt_prog_stack_frames(const dt_prog_t *prog, uint32_t *kframes,
			  uint32_t *uframes)
{
	*kframes = *uframes = 0;
	for (uint32_t s = 0; s < prog->nstmts; s++) {
		const dt_stmt_t *st = &prog->stmts[s];

		difo_frames(st->pred, kframes, uframes);
		for (uint32_t a = 0; a < st->nacts; a++) {
			const dt_action_t *ac = &st->acts[a];

			if (ac->kind == DT_ACT_STACK)
				want(kframes, ac->arg);
			else if (ac->kind == DT_ACT_USTACK ||
				 ac->kind == DT_ACT_JSTACK)
				want(uframes, ac->arg);
			for (uint32_t k = 0; k < ac->ndifo; k++)
				difo_frames(ac->difo[k], kframes, uframes);
		}
	}
	for (uint32_t g = 0; g < prog->naggs; g++) {
		const dt_aggdesc_t *ad = &prog->aggs[g];

		for (uint32_t k = 0; k < ad->nkeys; k++) {
			uint32_t kind = dt_prog_keykind(ad, k);
			uint32_t n = ad->keys[k].size / 8;

			if (kind == DT_ACT_STACK)
				want(kframes, n);
			else if (kind == DT_ACT_USTACK || kind == DT_ACT_JSTACK)
				want(uframes, n > 0 ? n - 1 : 0);
		}
	}
}

static int difo_calls(const dt_difo_t *d, uint32_t subr)
{
	for (uint32_t i = 0; d != NULL && i < d->len; i++)
		if (DIF_INSTR_OP(d->buf[i]) == DIF_OP_CALL &&
		    DIF_INSTR_SUBR(d->buf[i]) == subr)
			return 1;
	return 0;
}

int dt_prog_calls(const dt_prog_t *prog, uint32_t subr)
{
	for (uint32_t s = 0; s < prog->nstmts; s++) {
		const dt_stmt_t *st = &prog->stmts[s];

		if (difo_calls(st->pred, subr))
			return 1;
		for (uint32_t a = 0; a < st->nacts; a++)
			for (uint32_t k = 0; k < st->acts[a].ndifo; k++)
				if (difo_calls(st->acts[a].difo[k], subr))
					return 1;
	}
	return 0;
}
