/*
 * dt_print_sym.h: printing of the records that hold code addresses, as
 * DTrace prints them: stack(), ustack() and jstack() records (one frame a
 * line, symbolised), and the addresses of sym()/func(), mod(), usym()/
 * ufunc(), umod() and uaddr() (one "mod`name" string).
 */
#ifndef DT_PRINT_SYM_H
#define DT_PRINT_SYM_H

#include <stdint.h>
#include <stdio.h>

#include "common/dt_sym.h"

/* DTrace's default indent of stack frames (-x stackindent). */
#define DT_STACK_INDENT 14

/*
 * Prints a stack record of `kind` (DT_ACT_STACK: PCs; DT_ACT_USTACK and
 * DT_ACT_JSTACK: the pid, then PCs) of size bytes: each frame up to the
 * first zero on its own line, indented. sc may be NULL (no symbols).
 */
void dt_print_stack(FILE *f, dt_sym_cache_t *sc, uint32_t kind, const void *rec,
		    uint32_t size, int indent);

/* The text of frame i of a stack record (as dt_print_stack() prints it,
 * without the indent); 0 when the stack has no frame i. */
int dt_stack_frame_text(dt_sym_cache_t *sc, uint32_t kind, const void *rec,
			uint32_t size, uint32_t i, char *buf, size_t len);

/*
 * Writes the text of a symbolic address of `kind` (DT_ACT_SYM: "mod`name",
 * DT_ACT_MOD: "mod", DT_ACT_USYM: "mod`name", DT_ACT_UMOD: "mod",
 * DT_ACT_UADDR: "mod`name+0x1c"; an unknown address as "0x..."). pid is
 * only used by the user kinds. Returns buf.
 */
/* dt_sym_text()'s kind for printf's %a: a kernel "mod`name+0x1c". */
#define DT_SYM_KADDR 0x10000

char *dt_sym_text(dt_sym_cache_t *sc, uint32_t kind, int64_t pid, uint64_t addr,
		  char *buf, size_t len);

/* A record of one of those kinds (16 bytes: whose address, as
 * dt_prog_keykind() says, then the address) as text; returns buf ("" if
 * too short). */
char *dt_sym_rectext(dt_sym_cache_t *sc, uint32_t kind, const void *rec,
		     uint32_t size, char *buf, size_t len);

#endif /* DT_PRINT_SYM_H */
