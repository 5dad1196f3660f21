/*
 * hypertrace/guest_abi.h: the guest/host call ABI shared by hypertrace.ko
 * (guest) and lib/guest (host). It is the layout of the ivshmem-doorbell BAR2
 * shared memory: a global header, then one area per consumer (each consumer
 * gets its own doorbell vector), each area holding one synchronous call slot
 * and one asynchronous record ring per guest vCPU.
 *
 * All fields are little-endian, fixed width, naturally aligned. Everything
 * the guest writes is untrusted by the host; the host copies a record out of
 * shared memory before looking at it.
 *
 * Synchronous call (guest, preemption disabled, per-vCPU slot):
 *   fill slot->rec; smp_wmb(); slot->seq = s (s != slot->done);
 *   smp_mb(); if (!area->host_polling) ring doorbell (peer 0, vector = area);
 *   spin until slot->done == s or the timeout (fail open, count a timeout).
 * Host: when slot->seq != slot->done: copy rec, handle, write result,
 *   then slot->done = seq (release).
 * Asynchronous record (guest): if ring->head - ring->tail >= HT_RING_N count
 *   a drop; else fill rec[head % N]; smp_wmb(); head++; doorbell as above.
 * Host: consume rec[tail % N] while tail != head, then store tail.
 * Lost wake-ups are closed Dekker-style: the guest stores seq/head, full
 * fence, loads host_polling; the host stores host_polling = 0, full fence,
 * rescans before it blocks on the eventfd.
 */
#ifndef HYPERTRACE_GUEST_ABI_H
#define HYPERTRACE_GUEST_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define HT_ABI_MAGIC   0x314e414843475448ULL /* "HTGCHAN1" little-endian */
#define HT_ABI_VERSION 1

#define HT_PCI_VENDOR	0x1af4 /* ivshmem */
#define HT_PCI_DEVICE	0x1110
#define HT_DOORBELL_REG 12 /* BAR0 offset: (peer << 16) | vector */
#define HT_HOST_PEER	0  /* the host supervisor's ivshmem peer id */

#define HT_BAR_SIZE   (2u << 20) /* a power of two: it is a PCI BAR */
#define HT_MAX_AREAS  4		 /* consumers at once = doorbell vectors */
#define HT_MAX_CPUS   8		 /* vCPUs served per guest */
#define HT_AREA0_OFF  0x10000u
#define HT_AREA_SIZE  0x40000u
#define HT_AREA_HDR   0x1000u /* area header, then per-CPU blocks */
#define HT_CPU_STRIDE 0x4000u
#define HT_RING_OFF   0x1000u /* ring offset inside a per-CPU block */
#define HT_RING_N     32      /* records per ring, a power of two */
#define HT_STRMAX     112     /* bytes of captured user string per record */

/* Probe ids: syscall probes are (nr << 1 | is_return) + HT_PROBE_SYSCALL. */
#define HT_PROBE_SYSCALL 0x10000u
#define HT_PROBE_GARBAGE 0xffffffffu /* robustness test traffic */
#define HT_NR_SYSCALLS	 512

/* ht_record.flags */
#define HT_REC_RETURN	0x1  /* syscall return: errno holds the return value */
#define HT_REC_STR	0x2  /* str holds a copy of args[strarg] */
#define HT_REC_STRTRUNC 0x4  /* ... truncated */
#define HT_REC_STRFAULT 0x8  /* ... not readable in the guest */
#define HT_REC_ASYNC	0x10 /* came through the ring */

/* Slot results (host -> guest). */
#define HT_RES_OK	  0
#define HT_RES_NOCONSUMER 1 /* the supervisor released the area */

struct ht_record {
	uint32_t probe; /* probe id */
	uint32_t flags; /* HT_REC_* */
	uint32_t cpu;
	uint32_t pid; /* tgid */
	uint32_t tid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t gid;
	uint64_t args[6];
	uint64_t sysno;
	uint64_t cr3;  /* raw CR3 (PCID bits included; the host masks) */
	uint64_t cr4;  /* LA57 decides 4- or 5-level walks */
	uint64_t task; /* guest current (task_struct address) */
	uint64_t comm_addr;
	int64_t errno_; /* return value for return probes */
	uint64_t time;	/* guest ktime_get_ns() */
	uint32_t strarg;
	uint32_t strlen;
	char str[HT_STRMAX];
}; /* 256 bytes */

struct ht_slot {
	volatile uint64_t seq;	/* guest */
	volatile uint64_t done; /* host */
	volatile uint64_t result;
	uint64_t pad[5];
	struct ht_record rec;
};

struct ht_ring {
	volatile uint64_t head; /* guest: records produced */
	uint64_t pad0[7];
	volatile uint64_t tail; /* host: records consumed */
	uint64_t pad1[7];
	struct ht_record rec[HT_RING_N];
};

/* Per-consumer area header. gen and host_polling belong to the host, the
 * counters to the guest. */
struct ht_area {
	volatile uint64_t gen; /* != 0: a consumer owns this area */
	volatile uint32_t host_polling;
	uint32_t vector;
	volatile uint64_t calls;      /* guest: synchronous calls made */
	volatile uint64_t timeouts;   /* guest: calls that timed out */
	volatile uint64_t records;    /* guest: async records queued */
	volatile uint64_t ring_drops; /* guest: async records dropped */
	volatile uint64_t doorbells;  /* guest: doorbells rung */
};

struct ht_hdr {
	uint64_t magic; /* host: HT_ABI_MAGIC once the BAR is ready */
	uint32_t version;
	uint32_t nareas;
	uint32_t ncpus;
	uint32_t area_size;
	uint64_t bar_size;
	/* written by the guest module when it binds, for cross-checks */
	volatile uint32_t guest_ready;
	uint32_t guest_ncpus;
	uint32_t guest_off_comm; /* offsetof(struct task_struct, comm) */
	uint32_t guest_off_pid;
	uint32_t guest_off_tgid;
	uint32_t pad;
	uint64_t guest_cr4; /* CR4 at bind: LA57 selects 5-level walks */
	char guest_release[64];
};

#define HT_AREA_PTR(bar, a)                                                    \
	((struct ht_area *)((char *)(bar) + HT_AREA0_OFF + (a)*HT_AREA_SIZE))
#define HT_SLOT_PTR(bar, a, cpu)                                               \
	((struct ht_slot *)((char *)HT_AREA_PTR(bar, a) + HT_AREA_HDR +        \
			    (cpu)*HT_CPU_STRIDE))
#define HT_RING_PTR(bar, a, cpu)                                               \
	((struct ht_ring *)((char *)HT_SLOT_PTR(bar, a, cpu) + HT_RING_OFF))

#ifndef __KERNEL__
_Static_assert(sizeof(struct ht_record) == 256, "record size");
_Static_assert(sizeof(struct ht_slot) <= HT_RING_OFF, "slot size");
_Static_assert(HT_RING_OFF + sizeof(struct ht_ring) <= HT_CPU_STRIDE, "ring");
_Static_assert(HT_AREA_HDR + HT_MAX_CPUS * HT_CPU_STRIDE <= HT_AREA_SIZE,
	       "area");
_Static_assert(HT_AREA0_OFF + HT_MAX_AREAS * HT_AREA_SIZE <= HT_BAR_SIZE,
	       "bar");
#endif

#endif /* HYPERTRACE_GUEST_ABI_H */
