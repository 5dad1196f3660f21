/*
 * fuzz-proto.c: libFuzzer target for the dtraced frame parser and every
 * payload decoder. The input is fed as a byte stream, frame after frame,
 * the way dtraced reads a socket; each whole frame's payload then goes
 * through the decoder of its type.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/dtd_proto.h"

static void count_name(const char *name, void *arg)
{
	(*(size_t *)arg) += strlen(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		dtd_frame_t f;
		size_t used, need, n = 0;
		const char *why;
		char name[DTD_NAME_MAX + 1], msg[64];
		dtd_hello_t h;
		dtd_elf_t e;
		uint32_t code;
		int nak;
		int r = dtd_frame_parse(data + off, size - off, &f, &used,
					&need, &nak, &why);

		if (r <= 0)
			break;
		/* Decoders must accept any payload without reading past it. */
		dtd_hello_parse(f.payload, f.length, &h, &why);
		dtd_elf_parse(f.payload, f.length, &e, &why);
		dtd_kill_parse(f.payload, f.length, name, &why);
		dtd_cleanup_parse(f.payload, f.length, count_name, &n, &why);
		dtd_nak_parse(f.payload, f.length, &code, msg, sizeof(msg));
		off += used;
	}
	/* Payload decoders on the raw input, too (no valid frame needed). */
	{
		dtd_hello_t h;
		dtd_elf_t e;
		char name[DTD_NAME_MAX + 1];
		const char *why;
		size_t n = 0;

		dtd_hello_parse(data, size, &h, &why);
		dtd_elf_parse(data, size, &e, &why);
		dtd_kill_parse(data, size, name, &why);
		dtd_cleanup_parse(data, size, count_name, &n, &why);
	}
	return 0;
}
