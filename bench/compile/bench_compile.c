/*
 * bench_compile.c: D compile time (dt_compile: front end + code generation)
 * for generated scripts of 10, 100 and 1000 clauses, beside
 * `gcc -fsyntax-only` on a C file of the same statements, measured in the
 * same run. Prints both times and their ratio (D / gcc) per size; the
 * figure of merit is the ratio (the aim: well under 1 s for 1000 clauses).
 *   bench_compile [REPS]     (best of REPS runs, default 3)
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen/dt_cg.h"
#include "front/dt_compile.h"
#include "front/dt_front.h"

extern char **environ;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Clause i: a predicate, variables, arithmetic, a string function, an
 * aggregation with a key and a printf, and the same in C. */
static char *gen_d(int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i;

	for (i = 0; i < n; i++)
		fprintf(f, "int x%d;\nself int t%d;\n", i, i);
	for (i = 0; i < n; i++)
		fprintf(
		    f,
		    "BEGIN\n/x%d > %d && self->t%d == 0/\n{\n"
		    "\tyv%d = x%d * 2 + %d;\n"
		    "\tself->t%d = yv%d << 1;\n"
		    "\t@c[%d, execname] = count();\n"
		    "\tprintf(\"%%d %%s\\n\", yv%d, strjoin(\"a\", \"b\"));\n"
		    "}\n",
		    i, i, i, i, i, i, i, i, i, i);
	fclose(f);
	return buf;
}

static char *gen_c(int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i;

	fprintf(f, "#include <stdio.h>\n#include <string.h>\n"
		   "extern const char *execname;\n"
		   "extern void count(long, const char *);\n"
		   "extern const char *strjoin(const char *, const char *);\n");
	for (i = 0; i < n; i++)
		fprintf(f,
			"long x%d, yv%d; __thread long t%d;\n"
			"void clause%d(void)\n{\n"
			"\tif (x%d > %d && t%d == 0) {\n"
			"\t\tyv%d = x%d * 2 + %d;\n"
			"\t\tt%d = yv%d << 1;\n"
			"\t\tcount(%d, execname);\n"
			"\t\tprintf(\"%%ld %%s\\n\", yv%d, strjoin(\"a\", "
			"\"b\"));\n"
			"\t}\n}\n",
			i, i, i, i, i, i, i, i, i, i, i, i, i, i);
	fclose(f);
	return buf;
}

static double time_d(const char *src, int reps)
{
	double best = 1e9;
	int r;

	for (r = 0; r < reps; r++) {
		dt_compile_opts_t o;
		dt_compile_error_t err;
		dt_prog_t *prog = NULL;
		double t0 = now(), t;

		memset(&o, 0, sizeof(o));
		o.size = sizeof(o);
		o.kind = DT_SRC_SCRIPT;
		if (dt_compile(&o, src, &prog, &err) != 0) {
			fprintf(stderr,
				"bench_compile: D compile failed: [%s] "
				"line %d: %s\n",
				err.tag, err.line, err.msg);
			exit(1);
		}
		t = now() - t0;
		dt_prog_free(prog);
		if (t < best)
			best = t;
	}
	return best;
}

/* Code generation alone (dt_cg_program on an already checked program):
 * the part of the D time this component owns. */
static double time_cg(const char *src, int reps)
{
	dt_compile_opts_t o;
	dt_compile_error_t err;
	dt_front_prog_t *fp = NULL;
	double best = 1e9;
	int r;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.kind = DT_SRC_SCRIPT;
	if (dt_front_parse_check(&o, src, &fp, &err) != 0) {
		fprintf(stderr, "bench_compile: front end failed: %s\n",
			err.msg);
		exit(1);
	}
	for (r = 0; r < reps; r++) {
		dt_prog_t *prog = NULL;
		double t0 = now(), t;

		if (dt_cg_program(&o, fp, &prog, &err) != 0) {
			fprintf(stderr, "bench_compile: codegen failed: %s\n",
				err.msg);
			exit(1);
		}
		t = now() - t0;
		dt_prog_free(prog);
		if (t < best)
			best = t;
	}
	dt_front_prog_free(fp);
	return best;
}

static double time_gcc(const char *path, int reps)
{
	double best = 1e9;
	int r;

	for (r = 0; r < reps; r++) {
		char *argv[] = {"gcc", "-fsyntax-only", (char *)path, NULL};
		double t0 = now(), t;
		pid_t pid;
		int st;

		if (posix_spawnp(&pid, "gcc", NULL, NULL, argv, environ) != 0) {
			perror("bench_compile: gcc");
			exit(1);
		}
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bench_compile: gcc failed on %s\n",
				path);
			exit(1);
		}
		t = now() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const int sizes[] = {10, 100, 1000};
	int reps = argc > 1 ? atoi(argv[1]) : 3;
	unsigned i;

	if (reps < 1)
		reps = 1;
	printf("%-8s %12s %12s %12s %10s\n", "clauses", "D (s)", "codegen (s)",
	       "gcc (s)", "D/gcc");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char path[] = "/tmp/bench_compile_XXXXXX.c";
		char *d = gen_d(sizes[i]), *c = gen_c(sizes[i]);
		int fd = mkstemps(path, 2);
		double td, tc, tg;

		if (fd < 0 || write(fd, c, strlen(c)) != (ssize_t)strlen(c)) {
			perror("bench_compile");
			return 1;
		}
		close(fd);
		td = time_d(d, reps);
		tc = time_cg(d, reps);
		tg = time_gcc(path, reps);
		unlink(path);
		printf("%-8d %12.6f %12.6f %12.6f %10.3f\n", sizes[i], td, tc,
		       tg, td / tg);
		free(d);
		free(c);
	}
	return 0;
}
