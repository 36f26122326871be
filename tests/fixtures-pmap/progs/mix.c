/* pmap fixture program: a process with the mappings pmap names specially, then it stops
 * itself (SIGSTOP) so record.sh can read /proc and run pmap while nothing changes.
 *   threads (stacks with guard pages), SysV shm ("[ shmid=0x.. ]"), a deleted file
 *   ("x (deleted)"), memfd, shared anonymous ("zero (deleted)"), a THP region (AnonHugePages),
 *   an mlocked region (Locked), a named anonymous region ([anon:...]), a file whose path has
 *   spaces and more than 127 characters, MAP_NORESERVE and PROT_NONE regions. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

static void *worker(void *arg)
{
	char buf[20000];
	memset(buf, (int)(long)arg, sizeof buf);
	void *p = malloc(100000);
	memset(p, 1, 100000);
	pause();
	return buf[1] ? p : NULL;
}

static void *map_file(const char *path, size_t len, int prot, int flags, int unlink_it)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, len)) { perror(path); exit(1); }
	void *p = mmap(NULL, len, prot, flags, fd, 0);
	if (p == MAP_FAILED) { perror("mmap"); exit(1); }
	close(fd);
	if (unlink_it)
		unlink(path);
	return p;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 3;
	int extras = argc > 2 ? atoi(argv[2]) : 1;
	pthread_t t[16];
	for (int i = 0; i < threads && i < 16; i++)
		pthread_create(&t[i], NULL, worker, (void *)(long)(i + 1));
	if (extras) {
		int id = shmget(IPC_PRIVATE, 3 * 4096, IPC_CREAT | 0600);
		char *shm = shmat(id, NULL, 0);
		shm[0] = 1;
		shmctl(id, IPC_RMID, NULL);
		char *del = map_file("/tmp/pmap-fixture-deleted.dat", 16384, PROT_READ | PROT_WRITE, MAP_SHARED, 1);
		del[0] = 1;
		char *priv = map_file("/tmp/pmap-fixture-private.dat", 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, 1);
		priv[4096] = 1;
		int mfd = memfd_create("pmapfix", 0);
		ftruncate(mfd, 8192);
		char *mf = mmap(NULL, 8192, PROT_READ, MAP_SHARED, mfd, 0);
		(void)mf[0];
		char *sa = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		sa[0] = sa[8192] = 1;
		size_t huge = 4 << 20;
		char *h = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *ha = (char *)(((unsigned long)h + huge - 1) & ~(huge - 1));
		madvise(ha, huge, MADV_HUGEPAGE);
		memset(ha, 2, huge);
		char *lk = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		mlock(lk, 3 * 4096);
		char *named = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)named, 3 * 4096, (unsigned long)"pmap fixture");
		named[0] = 1;
		mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char dir[512] = "/tmp/pmap fixture dir with spaces";
		mkdir(dir, 0700);
		strcat(dir, "/a-long-directory-name-that-makes-the-path-longer-than-what-pmap-X-keeps-of-a-mapping-name/");
		mkdir(dir, 0700);
		strcat(dir, "file name.dat");
		char *lp = map_file(dir, 4096, PROT_READ, MAP_PRIVATE, 0);
		(void)lp[0];
	}
	raise(SIGSTOP);
	return 0;
}
