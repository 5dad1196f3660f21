/*
 * dt_hp_uprobe.c: the pid provider: pid<N>:<object>:<function>:entry and
 * :return for every sized function of the objects process N maps (its
 * executable also answers to the module name "a.out", as in DTrace),
 * placed as uprobes through perf's uprobe PMU on N's threads. Entry
 * probes get the first six integer arguments (arg0..arg5), return probes
 * the return value in arg1, as DTrace's pid provider gives them.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dt_error.h"
#include "common/dt_sym.h"
#include "providers/host/dt_hp_impl.h"

bool dt_hp_is_pidprov(const char *prv, pid_t *pid)
{
	char *end;
	long v;

	if (prv == NULL || strncmp(prv, "pid", 3) != 0 || prv[3] < '1' ||
	    prv[3] > '9')
		return false;
	errno = 0;
	v = strtol(prv + 3, &end, 10);
	if (*end != '\0' || errno != 0 || v <= 0 || v > INT_MAX)
		return false;
	*pid = (pid_t)v;
	return true;
}

/* The process's executable, as its maps name it (for "a.out"). */
static void exe_path(pid_t pid, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

struct walk {
	const dt_hostprobe_desc_t *pd;
	char prv[32];
	const char *exe;
	/* listing */
	int flags;
	dt_hostprobe_iter_f *cb;
	void *arg;
	int *count;
	/* finding one */
	int find;
	char path[PATH_MAX];
	uint64_t offset;
	int found;
};

/* The module name s matches the description by: its basename, or
 * "a.out" for the executable; NULL if neither. */
static const char *mod_match(const struct walk *w, const dt_usym_info_t *s)
{
	const char *m = w->pd != NULL ? w->pd->mod : NULL;

	if (dt_hp_match(m, s->mod))
		return s->mod;
	if (strcmp(s->path, w->exe) == 0 && dt_hp_match(m, "a.out"))
		return "a.out";
	return NULL;
}

static int walk_cb(void *arg, const dt_usym_info_t *s)
{
	struct walk *w = arg;
	static const char *const names[] = {"entry", "return"};
	const char *mod = mod_match(w, s);

	if (mod == NULL ||
	    !dt_hp_match(w->pd != NULL ? w->pd->func : NULL, s->name))
		return 0;
	if (w->find) {
		/* the first object that has the function places it */
		snprintf(w->path, sizeof(w->path), "%s", s->path);
		w->offset = s->offset;
		w->found = 1;
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		dt_hostprobe_info_t info;
		int r;

		if (!dt_hp_match(w->pd != NULL ? w->pd->name : NULL, names[i]))
			continue;
		memset(&info, 0, sizeof(info));
		info.desc.prv = w->prv;
		info.desc.mod = mod;
		info.desc.func = s->name;
		info.desc.name = names[i];
		info.nargs = -1;
		info.enableable = 1;
		(*w->count)++;
		if (w->cb != NULL && (r = w->cb(w->arg, &info)) != 0)
			return r;
	}
	return 0;
}

static int walk(dt_hostprobe_t *h, pid_t pid, struct walk *w)
{
	char exe[PATH_MAX];
	dt_usyms_t *us = dt_usyms_open((int)pid);
	int r;

	if (us == NULL)
		return dt_hp_seterr(h, EDT_PROVIDER,
				    "cannot read the mappings of process %d: "
				    "%s",
				    (int)pid, strerror(errno));
	exe_path(pid, exe, sizeof(exe));
	w->exe = exe;
	snprintf(w->prv, sizeof(w->prv), "pid%d", (int)pid);
	r = dt_usyms_iter(us, walk_cb, w);
	dt_usyms_close(us);
	return r;
}

int dt_hp_uprobe_iter(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
		      int flags, dt_hostprobe_iter_f *cb, void *arg, int *count)
{
	struct walk w = {
	    .pd = pd, .flags = flags, .cb = cb, .arg = arg, .count = count};
	pid_t pid;

	/* DTrace's pid provider is named for one process: no globs */
	if (pd == NULL || !dt_hp_is_pidprov(pd->prv, &pid))
		return 0;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 0; /* no such process: nothing matches */
	return walk(h, pid, &w);
}

int dt_hp_uprobe_enable(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
			uint32_t id)
{
	struct walk w = {.pd = pd, .find = 1};
	dt_hp_enab_t *en;
	pid_t pid;
	bool ret;

	if (!dt_hp_is_pidprov(pd->prv, &pid) || pd->name == NULL ||
	    (strcmp(pd->name, "entry") != 0 && strcmp(pd->name, "return") != 0))
		return dt_hp_seterr(
		    h, EDT_NOPROBE, "no probe %s:%s:%s:%s",
		    pd->prv ? pd->prv : "", pd->mod ? pd->mod : "",
		    pd->func ? pd->func : "", pd->name ? pd->name : "");
	ret = strcmp(pd->name, "return") == 0;
	if (walk(h, pid, &w) < 0)
		return -1;
	if (!w.found)
		return dt_hp_seterr(
		    h, EDT_NOPROBE, "no function %s in %s of process %d",
		    pd->func ? pd->func : "",
		    pd->mod && *pd->mod ? pd->mod : "any object", (int)pid);
	en = calloc(1, sizeof(*en));
	if (en == NULL)
		return dt_hp_seterr(h, EDT_NOMEM, "out of memory");
	en->probe_id = id;
	en->kind = DT_HPK_UPROBE;
	en->is_return = ret;
	en->nargs = ret ? 2 : 6;
	if (dt_hp_enab_open_uprobe(h, en, w.path, w.offset, ret, pid) != 0)
		goto fail;
	return dt_hp_enab_add(h, en);
fail:
	dt_hp_enab_free(en);
	return -1;
}
