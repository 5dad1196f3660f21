/*
 * dt_gmem.c: guest-physical memory (the RAM file mapping and QEMU's layout of
 * it) and the x86-64 page-table walker. Every guest-controlled value (CR3,
 * table entries, addresses, lengths) is bounds-checked against the RAM
 * regions before it is dereferenced: a guest can only make us read its RAM.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dt_error.h"
#include "guest/dt_guest.h"

#define PTE_P	    0x1ULL
#define PTE_PS	    0x80ULL
#define PTE_ADDR    0x000ffffffffff000ULL
#define PTE_ADDR_2M 0x000fffffffe00000ULL
#define PTE_ADDR_1G 0x000fffffc0000000ULL

const uint8_t *dt_gmem_ptr(const dt_gmem_t *m, uint64_t gpa, uint64_t len)
{
	unsigned i;

	for (i = 0; i < m->nreg && i < DT_GMEM_MAXREG; i++) {
		const dt_gmem_region_t *r = &m->reg[i];
		uint64_t off, foff;

		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		off = gpa - r->gpa;
		if (len > r->size - off)
			return NULL; /* crosses the region's end */
		foff = r->file_off + off;
		if (foff < r->file_off || foff > m->base_size ||
		    len > m->base_size - foff)
			return NULL;
		return m->base + foff;
	}
	return NULL;
}

/* Reads a table entry; the guest may change it under us, so read it once. */
static int gmem_pte(const dt_gmem_t *m, uint64_t table, unsigned idx,
		    uint64_t *pte)
{
	const uint8_t *p = dt_gmem_ptr(m, table + (uint64_t)idx * 8, 8);

	if (p == NULL)
		return -1;
	*pte = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	return 0;
}

int dt_gwalk(const dt_gmem_t *m, uint64_t cr3, int la57, uint64_t va,
	     uint64_t *pa, uint64_t *pgsize)
{
	int levels = la57 ? 5 : 4, top = la57 ? 56 : 47, lvl;
	uint64_t table = cr3 & PTE_ADDR, pte = 0;
	int64_t sx = (int64_t)va >> top;

	/* Canonical: bits above `top` copy bit `top`. */
	if (sx != 0 && sx != -1)
		return -1;
	for (lvl = levels; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (lvl - 1);
		unsigned idx = (va >> shift) & 511;

		if (gmem_pte(m, table, idx, &pte) != 0 || !(pte & PTE_P))
			return -1;
		if (lvl == 3 && (pte & PTE_PS)) {
			*pa = (pte & PTE_ADDR_1G) | (va & ((1ULL << 30) - 1));
			*pgsize = 1ULL << 30;
			return 0;
		}
		if (lvl == 2 && (pte & PTE_PS)) {
			*pa = (pte & PTE_ADDR_2M) | (va & ((1ULL << 21) - 1));
			*pgsize = 1ULL << 21;
			return 0;
		}
		if (lvl > 3 && (pte & PTE_PS))
			return -1; /* reserved at PML4/PML5 */
		table = pte & PTE_ADDR;
	}
	*pa = table | (va & 0xfff);
	*pgsize = 4096;
	return 0;
}

int dt_gmem_read(const dt_gmem_t *m, uint64_t cr3, int la57, uint64_t va,
		 void *buf, size_t len, int *errp)
{
	uint8_t *out = buf;

	while (len > 0) {
		uint64_t pa, pgsz, chunk = 4096 - (va & 4095);
		const uint8_t *p;

		if (chunk > len)
			chunk = len;
		if (dt_gwalk(m, cr3, la57, va, &pa, &pgsz) != 0 ||
		    (p = dt_gmem_ptr(m, pa, chunk)) == NULL) {
			if (errp)
				*errp = EDT_GUESTADDR;
			return -1;
		}
		memcpy(out, p, chunk);
		out += chunk;
		va += chunk;
		len -= chunk;
	}
	return 0;
}

int dt_gmem_parse_mtree(const char *text, const char *backend,
			dt_gmem_region_t *reg, unsigned *nreg)
{
	const char *line = text;
	int in_view = 0, system = 0;
	unsigned n = 0;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t ll = eol ? (size_t)(eol - line) : strlen(line);
		char buf[512], kind[64], name[128], rest[128];
		uint64_t lo, hi, off;
		int prio, k;

		if (ll >= sizeof(buf))
			ll = sizeof(buf) - 1;
		memcpy(buf, line, ll);
		buf[ll] = 0;
		line = eol ? eol + 1 : NULL;

		if (strncmp(buf, "FlatView", 8) == 0) {
			if (system)
				break; /* the system view is done */
			in_view = 1;
			continue;
		}
		if (in_view && strstr(buf, "AS \"memory\""))
			system = 1;
		if (!system)
			continue;
		rest[0] = 0;
		k = sscanf(buf,
			   " %" SCNx64 "-%" SCNx64
			   " (prio %d, %63[^)]): %127s %127s",
			   &lo, &hi, &prio, kind, name, rest);
		if (k < 5 || strcmp(kind, "ram") != 0 ||
		    strcmp(name, backend) != 0 || hi < lo)
			continue;
		/* "@offset" is the offset into the backend, i.e. the file. */
		off = (k == 6 && rest[0] == '@') ? strtoull(rest + 1, NULL, 16)
						 : 0;
		if (n >= DT_GMEM_MAXREG)
			return -1;
		reg[n].gpa = lo;
		reg[n].size = hi - lo + 1;
		reg[n].file_off = off;
		n++;
	}
	*nreg = n;
	return n > 0 ? 0 : -1;
}
