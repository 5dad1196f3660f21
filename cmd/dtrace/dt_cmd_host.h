/*
 * dt_cmd_host.h: dtrace(1)'s glue to the host's Linux probe sources
 * (lib/providers/host) and to the ELF program options (dt_cmd_elf.h).
 * Owned by the wiring engineer; dtrace.c calls these at a few points.
 *
 * Host probes join the provider table lazily: only a probe description that
 * can name a host probe (syscall, sdt, proc, fbt) opens the probe sources,
 * so programs using only BEGIN/END/profile/tick never touch perf.
 */
#ifndef DT_CMD_HOST_H
#define DT_CMD_HOST_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "consumer/dt_consume.h"
#include "engine/dt_engine.h"
#include "front/dt_compile.h"
#include "providers/dt_providers.h"

typedef struct dt_cmd_host dt_cmd_host_t;

dt_cmd_host_t *dt_cmd_host_create(dt_provset_t *ps);
/* Stops tracing, closes the probe sources, frees; lets an unreleased -c
 * child die (it exits when its pipe closes). */
void dt_cmd_host_destroy(dt_cmd_host_t *hc);

/* dt_compile's probe lookup (arg: the dt_cmd_host_t): adds the matching
 * host probes to the table, then answers from the whole table. */
int dt_cmd_host_lookup(void *arg, const dt_probedesc_t *pd,
		       dt_probeinfo_t *info);
/* Adds the host probes every description of prog names (-Y: a program
 * that was not compiled here). */
void dt_cmd_host_ensure(dt_cmd_host_t *hc, const dt_prog_t *prog);
/* -l -P/-m/-f: makes pd (split as for -n) name a provider, module or
 * function (kind: enum dt_srckind). */
void dt_cmd_host_desc_kind(int kind, dt_probedesc_t *pd);
/* -l: lists the table's and the host's probes matching pd (all: NULL). */
int dt_cmd_host_list(dt_cmd_host_t *hc, FILE *out, const dt_probedesc_t *pd,
		     int header);

/* -c: forks cmd (split on blanks, as DTrace does: no shell), stopped
 * before exec until dt_cmd_host_release(). Returns its pid or -1. */
pid_t dt_cmd_host_spawn(dt_cmd_host_t *hc, const char *cmd);
void dt_cmd_host_release(dt_cmd_host_t *hc);
/* Whether probe id fires from the host probe sources (profile-N does when
 * perf is available) rather than from dtrace's timer. */
int dt_cmd_host_fires(const dt_cmd_host_t *hc, uint32_t id);
/* The -c child was reaped with wait status st: DTrace's notice ("pid N
 * has exited", ...) unless quiet. */
void dt_cmd_host_reaped(pid_t pid, int st, int quiet);
/* -p: 1 (after the notice) once the grabbed process is gone. */
int dt_cmd_host_gone(pid_t pid, int quiet);

/* Enables the host probes some clause of e uses and starts them (target:
 * -p/-c pid or 0). Returns 0, or 1 after printing DTrace's message. */
int dt_cmd_host_start(dt_cmd_host_t *hc, dt_engine_t *e, pid_t target);
/* Waits ns nanoseconds, delivering host probe firings meanwhile. */
void dt_cmd_host_wait(dt_cmd_host_t *hc, uint64_t ns);
/* Stops the probes and delivers the last firings; drops go to the
 * principal buffer's count (reported by dt_consumer_report). */
void dt_cmd_host_stop(dt_cmd_host_t *hc);

/* ELF options (see dt_cmd_elf.h). -y IN / -e -y IN: the exit status. */
int dt_cmd_host_elf_link(const char *in, int reemit, const char *out,
			 const char *const *xopts, int nx);
/* -Y IN[,host|guest]: the linked program to run, or NULL with *status
 * (guest mode: the linked program is written to *outp, nothing runs, and
 * *outp is cleared since -o named the ELF file, not trace output). */
dt_prog_t *dt_cmd_host_elf_load(const char *arg, const char **outp,
				const char *const *xopts, int nx, int *status);

#endif /* DT_CMD_HOST_H */
