/*
 * dt_cmd_elf.h: dtrace(1)'s ELF program options (-E -e, -e -y, -y, -Y), as
 * functions the dtrace main calls. Owned by the ELF/link engineer; the
 * command's main owns option parsing and running programs.
 *
 *   dtrace -E -e [-o F] ...      dt_cmd_elf_emit(prog, F)  (prog compiled
 *                                with copts.hypertrace = 1)
 *   dtrace -e -y IN [-o OUT]     dt_cmd_elf_reemit(IN, OUT)
 *   dtrace -y IN [-o OUT] [-x btf=PATH] [-x resolvers=...]
 *                                dt_cmd_elf_link(IN, OUT, &xo)
 *   dtrace -Y IN[,host|guest]    prog = dt_cmd_elf_load(IN..., &xo, &mode,
 *                                &rc), then run prog as a compiled one
 *
 * Each returns the process exit status (0, 1 on a program/link error, 2 on a
 * usage or I/O error) and prints messages as "dtrace: ..." on stderr; paths
 * printed on stdout are absolute, one per line.
 */
#ifndef DT_CMD_ELF_H
#define DT_CMD_ELF_H

#include "program/dt_program.h"

/* -x options that matter here (NULL when not given). */
typedef struct dt_cmd_elf_xopts {
	const char *btf;       /* -x btf=PATH */
	const char *resolvers; /* -x resolvers=hostname,version */
} dt_cmd_elf_xopts_t;

/* Picks btf= and resolvers= out of -x arguments ("name=value"). */
void dt_cmd_elf_xopts(const char *const *xopts, int nx, dt_cmd_elf_xopts_t *xo);

/* -E -e: gives prog a fresh identifier, writes it to out (default
 * $TMPDIR/ht-<ident>.elf), prints the absolute path. */
int dt_cmd_elf_emit(dt_prog_t *prog, const char *out);

/* -e -y: reads in and writes it unchanged to out (default
 * $TMPDIR/ht-<ident>.copy.elf): byte-identical to in for files we wrote. */
int dt_cmd_elf_reemit(const char *in, const char *out);

/* -y: reads in, links it for this machine (or -x btf=), writes out (default
 * $TMPDIR/ht-<ident of in>.linked.elf) and prints its path. A link error
 * is printed, recorded in out, and gives exit status 1. */
int dt_cmd_elf_link(const char *in, const char *out,
		    const dt_cmd_elf_xopts_t *xo);

enum dt_cmd_elf_mode { DT_ELF_MODE_HOST = 0, DT_ELF_MODE_GUEST = 1 };

/*
 * -Y IN[,host|guest]: reads and links the program. On success returns it
 * (the caller runs it, then frees it) with *mode set; if out is not NULL
 * the linked program is also written there (for dtraced to send back). On
 * failure returns NULL and sets *status (the link error is also written to
 * out when given, so that the host learns about it).
 */
dt_prog_t *dt_cmd_elf_load(const char *arg, const char *out,
			   const dt_cmd_elf_xopts_t *xo,
			   enum dt_cmd_elf_mode *mode, int *status);

#endif /* DT_CMD_ELF_H */
