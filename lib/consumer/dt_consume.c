/*
 * dt_consume.c: the consumer: walks the records in the engine's principal
 * buffers and prints them as dtrace(1) does (default per-probe output,
 * trace, printf, printa, libdtrace actions), prints aggregations (sorted
 * as DTrace sorts them, quantize histograms included), and reports drops
 * and faults with DTrace's messages.
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer/dt_print_type.h"
#include "consumer/dt_consume.h"
#include "consumer/dt_print_sym.h"

#define DT_SEEN_PROCS 64

struct dt_consumer {
	dt_engine_t *e;
	const dt_prog_t *prog;
	FILE *out, *err;
	dt_copts_t o;
	int heading, exited, nerrors;
	int output; /* something was printed */
	uint8_t *printed; /* per aggregation */
	int indent;
	/* -x oformat=json: the document is open, probe objects written,
	 * items written in the current "output" array */
	int jopen, jprobes, jitems;
	dt_sym_cache_t *syms; /* symbols for stacks and addresses (lazy) */
	struct {
		int64_t pid;
		char comm[16];
	} seen[DT_SEEN_PROCS]; /* the image whose mappings syms holds */
};

/* The symbol cache, made when the first address is printed. */
static dt_sym_cache_t *dt_syms(dt_consumer_t *c)
{
	if (c->syms == NULL)
		c->syms = dt_sym_cache_create();
	return c->syms;
}

static int dt_is_stack(uint32_t kind)
{
	return kind == DT_ACT_STACK || kind == DT_ACT_USTACK ||
	       kind == DT_ACT_JSTACK;
}

static int dt_is_symaddr(uint32_t kind)
{
	return kind == DT_ACT_SYM || kind == DT_ACT_MOD ||
	       kind == DT_ACT_USYM || kind == DT_ACT_UMOD ||
	       kind == DT_ACT_UADDR;
}

static int dt_stkindent(const dt_consumer_t *c)
{
	return c->o.stackindent > 0 ? c->o.stackindent : DT_STACK_INDENT;
}

static void dt_json_close(dt_consumer_t *c);
static void dt_json_probe(dt_consumer_t *c, long cpu, long id,
			  const char *prov, const char *mod, const char *func,
			  const char *name);
static void dt_json_output_open(dt_consumer_t *c);
static void dt_json_output_close(dt_consumer_t *c);
static void dt_json_agg(dt_consumer_t *c, int agg, int only_unprinted);
static void dt_json_drop(dt_consumer_t *c, int kind, uint64_t n,
			 const char *msg);

/* Reads a process's mappings when its first user address is kept: it
 * may have exited by the time the address is printed. Again after an
 * exec (seen as a new execname): the old image's mappings are stale. */
static void dt_cons_pid(void *arg, int64_t pid, const char *execname)
{
	dt_consumer_t *c = arg;
	dt_sym_cache_t *sc = dt_syms(c);
	uint32_t slot = (uint32_t)pid % DT_SEEN_PROCS;

	if (sc == NULL || pid <= 0 || pid > INT32_MAX)
		return;
	if (c->seen[slot].pid == pid &&
	    strncmp(c->seen[slot].comm, execname, sizeof(c->seen[slot].comm)) ==
		0)
		return;
	if (c->seen[slot].pid == pid)
		dt_sym_cache_forget(sc, (int)pid);
	c->seen[slot].pid = pid;
	snprintf(c->seen[slot].comm, sizeof(c->seen[slot].comm), "%s",
		 execname);
	(void)dt_sym_cache_proc(sc, (int)pid);
}

dt_consumer_t *dt_consumer_create(dt_engine_t *e, FILE *out, FILE *err,
				  const dt_copts_t *o)
{
	dt_consumer_t *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->e = e;
	c->prog = dt_engine_prog(e);
	c->out = out;
	c->err = err;
	c->o = *o;
	c->printed = calloc(c->prog->naggs + 1, 1);
	if (c->printed == NULL) {
		free(c);
		return NULL;
	}
	dt_engine_set_pidhook(e, dt_cons_pid, c);
	return c;
}

void dt_consumer_destroy(dt_consumer_t *c)
{
	if (c == NULL)
		return;
	dt_json_close(c);
	dt_sym_cache_destroy(c->syms);
	free(c->printed);
	free(c);
}

int dt_consumer_nerrors(const dt_consumer_t *c) { return c->nerrors; }
int dt_consumer_output(const dt_consumer_t *c) { return c->output; }

void dt_consumer_errhandler(void *arg, const dt_errinfo_t *ei)
{
	dt_consumer_t *c = arg;
	const dt_probe_t *pr = ei->ecb->pr;
	char details[64] = "", where[32];

	switch (ei->fault) {
	case DT_FLT_BADADDR: case DT_FLT_BADALIGN: case DT_FLT_KPRIV:
	case DT_FLT_UPRIV: case DT_FLT_BADSIZE: case DT_FLT_BADSTACK:
		snprintf(details, sizeof(details), " (0x%llx)",
			 (unsigned long long)ei->addr);
		break;
	case DT_FLT_BADINDEX:
		snprintf(details, sizeof(details), " (%lld)",
			 (long long)ei->addr);
		break;
	default:
		break;
	}
	if (c->o.testing) {
		/* Linux DTrace's wording */
		if (details[0] != '\0' && ei->fault != DT_FLT_BADINDEX)
			snprintf(details, sizeof(details), " (0x%llx)",
				 (unsigned long long)ei->addr);
		fprintf(c->err,
			"dtrace: error in dt_clause_%u for probe ID %u "
			"(%s:%s:%s:%s): %s%s at BPF pc %u\n",
			ei->ecb->stmt, pr->id, pr->prov, pr->mod, pr->func,
			pr->name, dt_fault_str(ei->fault), details, ei->pc);
		c->nerrors++;
		return;
	}
	if (ei->where < 0)
		snprintf(where, sizeof(where), "predicate");
	else
		snprintf(where, sizeof(where), "action #%d", ei->where);
	fprintf(c->err,
		"dtrace: error on enabled probe ID %u (ID %u: %s:%s:%s:%s): "
		"%s%s in %s at DIF offset %u\n",
		ei->epid, pr->id, pr->prov, pr->mod, pr->func, pr->name,
		dt_fault_str(ei->fault), details, where, ei->pc);
	c->nerrors++;
}

/* ---- printing data ---- */

static void dt_print_rawbytes(dt_consumer_t *c, const uint8_t *p, size_t n)
{
	FILE *f = c->out;

	if (n == 0)
		return;
	fprintf(f, "\n%5s      ", "");
	for (int i = 0; i < 16; i++)
		fprintf(f, "  %c", "0123456789abcdef"[i]);
	fprintf(f, "  0123456789abcdef\n");
	for (size_t i = 0; i < n; i += 16) {
		size_t j;

		fprintf(f, "%5s%5zx:", "", i);
		for (j = i; j < i + 16 && j < n; j++)
			fprintf(f, " %02x", p[j]);
		while (j++ % 16)
			fprintf(f, "   ");
		fprintf(f, "  ");
		for (j = i; j < i + 16 && j < n; j++)
			fputc(p[j] < ' ' || p[j] > '~' ? '.' : p[j], f);
		fputc('\n', f);
	}
}

/* DTrace's dt_print_bytes: a string if it looks like one, else raw. */
static void dt_print_bytes(dt_consumer_t *c, const uint8_t *p, size_t n,
			   int width, int quiet)
{
	size_t i, j;

	if (n == 0)
		return;
	if (c->o.rawbytes) {
		dt_print_rawbytes(c, p, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (isprint(p[i]) || isspace(p[i]) || p[i] == '\b' ||
		    p[i] == '\a')
			continue;
		if (p[i] == '\0' && i > 0) {
			for (j = i + 1; j < n && p[j] == '\0'; j++)
				;
			if (j != n)
				break;
			if (quiet)
				fprintf(c->out, "%s", (const char *)p);
			else
				fprintf(c->out, "  %-*s", width, (const char *)p);
			return;
		}
		break;
	}
	/* Linux DTrace wants a NUL terminator to call bytes a string: a
	 * 1-byte struct holding '4' prints raw (tst.struct-1-byte). */
	if (i == n && !c->o.testing) {
		if (quiet)
			fprintf(c->out, "%.*s", (int)n, (const char *)p);
		else
			fprintf(c->out, "  %-*.*s", width, (int)n,
				(const char *)p);
		return;
	}
	dt_print_rawbytes(c, p, n);
}

static void dt_print_trace(dt_consumer_t *c, const dt_pfarg_t *a, int quiet)
{
	const uint8_t *p = a->data;

	if ((a->flags & DT_REC_STR) && c->o.rawbytes) {
		dt_print_rawbytes(c, p, a->size);
		return;
	}
	if (a->flags & DT_REC_STR) {
		/* Strings print as strings, even empty ones. */
		size_t n = strnlen((const char *)p, a->size);

		fprintf(c->out, quiet ? "%.*s" : "  %-33.*s", (int)n,
			(const char *)p);
		return;
	}
	if (a->flags & DT_REC_REF) {
		dt_print_bytes(c, p, a->size, 33, quiet);
		return;
	}
	if (a->flags & DT_REC_FLOAT) {
		double d;

		memcpy(&d, p, sizeof(d));
		fprintf(c->out, quiet ? "%f" : " %f", d);
		return;
	}
	if (c->o.testing) {
		/* Linux DTrace prints by signedness and size. */
		int64_t sv = 0;
		uint64_t uv = 0;
		static const int w[9] = {0, 3, 5, 0, 10, 0, 0, 0, 0};
		int width;

		memcpy(&uv, p, a->size <= 8 ? a->size : 8);
		if (a->flags & DT_REC_SIGNED) {
			sv = a->size == 1 ? (int8_t)uv
			     : a->size == 2 ? (int16_t)uv
			     : a->size == 4 ? (int32_t)uv
					    : (int64_t)uv;
			width = a->size == 8 ? 19 : w[a->size];
			if (quiet)
				fprintf(c->out, "%lld", (long long)sv);
			else
				fprintf(c->out, " %*lld", width, (long long)sv);
			return;
		}
		width = a->size == 8 ? 20 : w[a->size];
		if (quiet)
			fprintf(c->out, "%llu", (unsigned long long)uv);
		else
			fprintf(c->out, " %*llu", width, (unsigned long long)uv);
		return;
	}
	switch (a->size) {
	case 1: fprintf(c->out, quiet ? "%d" : " %3d", p[0]); break;
	case 2: {
		uint16_t v;

		memcpy(&v, p, 2);
		fprintf(c->out, quiet ? "%d" : " %5d", v);
		break;
	}
	case 4: {
		int32_t v;

		memcpy(&v, p, 4);
		fprintf(c->out, quiet ? "%d" : " %8d", v);
		break;
	}
	default: {
		long long v;

		memcpy(&v, p, 8);
		fprintf(c->out, quiet ? "%lld" : " %16lld", v);
		break;
	}
	}
}

/* ---- aggregations ---- */

static long double dt_agg_sortval(const dt_prog_t *prog, const dt_aggent_t *a)
{
	const dt_aggdesc_t *ad = &prog->aggs[a->agg];
	long double t = 0;

	switch (ad->func) {
	case DT_AGG_AVG:
		return a->vals[0] ? (long double)a->vals[1] / a->vals[0] : 0;
	case DT_AGG_STDDEV: {
		long double n = (long double)a->vals[0], s, sq;

		if (n == 0)
			return 0;
		s = (long double)a->vals[1] / n;
		sq = ((long double)(uint64_t)a->vals[3] * 18446744073709551616.0L +
		      (long double)(uint64_t)a->vals[2]) / n;
		return sqrtl(fabsl(sq - s * s));
	}
	case DT_AGG_QUANTIZE:
		for (int i = 0; i < DT_QUANT_NBUCKETS; i++)
			t += (long double)dt_quant_bucketval(i) * a->vals[i];
		return t;
	case DT_AGG_LQUANTIZE:
		for (uint32_t i = 0; i < a->nvals; i++)
			t += (long double)(ad->params[0] +
					   ((int64_t)i - 1) * ad->params[2]) *
			     a->vals[i];
		return t;
	case DT_AGG_LLQUANTIZE:
		for (uint32_t i = 0; i < a->nvals; i++)
			t += (long double)i * a->vals[i];
		return t;
	default:
		return (long double)a->vals[0];
	}
}

typedef struct dt_sortctx {
	dt_consumer_t *c;
} dt_sortctx_t;
static dt_consumer_t *dt_sort_c;

/* An integer key's width where the entry was made (see dt_aggent_t.use). */
static uint32_t dt_key_width(const dt_aggdesc_t *ad, const dt_aggent_t *a,
			     uint32_t k)
{
	const dt_difo_t *d = NULL;

	if (a->use != NULL && k < a->use->ndifo)
		d = a->use->difo[k];
	if (d != NULL && !(d->rtype.flags & DIF_TF_BYREF) &&
	    d->rtype.kind != DIF_TYPE_STRING &&
	    (d->rtype.size == 1 || d->rtype.size == 2 || d->rtype.size == 4 ||
	     d->rtype.size == 8))
		return d->rtype.size;
	return ad->keys[k].size;
}

static int dt_keycmp(dt_consumer_t *c, const dt_aggent_t *x,
		     const dt_aggent_t *y)
{
	const dt_aggdesc_t *ad = &c->prog->aggs[x->agg];
	uint32_t nk = ad->nkeys;

	for (uint32_t j = 0; j < nk; j++) {
		uint32_t k = (j + (uint32_t)c->o.aggsortkeypos) % (nk ? nk : 1);
		uint32_t sz;
		int isstr, r;
		uint32_t off = dt_agg_keyoff(c->e, x->agg, k, &sz, &isstr);

		if (off + sz > x->keylen || off + sz > y->keylen)
			break;
		if (isstr) {
			r = strncmp((const char *)x->key + off,
				    (const char *)y->key + off, sz);
		} else if (ad->keys[k].flags & DIF_TF_BYREF) {
			r = memcmp(x->key + off, y->key + off, sz);
		} else {
			/* DTrace compares integer keys as unsigned values of
			 * the key's size */
			uint64_t a, b;
			uint32_t kx = dt_key_width(ad, x, k),
				 ky = dt_key_width(ad, y, k);

			memcpy(&a, x->key + off, 8);
			memcpy(&b, y->key + off, 8);
			if (kx > 0 && kx < 8)
				a &= (1ULL << (kx * 8)) - 1;
			if (ky > 0 && ky < 8)
				b &= (1ULL << (ky * 8)) - 1;
			r = (a > b) - (a < b);
		}
		if (r)
			return r;
	}
	return 0;
}

static int dt_aggcmp(const void *pa, const void *pb)
{
	dt_consumer_t *c = dt_sort_c;
	const dt_aggent_t *x = *(dt_aggent_t *const *)pa,
			  *y = *(dt_aggent_t *const *)pb;
	int r;

	/* the aggregation is the first key of the joint order, and
	 * aggsortrev reverses it too (DTrace prints the last one first) */
	if (x->agg != y->agg)
		return (x->agg < y->agg ? -1 : 1) * (c->o.aggsortrev ? -1 : 1);
	if (c->o.aggsortkey) {
		r = dt_keycmp(c, x, y);
		if (r == 0) {
			long double a = dt_agg_sortval(c->prog, x),
				    b = dt_agg_sortval(c->prog, y);
			r = (a > b) - (a < b);
		}
	} else {
		long double a = dt_agg_sortval(c->prog, x),
			    b = dt_agg_sortval(c->prog, y);

		r = (a > b) - (a < b);
		if (r == 0)
			r = dt_keycmp(c, x, y);
	}
	return c->o.aggsortrev ? -r : r;
}

/* Entries of aggregation agg (all when agg < 0), sorted. */
static dt_aggent_t **dt_agg_sorted(dt_consumer_t *c, int agg, size_t *np)
{
	size_t n = 0, k = 0;
	dt_aggent_t **v;

	for (dt_aggent_t *a = dt_engine_aggs(c->e); a; a = a->lnext)
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (dt_aggent_t *a = dt_engine_aggs(c->e); a; a = a->lnext)
		if (agg < 0 || a->agg == (uint32_t)agg)
			v[k++] = a;
	dt_sort_c = c;
	qsort(v, k, sizeof(*v), dt_aggcmp);
	*np = k;
	return v;
}

static void dt_quantline(dt_consumer_t *c, int64_t val, uint64_t normal,
			 long double total, int pos, int neg)
{
	static const char ats[] = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
	static const char sp[] = "                                        ";
	unsigned len = 40, depth;
	long double f;

	if (!neg) {
		depth = 0;
		if (pos) {
			f = (fabsl((long double)val) * len) / total;
			depth = (unsigned)(f + 0.5);
		}
		fprintf(c->out, "|%s%s %-9lld\n", ats + len - depth, sp + depth,
			(long long)val / (long long)normal);
		return;
	}
	if (!pos) {
		f = (fabsl((long double)val) * len) / total;
		depth = (unsigned)(f + 0.5);
		fprintf(c->out, "%s%s| %-9lld\n", sp + depth, ats + len - depth,
			(long long)val / (long long)normal);
		return;
	}
	len /= 2;
	f = (fabsl((long double)val) * len) / total;
	depth = (unsigned)(f + 0.5);
	if (val <= 0)
		fprintf(c->out, "%s%s|%*s %-9lld\n", sp + 20 + depth,
			ats + 20 + len - depth, (int)len, "",
			(long long)val / (long long)normal);
	else
		fprintf(c->out, "%20s|%s%s %-9lld\n", "", ats + 20 + len - depth,
			sp + 20 + depth, (long long)val / (long long)normal);
}

static void dt_hist_hdr(dt_consumer_t *c)
{
	fprintf(c->out, "\n%16s %41s %-9s\n", "value",
		"------------- Distribution -------------", "count");
}

/* llquantize: labels as DTrace prints them; bins without a label (the
 * fractional steps of small magnitudes) are not printed. Linux DTrace has
 * negative bins; illumos folds everything below factor^low into "< N". */
static void dt_print_llq(dt_consumer_t *c, const dt_aggent_t *a)
{
	const dt_aggdesc_t *ad = &c->prog->aggs[a->agg];
	int64_t f = ad->params[0], lo = ad->params[1], hi = ad->params[2],
		st = ad->params[3];
	int n = (int)a->nvals, bin0 = n / 2, first, last, pos = 0, neg = 0;
	int64_t *d = calloc((size_t)n, sizeof(int64_t));
	char (*lab)[32] = calloc((size_t)n, sizeof(*lab));
	long double total = 0;
	unsigned __int128 scale = 1;
	int i;

	if (d == NULL || lab == NULL) {
		free(d);
		free(lab);
		return;
	}
	memcpy(d, a->vals, (size_t)n * sizeof(int64_t));
	for (int64_t m = 0; m < lo; m++)
		scale *= (uint64_t)f;
	if (!c->o.testing) {
		/* illumos: one underflow bin for everything below scale */
		for (i = 0; i < bin0; i++) {
			d[bin0] += d[i];
			d[i] = 0;
		}
	}
	first = 0;
	last = n - 1;
	while (first <= last && d[first] == 0)
		first++;
	if (first > last) {
		first = last = c->o.testing ? bin0 + 1 : bin0;
	} else {
		while (d[last] == 0)
			last--;
	}
	for (i = first; i <= last; i++) {
		pos |= d[i] > 0;
		neg |= d[i] < 0;
		total += fabsl((long double)d[i]);
	}
	dt_hist_hdr(c);
	if (first > (c->o.testing ? 0 : bin0))
		first--;
	if (last < n - 1)
		last++;
	/* labels */
	if (!c->o.testing)
		snprintf(lab[bin0], 32, "< %llu", (unsigned long long)scale);
	else if (scale == 1)
		snprintf(lab[bin0], 32, "0");
	else if (first >= bin0)
		snprintf(lab[bin0], 32, "< %llu", (unsigned long long)scale);
	else
		snprintf(lab[bin0], 32, "abs() < %llu", (unsigned long long)scale);
	i = 0;
	for (int64_t m = lo; m <= hi; m++) {
		unsigned __int128 next = scale * (uint64_t)f;

		for (int64_t s = st / f; s < st; s++) {
			unsigned __int128 num = (unsigned __int128)s * next;

			i++;
			if (num % (uint64_t)st != 0 && s != st / f)
				continue; /* a fractional step: no label */
			num = s == st / f ? scale : num / (uint64_t)st;
			if (bin0 + i < n)
				snprintf(lab[bin0 + i], 32, "%llu",
					 (unsigned long long)num);
			if (bin0 - i >= 0)
				snprintf(lab[bin0 - i], 32, "-%llu",
					 (unsigned long long)num);
		}
		scale = next;
	}
	snprintf(lab[0], 32, "<= -%llu", (unsigned long long)scale);
	snprintf(lab[n - 1], 32, ">= %llu", (unsigned long long)scale);
	/* the rows around the data are the nearest labelled bins */
	while (first > 0 && lab[first][0] == '\0')
		first--;
	while (last < n - 1 && lab[last][0] == '\0')
		last++;
	for (i = first; i <= last; i++) {
		if (lab[i][0] == '\0')
			continue;
		fprintf(c->out, "%16s ", lab[i]);
		dt_quantline(c, d[i], a->normal, total, pos, neg);
	}
	free(d);
	free(lab);
}

static void dt_print_hist(dt_consumer_t *c, const dt_aggent_t *a)
{
	const dt_aggdesc_t *ad = &c->prog->aggs[a->agg];
	const int64_t *d = a->vals;
	int n = (int)a->nvals, first = 0, last = n - 1, pos = 0, neg = 0;
	long double total = 0;

	if (ad->func == DT_AGG_LLQUANTIZE) {
		dt_print_llq(c, a);
		return;
	}
	while (first < n - 1 && d[first] == 0)
		first++;
	if (ad->func == DT_AGG_QUANTIZE && first == n - 1 && d[first] == 0) {
		first = DT_QUANT_ZERO - 1;
		last = DT_QUANT_ZERO + 1;
	} else if (ad->func == DT_AGG_LQUANTIZE && first == n - 1 &&
		   d[first] == 0) {
		first = 0;
		last = 2 < n - 1 ? 2 : n - 1;
	} else {
		if (first > 0)
			first--;
		while (last > 0 && d[last] == 0)
			last--;
		if (last < n - 1)
			last++;
	}
	for (int i = first; i <= last; i++) {
		pos |= d[i] > 0;
		neg |= d[i] < 0;
		total += fabsl((long double)d[i]);
	}
	dt_hist_hdr(c);
	for (int i = first; i <= last; i++) {
		if (ad->func == DT_AGG_QUANTIZE) {
			fprintf(c->out, "%16lld ",
				(long long)dt_quant_bucketval(i));
		} else {
			char lab[32];
			int64_t base = ad->params[0], step = ad->params[2];

			if (i == 0)
				snprintf(lab, sizeof(lab), "< %lld",
					 (long long)base);
			else if (i == n - 1)
				snprintf(lab, sizeof(lab), ">= %lld",
					 (long long)(base + (n - 2) * step));
			else
				snprintf(lab, sizeof(lab), "%lld",
					 (long long)(base + (i - 1) * step));
			fprintf(c->out, "%16s ", lab);
		}
		dt_quantline(c, d[i], a->normal, total, pos, neg);
	}
}

static uint64_t dt_stddev(const dt_aggent_t *a)
{
	long double n = (long double)a->vals[0], avg, sq;
	long double nrm = (long double)a->normal;

	if (a->vals[0] == 0)
		return 0;
	sq = ((long double)(uint64_t)a->vals[3] * 18446744073709551616.0L +
	      (long double)(uint64_t)a->vals[2]) / nrm / nrm / n;
	avg = truncl((long double)a->vals[1] / nrm / n);
	return (uint64_t)sqrtl(fabsl(truncl(sq) - avg * avg));
}

/* The scalar printed for an aggregation entry (not histograms). */
static int64_t dt_agg_value(const dt_consumer_t *c, const dt_aggent_t *a)
{
	const dt_aggdesc_t *ad = &c->prog->aggs[a->agg];
	int64_t nrm = (int64_t)a->normal;

	switch (ad->func) {
	case DT_AGG_AVG:
		return a->vals[0] ? a->vals[1] / nrm / a->vals[0] : 0;
	case DT_AGG_STDDEV:
		return (int64_t)dt_stddev(a);
	default:
		return a->vals[0] / nrm;
	}
}

static void dt_print_key(dt_consumer_t *c, const dt_aggent_t *a, uint32_t k)
{
	const dt_aggdesc_t *ad = &c->prog->aggs[a->agg];
	uint32_t sz;
	int isstr;
	uint32_t off = dt_agg_keyoff(c->e, a->agg, k, &sz, &isstr);

	if (off + sz > a->keylen)
		return;
	if (c->e != NULL && dt_engine_aggspecial(c->e, a->agg)) {
		uint32_t kind = dt_prog_keykind(ad, k);
		char buf[512];

		if (dt_is_stack(kind)) {
			dt_print_stack(c->out, dt_syms(c), kind, a->key + off,
				       sz, dt_stkindent(c));
			return;
		}
		if (dt_is_symaddr(kind)) {
			fprintf(c->out, "  %-50s",
				dt_sym_rectext(dt_syms(c), kind, a->key + off,
					       sz, buf, sizeof(buf)));
			return;
		}
	}
	if (isstr || (ad->keys[k].flags & DIF_TF_BYREF)) {
		dt_print_bytes(c, a->key + off, sz, 50, 0);
		return;
	}
	{
		int64_t v;

		memcpy(&v, a->key + off, 8);
		switch (dt_key_width(ad, a, k)) {
		case 1: fprintf(c->out, " %3d", (int)(uint8_t)v); break;
		case 2: fprintf(c->out, " %5d", (int)(uint16_t)v); break;
		case 4: fprintf(c->out, " %8d", (int32_t)v); break;
		default: fprintf(c->out, " %16lld", (long long)v); break;
		}
	}
}

static void dt_print_aggent(dt_consumer_t *c, const dt_aggent_t *a)
{
	const dt_aggdesc_t *ad = &c->prog->aggs[a->agg];

	for (uint32_t k = 0; k < ad->nkeys; k++)
		dt_print_key(c, a, k);
	switch (ad->func) {
	case DT_AGG_QUANTIZE: case DT_AGG_LQUANTIZE: case DT_AGG_LLQUANTIZE:
		dt_print_hist(c, a);
		break;
	case DT_AGG_STDDEV:
		fprintf(c->out, " %16llu", (unsigned long long)dt_stddev(a));
		break;
	default:
		fprintf(c->out, " %16lld", (long long)dt_agg_value(c, a));
		break;
	}
	fputc('\n', c->out);
}

/* printa() with a format: keys feed the conversions, %@ the value. */
static void dt_printa_fmtv(dt_consumer_t *c, const char *fmt,
			   dt_aggent_t *const *ents, uint32_t nents)
{
	const dt_aggent_t *a = ents[0];
	uint32_t nat = 0; /* %@ conversions seen */
	const dt_aggdesc_t *ad = &c->prog->aggs[a->agg];
	dt_pfarg_t keys[16];
	uint32_t nk = ad->nkeys < 16 ? ad->nkeys : 16, ki = 0;
	char seg[256], symtxt[16][256];

	for (uint32_t k = 0; k < nk; k++) {
		uint32_t sz;
		int isstr;
		uint32_t off = dt_agg_keyoff(c->e, a->agg, k, &sz, &isstr);

		keys[k].data = a->key + off;
		keys[k].size = isstr || (ad->keys[k].flags & DIF_TF_BYREF)
				       ? sz
				       : (ad->keys[k].size ? ad->keys[k].size : 8);
		if (!isstr && !(ad->keys[k].flags & DIF_TF_BYREF))
			keys[k].size = 8;
		keys[k].flags = isstr ? DT_REC_STR
				: (ad->keys[k].flags & DIF_TF_BYREF)
					? DT_REC_REF
					: DT_REC_SIGNED;
		if (dt_engine_aggspecial(c->e, a->agg)) {
			uint32_t kind = dt_prog_keykind(ad, k);

			/* stacks go to %k; symbols are strings for %s */
			if (dt_is_stack(kind))
				keys[k].flags = kind == DT_ACT_STACK
							? DT_REC_STACK
							: DT_REC_USTACK;
			else if (dt_is_symaddr(kind)) {
				dt_sym_rectext(dt_syms(c), kind, a->key + off,
					       sz, symtxt[k], sizeof(symtxt[k]));
				keys[k].data = symtxt[k];
				keys[k].size = (uint32_t)strlen(symtxt[k]) + 1;
				keys[k].flags = DT_REC_STR;
			}
		}
	}
	for (const char *p = fmt; *p;) {
		const char *q;
		size_t n;
		int isagg = 0;

		if (*p != '%') {
			fputc(*p++, c->out);
			continue;
		}
		if (p[1] == '%') {
			fputc('%', c->out);
			p += 2;
			continue;
		}
		for (q = p + 1; *q && strchr("-+ #0'123456789.*?@hlLjzt", *q); q++)
			if (*q == '@')
				isagg = 1;
		if (*q == '\0')
			break;
		n = (size_t)(q - p + 1);
		if (n >= sizeof(seg))
			n = sizeof(seg) - 1;
		if (isagg) {
			size_t k = 0;
			const dt_aggent_t *x =
				ents[nat < nents ? nat : nents - 1];

			nat++;
			for (size_t i = 0; i < n; i++)
				if (p[i] != '@')
					seg[k++] = p[i];
			seg[k] = '\0';
			if (x == NULL) {
				int64_t zero = 0;
				dt_pfarg_t va = {&zero, 8, DT_REC_SIGNED};

				dt_printf_fmt(c->out, seg, &va, 1);
			} else if (c->prog->aggs[x->agg].func == DT_AGG_QUANTIZE ||
				   c->prog->aggs[x->agg].func == DT_AGG_LQUANTIZE ||
				   c->prog->aggs[x->agg].func == DT_AGG_LLQUANTIZE) {
				dt_print_hist(c, x);
			} else {
				int64_t xv = dt_agg_value(c, x);
				dt_pfarg_t va = {&xv, 8, DT_REC_SIGNED};

				dt_printf_fmt(c->out, seg, &va, 1);
			}
		} else {
			int used;

			memcpy(seg, p, n);
			seg[n] = '\0';
			used = ki < nk ? dt_printf_fmt_sym(c->out, seg,
							   keys + ki,
							   (int)(nk - ki),
							   dt_syms(c))
				       : -1;
			if (used > 0)
				ki += (uint32_t)used;
		}
		p = q + 1;
	}
}

static void dt_printa_fmt(dt_consumer_t *c, const char *fmt, dt_aggent_t *a)
{
	dt_printa_fmtv(c, fmt, &a, 1);
}

static int dt_samekey(const dt_aggent_t *x, const dt_aggent_t *y)
{
	return x->keylen == y->keylen && memcmp(x->key, y->key, x->keylen) == 0;
}

/* printa() of several aggregations joined by key. */
static void dt_printa_joined(dt_consumer_t *c, const char *fmt,
			     const dt_action_t *act)
{
	uint32_t na = act->nargs, pos = (uint32_t)c->o.aggsortpos;
	size_t nrow = 0, cap = 0;
	dt_aggent_t **rows = NULL; /* nrow x na */

	if (pos >= na)
		pos = 0;
	for (uint32_t i = 0; i < na; i++) {
		for (dt_aggent_t *a = dt_engine_aggs(c->e); a; a = a->lnext) {
			size_t r;

			if (a->agg != (uint32_t)act->args[i])
				continue;
			for (r = 0; r < nrow; r++) {
				dt_aggent_t *any = NULL;

				for (uint32_t j = 0; j < na && !any; j++)
					any = rows[r * na + j];
				if (dt_samekey(any, a))
					break;
			}
			if (r == nrow) {
				if (nrow == cap) {
					dt_aggent_t **nr = realloc(
						rows, (cap = cap * 2 + 16) * na *
							      sizeof(*nr));
					if (nr == NULL)
						goto out;
					rows = nr;
				}
				memset(&rows[nrow * na], 0, na * sizeof(*rows));
				nrow++;
			}
			rows[r * na + i] = a;
		}
	}
	/* sort rows by the value of aggregation #pos, then by key */
	for (size_t i = 1; i < nrow; i++) {
		for (size_t j = i; j > 0; j--) {
			dt_aggent_t **x = &rows[(j - 1) * na], **y = &rows[j * na];
			long double vx = x[pos] ? dt_agg_sortval(c->prog, x[pos]) : 0;
			long double vy = y[pos] ? dt_agg_sortval(c->prog, y[pos]) : 0;
			dt_aggent_t *kx = NULL, *ky = NULL;
			int r;

			for (uint32_t k = 0; k < na; k++) {
				if (!kx) kx = x[k];
				if (!ky) ky = y[k];
			}
			r = c->o.aggsortkey ? dt_keycmp(c, kx, ky) : 0;
			if (r == 0)
				r = (vx > vy) - (vx < vy);
			/* ties: the other aggregations in order, then keys */
			for (uint32_t k = 0; r == 0 && k < na; k++) {
				long double ax, ay;

				if (k == pos)
					continue;
				ax = x[k] ? dt_agg_sortval(c->prog, x[k]) : 0;
				ay = y[k] ? dt_agg_sortval(c->prog, y[k]) : 0;
				r = (ax > ay) - (ax < ay);
			}
			if (r == 0)
				r = dt_keycmp(c, kx, ky);
			if (c->o.aggsortrev)
				r = -r;
			if (r <= 0)
				break;
			for (uint32_t k = 0; k < na; k++) {
				dt_aggent_t *t = x[k];

				x[k] = y[k];
				y[k] = t;
			}
		}
	}
	if (fmt == NULL)
		fputc('\n', c->out);
	for (size_t r = 0; r < nrow; r++) {
		dt_aggent_t **row = &rows[r * na], *k0 = NULL;

		for (uint32_t k = 0; k < na && !k0; k++)
			k0 = row[k];
		if (fmt != NULL) {
			dt_aggent_t *first = row[0] ? row[0] : k0;
			dt_aggent_t *save = row[0];

			row[0] = first;
			dt_printa_fmtv(c, fmt, row, na);
			row[0] = save;
			continue;
		}
		for (uint32_t k = 0; k < c->prog->aggs[k0->agg].nkeys; k++)
			dt_print_key(c, k0, k);
		for (uint32_t k = 0; k < na; k++) {
			uint32_t ai = (uint32_t)act->args[k];
			uint32_t fn = ai < c->prog->naggs ? c->prog->aggs[ai].func
							  : DT_AGG_COUNT;
			int hist = fn == DT_AGG_QUANTIZE ||
				   fn == DT_AGG_LQUANTIZE ||
				   fn == DT_AGG_LLQUANTIZE;

			if (row[k] && hist) {
				dt_print_hist(c, row[k]);
			} else if (hist) {
				/* this key has no data in that aggregation:
				 * an empty histogram of the right shape */
				dt_aggent_t z;
				int64_t *zv = calloc(dt_agg_nvals(&c->prog->aggs[ai]),
						     sizeof(int64_t));

				if (zv == NULL)
					continue;
				memset(&z, 0, sizeof(z));
				z.agg = ai;
				z.nvals = dt_agg_nvals(&c->prog->aggs[ai]);
				z.vals = zv;
				z.normal = 1;
				dt_print_hist(c, &z);
				free(zv);
			} else {
				fprintf(c->out, " %16lld",
					row[k] ? (long long)dt_agg_value(c, row[k])
					       : 0LL);
			}
		}
		fputc('\n', c->out);
	}
	for (uint32_t i = 0; i < na; i++)
		if (act->args[i] < c->prog->naggs)
			c->printed[act->args[i]] = 1;
out:
	free(rows);
}

static void dt_printa(dt_consumer_t *c, const dt_action_t *act)
{
	const char *fmt = act->fmt != DT_NOFMT && act->fmt < c->prog->nfmts
				  ? c->prog->fmts[act->fmt].str
				  : NULL;

	if (act->nargs > 1) {
		dt_printa_joined(c, fmt, act);
		return;
	}
	for (uint32_t i = 0; i < act->nargs; i++) {
		int agg = (int)act->args[i];
		size_t n;
		dt_aggent_t **v;

		if (agg < 0 || (uint32_t)agg >= c->prog->naggs)
			continue;
		v = dt_agg_sorted(c, agg, &n);
		if (v == NULL)
			return;
		if (fmt == NULL)
			fputc('\n', c->out);
		for (size_t k = 0; k < n; k++) {
			if (fmt)
				dt_printa_fmt(c, fmt, v[k]);
			else
				dt_print_aggent(c, v[k]);
		}
		c->printed[agg] = 1;
		free(v);
	}
}

int dt_consumer_print_aggs(dt_consumer_t *c)
{
	size_t n;
	dt_aggent_t **v;

	if (c->o.json) {
		int any = 0;

		for (uint32_t i = 0; i < c->prog->naggs; i++)
			any |= !c->printed[i];
		if (!any) {
			dt_json_close(c);
			return 0;
		}
		dt_json_probe(c, -1, -1, "dtrace", "INTERNAL", "INTERNAL",
			      "AGGREGATIONS");
		dt_json_output_open(c);
		for (uint32_t i = 0; i < c->prog->naggs; i++)
			dt_json_agg(c, (int)i, 1);
		dt_json_output_close(c);
		dt_json_close(c); /* the final print ends the document */
		return 0;
	}
	v = dt_agg_sorted(c, -1, &n);

	if (v == NULL)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (c->printed[v[k]->agg])
			continue;
		dt_print_aggent(c, v[k]);
	}
	free(v);
	return 0;
}

static void dt_trunc(dt_consumer_t *c, uint32_t agg, int64_t keep)
{
	size_t n;
	dt_aggent_t **v;
	int save = c->o.aggsortrev, save2 = c->o.aggsortkey;

	c->o.aggsortkey = 0;
	c->o.aggsortrev = keep >= 0; /* keep the largest (or smallest) */
	v = dt_agg_sorted(c, (int)agg, &n);
	c->o.aggsortrev = save;
	c->o.aggsortkey = save2;
	if (v == NULL)
		return;
	if (keep < 0)
		keep = -keep;
	for (size_t k = (size_t)keep; k < n; k++)
		dt_engine_agg_remove(c->e, v[k]);
	free(v);
}

/*
 * Sets a consumer option at run time (setopt()): NULL on success, else
 * DTrace's reason.
 */
const char *dt_consumer_setopt(dt_consumer_t *c, const char *name,
			       const char *val)
{
	static const struct {
		const char *n;
		size_t off;
	} bools[] = {
		{"quiet", offsetof(dt_copts_t, quiet)},
		{"flowindent", offsetof(dt_copts_t, flowindent)},
		{"rawbytes", offsetof(dt_copts_t, rawbytes)},
		{"aggsortkey", offsetof(dt_copts_t, aggsortkey)},
		{"aggsortrev", offsetof(dt_copts_t, aggsortrev)},
		{"aggpack", offsetof(dt_copts_t, aggpack)},
		{"aggzoom", offsetof(dt_copts_t, aggzoom)},
	}, nums[] = {
		{"stackindent", offsetof(dt_copts_t, stackindent)},
		{"aggsortpos", offsetof(dt_copts_t, aggsortpos)},
		{"aggsortkeypos", offsetof(dt_copts_t, aggsortkeypos)},
	};
	static const char *const engine[] = {
		"bufsize", "aggsize", "dynvarsize", "specsize", "strsize",
		"nspec", "bufpolicy", "bufresize", "cpu", "destructive",
		"scratchsize", "cleanrate", "stackframes", "ustackframes",
		"jstackframes", "jstackstrsize", "zdefs", "grabanon", "defaultargs",
		"cpp", "cpppath", "ctypes", "dtypes", "linkmode", "linktype",
		"evaltime", "errtags", "stdc", "iregs", "nolibs", "strip",
		"syslibdir", "tree", "tregs", "debug", "droptags", "pspec",
		"disasm", "lazyload", "maxframes", "procfs", "version", NULL};
	static const char *const rates[] = {"aggrate", "switchrate",
					    "statusrate", "cleanrate", NULL};

	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		int *p = (int *)((char *)&c->o + bools[i].off);

		if (strcmp(name, bools[i].n) != 0)
			continue;
		if (val == NULL || strcmp(val, "") == 0 ||
		    strcmp(val, "set") == 0 || strcmp(val, "true") == 0 ||
		    strcmp(val, "1") == 0)
			*p = 1;
		else if (strcmp(val, "unset") == 0 ||
			 strcmp(val, "false") == 0 || strcmp(val, "0") == 0)
			*p = 0;
		else
			return "Invalid value for specified option";
		return NULL;
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		char *end;
		long v;

		if (strcmp(name, nums[i].n) != 0)
			continue;
		v = val ? strtol(val, &end, 0) : 0;
		if (val && (*end != '\0' || v < 0))
			return "Invalid value for specified option";
		*(int *)((char *)&c->o + nums[i].off) = (int)v;
		return NULL;
	}
	for (int i = 0; rates[i]; i++) {
		if (strcmp(name, rates[i]) != 0)
			continue;
		if (val) {
			char *end;
			unsigned long long v = strtoull(val, &end, 10);
			static const char *const u[] = {
				"", "ns", "nsec", "us", "usec", "ms", "msec",
				"s", "sec", "m", "min", "h", "hour", "d", "day",
				"hz", NULL};
			int ok = end != val;

			(void)v;
			for (int k = 0; ok && u[k]; k++)
				if (strcmp(end, u[k]) == 0)
					return NULL;
			return "Invalid value for specified option";
		}
		return NULL;
	}
	for (int i = 0; engine[i]; i++)
		if (strcmp(name, engine[i]) == 0)
			return "Operation illegal when tracing is active";
	return "Invalid option name";
}

/* ---- -x oformat=json ----
 * FreeBSD's structured output (dtrace(1), STRUCTURED OUTPUT): one
 * {"dtrace": {"probes": [...]}} document; each probe record is an object
 * with timestamp (taken at output time), cpu, id, provider, module,
 * function, name and an "output" array: {"value": v} per trace(),
 * {"message": s} then one {"value": v} per argument for printf(),
 * {"aggregation-name": n, "aggregation-data": [{"keys": [...], "count":
 * v}]} for printa() (histograms as "buckets" of value/count), drops as
 * the dtrace:INTERNAL:INTERNAL:DROP pseudo-probe. Aggregations printed at
 * exit go in a pseudo-probe named AGGREGATIONS, as they have no probe. */

static void dt_json_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void dt_json_hex(FILE *f, const uint8_t *p, size_t n)
{
	fputs("\"0x", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('"', f);
}

/* A record value as a JSON value: number, string or hex bytes. */
static void dt_json_val(FILE *f, const dt_pfarg_t *a)
{
	uint64_t uv = 0;

	if (a->flags & DT_REC_STR) {
		dt_json_str(f, a->data, a->size);
		return;
	}
	if ((a->flags & DT_REC_REF) || a->size > 8) {
		dt_json_hex(f, a->data, a->size);
		return;
	}
	memcpy(&uv, a->data, a->size);
	if (a->flags & DT_REC_FLOAT) {
		double d;
		float fl;

		if (a->size == 4) {
			memcpy(&fl, a->data, 4);
			d = fl;
		} else {
			memcpy(&d, &uv, sizeof(d));
		}
		if (isfinite(d))
			fprintf(f, "%.17g", d);
		else
			fputs("null", f);
		return;
	}
	if (a->flags & DT_REC_SIGNED) {
		int64_t sv = a->size == 1   ? (int8_t)uv
			     : a->size == 2 ? (int16_t)uv
			     : a->size == 4 ? (int32_t)uv
					    : (int64_t)uv;

		fprintf(f, "%lld", (long long)sv);
		return;
	}
	fprintf(f, "%llu", (unsigned long long)uv);
}

static void dt_json_open(dt_consumer_t *c)
{
	if (c->jopen)
		return;
	fputs("{\"dtrace\": {\"probes\": [", c->out);
	c->jopen = 1;
	c->output = 1;
}

static void dt_json_close(dt_consumer_t *c)
{
	if (!c->o.json)
		return;
	dt_json_open(c); /* an empty run is still one document */
	fputs("\n]}}\n", c->out);
	fflush(c->out);
	c->jopen = 0;
	c->o.json = 0;
}

static void dt_json_probe(dt_consumer_t *c, long cpu, long id,
			  const char *prov, const char *mod, const char *func,
			  const char *name)
{
	struct timespec ts;

	dt_json_open(c);
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(c->out, "%s\n{\"timestamp\": %llu, \"cpu\": %ld, \"id\": %ld, ",
		c->jprobes++ ? "," : "",
		(unsigned long long)ts.tv_sec * 1000000000ULL +
			(unsigned long long)ts.tv_nsec,
		cpu, id);
	fputs("\"provider\": ", c->out);
	dt_json_str(c->out, prov, strlen(prov));
	fputs(", \"module\": ", c->out);
	dt_json_str(c->out, mod, strlen(mod));
	fputs(", \"function\": ", c->out);
	dt_json_str(c->out, func, strlen(func));
	fputs(", \"name\": ", c->out);
	dt_json_str(c->out, name, strlen(name));
}

/* Starts one item of the current "output" array. */
static void dt_json_item(dt_consumer_t *c)
{
	fputs(c->jitems++ ? ", " : "", c->out);
}

static void dt_json_output_open(dt_consumer_t *c)
{
	fputs(", \"output\": [", c->out);
	c->jitems = 0;
}

static void dt_json_output_close(dt_consumer_t *c)
{
	fputs("]}", c->out);
}

/* The lower bound of llquantize bin i, as its text label reads. */
static int64_t dt_json_llqval(const dt_aggdesc_t *ad, int i, int n)
{
	int64_t f = ad->params[0], lo = ad->params[1], hi = ad->params[2],
		st = ad->params[3];
	int bin0 = n / 2, k = 0, d = i - bin0;
	unsigned __int128 scale = 1;

	for (int64_t m = 0; m < lo; m++)
		scale *= (uint64_t)f;
	if (d == 0)
		return 0;
	for (int64_t m = lo; m <= hi; m++) {
		unsigned __int128 next = scale * (uint64_t)f;

		for (int64_t s = st / f; s < st; s++) {
			k++;
			if (k == (d < 0 ? -d : d)) {
				int64_t v = (int64_t)(s == st / f
							      ? scale
							      : (unsigned __int128)s *
									next / (uint64_t)st);
				return d < 0 ? -v : v;
			}
		}
		scale = next;
	}
	return d < 0 ? -(int64_t)scale : (int64_t)scale;
}

static void dt_json_buckets(dt_consumer_t *c, const dt_aggent_t *a)
{
	const dt_aggdesc_t *ad = &c->prog->aggs[a->agg];
	int n = (int)a->nvals, first = 0;
	int64_t nrm = a->normal ? (int64_t)a->normal : 1;

	fputs(", \"buckets\": [", c->out);
	for (int i = 0; i < n; i++) {
		int64_t v;

		if (a->vals[i] == 0)
			continue;
		if (ad->func == DT_AGG_QUANTIZE)
			v = dt_quant_bucketval(i);
		else if (ad->func == DT_AGG_LQUANTIZE)
			v = i == 0 ? ad->params[0] - 1
				   : ad->params[0] + (i - 1) * ad->params[2];
		else
			v = dt_json_llqval(ad, i, n);
		fprintf(c->out, "%s{\"value\": %lld, \"count\": %lld}",
			first++ ? ", " : "", (long long)v,
			(long long)(a->vals[i] / nrm));
	}
	fputc(']', c->out);
}

/* A stack as an array of frame strings, a symbolic address as a string;
 * returns 0 (nothing written) for other kinds. */
static int dt_json_special(dt_consumer_t *c, uint32_t kind, const void *rec,
			   uint32_t size)
{
	char buf[512];

	if (dt_is_stack(kind)) {
		fputc('[', c->out);
		for (uint32_t i = 0; dt_stack_frame_text(dt_syms(c), kind, rec,
							 size, i, buf,
							 sizeof(buf));
		     i++) {
			fputs(i ? ", " : "", c->out);
			dt_json_str(c->out, buf, sizeof(buf));
		}
		fputc(']', c->out);
		return 1;
	}
	if (dt_is_symaddr(kind)) {
		dt_sym_rectext(dt_syms(c), kind, rec, size, buf, sizeof(buf));
		dt_json_str(c->out, buf, sizeof(buf));
		return 1;
	}
	return 0;
}

static void dt_json_aggent(dt_consumer_t *c, const dt_aggent_t *a, int more)
{
	const dt_aggdesc_t *ad = &c->prog->aggs[a->agg];
	static const char *const fn[] = {
		[DT_AGG_COUNT] = "count", [DT_AGG_SUM] = "sum",
		[DT_AGG_AVG] = "avg",     [DT_AGG_MIN] = "min",
		[DT_AGG_MAX] = "max",     [DT_AGG_STDDEV] = "stddev"};
	const char *name = ad->func < sizeof(fn) / sizeof(fn[0]) &&
					   fn[ad->func]
				   ? fn[ad->func]
				   : "value";

	fputs(more ? ", {\"keys\": [" : "{\"keys\": [", c->out);
	for (uint32_t k = 0; k < ad->nkeys; k++) {
		uint32_t sz;
		int isstr;
		uint32_t off = dt_agg_keyoff(c->e, a->agg, k, &sz, &isstr);
		dt_pfarg_t v;
		uint64_t iv = 0;

		if (off + sz > a->keylen)
			break;
		fputs(k ? ", " : "", c->out);
		if (dt_engine_aggspecial(c->e, a->agg) &&
		    dt_json_special(c, dt_prog_keykind(ad, k), a->key + off,
				    sz))
			continue;
		if (isstr) {
			dt_json_str(c->out, (const char *)a->key + off, sz);
			continue;
		}
		if (ad->keys[k].flags & DIF_TF_BYREF) {
			dt_json_hex(c->out, a->key + off, sz);
			continue;
		}
		memcpy(&iv, a->key + off, 8);
		v.data = &iv;
		v.size = ad->keys[k].size && ad->keys[k].size <= 8
				 ? ad->keys[k].size
				 : 8;
		v.flags = DT_REC_SIGNED;
		dt_json_val(c->out, &v);
	}
	fputc(']', c->out);
	switch (ad->func) {
	case DT_AGG_QUANTIZE: case DT_AGG_LQUANTIZE: case DT_AGG_LLQUANTIZE:
		dt_json_buckets(c, a);
		break;
	case DT_AGG_STDDEV:
		fprintf(c->out, ", \"stddev\": %llu",
			(unsigned long long)dt_stddev(a));
		break;
	default:
		fprintf(c->out, ", \"%s\": %lld", name,
			(long long)dt_agg_value(c, a));
		break;
	}
	fputc('}', c->out);
}

/* One aggregation's entries (sorted as the text output sorts them). */
static void dt_json_agg(dt_consumer_t *c, int agg, int only_unprinted)
{
	size_t n;
	dt_aggent_t **v;
	int more = 0;

	if (only_unprinted && c->printed[agg])
		return;
	v = dt_agg_sorted(c, agg, &n);
	if (v == NULL)
		return;
	dt_json_item(c);
	fputs("{\"aggregation-name\": ", c->out);
	dt_json_str(c->out, c->prog->aggs[agg].name,
		    strlen(c->prog->aggs[agg].name));
	fputs(", \"aggregation-data\": [", c->out);
	for (size_t k = 0; k < n; k++)
		dt_json_aggent(c, v[k], more++);
	fputs("]}", c->out);
	c->printed[agg] = 1;
	free(v);
}

static void dt_json_drop(dt_consumer_t *c, int kind, uint64_t n,
			 const char *msg)
{
	dt_json_probe(c, -1, -1, "dtrace", "INTERNAL", "INTERNAL", "DROP");
	fprintf(c->out, ", \"count\": %llu, \"total\": %llu, \"kind\": %d, "
		"\"msg\": ", (unsigned long long)n, (unsigned long long)n,
		kind);
	dt_json_str(c->out, msg, strlen(msg));
	fputc('}', c->out);
}

/* One action of a probe record as items of its "output" array. */
static void dt_json_action(dt_consumer_t *c, const dt_action_t *a,
			   const dt_pfarg_t *v, int cnt)
{
	switch (a->kind) {
	case DT_ACT_DIFEXPR: case DT_ACT_PRINT:
		if (cnt < 1)
			return;
		dt_json_item(c);
		fputs("{\"value\": ", c->out);
		dt_json_val(c->out, &v[0]);
		fputc('}', c->out);
		return;
	case DT_ACT_TRACEMEM:
		if (cnt < 1)
			return;
		dt_json_item(c);
		fputs("{\"tracemem\": ", c->out);
		dt_json_hex(c->out, v[0].data, v[0].size);
		fputc('}', c->out);
		return;
	case DT_ACT_PRINTF: {
		char *buf = NULL;
		size_t bl = 0;
		FILE *m;

		if (a->fmt >= c->prog->nfmts || (m = open_memstream(&buf, &bl)) == NULL)
			return;
		dt_printf_fmt(m, c->prog->fmts[a->fmt].str, v, cnt);
		fclose(m);
		dt_json_item(c);
		fputs("{\"message\": ", c->out);
		dt_json_str(c->out, buf, bl);
		fputc('}', c->out);
		free(buf);
		/* then each argument raw, as trace() would record it; a
		 * printf without arguments has one {"value": 0} (FreeBSD) */
		if (cnt == 0) {
			dt_json_item(c);
			fputs("{\"value\": 0}", c->out);
		}
		for (int i = 0; i < cnt; i++) {
			dt_json_item(c);
			fputs("{\"value\": ", c->out);
			dt_json_val(c->out, &v[i]);
			fputc('}', c->out);
		}
		return;
	}
	case DT_ACT_PRINTA:
		for (uint32_t i = 0; i < a->nargs; i++)
			if (a->args[i] < c->prog->naggs)
				dt_json_agg(c, (int)a->args[i], 0);
		return;
	default:
		/* stacks and symbols: {"stack": [frames]}, {"usym": "..."} */
		if (cnt < 1 || (!dt_is_stack(a->kind) && !dt_is_symaddr(a->kind)))
			return;
		dt_json_item(c);
		fprintf(c->out, "{\"%s\": ", dt_prog_keykind_name(a->kind));
		dt_json_special(c, a->kind, v[0].data, v[0].size);
		fputc('}', c->out);
		return;
	}
}

/* ---- records ---- */

static int dt_rec(void *arg, uint32_t cpu, const uint8_t *rec, uint32_t len)
{
	dt_consumer_t *c = arg;
	uint32_t epid, off = DT_REC_HDR;
	const dt_ecb_t *ecb;
	const dt_stmt_t *s;
	dt_pfarg_t vbuf[64], *vals = vbuf;
	int nv = 0, nvals, maxv = (int)(len / 8) + 1;

	memcpy(&epid, rec, 4);
	ecb = dt_engine_ecb(c->e, epid);
	if (ecb == NULL)
		return 0;
	s = &c->prog->stmts[ecb->stmt];
	if (maxv > 64 && (vals = malloc((size_t)maxv * sizeof(*vals))) == NULL)
		return -1;
	while (off + 8 <= len && nv < maxv) {
		uint32_t sz, fl;

		memcpy(&sz, rec + off, 4);
		memcpy(&fl, rec + off + 4, 4);
		vals[nv].data = rec + off + 8;
		vals[nv].size = sz;
		vals[nv].flags = fl;
		nv++;
		off += 8 + ((sz + 7) & ~7U);
	}
	if (c->o.json) {
		dt_json_probe(c, cpu, ecb->pr->id, ecb->pr->prov, ecb->pr->mod,
			      ecb->pr->func, ecb->pr->name);
		dt_json_output_open(c);
	} else if (!c->o.quiet) {
		char name[512];

		c->output = 1;
		if (!c->heading) {
			if (c->o.testing)
				fprintf(c->out, "%32s\n", "FUNCTION:NAME");
			else
				fprintf(c->out, "%3s %6s %32s\n", "CPU", "ID",
					"FUNCTION:NAME");
			c->heading = 1;
		}
		snprintf(name, sizeof(name), "%s:%s", ecb->pr->func,
			 ecb->pr->name);
		if (c->o.testing)
			fprintf(c->out, "%32s ", name);
		else
			fprintf(c->out, "%3u %6u %32s ", cpu, ecb->pr->id, name);
	}
	nvals = nv;
	nv = 0;
	for (uint32_t i = 0; i < s->nacts; i++) {
		const dt_action_t *a = &s->acts[i];
		int first = nv, cnt = 0;

		if (a->kind == DT_ACT_AGGREGATION ||
		    a->kind == DT_ACT_SPECULATE || a->kind == DT_ACT_COMMIT ||
		    a->kind == DT_ACT_DISCARD)
			continue;
		for (uint32_t k = 0; k < a->ndifo && k < 16; k++)
			if (dt_difo_records(a->difo[k]))
				cnt++;
		if (dt_is_stack(a->kind))
			cnt = 1; /* the engine records the stack itself */
		nv += cnt;
		if (nv > nvals)
			break; /* a record shorter than its clause: ignore */
		if (a->kind == DT_ACT_PRINTF || a->kind == DT_ACT_PRINTA ||
		    a->kind == DT_ACT_PRINT || a->kind == DT_ACT_TRACEMEM ||
		    (a->kind == DT_ACT_DIFEXPR && cnt > 0))
			c->output = 1;
		switch (a->kind) {
		case DT_ACT_DIFEXPR: case DT_ACT_PRINT: case DT_ACT_PRINTF:
		case DT_ACT_PRINTA: case DT_ACT_TRACEMEM:
		case DT_ACT_STACK: case DT_ACT_USTACK: case DT_ACT_JSTACK:
		case DT_ACT_SYM: case DT_ACT_MOD: case DT_ACT_USYM:
		case DT_ACT_UMOD: case DT_ACT_UADDR:
			if (c->o.json) {
				dt_json_action(c, a, &vals[first], cnt);
				continue;
			}
			break;
		default:
			break;
		}
		switch (a->kind) {
		case DT_ACT_DIFEXPR:
			if (cnt > 0)
				dt_print_trace(c, &vals[first], c->o.quiet);
			break;
		case DT_ACT_PRINT:
			if (cnt < 1)
				break;
			/* with its type's layout, member by member */
			if (a->fmt < c->prog->nfmts &&
			    c->prog->fmts[a->fmt].kind == DT_ACT_PRINT &&
			    dt_print_type(c->out, c->prog->fmts[a->fmt].str,
					  vals[first].data,
					  vals[first].size) == 0)
				break;
			dt_print_trace(c, &vals[first], 1);
			break;
		case DT_ACT_PRINTF:
			if (a->fmt < c->prog->nfmts)
				dt_printf_fmt_sym(c->out,
						  c->prog->fmts[a->fmt].str,
						  &vals[first], cnt,
						  dt_syms(c));
			break;
		case DT_ACT_STACK: case DT_ACT_USTACK: case DT_ACT_JSTACK:
			c->output = 1;
			dt_print_stack(c->out, dt_syms(c), a->kind,
				       vals[first].data, vals[first].size,
				       dt_stkindent(c));
			/* Linux DTrace ends a traced stack with a blank line */
			fputc('\n', c->out);
			break;
		case DT_ACT_SYM: case DT_ACT_MOD: case DT_ACT_USYM:
		case DT_ACT_UMOD: case DT_ACT_UADDR: {
			char buf[512];

			c->output = 1;
			fprintf(c->out, "  %-50s",
				dt_sym_rectext(dt_syms(c), a->kind,
					       vals[first].data,
					       vals[first].size, buf,
					       sizeof(buf)));
			break;
		}
		case DT_ACT_SYSTEM:
			if (a->fmt < c->prog->nfmts) {
				char *buf = NULL;
				size_t bl = 0;
				FILE *m = open_memstream(&buf, &bl);

				if (m) {
					dt_printf_fmt(m, c->prog->fmts[a->fmt].str,
						      &vals[first], cnt);
					fclose(m);
					fflush(c->out);
					if (system(buf) < 0)
						fprintf(c->err,
							"dtrace: system() failed\n");
					free(buf);
				}
			}
			break;
		case DT_ACT_PRINTA:
			dt_printa(c, a);
			break;
		case DT_ACT_EXIT:
			c->exited = 1;
			break;
		case DT_ACT_TRACEMEM:
			if (cnt > 0)
				dt_print_rawbytes(c, vals[first].data,
						  vals[first].size);
			break;
		case DT_ACT_LIBACT: {
			uint32_t agg = a->nargs ? (uint32_t)a->args[0] : 0;
			int64_t v = 0;

			if (cnt > 0)
				memcpy(&v, vals[first].data, 8);
			if (agg >= c->prog->naggs && a->arg != DT_LIBACT_SETOPT)
				break;
			switch (a->arg) {
			case DT_LIBACT_CLEAR: dt_engine_agg_clear(c->e, agg); break;
			case DT_LIBACT_TRUNC:
				dt_trunc(c, agg, cnt > 0 ? v : 0);
				break;
			case DT_LIBACT_NORMALIZE:
				dt_engine_agg_normalize(c->e, agg, (uint64_t)v);
				break;
			case DT_LIBACT_DENORMALIZE:
				dt_engine_agg_normalize(c->e, agg, 1);
				break;
			case DT_LIBACT_SETOPT: {
				const char *why;
				char on[256], ov[256];

				if (cnt < 1)
					break;
				snprintf(on, sizeof(on), "%.*s",
					 (int)vals[first].size,
					 (const char *)vals[first].data);
				if (cnt > 1)
					snprintf(ov, sizeof(ov), "%.*s",
						 (int)vals[first + 1].size,
						 (const char *)vals[first + 1].data);
				why = dt_consumer_setopt(c, on, cnt > 1 ? ov : NULL);
				if (why != NULL)
					fprintf(c->err,
						"dtrace: error in dt_clause_%u for "
						"probe ID %u (%s:%s:%s:%s): couldn't "
						"set option \"%s\" to \"%s\": %s\n\n",
						ecb->stmt, ecb->pr->id, ecb->pr->prov,
						ecb->pr->mod, ecb->pr->func,
						ecb->pr->name, on,
						cnt > 1 ? ov : "1", why);
				break;
			}
			default: break;
			}
			break;
		}
		default:
			break;
		}
	}
	if (c->o.json)
		dt_json_output_close(c);
	else if (!c->o.quiet)
		fputc('\n', c->out);
	if (vals != vbuf)
		free(vals);
	return 0;
}

int dt_consumer_drain(dt_consumer_t *c)
{
	uint32_t ncpu = dt_engine_opts(c->e)->ncpus;

	for (uint32_t cpu = 0; cpu < ncpu; cpu++)
		dt_engine_consume(c->e, cpu, dt_rec, c);
	fflush(c->out);
	return c->exited;
}

void dt_consumer_report(dt_consumer_t *c)
{
	uint32_t ncpu = dt_engine_opts(c->e)->ncpus;
	dt_estats_t st;

	for (uint32_t cpu = 0; cpu < ncpu; cpu++) {
		dt_buf_t *b = dt_engine_buf(c->e, cpu);

		if (b && b->drops && c->o.json) {
			char m[96];

			snprintf(m, sizeof(m), "%llu drop%s on CPU %u\n",
				 (unsigned long long)b->drops,
				 b->drops > 1 ? "s" : "", cpu);
			dt_json_drop(c, 0, b->drops, m);
		}
		if (b && b->drops) {
			fprintf(c->err, "dtrace: %s%llu drop%s on CPU %u\n",
				c->o.droptags ? "[DTRACEDROP_PRINCIPAL] " : "",
				(unsigned long long)b->drops,
				b->drops > 1 ? "s" : "", cpu);
			b->drops = 0;
		}
	}
	dt_engine_stats(c->e, &st, 1);
/* kind: FreeBSD's DTRACEDROP_* number, for the JSON DROP pseudo-probe */
#define REPORT(n, tag, kind, fmt)                                              \
	if (n) {                                                               \
		char m_[128];                                                  \
		snprintf(m_, sizeof(m_), fmt, (unsigned long long)(n),         \
			 (n) > 1 ? "s" : "");                                  \
		if (c->o.json)                                                 \
			dt_json_drop(c, kind, n, m_);                          \
		fprintf(c->err, "dtrace: %s%s",                                \
			c->o.droptags ? "[" tag "] " : "", m_);                \
	}
	REPORT(st.dyndrops, "DTRACEDROP_DYNAMIC", 2,
	       "%llu dynamic variable drop%s\n");
	REPORT(st.aggdrops, "DTRACEDROP_AGGREGATION", 1,
	       "%llu aggregation drop%s on CPU 0\n");
	REPORT(st.specdrops, "DTRACEDROP_SPEC", 5,
	       "%llu speculative drop%s\n");
	REPORT(st.specbusy, "DTRACEDROP_SPECBUSY", 6,
	       "%llu failed speculation%s (available buffer(s) still busy)\n");
	REPORT(st.specunavail, "DTRACEDROP_SPECUNAVAIL", 7,
	       "%llu failed speculation%s (no speculative buffer "
	       "available)\n");
	REPORT(st.dblerrors, "DTRACEDROP_DBLERROR", 9,
	       "%llu error%s in ERROR probe enabling\n");
#undef REPORT
}
