/* dt_proggen.c: random programs for property tests (see dt_proggen.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dt_proggen.h"

static uint64_t dt_pg_next(uint64_t *s)
{
	/* splitmix64: deterministic across machines */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t dt_pg_n(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(dt_pg_next(s) % n) : 0;
}

static const char *dt_pg_word(uint64_t *s)
{
	static const char *const w[] = {
	    "",		 "syscall",  "read",	 "entry",    "vm1",   "vm*",
	    "Linux-6.*", "fbt",	     "vfs_read", "return",   "%d\\n", "x",
	    "count",	 "self->ts", "uint64_t", "char [16]"};

	return w[dt_pg_n(s, sizeof(w) / sizeof(w[0]))];
}

static char *dt_pg_bytes(uint64_t *s, uint32_t *lenp)
{
	uint32_t n = 1 + dt_pg_n(s, 40);
	char *p = malloc(n);

	for (uint32_t i = 0; i < n; i++)
		p[i] = (char)(dt_pg_n(s, 4) == 0 ? 0 : 'a' + dt_pg_n(s, 26));
	p[n - 1] = '\0';
	*lenp = n;
	return p;
}

static void dt_pg_type(uint64_t *s, dif_type_t *t)
{
	t->kind = (uint8_t)dt_pg_n(s, 2);
	t->ckind = (uint8_t)dt_pg_n(s, 12);
	t->flags = (uint8_t)dt_pg_n(s, 4);
	t->pad = (uint8_t)dt_pg_n(s, 2);
	t->size = dt_pg_n(s, 300);
}

static dt_difo_t *dt_pg_difo(uint64_t *s)
{
	dt_difo_t *d = dt_difo_new();

	d->len = 1 + dt_pg_n(s, 20);
	d->buf = malloc(d->len * sizeof(*d->buf));
	for (uint32_t i = 0; i < d->len; i++)
		d->buf[i] = (dif_instr_t)dt_pg_next(s);
	if (dt_pg_n(s, 3)) {
		d->intlen = 1 + dt_pg_n(s, 5);
		d->inttab = malloc(d->intlen * 8);
		for (uint32_t i = 0; i < d->intlen; i++)
			d->inttab[i] = dt_pg_next(s);
	}
	if (dt_pg_n(s, 2))
		d->strtab = dt_pg_bytes(s, &d->strlen);
	if (dt_pg_n(s, 2))
		d->symtab = dt_pg_bytes(s, &d->symlen);
	if (dt_pg_n(s, 2)) {
		d->varlen = 1 + dt_pg_n(s, 4);
		d->vartab = calloc(d->varlen, sizeof(*d->vartab));
		for (uint32_t i = 0; i < d->varlen; i++) {
			dif_var_desc_t *v = &d->vartab[i];

			v->name = dt_pg_n(s, 100);
			v->id = 0x500 + dt_pg_n(s, 10);
			v->kind = (uint8_t)dt_pg_n(s, 2);
			v->scope = (uint8_t)dt_pg_n(s, 3);
			v->flags = (uint16_t)dt_pg_n(s, 4);
			dt_pg_type(s, &v->type);
		}
	}
	dt_pg_type(s, &d->rtype);
	if (dt_pg_n(s, 2))
		d->rtype_name = strdup(dt_pg_word(s));
	d->flags = dt_pg_n(s, 8);
	return d;
}

dt_prog_t *dt_proggen(uint64_t seed)
{
	uint64_t st = seed, *s = &st;
	dt_prog_t *p = dt_prog_new();
	uint32_t n;

	for (int i = 0; i < 16; i++) {
		p->ident[i] = (uint8_t)dt_pg_next(s);
		p->srcident[i] = (uint8_t)(dt_pg_n(s, 2) ? dt_pg_next(s) : 0);
	}
	if (dt_pg_n(s, 4) == 0)
		p->link_error = strdup("statement 1: no member \"x\" in "
				       "struct task_struct");
	p->nfmts = 0;
	n = dt_pg_n(s, 4);
	for (uint32_t i = 0; i < n; i++)
		dt_prog_add_fmt(p, DT_ACT_PRINTF + dt_pg_n(s, 2),
				dt_pg_word(s));
	n = dt_pg_n(s, 5);
	for (uint32_t i = 0; i < n; i++) {
		dt_stmt_t *st2 = dt_prog_add_stmt(p);
		uint32_t nd = 1 + dt_pg_n(s, 3), na = dt_pg_n(s, 4);

		st2->line = dt_pg_n(s, 1000);
		for (uint32_t j = 0; j < nd; j++)
			dt_stmt_add_desc(st2, dt_pg_word(s), dt_pg_word(s),
					 dt_pg_word(s), dt_pg_word(s),
					 dt_pg_word(s));
		if (dt_pg_n(s, 2))
			st2->pred = dt_pg_difo(s);
		for (uint32_t j = 0; j < na; j++) {
			dt_action_t *a =
			    dt_stmt_add_action(st2, 1 + dt_pg_n(s, 9));
			uint32_t k = dt_pg_n(s, 4), m = dt_pg_n(s, 3);

			a->arg = dt_pg_next(s);
			a->arg2 = dt_pg_n(s, 2) ? dt_pg_next(s) : 0;
			a->fmt = p->nfmts && dt_pg_n(s, 2)
				     ? dt_pg_n(s, p->nfmts)
				     : DT_NOFMT;
			for (uint32_t x = 0; x < k; x++)
				dt_action_add_difo(
				    a, dt_pg_n(s, 5) ? dt_pg_difo(s) : NULL);
			for (uint32_t x = 0; x < m; x++)
				dt_action_add_arg(a, dt_pg_next(s));
		}
	}
	n = dt_pg_n(s, 3);
	for (uint32_t i = 0; i < n; i++) {
		char name[16];
		int ai;
		dt_aggdesc_t *a;

		snprintf(name, sizeof(name), i ? "agg%u" : "", i);
		ai = dt_prog_add_agg(p, name, 1 + dt_pg_n(s, 9));
		a = &p->aggs[ai];
		a->nkeys = dt_pg_n(s, 3);
		a->keys = a->nkeys ? calloc(a->nkeys, sizeof(*a->keys)) : NULL;
		for (uint32_t j = 0; j < a->nkeys; j++)
			dt_pg_type(s, &a->keys[j]);
		if (a->nkeys && dt_pg_n(s, 2)) {
			a->key_type_names = calloc(a->nkeys, sizeof(char *));
			for (uint32_t j = 0; j < a->nkeys; j++)
				a->key_type_names[j] =
				    dt_pg_n(s, 3) ? strdup(dt_pg_word(s))
						  : NULL;
		}
		for (int j = 0; j < 4; j++)
			a->params[j] = (int64_t)dt_pg_next(s);
		a->flags = dt_pg_n(s, 2);
	}
	n = dt_pg_n(s, 4);
	for (uint32_t i = 0; i < n; i++) {
		dif_var_desc_t v = {0};
		char name[16];

		v.id = 0x500 + i;
		v.kind = (uint8_t)dt_pg_n(s, 2);
		v.scope = (uint8_t)dt_pg_n(s, 3);
		v.flags = (uint16_t)dt_pg_n(s, 3);
		dt_pg_type(s, &v.type);
		snprintf(name, sizeof(name), "v%u", i);
		dt_prog_add_var(p, name, &v,
				dt_pg_n(s, 2) ? dt_pg_word(s) : NULL,
				dt_pg_n(s, 3));
	}
	n = dt_pg_n(s, 3);
	for (uint32_t i = 0; i < n; i++)
		dt_prog_add_opt(p, i ? "bufsize" : "quiet",
				dt_pg_n(s, 2) ? "4m" : NULL);
	return p;
}

static int dt_pg_streq(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

int dt_proggen_equal_all(const dt_prog_t *a, const dt_prog_t *b, char *why,
			 size_t whylen)
{
	if (dt_prog_equal(a, b, why, whylen) != 0)
		return -1;
	if (memcmp(a->ident, b->ident, 16) ||
	    memcmp(a->srcident, b->srcident, 16)) {
		snprintf(why, whylen, "identifiers differ");
		return -1;
	}
	if (!dt_pg_streq(a->link_error, b->link_error)) {
		snprintf(why, whylen, "link errors differ");
		return -1;
	}
	for (uint32_t i = 0; i < a->naggs; i++) {
		const dt_aggdesc_t *x = &a->aggs[i], *y = &b->aggs[i];

		if ((x->key_type_names == NULL) !=
		    (y->key_type_names == NULL)) {
			snprintf(why, whylen, "agg %u key names presence", i);
			return -1;
		}
		for (uint32_t j = 0; x->key_type_names && j < x->nkeys; j++)
			if (!dt_pg_streq(x->key_type_names[j],
					 y->key_type_names[j])) {
				snprintf(why, whylen, "agg %u key name %u", i,
					 j);
				return -1;
			}
	}
	for (uint32_t i = 0; i < a->nstmts; i++) {
		if (a->stmts[i].line != b->stmts[i].line) {
			snprintf(why, whylen, "statement %u line", i);
			return -1;
		}
	}
	return 0;
}
