/*
 * fuzz-sym.c: libFuzzer target for the symbol tables (lib/common/dt_sym.c),
 * whose inputs come from outside: a kallsyms text, a /proc/<pid>/maps text,
 * and the ELF files those maps name (any process can map a crafted one).
 * The input's first byte picks the part; the rest is its text or file.
 * Lookups and the function walk then run over whatever was accepted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/dt_sym.h"

static char dir[64];

static void cleanup(void)
{
	static const char *const names[] = {"kallsyms", "maps", "obj.so"};
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Writes n bytes to dir/name; returns the path (static) or NULL. */
static const char *put(const char *name, const uint8_t *p, size_t n)
{
	static char path[128];
	FILE *f;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/fuzz-sym.%d", (int)getpid());
		if (mkdir(dir, 0700) != 0)
			return NULL;
		atexit(cleanup);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return NULL;
	if (n > 0 && fwrite(p, 1, n, f) != n) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	return path;
}

static int walk_cb(void *arg, const dt_usym_info_t *s)
{
	size_t *n = arg;

	/* touch every string: they must be terminated */
	*n += strlen(s->path) + strlen(s->mod) + strlen(s->name);
	return 0;
}

static void lookups(dt_usyms_t *us, uint64_t seed)
{
	const char *mod, *name;
	uint64_t off;
	size_t n = 0;
	char buf[256];

	for (int i = 0; i < 64; i++) {
		uint64_t pc = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)i * 4093;

		if (dt_usyms_lookup(us, pc, &mod, &name, &off) == 0)
			dt_sym_format(buf, sizeof(buf), mod, name, off, pc);
	}
	dt_usyms_iter(us, walk_cb, &n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	char maps[512];

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: { /* kallsyms */
		dt_ksyms_t *ks;

		if ((path = put("kallsyms", data + 1, size - 1)) == NULL)
			return 0;
		if ((ks = dt_ksyms_open(path)) != NULL) {
			const char *mod, *name;
			uint64_t off;

			for (int i = 0; i < 64; i++)
				dt_ksyms_lookup(ks,
						0xffffffff81000000ULL +
						    (uint64_t)i * 0x10007,
						&mod, &name, &off);
			dt_ksyms_addr(ks, "schedule");
			dt_ksyms_close(ks);
		}
		break;
	}
	case 1: { /* a maps text (its paths name files that may not exist) */
		dt_usyms_t *us;

		if ((path = put("maps", data + 1, size - 1)) == NULL)
			return 0;
		if ((us = dt_usyms_open_maps(path)) != NULL) {
			lookups(us, size);
			dt_usyms_close(us);
		}
		break;
	}
	default: { /* an ELF file mapped at two places */
		dt_usyms_t *us;

		if ((path = put("obj.so", data + 1, size - 1)) == NULL)
			return 0;
		snprintf(maps, sizeof(maps),
			 "7f0000000000-7f0000001000 r--p 00000000 00:00 1 %s\n"
			 "7f0000001000-7f0000004000 r-xp 00001000 00:00 1 %s\n",
			 path, path);
		if ((path = put("maps", (const uint8_t *)maps, strlen(maps))) ==
		    NULL)
			return 0;
		if ((us = dt_usyms_open_maps(path)) != NULL) {
			lookups(us, 0x7f0000000000ULL);
			dt_usyms_close(us);
		}
		break;
	}
	}
	return 0;
}
