/*
 * dt_engine.h: the DIF engine: runs a dt_prog_t's clauses when probes fire
 * (the part of DTrace that lives in the kernel elsewhere). Owns the DIF
 * emulator, variables (global, thread-local, clause-local, associative),
 * aggregations, speculations and the per-CPU principal buffers that the
 * consumer (lib/consumer) drains and prints.
 *
 * Memory is reached through tagged address spaces: the engine's own memory
 * (scratch, variables, string tables) is checked against known regions;
 * any other address goes to the probe's address space hooks (host process
 * via process_vm_readv, or a guest's RAM via the guest channel).
 */
#ifndef DT_ENGINE_H
#define DT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/dt_size.h"
#include "program/dt_program.h"

/* A readable address space other than the engine's: returns 0 or -1. */
typedef int (*dt_aspace_read_f)(void *arg, uint64_t addr, void *buf,
				size_t len);
typedef struct dt_aspace {
	dt_aspace_read_f read; /* NULL: every access faults */
	void *arg;
} dt_aspace_t;

/* Reads another process's memory (arg = (void *)(intptr_t)pid). */
int dt_aspace_procread(void *arg, uint64_t addr, void *buf, size_t len);

/* A probe as the providers publish it. */
typedef struct dt_probe {
	uint32_t id;
	const char *prov, *mod, *func, *name;
} dt_probe_t;

/*
 * The key of thread-local storage: a thread of the host (guest = 0) or of
 * guest N, so that guests join the same tables without collisions.
 */
typedef struct dt_tkey {
	uint64_t tid;
	uint32_t guest;
	uint32_t pad;
} dt_tkey_t;

/* The context of one probe firing. */
typedef struct dt_pctx {
	uint32_t probe; /* probe id */
	uint32_t cpu;
	uint64_t arg[10];
	uint64_t ts, wallts, vts;
	int64_t pid, tid, ppid, uid, gid, errno_;
	const char *execname;
	const char *vmname;
	dt_tkey_t tkey;
	dt_aspace_t kern; /* ld* of non-engine addresses */
	dt_aspace_t user; /* copyin and friends */
	uint64_t curthread; /* the thread's task_struct in kern (guests), or 0 */
	/* call stacks, innermost first, for stack()/ustack() (none: 0) */
	const uint64_t *kstack, *ustack;
	uint32_t nkstack, nustack;
	/* If not NULL: only statements s with stmts[s] != 0 run (a guest's
	 * record runs the statements whose target names that guest). */
	const uint8_t *stmts;
} dt_pctx_t;

/* Fault types: DTrace's DTRACEFLT_* plus one (0 means no fault); the
 * ERROR probe's arg4 is DTrace's value (fault - 1). */
enum dt_fault {
	DT_FLT_NONE = 0,
	DT_FLT_UNKNOWN = 1,
	DT_FLT_BADADDR = 2,
	DT_FLT_BADALIGN = 3,
	DT_FLT_ILLOP = 4,
	DT_FLT_DIVZERO = 5,
	DT_FLT_NOSCRATCH = 6,
	DT_FLT_KPRIV = 7,
	DT_FLT_UPRIV = 8,
	DT_FLT_TUPOFLOW = 9,
	DT_FLT_BADSTACK = 10,
	DT_FLT_BADSIZE = 11,
	DT_FLT_BADINDEX = 12
};
const char *dt_fault_str(int flt);

/* Buffer policies. */
enum { DT_BUF_SWITCH = 0, DT_BUF_FILL = 1, DT_BUF_RING = 2 };

/* Engine options (DTrace's runtime options); dt_eopts_default() fills. */
typedef struct dt_eopts {
	uint64_t strsize, dynvarsize, aggsize, bufsize, specsize, scratchsize;
	uint32_t nspec, ncpus, bufpolicy;
	int destructive;
	int bufresize_manual;
	/* Behave as Linux DTrace where the two DTraces differ: the ERROR
	 * probe's arg1/arg2 are the probe id and the clause (illumos: the
	 * EPID and the action), and strings hold strsize - 1 characters
	 * however they are read (strsize then counts the NUL: the caller
	 * adds one to the user's value) */
	int linux_semantics;
} dt_eopts_t;
void dt_eopts_default(dt_eopts_t *o);
/* Sets one option by DTrace name ("strsize", "bufsize=4m", ...); sizes
 * take k/m/g/t suffixes. Returns 0, 1 if the name is not an engine
 * option, -1 for a bad value. */
int dt_eopts_set(dt_eopts_t *o, const char *name, const char *value);

/* An enabled probe/clause pair (DTrace's ECB); epids count from 1. */
typedef struct dt_ecb {
	uint32_t epid;
	uint32_t stmt; /* index in prog->stmts */
	uint32_t probe; /* probe id */
	const dt_probe_t *pr;
} dt_ecb_t;

/* An aggregation entry (one key of one aggregation). */
typedef struct dt_aggent {
	struct dt_aggent *next, *lnext;
	uint32_t agg;     /* index in prog->aggs */
	uint32_t keylen;
	uint64_t hash;
	uint64_t normal;
	uint32_t nvals;
	int64_t *vals;   /* function data */
	uint8_t *key;    /* keylen bytes: 8 per int key, strsize per string */
	/* the aggregating action that made it: its key DIFOs give each key's
	 * width at that use (@[(char)x] and @[(long)y] in one aggregation) */
	const dt_action_t *use;
} dt_aggent_t;

/* Error report of a fault, for the consumer's message. */
typedef struct dt_errinfo {
	uint32_t epid;
	int fault;
	uint64_t addr;
	int where;  /* -1 predicate, else action number (1-based) */
	uint32_t pc;
	const dt_ecb_t *ecb;
} dt_errinfo_t;
typedef void (*dt_err_f)(void *arg, const dt_errinfo_t *ei);

typedef struct dt_engine dt_engine_t;

/*
 * Creates an engine for prog over the probes the providers publish. Each
 * statement's descriptions are matched against probes; ecbs are created
 * in statement order. Every DIFO is verified first; on failure returns
 * NULL and writes why.
 */
dt_engine_t *dt_engine_create(const dt_prog_t *prog, const dt_eopts_t *o,
			      const dt_probe_t *probes, uint32_t nprobes,
			      char *why, size_t whylen);
void dt_engine_destroy(dt_engine_t *e);
/*
 * Starts tracing: until it returns 0 no probe fires. Fails with why when
 * the options leave too little space for the enablings (aggsize,
 * dynvarsize, an END enabling under bufpolicy=fill), the checks DTrace
 * makes when it starts rather than when it compiles.
 */
int dt_engine_go(dt_engine_t *e, char *why, size_t whylen);
void dt_engine_set_errhandler(dt_engine_t *e, dt_err_f f, void *arg);
/* Called when a ustack()/usym()-like record or key names a process other
 * than the last one named (or the same after an exec: another execname),
 * so the consumer can read its mappings while it still runs (it prints
 * the addresses later, maybe after the exit). */
typedef void (*dt_pid_f)(void *arg, int64_t pid, const char *execname);
void dt_engine_set_pidhook(dt_engine_t *e, dt_pid_f f, void *arg);

/* Number of ecbs and their table. */
uint32_t dt_engine_necbs(const dt_engine_t *e);
const dt_ecb_t *dt_engine_ecb(const dt_engine_t *e, uint32_t epid);
/* Whether some clause is enabled on probe id. */
int dt_engine_enabled(const dt_engine_t *e, uint32_t probe);

/* Fires a probe: runs every clause enabled on ctx->probe. */
void dt_engine_fire(dt_engine_t *e, const dt_pctx_t *ctx);

/*
 * Principal buffer of a CPU. Records are:
 *   u32 epid, u32 size (whole record, 8-aligned), u64 timestamp, then for
 *   each recorded value: u32 size, u32 flags (DT_REC_*), data (8-aligned)
 */
typedef struct dt_buf {
	uint8_t *data;
	uint64_t size, used; /* size: bufsize, DTrace-accounted (acct) */
	uint64_t cap, acct;  /* physical capacity; accounted bytes in use */
	uint64_t drops;
	uint64_t wrapped; /* ring: offset of the oldest record, or 0 */
	int full;         /* fill policy: stopped */
} dt_buf_t;
#define DT_REC_STR 0x1    /* string */
#define DT_REC_SIGNED 0x2 /* signed integer */
#define DT_REC_REF 0x4    /* by-reference bytes */
#define DT_REC_FLOAT 0x8  /* float, double or long double bits */
#define DT_REC_STACK 0x10  /* stack(): nframes kernel PCs, 0-padded */
#define DT_REC_USTACK 0x20 /* ustack(): pid, then nframes user PCs */
#define DT_REC_HDR 16

dt_buf_t *dt_engine_buf(dt_engine_t *e, uint32_t cpu);
/* Walks the buffer's records in order; resets it. For ring buffers the
 * oldest record comes first. */
typedef int (*dt_rec_f)(void *arg, uint32_t cpu, const uint8_t *rec,
			uint32_t len);
int dt_engine_consume(dt_engine_t *e, uint32_t cpu, dt_rec_f f, void *arg);

/* Counters the consumer reports. */
typedef struct dt_estats {
	uint64_t dyndrops, dyndrops_rinse, dyndrops_dirty;
	uint64_t aggdrops, specdrops, specbusy, specunavail, errors;
	uint64_t dblerrors; /* faults inside ERROR clauses */
} dt_estats_t;
void dt_engine_stats(dt_engine_t *e, dt_estats_t *st, int reset);

/* Aggregations: entries in insertion order. */
dt_aggent_t *dt_engine_aggs(dt_engine_t *e);
void dt_engine_agg_clear(dt_engine_t *e, uint32_t agg);
void dt_engine_agg_remove(dt_engine_t *e, dt_aggent_t *ent);
void dt_engine_agg_normalize(dt_engine_t *e, uint32_t agg, uint64_t n);
const dt_prog_t *dt_engine_prog(const dt_engine_t *e);
const dt_eopts_t *dt_engine_opts(const dt_engine_t *e);
/* Size of one aggregation's key / data, and how key i is laid out. */
/* Whether aggregation agg has stack()/sym()-like keys (dt_prog_keykind). */
int dt_engine_aggspecial(const dt_engine_t *e, uint32_t agg);
uint32_t dt_agg_keyoff(const dt_engine_t *e, uint32_t agg, uint32_t i,
		       uint32_t *size, int *isstr);

/* Whether a fill-policy buffer has filled (tracing then stops). */
int dt_engine_filled(const dt_engine_t *e);
/* Set by exit(): the exit status and whether it happened. */
int dt_engine_exited(const dt_engine_t *e, int *status);

/* Quantize helpers shared with the consumer. */
#define DT_QUANT_NBUCKETS 127
#define DT_QUANT_ZERO 63
int64_t dt_quant_bucketval(int i);
uint32_t dt_agg_nvals(const dt_aggdesc_t *ad);
int dt_llquant_nbins(const dt_aggdesc_t *ad);

/* Whether an action operand records a value: an expression statement
 * (`x = 1;`) is a DIFO returning a type of size 0, run for its effect. */
static inline int dt_difo_records(const dt_difo_t *dp)
{
	return dp != NULL &&
	       !(dp->rtype.kind == DIF_TYPE_CTF && dp->rtype.size == 0 &&
		 !(dp->rtype.flags & DIF_TF_BYREF));
}

/* Runs one DIFO outside any clause (tests, bench): returns 0 or a fault. */
int dt_engine_run_difo(dt_engine_t *e, const dt_difo_t *dp,
		       const dt_pctx_t *ctx, uint64_t *rval);

#endif /* DT_ENGINE_H */
