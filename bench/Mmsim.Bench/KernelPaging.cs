using System.Runtime.InteropServices;
using Mmsim.Cli;

namespace Mmsim.Bench;

/// <summary>
/// The kernel side of <see cref="PagingBenchmarks"/>, in the benchmark process: a private
/// anonymous region of this machine's kernel with MADV_NOHUGEPAGE, touched page by page through
/// a pointer (the faults are the kernel's do_anonymous_page() and do_wp_page()), reset with
/// MADV_DONTNEED, and a fork whose child holds the pages shared until the writes are done. The
/// same work as src/Mmsim.Cli/Native/kernel_paging.c, which <c>mmsim bench paging</c> runs.
/// </summary>
internal sealed unsafe partial class KernelPaging : IDisposable
{
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private const int MadvDontNeed = 4;
    private const int MadvNoHugePage = 15;

    private readonly byte* _base;
    private readonly ulong _len;
    private int _child = -1;
    private int _releaseFd = -1;

    /// <summary>Maps the region (nothing touched yet).</summary>
    public KernelPaging(int pages)
    {
        Pages = pages;
        _len = (ulong)pages * 4096;
        long addr = NativeMm.Mmap(0, _len, ProtRead | ProtWrite, MapPrivate | MapAnonymous);
        if (addr < 0)
        {
            throw new InvalidOperationException($"mmap of the kernel region failed: {addr}");
        }
        _base = (byte*)addr;
        Madvise(MadvNoHugePage);
    }

    /// <summary>Pages in the region.</summary>
    public int Pages { get; }

    /// <summary>A write to every page (in order).</summary>
    public long Write()
    {
        byte* p = _base;
        for (int i = 0; i < Pages; i++)
        {
            Volatile.Write(ref p[(long)i * 4096], 1);
        }
        return Pages;
    }

    /// <summary>A read of every page (in order); the sum, so that nothing is optimised away.</summary>
    public long Read()
    {
        byte* p = _base;
        long sum = 0;
        for (int i = 0; i < Pages; i++)
        {
            sum += Volatile.Read(ref p[(long)i * 4096]);
        }
        return sum;
    }

    /// <summary>MADV_DONTNEED over the region: every page goes, the page tables stay.</summary>
    public void Reset() => Madvise(MadvDontNeed);

    /// <summary>fork(): a child holding the region's pages until <see cref="ReleaseChild"/>.</summary>
    public void Fork()
    {
        if (_child >= 0)
        {
            throw new InvalidOperationException("the previous child has not been released");
        }
        int fd;
        int pid = ForkHold.Fork(&fd);
        if (pid < 0)
        {
            throw new InvalidOperationException("fork failed");
        }
        (_child, _releaseFd) = (pid, fd);
    }

    /// <summary>The child's exit (and its reaping).</summary>
    public void ReleaseChild()
    {
        if (_child >= 0)
        {
            if (ForkHold.Release(_child, _releaseFd) != 0)
            {
                throw new InvalidOperationException($"waitpid({_child}) failed");
            }
            (_child, _releaseFd) = (-1, -1);
        }
    }

    public void Dispose()
    {
        ReleaseChild();
        NativeMm.Munmap((ulong)_base, _len);
    }

    private void Madvise(int advice)
    {
        if (MadviseNative((nint)_base, (nuint)_len, advice) != 0)
        {
            throw new InvalidOperationException($"madvise({advice}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int MadviseNative(nint addr, nuint len, int advice);

    /// <summary>
    /// kp_fork_hold() and kp_release() of <c>mmsim bench paging</c>'s own kernel side
    /// (src/Mmsim.Cli/Native/kernel_paging.c), built once with cc into the cache as a shared
    /// library and loaded: the fork and the child's wait are C, as a child of a multi-threaded
    /// process must never run managed code.
    /// </summary>
    private static class ForkHold
    {
        private static readonly delegate* unmanaged<int*, int> s_fork;
        private static readonly delegate* unmanaged<int, int, int> s_release;

#pragma warning disable CA1810 // the library is built and loaded once, here
        static ForkHold()
        {
            string path = NativeBuild.Ensure("native/kernel_paging.c", "libkernel_paging.so", ["-shared", "-fPIC"], out string? why)
                ?? throw new InvalidOperationException($"the COW benchmark's kernel side needs a C compiler: {why}");
            nint lib = NativeLibrary.Load(path);
            s_fork = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(lib, "kp_fork_hold");
            s_release = (delegate* unmanaged<int, int, int>)NativeLibrary.GetExport(lib, "kp_release");
        }
#pragma warning restore CA1810

        public static int Fork(int* releaseFd) => s_fork(releaseFd);

        public static int Release(int pid, int releaseFd) => s_release(pid, releaseFd);
    }
}
