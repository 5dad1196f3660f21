/*
 * dt_front.h: the D front end's entry point: preprocess, parse and check a
 * D program, giving the typed AST (front/dt_ast.h) that code generation
 * turns into a dt_prog_t.
 *
 * Owner: front end. Called by dt_compile() (front/dt_compile.c, owned by
 * code generation) and by tests.
 *
 * Change log (additive changes only; re-read after each):
 *   v1  first version.
 */
#ifndef DT_FRONT_H
#define DT_FRONT_H

#include <stdint.h>

#include "front/dt_ast.h"
#include "front/dt_compile.h"
#include "types/dt_type.h"

/* A #pragma D option (or -x given in opts->xopts): name[=value]. */
typedef struct dt_front_opt {
	char *name;
	char *value; /* NULL when given without a value */
	int line;    /* 0 for -x options */
} dt_front_opt_t;

/* The whole checked program. Everything belongs to it. */
typedef struct dt_front_prog {
	dt_typetab_t *types;    /* every type the AST refers to */

	uint32_t nclauses;
	dt_clause_t **clauses;  /* in source order */

	/* User variables. Globals and thread-locals are program-wide;
	 * clause-locals (this->) are program-wide too (one id per name,
	 * as DTrace's clause-local id space is per program). */
	uint32_t nglobals;
	dt_var_t **globals;     /* scope GLOBAL, scalars and assoc arrays */
	uint32_t ntls;
	dt_var_t **tls;         /* scope THREAD (self->) */
	uint32_t nlocals;
	dt_var_t **locals;      /* scope LOCAL (this->) */

	uint32_t naggs;
	dt_agg_t **aggs;        /* aggs[i]->id == i */

	uint32_t nxlators;
	dt_xlator_t **xlators;

	/* #pragma D option name[=value], in order (then -x options are NOT
	 * copied here: dt_compile() applies those itself). Values of
	 * options that change compilation (strsize, ...) are also applied to
	 * the type table. */
	uint32_t nopts;
	dt_front_opt_t *opts;

	uint32_t strsize;       /* the D string size in effect (default 256) */

	void *priv;             /* private: allocation arena etc. */
} dt_front_prog_t;

/*
 * Preprocesses (the system cpp when opts->cpp, with opts->cpp_argv), parses
 * and checks src. opts->kind says what src is (a script, or a -n/-P/-m/-f/-i
 * specifier: then src is the specifier, optionally followed by a predicate
 * and/or a { clause }).
 *
 * On success returns 0 and sets *progp (free with dt_front_prog_free()).
 * On failure returns -1, sets *progp to NULL and fills err: err->tag is
 * DTrace's tag ("D_SYNTAX", "D_PROTO_LEN", ...), err->line the line of the
 * first error (0 when there is none, e.g. cpp failures), err->msg DTrace's
 * message without prefix.
 *
 * Probe descriptions are checked with opts->probe_lookup (when set):
 * a description matching no probe is D_PDESC_ZERO unless opts->zdefs.
 */
int dt_front_parse_check(const dt_compile_opts_t *opts, const char *src,
			 dt_front_prog_t **progp, dt_compile_error_t *err);

/* The same for several program texts, parsed in order into one program
 * (each clause's src is the index of its text; err->src on failure). */
int dt_front_parse_check_srcs(const dt_compile_opts_t *opts,
			      const dt_compile_src_t *srcs, uint32_t nsrcs,
			      dt_front_prog_t **progp,
			      dt_compile_error_t *err);

void dt_front_prog_free(dt_front_prog_t *prog);

/* Looks up a #pragma D option value; returns NULL if not set, "" if set
 * without a value. The last setting wins. */
const char *dt_front_opt(const dt_front_prog_t *prog, const char *name);

#endif /* DT_FRONT_H */
