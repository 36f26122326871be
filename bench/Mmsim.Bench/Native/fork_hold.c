/*
 * The kernel side of PagingBenchmarks' COW write (bench/Mmsim.Bench): fork() of the benchmark
 * process with the child held until the parent has written its pages. Written for mmsim.
 *
 * The fork is done here, in C, and the child never returns to the .NET runtime: a child of a
 * multi-threaded process may only call async-signal-safe functions (close, read, _exit). Built
 * by the benchmark with cc -O2 -shared -fPIC into ~/.cache/mmsim and loaded with NativeLibrary.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* fork(); the child waits for a byte (or EOF) on a pipe, then exits. Returns the child's pid
 * and stores the pipe's write end in *release_fd, or returns -1. */
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
	return waitpid(pid, 0, 0) == pid ? 0 : -1;
}
