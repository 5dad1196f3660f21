// SPDX-License-Identifier: GPL-2.0
/*
 * hypertrace.ko: the guest half of the HyperTrace call channel. It binds the
 * ivshmem-doorbell PCI device (BAR2 is shared with the host, layout in
 * guest_abi.h), hooks the sys_enter/sys_exit tracepoints, and for every
 * enabled syscall probe fills this vCPU's slot in every consumer area and
 * waits for the host (or queues an asynchronous record). Fail-open: a call
 * that is not answered within timeout_ms is counted and the area is skipped
 * for stall_ms (or until a new consumer attaches).
 *
 * Userspace controls it by writing text lines to /dev/hypertrace:
 *   enable entry|return all|NR|NAME [sync|async] [str K]
 *   disable entry|return all|NR|NAME      disable all
 *   garbage N      N calls with random records (robustness tests)
 *   selfcall N     N synchronous calls, ns/call in last_ns
 *   selfasync N    N asynchronous records, ns/record in last_ns
 *   reset          zero the counters
 * Reading /dev/hypertrace lists the probes, "ID syscall:vmlinux:NAME:entry"
 * (ID is the record's probe id), named from the kernel's own syscall table.
 * Counters: /sys/module/hypertrace/parameters/{calls,timeouts,...}.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/io.h>
#include <linux/tracepoint.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/sched.h>
#include <linux/cred.h>
#include <linux/random.h>
#include <linux/ktime.h>
#include <linux/utsname.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <asm/syscall.h>
#include <asm/special_insns.h>
#include "guest_abi.h"
#include "ht_syscalls.h"

static unsigned int timeout_ms = 1000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms, "fail-open timeout of a host call");
static unsigned int stall_ms = 1000;
module_param(stall_ms, uint, 0644);
MODULE_PARM_DESC(stall_ms, "skip an area this long after a timeout");

static atomic_long_t st_calls, st_timeouts, st_records, st_drops, st_doorbells,
    st_released, st_garbage, st_fired;
static unsigned long last_ns;
module_param(last_ns, ulong, 0444);

static int ht_get_counter(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%ld\n", atomic_long_read(kp->arg));
}
static const struct kernel_param_ops ht_counter_ops = {
    .get = ht_get_counter,
};
#define HT_COUNTER(name, var) module_param_cb(name, &ht_counter_ops, &var, 0444)
HT_COUNTER(calls, st_calls);
HT_COUNTER(timeouts, st_timeouts);
HT_COUNTER(records, st_records);
HT_COUNTER(drops, st_drops);
HT_COUNTER(doorbells, st_doorbells);
HT_COUNTER(released, st_released);
HT_COUNTER(garbage, st_garbage);
HT_COUNTER(fired, st_fired);

static void __iomem *ht_regs;
static void *ht_bar; /* NULL until the device is bound */
static u64 ht_stall_gen[HT_MAX_AREAS];
static u64 ht_stall_until[HT_MAX_AREAS];

/* Probe table: 0 off, 1 sync, 2 async; string argument index or -1. */
#define HT_MODE_SYNC  1
#define HT_MODE_ASYNC 2
static u8 ht_mode[2][HT_NR_SYSCALLS];
static s8 ht_strarg[2][HT_NR_SYSCALLS];
static DEFINE_MUTEX(ht_lock);
static struct tracepoint *tp_enter, *tp_exit;
static bool ht_hooked;

static void ht_doorbell(unsigned int a)
{
	atomic_long_inc(&st_doorbells);
	atomic64_inc((atomic64_t *)&HT_AREA_PTR(ht_bar, a)->doorbells);
	writel((HT_HOST_PEER << 16) | a, ht_regs + HT_DOORBELL_REG);
}

/* True if area a has a consumer and is not stalled after a timeout. */
static bool ht_area_live(unsigned int a, u64 *genp)
{
	u64 gen = READ_ONCE(HT_AREA_PTR(ht_bar, a)->gen);

	if (!gen)
		return false;
	if (READ_ONCE(ht_stall_gen[a]) == gen &&
	    ktime_get_ns() < READ_ONCE(ht_stall_until[a]))
		return false;
	*genp = gen;
	return true;
}

/* One synchronous call into area a from this CPU; preemption is off. */
static int ht_call_area(unsigned int a, unsigned int cpu,
			const struct ht_record *rec)
{
	struct ht_area *ar = HT_AREA_PTR(ht_bar, a);
	struct ht_slot *s = HT_SLOT_PTR(ht_bar, a, cpu);
	u64 gen, seq, t0, tmo;
	unsigned int n = 0;

	if (!ht_area_live(a, &gen))
		return -ENOENT;
	memcpy(&s->rec, rec, sizeof(*rec));
	seq = READ_ONCE(s->seq) + 1;
	if (seq == READ_ONCE(s->done))
		seq++;
	smp_wmb();
	WRITE_ONCE(s->seq, seq);
	smp_mb();
	if (!READ_ONCE(ar->host_polling))
		ht_doorbell(a);
	t0 = ktime_get_ns();
	tmo = (u64)READ_ONCE(timeout_ms) * NSEC_PER_MSEC;
	while (READ_ONCE(s->done) != seq) {
		cpu_relax();
		if ((++n & 63) != 0)
			continue;
		if (READ_ONCE(ar->gen) != gen) {
			atomic_long_inc(&st_released);
			return -ENOENT;
		}
		if (ktime_get_ns() - t0 > tmo) {
			atomic_long_inc(&st_timeouts);
			atomic64_inc((atomic64_t *)&ar->timeouts);
			WRITE_ONCE(ht_stall_until[a],
				   ktime_get_ns() + (u64)READ_ONCE(stall_ms) *
							NSEC_PER_MSEC);
			WRITE_ONCE(ht_stall_gen[a], gen);
			return -ETIMEDOUT;
		}
	}
	smp_rmb();
	if (READ_ONCE(s->result) == HT_RES_NOCONSUMER)
		atomic_long_inc(&st_released);
	atomic_long_inc(&st_calls);
	atomic64_inc((atomic64_t *)&ar->calls);
	return 0;
}

/* One asynchronous record into area a's ring for this CPU. */
static void ht_ring_area(unsigned int a, unsigned int cpu,
			 const struct ht_record *rec)
{
	struct ht_area *ar = HT_AREA_PTR(ht_bar, a);
	struct ht_ring *r = HT_RING_PTR(ht_bar, a, cpu);
	u64 gen, head;

	if (!ht_area_live(a, &gen))
		return;
	head = READ_ONCE(r->head);
	if (head - READ_ONCE(r->tail) >= HT_RING_N) {
		atomic_long_inc(&st_drops);
		atomic64_inc((atomic64_t *)&ar->ring_drops);
		return;
	}
	memcpy(&r->rec[head & (HT_RING_N - 1)], rec, sizeof(*rec));
	r->rec[head & (HT_RING_N - 1)].flags |= HT_REC_ASYNC;
	smp_wmb();
	WRITE_ONCE(r->head, head + 1);
	smp_mb();
	atomic_long_inc(&st_records);
	atomic64_inc((atomic64_t *)&ar->records);
	if (!READ_ONCE(ar->host_polling))
		ht_doorbell(a);
}

static void ht_deliver(const struct ht_record *rec, int mode)
{
	unsigned int a, cpu = smp_processor_id();

	if (!READ_ONCE(ht_bar) || cpu >= HT_MAX_CPUS)
		return;
	for (a = 0; a < HT_MAX_AREAS; a++) {
		if (mode == HT_MODE_ASYNC)
			ht_ring_area(a, cpu, rec);
		else
			ht_call_area(a, cpu, rec);
	}
}

static void ht_fill(struct ht_record *r, u32 probe, u32 flags)
{
	struct task_struct *t = current;

	memset(r, 0, sizeof(*r));
	r->probe = probe;
	r->flags = flags;
	r->cpu = smp_processor_id();
	r->pid = task_tgid_nr(t);
	r->tid = task_pid_nr(t);
	rcu_read_lock();
	r->ppid = task_tgid_nr(rcu_dereference(t->real_parent));
	rcu_read_unlock();
	r->uid = from_kuid_munged(&init_user_ns, current_uid());
	r->gid = from_kgid_munged(&init_user_ns, current_gid());
	r->cr3 = __read_cr3();
	r->cr4 = __read_cr4();
	r->task = (u64)(unsigned long)t;
	r->comm_addr = (u64)(unsigned long)t->comm;
	r->time = ktime_get_ns();
}

/* Copies a user string without faulting (preemption is off), one page at
 * a time so that a string ending before an unmapped page is still read.
 * Returns its length, HT_STRMAX if truncated, or -EFAULT. */
static long ht_copy_ustr(char *dst, unsigned long uaddr)
{
	size_t got = 0, chunk;
	char *nul;

	while (got < HT_STRMAX) {
		chunk = PAGE_SIZE - ((uaddr + got) & ~PAGE_MASK);
		if (chunk > HT_STRMAX - got)
			chunk = HT_STRMAX - got;
		if (copy_from_user_nofault(
			dst + got, (const void __user *)(uaddr + got), chunk)) {
			if (!got)
				return -EFAULT;
			dst[got] = 0;
			return got;
		}
		nul = memchr(dst + got, 0, chunk);
		if (nul)
			return nul - dst;
		got += chunk;
	}
	return HT_STRMAX;
}

static void ht_fire(struct pt_regs *regs, long nr, int ret, long rv)
{
	struct ht_record rec;
	unsigned long args[6];
	int mode, k, i;
	long n;

	mode = READ_ONCE(ht_mode[ret][nr]);
	if (!mode)
		return;
	preempt_disable_notrace();
	atomic_long_inc(&st_fired);
	ht_fill(&rec, HT_PROBE_SYSCALL + ((u32)nr << 1 | ret),
		ret ? HT_REC_RETURN : 0);
	syscall_get_arguments(current, regs, args);
	for (i = 0; i < 6; i++)
		rec.args[i] = args[i];
	rec.sysno = nr;
	rec.errno_ = ret ? rv : 0;
	k = READ_ONCE(ht_strarg[ret][nr]);
	if (k >= 0 && k < 6) {
		rec.strarg = k;
		n = ht_copy_ustr(rec.str, args[k]);
		if (n < 0) {
			rec.flags |= HT_REC_STRFAULT;
		} else {
			rec.flags |= HT_REC_STR;
			if (n == HT_STRMAX) {
				rec.flags |= HT_REC_STRTRUNC;
				rec.str[HT_STRMAX - 1] = 0;
				n--;
			}
			rec.strlen = n;
		}
	}
	ht_deliver(&rec, mode);
	preempt_enable_notrace();
}

static void notrace ht_sys_enter(void *data, struct pt_regs *regs, long id)
{
	if (id >= 0 && id < HT_NR_SYSCALLS)
		ht_fire(regs, id, 0, 0);
}

static void notrace ht_sys_exit(void *data, struct pt_regs *regs, long ret)
{
	long id = syscall_get_nr(current, regs);

	if (id >= 0 && id < HT_NR_SYSCALLS)
		ht_fire(regs, id, 1, ret);
}

static void ht_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sys_enter"))
		tp_enter = tp;
	else if (!strcmp(tp->name, "sys_exit"))
		tp_exit = tp;
}

/* Hooks the tracepoints while any probe is enabled (they slow every
 * syscall down even with nothing enabled). Called with ht_lock held. */
static int ht_update_hooks(void)
{
	bool want = false;
	int i, j, err;

	for (i = 0; i < 2; i++)
		for (j = 0; j < HT_NR_SYSCALLS; j++)
			want |= ht_mode[i][j] != 0;
	if (want == ht_hooked)
		return 0;
	if (want) {
		err = tracepoint_probe_register(tp_enter, ht_sys_enter, NULL);
		if (err)
			return err;
		err = tracepoint_probe_register(tp_exit, ht_sys_exit, NULL);
		if (err) {
			tracepoint_probe_unregister(tp_enter, ht_sys_enter,
						    NULL);
			return err;
		}
	} else {
		tracepoint_probe_unregister(tp_enter, ht_sys_enter, NULL);
		tracepoint_probe_unregister(tp_exit, ht_sys_exit, NULL);
		tracepoint_synchronize_unregister();
	}
	ht_hooked = want;
	return 0;
}

static void ht_garbage(unsigned long n)
{
	struct ht_record rec;
	unsigned long i;
	unsigned int a, cpu;
	u32 r;

	for (i = 0; i < n && READ_ONCE(ht_bar); i++) {
		get_random_bytes(&rec, sizeof(rec));
		r = get_random_u32();
		switch (r % 4) {
		case 0: /* CR3 just beyond or inside RAM-sized ranges */
			rec.cr3 &= 0x7ffff000ULL;
			break;
		case 1: /* a real CR3 with wild pointers */
			rec.cr3 = __read_cr3();
			rec.cr4 = __read_cr4();
			break;
		case 2: /* real CR3, pointers just outside the direct map */
			rec.cr3 = __read_cr3();
			rec.task = (u64)(unsigned long)current + ((u64)r << 20);
			break;
		default: /* fully random */
			break;
		}
		if (r & 0x100)
			rec.probe = HT_PROBE_GARBAGE;
		rec.strlen = r; /* lies about the string length */
		preempt_disable();
		cpu = smp_processor_id();
		if (cpu < HT_MAX_CPUS) {
			for (a = 0; a < HT_MAX_AREAS; a++) {
				/* Now and then also scribble on the ring. */
				if ((r & 0x3ff0000) == 0)
					WRITE_ONCE(
					    HT_RING_PTR(ht_bar, a, cpu)->head,
					    ((u64)r << 32) | r);
				if (r & 0x200)
					ht_ring_area(a, cpu, &rec);
				else
					ht_call_area(a, cpu, &rec);
			}
		}
		preempt_enable();
		atomic_long_inc(&st_garbage);
		if ((i & 255) == 0)
			cond_resched();
	}
}

static void ht_selftest(unsigned long n, int mode)
{
	struct ht_record rec;
	unsigned long i;
	u64 t0, t1;

	if (!n)
		return;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		preempt_disable();
		ht_fill(&rec, 1, 0);
		ht_deliver(&rec, mode);
		preempt_enable();
		if ((i & 1023) == 0)
			cond_resched();
	}
	t1 = ktime_get_ns();
	last_ns = (t1 - t0) / n;
}

static int ht_set(int on, const char *what, const char *which, const char *mode,
		  int strarg)
{
	int ret, lo, hi, i, m = 0;
	long nr;

	if (!strcmp(what, "entry"))
		ret = 0;
	else if (!strcmp(what, "return"))
		ret = 1;
	else
		return -EINVAL;
	if (!strcmp(which, "all")) {
		lo = 0;
		hi = HT_NR_SYSCALLS;
	} else {
		if (kstrtol(which, 0, &nr) != 0) {
			for (nr = 0; nr < HT_NR_SYSCALLS; nr++)
				if (ht_sc_names[nr] &&
				    !strcmp(ht_sc_names[nr], which))
					break;
		}
		if (nr < 0 || nr >= HT_NR_SYSCALLS)
			return -EINVAL;
		lo = nr;
		hi = nr + 1;
	}
	if (on)
		m = (mode && !strcmp(mode, "async")) ? HT_MODE_ASYNC
						     : HT_MODE_SYNC;
	for (i = lo; i < hi; i++) {
		WRITE_ONCE(ht_strarg[ret][i], on ? strarg : -1);
		WRITE_ONCE(ht_mode[ret][i], m);
	}
	return 0;
}

static int ht_command(char *line)
{
	char *argv[8];
	int argc = 0, err = 0, strarg = -1, i;
	const char *mode = NULL;
	unsigned long n;

	while (argc < 8) {
		char *t = strsep(&line, " \t\n");

		if (!t)
			break;
		if (*t)
			argv[argc++] = t;
	}
	if (!argc)
		return 0;
	if (!strcmp(argv[0], "enable") && argc >= 3) {
		for (i = 3; i < argc; i++) {
			if (!strcmp(argv[i], "sync") ||
			    !strcmp(argv[i], "async"))
				mode = argv[i];
			else if (!strcmp(argv[i], "str") && i + 1 < argc &&
				 !kstrtoint(argv[i + 1], 0, &strarg))
				i++;
			else
				return -EINVAL;
		}
		mutex_lock(&ht_lock);
		err = ht_set(1, argv[1], argv[2], mode, strarg);
		if (!err)
			err = ht_update_hooks();
		mutex_unlock(&ht_lock);
	} else if (!strcmp(argv[0], "disable") && argc >= 2) {
		mutex_lock(&ht_lock);
		if (!strcmp(argv[1], "all")) {
			memset(ht_mode, 0, sizeof(ht_mode));
		} else if (argc >= 3) {
			err = ht_set(0, argv[1], argv[2], NULL, -1);
		} else {
			err = -EINVAL;
		}
		if (!err)
			err = ht_update_hooks();
		mutex_unlock(&ht_lock);
	} else if (!strcmp(argv[0], "garbage") && argc == 2 &&
		   !kstrtoul(argv[1], 0, &n)) {
		ht_garbage(n);
	} else if (!strcmp(argv[0], "selfcall") && argc == 2 &&
		   !kstrtoul(argv[1], 0, &n)) {
		ht_selftest(n, HT_MODE_SYNC);
	} else if (!strcmp(argv[0], "selfasync") && argc == 2 &&
		   !kstrtoul(argv[1], 0, &n)) {
		ht_selftest(n, HT_MODE_ASYNC);
	} else if (!strcmp(argv[0], "reset")) {
		atomic_long_set(&st_calls, 0);
		atomic_long_set(&st_timeouts, 0);
		atomic_long_set(&st_records, 0);
		atomic_long_set(&st_drops, 0);
		atomic_long_set(&st_doorbells, 0);
		atomic_long_set(&st_released, 0);
		atomic_long_set(&st_garbage, 0);
		atomic_long_set(&st_fired, 0);
	} else {
		err = -EINVAL;
	}
	return err;
}

static ssize_t ht_write(struct file *f, const char __user *ubuf, size_t len,
			loff_t *off)
{
	char *buf, *p, *line;
	int err = 0;

	if (len > 4096)
		return -E2BIG;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	p = buf;
	while (!err && (line = strsep(&p, "\n")) != NULL)
		err = ht_command(line);
	kfree(buf);
	return err ? err : (ssize_t)len;
}

/* The probe list, one "ID syscall:vmlinux:NAME:entry|return" per line. */
static ssize_t ht_read(struct file *f, char __user *ubuf, size_t len,
		       loff_t *off)
{
	size_t cap = HT_NR_SYSCALLS * 2 * 64, n = 0;
	char *buf = kvmalloc(cap, GFP_KERNEL);
	ssize_t ret;
	int nr, r;

	if (!buf)
		return -ENOMEM;
	for (nr = 0; nr < HT_NR_SYSCALLS; nr++) {
		if (!ht_sc_names[nr])
			continue;
		for (r = 0; r < 2; r++)
			n += scnprintf(buf + n, cap - n,
				       "%u syscall:vmlinux:%s:%s\n",
				       HT_PROBE_SYSCALL + ((u32)nr << 1 | r),
				       ht_sc_names[nr], r ? "return" : "entry");
	}
	ret = simple_read_from_buffer(ubuf, len, off, buf, n);
	kvfree(buf);
	return ret;
}

static const struct file_operations ht_fops = {
    .owner = THIS_MODULE,
    .read = ht_read,
    .write = ht_write,
    .llseek = noop_llseek,
};

static struct miscdevice ht_misc = {
    .minor = MISC_DYNAMIC_MINOR,
    .name = "hypertrace",
    .fops = &ht_fops,
    .mode = 0600,
};

static int ht_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ht_hdr *h;
	void *bar;
	int err;

	if (READ_ONCE(ht_bar))
		return -EBUSY;
	err = pcim_enable_device(pdev);
	if (err)
		return err;
	ht_regs = pcim_iomap(pdev, 0, 0);
	if (!ht_regs)
		return -ENOMEM;
	if (pci_resource_len(pdev, 2) < HT_BAR_SIZE)
		return -ENODEV;
	bar = devm_memremap(&pdev->dev, pci_resource_start(pdev, 2),
			    HT_BAR_SIZE, MEMREMAP_WB);
	if (IS_ERR(bar))
		return PTR_ERR(bar);
	h = bar;
	if (READ_ONCE(h->magic) != HT_ABI_MAGIC ||
	    READ_ONCE(h->version) != HT_ABI_VERSION) {
		dev_err(&pdev->dev, "hypertrace: no host server (magic %llx)\n",
			(unsigned long long)h->magic);
		return -ENODEV;
	}
	h->guest_ncpus = num_online_cpus();
	h->guest_off_comm = offsetof(struct task_struct, comm);
	h->guest_off_pid = offsetof(struct task_struct, pid);
	h->guest_off_tgid = offsetof(struct task_struct, tgid);
	h->guest_cr4 = __read_cr4();
	strscpy(h->guest_release, utsname()->release, sizeof(h->guest_release));
	smp_wmb();
	WRITE_ONCE(h->guest_ready, 1);
	WRITE_ONCE(ht_bar, bar);
	dev_info(&pdev->dev,
		 "hypertrace: bound, comm@%zu pid@%zu tgid@%zu, %u cpus\n",
		 offsetof(struct task_struct, comm),
		 offsetof(struct task_struct, pid),
		 offsetof(struct task_struct, tgid), num_online_cpus());
	return 0;
}

static void ht_remove(struct pci_dev *pdev)
{
	WRITE_ONCE(ht_bar, NULL);
	synchronize_rcu();
}

static const struct pci_device_id ht_ids[] = {
    {PCI_DEVICE(HT_PCI_VENDOR, HT_PCI_DEVICE)}, {0}};
MODULE_DEVICE_TABLE(pci, ht_ids);

static struct pci_driver ht_driver = {
    .name = "hypertrace",
    .id_table = ht_ids,
    .probe = ht_probe,
    .remove = ht_remove,
};

static int __init ht_init(void)
{
	int err;

	memset(ht_strarg, -1, sizeof(ht_strarg));
	for_each_kernel_tracepoint(ht_find_tp, NULL);
	if (!tp_enter || !tp_exit) {
		pr_err(
		    "hypertrace: sys_enter/sys_exit tracepoints not found\n");
		return -ENOENT;
	}
	err = pci_register_driver(&ht_driver);
	if (err)
		return err;
	err = misc_register(&ht_misc);
	if (err)
		pci_unregister_driver(&ht_driver);
	return err;
}

static void __exit ht_exit(void)
{
	misc_deregister(&ht_misc);
	mutex_lock(&ht_lock);
	memset(ht_mode, 0, sizeof(ht_mode));
	ht_update_hooks();
	mutex_unlock(&ht_lock);
	pci_unregister_driver(&ht_driver);
}

module_init(ht_init);
module_exit(ht_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("HyperTrace guest probes and host call channel");
