/*
 * dt_reloc.h: the meaning of HyperTrace relocations, i.e. the contract
 * between the code generator (which emits them in -E mode) and the linker
 * (which resolves them against a machine's BTF). Owned by the linker.
 *
 * WHY: the host compiles a D program without knowing the guest kernel's
 * types. Every place where the DIF depends on a kernel type (a member offset,
 * a type's size, the width/sign of a load, a cast) is written as one of four
 * relocation instructions naming a *symbol* in the DIFO's symbol table. Each
 * machine resolves the symbols against its own BTF. The host then accepts
 * the linked program only if it differs from its own compilation exactly at
 * these sites (see dt_link_check() in link/dt_link.h).
 *
 * ---------------------------------------------------------------------------
 * 1. The symbol table (dt_difo_t.symtab / symlen)
 * ---------------------------------------------------------------------------
 * Like strtab: NUL-terminated strings packed one after the other, every
 * string (including the last) terminated. A relocation names a symbol by its
 * ORDINAL INDEX (0 = first string, 1 = second, ...), not by byte offset, so
 * that the 8-bit field of uload can name up to 256 symbols. The code
 * generator should store each distinct symbol once (dt_reloc_sym_add()
 * below does that) and must not add strings no instruction uses.
 *
 * Symbol syntax (single spaces, no leading/trailing blanks):
 *
 *   offsetof <type> <path>   byte offset of member <path> in <type>
 *   sizeof <type>            size of <type> in bytes
 *   member <type> <path>     (uload/uuload only) the value read is member
 *                            <path> of <type>; width/sign from its type
 *   type <type>              a type: for typecast, the type cast to; for
 *                            uload/uuload, the type of the value read
 *
 * <path> is one or more member names separated by '.', walking into nested
 * (named or anonymous) structs/unions: "comm", "uid.val", "se.vruntime".
 * Members of anonymous structs/unions are found by their own name, as in C
 * ("offsetof struct page mapping"). A bit-field member is a link error.
 *
 * The code generator must fold a chain of members reached without a
 * dereference (cred->uid.val: "uid" then "val") into ONE offsetof with a
 * dotted path ("offsetof struct cred uid.val"), exactly where a direct
 * compilation folds the offsets into one setx: the host check and the
 * "-E then link == direct compilation" test compare instruction by
 * instruction.
 *
 * <type> is a C type name as D writes it, resolved in the machine's BTF:
 *   struct NAME | union NAME | enum NAME | a typedef name (pid_t, u64) |
 *   a base type name (int, unsigned int, char, long unsigned int, ...;
 *   "unsigned long" and "long unsigned int" spellings are both accepted) |
 *   void; followed by zero or more " *" (pointer) and then zero or more
 *   " [N]" (array of N; outermost first, as in C).
 *   Examples: "struct task_struct", "struct task_struct *", "char [16]",
 *   "kuid_t", "unsigned long", "char *", "struct file * [4]".
 * A leading "userland " on <type> is accepted and ignored (it only documents
 * that the value is a user-space address); so are the qualifiers const,
 * volatile and restrict anywhere in <type>.
 *
 * ---------------------------------------------------------------------------
 * 2. The instructions (encodings from hypertrace/dif.h)
 * ---------------------------------------------------------------------------
 *   usetx sym, rd        DIF_INSTR_USETX(sym, rd): op<<24 | sym<<8 | rd
 *       sym: 16-bit symbol index; the symbol must be "offsetof ..." or
 *       "sizeof ...". rd := that integer.
 *       Linked: setx idx, rd, where idx is the integer table entry holding
 *       the value (an existing equal entry is reused, else one is appended).
 *
 *   uload [r1], sym, rd  DIF_INSTR_ULOAD(DIF_OP_ULOAD, r1, sym, rd):
 *                        op<<24 | r1<<16 | sym<<8 | rd
 *       sym: 8-bit symbol index (r2 field); "member ..." or "type ...".
 *       rd := the value of that type at kernel address r1.
 *       Linked: ld{s,u}{b,h,w} / ldx r1, rd (r2 field becomes 0), chosen
 *       from the type after stripping typedef/const/volatile/restrict:
 *         integer of 1/2/4 bytes -> ldsb/ldsh/ldsw if signed else
 *                                   ldub/lduh/lduw; 8 bytes -> ldx
 *         (char is signed as BTF says; _Bool is unsigned)
 *         enum -> by size, signed if the enum has negative values
 *         pointer -> ldx
 *         struct/union/array/function/void/float -> link error: the
 *         code generator must not load those by value (it uses the
 *         address, i.e. the result of the add, directly).
 *
 *   uuload [r1], sym, rd same for a user-space address; linked to
 *                        uld{s,u}{b,h,w} / uldx r1, rd.
 *
 *   typecast sym, rd     DIF_INSTR_TYPECAST(sym, rd): op<<24 | sym<<8 | rd
 *       sym: 16-bit symbol index; "type ...". rd is unchanged; it records
 *       that rd now holds a value of that type (for type inference and
 *       return-type patching). The type must exist on the machine.
 *       Linked: nop.
 *
 * ---------------------------------------------------------------------------
 * 3. Return types and variables
 * ---------------------------------------------------------------------------
 * A DIFO whose result has a kernel type (trace(curthread->comm),
 * print(*curthread)) cannot know its size on the host. The code generator
 * emits, as the instruction that last defines the returned register before
 * `ret rd` (normally immediately before it), a `typecast sym, rd` with
 * "type <T>", and sets rtype.kind = DIF_TYPE_CTF and rtype.size = 0 (and
 * rtype_name = T's D spelling if it wishes). The linker patches rtype from T:
 *   integer/enum/pointer: by value, size = sizeof(T), DT_DIFO_SIGNED /
 *     DT_DIFO_POINTER kept consistent;
 *   struct/union/array: DIF_TF_BYREF set, size = sizeof(T) (the register
 *     holds the address of the object); char arrays keep DT_DIFO_CHARARR.
 * A DIFO whose returned register was defined by uload/uuload gets rtype from
 * that load's type (by value). Other DIFOs keep their rtype unchanged.
 *
 * Variables: after linking, each (scope, kind, id) variable has one type in
 * every DIFO vartab and in prog->vars: the entry with the largest size wins
 * (strings and by-ref types are never narrowed).
 *
 * ---------------------------------------------------------------------------
 * 4. Example: trace(curthread->real_parent->pid)   (-E mode)
 * ---------------------------------------------------------------------------
 *   symtab: 0 "offsetof struct task_struct real_parent"
 *           1 "member struct task_struct real_parent"
 *           2 "offsetof struct task_struct pid"
 *           3 "member struct task_struct pid"
 *   ldgs   DIF_VAR_CURTHREAD, %r1
 *   usetx  0, %r2                  -> setx <offset>, %r2 (this BTF's)
 *   add    %r1, %r2, %r1
 *   uload  [%r1], 1, %r1           -> ldx  [%r1], %r1
 *   usetx  2, %r2                  -> setx <offset>, %r2
 *   add    %r1, %r2, %r1
 *   uload  [%r1], 3, %r1           -> ldsw [%r1], %r1    (pid_t is int)
 *   ret    %r1
 * and trace(curthread->comm):
 *   symtab: 0 "offsetof struct task_struct comm"  1 "type char [16]"
 *   ldgs DIF_VAR_CURTHREAD, %r1; usetx 0, %r2; add %r1, %r2, %r1;
 *   typecast 1, %r1 (-> nop); ret %r1      rtype -> BYREF, size 16
 */
#ifndef DT_RELOC_H
#define DT_RELOC_H

#include <stdint.h>

#include "program/dt_program.h"

/* Symbol kinds (the first word of a symbol). */
enum dt_reloc_kind {
	DT_RELOC_BAD = 0,
	DT_RELOC_OFFSETOF, /* "offsetof <type> <path>" */
	DT_RELOC_SIZEOF,   /* "sizeof <type>" */
	DT_RELOC_MEMBER,   /* "member <type> <path>" */
	DT_RELOC_TYPE      /* "type <type>" */
};

#define DT_RELOC_SYM_MAX 1024 /* longest symbol, NUL included */
#define DT_RELOC_ULOAD_SYMS 256 /* uload/uuload name symbols 0..255 */

/* A parsed symbol. type and path point into buf. path is "" for sizeof and
 * type. */
typedef struct dt_reloc_sym {
	enum dt_reloc_kind kind;
	char buf[DT_RELOC_SYM_MAX];
	const char *type;
	const char *path;
} dt_reloc_sym_t;

/*
 * Appends sym to the DIFO's symbol table unless an equal string is already
 * there; returns its ordinal index, or -1 (ENOMEM, or more than 65536
 * symbols). For the code generator.
 */
int dt_reloc_sym_add(dt_difo_t *difo, const char *sym);

/* The symbol of ordinal index idx, or NULL if there is none. */
const char *dt_reloc_sym_get(const dt_difo_t *difo, uint32_t idx);

/* Parses a symbol's text. Returns 0, or -1 with a reason in why. */
int dt_reloc_sym_parse(const char *text, dt_reloc_sym_t *sym, char *why,
		       size_t whylen);

#endif /* DT_RELOC_H */
