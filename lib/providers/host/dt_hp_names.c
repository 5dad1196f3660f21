/*
 * dt_hp_names.c: how Linux events get their DTrace names: syscall tracepoint
 * names to syscall:vmlinux:<name>:entry/return, the proc provider table
 * (which sched/task/signal tracepoint and in-kernel filter each proc probe
 * uses), and glob matching of probe descriptions.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "providers/host/dt_hp_impl.h"

/*
 * proc probes. DTrace passes psinfo/lwpsinfo translations where we pass
 * plain pids (no translators on the host yet); exit's reason (CLD_*) is not
 * in the tracepoint, so exit has no arguments.
 */
const dt_hp_procmap_t dt_hp_procmap[] = {
    {"exec",
     "syscalls/sys_enter_execve",
     NULL,
     {"filename", NULL, NULL},
     {"char *", NULL, NULL}},
    {"exec-success",
     "sched/sched_process_exec",
     NULL,
     {"filename", "pid", "old_pid"},
     {"string", "pid_t", "pid_t"}},
    {"exec-failure",
     "syscalls/sys_exit_execve",
     "ret < 0",
     {"-ret", NULL, NULL},
     {"int", NULL, NULL}},
    /* task_newtask runs in the parent, knows CLONE_THREAD (0x10000). */
    {"create",
     "task/task_newtask",
     "!(clone_flags & 65536)",
     {"pid", "clone_flags", NULL},
     {"pid_t", "uint64_t", NULL}},
    {"lwp-create",
     "task/task_newtask",
     "clone_flags & 65536",
     {"pid", "clone_flags", NULL},
     {"pid_t", "uint64_t", NULL}},
    {"exit",
     "sched/sched_process_exit",
     "group_dead == 1",
     {NULL, NULL, NULL},
     {NULL, NULL, NULL}},
    {"lwp-exit",
     "sched/sched_process_exit",
     NULL,
     {NULL, NULL, NULL},
     {NULL, NULL, NULL}},
    {"signal-send",
     "signal/signal_generate",
     NULL,
     {"pid", "pid", "sig"},
     {"pid_t", "pid_t", "int"}},
    {"signal-handle",
     "signal/signal_deliver",
     NULL,
     {"sig", NULL, "sa_handler"},
     {"int", "void *", "void *"}},
};
const int dt_hp_nprocmap = sizeof(dt_hp_procmap) / sizeof(dt_hp_procmap[0]);

int dt_hp_syscall_from_event(const char *event, char *sc, size_t len,
			     int *is_return)
{
	const char *n;

	if (strncmp(event, "sys_enter_", 10) == 0) {
		n = event + 10;
		*is_return = 0;
	} else if (strncmp(event, "sys_exit_", 9) == 0) {
		n = event + 9;
		*is_return = 1;
	} else {
		return -1;
	}
	if (*n == '\0' || strlen(n) >= len)
		return -1;
	snprintf(sc, len, "%s", n);
	return 0;
}

bool dt_hp_match(const char *pat, const char *s)
{
	if (pat == NULL || pat[0] == '\0')
		return true;
	return fnmatch(pat, s, 0) == 0;
}

bool dt_hp_desc_match(const dt_hostprobe_desc_t *pd, const char *prv,
		      const char *mod, const char *func, const char *name)
{
	if (pd == NULL)
		return true;
	return dt_hp_match(pd->prv, prv) && dt_hp_match(pd->mod, mod) &&
	       dt_hp_match(pd->func, func) && dt_hp_match(pd->name, name);
}
