/*
 * test_gslot.c: the call-slot protocol of guest_abi.h between a simulated
 * guest (a thread doing what hypertrace.ko does) and the host poller:
 * synchronous calls answered exactly once and in order, asynchronous
 * records with ring overflow counted, doorbell suppression with a blocking
 * host (no lost wake-ups), and a guest that scribbles on the ring.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest/dt_guest.h"

#define NCALLS 20000

typedef struct sim {
	void *bar;
	int efd;
	unsigned area, cpu;
	uint64_t next_probe;
	uint64_t seen, bad_order;
	uint64_t last;
	long n;
	int mode; /* 0 sync, 1 async */
	uint64_t drops, timeouts;
} sim_t;

static dt_gmem_t no_mem;

static void handler(dt_guest_t *g, const struct ht_record *rec, void *arg)
{
	sim_t *s = arg;

	(void)g;
	if (rec->args[0] != s->last + 1)
		s->bad_order++;
	s->last = rec->args[0];
	s->seen++;
}

static void doorbell(sim_t *s)
{
	uint64_t one = 1;

	if (!__atomic_load_n(&HT_AREA_PTR(s->bar, s->area)->host_polling,
			     __ATOMIC_SEQ_CST))
		(void)!write(s->efd, &one, sizeof(one));
}

/* The guest module's synchronous call, in user space. */
static int guest_call(sim_t *s, uint64_t arg0)
{
	struct ht_slot *sl = HT_SLOT_PTR(s->bar, s->area, s->cpu);
	uint64_t seq = sl->seq + 1, spins = 0;

	if (seq == sl->done)
		seq++;
	memset((void *)&sl->rec, 0, sizeof(sl->rec));
	sl->rec.args[0] = arg0;
	__atomic_store_n(&sl->seq, seq, __ATOMIC_SEQ_CST);
	doorbell(s);
	while (__atomic_load_n(&sl->done, __ATOMIC_ACQUIRE) != seq)
		if (++spins > 4000000000ULL)
			return -1;
	return 0;
}

static void guest_async(sim_t *s, uint64_t arg0)
{
	struct ht_ring *r = HT_RING_PTR(s->bar, s->area, s->cpu);
	uint64_t head = r->head;

	if (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) >= HT_RING_N) {
		s->drops++;
		return;
	}
	memset((void *)&r->rec[head % HT_RING_N], 0, sizeof(struct ht_record));
	r->rec[head % HT_RING_N].args[0] = arg0;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_SEQ_CST);
	doorbell(s);
}

static void *guest_main(void *a)
{
	sim_t *s = a;
	long i;

	for (i = 1; i <= s->n; i++) {
		if (s->mode == 0) {
			if (guest_call(s, i) != 0)
				s->timeouts++;
		} else {
			guest_async(s, i);
		}
	}
	return NULL;
}

static void *new_bar(void)
{
	void *bar = aligned_alloc(4096, HT_BAR_SIZE);

	memset(bar, 0, HT_BAR_SIZE);
	((struct ht_hdr *)bar)->magic = HT_ABI_MAGIC;
	HT_AREA_PTR(bar, 1)->gen = 1;
	return bar;
}

static void run_sync(uint64_t spin_ns)
{
	sim_t s = {.area = 1, .cpu = 3, .n = NCALLS, .mode = 0};
	dt_guest_t *g;
	dt_gpoll_t *p;
	pthread_t t;

	s.bar = new_bar();
	s.efd = eventfd(0, EFD_NONBLOCK);
	g = dt_guest_from_parts("sim", s.bar, 1, &no_mem, s.efd);
	p = dt_gpoll_create(spin_ns, handler, &s);
	assert_non_null(g);
	assert_non_null(p);
	assert_int_equal(dt_gpoll_add(p, g), 0);
	assert_int_equal(dt_gpoll_start(p), 0);
	pthread_create(&t, NULL, guest_main, &s);
	pthread_join(t, NULL);
	dt_gpoll_destroy(p);
	assert_int_equal(s.timeouts, 0);
	assert_int_equal(s.seen, NCALLS);
	assert_int_equal(s.bad_order, 0);
	assert_int_equal(HT_AREA_PTR(s.bar, 1)->host_polling, 0);
	dt_guest_detach(g);
	close(s.efd);
	free(s.bar);
}

static void test_sync_spinning(void **state)
{
	(void)state;
	run_sync(UINT64_MAX);
}

static void test_sync_adaptive(void **state)
{
	(void)state;
	run_sync(20000); /* 20 us: blocks often between calls */
}

static void test_sync_blocking(void **state)
{
	(void)state;
	run_sync(0); /* every call needs the doorbell: no lost wake-up */
}

static void test_async_ring(void **state)
{
	sim_t s = {.area = 0, .cpu = 0, .n = 1000, .mode = 1};
	dt_guest_t *g;
	dt_gpoll_t *p;
	dt_guest_stats_t st;

	(void)state;
	s.bar = new_bar();
	HT_AREA_PTR(s.bar, 0)->gen = 1;
	g = dt_guest_from_parts("sim", s.bar, 0, &no_mem, -1);
	p = dt_gpoll_create(0, handler, &s);
	dt_gpoll_add(p, g);
	/* Without a host the ring fills and then drops. */
	guest_main(&s);
	assert_int_equal(s.drops, 1000 - HT_RING_N);
	assert_int_equal(dt_gpoll_once(p), HT_RING_N);
	assert_int_equal(s.seen, HT_RING_N);
	assert_int_equal(s.bad_order, 0);
	assert_int_equal(HT_RING_PTR(s.bar, 0, 0)->tail, HT_RING_N);
	/* After the drain it accepts records again. */
	guest_async(&s, 1001);
	s.last = 1000;
	assert_int_equal(dt_gpoll_once(p), 1);
	dt_guest_stats(g, &st);
	assert_int_equal(st.async_handled, HT_RING_N + 1);
	assert_int_equal(st.bad, 0);
	dt_gpoll_destroy(p);
	dt_guest_detach(g);
	free(s.bar);
}

static void test_ring_scribble(void **state)
{
	sim_t s = {.area = 2, .cpu = 7, .n = 0};
	dt_guest_t *g;
	dt_gpoll_t *p;
	struct ht_ring *r;
	struct ht_slot *sl;
	dt_guest_stats_t st;

	(void)state;
	s.bar = new_bar();
	g = dt_guest_from_parts("sim", s.bar, 2, &no_mem, -1);
	p = dt_gpoll_create(0, handler, &s);
	dt_gpoll_add(p, g);
	r = HT_RING_PTR(s.bar, 2, 7);
	sl = HT_SLOT_PTR(s.bar, 2, 7);
	/* A head no honest guest writes: resynchronised, nothing handled. */
	r->head = 0x123456789abcdefULL;
	memset(sl->rec.str, 'x', sizeof(sl->rec.str));
	assert_int_equal(dt_gpoll_once(p), 0);
	dt_guest_stats(g, &st);
	assert_int_equal(st.bad, 1);
	assert_int_equal(r->tail, 0x123456789abcdefULL);
	/* A head that went backwards is just as bad. */
	r->head -= 5;
	assert_int_equal(dt_gpoll_once(p), 0);
	dt_guest_stats(g, &st);
	assert_int_equal(st.bad, 2);
	/* A slot seq jump is one call, answered with done = seq. */
	sl->seq = 0xdeadbeef;
	sl->rec.strlen = 0xffffffff;
	assert_int_equal(dt_gpoll_once(p), 1);
	assert_int_equal(sl->done, 0xdeadbeef);
	assert_int_equal(dt_gpoll_once(p), 0);
	dt_gpoll_destroy(p);
	dt_guest_detach(g);
	free(s.bar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sync_spinning),
	    cmocka_unit_test(test_sync_adaptive),
	    cmocka_unit_test(test_sync_blocking),
	    cmocka_unit_test(test_async_ring),
	    cmocka_unit_test(test_ring_scribble),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
