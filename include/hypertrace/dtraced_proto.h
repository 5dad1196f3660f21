/*
 * dtraced_proto.h: the dtraced wire protocol, shared by dtraced, dtracedctl,
 * dtrace (-E) and htvm. Owns the frame layout and every wire constant.
 *
 * A frame is a fixed 64-byte header followed by `length` payload bytes.
 * Every integer is little-endian and fixed-width; nothing on the wire is a
 * C struct. Header layout (byte offsets):
 *
 *    0  u32  magic      DTD_MAGIC ("HTDD" in file order)
 *    4  u16  version    DTD_VERSION
 *    6  u16  type       enum dtd_type
 *    8  u64  length     payload bytes, at most DTD_MAX_PAYLOAD
 *   16  u8   ident[16]  program identifier the frame is about (zero if none)
 *   32  u8   sha256[32] SHA-256 of the payload bytes (checked on arrival)
 *
 * Payloads (all little-endian):
 *
 *   HELLO   u32 kind, u32 subs, u32 pid, u16 namelen, u16 flags,
 *           name[namelen], u32 nids, nids x { u8 ident[16], u8 state }
 *           A consumer lists the programs it owns (to re-attach after a
 *           dtraced restart); a minion lists the programs it holds.
 *   ELF     u8 srcident[16], i32 status, u16 namelen, u16 flags,
 *           name[namelen], then the program file (bare ELF) to the end.
 *           name: destination guest (empty: all) from a consumer; the
 *           guest a reply comes from on the way back.
 *   KILL    u16 namelen, name[namelen] (guest; empty: every guest)
 *   CLEANUP u32 count, count x { u16 len, name[len] } (none: all guests)
 *   INFO    optional request text "status|guests json|text" (empty:
 *           status as JSON); the ACK carries the answer.
 *   ACK     request specific (HELLO: the peer's HELLO body; INFO: JSON).
 *   NAK     u32 code, then a UTF-8 message to the end.
 *
 * Every frame sent into a dtraced (HELLO, ELF, KILL, CLEANUP, INFO) is
 * answered, in order, by exactly one ACK or NAK whose ident echoes it.
 * ELF replies that dtraced forwards to a consumer are not acknowledged.
 */
#ifndef HYPERTRACE_DTRACED_PROTO_H
#define HYPERTRACE_DTRACED_PROTO_H

#include <stdint.h>

#define DTD_MAGIC	0x44445448u /* bytes 'H' 'T' 'D' 'D' */
#define DTD_VERSION	1
#define DTD_HDR_SIZE	64
#define DTD_MAX_PAYLOAD (64ull << 20)
#define DTD_IDENT_LEN	16
#define DTD_SHA_LEN	32
#define DTD_NAME_MAX	255

/* Header field offsets. */
#define DTD_OFF_MAGIC	0
#define DTD_OFF_VERSION 4
#define DTD_OFF_TYPE	6
#define DTD_OFF_LENGTH	8
#define DTD_OFF_IDENT	16
#define DTD_OFF_SHA	32

enum dtd_type {
	DTD_HELLO = 1,
	DTD_ACK = 2,
	DTD_NAK = 3,
	DTD_ELF = 4,
	DTD_KILL = 5,
	DTD_CLEANUP = 6,
	DTD_INFO = 7,
	DTD_TYPE_MAX
};

/* Client kinds, sent in HELLO. */
enum dtd_kind {
	DTD_KIND_CONSUMER = 1,	/* dtrace -E: sends programs, gets replies */
	DTD_KIND_FORWARDER = 2, /* a dtraced on the other end of a link */
	DTD_KIND_CONTROL = 3,	/* dtracedctl */
	DTD_KIND_MAX
};

/* Subscriptions, sent in HELLO (bit mask). */
#define DTD_SUB_ELF	0x1u /* receive ELF frames (replies, programs) */
#define DTD_SUB_KILL	0x2u /* receive KILL */
#define DTD_SUB_CLEANUP 0x4u /* receive CLEANUP */
#define DTD_SUB_ALL	0x7u

/* HELLO flags: the sender is an overlord / a minion. */
#define DTD_HELLO_OVERLORD 0x1u
#define DTD_HELLO_MINION   0x2u

/* Per-ident state byte in a HELLO id list. */
#define DTD_ID_ACTIVE 0x1u /* still running (not killed or cleaned up) */

/* ELF flags. */
#define DTD_ELF_REPLY 0x1u /* a guest's answer to the program srcident */

/* NAK codes. */
enum dtd_nak {
	DTD_NAK_PROTO = 1,     /* malformed frame or payload */
	DTD_NAK_VERSION = 2,   /* unsupported protocol version */
	DTD_NAK_HANDSHAKE = 3, /* HELLO required first, or bad HELLO */
	DTD_NAK_SHA = 4,       /* SHA-256 mismatch */
	DTD_NAK_TOOBIG = 5,    /* length above DTD_MAX_PAYLOAD */
	DTD_NAK_IO = 6,	       /* dtraced could not store the program */
	DTD_NAK_DENIED = 7,    /* not allowed for this client kind or mode */
	DTD_NAK_NOENT = 8,     /* unknown program or guest */
};

#endif /* HYPERTRACE_DTRACED_PROTO_H */
