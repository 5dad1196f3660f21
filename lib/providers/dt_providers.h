/*
 * dt_providers.h: the probe table of the host: the dtrace provider (BEGIN,
 * END, ERROR) and profile (profile-N, tick-N, created on demand as DTrace
 * does). Other sources (syscall through BPF/perf, ...) add themselves to
 * the same table through dt_prov_add() with their own fire loop.
 */
#ifndef DT_PROVIDERS_H
#define DT_PROVIDERS_H

#include <stdio.h>

#include "engine/dt_engine.h"
#include "front/dt_compile.h"

enum { DT_PK_DTRACE = 0, DT_PK_PROFILE, DT_PK_TICK, DT_PK_OTHER };

typedef struct dt_provset {
	dt_probe_t *probes;
	uint32_t n;
	uint8_t *kind;     /* DT_PK_* per probe */
	uint64_t *interval; /* profile/tick: period in ns */
} dt_provset_t;

#define DT_PROBE_BEGIN 1
#define DT_PROBE_END 2
#define DT_PROBE_ERROR 3

int dt_prov_init(dt_provset_t *ps);
void dt_prov_fini(dt_provset_t *ps);
/* Adds a probe (strings copied); returns its id or 0. */
uint32_t dt_prov_add(dt_provset_t *ps, const char *prov, const char *mod,
		     const char *func, const char *name, int kind,
		     uint64_t interval);
/* Parses "profile-97", "tick-10ms", ...: 0 and the period, or -1. */
int dt_prov_rate(const char *name, uint64_t *ns);
/* Creates the profile probes a description names (on demand). */
void dt_prov_ensure(dt_provset_t *ps, const dt_probedesc_t *pd);
/* dt_compile's probe lookup callback (arg: the dt_provset_t). */
int dt_prov_lookup(void *arg, const dt_probedesc_t *pd, dt_probeinfo_t *info);
/* Whether pd matches probe p (globs). */
int dt_prov_match(const dt_probedesc_t *pd, const dt_probe_t *p);
/* -l: lists the probes matching pd (all when NULL). */
int dt_prov_list(dt_provset_t *ps, FILE *out, const dt_probedesc_t *pd,
		 int header);

#endif /* DT_PROVIDERS_H */
