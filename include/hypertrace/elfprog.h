/*
 * elfprog.h: the ELF file format of a compiled D program (dt_prog_t), as
 * written by `dtrace -E -e`, exchanged with dtraced and guests, and linked
 * by `dtrace -y/-Y`. Owned by lib/elf.
 *
 * WHY a format of our own: the file crosses machines (host <-> guest), so
 * every field is fixed-width little-endian at a fixed offset (no raw structs,
 * no pointers, no size_t), and the reader must be able to refuse any
 * malformed file precisely.
 *
 * File: ELFCLASS64, ELFDATA2LSB, EV_CURRENT, e_type ET_EXEC, e_machine
 * EM_NONE, no program headers. Section 0 is the null section, section 1 is
 * ".shstrtab" (SHT_STRTAB), section 2 is the program (DTELF_SHT_PROG,
 * ".dtrace_prog"), section 3 is the program's string table (DTELF_SHT_STRTAB,
 * ".dtrace_strtab"). Every other section holds one object and is referenced
 * by exactly one reference (u32 section index; 0 = none) from the program or
 * from another object: the file is a tree rooted at section 2, and sections
 * appear in depth-first order of that tree (so that writing what was read
 * gives the same bytes). Every section has sh_addralign 8, sh_flags 0,
 * sh_entsize as given below (0 when not a table).
 *
 * Strings (names, formats, probe description fields, option values) are
 * u32 offsets into section 3: NUL-terminated, offset 0 is always "", and
 * DTELF_NOSTR stands for an absent (NULL) string.
 *
 * Layouts (offsets in bytes, all little-endian):
 *
 * DTELF_SHT_PROG ".dtrace_prog"
 *   0  u32 magic (DTELF_MAGIC)     4  u32 version (DTELF_VERSION)
 *   8  u8  ident[16]              24  u8  srcident[16]
 *  40  u32 link_error (string)    44  u32 nstmts
 *  48  u32 naggs                  52  u32 fmts (section, DTELF_SHT_FMTS)
 *  56  u32 vars (DTELF_SHT_VARS)  60  u32 opts (DTELF_SHT_OPTS)
 *  64  u32 stmt[nstmts] (DTELF_SHT_STMT), then u32 agg[naggs] (DTELF_SHT_AGG)
 *
 * DTELF_SHT_STMT ".dtrace_stmt"
 *   0 u32 line   4 u32 ecb (DTELF_SHT_ECB)   8 u32 pred (DTELF_SHT_DIFO or 0)
 *  12 u32 nacts 16 u32 act[nacts] (DTELF_SHT_ACTION)
 *
 * DTELF_SHT_ECB ".dtrace_ecbdesc" (the statement's probe descriptions)
 *   0 u32 ndesc, then ndesc x {u32 target, provider, module, function, name}
 *
 * DTELF_SHT_ACTION ".dtrace_action"
 *   0 u32 kind   4 u32 ndifo   8 u64 arg   16 u64 arg2   24 u32 fmt
 *  28 u32 nargs 32 u64 args[nargs], then u32 difo[ndifo] (0 = NULL operand)
 *
 * DTELF_SHT_DIFO ".dtrace_difo"
 *   0 u32 len (instructions)     4 u32 flags (DT_DIFO_*)
 *   8 u8 rtype.kind, ckind, flags, pad   12 u32 rtype.size
 *  16 u32 rtype_name (string)   20 u32 inttab  24 u32 strtab
 *  28 u32 symtab                32 u32 vartab (sections; 0 = empty table)
 *  36 u32 reserved (0)          40 u32 instr[len]
 *
 * DTELF_SHT_INTTAB ".difo_inttab"  u64[], entsize 8
 * DTELF_SHT_DSTRTAB ".difo_strtab" raw bytes, ends with NUL
 * DTELF_SHT_SYMTAB ".difo_symtab"  raw bytes, ends with NUL (link/dt_reloc.h)
 * DTELF_SHT_VARTAB ".difo_vartab"  entsize 20:
 *   0 u32 name  4 u32 id  8 u8 kind  9 u8 scope  10 u16 flags
 *  12 u8 type.kind, ckind, flags, pad  16 u32 type.size
 *
 * DTELF_SHT_AGG ".dtrace_aggdesc"
 *   0 u32 name (string)  4 u32 func  8 u32 nkeys  12 u32 flags
 *  16 u32 haskeynames (0/1)  20 u32 reserved  24 i64 params[4]
 *  56 nkeys x {u8 kind, ckind, flags, pad, u32 size}
 *     then, if haskeynames, u32 key_type_names[nkeys] (strings)
 *
 * DTELF_SHT_FMTS ".dtrace_fmts" entsize 8: {u32 kind, u32 str}
 * DTELF_SHT_VARS ".dtrace_vars" entsize 32:
 *   0 u32 name  4 u32 type_name  8 u32 nkeys  12 vartab entry (20 bytes)
 * DTELF_SHT_OPTS ".dtrace_opts" entsize 8: {u32 name, u32 value}
 *
 * Tables with no entries are absent (reference 0). Every count is checked
 * against the section's exact size.
 */
#ifndef HYPERTRACE_ELFPROG_H
#define HYPERTRACE_ELFPROG_H

#define DTELF_MAGIC 0x50445448u /* "HTDP" little-endian */
#define DTELF_VERSION 1u
#define DTELF_NOSTR 0xffffffffu
#define DTELF_IDENTLEN 16

#define DTELF_PROG_SECIDX 2
#define DTELF_STRTAB_SECIDX 3

/* Section types (SHT_LOUSER range, "HT" in the middle). */
#define DTELF_SHT_BASE 0x80485400u
#define DTELF_SHT_PROG (DTELF_SHT_BASE + 1)
#define DTELF_SHT_STRTAB (DTELF_SHT_BASE + 2)
#define DTELF_SHT_STMT (DTELF_SHT_BASE + 3)
#define DTELF_SHT_ECB (DTELF_SHT_BASE + 4)
#define DTELF_SHT_ACTION (DTELF_SHT_BASE + 5)
#define DTELF_SHT_DIFO (DTELF_SHT_BASE + 6)
#define DTELF_SHT_INTTAB (DTELF_SHT_BASE + 7)
#define DTELF_SHT_DSTRTAB (DTELF_SHT_BASE + 8)
#define DTELF_SHT_SYMTAB (DTELF_SHT_BASE + 9)
#define DTELF_SHT_VARTAB (DTELF_SHT_BASE + 10)
#define DTELF_SHT_AGG (DTELF_SHT_BASE + 11)
#define DTELF_SHT_FMTS (DTELF_SHT_BASE + 12)
#define DTELF_SHT_VARS (DTELF_SHT_BASE + 13)
#define DTELF_SHT_OPTS (DTELF_SHT_BASE + 14)
#define DTELF_SHT_LAST DTELF_SHT_OPTS

/* Fixed header sizes and table entry sizes. */
#define DTELF_PROG_HDRSZ 64
#define DTELF_STMT_HDRSZ 16
#define DTELF_ECB_HDRSZ 4
#define DTELF_DESC_SZ 20
#define DTELF_ACTION_HDRSZ 32
#define DTELF_DIFO_HDRSZ 40
#define DTELF_VARTAB_ENTSZ 20
#define DTELF_AGG_HDRSZ 56
#define DTELF_AGGKEY_SZ 8
#define DTELF_FMT_ENTSZ 8
#define DTELF_VAR_ENTSZ 32
#define DTELF_OPT_ENTSZ 8

#endif /* HYPERTRACE_ELFPROG_H */
