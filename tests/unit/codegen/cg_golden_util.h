/*
 * cg_golden_util.h: compile D text and render the result (program summary
 * and the -S listing, or the error) as the golden files hold it. Shared by
 * the golden test and the dtcc driver.
 */
#ifndef CG_GOLDEN_UTIL_H
#define CG_GOLDEN_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/dt_cg_dump.h"
#include "front/dt_compile.h"

/* DIFO addresses differ from run to run: print them as 0x0. */
static inline void cg_normalize(char *s)
{
	char *p = s, *q;

	while ((p = strstr(p, "DIFO 0x")) != NULL) {
		p += 7;
		q = p;
		while ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f'))
			q++;
		memmove(p + 1, q, strlen(q) + 1);
		*p = '0';
	}
}

/* Compiles src and returns the rendering (malloc'd). */
static inline char *cg_render_cpp(const char *src, enum dt_srckind kind,
				  int hypertrace, const char *btf, int cpp)
{
	dt_compile_opts_t o;
	dt_compile_error_t err;
	dt_prog_t *prog = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.kind = kind;
	o.filename = "golden.d";
	o.hypertrace = hypertrace;
	o.btf_path = btf;
	o.cpp = cpp;
	if (dt_compile(&o, src, &prog, &err) != 0) {
		fprintf(f, "error [%s] line %d: %s\n", err.tag, err.line,
			err.msg);
	} else {
		dt_cg_prog_summary(f, prog);
		dt_prog_dump(f, prog);
		dt_prog_free(prog);
	}
	fclose(f);
	cg_normalize(buf);
	return buf;
}

static inline char *cg_render(const char *src, enum dt_srckind kind,
			      int hypertrace, const char *btf)
{
	return cg_render_cpp(src, kind, hypertrace, btf, 0);
}

static inline char *cg_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf != NULL) {
		n = (long)fread(buf, 1, (size_t)n, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

#endif /* CG_GOLDEN_UTIL_H */
