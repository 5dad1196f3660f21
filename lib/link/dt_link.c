/*
 * dt_link.c: the HyperTrace linker (statement selection by target, relocation
 * against BTF, return-type patching, variable type unification) and the
 * host's check of a guest-linked program. Contract in dt_link.h/dt_reloc.h.
 */
#include <bpf/btf.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "elf/dt_elf.h"
#include "link/dt_link.h"
#include "link/dt_ltype.h"
#include "link/dt_reloc.h"
#include "typing/dt_typing.h"

#define WHY(...)                                                               \
	do {                                                                   \
		if (why != NULL)                                               \
			snprintf(why, whylen, __VA_ARGS__);                    \
		return -1;                                                     \
	} while (0)

int dt_link_is_reloc(uint32_t op)
{
	return op == DIF_OP_USETX || op == DIF_OP_ULOAD ||
	       op == DIF_OP_UULOAD || op == DIF_OP_TYPECAST;
}

/* Calls fn on every DIFO of the program with a description of where it is. */
typedef int (*dt_difo_fn)(dt_difo_t *d, const char *where, void *arg);

static int dt_link_foreach(const dt_prog_t *p, dt_difo_fn fn, void *arg)
{
	char where[96];

	for (uint32_t i = 0; i < p->nstmts; i++) {
		const dt_stmt_t *s = &p->stmts[i];

		if (s->pred != NULL) {
			snprintf(where, sizeof(where),
				 "statement %u (line %u) predicate", i,
				 s->line);
			if (fn(s->pred, where, arg) != 0)
				return -1;
		}
		for (uint32_t j = 0; j < s->nacts; j++)
			for (uint32_t k = 0; k < s->acts[j].ndifo; k++) {
				if (s->acts[j].difo[k] == NULL)
					continue;
				snprintf(where, sizeof(where),
					 "statement %u (line %u) action %u "
					 "operand %u",
					 i, s->line, j, k);
				if (fn(s->acts[j].difo[k], where, arg) != 0)
					return -1;
			}
	}
	return 0;
}

static int dt_link_count1(dt_difo_t *d, const char *where, void *arg)
{
	uint32_t *n = arg;

	(void)where;
	for (uint32_t i = 0; i < d->len; i++)
		if (dt_link_is_reloc(DIF_INSTR_OP(d->buf[i])))
			(*n)++;
	return 0;
}

uint32_t dt_link_count_relocs(const dt_prog_t *prog)
{
	uint32_t n = 0;

	dt_link_foreach(prog, dt_link_count1, &n);
	return n;
}

/* ------------------------------------------------------------- resolvers */

int dt_link_parse_resolvers(const char *s)
{
	int flags = 0;
	const char *p = s;

	if (s == NULL)
		return DT_RESOLVE_HOSTNAME | DT_RESOLVE_VERSION;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n == 8 && strncmp(p, "hostname", 8) == 0)
			flags |= DT_RESOLVE_HOSTNAME;
		else if (n == 7 && strncmp(p, "version", 7) == 0)
			flags |= DT_RESOLVE_VERSION;
		else if (n == 4 && strncmp(p, "none", 4) == 0)
			;
		else if (n != 0)
			return -1;
		p += n;
		if (*p == ',')
			p++;
	}
	return flags;
}

int dt_link_target_match(const char *target, uint32_t flags,
			 const char *hostname, const char *release)
{
	char ver[300];

	if (target == NULL || *target == '\0' || flags == 0)
		return 1;
	if ((flags & DT_RESOLVE_HOSTNAME) && hostname != NULL &&
	    fnmatch(target, hostname, 0) == 0)
		return 1;
	if ((flags & DT_RESOLVE_VERSION) && release != NULL) {
		snprintf(ver, sizeof(ver), "Linux-%s", release);
		if (fnmatch(target, ver, 0) == 0)
			return 1;
	}
	return 0;
}

static void dt_link_free_desc(dt_probedesc_t *d)
{
	free(d->target);
	free(d->provider);
	free(d->module);
	free(d->function);
	free(d->name);
}

static void dt_link_free_stmt(dt_stmt_t *s)
{
	for (uint32_t j = 0; j < s->ndesc; j++)
		dt_link_free_desc(&s->descs[j]);
	free(s->descs);
	dt_difo_free(s->pred);
	for (uint32_t j = 0; j < s->nacts; j++) {
		for (uint32_t k = 0; k < s->acts[j].ndifo; k++)
			dt_difo_free(s->acts[j].difo[k]);
		free(s->acts[j].difo);
		free(s->acts[j].args);
	}
	free(s->acts);
}

int dt_link_select(dt_prog_t *prog, uint32_t flags, const char *hostname,
		   const char *release)
{
	uint32_t out = 0;

	for (uint32_t i = 0; i < prog->nstmts; i++) {
		dt_stmt_t *s = &prog->stmts[i];
		uint32_t kept = 0;

		for (uint32_t j = 0; j < s->ndesc; j++) {
			if (dt_link_target_match(s->descs[j].target, flags,
						 hostname, release))
				s->descs[kept++] = s->descs[j];
			else
				dt_link_free_desc(&s->descs[j]);
		}
		if (kept == 0 && s->ndesc != 0) {
			s->ndesc = 0;
			dt_link_free_stmt(s);
			continue;
		}
		s->ndesc = kept;
		prog->stmts[out++] = *s;
	}
	prog->nstmts = out;
	return (int)out;
}

/* ------------------------------------------------------------ relocation */

typedef struct dt_linker {
	const struct btf *btf;
	char *why;
	size_t whylen;
} dt_linker_t;

/* Index of value in the integer table, appending it if absent. */
static int dt_link_intern(dt_difo_t *d, uint64_t v)
{
	uint64_t *t;

	for (uint32_t i = 0; i < d->intlen; i++)
		if (d->inttab[i] == v)
			return (int)i;
	if (d->intlen > DIF_INTOFF_MAX)
		return -1;
	t = realloc(d->inttab, (d->intlen + 1) * sizeof(*t));
	if (t == NULL)
		return -1;
	t[d->intlen] = v;
	d->inttab = t;
	return (int)d->intlen++;
}

/* Parses and resolves symbol idx; for MEMBER and OFFSETOF fills off and the
 * member type, for TYPE/SIZEOF the type. */
static int dt_link_sym(dt_linker_t *l, const dt_difo_t *d, uint32_t idx,
		       dt_reloc_sym_t *sym, dt_ltype_t *t, uint32_t *off,
		       char *why, size_t whylen)
{
	const char *text = dt_reloc_sym_get(d, idx);
	char sub[384];
	dt_ltype_t base;

	*off = 0;
	if (text == NULL)
		WHY("symbol %u does not exist (symbol table has %u bytes)", idx,
		    d->symlen);
	if (dt_reloc_sym_parse(text, sym, sub, sizeof(sub)) != 0)
		WHY("%s", sub);
	if (dt_ltype_parse(l->btf, sym->type, &base, sub, sizeof(sub)) != 0)
		WHY("symbol \"%s\": %s", text, sub);
	if (sym->kind == DT_RELOC_OFFSETOF || sym->kind == DT_RELOC_MEMBER) {
		if (dt_ltype_member(l->btf, &base, sym->path, off, t, sub,
				    sizeof(sub)) != 0)
			WHY("symbol \"%s\": %s", text, sub);
	} else {
		*t = base;
	}
	return 0;
}

/* The return type of a DIFO from type t. */
static int dt_link_rtype(dt_linker_t *l, dt_difo_t *d, const dt_ltype_t *t,
			 char *why, size_t whylen)
{
	uint32_t size;
	int sgn;
	int64_t sz = dt_ltype_size(l->btf, t);

	switch (dt_ltype_class(l->btf, t, &size, &sgn)) {
	case DT_LC_INT:
	case DT_LC_PTR:
		d->rtype.kind = DIF_TYPE_CTF;
		d->rtype.flags &= (uint8_t) ~(DIF_TF_BYREF | DIF_TF_BYUREF);
		d->rtype.size = size;
		d->flags &= ~(uint32_t)(DT_DIFO_SIGNED | DT_DIFO_POINTER |
					DT_DIFO_CHARARR);
		if (dt_ltype_class(l->btf, t, NULL, NULL) == DT_LC_PTR)
			d->flags |= DT_DIFO_POINTER;
		else if (sgn)
			d->flags |= DT_DIFO_SIGNED;
		return 0;
	case DT_LC_AGGR:
	case DT_LC_ARRAY:
		if (sz <= 0 || sz > UINT32_MAX)
			WHY("return type has no usable size");
		d->rtype.kind = DIF_TYPE_CTF;
		d->rtype.flags |= DIF_TF_BYREF;
		d->rtype.size = (uint32_t)sz;
		d->flags &= ~(uint32_t)(DT_DIFO_SIGNED | DT_DIFO_POINTER |
					DT_DIFO_CHARARR);
		if (dt_ltype_is_chararr(l->btf, t))
			d->flags |= DT_DIFO_CHARARR;
		return 0;
	default:
		WHY("return type cannot be a value of this kind");
	}
}

/* Does instruction w write register r (as a value, or as a typecast)? */
static int dt_link_defines(dif_instr_t w, uint32_t r)
{
	uint32_t op = DIF_INSTR_OP(w);

	switch (op) {
	case DIF_OP_CMP:
	case DIF_OP_SCMP:
	case DIF_OP_TST:
	case DIF_OP_RET:
	case DIF_OP_NOP:
	case DIF_OP_STGS:
	case DIF_OP_STTS:
	case DIF_OP_STLS:
	case DIF_OP_STGAA:
	case DIF_OP_STTAA:
	case DIF_OP_PUSHTR:
	case DIF_OP_PUSHTV:
	case DIF_OP_POPTS:
	case DIF_OP_FLUSHTS:
	case DIF_OP_STB:
	case DIF_OP_STH:
	case DIF_OP_STW:
	case DIF_OP_STX:
	case DIF_OP_HYPERCALL:
		return 0;
	default:
		if (op >= DIF_OP_BA && op <= DIF_OP_BLEU)
			return 0;
		return DIF_INSTR_RD(w) == r;
	}
}

/* Is instruction index i the target of a branch in d? */
static int dt_link_is_target(const dt_difo_t *d, uint32_t i)
{
	for (uint32_t k = 0; k < i; k++) {
		uint32_t op = DIF_INSTR_OP(d->buf[k]);

		if (op >= DIF_OP_BA && op <= DIF_OP_BLEU &&
		    DIF_INSTR_LABEL(d->buf[k]) == i)
			return 1;
	}
	return 0;
}

static int dt_link_difo(dt_difo_t *d, const char *where, void *arg)
{
	dt_linker_t *l = arg;
	char sub[512];
	dt_reloc_sym_t sym;
	dt_ltype_t t;
	uint32_t off;
	int rtype_done = 0;

	/* Return type first: it reads the typecasts before they become nops.
	 * The last ret decides; ret registers of all rets must agree. */
	for (uint32_t i = 0; i < d->len && !rtype_done; i++) {
		uint32_t r, op;

		if (DIF_INSTR_OP(d->buf[i]) != DIF_OP_RET)
			continue;
		r = DIF_INSTR_RD(d->buf[i]);
		for (uint32_t k = i; k-- > 0;) {
			dif_instr_t w = d->buf[k];

			op = DIF_INSTR_OP(w);
			if (op >= DIF_OP_BA && op <= DIF_OP_BLEU)
				break;
			if (!dt_link_defines(w, r)) {
				if (dt_link_is_target(d, k))
					break;
				continue;
			}
			if (op == DIF_OP_TYPECAST || op == DIF_OP_ULOAD ||
			    op == DIF_OP_UULOAD) {
				uint32_t idx = op == DIF_OP_TYPECAST
						   ? DIF_INSTR_SYM(w)
						   : DIF_INSTR_R2(w);

				if (dt_link_sym(l, d, idx, &sym, &t, &off, sub,
						sizeof(sub)) != 0 ||
				    dt_link_rtype(l, d, &t, sub + strlen(sub),
						  sizeof(sub) - strlen(sub)) !=
					0) {
					snprintf(l->why, l->whylen,
						 "%s: instruction %u: return "
						 "type: %s",
						 where, k, sub);
					return -1;
				}
				rtype_done = 1;
			}
			break;
		}
	}

	for (uint32_t i = 0; i < d->len; i++) {
		dif_instr_t w = d->buf[i];
		uint32_t op = DIF_INSTR_OP(w);
		uint8_t lop;
		int64_t v;
		int idx;

		switch (op) {
		case DIF_OP_USETX:
			if (dt_link_sym(l, d, DIF_INSTR_SYM(w), &sym, &t, &off,
					sub, sizeof(sub)) != 0)
				goto fail;
			if (sym.kind == DT_RELOC_OFFSETOF) {
				v = off;
			} else if (sym.kind == DT_RELOC_SIZEOF) {
				v = dt_ltype_size(l->btf, &t);
				if (v < 0) {
					snprintf(sub, sizeof(sub),
						 "symbol \"%s\": type has no "
						 "size",
						 dt_reloc_sym_get(
						     d, DIF_INSTR_SYM(w)));
					goto fail;
				}
			} else {
				snprintf(sub, sizeof(sub),
					 "usetx needs an offsetof or sizeof "
					 "symbol");
				goto fail;
			}
			idx = dt_link_intern(d, (uint64_t)v);
			if (idx < 0) {
				snprintf(sub, sizeof(sub),
					 "integer table full or out of memory");
				goto fail;
			}
			d->buf[i] =
			    DIF_INSTR_SETX((uint32_t)idx, DIF_INSTR_RD(w));
			break;
		case DIF_OP_ULOAD:
		case DIF_OP_UULOAD:
			if (dt_link_sym(l, d, DIF_INSTR_R2(w), &sym, &t, &off,
					sub, sizeof(sub)) != 0)
				goto fail;
			if (sym.kind != DT_RELOC_MEMBER &&
			    sym.kind != DT_RELOC_TYPE) {
				snprintf(sub, sizeof(sub),
					 "uload needs a member or type symbol");
				goto fail;
			}
			if (dt_ltype_loadop(l->btf, &t, op == DIF_OP_UULOAD,
					    &lop, sub, sizeof(sub)) != 0)
				goto fail;
			d->buf[i] = DIF_INSTR_LOAD(lop, DIF_INSTR_R1(w),
						   DIF_INSTR_RD(w));
			break;
		case DIF_OP_TYPECAST:
			if (dt_link_sym(l, d, DIF_INSTR_SYM(w), &sym, &t, &off,
					sub, sizeof(sub)) != 0)
				goto fail;
			if (sym.kind != DT_RELOC_TYPE) {
				snprintf(sub, sizeof(sub),
					 "typecast needs a type symbol");
				goto fail;
			}
			d->buf[i] = DIF_INSTR_NOP;
			break;
		default:
			break;
		}
		continue;
	fail:
		snprintf(l->why, l->whylen, "%s: instruction %u (%s): %s",
			 where, i,
			 op == DIF_OP_USETX	 ? "usetx"
			 : op == DIF_OP_TYPECAST ? "typecast"
			 : op == DIF_OP_ULOAD	 ? "uload"
						 : "uuload",
			 sub);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------- variable unification */

typedef struct dt_varkey {
	uint32_t id;
	uint8_t kind, scope;
	dif_type_t type;
	int seen;
} dt_varkey_t;

typedef struct dt_varset {
	dt_varkey_t *v;
	uint32_t n;
	int nomem;
} dt_varset_t;

static dt_varkey_t *dt_varset_find(dt_varset_t *s, uint32_t id, uint8_t kind,
				   uint8_t scope, int add)
{
	dt_varkey_t *nv;

	for (uint32_t i = 0; i < s->n; i++)
		if (s->v[i].id == id && s->v[i].kind == kind &&
		    s->v[i].scope == scope)
			return &s->v[i];
	if (!add)
		return NULL;
	nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		s->nomem = 1;
		return NULL;
	}
	s->v = nv;
	memset(&nv[s->n], 0, sizeof(nv[0]));
	nv[s->n].id = id;
	nv[s->n].kind = kind;
	nv[s->n].scope = scope;
	return &nv[s->n++];
}

/* The wider of two types: strings and by-reference types win over plain
 * values, then the larger size. */
static void dt_var_widen(dt_varkey_t *k, const dif_type_t *t)
{
	if (!k->seen) {
		k->type = *t;
		k->seen = 1;
		return;
	}
	if (t->kind == DIF_TYPE_STRING && k->type.kind != DIF_TYPE_STRING) {
		k->type = *t;
		return;
	}
	if (t->kind != k->type.kind)
		return;
	if (t->size > k->type.size)
		k->type = *t;
}

static int dt_var_collect(dt_difo_t *d, const char *where, void *arg)
{
	dt_varset_t *s = arg;

	(void)where;
	for (uint32_t i = 0; i < d->varlen; i++) {
		dif_var_desc_t *v = &d->vartab[i];
		dt_varkey_t *k = dt_varset_find(s, v->id, v->kind, v->scope, 1);

		if (k == NULL)
			return -1;
		dt_var_widen(k, &v->type);
	}
	return 0;
}

static int dt_var_apply(dt_difo_t *d, const char *where, void *arg)
{
	dt_varset_t *s = arg;

	(void)where;
	for (uint32_t i = 0; i < d->varlen; i++) {
		dif_var_desc_t *v = &d->vartab[i];
		dt_varkey_t *k = dt_varset_find(s, v->id, v->kind, v->scope, 0);

		if (k != NULL)
			v->type = k->type;
	}
	return 0;
}

static int dt_link_vars(dt_prog_t *p)
{
	dt_varset_t s = {0};

	for (uint32_t i = 0; i < p->nvars; i++) {
		dt_varkey_t *k =
		    dt_varset_find(&s, p->vars[i].v.id, p->vars[i].v.kind,
				   p->vars[i].v.scope, 1);

		if (k == NULL)
			goto nomem;
		dt_var_widen(k, &p->vars[i].v.type);
	}
	if (dt_link_foreach(p, dt_var_collect, &s) != 0)
		goto nomem;
	dt_link_foreach(p, dt_var_apply, &s);
	for (uint32_t i = 0; i < p->nvars; i++) {
		dt_varkey_t *k =
		    dt_varset_find(&s, p->vars[i].v.id, p->vars[i].v.kind,
				   p->vars[i].v.scope, 0);

		if (k != NULL)
			p->vars[i].v.type = k->type;
	}
	free(s.v);
	return 0;
nomem:
	free(s.v);
	return -1;
}

/* ------------------------------------------------------------------ link */

static int dt_link_fail(dt_prog_t *prog, char *err, size_t errlen,
			const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int dt_link_fail(dt_prog_t *prog, char *err, size_t errlen,
			const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (err != NULL && err != buf)
		snprintf(err, errlen, "%s", buf);
	free(prog->link_error);
	prog->link_error = strdup(buf);
	return -1;
}

int dt_link(dt_prog_t *prog, const dt_link_opts_t *opts, char *err,
	    size_t errlen)
{
	dt_link_opts_t o = {0};
	char host[256] = "", why[1024] = "";
	const char *resolvers, *hostname, *release;
	struct utsname u;
	struct btf *own = NULL;
	dt_linker_t l = {0};
	int flags, rc = -1;

	if (opts != NULL)
		memcpy(&o, opts,
		       opts->size < sizeof(o) ? opts->size : sizeof(o));
	if (prog->link_error != NULL) {
		if (err != NULL)
			snprintf(err, errlen, "%s", prog->link_error);
		return -1;
	}
	resolvers = o.resolvers;
	for (uint32_t i = 0; resolvers == NULL && i < prog->nopts; i++)
		if (strcmp(prog->opts[i].name, "resolvers") == 0)
			resolvers =
			    prog->opts[i].value ? prog->opts[i].value : "";
	flags = dt_link_parse_resolvers(resolvers);
	if (flags < 0)
		return dt_link_fail(prog, err, errlen,
				    "option resolvers: \"%s\" is not a list of "
				    "hostname, version",
				    resolvers);
	hostname = o.hostname;
	if (hostname == NULL) {
		gethostname(host, sizeof(host) - 1);
		hostname = host;
	}
	release = o.release;
	if (release == NULL && uname(&u) == 0)
		release = u.release;
	dt_link_select(prog, (uint32_t)flags, hostname, release);

	l.btf = o.btf;
	if (dt_link_count_relocs(prog) != 0) {
		if (l.btf == NULL) {
			const char *path =
			    o.btf_path ? o.btf_path : "/sys/kernel/btf/vmlinux";

			own = dt_ltype_load(path, why, sizeof(why));
			if (own == NULL)
				return dt_link_fail(prog, err, errlen, "%s",
						    why);
			l.btf = own;
		}
	}
	/* type-check the program as compiled, relocations included */
	if (!o.no_typecheck &&
	    dt_typing_check(prog, l.btf, why, sizeof(why)) != 0) {
		dt_link_fail(prog, err, errlen, "%s", why);
		goto out;
	}
	if (l.btf != NULL) {
		l.why = why;
		l.whylen = sizeof(why);
		if (dt_link_foreach(prog, dt_link_difo, &l) != 0) {
			dt_link_fail(prog, err, errlen, "%s", why);
			goto out;
		}
	}
	if (dt_link_vars(prog) != 0) {
		dt_link_fail(prog, err, errlen, "out of memory");
		goto out;
	}
	if (!o.keep_ident) {
		memcpy(prog->srcident, prog->ident, sizeof(prog->ident));
		if (dt_prog_new_ident(prog) != 0) {
			dt_link_fail(prog, err, errlen,
				     "cannot make a program identifier");
			goto out;
		}
	}
	rc = 0;
out:
	btf__free(own);
	return rc;
}

/* ------------------------------------------------------------ host check */

static int dt_desc_eq(const dt_probedesc_t *a, const dt_probedesc_t *b)
{
	return strcmp(a->target ? a->target : "", b->target ? b->target : "") ==
		   0 &&
	       strcmp(a->provider ? a->provider : "",
		      b->provider ? b->provider : "") == 0 &&
	       strcmp(a->module ? a->module : "", b->module ? b->module : "") ==
		   0 &&
	       strcmp(a->function ? a->function : "",
		      b->function ? b->function : "") == 0 &&
	       strcmp(a->name ? a->name : "", b->name ? b->name : "") == 0;
}

static const char *dt_op_name(uint32_t op)
{
	static char buf[16];

	switch (op) {
	case DIF_OP_USETX:
		return "usetx";
	case DIF_OP_ULOAD:
		return "uload";
	case DIF_OP_UULOAD:
		return "uuload";
	case DIF_OP_TYPECAST:
		return "typecast";
	default:
		snprintf(buf, sizeof(buf), "op %u", op);
		return buf;
	}
}

static int dt_check_difo(const dt_difo_t *h, const dt_difo_t *g,
			 const char *where, char *why, size_t whylen)
{
	int hasreloc = 0;

	if (h == NULL || g == NULL) {
		if (h != g)
			WHY("%s: DIFO present in one program only", where);
		return 0;
	}
	if (h->len != g->len)
		WHY("%s: %u instructions, the host compiled %u", where, g->len,
		    h->len);
	if (g->intlen < h->intlen ||
	    (h->intlen &&
	     memcmp(h->inttab, g->inttab, h->intlen * sizeof(uint64_t)) != 0))
		WHY("%s: integer table changed (only appending is allowed)",
		    where);
	if (h->strlen != g->strlen ||
	    (h->strlen && memcmp(h->strtab, g->strtab, h->strlen) != 0))
		WHY("%s: string table changed", where);
	if (h->symlen != g->symlen ||
	    (h->symlen && memcmp(h->symtab, g->symtab, h->symlen) != 0))
		WHY("%s: symbol table changed", where);
	if (h->varlen != g->varlen)
		WHY("%s: variable table changed", where);
	for (uint32_t i = 0; i < h->varlen; i++) {
		const dif_var_desc_t *x = &h->vartab[i], *y = &g->vartab[i];

		if (x->name != y->name || x->id != y->id ||
		    x->kind != y->kind || x->scope != y->scope ||
		    x->flags != y->flags)
			WHY("%s: variable %u changed identity", where, i);
	}
	for (uint32_t i = 0; i < h->len; i++) {
		dif_instr_t hw = h->buf[i], gw = g->buf[i];
		uint32_t hop = DIF_INSTR_OP(hw), gop = DIF_INSTR_OP(gw);

		switch (hop) {
		case DIF_OP_USETX:
			hasreloc = 1;
			/* any entry: the prefix is the host's, the rest is
			 * the guest's own offsets and sizes */
			if (gop != DIF_OP_SETX ||
			    DIF_INSTR_RD(gw) != DIF_INSTR_RD(hw) ||
			    DIF_INSTR_INTEGER(gw) >= g->intlen)
				WHY("%s: instruction %u: usetx must become setx "
				    "into %%r%u of an integer table entry (got "
				    "%08x)",
				    where, i, DIF_INSTR_RD(hw), gw);
			break;
		case DIF_OP_ULOAD:
		case DIF_OP_UULOAD: {
			uint32_t lo =
			    hop == DIF_OP_ULOAD ? DIF_OP_LDSB : DIF_OP_ULDSB;
			uint32_t hi =
			    hop == DIF_OP_ULOAD ? DIF_OP_LDX : DIF_OP_ULDX;

			hasreloc = 1;
			if (gop < lo || gop > hi ||
			    DIF_INSTR_R1(gw) != DIF_INSTR_R1(hw) ||
			    DIF_INSTR_R2(gw) != 0 ||
			    DIF_INSTR_RD(gw) != DIF_INSTR_RD(hw))
				WHY("%s: instruction %u: %s must become a "
				    "sized "
				    "%sload with the same registers (got %08x)",
				    where, i, dt_op_name(hop),
				    hop == DIF_OP_UULOAD ? "user " : "", gw);
			break;
		}
		case DIF_OP_TYPECAST:
			hasreloc = 1;
			if (gw != DIF_INSTR_NOP)
				WHY("%s: instruction %u: typecast must become "
				    "nop (got %08x)",
				    where, i, gw);
			break;
		default:
			if (hw != gw)
				WHY("%s: instruction %u: %08x differs from the "
				    "host's %08x, not a relocation site",
				    where, i, gw, hw);
		}
	}
	if (!hasreloc && g->intlen != h->intlen)
		WHY("%s: integer table grew without relocations", where);
	if (!hasreloc && (memcmp(&h->rtype, &g->rtype, sizeof(h->rtype)) != 0 ||
			  h->flags != g->flags))
		WHY("%s: return type changed without relocations", where);
	if ((h->rtype_name == NULL) != (g->rtype_name == NULL) ||
	    (h->rtype_name && strcmp(h->rtype_name, g->rtype_name) != 0))
		WHY("%s: return type name changed", where);
	return 0;
}

/* Are g's probe descriptions a sub-list (in order) of h's? */
static int dt_desc_sublist(const dt_stmt_t *h, const dt_stmt_t *g)
{
	uint32_t k = 0;

	if (g->ndesc == 0)
		return h->ndesc == 0;
	for (uint32_t j = 0; j < g->ndesc; j++) {
		while (k < h->ndesc && !dt_desc_eq(&h->descs[k], &g->descs[j]))
			k++;
		if (k == h->ndesc)
			return 0;
		k++;
	}
	return 1;
}

static int dt_check_stmt(const dt_stmt_t *h, const dt_stmt_t *g, uint32_t gi,
			 char *why, size_t whylen)
{
	char where[96];

	if (h->nacts != g->nacts || h->line != g->line)
		WHY("statement %u: actions differ", gi);
	snprintf(where, sizeof(where), "statement %u predicate", gi);
	if (dt_check_difo(h->pred, g->pred, where, why, whylen) != 0)
		return -1;
	for (uint32_t j = 0; j < h->nacts; j++) {
		const dt_action_t *x = &h->acts[j], *y = &g->acts[j];

		if (x->kind != y->kind || x->ndifo != y->ndifo ||
		    x->arg != y->arg || x->arg2 != y->arg2 ||
		    x->fmt != y->fmt || x->nargs != y->nargs ||
		    (x->nargs &&
		     memcmp(x->args, y->args, x->nargs * sizeof(uint64_t))))
			WHY("statement %u action %u differs", gi, j);
		for (uint32_t m = 0; m < x->ndifo; m++) {
			snprintf(where, sizeof(where),
				 "statement %u action %u operand %u", gi, j, m);
			if (dt_check_difo(x->difo[m], y->difo[m], where, why,
					  whylen) != 0)
				return -1;
		}
	}
	return 0;
}

int dt_link_check(const dt_prog_t *host, const dt_prog_t *guest, char *why,
		  size_t whylen)
{
	static const uint8_t zero[16];
	uint32_t hi = 0;

	if (guest->link_error != NULL)
		WHY("the program carries a link error: %s", guest->link_error);
	if (memcmp(host->ident, zero, 16) != 0 &&
	    memcmp(guest->srcident, host->ident, 16) != 0)
		WHY("the program was not linked from this one (srcident)");
	for (uint32_t gi = 0; gi < guest->nstmts; gi++) {
		/* the next host statement with these probe descriptions (the
		 * guest only drops statements and descriptions) */
		while (hi < host->nstmts &&
		       !dt_desc_sublist(&host->stmts[hi], &guest->stmts[gi]))
			hi++;
		if (hi == host->nstmts)
			WHY("statement %u: its probe descriptions match no "
			    "remaining statement of the host's program",
			    gi);
		if (dt_check_stmt(&host->stmts[hi], &guest->stmts[gi], gi, why,
				  whylen) != 0)
			return -1;
		hi++;
	}
	if (host->naggs != guest->naggs || host->nfmts != guest->nfmts ||
	    host->nopts != guest->nopts || host->nvars != guest->nvars)
		WHY("program tables (aggregations, formats, options, "
		    "variables) differ in size");
	for (uint32_t i = 0; i < host->naggs; i++) {
		const dt_aggdesc_t *x = &host->aggs[i], *y = &guest->aggs[i];

		if (strcmp(x->name, y->name) || x->func != y->func ||
		    x->nkeys != y->nkeys || x->flags != y->flags ||
		    memcmp(x->params, y->params, sizeof(x->params)) ||
		    (x->nkeys &&
		     memcmp(x->keys, y->keys, x->nkeys * sizeof(dif_type_t))))
			WHY("aggregation %u differs", i);
	}
	for (uint32_t i = 0; i < host->nfmts; i++)
		if (host->fmts[i].kind != guest->fmts[i].kind ||
		    strcmp(host->fmts[i].str, guest->fmts[i].str) != 0)
			WHY("format %u differs", i);
	for (uint32_t i = 0; i < host->nopts; i++)
		if (strcmp(host->opts[i].name, guest->opts[i].name) != 0 ||
		    (host->opts[i].value == NULL) !=
			(guest->opts[i].value == NULL) ||
		    (host->opts[i].value &&
		     strcmp(host->opts[i].value, guest->opts[i].value) != 0))
			WHY("option %u differs", i);
	for (uint32_t i = 0; i < host->nvars; i++) {
		const dt_vardesc_t *x = &host->vars[i], *y = &guest->vars[i];

		if (strcmp(x->name, y->name) != 0 || x->v.id != y->v.id ||
		    x->v.kind != y->v.kind || x->v.scope != y->v.scope ||
		    x->nkeys != y->nkeys)
			WHY("variable %u (%s) differs", i, x->name);
	}
	return 0;
}
