/*
 * dt_hostprobe.h: the host's Linux probe sources (syscall, sdt tracepoints,
 * proc, fbt listing) behind one small API: list and match probes by DTrace
 * name, enable them under an engine probe id, and poll their firings.
 *
 * Probe names (Linux DTrace style):
 *   syscall:vmlinux:<syscall>:entry|return  tracefs syscalls/sys_{enter,exit}_*
 *   sdt:vmlinux:<category>:<event>          every other tracefs tracepoint
 *                                           (so sdt:::sched_switch matches)
 *   proc:vmlinux::<name>                    exec-success, exec-failure, exec,
 *                                           create, lwp-create, exit, lwp-exit,
 *                                           signal-send, signal-handle
 *   fbt:vmlinux:<function>:entry|return     listed from BTF FUNCs; enabling
 *                                           needs kprobes or BPF fentry
 *
 * Events come from perf_event_open tracepoints into one ring per CPU with
 * watermark wakeups. The library is not thread-safe: one thread calls it.
 */
#ifndef DT_HOSTPROBE_H
#define DT_HOSTPROBE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DT_HOSTPROBE_NARGS   10
#define DT_HOSTPROBE_COMMLEN 16

typedef struct dt_hostprobe dt_hostprobe_t;

/* Options for dt_hostprobe_open(); set size = sizeof(struct ...). */
struct dt_hostprobe_opts {
	size_t size;
	const char *tracefs; /* NULL: /sys/kernel/tracing, mounted if needed */
	/* Target process (-p / -c): only it and the tasks it creates after
	 * dt_hostprobe_enable() are traced, filtered in the kernel. 0: all. */
	pid_t target_pid;
	/* Exclude the calling process's threads (in-kernel filter), so the
	 * consumer does not trace itself. Default 1 when left 0; -1: off. */
	int exclude_self;
	uint32_t ring_kib;	/* data ring per CPU, power of two; 0: 1024 */
	uint32_t watermark_kib; /* wakeup watermark; 0: ring / 16 */
	/* Tearing down a tracepoint costs ~40 ms of kernel time, serialised.
	 * By default dt_hostprobe_close() leaves that to a detached
	 * grandchild when 16 or more probes are enabled; 1: do it here. */
	int sync_close;
};

/* Probe description: NULL or "" fields match anything; others are globs. */
typedef struct dt_hostprobe_desc {
	const char *prv, *mod, *func, *name;
} dt_hostprobe_desc_t;

/* How an args[i] value is to be read (dt_hostprobe_arg_t.kind). */
enum dt_hostarg_kind {
	DT_HOSTARG_INT = 0, /* an integer (sign-extended if the type is) */
	DT_HOSTARG_STRING,  /* consumer address of a NUL-terminated string
			       in the event (read with dt_hostevent_read) */
	DT_HOSTARG_BYTES,   /* consumer address of raw bytes in the event */
	DT_HOSTARG_USERPTR, /* a user address in the firing process */
	DT_HOSTARG_KERNPTR, /* a kernel address: not readable on the host */
};

typedef struct dt_hostprobe_arg {
	char name[64];
	char type[96]; /* the D type: "int", "const char *", "string", ... */
	int kind;      /* enum dt_hostarg_kind */
} dt_hostprobe_arg_t;

/* One probe as dt_hostprobe_iter() reports it. */
typedef struct dt_hostprobe_info {
	dt_hostprobe_desc_t desc; /* all four fields set; valid in callback */
	int nargs;		  /* -1 unless DT_HOSTPROBE_ITER_ARGS */
	dt_hostprobe_arg_t args[DT_HOSTPROBE_NARGS];
	int enableable; /* 0 when this host cannot enable it (fbt here) */
} dt_hostprobe_info_t;

#define DT_HOSTPROBE_ITER_ARGS 0x1 /* fill nargs/args (reads format files) */

/* Returns 0 to continue, non-zero to stop the walk (returned by iter). */
typedef int dt_hostprobe_iter_f(void *arg, const dt_hostprobe_info_t *pi);

/* A user string a syscall argument pointed to, copied in the kernel when
 * the probe fired (dt_hostprobe_set_copy). */
typedef struct dt_hostcopy {
	uint64_t addr;	 /* the argument's value */
	const char *data; /* len bytes and a NUL */
	uint32_t len;
	int complete; /* the whole string (else cut at the copy's size) */
	int fault;    /* the address was not readable */
} dt_hostcopy_t;

/* One firing. Pointer fields are valid only during the fire callback. */
typedef struct dt_hostevent {
	uint32_t probe; /* the engine probe id given to dt_hostprobe_enable */
	uint32_t cpu;
	uint64_t timestamp; /* CLOCK_MONOTONIC ns (DTrace's timestamp) */
	int64_t pid, tid;
	int64_t ppid;	  /* -1 if unknown */
	int64_t uid, gid; /* -1 if unknown */
	int64_t errno_;	  /* syscall return: -ret for ret in [-4095,-1] */
	uint64_t args[DT_HOSTPROBE_NARGS];
	int nargs;
	const char *execname; /* comm of the firing thread, "" if unknown */
	const void *data;     /* the raw tracepoint record (args point here) */
	size_t datalen;
	const void *aux; /* NUL-terminated copies of string args */
	size_t auxlen;
	/* Call stacks, innermost frame first (dt_hostprobe_set_stacks()):
	 * kernel and user program counters; NULL and 0 when not recorded. */
	const uint64_t *kstack, *ustack;
	uint32_t nkstack, nustack;
	const dt_hostcopy_t *copies; /* string arguments copied at the firing */
	int ncopies;
} dt_hostevent_t;

typedef void dt_hostprobe_fire_f(void *arg, const dt_hostevent_t *ev);

/* Opens the probe sources; NULL with *errp set (dt_error.h) on failure. */
dt_hostprobe_t *dt_hostprobe_open(const struct dt_hostprobe_opts *opts,
				  int *errp);
void dt_hostprobe_close(dt_hostprobe_t *h);

/* The last error code (dt_error.h or errno value) and a detailed message. */
int dt_hostprobe_errno(const dt_hostprobe_t *h);
const char *dt_hostprobe_errmsg(const dt_hostprobe_t *h);

/* Calls cb for every probe matching pd (NULL: all). Returns the number of
 * matches, the callback's non-zero value if it stopped, or -1. */
int dt_hostprobe_iter(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
		      int flags, dt_hostprobe_iter_f *cb, void *arg);

/* Enables the one probe named exactly by pd (from dt_hostprobe_iter) and
 * delivers its firings with probe id `id`. Returns 0 or -1 (fbt on this
 * kernel: -1, EDT_NOTSUP, with the reason in dt_hostprobe_errmsg). */
int dt_hostprobe_enable(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
			uint32_t id);

/* Enables a profile-N probe: a sample every period_ns on every online CPU
 * (perf's cpu-clock), in the context of whatever runs there (the idle
 * task too, as pid 0), delivered with probe id `id`: args[0] is the
 * kernel PC or 0, args[1] the user PC or 0. System-wide even with a
 * target process, as DTrace's profile provider is. Returns 0 or -1. */
int dt_hostprobe_enable_profile(dt_hostprobe_t *h, uint64_t period_ns,
				uint32_t id);
/* Syscall entry probes enabled after dt_hostprobe_set_copy(h, 1) copy
 * their `char *` arguments' strings in the kernel as they fire (a BPF
 * program on the tracepoint), for copyinstr(). 0 or -1. If the kernel
 * refuses, probes still work and dt_hostprobe_copy_error() says why. */
int dt_hostprobe_set_copy(dt_hostprobe_t *h, int on);
const char *dt_hostprobe_copy_error(const dt_hostprobe_t *h); /* NULL: ok */
/* Reader for copyin()/copyinstr() from a host probe (arg: the const
 * dt_hostevent_t *): the event's string copies where they hold the bytes,
 * else the process's memory now. 0 or -1. */
int dt_hostevent_read_user(void *arg, uint64_t addr, void *buf, size_t len);
/* Probes enabled after this call record the firing's call stacks: up to
 * kframes kernel and uframes user frames (0: none), for stack(), ustack()
 * and stackdepth. Costs a stack walk per firing, so only programs that
 * use them ask. Deeper stacks are cut (at 256 frames here, and at the
 * kernel's kernel.perf_event_max_stack). Returns 0 or -1. */
int dt_hostprobe_set_stacks(dt_hostprobe_t *h, uint32_t kframes,
			    uint32_t uframes);
/* Starts (go = 1) or stops (0) delivery of every enabled probe. Probes are
 * enabled stopped so that a consumer can set everything up first. Syscall
 * probes enabled before the first go are only opened by it (16+ of one
 * direction share raw_syscalls, see README.md), so it can fail for them. */
int dt_hostprobe_go(dt_hostprobe_t *h, int go);

/* Waits up to timeout_ms (0: don't wait, -1: forever) for the rings to fill
 * to their watermark, then drains every ring, calling fire per event in
 * per-CPU order. Returns the number of events delivered or -1. */
int dt_hostprobe_poll(dt_hostprobe_t *h, int timeout_ms,
		      dt_hostprobe_fire_f *fire, void *arg);

/* Records lost in the kernel (full rings) since open: DTrace's drops.
 * While delivering, the PERF_RECORD_LOST counts seen so far (the kernel
 * writes those late); exact after dt_hostprobe_go(h, 0) and a last poll. */
uint64_t dt_hostprobe_drops(const dt_hostprobe_t *h);

/*
 * Address-space reader for the engine's "kernel" accesses from a host probe:
 * arg is the const dt_hostevent_t *. It reads only the event's own record
 * (string and byte args point there); kernel memory is not readable on the
 * host, so anything else fails (-1).
 */
int dt_hostevent_read(void *arg, uint64_t addr, void *buf, size_t len);

/* Reads len bytes of process pid at addr (process_vm_readv): copyin. 0/-1. */
int dt_host_read_user(pid_t pid, uint64_t addr, void *buf, size_t len);
/* Reads a NUL-terminated string of at most len - 1 bytes: copyinstr.
 * Returns the length or -1. buf is always terminated when len > 0. */
long dt_host_read_user_str(pid_t pid, uint64_t addr, char *buf, size_t len);

#endif /* DT_HOSTPROBE_H */
