/*
 * dt_consume.h: the consumer: drains the engine's buffers and prints the
 * records, printf/printa formats and aggregations exactly as DTrace does.
 */
#ifndef DT_CONSUME_H
#define DT_CONSUME_H

#include <stdio.h>

#include "engine/dt_engine.h"

typedef struct dt_copts {
	int quiet;
	int testing;   /* _DTRACE_TESTING: no CPU and ID columns */
	int flowindent;
	int rawbytes;
	int json;      /* -x oformat=json */
	int aggsortkey, aggsortrev, aggsortpos, aggsortkeypos;
	int aggpack, aggzoom;
	int droptags;  /* -x errtags / droptags: "[DTRACEDROP_*] " prefixes */
	int stackindent; /* frames' indent; 0: DTrace's 14 */
} dt_copts_t;

typedef struct dt_consumer dt_consumer_t;

dt_consumer_t *dt_consumer_create(dt_engine_t *e, FILE *out, FILE *err,
				  const dt_copts_t *o);
void dt_consumer_destroy(dt_consumer_t *c);
/* Drains every CPU's buffer and prints; returns 1 once an exit() record
 * has been consumed, 0 otherwise, -1 on an output error. */
int dt_consumer_drain(dt_consumer_t *c);
/* Reports drops and errors accumulated since the last call (stderr). */
void dt_consumer_report(dt_consumer_t *c);
/* Prints every aggregation not yet printed (the final print). With
 * oformat=json it also ends the JSON document; otherwise
 * dt_consumer_destroy() ends it, so the output must still be open then. */
int dt_consumer_print_aggs(dt_consumer_t *c);
/* The engine error handler that prints DTrace's fault message. */
void dt_consumer_errhandler(void *arg, const dt_errinfo_t *ei);
/* setopt() at run time: NULL, or why the option was refused. */
const char *dt_consumer_setopt(dt_consumer_t *c, const char *name,
			       const char *val);
/* Whether anything was printed to the output. */
int dt_consumer_output(const dt_consumer_t *c);
/* Whether an error message was printed. */
int dt_consumer_nerrors(const dt_consumer_t *c);

/*
 * printf engine: formats fmt with the given values (each a record value:
 * data pointer, size, DT_REC_* flags) into out. Returns the number of
 * values used or -1 on a bad format.
 */
typedef struct dt_pfarg {
	const void *data;
	uint32_t size;
	uint32_t flags;
} dt_pfarg_t;
int dt_printf_fmt(FILE *out, const char *fmt, const dt_pfarg_t *args,
		  int nargs);
/* The same, with symbols for %a and %k (sc may be NULL: addresses). */
struct dt_sym_cache;
int dt_printf_fmt_sym(FILE *out, const char *fmt, const dt_pfarg_t *args,
		      int nargs, struct dt_sym_cache *sc);

#endif /* DT_CONSUME_H */
