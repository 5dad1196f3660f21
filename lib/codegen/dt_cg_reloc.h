/*
 * dt_cg_reloc.h: HyperTrace relocations in code generation (dtrace -E):
 * which types are the guest's (kernel types from BTF, whose layout only the
 * guest knows) and the text of the symbols naming them, in the syntax of
 * link/dt_reloc.h ("offsetof struct task_struct pid", "type char [16]").
 */
#ifndef DT_CG_RELOC_H
#define DT_CG_RELOC_H

#include <stddef.h>

#include "types/dt_type.h"

#define DT_CG_SYMLEN 1024

/* Whether t's layout depends on the machine: a kernel (BTF) type other than
 * a pointer (pointers are 8 bytes everywhere). */
int dt_cg_reloc_is_guest(dt_type_t *t);

/* Writes "<kind> <type>[ <path>]" into buf. */
void dt_cg_reloc_sym(char *buf, size_t len, const char *kind, dt_type_t *t,
		     const char *path);

#endif /* DT_CG_RELOC_H */
