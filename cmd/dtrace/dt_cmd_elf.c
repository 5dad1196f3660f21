/* dt_cmd_elf.c: dtrace(1)'s -E -e, -e -y, -y and -Y (see dt_cmd_elf.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dt_error.h"
#include "dt_cmd_elf.h"
#include "elf/dt_elf.h"
#include "link/dt_link.h"

void dt_cmd_elf_xopts(const char *const *xopts, int nx, dt_cmd_elf_xopts_t *xo)
{
	memset(xo, 0, sizeof(*xo));
	for (int i = 0; i < nx; i++) {
		if (strncmp(xopts[i], "btf=", 4) == 0)
			xo->btf = xopts[i] + 4;
		else if (strncmp(xopts[i], "resolvers=", 10) == 0)
			xo->resolvers = xopts[i] + 10;
	}
}

/* $TMPDIR/ht-<hex ident><suffix> */
static void dt_cmd_elf_default(char *buf, size_t len, const uint8_t *ident,
			       const char *suffix)
{
	const char *tmp = getenv("TMPDIR");
	size_t n;

	n = (size_t)snprintf(buf, len, "%s/ht-", tmp && *tmp ? tmp : "/tmp");
	for (int i = 0; i < 16 && n + 2 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", ident[i]);
	snprintf(buf + n, len - n, "%s", suffix);
}

static void dt_cmd_elf_print_path(const char *path)
{
	char abs[PATH_MAX];

	if (realpath(path, abs) != NULL)
		printf("%s\n", abs);
	else
		printf("%s\n", path);
	fflush(stdout);
}

static int dt_cmd_elf_write(const dt_prog_t *prog, const char *path)
{
	dt_elf_err_t e;

	if (dt_elf_write_file(prog, path, &e) != 0) {
		fprintf(stderr, "dtrace: failed to write %s: %s\n", path,
			e.msg);
		return 2;
	}
	return 0;
}

static dt_prog_t *dt_cmd_elf_read(const char *path, int *status)
{
	dt_prog_t *prog = NULL;
	dt_elf_err_t e;

	if (dt_elf_read_file(path, &prog, &e) != 0) {
		fprintf(stderr, "dtrace: failed to read program: %s\n", e.msg);
		/* a bad file is the program's fault (1); I/O is 2 */
		*status = e.code == EDT_BADELF ? 1 : 2;
		return NULL;
	}
	return prog;
}

int dt_cmd_elf_emit(dt_prog_t *prog, const char *out)
{
	char def[PATH_MAX];
	int rc;

	if (dt_prog_new_ident(prog) != 0) {
		fprintf(stderr, "dtrace: cannot make a program identifier\n");
		return 2;
	}
	if (out == NULL) {
		dt_cmd_elf_default(def, sizeof(def), prog->ident, ".elf");
		out = def;
	}
	rc = dt_cmd_elf_write(prog, out);
	if (rc == 0)
		dt_cmd_elf_print_path(out);
	return rc;
}

int dt_cmd_elf_reemit(const char *in, const char *out)
{
	char def[PATH_MAX];
	dt_prog_t *prog;
	int rc = 0;

	if ((prog = dt_cmd_elf_read(in, &rc)) == NULL)
		return rc;
	if (out == NULL) {
		dt_cmd_elf_default(def, sizeof(def), prog->ident, ".copy.elf");
		out = def;
	}
	rc = dt_cmd_elf_write(prog, out);
	if (rc == 0)
		dt_cmd_elf_print_path(out);
	dt_prog_free(prog);
	return rc;
}

/* Links prog for this machine; prints the error. 0 or 1. */
static int dt_cmd_elf_do_link(dt_prog_t *prog, const char *in,
			      const dt_cmd_elf_xopts_t *xo)
{
	dt_link_opts_t o = {.size = sizeof(o)};
	char err[1024];

	o.btf_path = xo ? xo->btf : NULL;
	o.resolvers = xo ? xo->resolvers : NULL;
	if (dt_link(prog, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "dtrace: failed to link %s: %s\n", in, err);
		return 1;
	}
	return 0;
}

int dt_cmd_elf_link(const char *in, const char *out,
		    const dt_cmd_elf_xopts_t *xo)
{
	char def[PATH_MAX];
	dt_prog_t *prog;
	int rc = 0, lrc, wrc;

	if ((prog = dt_cmd_elf_read(in, &rc)) == NULL)
		return rc;
	if (out == NULL) {
		dt_cmd_elf_default(def, sizeof(def), prog->ident,
				   ".linked.elf");
		out = def;
	}
	lrc = dt_cmd_elf_do_link(prog, in, xo);
	wrc = dt_cmd_elf_write(prog, out); /* with the error, if any */
	if (wrc == 0)
		dt_cmd_elf_print_path(out);
	dt_prog_free(prog);
	return wrc ? wrc : lrc;
}

dt_prog_t *dt_cmd_elf_load(const char *arg, const char *out,
			   const dt_cmd_elf_xopts_t *xo,
			   enum dt_cmd_elf_mode *mode, int *status)
{
	char path[PATH_MAX];
	const char *comma = strrchr(arg, ',');
	dt_prog_t *prog;

	*mode = DT_ELF_MODE_HOST;
	*status = 0;
	snprintf(path, sizeof(path), "%s", arg);
	if (comma != NULL &&
	    (strcmp(comma, ",host") == 0 || strcmp(comma, ",guest") == 0)) {
		path[comma - arg] = '\0';
		*mode = strcmp(comma, ",guest") == 0 ? DT_ELF_MODE_GUEST
						     : DT_ELF_MODE_HOST;
	}
	if ((prog = dt_cmd_elf_read(path, status)) == NULL)
		return NULL;
	if (dt_cmd_elf_do_link(prog, path, xo) != 0) {
		if (out != NULL)
			dt_cmd_elf_write(prog, out);
		dt_prog_free(prog);
		*status = 1;
		return NULL;
	}
	if (out != NULL && (*status = dt_cmd_elf_write(prog, out)) != 0) {
		dt_prog_free(prog);
		return NULL;
	}
	return prog;
}
