/*
 * dt_hp_task.c: the task cache that gives events their execname, ppid, uid
 * and gid, which perf samples do not carry. Filled from /proc/<tid>/status
 * on first sight, kept current by the rings' COMM/FORK/EXIT records. A comm
 * change remembers the previous name and when it changed, so samples read
 * from another CPU's ring after an exec still get the name they ran under.
 * Known gap: setuid() after first sight is not seen (uid stays cached).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/host/dt_hp_impl.h"

static unsigned bucket(int32_t tid)
{
	return ((uint32_t)tid * 2654435761u) % DT_HP_TASKBUCKETS;
}

static dt_hp_task_t *lookup(dt_hostprobe_t *h, int32_t tid)
{
	for (dt_hp_task_t *t = h->tasks[bucket(tid)]; t != NULL; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

static dt_hp_task_t *insert(dt_hostprobe_t *h, int32_t tid)
{
	dt_hp_task_t *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->tid = tid;
	t->ppid = t->uid = t->gid = -1;
	t->next = h->tasks[bucket(tid)];
	h->tasks[bucket(tid)] = t;
	return t;
}

static void load_status(dt_hp_task_t *t)
{
	char path[64];
	char *s, *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)t->tid);
	s = dt_hp_read_file(path, NULL);
	if (s == NULL)
		return;
	for (p = s; p != NULL && *p != '\0';) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(p, "Name:\t", 6) == 0)
			snprintf(t->comm, sizeof(t->comm), "%s", p + 6);
		else if (strncmp(p, "PPid:", 5) == 0)
			t->ppid = (int32_t)strtol(p + 5, NULL, 10);
		else if (strncmp(p, "Uid:", 4) == 0)
			t->uid = (int32_t)strtol(p + 4, NULL, 10);
		else if (strncmp(p, "Gid:", 4) == 0)
			t->gid = (int32_t)strtol(p + 4, NULL, 10);
		p = nl ? nl + 1 : NULL;
	}
	free(s);
}

dt_hp_task_t *dt_hp_task_get(dt_hostprobe_t *h, int32_t tid)
{
	dt_hp_task_t *t = lookup(h, tid);

	if (t == NULL) {
		t = insert(h, tid);
		if (t != NULL)
			load_status(t);
	}
	return t;
}

void dt_hp_task_comm(dt_hostprobe_t *h, int32_t pid, int32_t tid,
		     const char *comm, uint64_t time)
{
	dt_hp_task_t *t = lookup(h, tid);

	(void)pid;
	if (t == NULL) {
		/* New to us: what ran before the rename is unknown, and
		 * reading /proc now would see the new name anyway. */
		t = insert(h, tid);
		if (t == NULL)
			return;
		load_status(t);
		snprintf(t->prevcomm, sizeof(t->prevcomm), "%s", t->comm);
	} else if (strcmp(t->comm, comm) == 0) {
		return;
	} else {
		memcpy(t->prevcomm, t->comm, sizeof(t->comm));
	}
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	t->changed = time;
}

void dt_hp_task_fork(dt_hostprobe_t *h, int32_t pid, int32_t ppid, int32_t tid,
		     int32_t ptid)
{
	dt_hp_task_t *p = dt_hp_task_get(h, ptid);
	dt_hp_task_t *t = lookup(h, tid);

	if (t == NULL)
		t = insert(h, tid);
	if (t == NULL || p == NULL)
		return;
	memcpy(t->comm, p->comm, sizeof(t->comm));
	memcpy(t->prevcomm, p->comm, sizeof(t->comm));
	t->changed = 0;
	t->uid = p->uid;
	t->gid = p->gid;
	/* A new thread has its process's parent; a new process the forker. */
	t->ppid = pid == ppid ? p->ppid : ppid;
}

void dt_hp_task_exit(dt_hostprobe_t *h, int32_t tid)
{
	dt_hp_task_t **pp = &h->tasks[bucket(tid)];

	for (; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->tid == tid) {
			dt_hp_task_t *t = *pp;
			*pp = t->next;
			free(t);
			return;
		}
	}
}

void dt_hp_task_free(dt_hostprobe_t *h)
{
	for (int i = 0; i < DT_HP_TASKBUCKETS; i++) {
		while (h->tasks[i] != NULL) {
			dt_hp_task_t *t = h->tasks[i];
			h->tasks[i] = t->next;
			free(t);
		}
	}
}

const char *dt_hp_task_comm_at(const dt_hp_task_t *t, uint64_t time)
{
	return time < t->changed ? t->prevcomm : t->comm;
}
