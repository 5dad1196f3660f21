/*
 * dt_dtraced_client.h: the client side of the dtraced protocol, for
 * `dtrace -E` (consumer), dtracedctl (control) and tests.
 *
 * Typical consumer (dtrace -E):
 *
 *	dtd_client_t *c = dtd_client_open(NULL, DTD_KIND_CONSUMER,
 *					  DTD_SUB_ELF, "dtrace", &err);
 *	dtd_client_send_elf(c, ident, srcident, NULL, buf, len);  // ACKed
 *	while (dtd_client_recv(c, &m, 1000) == 1) {   // guest replies
 *		// m.srcident == ident, m.guest names the guest, m.status is
 *		// the guest command's exit status, m.data/m.len its output
 *		// (the guest-linked ELF).
 *		dtd_msg_free(&m);
 *	}
 *	dtd_client_close(c);	// dtraced KILLs the program in every guest
 *
 * A consumer's programs live as long as its connection: when it closes
 * (or the process exits), dtraced sends KILL for each of them to every
 * guest. If dtraced itself restarts, dtd_client_recv/send reconnect by
 * themselves (when the client was opened with DTD_CLIENT_RECONNECT) and
 * re-attach the programs this client sent; replies that arrived meanwhile
 * are delivered again, and the library drops duplicates (one reply per
 * program and guest).
 *
 * Every call returns -1 on failure and sets an EDT_* / errno code readable
 * with dtd_client_error(); dtd_client_errmsg() has the text, including a
 * NAK's reason from dtraced. Not thread-safe: use one client per thread.
 */
#ifndef DT_DTRACED_CLIENT_H
#define DT_DTRACED_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "hypertrace/dtraced_proto.h"

typedef struct dtd_client dtd_client_t;

/* An ELF frame received from dtraced (a guest's reply to a program). */
typedef struct dtd_msg {
	uint8_t ident[DTD_IDENT_LEN];	 /* the reply's own identifier */
	uint8_t srcident[DTD_IDENT_LEN]; /* the program it answers */
	char guest[DTD_NAME_MAX + 1];	 /* guest it comes from */
	int32_t status;			 /* guest command's exit status */
	uint8_t *data;			 /* output file bytes (malloc'd) */
	size_t len;
} dtd_msg_t;

/* Open flag: reconnect (and re-attach programs) when dtraced restarts. */
#define DTD_CLIENT_RECONNECT 0x1

/*
 * The state directory: dir if non-NULL, else $DTRACED_DIR, else
 * /var/ddtrace. The socket is <dir>/sub.sock.
 */
const char *dtd_client_default_dir(const char *dir);

/*
 * Connects to <dir>/sub.sock and performs the handshake (kind, subs from
 * dtraced_proto.h, name shown by `dtracedctl status`). NULL on failure
 * with *errp set.
 */
dtd_client_t *dtd_client_open(const char *dir, int kind, uint32_t subs,
			      const char *name, int *errp);
dtd_client_t *dtd_client_open_flags(const char *dir, int kind, uint32_t subs,
				    const char *name, int flags, int *errp);
void dtd_client_close(dtd_client_t *c);

/*
 * The socket, for poll(). Replies that arrive while a call waits for its
 * ACK are queued inside the client, where poll() cannot see them: after
 * any send, drain with dtd_client_recv(c, &m, 0) until it returns 0.
 */
int dtd_client_fd(const dtd_client_t *c);

/*
 * Sends a program (bare ELF bytes) and waits for dtraced's ACK, which means
 * the program is stored durably and will reach every guest (or only guest
 * dest, if non-NULL). srcident may be NULL. Sending the same ident twice is
 * harmless (dtraced keeps it once).
 */
int dtd_client_send_elf(dtd_client_t *c, const uint8_t *ident,
			const uint8_t *srcident, const char *dest,
			const void *buf, size_t len);
int dtd_client_send_file(dtd_client_t *c, const uint8_t *ident,
			 const uint8_t *srcident, const char *dest,
			 const char *path);

/* Stops a program in every guest (guest NULL) or in one guest. */
int dtd_client_kill(dtd_client_t *c, const uint8_t *ident, const char *guest);

/* Resets the state of the named guests (n == 0: every guest). */
int dtd_client_cleanup(dtd_client_t *c, const char *const *guests, size_t n);

/* dtraced's status as a JSON document (malloc'd, NUL-terminated). */
int dtd_client_info(dtd_client_t *c, char **jsonp);
/* Same with a request string: "status|guests json|text". */
int dtd_client_info_req(dtd_client_t *c, const char *req, char **outp);

/*
 * Waits up to timeout_ms (-1: forever) for the next reply. Returns 1 with
 * *m filled (free with dtd_msg_free), 0 on timeout, -1 on error (EDT_PEER
 * when dtraced closed the connection and reconnecting is off or failed).
 */
int dtd_client_recv(dtd_client_t *c, dtd_msg_t *m, int timeout_ms);
void dtd_msg_free(dtd_msg_t *m);

int dtd_client_error(const dtd_client_t *c);
const char *dtd_client_errmsg(const dtd_client_t *c);

#endif /* DT_DTRACED_CLIENT_H */
