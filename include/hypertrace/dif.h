/*
 * dif.h: the DTrace Intermediate Format (DIF) instruction set, shared by the
 * compiler, assembler, disassembler, verifier, emulator, ELF writer/reader,
 * linker and type inference. The one definition of the ISA in the project.
 *
 * Words and numbering are DTrace's (so that DIF listings read as DTrace's do);
 * HyperTrace adds the opcodes 80..84 for guest relocations.
 *
 * Encoding of one 32-bit instruction word:
 *   op<<24 | r1<<16 | r2<<8 | rd         arithmetic, loads, stores, cmp, tst
 *   op<<24 | label                       branches (label = absolute index,
 *                                        always greater than the branch's own)
 *   op<<24 | index<<8 | rd               setx (inttab index), sets (strtab
 *                                        offset), call (subroutine), ld?s/ld?aa
 *                                        (variable id), xlate/xlarg
 *   op<<24 | index<<8 | rs               st?s / st?aa (variable id)
 *   op<<24 | var<<16 | ri<<8 | rd        ldga/ldta (array variable, index reg)
 *   op<<24 | type<<16 | r2<<8 | rs       pushtr/pushtv (type: DIF_TYPE_*;
 *                                        r2: size register for pushtr)
 */
#ifndef HYPERTRACE_DIF_H
#define HYPERTRACE_DIF_H

#include <stdint.h>

#define DIF_VERSION 2
#define DIF_DIR_NREGS 8 /* integer registers; %r0 always reads 0 */
#define DIF_DTR_NREGS 8 /* tuple stack depth */

enum dif_op {
	DIF_OP_OR = 1,
	DIF_OP_XOR = 2,
	DIF_OP_AND = 3,
	DIF_OP_SLL = 4,
	DIF_OP_SRL = 5,
	DIF_OP_SUB = 6,
	DIF_OP_ADD = 7,
	DIF_OP_MUL = 8,
	DIF_OP_SDIV = 9,
	DIF_OP_UDIV = 10,
	DIF_OP_SREM = 11,
	DIF_OP_UREM = 12,
	DIF_OP_NOT = 13,
	DIF_OP_MOV = 14,
	DIF_OP_CMP = 15,
	DIF_OP_TST = 16,
	DIF_OP_BA = 17,
	DIF_OP_BE = 18,
	DIF_OP_BNE = 19,
	DIF_OP_BG = 20,
	DIF_OP_BGU = 21,
	DIF_OP_BGE = 22,
	DIF_OP_BGEU = 23,
	DIF_OP_BL = 24,
	DIF_OP_BLU = 25,
	DIF_OP_BLE = 26,
	DIF_OP_BLEU = 27,
	DIF_OP_LDSB = 28,
	DIF_OP_LDSH = 29,
	DIF_OP_LDSW = 30,
	DIF_OP_LDUB = 31,
	DIF_OP_LDUH = 32,
	DIF_OP_LDUW = 33,
	DIF_OP_LDX = 34,
	DIF_OP_RET = 35,
	DIF_OP_NOP = 36,
	DIF_OP_SETX = 37,
	DIF_OP_SETS = 38,
	DIF_OP_SCMP = 39,
	DIF_OP_LDGA = 40,
	DIF_OP_LDGS = 41,
	DIF_OP_STGS = 42,
	DIF_OP_LDTA = 43,
	DIF_OP_LDTS = 44,
	DIF_OP_STTS = 45,
	DIF_OP_SRA = 46,
	DIF_OP_CALL = 47,
	DIF_OP_PUSHTR = 48,
	DIF_OP_PUSHTV = 49,
	DIF_OP_POPTS = 50,
	DIF_OP_FLUSHTS = 51,
	DIF_OP_LDGAA = 52,
	DIF_OP_LDTAA = 53,
	DIF_OP_STGAA = 54,
	DIF_OP_STTAA = 55,
	DIF_OP_LDLS = 56,
	DIF_OP_STLS = 57,
	DIF_OP_ALLOCS = 58,
	DIF_OP_COPYS = 59,
	DIF_OP_STB = 60,
	DIF_OP_STH = 61,
	DIF_OP_STW = 62,
	DIF_OP_STX = 63,
	DIF_OP_ULDSB = 64,
	DIF_OP_ULDSH = 65,
	DIF_OP_ULDSW = 66,
	DIF_OP_ULDUB = 67,
	DIF_OP_ULDUH = 68,
	DIF_OP_ULDUW = 69,
	DIF_OP_ULDX = 70,
	DIF_OP_RLDSB = 71,
	DIF_OP_RLDSH = 72,
	DIF_OP_RLDSW = 73,
	DIF_OP_RLDUB = 74,
	DIF_OP_RLDUH = 75,
	DIF_OP_RLDUW = 76,
	DIF_OP_RLDX = 77,
	DIF_OP_XLATE = 78,
	DIF_OP_XLARG = 79,
	/* HyperTrace additions */
	DIF_OP_HYPERCALL = 80, /* hypercall: guest-side call into the host */
	DIF_OP_USETX = 81,     /* usetx symidx, rd: setx of a guest-type value
				  (member offset, size) named by symtab[symidx] */
	DIF_OP_ULOAD = 82,     /* uload [r1], rd: kernel load whose width/sign
				  come from the type named at r2 (symidx) */
	DIF_OP_UULOAD = 83,    /* uuload [r1], rd: same, user-space load */
	DIF_OP_TYPECAST = 84,  /* typecast symidx, rd: cast through a guest type */
	DIF_OP_MAX = 84
};

#define DIF_INTOFF_MAX 0xffff
#define DIF_STROFF_MAX 0xffff
#define DIF_REGISTER_MAX 0xff
#define DIF_VARIABLE_MAX 0xffff
#define DIF_SUBROUTINE_MAX 0xffff

/* Variable identifiers. Arrays (args[], regs[], uregs[], user arrays) live
 * below 0x100; scalars and associative arrays above. */
#define DIF_VAR_ARRAY_MIN 0x0000
#define DIF_VAR_ARRAY_UBASE 0x0080
#define DIF_VAR_ARRAY_MAX 0x00ff
#define DIF_VAR_OTHER_MIN 0x0100
#define DIF_VAR_OTHER_UBASE 0x0500
#define DIF_VAR_OTHER_MAX 0xffff

enum dif_var {
	DIF_VAR_ARGS = 0x0000,
	DIF_VAR_REGS = 0x0001,
	DIF_VAR_UREGS = 0x0002,
	DIF_VAR_CURTHREAD = 0x0100,
	DIF_VAR_TIMESTAMP = 0x0101,
	DIF_VAR_VTIMESTAMP = 0x0102,
	DIF_VAR_IPL = 0x0103,
	DIF_VAR_EPID = 0x0104,
	DIF_VAR_ID = 0x0105,
	DIF_VAR_ARG0 = 0x0106, /* ARG1..ARG9 follow: DIF_VAR_ARG0 + n */
	DIF_VAR_ARG9 = 0x010f,
	DIF_VAR_STACKDEPTH = 0x0110,
	DIF_VAR_CALLER = 0x0111,
	DIF_VAR_PROBEPROV = 0x0112,
	DIF_VAR_PROBEMOD = 0x0113,
	DIF_VAR_PROBEFUNC = 0x0114,
	DIF_VAR_PROBENAME = 0x0115,
	DIF_VAR_PID = 0x0116,
	DIF_VAR_TID = 0x0117,
	DIF_VAR_EXECNAME = 0x0118,
	DIF_VAR_ZONENAME = 0x0119,
	DIF_VAR_WALLTIMESTAMP = 0x011a,
	DIF_VAR_USTACKDEPTH = 0x011b,
	DIF_VAR_UCALLER = 0x011c,
	DIF_VAR_PPID = 0x011d,
	DIF_VAR_UID = 0x011e,
	DIF_VAR_GID = 0x011f,
	DIF_VAR_ERRNO = 0x0120,
	DIF_VAR_EXECARGS = 0x0121,
	DIF_VAR_CURCPU = 0x0122, /* curcpu (cpuinfo_t *) */
	DIF_VAR_CURPSINFO = 0x0123,
	DIF_VAR_CURLWPSINFO = 0x0124,
	DIF_VAR_CPU = 0x0200,
	/* HyperTrace built-ins */
	DIF_VAR_VMNAME = 0x0201, /* string: guest name, "" on the host */
	DIF_VAR_HOSTID = 0x0202  /* integer: machine id of the guest/host */
};

enum dif_subr {
	DIF_SUBR_RAND = 0,
	DIF_SUBR_MUTEX_OWNED = 1,
	DIF_SUBR_MUTEX_OWNER = 2,
	DIF_SUBR_MUTEX_TYPE_ADAPTIVE = 3,
	DIF_SUBR_MUTEX_TYPE_SPIN = 4,
	DIF_SUBR_RW_READ_HELD = 5,
	DIF_SUBR_RW_WRITE_HELD = 6,
	DIF_SUBR_RW_ISWRITER = 7,
	DIF_SUBR_COPYIN = 8,
	DIF_SUBR_COPYINSTR = 9,
	DIF_SUBR_SPECULATION = 10,
	DIF_SUBR_PROGENYOF = 11,
	DIF_SUBR_STRLEN = 12,
	DIF_SUBR_COPYOUT = 13,
	DIF_SUBR_COPYOUTSTR = 14,
	DIF_SUBR_ALLOCA = 15,
	DIF_SUBR_BCOPY = 16,
	DIF_SUBR_COPYINTO = 17,
	DIF_SUBR_MSGDSIZE = 18,
	DIF_SUBR_MSGSIZE = 19,
	DIF_SUBR_GETMAJOR = 20,
	DIF_SUBR_GETMINOR = 21,
	DIF_SUBR_DDI_PATHNAME = 22,
	DIF_SUBR_STRJOIN = 23,
	DIF_SUBR_LLTOSTR = 24,
	DIF_SUBR_BASENAME = 25,
	DIF_SUBR_DIRNAME = 26,
	DIF_SUBR_CLEANPATH = 27,
	DIF_SUBR_STRCHR = 28,
	DIF_SUBR_STRRCHR = 29,
	DIF_SUBR_STRSTR = 30,
	DIF_SUBR_STRTOK = 31,
	DIF_SUBR_SUBSTR = 32,
	DIF_SUBR_INDEX = 33,
	DIF_SUBR_RINDEX = 34,
	DIF_SUBR_HTONS = 35,
	DIF_SUBR_HTONL = 36,
	DIF_SUBR_HTONLL = 37,
	DIF_SUBR_NTOHS = 38,
	DIF_SUBR_NTOHL = 39,
	DIF_SUBR_NTOHLL = 40,
	DIF_SUBR_INET_NTOP = 41,
	DIF_SUBR_INET_NTOA = 42,
	DIF_SUBR_INET_NTOA6 = 43,
	DIF_SUBR_TOUPPER = 44,
	DIF_SUBR_TOLOWER = 45,
	DIF_SUBR_MEMREF = 46,
	DIF_SUBR_SX_SHARED_HELD = 47,
	DIF_SUBR_SX_EXCLUSIVE_HELD = 48,
	DIF_SUBR_SX_ISEXCLUSIVE = 49,
	DIF_SUBR_MEMSTR = 50,
	DIF_SUBR_GETF = 51,
	DIF_SUBR_JSON = 52,
	DIF_SUBR_STRTOLL = 53,
	DIF_SUBR_RANDOM = 54, /* Linux DTrace's rand() variant */
	DIF_SUBR_LINK_NTOP = 55, /* link_ntop(type, addr): Linux DTrace */
	DIF_SUBR_MAX = 55
};

typedef uint32_t dif_instr_t;

#define DIF_INSTR_OP(i) (((i) >> 24) & 0xff)
#define DIF_INSTR_R1(i) (((i) >> 16) & 0xff)
#define DIF_INSTR_R2(i) (((i) >> 8) & 0xff)
#define DIF_INSTR_RD(i) ((i) & 0xff)
#define DIF_INSTR_RS(i) ((i) & 0xff)
#define DIF_INSTR_LABEL(i) ((i) & 0xffffff)
#define DIF_INSTR_VAR(i) (((i) >> 8) & 0xffff)
#define DIF_INSTR_INTEGER(i) (((i) >> 8) & 0xffff)
#define DIF_INSTR_STRING(i) (((i) >> 8) & 0xffff)
#define DIF_INSTR_SUBR(i) (((i) >> 8) & 0xffff)
#define DIF_INSTR_SYM(i) (((i) >> 8) & 0xffff)
#define DIF_INSTR_TYPE(i) (((i) >> 16) & 0xff)
#define DIF_INSTR_XLREF(i) (((i) >> 8) & 0xffff)

#define DIF_INSTR_FMT(op, r1, r2, d)                                           \
	((dif_instr_t)(((uint32_t)(op) << 24) | ((uint32_t)(r1) << 16) |       \
		       ((uint32_t)(r2) << 8) | (uint32_t)(d)))
#define DIF_INSTR_NOT(r1, d) DIF_INSTR_FMT(DIF_OP_NOT, r1, 0, d)
#define DIF_INSTR_MOV(r1, d) DIF_INSTR_FMT(DIF_OP_MOV, r1, 0, d)
#define DIF_INSTR_CMP(op, r1, r2) DIF_INSTR_FMT(op, r1, r2, 0)
#define DIF_INSTR_TST(r1) DIF_INSTR_FMT(DIF_OP_TST, r1, 0, 0)
#define DIF_INSTR_BRANCH(op, label)                                            \
	((dif_instr_t)(((uint32_t)(op) << 24) | ((uint32_t)(label) & 0xffffff)))
#define DIF_INSTR_LOAD(op, r1, d) DIF_INSTR_FMT(op, r1, 0, d)
#define DIF_INSTR_STORE(op, r1, d) DIF_INSTR_FMT(op, r1, 0, d)
#define DIF_INSTR_IDX(op, idx, d)                                              \
	((dif_instr_t)(((uint32_t)(op) << 24) | (((uint32_t)(idx) & 0xffff) << 8) | \
		       (uint32_t)(d)))
#define DIF_INSTR_SETX(i, d) DIF_INSTR_IDX(DIF_OP_SETX, i, d)
#define DIF_INSTR_SETS(s, d) DIF_INSTR_IDX(DIF_OP_SETS, s, d)
#define DIF_INSTR_RET(d) DIF_INSTR_FMT(DIF_OP_RET, 0, 0, d)
#define DIF_INSTR_NOP ((dif_instr_t)((uint32_t)DIF_OP_NOP << 24))
#define DIF_INSTR_LDA(op, v, r, d) DIF_INSTR_FMT(op, v, r, d)
#define DIF_INSTR_LDV(op, v, d) DIF_INSTR_IDX(op, v, d)
#define DIF_INSTR_STV(op, v, rs) DIF_INSTR_IDX(op, v, rs)
#define DIF_INSTR_CALL(s, d) DIF_INSTR_IDX(DIF_OP_CALL, s, d)
#define DIF_INSTR_PUSHTS(op, t, r2, rs) DIF_INSTR_FMT(op, t, r2, rs)
#define DIF_INSTR_POPTS ((dif_instr_t)((uint32_t)DIF_OP_POPTS << 24))
#define DIF_INSTR_FLUSHTS ((dif_instr_t)((uint32_t)DIF_OP_FLUSHTS << 24))
#define DIF_INSTR_ALLOCS(r1, d) DIF_INSTR_FMT(DIF_OP_ALLOCS, r1, 0, d)
#define DIF_INSTR_COPYS(r1, r2, d) DIF_INSTR_FMT(DIF_OP_COPYS, r1, r2, d)
#define DIF_INSTR_XLATE(op, r, d) DIF_INSTR_IDX(op, r, d)
/* HyperTrace relocations: symidx indexes the DIFO's symbol table */
#define DIF_INSTR_USETX(sym, d) DIF_INSTR_IDX(DIF_OP_USETX, sym, d)
#define DIF_INSTR_TYPECAST(sym, d) DIF_INSTR_IDX(DIF_OP_TYPECAST, sym, d)
#define DIF_INSTR_ULOAD(op, r1, sym8, d) DIF_INSTR_FMT(op, r1, sym8, d)

#define DIF_REG_R0 0

/* Type of a variable, tuple element or DIFO return value. */
typedef struct dif_type {
	uint8_t kind;  /* DIF_TYPE_CTF (a C type) or DIF_TYPE_STRING */
	uint8_t ckind; /* C kind of the type (integer, pointer, struct, ...) */
	uint8_t flags; /* DIF_TF_BYREF: value is an address of size bytes */
	uint8_t pad;
	uint32_t size; /* size in bytes (for strings: the string size) */
} dif_type_t;

#define DIF_TYPE_CTF 0
#define DIF_TYPE_STRING 1

#define DIF_TF_BYREF 0x1
#define DIF_TF_BYUREF 0x2

/* One entry of a DIFO's variable table. */
typedef struct dif_var_desc {
	uint32_t name;  /* offset of the name in the DIFO's string table */
	uint32_t id;    /* variable identifier used by instructions */
	uint8_t kind;   /* DIFV_KIND_* */
	uint8_t scope;  /* DIFV_SCOPE_* */
	uint16_t flags; /* DIFV_F_* */
	dif_type_t type;
} dif_var_desc_t;

#define DIFV_KIND_ARRAY 0
#define DIFV_KIND_SCALAR 1

#define DIFV_SCOPE_GLOBAL 0
#define DIFV_SCOPE_THREAD 1
#define DIFV_SCOPE_LOCAL 2

#define DIFV_F_REF 0x1
#define DIFV_F_MOD 0x2

#endif /* HYPERTRACE_DIF_H */
