/*
 * dt_sym.h: kernel and process symbols: the address symboliser the
 * consumer uses to print stack(), ustack(), sym()/usym(), func()/ufunc(),
 * mod()/umod() and printf %a/%A as DTrace prints them, and the function
 * list the pid provider places its uprobes with: kernel addresses from kallsyms, user addresses from
 * /proc/<pid>/maps plus the mapped ELF files' symbol tables, the
 * "mod`name+0x1c" formatting, and a per-consumer cache of both.
 *
 * Nothing here is thread-safe: one consumer thread owns each object.
 */
#ifndef DT_SYM_H
#define DT_SYM_H

#include <stddef.h>
#include <stdint.h>

/* Kernel symbols from a kallsyms-format file ("ffffffff81000000 T _stext",
 * optional "\t[module]" suffix). Lines that are malformed or carry a zero
 * address (what non-root readers see) are skipped. */
typedef struct dt_ksyms dt_ksyms_t;

/* NULL path = "/proc/kallsyms". Returns NULL and sets errno on failure; a
 * file without any usable symbol fails with EACCES when it only had zero
 * addresses (kallsyms read without privilege), ENODATA otherwise. */
dt_ksyms_t *dt_ksyms_open(const char *path);
void dt_ksyms_close(dt_ksyms_t *ks);
/* Number of symbols kept for lookups. */
size_t dt_ksyms_count(const dt_ksyms_t *ks);
/* The symbol containing pc: the greatest symbol address <= pc among text
 * (t T w W) and data (d D b B r R v V) symbols; data symbols below the
 * lowest text symbol (zero-based per-CPU variables) are not kept. At equal
 * addresses text beats data, global/weak beat local, fewer leading '_' win,
 * then file order. *mod is "vmlinux" for the core kernel or the module name
 * without brackets. Returns 0 on success, -1 if pc is below every symbol or
 * more than DT_SYM_MAXOFF past its symbol. Strings stay valid until close. */
int dt_ksyms_lookup(const dt_ksyms_t *ks, uint64_t pc, const char **mod,
		    const char **name, uint64_t *off);
/* Address of a named kernel symbol (first match in file order), 0 if none. */
uint64_t dt_ksyms_addr(const dt_ksyms_t *ks, const char *name);

/* A pc this far past the nearest preceding symbol is not believed to be in
 * it (the last symbol of a region has no end otherwise). */
#define DT_SYM_MAXOFF (1u << 20)

/* User symbols of one process: /proc/<pid>/maps is read once at open; each
 * mapped ELF file's .symtab and .dynsym are loaded lazily with libelf on the
 * first lookup in it (through /proc/<pid>/map_files, then
 * /proc/<pid>/root/<path>, then <path>, so deleted files and other mount
 * namespaces work when we have the privilege). */
typedef struct dt_usyms dt_usyms_t;

dt_usyms_t *dt_usyms_open(int pid);
/* For tests: a maps file given by path; mapped files are opened by their
 * path as written. */
dt_usyms_t *dt_usyms_open_maps(const char *maps_path);
void dt_usyms_close(dt_usyms_t *us);
/* *mod is the basename of the mapped file (e.g. "libc.so.6", "bash").
 * ET_DYN objects are relocated by the load bias derived from the mapping and
 * the PT_LOAD headers; ET_EXEC addresses are absolute. If pc is inside a
 * file mapping but no symbol covers it, returns 0 with *name = NULL and *off
 * = pc - the object's base (its lowest PT_LOAD address as loaded, or mapping
 * start - file offset when the file cannot be read), so the caller prints
 * "mod`0x...". Returns -1 if pc is in no file mapping. A symbol whose st_size
 * covers pc is preferred (the innermost); otherwise the nearest preceding
 * FUNC symbol in the same section. Strings stay valid until close. */
int dt_usyms_lookup(dt_usyms_t *us, uint64_t pc, const char **mod,
		    const char **name, uint64_t *off);

/* One function of a process's mapped object, as dt_usyms_iter() reports
 * it (strings valid during the callback). */
typedef struct dt_usym_info {
	const char *path; /* the object as the process maps it */
	const char *mod;  /* its basename */
	const char *name;
	uint64_t value, size; /* ELF st_value and st_size */
	uint64_t offset;      /* where value lies in the file (for uprobes) */
} dt_usym_info_t;
typedef int (*dt_usyms_iter_f)(void *arg, const dt_usym_info_t *s);
/* Calls cb for each defined function with a size in each mapped object
 * (loading their symbols), objects in path order; a name in both .symtab
 * and .dynsym is reported once. Stops at, and returns, the callback's
 * first non-zero value; else 0. */
int dt_usyms_iter(dt_usyms_t *us, dt_usyms_iter_f cb, void *arg);

/* Formats one address as DTrace does into buf (always NUL-terminated when
 * len > 0, truncated safely):
 *   name != NULL, off != 0: "mod`name+0x1c";  off == 0: "mod`name";
 *   name == NULL, mod != NULL: "mod`0x1c" (off is the offset in the module);
 *   mod == NULL: "0xffffffff81234567" (pc in hex).
 * Returns the length written (like snprintf, but capped at len - 1; 0 when
 * len is 0). */
int dt_sym_format(char *buf, size_t len, const char *mod, const char *name,
		  uint64_t off, uint64_t pc);

/* Per-consumer cache: the kernel table (opened lazily once) and up to
 * DT_SYM_CACHE_PROCS processes (least recently used evicted). A failed open
 * of a process (it exited) is remembered too, and retried after a second. */
typedef struct dt_sym_cache dt_sym_cache_t;

#define DT_SYM_CACHE_PROCS 64

dt_sym_cache_t *dt_sym_cache_create(void);
void dt_sym_cache_destroy(dt_sym_cache_t *c);
/* NULL if /proc/kallsyms is unreadable or useless; owned by the cache. */
dt_ksyms_t *dt_sym_cache_kernel(dt_sym_cache_t *c);
/* NULL if the process's maps cannot be read; owned by the cache and valid
 * until the next dt_sym_cache_* call that may evict or refresh it. */
dt_usyms_t *dt_sym_cache_proc(dt_sym_cache_t *c, int pid);
/* dt_usyms_lookup through the cache; when pc is in no mapping and the maps
 * were read more than a second ago (a library dlopen()ed since), reads them
 * again once and retries. */
int dt_sym_cache_ulookup(dt_sym_cache_t *c, int pid, uint64_t pc,
			 const char **mod, const char **name, uint64_t *off);
/* Drops a process (it exited; its pid may be reused). */
void dt_sym_cache_forget(dt_sym_cache_t *c, int pid);
/* How many times the cache has read a process's maps (for tests). */
unsigned dt_sym_cache_opens(const dt_sym_cache_t *c);

#endif /* DT_SYM_H */
