/*
 * dt_hp_list.c: probe listing and matching (dt_hostprobe_iter) over the
 * syscall, sdt and proc providers built from tracefs's available_events,
 * plus fbt from BTF; and the argument layout of each probe, shared with
 * enabling.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dt_error.h"
#include "providers/host/dt_hp_impl.h"

dt_hp_format_t *dt_hp_load_format(dt_hostprobe_t *h, const char *cat,
				  const char *event)
{
	char path[512], err[160];
	dt_hp_format_t *fmt;
	char *text;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", h->tracefs, cat,
		 event);
	text = dt_hp_read_file(path, NULL);
	if (text == NULL) {
		dt_hp_seterr(h, EDT_PROVIDER, "cannot read %s: %s", path,
			     strerror(errno));
		return NULL;
	}
	fmt = malloc(sizeof(*fmt));
	if (fmt == NULL) {
		free(text);
		dt_hp_seterr(h, EDT_NOMEM, "out of memory");
		return NULL;
	}
	if (dt_hp_format_parse(text, fmt, err, sizeof(err)) != 0) {
		dt_hp_seterr(h, EDT_PROVIDER, "%s: %s", path, err);
		free(fmt);
		fmt = NULL;
	}
	free(text);
	return fmt;
}

/* Sets en->nargs/argfield from the format, and fills info's args if set. */
int dt_hp_layout(dt_hostprobe_t *h, int kind, const dt_hp_procmap_t *pm,
		 const dt_hp_format_t *fmt, dt_hp_enab_t *en,
		 dt_hostprobe_info_t *info)
{
	int n = 0;
	int af[DT_HOSTPROBE_NARGS];
	dt_hostprobe_arg_t a[DT_HOSTPROBE_NARGS];

	memset(a, 0, sizeof(a));
	switch (kind) {
	case DT_HPK_SYSCALL_ENTRY:
	case DT_HPK_SDT:
		for (int i = 0; i < fmt->nfields && n < DT_HOSTPROBE_NARGS;
		     i++) {
			const dt_hp_field_t *f = &fmt->fields[i];
			if (kind == DT_HPK_SYSCALL_ENTRY &&
			    strcmp(f->name, "__syscall_nr") == 0)
				continue;
			af[n] = i;
			snprintf(a[n].name, sizeof(a[n].name), "%s", f->name);
			dt_hp_field_dtype(f, kind == DT_HPK_SYSCALL_ENTRY,
					  a[n].type, sizeof(a[n].type),
					  &a[n].kind);
			n++;
		}
		break;
	case DT_HPK_SYSCALL_RETURN: {
		const dt_hp_field_t *f = dt_hp_format_field(fmt, "ret");
		if (f == NULL) {
			dt_hp_seterr(h, EDT_PROVIDER, "%s: no ret field",
				     fmt->name);
			return -1;
		}
		/* DTrace: arg0 and arg1 both hold the return value. */
		for (n = 0; n < 2; n++) {
			af[n] = (int)(f - fmt->fields);
			snprintf(a[n].name, sizeof(a[n].name), "ret");
			dt_hp_field_dtype(f, true, a[n].type, sizeof(a[n].type),
					  &a[n].kind);
		}
		break;
	}
	case DT_HPK_PROC:
		for (int i = 0; i < 3; i++) {
			if (pm->argt[i] == NULL)
				break;
			n = i + 1;
			if (pm->argf[i] == NULL) {
				af[i] = -1;
			} else if (strcmp(pm->argf[i], "-ret") == 0) {
				af[i] = -2;
			} else {
				const dt_hp_field_t *f =
				    dt_hp_format_field(fmt, pm->argf[i]);
				if (f == NULL) {
					dt_hp_seterr(h, EDT_PROVIDER,
						     "%s: no field %s",
						     fmt->name, pm->argf[i]);
					return -1;
				}
				af[i] = (int)(f - fmt->fields);
			}
			snprintf(a[i].name, sizeof(a[i].name), "%s",
				 pm->argf[i] ? pm->argf[i] : "");
			snprintf(a[i].type, sizeof(a[i].type), "%s",
				 pm->argt[i]);
			if (af[i] >= 0) {
				char t[96];
				dt_hp_field_dtype(
				    &fmt->fields[af[i]],
				    kind == DT_HPK_PROC &&
					strncmp(pm->event, "syscalls/", 9) == 0,
				    t, sizeof(t), &a[i].kind);
			}
		}
		break;
	default:
		return -1;
	}
	if (en != NULL) {
		en->nargs = n;
		memcpy(en->argfield, af, sizeof(af[0]) * (size_t)n);
	}
	if (info != NULL) {
		info->nargs = n;
		memcpy(info->args, a, sizeof(a));
	}
	return 0;
}

/* Reports one tracefs-backed probe; fills args on request. */
static int report(dt_hostprobe_t *h, int flags, int kind,
		  const dt_hp_procmap_t *pm, const char *cat, const char *event,
		  const char *prv, const char *mod, const char *func,
		  const char *name, dt_hostprobe_iter_f *cb, void *arg,
		  int *count)
{
	dt_hostprobe_info_t info;

	memset(&info, 0, sizeof(info));
	info.desc.prv = prv;
	info.desc.mod = mod;
	info.desc.func = func;
	info.desc.name = name;
	info.nargs = -1;
	info.enableable = 1;
	if (flags & DT_HOSTPROBE_ITER_ARGS) {
		dt_hp_format_t *fmt = dt_hp_load_format(h, cat, event);
		if (fmt != NULL) {
			dt_hp_layout(h, kind, pm, fmt, NULL, &info);
			free(fmt);
		}
	}
	(*count)++;
	return cb != NULL ? cb(arg, &info) : 0;
}

/* Walks available_events lines "cat:event" calling fn(h, cat, event, ...). */
typedef int event_f(dt_hostprobe_t *h, const char *cat, const char *ev,
		    void *ctx);

static int walk_events(dt_hostprobe_t *h, event_f *fn, void *ctx)
{
	const char *p = h->events;

	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[256], *colon;
		int r;

		if (n > 0 && n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			colon = strchr(line, ':');
			if (colon != NULL) {
				*colon = '\0';
				r = fn(h, line, colon + 1, ctx);
				if (r != 0)
					return r;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

struct iterctx {
	const dt_hostprobe_desc_t *pd;
	int flags;
	dt_hostprobe_iter_f *cb;
	void *arg;
	int count;
};

static int iter_event(dt_hostprobe_t *h, const char *cat, const char *ev,
		      void *vctx)
{
	struct iterctx *c = vctx;
	const dt_hostprobe_desc_t *pd = c->pd;

	if (strcmp(cat, "syscalls") == 0) {
		char sc[128];
		int ret;
		const char *nm;

		if (dt_hp_syscall_from_event(ev, sc, sizeof(sc), &ret) != 0)
			return 0;
		nm = ret ? "return" : "entry";
		if (!dt_hp_desc_match(pd, "syscall", "vmlinux", sc, nm))
			return 0;
		return report(h, c->flags,
			      ret ? DT_HPK_SYSCALL_RETURN
				  : DT_HPK_SYSCALL_ENTRY,
			      NULL, cat, ev, "syscall", "vmlinux", sc, nm,
			      c->cb, c->arg, &c->count);
	}
	if (strcmp(cat, "ftrace") == 0)
		return 0;
	if (!dt_hp_desc_match(pd, "sdt", "vmlinux", cat, ev))
		return 0;
	return report(h, c->flags, DT_HPK_SDT, NULL, cat, ev, "sdt", "vmlinux",
		      cat, ev, c->cb, c->arg, &c->count);
}

/* Whether "cat/event" is in available_events. */
static bool have_event(dt_hostprobe_t *h, const char *catev)
{
	char want[256];
	const char *p;
	size_t n;

	snprintf(want, sizeof(want), "%s", catev);
	char *sl = strchr(want, '/');
	if (sl == NULL)
		return false;
	*sl = ':';
	n = strlen(want);
	for (p = h->events; p != NULL && (p = strstr(p, want)) != NULL;
	     p += n) {
		if ((p == h->events || p[-1] == '\n') &&
		    (p[n] == '\n' || p[n] == '\0'))
			return true;
	}
	return false;
}

int dt_hostprobe_iter(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd,
		      int flags, dt_hostprobe_iter_f *cb, void *arg)
{
	struct iterctx c = {pd, flags, cb, arg, 0};
	int r;

	if (dt_hp_match(pd ? pd->prv : NULL, "syscall") ||
	    dt_hp_match(pd ? pd->prv : NULL, "sdt")) {
		r = walk_events(h, iter_event, &c);
		if (r != 0)
			return r;
	}
	for (int i = 0; i < dt_hp_nprocmap; i++) {
		const dt_hp_procmap_t *pm = &dt_hp_procmap[i];
		char cat[64];
		const char *ev;

		if (!dt_hp_desc_match(pd, "proc", "vmlinux", "", pm->name) ||
		    !have_event(h, pm->event))
			continue;
		ev = strchr(pm->event, '/') + 1;
		snprintf(cat, sizeof(cat), "%.*s", (int)(ev - 1 - pm->event),
			 pm->event);
		r = report(h, flags, DT_HPK_PROC, pm, cat, ev, "proc",
			   "vmlinux", "", pm->name, cb, arg, &c.count);
		if (r != 0)
			return r;
	}
	if (dt_hp_match(pd ? pd->prv : NULL, "fbt")) {
		r = dt_hp_fbt_iter(h, pd, flags, cb, arg, &c.count);
		if (r != 0)
			return r;
	}
	{
		pid_t pid;

		if (pd != NULL && dt_hp_is_pidprov(pd->prv, &pid)) {
			r = dt_hp_uprobe_iter(h, pd, flags, cb, arg, &c.count);
			if (r != 0)
				return r;
		}
	}
	return c.count;
}

/*
 * Resolves an exact description to its kind and tracepoint. Returns 0, or
 * -1 with EDT_NOPROBE.
 */
int dt_hp_resolve(dt_hostprobe_t *h, const dt_hostprobe_desc_t *pd, int *kind,
		  const dt_hp_procmap_t **pmp, char *cat, size_t catlen,
		  char *ev, size_t evlen)
{
	const char *prv = pd->prv ? pd->prv : "";
	const char *func = pd->func ? pd->func : "";
	const char *name = pd->name ? pd->name : "";
	char catev[300];

	*pmp = NULL;
	if (pd->mod != NULL && pd->mod[0] != '\0' &&
	    strcmp(pd->mod, "vmlinux") != 0)
		goto none;
	if (strcmp(prv, "syscall") == 0) {
		int ret = strcmp(name, "return") == 0;
		if (!ret && strcmp(name, "entry") != 0)
			goto none;
		*kind = ret ? DT_HPK_SYSCALL_RETURN : DT_HPK_SYSCALL_ENTRY;
		snprintf(cat, catlen, "syscalls");
		snprintf(ev, evlen, "sys_%s_%s", ret ? "exit" : "enter", func);
	} else if (strcmp(prv, "sdt") == 0) {
		*kind = DT_HPK_SDT;
		snprintf(cat, catlen, "%s", func);
		snprintf(ev, evlen, "%s", name);
	} else if (strcmp(prv, "proc") == 0) {
		for (int i = 0; i < dt_hp_nprocmap; i++) {
			const dt_hp_procmap_t *pm = &dt_hp_procmap[i];
			if (strcmp(pm->name, name) != 0)
				continue;
			const char *sl = strchr(pm->event, '/');
			*kind = DT_HPK_PROC;
			*pmp = pm;
			snprintf(cat, catlen, "%.*s", (int)(sl - pm->event),
				 pm->event);
			snprintf(ev, evlen, "%s", sl + 1);
			break;
		}
		if (*pmp == NULL)
			goto none;
	} else if (strcmp(prv, "fbt") == 0) {
		*kind = DT_HPK_FBT;
		return 0;
	} else {
		goto none;
	}
	snprintf(catev, sizeof(catev), "%s/%s", cat, ev);
	if (strcmp(cat, "ftrace") == 0 || !have_event(h, catev))
		goto none;
	return 0;
none:
	return dt_hp_seterr(h, EDT_NOPROBE, "no host probe %s:%s:%s:%s", prv,
			    pd->mod ? pd->mod : "", func, name);
}
