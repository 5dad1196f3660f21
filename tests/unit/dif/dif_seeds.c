/*
 * dif_seeds.c: dif-seeds FILE... OUTDIR: compiles each D program with the
 * library and writes every DIFO it holds (predicates and action operands)
 * into OUTDIR in fuzz-dif's input format (see tests/fuzz/fuzz-dif.c), one
 * file per DIFO. Used by tests/fuzz/make-dif-seeds.sh; the seeds stay out
 * of git. Tables too big for the format's u8 counts are cut short: the
 * fuzzer mutates from there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front/dt_compile.h"

static unsigned g_n;

static void dump(const char *dir, const dt_difo_t *d)
{
	char path[4096];
	FILE *f;
	uint8_t hdr[4];
	uint32_t ni, ns, nv;

	if (d == NULL || d->len == 0)
		return;
	ni = d->intlen > 255 ? 255 : d->intlen;
	ns = d->strlen > 255 ? 255 : d->strlen;
	nv = d->varlen > 255 ? 255 : d->varlen;
	snprintf(path, sizeof(path), "%s/dif-%ld-%06u", dir, (long)getpid(),
		 g_n++);
	if ((f = fopen(path, "wb")) == NULL)
		return;
	hdr[0] = (uint8_t)ni;
	hdr[1] = (uint8_t)ns;
	hdr[2] = (uint8_t)nv;
	hdr[3] = d->rtype.kind == DIF_TYPE_STRING;
	fwrite(hdr, 1, 4, f);
	fwrite(d->inttab, 8, ni, f);
	fwrite(d->strtab, 1, ns, f);
	for (uint32_t i = 0; i < nv; i++) {
		/* fuzz-dif derives scope and kind from the id's low bits */
		const dif_var_desc_t *v = &d->vartab[i];
		uint16_t id = (uint16_t)((v->id & ~0xfU) | (v->scope % 3) |
					 (v->kind == DIFV_KIND_ARRAY ? 4 : 0) |
					 (v->type.kind == DIF_TYPE_STRING ? 8 : 0));

		fwrite(&id, 2, 1, f);
	}
	fwrite(d->buf, 4, d->len > 1024 ? 1024 : d->len, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t n = 0, cap = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			char *t = realloc(s, cap = (cap ? cap * 2 : 8192));

			if (t == NULL) {
				free(s);
				fclose(f);
				return NULL;
			}
			s = t;
		}
		r = fread(s + n, 1, 4096, f);
		n += r;
	} while (r > 0);
	fclose(f);
	s[n] = '\0';
	return s;
}

int main(int argc, char **argv)
{
	const char *dir;
	int ok = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: dif-seeds FILE... OUTDIR\n");
		return 2;
	}
	dir = argv[argc - 1];
	for (int i = 1; i < argc - 1; i++) {
		dt_compile_opts_t o = {.size = sizeof(o), .filename = argv[i],
				       .zdefs = 1};
		dt_compile_error_t err;
		dt_prog_t *p = NULL;
		char *src = slurp(argv[i]);

		if (src == NULL)
			continue;
		if (dt_compile(&o, src, &p, &err) == 0 && p != NULL) {
			ok++;
			for (uint32_t s = 0; s < p->nstmts; s++) {
				const dt_stmt_t *st = &p->stmts[s];

				if (st->pred)
					dump(dir, st->pred);
				for (uint32_t a = 0; a < st->nacts; a++)
					for (uint32_t k = 0; k < st->acts[a].ndifo; k++)
						if (st->acts[a].difo[k])
							dump(dir, st->acts[a].difo[k]);
			}
			dt_prog_free(p);
		}
		free(src);
	}
	printf("%d programs compiled, %u DIFOs in %s\n", ok, g_n, dir);
	return 0;
}
