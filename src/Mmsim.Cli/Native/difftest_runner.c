/*
 * The native side of `mmsim difftest`: executes a program of memory system calls, read from
 * standard input, on this machine's kernel. Written for mmsim; built once by `mmsim difftest`
 * with the system C compiler (cc -O2) and run under `setarch -R strace -f`, so the log records
 * every call and its result; nothing is compiled per program.
 *
 * Usage: difftest_runner DIR < PROGRAM
 *   DIR      a directory for the program's files (created here: f0..f3, and f1 opened again
 *            read-only as file 4)
 *
 * The program is text, one call a line:  ID OWNER OP ARG...
 *   ID       the call's slot (0..MAX_CALLS-1); its result is kept there
 *   OWNER    '-' for the main program, or the ID of the fork/thread call whose child runs it
 *   OP       mmap munmap mprotect mremap brk madvise mlock munlock mlock2 mlockall munlockall
 *            mseal mincore fork thread
 *   ARG      a number (0x hex or decimal, may be negative) or $ID[+-OFFSET]: an earlier slot's
 *            result plus an offset. mmap's 5th argument is a file index (0..4) or -1.
 *
 * Each call is made with the raw syscall instruction (no libc wrapper, no errno). A call whose
 * slot reference holds an error, or whose range would touch a mapping the process had when it
 * started (this program, its libraries, the stack) is not made, so a program can never unmap
 * or clobber the runner itself. At the end each process reads /proc/self/maps into a static
 * buffer and writes it to standard output after a line "== PID", then calls exit_group.
 * The runner touches no memory the program maps: pages become resident only through calls.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <linux/futex.h>

#define MAX_CALLS 8192
#define MAX_ARGS 6
#define MAX_PROT 256
#define PAGE 4096UL
#define TASK_TOP 0x7ffffffff000UL

enum op {
	OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_BRK, OP_MADVISE, OP_MLOCK, OP_MUNLOCK,
	OP_MLOCK2, OP_MLOCKALL, OP_MUNLOCKALL, OP_MSEAL, OP_MINCORE, OP_FORK, OP_THREAD, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"mmap", "munmap", "mprotect", "mremap", "brk", "madvise", "mlock", "munlock",
	"mlock2", "mlockall", "munlockall", "mseal", "mincore", "fork", "thread"
};

struct arg {
	int slot;	/* -1: a plain number */
	long value;	/* the number, or the offset from the slot's result */
};

struct call {
	int id;
	int owner;
	int op;
	int nargs;
	struct arg args[MAX_ARGS];
};

static struct call calls[MAX_CALLS];
static int ncalls;
static long slots[MAX_CALLS];
static unsigned long prot_lo[MAX_PROT], prot_hi[MAX_PROT];
static int nprot;
static int fds[5] = { -1, -1, -1, -1, -1 };
static char input[1 << 20];
static char text[1 << 20];
static unsigned char vec[1 << 16];
static char thread_stack[1 << 18] __attribute__((aligned(64)));
static volatile int thread_tid;

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

static void say(const char *s)
{
	sys6(SYS_write, 2, (long)s, (long)strlen(s), 0, 0, 0);
}

static void die(const char *s)
{
	say("difftest_runner: ");
	say(s);
	say("\n");
	sys6(SYS_exit_group, 2, 0, 0, 0, 0, 0);
}

static int is_err(long v)
{
	return (unsigned long)v >= (unsigned long)-4095L;
}

static unsigned long hex(const char **p)
{
	unsigned long v = 0;
	for (;;) {
		char c = **p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned long)(c - 'a' + 10);
		else
			return v;
		(*p)++;
	}
}

static long number(const char **p)
{
	int neg = 0;
	unsigned long v = 0;
	if (**p == '-' || **p == '+') {
		neg = **p == '-';
		(*p)++;
	}
	if ((*p)[0] == '0' && (*p)[1] == 'x') {
		*p += 2;
		v = hex(p);
	} else {
		while (**p >= '0' && **p <= '9')
			v = v * 10 + (unsigned long)(*(*p)++ - '0');
	}
	return neg ? -(long)v : (long)v;
}

static void skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static void parse(void)
{
	const char *p = input;
	while (*p) {
		skip_blanks(&p);
		if (*p == '#' || *p == '\n') {
			while (*p && *p != '\n')
				p++;
			if (*p)
				p++;
			continue;
		}
		if (ncalls == MAX_CALLS)
			die("too many calls");
		struct call *c = &calls[ncalls];
		c->id = (int)number(&p);
		if (c->id < 0 || c->id >= MAX_CALLS)
			die("bad call id");
		skip_blanks(&p);
		if (*p == '-') {
			c->owner = -1;
			p++;
		} else {
			c->owner = (int)number(&p);
		}
		skip_blanks(&p);
		c->op = -1;
		for (int i = 0; i < OP_COUNT; i++) {
			size_t n = strlen(op_names[i]);
			if (strncmp(p, op_names[i], n) == 0 && (p[n] == ' ' || p[n] == '\n' || p[n] == 0)) {
				c->op = i;
				p += n;
				break;
			}
		}
		if (c->op < 0)
			die("unknown op");
		c->nargs = 0;
		for (;;) {
			skip_blanks(&p);
			if (*p == '\n' || *p == 0)
				break;
			if (c->nargs == MAX_ARGS)
				die("too many arguments");
			struct arg *a = &c->args[c->nargs++];
			a->slot = -1;
			if (*p == '$') {
				p++;
				a->slot = (int)number(&p);
				if (a->slot < 0 || a->slot >= MAX_CALLS)
					die("bad slot");
				a->value = (*p == '+' || *p == '-') ? number(&p) : 0;
			} else {
				a->value = number(&p);
			}
		}
		if (*p)
			p++;
		ncalls++;
	}
}

/* An argument's value; 0 with *bad set when it refers to a slot holding an error. */
static long value(const struct call *c, int i, int *bad)
{
	if (i >= c->nargs)
		return 0;
	const struct arg *a = &c->args[i];
	if (a->slot < 0)
		return a->value;
	if (is_err(slots[a->slot]))
		*bad = 1;
	return slots[a->slot] + a->value;
}

/* True when [addr, addr+len) (rounded to pages) meets a mapping the runner started with. */
static int protected(unsigned long addr, unsigned long len)
{
	unsigned long start = addr & ~(PAGE - 1);
	unsigned long end = addr + len + PAGE - 1;
	if (end < addr)
		return 0; /* wraps: the kernel refuses it */
	end &= ~(PAGE - 1);
	if (end == start)
		end = start + PAGE;
	for (int i = 0; i < nprot; i++)
		if (start < prot_hi[i] && end > prot_lo[i])
			return 1;
	return 0;
}

static int read_maps(void)
{
	int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)"/proc/self/maps", O_RDONLY, 0, 0, 0);
	if (fd < 0)
		die("cannot open /proc/self/maps");
	long n = 0;
	for (;;) {
		long r = sys6(SYS_read, fd, (long)(text + n), (long)(sizeof(text) - 1 - (unsigned long)n), 0, 0, 0);
		if (r <= 0)
			break;
		n += r;
	}
	sys6(SYS_close, fd, 0, 0, 0, 0, 0);
	text[n] = 0;
	return (int)n;
}

/*
 * The next line of the maps copy in text, from *p: its range, where its fields start (the space
 * before the permissions), its name (at the line's end when it has none) and the line's end.
 * *p moves past the line. Returns 0 at the end of the text.
 */
static int maps_line(const char **p, unsigned long *lo, unsigned long *hi, const char **fields,
		     const char **name, const char **eol)
{
	const char *q = *p;
	if (!*q)
		return 0;
	*lo = hex(&q);
	q++;
	*hi = hex(&q);
	const char *e = q;
	while (*e && *e != '\n')
		e++;
	const char *s = e;
	while (s > q && s[-1] != ' ')
		s--;
	*fields = q;
	*name = s;
	*eol = e;
	*p = *e ? e + 1 : e;
	return 1;
}

/* Every mapping at start is protected; the stack's zone reaches 16 MiB below [stack]. */
static void protect_start(void)
{
	read_maps();
	const char *p = text, *fields, *name, *eol;
	unsigned long lo, hi;
	while (nprot < MAX_PROT && maps_line(&p, &lo, &hi, &fields, &name, &eol)) {
		if (lo < TASK_TOP) {
			if (strncmp(name, "[stack]", 7) == 0)
				lo = lo > (16UL << 20) ? lo - (16UL << 20) : 0;
			prot_lo[nprot] = lo;
			prot_hi[nprot] = hi;
			nprot++;
		}
	}
}

static void dump_maps_and_exit(void)
{
	int n = read_maps();
	char head[32];
	long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	char digits[24];
	int k = 0;
	do {
		digits[k++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	int h = 0;
	head[h++] = '=';
	head[h++] = '=';
	head[h++] = ' ';
	while (k > 0)
		head[h++] = digits[--k];
	head[h++] = '\n';
	sys6(SYS_write, 1, (long)head, h, 0, 0, 0);
	for (long off = 0; off < n;) {
		long r = sys6(SYS_write, 1, (long)(text + off), n - off, 0, 0, 0);
		if (r <= 0)
			break;
		off += r;
	}
	sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
}

static void run_block(int owner);

static int thread_main(void *arg)
{
	run_block((int)(long)arg);
	sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
	return 0;
}

static void run_call(int i)
{
	struct call *c = &calls[i];
	int bad = 0;
	long a0 = value(c, 0, &bad), a1 = value(c, 1, &bad), a2 = value(c, 2, &bad);
	long a3 = value(c, 3, &bad), a4 = value(c, 4, &bad), a5 = value(c, 5, &bad);
	long r = -4095;
	if (bad) {
		slots[c->id] = -4095;
		return;
	}
	switch (c->op) {
	case OP_MMAP: {
		long fd = -1;
		if (a4 >= 0 && a4 < 5)
			fd = fds[a4];
		if ((a3 & 0x10) && protected((unsigned long)a0, (unsigned long)a1)) /* MAP_FIXED */
			break;
		r = sys6(SYS_mmap, a0, a1, a2, a3, fd, a5);
		break;
	}
	case OP_MUNMAP:
	case OP_MPROTECT:
	case OP_MADVISE:
	case OP_MLOCK:
	case OP_MUNLOCK:
	case OP_MLOCK2:
	case OP_MSEAL:
		if (protected((unsigned long)a0, (unsigned long)a1))
			break;
		{
			static const long nr[OP_COUNT] = {
				[OP_MUNMAP] = SYS_munmap, [OP_MPROTECT] = SYS_mprotect, [OP_MADVISE] = SYS_madvise,
				[OP_MLOCK] = SYS_mlock, [OP_MUNLOCK] = SYS_munlock, [OP_MLOCK2] = SYS_mlock2,
				[OP_MSEAL] = 462,
			};
			r = sys6(nr[c->op], a0, a1, a2, 0, 0, 0);
		}
		break;
	case OP_MREMAP:
		if (protected((unsigned long)a0, (unsigned long)a1))
			break;
		if ((a3 & 2) && protected((unsigned long)a4, (unsigned long)a2)) /* MREMAP_FIXED */
			break;
		r = sys6(SYS_mremap, a0, a1, a2, a3, a4, 0);
		break;
	case OP_BRK:
		r = sys6(SYS_brk, a0, 0, 0, 0, 0, 0);
		break;
	case OP_MLOCKALL:
		r = sys6(SYS_mlockall, a0, 0, 0, 0, 0, 0);
		break;
	case OP_MUNLOCKALL:
		r = sys6(SYS_munlockall, 0, 0, 0, 0, 0, 0);
		break;
	case OP_MINCORE:
		if ((unsigned long)a1 > sizeof(vec) * PAGE || protected((unsigned long)a0, (unsigned long)a1))
			break;
		r = sys6(SYS_mincore, a0, a1, (long)vec, 0, 0, 0);
		break;
	case OP_FORK:
		r = sys6(SYS_fork, 0, 0, 0, 0, 0, 0);
		if (r == 0) {
			run_block(c->id);
			dump_maps_and_exit();
		}
		if (r > 0)
			sys6(SYS_wait4, r, 0, 0, 0, 0, 0);
		break;
	case OP_THREAD: {
		int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM
			    | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
		r = clone(thread_main, thread_stack + sizeof(thread_stack), flags, (void *)(long)c->id,
			  &thread_tid, (void *)0, &thread_tid);
		if (r > 0) {
			int t;
			while ((t = thread_tid) != 0)
				sys6(SYS_futex, (long)&thread_tid, FUTEX_WAIT, t, 0, 0, 0);
		}
		break;
	}
	}
	slots[c->id] = r;
}

static void run_block(int owner)
{
	for (int i = 0; i < ncalls; i++)
		if (calls[i].owner == owner)
			run_call(i);
}

static void open_files(const char *dir)
{
	static const long sizes[4] = { 3 * PAGE + 100, 16 * PAGE, (2UL << 20) + 2 * PAGE, 0 };
	char path[4096];
	size_t n = strlen(dir);
	if (n + 4 > sizeof(path))
		die("directory name too long");
	memcpy(path, dir, n);
	path[n] = '/';
	path[n + 1] = 'f';
	path[n + 3] = 0;
	for (int i = 0; i < 4; i++) {
		path[n + 2] = (char)('0' + i);
		fds[i] = (int)sys6(SYS_openat, AT_FDCWD, (long)path, O_RDWR | O_CREAT | O_TRUNC, 0600, 0, 0);
		if (fds[i] < 0)
			die("cannot create a file in DIR");
		if (sizes[i] > 0)
			sys6(SYS_ftruncate, fds[i], sizes[i], 0, 0, 0, 0);
	}
	path[n + 2] = '1';
	fds[4] = (int)sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
}

/*
 * Before anything else: a mincore probe of every private writable anonymous area the process
 * starts with (the program's bss, ld.so's and libc's areas, the stack). ld.so and libc wrote
 * them, so they have anon_vmas, which decide merges with mappings placed next to them and in a
 * forked child; the probe's vector is how a replay learns of those writes.
 */
static void probe_start(void)
{
	read_maps();
	const char *p = text, *f, *s, *eol;
	unsigned long lo, hi;
	while (maps_line(&p, &lo, &hi, &f, &s, &eol)) {
		if (hi <= TASK_TOP && strncmp(f, " rw-p", 5) == 0 && (s == eol || *s == '[' || s[-2] == ' ')
		    && (hi - lo) / PAGE <= sizeof(vec) && strncmp(f + 6, "00000000 00:00 0", 16) == 0)
			sys6(SYS_mincore, (long)lo, (long)(hi - lo), (long)vec, 0, 0, 0);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2)
		die("usage: difftest_runner DIR < PROGRAM");
	probe_start();
	long n = 0;
	for (;;) {
		long r = sys6(SYS_read, 0, (long)(input + n), (long)(sizeof(input) - 1 - (unsigned long)n), 0, 0, 0);
		if (r <= 0)
			break;
		n += r;
	}
	input[n] = 0;
	parse();
	open_files(argv[1]);
	protect_start();
	run_block(-1);
	dump_maps_and_exit();
	return 0;
}
