/*
 * main.c: dtraced's process: options, pidfile (one instance per pidfile),
 * logging, the state directory, sub.sock, the epoll event loop, framed
 * connections with their output queues, and the transactional file helpers
 * (dot-name, fsync, rename, fsync of the directory).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dtraced.h"

#define DTRACED_VERSION	 "0.1.0"
#define DEFAULT_DIR	 "/var/ddtrace"
#define DEFAULT_PIDFILE	 "/run/dtraced.pid"
#define DEFAULT_LINK	 "/dev/virtio-ports/org.hypertrace.dtrace"
#define DEFAULT_COMMAND	 "exec dtrace -Y \"$1\" -o \"$2\""
#define HANDSHAKE_MS	 10000
#define FRAME_IDLE_MS	 30000 /* a frame started must go on arriving */
#define CLIENT_QUEUE_MAX (256u << 20)

struct dtd_daemon D;

void dlog(int level, const char *fmt, ...)
{
	static const char *const lv[] = {"emerg", "alert",  "crit", "error",
					 "warn",  "notice", "info", "debug"};
	va_list ap;

	if (level > D.loglevel)
		return;
	va_start(ap, fmt);
	if (D.foreground) {
		char msg[1024];
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		fprintf(stderr, "%lld.%03ld dtraced[%d] %s: %s\n",
			(long long)ts.tv_sec, ts.tv_nsec / 1000000, getpid(),
			lv[level & 7], msg);
	} else {
		vsyslog(level, fmt, ap);
	}
	va_end(ap);
}

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- growable strings (INFO) ---- */

void sbuf_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0,
			      fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (*buf && *len + (size_t)n < *cap) {
			*len += (size_t)n;
			return;
		}
		size_t nc = (*cap ? *cap * 2 : 1024) + (size_t)n;
		char *nb = realloc(*buf, nc);
		if (nb == NULL)
			return;
		*buf = nb;
		*cap = nc;
	}
}

void json_str(char **buf, size_t *len, size_t *cap, const char *s)
{
	sbuf_printf(buf, len, cap, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			sbuf_printf(buf, len, cap, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			sbuf_printf(buf, len, cap, "\\u%04x", ch);
		else
			sbuf_printf(buf, len, cap, "%c", ch);
	}
	sbuf_printf(buf, len, cap, "\"");
}

/* ---- files ---- */

__attribute__((noinline)) void spath(char *out, size_t sz, const char *dir,
				     const char *name)
{
	if (name)
		snprintf(out, sz, "%s/%s/%s", D.statedir, dir, name);
	else
		snprintf(out, sz, "%s/%s", D.statedir, dir);
}

int dsync(int fd)
{
	return D.nosync ? 0 : fsync(fd);
}

int fsync_dir(const char *dir)
{
	char p[PATH_MAX];
	int fd, r;

	spath(p, sizeof(p), dir, NULL);
	if ((fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = dsync(fd);
	close(fd);
	return r;
}

static int write_all_fd(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * The one way a file appears in a watched directory: written completely
 * under a dot-name, fsynced, renamed, and the directory fsynced.
 */
int store_file(const char *dir, const char *name, const void *p1, size_t l1,
	       const void *p2, size_t l2)
{
	char tmp[PATH_MAX], dst[PATH_MAX], tn[64];
	uint8_t rnd[8];
	int fd;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -1;
	snprintf(tn, sizeof(tn), ".tmp-%02x%02x%02x%02x%02x%02x%02x%02x",
		 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
		 rnd[7]);
	spath(tmp, sizeof(tmp), dir, tn);
	spath(dst, sizeof(dst), dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if ((l1 && write_all_fd(fd, p1, l1) < 0) ||
	    (l2 && write_all_fd(fd, p2, l2) < 0) || dsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	close(fd);
	if (rename(tmp, dst) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return fsync_dir(dir);
}

/* Hard link under a dot-name, then rename: the same atomicity without a
 * copy (the source is complete and fsynced already). */
int store_link(const char *fromdir, const char *name, const char *todir)
{
	char src[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX], tn[300];

	spath(src, sizeof(src), fromdir, name);
	snprintf(tn, sizeof(tn), ".ln-%s", name);
	spath(tmp, sizeof(tmp), todir, tn);
	spath(dst, sizeof(dst), todir, name);
	unlink(tmp);
	if (link(src, tmp) < 0)
		return -1;
	if (rename(tmp, dst) < 0) {
		unlink(tmp);
		return -1;
	}
	return fsync_dir(todir);
}

int store_rename(const char *fromdir, const char *name, const char *todir)
{
	char src[PATH_MAX], dst[PATH_MAX];

	spath(src, sizeof(src), fromdir, name);
	spath(dst, sizeof(dst), todir, name);
	if (rename(src, dst) < 0)
		return -1;
	fsync_dir(todir);
	return fsync_dir(fromdir);
}

int store_unlink(const char *dir, const char *name)
{
	char p[PATH_MAX];

	spath(p, sizeof(p), dir, name);
	if (unlink(p) < 0 && errno != ENOENT)
		return -1;
	return fsync_dir(dir);
}

int store_exists(const char *dir, const char *name)
{
	char p[PATH_MAX];

	spath(p, sizeof(p), dir, name);
	return access(p, F_OK) == 0;
}

uint8_t *store_read(const char *dir, const char *name, size_t *len)
{
	char p[PATH_MAX];
	struct stat st;
	uint8_t *b;
	size_t off = 0;
	int fd;

	spath(p, sizeof(p), dir, name);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > DTD_MAX_PAYLOAD ||
	    (b = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, b + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return b;
}

int scan_dir(const char *dir, void (*fn)(const char *name, void *arg),
	     void *arg)
{
	char p[PATH_MAX];
	struct dirent *de;
	DIR *d;

	spath(p, sizeof(p), dir, NULL);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			fn(de->d_name, arg);
	closedir(d);
	return 0;
}

/* Leftover dot-names are writes that a crash interrupted: never valid. */
void clean_temps(const char *dir)
{
	char p[PATH_MAX];
	struct dirent *de;
	DIR *d;

	spath(p, sizeof(p), dir, NULL);
	if ((d = opendir(p)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") &&
		    strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

static struct {
	int wd;
	char dir[32];
} watches[16];
static int nwatches;

int watch_dir(const char *dir, uint32_t mask)
{
	char p[PATH_MAX];
	int wd;

	spath(p, sizeof(p), dir, NULL);
	if (nwatches == 16 || (wd = inotify_add_watch(D.infd, p, mask)) < 0)
		return -1;
	watches[nwatches].wd = wd;
	snprintf(watches[nwatches].dir, sizeof(watches[0].dir), "%s", dir);
	nwatches++;
	return 0;
}

const char *watch_name(int wd)
{
	for (int i = 0; i < nwatches; i++)
		if (watches[i].wd == wd)
			return watches[i].dir;
	return NULL;
}

/* ---- connections ---- */

int epoll_add(int fd, struct evsrc *ev, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.ptr = ev};

	ev->fd = fd;
	return epoll_ctl(D.epfd, EPOLL_CTL_ADD, fd, &e);
}

struct conn *conn_new(int fd, int role)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ev.type = EV_CONN;
	c->role = role;
	c->oqtail = &c->oq;
	c->t_open = now_ms();
	if (epoll_add(fd, &c->ev, EPOLLIN | EPOLLRDHUP) < 0) {
		free(c);
		return NULL;
	}
	c->next = D.conns;
	D.conns = c;
	return c;
}

struct blob *blob_frame(uint16_t type, const uint8_t *ident, const void *p1,
			size_t l1, const void *p2, size_t l2)
{
	size_t n;
	uint8_t *f = dtd_frame_build2(type, ident, p1, l1, p2, l2, &n);
	struct blob *b;

	if (f == NULL || (b = malloc(sizeof(*b) + n)) == NULL) {
		free(f);
		return NULL;
	}
	b->ref = 1;
	b->len = n;
	memcpy(b->data, f, n);
	free(f);
	return b;
}

void blob_put(struct blob *b)
{
	if (b && --b->ref == 0)
		free(b);
}

static void set_epollout(struct conn *c, int on)
{
	struct epoll_event e = {.events =
				    (c->rdclosed ? 0 : EPOLLIN | EPOLLRDHUP) |
				    (on ? EPOLLOUT : 0),
				.data.ptr = &c->ev};

	if (c->epollout == on && !c->rdclosed)
		return;
	c->epollout = on;
	epoll_ctl(D.epfd, EPOLL_CTL_MOD, c->ev.fd, &e);
}

static void conn_flush(struct conn *c)
{
	while (c->oq && !c->dead) {
		struct outq *q = c->oq;
		ssize_t n =
		    send(c->ev.fd, q->b->data + q->off, q->b->len - q->off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == ENOTSOCK)
			n = write(c->ev.fd, q->b->data + q->off,
				  q->b->len - q->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				set_epollout(c, 1);
				return;
			}
			dlog(LOG_INFO, "write to %s failed: %s",
			     c->name[0] ? c->name : "peer", strerror(errno));
			c->dead = 1;
			return;
		}
		q->off += (size_t)n;
		c->oqbytes -= (size_t)n;
		if (q->off == q->b->len) {
			c->oq = q->next;
			if (c->oq == NULL)
				c->oqtail = &c->oq;
			blob_put(q->b);
			free(q);
		}
	}
	set_epollout(c, 0);
	if (c->closing && c->oq == NULL)
		c->dead = 1;
}

void conn_send_blob(struct conn *c, struct blob *b)
{
	struct outq *q;

	if (c->dead || b == NULL || (q = calloc(1, sizeof(*q))) == NULL)
		return;
	if (c->role == ROLE_CLIENT && c->oqbytes > CLIENT_QUEUE_MAX) {
		/* A client that does not read: drop it, not our memory. */
		dlog(LOG_WARNING, "%s (pid %u) does not read; disconnected",
		     c->name[0] ? c->name : "client", c->pid);
		free(q);
		c->dead = 1;
		return;
	}
	b->ref++;
	q->b = b;
	*c->oqtail = q;
	c->oqtail = &q->next;
	c->oqbytes += b->len;
	if (!c->epollout)
		conn_flush(c);
}

int conn_send(struct conn *c, uint16_t type, const uint8_t *ident,
	      const void *p1, size_t l1, const void *p2, size_t l2)
{
	struct blob *b = blob_frame(type, ident, p1, l1, p2, l2);

	if (b == NULL)
		return -1;
	conn_send_blob(c, b);
	blob_put(b);
	return 0;
}

void conn_ack(struct conn *c, const uint8_t *ident, const void *p, size_t l)
{
	conn_send(c, DTD_ACK, ident, p, l, NULL, 0);
}

void conn_nak(struct conn *c, const uint8_t *ident, int code, const char *fmt,
	      ...)
{
	char msg[512];
	uint8_t *p;
	size_t l;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dlog(LOG_NOTICE, "NAK to %s (%s pid %u): %s",
	     c->name[0] ? c->name : "peer", dtd_kind_name(c->kind), c->pid,
	     msg);
	if ((p = dtd_nak_build((uint32_t)code, msg, &l)) != NULL) {
		conn_send(c, DTD_NAK, ident, p, l, NULL, 0);
		free(p);
	}
}

int conn_push_req(struct conn *c, uint16_t type, const uint8_t *ident,
		  const char *name)
{
	if (c->nreq == c->capreq) {
		size_t nc = c->capreq ? c->capreq * 2 : 16;
		struct req *nr = realloc(c->reqs, nc * sizeof(*nr));
		if (nr == NULL)
			return -1;
		c->reqs = nr;
		c->capreq = nc;
	}
	struct req *r = &c->reqs[c->nreq++];
	r->type = type;
	memset(r->ident, 0, sizeof(r->ident));
	if (ident)
		memcpy(r->ident, ident, DTD_IDENT_LEN);
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
	return 0;
}

int conn_pop_req(struct conn *c, struct req *r)
{
	if (c->nreq == 0)
		return -1;
	*r = c->reqs[0];
	memmove(c->reqs, c->reqs + 1, (c->nreq - 1) * sizeof(*r));
	c->nreq--;
	return 0;
}

/* Marks a connection for closing once what is queued (a NAK) is out. */
void conn_close(struct conn *c)
{
	if (!c->closing)
		c->t_close = now_ms();
	c->closing = 1;
	if (c->oq == NULL)
		c->dead = 1;
}

static void conn_free(struct conn *c)
{
	struct outq *q, *n;

	if (D.mode == MODE_OVERLORD)
		ov_closed(c);
	else
		mn_closed(c);
	epoll_ctl(D.epfd, EPOLL_CTL_DEL, c->ev.fd, NULL);
	close(c->ev.fd);
	for (q = c->oq; q; q = n) {
		n = q->next;
		blob_put(q->b);
		free(q);
	}
	free(c->rbuf);
	free(c->reqs);
	free(c);
}

static void reap_conns(void)
{
	struct conn **pp = &D.conns, *c;

	while ((c = *pp) != NULL) {
		if (c->dead) {
			*pp = c->next;
			conn_free(c);
		} else {
			pp = &c->next;
		}
	}
}

static void conn_read(struct conn *c)
{
	for (;;) {
		dtd_frame_t f;
		size_t used, need = DTD_HDR_SIZE;
		const char *why = "";
		int nak = 0, r = 0;

		while (!c->closing && !c->dead &&
		       (r = dtd_frame_parse(c->rbuf, c->rlen, &f, &used, &need,
					    &nak, &why)) == 1) {
			if (!c->hello && c->role == ROLE_CLIENT &&
			    f.type != DTD_HELLO) {
				D.nframes_bad++;
				conn_nak(c, f.ident, DTD_NAK_HANDSHAKE,
					 "%s before HELLO",
					 dtd_type_name(f.type));
				conn_close(c);
				break;
			}
			if (D.mode == MODE_OVERLORD)
				ov_frame(c, &f);
			else
				mn_frame(c, &f);
			memmove(c->rbuf, c->rbuf + used, c->rlen - used);
			c->rlen -= used;
		}
		if (c->closing || c->dead)
			return;
		if (r < 0) {
			/* A framing error cannot be resynchronised: say why
			 * and hang up. */
			D.nframes_bad++;
			conn_nak(c, NULL, nak, "%s", why);
			conn_close(c);
			return;
		}
		if (need < 65536)
			need = 65536;
		if (need > c->rcap) {
			uint8_t *nb = realloc(c->rbuf, need);
			if (nb == NULL) {
				conn_nak(c, NULL, DTD_NAK_IO, "out of memory");
				conn_close(c);
				return;
			}
			c->rbuf = nb;
			c->rcap = need;
		}
		/* rlen < need <= rcap here: there is room. */
		size_t want = c->rcap - c->rlen;
		ssize_t n = read(c->ev.fd, c->rbuf + c->rlen, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (c->rlen)
				dlog(LOG_NOTICE,
				     "%s closed in the middle of a frame",
				     c->name[0] ? c->name : "peer");
			/* Half-closed peers still get what is queued. */
			c->rdclosed = 1;
			conn_close(c);
			set_epollout(c, c->oq != NULL);
			return;
		}
		c->rlen += (size_t)n;
		c->t_read = now_ms();
	}
}

/* ---- sub.sock clients: handshake and INFO ---- */

int client_hello(struct conn *c, const dtd_frame_t *f, const uint8_t *ids,
		 uint32_t nids, uint16_t flags)
{
	dtd_hello_t h;
	const char *why;
	uint8_t *p;
	size_t l;

	if (c->hello) {
		conn_nak(c, f->ident, DTD_NAK_HANDSHAKE, "second HELLO");
		return -1;
	}
	if (dtd_hello_parse(f->payload, f->length, &h, &why) < 0) {
		D.nframes_bad++;
		conn_nak(c, f->ident, DTD_NAK_HANDSHAKE, "%s", why);
		conn_close(c);
		return -1;
	}
	c->hello = 1;
	c->kind = h.kind;
	c->subs = h.subs;
	c->pid = h.pid;
	snprintf(c->name, sizeof(c->name), "%s", h.name);
	dlog(LOG_INFO, "client %s (%s, pid %u) connected", c->name,
	     dtd_kind_name(c->kind), c->pid);
	p = dtd_hello_build(DTD_KIND_FORWARDER, 0, (uint32_t)getpid(), flags,
			    D.name, ids, nids, &l);
	if (p) {
		conn_ack(c, f->ident, p, l);
		free(p);
	}
	return 0;
}

/* INFO request payload: "[status|guests] [json|text]", default JSON. */
void client_info(struct conn *c, const dtd_frame_t *f)
{
	char req[64] = "", *b = NULL;
	size_t l = 0, cap = 0, n = f->length < 63 ? f->length : 63;
	int json, guests;

	memcpy(req, f->payload, n);
	req[n] = '\0';
	json = strstr(req, "text") == NULL;
	guests = strstr(req, "guests") != NULL;
	sbuf_printf(&b, &l, &cap, "%s", "");
	if (D.mode == MODE_OVERLORD)
		ov_info(&b, &l, &cap, json, guests);
	else
		mn_info(&b, &l, &cap, json, guests);
	conn_ack(c, f->ident, b, l);
	free(b);
}

/* ---- process ---- */

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: dtraced [-dFOmqv] [-D dir] [-p pidfile] [-n name]\n"
		"               [-c command] [-l link] [-S link] [-g secs]\n"
		"  -O / -m   run as overlord (host) / minion (guest)\n"
		"  -D dir    state directory (default " DEFAULT_DIR ")\n"
		"  -p file   pidfile (default " DEFAULT_PIDFILE ")\n"
		"  -d        stay in the foreground, log to stderr\n"
		"  -q / -v   log less / more\n"
		"  -n name   this machine's name (default: hostname)\n"
		"  -c cmd    minion: command run on each program (sh -c,\n"
		"            $1 program, $2 output file)\n"
		"  -l path   minion: host link to open (default\n"
		"            " DEFAULT_LINK ")\n"
		"  -S path   minion: serve the host link as a unix socket\n"
		"  -g secs   overlord: keep programs of a vanished consumer\n"
		"            that long after a restart (default 60)\n"
		"  -F        no fsync: safe across crashes of dtraced, not\n"
		"            across power loss (tmpfs, benchmarks)\n"
		"  -V        print the version\n");
}

static int open_pidfile(void)
{
	char buf[32];
	int fd = open(D.pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "dtraced: cannot open pidfile %s: %s\n",
			D.pidfile, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fprintf(stderr,
			"dtraced: already running as pid %s (pidfile %s)\n",
			buf[0] ? buf : "?", D.pidfile);
		close(fd);
		return -1;
	}
	return fd;
}

static int write_pidfile(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return -1;
	return 0;
}

static int mkdirs(void)
{
	static const char *const sub[] = {"base",   "outbound", "inbound",
					  "guests", "run",	"seen",
					  "sent",   "killed",	"meta"};
	char p[PATH_MAX];

	if (mkdir(D.statedir, 0700) < 0 && errno != EEXIST)
		return -1;
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		spath(p, sizeof(p), sub[i], NULL);
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		clean_temps(sub[i]);
	}
	return 0;
}

static int open_subsock(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sub.sock",
		     D.statedir) >= (int)sizeof(sa.sun_path)) {
		dlog(LOG_ERR, "state directory path too long for a socket");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(sa.sun_path);
	old = umask(0177); /* the socket is born 0600 */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		dlog(LOG_ERR, "bind %s: %s", sa.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	chmod(sa.sun_path, 0600);
	if (listen(fd, 1024) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void do_accept(void)
{
	for (;;) {
		int fd = accept4(D.listen_ev.fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				dlog(LOG_WARNING, "accept: %s",
				     strerror(errno));
			return;
		}
		if (conn_new(fd, ROLE_CLIENT) == NULL)
			close(fd);
	}
}

static void do_inotify(void)
{
	char buf[65536] __attribute__((aligned(8)));

	for (;;) {
		ssize_t n = read(D.infd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			const char *dir = watch_name(e->wd);
			if (e->mask & IN_Q_OVERFLOW)
				dlog(LOG_WARNING, "inotify queue overflow");
			if (dir && e->len && e->name[0] != '.') {
				if (D.mode == MODE_OVERLORD)
					ov_event(dir, e->name, e->mask);
				else
					mn_event(dir, e->name, e->mask);
			}
			p += sizeof(*e) + e->len;
		}
	}
}

static void do_signal(void)
{
	struct signalfd_siginfo si;

	while (read(D.signal_ev.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			if (D.mode == MODE_MINION)
				mn_sigchld();
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			dlog(LOG_NOTICE, "signal %u: shutting down",
			     si.ssi_signo);
			D.stop = 1;
		}
	}
}

/* Closes clients that never finish their handshake. */
static void tick(void)
{
	long long t = now_ms();

	for (struct conn *c = D.conns; c; c = c->next)
		if (c->role == ROLE_CLIENT && !c->hello && !c->dead &&
		    t - c->t_open > HANDSHAKE_MS) {
			dlog(LOG_NOTICE, "client gave no HELLO in %d s",
			     HANDSHAKE_MS / 1000);
			conn_close(c);
		}
	for (struct conn *c = D.conns; c; c = c->next) {
		if (c->closing && !c->dead && t - c->t_close > 5000)
			c->dead = 1; /* peer does not read its NAK */
		if (c->rlen && !c->closing && t - c->t_read > FRAME_IDLE_MS) {
			dlog(LOG_NOTICE, "%s: partial frame idle for %d s",
			     c->name[0] ? c->name : "peer",
			     FRAME_IDLE_MS / 1000);
			conn_nak(c, NULL, DTD_NAK_PROTO, "frame timed out");
			conn_close(c);
		}
	}
	if (D.mode == MODE_OVERLORD)
		ov_tick();
	else
		mn_tick();
}

static int detect_minion(void)
{
	/* The program port exists only in a HyperTrace guest. */
	return access(DEFAULT_LINK, F_OK) == 0;
}

int main(int argc, char **argv)
{
	int opt, force = 0, pidfd, sfd;
	sigset_t ss;

	snprintf(D.statedir, sizeof(D.statedir), "%s", DEFAULT_DIR);
	snprintf(D.pidfile, sizeof(D.pidfile), "%s", DEFAULT_PIDFILE);
	snprintf(D.command, sizeof(D.command), "%s", DEFAULT_COMMAND);
	snprintf(D.linkpath, sizeof(D.linkpath), "%s", DEFAULT_LINK);
	D.loglevel = LOG_INFO;
	D.grace = 60;
	gethostname(D.name, sizeof(D.name) - 1);
	while ((opt = getopt(argc, argv, "OmD:p:dqvn:c:l:S:g:FVh")) != -1) {
		switch (opt) {
		case 'O':
			force = MODE_OVERLORD;
			break;
		case 'm':
			force = MODE_MINION;
			break;
		case 'D':
			snprintf(D.statedir, sizeof(D.statedir), "%s", optarg);
			break;
		case 'p':
			snprintf(D.pidfile, sizeof(D.pidfile), "%s", optarg);
			break;
		case 'd':
			D.foreground = 1;
			break;
		case 'q':
			D.loglevel = LOG_WARNING;
			break;
		case 'v':
			D.loglevel = LOG_DEBUG;
			break;
		case 'n':
			snprintf(D.name, sizeof(D.name), "%s", optarg);
			break;
		case 'c':
			snprintf(D.command, sizeof(D.command), "%s", optarg);
			break;
		case 'l':
		case 'S':
			snprintf(D.linkpath, sizeof(D.linkpath), "%s", optarg);
			D.link_listen = opt == 'S';
			break;
		case 'g':
			D.grace = atoi(optarg);
			break;
		case 'F':
			D.nosync = 1;
			break;
		case 'V':
			printf("dtraced " DTRACED_VERSION
			       " (protocol version %d)\n",
			       DTD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	D.mode = force ? force : detect_minion() ? MODE_MINION : MODE_OVERLORD;
	if (!D.foreground)
		openlog("dtraced", LOG_PID, LOG_DAEMON);

	/* The pidfile decides who runs: nothing is touched before it. */
	if ((pidfd = open_pidfile()) < 0)
		return 1;
	if (!D.foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "dtraced: daemon: %s\n", strerror(errno));
		return 1;
	}
	if (write_pidfile(pidfd) < 0) {
		dlog(LOG_ERR, "cannot write pidfile %s", D.pidfile);
		return 1;
	}
	if (mkdirs() < 0) {
		dlog(LOG_ERR, "cannot create state directory %s: %s",
		     D.statedir, strerror(errno));
		return 1;
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGCHLD);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGPIPE);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	D.epfd = epoll_create1(EPOLL_CLOEXEC);
	D.infd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	sfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (D.epfd < 0 || D.infd < 0 || sfd < 0) {
		dlog(LOG_ERR, "epoll/inotify/signalfd: %s", strerror(errno));
		return 1;
	}
	D.signal_ev.type = EV_SIGNAL;
	D.inotify_ev.type = EV_INOTIFY;
	D.listen_ev.type = EV_LISTEN;
	epoll_add(sfd, &D.signal_ev, EPOLLIN);
	epoll_add(D.infd, &D.inotify_ev, EPOLLIN);
	D.t_start = now_ms();
	if ((D.mode == MODE_OVERLORD ? ov_init() : mn_init()) < 0)
		return 1;
	if ((sfd = open_subsock()) < 0)
		return 1;
	epoll_add(sfd, &D.listen_ev, EPOLLIN);
	dlog(LOG_NOTICE, "dtraced %s as %s, state %s, pid %d", DTRACED_VERSION,
	     D.mode == MODE_OVERLORD ? "overlord" : "minion", D.statedir,
	     getpid());

	long long last_tick = 0;
	while (!D.stop) {
		struct epoll_event ev[64];
		int n = epoll_wait(D.epfd, ev, 64, 50);

		for (int i = 0; i < n; i++) {
			struct evsrc *s = ev[i].data.ptr;
			switch (s->type) {
			case EV_LISTEN:
				do_accept();
				break;
			case EV_INOTIFY:
				do_inotify();
				break;
			case EV_SIGNAL:
				do_signal();
				break;
			case EV_LINKLISTEN:
				mn_link_accept();
				break;
			case EV_CONN: {
				struct conn *c = (struct conn *)s;
				if (c->dead)
					break;
				if (ev[i].events & (EPOLLHUP | EPOLLERR) &&
				    c->rdclosed) {
					c->dead = 1;
					break;
				}
				if (ev[i].events & EPOLLOUT)
					conn_flush(c);
				if (!c->rdclosed &&
				    ev[i].events & (EPOLLIN | EPOLLHUP |
						    EPOLLERR | EPOLLRDHUP))
					conn_read(c);
				break;
			}
			}
		}
		reap_conns();
		if (now_ms() - last_tick >= 50) {
			last_tick = now_ms();
			tick();
			reap_conns();
		}
	}
	unlink(D.pidfile);
	return 0;
}
