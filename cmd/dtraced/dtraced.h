/*
 * dtraced.h: what the parts of dtraced share: the daemon state, client and
 * link connections, the event loop's hooks and the transactional file
 * helpers. main.c owns the loop, connections and files; overlord.c the host
 * side (programs, guests, replies); minion.c the guest side (link to the
 * host, running the program command, replies).
 */
#ifndef DTRACED_H
#define DTRACED_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

#include "daemon/dtd_proto.h"

enum { MODE_OVERLORD = 1, MODE_MINION = 2 };

/* What an epoll event belongs to. */
enum ev_type { EV_LISTEN = 1, EV_INOTIFY, EV_SIGNAL, EV_CONN, EV_LINKLISTEN };

struct evsrc {
	int type;
	int fd;
};

/* A frame ready to write, shared between connections (refcounted). */
struct blob {
	int ref;
	size_t len;
	uint8_t data[];
};

struct outq {
	struct outq *next;
	struct blob *b;
	size_t off;
};

enum conn_role {
	ROLE_CLIENT = 1, /* accepted on sub.sock */
	ROLE_LINK_UP,	 /* overlord's link to a guest */
	ROLE_LINK_DOWN,	 /* minion's link to the host */
};

/* A request we sent on a link and whose ACK/NAK we wait for. */
struct req {
	uint16_t type;
	uint8_t ident[DTD_IDENT_LEN];
	char name[128]; /* file the request is about (minion replies) */
};

struct guest;

struct conn {
	struct evsrc ev; /* first: epoll data points here */
	struct conn *next;
	int role;
	uint8_t *rbuf;
	size_t rlen, rcap;
	struct outq *oq, **oqtail;
	size_t oqbytes;
	int epollout;
	int closing;  /* close once the output queue is flushed */
	int rdclosed; /* peer sent EOF */
	long long t_close;
	int dead;
	long long t_open, t_read;
	/* After HELLO */
	int hello;
	uint32_t kind, subs, pid;
	char name[DTD_NAME_MAX + 1];
	/* Links */
	struct guest *guest;
	struct req *reqs;
	size_t nreq, capreq;
	int ready; /* link handshake done */
};

struct dtd_daemon {
	int mode;
	int foreground;
	int loglevel;
	char statedir[3072];
	char pidfile[3072];
	char name[DTD_NAME_MAX + 1]; /* this machine's name */
	char command[4096];	     /* minion: program command */
	char linkpath[3072];	     /* minion: host link */
	int link_listen;	     /* minion: serve linkpath as a socket */
	int grace;		     /* overlord: seconds to keep orphans */
	int nosync;		     /* -F: no fsync (crash-safe only) */
	int epfd;
	int infd;
	struct evsrc listen_ev, inotify_ev, signal_ev, linklisten_ev;
	struct conn *conns;
	long long t_start;
	int stop;
	unsigned long nframes_bad;
};

extern struct dtd_daemon D;

/* Logging: stderr in the foreground, syslog otherwise. */
void dlog(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

long long now_ms(void);

/* Connections. */
struct conn *conn_new(int fd, int role);
void conn_send_blob(struct conn *c, struct blob *b);
int conn_send(struct conn *c, uint16_t type, const uint8_t *ident,
	      const void *p1, size_t l1, const void *p2, size_t l2);
void conn_ack(struct conn *c, const uint8_t *ident, const void *p, size_t l);
void conn_nak(struct conn *c, const uint8_t *ident, int code, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
void conn_close(struct conn *c);
int conn_push_req(struct conn *c, uint16_t type, const uint8_t *ident,
		  const char *name);
int conn_pop_req(struct conn *c, struct req *r);
struct blob *blob_frame(uint16_t type, const uint8_t *ident, const void *p1,
			size_t l1, const void *p2, size_t l2);
void blob_put(struct blob *b);
int epoll_add(int fd, struct evsrc *ev, uint32_t events);
void json_str(char **buf, size_t *len, size_t *cap, const char *s);
void sbuf_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Files: <statedir>/<dir>/<name>. */
void spath(char *out, size_t sz, const char *dir, const char *name);
int store_file(const char *dir, const char *name, const void *p1, size_t l1,
	       const void *p2, size_t l2);
int store_link(const char *fromdir, const char *name, const char *todir);
int store_rename(const char *fromdir, const char *name, const char *todir);
int store_unlink(const char *dir, const char *name);
int store_exists(const char *dir, const char *name);
uint8_t *store_read(const char *dir, const char *name, size_t *len);
int fsync_dir(const char *dir);
int dsync(int fd); /* fsync unless -F */
void clean_temps(const char *dir);
int watch_dir(const char *dir, uint32_t mask);
const char *watch_name(int wd);
/* Iterate a directory's visible entries. */
int scan_dir(const char *dir, void (*fn)(const char *name, void *arg),
	     void *arg);

/* Mode hooks, called by main.c. */
int ov_init(void);
void ov_event(const char *dir, const char *name, uint32_t mask);
void ov_frame(struct conn *c, const dtd_frame_t *f);
void ov_closed(struct conn *c);
void ov_tick(void);
void ov_info(char **b, size_t *l, size_t *cap, int json, int guests_only);

int mn_init(void);
void mn_event(const char *dir, const char *name, uint32_t mask);
void mn_frame(struct conn *c, const dtd_frame_t *f);
void mn_closed(struct conn *c);
void mn_tick(void);
void mn_sigchld(void);
void mn_link_accept(void);
void mn_info(char **b, size_t *l, size_t *cap, int json, int guests_only);

/* Common client handling (HELLO, INFO) for sub.sock peers. */
int client_hello(struct conn *c, const dtd_frame_t *f, const uint8_t *ids,
		 uint32_t nids, uint16_t flags);
void client_info(struct conn *c, const dtd_frame_t *f);

#endif /* DTRACED_H */
