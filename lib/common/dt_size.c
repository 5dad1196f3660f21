/* dt_size.c: the one parser for size-valued options (bufsize=4m). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "common/dt_size.h"

int dt_parse_size(const char *s, uint64_t *out)
{
	unsigned long long n;
	uint64_t mul = 1;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mul = 1ULL << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1ULL << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1ULL << 30;
		end++;
		break;
	case 't':
	case 'T':
		mul = 1ULL << 40;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0' || (mul > 1 && n > UINT64_MAX / mul))
		return -1;
	*out = n * mul;
	return 0;
}
