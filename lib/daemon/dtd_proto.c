/*
 * dtd_proto.c: dtraced frame and payload encoding/decoding. Every length is
 * checked against what is really there before anything is read; nothing here
 * trusts the peer.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/sha.h>

#include "daemon/dtd_proto.h"

int dtd_frame_parse(const uint8_t *buf, size_t len, dtd_frame_t *f,
		    size_t *used, size_t *need, int *nak, const char **why)
{
	uint8_t sha[DTD_SHA_LEN];

	*used = 0;
	if (need)
		*need = DTD_HDR_SIZE;
	if (len == 0)
		return 0;
	if (len < DTD_HDR_SIZE) {
		/* Refuse garbage early: the magic is judged byte by byte. */
		static const uint8_t magic[4] = {'H', 'T', 'D', 'D'};
		size_t n = len < 4 ? len : 4;
		if (memcmp(buf, magic, n) != 0) {
			*nak = DTD_NAK_PROTO;
			*why = "bad magic";
			return -1;
		}
		return 0;
	}
	if (dtd_get32(buf + DTD_OFF_MAGIC) != DTD_MAGIC) {
		*nak = DTD_NAK_PROTO;
		*why = "bad magic";
		return -1;
	}
	f->version = dtd_get16(buf + DTD_OFF_VERSION);
	if (f->version != DTD_VERSION) {
		*nak = DTD_NAK_VERSION;
		*why = "unsupported protocol version";
		return -1;
	}
	f->type = dtd_get16(buf + DTD_OFF_TYPE);
	if (f->type == 0 || f->type >= DTD_TYPE_MAX) {
		*nak = DTD_NAK_PROTO;
		*why = "unknown message type";
		return -1;
	}
	f->length = dtd_get64(buf + DTD_OFF_LENGTH);
	if (f->length > DTD_MAX_PAYLOAD) {
		*nak = DTD_NAK_TOOBIG;
		*why = "payload longer than 64 MiB";
		return -1;
	}
	if (need)
		*need = DTD_HDR_SIZE + (size_t)f->length;
	if (len - DTD_HDR_SIZE < f->length)
		return 0;
	memcpy(f->ident, buf + DTD_OFF_IDENT, DTD_IDENT_LEN);
	memcpy(f->sha, buf + DTD_OFF_SHA, DTD_SHA_LEN);
	f->payload = buf + DTD_HDR_SIZE;
	SHA256(f->payload, (size_t)f->length, sha);
	if (memcmp(sha, f->sha, DTD_SHA_LEN) != 0) {
		*nak = DTD_NAK_SHA;
		*why = "payload SHA-256 mismatch";
		return -1;
	}
	*used = DTD_HDR_SIZE + (size_t)f->length;
	return 1;
}

uint8_t *dtd_frame_build2(uint16_t type, const uint8_t *ident, const void *p1,
			  size_t l1, const void *p2, size_t l2, size_t *outlen)
{
	uint8_t *b;

	if (l1 > DTD_MAX_PAYLOAD || l2 > DTD_MAX_PAYLOAD - l1)
		return NULL;
	b = malloc(DTD_HDR_SIZE + l1 + l2);
	if (b == NULL)
		return NULL;
	memset(b, 0, DTD_HDR_SIZE);
	dtd_put32(b + DTD_OFF_MAGIC, DTD_MAGIC);
	dtd_put16(b + DTD_OFF_VERSION, DTD_VERSION);
	dtd_put16(b + DTD_OFF_TYPE, type);
	dtd_put64(b + DTD_OFF_LENGTH, l1 + l2);
	if (ident)
		memcpy(b + DTD_OFF_IDENT, ident, DTD_IDENT_LEN);
	if (l1)
		memcpy(b + DTD_HDR_SIZE, p1, l1);
	if (l2)
		memcpy(b + DTD_HDR_SIZE + l1, p2, l2);
	SHA256(b + DTD_HDR_SIZE, l1 + l2, b + DTD_OFF_SHA);
	*outlen = DTD_HDR_SIZE + l1 + l2;
	return b;
}

uint8_t *dtd_frame_build(uint16_t type, const uint8_t *ident,
			 const void *payload, size_t len, size_t *outlen)
{
	return dtd_frame_build2(type, ident, payload, len, NULL, 0, outlen);
}

/* Copies a length-prefixed name; rejects names with NUL bytes. */
static int get_name(const uint8_t *p, size_t n, char *out)
{
	if (n > DTD_NAME_MAX || memchr(p, 0, n) != NULL)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int dtd_hello_parse(const uint8_t *p, size_t len, dtd_hello_t *h,
		    const char **why)
{
	size_t nl, off;

	memset(h, 0, sizeof(*h));
	if (len < 16) {
		*why = "HELLO payload too short";
		return -1;
	}
	h->kind = dtd_get32(p);
	h->subs = dtd_get32(p + 4);
	h->pid = dtd_get32(p + 8);
	nl = dtd_get16(p + 12);
	h->flags = dtd_get16(p + 14);
	if (h->kind == 0 || h->kind >= DTD_KIND_MAX) {
		*why = "HELLO with unknown client kind";
		return -1;
	}
	if (h->subs & ~DTD_SUB_ALL) {
		*why = "HELLO with unknown subscription bits";
		return -1;
	}
	off = 16;
	if (len - off < nl + 4 || get_name(p + off, nl, h->name) < 0) {
		*why = "HELLO name malformed";
		return -1;
	}
	off += nl;
	h->nids = dtd_get32(p + off);
	off += 4;
	if (h->nids > (len - off) / DTD_HELLO_ID_SIZE ||
	    (size_t)h->nids * DTD_HELLO_ID_SIZE != len - off) {
		*why = "HELLO id list length mismatch";
		return -1;
	}
	h->ids = h->nids ? p + off : NULL;
	return 0;
}

int dtd_elf_parse(const uint8_t *p, size_t len, dtd_elf_t *e, const char **why)
{
	size_t nl, off = DTD_IDENT_LEN + 8;

	memset(e, 0, sizeof(*e));
	if (len < off) {
		*why = "ELF payload too short";
		return -1;
	}
	memcpy(e->srcident, p, DTD_IDENT_LEN);
	e->status = (int32_t)dtd_get32(p + 16);
	nl = dtd_get16(p + 20);
	e->flags = dtd_get16(p + 22);
	if (e->flags & ~DTD_ELF_REPLY) {
		*why = "ELF with unknown flags";
		return -1;
	}
	if (len - off < nl || get_name(p + off, nl, e->name) < 0 ||
	    (nl && !dtd_name_valid(e->name))) {
		*why = "ELF guest name malformed";
		return -1;
	}
	off += nl;
	e->data = p + off;
	e->datalen = len - off;
	return 0;
}

int dtd_kill_parse(const uint8_t *p, size_t len, char *name, const char **why)
{
	size_t nl;

	name[0] = '\0';
	if (len == 0)
		return 0;
	if (len < 2 || (nl = dtd_get16(p)) != len - 2 ||
	    get_name(p + 2, nl, name) < 0 || (nl && !dtd_name_valid(name))) {
		*why = "KILL payload malformed";
		return -1;
	}
	return 0;
}

int dtd_cleanup_parse(const uint8_t *p, size_t len,
		      void (*fn)(const char *name, void *arg), void *arg,
		      const char **why)
{
	char name[DTD_NAME_MAX + 1];
	size_t off = 4, nl;
	uint32_t n, i;

	if (len == 0)
		return 0;
	if (len < 4) {
		*why = "CLEANUP payload too short";
		return -1;
	}
	n = dtd_get32(p);
	/* Validate everything before acting on any of it. */
	for (int pass = 0; pass < 2; pass++) {
		off = 4;
		for (i = 0; i < n; i++) {
			if (len - off < 2 ||
			    (nl = dtd_get16(p + off), len - off - 2 < nl) ||
			    get_name(p + off + 2, nl, name) < 0 ||
			    !dtd_name_valid(name)) {
				*why = "CLEANUP guest list malformed";
				return -1;
			}
			off += 2 + nl;
			if (pass == 1 && fn)
				fn(name, arg);
		}
		if (off != len) {
			*why = "CLEANUP payload has trailing bytes";
			return -1;
		}
	}
	return 0;
}

int dtd_nak_parse(const uint8_t *p, size_t len, uint32_t *code, char *msg,
		  size_t msgsz)
{
	size_t n;

	if (len < 4)
		return -1;
	*code = dtd_get32(p);
	n = len - 4 < msgsz - 1 ? len - 4 : msgsz - 1;
	memcpy(msg, p + 4, n);
	msg[n] = '\0';
	return 0;
}

uint8_t *dtd_hello_build(uint32_t kind, uint32_t subs, uint32_t pid,
			 uint16_t flags, const char *name, const uint8_t *ids,
			 uint32_t nids, size_t *len)
{
	size_t nl = name ? strlen(name) : 0, n;
	uint8_t *b;

	if (nl > DTD_NAME_MAX)
		nl = DTD_NAME_MAX;
	n = 16 + nl + 4 + (size_t)nids * DTD_HELLO_ID_SIZE;
	if ((b = malloc(n)) == NULL)
		return NULL;
	dtd_put32(b, kind);
	dtd_put32(b + 4, subs);
	dtd_put32(b + 8, pid);
	dtd_put16(b + 12, (uint16_t)nl);
	dtd_put16(b + 14, flags);
	if (nl)
		memcpy(b + 16, name, nl);
	dtd_put32(b + 16 + nl, nids);
	if (nids)
		memcpy(b + 20 + nl, ids, (size_t)nids * DTD_HELLO_ID_SIZE);
	*len = n;
	return b;
}

uint8_t *dtd_elf_meta_build(const uint8_t *srcident, int32_t status,
			    uint16_t flags, const char *name, size_t *len)
{
	size_t nl = name ? strlen(name) : 0;
	uint8_t *b;

	if (nl > DTD_NAME_MAX || (b = calloc(1, 24 + nl)) == NULL)
		return NULL;
	if (srcident)
		memcpy(b, srcident, DTD_IDENT_LEN);
	dtd_put32(b + 16, (uint32_t)status);
	dtd_put16(b + 20, (uint16_t)nl);
	dtd_put16(b + 22, flags);
	if (nl)
		memcpy(b + 24, name, nl);
	*len = 24 + nl;
	return b;
}

uint8_t *dtd_kill_build(const char *name, size_t *len)
{
	size_t nl = name ? strlen(name) : 0;
	uint8_t *b;

	if (nl > DTD_NAME_MAX || (b = malloc(2 + nl + 1)) == NULL)
		return NULL;
	if (nl == 0) {
		*len = 0;
		return b;
	}
	dtd_put16(b, (uint16_t)nl);
	memcpy(b + 2, name, nl);
	*len = 2 + nl;
	return b;
}

uint8_t *dtd_cleanup_build(const char *const *names, size_t n, size_t *len)
{
	size_t tot = 4, off = 4;
	uint8_t *b;

	for (size_t i = 0; i < n; i++) {
		if (strlen(names[i]) > DTD_NAME_MAX)
			return NULL;
		tot += 2 + strlen(names[i]);
	}
	if ((b = malloc(tot)) == NULL)
		return NULL;
	dtd_put32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(names[i]);
		dtd_put16(b + off, (uint16_t)nl);
		memcpy(b + off + 2, names[i], nl);
		off += 2 + nl;
	}
	*len = n ? tot : 0;
	return b;
}

uint8_t *dtd_nak_build(uint32_t code, const char *msg, size_t *len)
{
	size_t ml = msg ? strlen(msg) : 0;
	uint8_t *b;

	if ((b = malloc(4 + ml)) == NULL)
		return NULL;
	dtd_put32(b, code);
	if (ml)
		memcpy(b + 4, msg, ml);
	*len = 4 + ml;
	return b;
}

void dtd_ident_hex(const uint8_t *ident, char *buf)
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < DTD_IDENT_LEN; i++) {
		buf[2 * i] = hx[ident[i] >> 4];
		buf[2 * i + 1] = hx[ident[i] & 15];
	}
	buf[2 * DTD_IDENT_LEN] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int dtd_ident_parse(const char *hex, uint8_t *ident)
{
	for (int i = 0; i < DTD_IDENT_LEN; i++) {
		int a = hexval(hex[2 * i]), b;
		if (a < 0 || (b = hexval(hex[2 * i + 1])) < 0)
			return -1;
		ident[i] = (uint8_t)(a << 4 | b);
	}
	return hex[2 * DTD_IDENT_LEN] == '\0' ? 0 : -1;
}

int dtd_ident_random(uint8_t *ident)
{
	return getrandom(ident, DTD_IDENT_LEN, 0) == DTD_IDENT_LEN ? 0 : -1;
}

int dtd_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > DTD_NAME_MAX || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

const char *dtd_type_name(unsigned type)
{
	static const char *const names[] = {"?",   "HELLO", "ACK",     "NAK",
					    "ELF", "KILL",  "CLEANUP", "INFO"};
	return type < DTD_TYPE_MAX ? names[type] : "?";
}

const char *dtd_kind_name(unsigned kind)
{
	static const char *const names[] = {"unknown", "consumer", "forwarder",
					    "control"};
	return kind < DTD_KIND_MAX ? names[kind] : "unknown";
}
