/*
 * dt_dis.c: the DIF disassembler (`dtrace -S`). The layout of each line
 * (offset, instruction word, mnemonic padded to four columns, operands, and
 * a "! comment" naming constants, strings and variables) and of the variable
 * table follows DTrace's listings so that they can be compared side by side.
 * HyperTrace's relocation opcodes print the symbol they name.
 */
#include <stdio.h>
#include <string.h>

#include "dif/dt_dis.h"

enum dis_fmt {
	F_BAD,	 /* illegal opcode */
	F_RRR,	 /* op %r1, %r2, %rd */
	F_R1RD,	 /* op %r1, %rd */
	F_CMP,	 /* op %r1, %r2 */
	F_TST,	 /* op %r1 */
	F_BR,	 /* op label */
	F_LOAD,	 /* op [%r1], %rd */
	F_STORE, /* op %r1, [%rd] */
	F_RET,	 /* op %rd */
	F_NONE,	 /* op */
	F_SETX,	 /* op DT_INTEGER[i], %rd */
	F_SETS,	 /* op DT_STRING[s], %rd */
	F_LDA,	 /* op DT_VAR(v), %r2, %rd */
	F_LDV,	 /* op DT_VAR(v), %rd */
	F_STV,	 /* op %rs, DT_VAR(v) */
	F_CALL,	 /* op DIF_SUBR(n), %rd */
	F_PUSH,	 /* pushtr/pushtv */
	F_XLATE, /* op DT_XLREF[n], %rd */
	F_USETX, /* op DT_SYM[n], %rd */
	F_ULOAD, /* op [%r1], DT_SYM[n], %rd (r2 = symbol) */
	F_HCALL, /* hypercall */
};

static const struct dis_op {
	const char *name;
	enum dis_fmt fmt;
} dis_ops[DIF_OP_MAX + 1] = {
    [DIF_OP_OR] = {"or", F_RRR},
    [DIF_OP_XOR] = {"xor", F_RRR},
    [DIF_OP_AND] = {"and", F_RRR},
    [DIF_OP_SLL] = {"sll", F_RRR},
    [DIF_OP_SRL] = {"srl", F_RRR},
    [DIF_OP_SUB] = {"sub", F_RRR},
    [DIF_OP_ADD] = {"add", F_RRR},
    [DIF_OP_MUL] = {"mul", F_RRR},
    [DIF_OP_SDIV] = {"sdiv", F_RRR},
    [DIF_OP_UDIV] = {"udiv", F_RRR},
    [DIF_OP_SREM] = {"srem", F_RRR},
    [DIF_OP_UREM] = {"urem", F_RRR},
    [DIF_OP_NOT] = {"not", F_R1RD},
    [DIF_OP_MOV] = {"mov", F_R1RD},
    [DIF_OP_CMP] = {"cmp", F_CMP},
    [DIF_OP_TST] = {"tst", F_TST},
    [DIF_OP_BA] = {"ba", F_BR},
    [DIF_OP_BE] = {"be", F_BR},
    [DIF_OP_BNE] = {"bne", F_BR},
    [DIF_OP_BG] = {"bg", F_BR},
    [DIF_OP_BGU] = {"bgu", F_BR},
    [DIF_OP_BGE] = {"bge", F_BR},
    [DIF_OP_BGEU] = {"bgeu", F_BR},
    [DIF_OP_BL] = {"bl", F_BR},
    [DIF_OP_BLU] = {"blu", F_BR},
    [DIF_OP_BLE] = {"ble", F_BR},
    [DIF_OP_BLEU] = {"bleu", F_BR},
    [DIF_OP_LDSB] = {"ldsb", F_LOAD},
    [DIF_OP_LDSH] = {"ldsh", F_LOAD},
    [DIF_OP_LDSW] = {"ldsw", F_LOAD},
    [DIF_OP_LDUB] = {"ldub", F_LOAD},
    [DIF_OP_LDUH] = {"lduh", F_LOAD},
    [DIF_OP_LDUW] = {"lduw", F_LOAD},
    [DIF_OP_LDX] = {"ldx", F_LOAD},
    [DIF_OP_RET] = {"ret", F_RET},
    [DIF_OP_NOP] = {"nop", F_NONE},
    [DIF_OP_SETX] = {"setx", F_SETX},
    [DIF_OP_SETS] = {"sets", F_SETS},
    [DIF_OP_SCMP] = {"scmp", F_CMP},
    [DIF_OP_LDGA] = {"ldga", F_LDA},
    [DIF_OP_LDGS] = {"ldgs", F_LDV},
    [DIF_OP_STGS] = {"stgs", F_STV},
    [DIF_OP_LDTA] = {"ldta", F_LDA},
    [DIF_OP_LDTS] = {"ldts", F_LDV},
    [DIF_OP_STTS] = {"stts", F_STV},
    [DIF_OP_SRA] = {"sra", F_RRR},
    [DIF_OP_CALL] = {"call", F_CALL},
    [DIF_OP_PUSHTR] = {"pushtr", F_PUSH},
    [DIF_OP_PUSHTV] = {"pushtv", F_PUSH},
    [DIF_OP_POPTS] = {"popts", F_NONE},
    [DIF_OP_FLUSHTS] = {"flushts", F_NONE},
    [DIF_OP_LDGAA] = {"ldgaa", F_LDV},
    [DIF_OP_LDTAA] = {"ldtaa", F_LDV},
    [DIF_OP_STGAA] = {"stgaa", F_STV},
    [DIF_OP_STTAA] = {"sttaa", F_STV},
    [DIF_OP_LDLS] = {"ldls", F_LDV},
    [DIF_OP_STLS] = {"stls", F_STV},
    [DIF_OP_ALLOCS] = {"allocs", F_R1RD},
    [DIF_OP_COPYS] = {"copys", F_RRR},
    [DIF_OP_STB] = {"stb", F_STORE},
    [DIF_OP_STH] = {"sth", F_STORE},
    [DIF_OP_STW] = {"stw", F_STORE},
    [DIF_OP_STX] = {"stx", F_STORE},
    [DIF_OP_ULDSB] = {"uldsb", F_LOAD},
    [DIF_OP_ULDSH] = {"uldsh", F_LOAD},
    [DIF_OP_ULDSW] = {"uldsw", F_LOAD},
    [DIF_OP_ULDUB] = {"uldub", F_LOAD},
    [DIF_OP_ULDUH] = {"ulduh", F_LOAD},
    [DIF_OP_ULDUW] = {"ulduw", F_LOAD},
    [DIF_OP_ULDX] = {"uldx", F_LOAD},
    [DIF_OP_RLDSB] = {"rldsb", F_LOAD},
    [DIF_OP_RLDSH] = {"rldsh", F_LOAD},
    [DIF_OP_RLDSW] = {"rldsw", F_LOAD},
    [DIF_OP_RLDUB] = {"rldub", F_LOAD},
    [DIF_OP_RLDUH] = {"rlduh", F_LOAD},
    [DIF_OP_RLDUW] = {"rlduw", F_LOAD},
    [DIF_OP_RLDX] = {"rldx", F_LOAD},
    [DIF_OP_XLATE] = {"xlate", F_XLATE},
    [DIF_OP_XLARG] = {"xlarg", F_XLATE},
    [DIF_OP_HYPERCALL] = {"hypercall", F_HCALL},
    [DIF_OP_USETX] = {"usetx", F_USETX},
    [DIF_OP_ULOAD] = {"uload", F_ULOAD},
    [DIF_OP_UULOAD] = {"uuload", F_ULOAD},
    [DIF_OP_TYPECAST] = {"typecast", F_USETX},
};

static const char *const dis_subrs[DIF_SUBR_MAX + 1] = {
    [DIF_SUBR_RAND] = "rand",
    [DIF_SUBR_MUTEX_OWNED] = "mutex_owned",
    [DIF_SUBR_MUTEX_OWNER] = "mutex_owner",
    [DIF_SUBR_MUTEX_TYPE_ADAPTIVE] = "mutex_type_adaptive",
    [DIF_SUBR_MUTEX_TYPE_SPIN] = "mutex_type_spin",
    [DIF_SUBR_RW_READ_HELD] = "rw_read_held",
    [DIF_SUBR_RW_WRITE_HELD] = "rw_write_held",
    [DIF_SUBR_RW_ISWRITER] = "rw_iswriter",
    [DIF_SUBR_COPYIN] = "copyin",
    [DIF_SUBR_COPYINSTR] = "copyinstr",
    [DIF_SUBR_SPECULATION] = "speculation",
    [DIF_SUBR_PROGENYOF] = "progenyof",
    [DIF_SUBR_STRLEN] = "strlen",
    [DIF_SUBR_COPYOUT] = "copyout",
    [DIF_SUBR_COPYOUTSTR] = "copyoutstr",
    [DIF_SUBR_ALLOCA] = "alloca",
    [DIF_SUBR_BCOPY] = "bcopy",
    [DIF_SUBR_COPYINTO] = "copyinto",
    [DIF_SUBR_MSGDSIZE] = "msgdsize",
    [DIF_SUBR_MSGSIZE] = "msgsize",
    [DIF_SUBR_GETMAJOR] = "getmajor",
    [DIF_SUBR_GETMINOR] = "getminor",
    [DIF_SUBR_DDI_PATHNAME] = "ddi_pathname",
    [DIF_SUBR_STRJOIN] = "strjoin",
    [DIF_SUBR_LLTOSTR] = "lltostr",
    [DIF_SUBR_BASENAME] = "basename",
    [DIF_SUBR_DIRNAME] = "dirname",
    [DIF_SUBR_CLEANPATH] = "cleanpath",
    [DIF_SUBR_STRCHR] = "strchr",
    [DIF_SUBR_STRRCHR] = "strrchr",
    [DIF_SUBR_STRSTR] = "strstr",
    [DIF_SUBR_STRTOK] = "strtok",
    [DIF_SUBR_SUBSTR] = "substr",
    [DIF_SUBR_INDEX] = "index",
    [DIF_SUBR_RINDEX] = "rindex",
    [DIF_SUBR_HTONS] = "htons",
    [DIF_SUBR_HTONL] = "htonl",
    [DIF_SUBR_HTONLL] = "htonll",
    [DIF_SUBR_NTOHS] = "ntohs",
    [DIF_SUBR_NTOHL] = "ntohl",
    [DIF_SUBR_NTOHLL] = "ntohll",
    [DIF_SUBR_INET_NTOP] = "inet_ntop",
    [DIF_SUBR_INET_NTOA] = "inet_ntoa",
    [DIF_SUBR_INET_NTOA6] = "inet_ntoa6",
    [DIF_SUBR_TOUPPER] = "toupper",
    [DIF_SUBR_TOLOWER] = "tolower",
    [DIF_SUBR_MEMREF] = "memref",
    [DIF_SUBR_SX_SHARED_HELD] = "sx_shared_held",
    [DIF_SUBR_SX_EXCLUSIVE_HELD] = "sx_exclusive_held",
    [DIF_SUBR_SX_ISEXCLUSIVE] = "sx_isexclusive",
    [DIF_SUBR_MEMSTR] = "memstr",
    [DIF_SUBR_GETF] = "getf",
    [DIF_SUBR_JSON] = "json",
    [DIF_SUBR_STRTOLL] = "strtoll",
    [DIF_SUBR_RANDOM] = "random",
};

const char *dt_dis_opname(unsigned op)
{
	if (op > DIF_OP_MAX || dis_ops[op].name == NULL)
		return NULL;
	return dis_ops[op].name;
}

const char *dt_dis_subrname(unsigned subr)
{
	if (subr > DIF_SUBR_MAX || dis_subrs[subr] == NULL)
		return "unknown";
	return dis_subrs[subr];
}

/* The variable's name, looked up by id and by the scope the mnemonic
 * implies (ld[g|t|l]...), as the engine resolves it. */
static const char *dis_varname(const dt_difo_t *dp, unsigned id,
			       const char *opname)
{
	unsigned scope;
	uint32_t i;

	switch (opname[2]) {
	case 'g':
		scope = DIFV_SCOPE_GLOBAL;
		break;
	case 't':
		scope = DIFV_SCOPE_THREAD;
		break;
	case 'l':
		scope = DIFV_SCOPE_LOCAL;
		break;
	default:
		return NULL;
	}
	for (i = 0; i < dp->varlen; i++) {
		const dif_var_desc_t *v = &dp->vartab[i];

		if (v->id == id && v->scope == scope)
			return v->name < dp->strlen ? dp->strtab + v->name
						    : NULL;
	}
	return NULL;
}

/* A relocation symbol, named by its ordinal index in the symbol table
 * (link/dt_reloc.h). */
static const char *dis_symname(const dt_difo_t *dp, unsigned idx)
{
	uint32_t off = 0;

	while (off < dp->symlen) {
		const char *s = dp->symtab + off;
		size_t l = strnlen(s, dp->symlen - off);

		if (l == dp->symlen - off)
			return NULL; /* unterminated */
		if (idx-- == 0)
			return s;
		off += (uint32_t)l + 1;
	}
	return NULL;
}

static void dis_varcomment(const dt_difo_t *dp, unsigned var, const char *name,
			   FILE *fp)
{
	const char *vname = dis_varname(dp, var, name);

	if (vname != NULL)
		fprintf(fp, "\t\t! DT_VAR(%u) = \"%s\"", var, vname);
}

void dt_dis_instr(const dt_difo_t *dp, dif_instr_t in, FILE *fp)
{
	unsigned op = DIF_INSTR_OP(in);
	const struct dis_op *o;
	const char *s;
	unsigned v;

	if (op > DIF_OP_MAX || dis_ops[op].name == NULL) {
		fputs("(illegal opcode)", fp);
		return;
	}
	o = &dis_ops[op];
	switch (o->fmt) {
	case F_BAD:
		fputs("(illegal opcode)", fp);
		break;
	case F_RRR:
		fprintf(fp, "%-4s %%r%u, %%r%u, %%r%u", o->name,
			DIF_INSTR_R1(in), DIF_INSTR_R2(in), DIF_INSTR_RD(in));
		break;
	case F_R1RD:
		fprintf(fp, "%-4s %%r%u, %%r%u", o->name, DIF_INSTR_R1(in),
			DIF_INSTR_RD(in));
		break;
	case F_CMP:
		fprintf(fp, "%-4s %%r%u, %%r%u", o->name, DIF_INSTR_R1(in),
			DIF_INSTR_R2(in));
		break;
	case F_TST:
		fprintf(fp, "%-4s %%r%u", o->name, DIF_INSTR_R1(in));
		break;
	case F_BR:
		fprintf(fp, "%-4s %u", o->name, DIF_INSTR_LABEL(in));
		break;
	case F_LOAD:
		fprintf(fp, "%-4s [%%r%u], %%r%u", o->name, DIF_INSTR_R1(in),
			DIF_INSTR_RD(in));
		break;
	case F_STORE:
		fprintf(fp, "%-4s %%r%u, [%%r%u]", o->name, DIF_INSTR_R1(in),
			DIF_INSTR_RD(in));
		break;
	case F_RET:
		fprintf(fp, "%-4s %%r%u", o->name, DIF_INSTR_RD(in));
		break;
	case F_NONE:
	case F_HCALL:
		fputs(o->name, fp);
		break;
	case F_SETX:
		v = DIF_INSTR_INTEGER(in);
		fprintf(fp, "%-4s DT_INTEGER[%u], %%r%u", o->name, v,
			DIF_INSTR_RD(in));
		if (v < dp->intlen)
			fprintf(fp, "\t\t! 0x%llx",
				(unsigned long long)dp->inttab[v]);
		break;
	case F_SETS:
		v = DIF_INSTR_STRING(in);
		fprintf(fp, "%-4s DT_STRING[%u], %%r%u", o->name, v,
			DIF_INSTR_RD(in));
		if (v < dp->strlen)
			fprintf(fp, "\t\t! \"%s\"", dp->strtab + v);
		break;
	case F_LDA:
		v = DIF_INSTR_R1(in);
		fprintf(fp, "%-4s DT_VAR(%u), %%r%u, %%r%u", o->name, v,
			DIF_INSTR_R2(in), DIF_INSTR_RD(in));
		dis_varcomment(dp, v, o->name, fp);
		break;
	case F_LDV:
		v = DIF_INSTR_VAR(in);
		fprintf(fp, "%-4s DT_VAR(%u), %%r%u", o->name, v,
			DIF_INSTR_RD(in));
		dis_varcomment(dp, v, o->name, fp);
		break;
	case F_STV:
		v = DIF_INSTR_VAR(in);
		fprintf(fp, "%-4s %%r%u, DT_VAR(%u)", o->name, DIF_INSTR_RS(in),
			v);
		dis_varcomment(dp, v, o->name, fp);
		break;
	case F_CALL:
		v = DIF_INSTR_SUBR(in);
		fprintf(fp, "%-4s DIF_SUBR(%u), %%r%u\t\t! %s", o->name, v,
			DIF_INSTR_RD(in), dt_dis_subrname(v));
		break;
	case F_PUSH:
		v = DIF_INSTR_TYPE(in);
		if (op == DIF_OP_PUSHTV)
			fprintf(fp, "%-4s DT_TYPE(%u), %%r%u", o->name, v,
				DIF_INSTR_RS(in));
		else
			fprintf(fp, "%-4s DT_TYPE(%u), %%r%u, %%r%u", o->name,
				v, DIF_INSTR_R2(in), DIF_INSTR_RS(in));
		if (v <= DIF_TYPE_STRING)
			fprintf(fp, "%s! DT_TYPE(%u) = %s",
				op == DIF_OP_PUSHTV ? "\t\t" : "\t", v,
				v == DIF_TYPE_STRING ? "string" : "D type");
		break;
	case F_XLATE:
		fprintf(fp, "%-4s DT_XLREF[%u], %%r%u", o->name,
			DIF_INSTR_XLREF(in), DIF_INSTR_RD(in));
		break;
	case F_USETX:
		v = DIF_INSTR_SYM(in);
		fprintf(fp, "%-4s DT_SYM[%u], %%r%u", o->name, v,
			DIF_INSTR_RD(in));
		if ((s = dis_symname(dp, v)) != NULL)
			fprintf(fp, "\t\t! \"%s\"", s);
		break;
	case F_ULOAD:
		v = DIF_INSTR_R2(in);
		fprintf(fp, "%-4s [%%r%u], DT_SYM[%u], %%r%u", o->name,
			DIF_INSTR_R1(in), v, DIF_INSTR_RD(in));
		if ((s = dis_symname(dp, v)) != NULL)
			fprintf(fp, "\t\t! \"%s\"", s);
		break;
	}
}

char *dt_dis_typestr(const dif_type_t *t, char *buf, size_t len)
{
	/* C kinds in CTF's numbering, as DTrace prints them. */
	static const char *const ckinds[] = {
	    "unknown",	"integer",  "float", "pointer", "array",
	    "function", "struct",   "union", "enum",	"forward",
	    "typedef",	"volatile", "const", "restrict"};
	char kind[16], ckind[16];

	if (t->kind == DIF_TYPE_CTF)
		strcpy(kind, "D type");
	else if (t->kind == DIF_TYPE_STRING)
		strcpy(kind, "string");
	else
		snprintf(kind, sizeof(kind), "0x%x", t->kind);
	if (t->ckind < sizeof(ckinds) / sizeof(ckinds[0]))
		strcpy(ckind, ckinds[t->ckind]);
	else
		snprintf(ckind, sizeof(ckind), "0x%x", t->ckind);
	if (t->flags & (DIF_TF_BYREF | DIF_TF_BYUREF))
		snprintf(buf, len, "%s (%s) by %sref (size %lu)", kind, ckind,
			 (t->flags & DIF_TF_BYUREF) ? "user " : "",
			 (unsigned long)t->size);
	else
		snprintf(buf, len, "%s (%s) (size %lu)", kind, ckind,
			 (unsigned long)t->size);
	return buf;
}

void dt_dis(const dt_difo_t *dp, FILE *fp)
{
	char type[64];
	uint32_t i;

	fprintf(fp, "\nDIFO %p returns %s\n", (const void *)dp,
		dt_dis_typestr(&dp->rtype, type, sizeof(type)));
	fprintf(fp, "%-3s %-8s    %s\n", "OFF", "OPCODE", "INSTRUCTION");
	for (i = 0; i < dp->len; i++) {
		fprintf(fp, "%02u: %08x    ", i, dp->buf[i]);
		dt_dis_instr(dp, dp->buf[i], fp);
		fputc('\n', fp);
	}
	if (dp->varlen != 0)
		fprintf(fp, "\n%-16s %-4s %-3s %-3s %-4s %s\n", "NAME", "ID",
			"KND", "SCP", "FLAG", "TYPE");
	for (i = 0; i < dp->varlen; i++) {
		const dif_var_desc_t *v = &dp->vartab[i];
		char kind[8], scope[8], flags[24] = {0};
		unsigned extra = v->flags & ~(DIFV_F_REF | DIFV_F_MOD);

		if (v->kind == DIFV_KIND_ARRAY)
			strcpy(kind, "arr");
		else if (v->kind == DIFV_KIND_SCALAR)
			strcpy(kind, "scl");
		else
			snprintf(kind, sizeof(kind), "%u", v->kind);
		if (v->scope == DIFV_SCOPE_GLOBAL)
			strcpy(scope, "glb");
		else if (v->scope == DIFV_SCOPE_THREAD)
			strcpy(scope, "tls");
		else if (v->scope == DIFV_SCOPE_LOCAL)
			strcpy(scope, "loc");
		else
			snprintf(scope, sizeof(scope), "%u", v->scope);
		if (extra)
			snprintf(flags, sizeof(flags), "/0x%x", extra);
		if (v->flags & DIFV_F_REF)
			strcat(flags, "/r");
		if (v->flags & DIFV_F_MOD)
			strcat(flags, "/w");
		fprintf(fp, "%-16s %-4x %-3s %-3s %-4s %s\n",
			v->name < dp->strlen ? dp->strtab + v->name : "?",
			v->id, kind, scope, flags[0] ? flags + 1 : "",
			dt_dis_typestr(&v->type, type, sizeof(type)));
	}
}
