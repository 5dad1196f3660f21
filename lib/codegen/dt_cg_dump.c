/*
 * dt_cg_dump.c: program summaries for tests and debugging (dt_cg_dump.h).
 */
#include <inttypes.h>

#include "codegen/dt_cg_dump.h"
#include "dif/dt_dis.h"

const char *dt_cg_actname(uint32_t kind)
{
	switch (kind) {
	case DT_ACT_NONE:
		return "none";
	case DT_ACT_DIFEXPR:
		return "difexpr";
	case DT_ACT_EXIT:
		return "exit";
	case DT_ACT_PRINTF:
		return "printf";
	case DT_ACT_PRINTA:
		return "printa";
	case DT_ACT_LIBACT:
		return "libact";
	case DT_ACT_TRACEMEM:
		return "tracemem";
	case DT_ACT_PRINTM:
		return "printm";
	case DT_ACT_PRINT:
		return "print";
	case DT_ACT_USTACK:
		return "ustack";
	case DT_ACT_JSTACK:
		return "jstack";
	case DT_ACT_USYM:
		return "usym";
	case DT_ACT_UMOD:
		return "umod";
	case DT_ACT_UADDR:
		return "uaddr";
	case DT_ACT_STOP:
		return "stop";
	case DT_ACT_RAISE:
		return "raise";
	case DT_ACT_SYSTEM:
		return "system";
	case DT_ACT_FREOPEN:
		return "freopen";
	case DT_ACT_STACK:
		return "stack";
	case DT_ACT_SYM:
		return "sym";
	case DT_ACT_MOD:
		return "mod";
	case DT_ACT_BREAKPOINT:
		return "breakpoint";
	case DT_ACT_PANIC:
		return "panic";
	case DT_ACT_CHILL:
		return "chill";
	case DT_ACT_SPECULATE:
		return "speculate";
	case DT_ACT_COMMIT:
		return "commit";
	case DT_ACT_DISCARD:
		return "discard";
	case DT_ACT_AGGREGATION:
		return "aggregation";
	default:
		return "?";
	}
}

static const char *scope_name(unsigned s)
{
	return s == DIFV_SCOPE_GLOBAL	? "glb"
	       : s == DIFV_SCOPE_THREAD ? "tls"
					: "loc";
}

void dt_cg_prog_summary(FILE *out, const dt_prog_t *p)
{
	char tb[64];
	uint32_t i, j, k;

	for (i = 0; i < p->nopts; i++)
		fprintf(out, "option %s%s%s\n", p->opts[i].name,
			p->opts[i].value ? "=" : "",
			p->opts[i].value ? p->opts[i].value : "");
	for (i = 0; i < p->nvars; i++) {
		const dt_vardesc_t *v = &p->vars[i];

		fprintf(out, "var %s id %#x %s %s nkeys %u %s: %s\n", v->name,
			v->v.id, v->v.kind == DIFV_KIND_ARRAY ? "arr" : "scl",
			scope_name(v->v.scope), v->nkeys,
			v->type_name ? v->type_name : "?",
			dt_dis_typestr(&v->v.type, tb, sizeof(tb)));
	}
	for (i = 0; i < p->naggs; i++) {
		const dt_aggdesc_t *a = &p->aggs[i];

		fprintf(out,
			"agg %u @%s func %u flags %#x params %" PRId64
			" %" PRId64 " %" PRId64 " %" PRId64 " keys",
			i, a->name, a->func, a->flags, a->params[0],
			a->params[1], a->params[2], a->params[3]);
		for (k = 0; k < a->nkeys; k++)
			fprintf(out, " [%s: %s]",
				a->key_type_names ? a->key_type_names[k] : "?",
				dt_dis_typestr(&a->keys[k], tb, sizeof(tb)));
		fputc('\n', out);
	}
	for (i = 0; i < p->nfmts; i++)
		fprintf(out, "fmt %u %s \"%s\"\n", i,
			dt_cg_actname(p->fmts[i].kind), p->fmts[i].str);
	for (i = 0; i < p->nstmts; i++) {
		const dt_stmt_t *s = &p->stmts[i];

		fprintf(out, "stmt %u line %u pred %s\n", i, s->line,
			s->pred ? "yes" : "no");
		for (j = 0; j < s->ndesc; j++)
			fprintf(out, "  probe %s%s%s:%s:%s:%s\n",
				s->descs[j].target,
				s->descs[j].target[0] ? ":" : "",
				s->descs[j].provider, s->descs[j].module,
				s->descs[j].function, s->descs[j].name);
		if (s->nacts == 0)
			fprintf(out, "  (default action)\n");
		for (j = 0; j < s->nacts; j++) {
			const dt_action_t *a = &s->acts[j];

			fprintf(out, "  act %s arg %" PRIu64 " arg2 %" PRIu64,
				dt_cg_actname(a->kind), a->arg, a->arg2);
			if (a->fmt != DT_NOFMT)
				fprintf(out, " fmt %u", a->fmt);
			for (k = 0; k < a->nargs; k++)
				fprintf(out, "%s%" PRIu64, k ? "," : " args ",
					a->args[k]);
			fprintf(out, " difos %u", a->ndifo);
			for (k = 0; k < a->ndifo; k++) {
				const dt_difo_t *d = a->difo[k];

				if (d == NULL)
					continue;
				fprintf(
				    out, " [%s%s%s%s]",
				    d->rtype_name ? d->rtype_name : "",
				    d->flags & DT_DIFO_SIGNED ? " signed" : "",
				    d->flags & DT_DIFO_CHARARR ? " chararr"
							       : "",
				    d->flags & DT_DIFO_POINTER ? " ptr" : "");
			}
			fputc('\n', out);
		}
	}
}
