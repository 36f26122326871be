using System.Runtime.InteropServices;

namespace Mmsim.Cli;

/// <summary>
/// The memory syscalls of the host kernel through libc, for the benchmarks. Each wrapper returns
/// what the model's syscalls return: the result, or -errno.
/// </summary>
internal static partial class NativeMm
{
    /// <summary>SYS_brk on x86-64.</summary>
    private const long SysBrk = 12;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint MmapNative(nint addr, nuint len, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int MunmapNative(nint addr, nuint len);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int MprotectNative(nint addr, nuint len, int prot);

    // mremap() and syscall() are variadic in C; on x86-64 passing only integer arguments is the
    // same as the fixed-argument convention, and glibc reads new_address only with MREMAP_FIXED.
    [LibraryImport("libc", EntryPoint = "mremap", SetLastError = true)]
    private static partial nint MremapNative(nint oldAddr, nuint oldLen, nuint newLen, int flags, nint newAddr);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall1(long number, nint arg);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

    [LibraryImport("libc", EntryPoint = "malloc")]
    private static partial nint Malloc(nuint size);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint p);

    /// <summary>glibc's mallopt() parameters.</summary>
    private const int MTrimThreshold = -1;
    private const int MTopPad = -2;

    /// <summary>
    /// Gives glibc's main arena (the one the main thread allocates from, and the only one that
    /// grows with brk) 64 MiB of free top, and stops it from trimming: allocations the runtime
    /// makes on this thread while a benchmark has moved the program break (the JIT compiling a
    /// method between a brk up and the brk back down) are then served without sbrk. Otherwise
    /// such an sbrk extends from the benchmark's break, the brk back down cuts the new memory
    /// away, and the process dies of SIGSEGV later (seen: half the runs of a JIT-compiled CLI).
    /// Returns false when the break did not move (the arena already had room).
    /// </summary>
    public static bool ReserveMainArena()
    {
        Mallopt(MTrimThreshold, int.MaxValue);
        Mallopt(MTopPad, 64 << 20);
        long before = Brk(0);
        var blocks = new List<nint>();
        // Blocks under the mmap threshold (128 KiB) come from the arena's top: the first that
        // does not fit extends it by itself plus the pad.
        for (int i = 0; i < 64 && Brk(0) == before; i++)
        {
            blocks.Add(Malloc(120 << 10));
        }
        foreach (nint b in blocks)
        {
            Free(b);
        }
        return Brk(0) != before;
    }

    /// <summary>mmap() of anonymous memory (fd -1, offset 0); the address or -errno.</summary>
    public static long Mmap(ulong addr, ulong len, int prot, int flags)
    {
        nint r = MmapNative((nint)addr, (nuint)len, prot, flags, -1, 0);
        return r == -1 ? -Marshal.GetLastPInvokeError() : r;
    }

    /// <summary>munmap(): 0 or -errno.</summary>
    public static long Munmap(ulong addr, ulong len)
    {
        return MunmapNative((nint)addr, (nuint)len) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>mprotect(): 0 or -errno.</summary>
    public static long Mprotect(ulong addr, ulong len, int prot)
    {
        return MprotectNative((nint)addr, (nuint)len, prot) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>mremap(): the (new) address or -errno.</summary>
    public static long Mremap(ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr)
    {
        nint r = MremapNative((nint)addr, (nuint)oldLen, (nuint)newLen, flags, (nint)newAddr);
        return r == -1 ? -Marshal.GetLastPInvokeError() : r;
    }

    /// <summary>The raw brk() system call: the new break, or the old one when refused (brk(0) reads it).</summary>
    public static long Brk(ulong brk)
    {
        long r = Syscall1(SysBrk, (nint)brk);
        return r == -1 ? -Marshal.GetLastPInvokeError() : r;
    }
}
