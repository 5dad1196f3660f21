/*
 * dt_elf.c: the ELF writer and reader of compiled programs (format in
 * hypertrace/elfprog.h). The writer lays every object out in its own section
 * in depth-first order; the reader accepts exactly that shape, checks every
 * size, count, reference and string before using it, and explains the first
 * thing that is wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/dt_error.h"
#include "elf/dt_elf.h"

#define DT_ELF_MAXFILE (256u << 20)

static const char *const dt_elf_secnames[] = {
    [DTELF_SHT_PROG - DTELF_SHT_BASE] = ".dtrace_prog",
    [DTELF_SHT_STRTAB - DTELF_SHT_BASE] = ".dtrace_strtab",
    [DTELF_SHT_STMT - DTELF_SHT_BASE] = ".dtrace_stmt",
    [DTELF_SHT_ECB - DTELF_SHT_BASE] = ".dtrace_ecbdesc",
    [DTELF_SHT_ACTION - DTELF_SHT_BASE] = ".dtrace_action",
    [DTELF_SHT_DIFO - DTELF_SHT_BASE] = ".dtrace_difo",
    [DTELF_SHT_INTTAB - DTELF_SHT_BASE] = ".difo_inttab",
    [DTELF_SHT_DSTRTAB - DTELF_SHT_BASE] = ".difo_strtab",
    [DTELF_SHT_SYMTAB - DTELF_SHT_BASE] = ".difo_symtab",
    [DTELF_SHT_VARTAB - DTELF_SHT_BASE] = ".difo_vartab",
    [DTELF_SHT_AGG - DTELF_SHT_BASE] = ".dtrace_aggdesc",
    [DTELF_SHT_FMTS - DTELF_SHT_BASE] = ".dtrace_fmts",
    [DTELF_SHT_VARS - DTELF_SHT_BASE] = ".dtrace_vars",
    [DTELF_SHT_OPTS - DTELF_SHT_BASE] = ".dtrace_opts",
};

static const char *dt_elf_secname(uint32_t type)
{
	if (type > DTELF_SHT_BASE && type <= DTELF_SHT_LAST)
		return dt_elf_secnames[type - DTELF_SHT_BASE];
	return NULL;
}

static int dt_elf_seterr(dt_elf_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int dt_elf_seterr(dt_elf_err_t *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---------------------------------------------------------------- buffers */

typedef struct dt_buf {
	uint8_t *p;
	size_t len, cap;
	int nomem;
} dt_buf_t;

static void dt_buf_reserve(dt_buf_t *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->nomem || b->len + n <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->nomem = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void dt_buf_put(dt_buf_t *b, const void *src, size_t n)
{
	dt_buf_reserve(b, n);
	if (b->nomem || n == 0)
		return;
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void dt_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void dt_buf_u8(dt_buf_t *b, uint8_t v)
{
	dt_buf_put(b, &v, 1);
}

static void dt_buf_u16(dt_buf_t *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	dt_buf_put(b, x, 2);
}

static void dt_buf_u32(dt_buf_t *b, uint32_t v)
{
	uint8_t x[4];

	dt_le32(x, v);
	dt_buf_put(b, x, 4);
}

static void dt_buf_u64(dt_buf_t *b, uint64_t v)
{
	dt_buf_u32(b, (uint32_t)v);
	dt_buf_u32(b, (uint32_t)(v >> 32));
}

/* Overwrites a u32 written earlier (a reference filled in after the child
 * section got its index). */
static void dt_buf_patch32(dt_buf_t *b, size_t off, uint32_t v)
{
	if (!b->nomem && off + 4 <= b->len)
		dt_le32(b->p + off, v);
}

/* ----------------------------------------------------------------- writer */

typedef struct dt_wsec {
	uint32_t type;
	dt_buf_t data;
	uint64_t entsize;
} dt_wsec_t;

typedef struct dt_writer {
	dt_wsec_t *secs; /* index = section index; 0 and 1 unused here */
	uint32_t nsecs, cap;
	uint32_t *hash; /* string offsets + 1, open addressing; 0 = empty */
	uint32_t hcap, hcount;
	int nomem;
	int toobig;
} dt_writer_t;

static uint32_t dt_w_newsec(dt_writer_t *w, uint32_t type, uint64_t entsize)
{
	if (w->nsecs == w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : 64;
		dt_wsec_t *s = realloc(w->secs, cap * sizeof(*s));

		if (s == NULL) {
			w->nomem = 1;
			return 0;
		}
		w->secs = s;
		w->cap = cap;
	}
	memset(&w->secs[w->nsecs], 0, sizeof(w->secs[0]));
	w->secs[w->nsecs].type = type;
	w->secs[w->nsecs].entsize = entsize;
	return w->nsecs++;
}

static dt_buf_t *dt_w_data(dt_writer_t *w, uint32_t idx)
{
	return &w->secs[idx].data;
}

static uint32_t dt_w_strhash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Offset of s in the program string table (deduplicated). */
static uint32_t dt_w_str(dt_writer_t *w, const char *s)
{
	dt_buf_t *st = dt_w_data(w, DTELF_STRTAB_SECIDX);
	uint32_t h, i, off;
	size_t n;

	if (s == NULL)
		return DTELF_NOSTR;
	if (*s == '\0')
		return 0;
	if (w->nomem || st->nomem)
		return 0;
	if (w->hcount * 2 >= w->hcap) {
		uint32_t ncap = w->hcap ? w->hcap * 2 : 256;
		uint32_t *nh = calloc(ncap, sizeof(*nh));

		if (nh == NULL) {
			w->nomem = 1;
			return 0;
		}
		for (i = 0; i < w->hcap; i++) {
			uint32_t o = w->hash[i], j;

			if (o == 0)
				continue;
			j = dt_w_strhash((char *)st->p + o - 1) & (ncap - 1);
			while (nh[j] != 0)
				j = (j + 1) & (ncap - 1);
			nh[j] = o;
		}
		free(w->hash);
		w->hash = nh;
		w->hcap = ncap;
	}
	h = dt_w_strhash(s) & (w->hcap - 1);
	for (i = h; w->hash[i] != 0; i = (i + 1) & (w->hcap - 1))
		if (strcmp((char *)st->p + w->hash[i] - 1, s) == 0)
			return w->hash[i] - 1;
	n = strlen(s) + 1;
	if (st->len + n >= DTELF_NOSTR) {
		w->toobig = 1;
		return 0;
	}
	off = (uint32_t)st->len;
	dt_buf_put(st, s, n);
	if (st->nomem)
		return 0;
	w->hash[i] = off + 1;
	w->hcount++;
	return off;
}

static void dt_w_type(dt_buf_t *b, const dif_type_t *t)
{
	dt_buf_u8(b, t->kind);
	dt_buf_u8(b, t->ckind);
	dt_buf_u8(b, t->flags);
	dt_buf_u8(b, t->pad);
	dt_buf_u32(b, t->size);
}

static void dt_w_vardesc(dt_buf_t *b, const dif_var_desc_t *v)
{
	dt_buf_u32(b, v->name);
	dt_buf_u32(b, v->id);
	dt_buf_u8(b, v->kind);
	dt_buf_u8(b, v->scope);
	dt_buf_u16(b, v->flags);
	dt_w_type(b, &v->type);
}

/* A raw table section (0 if empty). */
static uint32_t dt_w_rawtab(dt_writer_t *w, uint32_t type, const void *p,
			    size_t n, uint64_t entsize)
{
	uint32_t idx;

	if (n == 0)
		return 0;
	idx = dt_w_newsec(w, type, entsize);
	if (idx != 0)
		dt_buf_put(dt_w_data(w, idx), p, n);
	return idx;
}

static uint32_t dt_w_difo(dt_writer_t *w, const dt_difo_t *d)
{
	uint32_t idx, ref;
	dt_buf_t *b;

	if (d == NULL)
		return 0;
	idx = dt_w_newsec(w, DTELF_SHT_DIFO, 0);
	if (idx == 0)
		return 0;
	b = dt_w_data(w, idx);
	dt_buf_u32(b, d->len);
	dt_buf_u32(b, d->flags);
	dt_w_type(b, &d->rtype);
	dt_buf_u32(b, dt_w_str(w, d->rtype_name));
	for (int i = 0; i < 5; i++)
		dt_buf_u32(b, 0); /* table refs, patched below; reserved */
	for (uint32_t i = 0; i < d->len; i++)
		dt_buf_u32(dt_w_data(w, idx), d->buf[i]);

	if (d->intlen != 0 && d->inttab != NULL) {
		ref = dt_w_newsec(w, DTELF_SHT_INTTAB, 8);
		if (ref != 0)
			for (uint32_t i = 0; i < d->intlen; i++)
				dt_buf_u64(dt_w_data(w, ref), d->inttab[i]);
		dt_buf_patch32(dt_w_data(w, idx), 20, ref);
	}
	ref = dt_w_rawtab(w, DTELF_SHT_DSTRTAB, d->strtab,
			  d->strtab ? d->strlen : 0, 0);
	dt_buf_patch32(dt_w_data(w, idx), 24, ref);
	ref = dt_w_rawtab(w, DTELF_SHT_SYMTAB, d->symtab,
			  d->symtab ? d->symlen : 0, 0);
	dt_buf_patch32(dt_w_data(w, idx), 28, ref);
	if (d->varlen != 0 && d->vartab != NULL) {
		ref = dt_w_newsec(w, DTELF_SHT_VARTAB, DTELF_VARTAB_ENTSZ);
		if (ref != 0)
			for (uint32_t i = 0; i < d->varlen; i++)
				dt_w_vardesc(dt_w_data(w, ref), &d->vartab[i]);
		dt_buf_patch32(dt_w_data(w, idx), 32, ref);
	}
	return idx;
}

static uint32_t dt_w_action(dt_writer_t *w, const dt_action_t *a)
{
	uint32_t idx = dt_w_newsec(w, DTELF_SHT_ACTION, 0);
	size_t refs;
	dt_buf_t *b;

	if (idx == 0)
		return 0;
	b = dt_w_data(w, idx);
	dt_buf_u32(b, a->kind);
	dt_buf_u32(b, a->ndifo);
	dt_buf_u64(b, a->arg);
	dt_buf_u64(b, a->arg2);
	dt_buf_u32(b, a->fmt);
	dt_buf_u32(b, a->nargs);
	for (uint32_t i = 0; i < a->nargs; i++)
		dt_buf_u64(b, a->args[i]);
	refs = b->len;
	for (uint32_t i = 0; i < a->ndifo; i++)
		dt_buf_u32(b, 0);
	for (uint32_t i = 0; i < a->ndifo; i++) {
		uint32_t r = dt_w_difo(w, a->difo[i]);

		dt_buf_patch32(dt_w_data(w, idx), refs + 4 * i, r);
	}
	return idx;
}

static uint32_t dt_w_stmt(dt_writer_t *w, const dt_stmt_t *s)
{
	uint32_t idx = dt_w_newsec(w, DTELF_SHT_STMT, 0), ecb, r;
	dt_buf_t *b;

	if (idx == 0)
		return 0;
	b = dt_w_data(w, idx);
	dt_buf_u32(b, s->line);
	dt_buf_u32(b, 0); /* ecb */
	dt_buf_u32(b, 0); /* pred */
	dt_buf_u32(b, s->nacts);
	for (uint32_t i = 0; i < s->nacts; i++)
		dt_buf_u32(b, 0);

	ecb = dt_w_newsec(w, DTELF_SHT_ECB, 0);
	if (ecb != 0) {
		dt_buf_u32(dt_w_data(w, ecb), s->ndesc);
		for (uint32_t i = 0; i < s->ndesc; i++) {
			const dt_probedesc_t *d = &s->descs[i];
			const char *f[5] = {d->target, d->provider, d->module,
					    d->function, d->name};

			for (int j = 0; j < 5; j++) {
				uint32_t o = dt_w_str(w, f[j]);

				dt_buf_u32(dt_w_data(w, ecb), o);
			}
		}
	}
	dt_buf_patch32(dt_w_data(w, idx), 4, ecb);
	r = dt_w_difo(w, s->pred);
	dt_buf_patch32(dt_w_data(w, idx), 8, r);
	for (uint32_t i = 0; i < s->nacts; i++) {
		r = dt_w_action(w, &s->acts[i]);
		dt_buf_patch32(dt_w_data(w, idx), 16 + 4 * i, r);
	}
	return idx;
}

static uint32_t dt_w_agg(dt_writer_t *w, const dt_aggdesc_t *a)
{
	uint32_t idx = dt_w_newsec(w, DTELF_SHT_AGG, 0), name;

	if (idx == 0)
		return 0;
	name = dt_w_str(w, a->name);
	dt_buf_u32(dt_w_data(w, idx), name);
	dt_buf_u32(dt_w_data(w, idx), a->func);
	dt_buf_u32(dt_w_data(w, idx), a->nkeys);
	dt_buf_u32(dt_w_data(w, idx), a->flags);
	dt_buf_u32(dt_w_data(w, idx), a->key_type_names != NULL);
	dt_buf_u32(dt_w_data(w, idx), 0);
	for (int i = 0; i < 4; i++)
		dt_buf_u64(dt_w_data(w, idx), (uint64_t)a->params[i]);
	for (uint32_t i = 0; i < a->nkeys; i++)
		dt_w_type(dt_w_data(w, idx), &a->keys[i]);
	if (a->key_type_names != NULL)
		for (uint32_t i = 0; i < a->nkeys; i++) {
			uint32_t o = dt_w_str(w, a->key_type_names[i]);

			dt_buf_u32(dt_w_data(w, idx), o);
		}
	return idx;
}

static void dt_w_prog(dt_writer_t *w, const dt_prog_t *p)
{
	uint32_t prog, r, o;

	/* 0: null, 1: .shstrtab (made at output), 2: prog, 3: strtab */
	dt_w_newsec(w, 0, 0);
	dt_w_newsec(w, 0, 0);
	prog = dt_w_newsec(w, DTELF_SHT_PROG, 0);
	dt_w_newsec(w, DTELF_SHT_STRTAB, 0);
	if (w->nomem)
		return;
	dt_buf_u8(dt_w_data(w, DTELF_STRTAB_SECIDX), 0);

	dt_buf_u32(dt_w_data(w, prog), DTELF_MAGIC);
	dt_buf_u32(dt_w_data(w, prog), DTELF_VERSION);
	dt_buf_put(dt_w_data(w, prog), p->ident, DTELF_IDENTLEN);
	dt_buf_put(dt_w_data(w, prog), p->srcident, DTELF_IDENTLEN);
	o = dt_w_str(w, p->link_error);
	dt_buf_u32(dt_w_data(w, prog), o);
	dt_buf_u32(dt_w_data(w, prog), p->nstmts);
	dt_buf_u32(dt_w_data(w, prog), p->naggs);
	for (int i = 0; i < 3; i++)
		dt_buf_u32(dt_w_data(w, prog), 0); /* fmts, vars, opts */
	for (uint32_t i = 0; i < p->nstmts + p->naggs; i++)
		dt_buf_u32(dt_w_data(w, prog), 0);

	for (uint32_t i = 0; i < p->nstmts && !w->nomem; i++) {
		r = dt_w_stmt(w, &p->stmts[i]);
		dt_buf_patch32(dt_w_data(w, prog), DTELF_PROG_HDRSZ + 4 * i, r);
	}
	for (uint32_t i = 0; i < p->naggs && !w->nomem; i++) {
		r = dt_w_agg(w, &p->aggs[i]);
		dt_buf_patch32(dt_w_data(w, prog),
			       DTELF_PROG_HDRSZ + 4 * (p->nstmts + i), r);
	}
	if (p->nfmts != 0 && !w->nomem) {
		r = dt_w_newsec(w, DTELF_SHT_FMTS, DTELF_FMT_ENTSZ);
		for (uint32_t i = 0; i < p->nfmts && r != 0; i++) {
			o = dt_w_str(w, p->fmts[i].str);
			dt_buf_u32(dt_w_data(w, r), p->fmts[i].kind);
			dt_buf_u32(dt_w_data(w, r), o);
		}
		dt_buf_patch32(dt_w_data(w, prog), 52, r);
	}
	if (p->nvars != 0 && !w->nomem) {
		r = dt_w_newsec(w, DTELF_SHT_VARS, DTELF_VAR_ENTSZ);
		for (uint32_t i = 0; i < p->nvars && r != 0; i++) {
			uint32_t n = dt_w_str(w, p->vars[i].name);
			uint32_t t = dt_w_str(w, p->vars[i].type_name);

			dt_buf_u32(dt_w_data(w, r), n);
			dt_buf_u32(dt_w_data(w, r), t);
			dt_buf_u32(dt_w_data(w, r), p->vars[i].nkeys);
			dt_w_vardesc(dt_w_data(w, r), &p->vars[i].v);
		}
		dt_buf_patch32(dt_w_data(w, prog), 56, r);
	}
	if (p->nopts != 0 && !w->nomem) {
		r = dt_w_newsec(w, DTELF_SHT_OPTS, DTELF_OPT_ENTSZ);
		for (uint32_t i = 0; i < p->nopts && r != 0; i++) {
			uint32_t n = dt_w_str(w, p->opts[i].name);
			uint32_t v = dt_w_str(w, p->opts[i].value);

			dt_buf_u32(dt_w_data(w, r), n);
			dt_buf_u32(dt_w_data(w, r), v);
		}
		dt_buf_patch32(dt_w_data(w, prog), 60, r);
	}
	for (uint32_t i = 0; i < w->nsecs; i++)
		if (w->secs[i].data.nomem)
			w->nomem = 1;
}

static void dt_w_free(dt_writer_t *w)
{
	for (uint32_t i = 0; i < w->nsecs; i++)
		free(w->secs[i].data.p);
	free(w->secs);
	free(w->hash);
}

/* Emits the sections with libelf into fd. */
static int dt_w_emit(dt_writer_t *w, int fd, dt_elf_err_t *err)
{
	dt_buf_t shstr = {0};
	uint32_t *names = NULL;
	Elf *e = NULL;
	GElf_Ehdr eh;
	int rc = -1;

	names = calloc(w->nsecs, sizeof(*names));
	if (names == NULL)
		return dt_elf_seterr(err, EDT_NOMEM,
				     "ELF writer: out of memory");
	dt_buf_u8(&shstr, 0);
	names[1] = (uint32_t)shstr.len;
	dt_buf_put(&shstr, ".shstrtab", sizeof(".shstrtab"));
	for (uint32_t t = DTELF_SHT_PROG; t <= DTELF_SHT_LAST; t++) {
		uint32_t off = (uint32_t)shstr.len;
		const char *n = dt_elf_secname(t);

		dt_buf_put(&shstr, n, strlen(n) + 1);
		for (uint32_t i = 2; i < w->nsecs; i++)
			if (w->secs[i].type == t)
				names[i] = off;
	}
	if (shstr.nomem) {
		dt_elf_seterr(err, EDT_NOMEM, "ELF writer: out of memory");
		goto out;
	}
	if (elf_version(EV_CURRENT) == EV_NONE ||
	    (e = elf_begin(fd, ELF_C_WRITE, NULL)) == NULL ||
	    gelf_newehdr(e, ELFCLASS64) == NULL ||
	    gelf_getehdr(e, &eh) == NULL) {
		dt_elf_seterr(err, EDT_IO, "libelf: %s", elf_errmsg(-1));
		goto out;
	}
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_NONE;
	eh.e_version = EV_CURRENT;
	eh.e_shstrndx = 1;
	for (uint32_t i = 1; i < w->nsecs; i++) {
		Elf_Scn *scn = elf_newscn(e);
		Elf_Data *d;
		GElf_Shdr sh;

		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL ||
		    (d = elf_newdata(scn)) == NULL) {
			dt_elf_seterr(err, EDT_IO, "libelf: %s",
				      elf_errmsg(-1));
			goto out;
		}
		sh.sh_name = names[i];
		sh.sh_type = i == 1 ? SHT_STRTAB : w->secs[i].type;
		sh.sh_flags = 0;
		sh.sh_entsize = i == 1 ? 0 : w->secs[i].entsize;
		sh.sh_addralign = i == 1 ? 1 : 8;
		d->d_buf = i == 1 ? shstr.p : w->secs[i].data.p;
		d->d_size = i == 1 ? shstr.len : w->secs[i].data.len;
		d->d_type = ELF_T_BYTE;
		d->d_align = i == 1 ? 1 : 8;
		d->d_off = 0;
		d->d_version = EV_CURRENT;
		if (gelf_update_shdr(scn, &sh) == 0) {
			dt_elf_seterr(err, EDT_IO, "libelf: %s",
				      elf_errmsg(-1));
			goto out;
		}
	}
	if (gelf_update_ehdr(e, &eh) == 0 || elf_update(e, ELF_C_WRITE) < 0) {
		dt_elf_seterr(err, EDT_IO, "libelf: %s", elf_errmsg(-1));
		goto out;
	}
	rc = 0;
out:
	if (e != NULL)
		elf_end(e);
	free(shstr.p);
	free(names);
	return rc;
}

int dt_elf_write_mem(const dt_prog_t *prog, void **bufp, size_t *lenp,
		     dt_elf_err_t *err)
{
	dt_writer_t w = {0};
	struct stat st;
	int fd = -1, rc = -1;
	void *buf = NULL;

	*bufp = NULL;
	*lenp = 0;
	dt_w_prog(&w, prog);
	if (w.nomem) {
		dt_elf_seterr(err, EDT_NOMEM, "ELF writer: out of memory");
		goto out;
	}
	if (w.toobig) {
		dt_elf_seterr(err, EDT_BADPROG,
			      "ELF writer: program strings exceed 4 GiB");
		goto out;
	}
	fd = memfd_create("dt-elf", MFD_CLOEXEC);
	if (fd < 0) {
		dt_elf_seterr(err, EDT_IO, "memfd_create: %s", strerror(errno));
		goto out;
	}
	if (dt_w_emit(&w, fd, err) != 0)
		goto out;
	if (fstat(fd, &st) != 0 ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		dt_elf_seterr(err, EDT_NOMEM, "ELF writer: out of memory");
		goto out;
	}
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		dt_elf_seterr(err, EDT_IO, "ELF writer: short read back");
		free(buf);
		goto out;
	}
	*bufp = buf;
	*lenp = (size_t)st.st_size;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	dt_w_free(&w);
	return rc;
}

int dt_elf_write_file(const dt_prog_t *prog, const char *path,
		      dt_elf_err_t *err)
{
	char *tmp = NULL;
	const char *slash = strrchr(path, '/');
	void *buf;
	size_t len, off = 0;
	int fd, rc = -1;

	if (dt_elf_write_mem(prog, &buf, &len, err) != 0)
		return -1;
	/* a dot-temporary next to the target, so rename is atomic */
	if (asprintf(&tmp, "%.*s.%s.XXXXXX",
		     slash ? (int)(slash - path + 1) : 0, path,
		     slash ? slash + 1 : path) < 0) {
		free(buf);
		return dt_elf_seterr(err, EDT_NOMEM, "out of memory");
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		dt_elf_seterr(err, EDT_IO, "cannot create %s: %s", tmp,
			      strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, (char *)buf + off, len - off);

		if (n <= 0) {
			dt_elf_seterr(err, EDT_IO, "cannot write %s: %s", tmp,
				      strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		dt_elf_seterr(err, EDT_IO, "cannot write %s: %s", path,
			      strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(buf);
	return rc;
}

/* ----------------------------------------------------------------- reader */

typedef struct dt_rsec {
	uint32_t type;
	const uint8_t *p;
	size_t len;
} dt_rsec_t;

typedef struct dt_reader {
	dt_rsec_t *secs;
	uint32_t nsecs;
	uint32_t next; /* the section index the next reference must name */
	const char *strtab;
	size_t strlen;
	dt_elf_err_t *err;
} dt_reader_t;

static uint32_t dt_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t dt_rd64(const uint8_t *p)
{
	return (uint64_t)dt_rd32(p) | (uint64_t)dt_rd32(p + 4) << 32;
}

static uint16_t dt_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int dt_r_bad(dt_reader_t *r, uint32_t sec, const char *field,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int dt_r_bad(dt_reader_t *r, uint32_t sec, const char *field,
		    const char *fmt, ...)
{
	char what[384];
	const char *n =
	    sec < r->nsecs ? dt_elf_secname(r->secs[sec].type) : NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return dt_elf_seterr(r->err, EDT_BADELF,
			     "section %u (%s): field %s: %s", sec, n ? n : "?",
			     field, what);
}

static int dt_r_nomem(dt_reader_t *r)
{
	return dt_elf_seterr(r->err, EDT_NOMEM, "ELF reader: out of memory");
}

/* Follows a reference: it must name the next section in depth-first order
 * and be of the expected type. 0 is allowed when optional. */
static int dt_r_ref(dt_reader_t *r, uint32_t sec, const char *field,
		    uint32_t ref, uint32_t type, int optional)
{
	if (ref == 0) {
		if (optional)
			return 0;
		return dt_r_bad(r, sec, field,
				"missing reference to a %s section",
				dt_elf_secname(type));
	}
	if (ref >= r->nsecs)
		return dt_r_bad(r, sec, field,
				"reference %u is past the last section (%u)",
				ref, r->nsecs - 1);
	if (ref != r->next)
		return dt_r_bad(
		    r, sec, field,
		    "reference %u, expected %u (each object must be "
		    "referenced once, in depth-first order)",
		    ref, r->next);
	if (r->secs[ref].type != type)
		return dt_r_bad(r, sec, field,
				"reference %u is a %s section, expected %s",
				ref, dt_elf_secname(r->secs[ref].type),
				dt_elf_secname(type));
	r->next++;
	return 0;
}

/* A string reference; *out gets a malloc'd copy (NULL for DTELF_NOSTR). */
static int dt_r_str(dt_reader_t *r, uint32_t sec, const char *field,
		    uint32_t off, int nullok, char **out)
{
	const char *s, *e;

	*out = NULL;
	if (off == DTELF_NOSTR) {
		if (nullok)
			return 0;
		return dt_r_bad(r, sec, field,
				"absent string not allowed here");
	}
	if (off >= r->strlen)
		return dt_r_bad(
		    r, sec, field,
		    "string offset %u outside the string table (%zu "
		    "bytes)",
		    off, r->strlen);
	s = r->strtab + off;
	e = memchr(s, '\0', r->strlen - off);
	if (e == NULL)
		return dt_r_bad(r, sec, field, "unterminated string at %u",
				off);
	*out = strdup(s);
	if (*out == NULL)
		return dt_r_nomem(r);
	return 0;
}

/* The section's size must be exactly hdr + n * entsz (in 64 bits). */
static int dt_r_size(dt_reader_t *r, uint32_t sec, const char *field,
		     uint64_t want)
{
	if (r->secs[sec].len != want)
		return dt_r_bad(r, sec, field,
				"section is %zu bytes, the counts need %llu",
				r->secs[sec].len, (unsigned long long)want);
	return 0;
}

static void dt_r_type(const uint8_t *p, dif_type_t *t)
{
	t->kind = p[0];
	t->ckind = p[1];
	t->flags = p[2];
	t->pad = p[3];
	t->size = dt_rd32(p + 4);
}

static void dt_r_vardesc(const uint8_t *p, dif_var_desc_t *v)
{
	v->name = dt_rd32(p);
	v->id = dt_rd32(p + 4);
	v->kind = p[8];
	v->scope = p[9];
	v->flags = dt_rd16(p + 10);
	dt_r_type(p + 12, &v->type);
}

static int dt_r_hdr(dt_reader_t *r, uint32_t sec, size_t hdr)
{
	if (r->secs[sec].len < hdr)
		return dt_r_bad(r, sec, "header",
				"section is %zu bytes, the header needs %zu",
				r->secs[sec].len, hdr);
	return 0;
}

/* A byte table that must end with NUL (strtab, symtab). */
static int dt_r_bytes(dt_reader_t *r, uint32_t sec, uint32_t ref,
		      const char *field, char **out, uint32_t *lenp)
{
	const dt_rsec_t *t = &r->secs[ref];

	(void)sec;
	if (t->len == 0 || t->len > UINT32_MAX)
		return dt_r_bad(r, ref, field, "table size %zu is not allowed",
				t->len);
	if (t->p[t->len - 1] != '\0')
		return dt_r_bad(r, ref, field,
				"table does not end with a NUL byte");
	*out = malloc(t->len);
	if (*out == NULL)
		return dt_r_nomem(r);
	memcpy(*out, t->p, t->len);
	*lenp = (uint32_t)t->len;
	return 0;
}

static int dt_r_difo(dt_reader_t *r, uint32_t sec, dt_difo_t **out)
{
	const uint8_t *p = r->secs[sec].p;
	dt_difo_t *d;
	uint32_t ref;

	*out = NULL;
	if (dt_r_hdr(r, sec, DTELF_DIFO_HDRSZ) != 0)
		return -1;
	d = dt_difo_new();
	if (d == NULL)
		return dt_r_nomem(r);
	*out = d;
	d->len = dt_rd32(p);
	d->flags = dt_rd32(p + 4);
	dt_r_type(p + 8, &d->rtype);
	if (dt_r_size(r, sec, "len", DTELF_DIFO_HDRSZ + 4ull * d->len) != 0) {
		d->len = 0;
		return -1;
	}
	if (dt_rd32(p + 36) != 0)
		return dt_r_bad(r, sec, "reserved", "must be 0, is %u",
				dt_rd32(p + 36));
	if (dt_r_str(r, sec, "rtype_name", dt_rd32(p + 16), 1,
		     &d->rtype_name) != 0)
		return -1;
	if (d->len != 0) {
		d->buf = malloc(4ull * d->len);
		if (d->buf == NULL)
			return dt_r_nomem(r);
		for (uint32_t i = 0; i < d->len; i++)
			d->buf[i] = dt_rd32(p + DTELF_DIFO_HDRSZ + 4 * i);
	}

	ref = dt_rd32(p + 20);
	if (dt_r_ref(r, sec, "inttab", ref, DTELF_SHT_INTTAB, 1) != 0)
		return -1;
	if (ref != 0) {
		const dt_rsec_t *t = &r->secs[ref];

		if (t->len == 0 || t->len % 8 != 0 || t->len / 8 > UINT32_MAX)
			return dt_r_bad(r, ref, "inttab",
					"size %zu is not a positive multiple "
					"of 8",
					t->len);
		d->inttab = malloc(t->len);
		if (d->inttab == NULL)
			return dt_r_nomem(r);
		d->intlen = (uint32_t)(t->len / 8);
		for (uint32_t i = 0; i < d->intlen; i++)
			d->inttab[i] = dt_rd64(t->p + 8 * i);
	}
	ref = dt_rd32(p + 24);
	if (dt_r_ref(r, sec, "strtab", ref, DTELF_SHT_DSTRTAB, 1) != 0)
		return -1;
	if (ref != 0 &&
	    dt_r_bytes(r, sec, ref, "strtab", &d->strtab, &d->strlen) != 0)
		return -1;
	ref = dt_rd32(p + 28);
	if (dt_r_ref(r, sec, "symtab", ref, DTELF_SHT_SYMTAB, 1) != 0)
		return -1;
	if (ref != 0 &&
	    dt_r_bytes(r, sec, ref, "symtab", &d->symtab, &d->symlen) != 0)
		return -1;
	ref = dt_rd32(p + 32);
	if (dt_r_ref(r, sec, "vartab", ref, DTELF_SHT_VARTAB, 1) != 0)
		return -1;
	if (ref != 0) {
		const dt_rsec_t *t = &r->secs[ref];

		if (t->len == 0 || t->len % DTELF_VARTAB_ENTSZ != 0)
			return dt_r_bad(r, ref, "vartab",
					"size %zu is not a positive multiple "
					"of %d",
					t->len, DTELF_VARTAB_ENTSZ);
		d->varlen = (uint32_t)(t->len / DTELF_VARTAB_ENTSZ);
		d->vartab = calloc(d->varlen, sizeof(*d->vartab));
		if (d->vartab == NULL) {
			d->varlen = 0;
			return dt_r_nomem(r);
		}
		for (uint32_t i = 0; i < d->varlen; i++)
			dt_r_vardesc(t->p + DTELF_VARTAB_ENTSZ * i,
				     &d->vartab[i]);
	}
	return 0;
}

static int dt_r_action(dt_reader_t *r, uint32_t sec, dt_action_t *a)
{
	const uint8_t *p = r->secs[sec].p;
	uint32_t ndifo, nargs;
	size_t refs;

	if (dt_r_hdr(r, sec, DTELF_ACTION_HDRSZ) != 0)
		return -1;
	a->kind = dt_rd32(p);
	ndifo = dt_rd32(p + 4);
	a->arg = dt_rd64(p + 8);
	a->arg2 = dt_rd64(p + 16);
	a->fmt = dt_rd32(p + 24);
	nargs = dt_rd32(p + 28);
	if (dt_r_size(r, sec, "ndifo/nargs",
		      DTELF_ACTION_HDRSZ + 8ull * nargs + 4ull * ndifo) != 0)
		return -1;
	refs = DTELF_ACTION_HDRSZ + 8ull * nargs;
	if (nargs != 0) {
		a->args = malloc(8ull * nargs);
		if (a->args == NULL)
			return dt_r_nomem(r);
		a->nargs = nargs;
		for (uint32_t i = 0; i < nargs; i++)
			a->args[i] = dt_rd64(p + DTELF_ACTION_HDRSZ + 8 * i);
	}
	if (ndifo != 0) {
		a->difo = calloc(ndifo, sizeof(*a->difo));
		if (a->difo == NULL)
			return dt_r_nomem(r);
		a->ndifo = ndifo;
	}
	for (uint32_t i = 0; i < ndifo; i++) {
		uint32_t ref = dt_rd32(p + refs + 4 * i);
		char field[32];

		snprintf(field, sizeof(field), "difo[%u]", i);
		if (dt_r_ref(r, sec, field, ref, DTELF_SHT_DIFO, 1) != 0)
			return -1;
		if (ref != 0 && dt_r_difo(r, ref, &a->difo[i]) != 0)
			return -1;
	}
	return 0;
}

static int dt_r_stmt(dt_reader_t *r, uint32_t sec, dt_stmt_t *s)
{
	const uint8_t *p = r->secs[sec].p, *q;
	uint32_t ecb, ndesc, nacts, ref;

	if (dt_r_hdr(r, sec, DTELF_STMT_HDRSZ) != 0)
		return -1;
	s->line = dt_rd32(p);
	nacts = dt_rd32(p + 12);
	if (dt_r_size(r, sec, "nacts", DTELF_STMT_HDRSZ + 4ull * nacts) != 0)
		return -1;
	ecb = dt_rd32(p + 4);
	if (dt_r_ref(r, sec, "ecb", ecb, DTELF_SHT_ECB, 0) != 0 ||
	    dt_r_hdr(r, ecb, DTELF_ECB_HDRSZ) != 0)
		return -1;
	q = r->secs[ecb].p;
	ndesc = dt_rd32(q);
	if (dt_r_size(r, ecb, "ndesc",
		      DTELF_ECB_HDRSZ + (uint64_t)DTELF_DESC_SZ * ndesc) != 0)
		return -1;
	if (ndesc != 0) {
		s->descs = calloc(ndesc, sizeof(*s->descs));
		if (s->descs == NULL)
			return dt_r_nomem(r);
		s->ndesc = ndesc;
	}
	for (uint32_t i = 0; i < ndesc; i++) {
		static const char *const fn[5] = {"target", "provider",
						  "module", "function", "name"};
		dt_probedesc_t *d = &s->descs[i];
		char **f[5] = {&d->target, &d->provider, &d->module,
			       &d->function, &d->name};

		for (int j = 0; j < 5; j++) {
			char field[48];

			snprintf(field, sizeof(field), "desc[%u].%s", i, fn[j]);
			if (dt_r_str(r, ecb, field,
				     dt_rd32(q + DTELF_ECB_HDRSZ +
					     DTELF_DESC_SZ * i + 4 * j),
				     1, f[j]) != 0)
				return -1;
		}
	}
	ref = dt_rd32(p + 8);
	if (dt_r_ref(r, sec, "pred", ref, DTELF_SHT_DIFO, 1) != 0)
		return -1;
	if (ref != 0 && dt_r_difo(r, ref, &s->pred) != 0)
		return -1;
	if (nacts != 0) {
		s->acts = calloc(nacts, sizeof(*s->acts));
		if (s->acts == NULL)
			return dt_r_nomem(r);
		s->nacts = nacts;
	}
	for (uint32_t i = 0; i < nacts; i++) {
		char field[32];

		ref = dt_rd32(p + DTELF_STMT_HDRSZ + 4 * i);
		snprintf(field, sizeof(field), "act[%u]", i);
		if (dt_r_ref(r, sec, field, ref, DTELF_SHT_ACTION, 0) != 0 ||
		    dt_r_action(r, ref, &s->acts[i]) != 0)
			return -1;
	}
	return 0;
}

static int dt_r_agg(dt_reader_t *r, uint32_t sec, dt_aggdesc_t *a)
{
	const uint8_t *p = r->secs[sec].p;
	uint32_t nkeys, has;
	size_t names;

	if (dt_r_hdr(r, sec, DTELF_AGG_HDRSZ) != 0)
		return -1;
	if (dt_r_str(r, sec, "name", dt_rd32(p), 1, &a->name) != 0)
		return -1;
	a->func = dt_rd32(p + 4);
	nkeys = dt_rd32(p + 8);
	a->flags = dt_rd32(p + 12);
	has = dt_rd32(p + 16);
	if (has > 1)
		return dt_r_bad(r, sec, "haskeynames", "must be 0 or 1, is %u",
				has);
	if (dt_rd32(p + 20) != 0)
		return dt_r_bad(r, sec, "reserved", "must be 0");
	for (int i = 0; i < 4; i++)
		a->params[i] = (int64_t)dt_rd64(p + 24 + 8 * i);
	if (dt_r_size(r, sec, "nkeys",
		      DTELF_AGG_HDRSZ + (uint64_t)DTELF_AGGKEY_SZ * nkeys +
			  (has ? 4ull * nkeys : 0)) != 0)
		return -1;
	if (nkeys != 0) {
		a->keys = calloc(nkeys, sizeof(*a->keys));
		if (a->keys == NULL)
			return dt_r_nomem(r);
	}
	if (has) {
		a->key_type_names = calloc(nkeys ? nkeys : 1, sizeof(char *));
		if (a->key_type_names == NULL)
			return dt_r_nomem(r);
	}
	a->nkeys = nkeys;
	for (uint32_t i = 0; i < nkeys; i++)
		dt_r_type(p + DTELF_AGG_HDRSZ + DTELF_AGGKEY_SZ * i,
			  &a->keys[i]);
	names = DTELF_AGG_HDRSZ + (size_t)DTELF_AGGKEY_SZ * nkeys;
	for (uint32_t i = 0; has && i < nkeys; i++) {
		char field[40];

		snprintf(field, sizeof(field), "key_type_names[%u]", i);
		if (dt_r_str(r, sec, field, dt_rd32(p + names + 4 * i), 1,
			     &a->key_type_names[i]) != 0)
			return -1;
	}
	return 0;
}

/* A table section of whole entries; returns the count or -1. */
static int64_t dt_r_table(dt_reader_t *r, uint32_t sec, const char *field,
			  size_t entsz)
{
	size_t len = r->secs[sec].len;

	if (len == 0 || len % entsz != 0 || len / entsz > UINT32_MAX)
		return dt_r_bad(r, sec, field,
				"size %zu is not a positive multiple of %zu",
				len, entsz);
	return (int64_t)(len / entsz);
}

static int dt_r_prog(dt_reader_t *r, dt_prog_t *pg)
{
	const dt_rsec_t *ps = &r->secs[DTELF_PROG_SECIDX];
	const uint8_t *p = ps->p;
	uint32_t nstmts, naggs, ref;
	int64_t n;

	if (dt_r_hdr(r, DTELF_PROG_SECIDX, DTELF_PROG_HDRSZ) != 0)
		return -1;
	if (dt_rd32(p) != DTELF_MAGIC)
		return dt_r_bad(r, DTELF_PROG_SECIDX, "magic",
				"0x%08x is not 0x%08x", dt_rd32(p),
				DTELF_MAGIC);
	if (dt_rd32(p + 4) != DTELF_VERSION)
		return dt_r_bad(r, DTELF_PROG_SECIDX, "version",
				"format version %u, this reader knows %u",
				dt_rd32(p + 4), DTELF_VERSION);
	memcpy(pg->ident, p + 8, DTELF_IDENTLEN);
	memcpy(pg->srcident, p + 24, DTELF_IDENTLEN);
	if (dt_r_str(r, DTELF_PROG_SECIDX, "link_error", dt_rd32(p + 40), 1,
		     &pg->link_error) != 0)
		return -1;
	nstmts = dt_rd32(p + 44);
	naggs = dt_rd32(p + 48);
	if (dt_r_size(r, DTELF_PROG_SECIDX, "nstmts/naggs",
		      DTELF_PROG_HDRSZ + 4ull * nstmts + 4ull * naggs) != 0)
		return -1;
	if (nstmts != 0) {
		pg->stmts = calloc(nstmts, sizeof(*pg->stmts));
		if (pg->stmts == NULL)
			return dt_r_nomem(r);
		pg->nstmts = nstmts;
	}
	for (uint32_t i = 0; i < nstmts; i++) {
		char field[32];

		ref = dt_rd32(p + DTELF_PROG_HDRSZ + 4 * i);
		snprintf(field, sizeof(field), "stmt[%u]", i);
		if (dt_r_ref(r, DTELF_PROG_SECIDX, field, ref, DTELF_SHT_STMT,
			     0) != 0 ||
		    dt_r_stmt(r, ref, &pg->stmts[i]) != 0)
			return -1;
	}
	if (naggs != 0) {
		pg->aggs = calloc(naggs, sizeof(*pg->aggs));
		if (pg->aggs == NULL)
			return dt_r_nomem(r);
		pg->naggs = naggs;
	}
	for (uint32_t i = 0; i < naggs; i++) {
		char field[32];

		ref = dt_rd32(p + DTELF_PROG_HDRSZ + 4 * (nstmts + i));
		snprintf(field, sizeof(field), "agg[%u]", i);
		if (dt_r_ref(r, DTELF_PROG_SECIDX, field, ref, DTELF_SHT_AGG,
			     0) != 0 ||
		    dt_r_agg(r, ref, &pg->aggs[i]) != 0)
			return -1;
	}
	ref = dt_rd32(p + 52);
	if (dt_r_ref(r, DTELF_PROG_SECIDX, "fmts", ref, DTELF_SHT_FMTS, 1) != 0)
		return -1;
	if (ref != 0) {
		if ((n = dt_r_table(r, ref, "fmts", DTELF_FMT_ENTSZ)) < 0)
			return -1;
		pg->fmts = calloc((size_t)n, sizeof(*pg->fmts));
		if (pg->fmts == NULL)
			return dt_r_nomem(r);
		pg->nfmts = (uint32_t)n;
		for (uint32_t i = 0; i < pg->nfmts; i++) {
			const uint8_t *e = r->secs[ref].p + DTELF_FMT_ENTSZ * i;
			char field[32];

			pg->fmts[i].kind = dt_rd32(e);
			snprintf(field, sizeof(field), "fmt[%u].str", i);
			if (dt_r_str(r, ref, field, dt_rd32(e + 4), 1,
				     &pg->fmts[i].str) != 0)
				return -1;
		}
	}
	ref = dt_rd32(p + 56);
	if (dt_r_ref(r, DTELF_PROG_SECIDX, "vars", ref, DTELF_SHT_VARS, 1) != 0)
		return -1;
	if (ref != 0) {
		if ((n = dt_r_table(r, ref, "vars", DTELF_VAR_ENTSZ)) < 0)
			return -1;
		pg->vars = calloc((size_t)n, sizeof(*pg->vars));
		if (pg->vars == NULL)
			return dt_r_nomem(r);
		pg->nvars = (uint32_t)n;
		for (uint32_t i = 0; i < pg->nvars; i++) {
			const uint8_t *e = r->secs[ref].p + DTELF_VAR_ENTSZ * i;
			char field[40];

			snprintf(field, sizeof(field), "var[%u].name", i);
			if (dt_r_str(r, ref, field, dt_rd32(e), 1,
				     &pg->vars[i].name) != 0)
				return -1;
			snprintf(field, sizeof(field), "var[%u].type_name", i);
			if (dt_r_str(r, ref, field, dt_rd32(e + 4), 1,
				     &pg->vars[i].type_name) != 0)
				return -1;
			pg->vars[i].nkeys = dt_rd32(e + 8);
			dt_r_vardesc(e + 12, &pg->vars[i].v);
		}
	}
	ref = dt_rd32(p + 60);
	if (dt_r_ref(r, DTELF_PROG_SECIDX, "opts", ref, DTELF_SHT_OPTS, 1) != 0)
		return -1;
	if (ref != 0) {
		if ((n = dt_r_table(r, ref, "opts", DTELF_OPT_ENTSZ)) < 0)
			return -1;
		pg->opts = calloc((size_t)n, sizeof(*pg->opts));
		if (pg->opts == NULL)
			return dt_r_nomem(r);
		pg->nopts = (uint32_t)n;
		for (uint32_t i = 0; i < pg->nopts; i++) {
			const uint8_t *e = r->secs[ref].p + DTELF_OPT_ENTSZ * i;
			char field[40];

			snprintf(field, sizeof(field), "opt[%u].name", i);
			if (dt_r_str(r, ref, field, dt_rd32(e), 1,
				     &pg->opts[i].name) != 0)
				return -1;
			snprintf(field, sizeof(field), "opt[%u].value", i);
			if (dt_r_str(r, ref, field, dt_rd32(e + 4), 1,
				     &pg->opts[i].value) != 0)
				return -1;
		}
	}
	if (r->next != r->nsecs)
		return dt_r_bad(r, r->next, "-",
				"section is not referenced by any object");
	/* Formats named by actions must exist. */
	for (uint32_t i = 0; i < pg->nstmts; i++)
		for (uint32_t j = 0; j < pg->stmts[i].nacts; j++) {
			uint32_t f = pg->stmts[i].acts[j].fmt;

			if (f != DT_NOFMT && f >= pg->nfmts)
				return dt_elf_seterr(
				    r->err, EDT_BADELF,
				    "statement %u action %u: field fmt: "
				    "format %u does not exist (%u formats)",
				    i, j, f, pg->nfmts);
		}
	return 0;
}

/* Checks the ELF header and the section table by hand before libelf sees
 * the file, so that libelf only ever reads in-bounds data. */
static int dt_r_precheck(const uint8_t *b, size_t len, dt_elf_err_t *err)
{
	uint64_t shoff;
	uint16_t shnum, shentsize, shstrndx;

	if (len < 64)
		return dt_elf_seterr(err, EDT_BADELF,
				     "ELF header: file is %zu bytes, too short",
				     len);
	if (memcmp(b, ELFMAG, SELFMAG) != 0)
		return dt_elf_seterr(err, EDT_BADELF,
				     "ELF header: no ELF magic");
	if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB ||
	    b[EI_VERSION] != EV_CURRENT)
		return dt_elf_seterr(err, EDT_BADELF,
				     "ELF header: not a 64-bit little-endian "
				     "ELF version 1 file (class %u, data %u, "
				     "version %u)",
				     b[EI_CLASS], b[EI_DATA], b[EI_VERSION]);
	if (dt_rd16(b + 16) != ET_EXEC || dt_rd16(b + 18) != EM_NONE)
		return dt_elf_seterr(err, EDT_BADELF,
				     "ELF header: e_type %u / e_machine %u, "
				     "expected ET_EXEC / EM_NONE",
				     dt_rd16(b + 16), dt_rd16(b + 18));
	if (dt_rd16(b + 56) != 0)
		return dt_elf_seterr(err, EDT_BADELF,
				     "ELF header: e_phnum must be 0");
	shoff = dt_rd64(b + 40);
	shentsize = dt_rd16(b + 58);
	shnum = dt_rd16(b + 60);
	shstrndx = dt_rd16(b + 62);
	if (shentsize != 64 || shnum < 4 || shnum >= SHN_LORESERVE ||
	    shstrndx != 1)
		return dt_elf_seterr(err, EDT_BADELF,
				     "ELF header: e_shentsize %u, e_shnum %u, "
				     "e_shstrndx %u (need 64, 4..65279, 1)",
				     shentsize, shnum, shstrndx);
	if (shoff > len || (len - shoff) / 64 < shnum || shoff % 8 != 0)
		return dt_elf_seterr(err, EDT_BADELF,
				     "ELF header: section table at %llu (%u "
				     "entries) is outside the file (%zu bytes)",
				     (unsigned long long)shoff, shnum, len);
	for (uint32_t i = 0; i < shnum; i++) {
		const uint8_t *sh = b + shoff + 64ull * i;
		uint32_t type = dt_rd32(sh + 4);
		uint64_t off = dt_rd64(sh + 24), size = dt_rd64(sh + 32);

		if (i == 0) {
			for (int k = 0; k < 64; k++)
				if (sh[k] != 0)
					return dt_elf_seterr(
					    err, EDT_BADELF,
					    "section 0: must be all zero");
			continue;
		}
		if (type == SHT_NOBITS || type == SHT_NULL)
			return dt_elf_seterr(err, EDT_BADELF,
					     "section %u: type %u not allowed",
					     i, type);
		if (off > len || size > len - off)
			return dt_elf_seterr(err, EDT_BADELF,
					     "section %u: data at %llu, %llu "
					     "bytes, is outside the file (%zu "
					     "bytes)",
					     i, (unsigned long long)off,
					     (unsigned long long)size, len);
	}
	return 0;
}

int dt_elf_read_mem(const void *buf, size_t len, dt_prog_t **progp,
		    dt_elf_err_t *err)
{
	dt_reader_t r = {0};
	dt_prog_t *pg = NULL;
	char *copy = NULL;
	Elf *e = NULL;
	size_t shnum, shstrndx;
	int rc = -1;

	*progp = NULL;
	r.err = err;
	if (dt_r_precheck(buf, len, err) != 0)
		return -1;
	copy = malloc(len);
	if (copy == NULL)
		return dt_elf_seterr(err, EDT_NOMEM, "out of memory");
	memcpy(copy, buf, len);
	if (elf_version(EV_CURRENT) == EV_NONE ||
	    (e = elf_memory(copy, len)) == NULL || elf_kind(e) != ELF_K_ELF ||
	    elf_getshdrnum(e, &shnum) != 0 ||
	    elf_getshdrstrndx(e, &shstrndx) != 0) {
		dt_elf_seterr(err, EDT_BADELF, "ELF: %s", elf_errmsg(-1));
		goto out;
	}
	r.nsecs = (uint32_t)shnum;
	r.secs = calloc(shnum, sizeof(*r.secs));
	if (r.secs == NULL) {
		dt_elf_seterr(err, EDT_NOMEM, "out of memory");
		goto out;
	}
	for (uint32_t i = 1; i < r.nsecs; i++) {
		Elf_Scn *scn = elf_getscn(e, i);
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name, *want;

		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL) {
			dt_elf_seterr(err, EDT_BADELF, "section %u: %s", i,
				      elf_errmsg(-1));
			goto out;
		}
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (i == 1) {
			want = ".shstrtab";
			if (sh.sh_type != SHT_STRTAB) {
				dt_elf_seterr(err, EDT_BADELF,
					      "section 1: must be SHT_STRTAB");
				goto out;
			}
		} else {
			want = dt_elf_secname((uint32_t)sh.sh_type);
			if (want == NULL || sh.sh_type == DTELF_SHT_PROG ||
			    sh.sh_type == DTELF_SHT_STRTAB) {
				if (!(i == DTELF_PROG_SECIDX &&
				      sh.sh_type == DTELF_SHT_PROG) &&
				    !(i == DTELF_STRTAB_SECIDX &&
				      sh.sh_type == DTELF_SHT_STRTAB)) {
					dt_elf_seterr(
					    err, EDT_BADELF,
					    "section %u: type 0x%x not "
					    "allowed here",
					    i, (unsigned)sh.sh_type);
					goto out;
				}
			}
		}
		if ((i == DTELF_PROG_SECIDX && sh.sh_type != DTELF_SHT_PROG) ||
		    (i == DTELF_STRTAB_SECIDX &&
		     sh.sh_type != DTELF_SHT_STRTAB)) {
			dt_elf_seterr(
			    err, EDT_BADELF, "section %u: must be %s", i,
			    i == DTELF_PROG_SECIDX ? ".dtrace_prog"
						   : ".dtrace_strtab");
			goto out;
		}
		if (name == NULL || strcmp(name, want) != 0) {
			dt_elf_seterr(err, EDT_BADELF,
				      "section %u: named \"%s\", its type says "
				      "\"%s\"",
				      i, name ? name : "(bad offset)", want);
			goto out;
		}
		d = elf_rawdata(scn, NULL);
		if (sh.sh_size != 0 && (d == NULL || d->d_size != sh.sh_size ||
					d->d_buf == NULL)) {
			dt_elf_seterr(err, EDT_BADELF, "section %u (%s): %s", i,
				      want, "cannot read its data");
			goto out;
		}
		r.secs[i].type = (uint32_t)sh.sh_type;
		r.secs[i].p = sh.sh_size ? d->d_buf : NULL;
		r.secs[i].len = (size_t)sh.sh_size;
	}
	r.strtab = (const char *)r.secs[DTELF_STRTAB_SECIDX].p;
	r.strlen = r.secs[DTELF_STRTAB_SECIDX].len;
	if (r.strlen == 0 || r.strtab[0] != '\0' ||
	    r.strtab[r.strlen - 1] != '\0') {
		dt_elf_seterr(err, EDT_BADELF,
			      "section 3 (.dtrace_strtab): field -: must "
			      "start and end with a NUL byte");
		goto out;
	}
	pg = dt_prog_new();
	if (pg == NULL) {
		dt_elf_seterr(err, EDT_NOMEM, "out of memory");
		goto out;
	}
	r.next = DTELF_STRTAB_SECIDX + 1;
	if (dt_r_prog(&r, pg) != 0)
		goto out;
	*progp = pg;
	pg = NULL;
	rc = 0;
out:
	dt_prog_free(pg);
	free(r.secs);
	if (e != NULL)
		elf_end(e);
	free(copy);
	return rc;
}

int dt_elf_read_file(const char *path, dt_prog_t **progp, dt_elf_err_t *err)
{
	struct stat st;
	void *buf;
	size_t off = 0;
	int fd, rc;

	*progp = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dt_elf_seterr(err, EDT_IO, "cannot open %s: %s", path,
				     strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > DT_ELF_MAXFILE) {
		close(fd);
		return dt_elf_seterr(
		    err, EDT_IO, "%s: not a regular file of at most 256 MiB",
		    path);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return dt_elf_seterr(err, EDT_NOMEM, "out of memory");
	}
	while (off < (size_t)st.st_size) {
		ssize_t n =
		    read(fd, (char *)buf + off, (size_t)st.st_size - off);

		if (n <= 0) {
			close(fd);
			free(buf);
			return dt_elf_seterr(err, EDT_IO, "cannot read %s: %s",
					     path, n ? strerror(errno) : "EOF");
		}
		off += (size_t)n;
	}
	close(fd);
	rc = dt_elf_read_mem(buf, off, progp, err);
	if (rc != 0 && err != NULL && err->code == EDT_BADELF) {
		char m[sizeof(err->msg)];
		int pl = (int)strnlen(path, 200);

		memcpy(m, err->msg, sizeof(m));
		snprintf(err->msg, sizeof(err->msg), "%.*s: %.*s", pl, path,
			 (int)sizeof(m) - pl - 3, m);
	}
	free(buf);
	return rc;
}

int dt_prog_new_ident(dt_prog_t *prog)
{
	size_t got = 0;

	while (got < sizeof(prog->ident)) {
		ssize_t n =
		    getrandom(prog->ident + got, sizeof(prog->ident) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

dt_prog_t *dt_prog_copy(const dt_prog_t *prog, dt_elf_err_t *err)
{
	dt_prog_t *c = NULL;
	void *buf;
	size_t len;

	if (dt_elf_write_mem(prog, &buf, &len, err) != 0)
		return NULL;
	dt_elf_read_mem(buf, len, &c, err);
	free(buf);
	return c;
}
