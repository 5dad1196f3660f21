/*
 * dt_hypertrace.h: HyperTrace mode. Owns the consumer runtime of `dtrace -E`
 * (host) and the guest's link and enable step (htguest, run by the guest's
 * dtraced minion).
 *
 * Host (dtrace -E, see doc/DESIGN.md "How a HyperTrace program flows"):
 *
 *	ht = dt_ht_create(&ps);       // guest probes syscall:vmlinux:*:*
 *	... compile with copts.hypertrace = 1 against ps ...
 *	rc = dt_ht_run(ht, prog, &eo, &co, out, &o, &intr);
 *	dt_ht_destroy(ht);
 *
 * dt_ht_run writes the program as ELF, hands it to the host dtraced, and for
 * each guest reply: checks the guest-linked program against the host's own
 * compilation (dt_link_check), attaches to the guest's supervisor, then sends
 * ENABLE to that guest. ENABLE is the accepted linked program sent back to
 * its guest alone (dtraced destination = the guest): a program whose
 * srcident is set is one the host accepted, and the guest enables its probes
 * in hypertrace.ko and answers with the list of probes it enabled. Guest
 * records run the program's clauses in the engine on the host, with host
 * timestamps, vmname = the guest's name, and every load a page walk of the
 * guest's RAM from the record's CR3.
 *
 * Guest (minion command `htguest "$1" "$2"`): dt_ht_guest_main(in, out)
 * links a host program against the guest's BTF and writes it to out, or, for
 * an ENABLE, enables the probes, writes the list to out, closes
 * $DTRACED_READY_FD so that dtraced sends it, and keeps them enabled until
 * SIGTERM (dtraced's KILL when the host consumer ends).
 */
#ifndef DT_HYPERTRACE_H
#define DT_HYPERTRACE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "consumer/dt_consume.h"
#include "engine/dt_engine.h"
#include "program/dt_program.h"
#include "providers/dt_providers.h"

typedef struct dt_ht dt_ht_t;

/* Adds the guest probes (syscall:vmlinux:NAME:entry|return) to ps, so that
 * the compiler resolves them and the engine matches them. NULL on ENOMEM. */
dt_ht_t *dt_ht_create(dt_provset_t *ps);
void dt_ht_destroy(dt_ht_t *ht);

typedef struct dt_ht_opts {
	size_t size; /* sizeof(struct dt_ht_opts) */
	const char
	    *dtraced_dir;    /* NULL: -x ddtracedir, $DTRACED_DIR, default */
	const char *run_dir; /* NULL: $HTVM_RUN_DIR or /run/htvm */
	const char *srcname; /* for "description 'X' matched N probes" */
	int script;	     /* srcname is a script (-s) */
	int quiet;
	int zdefs;
	int verbose;		  /* -v: report each guest's progress */
	uint64_t switchrate;	  /* ns between consumer drains */
	int wait_s;		  /* wait this long for the known guests before
				     starting the clocks (default 60) */
	const char *const *xopts; /* -x name=value from the command line */
	int nxopts;
} dt_ht_opts_t;

/*
 * Runs prog (compiled with hypertrace = 1 against ps of ht) in every guest
 * that dtraced reaches, until exit() or *intr. Picks -x ddtracedir=DIR,
 * -x htvmdir=DIR and -x htwait=SECONDS from o->xopts and prog's options.
 * Returns dtrace's exit status.
 */
int dt_ht_run(dt_ht_t *ht, dt_prog_t *prog, const dt_eopts_t *eo,
	      const dt_copts_t *co, FILE *out, const dt_ht_opts_t *o,
	      volatile sig_atomic_t *intr);

/*
 * For tests and benchmarks, the parts of dt_ht_run that take a guest
 * record: dt_ht_set_engine() makes e run the records (NULL: none);
 * dt_ht_add_guest() names guest g (0, or -1 when full); dt_ht_handle() is
 * the poller's handler (arg: ht); dt_ht_refused() counts records refused
 * (unknown guest, bad probe id).
 */
struct ht_record;
struct dt_guest;
void dt_ht_set_engine(dt_ht_t *ht, dt_engine_t *e);
int dt_ht_add_guest(dt_ht_t *ht, struct dt_guest *g, const char *name);
void dt_ht_handle(struct dt_guest *g, const struct ht_record *rec, void *arg);
uint64_t dt_ht_refused(const dt_ht_t *ht);

/* The guest side: see above. Returns the process exit status. */
int dt_ht_guest_main(const char *in, const char *out);

#endif /* DT_HYPERTRACE_H */
