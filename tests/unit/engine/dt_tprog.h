/* dt_tprog.h: helpers for tests that build programs by hand with the DIF
 * assembler (until the compiler produces them). */
#ifndef DT_TPROG_H
#define DT_TPROG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dif/dt_asm.h"
#include "engine/dt_engine.h"

static inline dt_difo_t *tp_asm(const char *txt)
{
	char err[256];
	dt_difo_t *d = dt_asm(txt, err, sizeof(err));

	if (d == NULL) {
		fprintf(stderr, "asm: %s\n%s\n", err, txt);
		abort();
	}
	return d;
}

/* A statement on probe desc "prov:::name" with an optional predicate. */
static inline dt_stmt_t *tp_stmt(dt_prog_t *p, const char *prov,
				 const char *name, const char *pred)
{
	dt_stmt_t *s = dt_prog_add_stmt(p);

	dt_stmt_add_desc(s, "", prov, "", "", name);
	if (pred)
		s->pred = tp_asm(pred);
	return s;
}

/* An action with up to 4 operand DIFOs (NULL-terminated list). */
static inline dt_action_t *tp_act(dt_stmt_t *s, uint32_t kind, const char *d0,
				  const char *d1, const char *d2)
{
	dt_action_t *a = dt_stmt_add_action(s, kind);

	if (d0)
		dt_action_add_difo(a, tp_asm(d0));
	if (d1)
		dt_action_add_difo(a, tp_asm(d1));
	if (d2)
		dt_action_add_difo(a, tp_asm(d2));
	return a;
}

static const dt_probe_t tp_probes[] = {
	{1, "dtrace", "", "", "BEGIN"},
	{2, "dtrace", "", "", "END"},
	{3, "dtrace", "", "", "ERROR"},
	{4, "profile", "", "", "tick-1s"},
};

static inline dt_engine_t *tp_engine(dt_prog_t *p, dt_eopts_t *o)
{
	dt_eopts_t def;
	char why[256];
	dt_engine_t *e;

	if (o == NULL) {
		dt_eopts_default(&def);
		def.ncpus = 1;
		o = &def;
	}
	e = dt_engine_create(p, o, tp_probes, 4, why, sizeof(why));
	if (e != NULL && dt_engine_go(e, why, sizeof(why)) != 0) {
		dt_engine_destroy(e);
		e = NULL;
	}
	if (e == NULL) {
		fprintf(stderr, "engine: %s\n", why);
		abort();
	}
	return e;
}

static inline void tp_fire(dt_engine_t *e, uint32_t probe, uint64_t tid)
{
	dt_pctx_t c;

	memset(&c, 0, sizeof(c));
	c.probe = probe;
	c.tid = (int64_t)tid;
	c.pid = 4242;
	c.tkey.tid = tid;
	c.execname = "dtrace";
	dt_engine_fire(e, &c);
}

#endif /* DT_TPROG_H */
