/*
 * dt_guest.h: the host side of the HyperTrace guest channel (lib/guest).
 *
 *  - guest memory: the guest's RAM file mapped read-only and pre-faulted,
 *    guest-physical ranges from QEMU's memory map (QMP), never assumed;
 *  - the page-table walker (4/5 levels, 2M/1G pages), bounds-checked so a
 *    guest can make the host read only its own RAM;
 *  - guest BTF (libbpf) for member offsets;
 *  - the ivshmem server and control socket used by the htvm supervisor;
 *  - the consumer: attach to a guest's supervisor, poll its own call slots
 *    (one poller thread for many guests, adaptive spinning), read guest
 *    memory.
 *
 * For the DIF engine, the guest-tagged load is:
 *
 *   int dt_guest_read(dt_guest_t *g, uint64_t cr3, uint64_t gva,
 *                     void *buf, size_t len);
 *
 * It translates gva through the page tables rooted at cr3 (PCID and flag
 * bits ignored; 5-level if the guest's last record had CR4.LA57, see
 * dt_guest_read_cr4() to pass CR4 explicitly) and copies len bytes, split at
 * page boundaries. Returns 0, or -1 with *dt_guest_errno(g) set to
 * EDT_GUESTADDR (not mapped, outside the guest's RAM, non-canonical) or
 * EDT_INVAL. It never faults and never reads outside the guest's RAM
 * mapping; it is safe to call from the poller's callback and from any thread
 * (it only reads). A probe's CR3 comes from its record (ht_record.cr3); the
 * engine should use the CR3 of the record whose actions it runs.
 * dt_guest_readstr() is the string form (stops at NUL, always terminates).
 */
#ifndef DT_GUEST_H
#define DT_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hypertrace/guest_abi.h"

/* ---- guest physical memory and the page walker ---------------------- */

#define DT_GMEM_MAXREG 8

typedef struct dt_gmem_region {
	uint64_t gpa;	   /* guest-physical start */
	uint64_t size;	   /* bytes */
	uint64_t file_off; /* offset in the RAM file */
} dt_gmem_region_t;

typedef struct dt_gmem {
	const uint8_t *base; /* RAM file mapping (read-only) */
	uint64_t base_size;  /* bytes mapped */
	unsigned nreg;
	dt_gmem_region_t reg[DT_GMEM_MAXREG];
} dt_gmem_t;

/* Host pointer for [gpa, gpa+len) if it lies inside one RAM region, else
 * NULL. */
const uint8_t *dt_gmem_ptr(const dt_gmem_t *m, uint64_t gpa, uint64_t len);

/* Translates va from the tables rooted at cr3. la57 selects 5 levels.
 * Returns 0 and sets *pa (and *pgsize: 4K, 2M or 1G), or -1 if va is
 * non-canonical, not present, or a table lies outside the guest's RAM. */
int dt_gwalk(const dt_gmem_t *m, uint64_t cr3, int la57, uint64_t va,
	     uint64_t *pa, uint64_t *pgsize);

/* Copies len bytes at va; 0 or -1 (EDT_GUESTADDR in *errp). */
int dt_gmem_read(const dt_gmem_t *m, uint64_t cr3, int la57, uint64_t va,
		 void *buf, size_t len, int *errp);

/* Parses QEMU's "info mtree -f" output: the ram regions of backend
 * `backend` in the system address space. Returns 0 or -1. */
int dt_gmem_parse_mtree(const char *text, const char *backend,
			dt_gmem_region_t *reg, unsigned *nreg);

/* ---- QMP -------------------------------------------------------------- */

/* Connects to QEMU's QMP socket, negotiates, runs an HMP command through
 * human-monitor-command; returns a malloc'd unescaped string or NULL. */
char *dt_qmp_hmp(const char *qmp_path, const char *cmdline, int timeout_ms);
/* Sends a QMP command (e.g. "quit"); 0 or -1. */
int dt_qmp_execute(const char *qmp_path, const char *command, int timeout_ms);

/* ---- BTF -------------------------------------------------------------- */

struct btf;
struct btf *dt_gbtf_load(const char *path); /* raw .BTF or ELF with .BTF */
/* Byte offset of struct sname's member mname (nested anonymous members are
 * searched); -1 if not found. */
long dt_gbtf_member_offset(const struct btf *btf, const char *sname,
			   const char *mname);

/* ---- supervisor side: ivshmem server and control socket --------------- */

typedef struct dt_gserver {
	int listen_fd; /* ivshmem server socket, QEMU connects */
	int client_fd; /* the QEMU connection */
	int bar_fd;    /* memfd of HT_BAR_SIZE */
	void *bar;
	int host_efd[HT_MAX_AREAS];  /* QEMU signals these (doorbell) */
	int guest_efd[HT_MAX_AREAS]; /* would interrupt the guest */
} dt_gserver_t;

int dt_gserver_init(dt_gserver_t *s, const char *sock_path);
/* Accepts QEMU's connection and sends the ivshmem protocol greeting. */
int dt_gserver_accept(dt_gserver_t *s);
void dt_gserver_fini(dt_gserver_t *s);

/* Control protocol: a consumer connects to <run dir>/<name>/ctl.sock and
 * sends "ATTACH\n"; the supervisor answers one dt_gctl_reply_t carrying
 * SCM_RIGHTS {BAR memfd, RAM fd, host eventfd of the area}. The area is the
 * consumer's while the connection stays open. */
#define DT_GCTL_MAGIC	0x4c544348544d5648ULL /* "HVMTHCTL" */
#define DT_GCTL_VERSION 1
typedef struct dt_gctl_reply {
	uint64_t magic;
	uint32_t version;
	int32_t status; /* 0, or an errno */
	uint32_t area;
	uint32_t ncpus;
	uint64_t gen;
	uint64_t ram_size;
	uint32_t nreg;
	uint32_t pad;
	dt_gmem_region_t reg[DT_GMEM_MAXREG];
	char name[64];
	char btf_path[512];
} dt_gctl_reply_t;

int dt_send_fds(int sock, const void *buf, size_t len, const int *fds,
		int nfds);
ssize_t dt_recv_fds(int sock, void *buf, size_t len, int *fds, int *nfds);

/* ---- consumer ----------------------------------------------------------- */

typedef struct dt_guest dt_guest_t;

/* Attaches to guest NAME's supervisor under rundir (NULL: default, see
 * dt_guest_rundir()). Maps the BAR and the RAM (read-only, pre-faulted),
 * loads the guest's BTF. NULL on failure with *errp set. */
dt_guest_t *dt_guest_attach(const char *rundir, const char *name, int *errp);
/* Builds a guest from parts (tests and benchmarks): bar of HT_BAR_SIZE,
 * memory map m (not copied: must outlive g), eventfd efd (or -1). */
dt_guest_t *dt_guest_from_parts(const char *name, void *bar, unsigned area,
				const dt_gmem_t *m, int efd);
void dt_guest_detach(dt_guest_t *g);

const char *dt_guest_name(const dt_guest_t *g);
const struct btf *dt_guest_btf(const dt_guest_t *g);
const dt_gmem_t *dt_guest_mem(const dt_guest_t *g);
int *dt_guest_errno(dt_guest_t *g);
const char *dt_guest_rundir(void); /* $HTVM_RUN_DIR or /run/htvm */

int dt_guest_read(dt_guest_t *g, uint64_t cr3, uint64_t gva, void *buf,
		  size_t len);
int dt_guest_read_cr4(dt_guest_t *g, uint64_t cr3, uint64_t cr4, uint64_t gva,
		      void *buf, size_t len);
/* Reads a NUL-terminated string (at most len-1 bytes, always terminated);
 * returns its length or -1. */
ssize_t dt_guest_readstr(dt_guest_t *g, uint64_t cr3, uint64_t gva, char *buf,
			 size_t len);

/* Guest-side counters from this consumer's area (timeouts and ring drops
 * are what DTrace reports as drops). */
typedef struct dt_guest_stats {
	uint64_t calls, timeouts, records, ring_drops, doorbells;
	uint64_t handled, async_handled, bad; /* host side */
} dt_guest_stats_t;
void dt_guest_stats(const dt_guest_t *g, dt_guest_stats_t *st);

/* ---- the poller: one thread for all attached guests ------------------- */

/* Called for every record, synchronous (the guest waits until it returns)
 * or asynchronous (flags & HT_REC_ASYNC). rec is a private copy. */
typedef void dt_guest_handler_f(dt_guest_t *g, const struct ht_record *rec,
				void *arg);

typedef struct dt_gpoll dt_gpoll_t;
/* spin_ns: keep spinning this long after the last event before blocking on
 * the eventfds (0: always block; UINT64_MAX: never block). */
dt_gpoll_t *dt_gpoll_create(uint64_t spin_ns, dt_guest_handler_f *fn,
			    void *arg);
int dt_gpoll_add(dt_gpoll_t *p, dt_guest_t *g); /* before or after start */
int dt_gpoll_start(dt_gpoll_t *p);
void dt_gpoll_stop(dt_gpoll_t *p); /* joins the thread */
void dt_gpoll_destroy(dt_gpoll_t *p);
/* One non-blocking pass over every slot and ring; returns records handled.
 * For tests; not to be mixed with a running poller thread. */
int dt_gpoll_once(dt_gpoll_t *p);

#endif /* DT_GUEST_H */
