/*
 * dt_gbtf.c: the guest kernel's BTF (libbpf), for member offsets the host
 * needs to read guest structures (task_struct.comm and the like).
 */
#include <string.h>

#include <bpf/btf.h>

#include "guest/dt_guest.h"

struct btf *dt_gbtf_load(const char *path)
{
	struct btf *btf = btf__parse(path, NULL);

	/* libbpf 1.x returns NULL with errno; older ones an error pointer. */

	if (!btf || ((long)btf < 0 && (long)btf > -4096))
		return NULL;
	return btf;
}

/* Searches type id's members, descending into anonymous structs/unions. */
static long gbtf_find(const struct btf *btf, __u32 id, const char *mname,
		      int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	int i;

	if (!t || depth > 8 || !(btf_is_struct(t) || btf_is_union(t)))
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		long off = btf_member_bit_offset(t, i) / 8;

		if (n && *n && strcmp(n, mname) == 0)
			return off;
		if (!n || !*n) {
			__u32 tid = m->type;
			const struct btf_type *mt = btf__type_by_id(btf, tid);
			long sub;

			while (mt && (btf_is_mod(mt) || btf_is_typedef(mt))) {
				tid = mt->type;
				mt = btf__type_by_id(btf, tid);
			}
			sub = gbtf_find(btf, tid, mname, depth + 1);
			if (sub >= 0)
				return off + sub;
		}
	}
	return -1;
}

long dt_gbtf_member_offset(const struct btf *btf, const char *sname,
			   const char *mname)
{
	__s32 id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);

	if (id < 0)
		return -1;
	return gbtf_find(btf, id, mname, 0);
}
