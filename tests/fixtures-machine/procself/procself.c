/* Records this process's own /proc files after a set of mappings of various kinds.
 * Build: gcc -O1 -o /tmp/procself procself.c ; run as root: /tmp/procself OUTDIR
 * Writes OUTDIR/{smaps,smaps_rollup,status,statm,regions,pagemap.bin}. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

static char buf[4 << 20];
static FILE *regions;
static int pagemap_fd, out_pm;

/* Names a region and appends its pagemap entries to pagemap.bin. */
static void region(const char *name, void *p, size_t len)
{
	uint64_t e[1024];
	size_t pages = len / 4096;
	off_t off = ((uintptr_t)p / 4096) * 8;
	fprintf(regions, "%s %lx %lx\n", name, (unsigned long)p, (unsigned long)((uintptr_t)p + len));
	for (size_t done = 0; done < pages; done += 1024) {
		size_t n = pages - done < 1024 ? pages - done : 1024;
		if (pread(pagemap_fd, e, n * 8, off + done * 8) != (ssize_t)(n * 8))
			exit(3);
		if (write(out_pm, e, n * 8) != (ssize_t)(n * 8))
			exit(4);
	}
}

static void dump(const char *src, const char *dir, const char *name)
{
	char path[512];
	int in = open(src, O_RDONLY), n, total = 0;
	while ((n = read(in, buf + total, sizeof(buf) - total)) > 0)
		total += n;
	close(in);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (write(out, buf, total) != total)
		exit(2);
	close(out);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	char path[512];
	memset(buf, 0, sizeof(buf));

	/* 8 MiB anonymous with MADV_HUGEPAGE; touch one byte in an aligned 2 MiB block. */
	char *thp = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(thp, 8 << 20, MADV_HUGEPAGE);
	char *aligned = (char *)(((uintptr_t)thp + (2 << 20) - 1) & ~((uintptr_t)(2 << 20) - 1));
	aligned[0] = 1;
	/* 1 MiB with MADV_HUGEPAGE: too small for a PMD. */
	char *small_hg = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(small_hg, 1 << 20, MADV_HUGEPAGE);
	small_hg[0] = 1;
	/* 4 MiB with MADV_NOHUGEPAGE. */
	char *nohg = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(nohg, 4 << 20, MADV_NOHUGEPAGE);
	/* 64 KiB mlocked. */
	char *locked = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mlock(locked, 64 << 10);
	/* 16 KiB shared anonymous, two pages touched. */
	char *shanon = mmap(NULL, 16 << 10, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shanon[0] = 1;
	shanon[8192] = 1;
	/* A 4-page file: private read-only (page 0 read), shared writable (page 1 written). */
	snprintf(path, sizeof(path), "%s/procself.dat", "/tmp");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (ftruncate(fd, 4 * 4096) != 0)
		return 1;
	char *fpriv = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	volatile char c = fpriv[0];
	(void)c;
	char *fshared = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	fshared[4096] = 1;
	/* A private writable file mapping with one COWed page and one read page. */
	char *fcow = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	fcow[0] = 1;
	c = fcow[8192];
	/* 8 pages anon: pages 0..3 touched, guard on page 5. */
	char *guard = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 4; i++)
		guard[i * 4096] = 1;
	madvise(guard + 5 * 4096, 4096, MADV_GUARD_INSTALL);
	/* 8 pages MAP_POPULATE, then MADV_DONTDUMP, MADV_DONTFORK, MADV_WIPEONFORK on parts. */
	char *pop = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	madvise(pop, 4096, MADV_DONTDUMP);
	madvise(pop + 2 * 4096, 4096, MADV_DONTFORK);
	madvise(pop + 4 * 4096, 4096, MADV_WIPEONFORK);
	/* MAP_NORESERVE and MAP_GROWSDOWN anon, read-only exec anon. */
	char *nores = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	nores[0] = 1;
	char *gd = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	gd[3 * 4096] = 1;
	char *lockonfault = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mlock2(lockonfault, 4 * 4096, MLOCK_ONFAULT);
	lockonfault[0] = 1;

	snprintf(path, sizeof(path), "%s/regions", dir);
	regions = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/pagemap.bin", dir);
	out_pm = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	region("thp", thp, 8 << 20);
	region("small_hg", small_hg, 1 << 20);
	region("nohg", nohg, 4 << 20);
	region("locked", locked, 64 << 10);
	region("shanon", shanon, 16 << 10);
	region("fpriv", fpriv, 4 * 4096);
	region("fshared", fshared, 4 * 4096);
	region("fcow", fcow, 4 * 4096);
	region("guard", guard, 8 * 4096);
	region("pop", pop, 8 * 4096);
	region("nores", nores, 4 * 4096);
	region("gd", gd, 4 * 4096);
	region("lockonfault", lockonfault, 4 * 4096);
	fclose(regions);
	close(out_pm);

	dump("/proc/self/smaps", dir, "smaps");
	dump("/proc/self/smaps_rollup", dir, "smaps_rollup");
	dump("/proc/self/status", dir, "status");
	dump("/proc/self/statm", dir, "statm");
	dump("/proc/self/maps", dir, "maps");
	unlink("/tmp/procself.dat");
	return 0;
}
