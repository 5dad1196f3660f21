/*
 * dtd_proto.h: encoding and decoding of dtraced frames and payloads
 * (layout in include/hypertrace/dtraced_proto.h). Pure functions over
 * byte buffers: dtraced, its client library and the fuzz target share them.
 */
#ifndef DTD_PROTO_H
#define DTD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "hypertrace/dtraced_proto.h"

/* A decoded frame; payload points into the caller's buffer. */
typedef struct dtd_frame {
	uint16_t type;
	uint16_t version;
	uint64_t length;
	uint8_t ident[DTD_IDENT_LEN];
	uint8_t sha[DTD_SHA_LEN];
	const uint8_t *payload;
} dtd_frame_t;

/*
 * dtd_frame_parse: decode one frame at the start of buf.
 * Returns 1 and sets *used when a whole, valid frame is there; 0 when more
 * bytes are needed (*need says how many in total, if known); -1 on a bad
 * frame, with *nak set to a DTD_NAK_* code and *why to a static message.
 * The header is judged as soon as its 64 bytes are in, so an oversized or
 * garbage frame is refused before its payload is read.
 */
int dtd_frame_parse(const uint8_t *buf, size_t len, dtd_frame_t *f,
		    size_t *used, size_t *need, int *nak, const char **why);

/* dtd_frame_build: a malloc'd frame (header + payload, SHA filled in);
 * NULL if out of memory or too long. */
uint8_t *dtd_frame_build(uint16_t type, const uint8_t *ident,
			 const void *payload, size_t len, size_t *outlen);
/* Same with the payload given in two pieces (meta, then file bytes). */
uint8_t *dtd_frame_build2(uint16_t type, const uint8_t *ident, const void *p1,
			  size_t l1, const void *p2, size_t l2, size_t *outlen);

typedef struct dtd_hello {
	uint32_t kind;
	uint32_t subs;
	uint32_t pid;
	uint16_t flags;
	char name[DTD_NAME_MAX + 1];
	uint32_t nids;
	const uint8_t *ids; /* nids x 17 bytes: ident[16], state */
} dtd_hello_t;

typedef struct dtd_elf {
	uint8_t srcident[DTD_IDENT_LEN];
	int32_t status;
	uint16_t flags;
	char name[DTD_NAME_MAX + 1];
	const uint8_t *data; /* the program file */
	size_t datalen;
} dtd_elf_t;

#define DTD_HELLO_ID_SIZE (DTD_IDENT_LEN + 1)

/* Payload decoders: 0 on success, -1 if malformed (*why says how). */
int dtd_hello_parse(const uint8_t *p, size_t len, dtd_hello_t *h,
		    const char **why);
int dtd_elf_parse(const uint8_t *p, size_t len, dtd_elf_t *e, const char **why);
int dtd_kill_parse(const uint8_t *p, size_t len, char *name, const char **why);
/* Calls fn for each guest name of a CLEANUP payload. */
int dtd_cleanup_parse(const uint8_t *p, size_t len,
		      void (*fn)(const char *name, void *arg), void *arg,
		      const char **why);
/* NAK payload: code and message (copied, NUL-terminated, truncated). */
int dtd_nak_parse(const uint8_t *p, size_t len, uint32_t *code, char *msg,
		  size_t msgsz);

/* Payload encoders: malloc'd buffers, NULL on failure. ids may be NULL. */
uint8_t *dtd_hello_build(uint32_t kind, uint32_t subs, uint32_t pid,
			 uint16_t flags, const char *name, const uint8_t *ids,
			 uint32_t nids, size_t *len);
uint8_t *dtd_elf_meta_build(const uint8_t *srcident, int32_t status,
			    uint16_t flags, const char *name, size_t *len);
uint8_t *dtd_kill_build(const char *name, size_t *len);
uint8_t *dtd_cleanup_build(const char *const *names, size_t n, size_t *len);
uint8_t *dtd_nak_build(uint32_t code, const char *msg, size_t *len);

/* Little-endian helpers. */
static inline uint16_t dtd_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t dtd_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static inline uint64_t dtd_get64(const uint8_t *p)
{
	return (uint64_t)dtd_get32(p) | (uint64_t)dtd_get32(p + 4) << 32;
}
static inline void dtd_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void dtd_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void dtd_put64(uint8_t *p, uint64_t v)
{
	dtd_put32(p, (uint32_t)v);
	dtd_put32(p + 4, (uint32_t)(v >> 32));
}

/* Identifiers as 32 lowercase hex digits (buf of at least 33 bytes). */
void dtd_ident_hex(const uint8_t *ident, char *buf);
int dtd_ident_parse(const char *hex, uint8_t *ident);
/* A fresh random identifier (getrandom). */
int dtd_ident_random(uint8_t *ident);
/* A guest name is 1..255 bytes of [A-Za-z0-9._-], not starting with '.'. */
int dtd_name_valid(const char *name);

const char *dtd_type_name(unsigned type);
const char *dtd_kind_name(unsigned kind);

#endif /* DTD_PROTO_H */
