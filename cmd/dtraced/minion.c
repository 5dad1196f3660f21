/*
 * minion.c: the guest side of dtraced. Owns the link to the host (the
 * virtio port, or a unix socket served at -S PATH the way QEMU serves one),
 * running the program command once per program, and sending its output back.
 *
 * On disk:
 *   inbound/ID   a program from the host, still active
 *   seen/ID      a program killed or cleaned up (never run again)
 *   run/ID       "pid N" then "status N": written by the runner, which holds
 *                an flock on it for as long as it lives
 *   run/ID.log   the command's stdout and stderr
 *   run/ID.out   the command's output while it is written
 *   outbound/ID  the command's output, to be sent to the host
 *   sent/ID      the same once the host ACKed it
 *
 * Exactly once: run/ID is created O_EXCL before the runner is forked, so a
 * program never gets two runners; the runner is its own session and
 * outlives a dtraced crash. At start, an unlocked run/ID with a pid but no
 * output means the runner died: the host gets a failure reply instead of a
 * second run. An unlocked, empty run/ID means no runner ever started.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtraced.h"

static struct conn *link_c;
static long long link_retry;
static int link_listening;

/* Runners we forked (pid -> program), and runners from a previous life
 * whose end we learn by polling their lock. */
struct runner {
	pid_t pid;
	char hex[33];
};
static struct runner *runners;
static size_t nrunners, caprunners;
static char (*orphans)[33];
static size_t norphans, caporphans;

struct pkill {
	pid_t pgid;
	long long when;
};
static struct pkill pkills[256];
static size_t npkills;

static int is_ident(const char *name)
{
	uint8_t id[DTD_IDENT_LEN];

	return dtd_ident_parse(name, id) == 0;
}

/* run/ID: "pid N\nstatus N\n"; returns pid (0 if none), *status if any. */
static pid_t run_info(const char *hex, int *status, int *has_status)
{
	size_t len;
	uint8_t *b = store_read("run", hex, &len);
	pid_t pid = 0;
	char *s;

	*has_status = 0;
	if (b == NULL)
		return 0;
	b[len] = '\0';
	if (sscanf((char *)b, "pid %d", &pid) != 1)
		pid = 0;
	if ((s = strstr((char *)b, "status ")) != NULL &&
	    sscanf(s, "status %d", status) == 1)
		*has_status = 1;
	free(b);
	return pid;
}

static int append_status(const char *hex, int status)
{
	char p[PATH_MAX], line[32];
	int fd, n, r;

	spath(p, sizeof(p), "run", hex);
	if ((fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
		return -1;
	n = snprintf(line, sizeof(line), "status %d\n", status);
	r = write(fd, line, (size_t)n) == n && dsync(fd) == 0 ? 0 : -1;
	close(fd);
	return r;
}

static int reply_done(const char *hex)
{
	return store_exists("outbound", hex) || store_exists("sent", hex);
}

/* The runner died without a reply: tell the host, never run it again. */
static void run_lost(const char *hex)
{
	static const char msg[] = "dtraced: the program command was lost "
				  "(its runner died)\n";

	if (reply_done(hex) || !store_exists("inbound", hex))
		return;
	dlog(LOG_WARNING, "program %s: runner lost, reporting failure", hex);
	append_status(hex, -1);
	store_file("outbound", hex, msg, sizeof(msg) - 1, NULL, 0);
}

/* ---- the runner (a child process) ---- */

static void runner_main(const char *hex, int runfd)
{
	char in[PATH_MAX], tmp[PATH_MAX], out[PATH_MAX], logp[PATH_MAX], tn[64],
	    line[32], env_id[64], env_guest[300];
	int rp[2], logfd, nullfd, st = 0, n;
	pid_t cpid;
	sigset_t all;

	setsid();
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	spath(in, sizeof(in), "inbound", hex);
	/* The output is written in run/, not under a dot-name in outbound/:
	 * a restarting dtraced removes dot-names, and this runner may well
	 * outlive the dtraced that started it. */
	snprintf(tn, sizeof(tn), "%s.out", hex);
	spath(tmp, sizeof(tmp), "run", tn);
	spath(out, sizeof(out), "outbound", hex);
	snprintf(tn, sizeof(tn), "%s.log", hex);
	spath(logp, sizeof(logp), "run", tn);
	/* Only the run file stays open: nothing of the daemon (pidfile
	 * lock, sockets) may outlive it in here. */
	if (runfd != 10) {
		dup2(runfd, 10);
		close(runfd);
	}
	close_range(3, 9, 0);
	close_range(11, ~0U, 0);
	n = snprintf(line, sizeof(line), "pid %d\n", getpid());
	if (write(10, line, (size_t)n) != n || dsync(10) < 0)
		_exit(1);
	fsync_dir("run");
	unlink(tmp);
	nullfd = open("/dev/null", O_RDONLY);
	logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (pipe(rp) < 0 || nullfd < 0 || logfd < 0)
		_exit(1);
	cpid = fork();
	if (cpid == 0) {
		dup2(nullfd, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		if (rp[1] != 3) {
			dup2(rp[1], 3);
			close(rp[1]);
		}
		close_range(4, ~0U, 0);
		snprintf(env_id, sizeof(env_id), "%s", hex);
		snprintf(env_guest, sizeof(env_guest), "%s", D.name);
		setenv("DTRACED_IDENT", env_id, 1);
		setenv("DTRACED_GUEST", env_guest, 1);
		setenv("DTRACED_PROGRAM", in, 1);
		setenv("DTRACED_OUTPUT", tmp, 1);
		setenv("DTRACED_READY_FD", "3", 1);
		execl("/bin/sh", "sh", "-c", D.command, "dtraced-run", in, tmp,
		      (char *)NULL);
		_exit(127);
	}
	close(rp[1]);
	close(nullfd);
	if (cpid < 0)
		_exit(1);
	/* The command is done with its output when it closes fd 3 or
	 * exits, whichever comes first; it may keep running after. */
	for (;;) {
		char b[64];
		ssize_t r = read(rp[0], b, sizeof(b));
		if (r == 0 || (r < 0 && errno != EINTR))
			break;
	}
	close(rp[0]);
	st = 0;
	for (int i = 0; i < 40; i++) {
		int ws;
		pid_t w = waitpid(cpid, &ws, WNOHANG);
		if (w == cpid) {
			st = WIFEXITED(ws) ? WEXITSTATUS(ws)
					   : 128 + WTERMSIG(ws);
			cpid = 0;
			break;
		}
		usleep(2500);
	}
	if (access(tmp, F_OK) != 0) {
		/* No output: the log is the reply (says why). */
		int lf = open(logp, O_RDONLY), tf;
		tf = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (tf >= 0 && lf >= 0) {
			char b[4096];
			ssize_t r;
			while ((r = read(lf, b, sizeof(b))) > 0)
				if (write(tf, b, (size_t)r) != r)
					break;
		}
		if (lf >= 0)
			close(lf);
		if (tf >= 0)
			close(tf);
	}
	{
		int tf = open(tmp, O_RDONLY);
		if (tf >= 0) {
			dsync(tf);
			close(tf);
		}
	}
	n = snprintf(line, sizeof(line), "status %d\n", st);
	if (write(10, line, (size_t)n) != n || dsync(10) < 0)
		_exit(1);
	/* Killed or cleaned up meanwhile: nobody wants the output. */
	if (access(in, F_OK) == 0 && rename(tmp, out) == 0)
		fsync_dir("outbound");
	else
		unlink(tmp);
	if (cpid > 0)
		waitpid(cpid, NULL, 0);
	_exit(0);
}

static void start_runner(const char *hex)
{
	char p[PATH_MAX];
	pid_t pid;
	int fd;

	if (!store_exists("inbound", hex) || reply_done(hex))
		return;
	spath(p, sizeof(p), "run", hex);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno != EEXIST)
			dlog(LOG_ERR, "cannot create %s: %s", p,
			     strerror(errno));
		return;
	}
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return;
	}
	pid = fork();
	if (pid == 0)
		runner_main(hex, fd);
	close(fd);
	if (pid < 0) {
		dlog(LOG_ERR, "fork: %s", strerror(errno));
		unlink(p);
		return;
	}
	if (nrunners == caprunners) {
		size_t nc = caprunners ? caprunners * 2 : 32;
		struct runner *nr = realloc(runners, nc * sizeof(*nr));
		if (nr == NULL)
			return;
		runners = nr;
		caprunners = nc;
	}
	runners[nrunners].pid = pid;
	snprintf(runners[nrunners].hex, 33, "%s", hex);
	nrunners++;
	dlog(LOG_INFO, "program %s: runner pid %d", hex, pid);
}

void mn_sigchld(void)
{
	int ws;
	pid_t pid;

	while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
		for (size_t i = 0; i < nrunners; i++) {
			if (runners[i].pid != pid)
				continue;
			if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
				run_lost(runners[i].hex);
			runners[i] = runners[--nrunners];
			break;
		}
	}
}

/* 1: a live runner holds run/ID, 0: free, -1: no run file. */
static int run_locked(const char *hex)
{
	char p[PATH_MAX];
	int fd, r;

	spath(p, sizeof(p), "run", hex);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	r = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return r;
}

static void signal_runner(const char *hex)
{
	int st, hs;
	pid_t pid = run_info(hex, &st, &hs);

	if (pid <= 1 || run_locked(hex) != 1)
		return;
	kill(-pid, SIGTERM);
	if (npkills < sizeof(pkills) / sizeof(pkills[0])) {
		pkills[npkills].pgid = pid;
		pkills[npkills].when = now_ms() + 3000;
		npkills++;
	}
}

/* ---- link to the host ---- */

static void send_reply(const char *hex)
{
	uint8_t id[DTD_IDENT_LEN], *data, *meta;
	size_t len, ml;
	int st = 0, hs;

	if (link_c == NULL || !link_c->ready || link_c->dead || link_c->closing)
		return;
	for (size_t i = 0; i < link_c->nreq; i++)
		if (!strcmp(link_c->reqs[i].name, hex))
			return; /* in flight */
	if (!store_exists("inbound", hex)) {
		store_unlink("outbound", hex); /* killed meanwhile */
		return;
	}
	if (dtd_ident_parse(hex, id) < 0 ||
	    (data = store_read("outbound", hex, &len)) == NULL)
		return;
	run_info(hex, &st, &hs);
	meta = dtd_elf_meta_build(id, st, DTD_ELF_REPLY, D.name, &ml);
	if (meta && conn_send(link_c, DTD_ELF, id, meta, ml, data, len) == 0)
		conn_push_req(link_c, DTD_ELF, id, hex);
	free(meta);
	free(data);
}

static void send_reply_cb(const char *name, void *arg)
{
	if (is_ident(name))
		send_reply(name);
}

struct idlist {
	uint8_t *ids;
	uint32_t n, cap;
	uint8_t state;
};

static void idlist_cb(const char *name, void *arg)
{
	struct idlist *l = arg;

	if (!is_ident(name))
		return;
	if (l->n == l->cap) {
		uint32_t nc = l->cap ? l->cap * 2 : 64;
		uint8_t *ni = realloc(l->ids, (size_t)nc * DTD_HELLO_ID_SIZE);
		if (ni == NULL)
			return;
		l->ids = ni;
		l->cap = nc;
	}
	dtd_ident_parse(name, l->ids + (size_t)l->n * DTD_HELLO_ID_SIZE);
	l->ids[(size_t)l->n * DTD_HELLO_ID_SIZE + DTD_IDENT_LEN] = l->state;
	l->n++;
}

static void link_hello(struct conn *c, const dtd_frame_t *f)
{
	struct idlist l = {0};
	dtd_hello_t h;
	const char *why;
	uint8_t *p;
	size_t len;

	if (dtd_hello_parse(f->payload, f->length, &h, &why) < 0 ||
	    !(h.flags & DTD_HELLO_OVERLORD)) {
		D.nframes_bad++;
		conn_nak(c, f->ident, DTD_NAK_HANDSHAKE, "%s",
			 h.flags & DTD_HELLO_OVERLORD ? why
						      : "not an overlord");
		return;
	}
	/* A new session: whatever was in flight is sent again. */
	c->nreq = 0;
	if (snprintf(c->name, sizeof(c->name), "host %s", h.name) < 0)
		c->name[0] = '\0';
	l.state = DTD_ID_ACTIVE;
	scan_dir("inbound", idlist_cb, &l);
	l.state = 0;
	scan_dir("seen", idlist_cb, &l);
	p = dtd_hello_build(DTD_KIND_FORWARDER, DTD_SUB_ALL, (uint32_t)getpid(),
			    DTD_HELLO_MINION, D.name, l.ids, l.n, &len);
	if (p)
		conn_ack(c, f->ident, p, len);
	free(p);
	free(l.ids);
	c->ready = 1;
	dlog(LOG_INFO, "host %s linked (we hold %u programs)", h.name, l.n);
	scan_dir("outbound", send_reply_cb, NULL);
}

static void link_elf(struct conn *c, const dtd_frame_t *f)
{
	dtd_elf_t e;
	const char *why;
	char hex[33];

	if (dtd_elf_parse(f->payload, f->length, &e, &why) < 0) {
		D.nframes_bad++;
		conn_nak(c, f->ident, DTD_NAK_PROTO, "%s", why);
		return;
	}
	dtd_ident_hex(f->ident, hex);
	if (!store_exists("inbound", hex) && !store_exists("seen", hex) &&
	    store_file("inbound", hex, e.data, e.datalen, NULL, 0) < 0) {
		conn_nak(c, f->ident, DTD_NAK_IO, "cannot store program: %s",
			 strerror(errno));
		return;
	}
	conn_ack(c, f->ident, NULL, 0);
}

static void kill_prog(const char *hex)
{
	if (store_exists("inbound", hex)) {
		dlog(LOG_INFO, "program %s killed", hex);
		store_rename("inbound", hex, "seen");
	}
	signal_runner(hex);
	store_unlink("outbound", hex);
}

static void cleanup_cb(const char *name, void *arg)
{
	const char *dir = arg;

	if (!strcmp(dir, "inbound")) {
		if (is_ident(name))
			kill_prog(name);
	} else if (!strcmp(dir, "run") && is_ident(name) &&
		   run_locked(name) == 1) {
		signal_runner(name);
	} else {
		store_unlink(dir, name);
	}
}

static void cleanup_all(void)
{
	dlog(LOG_NOTICE, "CLEANUP: stopping every program");
	scan_dir("inbound", cleanup_cb, "inbound");
	scan_dir("outbound", cleanup_cb, "outbound");
	scan_dir("sent", cleanup_cb, "sent");
}

static void link_frame(struct conn *c, const dtd_frame_t *f)
{
	struct req r;
	char hex[33];

	if (f->type == DTD_HELLO) {
		link_hello(c, f);
		return;
	}
	if (!c->ready && f->type != DTD_INFO) {
		D.nframes_bad++;
		conn_nak(c, f->ident, DTD_NAK_HANDSHAKE, "%s before HELLO",
			 dtd_type_name(f->type));
		return;
	}
	switch (f->type) {
	case DTD_ELF:
		link_elf(c, f);
		break;
	case DTD_KILL:
		dtd_ident_hex(f->ident, hex);
		kill_prog(hex);
		conn_ack(c, f->ident, NULL, 0);
		break;
	case DTD_CLEANUP:
		cleanup_all();
		conn_ack(c, f->ident, NULL, 0);
		break;
	case DTD_INFO:
		client_info(c, f);
		break;
	case DTD_ACK:
	case DTD_NAK:
		if (conn_pop_req(c, &r) < 0)
			break;
		if (f->type == DTD_ACK && r.type == DTD_ELF) {
			if (store_rename("outbound", r.name, "sent") < 0)
				dlog(LOG_WARNING, "cannot move reply %s: %s",
				     r.name, strerror(errno));
		} else if (f->type == DTD_NAK) {
			dlog(LOG_WARNING, "host refused reply %s", r.name);
		}
		break;
	}
}

static void client_frame(struct conn *c, const dtd_frame_t *f)
{
	switch (f->type) {
	case DTD_HELLO:
		client_hello(c, f, NULL, 0, DTD_HELLO_MINION);
		return;
	case DTD_INFO:
		client_info(c, f);
		return;
	case DTD_CLEANUP:
		if (c->kind == DTD_KIND_CONTROL) {
			cleanup_all();
			conn_ack(c, f->ident, NULL, 0);
			return;
		}
		break;
	}
	conn_nak(c, f->ident, DTD_NAK_DENIED, "%s not accepted by a minion",
		 dtd_type_name(f->type));
}

void mn_frame(struct conn *c, const dtd_frame_t *f)
{
	if (c->role == ROLE_LINK_DOWN)
		link_frame(c, f);
	else
		client_frame(c, f);
}

void mn_closed(struct conn *c)
{
	if (c == link_c) {
		dlog(LOG_INFO, "host link closed");
		link_c = NULL;
		link_retry = now_ms() + 200;
	}
}

static void open_device(void)
{
	int fd = open(D.linkpath, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	link_retry = now_ms() + 500;
	if (fd < 0) {
		dlog(LOG_DEBUG, "open %s: %s", D.linkpath, strerror(errno));
		return;
	}
	if ((link_c = conn_new(fd, ROLE_LINK_DOWN)) == NULL) {
		close(fd);
		return;
	}
	snprintf(link_c->name, sizeof(link_c->name), "host");
}

void mn_link_accept(void)
{
	int fd = accept4(D.linklisten_ev.fd, NULL, NULL,
			 SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct conn *c;

	if (fd < 0)
		return;
	if (link_c) {
		/* Like a QEMU chardev: the newest host connection wins. */
		link_c->dead = 1;
		link_c = NULL;
	}
	if ((c = conn_new(fd, ROLE_LINK_DOWN)) == NULL) {
		close(fd);
		return;
	}
	snprintf(c->name, sizeof(c->name), "host");
	link_c = c;
}

static int open_link_listener(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", D.linkpath) >=
	    (int)sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0) {
		/* The folder may not exist yet (the overlord creates it):
		 * try again from the tick. */
		static int said;
		if (!said++)
			dlog(LOG_WARNING, "cannot serve %s yet: %s", D.linkpath,
			     strerror(errno));
		close(fd);
		link_retry = now_ms() + 200;
		return 0;
	}
	D.linklisten_ev.type = EV_LINKLISTEN;
	link_listening = 1;
	dlog(LOG_INFO, "serving the host link at %s", D.linkpath);
	return epoll_add(fd, &D.linklisten_ev, EPOLLIN);
}

static void recover_run(const char *name, void *arg)
{
	int locked, st, hs;
	pid_t pid;

	if (!is_ident(name))
		return;
	locked = run_locked(name);
	if (locked == 1) {
		/* A runner from before the restart: watch its lock. */
		if (norphans == caporphans) {
			size_t nc = caporphans ? caporphans * 2 : 32;
			char(*no)[33] = realloc(orphans, nc * sizeof(*no));
			if (no == NULL)
				return;
			orphans = no;
			caporphans = nc;
		}
		snprintf(orphans[norphans++], 33, "%s", name);
		return;
	}
	pid = run_info(name, &st, &hs);
	if (pid == 0 && !reply_done(name)) {
		/* No runner ever started: as if never begun. */
		store_unlink("run", name);
		return;
	}
	if (!reply_done(name))
		run_lost(name);
}

static void recover_inbound(const char *name, void *arg)
{
	if (is_ident(name))
		start_runner(name);
}

int mn_init(void)
{
	if (watch_dir("inbound", IN_MOVED_TO) < 0 ||
	    watch_dir("outbound", IN_MOVED_TO) < 0) {
		dlog(LOG_ERR, "inotify: %s", strerror(errno));
		return -1;
	}
	scan_dir("run", recover_run, NULL);
	scan_dir("inbound", recover_inbound, NULL);
	if (D.link_listen)
		return open_link_listener();
	open_device();
	return 0;
}

void mn_event(const char *dir, const char *name, uint32_t mask)
{
	if (!is_ident(name))
		return;
	if (!strcmp(dir, "inbound"))
		start_runner(name);
	else if (!strcmp(dir, "outbound"))
		send_reply(name);
}

void mn_tick(void)
{
	static long long last_orphan_check;
	long long t = now_ms();

	for (size_t i = 0; i < npkills;) {
		if (t >= pkills[i].when) {
			kill(-pkills[i].pgid, SIGKILL);
			pkills[i] = pkills[--npkills];
		} else {
			i++;
		}
	}
	if (!D.link_listen && link_c == NULL && t >= link_retry)
		open_device();
	if (D.link_listen && !link_listening && t >= link_retry &&
	    open_link_listener() < 0)
		link_retry = t + 1000;
	if (t - last_orphan_check >= 200) {
		last_orphan_check = t;
		for (size_t i = 0; i < norphans;) {
			if (run_locked(orphans[i]) == 1) {
				i++;
				continue;
			}
			run_lost(orphans[i]);
			memcpy(orphans[i], orphans[--norphans], 33);
		}
	}
}

struct info_ctx {
	char **b;
	size_t *l, *cap;
	int json, first;
	const char *state;
};

static void info_cb(const char *name, void *arg)
{
	struct info_ctx *x = arg;
	const char *st = x->state;

	if (!is_ident(name))
		return;
	if (!strcmp(st, "active"))
		st = store_exists("sent", name)	      ? "replied"
		     : store_exists("outbound", name) ? "output-pending"
		     : run_locked(name) == 1	      ? "running"
						      : "received";
	if (x->json) {
		sbuf_printf(x->b, x->l, x->cap,
			    "%s{\"ident\":\"%s\",\"state\":\"%s\"}",
			    x->first ? "" : ",", name, st);
	} else {
		sbuf_printf(x->b, x->l, x->cap, "%-32s %s\n", name, st);
	}
	x->first = 0;
}

void mn_info(char **b, size_t *l, size_t *cap, int json, int guests_only)
{
	struct info_ctx x = {.b = b, .l = l, .cap = cap, .json = json};
	const char *ls = link_c == NULL	 ? "down"
			 : link_c->ready ? "up"
					 : "connecting";

	if (guests_only) {
		/* A minion has no guests; its host link stands in. */
		if (json) {
			sbuf_printf(b, l, cap,
				    "{\"mode\":\"minion\",\"guests\""
				    ":[]}\n");
		}
		return;
	}
	if (!json) {
		sbuf_printf(b, l, cap,
			    "mode: minion\nname: %s\npid: %d\nstate: %s\n"
			    "link: %s (%s)\nPROGRAM                          "
			    "STATE\n",
			    D.name, getpid(), D.statedir, D.linkpath, ls);
		x.state = "active";
		scan_dir("inbound", info_cb, &x);
		return;
	}
	sbuf_printf(b, l, cap, "{\"mode\":\"minion\",\"name\":");
	json_str(b, l, cap, D.name);
	sbuf_printf(b, l, cap, ",\"pid\":%d,\"state_dir\":", getpid());
	json_str(b, l, cap, D.statedir);
	sbuf_printf(b, l, cap, ",\"link_path\":");
	json_str(b, l, cap, D.linkpath);
	sbuf_printf(b, l, cap,
		    ",\"link\":\"%s\",\"bad_frames\":%lu,\"programs\":[", ls,
		    D.nframes_bad);
	x.first = 1;
	x.state = "active";
	scan_dir("inbound", info_cb, &x);
	sbuf_printf(b, l, cap, "]}\n");
}
