/*
 * The kernel side of `mmsim bench paging`: times page faults and fork on this machine's kernel.
 * Written for mmsim; built by `mmsim bench paging` with the system C compiler (cc -O2) and run
 * as a child process, so the timings carry no managed-runtime overhead and fork() is safe.
 *
 * Usage: kernel_paging OP PAGES REPS
 *   anon_write  first write to each page of a private anonymous mapping (do_anonymous_page)
 *   zero_read   first read of each page (maps the shared zero page)
 *   cow         write to each page shared with a forked child (do_wp_page copies)
 *   fork        fork() of a process with PAGES pages of anonymous memory touched
 * Prints one line per repetition: "ns_per_op <value>"; the region is reset between repetitions
 * (MADV_DONTNEED, or the child's exit), untimed. For the faults, also one line
 * "rss_delta <pages>": how much the first repetition's touches changed this process's resident
 * pages (/proc/self/statm), for the model to be compared with.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

/* Touches every page (a write, or a read whose sum is returned so it is not optimised out). */
static unsigned long touch(volatile char *p, unsigned long pages, int write)
{
	unsigned long sum = 0;
	for (unsigned long i = 0; i < pages; i++) {
		if (write)
			p[i * PAGE] = 1;
		else
			sum += p[i * PAGE];
	}
	return sum;
}

/* The resident pages of this process (the second field of /proc/self/statm). */
static long resident(void)
{
	long size = 0, res = -1;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		fail("/proc/self/statm");
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res;
}

/*
 * fork(); the child waits for a byte (or EOF) on a pipe, then exits. Returns the child's pid and
 * stores the pipe's write end in *release_fd, or returns -1. Exported, with kp_release, for
 * bench/Mmsim.Bench, which loads this file built as a shared library: there the fork is done in
 * C and the child never returns to the .NET runtime (a child of a multi-threaded process may
 * only call async-signal-safe functions: close, read, _exit).
 */
int kp_fork_hold(int *release_fd)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		char c;
		close(fds[1]);
		(void)!read(fds[0], &c, 1);
		_exit(0);
	}
	close(fds[0]);
	*release_fd = fds[1];
	return pid;
}

/* Lets the child go (closes the pipe) and reaps it. Returns 0, or -1. */
int kp_release(int pid, int release_fd)
{
	close(release_fd);
	return waitpid(pid, NULL, 0) == pid ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s anon_write|zero_read|cow|fork PAGES REPS\n", argv[0]);
		return 2;
	}
	const char *op = argv[1];
	unsigned long pages = strtoul(argv[2], NULL, 10);
	int reps = atoi(argv[3]);
	if (pages == 0 || reps <= 0)
		return 2;
	size_t len = pages * PAGE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	/* The benchmark is about 4 KiB faults: keep THP out of the way whatever the host's mode. */
	madvise(p, len, MADV_NOHUGEPAGE);
	unsigned long sink = 0;
	for (int r = 0; r < reps; r++) {
		double ns;
		if (strcmp(op, "anon_write") == 0 || strcmp(op, "zero_read") == 0) {
			int write = op[0] == 'a';
			long before = r == 0 ? resident() : 0;
			double t = now_ns();
			sink += touch(p, pages, write);
			ns = (now_ns() - t) / (double)pages;
			if (r == 0)
				printf("rss_delta %ld\n", resident() - before);
			madvise(p, len, MADV_DONTNEED);
		} else if (strcmp(op, "cow") == 0) {
			int fd;
			touch(p, pages, 1);
			int child = kp_fork_hold(&fd);
			if (child < 0)
				fail("fork");
			long before = r == 0 ? resident() : 0;
			double t = now_ns();
			touch(p, pages, 1);
			ns = (now_ns() - t) / (double)pages;
			if (r == 0)
				printf("rss_delta %ld\n", resident() - before);
			if (kp_release(child, fd) != 0)
				fail("waitpid");
			madvise(p, len, MADV_DONTNEED);
		} else if (strcmp(op, "fork") == 0) {
			touch(p, pages, 1);
			double t = now_ns();
			pid_t child = fork();
			if (child == 0)
				_exit(0);
			ns = now_ns() - t;
			if (child < 0)
				fail("fork");
			if (waitpid(child, NULL, 0) != child)
				fail("waitpid");
		} else {
			fprintf(stderr, "unknown operation %s\n", op);
			return 2;
		}
		printf("ns_per_op %.1f\n", ns);
	}
	fflush(stdout);
	return sink == 12345 ? 3 : 0;
}
