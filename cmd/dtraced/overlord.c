/*
 * overlord.c: the host side of dtraced. Owns the program table (what is
 * active, whose it is), the guest links (one per <state>/guests/NAME.sock),
 * and the routing of guests' replies back to the consumer that sent the
 * program.
 *
 * On disk, which is the truth across restarts:
 *   base/ID        a program as received (ACKed only once it is here)
 *   outbound/ID    the same file (hard link): the program is active
 *   killed/ID      a program that was killed (moved from base/)
 *   meta/ID        srcident and destination guest, when given
 *   inbound/ID_STATUS_GUEST   a guest's reply to program ID
 * Activation is base/ -> outbound/ (watched); a kill moves base/ to killed/
 * first and then removes outbound/, so a crash in between is completed at
 * start either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "dtraced.h"

enum { P_PENDING = 0, P_ACTIVE, P_KILLED };
enum { G_DOWN = 0, G_CONNECTING, G_UP };

struct prog {
	struct prog *next;
	uint8_t ident[DTD_IDENT_LEN];
	char hex[2 * DTD_IDENT_LEN + 1];
	uint8_t srcident[DTD_IDENT_LEN];
	char dest[DTD_NAME_MAX + 1];
	int state;
	struct conn *owner;
	char owner_name[DTD_NAME_MAX + 1];
	uint32_t owner_pid;
	long long orphan_since;
	int nreplies;
	struct blob *frame; /* the ELF frame sent to guests */
};

struct guest {
	struct guest *next;
	char name[DTD_NAME_MAX + 1];
	struct conn *c;
	int state;
	int present;
	long long next_try, t_conn;
	int backoff;
	int cleanup_owed;
	unsigned long nsent, nacked, nreplies, nconnects;
};

static struct prog *progs;
static struct guest *guests;

static struct prog *prog_find(const uint8_t *ident)
{
	for (struct prog *p = progs; p; p = p->next)
		if (!memcmp(p->ident, ident, DTD_IDENT_LEN))
			return p;
	return NULL;
}

static struct prog *prog_new(const uint8_t *ident)
{
	struct prog *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	memcpy(p->ident, ident, DTD_IDENT_LEN);
	dtd_ident_hex(ident, p->hex);
	p->orphan_since = now_ms();
	p->next = progs;
	progs = p;
	return p;
}

static void read_meta(struct prog *p)
{
	size_t len;
	uint8_t *m = store_read("meta", p->hex, &len);
	char hex[33];

	if (m == NULL)
		return;
	m[len] = '\0';
	/* "SRCIDENT DEST\n" */
	if (len >= 32) {
		memcpy(hex, m, 32);
		hex[32] = '\0';
		dtd_ident_parse(hex, p->srcident);
	}
	if (len > 33) {
		char *d = (char *)m + 33;
		d[strcspn(d, "\n")] = '\0';
		if (dtd_name_valid(d))
			snprintf(p->dest, sizeof(p->dest), "%s", d);
	}
	free(m);
}

static struct guest *guest_find(const char *name)
{
	for (struct guest *g = guests; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static int for_guest(const struct prog *p, const struct guest *g)
{
	return p->dest[0] == '\0' || !strcmp(p->dest, g->name);
}

static void guest_send_prog(struct guest *g, struct prog *p)
{
	if (p->frame == NULL || !for_guest(p, g))
		return;
	conn_send_blob(g->c, p->frame);
	conn_push_req(g->c, DTD_ELF, p->ident, NULL);
	g->nsent++;
	dlog(LOG_DEBUG, "program %s -> guest %s", p->hex, g->name);
}

static void guest_send_kill(struct guest *g, const uint8_t *ident)
{
	conn_send(g->c, DTD_KILL, ident, NULL, 0, NULL, 0);
	conn_push_req(g->c, DTD_KILL, ident, NULL);
}

static void guest_send_cleanup(struct guest *g)
{
	conn_send(g->c, DTD_CLEANUP, NULL, NULL, 0, NULL, 0);
	conn_push_req(g->c, DTD_CLEANUP, NULL, NULL);
	g->cleanup_owed = 0;
}

/* ---- replies ---- */

struct reply_name {
	uint8_t ident[DTD_IDENT_LEN];
	int32_t status;
	char guest[DTD_NAME_MAX + 1];
};

/* inbound/ID_STATUS_GUEST */
static int parse_reply_name(const char *name, struct reply_name *r)
{
	char hex[33];
	const char *s, *g;
	char *end;
	long v;

	if (strlen(name) < 36 || name[32] != '_')
		return -1;
	memcpy(hex, name, 32);
	hex[32] = '\0';
	if (dtd_ident_parse(hex, r->ident) < 0)
		return -1;
	s = name + 33;
	v = strtol(s, &end, 10);
	if (end == s || *end != '_')
		return -1;
	r->status = (int32_t)v;
	g = end + 1;
	if (!dtd_name_valid(g))
		return -1;
	snprintf(r->guest, sizeof(r->guest), "%s", g);
	return 0;
}

static void deliver_reply(struct prog *p, const char *name)
{
	struct reply_name r;
	uint8_t rid[SHA256_DIGEST_LENGTH], *data, *meta;
	size_t len, ml;

	if (p->owner == NULL || !(p->owner->subs & DTD_SUB_ELF) ||
	    parse_reply_name(name, &r) < 0)
		return;
	if ((data = store_read("inbound", name, &len)) == NULL)
		return;
	/* The reply's own identifier: stable across resends. */
	{
		uint8_t in[DTD_IDENT_LEN + DTD_NAME_MAX];
		size_t gl = strlen(r.guest);
		memcpy(in, p->ident, DTD_IDENT_LEN);
		memcpy(in + DTD_IDENT_LEN, r.guest, gl);
		SHA256(in, DTD_IDENT_LEN + gl, rid);
	}
	meta =
	    dtd_elf_meta_build(p->ident, r.status, DTD_ELF_REPLY, r.guest, &ml);
	if (meta)
		conn_send(p->owner, DTD_ELF, rid, meta, ml, data, len);
	dlog(LOG_DEBUG, "reply %s from %s -> %s", p->hex, r.guest,
	     p->owner->name);
	free(meta);
	free(data);
}

struct scan_prefix {
	struct prog *p;
	int deliver, remove, count;
};

static void scan_replies_cb(const char *name, void *arg)
{
	struct scan_prefix *s = arg;

	if (strncmp(name, s->p->hex, 32) != 0 || name[32] != '_')
		return;
	s->count++;
	if (s->remove)
		store_unlink("inbound", name);
	else if (s->deliver)
		deliver_reply(s->p, name);
}

/* ---- programs ---- */

static void prog_activate(struct prog *p)
{
	size_t len, ml;
	uint8_t *data, *meta;

	if (p->state != P_PENDING)
		return;
	if (!store_exists("base", p->hex)) {
		/* Killed before it became active. */
		store_unlink("outbound", p->hex);
		return;
	}
	if ((data = store_read("outbound", p->hex, &len)) == NULL) {
		dlog(LOG_ERR, "cannot read outbound/%s: %s", p->hex,
		     strerror(errno));
		return;
	}
	meta = dtd_elf_meta_build(p->srcident, 0, 0, p->dest, &ml);
	if (meta)
		p->frame = blob_frame(DTD_ELF, p->ident, meta, ml, data, len);
	free(meta);
	free(data);
	if (p->frame == NULL) {
		dlog(LOG_ERR, "out of memory for program %s", p->hex);
		return;
	}
	p->state = P_ACTIVE;
	dlog(LOG_INFO, "program %s active (%zu bytes)", p->hex, len);
	for (struct guest *g = guests; g; g = g->next)
		if (g->state == G_UP)
			guest_send_prog(g, p);
}

static void prog_kill(struct prog *p, const char *why)
{
	struct scan_prefix s = {.p = p, .remove = 1};

	if (p->state == P_KILLED)
		return;
	dlog(LOG_INFO, "program %s killed (%s)", p->hex, why);
	/* killed/ first, then outbound/: see the top of this file. */
	store_rename("base", p->hex, "killed");
	store_unlink("outbound", p->hex);
	store_unlink("meta", p->hex);
	scan_dir("inbound", scan_replies_cb, &s);
	p->state = P_KILLED;
	p->owner = NULL;
	blob_put(p->frame);
	p->frame = NULL;
	for (struct guest *g = guests; g; g = g->next)
		if (g->state == G_UP && for_guest(p, g))
			guest_send_kill(g, p->ident);
}

static void attach(struct prog *p, struct conn *c)
{
	struct scan_prefix s = {.p = p, .deliver = 1};

	p->owner = c;
	snprintf(p->owner_name, sizeof(p->owner_name), "%s", c->name);
	p->owner_pid = c->pid;
	scan_dir("inbound", scan_replies_cb, &s);
}

/* ---- guest links ---- */

static void guest_connect(struct guest *g)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint8_t *h;
	size_t hl;
	int fd;

	g->next_try = now_ms() + g->backoff;
	g->backoff = g->backoff ? g->backoff * 2 : 50;
	if (g->backoff > 1000)
		g->backoff = 1000;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/guests/%s.sock",
		     D.statedir, g->name) >= (int)sizeof(sa.sun_path))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		dlog(LOG_DEBUG, "guest %s: connect: %s", g->name,
		     strerror(errno));
		close(fd);
		return;
	}
	if ((g->c = conn_new(fd, ROLE_LINK_UP)) == NULL) {
		close(fd);
		return;
	}
	g->c->guest = g;
	if (snprintf(g->c->name, sizeof(g->c->name), "guest %s", g->name) < 0)
		g->c->name[0] = '\0';
	g->state = G_CONNECTING;
	g->t_conn = now_ms();
	g->nconnects++;
	h = dtd_hello_build(DTD_KIND_FORWARDER, DTD_SUB_ALL, (uint32_t)getpid(),
			    DTD_HELLO_OVERLORD, D.name, NULL, 0, &hl);
	if (h) {
		conn_send(g->c, DTD_HELLO, NULL, h, hl, NULL, 0);
		conn_push_req(g->c, DTD_HELLO, NULL, NULL);
		free(h);
	}
	dlog(LOG_INFO, "guest %s: link connected", g->name);
}

static void guest_add(const char *file)
{
	char name[DTD_NAME_MAX + 1];
	size_t n = strlen(file);
	struct guest *g;

	if (n <= 5 || n - 5 > DTD_NAME_MAX || strcmp(file + n - 5, ".sock"))
		return;
	memcpy(name, file, n - 5);
	name[n - 5] = '\0';
	if (!dtd_name_valid(name))
		return;
	if ((g = guest_find(name)) == NULL) {
		if ((g = calloc(1, sizeof(*g))) == NULL)
			return;
		snprintf(g->name, sizeof(g->name), "%s", name);
		g->next = guests;
		guests = g;
		dlog(LOG_INFO, "guest %s appeared", name);
	}
	g->present = 1;
	g->backoff = 0;
	g->next_try = 0;
	/* A new socket means a new server: drop a link to the old one. */
	if (g->c && g->state != G_DOWN)
		conn_close(g->c);
	else if (g->state == G_DOWN)
		guest_connect(g);
}

static void guest_add_cb(const char *name, void *arg)
{
	guest_add(name);
}

/* The guest's HELLO: what it holds decides what it is sent. */
static void guest_up(struct guest *g, const uint8_t *p, size_t len)
{
	dtd_hello_t h;
	const char *why;

	if (dtd_hello_parse(p, len, &h, &why) < 0) {
		dlog(LOG_WARNING, "guest %s: bad HELLO: %s", g->name, why);
		conn_close(g->c);
		return;
	}
	g->state = G_UP;
	g->backoff = 0;
	dlog(LOG_INFO, "guest %s (%s) up, holds %u programs", g->name, h.name,
	     h.nids);
	if (g->cleanup_owed)
		guest_send_cleanup(g);
	for (struct prog *q = progs; q; q = q->next) {
		int held = 0;
		if (q->state != P_ACTIVE)
			continue;
		for (uint32_t i = 0; i < h.nids && !held; i++)
			held = !memcmp(h.ids + i * DTD_HELLO_ID_SIZE, q->ident,
				       DTD_IDENT_LEN);
		if (!held)
			guest_send_prog(g, q);
	}
	/* Programs still running there that were killed meanwhile. */
	for (uint32_t i = 0; i < h.nids; i++) {
		const uint8_t *id = h.ids + i * DTD_HELLO_ID_SIZE;
		struct prog *q = prog_find(id);
		if ((id[DTD_IDENT_LEN] & DTD_ID_ACTIVE) &&
		    (q == NULL || q->state == P_KILLED))
			guest_send_kill(g, id);
	}
}

static void guest_reply(struct guest *g, const dtd_frame_t *f)
{
	dtd_elf_t e;
	const char *why;
	struct prog *p;
	char name[300], hex[33];

	if (dtd_elf_parse(f->payload, f->length, &e, &why) < 0 ||
	    !(e.flags & DTD_ELF_REPLY)) {
		conn_nak(g->c, f->ident, DTD_NAK_PROTO, "%s",
			 e.flags & DTD_ELF_REPLY ? why : "ELF is not a reply");
		return;
	}
	p = prog_find(e.srcident);
	dtd_ident_hex(e.srcident, hex);
	if (p == NULL || p->state == P_KILLED) {
		/* Nobody waits for it any more: accept and forget. */
		conn_ack(g->c, f->ident, NULL, 0);
		return;
	}
	snprintf(name, sizeof(name), "%s_%d_%s", hex, e.status, g->name);
	if (!store_exists("inbound", name) &&
	    store_file("inbound", name, e.data, e.datalen, NULL, 0) < 0) {
		conn_nak(g->c, f->ident, DTD_NAK_IO, "cannot store reply: %s",
			 strerror(errno));
		return;
	}
	g->nreplies++;
	conn_ack(g->c, f->ident, NULL, 0);
}

static void link_frame(struct conn *c, const dtd_frame_t *f)
{
	struct guest *g = c->guest;
	struct req r;

	if (g == NULL)
		return;
	switch (f->type) {
	case DTD_ACK:
	case DTD_NAK:
		if (conn_pop_req(c, &r) < 0) {
			dlog(LOG_WARNING, "guest %s: unexpected %s", g->name,
			     dtd_type_name(f->type));
			return;
		}
		if (f->type == DTD_NAK) {
			uint32_t code = 0;
			char msg[300] = "";
			dtd_nak_parse(f->payload, f->length, &code, msg,
				      sizeof(msg));
			dlog(LOG_WARNING, "guest %s refused %s: %s", g->name,
			     dtd_type_name(r.type), msg);
			if (r.type == DTD_HELLO)
				conn_close(c);
			return;
		}
		if (r.type == DTD_HELLO)
			guest_up(g, f->payload, f->length);
		else if (r.type == DTD_ELF)
			g->nacked++;
		return;
	case DTD_ELF:
		if (g->state != G_UP) {
			conn_nak(c, f->ident, DTD_NAK_HANDSHAKE,
				 "reply before HELLO");
			return;
		}
		guest_reply(g, f);
		return;
	default:
		conn_nak(c, f->ident, DTD_NAK_DENIED,
			 "%s not accepted from a guest",
			 dtd_type_name(f->type));
	}
}

/* ---- sub.sock clients ---- */

static void client_elf(struct conn *c, const dtd_frame_t *f)
{
	dtd_elf_t e;
	const char *why;
	struct prog *p;
	char hex[33], meta[300];
	static const uint8_t zero[DTD_IDENT_LEN];

	if (c->kind != DTD_KIND_CONSUMER) {
		conn_nak(c, f->ident, DTD_NAK_DENIED,
			 "only a consumer may send programs");
		return;
	}
	if (dtd_elf_parse(f->payload, f->length, &e, &why) < 0) {
		D.nframes_bad++;
		conn_nak(c, f->ident, DTD_NAK_PROTO, "%s", why);
		return;
	}
	if (e.flags & DTD_ELF_REPLY || !memcmp(f->ident, zero, sizeof(zero))) {
		conn_nak(c, f->ident, DTD_NAK_PROTO,
			 "a program needs an identifier and no reply flag");
		return;
	}
	dtd_ident_hex(f->ident, hex);
	if ((p = prog_find(f->ident)) != NULL || store_exists("killed", hex)) {
		if (p == NULL || p->state == P_KILLED) {
			conn_nak(c, f->ident, DTD_NAK_NOENT,
				 "program %s was killed", hex);
			return;
		}
		if (p->owner == NULL)
			attach(p, c);
		conn_ack(c, f->ident, NULL, 0);
		return;
	}
	if (memcmp(e.srcident, zero, sizeof(zero)) || e.name[0]) {
		char sh[33];
		dtd_ident_hex(e.srcident, sh);
		int n = snprintf(meta, sizeof(meta), "%s %s\n", sh, e.name);
		if (store_file("meta", hex, meta, (size_t)n, NULL, 0) < 0) {
			conn_nak(c, f->ident, DTD_NAK_IO,
				 "cannot store program: %s", strerror(errno));
			return;
		}
	}
	if (store_file("base", hex, e.data, e.datalen, NULL, 0) < 0) {
		conn_nak(c, f->ident, DTD_NAK_IO, "cannot store program: %s",
			 strerror(errno));
		return;
	}
	if ((p = prog_new(f->ident)) == NULL) {
		conn_nak(c, f->ident, DTD_NAK_IO, "out of memory");
		return;
	}
	memcpy(p->srcident, e.srcident, DTD_IDENT_LEN);
	snprintf(p->dest, sizeof(p->dest), "%s", e.name);
	attach(p, c);
	dlog(LOG_INFO, "program %s from %s (pid %u), %zu bytes", hex, c->name,
	     c->pid, e.datalen);
	conn_ack(c, f->ident, NULL, 0);
}

static void client_kill(struct conn *c, const dtd_frame_t *f)
{
	char guest[DTD_NAME_MAX + 1];
	const char *why;
	struct prog *p = prog_find(f->ident);
	struct guest *g;

	if (dtd_kill_parse(f->payload, f->length, guest, &why) < 0) {
		D.nframes_bad++;
		conn_nak(c, f->ident, DTD_NAK_PROTO, "%s", why);
		return;
	}
	if (p == NULL || p->state == P_KILLED) {
		conn_nak(c, f->ident, DTD_NAK_NOENT, "no such program");
		return;
	}
	if (guest[0] == '\0') {
		prog_kill(p, "KILL request");
	} else if ((g = guest_find(guest)) == NULL) {
		conn_nak(c, f->ident, DTD_NAK_NOENT, "no guest %s", guest);
		return;
	} else if (g->state == G_UP) {
		guest_send_kill(g, p->ident);
	}
	conn_ack(c, f->ident, NULL, 0);
}

static void cleanup_one(const char *name, void *arg)
{
	struct guest *g = guest_find(name);
	int *missing = arg;

	if (g == NULL) {
		(*missing)++;
		return;
	}
	g->cleanup_owed = 1;
	if (g->state == G_UP)
		guest_send_cleanup(g);
}

static void client_cleanup(struct conn *c, const dtd_frame_t *f)
{
	const char *why;
	int missing = 0;

	if (c->kind == DTD_KIND_FORWARDER) {
		conn_nak(c, f->ident, DTD_NAK_DENIED, "CLEANUP not allowed");
		return;
	}
	if (dtd_cleanup_parse(f->payload, f->length, NULL, NULL, &why) < 0) {
		D.nframes_bad++;
		conn_nak(c, f->ident, DTD_NAK_PROTO, "%s", why);
		return;
	}
	if (f->length == 0 || dtd_get32(f->payload) == 0) {
		/* Everything: every program stops, every guest resets. */
		for (struct prog *p = progs; p; p = p->next)
			prog_kill(p, "CLEANUP");
		for (struct guest *g = guests; g; g = g->next)
			cleanup_one(g->name, &missing);
		dlog(LOG_NOTICE, "CLEANUP of everything by %s", c->name);
	} else {
		dtd_cleanup_parse(f->payload, f->length, cleanup_one, &missing,
				  &why);
		if (missing) {
			conn_nak(c, f->ident, DTD_NAK_NOENT,
				 "%d unknown guest(s)", missing);
			return;
		}
	}
	conn_ack(c, f->ident, NULL, 0);
}

void ov_frame(struct conn *c, const dtd_frame_t *f)
{
	if (c->role == ROLE_LINK_UP) {
		link_frame(c, f);
		return;
	}
	switch (f->type) {
	case DTD_HELLO: {
		dtd_hello_t h;
		const char *why;
		if (client_hello(c, f, NULL, 0, DTD_HELLO_OVERLORD) < 0)
			return;
		if (c->kind == DTD_KIND_FORWARDER) {
			conn_nak(c, NULL, DTD_NAK_DENIED,
				 "guests are reached through guests/");
			conn_close(c);
			return;
		}
		/* Re-attach what a consumer sent before we restarted. */
		if (c->kind == DTD_KIND_CONSUMER &&
		    dtd_hello_parse(f->payload, f->length, &h, &why) == 0)
			for (uint32_t i = 0; i < h.nids; i++) {
				struct prog *p =
				    prog_find(h.ids + i * DTD_HELLO_ID_SIZE);
				if (p && p->state != P_KILLED && !p->owner)
					attach(p, c);
			}
		return;
	}
	case DTD_ELF:
		client_elf(c, f);
		return;
	case DTD_KILL:
		client_kill(c, f);
		return;
	case DTD_CLEANUP:
		client_cleanup(c, f);
		return;
	case DTD_INFO:
		client_info(c, f);
		return;
	default:
		D.nframes_bad++;
		conn_nak(c, f->ident, DTD_NAK_PROTO, "unexpected %s",
			 dtd_type_name(f->type));
	}
}

void ov_closed(struct conn *c)
{
	if (c->role == ROLE_LINK_UP && c->guest) {
		struct guest *g = c->guest;
		dlog(LOG_INFO, "guest %s: link closed", g->name);
		g->c = NULL;
		g->state = G_DOWN;
		if (g->next_try < now_ms() + 50)
			g->next_try = now_ms() + 50;
		return;
	}
	if (c->kind == DTD_KIND_CONSUMER && c->hello)
		dlog(LOG_INFO, "consumer %s (pid %u) left", c->name, c->pid);
	for (struct prog *p = progs; p; p = p->next)
		if (p->owner == c)
			prog_kill(p, "its consumer exited");
}

void ov_event(const char *dir, const char *name, uint32_t mask)
{
	uint8_t id[DTD_IDENT_LEN];
	struct prog *p;

	if (!strcmp(dir, "guests")) {
		if (mask & (IN_CREATE | IN_MOVED_TO)) {
			guest_add(name);
		} else if (mask & (IN_DELETE | IN_MOVED_FROM)) {
			size_t n = strlen(name);
			char gn[DTD_NAME_MAX + 1];
			struct guest *g;
			if (n <= 5 || n - 5 > DTD_NAME_MAX)
				return;
			memcpy(gn, name, n - 5);
			gn[n - 5] = '\0';
			if ((g = guest_find(gn)) != NULL)
				g->present = 0;
		}
		return;
	}
	if (!(mask & IN_MOVED_TO)) {
		if (mask & IN_CLOSE_WRITE)
			dlog(LOG_WARNING,
			     "%s/%s written in place, not by rename: ignored",
			     dir, name);
		return;
	}
	if (!strcmp(dir, "inbound")) {
		struct reply_name r;
		if (parse_reply_name(name, &r) < 0 ||
		    (p = prog_find(r.ident)) == NULL || p->state == P_KILLED)
			return;
		p->nreplies++;
		deliver_reply(p, name);
		return;
	}
	if (dtd_ident_parse(name, id) < 0) {
		dlog(LOG_WARNING, "%s/%s: not a program identifier", dir, name);
		return;
	}
	p = prog_find(id);
	if (!strcmp(dir, "base")) {
		if (p == NULL && (p = prog_new(id)) == NULL)
			return;
		if (p->state == P_PENDING && !store_exists("outbound", name) &&
		    store_link("base", name, "outbound") < 0)
			dlog(LOG_ERR, "cannot activate %s: %s", name,
			     strerror(errno));
	} else if (!strcmp(dir, "outbound")) {
		if (p == NULL || p->state == P_KILLED) {
			if (!store_exists("base", name))
				store_unlink("outbound", name);
			if (p == NULL && store_exists("base", name) &&
			    (p = prog_new(id)) != NULL)
				prog_activate(p);
			return;
		}
		prog_activate(p);
	}
}

static void recover_outbound(const char *name, void *arg)
{
	uint8_t id[DTD_IDENT_LEN];
	struct prog *p;

	if (dtd_ident_parse(name, id) < 0)
		return;
	if (!store_exists("base", name)) {
		store_unlink("outbound", name); /* an interrupted kill */
		return;
	}
	if ((p = prog_find(id)) == NULL && (p = prog_new(id)) == NULL)
		return;
	read_meta(p);
	prog_activate(p);
}

static void recover_base(const char *name, void *arg)
{
	uint8_t id[DTD_IDENT_LEN];
	struct prog *p;

	if (dtd_ident_parse(name, id) < 0 || prog_find(id))
		return;
	/* Stored and ACKed, but not yet active: finish the activation. */
	if ((p = prog_new(id)) == NULL)
		return;
	read_meta(p);
	if (store_link("base", name, "outbound") < 0)
		dlog(LOG_ERR, "cannot activate %s: %s", name, strerror(errno));
}

static void recover_inbound(const char *name, void *arg)
{
	struct reply_name r;
	struct prog *p;

	if (parse_reply_name(name, &r) < 0 ||
	    (p = prog_find(r.ident)) == NULL || p->state == P_KILLED) {
		store_unlink("inbound", name);
		return;
	}
	p->nreplies++;
}

int ov_init(void)
{
	if (watch_dir("base", IN_MOVED_TO | IN_CLOSE_WRITE) < 0 ||
	    watch_dir("outbound", IN_MOVED_TO | IN_CLOSE_WRITE) < 0 ||
	    watch_dir("inbound", IN_MOVED_TO | IN_CLOSE_WRITE) < 0 ||
	    watch_dir("guests", IN_CREATE | IN_MOVED_TO | IN_DELETE |
				    IN_MOVED_FROM) < 0) {
		dlog(LOG_ERR, "inotify: %s", strerror(errno));
		return -1;
	}
	/* What is on disk is what was promised: finish it. */
	scan_dir("outbound", recover_outbound, NULL);
	scan_dir("base", recover_base, NULL);
	scan_dir("inbound", recover_inbound, NULL);
	scan_dir("guests", guest_add_cb, NULL);
	return 0;
}

/* Killed programs leave the table (killed/ remembers them); freed here,
 * outside any walk of the list. */
static void sweep_killed(void)
{
	struct prog **pp = &progs, *p;

	while ((p = *pp) != NULL) {
		if (p->state == P_KILLED) {
			*pp = p->next;
			blob_put(p->frame);
			free(p);
		} else {
			pp = &p->next;
		}
	}
}

void ov_tick(void)
{
	long long t = now_ms();

	sweep_killed();

	for (struct guest *g = guests; g; g = g->next) {
		if (g->state == G_DOWN && g->present && t >= g->next_try)
			guest_connect(g);
		else if (g->state == G_CONNECTING && g->c &&
			 t - g->t_conn > 10000) {
			dlog(LOG_WARNING, "guest %s: no HELLO in 10 s",
			     g->name);
			conn_close(g->c);
		}
	}
	for (struct prog *p = progs; p; p = p->next)
		if (p->state != P_KILLED && p->owner == NULL &&
		    t - p->orphan_since > (long long)D.grace * 1000)
			prog_kill(p, "no consumer re-attached");
}

void ov_info(char **b, size_t *l, size_t *cap, int json, int guests_only)
{
	static const char *const gs[] = {"down", "connecting", "up"};
	static const char *const ps[] = {"pending", "active", "killed"};
	int first;

	if (!json) {
		if (!guests_only)
			sbuf_printf(b, l, cap,
				    "mode: overlord\nname: %s\npid: %d\n"
				    "state: %s\n",
				    D.name, getpid(), D.statedir);
		sbuf_printf(b, l, cap, "%-24s %-10s %8s %8s %8s\n", "GUEST",
			    "LINK", "SENT", "ACKED", "REPLIES");
		for (struct guest *g = guests; g; g = g->next)
			sbuf_printf(b, l, cap, "%-24s %-10s %8lu %8lu %8lu\n",
				    g->name, gs[g->state], g->nsent, g->nacked,
				    g->nreplies);
		if (guests_only)
			return;
		sbuf_printf(b, l, cap, "%-32s %-8s %-24s %7s\n", "PROGRAM",
			    "STATE", "OWNER", "REPLIES");
		for (struct prog *p = progs; p; p = p->next)
			if (p->state != P_KILLED)
				sbuf_printf(b, l, cap, "%-32s %-8s %-24s %7d\n",
					    p->hex, ps[p->state],
					    p->owner ? p->owner->name
						     : "(none)",
					    p->nreplies);
		sbuf_printf(b, l, cap, "CLIENTS\n");
		for (struct conn *c = D.conns; c; c = c->next)
			if (c->role == ROLE_CLIENT && c->hello)
				sbuf_printf(b, l, cap, "  %s %s pid %u\n",
					    dtd_kind_name(c->kind), c->name,
					    c->pid);
		return;
	}
	sbuf_printf(b, l, cap, "{\"mode\":\"overlord\",\"name\":");
	json_str(b, l, cap, D.name);
	sbuf_printf(b, l, cap, ",\"pid\":%d,\"state_dir\":", getpid());
	json_str(b, l, cap, D.statedir);
	sbuf_printf(b, l, cap, ",\"bad_frames\":%lu,\"guests\":[",
		    D.nframes_bad);
	first = 1;
	for (struct guest *g = guests; g; g = g->next) {
		sbuf_printf(b, l, cap, "%s{\"name\":", first ? "" : ",");
		json_str(b, l, cap, g->name);
		sbuf_printf(b, l, cap,
			    ",\"link\":\"%s\",\"present\":%s,\"sent\":%lu,"
			    "\"acked\":%lu,\"replies\":%lu,\"connects\":%lu}",
			    gs[g->state], g->present ? "true" : "false",
			    g->nsent, g->nacked, g->nreplies, g->nconnects);
		first = 0;
	}
	sbuf_printf(b, l, cap, "]");
	if (!guests_only) {
		sbuf_printf(b, l, cap, ",\"programs\":[");
		first = 1;
		for (struct prog *p = progs; p; p = p->next) {
			if (p->state == P_KILLED)
				continue;
			sbuf_printf(b, l, cap,
				    "%s{\"ident\":\"%s\",\"state\":\"%s\","
				    "\"owner\":",
				    first ? "" : ",", p->hex, ps[p->state]);
			if (p->owner)
				json_str(b, l, cap, p->owner->name);
			else
				sbuf_printf(b, l, cap, "null");
			sbuf_printf(b, l, cap,
				    ",\"owner_pid\":%u,\"replies\":%d}",
				    p->owner ? p->owner->pid : 0, p->nreplies);
			first = 0;
		}
		sbuf_printf(b, l, cap, "],\"clients\":[");
		first = 1;
		for (struct conn *c = D.conns; c; c = c->next) {
			if (c->role != ROLE_CLIENT || !c->hello)
				continue;
			sbuf_printf(b, l, cap, "%s{\"kind\":\"%s\",\"name\":",
				    first ? "" : ",", dtd_kind_name(c->kind));
			json_str(b, l, cap, c->name);
			sbuf_printf(b, l, cap, ",\"pid\":%u}", c->pid);
			first = 0;
		}
		sbuf_printf(b, l, cap, "]");
	}
	sbuf_printf(b, l, cap, "}\n");
}
