/*
 * dt_dtraced_client.c: blocking client for dtraced's sub.sock (API and
 * semantics in dt_dtraced_client.h). Owns the client's reconnect and
 * re-attach logic and the de-duplication of replies.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "common/dt_error.h"
#include "daemon/dt_dtraced_client.h"
#include "daemon/dtd_proto.h"

struct qmsg {
	struct qmsg *next;
	dtd_msg_t m;
};

struct dtd_client {
	int fd;
	int kind, flags;
	uint32_t subs;
	char dir[4096];
	char name[DTD_NAME_MAX + 1];
	uint8_t *rbuf;
	size_t rlen, rcap;
	struct qmsg *qhead, **qtail;
	uint8_t *owned; /* idents this consumer sent, for re-attach */
	size_t nowned, capowned;
	uint8_t *seen; /* srcident + SHA-256(guest) of delivered replies */
	size_t nseen, capseen;
	int err;
	char errmsg[4608]; /* room for a path */
};

#define SEEN_SIZE (DTD_IDENT_LEN + 32)

static int fail(dtd_client_t *c, int err, const char *fmt, const char *arg)
{
	c->err = err;
	snprintf(c->errmsg, sizeof(c->errmsg), fmt, arg ? arg : "");
	return -1;
}

const char *dtd_client_default_dir(const char *dir)
{
	const char *e;

	if (dir && *dir)
		return dir;
	if ((e = getenv("DTRACED_DIR")) != NULL && *e)
		return e;
	return "/var/ddtrace";
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Reads until one whole frame is buffered. 1: frame in *f (valid until
 * the next call), 0: timeout, -1: error or EOF.
 */
static int read_frame(dtd_client_t *c, dtd_frame_t *f, size_t *used,
		      long long deadline)
{
	for (;;) {
		size_t need = DTD_HDR_SIZE;
		int nak, r;
		const char *why;

		r = dtd_frame_parse(c->rbuf, c->rlen, f, used, &need, &nak,
				    &why);
		if (r == 1)
			return 1;
		if (r < 0)
			return fail(c, EDT_PROTO, "bad frame from dtraced: %s",
				    why);
		if (need > c->rcap) {
			uint8_t *nb = realloc(c->rbuf, need);
			if (nb == NULL)
				return fail(c, EDT_NOMEM, "out of memory%s",
					    NULL);
			c->rbuf = nb;
			c->rcap = need;
		}
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			struct pollfd p = {.fd = c->fd, .events = POLLIN};
			if (left < 0)
				left = 0;
			r = poll(&p, 1, (int)left);
			if (r == 0)
				return 0;
			if (r < 0 && errno != EINTR)
				return fail(c, errno, "poll: %s",
					    strerror(errno));
			if (r < 0)
				continue;
		}
		ssize_t n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(c, EDT_PEER,
				    "dtraced closed the "
				    "connection%s",
				    NULL);
		c->rlen += (size_t)n;
	}
}

static void consume(dtd_client_t *c, size_t used)
{
	memmove(c->rbuf, c->rbuf + used, c->rlen - used);
	c->rlen -= used;
}

static int grow(uint8_t **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 64;
	uint8_t *na = realloc(*arr, nc * elem);
	if (na == NULL)
		return -1;
	*arr = na;
	*cap = nc;
	return 0;
}

/* Queues an ELF frame from dtraced unless it duplicates an earlier one. */
static int queue_elf(dtd_client_t *c, const dtd_frame_t *f)
{
	dtd_elf_t e;
	const char *why;
	uint8_t key[SEEN_SIZE];
	struct qmsg *q;

	if (dtd_elf_parse(f->payload, f->length, &e, &why) < 0)
		return fail(c, EDT_PROTO, "bad ELF from dtraced: %s", why);
	memcpy(key, e.srcident, DTD_IDENT_LEN);
	SHA256((const uint8_t *)e.name, strlen(e.name), key + DTD_IDENT_LEN);
	for (size_t i = 0; i < c->nseen; i++)
		if (memcmp(c->seen + i * SEEN_SIZE, key, SEEN_SIZE) == 0)
			return 0;
	if (grow(&c->seen, &c->capseen, c->nseen, SEEN_SIZE) < 0 ||
	    (q = calloc(1, sizeof(*q))) == NULL)
		return fail(c, EDT_NOMEM, "out of memory%s", NULL);
	if ((q->m.data = malloc(e.datalen ? e.datalen : 1)) == NULL) {
		free(q);
		return fail(c, EDT_NOMEM, "out of memory%s", NULL);
	}
	memcpy(c->seen + c->nseen++ * SEEN_SIZE, key, SEEN_SIZE);
	memcpy(q->m.ident, f->ident, DTD_IDENT_LEN);
	memcpy(q->m.srcident, e.srcident, DTD_IDENT_LEN);
	snprintf(q->m.guest, sizeof(q->m.guest), "%s", e.name);
	q->m.status = e.status;
	memcpy(q->m.data, e.data, e.datalen);
	q->m.len = e.datalen;
	*c->qtail = q;
	c->qtail = &q->next;
	return 0;
}

/*
 * Sends one request and waits for its ACK (payload copied to *ackp if
 * asked). ELF frames arriving meanwhile are queued.
 */
static int request_once(dtd_client_t *c, uint16_t type, const uint8_t *ident,
			const void *p1, size_t l1, const void *p2, size_t l2,
			uint8_t **ackp, size_t *acklen)
{
	size_t flen, used;
	uint8_t *frame = dtd_frame_build2(type, ident, p1, l1, p2, l2, &flen);
	dtd_frame_t f;

	if (frame == NULL)
		return fail(c, EDT_NOMEM, "cannot build frame%s", NULL);
	if (write_all(c->fd, frame, flen) < 0) {
		free(frame);
		return fail(c, EDT_PEER, "write to dtraced failed: %s",
			    strerror(errno));
	}
	free(frame);
	for (;;) {
		if (read_frame(c, &f, &used, -1) != 1)
			return -1;
		if (f.type == DTD_ELF) {
			int r = queue_elf(c, &f);
			consume(c, used);
			if (r < 0)
				return -1;
			continue;
		}
		if (f.type == DTD_NAK) {
			uint32_t code = 0;
			char msg[400] = "";
			dtd_nak_parse(f.payload, f.length, &code, msg,
				      sizeof(msg));
			consume(c, used);
			return fail(c, EDT_PEER, "dtraced refused: %s", msg);
		}
		if (f.type != DTD_ACK) {
			consume(c, used);
			continue; /* KILL/CLEANUP notices: not for us */
		}
		if (ackp) {
			*ackp = malloc(f.length + 1);
			if (*ackp == NULL) {
				consume(c, used);
				return fail(c, EDT_NOMEM, "out of memory%s",
					    NULL);
			}
			memcpy(*ackp, f.payload, f.length);
			(*ackp)[f.length] = '\0';
			*acklen = f.length;
		}
		consume(c, used);
		return 0;
	}
}

static int do_connect(dtd_client_t *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint8_t *hello, *ids = NULL;
	size_t hlen;
	int r;

	if (c->fd >= 0)
		close(c->fd);
	c->rlen = 0;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sub.sock", c->dir) >=
	    (int)sizeof(sa.sun_path))
		return fail(c, EDT_INVAL, "socket path too long: %s", c->dir);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c, errno, "socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail(c, EDT_PEER, "cannot connect to dtraced: %s",
			    strerror(errno));
	if (c->nowned) {
		ids = malloc(c->nowned * DTD_HELLO_ID_SIZE);
		if (ids == NULL)
			return fail(c, EDT_NOMEM, "out of memory%s", NULL);
		for (size_t i = 0; i < c->nowned; i++) {
			memcpy(ids + i * DTD_HELLO_ID_SIZE,
			       c->owned + i * DTD_IDENT_LEN, DTD_IDENT_LEN);
			ids[i * DTD_HELLO_ID_SIZE + DTD_IDENT_LEN] =
			    DTD_ID_ACTIVE;
		}
	}
	hello = dtd_hello_build((uint32_t)c->kind, c->subs, (uint32_t)getpid(),
				0, c->name, ids, (uint32_t)c->nowned, &hlen);
	free(ids);
	if (hello == NULL)
		return fail(c, EDT_NOMEM, "out of memory%s", NULL);
	r = request_once(c, DTD_HELLO, NULL, hello, hlen, NULL, 0, NULL, NULL);
	free(hello);
	return r;
}

/* Reconnects for up to DTRACED_RECONNECT_MS (default 60 s). */
static int reconnect(dtd_client_t *c)
{
	const char *e = getenv("DTRACED_RECONNECT_MS");
	long long deadline = now_ms() + (e ? atoll(e) : 60000);

	if (!(c->flags & DTD_CLIENT_RECONNECT))
		return -1;
	for (;;) {
		if (do_connect(c) == 0)
			return 0;
		if (now_ms() > deadline)
			return -1;
		usleep(50 * 1000);
	}
}

static int request(dtd_client_t *c, uint16_t type, const uint8_t *ident,
		   const void *p1, size_t l1, const void *p2, size_t l2,
		   uint8_t **ackp, size_t *acklen)
{
	for (;;) {
		if (c->fd >= 0 && request_once(c, type, ident, p1, l1, p2, l2,
					       ackp, acklen) == 0)
			return 0;
		/* A NAK is final; a lost connection is retried. */
		if (c->err != EDT_PEER ||
		    strncmp(c->errmsg, "dtraced refused", 15) == 0)
			return -1;
		if (reconnect(c) < 0)
			return -1;
	}
}

dtd_client_t *dtd_client_open_flags(const char *dir, int kind, uint32_t subs,
				    const char *name, int flags, int *errp)
{
	dtd_client_t *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		*errp = EDT_NOMEM;
		return NULL;
	}
	c->fd = -1;
	c->kind = kind;
	c->subs = subs;
	c->flags = flags;
	c->qtail = &c->qhead;
	snprintf(c->dir, sizeof(c->dir), "%s", dtd_client_default_dir(dir));
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
	if (do_connect(c) < 0 &&
	    (!(flags & DTD_CLIENT_RECONNECT) || reconnect(c) < 0)) {
		*errp = c->err;
		dtd_client_close(c);
		return NULL;
	}
	return c;
}

dtd_client_t *dtd_client_open(const char *dir, int kind, uint32_t subs,
			      const char *name, int *errp)
{
	return dtd_client_open_flags(dir, kind, subs, name, 0, errp);
}

void dtd_client_close(dtd_client_t *c)
{
	struct qmsg *q, *n;

	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	for (q = c->qhead; q; q = n) {
		n = q->next;
		dtd_msg_free(&q->m);
		free(q);
	}
	free(c->rbuf);
	free(c->owned);
	free(c->seen);
	free(c);
}

int dtd_client_fd(const dtd_client_t *c)
{
	return c->fd;
}

int dtd_client_send_elf(dtd_client_t *c, const uint8_t *ident,
			const uint8_t *srcident, const char *dest,
			const void *buf, size_t len)
{
	size_t ml;
	uint8_t *meta;
	int r;

	if (dest && *dest && !dtd_name_valid(dest))
		return fail(c, EDT_INVAL, "bad guest name: %s", dest);
	meta = dtd_elf_meta_build(srcident, 0, 0, dest, &ml);
	if (meta == NULL)
		return fail(c, EDT_NOMEM, "out of memory%s", NULL);
	/* Remember it first, so that a reconnect in the middle re-attaches
	 * it (dtraced ignores idents it does not have). */
	if (c->kind == DTD_KIND_CONSUMER) {
		size_t i;
		for (i = 0; i < c->nowned; i++)
			if (!memcmp(c->owned + i * DTD_IDENT_LEN, ident,
				    DTD_IDENT_LEN))
				break;
		if (i == c->nowned) {
			if (grow(&c->owned, &c->capowned, c->nowned,
				 DTD_IDENT_LEN) < 0) {
				free(meta);
				return fail(c, EDT_NOMEM, "out of memory%s",
					    NULL);
			}
			memcpy(c->owned + c->nowned++ * DTD_IDENT_LEN, ident,
			       DTD_IDENT_LEN);
		}
	}
	r = request(c, DTD_ELF, ident, meta, ml, buf, len, NULL, NULL);
	free(meta);
	return r;
}

int dtd_client_send_file(dtd_client_t *c, const uint8_t *ident,
			 const uint8_t *srcident, const char *dest,
			 const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;
	struct stat st;
	uint8_t *buf;
	size_t off = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return fail(c, errno, "cannot open %s", path);
	}
	if ((uint64_t)st.st_size > DTD_MAX_PAYLOAD - 1024) {
		close(fd);
		return fail(c, EDT_INVAL, "%s: larger than 64 MiB", path);
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (buf == NULL || off != (size_t)st.st_size) {
		free(buf);
		return fail(c, EDT_IO, "cannot read %s", path);
	}
	r = dtd_client_send_elf(c, ident, srcident, dest, buf, off);
	free(buf);
	return r;
}

int dtd_client_kill(dtd_client_t *c, const uint8_t *ident, const char *guest)
{
	size_t l;
	uint8_t *p = dtd_kill_build(guest, &l);
	int r;

	if (p == NULL)
		return fail(c, EDT_INVAL, "bad guest name%s", NULL);
	r = request(c, DTD_KILL, ident, p, l, NULL, 0, NULL, NULL);
	free(p);
	return r;
}

int dtd_client_cleanup(dtd_client_t *c, const char *const *guests, size_t n)
{
	size_t l;
	uint8_t *p = dtd_cleanup_build(guests, n, &l);
	int r;

	if (p == NULL)
		return fail(c, EDT_INVAL, "bad guest name%s", NULL);
	r = request(c, DTD_CLEANUP, NULL, p, l, NULL, 0, NULL, NULL);
	free(p);
	return r;
}

int dtd_client_info(dtd_client_t *c, char **jsonp)
{
	return dtd_client_info_req(c, "status json", jsonp);
}

int dtd_client_info_req(dtd_client_t *c, const char *req, char **outp)
{
	size_t l;

	return request(c, DTD_INFO, NULL, req, req ? strlen(req) : 0, NULL, 0,
		       (uint8_t **)outp, &l);
}

int dtd_client_recv(dtd_client_t *c, dtd_msg_t *m, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	dtd_frame_t f;
	size_t used;

	for (;;) {
		if (c->qhead) {
			struct qmsg *q = c->qhead;
			c->qhead = q->next;
			if (c->qhead == NULL)
				c->qtail = &c->qhead;
			*m = q->m;
			free(q);
			return 1;
		}
		int r = c->fd >= 0 ? read_frame(c, &f, &used,
						deadline < 0 ? -1 : deadline)
				   : -1;
		if (r == 0)
			return 0;
		if (r < 0) {
			if (c->err != EDT_PEER || reconnect(c) < 0)
				return -1;
			continue;
		}
		if (f.type == DTD_ELF && queue_elf(c, &f) < 0) {
			consume(c, used);
			return -1;
		}
		consume(c, used);
		if (deadline >= 0 && now_ms() > deadline && !c->qhead)
			return 0;
	}
}

void dtd_msg_free(dtd_msg_t *m)
{
	free(m->data);
	m->data = NULL;
}

int dtd_client_error(const dtd_client_t *c)
{
	return c->err;
}

const char *dtd_client_errmsg(const dtd_client_t *c)
{
	return c->errmsg;
}
