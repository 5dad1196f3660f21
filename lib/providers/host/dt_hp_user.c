/*
 * dt_hp_user.c: memory reads for host probes: copyin/copyinstr from the
 * firing process (process_vm_readv), and the engine's "kernel" address
 * space, which on the host is only the event's own record and string
 * copies: kernel memory is not readable from userspace here.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "providers/host/dt_hostprobe.h"

int dt_host_read_user(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = {buf, len};
	struct iovec r = {(void *)(uintptr_t)addr, len};

	if (len == 0)
		return 0;
	if (pid <= 0 || addr == 0) {
		errno = EFAULT;
		return -1;
	}
	return process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -1;
}

long dt_host_read_user_str(pid_t pid, uint64_t addr, char *buf, size_t len)
{
	size_t got = 0;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	/* Read up to page ends so that a string near an unmapped page
	 * still reads. */
	while (got + 1 < len) {
		uint64_t a = addr + got;
		size_t chunk = 4096 - (size_t)(a & 4095);
		struct iovec l, r;
		ssize_t n;
		char *nul;

		if (chunk > len - 1 - got)
			chunk = len - 1 - got;
		l.iov_base = buf + got;
		l.iov_len = chunk;
		r.iov_base = (void *)(uintptr_t)a;
		r.iov_len = chunk;
		n = process_vm_readv(pid, &l, 1, &r, 1, 0);
		if (n <= 0) {
			buf[got] = '\0';
			return got > 0 ? (long)got : -1;
		}
		nul = memchr(buf + got, '\0', (size_t)n);
		if (nul != NULL)
			return (long)(nul - buf);
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (long)got;
}

static int within(uint64_t addr, size_t len, const void *base, size_t blen)
{
	uint64_t b = (uint64_t)(uintptr_t)base;

	return base != NULL && addr >= b && len <= blen &&
	       addr - b <= blen - len;
}

int dt_hostevent_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	const dt_hostevent_t *ev = arg;

	if (within(addr, len, ev->data, ev->datalen) ||
	    within(addr, len, ev->aux, ev->auxlen)) {
		memcpy(buf, (const void *)(uintptr_t)addr, len);
		return 0;
	}
	errno = EFAULT;
	return -1;
}
