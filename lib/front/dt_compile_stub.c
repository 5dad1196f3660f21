/* dt_compile_stub.c: placeholder until the front end lands (to be deleted
 * by the compiler's owner). */
#include <string.h>

#include "front/dt_compile.h"

int dt_compile(const dt_compile_opts_t *opts, const char *src,
	       dt_prog_t **progp, dt_compile_error_t *err)
{
	(void)opts;
	(void)src;
	*progp = NULL;
	memset(err, 0, sizeof(*err));
	strcpy(err->tag, "D_UNSUPPORTED");
	strcpy(err->msg, "the D compiler is not built yet");
	return -1;
}

void dt_prog_dump(FILE *out, const dt_prog_t *prog)
{
	(void)out;
	(void)prog;
}
