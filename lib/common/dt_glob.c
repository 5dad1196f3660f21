/* dt_glob.c: probe-description globbing (see dt_glob.h). */
#include <fnmatch.h>
#include <stddef.h>

#include "common/dt_glob.h"

int dt_glob_match(const char *pat, const char *s)
{
	if (pat == NULL || *pat == '\0')
		return 1;
	return fnmatch(pat, s != NULL ? s : "", 0) == 0;
}
