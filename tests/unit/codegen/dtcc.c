/*
 * dtcc.c: a small driver for the compiler, for developers and the golden
 * files: compiles a D script (-s FILE, or stdin) or a probe specifier
 * (-n SPEC) and prints the program summary and the -S listing.
 *   dtcc [-C] [-E] [-n SPEC | -s FILE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_golden_util.h"

int main(int argc, char **argv)
{
	enum dt_srckind kind = DT_SRC_SCRIPT;
	const char *file = NULL, *spec = NULL;
	int ht = 0, cpp = 0, i;
	char *src, *out;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-E") == 0)
			ht = 1;
		else if (strcmp(argv[i], "-C") == 0)
			cpp = 1;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			spec = argv[++i];
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			file = argv[++i];
		else {
			fprintf(stderr,
				"usage: dtcc [-C] [-E] [-n SPEC | -s FILE]\n");
			return 2;
		}
	}
	if (spec != NULL) {
		kind = DT_SRC_NAME;
		src = strdup(spec);
	} else {
		src = cg_read_file(file ? file : "/dev/stdin");
	}
	if (src == NULL) {
		perror("dtcc");
		return 2;
	}
	out = cg_render_cpp(src, kind, ht, NULL, cpp);
	fputs(out, stdout);
	i = strncmp(out, "error ", 6) == 0;
	free(out);
	free(src);
	return i;
}
