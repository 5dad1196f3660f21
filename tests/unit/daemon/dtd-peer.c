/*
 * dtd-peer.c: the outside view of dtraced for the end-to-end tests and the
 * benchmark. Subcommands:
 *   consume   a consumer: sends self-checking programs, waits for and checks
 *             every guest's reply
 *   mkreply   the minions' program command in tests: appends the program's
 *             hash to a ledger and writes a self-checking reply
 *   watch     hashes every file that appears in the given directories and
 *             flags partial or in-place-written ones
 *   fuzz      sends malformed frames and handshakes; each must get a NAK or
 *             a closed connection
 *   bench     delivery latency/throughput, and a raw unix-socket baseline
 * Programs are random bytes followed by the SHA-256 of those bytes; replies
 * are "reply GUEST HASH\n" followed by the SHA-256 of that line in hex.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "daemon/dt_dtraced_client.h"
#include "daemon/dtd_proto.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hexs(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *b;
	size_t off = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 ||
	    (b = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, b + off, (size_t)st.st_size - off);
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	b[off] = 0;
	*len = off;
	return b;
}

static uint32_t rnd32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)rand();
	return v;
}

/* A self-checking program of n bytes (n >= 33). */
static uint8_t *make_prog(size_t n)
{
	uint8_t *b = malloc(n);

	if (b == NULL)
		return NULL;
	for (size_t off = 0; off < n - 32;) {
		ssize_t r = getrandom(b + off, n - 32 - off, 0);
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	SHA256(b, n - 32, b + n - 32);
	return b;
}

static int prog_ok(const uint8_t *b, size_t n)
{
	uint8_t h[32];

	if (n < 33)
		return 0;
	SHA256(b, n - 32, h);
	return memcmp(h, b + n - 32, 32) == 0;
}

/* Checks a reply; returns its guest and program hash. */
static int reply_ok(const uint8_t *b, size_t n, char *guest, char *hash)
{
	char line[512], want[65];
	uint8_t h[32];
	const char *nl = memchr(b, '\n', n);
	size_t l1;

	if (nl == NULL)
		return 0;
	l1 = (size_t)(nl - (const char *)b) + 1;
	if (l1 >= sizeof(line) || n != l1 + 65 || b[n - 1] != '\n')
		return 0;
	memcpy(line, b, l1);
	line[l1] = 0;
	SHA256(b, l1, h);
	hexs(h, 32, want);
	if (memcmp(b + l1, want, 64) != 0)
		return 0;
	return sscanf(line, "reply %255s %64s", guest, hash) == 2;
}

/* ---- mkreply IN OUT GUEST LEDGER [maxdelay_ms] ---- */

static int cmd_mkreply(int argc, char **argv)
{
	uint8_t *b, h[32], h2[32];
	size_t n;
	char hash[65], line[512], l2[66];
	int fd, len;

	if (argc < 5)
		return 2;
	if ((b = read_file(argv[1], &n)) == NULL) {
		fprintf(stderr, "mkreply: cannot read %s\n", argv[1]);
		return 1;
	}
	SHA256(b, n, h);
	hexs(h, 32, hash);
	if (!prog_ok(b, n))
		fprintf(stderr, "mkreply: program %s fails its self-check\n",
			hash);
	free(b);
	if (argc > 5 && atoi(argv[5]) > 0)
		usleep((useconds_t)(rnd32() % (unsigned)atoi(argv[5])) * 1000);
	len = snprintf(line, sizeof(line), "%s\n", hash);
	fd = open(argv[4], O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || write(fd, line, (size_t)len) != len)
		return 1;
	close(fd);
	len = snprintf(line, sizeof(line), "reply %s %s\n", argv[3], hash);
	SHA256((uint8_t *)line, (size_t)len, h2);
	hexs(h2, 32, l2);
	l2[64] = '\n';
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	/* Two writes, so that a reader of an unfinished file would see it
	 * fail its check. */
	if (fd < 0 || write(fd, line, (size_t)len) != len ||
	    write(fd, l2, 65) != 65)
		return 1;
	close(fd);
	return 0;
}

/* ---- consume ---- */

struct sentprog {
	uint8_t ident[DTD_IDENT_LEN];
	char hash[65];
	int nreplies;
};

static int cmd_consume(int argc, char **argv)
{
	const char *dir = NULL, *sentlog = NULL, *dest = NULL;
	int n = 1, nguests = 1, opt, flags = 0, timeout = 60, err = 0, bad = 0,
	    hold = 0, delay = 0;
	size_t smin = 200, smax = 4000;
	struct sentprog *sp;
	dtd_client_t *c;
	FILE *sl = NULL;
	double t0;

	optind = 1;
	while ((opt = getopt(argc, argv, "D:n:g:s:L:t:rH:w:G:")) != -1) {
		switch (opt) {
		case 'D':
			dir = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'g':
			nguests = atoi(optarg);
			break;
		case 's':
			sscanf(optarg, "%zu:%zu", &smin, &smax);
			break;
		case 'L':
			sentlog = optarg;
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'r':
			flags |= DTD_CLIENT_RECONNECT;
			break;
		case 'H':
			hold = atoi(optarg);
			break;
		case 'w':
			delay = atoi(optarg);
			break;
		case 'G':
			dest = optarg;
			break;
		default:
			return 2;
		}
	}
	if (smin < 33)
		smin = 33;
	if (smax < smin)
		smax = smin;
	sp = calloc((size_t)n, sizeof(*sp));
	c = dtd_client_open_flags(dir, DTD_KIND_CONSUMER, DTD_SUB_ELF,
				  "dtd-peer", flags, &err);
	if (c == NULL || sp == NULL) {
		fprintf(stderr, "consume: cannot connect to dtraced\n");
		return 1;
	}
	if (sentlog && (sl = fopen(sentlog, "w")) == NULL)
		return 1;
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		size_t sz = smin + rnd32() % (smax - smin + 1);
		uint8_t *p = make_prog(sz), h[32];
		dtd_msg_t m;

		dtd_ident_random(sp[i].ident);
		SHA256(p, sz, h);
		hexs(h, 32, sp[i].hash);
		if (dtd_client_send_elf(c, sp[i].ident, NULL, dest, p, sz) <
		    0) {
			fprintf(stderr, "consume: program %d: %s\n", i,
				dtd_client_errmsg(c));
			return 1;
		}
		free(p);
		if (sl) {
			fprintf(sl, "%s\n", sp[i].hash);
			fflush(sl);
		}
		/* Drain what has arrived so far. */
		while (dtd_client_recv(c, &m, 0) == 1) {
			char g[256], hh[65];
			for (int j = 0; j <= i; j++)
				if (!memcmp(sp[j].ident, m.srcident,
					    DTD_IDENT_LEN)) {
					if (!reply_ok(m.data, m.len, g, hh) ||
					    strcmp(hh, sp[j].hash)) {
						fprintf(stderr,
							"BAD reply from %s "
							"for %d\n",
							m.guest, j);
						bad++;
					}
					sp[j].nreplies++;
				}
			dtd_msg_free(&m);
		}
		if (delay)
			usleep((useconds_t)delay * 1000);
	}
	if (sl)
		fclose(sl);
	printf("sent %d programs in %.2f s\n", n, now_s() - t0);
	fflush(stdout);
	double deadline = now_s() + timeout;
	for (;;) {
		int done = 0;
		dtd_msg_t m;
		for (int i = 0; i < n; i++)
			done += sp[i].nreplies >= nguests;
		if (done == n)
			break;
		if (now_s() > deadline) {
			printf("TIMEOUT: %d of %d programs have %d replies\n",
			       done, n, nguests);
			for (int i = 0, k = 0; i < n && k < 5; i++)
				if (sp[i].nreplies < nguests) {
					char hx[33];
					dtd_ident_hex(sp[i].ident, hx);
					printf("  missing: %s (%d replies)\n",
					       hx, sp[i].nreplies);
					k++;
				}
			return 1;
		}
		int r = dtd_client_recv(c, &m, 500);
		if (r < 0) {
			fprintf(stderr, "consume: %s\n", dtd_client_errmsg(c));
			return 1;
		}
		if (r == 0)
			continue;
		for (int j = 0; j < n; j++)
			if (!memcmp(sp[j].ident, m.srcident, DTD_IDENT_LEN)) {
				char g[256], hh[65];
				if (!reply_ok(m.data, m.len, g, hh) ||
				    strcmp(hh, sp[j].hash) ||
				    strcmp(g, m.guest) ||
				    (dest && strcmp(dest, m.guest))) {
					fprintf(
					    stderr,
					    "BAD reply from %s (status "
					    "%d): %.*s\n",
					    m.guest, m.status,
					    (int)(m.len > 200 ? 200 : m.len),
					    (char *)m.data);
					bad++;
				}
				sp[j].nreplies++;
			}
		dtd_msg_free(&m);
	}
	printf("all %d programs answered by %d guests in %.2f s, %d bad\n", n,
	       nguests, now_s() - t0, bad);
	fflush(stdout);
	if (hold)
		sleep((unsigned)hold);
	dtd_client_close(c);
	free(sp);
	return bad ? 1 : 0;
}

/* ---- watch LOG DIR... ---- */

static volatile sig_atomic_t stop;
static void on_term(int s)
{
	stop = 1;
}

static int cmd_watch(int argc, char **argv)
{
	int in = inotify_init1(IN_CLOEXEC), nd = argc - 2;
	char **wdname = calloc((size_t)nd + 16, sizeof(char *));
	FILE *log;
	unsigned long nok = 0, nbad = 0, ngone = 0;
	char buf[65536] __attribute__((aligned(8)));

	if (argc < 3 || in < 0 || (log = fopen(argv[1], "w")) == NULL)
		return 2;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (int i = 2; i < argc; i++) {
		int wd = inotify_add_watch(
		    in, argv[i], IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE);
		if (wd < 0) {
			fprintf(stderr, "watch %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		wdname = realloc(wdname, sizeof(char *) * ((size_t)wd + 1));
		wdname[wd] = argv[i];
	}
	fprintf(log, "READY\n");
	fflush(log);
	while (!stop) {
		struct pollfd p = {.fd = in, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = read(in, buf, sizeof(buf));
		for (char *q = buf; n > 0 && q < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)q;
			q += sizeof(*e) + e->len;
			if (!e->len || e->name[0] == '.')
				continue;
			char path[PATH_MAX], g[256], h[65];
			snprintf(path, sizeof(path), "%s/%s", wdname[e->wd],
				 e->name);
			if (e->mask & (IN_CREATE | IN_CLOSE_WRITE)) {
				fprintf(log, "BAD %s: created in place\n",
					path);
				nbad++;
				continue;
			}
			size_t len;
			uint8_t *b = read_file(path, &len);
			if (b == NULL) {
				ngone++;
				continue;
			}
			if (prog_ok(b, len) || reply_ok(b, len, g, h)) {
				nok++;
			} else {
				fprintf(log,
					"BAD %s: %zu bytes, fails its "
					"check\n",
					path, len);
				nbad++;
			}
			free(b);
		}
		fflush(log);
	}
	fprintf(log, "watched %lu files: %lu complete, %lu bad, %lu gone\n",
		nok + nbad + ngone, nok, nbad, ngone);
	fclose(log);
	free(wdname);
	return 0;
}

/* ---- fuzz ---- */

static int raw_connect(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sub.sock", dir);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const void *b, size_t n)
{
	const uint8_t *p = b;

	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Waits for a NAK or EOF: 1 NAK, 2 closed, 0 nothing (a failure). */
static int await_answer(int fd, int ms)
{
	uint8_t b[4096];
	size_t have = 0;
	double end = now_s() + ms / 1000.0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)((end - now_s()) * 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return 0;
		ssize_t r = read(fd, b + have, sizeof(b) - have);
		if (r <= 0)
			return 2;
		have += (size_t)r;
		while (have >= DTD_HDR_SIZE) {
			uint64_t len = dtd_get64(b + DTD_OFF_LENGTH);
			uint16_t t = dtd_get16(b + DTD_OFF_TYPE);
			if (t == DTD_NAK)
				return 1;
			if (len > sizeof(b) - DTD_HDR_SIZE)
				return 0;
			if (have < DTD_HDR_SIZE + len)
				break;
			memmove(b, b + DTD_HDR_SIZE + len,
				have - DTD_HDR_SIZE - len);
			have -= DTD_HDR_SIZE + len;
		}
	}
}

static uint8_t *good_hello(size_t *n)
{
	size_t pl;
	uint8_t *p = dtd_hello_build(DTD_KIND_CONSUMER, DTD_SUB_ELF, 1, 0,
				     "fuzz", NULL, 0, &pl);
	uint8_t *f = dtd_frame_build(DTD_HELLO, NULL, p, pl, n);

	free(p);
	return f;
}

/* One malformed unit of kind k; returns the frame bytes to send (on a
 * fresh connection, after a good HELLO when *after_hello). */
static uint8_t *bad_frame(int k, size_t *n, int *after_hello, int *trunc)
{
	uint8_t id[16], *p, *f;
	size_t pl;

	*after_hello = 0;
	*trunc = 0;
	dtd_ident_random(id);
	switch (k) {
	case 0: /* garbage */
		*n = 1 + rnd32() % 200;
		f = malloc(*n);
		getrandom(f, *n, 0);
		f[0] = (uint8_t)('A' + rnd32() % 7); /* never 'H' */
		return f;
	case 1: /* bad version */
		f = dtd_frame_build(DTD_INFO, NULL, NULL, 0, n);
		dtd_put16(f + DTD_OFF_VERSION, (uint16_t)(2 + rnd32() % 100));
		return f;
	case 2: /* unknown type */
		f = dtd_frame_build(DTD_INFO, NULL, NULL, 0, n);
		dtd_put16(f + DTD_OFF_TYPE, (uint16_t)(8 + rnd32() % 1000));
		return f;
	case 3: /* oversized length */
		f = dtd_frame_build(DTD_ELF, id, NULL, 0, n);
		dtd_put64(f + DTD_OFF_LENGTH,
			  DTD_MAX_PAYLOAD + 1 + (rnd32() % 100000));
		return f;
	case 4: /* SHA mismatch */
		p = dtd_hello_build(DTD_KIND_CONSUMER, 1, 1, 0, "x", NULL, 0,
				    &pl);
		f = dtd_frame_build(DTD_HELLO, NULL, p, pl, n);
		free(p);
		f[DTD_OFF_SHA + rnd32() % 32] ^= 0x5a;
		return f;
	case 5: /* truncated: the header promises more than is sent */
		*trunc = 1;
		p = malloc(100);
		getrandom(p, 100, 0);
		f = dtd_frame_build(DTD_ELF, id, p, 100, n);
		free(p);
		*n = DTD_HDR_SIZE + rnd32() % 100;
		return f;
	case 6: /* bad HELLO payloads */
		p = dtd_hello_build(DTD_KIND_CONSUMER, 1, 1, 0, "x", NULL, 0,
				    &pl);
		switch (rnd32() % 4) {
		case 0:
			dtd_put32(p, 0 + 9 * (rnd32() % 2)); /* kind */
			break;
		case 1:
			dtd_put32(p + 4, 0x100); /* subs */
			break;
		case 2:
			pl = rnd32() % 16; /* too short */
			break;
		default:
			dtd_put16(p + 12, 200); /* name past the end */
			break;
		}
		f = dtd_frame_build(DTD_HELLO, NULL, p, pl, n);
		free(p);
		return f;
	case 7: /* a request before HELLO */
		return dtd_frame_build(DTD_INFO, NULL, NULL, 0, n);
	case 8: /* after HELLO: a malformed ELF */
		*after_hello = 1;
		p = calloc(1, 40);
		dtd_put16(p + 20, (uint16_t)(rnd32() % 2 ? 30 : 3));
		memcpy(p + 24, "..bad", 5);
		dtd_put16(p + 22, (uint16_t)(rnd32() % 2 ? 0x80 : 0));
		f = dtd_frame_build(DTD_ELF, id, p, 10 + rnd32() % 30, n);
		free(p);
		return f;
	case 9: /* after HELLO: malformed KILL or CLEANUP */
		*after_hello = 1;
		p = malloc(16);
		getrandom(p, 16, 0);
		dtd_put16(p, 0xffff);
		dtd_put32(p, 0xffffff);
		f = dtd_frame_build(rnd32() % 2 ? DTD_KILL : DTD_CLEANUP, id, p,
				    3 + rnd32() % 13, n);
		free(p);
		return f;
	default:	    /* a bit flipped in the header of a good frame */
		*trunc = 1; /* a longer length waits for bytes: end it */
		f = dtd_frame_build(DTD_INFO, NULL, "x", 1, n);
		f[rnd32() % DTD_HDR_SIZE] ^= (uint8_t)(1u << (rnd32() % 8));
		/* a flip in ident is harmless: make it the SHA instead */
		if (dtd_get32(f) == DTD_MAGIC &&
		    dtd_get16(f + DTD_OFF_VERSION) == DTD_VERSION &&
		    dtd_get16(f + DTD_OFF_TYPE) == DTD_INFO &&
		    dtd_get64(f + DTD_OFF_LENGTH) == 1)
			f[DTD_OFF_SHA] ^= 1;
		return f;
	}
}

static int cmd_fuzz(int argc, char **argv)
{
	const char *dir = argv[1];
	int n = argc > 2 ? atoi(argv[2]) : 10000, nak = 0, closed = 0,
	    silent = 0;
	int kinds[11] = {0};

	if (argc < 2)
		return 2;
	for (int i = 0; i < n; i++) {
		int k = i % 11, ah, tr, fd = raw_connect(dir), r;
		size_t len, hl;
		uint8_t *f, *h;

		if (fd < 0) {
			fprintf(stderr, "fuzz: connect failed at %d: %s\n", i,
				strerror(errno));
			silent++;
			continue;
		}
		f = bad_frame(k, &len, &ah, &tr);
		if (ah) {
			h = good_hello(&hl);
			send_all(fd, h, hl);
			free(h);
		}
		send_all(fd, f, len);
		free(f);
		if (tr)
			shutdown(fd, SHUT_WR);
		r = await_answer(fd, 10000);
		if (r == 0 && ah) {
			/* The ACK to HELLO came first; the NAK follows. */
			r = await_answer(fd, 10000);
		}
		if (r == 1)
			nak++;
		else if (r == 2)
			closed++;
		else {
			silent++;
			fprintf(stderr,
				"fuzz: no answer to unit %d (kind %d)\n", i, k);
		}
		kinds[k]++;
		close(fd);
	}
	printf("fuzz: %d units: %d NAK, %d closed, %d unanswered\n", n, nak,
	       closed, silent);
	return silent ? 1 : 0;
}

/* ---- bench ---- */

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Raw baseline: the same bytes there and back over a unix socket pair. */
static void baseline(size_t sz, int n, double *lat, double *tput)
{
	int sv[2];
	uint8_t *buf = malloc(sz), *rb = malloc(sz);
	double *l = malloc(sizeof(double) * (size_t)n), t0;
	pid_t pid;

	memset(buf, 7, sz);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		for (;;) {
			size_t got = 0;
			while (got < sz) {
				ssize_t r = read(sv[1], rb + got, sz - got);
				if (r <= 0)
					_exit(0);
				got += (size_t)r;
			}
			send_all(sv[1], "k", 1);
		}
	}
	close(sv[1]);
	for (int i = 0; i < n; i++) {
		char k;
		t0 = now_s();
		send_all(sv[0], buf, sz);
		if (read(sv[0], &k, 1) != 1)
			break;
		l[i] = now_s() - t0;
	}
	qsort(l, (size_t)n, sizeof(double), cmpd);
	*lat = l[n / 2];
	t0 = now_s();
	for (int i = 0; i < n; i++)
		send_all(sv[0], buf, sz);
	for (int i = 0; i < n; i++) {
		char k;
		if (read(sv[0], &k, 1) != 1)
			break;
	}
	*tput = n / (now_s() - t0);
	close(sv[0]);
	waitpid(pid, NULL, 0);
	free(buf);
	free(rb);
	free(l);
}

static int wait_replies(dtd_client_t *c, int want, double timeout)
{
	double end = now_s() + timeout;
	int got = 0;
	dtd_msg_t m;

	while (got < want && now_s() < end)
		if (dtd_client_recv(c, &m, 1000) == 1) {
			got++;
			dtd_msg_free(&m);
		}
	return got;
}

static int cmd_bench(int argc, char **argv)
{
	const char *dir = argv[1];
	int guests = atoi(argv[2]), n = atoi(argv[3]), err;
	size_t sz = (size_t)atol(argv[4]);
	double *lat = malloc(sizeof(double) * (size_t)n), t0, bl, bt, tput;
	dtd_client_t *c;
	uint8_t id[16], *p;

	if (argc < 5)
		return 2;
	c = dtd_client_open(dir, DTD_KIND_CONSUMER, DTD_SUB_ELF, "bench", &err);
	if (c == NULL)
		return 1;
	p = make_prog(sz);
	/* Latency: one program at a time, until every guest answered. */
	for (int i = 0; i < n; i++) {
		dtd_ident_random(id);
		t0 = now_s();
		if (dtd_client_send_elf(c, id, NULL, NULL, p, sz) < 0 ||
		    wait_replies(c, guests, 30) != guests) {
			fprintf(stderr, "bench: delivery failed\n");
			return 1;
		}
		lat[i] = now_s() - t0;
	}
	qsort(lat, (size_t)n, sizeof(double), cmpd);
	/* Throughput: all programs sent back to back. */
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		dtd_ident_random(id);
		if (dtd_client_send_elf(c, id, NULL, NULL, p, sz) < 0)
			return 1;
	}
	if (wait_replies(c, guests * n, 120) != guests * n) {
		fprintf(stderr, "bench: throughput run lost replies\n");
		return 1;
	}
	tput = n / (now_s() - t0);
	baseline(sz, n, &bl, &bt);
	printf("minions %2d  size %zu B: latency p50 %.2f ms, p90 %.2f ms "
	       "(raw unix-socket copy %.3f ms: %.0fx); throughput %.1f "
	       "programs/s = %.1f deliveries/s (raw copy %.0f/s: %.0fx)\n",
	       guests, sz, lat[n / 2] * 1e3, lat[n * 9 / 10] * 1e3, bl * 1e3,
	       lat[n / 2] / bl, tput, tput * guests, bt, bt / tput);
	free(lat);
	free(p);
	dtd_client_close(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: dtd-peer consume|mkreply|watch|fuzz|"
				"bench ...\n");
		return 2;
	}
	if (!strcmp(argv[1], "mkreply"))
		return cmd_mkreply(argc - 1, argv + 1);
	if (!strcmp(argv[1], "consume"))
		return cmd_consume(argc - 1, argv + 1);
	if (!strcmp(argv[1], "watch"))
		return cmd_watch(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench"))
		return cmd_bench(argc - 1, argv + 1);
	fprintf(stderr, "dtd-peer: unknown command %s\n", argv[1]);
	return 2;
}
