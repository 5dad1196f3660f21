/*
 * dt_verify.c: the DIF verifier (rules as DTrace's dtrace_difo_validate,
 * plus a static tuple-stack depth check). Owns opcode names too, which the
 * assembler shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dif/dt_verify.h"

static const char *const dt_opnames[DIF_OP_MAX + 1] = {
	[DIF_OP_OR] = "or",	    [DIF_OP_XOR] = "xor",
	[DIF_OP_AND] = "and",	    [DIF_OP_SLL] = "sll",
	[DIF_OP_SRL] = "srl",	    [DIF_OP_SUB] = "sub",
	[DIF_OP_ADD] = "add",	    [DIF_OP_MUL] = "mul",
	[DIF_OP_SDIV] = "sdiv",	    [DIF_OP_UDIV] = "udiv",
	[DIF_OP_SREM] = "srem",	    [DIF_OP_UREM] = "urem",
	[DIF_OP_NOT] = "not",	    [DIF_OP_MOV] = "mov",
	[DIF_OP_CMP] = "cmp",	    [DIF_OP_TST] = "tst",
	[DIF_OP_BA] = "ba",	    [DIF_OP_BE] = "be",
	[DIF_OP_BNE] = "bne",	    [DIF_OP_BG] = "bg",
	[DIF_OP_BGU] = "bgu",	    [DIF_OP_BGE] = "bge",
	[DIF_OP_BGEU] = "bgeu",	    [DIF_OP_BL] = "bl",
	[DIF_OP_BLU] = "blu",	    [DIF_OP_BLE] = "ble",
	[DIF_OP_BLEU] = "bleu",	    [DIF_OP_LDSB] = "ldsb",
	[DIF_OP_LDSH] = "ldsh",	    [DIF_OP_LDSW] = "ldsw",
	[DIF_OP_LDUB] = "ldub",	    [DIF_OP_LDUH] = "lduh",
	[DIF_OP_LDUW] = "lduw",	    [DIF_OP_LDX] = "ldx",
	[DIF_OP_RET] = "ret",	    [DIF_OP_NOP] = "nop",
	[DIF_OP_SETX] = "setx",	    [DIF_OP_SETS] = "sets",
	[DIF_OP_SCMP] = "scmp",	    [DIF_OP_LDGA] = "ldga",
	[DIF_OP_LDGS] = "ldgs",	    [DIF_OP_STGS] = "stgs",
	[DIF_OP_LDTA] = "ldta",	    [DIF_OP_LDTS] = "ldts",
	[DIF_OP_STTS] = "stts",	    [DIF_OP_SRA] = "sra",
	[DIF_OP_CALL] = "call",	    [DIF_OP_PUSHTR] = "pushtr",
	[DIF_OP_PUSHTV] = "pushtv", [DIF_OP_POPTS] = "popts",
	[DIF_OP_FLUSHTS] = "flushts", [DIF_OP_LDGAA] = "ldgaa",
	[DIF_OP_LDTAA] = "ldtaa",   [DIF_OP_STGAA] = "stgaa",
	[DIF_OP_STTAA] = "sttaa",   [DIF_OP_LDLS] = "ldls",
	[DIF_OP_STLS] = "stls",	    [DIF_OP_ALLOCS] = "allocs",
	[DIF_OP_COPYS] = "copys",   [DIF_OP_STB] = "stb",
	[DIF_OP_STH] = "sth",	    [DIF_OP_STW] = "stw",
	[DIF_OP_STX] = "stx",	    [DIF_OP_ULDSB] = "uldsb",
	[DIF_OP_ULDSH] = "uldsh",   [DIF_OP_ULDSW] = "uldsw",
	[DIF_OP_ULDUB] = "uldub",   [DIF_OP_ULDUH] = "ulduh",
	[DIF_OP_ULDUW] = "ulduw",   [DIF_OP_ULDX] = "uldx",
	[DIF_OP_RLDSB] = "rldsb",   [DIF_OP_RLDSH] = "rldsh",
	[DIF_OP_RLDSW] = "rldsw",   [DIF_OP_RLDUB] = "rldub",
	[DIF_OP_RLDUH] = "rlduh",   [DIF_OP_RLDUW] = "rlduw",
	[DIF_OP_RLDX] = "rldx",	    [DIF_OP_XLATE] = "xlate",
	[DIF_OP_XLARG] = "xlarg",   [DIF_OP_HYPERCALL] = "hypercall",
	[DIF_OP_USETX] = "usetx",   [DIF_OP_ULOAD] = "uload",
	[DIF_OP_UULOAD] = "uuload", [DIF_OP_TYPECAST] = "typecast",
};

const char *dt_dif_opname(unsigned op)
{
	return op <= DIF_OP_MAX ? dt_opnames[op] : NULL;
}

static int dt_bad(char *why, size_t n, uint32_t pc, unsigned op,
		  const char *fmt, ...)
{
	va_list ap;
	int k;
	const char *name = dt_dif_opname(op);

	if (why == NULL || n == 0)
		return -1;
	k = snprintf(why, n, "instruction %u (%s): ", pc, name ? name : "?");
	if (k < 0 || (size_t)k >= n)
		return -1;
	va_start(ap, fmt);
	vsnprintf(why + k, n - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

#define BAD(...) return dt_bad(why, whylen, pc, op, __VA_ARGS__)

static int dt_hasvar(const dt_difo_t *dp, uint32_t id, int scope)
{
	for (uint32_t i = 0; i < dp->varlen; i++)
		if (dp->vartab[i].id == id && dp->vartab[i].scope == scope)
			return 1;
	return 0;
}

int dt_verify(const dt_difo_t *dp, char *why, size_t whylen)
{
	uint32_t pc = 0, ntup = 0;
	unsigned op = 0;

	if (dp == NULL || dp->buf == NULL || dp->len == 0) {
		snprintf(why, whylen, "empty DIF object");
		return -1;
	}
	if (dp->rtype.kind != DIF_TYPE_CTF && dp->rtype.kind != DIF_TYPE_STRING) {
		snprintf(why, whylen, "bad return type kind %u", dp->rtype.kind);
		return -1;
	}
	if ((dp->rtype.flags & DIF_TF_BYREF) && dp->rtype.size == 0) {
		snprintf(why, whylen, "by-reference return type of size 0");
		return -1;
	}
	if (dp->strlen > 0 && dp->strtab[dp->strlen - 1] != '\0') {
		snprintf(why, whylen, "string table is not NUL-terminated");
		return -1;
	}
	for (uint32_t i = 0; i < dp->varlen; i++) {
		const dif_var_desc_t *v = &dp->vartab[i];

		if (v->scope > DIFV_SCOPE_LOCAL || v->kind > DIFV_KIND_SCALAR) {
			snprintf(why, whylen, "variable %u: bad scope or kind", i);
			return -1;
		}
		if (v->id < DIF_VAR_OTHER_UBASE) {
			snprintf(why, whylen,
				 "variable %u: id %#x is reserved", i, v->id);
			return -1;
		}
		if (v->type.kind == DIF_TYPE_STRING && v->type.size == 0 &&
		    0) {
			snprintf(why, whylen, "variable %u: string of size 0", i);
			return -1;
		}
	}
	for (pc = 0; pc < dp->len; pc++) {
		dif_instr_t in = dp->buf[pc];
		uint32_t r1 = DIF_INSTR_R1(in), r2 = DIF_INSTR_R2(in),
			 rd = DIF_INSTR_RD(in), lbl = DIF_INSTR_LABEL(in);
		uint32_t v = DIF_INSTR_VAR(in);

		op = DIF_INSTR_OP(in);
		switch (op) {
		case DIF_OP_OR: case DIF_OP_XOR: case DIF_OP_AND:
		case DIF_OP_SLL: case DIF_OP_SRL: case DIF_OP_SRA:
		case DIF_OP_SUB: case DIF_OP_ADD: case DIF_OP_MUL:
		case DIF_OP_SDIV: case DIF_OP_UDIV: case DIF_OP_SREM:
		case DIF_OP_UREM: case DIF_OP_COPYS:
			if (r1 >= DIF_DIR_NREGS || r2 >= DIF_DIR_NREGS)
				BAD("invalid register %u", r1 >= 8 ? r1 : r2);
			if (rd >= DIF_DIR_NREGS)
				BAD("invalid register %u", rd);
			if (rd == 0 && op != DIF_OP_COPYS)
				BAD("cannot write to %%r0");
			break;
		case DIF_OP_NOT: case DIF_OP_MOV: case DIF_OP_ALLOCS:
		case DIF_OP_LDSB: case DIF_OP_LDSH: case DIF_OP_LDSW:
		case DIF_OP_LDUB: case DIF_OP_LDUH: case DIF_OP_LDUW:
		case DIF_OP_LDX: case DIF_OP_ULDSB: case DIF_OP_ULDSH:
		case DIF_OP_ULDSW: case DIF_OP_ULDUB: case DIF_OP_ULDUH:
		case DIF_OP_ULDUW: case DIF_OP_ULDX: case DIF_OP_RLDSB:
		case DIF_OP_RLDSH: case DIF_OP_RLDSW: case DIF_OP_RLDUB:
		case DIF_OP_RLDUH: case DIF_OP_RLDUW: case DIF_OP_RLDX:
			if (r1 >= DIF_DIR_NREGS || r2 != 0)
				BAD("invalid register %u", r1);
			if (rd >= DIF_DIR_NREGS)
				BAD("invalid register %u", rd);
			if (rd == 0)
				BAD("cannot write to %%r0");
			break;
		case DIF_OP_STB: case DIF_OP_STH: case DIF_OP_STW:
		case DIF_OP_STX:
			if (r1 >= DIF_DIR_NREGS || r2 != 0 || rd >= DIF_DIR_NREGS)
				BAD("invalid register");
			if (rd == 0)
				BAD("cannot write to address 0");
			break;
		case DIF_OP_CMP: case DIF_OP_SCMP:
			if (r1 >= DIF_DIR_NREGS || r2 >= DIF_DIR_NREGS)
				BAD("invalid register");
			if (rd != 0)
				BAD("non-zero reserved bits");
			break;
		case DIF_OP_TST:
			if (r1 >= DIF_DIR_NREGS || r2 != 0 || rd != 0)
				BAD("invalid register or reserved bits");
			break;
		case DIF_OP_BA: case DIF_OP_BE: case DIF_OP_BNE:
		case DIF_OP_BG: case DIF_OP_BGU: case DIF_OP_BGE:
		case DIF_OP_BGEU: case DIF_OP_BL: case DIF_OP_BLU:
		case DIF_OP_BLE: case DIF_OP_BLEU:
			if (lbl >= dp->len)
				BAD("branch target %u out of range", lbl);
			if (lbl <= pc)
				BAD("backward branch to %u", lbl);
			break;
		case DIF_OP_RET:
			if (r1 != 0 || r2 != 0)
				BAD("non-zero reserved bits");
			if (rd >= DIF_DIR_NREGS)
				BAD("invalid register %u", rd);
			break;
		case DIF_OP_NOP: case DIF_OP_POPTS: case DIF_OP_FLUSHTS:
			if (in & 0xffffff)
				BAD("non-zero reserved bits");
			if (op == DIF_OP_FLUSHTS)
				ntup = 0;
			else if (op == DIF_OP_POPTS && ntup > 0)
				ntup--;
			break;
		case DIF_OP_SETX:
			if (DIF_INSTR_INTEGER(in) >= dp->intlen)
				BAD("integer table index %u out of range",
				    DIF_INSTR_INTEGER(in));
			if (rd >= DIF_DIR_NREGS || rd == 0)
				BAD("invalid destination register %u", rd);
			break;
		case DIF_OP_SETS:
			if (DIF_INSTR_STRING(in) >= dp->strlen)
				BAD("string table offset %u out of range",
				    DIF_INSTR_STRING(in));
			if (rd >= DIF_DIR_NREGS || rd == 0)
				BAD("invalid destination register %u", rd);
			break;
		case DIF_OP_LDGA: case DIF_OP_LDTA:
			if (r1 > DIF_VAR_ARRAY_MAX)
				BAD("invalid array variable %u", r1);
			if (r2 >= DIF_DIR_NREGS || rd >= DIF_DIR_NREGS || rd == 0)
				BAD("invalid register");
			break;
		case DIF_OP_LDGS: case DIF_OP_LDTS: case DIF_OP_LDLS:
		case DIF_OP_LDGAA: case DIF_OP_LDTAA:
			if (v < DIF_VAR_OTHER_MIN)
				BAD("invalid variable %#x", v);
			if (op != DIF_OP_LDGS && v < DIF_VAR_OTHER_UBASE)
				BAD("invalid variable %#x", v);
			if (op == DIF_OP_LDGS && v < DIF_VAR_OTHER_UBASE &&
			    !((v >= DIF_VAR_CURTHREAD && v <= DIF_VAR_CURLWPSINFO) ||
			      (v >= DIF_VAR_CPU && v <= DIF_VAR_HOSTID)))
				BAD("unknown built-in variable %#x", v);
			if (v >= DIF_VAR_OTHER_UBASE &&
			    !dt_hasvar(dp, v,
				       op == DIF_OP_LDLS ? DIFV_SCOPE_LOCAL
				       : (op == DIF_OP_LDTS || op == DIF_OP_LDTAA)
					       ? DIFV_SCOPE_THREAD
					       : DIFV_SCOPE_GLOBAL))
				BAD("variable %#x not in the variable table", v);
			if (rd >= DIF_DIR_NREGS || rd == 0)
				BAD("invalid destination register %u", rd);
			break;
		case DIF_OP_STGS: case DIF_OP_STTS: case DIF_OP_STLS:
		case DIF_OP_STGAA: case DIF_OP_STTAA:
			if (v < DIF_VAR_OTHER_UBASE)
				BAD("cannot store to built-in variable %#x", v);
			if (!dt_hasvar(dp, v,
				       op == DIF_OP_STLS ? DIFV_SCOPE_LOCAL
				       : (op == DIF_OP_STTS || op == DIF_OP_STTAA)
					       ? DIFV_SCOPE_THREAD
					       : DIFV_SCOPE_GLOBAL))
				BAD("variable %#x not in the variable table", v);
			if (rd >= DIF_DIR_NREGS)
				BAD("invalid source register %u", rd);
			break;
		case DIF_OP_CALL:
			if (DIF_INSTR_SUBR(in) > DIF_SUBR_MAX)
				BAD("invalid subroutine %u", DIF_INSTR_SUBR(in));
			if (rd >= DIF_DIR_NREGS || rd == 0)
				BAD("invalid destination register %u", rd);
			break;
		case DIF_OP_PUSHTR: case DIF_OP_PUSHTV:
			if (DIF_INSTR_TYPE(in) != DIF_TYPE_CTF &&
			    DIF_INSTR_TYPE(in) != DIF_TYPE_STRING)
				BAD("invalid tuple type %u", DIF_INSTR_TYPE(in));
			if (r2 >= DIF_DIR_NREGS || rd >= DIF_DIR_NREGS)
				BAD("invalid register");
			if (++ntup > DIF_DTR_NREGS)
				BAD("tuple stack overflow");
			break;
		case DIF_OP_XLATE: case DIF_OP_XLARG:
			BAD("translators are resolved at compile time");
		case DIF_OP_HYPERCALL: case DIF_OP_USETX: case DIF_OP_ULOAD:
		case DIF_OP_UULOAD: case DIF_OP_TYPECAST:
			BAD("unlinked relocation; link the program first");
		default:
			BAD("invalid opcode %u", op);
		}
	}
	pc = dp->len - 1;
	op = DIF_INSTR_OP(dp->buf[pc]);
	if (op != DIF_OP_RET)
		BAD("last instruction is not ret");
	return 0;
}
