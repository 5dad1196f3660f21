/*
 * dt_hp_impl.h: internals of the host probe sources (lib/providers/host):
 * the parsed tracefs event format, the probe-name mapping, the handle with
 * its per-CPU rings, enablings and the task (comm/ppid/uid) cache.
 */
#ifndef DT_HP_IMPL_H
#define DT_HP_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "providers/host/dt_hostprobe.h"

/* ---- tracefs event format (dt_hp_format.c) ---- */

enum dt_hp_fkind {
	DT_HPF_SCALAR = 0, /* integer or pointer, size 1/2/4/8 */
	DT_HPF_CHARARRAY,  /* char name[N]: a string */
	DT_HPF_ARRAY,	   /* any other fixed array */
	DT_HPF_DATALOC,	   /* __data_loc T[]: u32 (len << 16 | offset) */
	DT_HPF_RELLOC,	   /* __rel_loc T[]: same, offset from field end */
};

typedef struct dt_hp_field {
	char name[64];
	char ctype[96]; /* C type as the format spells it, name removed */
	uint32_t offset, size;
	bool is_signed;
	bool is_pointer;
	bool is_char; /* element type is char (strings) */
	int kind;     /* enum dt_hp_fkind */
} dt_hp_field_t;

#define DT_HP_MAXFIELDS 64

typedef struct dt_hp_format {
	char name[128];
	uint32_t id;
	int nfields; /* excluding the common_* header */
	dt_hp_field_t fields[DT_HP_MAXFIELDS];
} dt_hp_format_t;

/* Parses a tracefs format file's text. 0, or -1 with a message in err. */
int dt_hp_format_parse(const char *text, dt_hp_format_t *fmt, char *err,
		       size_t errlen);
const dt_hp_field_t *dt_hp_format_field(const dt_hp_format_t *fmt,
					const char *name);
/* The D type shown for a field (kernel shorthands like u32 mapped to
 * uint32_t, strings to "string"), and how its value is read. */
void dt_hp_field_dtype(const dt_hp_field_t *f, bool syscall, char *buf,
		       size_t len, int *kind);
/* Reads a field from a raw record; 0 or -1 if outside the record. For
 * string/array kinds *val is the consumer address (NUL-terminated copy of
 * strings goes into strbuf, strlen bytes). */
int dt_hp_field_value(const dt_hp_field_t *f, const uint8_t *raw, size_t rawlen,
		      uint64_t *val, char *strbuf, size_t strlen);

/* ---- names (dt_hp_names.c) ---- */

enum dt_hp_pkind {
	DT_HPK_SYSCALL_ENTRY = 1,
	DT_HPK_SYSCALL_RETURN,
	DT_HPK_SDT,
	DT_HPK_PROC,
	DT_HPK_FBT,
	DT_HPK_SYSMUX_ENTRY, /* raw_syscalls:sys_enter serving many */
	DT_HPK_SYSMUX_RETURN,
	DT_HPK_PROFILE, /* profile-N: cpu-clock samples on every CPU */
	DT_HPK_COPY,	/* BPF_OUTPUT events carrying string copies */
	DT_HPK_UPROBE,	/* pid<N>:mod:func:entry|return */
};

#define DT_HP_MAXSYSNR 1024

typedef struct dt_hp_sysnr {
	char name[48];
	int nr;
} dt_hp_sysnr_t;

/* A proc provider probe: which tracepoint, which filter, which fields. */
typedef struct dt_hp_procmap {
	const char *name;    /* probe name: "exec-success", ... */
	const char *event;   /* "sched/sched_process_exec" */
	const char *filter;  /* in-kernel ftrace filter or NULL */
	const char *argf[3]; /* field per arg (NULL: 0); "-ret": errno */
	const char *argt[3]; /* D type per arg */
} dt_hp_procmap_t;

extern const dt_hp_procmap_t dt_hp_procmap[];
extern const int dt_hp_nprocmap;

/* "sys_enter_openat" -> "openat" with entry; 0 or -1 if not a syscall. */
int dt_hp_syscall_from_event(const char *event, char *sc, size_t len,
			     int *is_return);
/* Glob match where NULL or "" matches anything. */
bool dt_hp_match(const char *pat, const char *s);
bool dt_hp_desc_match(const dt_hostprobe_desc_t *pd, const char *prv,
		      const char *mod, const char *func, const char *name);

/* ---- tracefs (dt_hp_tracefs.c) ---- */

/* Finds or mounts tracefs; writes its path. 0 or -1 (errno set). */
int dt_hp_tracefs_find(const char *want, char *path, size_t len);
/* Reads a whole small file into a malloc'ed NUL-terminated buffer. */
char *dt_hp_read_file(const char *path, size_t *lenp);

/* ---- handle ---- */

typedef struct dt_hp_ring {
	int fd; /* the per-CPU dummy event owning the ring */
	int cpu;
	void *base; /* metadata page + data */
	size_t datasz;
	uint8_t *scratch; /* for records that wrap */
} dt_hp_ring_t;

/* One perf event of an enabling. */
typedef struct dt_hp_pevent {
	int fd;
	uint64_t perf_id;
} dt_hp_pevent_t;

/* Per enabled probe. */
typedef struct dt_hp_enab {
	uint32_t probe_id;
	int kind;	/* enum dt_hp_pkind */
	bool is_return; /* fbt */
	bool deferred;	/* syscall probe opened at the first go */
	int sysnr;	/* its number, when deferred */
	const dt_hp_procmap_t *pm;
	dt_hp_format_t *fmt;
	int nargs;
	int argfield[DT_HOSTPROBE_NARGS]; /* field index, -1: zero, -2: -ret */
	dt_hp_pevent_t *ev;
	int nev;
	bool callchain; /* its samples carry PERF_SAMPLE_CALLCHAIN */
	int prog;	/* its string-copy BPF program's fd + 1, or 0 */
} dt_hp_enab_t;

/* What each sample id means (sorted by perf_id for bsearch). */
typedef struct dt_hp_idmap {
	uint64_t perf_id;
	dt_hp_enab_t *en;
} dt_hp_idmap_t;

/* The task cache (dt_hp_task.c). */
typedef struct dt_hp_task {
	int32_t tid;
	int32_t ppid, uid, gid;
	char comm[DT_HOSTPROBE_COMMLEN];
	char prevcomm[DT_HOSTPROBE_COMMLEN];
	uint64_t changed; /* time the comm changed; prevcomm before */
	struct dt_hp_task *next;
} dt_hp_task_t;

#define DT_HP_TASKBUCKETS 4096
/* String copies (dt_hp_bpf.c): per probe at most this many arguments of
 * at most this many bytes (NUL included). */
#define DT_HP_MAXCOPY 3
/* A copy's probe tag from the raw_syscalls program: this | syscall nr. */
#define DT_HP_MUX_TAG 0x80000000u
#define DT_HP_COPYMAX 256
/* The copies that came before a ring's next sample. */
typedef struct dt_hp_copies {
	uint32_t tid, probe;
	int n;
	dt_hostcopy_t c[DT_HP_MAXCOPY];
	char buf[DT_HP_MAXCOPY][DT_HP_COPYMAX];
} dt_hp_copies_t;
#define DT_HP_MAXFRAMES 256 /* per stack; perf's own cap is 127 by default */

struct dt_hostprobe {
	char tracefs[256];
	int err;
	char errmsg[512];
	pid_t target;
	int exclude_self;
	int sync_close;
	pid_t self;
	int ncpus;
	int *cpus;
	dt_hp_ring_t *rings;
	size_t ringsz, watermark;
	uint64_t drops;	    /* from PERF_RECORD_LOST(_SAMPLES) */
	/* call stacks asked for (dt_hostprobe_set_stacks) and the frames
	 * of the sample being delivered */
	uint32_t kframes, uframes;
	/* in-kernel string copies (dt_hp_bpf.c) */
	int copystr, copyfail;
	int bpfmap; /* the perf event array, or -1 */
	int muxmap; /* raw_syscalls: string arguments per syscall, or -1 */
	char copywhy[256];
	dt_hp_copies_t *copies; /* per ring */
	uint64_t kstack[DT_HP_MAXFRAMES], ustack[DT_HP_MAXFRAMES];
	uint64_t delivered; /* samples decoded for an enabling */
	uint64_t pdelivered; /* ... of them profile samples */
	/* listing */
	char *events;  /* available_events contents */
	void *btf;     /* struct btf * (fbt listing), loaded lazily */
	int fbt_state; /* 0 unknown, 1 can enable, -1 cannot */
	char fbt_why[256];
	/* enablings */
	dt_hp_enab_t **enabs;
	int nenabs;
	dt_hp_idmap_t *ids;
	int nids;
	int going;
	int started; /* the first go has run */
	/* syscall probes served by raw_syscalls, by number (dt_hp_sysmux.c) */
	dt_hp_enab_t *mux[2][DT_HP_MAXSYSNR];
	dt_hp_sysnr_t *sysnr;
	int nsysnr, sysnr_loaded;
	/* tasks */
	dt_hp_task_t *tasks[DT_HP_TASKBUCKETS];
	/* per-event scratch for string args */
	char strbuf[DT_HOSTPROBE_NARGS * 256];
};

int dt_hp_seterr(dt_hostprobe_t *h, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* dt_hp_list.c */
int dt_hp_layout(dt_hostprobe_t *h, int kind, const dt_hp_procmap_t *pm,
		 const dt_hp_format_t *fmt, dt_hp_enab_t *en,
		 dt_hostprobe_info_t *info);
int dt_hp_resolve(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd, int *kind,
		  const dt_hp_procmap_t **pmp, char *cat, size_t catlen,
		  char *ev, size_t evlen);

/* dt_hp_fbt.c */
int dt_hp_fbt_iter(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd, int flags,
		   dt_hostprobe_iter_f *cb, void *arg, int *count);
int dt_hp_fbt_enable(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
		     uint32_t id);
void dt_hp_fbt_free(dt_hostprobe_t *h);

/* dt_hp_perf.c */
int dt_hp_rings_open(dt_hostprobe_t *h, size_t ringsz, size_t watermark);
void dt_hp_rings_close(dt_hostprobe_t *h);
int dt_hp_enab_open(dt_hostprobe_t *h, dt_hp_enab_t *en, uint32_t tp_id,
		    const char *filter);
int dt_hp_enab_go(dt_hostprobe_t *h, dt_hp_enab_t *en, int go);
/* fbt via the kprobe PMU (x86-64 only; untested here: no kprobes). */
int dt_hp_enab_open_kprobe(dt_hostprobe_t *h, dt_hp_enab_t *en,
			   const char *func, bool retprobe);
/* Registers an opened enabling for demux (and starts it if going).
 * 0; -1: not registered (caller frees); -2: registered, start failed. */
int dt_hp_enab_register(dt_hostprobe_t *h, dt_hp_enab_t *en);
/* dt_hp_enab_register() that owns en either way: 0, or -1 (en freed, or
 * kept by the handle when only starting it failed). */
int dt_hp_enab_add(dt_hostprobe_t *h, dt_hp_enab_t *en);
void dt_hp_enab_free(dt_hp_enab_t *en);
/* Adds an opened enabling's perf ids to the demux table. */
int dt_hp_enab_ids(dt_hostprobe_t *h, dt_hp_enab_t *en);

/* dt_hp_sysmux.c */
int dt_hp_sysnr(dt_hostprobe_t *h, const char *tpname);
int dt_hp_sysmux_start(dt_hostprobe_t *h);

#if defined(__x86_64__)
/* Sampled registers, in the bit order perf writes them: ax cx dx si di r8
 * r9 (PERF_REG_X86_*: 0, 2, 3, 4, 5, 16, 17). */
#define DT_HP_KPROBE_REGS                                                      \
	((1ull << 0) | (1ull << 2) | (1ull << 3) | (1ull << 4) | (1ull << 5) | \
	 (1ull << 16) | (1ull << 17))
#define DT_HP_KPROBE_NREGS 7
#endif
dt_hp_format_t *dt_hp_load_format(dt_hostprobe_t *h, const char *cat,
				  const char *event);

/* dt_hp_task.c */
dt_hp_task_t *dt_hp_task_get(dt_hostprobe_t *h, int32_t tid);
void dt_hp_task_comm(dt_hostprobe_t *h, int32_t pid, int32_t tid,
		     const char *comm, uint64_t time);
void dt_hp_task_fork(dt_hostprobe_t *h, int32_t pid, int32_t ppid, int32_t tid,
		     int32_t ptid);
void dt_hp_task_exit(dt_hostprobe_t *h, int32_t tid);
void dt_hp_task_free(dt_hostprobe_t *h);
const char *dt_hp_task_comm_at(const dt_hp_task_t *t, uint64_t time);

/* ---- the pid provider (dt_hp_uprobe.c) ---- */
/* Whether prv names a pid provider ("pid" and digits); *pid gets them. */
bool dt_hp_is_pidprov(const char *prv, pid_t *pid);
int dt_hp_uprobe_iter(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
		      int flags, dt_hostprobe_iter_f *cb, void *arg,
		      int *count);
int dt_hp_uprobe_enable(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
			uint32_t id);
/* Opens a uprobe (or uretprobe) at path+offset for every thread of pid. */
int dt_hp_enab_open_uprobe(dt_hostprobe_t *h, dt_hp_enab_t *en,
			   const char *path, uint64_t offset, bool retprobe,
			   pid_t pid);

/* ---- in-kernel string copies (dt_hp_bpf.c) ---- */
/* Attaches the copying program to a syscall entry enabling when asked
 * (dt_hostprobe_set_copy); failures only leave copyinstr reading late. */
int dt_hp_bpf_attach(dt_hostprobe_t *h, dt_hp_enab_t *en);
/* A BPF_OUTPUT record's RAW data, seen on ring `ring` for thread tid. */
void dt_hp_bpf_copy(dt_hostprobe_t *h, int ring, uint32_t tid,
		    const uint8_t *raw, size_t len);
/* perf helpers shared with dt_hp_perf.c */
struct perf_event_attr;
void dt_hp_attr_base(struct perf_event_attr *a);
int dt_hp_add_event(dt_hostprobe_t *h, dt_hp_enab_t *en,
		    const struct perf_event_attr *a, pid_t pid, int ring);

#endif /* DT_HP_IMPL_H */
