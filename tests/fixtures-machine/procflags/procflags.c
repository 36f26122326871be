/* Maps areas whose VMA flags or THP eligibility the other recordings lack, then saves its own
 * /proc/self/smaps. Build: gcc -O1 -o /tmp/procflags procflags.c ; run as root: /tmp/procflags OUTDIR */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif

static char buf[1 << 20];

static void *anon(size_t len, int prot, int flags)
{
	return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

/* 2 MiB-aligned mapping of len bytes (over-map and trim). */
static char *aligned(size_t len, int prot, int flags, int fd)
{
	char *p = mmap(NULL, len + (2 << 20), prot, flags, fd, 0);
	char *a = (char *)(((uintptr_t)p + (2 << 20) - 1) & ~((uintptr_t)(2 << 20) - 1));
	munmap(p, a - p);
	munmap(a + len, (p + len + (2 << 20)) - (a + len));
	if (fd >= 0) {
		munmap(a, len);
		a = mmap(a, len, prot, flags | MAP_FIXED, fd, 0);
	}
	return a;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	char path[512];

	char *seq = anon(4 * 4096, PROT_READ | PROT_WRITE, 0);
	madvise(seq, 4 * 4096, MADV_SEQUENTIAL);
	char *rnd = anon(5 * 4096, PROT_READ | PROT_WRITE, 0);
	madvise(rnd, 5 * 4096, MADV_RANDOM);
	char *mg = anon(6 * 4096, PROT_READ | PROT_WRITE, 0);
	madvise(mg, 6 * 4096, MADV_MERGEABLE);
	char *drop = mmap(NULL, 7 * 4096, PROT_READ | PROT_WRITE, MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
	(void)drop;
	char *sealed = anon(3 * 4096, PROT_READ, 0);
	syscall(462 /* mseal */, sealed, 3 * 4096, 0);
	char *xonly = anon(2 * 4096, PROT_EXEC, 0);
	(void)xonly;
	char *none = anon(9 * 4096, PROT_NONE, 0);
	(void)none;
	/* userfaultfd: missing + wp + minor registration on an anonymous area. */
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	char *uf = anon(8 * 4096, PROT_READ | PROT_WRITE, 0);
	if (uffd >= 0) {
		struct uffdio_api api = { .api = UFFD_API };
		ioctl(uffd, UFFDIO_API, &api);
		struct uffdio_register reg = { .range = { (uintptr_t)uf, 8 * 4096 },
					       .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP };
		ioctl(uffd, UFFDIO_REGISTER, &reg);
	}
	/* THP eligibility of 4 MiB, 2 MiB-aligned areas with MADV_HUGEPAGE: anonymous (1), shared
	 * anonymous (shmem: 0 with shmem_enabled=never), memfd (0), regular file (0 without
	 * READ_ONLY_THP_FOR_FS), and anonymous with MADV_NOHUGEPAGE after MADV_HUGEPAGE (0). */
	char *a1 = aligned(4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	madvise(a1, 4 << 20, MADV_HUGEPAGE);
	char *a2 = aligned(4 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
	madvise(a2, 4 << 20, MADV_HUGEPAGE);
	int mfd = memfd_create("procflags", 0);
	ftruncate(mfd, 4 << 20);
	char *a3 = aligned(4 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, mfd);
	madvise(a3, 4 << 20, MADV_HUGEPAGE);
	int ffd = open("/tmp/procflags.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ftruncate(ffd, 4 << 20);
	close(ffd);
	ffd = open("/tmp/procflags.dat", O_RDONLY);
	char *a4 = aligned(4 << 20, PROT_READ, MAP_PRIVATE, ffd);
	madvise(a4, 4 << 20, MADV_HUGEPAGE);
	char *a5 = aligned(4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	madvise(a5, 4 << 20, MADV_HUGEPAGE);
	madvise(a5, 4 << 20, MADV_NOHUGEPAGE);
	/* 2 MiB + 4 KiB anonymous starting 4 KiB below a 2 MiB boundary: holds no aligned block. */
	char *a6 = aligned(4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	munmap(a6, (2 << 20) - 4096);
	munmap(a6 + (4 << 20) - 4096, 4096);
	madvise(a6 + (2 << 20) - 4096, (2 << 20), MADV_HUGEPAGE);

	int in = open("/proc/self/smaps", O_RDONLY), n, total = 0;
	while ((n = read(in, buf + total, sizeof(buf) - total)) > 0)
		total += n;
	snprintf(path, sizeof(path), "%s/smaps", dir);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (write(out, buf, total) != total)
		return 2;
	unlink("/tmp/procflags.dat");
	return 0;
}
