/*
 * dt_engine.c: the DIF engine: ECB construction, the emulator for every
 * DIF instruction, variables, subroutines, aggregations, speculations and
 * the per-CPU principal buffers. Semantics follow DTrace's dtrace.c
 * (condition codes, string bounds, variable storage, fault kinds); the
 * code is our own.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common/dt_glob.h"
#include "dif/dt_verify.h"
#include "engine/dt_engine.h"
#include "engine/dt_json.h"

#define DT_NVAR (DIF_VAR_OTHER_MAX - DIF_VAR_OTHER_UBASE + 1)
#define DT_RECMAX (1U << 20)

const char *dt_fault_str(int flt)
{
	static const char *const s[] = {
		"no fault",	       "unknown fault",
		"invalid address",     "invalid alignment",
		"illegal operation",   "divide-by-zero",
		"out of scratch space", "invalid kernel access",
		"invalid user access", "tuple stack overflow",
		"bad stack",	       "invalid size",
		"index out of bounds"};
	if (flt < 0 || flt > DT_FLT_BADINDEX)
		return "unknown fault";
	return s[flt];
}

int dt_aspace_procread(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = {buf, len}, r = {(void *)(uintptr_t)addr, len};
	pid_t pid = (pid_t)(intptr_t)arg;

	return process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* ---- options ---- */

void dt_eopts_default(dt_eopts_t *o)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	o->strsize = 256;
	o->dynvarsize = 1 << 20;
	o->aggsize = 4 << 20;
	o->bufsize = 4 << 20;
	o->specsize = 32 << 10;
	o->scratchsize = 256; /* alloca space per clause, as Linux DTrace */
	o->nspec = 1;
	o->ncpus = n > 0 ? (uint32_t)n : 1;
	o->bufpolicy = DT_BUF_SWITCH;
}

int dt_eopts_set(dt_eopts_t *o, const char *name, const char *value)
{
	static const struct {
		const char *n;
		size_t off;
	} sz[] = {
		{"strsize", offsetof(dt_eopts_t, strsize)},
		{"dynvarsize", offsetof(dt_eopts_t, dynvarsize)},
		{"aggsize", offsetof(dt_eopts_t, aggsize)},
		{"bufsize", offsetof(dt_eopts_t, bufsize)},
		{"specsize", offsetof(dt_eopts_t, specsize)},
		{"scratchsize", offsetof(dt_eopts_t, scratchsize)},
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		if (strcmp(name, sz[i].n) != 0)
			continue;
		if (dt_parse_size(value, &v) != 0)
			return -1;
		if (strcmp(name, "strsize") == 0 && v < 2)
			return -1;
		*(uint64_t *)((char *)o + sz[i].off) = v;
		return 0;
	}
	if (strcmp(name, "nspec") == 0) {
		if (dt_parse_size(value, &v) != 0)
			return -1;
		o->nspec = (uint32_t)v;
		return 0;
	}
	if (strcmp(name, "cpu") == 0)
		return 0;
	if (strcmp(name, "bufpolicy") == 0) {
		if (value == NULL)
			return -1;
		if (strcmp(value, "switch") == 0)
			o->bufpolicy = DT_BUF_SWITCH;
		else if (strcmp(value, "fill") == 0)
			o->bufpolicy = DT_BUF_FILL;
		else if (strcmp(value, "ring") == 0)
			o->bufpolicy = DT_BUF_RING;
		else
			return -1;
		return 0;
	}
	if (strcmp(name, "bufresize") == 0) {
		if (value == NULL)
			return -1;
		if (strcmp(value, "manual") == 0)
			o->bufresize_manual = 1;
		else if (strcmp(value, "auto") == 0)
			o->bufresize_manual = 0;
		else
			return -1;
		return 0;
	}
	if (strcmp(name, "destructive") == 0) {
		o->destructive = 1;
		return 0;
	}
	return 1;
}

/* ---- engine state ---- */

typedef struct dt_gvar {
	uint32_t off, size; /* storage; by-ref values have an 8-byte header */
	uint8_t isstr, byref, scope, used;
} dt_gvar_t;

typedef struct dt_dvent {
	struct dt_dvent *next;
	uint64_t hash;
	uint32_t keylen, vallen, alloc, used;
	uint8_t data[]; /* key, then value at roundup(keylen, 8) */
} dt_dvent_t;

typedef struct dt_spec {
	int state; /* 0 free, 1 active, 2 committing/discarding */
	uint8_t *data;
	uint64_t used, acct, cap;
	uint64_t drops;
} dt_spec_t;

typedef struct dt_tuple {
	uint64_t v;
	uint64_t size; /* 0: by value */
	int isstr;
} dt_tuple_t;

struct dt_engine {
	const dt_prog_t *prog;
	int going;          /* dt_engine_go() succeeded: probes fire */
	char spaceerr[96];  /* space refusal, reported by dt_engine_go() */
	dt_eopts_t o;
	dt_probe_t *probes;
	uint32_t nprobes, maxprobe;
	dt_ecb_t *ecbs;
	uint32_t necbs;
	uint32_t **pecbs; /* per probe id: epids, 0-terminated */
	const dt_probe_t **pidx; /* probe id -> probe */
	uint32_t *ecbneed;  /* per epid: record size the ECB needs */
	uint8_t *ecbspec;   /* per epid: the ECB speculates */
	dt_gvar_t *gv, *lv;       /* indexed by id - DIF_VAR_OTHER_UBASE */
	uint8_t *garena, *larena; /* globals, clause-locals */
	uint32_t glen, llen;
	uint8_t *scratchbuf;
	uint8_t *scratch;   /* alloca region: arsize bytes, 8 guard before */
	uint64_t arsize;    /* scratchsize rounded up to 8 */
	uint8_t *tscratch;  /* temporary strings and copies: tsize bytes */
	uint64_t tsize;
	uint8_t *dvarena; /* dynamic variables */
	uint64_t dvtop, dvcap, dvused;
	dt_dvent_t **dvhash;
	uint32_t dvnhash;
	dt_dvent_t *dvfree[64];
	dt_aggent_t **agghash, *agghead, *aggtail;
	uint32_t aggnhash;
	uint64_t aggused;
	uint32_t *aggkeylen;
	uint8_t *aggspecial; /* per aggregation: has stack()/usym()-like keys */
	dt_buf_t *bufs;
	dt_spec_t *specs; /* nspec * ncpus is overkill: one set */
	dt_estats_t st;
	uint8_t *rec;
	int exited, exitstatus, in_error;
	uint32_t error_probe, end_probe;
	dt_err_f errf;
	void *errarg;
	dt_pid_f pidf;
	void *pidarg;
	int64_t lastpid;
	char lastcomm[16];
	uint64_t randstate;
};

typedef struct dt_mstate {
	dt_engine_t *e;
	const dt_pctx_t *ctx;
	const dt_ecb_t *ecb;
	const dt_difo_t *dp;
	uint64_t atop; /* alloca bytes in use (8-aligned) */
	uint64_t stop; /* temporary bytes in use */
	dt_tuple_t tup[DIF_DTR_NREGS];
	uint32_t ntup;
	int flt;
	uint64_t fltaddr;
	uint32_t pc;
	/* probe names, execname, vmname, on demand; [6] holds curcpu's
	 * cpuinfo_t, so that loads through curcpu stay in a known region */
	_Alignas(8) char ctxstr[7][128];
	const char *ctxp[7];
	const dt_probe_t *pr;
} dt_mstate_t;

/* Hashes a key 8 bytes at a time (keys are mostly zero-padded strings). */
static uint64_t dt_hash(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		if (w == 0)
			continue;
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static int dt_flt(dt_mstate_t *ms, int flt, uint64_t addr)
{
	if (ms->flt == 0) {
		ms->flt = flt;
		ms->fltaddr = addr;
	}
	return -1;
}

/* Engine memory an address falls in, or NULL. */
static uint8_t *dt_eptr(dt_mstate_t *ms, uint64_t addr, uint64_t size,
			uint64_t *room)
{
	dt_engine_t *e = ms->e;
	struct {
		const uint8_t *b;
		uint64_t n;
	} r[7] = {
		{e->scratch, ms->atop},
		{e->tscratch, ms->stop},
		{e->garena, e->glen},
		{e->larena, e->llen},
		{e->dvarena, e->dvtop},
		{ms->dp ? (const uint8_t *)ms->dp->strtab : NULL,
		 ms->dp ? ms->dp->strlen : 0},
		{(const uint8_t *)ms->ctxstr, sizeof(ms->ctxstr)},
	};

	for (int i = 0; i < 7; i++) {
		uint64_t b = (uint64_t)(uintptr_t)r[i].b;

		if (r[i].b == NULL || addr < b || addr >= b + r[i].n)
			continue;
		if (size > b + r[i].n - addr)
			return NULL;
		if (room)
			*room = b + r[i].n - addr;
		return (uint8_t *)(uintptr_t)addr;
	}
	return NULL;
}

static int dt_canstore(dt_mstate_t *ms, const uint8_t *d, uint64_t n)
{
	const dt_engine_t *e = ms->e;

	if (d >= e->scratch && d + n <= e->scratch + ms->atop)
		return 1;
	if (d >= e->tscratch && d + n <= e->tscratch + ms->stop)
		return 1;
	if (d >= e->garena && d + n <= e->garena + e->glen)
		return 1;
	if (d >= e->larena && d + n <= e->larena + e->llen)
		return 1;
	return d >= e->dvarena && d + n <= e->dvarena + e->dvtop;
}

static int dt_load(dt_mstate_t *ms, uint64_t addr, void *buf, size_t n)
{
	uint8_t *p = dt_eptr(ms, addr, n, NULL);

	if (p != NULL) {
		memcpy(buf, p, n);
		return 0;
	}
	if (addr != 0 && ms->ctx->kern.read != NULL &&
	    ms->ctx->kern.read(ms->ctx->kern.arg, addr, buf, n) == 0)
		return 0;
	return dt_flt(ms, DT_FLT_BADADDR, addr);
}

/* Temporary space for string results and copies, reset per clause. */
static void *dt_salloc(dt_mstate_t *ms, uint64_t n)
{
	uint64_t a = (ms->stop + 7) & ~7ULL;

	if (n > ms->e->tsize || a + n > ms->e->tsize) {
		dt_flt(ms, DT_FLT_NOSCRATCH, 0);
		return NULL;
	}
	ms->stop = a + n;
	memset(ms->e->tscratch + a, 0, n);
	return ms->e->tscratch + a;
}

/*
 * alloca(): the clause's share of scratchsize, 8-aligned, as Linux DTrace
 * hands it out (the top is rounded up, so alloca(1); alloca(1) are 8
 * bytes apart).
 */
static void *dt_alloca(dt_mstate_t *ms, uint64_t n)
{
	uint64_t a = ms->atop;

	if (n > ms->e->arsize || ((a + n + 7) & ~7ULL) > ms->e->arsize) {
		dt_flt(ms, DT_FLT_NOSCRATCH, 0);
		return NULL;
	}
	ms->atop = (a + n + 7) & ~7ULL;
	memset(ms->e->scratch + a, 0, ms->atop - a);
	return ms->e->scratch + a;
}

/*
 * Checks an n-byte access at addr for copies into or out of alloca
 * space: 1 if addr is in the alloca region and the access fits, 0 if addr
 * is elsewhere (when alloca space is not required), -1 after a fault: an
 * address outside what was allocated is invalid, a size that runs past
 * the top is.
 */
static int dt_alloca_access(dt_mstate_t *ms, uint64_t addr, uint64_t n,
			    int required)
{
	uint64_t b = (uint64_t)(uintptr_t)ms->e->scratch;

	if (addr < b || addr >= b + ms->e->arsize) {
		if (!required)
			return 0;
		return dt_flt(ms, DT_FLT_BADADDR, addr);
	}
	if (addr >= b + ms->atop)
		return dt_flt(ms, DT_FLT_BADADDR, addr);
	if (n > b + ms->atop - addr)
		return dt_flt(ms, DT_FLT_BADSIZE, n);
	return 1;
}

/*
 * A string at addr, bounded by strsize: engine memory is used in place,
 * other address spaces are copied into scratch. NULL on a fault.
 */
static const char *dt_str(dt_mstate_t *ms, uint64_t addr, size_t *lenp)
{
	uint64_t room, max = ms->e->o.strsize - (ms->e->o.linux_semantics &&
						 ms->e->o.strsize > 1);
	uint8_t *p;
	char *s;

	if (addr == 0) {
		dt_flt(ms, DT_FLT_BADADDR, addr);
		return NULL;
	}
	p = dt_eptr(ms, addr, 1, &room);
	if (p != NULL) {
		size_t n = strnlen((char *)p, room < max ? room : max);

		if (lenp)
			*lenp = n;
		return (char *)p;
	}
	if (ms->ctx->kern.read == NULL) {
		dt_flt(ms, DT_FLT_BADADDR, addr);
		return NULL;
	}
	if ((s = dt_salloc(ms, max + 1)) == NULL)
		return NULL;
	for (uint64_t i = 0; i < max; i++) {
		if (ms->ctx->kern.read(ms->ctx->kern.arg, addr + i, s + i, 1)) {
			dt_flt(ms, DT_FLT_BADADDR, addr + i);
			return NULL;
		}
		if (s[i] == '\0')
			break;
	}
	if (lenp)
		*lenp = strnlen(s, max);
	return s;
}

/* ---- dynamic variables ---- */

static dt_dvent_t *dt_dv_alloc(dt_engine_t *e, uint32_t need,
				uint32_t charge)
{
	uint32_t sz = (need + 15) & ~15U, cls = sz / 16;
	dt_dvent_t *d;

	/* dynvarsize bounds the variables' keys and values; the engine's
	 * own bookkeeping lives beside it. */
	if (e->dvused + charge > e->o.dynvarsize)
		return NULL;
	if (cls < 64 && e->dvfree[cls] != NULL) {
		d = e->dvfree[cls];
		e->dvfree[cls] = d->next;
		e->dvused += charge;
		d->used = charge;
		return d;
	}
	if (e->dvtop + sz > e->dvcap)
		return NULL;
	e->dvused += charge;
	d = (dt_dvent_t *)(e->dvarena + e->dvtop);
	e->dvtop += sz;
	d->alloc = sz;
	d->used = charge;
	return d;
}

static void dt_dv_free(dt_engine_t *e, dt_dvent_t *d)
{
	uint32_t cls = d->alloc / 16;

	e->dvused -= d->used;
	if (cls < 64) {
		d->next = e->dvfree[cls];
		e->dvfree[cls] = d;
	}
}

/*
 * Looks up (and with create, makes) the dynamic variable named by key.
 * Returns a pointer to its value or NULL (absent, or dropped). A new
 * variable takes charge bytes of dynvarsize.
 */
static uint8_t *dt_dv_get(dt_engine_t *e, const uint8_t *key, uint32_t klen,
			  uint32_t vlen, int op /* 0 get, 1 create, 2 del */,
			  uint32_t charge)
{
	uint64_t h = dt_hash(key, klen, 0xcbf29ce484222325ULL);
	dt_dvent_t **pp = &e->dvhash[h % e->dvnhash], *d;
	uint32_t voff = (klen + 7) & ~7U;

	for (; (d = *pp) != NULL; pp = &d->next) {
		if (d->hash == h && d->keylen == klen &&
		    memcmp(d->data, key, klen) == 0) {
			if (op == 2) {
				*pp = d->next;
				dt_dv_free(e, d);
				return NULL;
			}
			return d->data + voff;
		}
	}
	if (op != 1)
		return NULL;
	d = dt_dv_alloc(e, (uint32_t)sizeof(*d) + voff + vlen, charge);
	if (d == NULL) {
		e->st.dyndrops++;
		return NULL;
	}
	d->hash = h;
	d->keylen = klen;
	d->vallen = vlen;
	memcpy(d->data, key, klen);
	memset(d->data + voff, 0, vlen);
	d->next = e->dvhash[h % e->dvnhash];
	e->dvhash[h % e->dvnhash] = d;
	return d->data + voff;
}

/* Builds the key of a dynamic variable: id, thread, tuple (which starts
 * at *tupoff when that is not NULL). */
static int dt_dv_key(dt_mstate_t *ms, uint32_t id, int thread, int tuple,
		     uint8_t *key, uint32_t *klen, uint32_t *tupoff)
{
	uint32_t n = 0, max = *klen;

	memset(key, 0, 8);
	memcpy(key, &id, 4);
	n = 8;
	if (thread) {
		memcpy(key + n, &ms->ctx->tkey, sizeof(dt_tkey_t));
		n += sizeof(dt_tkey_t);
	}
	if (tupoff != NULL)
		*tupoff = n;
	for (uint32_t i = 0; tuple && i < ms->ntup; i++) {
		dt_tuple_t *t = &ms->tup[i];

		if (t->size == 0) {
			if (n + 8 > max)
				return dt_flt(ms, DT_FLT_TUPOFLOW, 0);
			memcpy(key + n, &t->v, 8);
			n += 8;
		} else if (t->isstr) {
			size_t len;
			const char *s = dt_str(ms, t->v, &len);

			if (s == NULL)
				return -1;
			if (len > t->size)
				len = t->size;
			/* the key holds the whole string buffer, as in
			 * DTrace, so that dynvarsize is used as it uses it */
			if (n + t->size + 1 > max)
				return dt_flt(ms, DT_FLT_TUPOFLOW, 0);
			memcpy(key + n, s, len);
			memset(key + n + len, 0, t->size + 1 - len);
			n += (uint32_t)t->size + 1;
		} else {
			if (n + t->size > max)
				return dt_flt(ms, DT_FLT_TUPOFLOW, 0);
			if (dt_load(ms, t->v, key + n, t->size))
				return -1;
			n += t->size;
		}
	}
	*klen = n;
	return 0;
}

/* ---- variables ---- */

static dt_gvar_t *dt_var(dt_engine_t *e, uint32_t id, int local)
{
	if (id < DIF_VAR_OTHER_UBASE)
		return NULL;
	return local ? &e->lv[id - DIF_VAR_OTHER_UBASE]
		     : &e->gv[id - DIF_VAR_OTHER_UBASE];
}

/* Type of variable id as the current DIFO declares it. */
static const dif_var_desc_t *dt_difo_var(const dt_difo_t *dp, uint32_t id,
					 int scope)
{
	for (uint32_t i = 0; i < dp->varlen; i++)
		if (dp->vartab[i].id == id && dp->vartab[i].scope == scope)
			return &dp->vartab[i];
	return NULL;
}

static const dif_var_desc_t *dt_vdesc(dt_mstate_t *ms, uint32_t id, int scope)
{
	return dt_difo_var(ms->dp, id, scope);
}

static uint32_t dt_vsize(dt_engine_t *e, const dif_var_desc_t *v, int *isstr,
			 int *byref)
{
	*isstr = v && v->type.kind == DIF_TYPE_STRING;
	*byref = v && (*isstr || (v->type.flags & DIF_TF_BYREF));
	if (*isstr)
		return (uint32_t)e->o.strsize;
	if (*byref)
		return v->type.size;
	return 8;
}

/* Copies a by-ref value (string bounded by strsize) to dst. */
static int dt_vcopy(dt_mstate_t *ms, uint8_t *dst, uint64_t src, uint32_t size,
		    int isstr)
{
	if (isstr) {
		size_t len;
		const char *s = dt_str(ms, src, &len);

		if (s == NULL)
			return -1;
		if (len >= size)
			len = size - 1;
		memmove(dst, s, len);
		memset(dst + len, 0, size - len);
		return 0;
	}
	return dt_load(ms, src, dst, size);
}

static uint64_t dt_ldscalar(dt_mstate_t *ms, uint32_t id, int local)
{
	dt_gvar_t *g = dt_var(ms->e, id, local);
	uint8_t *p;

	if (g == NULL || !g->used)
		return 0;
	p = (local ? ms->e->larena : ms->e->garena) + g->off;
	if (g->byref)
		return p[0] == 0xff ? 0 : (uint64_t)(uintptr_t)(p + 8);
	return *(uint64_t *)p;
}

static void dt_stscalar(dt_mstate_t *ms, uint32_t id, int local, uint64_t v)
{
	dt_gvar_t *g = dt_var(ms->e, id, local);
	uint8_t *p;

	if (g == NULL || !g->used)
		return;
	p = (local ? ms->e->larena : ms->e->garena) + g->off;
	if (!g->byref) {
		*(uint64_t *)p = v;
		return;
	}
	if (v == 0) {
		p[0] = 0xff;
		return;
	}
	p[0] = 0;
	dt_vcopy(ms, p + 8, v, g->size, g->isstr);
}

static uint64_t dt_lddyn(dt_mstate_t *ms, uint32_t id, int thread, int tuple)
{
	uint8_t key[16384];
	uint32_t klen = sizeof(key);
	int isstr, byref;
	const dif_var_desc_t *v =
		dt_vdesc(ms, id, thread ? DIFV_SCOPE_THREAD : DIFV_SCOPE_GLOBAL);
	uint32_t sz = dt_vsize(ms->e, v, &isstr, &byref);
	uint8_t *p;

	if (dt_dv_key(ms, id, thread, tuple, key, &klen, NULL))
		return 0;
	p = dt_dv_get(ms->e, key, klen, sz, 0, 0);
	if (p == NULL)
		return 0;
	return byref ? (uint64_t)(uintptr_t)p : *(uint64_t *)p;
}

static void dt_stdyn(dt_mstate_t *ms, uint32_t id, int thread, int tuple,
		     uint64_t val)
{
	uint8_t key[16384];
	uint32_t klen = sizeof(key);
	int isstr, byref;
	const dif_var_desc_t *v =
		dt_vdesc(ms, id, thread ? DIFV_SCOPE_THREAD : DIFV_SCOPE_GLOBAL);
	uint32_t sz = dt_vsize(ms->e, v, &isstr, &byref);
	uint32_t charge, tupoff = 0;
	uint8_t *p;

	if (dt_dv_key(ms, id, thread, tuple, key, &klen, &tupoff))
		return;
	/* Storing zero (or a NULL string) deletes, as in DTrace. */
	if (val == 0) {
		dt_dv_get(ms->e, key, klen, sz, 2, 0);
		return;
	}
	/* What a variable takes of dynvarsize: its value and, in an
	 * associative array, its tuple (a 4-byte id and the keys), as
	 * Linux DTrace counts; a thread's identity is not charged. */
	charge = sz + (tuple ? 4 + klen - tupoff : 0);
	if (byref) {
		/* Copy first: the source may be the variable itself. */
		uint8_t *tmp = dt_salloc(ms, sz);

		if (tmp == NULL || dt_vcopy(ms, tmp, val, sz, isstr))
			return;
		p = dt_dv_get(ms->e, key, klen, sz, 1, charge);
		if (p != NULL)
			memcpy(p, tmp, sz);
		return;
	}
	p = dt_dv_get(ms->e, key, klen, sz, 1, charge);
	if (p != NULL)
		*(uint64_t *)p = val;
}

/* A context string copied into the mstate (a region loads may read). */
static uint64_t dt_ctxstr(dt_mstate_t *ms, int i)
{
	const dt_probe_t *pr = ms->pr;
	const char *src;

	if (ms->ctxp[i] == NULL) {
		switch (i) {
		case 0: src = pr ? pr->prov : ""; break;
		case 1: src = pr ? pr->mod : ""; break;
		case 2: src = pr ? pr->func : ""; break;
		case 3: src = pr ? pr->name : ""; break;
		case 4: src = ms->ctx->execname; break;
		default: src = ms->ctx->vmname; break;
		}
		snprintf(ms->ctxstr[i], sizeof(ms->ctxstr[i]), "%s",
			 src ? src : "");
		ms->ctxp[i] = ms->ctxstr[i];
	}
	return (uint64_t)(uintptr_t)ms->ctxp[i];
}

/* The physical package of a CPU (chip), read once from sysfs. */
static int32_t dt_cpu_chip(uint32_t cpu)
{
	static int32_t cache[256];
	static uint8_t known[256];
	char path[96];
	FILE *f;
	int v = 0;

	if (cpu >= 256)
		return 0;
	if (known[cpu])
		return cache[cpu];
	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%u/topology/physical_package_id",
		 cpu);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	cache[cpu] = v;
	known[cpu] = 1;
	return v;
}

/* curcpu: a cpuinfo_t (cpu_id, cpu_pset, cpu_chip, cpu_lgrp, cpu_info)
 * built in the mstate. Linux has no processor sets (pset 0) and we report
 * locality group 0, as Linux DTrace does on a single-node host. */
static uint64_t dt_curcpu(dt_mstate_t *ms)
{
	int32_t w[4] = {(int32_t)ms->ctx->cpu, 0, dt_cpu_chip(ms->ctx->cpu),
			0};
	uint64_t info = 0;

	if (ms->ctxp[6] == NULL) {
		memcpy(ms->ctxstr[6], w, sizeof(w));
		memcpy(ms->ctxstr[6] + sizeof(w), &info, sizeof(info));
		ms->ctxp[6] = ms->ctxstr[6];
	}
	return (uint64_t)(uintptr_t)ms->ctxp[6];
}

static uint64_t dt_builtin(dt_mstate_t *ms, uint32_t id)
{
	const dt_pctx_t *c = ms->ctx;

	if (id >= DIF_VAR_ARG0 && id <= DIF_VAR_ARG9)
		return c->arg[id - DIF_VAR_ARG0];
	switch (id) {
	case DIF_VAR_TIMESTAMP: return c->ts;
	case DIF_VAR_VTIMESTAMP: return c->vts ? c->vts : c->ts;
	case DIF_VAR_WALLTIMESTAMP: return c->wallts;
	case DIF_VAR_EPID: return ms->ecb ? ms->ecb->epid : 0;
	case DIF_VAR_ID: return c->probe;
	case DIF_VAR_PID: return (uint64_t)c->pid;
	case DIF_VAR_TID: return (uint64_t)c->tid;
	case DIF_VAR_PPID: return (uint64_t)c->ppid;
	case DIF_VAR_UID: return (uint64_t)c->uid;
	case DIF_VAR_GID: return (uint64_t)c->gid;
	case DIF_VAR_ERRNO: return (uint64_t)c->errno_;
	case DIF_VAR_CPU: return c->cpu;
	case DIF_VAR_CURCPU: return dt_curcpu(ms);
	case DIF_VAR_HOSTID: return c->tkey.guest;
	case DIF_VAR_CURTHREAD: return c->curthread;
	case DIF_VAR_PROBEPROV: return dt_ctxstr(ms, 0);
	case DIF_VAR_PROBEMOD: return dt_ctxstr(ms, 1);
	case DIF_VAR_PROBEFUNC: return dt_ctxstr(ms, 2);
	case DIF_VAR_PROBENAME: return dt_ctxstr(ms, 3);
	case DIF_VAR_EXECNAME: return dt_ctxstr(ms, 4);
	case DIF_VAR_VMNAME: case DIF_VAR_ZONENAME: return dt_ctxstr(ms, 5);
	case DIF_VAR_STACKDEPTH: return c->nkstack;
	case DIF_VAR_USTACKDEPTH: return c->nustack;
	/* the frame that called the probe's function */
	case DIF_VAR_CALLER: return c->nkstack > 1 ? c->kstack[1] : 0;
	case DIF_VAR_UCALLER: return c->nustack > 1 ? c->ustack[1] : 0;
	case DIF_VAR_IPL:
		return 0;
	default:
		dt_flt(ms, DT_FLT_ILLOP, 0);
		return 0;
	}
}

/* ---- subroutines ---- */

static char *dt_sret(dt_mstate_t *ms)
{
	return dt_salloc(ms, ms->e->o.strsize + 1);
}

static uint64_t dt_rand(dt_engine_t *e)
{
	e->randstate = e->randstate * 6364136223846793005ULL +
		       1442695040888963407ULL;
	return e->randstate >> 17;
}

static uint64_t dt_subr(dt_mstate_t *ms, uint32_t sub)
{
	dt_engine_t *e = ms->e;
	uint64_t *t = NULL, a[DIF_DTR_NREGS] = {0};
	uint64_t max = e->o.strsize;
	const char *s, *s2;
	size_t l, l2;
	char *r;

	for (uint32_t i = 0; i < ms->ntup; i++)
		a[i] = ms->tup[i].v;
	(void)t;
	switch (sub) {
	case DIF_SUBR_RAND:
	case DIF_SUBR_RANDOM:
		return dt_rand(e);
	case DIF_SUBR_STRLEN:
		s = dt_str(ms, a[0], &l);
		return s ? l : 0;
	case DIF_SUBR_STRJOIN:
		if (!(s = dt_str(ms, a[0], &l)) || !(s2 = dt_str(ms, a[1], &l2)))
			return 0;
		if (!(r = dt_sret(ms)))
			return 0;
		/* the result is bounded by strsize, as in DTrace */
		if (l > max - 1)
			l = max - 1;
		if (l + l2 > max - 1)
			l2 = max - 1 - l;
		memcpy(r, s, l);
		memcpy(r + l, s2, l2);
		r[l + l2] = 0;
		return (uintptr_t)r;
	case DIF_SUBR_SUBSTR: {
		int64_t idx = (int64_t)a[1], len;

		if (!(s = dt_str(ms, a[0], &l)) || !(r = dt_sret(ms)))
			return 0;
		len = ms->ntup > 2 ? (int64_t)a[2] : (int64_t)max;
		if (len < 0) {
			/* a negative length counts from the end */
			int64_t st = idx < 0 ? idx + (int64_t)l : idx;

			if (st < 0)
				st = 0;
			if (st > (int64_t)l)
				st = (int64_t)l; /* keeps l - st + len from overflowing */
			len = (int64_t)l - st + len;
			if (len < 0)
				len = 0;
		}
		if (idx < 0) {
			idx += (int64_t)l;
			if (idx < 0) {
				if (ms->ntup > 2) {
					len += idx;
					if (len < 0)
						len = 0;
				}
				idx = 0;
			}
		}
		if (idx >= (int64_t)l || len <= 0) {
			r[0] = 0;
			return (uintptr_t)r;
		}
		if (len > (int64_t)l - idx)
			len = (int64_t)l - idx;
		memcpy(r, s + idx, (size_t)len);
		r[len] = 0;
		return (uintptr_t)r;
	}
	case DIF_SUBR_INDEX:
	case DIF_SUBR_RINDEX: {
		int64_t start, i, pos = -1;

		if (!(s = dt_str(ms, a[0], &l)) || !(s2 = dt_str(ms, a[1], &l2)))
			return (uint64_t)-1;
		if (sub == DIF_SUBR_INDEX) {
			start = ms->ntup > 2 ? (int64_t)a[2] : 0;
			if (start < 0)
				start = 0;
			for (i = start; i + (int64_t)l2 <= (int64_t)l; i++)
				if (memcmp(s + i, s2, l2) == 0) {
					pos = i;
					break;
				}
			if (l2 == 0 && start > (int64_t)l)
				pos = -1;
		} else {
			start = ms->ntup > 2 ? (int64_t)a[2]
					     : (int64_t)l - (int64_t)l2;
			if (start > (int64_t)l - (int64_t)l2)
				start = (int64_t)l - (int64_t)l2;
			for (i = start; i >= 0; i--)
				if (memcmp(s + i, s2, l2) == 0) {
					pos = i;
					break;
				}
		}
		return (uint64_t)pos;
	}
	case DIF_SUBR_STRCHR:
	case DIF_SUBR_STRRCHR: {
		const char *p;

		if (!(s = dt_str(ms, a[0], &l)))
			return 0;
		p = sub == DIF_SUBR_STRCHR ? memchr(s, (int)(char)a[1], l)
					   : NULL;
		if (sub == DIF_SUBR_STRRCHR)
			for (size_t i = l; i-- > 0;)
				if (s[i] == (char)a[1]) {
					p = s + i;
					break;
				}
		if ((char)a[1] == 0)
			p = s + l;
		return (uintptr_t)p;
	}
	case DIF_SUBR_STRSTR: {
		if (!(s = dt_str(ms, a[0], &l)) || !(s2 = dt_str(ms, a[1], &l2)))
			return 0;
		for (size_t i = 0; i + l2 <= l; i++)
			if (memcmp(s + i, s2, l2) == 0)
				return (uintptr_t)(s + i);
		return 0;
	}
	case DIF_SUBR_TOUPPER:
	case DIF_SUBR_TOLOWER:
		if (!(s = dt_str(ms, a[0], &l)) || !(r = dt_sret(ms)))
			return 0;
		for (size_t i = 0; i < l; i++)
			r[i] = (char)(sub == DIF_SUBR_TOUPPER ? toupper(s[i])
							      : tolower(s[i]));
		r[l] = 0;
		return (uintptr_t)r;
	case DIF_SUBR_LLTOSTR: {
		int64_t v = (int64_t)a[0];
		int base = ms->ntup > 1 ? (int)a[1] : 10;
		char tmp[80];
		int n = 0, neg = 0;
		uint64_t u;

		if (base < 2 || base > 36) {
			dt_flt(ms, DT_FLT_ILLOP, 0);
			return 0;
		}
		if (!(r = dt_sret(ms)))
			return 0;
		if (base == 10 && v < 0) {
			neg = 1;
			u = (uint64_t)0 - (uint64_t)v;
		} else {
			u = (uint64_t)v;
		}
		do {
			int d = (int)(u % (uint64_t)base);

			tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
			u /= (uint64_t)base;
		} while (u);
		if (base == 16) {
			tmp[n++] = 'x';
			tmp[n++] = '0';
		} else if (base == 8 && v != 0) {
			tmp[n++] = '0';
		}
		if (neg)
			tmp[n++] = '-';
		for (int i = 0; i < n; i++)
			r[i] = tmp[n - 1 - i];
		r[n] = 0;
		return (uintptr_t)r;
	}
	case DIF_SUBR_STRTOLL: {
		int base = ms->ntup > 1 ? (int)a[1] : 10;
		char tmp[512];

		if (!(s = dt_str(ms, a[0], &l)))
			return 0;
		if (base < 2 || base > 36) {
			dt_flt(ms, DT_FLT_ILLOP, 0);
			return 0;
		}
		if (l >= sizeof(tmp))
			l = sizeof(tmp) - 1;
		memcpy(tmp, s, l);
		tmp[l] = 0;
		return (uint64_t)strtoll(tmp, NULL, base);
	}
	case DIF_SUBR_BASENAME:
	case DIF_SUBR_DIRNAME: {
		int64_t i, end, start;

		if (!(s = dt_str(ms, a[0], &l)) || !(r = dt_sret(ms)))
			return 0;
		end = (int64_t)l - 1;
		while (end > 0 && s[end] == '/')
			end--;
		if (l == 0) {
			strcpy(r, ".");
			return (uintptr_t)r;
		}
		if (end == 0 && s[0] == '/') {
			strcpy(r, "/");
			return (uintptr_t)r;
		}
		for (i = end; i >= 0 && s[i] != '/'; i--)
			;
		start = i + 1;
		if (sub == DIF_SUBR_BASENAME) {
			memcpy(r, s + start, (size_t)(end - start + 1));
			r[end - start + 1] = 0;
			return (uintptr_t)r;
		}
		if (i < 0) {
			strcpy(r, ".");
			return (uintptr_t)r;
		}
		while (i > 0 && s[i] == '/')
			i--;
		if (i == 0 && s[0] == '/') {
			strcpy(r, "/");
			return (uintptr_t)r;
		}
		memcpy(r, s, (size_t)i + 1);
		r[i + 1] = 0;
		return (uintptr_t)r;
	}
	case DIF_SUBR_CLEANPATH: {
		size_t j = 0;

		if (!(s = dt_str(ms, a[0], &l)) || !(r = dt_sret(ms)))
			return 0;
		for (size_t i = 0; i < l;) {
			if (s[i] == '/' && i + 1 < l && s[i + 1] == '/') {
				i++;
				continue;
			}
			/* only "/./" and "/../" inside the path collapse; a
			 * trailing "/." or "/.." stays, as in DTrace */
			if (s[i] == '/' && i + 2 < l && s[i + 1] == '.' &&
			    s[i + 2] == '/') {
				i += 2;
				continue;
			}
			if (s[i] == '/' && i + 3 < l && s[i + 1] == '.' &&
			    s[i + 2] == '.' && s[i + 3] == '/') {
				while (j > 0 && r[--j] != '/')
					;
				i += 3;
				continue;
			}
			r[j++] = s[i++];
		}
		if (j == 0 && l > 0 && s[0] == '/')
			r[j++] = '/';
		r[j] = 0;
		return (uintptr_t)r;
	}
	case DIF_SUBR_STRTOK: {
		/* The saved position lives in the engine across calls. */
		static char saved[4096];
		static size_t spos, slen;
		static int have;
		char *out;
		size_t i, st;

		if (a[0] == 0 && !have) {
			/* nothing to continue from: DTrace faults */
			dt_flt(ms, DT_FLT_BADADDR, 0);
			return 0;
		}
		if (!(s2 = dt_str(ms, a[1], &l2)))
			return 0;
		if (a[0] != 0) {
			have = 1;
			if (!(s = dt_str(ms, a[0], &l)))
				return 0;
			if (l >= sizeof(saved))
				l = sizeof(saved) - 1;
			memcpy(saved, s, l);
			saved[l] = 0;
			slen = l;
			spos = 0;
		}
		for (i = spos; i < slen && memchr(s2, saved[i], l2); i++)
			;
		if (i >= slen) {
			spos = slen;
			return 0;
		}
		st = i;
		for (; i < slen && !memchr(s2, saved[i], l2); i++)
			;
		if (!(out = dt_sret(ms)))
			return 0;
		memcpy(out, saved + st, i - st);
		out[i - st] = 0;
		spos = i; /* the delimiter stays: the next call may change them */
		return (uintptr_t)out;
	}
	case DIF_SUBR_HTONS: case DIF_SUBR_NTOHS:
		return htons((uint16_t)a[0]);
	case DIF_SUBR_HTONL: case DIF_SUBR_NTOHL:
		return htonl((uint32_t)a[0]);
	case DIF_SUBR_HTONLL: case DIF_SUBR_NTOHLL:
		return ((uint64_t)htonl((uint32_t)a[0]) << 32) |
		       htonl((uint32_t)(a[0] >> 32));
	case DIF_SUBR_ALLOCA:
		return (uintptr_t)dt_alloca(ms, a[0]);
	case DIF_SUBR_BCOPY:
		/* size, then source, then destination, as Linux DTrace checks */
		if (a[2] > e->arsize) {
			dt_flt(ms, DT_FLT_BADSIZE, a[2]);
			return 0;
		}
		if (a[0] == 0) {
			dt_flt(ms, DT_FLT_BADADDR, 0);
			return 0;
		}
		if (dt_alloca_access(ms, a[0], a[2], 0) < 0 ||
		    dt_alloca_access(ms, a[1], a[2], 1) < 0)
			return 0;
		dt_load(ms, a[0], (uint8_t *)(uintptr_t)a[1], a[2]);
		return 0;
	case DIF_SUBR_COPYIN:
	case DIF_SUBR_COPYINTO:
	case DIF_SUBR_COPYINSTR: {
		uint64_t n = sub == DIF_SUBR_COPYINSTR
				     ? (ms->ntup > 1 && a[1] < max ? a[1] : max)
				     : a[1];
		uint8_t *d;

		if (sub != DIF_SUBR_COPYINSTR && n > e->arsize) {
			dt_flt(ms, DT_FLT_BADSIZE, n);
			return 0;
		}
		if (sub == DIF_SUBR_COPYINTO) {
			if (dt_alloca_access(ms, a[2], n, 1) < 0)
				return 0;
			d = (uint8_t *)(uintptr_t)a[2];
		} else if (sub == DIF_SUBR_COPYIN) {
			if (!(d = dt_alloca(ms, n)))
				return 0;
		} else if (!(d = dt_salloc(ms, n + 1))) {
			return 0;
		}
		if (ms->ctx->user.read == NULL ||
		    ms->ctx->user.read(ms->ctx->user.arg, a[0], d, n) != 0) {
			if (sub == DIF_SUBR_COPYINSTR && ms->ctx->user.read) {
				/* Shorter strings: read byte by byte. */
				uint64_t i;

				for (i = 0; i < n; i++) {
					if (ms->ctx->user.read(ms->ctx->user.arg,
							       a[0] + i, d + i,
							       1))
						break;
					if (d[i] == 0)
						break;
				}
				if (i > 0 && (i == n || d[i] == 0)) {
					d[n] = 0;
					return (uintptr_t)d;
				}
			}
			dt_flt(ms, DT_FLT_BADADDR, a[0]);
			return 0;
		}
		if (sub == DIF_SUBR_COPYINSTR)
			d[n] = 0;
		return sub == DIF_SUBR_COPYINTO ? 0 : (uintptr_t)d;
	}
	case DIF_SUBR_SPECULATION: {
		for (uint32_t i = 0; i < e->o.nspec; i++)
			if (e->specs[i].state == 0) {
				e->specs[i].state = 1;
				e->specs[i].used = 0;
				e->specs[i].acct = 0;
				return i + 1;
			}
		e->st.specunavail++;
		return 0;
	}
	case DIF_SUBR_PROGENYOF:
		return (int64_t)a[0] == ms->ctx->pid || (int64_t)a[0] == 0;
	case DIF_SUBR_GETMAJOR:
		return (a[0] >> 20) & 0xfff;
	case DIF_SUBR_GETMINOR:
		return a[0] & 0xfffff;
	case DIF_SUBR_JSON: {
		const char *v;
		size_t vl;

		if (!(s = dt_str(ms, a[0], &l)) || !(s2 = dt_str(ms, a[1], &l2)))
			return 0;
		if (dt_json_select(s, l, s2, &v, &vl) != 0 || !(r = dt_sret(ms)))
			return 0;
		if (vl > max)
			vl = max;
		memcpy(r, v, vl);
		r[vl] = '\0';
		return (uintptr_t)r;
	}
	case DIF_SUBR_LINK_NTOP: {
		/* hardware address of an ARPHRD_* type: hex bytes with ':' */
		uint8_t buf[20];
		size_t len = a[0] == 1 ? 6 : a[0] == 32 ? 20 : 0;

		if (len == 0) {
			dt_flt(ms, DT_FLT_ILLOP, 0);
			return 0;
		}
		if (a[1] == 0) {
			dt_flt(ms, DT_FLT_BADADDR, 0);
			return 0;
		}
		if (dt_load(ms, a[1], buf, len) || !(r = dt_sret(ms)))
			return 0;
		for (size_t i = 0; i < len && 3 * i + 2 < max; i++)
			snprintf(r + 3 * i, 4, i + 1 < len ? "%02x:" : "%02x",
				 buf[i]);
		return (uintptr_t)r;
	}
	case DIF_SUBR_INET_NTOA:
	case DIF_SUBR_INET_NTOA6:
	case DIF_SUBR_INET_NTOP: {
		int af = sub == DIF_SUBR_INET_NTOA ? AF_INET
			 : sub == DIF_SUBR_INET_NTOA6 ? AF_INET6
			 : (int)a[0] == 2		? AF_INET
							: AF_INET6;
		uint64_t addr = sub == DIF_SUBR_INET_NTOP ? a[1] : a[0];
		uint8_t buf[16];

		if ((sub == DIF_SUBR_INET_NTOP && a[0] != 2 && a[0] != 10 &&
		     a[0] != 26)) {
			dt_flt(ms, DT_FLT_ILLOP, 0);
			return 0;
		}
		if (dt_load(ms, addr, buf, af == AF_INET ? 4 : 16) ||
		    !(r = dt_sret(ms)))
			return 0;
		inet_ntop(af, buf, r, (socklen_t)max);
		return (uintptr_t)r;
	}
	case DIF_SUBR_MEMREF: {
		uint64_t *p = dt_salloc(ms, 16);

		if (p == NULL)
			return 0;
		p[0] = a[0];
		p[1] = a[1];
		return (uintptr_t)p;
	}
	default:
		dt_flt(ms, DT_FLT_ILLOP, 0);
		return 0;
	}
}

/* ---- the emulator ---- */

static int dt_exec(dt_mstate_t *ms, const dt_difo_t *dp, uint64_t *rval)
{
	uint64_t r[DIF_DIR_NREGS] = {0};
	int cc_n = 0, cc_z = 0, cc_v = 0, cc_c = 0;
	const dif_instr_t *b = dp->buf;
	uint32_t pc = 0;
	const dt_difo_t *saved = ms->dp;

	ms->dp = dp;
	ms->ntup = 0;
	while (pc < dp->len && ms->flt == 0) {
		dif_instr_t in = b[pc];
		uint32_t op = DIF_INSTR_OP(in), r1 = DIF_INSTR_R1(in),
			 r2 = DIF_INSTR_R2(in), rd = DIF_INSTR_RD(in);
		uint64_t v;
		uint8_t buf8[8];

		ms->pc = pc;
		pc++;
#define RD(x) (r[(x) & 7])
		switch (op) {
		case DIF_OP_OR: RD(rd) = RD(r1) | RD(r2); break;
		case DIF_OP_XOR: RD(rd) = RD(r1) ^ RD(r2); break;
		case DIF_OP_AND: RD(rd) = RD(r1) & RD(r2); break;
		case DIF_OP_SLL: RD(rd) = RD(r1) << (RD(r2) & 63); break;
		case DIF_OP_SRL: RD(rd) = RD(r1) >> (RD(r2) & 63); break;
		case DIF_OP_SRA:
			RD(rd) = (uint64_t)((int64_t)RD(r1) >> (RD(r2) & 63));
			break;
		case DIF_OP_SUB: RD(rd) = RD(r1) - RD(r2); break;
		case DIF_OP_ADD: RD(rd) = RD(r1) + RD(r2); break;
		case DIF_OP_MUL: RD(rd) = RD(r1) * RD(r2); break;
		case DIF_OP_SDIV:
		case DIF_OP_SREM:
			if (RD(r2) == 0) {
				dt_flt(ms, DT_FLT_DIVZERO, 0);
				break;
			}
			if ((int64_t)RD(r2) == -1)
				RD(rd) = op == DIF_OP_SDIV ? 0 - RD(r1) : 0;
			else if (op == DIF_OP_SDIV)
				RD(rd) = (uint64_t)((int64_t)RD(r1) /
						    (int64_t)RD(r2));
			else
				RD(rd) = (uint64_t)((int64_t)RD(r1) %
						    (int64_t)RD(r2));
			break;
		case DIF_OP_UDIV:
		case DIF_OP_UREM:
			if (RD(r2) == 0) {
				dt_flt(ms, DT_FLT_DIVZERO, 0);
				break;
			}
			RD(rd) = op == DIF_OP_UDIV ? RD(r1) / RD(r2)
						   : RD(r1) % RD(r2);
			break;
		case DIF_OP_NOT: RD(rd) = ~RD(r1); break;
		case DIF_OP_MOV: RD(rd) = RD(r1); break;
		case DIF_OP_CMP:
			v = RD(r1) - RD(r2);
			cc_n = (int64_t)v < 0;
			cc_z = v == 0;
			cc_v = 0;
			cc_c = RD(r1) < RD(r2);
			break;
		case DIF_OP_TST:
			cc_n = (int64_t)RD(r1) < 0;
			cc_z = RD(r1) == 0;
			cc_v = cc_c = 0;
			break;
		case DIF_OP_BA: pc = DIF_INSTR_LABEL(in); break;
		case DIF_OP_BE: if (cc_z) pc = DIF_INSTR_LABEL(in); break;
		case DIF_OP_BNE: if (!cc_z) pc = DIF_INSTR_LABEL(in); break;
		case DIF_OP_BG:
			if (!(cc_z | (cc_n ^ cc_v))) pc = DIF_INSTR_LABEL(in);
			break;
		case DIF_OP_BGU:
			if (!(cc_c | cc_z)) pc = DIF_INSTR_LABEL(in);
			break;
		case DIF_OP_BGE:
			if (!(cc_n ^ cc_v)) pc = DIF_INSTR_LABEL(in);
			break;
		case DIF_OP_BGEU: if (!cc_c) pc = DIF_INSTR_LABEL(in); break;
		case DIF_OP_BL:
			if (cc_n ^ cc_v) pc = DIF_INSTR_LABEL(in);
			break;
		case DIF_OP_BLU: if (cc_c) pc = DIF_INSTR_LABEL(in); break;
		case DIF_OP_BLE:
			if (cc_z | (cc_n ^ cc_v)) pc = DIF_INSTR_LABEL(in);
			break;
		case DIF_OP_BLEU:
			if (cc_c | cc_z) pc = DIF_INSTR_LABEL(in);
			break;
		case DIF_OP_LDSB: case DIF_OP_RLDSB: case DIF_OP_ULDSB:
		case DIF_OP_LDSH: case DIF_OP_RLDSH: case DIF_OP_ULDSH:
		case DIF_OP_LDSW: case DIF_OP_RLDSW: case DIF_OP_ULDSW:
		case DIF_OP_LDUB: case DIF_OP_RLDUB: case DIF_OP_ULDUB:
		case DIF_OP_LDUH: case DIF_OP_RLDUH: case DIF_OP_ULDUH:
		case DIF_OP_LDUW: case DIF_OP_RLDUW: case DIF_OP_ULDUW:
		case DIF_OP_LDX: case DIF_OP_RLDX: case DIF_OP_ULDX: {
			uint32_t k = op >= DIF_OP_ULDSB
					     ? (op - DIF_OP_ULDSB) % 7
					     : (op >= DIF_OP_RLDSB
							? op - DIF_OP_RLDSB
							: op - DIF_OP_LDSB);
			static const uint8_t sz[7] = {1, 2, 4, 1, 2, 4, 8};
			uint64_t a = RD(r1);
			int rc;

			if (a & (sz[k] - 1)) {
				/* DTrace faults on misaligned loads */
				dt_flt(ms, DT_FLT_BADALIGN, a);
				break;
			}
			if (op >= DIF_OP_ULDSB && op <= DIF_OP_ULDX) {
				rc = ms->ctx->user.read == NULL ||
				     ms->ctx->user.read(ms->ctx->user.arg, a,
							buf8, sz[k]);
				if (rc)
					dt_flt(ms, DT_FLT_BADADDR, a);
			} else {
				rc = dt_load(ms, a, buf8, sz[k]);
			}
			if (rc)
				break;
			switch (k) {
			case 0: RD(rd) = (uint64_t)(int64_t)*(int8_t *)buf8; break;
			case 1: { int16_t x; memcpy(&x, buf8, 2); RD(rd) = (uint64_t)(int64_t)x; break; }
			case 2: { int32_t x; memcpy(&x, buf8, 4); RD(rd) = (uint64_t)(int64_t)x; break; }
			case 3: RD(rd) = buf8[0]; break;
			case 4: { uint16_t x; memcpy(&x, buf8, 2); RD(rd) = x; break; }
			case 5: { uint32_t x; memcpy(&x, buf8, 4); RD(rd) = x; break; }
			default: memcpy(&RD(rd), buf8, 8); break;
			}
			break;
		}
		case DIF_OP_RET:
			*rval = RD(rd);
			ms->dp = saved;
			return 0;
		case DIF_OP_NOP: break;
		case DIF_OP_SETX:
			RD(rd) = dp->inttab[DIF_INSTR_INTEGER(in)];
			break;
		case DIF_OP_SETS:
			RD(rd) = (uint64_t)(uintptr_t)(dp->strtab +
						       DIF_INSTR_STRING(in));
			break;
		case DIF_OP_SCMP: {
			const char *s1 = NULL, *s2 = NULL;
			size_t l1 = 0, l2 = 0;
			int c;

			if (RD(r1) && !(s1 = dt_str(ms, RD(r1), &l1)))
				break;
			if (RD(r2) && !(s2 = dt_str(ms, RD(r2), &l2)))
				break;
			if (s1 == NULL || s2 == NULL)
				c = (s1 != NULL) - (s2 != NULL);
			else {
				c = memcmp(s1, s2, l1 < l2 ? l1 : l2);
				if (c == 0)
					c = (l1 > l2) - (l1 < l2);
			}
			cc_n = c < 0;
			cc_z = c == 0;
			cc_v = cc_c = 0;
			break;
		}
		case DIF_OP_LDGA:
		case DIF_OP_LDTA:
			if (r1 == DIF_VAR_ARGS && RD(r2) < 10)
				RD(rd) = ms->ctx->arg[RD(r2)];
			else if (r1 == DIF_VAR_ARGS)
				dt_flt(ms, DT_FLT_ILLOP, 0);
			else
				RD(rd) = 0;
			break;
		case DIF_OP_LDGS:
			v = DIF_INSTR_VAR(in);
			RD(rd) = v < DIF_VAR_OTHER_UBASE
					 ? dt_builtin(ms, (uint32_t)v)
					 : dt_ldscalar(ms, (uint32_t)v, 0);
			break;
		case DIF_OP_STGS:
			dt_stscalar(ms, DIF_INSTR_VAR(in), 0, RD(rd));
			break;
		case DIF_OP_LDLS:
			RD(rd) = dt_ldscalar(ms, DIF_INSTR_VAR(in), 1);
			break;
		case DIF_OP_STLS:
			dt_stscalar(ms, DIF_INSTR_VAR(in), 1, RD(rd));
			break;
		case DIF_OP_LDTS:
			RD(rd) = dt_lddyn(ms, DIF_INSTR_VAR(in), 1, 0);
			break;
		case DIF_OP_STTS:
			dt_stdyn(ms, DIF_INSTR_VAR(in), 1, 0, RD(rd));
			break;
		case DIF_OP_LDGAA:
		case DIF_OP_LDTAA:
			RD(rd) = dt_lddyn(ms, DIF_INSTR_VAR(in),
					  op == DIF_OP_LDTAA, 1);
			break;
		case DIF_OP_STGAA:
		case DIF_OP_STTAA:
			dt_stdyn(ms, DIF_INSTR_VAR(in), op == DIF_OP_STTAA, 1,
				 RD(rd));
			break;
		case DIF_OP_CALL:
			RD(rd) = dt_subr(ms, DIF_INSTR_SUBR(in));
			break;
		case DIF_OP_PUSHTR:
		case DIF_OP_PUSHTV:
			if (ms->ntup >= DIF_DTR_NREGS) {
				dt_flt(ms, DT_FLT_TUPOFLOW, 0);
				break;
			}
			ms->tup[ms->ntup].v = RD(rd);
			ms->tup[ms->ntup].isstr =
				DIF_INSTR_TYPE(in) == DIF_TYPE_STRING;
			ms->tup[ms->ntup].size =
				op == DIF_OP_PUSHTV ? 0
				: ms->tup[ms->ntup].isstr
					? (RD(r2) && RD(r2) < ms->e->o.strsize
						   ? RD(r2)
						   : ms->e->o.strsize)
					: RD(r2);
			if (op == DIF_OP_PUSHTR && ms->tup[ms->ntup].size > 4096) {
				dt_flt(ms, DT_FLT_TUPOFLOW, 0);
				break;
			}
			ms->ntup++;
			break;
		case DIF_OP_POPTS:
			if (ms->ntup > 0)
				ms->ntup--;
			break;
		case DIF_OP_FLUSHTS: ms->ntup = 0; break;
		case DIF_OP_ALLOCS: {
			void *p = dt_salloc(ms, RD(r1));

			RD(rd) = (uintptr_t)p;
			break;
		}
		case DIF_OP_COPYS: {
			uint8_t *d = dt_eptr(ms, RD(rd), RD(r2), NULL);

			if (d == NULL || !dt_canstore(ms, d, RD(r2))) {
				dt_flt(ms, DT_FLT_BADADDR, RD(rd));
				break;
			}
			dt_load(ms, RD(r1), d, RD(r2));
			break;
		}
		case DIF_OP_STB: case DIF_OP_STH: case DIF_OP_STW:
		case DIF_OP_STX: {
			static const uint8_t sz[4] = {1, 2, 4, 8};
			uint32_t n = sz[op - DIF_OP_STB];
			uint64_t a = RD(rd);
			uint8_t *d = dt_eptr(ms, a, n, NULL);

			/* Stores go to scratch and variable storage only,
			 * never to string tables or the probe context. */
			if (d == NULL || !dt_canstore(ms, d, n)) {
				dt_flt(ms, DT_FLT_BADADDR, a);
				break;
			}
			memcpy(d, &RD(r1), n);
			break;
		}
		default:
			dt_flt(ms, DT_FLT_ILLOP, 0);
			break;
		}
		r[0] = 0;
#undef RD
	}
	ms->dp = saved;
	if (ms->flt == 0)
		dt_flt(ms, DT_FLT_ILLOP, 0);
	return -1;
}

/* ---- buffers ---- */

/*
 * The size DTrace would use for a record: an 8-byte header and each
 * value 8-aligned (our records carry more bookkeeping; bufsize is
 * accounted as DTrace accounts it so that drops happen where DTrace's do).
 */
static uint64_t dt_rec_acct(const uint8_t *rec, uint32_t len)
{
	uint64_t n = 8;

	for (uint32_t off = DT_REC_HDR; off + 8 <= len;) {
		uint32_t sz;

		memcpy(&sz, rec + off, 4);
		n += (sz + 7) & ~7U;
		off += 8 + ((sz + 7) & ~7U);
	}
	return n;
}

static void dt_buf_put(dt_engine_t *e, dt_buf_t *b, const uint8_t *rec,
		       uint32_t len, int policy)
{
	uint64_t acct = dt_rec_acct(rec, len);

	if (b->full) {
		b->drops++;
		return;
	}
	if (b->acct + acct > b->size || b->used + len > b->cap) {
		if (policy == DT_BUF_RING && acct <= b->size && len <= b->cap) {
			/* Drop oldest records until the new one fits. */
			uint64_t off = 0;

			while (off < b->used &&
			       (b->acct + acct > b->size ||
				b->used - off + len > b->cap)) {
				uint32_t l = ((uint32_t *)(b->data + off))[1];

				b->acct -= dt_rec_acct(b->data + off, l);
				off += l;
			}
			memmove(b->data, b->data + off, b->used - off);
			b->used -= off;
		} else {
			b->drops++;
			if (policy == DT_BUF_FILL)
				b->full = 1;
			return;
		}
	}
	memcpy(b->data + b->used, rec, len);
	b->used += len;
	b->acct += acct;
	(void)e;
}

dt_buf_t *dt_engine_buf(dt_engine_t *e, uint32_t cpu)
{
	return cpu < e->o.ncpus ? &e->bufs[cpu] : NULL;
}

int dt_engine_consume(dt_engine_t *e, uint32_t cpu, dt_rec_f f, void *arg)
{
	dt_buf_t *b = dt_engine_buf(e, cpu);
	uint64_t off = 0;
	int rc = 0;

	if (b == NULL)
		return -1;
	while (off < b->used && rc == 0) {
		uint32_t len = ((uint32_t *)(b->data + off))[1];

		rc = f(arg, cpu, b->data + off, len);
		off += len;
	}
	b->used = 0;
	b->acct = 0;
	return rc;
}

/* ---- aggregations ---- */

int64_t dt_quant_bucketval(int i)
{
	if (i < DT_QUANT_ZERO)
		return -(int64_t)(1ULL << (DT_QUANT_ZERO - 1 - i));
	if (i == DT_QUANT_ZERO)
		return 0;
	return (int64_t)(1ULL << (i - DT_QUANT_ZERO - 1));
}

int dt_llquant_nbins(const dt_aggdesc_t *ad)
{
	int64_t f = ad->params[0], lo = ad->params[1], hi = ad->params[2],
		st = ad->params[3];

	return (int)((hi - lo + 1) * (st - st / f) * 2 + 3);
}

uint32_t dt_agg_nvals(const dt_aggdesc_t *ad)
{
	switch (ad->func) {
	case DT_AGG_AVG: return 2;
	case DT_AGG_STDDEV: return 4;
	case DT_AGG_QUANTIZE: return DT_QUANT_NBUCKETS;
	case DT_AGG_LQUANTIZE: {
		int64_t lv = (ad->params[1] - ad->params[0]) / ad->params[2];

		return (uint32_t)(lv + 2);
	}
	case DT_AGG_LLQUANTIZE: return (uint32_t)dt_llquant_nbins(ad);
	default: return 1;
	}
}

int dt_engine_aggspecial(const dt_engine_t *e, uint32_t agg)
{
	return agg < e->prog->naggs && e->aggspecial[agg];
}

uint32_t dt_agg_keyoff(const dt_engine_t *e, uint32_t agg, uint32_t i,
		       uint32_t *size, int *isstr)
{
	const dt_aggdesc_t *ad = &e->prog->aggs[agg];
	uint32_t off = 0;

	for (uint32_t k = 0; k <= i && k < ad->nkeys; k++) {
		int s = ad->keys[k].kind == DIF_TYPE_STRING;
		uint32_t sz = s ? (uint32_t)e->o.strsize
			      : (ad->keys[k].flags & DIF_TF_BYREF)
				      ? ad->keys[k].size
				      : 8;
		if (k == i) {
			*size = sz;
			*isstr = s;
			return off;
		}
		off += sz;
	}
	*size = 0;
	*isstr = 0;
	return off;
}

/*
 * llquantize: bin0 (the middle) holds |v| < factor^low; then for each
 * magnitude m in [low, high], (steps - steps/factor) bins: bin offset
 * s - steps/factor for s = |v| * steps / factor^(m+1); negatives mirror.
 */
static int dt_llq_bin(const dt_aggdesc_t *ad, int64_t v)
{
	int64_t f = ad->params[0], lo = ad->params[1], hi = ad->params[2],
		st = ad->params[3];
	int nb = dt_llquant_nbins(ad), bin0 = nb / 2;
	unsigned __int128 av = v < 0 ? (unsigned __int128)(-(__int128)v)
				     : (unsigned __int128)v;
	unsigned __int128 scale = 1, next;
	int64_t mag, per = st - st / f;

	for (mag = 0; mag < lo; mag++)
		scale *= (uint64_t)f;
	if (av < scale)
		return bin0;
	for (mag = lo; mag <= hi; mag++) {
		next = scale * (uint64_t)f;
		if (av < next) {
			int64_t sidx = (int64_t)(av * (uint64_t)st / next);
			int64_t off = (mag - lo) * per + (sidx - st / f) + 1;

			if (off < 1)
				off = 1;
			return v < 0 ? bin0 - (int)off : bin0 + (int)off;
		}
		scale = next;
	}
	return v < 0 ? 0 : nb - 1;
}

static void dt_agg_update(dt_engine_t *e, dt_mstate_t *ms,
			  const dt_action_t *use, uint32_t aggi,
			  const uint8_t *key, uint32_t klen, int64_t val,
			  int64_t incr)
{
	const dt_aggdesc_t *ad = &e->prog->aggs[aggi];
	uint64_t h = dt_hash(key, klen, 0xcbf29ce484222325ULL + aggi);
	dt_aggent_t *a;
	uint32_t nv = dt_agg_nvals(ad);

	for (a = e->agghash[h % e->aggnhash]; a != NULL; a = a->next)
		if (a->hash == h && a->agg == aggi && a->keylen == klen &&
		    memcmp(a->key, key, klen) == 0)
			break;
	if (a == NULL) {
		uint64_t need = sizeof(*a) + klen + nv * 8;

		if (e->aggused + need > e->o.aggsize) {
			e->st.aggdrops++;
			return;
		}
		a = calloc(1, sizeof(*a));
		if (a == NULL)
			return;
		a->vals = calloc(nv, 8);
		a->key = malloc(klen ? klen : 1);
		if (a->vals == NULL || a->key == NULL) {
			free(a->vals);
			free(a->key);
			free(a);
			return;
		}
		memcpy(a->key, key, klen);
		a->keylen = klen;
		a->agg = aggi;
		a->use = use;
		a->hash = h;
		a->nvals = nv;
		a->normal = 1;
		if (ad->func == DT_AGG_MIN)
			a->vals[0] = INT64_MAX;
		if (ad->func == DT_AGG_MAX)
			a->vals[0] = INT64_MIN;
		a->next = e->agghash[h % e->aggnhash];
		e->agghash[h % e->aggnhash] = a;
		if (e->aggtail)
			e->aggtail->lnext = a;
		else
			e->agghead = a;
		e->aggtail = a;
		e->aggused += need;
	}
	(void)ms;
	switch (ad->func) {
	case DT_AGG_COUNT: a->vals[0]++; break;
	case DT_AGG_SUM: a->vals[0] += val; break;
	case DT_AGG_MIN: if (val < a->vals[0]) a->vals[0] = val; break;
	case DT_AGG_MAX: if (val > a->vals[0]) a->vals[0] = val; break;
	case DT_AGG_AVG: a->vals[0]++; a->vals[1] += val; break;
	case DT_AGG_STDDEV: {
		unsigned __int128 sq, cur;
		uint64_t av = val < 0 ? (uint64_t)0 - (uint64_t)val
				      : (uint64_t)val;

		a->vals[0]++;
		a->vals[1] += val;
		sq = (unsigned __int128)av * av;
		cur = ((unsigned __int128)(uint64_t)a->vals[3] << 64) |
		      (uint64_t)a->vals[2];
		cur += sq;
		a->vals[2] = (int64_t)(uint64_t)cur;
		a->vals[3] = (int64_t)(uint64_t)(cur >> 64);
		break;
	}
	case DT_AGG_QUANTIZE: {
		int i;

		if (val == 0)
			i = DT_QUANT_ZERO;
		else if (val > 0) {
			i = DT_QUANT_ZERO + 1;
			for (uint64_t u = (uint64_t)val; u > 1; u >>= 1)
				i++;
		} else {
			i = DT_QUANT_ZERO - 1;
			for (uint64_t u = (uint64_t)0 - (uint64_t)val; u > 1;
			     u >>= 1)
				i--;
		}
		if (i < 0)
			i = 0;
		if (i >= DT_QUANT_NBUCKETS)
			i = DT_QUANT_NBUCKETS - 1;
		a->vals[i] += incr;
		break;
	}
	case DT_AGG_LQUANTIZE: {
		int64_t base = ad->params[0], step = ad->params[2];
		int64_t lv = (int64_t)nv - 2;
		int64_t i;

		if (val < base)
			i = 0;
		else if (val >= base + lv * step)
			i = lv + 1;
		else
			i = (val - base) / step + 1;
		a->vals[i] += incr;
		break;
	}
	case DT_AGG_LLQUANTIZE:
		a->vals[dt_llq_bin(ad, val)] += incr;
		break;
	default: break;
	}
}

dt_aggent_t *dt_engine_aggs(dt_engine_t *e) { return e->agghead; }

void dt_engine_agg_clear(dt_engine_t *e, uint32_t agg)
{
	for (dt_aggent_t *a = e->agghead; a; a = a->lnext) {
		if (a->agg != agg)
			continue;
		memset(a->vals, 0, a->nvals * 8);
		if (e->prog->aggs[agg].func == DT_AGG_MIN)
			a->vals[0] = INT64_MAX;
		if (e->prog->aggs[agg].func == DT_AGG_MAX)
			a->vals[0] = INT64_MIN;
	}
}

void dt_engine_agg_remove(dt_engine_t *e, dt_aggent_t *x)
{
	dt_aggent_t **pp, *prev = NULL;

	for (pp = &e->agghash[x->hash % e->aggnhash]; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	for (dt_aggent_t *a = e->agghead; a; prev = a, a = a->lnext)
		if (a == x) {
			if (prev)
				prev->lnext = a->lnext;
			else
				e->agghead = a->lnext;
			if (e->aggtail == a)
				e->aggtail = prev;
			break;
		}
	e->aggused -= sizeof(*x) + x->keylen + x->nvals * 8;
	free(x->vals);
	free(x->key);
	free(x);
}

void dt_engine_agg_normalize(dt_engine_t *e, uint32_t agg, uint64_t n)
{
	for (dt_aggent_t *a = e->agghead; a; a = a->lnext)
		if (a->agg == agg)
			a->normal = n ? n : 1;
}

/* ---- clause execution ---- */

typedef struct dt_recw {
	uint8_t *p;
	uint32_t len, max;
} dt_recw_t;

static uint8_t *dt_rec_add(dt_recw_t *w, uint32_t size, uint32_t flags)
{
	uint32_t need = 8 + ((size + 7) & ~7U);
	uint8_t *d;

	if (w->len + need > w->max)
		return NULL;
	memcpy(w->p + w->len, &size, 4);
	memcpy(w->p + w->len + 4, &flags, 4);
	d = w->p + w->len + 8;
	memset(d, 0, (size + 7) & ~7U);
	w->len += need;
	return d;
}

/* Records one DIFO's value as trace() would. */
static int dt_rec_value(dt_mstate_t *ms, dt_recw_t *w, const dt_difo_t *dp,
			uint64_t v)
{
	uint8_t *d;

	if (dp->rtype.kind == DIF_TYPE_STRING) {
		uint32_t sz = (uint32_t)ms->e->o.strsize;

		if ((d = dt_rec_add(w, sz, DT_REC_STR)) == NULL)
			return dt_flt(ms, DT_FLT_NOSCRATCH, 0);
		if (v == 0) /* a NULL string (an unset variable) faults */
			return dt_flt(ms, DT_FLT_BADADDR, 0);
		return dt_vcopy(ms, d, v, sz, 1);
	}
	if (dp->rtype.flags & DIF_TF_BYREF) {
		uint32_t sz = dp->rtype.size;

		if ((d = dt_rec_add(w, sz, DT_REC_REF)) == NULL)
			return dt_flt(ms, DT_FLT_NOSCRATCH, 0);
		return dt_load(ms, v, d, sz);
	}
	{
		uint32_t sz = dp->rtype.size;

		if (sz != 1 && sz != 2 && sz != 4)
			sz = 8;
		uint32_t fl = (dp->flags & DT_DIFO_SIGNED) ? DT_REC_SIGNED : 0;

		if (dp->rtype_name && (strcmp(dp->rtype_name, "double") == 0 ||
				       strcmp(dp->rtype_name, "float") == 0))
			fl |= DT_REC_FLOAT;
		d = dt_rec_add(w, sz, fl);
		if (d == NULL)
			return dt_flt(ms, DT_FLT_NOSCRATCH, 0);
		memcpy(d, &v, 8);
	}
	return 0;
}

static void dt_fire_error(dt_engine_t *e, dt_mstate_t *ms, int where);

/* A user address of this firing's process is being kept (pid hook). */
static void dt_pid_seen(dt_engine_t *e, const dt_pctx_t *c)
{
	const char *comm = c->execname != NULL ? c->execname : "";

	if (e->pidf == NULL || c->pid <= 0 ||
	    (c->pid == e->lastpid &&
	     strncmp(comm, e->lastcomm, sizeof(e->lastcomm)) == 0))
		return;
	e->lastpid = c->pid;
	snprintf(e->lastcomm, sizeof(e->lastcomm), "%s", comm);
	e->pidf(e->pidarg, c->pid, comm);
}

/* Writes a firing's call stack into d (size bytes): stack() the kernel's
 * frames; ustack() the pid, then the user frames; zeros after the last. */
static void dt_stack_fill(const dt_pctx_t *c, uint32_t kind, uint8_t *d,
			  uint32_t size)
{
	const uint64_t *pcs = kind == DT_ACT_STACK ? c->kstack : c->ustack;
	uint32_t n = kind == DT_ACT_STACK ? c->nkstack : c->nustack;

	memset(d, 0, size);
	if (kind != DT_ACT_STACK) {
		uint64_t pid = (uint64_t)c->pid;

		if (size < 8)
			return;
		memcpy(d, &pid, 8);
		d += 8;
		size -= 8;
	}
	if (pcs == NULL)
		return;
	if (n > size / 8)
		n = size / 8;
	memcpy(d, pcs, 8 * (size_t)n);
}

/* Whose address a sym()-like record or key holds (dt_prog_keykind): the
 * guest for kernel kinds; for user kinds the host pid, 0 in a guest (its
 * processes are not ours to read). */
static uint64_t dt_sym_owner(dt_mstate_t *ms, uint32_t kind)
{
	const dt_pctx_t *c = ms->ctx;

	if (kind == DT_ACT_SYM || kind == DT_ACT_MOD)
		return c->tkey.guest;
	if (c->tkey.guest != 0 || c->pid <= 0)
		return 0;
	dt_pid_seen(ms->e, c);
	return (uint64_t)c->pid;
}

/* A stack()/usym()-like aggregation key: writes its sz bytes and returns
 * 1, or returns 0 for a plain key. */
static int dt_key_special(dt_mstate_t *ms, const dt_aggdesc_t *ad, uint32_t k,
			  uint8_t *d, uint32_t sz, uint64_t v)
{
	uint32_t kind = dt_prog_keykind(ad, k);
	uint64_t pv[2];

	switch (kind) {
	case DT_ACT_STACK: case DT_ACT_USTACK: case DT_ACT_JSTACK:
		dt_stack_fill(ms->ctx, kind, d, sz);
		if (kind != DT_ACT_STACK && ms->ctx->tkey.guest == 0)
			dt_pid_seen(ms->e, ms->ctx);
		return 1;
	case DT_ACT_SYM: case DT_ACT_MOD: case DT_ACT_USYM:
	case DT_ACT_UMOD: case DT_ACT_UADDR:
		pv[0] = dt_sym_owner(ms, kind);
		pv[1] = v;
		memset(d, 0, sz);
		memcpy(d, pv, sz < 16 ? sz : 16);
		return 1;
	default:
		return 0;
	}
}

static int dt_rec_stack(dt_mstate_t *ms, dt_recw_t *w, uint32_t kind,
			uint64_t nframes)
{
	uint32_t sz = dt_stack_recsize(kind, nframes);
	uint8_t *d = dt_rec_add(w, sz,
				kind == DT_ACT_STACK ? DT_REC_STACK
						     : DT_REC_USTACK);

	if (d == NULL)
		return dt_flt(ms, DT_FLT_NOSCRATCH, 0);
	dt_stack_fill(ms->ctx, kind, d, sz);
	if (kind != DT_ACT_STACK && ms->ctx->tkey.guest == 0)
		dt_pid_seen(ms->e, ms->ctx);
	return 0;
}

static int dt_is_destructive(uint32_t k)
{
	return k == DT_ACT_STOP || k == DT_ACT_RAISE || k == DT_ACT_SYSTEM ||
	       k == DT_ACT_FREOPEN || k == DT_ACT_BREAKPOINT ||
	       k == DT_ACT_PANIC || k == DT_ACT_CHILL;
}

static void dt_run_ecb(dt_engine_t *e, dt_mstate_t *ms, const dt_ecb_t *ecb)
{
	const dt_stmt_t *s = &e->prog->stmts[ecb->stmt];
	dt_recw_t w = {e->rec, DT_REC_HDR, DT_RECMAX};
	uint64_t v;
	int spec = -1, recorded = 0;
	int sdid[16], sdcommit[16], nsd = 0;

	ms->ecb = ecb;
	ms->atop = 0;
	ms->stop = 0;
	ms->flt = 0;
	if (s->pred != NULL) {
		if (dt_exec(ms, s->pred, &v) != 0) {
			dt_fire_error(e, ms, -1);
			return;
		}
		if (v == 0)
			return;
	}
	/* DTrace reserves the record before running the actions: if the
	 * principal buffer has no room, the ECB is dropped entirely. A
	 * speculative ECB reserves in its speculation instead. */
	if (!e->ecbspec[ecb->epid] && e->o.bufpolicy != DT_BUF_RING &&
	    e->ecbneed[ecb->epid] > 8) {
		dt_buf_t *b = &e->bufs[ms->ctx->cpu < e->o.ncpus ? ms->ctx->cpu
								 : 0];

		if (b->full || b->acct + e->ecbneed[ecb->epid] > b->size) {
			b->drops++;
			if (e->o.bufpolicy == DT_BUF_FILL)
				b->full = 1;
			return;
		}
	}
	for (uint32_t i = 0; i < s->nacts; i++) {
		const dt_action_t *a = &s->acts[i];
		uint64_t vals[16] = {0};
		uint32_t nd = a->ndifo < 16 ? a->ndifo : 16;

		for (uint32_t k = 0; k < nd; k++)
			if (a->difo[k] && dt_exec(ms, a->difo[k], &vals[k])) {
				dt_fire_error(e, ms, (int)i + 1);
				return;
			}
		switch (a->kind) {
		case DT_ACT_AGGREGATION: {
			const dt_aggdesc_t *ad = &e->prog->aggs[a->arg];
			uint8_t key[8192];
			uint32_t klen = 0, nk = ad->nkeys;
			int64_t val = 0, incr = 1;

			for (uint32_t k = 0; k < nk && k < nd; k++) {
				uint32_t sz;
				int isstr;

				dt_agg_keyoff(e, (uint32_t)a->arg, k, &sz,
					      &isstr);
				if (klen + sz > sizeof(key))
					break;
				if (e->aggspecial[a->arg] &&
				    dt_key_special(ms, ad, k, key + klen, sz,
						   vals[k])) {
					klen += sz;
					continue;
				}
				if (isstr || (ad->keys[k].flags & DIF_TF_BYREF)) {
					int rc;

					memset(key + klen, 0, sz);
					/* The value may live in its DIFO's
					 * string table. */
					ms->dp = a->difo[k];
					rc = dt_vcopy(ms, key + klen, vals[k], sz,
						      isstr);
					ms->dp = NULL;
					if (rc) {
						dt_fire_error(e, ms, (int)i + 1);
						return;
					}
				} else {
					memcpy(key + klen, &vals[k], 8);
				}
				klen += sz;
			}
			if (nd > nk)
				val = (int64_t)vals[nk];
			if (nd > nk + 1)
				incr = (int64_t)vals[nk + 1];
			if (spec < 0)
				dt_agg_update(e, ms, a, (uint32_t)a->arg, key,
					      klen, val, incr);
			continue;
		}
		case DT_ACT_SPECULATE:
			spec = (int)vals[0];
			if (spec == 0) {
				spec = -2; /* speculate(0): nothing traced */
				continue;
			}
			if (spec < 0 || (uint32_t)spec > e->o.nspec ||
			    e->specs[spec - 1].state != 1) {
				/* not an active speculation: the clause runs,
				 * its data goes nowhere */
				spec = -2;
				continue;
			}
			/* The ECB's data must fit, else none of it runs. */
			if (e->specs[spec - 1].acct + e->ecbneed[ecb->epid] >
			    e->o.specsize) {
				e->st.specdrops++;
				return;
			}
			continue;
		case DT_ACT_COMMIT:
		case DT_ACT_DISCARD:
			if ((int64_t)vals[0] < 0 || vals[0] > e->o.nspec) {
				dt_flt(ms, DT_FLT_ILLOP, 0);
				dt_fire_error(e, ms, (int)i + 1);
				return;
			}
			if (a->kind == DT_ACT_COMMIT && vals[0] > 0 &&
			    e->specs[vals[0] - 1].state == 1) {
				/* the speculation's data must fit in the
				 * principal buffer, else the clause is dropped */
				dt_buf_t *b = &e->bufs[ms->ctx->cpu < e->o.ncpus
							       ? ms->ctx->cpu
							       : 0];

				if (e->o.bufpolicy != DT_BUF_RING &&
				    b->acct + e->ecbneed[ecb->epid] +
						    e->specs[vals[0] - 1].acct >
					    b->size) {
					b->drops++;
					return;
				}
			}
			if (nsd < 16) {
				sdid[nsd] = (int)vals[0];
				sdcommit[nsd++] = a->kind == DT_ACT_COMMIT;
			}
			continue;
		case DT_ACT_EXIT:
			/* The last exit() processed gives the status. */
			e->exited = 1;
			e->exitstatus = (int)vals[0];
			break;
		case DT_ACT_RAISE:
			if (ms->ctx->pid > 0 && e->o.destructive)
				kill((pid_t)ms->ctx->pid, (int)vals[0]);
			break;
		case DT_ACT_CHILL: {
			struct timespec ts = {0, (long)(vals[0] % 1000000000)};

			nanosleep(&ts, NULL);
			break;
		}
		case DT_ACT_PANIC: case DT_ACT_BREAKPOINT: case DT_ACT_STOP:
			break;
		case DT_ACT_STACK: case DT_ACT_USTACK: case DT_ACT_JSTACK:
			recorded = 1;
			if (dt_rec_stack(ms, &w, a->kind, a->arg) != 0) {
				dt_fire_error(e, ms, (int)i + 1);
				return;
			}
			continue;
		default:
			break;
		}
		/* Every other action records its operands; an ECB whose
		 * actions record nothing leaves no record (as in DTrace). */
		if (a->kind != DT_ACT_DIFEXPR && a->kind != DT_ACT_NONE)
			recorded = 1;
		for (uint32_t k = 0; k < nd; k++) {
			if (!dt_difo_records(a->difo[k]))
				continue;
			if (a->kind == DT_ACT_TRACEMEM && k == 0) {
				uint64_t n = a->arg;
				uint8_t *d;

				if (nd > 1 && vals[1] < n)
					n = vals[1];
				d = dt_rec_add(&w, (uint32_t)n, DT_REC_REF);
				if (d == NULL || dt_load(ms, vals[0], d, n)) {
					dt_flt(ms, DT_FLT_BADADDR, vals[0]);
					dt_fire_error(e, ms, (int)i + 1);
					return;
				}
				continue;
			}
			if (((a->kind == DT_ACT_SYM || a->kind == DT_ACT_MOD ||
			      a->kind == DT_ACT_USYM || a->kind == DT_ACT_UMOD ||
			      a->kind == DT_ACT_UADDR) &&
			     k == 0) ||
			    (a->difo[k]->flags & DT_DIFO_UADDR)) {
				/* an address means nothing without its
				 * process or machine: that goes first */
				uint64_t pv[2] = {
				    dt_sym_owner(ms, (a->difo[k]->flags &
						      DT_DIFO_UADDR)
							 ? DT_ACT_UADDR
							 : a->kind),
				    vals[k]};
				uint8_t *d = dt_rec_add(&w, 16, DT_REC_REF);

				recorded = 1;
				if (d == NULL) {
					dt_flt(ms, DT_FLT_NOSCRATCH, 0);
					dt_fire_error(e, ms, (int)i + 1);
					return;
				}
				memcpy(d, pv, 16);
				continue;
			}
			ms->dp = a->difo[k];
			recorded = 1;
			if (dt_rec_value(ms, &w, a->difo[k], vals[k])) {
				ms->dp = NULL;
				dt_fire_error(e, ms, (int)i + 1);
				return;
			}
			ms->dp = NULL;
		}
	}
	if (s->nacts == 0)
		recorded = 1;
	/* The record header: epid, size, timestamp. */
	{
		uint32_t hdr[2] = {ecb->epid, (w.len + 7) & ~7U};
		uint32_t cpu = ms->ctx->cpu < e->o.ncpus ? ms->ctx->cpu : 0;

		memcpy(w.p, hdr, 8);
		memcpy(w.p + 8, &ms->ctx->ts, 8);
		if (spec == -2) {
			e->st.specbusy += 0; /* data of an inactive speculation */
		} else if (spec > 0) {
			dt_spec_t *sp = &e->specs[spec - 1];

			if (sp->acct + e->ecbneed[ecb->epid] > e->o.specsize ||
			    sp->used + hdr[1] > sp->cap) {
				e->st.specdrops++;
			} else {
				sp->acct += e->ecbneed[ecb->epid];
				memcpy(sp->data + sp->used, w.p, hdr[1]);
				sp->used += hdr[1];
			}
		} else if (recorded) {
			dt_buf_put(e, &e->bufs[cpu], w.p, hdr[1],
				   (int)e->o.bufpolicy);
		}
		/* commits and discards, in the order the actions ran */
		for (int k = 0; k < nsd; k++) {
			int id = sdid[k];
			dt_spec_t *sp;

			if (id <= 0 || (uint32_t)id > e->o.nspec)
				continue;
			sp = &e->specs[id - 1];
			if (sdcommit[k] && sp->state == 1) {
				for (uint64_t off = 0; off < sp->used;) {
					uint32_t l = ((uint32_t *)(sp->data + off))[1];

					dt_buf_put(e, &e->bufs[cpu],
						   sp->data + off, l,
						   (int)e->o.bufpolicy);
					off += l;
				}
			}
			sp->state = 0;
			sp->used = 0;
			sp->acct = 0;
		}
	}
}

static void dt_setctx(dt_engine_t *e, dt_mstate_t *ms, const dt_pctx_t *ctx)
{
	ms->e = e;
	ms->ctx = ctx;
	ms->ecb = NULL;
	ms->dp = NULL;
	ms->atop = 0;
	ms->stop = 0;
	ms->ntup = 0;
	ms->flt = 0;
	ms->fltaddr = 0;
	ms->pc = 0;
	ms->pr = ctx->probe <= e->maxprobe ? e->pidx[ctx->probe] : NULL;
	memset(ms->ctxp, 0, sizeof(ms->ctxp));
}

static void dt_fire_error(dt_engine_t *e, dt_mstate_t *ms, int where)
{
	dt_errinfo_t ei = {ms->ecb->epid, ms->flt, ms->fltaddr, where, ms->pc,
			   ms->ecb};
	dt_pctx_t ctx;
	dt_mstate_t ms2;

	if (e->in_error) {
		/* a fault in an ERROR clause: counted, not reported */
		e->st.dblerrors++;
		return;
	}
	e->st.errors++;
	if (e->errf)
		e->errf(e->errarg, &ei);
	if (e->in_error || e->error_probe == 0 ||
	    e->error_probe > e->maxprobe || e->pecbs[e->error_probe] == NULL)
		return;
	ctx = *ms->ctx;
	ctx.probe = e->error_probe;
	memset(ctx.arg, 0, sizeof(ctx.arg));
	if (e->o.linux_semantics) {
		ctx.arg[1] = ms->ecb->probe;
		ctx.arg[2] = ms->ecb->stmt;
	} else {
		ctx.arg[1] = ei.epid;
		ctx.arg[2] = (uint64_t)(int64_t)where;
	}
	ctx.arg[3] = ei.pc;
	ctx.arg[4] = (uint64_t)(ei.fault - 1); /* DTRACEFLT_* numbering */
	ctx.arg[5] = ei.addr;
	e->in_error = 1;
	dt_setctx(e, &ms2, &ctx);
	for (uint32_t *p = e->pecbs[e->error_probe]; *p; p++)
		dt_run_ecb(e, &ms2, &e->ecbs[*p - 1]);
	e->in_error = 0;
}

void dt_engine_fire(dt_engine_t *e, const dt_pctx_t *ctx)
{
	dt_mstate_t ms;

	if (!e->going || ctx->probe > e->maxprobe ||
	    e->pecbs[ctx->probe] == NULL)
		return;
	if (e->exited && ctx->probe != e->end_probe &&
	    ctx->probe != e->error_probe)
		return;
	dt_setctx(e, &ms, ctx);
	memset(e->larena, 0, e->llen);
	for (uint32_t *p = e->pecbs[ctx->probe]; *p; p++) {
		int was = e->exited;

		if (ctx->stmts != NULL && !ctx->stmts[e->ecbs[*p - 1].stmt])
			continue;
		dt_run_ecb(e, &ms, &e->ecbs[*p - 1]);
		/* exit(): the clauses that follow in this firing do not
		 * run (END's clauses all run). */
		if (!was && e->exited && ctx->probe != e->end_probe)
			break;
	}
}

int dt_engine_run_difo(dt_engine_t *e, const dt_difo_t *dp,
		       const dt_pctx_t *ctx, uint64_t *rval)
{
	dt_mstate_t ms;

	dt_setctx(e, &ms, ctx);
	if (dt_exec(&ms, dp, rval) == 0)
		return 0;
	return ms.flt;
}

/* ---- construction ---- */

static void dt_note_vars(dt_engine_t *e, const dt_difo_t *dp)
{
	if (dp == NULL)
		return;
	for (uint32_t i = 0; i < dp->varlen; i++) {
		const dif_var_desc_t *v = &dp->vartab[i];
		dt_gvar_t *g;
		int isstr, byref;

		if (v->id < DIF_VAR_OTHER_UBASE || v->kind != DIFV_KIND_SCALAR)
			continue;
		if (v->scope == DIFV_SCOPE_GLOBAL)
			g = &e->gv[v->id - DIF_VAR_OTHER_UBASE];
		else if (v->scope == DIFV_SCOPE_LOCAL)
			g = &e->lv[v->id - DIF_VAR_OTHER_UBASE];
		else
			continue;
		if (g->used)
			continue;
		g->used = 1;
		g->size = dt_vsize(e, v, &isstr, &byref);
		g->isstr = (uint8_t)isstr;
		g->byref = (uint8_t)byref;
		g->off = v->scope == DIFV_SCOPE_GLOBAL ? e->glen : e->llen;
		if (v->scope == DIFV_SCOPE_GLOBAL)
			e->glen += (byref ? 8 : 0) + ((g->size + 7) & ~7U);
		else
			e->llen += (byref ? 8 : 0) + ((g->size + 7) & ~7U);
	}
}

/* Space refusals are reported when tracing starts (dt_engine_go), after
 * the probes are matched, as DTrace reports them from dtrace_go(). */
static void dt_space_refuse(dt_engine_t *e, const char *msg)
{
	if (e->spaceerr[0] == '\0')
		snprintf(e->spaceerr, sizeof(e->spaceerr), "%s", msg);
}

int dt_engine_go(dt_engine_t *e, char *why, size_t whylen)
{
	if (e->spaceerr[0] != '\0') {
		snprintf(why, whylen, "%s", e->spaceerr);
		return -1;
	}
	e->going = 1;
	return 0;
}

dt_engine_t *dt_engine_create(const dt_prog_t *prog, const dt_eopts_t *o,
			      const dt_probe_t *probes, uint32_t nprobes,
			      char *why, size_t whylen)
{
	dt_engine_t *e = calloc(1, sizeof(*e));
	uint32_t *cnt = NULL;

	if (e == NULL)
		return NULL;
	e->prog = prog;
	e->o = *o;
	if (e->o.ncpus == 0)
		e->o.ncpus = 1;
	e->randstate = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	e->probes = calloc(nprobes ? nprobes : 1, sizeof(dt_probe_t));
	if (e->probes == NULL)
		goto nomem;
	memcpy(e->probes, probes, nprobes * sizeof(dt_probe_t));
	e->nprobes = nprobes;
	for (uint32_t i = 0; i < nprobes; i++) {
		if (probes[i].id > e->maxprobe)
			e->maxprobe = probes[i].id;
		if (strcmp(probes[i].prov, "dtrace") == 0 &&
		    strcmp(probes[i].name, "ERROR") == 0)
			e->error_probe = probes[i].id;
		if (strcmp(probes[i].prov, "dtrace") == 0 &&
		    strcmp(probes[i].name, "END") == 0)
			e->end_probe = probes[i].id;
	}
	/* Verify every DIFO; refuse destructive actions without -w. */
	for (uint32_t s = 0; s < prog->nstmts; s++) {
		const dt_stmt_t *st = &prog->stmts[s];

		if (st->pred && dt_verify(st->pred, why, whylen))
			goto fail;
		for (uint32_t a = 0; a < st->nacts; a++) {
			if (dt_is_destructive(st->acts[a].kind) &&
			    !o->destructive) {
				snprintf(why, whylen,
					 "destructive actions not allowed");
				goto fail;
			}
			if (st->acts[a].kind == DT_ACT_AGGREGATION &&
			    st->acts[a].arg >= prog->naggs) {
				snprintf(why, whylen,
					 "clause %u: bad aggregation %" PRIu64,
					 s, st->acts[a].arg);
				goto fail;
			}
			for (uint32_t k = 0; k < st->acts[a].ndifo; k++)
				if (st->acts[a].difo[k] &&
				    dt_verify(st->acts[a].difo[k], why, whylen))
					goto fail;
		}
	}
	/* Space that cannot hold what the program needs is refused up
	 * front, as DTrace refuses the enabling. */
	if (e->o.bufsize == 0) {
		snprintf(why, whylen, "Invalid argument");
		goto fail;
	}
	e->aggspecial = calloc(prog->naggs + 1, 1);
	if (e->aggspecial == NULL)
		goto nomem;
	for (uint32_t a = 0; a < prog->naggs; a++) {
		uint64_t need = 64 + dt_agg_nvals(&prog->aggs[a]) * 8;

		for (uint32_t k = 0; k < prog->aggs[a].nkeys; k++)
			if (dt_prog_keykind(&prog->aggs[a], k) != 0)
				e->aggspecial[a] = 1;

		for (uint32_t k = 0; k < prog->aggs[a].nkeys; k++)
			need += prog->aggs[a].keys[k].kind == DIF_TYPE_STRING
					? e->o.strsize
					: 8;
		if (e->o.aggsize < need)
			dt_space_refuse(e, "Enabling exceeds size of buffer");
	}
	/* Every dynamic variable must fit in dynvarsize at least once: its
	 * value, plus for an associative array its tuple key (the variable
	 * id and 8 bytes per key), as Linux DTrace sizes its dvars map. */
	for (uint32_t s = 0; s < prog->nstmts; s++) {
		const dt_stmt_t *st = &prog->stmts[s];

		for (uint32_t a = 0; a < st->nacts; a++)
			for (uint32_t k = 0; k < st->acts[a].ndifo; k++) {
				const dt_difo_t *d = st->acts[a].difo[k];
				uint64_t ntup = 0;

				for (uint32_t i = 0; d && i < d->len; i++) {
					uint32_t in = d->buf[i];
					uint32_t op = DIF_INSTR_OP(in);
					const dif_var_desc_t *v;
					uint64_t need;
					int isstr, byref;

					if (op == DIF_OP_FLUSHTS)
						ntup = 0;
					else if (op == DIF_OP_PUSHTR ||
						 op == DIF_OP_PUSHTV)
						ntup++;
					else if (op == DIF_OP_POPTS && ntup)
						ntup--;
					if (op != DIF_OP_STTS &&
					    op != DIF_OP_STGAA &&
					    op != DIF_OP_STTAA)
						continue;
					v = dt_difo_var(d, DIF_INSTR_VAR(in),
							op == DIF_OP_STGAA
								? DIFV_SCOPE_GLOBAL
								: DIFV_SCOPE_THREAD);
					need = dt_vsize(e, v, &isstr, &byref);
					if (op != DIF_OP_STTS)
						need += 4 + 8 * ntup;
					if (e->o.dynvarsize < need)
						dt_space_refuse(
							e, "Enabling exceeds "
							   "size of buffer");
				}
			}
	}
	e->gv = calloc(DT_NVAR, sizeof(dt_gvar_t));
	e->lv = calloc(DT_NVAR, sizeof(dt_gvar_t));
	if (!e->gv || !e->lv)
		goto nomem;
	for (uint32_t s = 0; s < prog->nstmts; s++) {
		const dt_stmt_t *st = &prog->stmts[s];

		dt_note_vars(e, st->pred);
		for (uint32_t a = 0; a < st->nacts; a++)
			for (uint32_t k = 0; k < st->acts[a].ndifo; k++)
				dt_note_vars(e, st->acts[a].difo[k]);
	}
	e->garena = calloc(1, e->glen + 8);
	e->larena = calloc(1, e->llen + 8);
	e->arsize = (e->o.scratchsize + 7) & ~7ULL;
	e->tsize = 32 * (e->o.strsize + 1);
	if (e->tsize < (64 << 10))
		e->tsize = 64 << 10;
	e->scratchbuf = calloc(1, e->arsize + 16);
	e->scratch = e->scratchbuf ? e->scratchbuf + 8 : NULL;
	e->tscratch = calloc(1, e->tsize + 8);
	if (e->o.dynvarsize > (1ULL << 30))
		e->o.dynvarsize = 1ULL << 30;
	e->dvcap = e->o.dynvarsize * 3 + 4096;
	e->dvarena = malloc(e->dvcap + 16);
	e->dvnhash = 4099;
	e->dvhash = calloc(e->dvnhash, sizeof(*e->dvhash));
	e->aggnhash = 4099;
	e->agghash = calloc(e->aggnhash, sizeof(*e->agghash));
	e->rec = malloc(DT_RECMAX);
	e->bufs = calloc(e->o.ncpus, sizeof(dt_buf_t));
	e->specs = calloc(e->o.nspec + 1, sizeof(dt_spec_t));
	if (!e->garena || !e->larena || !e->scratch || !e->tscratch ||
	    !e->dvarena ||
	    !e->dvhash || !e->agghash || !e->rec || !e->bufs || !e->specs)
		goto nomem;
	/* Global by-ref variables start out NULL (header 0xff)? No: DTrace
	 * zero-fills, and a zero string reads as "". */
	/* bufresize=auto (DTrace's default): settle for what can be had;
	 * bufresize=manual: fail instead. */
	if (e->o.bufresize_manual &&
	    (e->o.bufsize > (1ULL << 30) || e->o.aggsize > (1ULL << 30) ||
	     e->o.dynvarsize > (1ULL << 30) || e->o.specsize > (1ULL << 30))) {
		snprintf(why, whylen, "Not enough space");
		goto fail;
	}
	if (e->o.bufsize > (1ULL << 30))
		e->o.bufsize = 1ULL << 30;
	for (uint32_t c = 0; c < e->o.ncpus; c++) {
		for (;;) {
			e->bufs[c].size = e->o.bufsize;
			e->bufs[c].cap = e->o.bufsize * 3 + 65536;
			e->bufs[c].data = malloc(e->bufs[c].cap);
			if (e->bufs[c].data != NULL || e->o.bufsize < 4096)
				break;
			e->o.bufsize /= 2;
		}
		if (e->bufs[c].data == NULL)
			goto nomem;
	}
	if (e->o.specsize > (16ULL << 20)) /* bufresize=auto */
		e->o.specsize = 16ULL << 20;
	for (uint32_t i = 0; i < e->o.nspec; i++) {
		e->specs[i].cap = e->o.specsize * 3 + 4096;
		e->specs[i].data = malloc(e->specs[i].cap);
		if (e->specs[i].data == NULL)
			goto nomem;
	}
	/* ECBs: statements in order, each matching probe in id order. */
	for (uint32_t s = 0; s < prog->nstmts; s++) {
		const dt_stmt_t *st = &prog->stmts[s];

		/* one ECB per description and matching probe, as DTrace */
		for (uint32_t d = 0; d < st->ndesc; d++)
		for (uint32_t p = 0; p < nprobes; p++) {
			const dt_probedesc_t *pd = &st->descs[d];

			if (!(dt_glob_match(pd->provider, probes[p].prov) &&
			      dt_glob_match(pd->module, probes[p].mod) &&
			      dt_glob_match(pd->function, probes[p].func) &&
			      dt_glob_match(pd->name, probes[p].name)))
				continue;
			dt_ecb_t *n = realloc(e->ecbs,
					      (e->necbs + 1) * sizeof(*n));
			if (n == NULL)
				goto nomem;
			e->ecbs = n;
			n[e->necbs].epid = e->necbs + 1;
			n[e->necbs].stmt = s;
			n[e->necbs].probe = probes[p].id;
			n[e->necbs].pr = &e->probes[p];
			e->necbs++;
		}
	}
	e->ecbneed = calloc(e->necbs + 1, sizeof(*e->ecbneed));
	e->ecbspec = calloc(e->necbs + 1, 1);
	if (e->ecbneed == NULL || e->ecbspec == NULL)
		goto nomem;
	for (uint32_t i = 0; i < e->necbs; i++) {
		const dt_stmt_t *st = &prog->stmts[e->ecbs[i].stmt];
		uint32_t need = 8; /* DTrace-accounted, see dt_rec_acct() */

		for (uint32_t a = 0; a < st->nacts; a++) {
			const dt_action_t *ac = &st->acts[a];

			if (ac->kind == DT_ACT_SPECULATE)
				e->ecbspec[i + 1] = 1;
			if (ac->kind == DT_ACT_AGGREGATION ||
			    ac->kind == DT_ACT_SPECULATE ||
			    ac->kind == DT_ACT_COMMIT ||
			    ac->kind == DT_ACT_DISCARD)
				continue;
			/* a printf()-like action without operands still takes
			 * a record in DTrace */
			if ((ac->kind == DT_ACT_PRINTF || ac->kind == DT_ACT_PRINTA ||
			     ac->kind == DT_ACT_SYSTEM) && ac->ndifo == 0)
				need += 8;
			if (ac->kind == DT_ACT_STACK || ac->kind == DT_ACT_USTACK ||
			    ac->kind == DT_ACT_JSTACK)
				need += dt_stack_recsize(ac->kind, ac->arg);
			for (uint32_t k = 0; k < ac->ndifo && k < 16; k++) {
				const dt_difo_t *d = ac->difo[k];
				uint32_t sz;

				if (!dt_difo_records(d))
					continue;
				if (ac->kind == DT_ACT_TRACEMEM && k == 0)
					sz = (uint32_t)ac->arg;
				else if ((d->flags & DT_DIFO_UADDR) ||
					 ((ac->kind == DT_ACT_SYM ||
					   ac->kind == DT_ACT_MOD ||
					   ac->kind == DT_ACT_USYM ||
					   ac->kind == DT_ACT_UMOD ||
					   ac->kind == DT_ACT_UADDR) &&
					  k == 0))
					sz = 16;
				else if (d->rtype.kind == DIF_TYPE_STRING)
					sz = (uint32_t)e->o.strsize;
				else if (d->rtype.flags & DIF_TF_BYREF)
					sz = d->rtype.size;
				else
					sz = 8;
				need += (sz + 7) & ~7U;
			}
		}
		e->ecbneed[i + 1] = need;
		/* fill policy keeps room for END; it must fit (else an ECB
		 * larger than the buffer is just dropped when it fires) */
		if (need > e->o.bufsize && e->ecbs[i].probe == e->end_probe &&
		    e->o.bufpolicy == DT_BUF_FILL) {
			dt_space_refuse(e, "END enablings exceed size of "
					   "principal buffer");
		}
	}
	e->pidx = calloc(e->maxprobe + 1, sizeof(*e->pidx));
	if (e->pidx == NULL)
		goto nomem;
	for (uint32_t i = 0; i < nprobes; i++)
		e->pidx[e->probes[i].id] = &e->probes[i];
	e->pecbs = calloc(e->maxprobe + 1, sizeof(*e->pecbs));
	cnt = calloc(e->maxprobe + 1, sizeof(*cnt));
	if (!e->pecbs || !cnt)
		goto nomem;
	for (uint32_t i = 0; i < e->necbs; i++)
		cnt[e->ecbs[i].probe]++;
	for (uint32_t p = 0; p <= e->maxprobe; p++) {
		if (cnt[p] == 0)
			continue;
		e->pecbs[p] = calloc(cnt[p] + 1, sizeof(uint32_t));
		if (e->pecbs[p] == NULL)
			goto nomem;
		cnt[p] = 0;
	}
	for (uint32_t i = 0; i < e->necbs; i++) {
		uint32_t p = e->ecbs[i].probe;

		e->pecbs[p][cnt[p]++] = e->ecbs[i].epid;
	}
	free(cnt);
	return e;
nomem:
	snprintf(why, whylen, "not enough memory");
fail:
	free(cnt);
	dt_engine_destroy(e);
	return NULL;
}

void dt_engine_destroy(dt_engine_t *e)
{
	if (e == NULL)
		return;
	while (e->agghead)
		dt_engine_agg_remove(e, e->agghead);
	if (e->pecbs)
		for (uint32_t p = 0; p <= e->maxprobe; p++)
			free(e->pecbs[p]);
	free(e->pecbs);
	free(e->pidx);
	free(e->ecbneed);
	free(e->ecbspec);
	free(e->aggspecial);
	if (e->bufs)
		for (uint32_t c = 0; c < e->o.ncpus; c++)
			free(e->bufs[c].data);
	if (e->specs)
		for (uint32_t i = 0; i < e->o.nspec; i++)
			free(e->specs[i].data);
	free(e->specs);
	free(e->bufs);
	free(e->rec);
	free(e->agghash);
	free(e->dvhash);
	free(e->dvarena);
	free(e->scratchbuf);
	free(e->tscratch);
	free(e->garena);
	free(e->larena);
	free(e->gv);
	free(e->lv);
	free(e->ecbs);
	free(e->probes);
	free(e);
}

void dt_engine_set_pidhook(dt_engine_t *e, dt_pid_f f, void *arg)
{
	e->pidf = f;
	e->pidarg = arg;
	e->lastpid = 0;
}

void dt_engine_set_errhandler(dt_engine_t *e, dt_err_f f, void *arg)
{
	e->errf = f;
	e->errarg = arg;
}

uint32_t dt_engine_necbs(const dt_engine_t *e) { return e->necbs; }

const dt_ecb_t *dt_engine_ecb(const dt_engine_t *e, uint32_t epid)
{
	return epid >= 1 && epid <= e->necbs ? &e->ecbs[epid - 1] : NULL;
}

int dt_engine_enabled(const dt_engine_t *e, uint32_t probe)
{
	return probe <= e->maxprobe && e->pecbs[probe] != NULL;
}

void dt_engine_stats(dt_engine_t *e, dt_estats_t *st, int reset)
{
	*st = e->st;
	if (reset)
		memset(&e->st, 0, sizeof(e->st));
}

const dt_prog_t *dt_engine_prog(const dt_engine_t *e) { return e->prog; }
const dt_eopts_t *dt_engine_opts(const dt_engine_t *e) { return &e->o; }

int dt_engine_filled(const dt_engine_t *e)
{
	for (uint32_t c = 0; c < e->o.ncpus; c++)
		if (e->bufs[c].full)
			return 1;
	return 0;
}

int dt_engine_exited(const dt_engine_t *e, int *status)
{
	if (status)
		*status = e->exitstatus;
	return e->exited;
}
