/*
 * dt_gconsumer.c: the consumer side of the guest channel. Attaches to a
 * guest's htvm supervisor (control socket, SCM_RIGHTS), maps the shared BAR
 * and the guest RAM (read-only, pre-faulted), loads the guest's BTF, and runs
 * one poller thread for all attached guests: it spins over this consumer's
 * slots and rings while events arrive and for spin_ns after the last one,
 * then clears host_polling (so guests ring the doorbell) and blocks on the
 * eventfds. Everything read from shared memory is copied before use.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "common/dt_error.h"
#include "guest/dt_guest.h"

#define CR4_LA57 (1ULL << 12)

struct dt_guest {
	char name[64];
	void *bar;
	int own_maps; /* bar and ram were mapped by attach */
	unsigned area;
	struct ht_area *ar;
	dt_gmem_t mem_store;
	const dt_gmem_t *mem;
	void *ram;
	size_t ram_len;
	int efd, ctl_fd;
	struct btf *btf;
	int err;
	uint64_t last_done[HT_MAX_CPUS]; /* private: never trust the BAR */
	uint64_t tail[HT_MAX_CPUS];
	uint64_t handled, async_handled, bad;
};

const char *dt_guest_rundir(void)
{
	const char *d = getenv("HTVM_RUN_DIR");

	return d && *d ? d : "/run/htvm";
}

static void guest_sync_state(dt_guest_t *g)
{
	unsigned c;

	for (c = 0; c < HT_MAX_CPUS; c++) {
		struct ht_slot *s = HT_SLOT_PTR(g->bar, g->area, c);
		struct ht_ring *r = HT_RING_PTR(g->bar, g->area, c);

		g->last_done[c] = s->done;
		g->tail[c] = r->tail;
	}
}

dt_guest_t *dt_guest_from_parts(const char *name, void *bar, unsigned area,
				const dt_gmem_t *m, int efd)
{
	dt_guest_t *g;

	if (area >= HT_MAX_AREAS || (g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->bar = bar;
	g->area = area;
	g->ar = HT_AREA_PTR(bar, area);
	g->mem = m;
	g->efd = efd;
	g->ctl_fd = -1;
	guest_sync_state(g);
	return g;
}

dt_guest_t *dt_guest_attach(const char *rundir, const char *name, int *errp)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	dt_gctl_reply_t rep;
	int fds[3] = {-1, -1, -1}, nfds = 3, s, i, err = EDT_GUEST;
	dt_guest_t *g = NULL;
	struct stat st;
	void *bar = MAP_FAILED, *ram = MAP_FAILED;

	if (!rundir)
		rundir = dt_guest_rundir();
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/ctl.sock", rundir,
		     name) >= (int)sizeof(sa.sun_path)) {
		*errp = EDT_INVAL;
		return NULL;
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(s, "ATTACH\n", 7) != 7)
		goto fail;
	if (dt_recv_fds(s, &rep, sizeof(rep), fds, &nfds) !=
		(ssize_t)sizeof(rep) ||
	    rep.magic != DT_GCTL_MAGIC || rep.version != DT_GCTL_VERSION ||
	    rep.status != 0 || nfds != 3 || rep.area >= HT_MAX_AREAS ||
	    rep.nreg == 0 || rep.nreg > DT_GMEM_MAXREG)
		goto fail;
	bar = mmap(NULL, HT_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fds[0], 0);
	if (bar == MAP_FAILED || fstat(fds[1], &st) != 0 || st.st_size <= 0)
		goto fail;
	/* Read-only and pre-faulted: the first touch of a page would cost
	 * tens of microseconds inside a guest's call. */
	ram = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE,
		   fds[1], 0);
	if (ram == MAP_FAILED)
		goto fail;
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		err = EDT_NOMEM;
		goto fail;
	}
	rep.name[sizeof(rep.name) - 1] = 0;
	rep.btf_path[sizeof(rep.btf_path) - 1] = 0;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->bar = bar;
	g->own_maps = 1;
	g->area = rep.area;
	g->ar = HT_AREA_PTR(bar, rep.area);
	g->ram = ram;
	g->ram_len = st.st_size;
	g->mem_store.base = ram;
	g->mem_store.base_size = st.st_size;
	g->mem_store.nreg = rep.nreg;
	for (i = 0; i < (int)rep.nreg; i++)
		g->mem_store.reg[i] = rep.reg[i];
	g->mem = &g->mem_store;
	g->efd = fds[2];
	g->ctl_fd = s;
	close(fds[0]);
	close(fds[1]);
	if (rep.btf_path[0])
		g->btf = dt_gbtf_load(rep.btf_path);
	guest_sync_state(g);
	return g;
fail:
	if (bar != MAP_FAILED)
		munmap(bar, HT_BAR_SIZE);
	if (ram != MAP_FAILED)
		munmap(ram, st.st_size);
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (s >= 0)
		close(s);
	*errp = err;
	return NULL;
}

void dt_guest_detach(dt_guest_t *g)
{
	if (!g)
		return;
	if (g->own_maps) {
		__atomic_store_n(&g->ar->host_polling, 0, __ATOMIC_SEQ_CST);
		munmap(g->bar, HT_BAR_SIZE);
		munmap(g->ram, g->ram_len);
		if (g->efd >= 0)
			close(g->efd);
	}
	if (g->ctl_fd >= 0)
		close(g->ctl_fd); /* the supervisor releases the area */
	if (g->btf)
		btf__free(g->btf);
	free(g);
}

const char *dt_guest_name(const dt_guest_t *g)
{
	return g->name;
}
const struct btf *dt_guest_btf(const dt_guest_t *g)
{
	return g->btf;
}
const dt_gmem_t *dt_guest_mem(const dt_guest_t *g)
{
	return g->mem;
}
int *dt_guest_errno(dt_guest_t *g)
{
	return &g->err;
}

int dt_guest_read_cr4(dt_guest_t *g, uint64_t cr3, uint64_t cr4, uint64_t gva,
		      void *buf, size_t len)
{
	return dt_gmem_read(g->mem, cr3, (cr4 & CR4_LA57) != 0, gva, buf, len,
			    &g->err);
}

int dt_guest_read(dt_guest_t *g, uint64_t cr3, uint64_t gva, void *buf,
		  size_t len)
{
	/* The paging mode is global to the guest; the module reports its CR4
	 * when it binds. A lying guest only confuses its own tracing. */
	uint64_t cr4 = ((volatile struct ht_hdr *)g->bar)->guest_cr4;

	return dt_guest_read_cr4(g, cr3, cr4, gva, buf, len);
}

ssize_t dt_guest_readstr(dt_guest_t *g, uint64_t cr3, uint64_t gva, char *buf,
			 size_t len)
{
	size_t got = 0;

	if (len == 0) {
		g->err = EDT_INVAL;
		return -1;
	}
	/* Page by page: a string may end just before an unmapped page. */
	while (got < len - 1) {
		size_t chunk = 4096 - ((gva + got) & 4095);
		char *nul;

		if (chunk > len - 1 - got)
			chunk = len - 1 - got;
		if (dt_guest_read(g, cr3, gva + got, buf + got, chunk) != 0) {
			buf[got] = 0;
			return -1;
		}
		nul = memchr(buf + got, 0, chunk);
		if (nul)
			return nul - buf;
		got += chunk;
	}
	buf[got] = 0;
	return got;
}

void dt_guest_stats(const dt_guest_t *g, dt_guest_stats_t *st)
{
	const volatile struct ht_area *a = g->ar;

	st->calls = a->calls;
	st->timeouts = a->timeouts;
	st->records = a->records;
	st->ring_drops = a->ring_drops;
	st->doorbells = a->doorbells;
	st->handled = g->handled;
	st->async_handled = g->async_handled;
	st->bad = g->bad;
}

/* ---- poller ------------------------------------------------------------- */

#define GPOLL_MAX 64

struct dt_gpoll {
	pthread_t th;
	pthread_mutex_t lock;
	dt_guest_t *g[GPOLL_MAX];
	unsigned n;
	int stop_efd;
	volatile int stop;
	int running;
	uint64_t spin_ns;
	dt_guest_handler_f *fn;
	void *arg;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void rec_sanitize(struct ht_record *r)
{
	r->str[HT_STRMAX - 1] = 0;
	if (r->strlen >= HT_STRMAX)
		r->strlen = HT_STRMAX - 1;
}

/* One pass over g's slots and rings; returns the records handled. */
static int guest_scan(dt_gpoll_t *p, dt_guest_t *g)
{
	struct ht_record rec;
	int n = 0;
	unsigned c;

	for (c = 0; c < HT_MAX_CPUS; c++) {
		struct ht_slot *s = HT_SLOT_PTR(g->bar, g->area, c);
		struct ht_ring *r = HT_RING_PTR(g->bar, g->area, c);
		uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		uint64_t head, tail;

		if (seq != g->last_done[c]) {
			memcpy(&rec, (const void *)&s->rec, sizeof(rec));
			rec_sanitize(&rec);
			p->fn(g, &rec, p->arg);
			s->result = HT_RES_OK;
			__atomic_store_n(&s->done, seq, __ATOMIC_RELEASE);
			g->last_done[c] = seq;
			g->handled++;
			n++;
		}
		head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		tail = g->tail[c];
		if (head - tail > HT_RING_N) {
			/* A head no honest guest could write: resynchronise. */
			g->bad++;
			tail = head;
		}
		while (tail != head) {
			memcpy(&rec, (const void *)&r->rec[tail % HT_RING_N],
			       sizeof(rec));
			rec_sanitize(&rec);
			rec.flags |= HT_REC_ASYNC;
			p->fn(g, &rec, p->arg);
			tail++;
			g->async_handled++;
			n++;
		}
		if (tail != g->tail[c]) {
			g->tail[c] = tail;
			__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
		}
	}
	return n;
}

int dt_gpoll_once(dt_gpoll_t *p)
{
	unsigned i;
	int n = 0;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n; i++)
		n += guest_scan(p, p->g[i]);
	pthread_mutex_unlock(&p->lock);
	return n;
}

static void set_polling(dt_gpoll_t *p, uint32_t v)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		__atomic_store_n(&p->g[i]->ar->host_polling, v,
				 __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void *gpoll_main(void *arg)
{
	dt_gpoll_t *p = arg;
	uint64_t last = now_ns();
	unsigned iter = 0, i;

	pthread_mutex_lock(&p->lock);
	set_polling(p, 1);
	while (!p->stop) {
		struct pollfd pfd[GPOLL_MAX + 1];
		int n = 0, np = 0;

		for (i = 0; i < p->n; i++)
			n += guest_scan(p, p->g[i]);
		if (n) {
			last = now_ns();
			continue;
		}
		if ((++iter & 63) != 0 || now_ns() - last < p->spin_ns) {
			pthread_mutex_unlock(&p->lock);
			__builtin_ia32_pause();
			pthread_mutex_lock(&p->lock);
			continue;
		}
		/* Stop spinning: guests ring the doorbell from now on. Rescan
		 * after the fence so that a call published just before it is
		 * not missed (the guest fences between seq and the flag). */
		set_polling(p, 0);
		for (i = 0; i < p->n; i++)
			n += guest_scan(p, p->g[i]);
		if (n == 0) {
			for (i = 0; i < p->n; i++)
				if (p->g[i]->efd >= 0)
					pfd[np++] = (struct pollfd){
					    p->g[i]->efd, POLLIN, 0};
			pfd[np++] = (struct pollfd){p->stop_efd, POLLIN, 0};
			pthread_mutex_unlock(&p->lock);
			poll(pfd, np, 100);
			pthread_mutex_lock(&p->lock);
			for (i = 0; i < (unsigned)np; i++) {
				uint64_t v;

				if (pfd[i].revents & POLLIN)
					(void)!read(pfd[i].fd, &v, sizeof(v));
			}
		}
		set_polling(p, 1);
		last = now_ns();
	}
	set_polling(p, 0);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

dt_gpoll_t *dt_gpoll_create(uint64_t spin_ns, dt_guest_handler_f *fn, void *arg)
{
	dt_gpoll_t *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	p->spin_ns = spin_ns;
	p->fn = fn;
	p->arg = arg;
	p->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->stop_efd < 0) {
		free(p);
		return NULL;
	}
	return p;
}

int dt_gpoll_add(dt_gpoll_t *p, dt_guest_t *g)
{
	int rc = -1;

	pthread_mutex_lock(&p->lock);
	if (p->n < GPOLL_MAX) {
		p->g[p->n++] = g;
		if (p->running)
			__atomic_store_n(&g->ar->host_polling, 1,
					 __ATOMIC_SEQ_CST);
		rc = 0;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int dt_gpoll_start(dt_gpoll_t *p)
{
	if (pthread_create(&p->th, NULL, gpoll_main, p) != 0)
		return -1;
	p->running = 1;
	return 0;
}

void dt_gpoll_stop(dt_gpoll_t *p)
{
	uint64_t one = 1;

	if (!p->running)
		return;
	p->stop = 1;
	(void)!write(p->stop_efd, &one, sizeof(one));
	pthread_join(p->th, NULL);
	p->running = 0;
}

void dt_gpoll_destroy(dt_gpoll_t *p)
{
	if (!p)
		return;
	dt_gpoll_stop(p);
	close(p->stop_efd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
