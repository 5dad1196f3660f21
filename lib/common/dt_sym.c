/*
 * dt_sym.c: the address symboliser (API in dt_sym.h): parses kallsyms-format
 * files and /proc/<pid>/maps, loads mapped ELF files' symbol tables with
 * libelf, resolves addresses to module, symbol and offset, formats them as
 * DTrace does and caches all of it per consumer. Every input is untrusted:
 * bad lines are skipped, ELF files go through libelf's checked accessors,
 * and sizes are bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/dt_sym.h"

/* Bounds on untrusted input: far above real sizes (kallsyms is ~6 MB,
 * a maps file at vm.max_map_count entries ~7 MB), far below harm. */
#define DT_SYM_MAXKALLSYMS (256u << 20)
#define DT_SYM_MAXMAPSFILE (64u << 20)
#define DT_SYM_MAXUSYMS	   (1u << 23) /* symbols kept per ELF file */
#define DT_SYM_MAXSTRPOOL  (256u << 20)
#define DT_SYM_MAXPHDRS	   256
#define DT_SYM_MAXSECS	   SHN_LORESERVE /* indices fit 16 bits */
/* Backward scans for a covering or preceding symbol stop here: enough for
 * any real nesting, and a corrupt file cannot make a lookup slow. */
#define DT_SYM_MAXSCAN 4096

/* Reads a whole file (regular or /proc) into a NUL-terminated buffer. */
static char *dt_sym_slurp(const char *path, size_t max, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	size_t cap = 1u << 16, len = 0;
	char *buf = NULL;
	struct stat st;
	int e;

	if (fd < 0)
		return NULL;
	/* A FIFO or device named by a test's maps path must not block us. */
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return NULL;
	}
	/* /proc files report size 0; regular files tell us what to expect. */
	if (st.st_size > 0 && (uint64_t)st.st_size < max)
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (buf == NULL)
		goto fail;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= max) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL)
				goto fail;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	e = errno;
	free(buf);
	close(fd);
	errno = e;
	return NULL;
}

/* Parses up to 16 hex digits at *pp; fails on none or on overflow. */
static int dt_sym_hex(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	int n = 0;

	for (;; p++, n++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (n == 16)
			return -1;
		x = x << 4 | (uint64_t)d;
	}
	if (n == 0)
		return -1;
	*pp = p;
	*v = x;
	return 0;
}

static unsigned dt_sym_underscores(const char *s)
{
	unsigned n = 0;

	while (s[n] == '_' && n < 7)
		n++;
	return n;
}

/* Which of several symbols at one address to print (lower wins): the kind
 * (code before data), then global or weak before local, then fewer leading
 * underscores (getpid rather than __getpid), then global before weak. */
static uint8_t dt_sym_rank(unsigned kind, int local, int weak, const char *s)
{
	return (uint8_t)(kind << 6 | (local ? 1u : 0u) << 5 |
			 dt_sym_underscores(s) << 2 | (weak ? 1u : 0u));
}

/* ---- kernel symbols ---- */

struct dt_ksym {
	uint64_t addr;
	const char *name; /* into ks->buf */
	const char *mod;
	uint32_t seq; /* line order, for "first match" and stable ties */
	uint8_t rank;
	uint8_t text;
};

struct dt_ksyms {
	char *buf; /* the file, split in place into names */
	struct dt_ksym *syms;
	size_t n;
	uint32_t *hash; /* name -> index of its first occurrence, or ~0 */
	size_t hmask;
};

static int dt_ksym_cmp(const void *a, const void *b)
{
	const struct dt_ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint32_t dt_sym_strhash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Parses one line [p, e) (NUL-terminated at e); 0 = kept in *k. */
static int dt_ksym_parse(char *p, char *e, struct dt_ksym *k, int *zero)
{
	const char *q = p;
	char *name, *mod = NULL;
	uint64_t addr;
	char t;

	if (dt_sym_hex(&q, &addr) != 0 || *q != ' ')
		return -1;
	t = q[1];
	if (t == '\0' || q[2] != ' ')
		return -1;
	name = (char *)q + 3;
	p = name;
	while (p < e && *p != ' ' && *p != '\t')
		p++;
	if (p == name)
		return -1;
	if (p < e) {
		char *m = p;

		*m++ = '\0';
		while (m < e && (*m == ' ' || *m == '\t'))
			m++;
		if (m < e) {
			char *r;

			if (*m != '[')
				return -1;
			mod = ++m;
			r = memchr(m, ']', (size_t)(e - m));
			if (r == NULL || r == m)
				return -1;
			*r = '\0';
		}
	}
	if (addr == 0) {
		*zero = 1;
		return -1;
	}
	switch (t) {
	case 't':
	case 'T':
	case 'w':
	case 'W':
		k->text = 1;
		break;
	case 'd':
	case 'D':
	case 'b':
	case 'B':
	case 'r':
	case 'R':
	case 'v':
	case 'V':
		k->text = 0;
		break;
	default: /* absolute, undefined, debugging: not places in memory */
		return -1;
	}
	k->addr = addr;
	k->name = name;
	k->mod = mod != NULL ? mod : "vmlinux";
	k->rank = dt_sym_rank(
	    k->text ? 0 : 1, t >= 'a' && t <= 'z' && t != 'w' && t != 'v',
	    t == 'w' || t == 'W' || t == 'v' || t == 'V', name);
	return 0;
}

static int dt_ksyms_index(dt_ksyms_t *ks)
{
	size_t size = 16;

	while (size < ks->n * 2)
		size *= 2;
	ks->hash = malloc(size * sizeof(*ks->hash));
	if (ks->hash == NULL)
		return -1;
	memset(ks->hash, 0xff, size * sizeof(*ks->hash));
	ks->hmask = size - 1;
	for (size_t i = 0; i < ks->n; i++) {
		const struct dt_ksym *k = &ks->syms[i];
		size_t h = dt_sym_strhash(k->name) & ks->hmask;

		for (;; h = (h + 1) & ks->hmask) {
			uint32_t j = ks->hash[h];

			if (j == UINT32_MAX) {
				ks->hash[h] = (uint32_t)i;
				break;
			}
			if (strcmp(ks->syms[j].name, k->name) == 0) {
				if (k->seq < ks->syms[j].seq)
					ks->hash[h] = (uint32_t)i;
				break;
			}
		}
	}
	return 0;
}

dt_ksyms_t *dt_ksyms_open(const char *path)
{
	dt_ksyms_t *ks = calloc(1, sizeof(*ks));
	size_t len, cap = 0, nlines = 0, n = 0, keep = 0;
	uint64_t mintext = UINT64_MAX;
	int zero = 0, e;
	char *p, *end;

	if (ks == NULL)
		return NULL;
	ks->buf = dt_sym_slurp(path != NULL ? path : "/proc/kallsyms",
			       DT_SYM_MAXKALLSYMS, &len);
	if (ks->buf == NULL)
		goto fail;
	end = ks->buf + len;
	/* ~40 bytes a line: one allocation that fits every line. */
	for (p = ks->buf; p < end; p++)
		nlines += *p == '\n';
	cap = nlines + 1;
	ks->syms = malloc(cap * sizeof(*ks->syms));
	if (ks->syms == NULL)
		goto fail;
	for (p = ks->buf; p < end && n < UINT32_MAX;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl != NULL ? nl : end;
		struct dt_ksym *k = &ks->syms[n];

		*le = '\0';
		if (dt_ksym_parse(p, le, k, &zero) == 0) {
			k->seq = (uint32_t)n++;
			if (k->text && k->addr < mintext)
				mintext = k->addr;
		}
		p = le + 1;
	}
	/* Zero-based per-CPU variables sit below the kernel's text and would
	 * otherwise claim small (user) addresses. */
	for (size_t i = 0; i < n; i++)
		if (ks->syms[i].text || ks->syms[i].addr >= mintext ||
		    mintext == UINT64_MAX)
			ks->syms[keep++] = ks->syms[i];
	ks->n = keep;
	if (keep == 0) {
		errno = zero ? EACCES : ENODATA;
		goto fail;
	}
	/* Core kernel lines come sorted already; modules may not. */
	for (size_t i = 1; i < keep; i++) {
		if (dt_ksym_cmp(&ks->syms[i - 1], &ks->syms[i]) > 0) {
			qsort(ks->syms, keep, sizeof(*ks->syms), dt_ksym_cmp);
			break;
		}
	}
	if (dt_ksyms_index(ks) != 0)
		goto fail;
	return ks;
fail:
	e = errno;
	dt_ksyms_close(ks);
	errno = e;
	return NULL;
}

void dt_ksyms_close(dt_ksyms_t *ks)
{
	if (ks == NULL)
		return;
	free(ks->hash);
	free(ks->syms);
	free(ks->buf);
	free(ks);
}

size_t dt_ksyms_count(const dt_ksyms_t *ks)
{
	return ks != NULL ? ks->n : 0;
}

int dt_ksyms_lookup(const dt_ksyms_t *ks, uint64_t pc, const char **mod,
		    const char **name, uint64_t *off)
{
	size_t lo = 0, hi, i;
	uint64_t a;

	if (ks == NULL || ks->n == 0)
		return -1;
	/* The last symbol at or below pc... */
	hi = ks->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	a = ks->syms[lo - 1].addr;
	if (pc - a > DT_SYM_MAXOFF)
		return -1;
	/* ...then the preferred (first sorted) one at its address. */
	hi = lo - 1;
	lo = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	if (mod != NULL)
		*mod = ks->syms[i].mod;
	if (name != NULL)
		*name = ks->syms[i].name;
	if (off != NULL)
		*off = pc - a;
	return 0;
}

uint64_t dt_ksyms_addr(const dt_ksyms_t *ks, const char *name)
{
	size_t h;

	if (ks == NULL || ks->hash == NULL || name == NULL)
		return 0;
	for (h = dt_sym_strhash(name) & ks->hmask;; h = (h + 1) & ks->hmask) {
		uint32_t j = ks->hash[h];

		if (j == UINT32_MAX)
			return 0;
		if (strcmp(ks->syms[j].name, name) == 0)
			return ks->syms[j].addr;
	}
}

/* ---- user symbols ---- */

struct dt_usym {
	uint64_t value, size;
	uint64_t maxend; /* greatest value + size up to here, bounds scans */
	uint32_t name;	 /* offset in the file's string pool */
	uint32_t seq;
	uint16_t shndx;
	uint8_t func, rank;
};

struct dt_usec {
	uint64_t addr, size;
	uint16_t index;
};

struct dt_uload {
	uint64_t vaddr, offset, filesz;
};

struct dt_ufile {
	const char *path;		 /* into us->buf */
	const char *mod;		 /* basename, into path */
	uint64_t first_start, first_end; /* a mapping, for map_files */
	int state; /* 0 not loaded yet, 1 loaded, -1 unusable */
	int exec;  /* ET_EXEC: addresses are absolute */
	uint64_t minvaddr;
	struct dt_uload *loads;
	size_t nloads;
	struct dt_usym *syms;
	size_t nsyms;
	struct dt_usec *secs;
	size_t nsecs;
	char *pool;
};

struct dt_umap {
	uint64_t start, end, offset;
	const char *path; /* into us->buf until files are grouped */
	size_t file;
};

struct dt_usyms {
	char *buf; /* the maps file, paths NUL-terminated in place */
	struct dt_umap *maps;
	size_t nmaps;
	struct dt_ufile *files;
	size_t nfiles;
	int pid; /* 0 for a maps file given by path */
};

static int dt_umap_cmp_path(const void *a, const void *b)
{
	const struct dt_umap *x = *(const struct dt_umap *const *)a;
	const struct dt_umap *y = *(const struct dt_umap *const *)b;

	return strcmp(x->path, y->path);
}

static int dt_umap_cmp_start(const void *a, const void *b)
{
	const struct dt_umap *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* "start-end perms offset maj:min inode   path"; only file mappings. */
static int dt_umap_parse(char *p, char *e, struct dt_umap *m)
{
	const char *q = p;
	uint64_t dummy;
	char *path;
	size_t n;

	if (dt_sym_hex(&q, &m->start) != 0 || *q++ != '-' ||
	    dt_sym_hex(&q, &m->end) != 0 || *q++ != ' ' || m->start >= m->end)
		return -1;
	while (*q != ' ' && *q != '\0')
		q++;
	if (*q++ != ' ' || dt_sym_hex(&q, &m->offset) != 0 || *q++ != ' ' ||
	    dt_sym_hex(&q, &dummy) != 0 || *q++ != ':' ||
	    dt_sym_hex(&q, &dummy) != 0 || *q++ != ' ')
		return -1;
	if (*q < '0' || *q > '9')
		return -1;
	while (*q >= '0' && *q <= '9')
		q++;
	while (*q == ' ' || *q == '\t')
		q++;
	if (*q != '/')
		return -1; /* anonymous, [heap], [vdso], ... */
	path = (char *)q;
	n = (size_t)(e - path);
	while (n > 1 && (path[n - 1] == ' ' || path[n - 1] == '\r'))
		n--;
	/* The kernel marks unlinked files; map_files still reaches them. */
	if (n > 10 && memcmp(path + n - 10, " (deleted)", 10) == 0)
		n -= 10;
	path[n] = '\0';
	m->path = path;
	return 0;
}

static dt_usyms_t *dt_usyms_load_maps(const char *maps_path, int pid)
{
	dt_usyms_t *us = calloc(1, sizeof(*us));
	struct dt_umap **order = NULL;
	size_t len, nlines = 0, n = 0, keep = 0;
	char *p, *end;
	int e;

	if (us == NULL)
		return NULL;
	us->pid = pid;
	us->buf = dt_sym_slurp(maps_path, DT_SYM_MAXMAPSFILE, &len);
	if (us->buf == NULL)
		goto fail;
	end = us->buf + len;
	for (p = us->buf; p < end; p++)
		nlines += *p == '\n';
	us->maps = calloc(nlines + 1, sizeof(*us->maps));
	if (us->maps == NULL)
		goto fail;
	for (p = us->buf; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl != NULL ? nl : end;

		*le = '\0';
		if (dt_umap_parse(p, le, &us->maps[n]) == 0)
			n++;
		p = le + 1;
	}
	/* The kernel lists mappings in order; a hand-written file may not,
	 * and overlapping entries would make the binary search lie. */
	qsort(us->maps, n, sizeof(*us->maps), dt_umap_cmp_start);
	for (size_t i = 0; i < n; i++)
		if (keep == 0 || us->maps[i].start >= us->maps[keep - 1].end)
			us->maps[keep++] = us->maps[i];
	us->nmaps = keep;
	/* One file entry per distinct path, shared by its mappings. */
	order = malloc((keep + 1) * sizeof(*order));
	us->files = calloc(keep + 1, sizeof(*us->files));
	if (order == NULL || us->files == NULL)
		goto fail;
	for (size_t i = 0; i < keep; i++)
		order[i] = &us->maps[i];
	qsort(order, keep, sizeof(*order), dt_umap_cmp_path);
	for (size_t i = 0; i < keep; i++) {
		struct dt_ufile *f;
		const char *slash;

		if (i == 0 || strcmp(order[i - 1]->path, order[i]->path) != 0) {
			f = &us->files[us->nfiles++];
			f->path = order[i]->path;
			slash = strrchr(f->path, '/');
			f->mod = slash[1] != '\0' ? slash + 1 : f->path;
			f->first_start = order[i]->start;
			f->first_end = order[i]->end;
		}
		order[i]->file = us->nfiles - 1;
	}
	free(order);
	return us;
fail:
	e = errno;
	free(order);
	dt_usyms_close(us);
	errno = e;
	return NULL;
}

dt_usyms_t *dt_usyms_open(int pid)
{
	char path[64];

	if (pid <= 0) {
		errno = EINVAL;
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	return dt_usyms_load_maps(path, pid);
}

dt_usyms_t *dt_usyms_open_maps(const char *maps_path)
{
	if (maps_path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return dt_usyms_load_maps(maps_path, 0);
}

static void dt_ufile_free(struct dt_ufile *f)
{
	free(f->loads);
	free(f->syms);
	free(f->secs);
	free(f->pool);
}

void dt_usyms_close(dt_usyms_t *us)
{
	if (us == NULL)
		return;
	for (size_t i = 0; i < us->nfiles; i++)
		dt_ufile_free(&us->files[i]);
	free(us->files);
	free(us->maps);
	free(us->buf);
	free(us);
}

/* Opens the file a mapping shows, as the process sees it. Only regular
 * files: a maps line may name a device or FIFO. */
static int dt_ufile_open(const dt_usyms_t *us, const struct dt_ufile *f)
{
	char cand[3][PATH_MAX + 64];
	int ncand = 0, n;

	if (us->pid > 0) {
		/* The exact file mapped, even if deleted or replaced. */
		snprintf(cand[ncand++], sizeof(cand[0]),
			 "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, us->pid,
			 f->first_start, f->first_end);
		/* Another mount namespace: the process's own root. */
		n = snprintf(cand[ncand], sizeof(cand[0]), "/proc/%d/root%s",
			     us->pid, f->path);
		if (n > 0 && (size_t)n < sizeof(cand[0]))
			ncand++;
	}
	n = snprintf(cand[ncand], sizeof(cand[0]), "%s", f->path);
	if (n > 0 && (size_t)n < sizeof(cand[0]))
		ncand++;
	for (int i = 0; i < ncand; i++) {
		int fd = open(cand[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		struct stat st;

		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			return fd;
		close(fd);
	}
	return -1;
}

static int dt_usym_cmp(const void *a, const void *b)
{
	const struct dt_usym *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int dt_usec_cmp(const void *a, const void *b)
{
	const struct dt_usec *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct dt_uread {
	struct dt_ufile *f;
	size_t cap, poollen, poolcap;
};

/* Copies the symbols of one symbol table section we can place. */
static void dt_ufile_read_syms(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
			       struct dt_uread *r)
{
	struct dt_ufile *f = r->f;
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t esz = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT), nsym;

	if (d == NULL || esz == 0 || d->d_buf == NULL)
		return;
	nsym = d->d_size / esz;
	/* gelf_getsym takes an int index. */
	if (nsym > INT_MAX)
		nsym = INT_MAX;
	for (size_t i = 1; i < nsym && f->nsyms < DT_SYM_MAXUSYMS; i++) {
		GElf_Sym s;
		const char *name;
		struct dt_usym *u;
		unsigned type, bind;
		size_t nlen;

		if (gelf_getsym(d, (int)i, &s) == NULL)
			break;
		type = GELF_ST_TYPE(s.st_info);
		bind = GELF_ST_BIND(s.st_info);
		/* Only things with an address in the loaded image. */
		if (s.st_value == 0 || s.st_shndx == SHN_UNDEF ||
		    s.st_shndx >= SHN_LORESERVE)
			continue;
		if (type != STT_FUNC && type != STT_GNU_IFUNC &&
		    type != STT_OBJECT && type != STT_NOTYPE)
			continue;
		name = elf_strptr(elf, sh->sh_link, s.st_name);
		/* '$' names are ARM/AArch64 mapping symbols, not code. */
		if (name == NULL || name[0] == '\0' || name[0] == '$')
			continue;
		nlen = strnlen(name, 4096);
		if (r->poollen + nlen + 1 > DT_SYM_MAXSTRPOOL)
			break;
		if (r->poollen + nlen + 1 > r->poolcap) {
			size_t nc = r->poolcap ? r->poolcap * 2 : 1u << 16;
			char *np;

			while (nc < r->poollen + nlen + 1)
				nc *= 2;
			np = realloc(f->pool, nc);
			if (np == NULL)
				break;
			f->pool = np;
			r->poolcap = nc;
		}
		if (f->nsyms == r->cap) {
			size_t nc = r->cap ? r->cap * 2 : 1024;
			struct dt_usym *ns =
			    realloc(f->syms, nc * sizeof(*f->syms));

			if (ns == NULL)
				break;
			f->syms = ns;
			r->cap = nc;
		}
		u = &f->syms[f->nsyms];
		u->value = s.st_value;
		u->size = s.st_size;
		u->name = (uint32_t)r->poollen;
		u->seq = (uint32_t)f->nsyms++;
		u->shndx = (uint16_t)s.st_shndx;
		u->func = type == STT_FUNC || type == STT_GNU_IFUNC;
		u->rank =
		    dt_sym_rank(u->func		     ? 0
				: type == STT_OBJECT ? 1
						     : 2,
				bind == STB_LOCAL, bind == STB_WEAK, name);
		memcpy(f->pool + r->poollen, name, nlen);
		f->pool[r->poollen + nlen] = '\0';
		r->poollen += nlen + 1;
	}
}

/* Reads what lookups need from the ELF file and lets go of it. */
static int dt_ufile_read(struct dt_ufile *f, Elf *elf)
{
	struct dt_uread r = {.f = f};
	size_t nph, nsec, cap = 0;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	if (elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &eh) == NULL)
		return -1;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return -1;
	f->exec = eh.e_type == ET_EXEC;
	if (elf_getphdrnum(elf, &nph) != 0 || nph == 0)
		return -1;
	if (nph > DT_SYM_MAXPHDRS)
		nph = DT_SYM_MAXPHDRS;
	f->loads = calloc(nph, sizeof(*f->loads));
	if (f->loads == NULL)
		return -1;
	f->minvaddr = UINT64_MAX;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) == NULL ||
		    ph.p_type != PT_LOAD)
			continue;
		f->loads[f->nloads].vaddr = ph.p_vaddr;
		f->loads[f->nloads].offset = ph.p_offset;
		f->loads[f->nloads].filesz = ph.p_filesz;
		f->nloads++;
		/* Segments start on page boundaries as mapped. */
		if ((ph.p_vaddr & ~(uint64_t)0xfff) < f->minvaddr)
			f->minvaddr = ph.p_vaddr & ~(uint64_t)0xfff;
	}
	if (f->nloads == 0)
		return -1;
	/* Sections are optional (a stripped-hard file has none): without
	 * them we still know the module and its base. */
	if (elf_getshdrnum(elf, &nsec) != 0)
		nsec = 0;
	if (nsec > DT_SYM_MAXSECS)
		nsec = DT_SYM_MAXSECS;
	while (nsec > 0 && (scn = elf_nextscn(elf, scn)) != NULL) {
		size_t idx = elf_ndxscn(scn);
		GElf_Shdr sh;

		if (idx >= nsec || gelf_getshdr(scn, &sh) == NULL)
			continue;
		if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)
			dt_ufile_read_syms(elf, scn, &sh, &r);
		/* TLS sections hold templates, not places v can be in. */
		if ((sh.sh_flags & SHF_ALLOC) && !(sh.sh_flags & SHF_TLS) &&
		    sh.sh_size > 0 && sh.sh_addr != 0) {
			if (f->nsecs == cap) {
				size_t nc = cap ? cap * 2 : 32;
				struct dt_usec *ns =
				    realloc(f->secs, nc * sizeof(*f->secs));

				if (ns == NULL)
					continue;
				f->secs = ns;
				cap = nc;
			}
			f->secs[f->nsecs].addr = sh.sh_addr;
			f->secs[f->nsecs].size = sh.sh_size;
			f->secs[f->nsecs].index = (uint16_t)idx;
			f->nsecs++;
		}
	}
	if (f->nsecs > 1)
		qsort(f->secs, f->nsecs, sizeof(*f->secs), dt_usec_cmp);
	if (f->nsyms > 1)
		qsort(f->syms, f->nsyms, sizeof(*f->syms), dt_usym_cmp);
	for (size_t i = 0; i < f->nsyms; i++) {
		struct dt_usym *u = &f->syms[i];
		uint64_t end = u->value + u->size < u->value
				   ? UINT64_MAX
				   : u->value + u->size;

		u->maxend = i > 0 && f->syms[i - 1].maxend > end
				? f->syms[i - 1].maxend
				: end;
	}
	return 0;
}

static void dt_ufile_load(const dt_usyms_t *us, struct dt_ufile *f)
{
	int fd = dt_ufile_open(us, f);
	Elf *elf;

	f->state = -1;
	if (fd < 0)
		return;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		close(fd);
		return;
	}
	/* Mapped, not read: big binaries cost address space, not memory. */
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf != NULL) {
		if (dt_ufile_read(f, elf) == 0)
			f->state = 1;
		elf_end(elf);
	}
	close(fd);
	if (f->state != 1) {
		dt_ufile_free(f);
		f->loads = NULL;
		f->syms = NULL;
		f->secs = NULL;
		f->pool = NULL;
		f->nloads = f->nsyms = f->nsecs = 0;
	}
}

/* The load bias of one mapping: the PT_LOAD whose file range the mapping
 * starts in tells which link-time address its first byte has. */
static int dt_umap_bias(const struct dt_ufile *f, const struct dt_umap *m,
			uint64_t *bias)
{
	const struct dt_uload *l = NULL;

	if (f->exec) {
		*bias = 0;
		return 0;
	}
	for (size_t i = 0; i < f->nloads; i++) {
		const struct dt_uload *c = &f->loads[i];
		uint64_t lo = c->offset & ~(uint64_t)0xfff;
		uint64_t span = (c->offset - lo) + c->filesz;

		/* span is checked for wrap: filesz comes from the file. */
		if (m->offset >= lo &&
		    (m->offset - lo < span || span < c->filesz)) {
			l = c;
			break;
		}
	}
	/* A mapping no segment explains (odd layout): assume the first
	 * segment's vaddr - offset holds for the whole file. */
	if (l == NULL)
		l = &f->loads[0];
	*bias = m->start - (l->vaddr - l->offset + m->offset);
	return 0;
}

static const struct dt_usym *dt_ufile_find(const struct dt_ufile *f, uint64_t v)
{
	const struct dt_usym *best = NULL;
	const struct dt_usec *sec = NULL;
	size_t lo = 0, hi = f->nsyms, steps = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->syms[mid].value <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* The innermost symbol whose size covers v; maxend says when no
	 * earlier symbol can reach v any more. */
	for (size_t j = lo; j-- > 0 && steps++ < DT_SYM_MAXSCAN;) {
		const struct dt_usym *u = &f->syms[j];

		if (u->maxend <= v)
			break;
		if (best != NULL && u->value < best->value)
			break;
		if (v - u->value < u->size &&
		    (best == NULL || u->rank <= best->rank))
			best = u;
	}
	if (best != NULL)
		return best;
	/* Otherwise the nearest function before v in v's section, if its
	 * size is unknown: a sized one that ends before v does not hold v
	 * (a stripped library's local function lies there), and no earlier
	 * one can. */
	for (size_t i = 0; i < f->nsecs; i++)
		if (v >= f->secs[i].addr &&
		    v - f->secs[i].addr < f->secs[i].size)
			sec = &f->secs[i];
	if (sec == NULL)
		return NULL;
	steps = 0;
	for (size_t j = lo; j-- > 0 && steps++ < DT_SYM_MAXSCAN;) {
		const struct dt_usym *u = &f->syms[j];

		if (u->value < sec->addr ||
		    (best != NULL && u->value < best->value))
			break;
		if (!u->func || u->shndx != sec->index)
			continue;
		if (u->size != 0 && best == NULL)
			return NULL;
		/* Sorted best rank first at one value: keep the lowest. */
		if (u->size == 0)
			best = u;
	}
	return best;
}

int dt_usyms_lookup(dt_usyms_t *us, uint64_t pc, const char **mod,
		    const char **name, uint64_t *off)
{
	const struct dt_umap *m;
	const struct dt_usym *u = NULL;
	struct dt_ufile *f;
	size_t lo = 0, hi;
	uint64_t bias, base, o;

	if (us == NULL || us->nmaps == 0)
		return -1;
	hi = us->nmaps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (us->maps[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pc >= us->maps[lo - 1].end)
		return -1;
	m = &us->maps[lo - 1];
	f = &us->files[m->file];
	if (f->state == 0)
		dt_ufile_load(us, f);
	/* Without the file, the best base guess is where offset 0 would be. */
	base = m->start - (m->offset <= m->start ? m->offset : 0);
	o = pc - base;
	if (f->state == 1 && dt_umap_bias(f, m, &bias) == 0) {
		uint64_t v = pc - bias;

		u = dt_ufile_find(f, v);
		if (u != NULL)
			o = v - u->value;
		else if (v >= f->minvaddr)
			o = v - f->minvaddr;
	}
	if (mod != NULL)
		*mod = f->mod;
	if (name != NULL)
		*name = u != NULL ? f->pool + u->name : NULL;
	if (off != NULL)
		*off = o;
	return 0;
}

/* ---- formatting ---- */

/* The file offset of link-time address v (uprobes are placed by it). */
static int dt_ufile_offset(const struct dt_ufile *f, uint64_t v, uint64_t *off)
{
	for (size_t i = 0; i < f->nloads; i++) {
		const struct dt_uload *l = &f->loads[i];

		if (v >= l->vaddr && v - l->vaddr < l->filesz) {
			*off = v - l->vaddr + l->offset;
			return 0;
		}
	}
	return -1;
}

int dt_usyms_iter(dt_usyms_t *us, dt_usyms_iter_f cb, void *arg)
{
	for (size_t i = 0; us != NULL && i < us->nfiles; i++) {
		struct dt_ufile *f = &us->files[i];

		if (f->state == 0)
			dt_ufile_load(us, f);
		if (f->state != 1)
			continue;
		for (size_t j = 0; j < f->nsyms; j++) {
			const struct dt_usym *u = &f->syms[j];
			dt_usym_info_t s;
			int r, dup = 0;

			if (!u->func || u->size == 0 ||
			    dt_ufile_offset(f, u->value, &s.offset) != 0)
				continue;
			/* the same function from .symtab and .dynsym sits
			 * next to itself in value order */
			for (size_t k = j; k-- > 0 && f->syms[k].value == u->value;)
				if (strcmp(f->pool + f->syms[k].name,
					   f->pool + u->name) == 0)
					dup = 1;
			if (dup)
				continue;
			s.path = f->path;
			s.mod = f->mod;
			s.name = f->pool + u->name;
			s.value = u->value;
			s.size = u->size;
			if ((r = cb(arg, &s)) != 0)
				return r;
		}
	}
	return 0;
}

int dt_sym_format(char *buf, size_t len, const char *mod, const char *name,
		  uint64_t off, uint64_t pc)
{
	int n;

	if (buf == NULL || len == 0)
		return 0;
	if (mod == NULL)
		n = snprintf(buf, len, "0x%" PRIx64, pc);
	else if (name == NULL)
		n = snprintf(buf, len, "%s`0x%" PRIx64, mod, off);
	else if (off == 0)
		n = snprintf(buf, len, "%s`%s", mod, name);
	else
		n = snprintf(buf, len, "%s`%s+0x%" PRIx64, mod, name, off);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n >= len ? (int)(len - 1) : n;
}

/* ---- per-consumer cache ---- */

struct dt_sym_cproc {
	int pid;
	dt_usyms_t *us; /* NULL: the open failed at 'opened' */
	uint64_t used;
	uint64_t opened; /* CLOCK_MONOTONIC ns */
};

struct dt_sym_cache {
	dt_ksyms_t *k;
	int ktried;
	struct dt_sym_cproc procs[DT_SYM_CACHE_PROCS];
	size_t nprocs;
	uint64_t clock; /* use counter, for least-recently-used eviction */
	unsigned opens;
};

#define DT_SYM_RETRY_NS 1000000000ull

static uint64_t dt_sym_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

dt_sym_cache_t *dt_sym_cache_create(void)
{
	return calloc(1, sizeof(dt_sym_cache_t));
}

void dt_sym_cache_destroy(dt_sym_cache_t *c)
{
	if (c == NULL)
		return;
	dt_ksyms_close(c->k);
	for (size_t i = 0; i < c->nprocs; i++)
		dt_usyms_close(c->procs[i].us);
	free(c);
}

dt_ksyms_t *dt_sym_cache_kernel(dt_sym_cache_t *c)
{
	if (c == NULL)
		return NULL;
	if (!c->ktried) {
		c->ktried = 1;
		c->k = dt_ksyms_open(NULL);
	}
	return c->k;
}

static void dt_sym_cache_reopen(dt_sym_cache_t *c, struct dt_sym_cproc *p)
{
	dt_usyms_t *us = dt_usyms_open(p->pid);

	/* A process that has exited keeps the mappings last read: they are
	 * still the best account of the addresses it left behind. */
	if (us != NULL || p->us == NULL) {
		dt_usyms_close(p->us);
		p->us = us;
	}
	p->opened = dt_sym_now();
	c->opens++;
}

static struct dt_sym_cproc *dt_sym_cache_get(dt_sym_cache_t *c, int pid)
{
	struct dt_sym_cproc *p = NULL;

	if (c == NULL || pid <= 0)
		return NULL;
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].pid == pid)
			p = &c->procs[i];
	if (p != NULL) {
		if (p->us == NULL && dt_sym_now() - p->opened > DT_SYM_RETRY_NS)
			dt_sym_cache_reopen(c, p);
	} else {
		if (c->nprocs < DT_SYM_CACHE_PROCS) {
			p = &c->procs[c->nprocs++];
		} else {
			p = &c->procs[0];
			for (size_t i = 1; i < c->nprocs; i++)
				if (c->procs[i].used < p->used)
					p = &c->procs[i];
			dt_usyms_close(p->us);
		}
		p->pid = pid;
		p->us = NULL;
		dt_sym_cache_reopen(c, p);
	}
	p->used = ++c->clock;
	return p;
}

dt_usyms_t *dt_sym_cache_proc(dt_sym_cache_t *c, int pid)
{
	struct dt_sym_cproc *p = dt_sym_cache_get(c, pid);

	return p != NULL ? p->us : NULL;
}

int dt_sym_cache_ulookup(dt_sym_cache_t *c, int pid, uint64_t pc,
			 const char **mod, const char **name, uint64_t *off)
{
	struct dt_sym_cproc *p = dt_sym_cache_get(c, pid);

	if (p == NULL || p->us == NULL)
		return -1;
	if (dt_usyms_lookup(p->us, pc, mod, name, off) == 0)
		return 0;
	if (dt_sym_now() - p->opened <= DT_SYM_RETRY_NS)
		return -1;
	dt_sym_cache_reopen(c, p);
	return dt_usyms_lookup(p->us, pc, mod, name, off);
}

void dt_sym_cache_forget(dt_sym_cache_t *c, int pid)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nprocs; i++) {
		if (c->procs[i].pid == pid) {
			dt_usyms_close(c->procs[i].us);
			c->procs[i] = c->procs[--c->nprocs];
			return;
		}
	}
}

unsigned dt_sym_cache_opens(const dt_sym_cache_t *c)
{
	return c != NULL ? c->opens : 0;
}
