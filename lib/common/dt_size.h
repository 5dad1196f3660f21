/* dt_size.h: sizes as DTrace options spell them ("4m", "512k", "0x100"). */
#ifndef DT_SIZE_H
#define DT_SIZE_H

#include <stdint.h>

/* Parses a size with an optional k/m/g/t suffix (powers of 1024).
 * Returns 0, or -1 for anything else, including overflow. */
int dt_parse_size(const char *s, uint64_t *out);

#endif
