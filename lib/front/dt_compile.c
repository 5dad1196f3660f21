/*
 * dt_compile.c: the compiler's entry points (front/dt_compile.h): the front
 * end (parse and check) then code generation, and the `dtrace -S` listing
 * of a compiled program. Owner: code generation.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "codegen/dt_cg.h"
#include "dif/dt_dis.h"
#include "front/dt_compile.h"
#include "front/dt_front.h"

static void random_ident(uint8_t id[16])
{
	size_t got = 0;

	while (got < 16) {
		ssize_t n = getrandom(id + got, 16 - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* no entropy (very early boot): still unique enough per process */
	for (; got < 16; got++)
		id[got] = (uint8_t)(rand() ^ (int)got);
}

int dt_compile_srcs(const dt_compile_opts_t *opts,
		    const dt_compile_src_t *srcs, uint32_t nsrcs,
		    dt_prog_t **progp, dt_compile_error_t *err)
{
	dt_compile_opts_t o;
	dt_front_prog_t *fp = NULL;
	int rc;

	*progp = NULL;
	memset(err, 0, sizeof(*err));
	/* sized options: fields this caller does not know about are zero */
	memset(&o, 0, sizeof(o));
	if (opts != NULL)
		memcpy(&o, opts,
		       opts->size != 0 && opts->size < sizeof(o) ? opts->size
								 : sizeof(o));
	o.size = sizeof(o);
	for (uint32_t i = 0; i < nsrcs; i++)
		if (srcs[i].text == NULL) {
			err->src = i;
			strcpy(err->tag, "D_SYNTAX");
			strcpy(err->msg, "no program text");
			return -1;
		}
	if (nsrcs == 0) {
		strcpy(err->tag, "D_SYNTAX");
		strcpy(err->msg, "no program text");
		return -1;
	}
	if (dt_front_parse_check_srcs(&o, srcs, nsrcs, &fp, err) != 0)
		return -1;
	rc = dt_cg_program(&o, fp, progp, err);
	dt_front_prog_free(fp);
	if (rc == 0)
		random_ident((*progp)->ident);
	return rc;
}

int dt_compile(const dt_compile_opts_t *opts, const char *src,
	       dt_prog_t **progp, dt_compile_error_t *err)
{
	dt_compile_src_t one = {
		.kind = opts ? opts->kind : DT_SRC_SCRIPT,
		.filename = opts ? opts->filename : NULL,
		.text = src,
	};

	return dt_compile_srcs(opts, &one, 1, progp, err);
}

void dt_prog_dump(FILE *out, const dt_prog_t *prog)
{
	uint32_t i, j, k;

	if (prog == NULL)
		return;
	for (i = 0; i < prog->nstmts; i++) {
		const dt_stmt_t *s = &prog->stmts[i];

		if (s->pred != NULL)
			dt_dis(s->pred, out);
		for (j = 0; j < s->nacts; j++)
			for (k = 0; k < s->acts[j].ndifo; k++)
				if (s->acts[j].difo[k] != NULL)
					dt_dis(s->acts[j].difo[k], out);
	}
}
