/*
 * dt_front.c: the front end's entry point dt_front_parse_check(): runs the
 * system C preprocessor (-C), parses and checks, and owns the program's
 * memory (an arena). Also #pragma D handling and compile-time options.
 *
 * Owner: front end.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/dt_size.h"
#include "front/dt_front_impl.h"

/* ---- arena ---- */

void *dt_arena_alloc(dt_arena_t *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	dt_arena_blk_t *b = a->head;
	if (!b || b->used + n > b->cap) {
		size_t cap = n > 65536 ? n : 65536;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			abort();
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *dt_arena_strndup(dt_arena_t *a, const char *s, size_t n)
{
	char *d = dt_arena_alloc(a, n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *dt_arena_strdup(dt_arena_t *a, const char *s)
{
	return dt_arena_strndup(a, s, strlen(s));
}

void dt_arena_free(dt_arena_t *a)
{
	dt_arena_blk_t *b = a->head;
	while (b) {
		dt_arena_blk_t *n = b->next;
		free(b);
		b = n;
	}
	a->head = NULL;
}

/* ---- errors ---- */

void dt_error(dt_pcb_t *pcb, int line, const char *tag, const char *fmt, ...)
{
	dt_compile_error_t *e = pcb->err;
	uint32_t src = e->src; /* which text: set by the caller */
	memset(e, 0, sizeof(*e));
	e->src = src;
	snprintf(e->tag, sizeof(e->tag), "%s", tag);
	e->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	longjmp(pcb->jb, 1);
}

/* ---- options ---- */

enum { OV_FLAG, OV_SIZE, OV_RATE, OV_COUNT, OV_STR, OV_NOSCRIPT, OV_TIME };

static const struct {
	const char *name;
	int kind;
} options[] = {
	{ "aggpercpu", OV_FLAG },    { "aggrate", OV_RATE },
	{ "aggsize", OV_SIZE },      { "aggsortkey", OV_FLAG },
	{ "aggsortkeypos", OV_COUNT }, { "aggsortpos", OV_COUNT },
	{ "aggsortrev", OV_FLAG },   { "aggzoom", OV_FLAG },
	{ "aggpack", OV_FLAG },      { "bufpolicy", OV_STR },
	{ "bufresize", OV_STR },     { "bufsize", OV_SIZE },
	{ "cleanrate", OV_RATE },    { "cpu", OV_COUNT },
	{ "defaultargs", OV_FLAG },  { "destructive", OV_FLAG },
	{ "dynvarsize", OV_SIZE },   { "flowindent", OV_FLAG },
	{ "grabanon", OV_FLAG },     { "jstackframes", OV_COUNT },
	{ "jstackstrsize", OV_SIZE }, { "nspec", OV_COUNT },
	{ "quiet", OV_FLAG },	     { "rawbytes", OV_FLAG },
	{ "specsize", OV_SIZE },     { "stackframes", OV_COUNT },
	{ "stackindent", OV_COUNT }, { "statusrate", OV_RATE },
	{ "strsize", OV_SIZE },      { "switchrate", OV_RATE },
	{ "ustackframes", OV_COUNT }, { "zdefs", OV_FLAG },
	{ "scratchsize", OV_SIZE },  { "lockmem", OV_SIZE },
	{ "maxframes", OV_COUNT },   { "noresolve", OV_FLAG },
	{ "pspec", OV_FLAG },	     { "linkmode", OV_STR },
	{ "evaltime", OV_STR },	     { "droptags", OV_FLAG },
	{ "encoding", OV_STR },	     { "temporal", OV_FLAG },
	{ "errtags", OV_FLAG },	     { "verbose", OV_FLAG },
	{ "nolibs", OV_FLAG },	     { "debug", OV_FLAG },
	{ "strip", OV_FLAG },	     { "iregs", OV_COUNT },
	{ "bpflog", OV_FLAG },	     { "bpflogsize", OV_SIZE },
	{ "pcapsize", OV_SIZE },     { "procs", OV_COUNT },
	{ "printsize", OV_SIZE },    { "ddtracedir", OV_STR },
	{ "btf", OV_STR },	     { "resolvers", OV_STR },
	{ "version", OV_STR },	     { "amin", OV_STR },
	{ "argref", OV_FLAG },	     { "cpp", OV_FLAG },
	{ "cpppath", OV_STR },	     { "ctypes", OV_STR },
	{ "dtypes", OV_STR },	     { "knodefs", OV_FLAG },
	{ "late", OV_STR },	     { "lazyload", OV_FLAG },
	{ "link", OV_STR },	     { "stdc", OV_STR },
	{ "syslibdir", OV_STR },     { "tree", OV_COUNT },
	{ "tregs", OV_COUNT },	     { "udefs", OV_FLAG },
	{ "unodefs", OV_FLAG },	     { "userland", OV_STR },
	{ "undef", OV_FLAG },	     { "useruid", OV_FLAG },
	{ "ldpath", OV_NOSCRIPT },   { "modpath", OV_NOSCRIPT },
	{ "libdir", OV_NOSCRIPT },   { "setenv", OV_NOSCRIPT },
	{ "unsetenv", OV_NOSCRIPT }, { "core", OV_NOSCRIPT },
	{ "timeout", OV_TIME },	     { "oformat", OV_STR },
};

static int parse_rate(const char *v)
{
	char *e;
	if (!*v || !isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	strtoull(v, &e, 0);
	if (errno)
		return -1;
	static const char *const units[] = { "", "ns", "nsec", "us", "usec",
					     "ms", "msec", "s", "sec", "m",
					     "min", "h", "hour", "d", "day",
					     "hz", "Hz" };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(e, units[i]))
			return 0;
	return -1;
}

void dt_option_set(dt_pcb_t *pcb, const char *name, const char *value,
		   int line)
{
	int k = -1;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (!strcmp(options[i].name, name)) {
			k = options[i].kind;
			break;
		}
	if (k < 0)
		dt_error(pcb, line, "D_PRAGMA_OPTSET",
			 "failed to set option '%s': Invalid option name",
			 name);
	int bad = 0;
	uint64_t sz = 0;
	switch (k) {
	case OV_FLAG:
		break;
	case OV_NOSCRIPT:
		dt_error(pcb, line, "D_PRAGMA_OPTSET",
			 "failed to set option '%s' to '%s': Option cannot be "
			 "used from within a D program",
			 name, value ? value : "");
	case OV_SIZE:
		bad = !value || dt_parse_size(value, &sz) < 0;
		break;
	case OV_COUNT:
		if (!value) {
			bad = 1;
			break;
		}
		{
			char *e;
			errno = 0;
			long long n = strtoll(value, &e, 0);
			bad = errno || *e || n < 0 || n > INT32_MAX ||
			      !isdigit((unsigned char)*value);
			/* more registers than DIF has is refused, as Linux
			 * DTrace refuses more than BPF has free (illumos
			 * compiled such code and let the verifier refuse it:
			 * either way the program fails) */
			if (!bad && !strcmp(name, "iregs") &&
			    n > DIF_DIR_NREGS)
				bad = 1;
		}
		break;
	case OV_RATE:
	case OV_TIME:
		bad = !value || parse_rate(value) < 0;
		break;
	case OV_STR:
		bad = !value;
		if (value && !strcmp(name, "bufpolicy"))
			bad = strcmp(value, "fill") && strcmp(value, "switch") &&
			      strcmp(value, "ring");
		if (value && !strcmp(name, "bufresize"))
			bad = strcmp(value, "auto") && strcmp(value, "manual");
		break;
	}
	if (bad)
		dt_error(pcb, line, "D_PRAGMA_OPTSET",
			 "failed to set option '%s' to '%s': Invalid value "
			 "for specified option",
			 name, value ? value : "");
	dt_front_prog_t *P = pcb->prog;
	dt_front_opt_t *n = realloc(P->opts, (P->nopts + 1) * sizeof(*n));
	if (!n)
		abort();
	P->opts = n;
	n[P->nopts].name = dt_arena_strdup(&pcb->arena, name);
	n[P->nopts].value = value ? dt_arena_strdup(&pcb->arena, value) : NULL;
	n[P->nopts].line = line;
	P->nopts++;
	if (!strcmp(name, "defaultargs"))
		pcb->defaultargs = 1;
	if (!strcmp(name, "strsize") && sz)
		P->strsize = (uint32_t)sz;
}

const char *dt_front_opt(const dt_front_prog_t *prog, const char *name)
{
	const char *v = NULL;
	for (uint32_t i = 0; i < prog->nopts; i++)
		if (!strcmp(prog->opts[i].name, name))
			v = prog->opts[i].value ? prog->opts[i].value : "";
	return v;
}

/* Splits pragma text into words (quoted strings are one word). */
static int words(char *s, char **w, int max)
{
	int n = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s)
			break;
		char *st = s;
		if (*s == '"') {
			s++;
			st = s;
			while (*s && *s != '"')
				s++;
		} else {
			while (*s && *s != ' ' && *s != '\t' && *s != '\r')
				s++;
		}
		if (*s)
			*s++ = 0;
		if (n < max)
			w[n] = st;
		n++;
	}
	return n;
}

static int attr_ok(const char *a)
{
	/* name/name/class */
	static const char *const stab[] = { "Internal", "Private", "Obsolete",
					    "External", "Unstable", "Evolving",
					    "Stable", "Standard" };
	static const char *const ctab[] = { "Unknown", "CPU", "Platform",
					    "Group", "ISA", "Common" };
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", a);
	char *p[3];
	int n = 0;
	for (char *t = strtok(buf, "/"); t; t = strtok(NULL, "/"))
		if (n < 3)
			p[n++] = t, (void)0;
		else
			return 0;
	if (n != 3)
		return 0;
	int ok1 = 0, ok2 = 0, ok3 = 0;
	for (size_t i = 0; i < 8; i++) {
		if (!strcmp(p[0], stab[i]))
			ok1 = 1;
		if (!strcmp(p[1], stab[i]))
			ok2 = 1;
	}
	for (size_t i = 0; i < 6; i++)
		if (!strcmp(p[2], ctab[i]))
			ok3 = 1;
	return ok1 && ok2 && ok3;
}

void dt_pragma(dt_pcb_t *pcb, const char *text, int line)
{
	char *s = dt_arena_strdup(&pcb->arena, text);
	char *w[16];
	int n = words(s, w, 16);
	if (n == 0)
		return;
	if (strcmp(w[0], "D") != 0)
		return; /* #pragma ident and other non-D pragmas */
	if (n < 2)
		dt_error(pcb, line, "D_PRAGMA_MALFORM",
			 "malformed #pragma D");
	const char *k = w[1];
	int nargs = n - 2;
	if (!strcmp(k, "option")) {
		if (nargs != 1)
			dt_error(pcb, line, "D_PRAGMA_MALFORM",
				 nargs ? "superfluous arguments specified for "
					 "#pragma option"
				       : "malformed #pragma option");
		char *o = w[2], *eq = strchr(o, '=');
		if (eq)
			*eq++ = 0;
		dt_option_set(pcb, o, eq, line);
	} else if (!strcmp(k, "error")) {
	{
		char msg[512] = "";
		size_t l = 0;
		for (int i = 2; i < n && i < 16; i++)
			l += (size_t)snprintf(msg + l,
					      l < sizeof(msg) ? sizeof(msg) - l
							      : 0,
					      "%s ", w[i]);
		dt_error(pcb, line, "D_PRAGERR", "#error: %s", msg);
	}
	} else if (!strcmp(k, "attributes")) {
		if (nargs != 2)
			dt_error(pcb, line, "D_PRAGMA_MALFORM",
				 "malformed #pragma attributes <attributes> "
				 "<ident>");
		if (!attr_ok(w[2]))
			dt_error(pcb, line, "D_PRAGMA_INVAL",
				 "invalid attributes specified by #pragma "
				 "attributes");
	} else if (!strcmp(k, "binding")) {
		if (nargs != 2)
			dt_error(pcb, line, "D_PRAGMA_MALFORM",
				 "malformed #pragma D binding");
	} else if (!strcmp(k, "depends_on")) {
		if (nargs != 2)
			dt_error(pcb, line, "D_PRAGMA_MALFORM",
				 "malformed #pragma D depends_on");
		if (strcmp(w[2], "provider") && strcmp(w[2], "module") &&
		    strcmp(w[2], "library"))
			dt_error(pcb, line, "D_PRAGMA_INVAL",
				 "invalid class %s specified by #pragma "
				 "depends_on",
				 w[2]);
	} else if (!strcmp(k, "line") || !strcmp(k, "ident")) {
		/* accepted */
	} else {
		dt_error(pcb, line, "D_PRAGMA_INVAL",
			 "invalid control directive: #pragma D %s", k);
	}
}

/* ---- preprocessing ---- */

/* Runs the system cpp over src; returns malloc'd output or NULL. */
static char *run_cpp(dt_pcb_t *pcb, const char *src, size_t len,
		     size_t *outlen, char *errbuf, size_t errlen)
{
	const dt_compile_opts_t *o = pcb->opts;
	int in = memfd_create("dtrace-cpp-in", 0);
	if (in < 0)
		return NULL;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(in, src + off, len - off);
		if (w <= 0) {
			close(in);
			return NULL;
		}
		off += (size_t)w;
	}
	lseek(in, 0, SEEK_SET);
	int outp[2], errp[2];
	if (pipe(outp) < 0) {
		close(in);
		return NULL;
	}
	if (pipe(errp) < 0) {
		close(in);
		close(outp[0]);
		close(outp[1]);
		return NULL;
	}
	const char *argv[128];
	int ac = 0;
	argv[ac++] = "cpp";
	argv[ac++] = "-undef";
	argv[ac++] = "-ffreestanding";
	argv[ac++] = "-D__linux";
	argv[ac++] = "-D__linux__";
	argv[ac++] = "-D__unix";
	argv[ac++] = "-D__unix__";
	argv[ac++] = "-D__x86_64";
	argv[ac++] = "-D__x86_64__";
	argv[ac++] = "-D__amd64";
	argv[ac++] = "-D__SUNW_D=1";
	argv[ac++] = "-D__SUNW_D_64";
	argv[ac++] = "-D__SUNW_D_VERSION=0x02000000";
	argv[ac++] = "-D__HYPERTRACE=1";
	/* -x stdc=s asks for K&R C, where __STDC__ is not defined */
	for (int i = 0; o && i < o->nxopts; i++)
		if (!strcmp(o->xopts[i], "stdc=s"))
			argv[ac++] = "-traditional-cpp";
	for (int i = 0; o && i < o->cpp_argc && ac < 120; i++)
		argv[ac++] = o->cpp_argv[i];
	/* read by name, without columns, so its messages read as under
	 * DTrace ("/dev/stdin:17: error: ...") */
	argv[ac++] = "-fno-show-column";
	argv[ac++] = "-fno-diagnostics-show-caret";
	argv[ac++] = "-fdiagnostics-color=never";
	argv[ac++] = "/dev/stdin";
	argv[ac] = NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(in);
		close(outp[0]);
		close(outp[1]);
		close(errp[0]);
		close(errp[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(in, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		close(outp[0]);
		close(errp[0]);
		execvp("cpp", (char *const *)argv);
		_exit(127);
	}
	close(in);
	close(outp[1]);
	close(errp[1]);
	size_t cap = len * 2 + 4096, n = 0;
	char *buf = malloc(cap);
	size_t en = 0;
	if (!buf)
		abort();
	/* read stdout fully, then stderr (cpp writes little to stderr) */
	for (;;) {
		if (n + 4096 > cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb)
				abort();
			buf = nb;
		}
		ssize_t r = read(outp[0], buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	for (;;) {
		char tmp[512];
		ssize_t r = read(errp[0], tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (en + 1 < errlen) {
			size_t c = (size_t)r;
			if (c > errlen - en - 1)
				c = errlen - en - 1;
			memcpy(errbuf + en, tmp, c);
			en += c;
		}
	}
	errbuf[en] = 0;
	close(outp[0]);
	close(errp[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*outlen = n;
	return buf;
}

/* ---- the D library ----
 * Constants DTrace's D libraries (in /usr/lib/dtrace) define for every
 * program. Kept small and compiled before the program (-xnolibs skips it). */
static const char dlib[] =
	"inline void *NULL = 0;\n"
	/* curcpu's type, as Linux DTrace's sched library defines it */
	"typedef int chipid_t;\ntypedef int lgrp_id_t;\n"
	"typedef struct cpuinfo {\n"
	"	processorid_t cpu_id;\n	psetid_t cpu_pset;\n"
	"	chipid_t cpu_chip;\n	lgrp_id_t cpu_lgrp;\n"
	"	void *cpu_info;\n} cpuinfo_t;\n"
	"inline chipid_t chip = curcpu->cpu_chip;\n"
	"inline lgrp_id_t lgrp = curcpu->cpu_lgrp;\n"
	"inline psetid_t pset = curcpu->cpu_pset;\n"
	"inline int DTRACEFLT_UNKNOWN = 0;\n"
	"inline int DTRACEFLT_BADADDR = 1;\n"
	"inline int DTRACEFLT_BADALIGN = 2;\n"
	"inline int DTRACEFLT_ILLOP = 3;\n"
	"inline int DTRACEFLT_DIVZERO = 4;\n"
	"inline int DTRACEFLT_NOSCRATCH = 5;\n"
	"inline int DTRACEFLT_KPRIV = 6;\n"
	"inline int DTRACEFLT_UPRIV = 7;\n"
	"inline int DTRACEFLT_TUPOFLOW = 8;\n"
	"inline int DTRACEFLT_BADSTACK = 9;\n"
	"inline int DTRACEFLT_BADSIZE = 10;\n"
	"inline int DTRACEFLT_BADINDEX = 11;\n"
	"inline int EPERM = 1; inline int ENOENT = 2; inline int ESRCH = 3;\n"
	"inline int EINTR = 4; inline int EIO = 5; inline int ENXIO = 6;\n"
	"inline int E2BIG = 7; inline int ENOEXEC = 8; inline int EBADF = 9;\n"
	"inline int ECHILD = 10; inline int EAGAIN = 11;\n"
	"inline int ENOMEM = 12; inline int EACCES = 13;\n"
	"inline int EFAULT = 14; inline int EBUSY = 16; inline int EEXIST = 17;\n"
	"inline int EXDEV = 18; inline int ENODEV = 19; inline int ENOTDIR = 20;\n"
	"inline int EISDIR = 21; inline int EINVAL = 22; inline int ENFILE = 23;\n"
	"inline int EMFILE = 24; inline int ENOTTY = 25; inline int EFBIG = 27;\n"
	"inline int ENOSPC = 28; inline int ESPIPE = 29; inline int EROFS = 30;\n"
	"inline int EMLINK = 31; inline int EPIPE = 32; inline int EDOM = 33;\n"
	"inline int ERANGE = 34; inline int ENOSYS = 38;\n"
	"inline int SIGHUP = 1; inline int SIGINT = 2; inline int SIGQUIT = 3;\n"
	"inline int SIGILL = 4; inline int SIGTRAP = 5; inline int SIGABRT = 6;\n"
	"inline int SIGBUS = 7; inline int SIGFPE = 8; inline int SIGKILL = 9;\n"
	"inline int SIGUSR1 = 10; inline int SIGSEGV = 11;\n"
	"inline int SIGUSR2 = 12; inline int SIGPIPE = 13;\n"
	"inline int SIGALRM = 14; inline int SIGTERM = 15;\n"
	"inline int SIGCHLD = 17; inline int SIGCONT = 18;\n"
	"inline int SIGSTOP = 19; inline int SIGTSTP = 20;\n"
	/* x86-64 uregs[] indexes, as Linux DTrace's regs.d numbers them */
	"inline int R_R15 = 0; inline int R_R14 = 1; inline int R_R13 = 2;\n"
	"inline int R_R12 = 3; inline int R_RBP = 4; inline int R_RBX = 5;\n"
	"inline int R_R11 = 6; inline int R_R10 = 7; inline int R_R9 = 8;\n"
	"inline int R_R8 = 9; inline int R_RAX = 10; inline int R_RCX = 11;\n"
	"inline int R_RDX = 12; inline int R_RSI = 13; inline int R_RDI = 14;\n"
	"inline int R_ORIG_RAX = 15; inline int R_RIP = 16;\n"
	"inline int R_CS = 17; inline int R_RFL = 18; inline int R_RSP = 19;\n"
	/* past pt_regs: Linux DTrace's regs.d numbers the segment
	 * registers and trap number so; R_ERR is orig_rax */
	"inline int R_SS = 20; inline int R_DS = 21; inline int R_ES = 22;\n"
	"inline int R_FS = 23; inline int R_GS = 24; inline int R_TRAPNO = 25;\n"
	"inline int R_FSBASE = 26; inline int R_GSBASE = 27;\n"
	"inline int R_ERR = 15;\n"
	"inline int R_PC = 16; inline int R_SP = 19; inline int R_FP = 4;\n"
	"inline int R_PS = 18; inline int R_R0 = 10; inline int R_R1 = 5;\n"
	"inline int R_EAX = 10; inline int R_EBX = 5; inline int R_ECX = 11;\n"
	"inline int R_EDX = 12; inline int R_ESI = 13; inline int R_EDI = 14;\n"
	"inline int R_EBP = 4; inline int R_ESP = 19; inline int R_EIP = 16;\n"
	"inline int R_EFL = 18; inline int R_UESP = 19;\n"
	"inline int PCAP_NULL = 0; inline int PCAP_ETHER = 1;\n"
	"inline int PCAP_WIFI = 105; inline int PCAP_PPP = 9;\n"
	"inline int PCAP_IP = 12;\n"
	/* link_ntop() address types (Linux if_arp.h) */
	"inline int ARPHRD_ETHER = 1; inline int ARPHRD_INFINIBAND = 32;\n";

/* ---- entry ---- */

/* Parses one program text into P, after the ones before it. */
static void parse_src(dt_pcb_t *pcb, const dt_compile_opts_t *o,
		      const char *src, int want_cpp, char **ppp)
{
	dt_front_prog_t *P = pcb->prog;
	size_t len = strlen(src);
	const char *body = src;
	uint32_t first = P->nclauses;

	pcb->opts = o;
	if (want_cpp && o->kind == DT_SRC_SCRIPT) {
		char ebuf[1024];
		size_t ol = 0;
		char *text = strdup(src);

		if (text == NULL)
			dt_error(pcb, 0, "D_NOMEM", "out of memory");
		/* the interpreter line must not reach cpp */
		if (text[0] == '#' && text[1] == '!')
			memset(text, ' ', strcspn(text, "\n"));
		*ppp = run_cpp(pcb, text, len, &ol, ebuf, sizeof(ebuf));
		free(text);
		if (!*ppp) {
			/* as DTrace: cpp's own messages go to stderr, then
			 * the compile error */
			fputs(ebuf, stderr);
			fflush(stderr);
			dt_error(pcb, 0, "",
				 "Preprocessor failed to process input program");
		}
		body = *ppp;
		len = ol;
	}
	dt_lex_init(pcb, body, len);
	dt_parse_program(pcb);
	for (uint32_t i = first; i < P->nclauses; i++)
		P->clauses[i]->src = pcb->err->src;
	if (P->nclauses == first && o->kind != DT_SRC_SCRIPT)
		dt_error(pcb, 0, "D_SYNTAX", "probe description expected");
}

/* strsize must be known before the type table is built: -x, then pragmas */
static uint32_t scan_strsize(const dt_compile_opts_t *opts,
			     const dt_compile_src_t *srcs, uint32_t nsrcs)
{
	uint32_t strsize = 256;
	uint64_t sz;

	for (int i = 0; i < opts->nxopts; i++)
		if (!strncmp(opts->xopts[i], "strsize=", 8) &&
		    dt_parse_size(opts->xopts[i] + 8, &sz) == 0 && sz &&
		    sz <= UINT32_MAX)
			strsize = (uint32_t)sz;
	for (uint32_t k = 0; k < nsrcs; k++) {
		const char *ss = strstr(srcs[k].text, "option strsize=");
		char tmp[32];

		if (ss == NULL)
			continue;
		snprintf(tmp, sizeof(tmp), "%.*s",
			 (int)strcspn(ss + 15, " \t\r\n"), ss + 15);
		if (dt_parse_size(tmp, &sz) == 0 && sz && sz <= UINT32_MAX)
			strsize = (uint32_t)sz;
	}
	return strsize;
}

/* What one compilation parses; kept behind a pointer across setjmp. */
typedef struct dt_srcset {
	const dt_compile_opts_t *opts;
	const dt_compile_src_t *srcs;
	uint32_t nsrcs;
	dt_compile_opts_t *so; /* per text: opts with its kind and filename */
	char *pp;              /* the current text after cpp */
} dt_srcset_t;

/* The parse and check proper: 0, or -1 after dt_error(). */
static int parse_check_all(dt_pcb_t *pcb, dt_srcset_t *ss)
{
	const dt_compile_opts_t *opts = ss->opts;
	dt_front_prog_t *P = pcb->prog;
	volatile int want_cpp = opts->cpp, nolibs = 0;

	if (setjmp(pcb->jb) != 0)
		return -1;
	/* -x options that matter while compiling */
	for (int i = 0; i < opts->nxopts; i++) {
		const char *x = opts->xopts[i];

		if (!strncmp(x, "defaultargs", 11))
			pcb->defaultargs = 1;
		if (!strcmp(x, "cpp"))
			want_cpp = 1;
		if (!strcmp(x, "nolibs"))
			nolibs = 1;
	}
	P->strsize = scan_strsize(opts, ss->srcs, ss->nsrcs);
	P->types = dt_typetab_new(opts->btf_path, P->strsize);
	if (!P->types)
		dt_error(pcb, 0, "D_NOMEM", "out of memory");
	if (!nolibs) {
		dt_lex_init(pcb, dlib, sizeof(dlib) - 1);
		dt_parse_program(pcb);
	}
	for (uint32_t k = 0; k < ss->nsrcs; k++) {
		ss->so[k] = *opts;
		ss->so[k].kind = ss->srcs[k].kind;
		ss->so[k].filename = ss->srcs[k].filename;
		pcb->err->src = k;
		free(ss->pp);
		ss->pp = NULL;
		parse_src(pcb, &ss->so[k],
			  ss->srcs[k].text ? ss->srcs[k].text : "", want_cpp,
			  &ss->pp);
	}
	for (uint32_t i = 0; i < P->nclauses; i++) {
		/* errors name the text the clause came from */
		pcb->err->src = P->clauses[i]->src;
		pcb->opts = &ss->so[P->clauses[i]->src];
		dt_check_clause(pcb, P->clauses[i]);
	}
	pcb->err->src = 0;
	return 0;
}

int dt_front_parse_check_srcs(const dt_compile_opts_t *opts,
			      const dt_compile_src_t *srcs, uint32_t nsrcs,
			      dt_front_prog_t **progp, dt_compile_error_t *err)
{
	static const dt_compile_opts_t noopts = {.size = sizeof(noopts)};
	dt_srcset_t ss = {opts ? opts : &noopts, srcs, nsrcs, NULL, NULL};
	dt_pcb_t *pcb;
	dt_front_prog_t *P;
	int rc;

	*progp = NULL;
	memset(err, 0, sizeof(*err));
	pcb = calloc(1, sizeof(*pcb));
	P = calloc(1, sizeof(*P));
	ss.so = calloc(nsrcs ? nsrcs : 1, sizeof(*ss.so));
	if (!pcb || !P || !ss.so) {
		free(pcb);
		free(P);
		free(ss.so);
		snprintf(err->tag, sizeof(err->tag), "D_NOMEM");
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	pcb->prog = P;
	pcb->opts = ss.opts;
	pcb->err = err;
	rc = parse_check_all(pcb, &ss);
	free(ss.pp);
	free(pcb->inlines);
	P->priv = malloc(sizeof(dt_arena_t));
	if (P->priv)
		*(dt_arena_t *)P->priv = pcb->arena;
	else
		dt_arena_free(&pcb->arena);
	free(pcb);
	free(ss.so);
	if (rc < 0) {
		dt_front_prog_free(P);
		return -1;
	}
	*progp = P;
	return 0;
}

int dt_front_parse_check(const dt_compile_opts_t *opts, const char *src,
			 dt_front_prog_t **progp, dt_compile_error_t *err)
{
	dt_compile_src_t one = {
		.kind = opts ? opts->kind : DT_SRC_SCRIPT,
		.filename = opts ? opts->filename : NULL,
		.text = src ? src : "",
	};

	return dt_front_parse_check_srcs(opts, &one, 1, progp, err);
}

void dt_front_prog_free(dt_front_prog_t *P)
{
	if (!P)
		return;
	free(P->clauses);
	free(P->globals);
	free(P->tls);
	free(P->locals);
	free(P->aggs);
	free(P->xlators);
	free(P->opts);
	dt_typetab_free(P->types);
	if (P->priv) {
		dt_arena_free(P->priv);
		free(P->priv);
	}
	free(P);
}
