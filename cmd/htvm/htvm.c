/*
 * htvm: starts a QEMU guest wired for HyperTrace and supervises its devices.
 *
 *   htvm [-R RUNDIR] [-D STATEDIR] image [--out DIR]
 *   htvm [-R RUNDIR] [-D STATEDIR] run NAME [--mem M] [--cpus N]
 *        [--accel kvm|tcg] [--image DIR] [--append ARGS] [--foreground]
 *        [-- QEMU ARGS]
 *   htvm [-R RUNDIR] stop NAME
 *   htvm [-R RUNDIR] list
 *
 * `run` forks a supervisor that lives as long as the guest's QEMU: it owns
 * the ivshmem server socket, the shared BAR memfd and its eventfds, the guest
 * RAM file and the QMP socket, reads the RAM layout over QMP, and hands
 * duplicates to consumers on <RUNDIR>/<NAME>/ctl.sock (one area per consumer,
 * released when the consumer's connection closes). QEMU serves the program
 * channel at <STATEDIR>/guests/<NAME>.sock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest/dt_guest.h"

#define MAX_CLIENTS 32

static const char *g_rundir;
static const char *g_statedir;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("htvm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return (mkdir(buf, mode) != 0 && errno != EEXIST) ? -1 : 0;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 16) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static pid_t read_pid(const char *name)
{
	char path[PATH_MAX];
	FILE *f;
	long pid = 0;

	snprintf(path, sizeof(path), "%s/%s/pid", g_rundir, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid > 0 && kill(pid, 0) == 0) ? (pid_t)pid : 0;
}

static int kvm_usable(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int virt = 0, fd;

	if (!f)
		return 0;
	while (!virt && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) &&
		    (strstr(line, " vmx") || strstr(line, " svm")))
			virt = 1;
	fclose(f);
	if (!virt || (fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
		return 0;
	close(fd);
	return 1;
}

/* ---- image ------------------------------------------------------------ */

static int cmd_image(int argc, char **argv)
{
	const char *out = getenv("HTVM_IMAGE_DIR");
	char script[PATH_MAX];
	int i;

	if (!out || !*out)
		out = HTVM_IMAGEDIR;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else
			die("image: unknown argument %s", argv[i]);
	}
	snprintf(script, sizeof(script), "%s/guest/image/build.sh",
		 HTVM_SRCDIR);
	execl("/bin/sh", "sh", script, HTVM_SRCDIR, out, (char *)NULL);
	die("image: cannot run %s: %s", script, strerror(errno));
	return 1;
}

/* ---- supervisor ------------------------------------------------------- */

typedef struct sup {
	char name[64];
	char dir[PATH_MAX];
	char image[PATH_MAX];
	char btf[PATH_MAX];
	char ram_path[PATH_MAX];
	char qmp[PATH_MAX];
	char ctl[PATH_MAX];
	char chan[PATH_MAX];
	const char *accel;
	const char *append;
	unsigned mem_mb, cpus;
	char **qemu_extra;
	int nqemu_extra;
	dt_gserver_t srv;
	int ram_fd, ctl_fd;
	pid_t qemu;
	dt_gmem_region_t reg[DT_GMEM_MAXREG];
	unsigned nreg;
	int ready;
	int client[MAX_CLIENTS];
	int client_area[MAX_CLIENTS];
	int area_used[HT_MAX_AREAS];
	uint64_t gen;
} sup_t;

static volatile sig_atomic_t g_term, g_child;
static void on_term(int s)
{
	g_term = s;
}
static void on_chld(int s)
{
	g_child = 1;
}

static pid_t spawn_qemu(sup_t *s)
{
	char *av[96], mem[32], smp[16], obj[PATH_MAX + 128],
	    chan[PATH_MAX + 64], ivsh[PATH_MAX + 64], qmp[PATH_MAX + 32],
	    con[PATH_MAX + 32], append[1024], kernel[PATH_MAX],
	    initrd[PATH_MAX], log[PATH_MAX];
	int n = 0, i, fd;
	pid_t pid;

	snprintf(mem, sizeof(mem), "%u", s->mem_mb);
	snprintf(smp, sizeof(smp), "%u", s->cpus);
	snprintf(obj, sizeof(obj),
		 "memory-backend-file,id=mem,size=%uM,mem-path=%s,share=on",
		 s->mem_mb, s->ram_path);
	snprintf(chan, sizeof(chan),
		 "socket,id=htchan,path=%s,server=on,wait=off", s->chan);
	snprintf(ivsh, sizeof(ivsh), "socket,id=ivsh,path=%s/ivshmem.sock",
		 s->dir);
	snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", s->qmp);
	snprintf(con, sizeof(con), "file,id=con,path=%s/console.log", s->dir);
	snprintf(append, sizeof(append),
		 "console=ttyS0 panic=-1 quiet hostname=%s%s%s", s->name,
		 s->append ? " " : "", s->append ? s->append : "");
	snprintf(kernel, sizeof(kernel), "%s/vmlinux", s->image);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", s->image);
	snprintf(log, sizeof(log), "%s/qemu.log", s->dir);

	av[n++] = "qemu-system-x86_64";
	av[n++] = "-name";
	av[n++] = s->name;
	av[n++] = "-accel";
	av[n++] = (char *)s->accel;
	av[n++] = "-machine";
	av[n++] = "pc,memory-backend=mem";
	av[n++] = "-m";
	av[n++] = mem;
	av[n++] = "-smp";
	av[n++] = smp;
	av[n++] = "-object";
	av[n++] = obj;
	av[n++] = "-nodefaults";
	av[n++] = "-no-user-config";
	av[n++] = "-display";
	av[n++] = "none";
	av[n++] = "-no-reboot";
	av[n++] = "-chardev";
	av[n++] = con;
	av[n++] = "-serial";
	av[n++] = "chardev:con";
	av[n++] = "-chardev";
	av[n++] = ivsh;
	av[n++] = "-device";
	av[n++] = "ivshmem-doorbell,chardev=ivsh,vectors=4";
	av[n++] = "-device";
	av[n++] = "virtio-serial-pci,id=vser";
	av[n++] = "-chardev";
	av[n++] = chan;
	av[n++] = "-device";
	av[n++] = "virtserialport,bus=vser.0,chardev=htchan,name=org."
		  "hypertrace.dtrace";
	av[n++] = "-qmp";
	av[n++] = qmp;
	av[n++] = "-kernel";
	av[n++] = kernel;
	av[n++] = "-initrd";
	av[n++] = initrd;
	av[n++] = "-append";
	av[n++] = append;
	for (i = 0; i < s->nqemu_extra && n < 94; i++)
		av[n++] = s->qemu_extra[i];
	av[n] = NULL;

	pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	execvp(av[0], av);
	_exit(127);
}

static void write_info(sup_t *s, const char *state)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/info", s->dir);
	snprintf(tmp, sizeof(tmp), "%s/info.tmp", s->dir);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%s %s %ld %u %s %u %ld\n", s->name, state, (long)getpid(),
		s->mem_mb, s->accel, s->cpus, (long)s->qemu);
	fclose(f);
	rename(tmp, path);
}

/* Takes the RAM layout from QEMU's flat memory map. */
static int read_layout(sup_t *s)
{
	char *mtree = NULL;
	int i, rc;

	for (i = 0; i < 200 && !mtree; i++) {
		mtree = dt_qmp_hmp(s->qmp, "info mtree -f", 5000);
		if (!mtree)
			usleep(50000);
	}
	if (!mtree)
		return -1;
	rc = dt_gmem_parse_mtree(mtree, "mem", s->reg, &s->nreg);
	if (rc != 0) {
		char path[PATH_MAX];
		FILE *f;

		snprintf(path, sizeof(path), "%s/mtree.txt", s->dir);
		if ((f = fopen(path, "w")) != NULL) {
			fputs(mtree, f);
			fclose(f);
		}
	}
	free(mtree);
	return rc;
}

static void area_release(sup_t *s, int a)
{
	struct ht_area *ar = HT_AREA_PTR(s->srv.bar, a);
	unsigned c;

	__atomic_store_n(&ar->gen, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ar->host_polling, 0, __ATOMIC_SEQ_CST);
	/* Answer whatever the guest is waiting for: it resumes at once. */
	for (c = 0; c < HT_MAX_CPUS; c++) {
		struct ht_slot *sl = HT_SLOT_PTR(s->srv.bar, a, c);

		sl->result = HT_RES_NOCONSUMER;
		__atomic_store_n(&sl->done, sl->seq, __ATOMIC_RELEASE);
	}
	s->area_used[a] = 0;
}

static void ctl_attach(sup_t *s, int ci)
{
	dt_gctl_reply_t rep;
	int a, fds[3];
	unsigned c;

	memset(&rep, 0, sizeof(rep));
	rep.magic = DT_GCTL_MAGIC;
	rep.version = DT_GCTL_VERSION;
	for (a = 0; a < HT_MAX_AREAS && s->area_used[a]; a++)
		;
	if (a == HT_MAX_AREAS || s->client_area[ci] >= 0) {
		rep.status = EBUSY;
		dt_send_fds(s->client[ci], &rep, sizeof(rep), NULL, 0);
		return;
	}
	/* A fresh area: stale calls answered, rings emptied, new gen. */
	for (c = 0; c < HT_MAX_CPUS; c++) {
		struct ht_slot *sl = HT_SLOT_PTR(s->srv.bar, a, c);
		struct ht_ring *r = HT_RING_PTR(s->srv.bar, a, c);

		sl->done = sl->seq;
		r->tail = r->head;
	}
	s->area_used[a] = 1;
	s->client_area[ci] = a;
	rep.area = a;
	rep.gen = ++s->gen;
	rep.ncpus = s->cpus;
	rep.ram_size = (uint64_t)s->mem_mb << 20;
	rep.nreg = s->nreg;
	memcpy(rep.reg, s->reg, sizeof(rep.reg));
	snprintf(rep.name, sizeof(rep.name), "%s", s->name);
	snprintf(rep.btf_path, sizeof(rep.btf_path), "%s", s->btf);
	fds[0] = s->srv.bar_fd;
	fds[1] = s->ram_fd;
	fds[2] = s->srv.host_efd[a];
	if (dt_send_fds(s->client[ci], &rep, sizeof(rep), fds, 3) != 0) {
		s->area_used[a] = 0;
		s->client_area[ci] = -1;
		return;
	}
	__atomic_store_n(&HT_AREA_PTR(s->srv.bar, a)->gen, rep.gen,
			 __ATOMIC_SEQ_CST);
}

static void ctl_close(sup_t *s, int ci)
{
	if (s->client_area[ci] >= 0)
		area_release(s, s->client_area[ci]);
	close(s->client[ci]);
	s->client[ci] = -1;
	s->client_area[ci] = -1;
}

static void ctl_input(sup_t *s, int ci)
{
	char buf[64];
	ssize_t r = read(s->client[ci], buf, sizeof(buf) - 1);

	if (r <= 0) {
		ctl_close(s, ci);
		return;
	}
	buf[r] = 0;
	if (!strncmp(buf, "ATTACH", 6))
		ctl_attach(s, ci);
	else if (!strncmp(buf, "STATUS", 6)) {
		char out[256];
		int a, used = 0;

		for (a = 0; a < HT_MAX_AREAS; a++)
			used += s->area_used[a];
		snprintf(out, sizeof(out), "%s running qemu=%ld consumers=%d\n",
			 s->name, (long)s->qemu, used);
		(void)!write(s->client[ci], out, strlen(out));
	} else
		ctl_close(s, ci);
}

static void sup_cleanup(sup_t *s)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (s->client[i] >= 0)
			ctl_close(s, i);
	unlink(s->ctl);
	unlink(s->qmp);
	unlink(s->ram_path);
	snprintf(path, sizeof(path), "%s/ivshmem.sock", s->dir);
	unlink(path);
	unlink(s->chan);
	snprintf(path, sizeof(path), "%s/pid", s->dir);
	unlink(path);
	write_info(s, "stopped");
	dt_gserver_fini(&s->srv);
}

static void sup_stop_qemu(sup_t *s)
{
	int i, st;

	if (s->qemu <= 0)
		return;
	if (dt_qmp_execute(s->qmp, "quit", 2000) != 0)
		kill(s->qemu, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(s->qemu, &st, WNOHANG) == s->qemu) {
			s->qemu = 0;
			return;
		}
		usleep(50000);
	}
	kill(s->qemu, SIGKILL);
	waitpid(s->qemu, &st, 0);
	s->qemu = 0;
}

/* Runs the supervisor; reports readiness (or an error) on ready_fd. */
static int supervise(sup_t *s, int ready_fd)
{
	char path[PATH_MAX];
	struct sigaction sa = {0};
	int i, rc = 1;
	FILE *f;

	for (i = 0; i < MAX_CLIENTS; i++) {
		s->client[i] = -1;
		s->client_area[i] = -1;
	}
	snprintf(path, sizeof(path), "%s/pid", s->dir);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/ivshmem.sock", s->dir);
	if (dt_gserver_init(&s->srv, path) != 0) {
		dprintf(ready_fd, "ivshmem server on %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	snprintf(s->ram_path, sizeof(s->ram_path), "/dev/shm/htvm-%s-%ld.ram",
		 s->name, (long)getpid());
	s->ram_fd =
	    open(s->ram_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (s->ram_fd < 0 ||
	    ftruncate(s->ram_fd, (off_t)s->mem_mb << 20) != 0) {
		dprintf(ready_fd, "guest RAM file %s: %s\n", s->ram_path,
			strerror(errno));
		goto out;
	}
	s->ctl_fd = listen_unix(s->ctl);
	if (s->ctl_fd < 0) {
		dprintf(ready_fd, "control socket %s: %s\n", s->ctl,
			strerror(errno));
		goto out;
	}
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	s->qemu = spawn_qemu(s);
	if (s->qemu < 0) {
		dprintf(ready_fd, "fork: %s\n", strerror(errno));
		goto out;
	}
	write_info(s, "starting");
	while (!g_term) {
		struct pollfd pfd[MAX_CLIENTS + 2];
		int np = 0, st;

		if (g_child && waitpid(s->qemu, &st, WNOHANG) == s->qemu) {
			s->qemu = 0;
			if (!s->ready)
				dprintf(ready_fd,
					"qemu exited early, see %s/qemu.log\n",
					s->dir);
			rc = 0;
			break;
		}
		g_child = 0;
		pfd[np++] = (struct pollfd){s->srv.listen_fd, POLLIN, 0};
		pfd[np++] =
		    (struct pollfd){s->ready ? s->ctl_fd : -1, POLLIN, 0};
		for (i = 0; i < MAX_CLIENTS; i++)
			pfd[np++] = (struct pollfd){s->client[i], POLLIN, 0};
		if (poll(pfd, np, 200) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			if (dt_gserver_accept(&s->srv) == 0 && !s->ready) {
				/* QEMU has its devices: the QMP socket is up.
				 */
				if (read_layout(s) != 0) {
					dprintf(ready_fd,
						"cannot read the RAM layout "
						"over QMP (see %s/mtree.txt)\n",
						s->dir);
					break;
				}
				/* QEMU has the RAM file open; only fds remain.
				 */
				unlink(s->ram_path);
				s->ready = 1;
				write_info(s, "running");
				dprintf(ready_fd, "OK\n");
				close(ready_fd);
				ready_fd = open("/dev/null", O_WRONLY);
			}
		}
		if (pfd[1].revents & POLLIN) {
			int c = accept4(s->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

			for (i = 0; c >= 0 && i < MAX_CLIENTS; i++)
				if (s->client[i] < 0) {
					s->client[i] = c;
					c = -1;
				}
			if (c >= 0)
				close(c);
		}
		for (i = 0; i < MAX_CLIENTS; i++)
			if (s->client[i] >= 0 &&
			    (pfd[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				ctl_input(s, i);
	}
	if (g_term)
		rc = 0;
out:
	sup_stop_qemu(s);
	sup_cleanup(s);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"mem", required_argument, NULL, 'm'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"accel", required_argument, NULL, 'a'},
	    {"image", required_argument, NULL, 'i'},
	    {"append", required_argument, NULL, 'A'},
	    {"foreground", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0}};
	static sup_t s;
	const char *image = NULL, *imgroot, *name;
	int c, fg = 0, pfd[2];
	char buf[512];
	ssize_t r;
	pid_t pid;

	s.mem_mb = 256;
	s.cpus = 1;
	s.accel = "tcg";
	/* NAME comes first; options follow it, then "--" and QEMU's own. */
	if (argc < 2 || argv[1][0] == '-')
		die("run: no guest name");
	name = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			s.mem_mb = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			s.cpus = strtoul(optarg, NULL, 0);
			break;
		case 'a':
			s.accel = optarg;
			break;
		case 'i':
			image = optarg;
			break;
		case 'A':
			s.append = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		default:
			return 2;
		}
	}
	if (strlen(name) >= sizeof(s.name) ||
	    strspn(name,
		   "abcdefghijklmnopqrstuvwxyz"
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != strlen(name))
		die("run: bad guest name '%s'", name);
	strcpy(s.name, name);
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	s.qemu_extra = argv + optind;
	s.nqemu_extra = argc - optind;
	if (s.mem_mb < 64 || s.mem_mb > 65536)
		die("run: --mem %u MiB out of range", s.mem_mb);
	if (s.cpus < 1 || s.cpus > HT_MAX_CPUS)
		die("run: --cpus must be 1..%d", HT_MAX_CPUS);
	if (!strcmp(s.accel, "kvm")) {
		if (!kvm_usable())
			die("run: --accel kvm: no vmx/svm or /dev/kvm "
			    "unusable; use tcg");
	} else if (strcmp(s.accel, "tcg") != 0) {
		die("run: --accel must be kvm or tcg");
	}
	if (!image) {
		imgroot = getenv("HTVM_IMAGE_DIR");
		snprintf(s.image, sizeof(s.image), "%s/current",
			 imgroot && *imgroot ? imgroot : HTVM_IMAGEDIR);
	} else {
		snprintf(s.image, sizeof(s.image), "%s", image);
	}
	if (!realpath(s.image, buf))
		die("run: image %s: %s (run 'htvm image')", s.image,
		    strerror(errno));
	snprintf(s.image, sizeof(s.image), "%s", buf);
	snprintf(s.btf, sizeof(s.btf), "%s/vmlinux.btf", s.image);
	if (read_pid(s.name))
		die("run: guest %s is already running", s.name);
	snprintf(s.dir, sizeof(s.dir), "%s/%s", g_rundir, s.name);
	if (mkdir_p(s.dir, 0700) != 0)
		die("run: %s: %s", s.dir, strerror(errno));
	snprintf(s.qmp, sizeof(s.qmp), "%s/qmp.sock", s.dir);
	snprintf(s.ctl, sizeof(s.ctl), "%s/ctl.sock", s.dir);
	snprintf(buf, sizeof(buf), "%s/guests", g_statedir);
	if (mkdir_p(buf, 0755) != 0)
		die("run: %s: %s", buf, strerror(errno));
	snprintf(s.chan, sizeof(s.chan), "%s/guests/%s.sock", g_statedir,
		 s.name);

	if (fg)
		return supervise(&s, STDERR_FILENO);
	if (pipe2(pfd, O_CLOEXEC) != 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		close(pfd[0]);
		setsid();
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		_exit(supervise(&s, pfd[1]));
	}
	close(pfd[1]);
	r = read(pfd[0], buf, sizeof(buf) - 1);
	buf[r > 0 ? r : 0] = 0;
	if (strncmp(buf, "OK", 2) != 0)
		die("run: %s: %s", s.name,
		    *buf ? buf : "supervisor exited early");
	printf("%s: running, supervisor pid %ld, run dir %s\n", s.name,
	       (long)pid, s.dir);
	return 0;
}

static int cmd_stop(int argc, char **argv)
{
	pid_t pid;
	int i;

	if (argc < 2)
		die("stop: no guest name");
	pid = read_pid(argv[1]);
	if (!pid)
		die("stop: guest %s is not running", argv[1]);
	kill(pid, SIGTERM);
	for (i = 0; i < 200 && kill(pid, 0) == 0; i++)
		usleep(50000);
	if (kill(pid, 0) == 0) {
		kill(pid, SIGKILL);
		fprintf(stderr, "htvm: stop: %s killed\n", argv[1]);
	}
	return 0;
}

static int cmd_list(void)
{
	DIR *d = opendir(g_rundir);
	struct dirent *e;

	printf("%-16s %-9s %8s %8s %-5s %4s\n", "NAME", "STATE", "PID", "MEM",
	       "ACCEL", "CPUS");
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX], name[64], state[16], accel[8];
		long pid, qpid;
		unsigned mem, cpus;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/info", g_rundir, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%63s %15s %ld %u %7s %u %ld", name, state, &pid,
			   &mem, accel, &cpus, &qpid) == 7) {
			if (strcmp(state, "stopped") && kill(pid, 0) != 0)
				snprintf(state, sizeof(state), "dead");
			printf("%-16s %-9s %8ld %7uM %-5s %4u\n", name, state,
			       pid, mem, accel, cpus);
		}
		fclose(f);
	}
	closedir(d);
	return 0;
}

static void usage(void)
{
	fputs("usage: htvm [-R RUNDIR] [-D STATEDIR] image [--out DIR]\n"
	      "       htvm [-R RUNDIR] [-D STATEDIR] run NAME [--mem M] "
	      "[--cpus N]\n"
	      "            [--accel kvm|tcg] [--image DIR] [--append ARGS]\n"
	      "            [--foreground] [-- QEMU ARGS]\n"
	      "       htvm [-R RUNDIR] stop NAME\n"
	      "       htvm [-R RUNDIR] list\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	int c;

	g_rundir = dt_guest_rundir();
	g_statedir = getenv("DTRACED_DIR");
	if (!g_statedir || !*g_statedir)
		g_statedir = "/var/ddtrace";
	while ((c = getopt(argc, argv, "+R:D:h")) != -1) {
		switch (c) {
		case 'R':
			g_rundir = optarg;
			break;
		case 'D':
			g_statedir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	argv += optind;
	argc -= optind;
	if (!strcmp(argv[0], "image"))
		return cmd_image(argc, argv);
	if (!strcmp(argv[0], "run"))
		return cmd_run(argc, argv);
	if (!strcmp(argv[0], "stop"))
		return cmd_stop(argc, argv);
	if (!strcmp(argv[0], "list"))
		return cmd_list();
	usage();
	return 2;
}
