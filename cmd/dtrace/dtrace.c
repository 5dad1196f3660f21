/*
 * dtrace.c: the dtrace(1) command: DTrace's options, messages and exit
 * codes; compiles D (lib/front), runs it in the engine (lib/engine) fed by
 * the host providers (lib/providers) and prints through lib/consumer.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "consumer/dt_consume.h"
#include "engine/dt_engine.h"
#include "front/dt_compile.h"
#include "hypertrace/dt_hypertrace.h"
#include "providers/dt_providers.h"

#include "dt_cmd_elf.h"
#include "dt_cmd_host.h"

/*
 * -x version=M.m[.u]: 1 when this compiler supports it (up to 2.0.1, the
 * D of Linux DTrace 2.0), 0 when it is a later version, -1 when it is not
 * a version string.
 */
static int dt_cmd_version_ok(const char *v)
{
	unsigned long part[3] = {0, 0, 0};
	int n = 0;

	if (v == NULL)
		return -1;
	while (n < 3) {
		char *end;

		if (*v < '0' || *v > '9')
			return -1;
		part[n++] = strtoul(v, &end, 10);
		v = end;
		if (*v == '\0')
			break;
		if (*v++ != '.')
			return -1;
	}
	if (*v != '\0' || n < 2)
		return -1;
	if (part[0] != 2)
		return part[0] < 2;
	if (part[1] != 0)
		return 0;
	return part[2] <= 1;
}

static volatile sig_atomic_t g_intr;
static void dt_onintr(int sig) { (void)sig; g_intr = 1; }

typedef struct dt_src {
	enum dt_srckind kind;
	char *text;
	const char *name; /* file name or the specifier */
	const char *arg;  /* as given: what compile errors name */
} dt_src_t;

/* Compiles every -s/-n/-P/-m/-f/-i given into one program. */
static int dt_cmd_compile(const dt_compile_opts_t *copts, const dt_src_t *srcs,
			  int nsrc, dt_prog_t **progp, dt_compile_error_t *cerr)
{
	dt_compile_src_t cs[64];

	for (int i = 0; i < nsrc && i < 64; i++) {
		cs[i].kind = srcs[i].kind;
		cs[i].filename =
			srcs[i].kind == DT_SRC_SCRIPT ? srcs[i].name : NULL;
		cs[i].text = srcs[i].text;
	}
	return dt_compile_srcs(copts, cs, (uint32_t)(nsrc < 64 ? nsrc : 64),
			       progp, cerr);
}

static uint64_t dt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t dt_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static char *dt_readfile(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n == 0)
			break;
	}
	buf[len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
}

static void dt_usage(FILE *f)
{
	fprintf(f,
		"Usage: dtrace [-aACeEFhHlqSvVwZ] [-b bufsz] [-c cmd] [-D name[=def]]\n"
		"\t[-I path] [-L path] [-o output] [-p pid] [-s script] [-U name]\n"
		"\t[-x opt[=val]] [-y elf [-x btf=path]] [-Y elf[,host|guest]]\n"
		"\t[-P provider [[ predicate ] action ]]\n"
		"\t[-m [ provider: ] module [[ predicate ] action ]]\n"
		"\t[-f [[ provider: ] module: ] func [[ predicate ] action ]]\n"
		"\t[-n [[[ provider: ] module: ] func: ] name [[ predicate ] action ]]\n"
		"\t[-i probe-id [[ predicate ] action ]] [ args ... ]\n");
}

/* Splits "prov:mod:func:name" (fewer fields fill from the right). */
static void dt_split_desc(const char *s, dt_probedesc_t *pd, char *buf,
			  size_t n)
{
	char *f[4] = {NULL, NULL, NULL, NULL}, *p;
	int k = 0;

	snprintf(buf, n, "%s", s);
	p = strpbrk(buf, " \t{/");
	if (p)
		*p = '\0';
	f[k++] = buf;
	for (p = buf; *p; p++)
		if (*p == ':' && k < 4) {
			*p = '\0';
			f[k++] = p + 1;
		}
	pd->target = (char *)"";
	pd->provider = pd->module = pd->function = pd->name = (char *)"";
	if (k == 4) {
		pd->provider = f[0];
		pd->module = f[1];
		pd->function = f[2];
		pd->name = f[3];
	} else if (k == 3) {
		pd->module = f[0];
		pd->function = f[1];
		pd->name = f[2];
	} else if (k == 2) {
		pd->function = f[0];
		pd->name = f[1];
	} else {
		pd->name = f[0];
	}
}

int main(int argc, char **argv)
{
	dt_src_t srcs[64];
	int nsrc = 0, c, list = 0, compile_only = 0, dump = 0, quiet = 0;
	int cpp = 0, zdefs = 0, destructive = 0, errtags = 0, flow = 0;
	int verbose = 0, hypertrace = 0;
	const char *elf_in = NULL, *elf_run = NULL; /* -y, -Y */
	const char *xopts[128], *cppargs[128], *outfile = NULL, *cmd = NULL;
	int nx = 0, ncpp = 0, nmarg = 0;
	const char *margv[257];
	pid_t pid = 0, child = 0;
	dt_eopts_t eo;
	dt_copts_t co;
	dt_provset_t ps;
	dt_prog_t *prog = NULL;
	dt_compile_error_t cerr;
	dt_compile_opts_t copts;
	FILE *out = stdout;
	uint64_t switchrate = 1000000000ULL / 100;
	uint64_t statusrate = 0; /* set: exit() is noticed at status polls */
	char why[512];
	int status = 0;

	dt_eopts_default(&eo);
	memset(&co, 0, sizeof(co));
	co.testing = getenv("_DTRACE_TESTING") != NULL;
	opterr = 0;
	/* Options may follow operands (dtrace -s x.d -q): collect operands
	 * as macro arguments and go on parsing, as dtrace does. */
	margv[nmarg++] = argv[0];
	for (;;) {
		c = getopt(argc, argv,
			   "+aAb:c:CD:eEf:FGhHi:I:lL:m:n:o:p:P:qs:SU:vVwx:Xy:Y:Z");
		if (c == -1) {
			if (optind >= argc)
				break;
			if (strcmp(argv[optind - 1], "--") == 0) {
				/* after "--" everything is an operand */
				while (optind < argc && nmarg < 256)
					margv[nmarg++] = argv[optind++];
				break;
			}
			if (nmarg < 256)
				margv[nmarg++] = argv[optind];
			optind++;
			continue;
		}
		switch (c) {
		case 'a': case 'A':
			fprintf(stderr, "dtrace: option -%c: anonymous tracing "
					"is not supported on Linux\n", c);
			return 1;
		case 'G':
			fprintf(stderr, "dtrace: option -G: linking the program "
					"into an object file (USDT) is not "
					"supported; -E -e writes it as an ELF "
					"file\n");
			return 1;
		case 'b':
			if (dt_parse_size(optarg, &eo.bufsize)) {
				fprintf(stderr, "dtrace: failed to set -b %s: "
						"Invalid option value\n", optarg);
				return 2;
			}
			break;
		case 'c': cmd = optarg; break;
		case 'C': cpp = 1; break;
		case 'D': case 'U': case 'I': case 'H': {
			char *s = malloc(strlen(optarg ? optarg : "") + 3);

			sprintf(s, "-%c%s", c, optarg ? optarg : "");
			if (ncpp < 128)
				cppargs[ncpp++] = s;
			break;
		}
		case 'e': compile_only = 1; break;
		case 'E': hypertrace = 1; break;
		case 'f': case 'm': case 'n': case 'P': case 'i':
			if (nsrc < 64) {
				srcs[nsrc].kind = c == 'f' ? DT_SRC_FUNCTION
						  : c == 'm' ? DT_SRC_MODULE
						  : c == 'n' ? DT_SRC_NAME
						  : c == 'P' ? DT_SRC_PROVIDER
							     : DT_SRC_ID;
				srcs[nsrc].text = strdup(optarg);
				/* DTrace names a -n etc. by the text before
				 * its clause. */
				srcs[nsrc].name = strndup(optarg,
							  strcspn(optarg, "{/"));
				srcs[nsrc].arg = optarg;
				nsrc++;
			}
			break;
		case 'F': flow = 1; break;
		case 'h':
			fprintf(stderr, "dtrace: -h (header generation) is not "
					"supported: no USDT on this host yet\n");
			return 1;
		case 'l': list = 1; break;
		case 'L': break;
		case 'o': outfile = optarg; break;
		case 'p': pid = (pid_t)atoi(optarg); break;
		case 'q': quiet = 1; break;
		case 's':
			if (nsrc < 64) {
				srcs[nsrc].kind = DT_SRC_SCRIPT;
				srcs[nsrc].text = dt_readfile(optarg);
				srcs[nsrc].name = optarg;
				srcs[nsrc].arg = optarg;
				if (srcs[nsrc].text == NULL) {
					fprintf(stderr, "dtrace: failed to open "
							"%s: %s\n", optarg,
						strerror(errno));
					return 2;
				}
				nsrc++;
			}
			break;
		case 'S': dump = 1; break;
		case 'v': verbose = 1; break;
		case 'V':
			printf("dtrace: Oracle D 2.0\n"); /* the D this compiler implements */
			return 0;
		case 'w': destructive = 1; break;
		case 'x':
			if (nx < 128)
				xopts[nx++] = optarg;
			break;
		case 'X': break;
		case 'y': elf_in = optarg; break;
		case 'Y':
			/* an ELF program, named like a script */
			elf_run = optarg;
			if (nsrc < 64) {
				srcs[nsrc].kind = DT_SRC_SCRIPT;
				srcs[nsrc].text = strdup("");
				srcs[nsrc].name = optarg;
				srcs[nsrc].arg = optarg;
				nsrc++;
			}
			break;
		case 'Z': zdefs = 1; break;
		default:
			fprintf(stderr, "dtrace: illegal option -- %c\n", optopt);
			dt_usage(stderr);
			return 2;
		}
	}
	(void)verbose;
	if (elf_in != NULL) /* -y IN, -e -y IN: nothing to compile */
		return dt_cmd_host_elf_link(elf_in, compile_only, outfile,
					    xopts, nx);
	if (nsrc == 0 && !list) {
		dt_usage(stderr);
		return 2;
	}
	if (dt_prov_init(&ps) != 0)
		return 1;
	/* host probes join ps when a description names them */
	dt_cmd_host_t *hc = dt_cmd_host_create(&ps);
	/* -c: the command exists (held after its exec) for $target, for
	 * compiling and for -l */
	if (cmd && !hypertrace) {
		if ((child = dt_cmd_host_spawn(hc, cmd)) < 0) {
			fprintf(stderr, "dtrace: failed to execute %s: %s\n",
				cmd, strerror(errno));
			return 1;
		}
		pid = child;
	}
	if (list && nsrc == 0) {
		dt_cmd_host_list(hc, stdout, NULL, 1);
		dt_cmd_host_destroy(hc); /* and a -c command with it */
		return 0;
	}
	if (list) {
		int hdr = 1, rc = 0;

		/* with -c, the command's probes (pid$target); it never runs */
		for (int i = 0; i < nsrc && rc == 0; i++) {
			char buf[1024], text[1024];
			dt_probedesc_t pd;
			const char *t = srcs[i].text, *m;

			if (srcs[i].kind == DT_SRC_SCRIPT)
				continue;
			/* $target and $pid in a description to list */
			if (pid != 0 && ((m = strstr(t, "$target")) != NULL ||
					 (m = strstr(t, "$pid")) != NULL)) {
				snprintf(text, sizeof(text), "%.*s%d%s",
					 (int)(m - t), t, (int)pid,
					 m + (m[1] == 't' ? 7 : 4));
				t = text;
			}
			dt_split_desc(t, &pd, buf, sizeof(buf));
			dt_cmd_host_desc_kind(srcs[i].kind, &pd); /* -P/-m/-f */
			if (dt_cmd_host_list(hc, stdout, &pd, hdr) == 0 && !zdefs) {
				fprintf(stderr, "dtrace: invalid probe specifier "
						"%s: probe description %s:%s:%s:%s "
						"does not match any probes\n",
					srcs[i].name, pd.provider, pd.module,
					pd.function, pd.name);
				rc = 1;
			}
			hdr = 0;
		}
		dt_cmd_host_destroy(hc); /* and a -c command with it */
		return rc;
	}
	for (int i = 0; i < nx; i++) {
		char name[256], *eq;

		snprintf(name, sizeof(name), "%s", xopts[i]);
		eq = strchr(name, '=');
		if (eq)
			*eq++ = '\0';
		if (strcmp(name, "errtags") == 0)
			errtags = 1;
		if (strcmp(name, "errtags") == 0 || strcmp(name, "droptags") == 0)
			co.droptags = 1;
	}

	memset(&copts, 0, sizeof(copts));
	copts.size = sizeof(copts);
	copts.kind = srcs[0].kind;
	copts.filename = srcs[0].kind == DT_SRC_SCRIPT ? srcs[0].name : NULL;
	copts.cpp = cpp;
	copts.cpp_argv = cppargs;
	copts.cpp_argc = ncpp;
	copts.macro_argv = margv;
	copts.macro_argc = nmarg;
	copts.pid = pid;
	copts.ppid = getppid();
	copts.uid = getuid();
	copts.gid = getgid();
	copts.target = pid;
	copts.zdefs = zdefs;
	copts.xopts = xopts;
	copts.nxopts = nx;
	copts.probe_lookup = hypertrace ? dt_prov_lookup : dt_cmd_host_lookup;
	copts.probe_lookup_arg = hypertrace ? (void *)&ps : (void *)hc;
	/* -E: guest probes join the table; lib/hypertrace runs the program. */
	dt_ht_t *ht = hypertrace ? dt_ht_create(&ps) : NULL;
	copts.hypertrace = hypertrace;
	memset(&cerr, 0, sizeof(cerr));
	if (elf_run != NULL) { /* -Y: read and link instead */
		prog = dt_cmd_host_elf_load(elf_run, &outfile, xopts, nx,
					    &status);
		if (prog == NULL)
			return status;
	} else if (dt_cmd_compile(&copts, srcs, nsrc, &prog, &cerr) != 0) {
		char tag[64] = "", line[32] = "";
		const dt_src_t *bad = &srcs[cerr.src < (uint32_t)nsrc ? cerr.src
								      : 0];

		if (errtags && cerr.tag[0])
			snprintf(tag, sizeof(tag), "[%s] ", cerr.tag);
		if (cerr.line > 0)
			snprintf(line, sizeof(line), "line %d: ", cerr.line);
		if (bad->kind == DT_SRC_SCRIPT)
			fprintf(stderr, "dtrace: failed to compile script %s: "
					"%s%s%s\n",
				bad->arg, tag, line, cerr.msg);
		else
			fprintf(stderr, "dtrace: invalid probe specifier %s: "
					"%s%s%s\n",
				bad->arg, tag, line, cerr.msg);
		return 1;
	}
	if (dump)
		dt_prog_dump(stderr, prog);
	/* Options: the command line's -x, then the program's pragmas. */
	for (int pass = 0; pass < 2; pass++) {
		uint32_t n = pass == 0 ? (uint32_t)nx : prog->nopts;

		for (uint32_t i = 0; i < n; i++) {
			char name[256], *val = NULL;
			int rc;

			if (pass == 0) {
				snprintf(name, sizeof(name), "%s", xopts[i]);
				val = strchr(name, '=');
				if (val)
					*val++ = '\0';
			} else {
				snprintf(name, sizeof(name), "%s",
					 prog->opts[i].name);
				val = prog->opts[i].value;
			}
			rc = dt_eopts_set(&eo, name, val);
			/* compiler options the command line checks */
			if (pass == 0 && strcmp(name, "stdc") == 0 &&
			    (val == NULL || strlen(val) != 1 ||
			     !strchr("acst", val[0])))
				rc = -1;
			if (pass == 0 && strcmp(name, "iregs") == 0 &&
			    (val == NULL || strtoull(val, NULL, 0) >
						    DIF_DIR_NREGS))
				rc = -1;
			if (pass == 0 && strcmp(name, "version") == 0) {
				int v = dt_cmd_version_ok(val);

				if (v == 0) {
					fprintf(stderr,
						"dtrace: failed to set -x "
						"version: Requested version "
						"is not supported by "
						"compiler\n");
					return 1;
				}
				if (v < 0)
					rc = -1;
			}
			if (rc < 0) {
				if (pass == 0)
					fprintf(stderr, "dtrace: failed to set -x "
							"%s: Invalid value for "
							"specified option\n",
						name);
				else
					fprintf(stderr, "dtrace: failed to set "
							"option %s: Invalid value "
							"for specified option\n",
						name);
				return 1;
			}
			if (rc == 0)
				continue;
			if (strcmp(name, "quiet") == 0) quiet = 1;
			else if (strcmp(name, "flowindent") == 0) flow = 1;
			else if (strcmp(name, "rawbytes") == 0) co.rawbytes = 1;
			else if (strcmp(name, "aggsortkey") == 0) co.aggsortkey = 1;
			else if (strcmp(name, "aggsortrev") == 0) co.aggsortrev = 1;
			else if (strcmp(name, "aggsortpos") == 0 && val) co.aggsortpos = atoi(val);
			else if (strcmp(name, "aggsortkeypos") == 0 && val) co.aggsortkeypos = atoi(val);
			else if (strcmp(name, "aggpack") == 0) co.aggpack = 1;
			else if (strcmp(name, "aggzoom") == 0) co.aggzoom = 1;
			else if (strcmp(name, "stackindent") == 0 && val) co.stackindent = atoi(val);
			else if (strcmp(name, "oformat") == 0 && val && strcmp(val, "json") == 0) co.json = 1;
			else if (strcmp(name, "statusrate") == 0 && val) {
				uint64_t ns;

				if (dt_prov_rate(val[0] >= '0' && val[0] <= '9'
							 ? (snprintf(why, sizeof(why), "tick-%s", val), why)
							 : val, &ns) == 0)
					statusrate = ns;
			} else if (strcmp(name, "switchrate") == 0 && val) {
				uint64_t ns;

				if (dt_prov_rate(val[0] >= '0' && val[0] <= '9'
							 ? (snprintf(why, sizeof(why), "tick-%s", val), why)
							 : val, &ns) == 0)
					switchrate = ns;
			}
		}
	}
	/* Linux DTrace (whose behaviour _DTRACE_TESTING selects) does not
	 * count the terminating NUL in strsize; illumos does. */
	if (co.testing) {
		eo.strsize++;
		eo.linux_semantics = 1;
	}
	co.quiet = quiet;
	co.flowindent = flow;
	eo.destructive |= destructive;
	if (compile_only) /* -E -e: write the unlinked program */
		return hypertrace ? dt_cmd_elf_emit(prog, outfile) : 0;
	if (ht != NULL) {
		dt_ht_opts_t ho = {.size = sizeof(ho), .srcname = srcs[0].name,
				   .script = srcs[0].kind == DT_SRC_SCRIPT,
				   .quiet = quiet, .zdefs = zdefs,
				   .verbose = verbose, .switchrate = switchrate,
				   .xopts = xopts, .nxopts = nx};

		signal(SIGINT, dt_onintr);
		signal(SIGTERM, dt_onintr);
		status = dt_ht_run(ht, prog, &eo, &co, stdout, &ho, &g_intr);
		dt_ht_destroy(ht);
		dt_prog_free(prog);
		dt_prov_fini(&ps);
		return status;
	}
	/* Profile probes named by the program exist from now on. */
	for (uint32_t s = 0; s < prog->nstmts; s++)
		for (uint32_t d = 0; d < prog->stmts[s].ndesc; d++)
			dt_prov_ensure(&ps, &prog->stmts[s].descs[d]);
	if (elf_run != NULL)
		dt_cmd_host_ensure(hc, prog);
	dt_engine_t *e = dt_engine_create(prog, &eo, ps.probes, ps.n, why,
					  sizeof(why));
	if (e == NULL) {
		if (strstr(why, "destructive"))
			fprintf(stderr, "dtrace: could not enable tracing: "
					"Destructive actions not allowed\n");
		else
			fprintf(stderr, "dtrace: could not enable tracing: %s\n",
				why);
		return 1;
	}
	/* one notice per program text, as DTrace enables them one by one */
	for (int i = 0; !quiet && i < (elf_run ? 1 : nsrc); i++) {
		uint32_t n = 0;

		for (uint32_t ep = 1; ep <= dt_engine_necbs(e); ep++) {
			const dt_ecb_t *ecb = dt_engine_ecb(e, ep);

			if (elf_run || prog->stmts[ecb->stmt].src == (uint32_t)i)
				n++;
		}
		fprintf(stderr, "dtrace: %s '%s' matched %u probe%s\n",
			srcs[i].kind == DT_SRC_SCRIPT ? "script" : "description",
			srcs[i].name, n, n == 1 ? "" : "s");
	}
	if (dt_engine_go(e, why, sizeof(why)) != 0) {
		fprintf(stderr, "dtrace: could not enable tracing: %s\n", why);
		dt_engine_destroy(e);
		return 1;
	}
	if (outfile && (out = fopen(outfile, "a")) == NULL) {
		fprintf(stderr, "dtrace: failed to open output file '%s': %s\n",
			outfile, strerror(errno));
		return 1;
	}
	dt_consumer_t *cons = dt_consumer_create(e, out, stderr, &co);
	if (cons == NULL)
		return 1;
	dt_engine_set_errhandler(e, dt_consumer_errhandler, cons);
	signal(SIGINT, dt_onintr);
	signal(SIGTERM, dt_onintr);
	if (cmd && !child) {
		child = fork();
		if (child == 0) {
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		pid = child;
	}
	if (dt_cmd_host_start(hc, e, pid) != 0)
		return 1;

	dt_pctx_t ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.pid = getpid();
	ctx.tid = gettid();
	ctx.ppid = getppid();
	ctx.uid = getuid();
	ctx.gid = getgid();
	ctx.execname = "dtrace";
	ctx.vmname = "";
	ctx.tkey.tid = (uint64_t)ctx.tid;
	ctx.user.read = dt_aspace_procread;
	ctx.user.arg = (void *)(intptr_t)(pid ? pid : getpid());

	uint64_t start = dt_now();
	uint64_t *next = calloc(ps.n + 1, sizeof(uint64_t));
	int done = 0;

	ctx.probe = DT_PROBE_BEGIN;
	ctx.ts = dt_now();
	ctx.wallts = dt_wall();
	dt_engine_fire(e, &ctx);
	if (dt_consumer_drain(cons) || dt_engine_exited(e, NULL))
		done = 1;
	dt_cmd_host_release(hc); /* -c: exec now */
	for (uint32_t i = 0; i < ps.n; i++)
		if ((ps.kind[i] == DT_PK_PROFILE || ps.kind[i] == DT_PK_TICK) &&
		    !dt_cmd_host_fires(hc, ps.probes[i].id))
			next[i] = start + ps.interval[i];
	while (!done && !g_intr) {
		uint64_t now = dt_now(), wake = now + switchrate;
		int any = 0;

		for (uint32_t i = 0; i < ps.n; i++) {
			if (!next[i] || !dt_engine_enabled(e, ps.probes[i].id))
				continue;
			any = 1;
			if (next[i] < wake)
				wake = next[i];
		}
		/* sleeps, or delivers host probe firings meanwhile */
		dt_cmd_host_wait(hc, wake > now ? wake - now : 0);
		now = dt_now();
		for (uint32_t i = 0; i < ps.n && !dt_engine_exited(e, NULL); i++) {
			if (!next[i] || !dt_engine_enabled(e, ps.probes[i].id))
				continue;
			while (next[i] <= now && !dt_engine_exited(e, NULL)) {
				uint32_t ncpu = ps.kind[i] == DT_PK_PROFILE
							? eo.ncpus
							: 1;

				for (uint32_t cpu = 0; cpu < ncpu; cpu++) {
					ctx.probe = ps.probes[i].id;
					ctx.cpu = cpu;
					ctx.ts = dt_now();
					ctx.wallts = dt_wall();
					dt_engine_fire(e, &ctx);
				}
				next[i] += ps.interval[i];
			}
		}
		ctx.cpu = 0;
		if (dt_consumer_drain(cons) || dt_engine_exited(e, NULL) ||
		    dt_engine_filled(e))
			done = 1;
		dt_consumer_report(cons);
		if (child) {
			int st;

			if (waitpid(child, &st, WNOHANG) == child) {
				dt_cmd_host_reaped(child, st, quiet);
				child = 0;
				done = 1;
			}
		} else if (pid && !cmd && dt_cmd_host_gone(pid, quiet)) {
			done = 1; /* -p: the process is gone */
		}
		(void)any;
	}
	if (statusrate && dt_engine_exited(e, NULL) && !g_intr) {
		/* the consumer learns of exit() at its next status poll */
		uint64_t now = dt_now(), k = (now - start) / statusrate + 1;
		uint64_t wake = start + k * statusrate;
		struct timespec ts = {(time_t)((wake - now) / 1000000000ULL),
				      (long)((wake - now) % 1000000000ULL)};

		nanosleep(&ts, NULL);
	}
	dt_cmd_host_stop(hc); /* the last host firings, exact drops */
	ctx.probe = DT_PROBE_END;
	ctx.cpu = 0;
	ctx.ts = dt_now();
	ctx.wallts = dt_wall();
	dt_engine_fire(e, &ctx);
	dt_consumer_drain(cons);
	dt_consumer_report(cons);
	/* dtrace always ends its output with a blank line. */
	fputc('\n', out);
	dt_consumer_print_aggs(cons);
	fflush(out);
	dt_engine_exited(e, &status);
	if (child)
		kill(child, SIGTERM);
	dt_consumer_destroy(cons);
	dt_engine_destroy(e);
	free(next);
	dt_cmd_host_destroy(hc);
	dt_prog_free(prog);
	dt_prov_fini(&ps);
	return status;
}
