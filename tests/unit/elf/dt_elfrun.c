/* dt_elfrun.c: BEGIN/END runner for ELF programs (see dt_elfrun.h). Only the
 * engine and the consumer: no front end, no providers. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consumer/dt_consume.h"
#include "dt_elfrun.h"
#include "engine/dt_engine.h"

static uint64_t dt_er_now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int dt_elfrun(const dt_prog_t *prog, FILE *out, FILE *err)
{
	static const dt_probe_t probes[] = {
	    {1, "dtrace", "", "", "BEGIN"},
	    {2, "dtrace", "", "", "END"},
	    {3, "dtrace", "", "", "ERROR"},
	};
	dt_eopts_t eo;
	dt_copts_t co;
	dt_engine_t *e;
	dt_consumer_t *c;
	dt_pctx_t ctx;
	char why[512];
	int status = 0;

	dt_eopts_default(&eo);
	memset(&co, 0, sizeof(co));
	co.testing = 1;
	for (uint32_t i = 0; i < prog->nopts; i++) {
		if (dt_eopts_set(&eo, prog->opts[i].name,
				 prog->opts[i].value) != 1)
			continue;
		if (strcmp(prog->opts[i].name, "quiet") == 0)
			co.quiet = 1;
	}
	e = dt_engine_create(prog, &eo, probes, 3, why, sizeof(why));
	if (e != NULL && dt_engine_go(e, why, sizeof(why)) != 0) {
		dt_engine_destroy(e);
		e = NULL;
	}
	if (e == NULL) {
		fprintf(err, "engine: %s\n", why);
		return -1;
	}
	c = dt_consumer_create(e, out, err, &co);
	if (c == NULL) {
		dt_engine_destroy(e);
		return -1;
	}
	dt_engine_set_errhandler(e, dt_consumer_errhandler, c);
	memset(&ctx, 0, sizeof(ctx));
	ctx.pid = getpid();
	ctx.tid = ctx.pid;
	ctx.execname = "dtrace";
	ctx.vmname = "";
	ctx.tkey.tid = (uint64_t)ctx.tid;
	ctx.probe = 1;
	ctx.ts = dt_er_now(CLOCK_MONOTONIC);
	ctx.wallts = dt_er_now(CLOCK_REALTIME);
	dt_engine_fire(e, &ctx);
	dt_consumer_drain(c);
	ctx.probe = 2;
	ctx.ts = dt_er_now(CLOCK_MONOTONIC);
	dt_engine_fire(e, &ctx);
	dt_consumer_drain(c);
	dt_consumer_report(c);
	fputc('\n', out);
	dt_consumer_print_aggs(c);
	fflush(out);
	dt_engine_exited(e, &status);
	dt_consumer_destroy(c);
	dt_engine_destroy(e);
	return status;
}
