/*
 * dtfront-check: runs dt_front_parse_check() on a D file and prints the
 * first error as dtrace does with -xerrtags; exit 0 when the program is
 * accepted, 1 when rejected. Used to measure the front end against the
 * conformance lists before the dtrace command exists.
 *
 * usage: dtfront-check [-C] [-Z] [-Dx] [-Ix] file.d [macro args...]
 *
 * Probe lookup: a stand-in for the providers that knows dtrace:::BEGIN/
 * END/ERROR and profile:::tick-N / profile-N (with DTrace's unit and
 * minimum-interval rules); any other provider is assumed to exist.
 *
 * Owner: front end.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front/dt_front.h"

static int gmatch(const char *pat, const char *s)
{
	return !*pat || fnmatch(pat, s, 0) == 0;
}

static int rate_ok(const char *n, int profile)
{
	const char *d = strchr(n, '-');
	if (!d || !isdigit((unsigned char)d[1]))
		return 0;
	char *e;
	double v = strtod(d + 1, &e);
	static const struct {
		const char *u;
		double ns;
	} units[] = { { "", 1e9 }, { "ns", 1 }, { "nsec", 1 }, { "us", 1e3 },
		      { "usec", 1e3 }, { "ms", 1e6 }, { "msec", 1e6 },
		      { "s", 1e9 }, { "sec", 1e9 }, { "m", 60e9 },
		      { "min", 60e9 }, { "h", 3600e9 }, { "hour", 3600e9 },
		      { "d", 86400e9 }, { "day", 86400e9 }, { "hz", -1 } };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(e, units[i].u)) {
			double ns = units[i].ns < 0 ? 1e9 / v
				    : (*e ? v * units[i].ns : 1e9 / v);
			if (!*e)
				ns = 1e9 / v; /* plain number: hz */
			return ns >= 200000; /* 200us minimum */
		}
	(void)profile;
	return 0;
}

static int lookup(void *arg, const dt_probedesc_t *pd, dt_probeinfo_t *info)
{
	(void)arg;
	static const char *const dtr[] = { "BEGIN", "END", "ERROR" };
	int n = 0;
	for (int i = 0; i < 3; i++)
		if (gmatch(pd->provider, "dtrace") && !*pd->module &&
		    !*pd->function && gmatch(pd->name, dtr[i])) {
			n++;
			info->nargs = i == 2 ? 6 : 0;
		}
	if (gmatch(pd->provider, "profile") && !*pd->module &&
	    !*pd->function) {
		const char *nm = pd->name;
		if ((!strncmp(nm, "tick-", 5) || !strncmp(nm, "profile-", 8)) &&
		    !strpbrk(nm, "*?[")) {
			if (rate_ok(nm, nm[0] == 'p'))
				n++;
		} else if (strpbrk(nm, "*?[") || !*nm) {
			n++;
		}
	}
	if (*pd->provider && !strpbrk(pd->provider, "*?[") &&
	    strcmp(pd->provider, "dtrace") && strcmp(pd->provider, "profile"))
		n++; /* other providers: assume the probe exists */
	if (n)
		info->id = 1;
	return n;
}

int main(int argc, char **argv)
{
	dt_compile_opts_t o;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	const char *cpp[64], *xo[64];
	int ncpp = 0, nx = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-C"))
			o.cpp = 1;
		else if (!strcmp(argv[i], "-Z"))
			o.zdefs = 1;
		else if (!strcmp(argv[i], "-n"))
			o.kind = DT_SRC_NAME;
		else if (!strncmp(argv[i], "-x", 2)) {
			if (!strcmp(argv[i] + 2, "cpp"))
				o.cpp = 1;
			else if (nx < 64)
				xo[nx++] = argv[i] + 2;
		}
		else if (ncpp < 64)
			cpp[ncpp++] = argv[i];
	}
	if (i >= argc) {
		fprintf(stderr, "usage: dtfront-check [-C] file.d [args]\n");
		return 2;
	}
	const char *file = argv[i];
	FILE *f = fopen(file, "r");
	if (!f) {
		perror(file);
		return 2;
	}
	size_t cap = 1 << 16, n = 0;
	char *src = malloc(cap);
	size_t r;
	while ((r = fread(src + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 >= cap)
			src = realloc(src, cap *= 2);
	}
	src[n] = 0;
	fclose(f);
	o.filename = file;
	o.cpp_argv = cpp;
	o.cpp_argc = ncpp;
	o.xopts = xo;
	o.nxopts = nx;
	o.macro_argv = (const char *const *)&argv[i];
	o.macro_argc = argc - i;
	o.pid = getpid();
	o.ppid = getppid();
	o.uid = getuid();
	o.gid = getgid();
	o.probe_lookup = lookup;
	dt_front_prog_t *p;
	dt_compile_error_t err;
	if (dt_front_parse_check(&o, src, &p, &err) < 0) {
		if (err.line > 0)
			fprintf(stderr,
				"dtrace: failed to compile script %s: [%s] "
				"line %d: %s\n",
				file, err.tag, err.line, err.msg);
		else
			fprintf(stderr,
				"dtrace: failed to compile script %s: [%s] "
				"%s\n",
				file, err.tag, err.msg);
		free(src);
		return 1;
	}
	dt_front_prog_free(p);
	free(src);
	return 0;
}
