/*
 * dt_gserver.c: the ivshmem server that the htvm supervisor runs for its
 * guest (QEMU's ivshmem-doorbell connects to it), and the SCM_RIGHTS helpers
 * used to hand its descriptors to consumers. Protocol: QEMU's
 * docs/specs/ivshmem-spec.rst; every message is one little-endian int64,
 * optionally with one file descriptor.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "guest/dt_guest.h"

int dt_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	struct iovec iov = {(void *)buf, len};
	union {
		char b[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t r;

	if (nfds > 8)
		return -1;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)len ? 0 : -1;
}

ssize_t dt_recv_fds(int sock, void *buf, size_t len, int *fds, int *nfds)
{
	struct iovec iov = {buf, len};
	union {
		char b[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.b,
			     .msg_controllen = sizeof(u.b)};
	struct cmsghdr *c;
	ssize_t r;
	int max = *nfds, got = 0;

	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (r < 0 && errno == EINTR);
	for (c = CMSG_FIRSTHDR(&msg); r >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
		int n, i, *p;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		p = (int *)CMSG_DATA(c);
		for (i = 0; i < n; i++) {
			if (got < max)
				fds[got++] = p[i];
			else
				close(p[i]);
		}
	}
	*nfds = got;
	return r;
}

static int send_msg(int sock, int64_t v, int fd)
{
	return dt_send_fds(sock, &v, sizeof(v), &fd, fd >= 0 ? 1 : 0);
}

int dt_gserver_init(dt_gserver_t *s, const char *sock_path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ht_hdr *h;
	int i;

	memset(s, 0, sizeof(*s));
	s->listen_fd = s->client_fd = s->bar_fd = -1;
	for (i = 0; i < HT_MAX_AREAS; i++)
		s->host_efd[i] = s->guest_efd[i] = -1;
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return -1;
	s->bar_fd = memfd_create("hypertrace-bar", MFD_CLOEXEC);
	if (s->bar_fd < 0 || ftruncate(s->bar_fd, HT_BAR_SIZE) != 0)
		goto fail;
	s->bar = mmap(NULL, HT_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      s->bar_fd, 0);
	if (s->bar == MAP_FAILED) {
		s->bar = NULL;
		goto fail;
	}
	for (i = 0; i < HT_MAX_AREAS; i++) {
		s->host_efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		s->guest_efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->host_efd[i] < 0 || s->guest_efd[i] < 0)
			goto fail;
		HT_AREA_PTR(s->bar, i)->vector = i;
	}
	h = s->bar;
	h->version = HT_ABI_VERSION;
	h->nareas = HT_MAX_AREAS;
	h->ncpus = HT_MAX_CPUS;
	h->area_size = HT_AREA_SIZE;
	h->bar_size = HT_BAR_SIZE;
	__atomic_store_n(&h->magic, HT_ABI_MAGIC, __ATOMIC_RELEASE);

	strcpy(sa.sun_path, sock_path);
	unlink(sock_path);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0 ||
	    bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(s->listen_fd, 4) != 0)
		goto fail;
	return 0;
fail:
	dt_gserver_fini(s);
	return -1;
}

int dt_gserver_accept(dt_gserver_t *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC), i;

	if (fd < 0)
		return -1;
	/* version, the client's id (1), the shared memory, then our vectors
	 * (peer 0, which the guest's doorbell targets), then its own. */
	if (send_msg(fd, 0, -1) || send_msg(fd, 1, -1) ||
	    send_msg(fd, -1, s->bar_fd))
		goto fail;
	for (i = 0; i < HT_MAX_AREAS; i++)
		if (send_msg(fd, HT_HOST_PEER, s->host_efd[i]))
			goto fail;
	for (i = 0; i < HT_MAX_AREAS; i++)
		if (send_msg(fd, 1, s->guest_efd[i]))
			goto fail;
	if (s->client_fd >= 0)
		close(s->client_fd);
	s->client_fd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

void dt_gserver_fini(dt_gserver_t *s)
{
	int i;

	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->client_fd >= 0)
		close(s->client_fd);
	if (s->bar)
		munmap(s->bar, HT_BAR_SIZE);
	if (s->bar_fd >= 0)
		close(s->bar_fd);
	for (i = 0; i < HT_MAX_AREAS; i++) {
		if (s->host_efd[i] >= 0)
			close(s->host_efd[i]);
		if (s->guest_efd[i] >= 0)
			close(s->guest_efd[i]);
	}
	memset(s, 0, sizeof(*s));
	s->listen_fd = s->client_fd = s->bar_fd = -1;
}
