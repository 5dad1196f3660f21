/*
 * fuzz-front.c: libFuzzer target over the D front end: any bytes are a D
 * program; dt_front_parse_check() must accept or reject it cleanly (no
 * crash, leak or sanitizer report). Seeds: every D program of the
 * conformance suites (tests/fuzz/make-front-seeds.sh).
 *
 * Owner: front end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "front/dt_front.h"

static int lookup(void *arg, const dt_probedesc_t *pd, dt_probeinfo_t *info)
{
	(void)arg;
	(void)pd;
	info->nargs = 2;
	info->argtypes[0] = "int";
	info->argtypes[1] = "char *";
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *src = malloc(size + 1);
	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = 0;
	dt_compile_opts_t o;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	static const char *const margs[] = { "prog", "1", "foo" };
	o.macro_argv = margs;
	o.macro_argc = 3;
	o.pid = 1234;
	o.probe_lookup = lookup;
	/* no kernel BTF in the fuzzer: keeps runs fast and deterministic */
	o.btf_path = "";
	dt_front_prog_t *p = NULL;
	dt_compile_error_t err;
	if (dt_front_parse_check(&o, src, &p, &err) == 0)
		dt_front_prog_free(p);
	free(src);
	return 0;
}
