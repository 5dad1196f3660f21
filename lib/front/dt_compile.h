/*
 * dt_compile.h: the compiler's entry points: D source (a script, or a -n/-P/
 * -m/-f/-i probe specifier with an optional clause) to a dt_prog_t, and the
 * -S listing. Used by cmd/dtrace and by tests.
 */
#ifndef DT_COMPILE_H
#define DT_COMPILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "program/dt_program.h"

/* What kind of text dt_compile() is given (dtrace's -s / -n -P -m -f -i). */
enum dt_srckind {
	DT_SRC_SCRIPT = 0, /* a D program (-s file, or stdin) */
	DT_SRC_NAME,       /* -n: probe description[, clause] */
	DT_SRC_PROVIDER,   /* -P: provider[, clause] */
	DT_SRC_MODULE,     /* -m */
	DT_SRC_FUNCTION,   /* -f */
	DT_SRC_ID          /* -i */
};

/* What the compiler learns about a probe from the providers. */
typedef struct dt_probeinfo {
	uint32_t id;   /* first matching probe id */
	uint32_t nargs; /* number of typed arguments (args[]) */
	const char *argtypes[10]; /* D/C type names of args[0..nargs-1] */
	const char *provider, *module, *function, *name;
} dt_probeinfo_t;

/*
 * Probe lookup callback, supplied by the runtime (providers): returns the
 * number of probes matching pd (0 if none) and fills info for the first one.
 * The compiler reports D_PDESC_ZERO when it returns 0 and zdefs is not set.
 */
typedef int (*dt_probe_lookup_f)(void *arg, const dt_probedesc_t *pd,
				 dt_probeinfo_t *info);

/* Options, passed as a sized struct (libbpf style): set .size. */
typedef struct dt_compile_opts {
	size_t size;            /* sizeof(struct dt_compile_opts) */
	enum dt_srckind kind;
	const char *filename;   /* script path for messages, or NULL */
	int cpp;                /* -C: run the system C preprocessor first */
	const char *const *cpp_argv; /* -D/-U/-I/-H options, as given */
	int cpp_argc;
	const char *const *macro_argv; /* $1..$n (argv[0] is $0) */
	int macro_argc;
	int64_t pid, ppid, uid, gid, target; /* $pid $ppid $uid $gid $target */
	int zdefs;              /* -Z: descriptions matching no probe are OK */
	int hypertrace;         /* -E: emit guest-type relocations */
	const char *btf_path;   /* kernel BTF (NULL: /sys/kernel/btf/vmlinux) */
	const char *const *xopts; /* -x name[=value] given on the command line */
	int nxopts;
	dt_probe_lookup_f probe_lookup; /* NULL: every description matches */
	void *probe_lookup_arg;
} dt_compile_opts_t;

/* A compile error: DTrace's tag (without brackets, e.g. "D_SYNTAX"), the
 * source line (0 if none), and the message text (without any prefix). */
typedef struct dt_compile_error {
	char tag[48];
	int line;
	char msg[1024];
	uint32_t src; /* which of the program texts (dt_compile_srcs) */
} dt_compile_error_t;

/* One program text: a -s file, or a -n/-P/-m/-f/-i argument. */
typedef struct dt_compile_src {
	enum dt_srckind kind;
	const char *filename; /* the -s path, for messages; or NULL */
	const char *text;
} dt_compile_src_t;

/*
 * Compiles src. On success returns 0 and sets *progp. On failure returns -1
 * and fills err; cmd/dtrace prints it as DTrace does:
 *   dtrace: failed to compile script F: [D_TAG] line N: msg   (-s)
 *   dtrace: invalid probe specifier S: [D_TAG] line N: msg    (-n and co)
 * ("[D_TAG] " only with -xerrtags; "line N: " only when line > 0).
 */
int dt_compile(const dt_compile_opts_t *opts, const char *src,
	       dt_prog_t **progp, dt_compile_error_t *err);

/*
 * Compiles several program texts into one program, as dtrace(1) does with
 * several -s/-n/-P/-m/-f/-i: they share variables, types and inlines, and
 * their clauses keep the order given (each statement's src says which text
 * it came from). opts->kind and opts->filename are ignored; err->src names
 * the text an error is in.
 */
int dt_compile_srcs(const dt_compile_opts_t *opts,
		    const dt_compile_src_t *srcs, uint32_t nsrcs,
		    dt_prog_t **progp, dt_compile_error_t *err);

/* Prints the DIF of every clause as `dtrace -S` does. */
void dt_prog_dump(FILE *out, const dt_prog_t *prog);

#endif /* DT_COMPILE_H */
