/*
 * dt_link.h: the HyperTrace linker and the host's check of a linked program.
 *
 * dt_link() makes a program compiled with relocations (dt_reloc.h) runnable
 * on one machine: it drops statements whose target does not match the
 * machine, resolves every relocation against the machine's BTF, patches
 * return types, gives each variable one type across all clauses, and makes
 * the program a new one (srcident := ident, fresh ident). A failure is
 * recorded in prog->link_error (so it travels back in the ELF file).
 *
 * dt_link_check() is the host's security boundary: a guest's linked program
 * is accepted only if it differs from the host's own (unlinked) compilation
 * at relocation sites, in the allowed way.
 */
#ifndef DT_LINK_H
#define DT_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "program/dt_program.h"

struct btf;

/* Resolver flags (option resolvers=hostname,version). */
#define DT_RESOLVE_HOSTNAME 0x1 /* glob target against the hostname */
#define DT_RESOLVE_VERSION  0x2 /* glob target against "Linux-<release>" */

typedef struct dt_link_opts {
	size_t size;	      /* sizeof(struct dt_link_opts) */
	const char *btf_path; /* NULL: /sys/kernel/btf/vmlinux */
	struct btf *btf;      /* already loaded BTF (wins over btf_path) */
	/*
	 * Which resolvers select statements: a "hostname,version" list as in
	 * the option; NULL: the program's own "resolvers" option if it has
	 * one, else both. "none" keeps every statement.
	 */
	const char *resolvers;
	const char *hostname; /* NULL: gethostname() */
	const char *release;  /* NULL: uname -r */
	int keep_ident;	      /* do not make a new identifier (tests) */
	int no_typecheck;     /* skip DIF type inference */
} dt_link_opts_t;

/*
 * Links prog in place. Returns 0, or -1 with the reason in err and in
 * prog->link_error. A program that already carries a link error is refused
 * with that error.
 */
int dt_link(dt_prog_t *prog, const dt_link_opts_t *opts, char *err,
	    size_t errlen);

/* Drops the statements (and probe descriptions) of prog whose target does
 * not match; flags as DT_RESOLVE_*. Returns the number of statements kept. */
int dt_link_select(dt_prog_t *prog, uint32_t flags, const char *hostname,
		   const char *release);

/* Parses "hostname,version" / "hostname" / "version" / "none" / "" into
 * DT_RESOLVE_* flags; -1 if a word is unknown. */
int dt_link_parse_resolvers(const char *s);

/* Does target match a machine (empty target: always)? */
int dt_link_target_match(const char *target, uint32_t flags,
			 const char *hostname, const char *release);

/*
 * The host check. host is the host's own compilation (with relocations, not
 * linked); guest is what a machine returned from dt_link(). Every statement
 * of guest must be, in order, a statement of host (the guest may have dropped
 * statements and probe descriptions that do not target it) whose DIFOs
 * differ only as follows: usetx -> setx (of an existing entry or of one
 * appended to the integer table), uload -> ld{s,u}{b,h,w}/ldx with the same registers, uuload ->
 * uld{s,u}{b,h,w}/uldx, typecast -> nop; a DIFO with relocations may have a
 * patched return type; variables keep their identity (only their type may
 * change). Everything else (other instructions, tables, aggregations,
 * formats, options, srcident == host ident) must be identical.
 * Returns 0 if acceptable, else -1 with the reason.
 */
int dt_link_check(const dt_prog_t *host, const dt_prog_t *guest, char *why,
		  size_t whylen);

/* Is op one of the relocation opcodes? */
int dt_link_is_reloc(uint32_t op);

/* Number of relocation instructions in prog. */
uint32_t dt_link_count_relocs(const dt_prog_t *prog);

#endif /* DT_LINK_H */
