/*
 * dt_typing.c: basic blocks, the CFG, the information-flow graph and type
 * inference on DIF (see dt_typing.h). DIF only branches forward, so blocks in
 * instruction order are a topological order: one forward pass computes the
 * reaching definitions, a second one the types.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dif/dt_dis.h"
#include "link/dt_ltype.h"
#include "link/dt_reloc.h"
#include "typing/dt_typing.h"

#define WHY(...)                                                               \
	do {                                                                   \
		if (why != NULL)                                               \
			snprintf(why, whylen, __VA_ARGS__);                    \
		return -1;                                                     \
	} while (0)

static int dt_is_branch(uint32_t op)
{
	return op >= DIF_OP_BA && op <= DIF_OP_BLEU;
}

/* ------------------------------------------------------------------- CFG */

void dt_cfg_free(dt_cfg_t *cfg)
{
	free(cfg->bbs);
	free(cfg->bbof);
	memset(cfg, 0, sizeof(*cfg));
}

int dt_cfg_build(const dt_difo_t *d, dt_cfg_t *cfg, char *why, size_t whylen)
{
	uint8_t *leader;
	uint32_t n = d->len, nb = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (n == 0 || d->buf == NULL)
		WHY("empty DIFO");
	if (DIF_INSTR_OP(d->buf[n - 1]) != DIF_OP_RET)
		WHY("instruction %u: the last instruction must be ret", n - 1);
	leader = calloc(n, 1);
	cfg->bbof = calloc(n, sizeof(*cfg->bbof));
	if (leader == NULL || cfg->bbof == NULL) {
		free(leader);
		dt_cfg_free(cfg);
		WHY("out of memory");
	}
	leader[0] = 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t op = DIF_INSTR_OP(d->buf[i]);

		if (dt_is_branch(op)) {
			uint32_t t = DIF_INSTR_LABEL(d->buf[i]);

			if (t <= i || t >= n) {
				free(leader);
				dt_cfg_free(cfg);
				WHY("instruction %u: branch to %u is not a "
				    "forward branch inside the DIFO (%u "
				    "instructions)",
				    i, t, n);
			}
			leader[t] = 1;
		}
		if ((dt_is_branch(op) || op == DIF_OP_RET) && i + 1 < n)
			leader[i + 1] = 1;
	}
	for (uint32_t i = 0; i < n; i++)
		nb += leader[i];
	cfg->bbs = calloc(nb, sizeof(*cfg->bbs));
	if (cfg->bbs == NULL) {
		free(leader);
		dt_cfg_free(cfg);
		WHY("out of memory");
	}
	cfg->nbbs = nb;
	for (uint32_t i = 0, b = 0; i < n; i++) {
		if (leader[i] && i != 0)
			b++;
		cfg->bbof[i] = b;
		if (leader[i])
			cfg->bbs[b].start = i;
		cfg->bbs[b].end = i;
	}
	for (uint32_t b = 0; b < nb; b++) {
		dt_bb_t *bb = &cfg->bbs[b];
		dif_instr_t w = d->buf[bb->end];
		uint32_t op = DIF_INSTR_OP(w);

		if (op != DIF_OP_RET && op != DIF_OP_BA && bb->end + 1 < n)
			bb->succ[bb->nsucc++] = cfg->bbof[bb->end + 1];
		if (dt_is_branch(op)) {
			uint32_t t = cfg->bbof[DIF_INSTR_LABEL(w)];

			if (bb->nsucc == 0 || bb->succ[0] != t)
				bb->succ[bb->nsucc++] = t;
		}
		for (uint32_t s = 0; s < bb->nsucc; s++)
			cfg->bbs[bb->succ[s]].npred++;
	}
	free(leader);
	return 0;
}

/* ------------------------------------------------------------- def sets */

static int dt_defs_set1(dt_defs_t *s, uint32_t v)
{
	uint32_t *p = realloc(s->v, sizeof(*p));

	if (p == NULL)
		return -1;
	s->v = p;
	s->v[0] = v;
	s->n = 1;
	return 0;
}

static int dt_defs_copy(dt_defs_t *dst, const dt_defs_t *src)
{
	uint32_t *p = NULL;

	if (src->n != 0) {
		p = malloc(src->n * sizeof(*p));
		if (p == NULL)
			return -1;
		memcpy(p, src->v, src->n * sizeof(*p));
	}
	free(dst->v);
	dst->v = p;
	dst->n = src->n;
	return 0;
}

/* dst := dst U src (both sorted). */
static int dt_defs_union(dt_defs_t *dst, const dt_defs_t *src)
{
	uint32_t *p, i = 0, j = 0, k = 0;

	if (src->n == 0)
		return 0;
	p = malloc((dst->n + src->n) * sizeof(*p));
	if (p == NULL)
		return -1;
	while (i < dst->n || j < src->n) {
		uint32_t v;

		if (j == src->n || (i < dst->n && dst->v[i] < src->v[j]))
			v = dst->v[i++];
		else if (i == dst->n || src->v[j] < dst->v[i])
			v = src->v[j++];
		else {
			v = dst->v[i++];
			j++;
		}
		p[k++] = v;
	}
	free(dst->v);
	dst->v = p;
	dst->n = k;
	return 0;
}

static void dt_defs_free(dt_defs_t *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* ------------------------------------------------------------ operands */

enum {
	U_R1 = 0x1,
	U_R2 = 0x2,
	U_RD = 0x4,    /* reads rd */
	U_DEF = 0x8,   /* writes rd */
	U_TDEF = 0x10, /* typecast: type-only redefinition of rd */
	U_VLD = 0x20,  /* loads a variable */
	U_VST = 0x40,  /* stores a variable */
	U_STK = 0x80,  /* reads the tuple stack */
	U_PUSH = 0x100,
	U_POP = 0x200,
	U_FLUSH = 0x400
};

static int dt_op_uses(uint32_t op)
{
	switch (op) {
	case DIF_OP_OR ... DIF_OP_UREM:
	case DIF_OP_SRA:
		return U_R1 | U_R2 | U_DEF;
	case DIF_OP_NOT:
	case DIF_OP_MOV:
		return U_R1 | U_DEF;
	case DIF_OP_CMP:
	case DIF_OP_SCMP:
		return U_R1 | U_R2;
	case DIF_OP_TST:
		return U_R1;
	case DIF_OP_BA ... DIF_OP_BLEU:
	case DIF_OP_NOP:
	case DIF_OP_HYPERCALL:
		return 0;
	case DIF_OP_LDSB ... DIF_OP_LDX:
	case DIF_OP_ULDSB ... DIF_OP_RLDX:
	case DIF_OP_ULOAD:
	case DIF_OP_UULOAD:
	case DIF_OP_ALLOCS:
		return U_R1 | U_DEF;
	case DIF_OP_RET:
		return U_RD;
	case DIF_OP_SETX:
	case DIF_OP_SETS:
	case DIF_OP_USETX:
	case DIF_OP_XLATE:
	case DIF_OP_XLARG:
		return U_DEF;
	case DIF_OP_LDGA:
	case DIF_OP_LDTA:
		return U_R2 | U_DEF;
	case DIF_OP_LDGS:
	case DIF_OP_LDTS:
	case DIF_OP_LDLS:
		return U_DEF | U_VLD;
	case DIF_OP_STGS:
	case DIF_OP_STTS:
	case DIF_OP_STLS:
		return U_RD | U_VST;
	case DIF_OP_CALL:
		return U_DEF | U_STK;
	case DIF_OP_PUSHTR:
		return U_R2 | U_RD | U_PUSH;
	case DIF_OP_PUSHTV:
		return U_RD | U_PUSH;
	case DIF_OP_POPTS:
		return U_POP;
	case DIF_OP_FLUSHTS:
		return U_FLUSH;
	case DIF_OP_LDGAA:
	case DIF_OP_LDTAA:
		return U_DEF | U_STK | U_VLD;
	case DIF_OP_STGAA:
	case DIF_OP_STTAA:
		return U_RD | U_STK | U_VST;
	case DIF_OP_COPYS:
		return U_R1 | U_R2 | U_RD;
	case DIF_OP_STB ... DIF_OP_STX:
		return U_R1 | U_RD;
	case DIF_OP_TYPECAST:
		return U_RD | U_TDEF;
	default:
		return -1;
	}
}

/* The variable an instruction loads or stores: scope<<24 | kind<<16 | id
 * (DIF variable ids are 16 bits). */
static uint32_t dt_op_varkey(dif_instr_t w)
{
	uint32_t op = DIF_INSTR_OP(w), scope, kind = DIFV_KIND_SCALAR;

	switch (op) {
	case DIF_OP_LDGS:
	case DIF_OP_STGS:
		scope = DIFV_SCOPE_GLOBAL;
		break;
	case DIF_OP_LDTS:
	case DIF_OP_STTS:
		scope = DIFV_SCOPE_THREAD;
		break;
	case DIF_OP_LDLS:
	case DIF_OP_STLS:
		scope = DIFV_SCOPE_LOCAL;
		break;
	case DIF_OP_LDGAA:
	case DIF_OP_STGAA:
		scope = DIFV_SCOPE_GLOBAL;
		kind = DIFV_KIND_ARRAY;
		break;
	default:
		scope = DIFV_SCOPE_THREAD;
		kind = DIFV_KIND_ARRAY;
		break;
	}
	return scope << 24 | kind << 16 | DIF_INSTR_VAR(w);
}

/* ------------------------------------------------------------------ IFG */

typedef struct dt_state {
	dt_defs_t reg[DIF_DIR_NREGS];  /* type definitions */
	dt_defs_t data[DIF_DIR_NREGS]; /* data definitions */
	dt_defs_t vars;		       /* reaching variable stores */
	uint32_t sdepth;
	uint32_t stack[DIF_DTR_NREGS];
	int sbad;    /* stacks differ between incoming paths */
	int reached; /* some path reaches the block */
} dt_state_t;

static void dt_state_free(dt_state_t *s)
{
	for (int r = 0; r < DIF_DIR_NREGS; r++) {
		dt_defs_free(&s->reg[r]);
		dt_defs_free(&s->data[r]);
	}
	dt_defs_free(&s->vars);
}

static int dt_state_merge(dt_state_t *dst, const dt_state_t *src)
{
	for (int r = 0; r < DIF_DIR_NREGS; r++)
		if (dt_defs_union(&dst->reg[r], &src->reg[r]) != 0 ||
		    dt_defs_union(&dst->data[r], &src->data[r]) != 0)
			return -1;
	if (dt_defs_union(&dst->vars, &src->vars) != 0)
		return -1;
	if (!dst->reached) {
		dst->sdepth = src->sdepth;
		memcpy(dst->stack, src->stack, sizeof(dst->stack));
		dst->sbad = src->sbad;
	} else if (dst->sdepth != src->sdepth ||
		   memcmp(dst->stack, src->stack,
			  src->sdepth * sizeof(src->stack[0])) != 0 ||
		   src->sbad) {
		dst->sbad = 1;
	}
	dst->reached = 1;
	return 0;
}

void dt_ifg_free(dt_ifg_t *g)
{
	for (uint32_t i = 0; g->nodes != NULL && i < g->n; i++) {
		dt_defs_free(&g->nodes[i].r1);
		dt_defs_free(&g->nodes[i].r2);
		dt_defs_free(&g->nodes[i].rd);
		dt_defs_free(&g->nodes[i].data);
		dt_defs_free(&g->nodes[i].var);
	}
	free(g->nodes);
	dt_cfg_free(&g->cfg);
	memset(g, 0, sizeof(*g));
}

/* Kills the stores of the variable stored at i and adds i. */
static int dt_vars_store(const dt_difo_t *d, dt_defs_t *vars, uint32_t i)
{
	uint32_t key = dt_op_varkey(d->buf[i]), k = 0;
	dt_defs_t one = {0};
	int rc;

	for (uint32_t j = 0; j < vars->n; j++)
		if (dt_op_varkey(d->buf[vars->v[j]]) != key)
			vars->v[k++] = vars->v[j];
	vars->n = k;
	if (dt_defs_set1(&one, i) != 0)
		return -1;
	rc = dt_defs_union(vars, &one);
	dt_defs_free(&one);
	return rc;
}

int dt_ifg_build(const dt_difo_t *d, dt_ifg_t *g, char *why, size_t whylen)
{
	dt_state_t *in = NULL, cur;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	memset(&cur, 0, sizeof(cur));
	g->difo = d;
	if (dt_cfg_build(d, &g->cfg, why, whylen) != 0)
		return -1;
	g->n = d->len;
	g->nodes = calloc(d->len, sizeof(*g->nodes));
	in = calloc(g->cfg.nbbs, sizeof(*in));
	if (g->nodes == NULL || in == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	/* entry: %r0 is the bottom node, the others are undefined */
	in[0].reached = 1;
	for (int r = 0; r < DIF_DIR_NREGS; r++)
		if (dt_defs_set1(&in[0].reg[r], r ? DT_DEF_NONE : DT_DEF_R0) ||
		    dt_defs_set1(&in[0].data[r], r ? DT_DEF_NONE : DT_DEF_R0))
			goto nomem;

	for (uint32_t b = 0; b < g->cfg.nbbs; b++) {
		const dt_bb_t *bb = &g->cfg.bbs[b];

		if (!in[b].reached)
			continue; /* unreachable code: nothing flows in */
		cur = in[b];
		memset(&in[b], 0, sizeof(in[b]));
		for (uint32_t i = bb->start; i <= bb->end; i++) {
			dif_instr_t w = d->buf[i];
			uint32_t op = DIF_INSTR_OP(w);
			int u = dt_op_uses(op);
			dt_ifg_node_t *nd = &g->nodes[i];

			nd->reached = 1;
			if (u < 0) {
				snprintf(why, whylen,
					 "instruction %u: unknown opcode %u", i,
					 op);
				goto out;
			}
			if ((u & U_R1) && DIF_INSTR_R1(w) >= DIF_DIR_NREGS)
				goto badreg;
			if ((u & U_R2) && DIF_INSTR_R2(w) >= DIF_DIR_NREGS)
				goto badreg;
			if ((u & (U_RD | U_DEF)) &&
			    DIF_INSTR_RD(w) >= DIF_DIR_NREGS)
				goto badreg;
			if (((u & U_R1) &&
			     dt_defs_copy(&nd->r1,
					  &cur.reg[DIF_INSTR_R1(w)])) ||
			    ((u & U_R2) &&
			     dt_defs_copy(&nd->r2,
					  &cur.reg[DIF_INSTR_R2(w)])) ||
			    ((u & U_RD) &&
			     dt_defs_copy(&nd->rd,
					  &cur.reg[DIF_INSTR_RD(w)])) ||
			    ((u & U_TDEF) &&
			     dt_defs_copy(&nd->data,
					  &cur.data[DIF_INSTR_RD(w)])))
				goto nomem;
			if (u & U_VLD) {
				uint32_t key = dt_op_varkey(w);

				for (uint32_t j = 0; j < cur.vars.n; j++) {
					dt_defs_t one = {0};

					if (dt_op_varkey(
						d->buf[cur.vars.v[j]]) != key)
						continue;
					if (dt_defs_set1(&one, cur.vars.v[j]) ||
					    dt_defs_union(&nd->var, &one)) {
						dt_defs_free(&one);
						goto nomem;
					}
					dt_defs_free(&one);
				}
			}
			nd->sdepth = cur.sbad ? UINT32_MAX : cur.sdepth;
			memcpy(nd->stack, cur.stack, sizeof(nd->stack));
			if ((u & U_STK) && cur.sbad) {
				snprintf(
				    why, whylen,
				    "instruction %u: the tuple stack "
				    "differs between the paths reaching it",
				    i);
				goto out;
			}
			if (u & U_PUSH) {
				if (cur.sdepth >= DIF_DTR_NREGS) {
					snprintf(why, whylen,
						 "instruction %u: tuple stack "
						 "overflow (%u entries)",
						 i, DIF_DTR_NREGS);
					goto out;
				}
				cur.stack[cur.sdepth++] = i;
			}
			if (u & U_POP) {
				if (cur.sdepth == 0 && !cur.sbad) {
					snprintf(why, whylen,
						 "instruction %u: popts on an "
						 "empty tuple stack",
						 i);
					goto out;
				}
				if (cur.sdepth)
					cur.sdepth--;
			}
			if (u & U_FLUSH) {
				cur.sdepth = 0;
				cur.sbad = 0;
			}
			if (u & U_VST && dt_vars_store(d, &cur.vars, i) != 0)
				goto nomem;
			if ((u & U_DEF) && DIF_INSTR_RD(w) != 0) {
				if (dt_defs_set1(&cur.reg[DIF_INSTR_RD(w)],
						 i) ||
				    dt_defs_set1(&cur.data[DIF_INSTR_RD(w)], i))
					goto nomem;
			}
			if ((u & U_TDEF) && DIF_INSTR_RD(w) != 0 &&
			    dt_defs_set1(&cur.reg[DIF_INSTR_RD(w)], i))
				goto nomem;
			continue;
		badreg:
			snprintf(why, whylen,
				 "instruction %u: register out of range", i);
			goto out;
		}
		for (uint32_t s = 0; s < bb->nsucc; s++)
			if (dt_state_merge(&in[bb->succ[s]], &cur) != 0)
				goto nomem;
		dt_state_free(&cur);
	}
	rc = 0;
	goto out;
nomem:
	snprintf(why, whylen, "out of memory");
out:
	dt_state_free(&cur);
	for (uint32_t b = 0; in != NULL && b < g->cfg.nbbs; b++)
		dt_state_free(&in[b]);
	free(in);
	if (rc != 0)
		dt_ifg_free(g);
	return rc;
}

/* ---------------------------------------------------------------- typing */

const char *dt_ty_name(const dt_difo_t *d, const dt_ty_t *t, char *buf,
		       size_t len)
{
	const char *s;

	switch (t->kind) {
	case DT_TY_NONE:
		return "none";
	case DT_TY_BOTTOM:
		return "bottom";
	case DT_TY_INT:
		return "int";
	case DT_TY_STRING:
		return "string";
	default:
		s = dt_reloc_sym_get(d, t->sym);
		snprintf(buf, len, "%s%s",
			 t->kind == DT_TY_SYMOFF ? "uint64 | " : "",
			 s ? s : "?");
		return buf;
	}
}

static int dt_is_string_subr(uint32_t s)
{
	switch (s) {
	case DIF_SUBR_COPYINSTR:
	case DIF_SUBR_DDI_PATHNAME:
	case DIF_SUBR_STRJOIN:
	case DIF_SUBR_LLTOSTR:
	case DIF_SUBR_BASENAME:
	case DIF_SUBR_DIRNAME:
	case DIF_SUBR_CLEANPATH:
	case DIF_SUBR_STRCHR:
	case DIF_SUBR_STRRCHR:
	case DIF_SUBR_STRSTR:
	case DIF_SUBR_STRTOK:
	case DIF_SUBR_SUBSTR:
	case DIF_SUBR_INET_NTOP:
	case DIF_SUBR_INET_NTOA:
	case DIF_SUBR_INET_NTOA6:
	case DIF_SUBR_TOUPPER:
	case DIF_SUBR_TOLOWER:
	case DIF_SUBR_MEMSTR:
	case DIF_SUBR_JSON:
		return 1;
	default:
		return 0;
	}
}

static int dt_is_string_builtin(uint32_t id)
{
	switch (id) {
	case DIF_VAR_PROBEPROV:
	case DIF_VAR_PROBEMOD:
	case DIF_VAR_PROBEFUNC:
	case DIF_VAR_PROBENAME:
	case DIF_VAR_EXECNAME:
	case DIF_VAR_ZONENAME:
	case DIF_VAR_EXECARGS:
	case DIF_VAR_VMNAME:
		return 1;
	default:
		return 0;
	}
}

/* The vartab entry for the variable instruction w uses, or NULL. */
static const dif_var_desc_t *dt_var_of(const dt_difo_t *d, dif_instr_t w)
{
	uint32_t key = dt_op_varkey(w);

	for (uint32_t i = 0; i < d->varlen; i++) {
		const dif_var_desc_t *v = &d->vartab[i];

		if (((uint32_t)v->scope << 24 | (uint32_t)v->kind << 16 |
		     v->id) == key)
			return v;
	}
	return NULL;
}

typedef struct dt_tyctx {
	dt_ifg_t *g;
	const struct btf *btf;
	const char *where;
	char *why;
	size_t whylen;
	uint32_t i; /* current instruction */
} dt_tyctx_t;

static int dt_ty_err(dt_tyctx_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int dt_ty_err(dt_tyctx_t *c, const char *fmt, ...)
{
	char msg[512], ins[128] = "";
	const dt_difo_t *d = c->g->difo;
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	va_list ap;

	if (f != NULL) {
		dt_dis_instr(d, d->buf[c->i], f);
		fclose(f);
		if (p != NULL) {
			size_t l = strlen(p);

			size_t k = 0;

			while (l > 0 && (p[l - 1] == '\n' || p[l - 1] == ' '))
				p[--l] = '\0';
			/* one line, single spaces */
			for (size_t j = 0; j < l && k + 1 < sizeof(ins); j++) {
				char ch = p[j] == '\t' ? ' ' : p[j];

				if (ch == ' ' && (k == 0 || ins[k - 1] == ' '))
					continue;
				ins[k++] = ch;
			}
			ins[k] = '\0';
		}
		free(p);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->why != NULL)
		snprintf(c->why, c->whylen, "%s%sinstruction %u (%s): %s",
			 c->where ? c->where : "", c->where ? ": " : "", c->i,
			 ins, msg);
	return -1;
}

/* Unifies the types of a set of reaching definitions; every definition
 * must agree (bottom converts to anything). */
static int dt_ty_use(dt_tyctx_t *c, const dt_defs_t *s, uint32_t reg,
		     dt_ty_t *out)
{
	const dt_difo_t *d = c->g->difo;
	char b1[128], b2[128];
	uint32_t from = DT_DEF_NONE;

	out->kind = DT_TY_BOTTOM;
	out->sym = 0;
	if (s->n == 0)
		return dt_ty_err(c, "%%r%u has no definition", reg);
	for (uint32_t k = 0; k < s->n; k++) {
		uint32_t j = s->v[k];
		dt_ty_t t;

		if (j == DT_DEF_NONE)
			return dt_ty_err(c,
					 "%%r%u is used before it is set (on "
					 "some path)",
					 reg);
		if (j == DT_DEF_R0) {
			t.kind = DT_TY_BOTTOM;
			t.sym = 0;
		} else {
			t = c->g->nodes[j].type;
		}
		if (t.kind == DT_TY_NONE)
			return dt_ty_err(c,
					 "%%r%u: instruction %u defines no "
					 "value",
					 reg, j);
		if (out->kind == DT_TY_BOTTOM) {
			*out = t;
			from = j;
			continue;
		}
		if (t.kind == DT_TY_BOTTOM ||
		    (t.kind == out->kind && t.sym == out->sym))
			continue;
		if (t.kind == DT_TY_STRING || out->kind == DT_TY_STRING)
			return dt_ty_err(
			    c,
			    "%%r%u: its definitions disagree: %s (from "
			    "instruction %u) and %s (from instruction %u)",
			    reg, dt_ty_name(d, out, b1, sizeof(b1)), from,
			    dt_ty_name(d, &t, b2, sizeof(b2)), j);
		if (out->kind == DT_TY_INT && t.kind == DT_TY_KTYPE) {
			*out = t; /* an integer constant as a NULL pointer */
		} else if (!(out->kind == DT_TY_KTYPE && t.kind == DT_TY_INT)) {
			out->kind = DT_TY_INT;
			out->sym = 0;
		}
	}
	return 0;
}

/* Checks a relocation symbol's kind and, with BTF, that it resolves. */
static int dt_ty_sym(dt_tyctx_t *c, uint32_t idx, int want1, int want2,
		     int loadable, int user)
{
	const dt_difo_t *d = c->g->difo;
	const char *text = dt_reloc_sym_get(d, idx);
	dt_reloc_sym_t sym;
	dt_ltype_t t, m;
	char sub[384];
	uint32_t off;
	uint8_t op;

	if (text == NULL)
		return dt_ty_err(c, "symbol %u does not exist", idx);
	if (dt_reloc_sym_parse(text, &sym, sub, sizeof(sub)) != 0)
		return dt_ty_err(c, "%s", sub);
	if ((int)sym.kind != want1 && (int)sym.kind != want2)
		return dt_ty_err(c, "symbol \"%s\" has the wrong kind here",
				 text);
	if (c->btf == NULL)
		return 0;
	if (dt_ltype_parse(c->btf, sym.type, &t, sub, sizeof(sub)) != 0)
		return dt_ty_err(c, "symbol \"%s\": %s", text, sub);
	if (sym.kind == DT_RELOC_OFFSETOF || sym.kind == DT_RELOC_MEMBER) {
		if (dt_ltype_member(c->btf, &t, sym.path, &off, &m, sub,
				    sizeof(sub)) != 0)
			return dt_ty_err(c, "symbol \"%s\": %s", text, sub);
		t = m;
	}
	if (loadable &&
	    dt_ltype_loadop(c->btf, &t, user, &op, sub, sizeof(sub)) != 0)
		return dt_ty_err(c, "symbol \"%s\": %s", text, sub);
	return 0;
}

static int dt_ty_not_string(dt_tyctx_t *c, const dt_ty_t *t, uint32_t reg,
			    const char *what)
{
	if (t->kind == DT_TY_STRING)
		return dt_ty_err(c, "%%r%u is a string, %s", reg, what);
	return 0;
}

static int dt_ty_instr(dt_tyctx_t *c)
{
	const dt_difo_t *d = c->g->difo;
	uint32_t i = c->i;
	dif_instr_t w = d->buf[i];
	uint32_t op = DIF_INSTR_OP(w), r1 = DIF_INSTR_R1(w),
		 r2 = DIF_INSTR_R2(w), rd = DIF_INSTR_RD(w);
	dt_ifg_node_t *nd = &c->g->nodes[i];
	int u = dt_op_uses(op);
	dt_ty_t t1 = {0}, t2 = {0}, td = {0};
	const dif_var_desc_t *v;

	if ((u & U_R1) && dt_ty_use(c, &nd->r1, r1, &t1) != 0)
		return -1;
	if ((u & U_R2) && dt_ty_use(c, &nd->r2, r2, &t2) != 0)
		return -1;
	if ((u & U_RD) && dt_ty_use(c, &nd->rd, rd, &td) != 0)
		return -1;
	nd->type.kind = (u & (U_DEF | U_TDEF)) ? DT_TY_INT : DT_TY_NONE;
	nd->type.sym = 0;

	switch (op) {
	case DIF_OP_ADD:
	case DIF_OP_SUB:
		/* a string is an address: s[i] and *s index into it */
		if (t1.kind == DT_TY_STRING && t2.kind == DT_TY_STRING)
			return dt_ty_err(c, "%%r%u and %%r%u are both strings",
					 r1, r2);
		break;
	case DIF_OP_OR ... DIF_OP_SUB - 1:
	case DIF_OP_MUL ... DIF_OP_UREM:
	case DIF_OP_SRA:
		if (dt_ty_not_string(c, &t1, r1, "not a number") ||
		    dt_ty_not_string(c, &t2, r2, "not a number"))
			return -1;
		break;
	case DIF_OP_NOT:
		if (dt_ty_not_string(c, &t1, r1, "not a number"))
			return -1;
		break;
	case DIF_OP_MOV:
		nd->type = t1;
		break;
	case DIF_OP_ULOAD:
	case DIF_OP_UULOAD:
		if (dt_ty_not_string(c, &t1, r1,
				     "not an address of a kernel "
				     "object"))
			return -1;
		if (dt_ty_sym(c, r2, DT_RELOC_MEMBER, DT_RELOC_TYPE, 1,
			      op == DIF_OP_UULOAD) != 0)
			return -1;
		nd->type.kind = DT_TY_KTYPE;
		nd->type.sym = r2;
		break;
	case DIF_OP_SETX:
		if (DIF_INSTR_INTEGER(w) >= d->intlen)
			return dt_ty_err(c, "integer %u outside the table (%u)",
					 DIF_INSTR_INTEGER(w), d->intlen);
		break;
	case DIF_OP_SETS:
		if (DIF_INSTR_STRING(w) >= d->strlen)
			return dt_ty_err(c,
					 "string %u outside the table (%u "
					 "bytes)",
					 DIF_INSTR_STRING(w), d->strlen);
		nd->type.kind = DT_TY_STRING;
		break;
	case DIF_OP_USETX:
		if (dt_ty_sym(c, DIF_INSTR_SYM(w), DT_RELOC_OFFSETOF,
			      DT_RELOC_SIZEOF, 0, 0) != 0)
			return -1;
		nd->type.kind = DT_TY_SYMOFF;
		nd->type.sym = DIF_INSTR_SYM(w);
		break;
	case DIF_OP_TYPECAST:
		if (dt_ty_sym(c, DIF_INSTR_SYM(w), DT_RELOC_TYPE, DT_RELOC_TYPE,
			      0, 0) != 0)
			return -1;
		nd->type.kind = DT_TY_KTYPE;
		nd->type.sym = DIF_INSTR_SYM(w);
		break;
	case DIF_OP_LDGS:
	case DIF_OP_LDTS:
	case DIF_OP_LDLS:
	case DIF_OP_LDGAA:
	case DIF_OP_LDTAA:
		if (op == DIF_OP_LDGS &&
		    DIF_INSTR_VAR(w) < DIF_VAR_OTHER_UBASE) {
			if (dt_is_string_builtin(DIF_INSTR_VAR(w)))
				nd->type.kind = DT_TY_STRING;
			break;
		}
		v = dt_var_of(d, w);
		if (v != NULL && v->type.kind == DIF_TYPE_STRING)
			nd->type.kind = DT_TY_STRING;
		break;
	case DIF_OP_CALL:
		if (dt_is_string_subr(DIF_INSTR_SUBR(w)))
			nd->type.kind = DT_TY_STRING;
		break;
	case DIF_OP_STB ... DIF_OP_STX:
		if (dt_ty_not_string(c, &t1, r1,
				     "and cannot be stored by "
				     "value"))
			return -1;
		break;
	default:
		break;
	}
	return 0;
}

int dt_typing_difo(dt_ifg_t *g, const struct btf *btf, const char *where,
		   char *why, size_t whylen)
{
	dt_tyctx_t c = {g, btf, where, why, whylen, 0};

	/* definitions always precede their uses (forward-only DIF), so one
	 * pass in instruction order sees every definition typed */
	for (c.i = 0; c.i < g->n; c.i++) {
		if (!g->nodes[c.i].reached)
			continue; /* unreachable code */
		if (dt_ty_instr(&c) != 0)
			return -1;
	}
	return 0;
}

typedef struct dt_tcarg {
	const struct btf *btf;
	char *why;
	size_t whylen;
} dt_tcarg_t;

static int dt_typing_one(const dt_difo_t *d, const char *where, dt_tcarg_t *a)
{
	dt_ifg_t g;
	char sub[512];
	int rc;

	if (dt_ifg_build(d, &g, sub, sizeof(sub)) != 0) {
		snprintf(a->why, a->whylen, "%s: %s", where, sub);
		return -1;
	}
	rc = dt_typing_difo(&g, a->btf, where, a->why, a->whylen);
	dt_ifg_free(&g);
	return rc;
}

int dt_typing_check(const dt_prog_t *p, const struct btf *btf, char *why,
		    size_t whylen)
{
	dt_tcarg_t a = {btf, why, whylen};
	char where[96];

	for (uint32_t i = 0; i < p->nstmts; i++) {
		const dt_stmt_t *s = &p->stmts[i];

		snprintf(where, sizeof(where),
			 "statement %u (line %u) predicate", i, s->line);
		if (s->pred != NULL && dt_typing_one(s->pred, where, &a) != 0)
			return -1;
		for (uint32_t j = 0; j < s->nacts; j++)
			for (uint32_t k = 0; k < s->acts[j].ndifo; k++) {
				if (s->acts[j].difo[k] == NULL)
					continue;
				snprintf(where, sizeof(where),
					 "statement %u (line %u) action %u "
					 "operand %u",
					 i, s->line, j, k);
				if (dt_typing_one(s->acts[j].difo[k], where,
						  &a) != 0)
					return -1;
			}
	}
	return 0;
}
