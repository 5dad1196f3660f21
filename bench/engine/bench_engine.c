/*
 * bench_engine.c: ns per clause execution in the DIF engine for a fixed set
 * of clauses, each beside a native C implementation of the same work
 * measured in the same run; prints the ratio (engine / native).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../tests/unit/engine/dt_tprog.h"
#include "consumer/dt_consume.h"

#define N 200000

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static volatile uint64_t sink;

/* native: count keyed by string (open hash) */
static struct { char k[32]; uint64_t n; } ntab[1024];
static void native_count(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = s; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	for (uint32_t i = (uint32_t)(h & 1023);; i = (i + 1) & 1023) {
		if (ntab[i].k[0] == 0)
			snprintf(ntab[i].k, sizeof(ntab[i].k), "%s", s);
		if (strcmp(ntab[i].k, s) == 0) {
			ntab[i].n++;
			return;
		}
	}
}

static uint64_t nq[128];
static void native_quantize(int64_t v)
{
	int b = 63;

	if (v > 0)
		b = 64 + (63 - __builtin_clzll((uint64_t)v));
	nq[b & 127]++;
}

static struct { uint64_t tid, v; } ntl[1024];
static void native_tls(uint64_t tid)
{
	uint32_t i = (uint32_t)((tid * 0x9e3779b97f4a7c15ULL) >> 54);

	while (ntl[i].tid && ntl[i].tid != tid)
		i = (i + 1) & 1023;
	ntl[i].tid = tid;
	ntl[i].v = ntl[i].v + 1;
}

typedef struct bcase {
	const char *name;
	void (*build)(dt_prog_t *p);
	int print; /* drain through the consumer */
} bcase_t;

static void b_count(dt_prog_t *p)
{
	dt_stmt_t *s = tp_stmt(p, "profile", "tick-1s", NULL);
	int k = dt_prog_add_agg(p, "c", DT_AGG_COUNT);

	p->aggs[k].nkeys = 1;
	p->aggs[k].keys = calloc(1, sizeof(dif_type_t));
	p->aggs[k].keys[0].kind = DIF_TYPE_STRING;
	tp_act(s, DT_ACT_AGGREGATION, ".rtype string\nldgs 0x118, %r1\nret %r1",
	       NULL, NULL);
}

static void b_quantize(dt_prog_t *p)
{
	dt_stmt_t *s = tp_stmt(p, "profile", "tick-1s", NULL);

	dt_prog_add_agg(p, "q", DT_AGG_QUANTIZE);
	tp_act(s, DT_ACT_AGGREGATION, "ldgs 0x106, %r1\nret %r1", NULL, NULL);
}

static void b_pred(dt_prog_t *p)
{
	tp_stmt(p, "profile", "tick-1s",
		"ldgs 0x118, %r1\nsets \"dtrace\", %r2\nscmp %r1, %r2\nbe L1\n"
		"ret %r0\nL1:\nsetx 1, %r3\nret %r3");
}

static void b_tls(dt_prog_t *p)
{
	dt_stmt_t *s = tp_stmt(p, "profile", "tick-1s", NULL);

	tp_act(s, DT_ACT_DIFEXPR,
	       ".rtype int 0\n.var 0x500 thread scalar int\nldts 0x500, %r1\n"
	       "setx 1, %r2\nadd %r1, %r2, %r1\nstts 0x500, %r1\nret %r0",
	       NULL, NULL);
	s->acts[0].difo[0]->rtype.size = 0;
}

static void b_printf(dt_prog_t *p)
{
	dt_stmt_t *s = tp_stmt(p, "profile", "tick-1s", NULL);
	dt_action_t *a = tp_act(s, DT_ACT_PRINTF, "ldgs 0x106, %r1\nret %r1",
				".rtype string\nldgs 0x118, %r1\nret %r1", NULL);

	a->fmt = (uint32_t)dt_prog_add_fmt(p, DT_ACT_PRINTF, "%d %s\n");
}

int main(void)
{
	static const bcase_t cases[] = {
		{"count() keyed by string", b_count, 0},
		{"quantize(arg0)", b_quantize, 0},
		{"predicate: execname == \"dtrace\"", b_pred, 0},
		{"self->x = self->x + 1", b_tls, 0},
		{"printf(\"%d %s\\n\", arg0, execname)", b_printf, 1},
	};
	FILE *devnull = fopen("/dev/null", "w");

	printf("%-36s %12s %12s %8s\n", "clause", "engine ns", "native ns",
	       "ratio");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		dt_prog_t *p = dt_prog_new();
		dt_engine_t *e;
		dt_consumer_t *cons;
		dt_copts_t co = {.quiet = 1};
		dt_pctx_t ctx;
		uint64_t t0, t1, t2;
		double eng, nat;

		cases[c].build(p);
		e = tp_engine(p, NULL);
		cons = dt_consumer_create(e, devnull, stderr, &co);
		memset(&ctx, 0, sizeof(ctx));
		ctx.probe = 4;
		ctx.execname = "dtrace";
		t0 = now();
		for (int i = 0; i < N; i++) {
			ctx.arg[0] = (uint64_t)i;
			ctx.tkey.tid = (uint64_t)(i & 15) + 1;
			dt_engine_fire(e, &ctx);
			if (cases[c].print && (i & 255) == 255)
				dt_consumer_drain(cons);
		}
		dt_consumer_drain(cons);
		t1 = now();
		for (int i = 0; i < N; i++) {
			switch (c) {
			case 0: native_count("dtrace"); break;
			case 1: native_quantize(i); break;
			case 2: sink += strcmp(ctx.execname, "dtrace") == 0; break;
			case 3: native_tls((uint64_t)(i & 15) + 1); break;
			case 4: fprintf(devnull, "%d %s\n", i, ctx.execname); break;
			}
		}
		t2 = now();
		eng = (double)(t1 - t0) / N;
		nat = (double)(t2 - t1) / N;
		if (nat < 0.5)
			nat = 0.5; /* below the timer's resolution */
		printf("%-36s %12.1f %12.1f %8.1f\n", cases[c].name, eng, nat,
		       eng / nat);
		dt_consumer_destroy(cons);
		dt_engine_destroy(e);
		dt_prog_free(p);
	}
	fclose(devnull);
	return 0;
}
