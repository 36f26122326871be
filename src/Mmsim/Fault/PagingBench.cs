using System.Runtime.CompilerServices;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Pgtable;
using Mmsim.Process;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Fault;

/// <summary>
/// The model's work in the paging benchmarks, without a clock (the model has none): the CLI's
/// <c>mmsim bench paging</c> and bench/Mmsim.Bench time these calls. One machine (the reference
/// machine's RAM, 4-level paging) with one task that maps a private anonymous region of
/// <see cref="Pages"/> pages with MADV_NOHUGEPAGE, as the kernel side's C program does. The
/// timed calls go through the model's public surface (<see cref="Kernel.Access"/>,
/// <see cref="Kernel.Clone"/>); the resets (MADV_DONTNEED, the child's exit) are separate calls
/// a timer leaves out.
/// </summary>
public sealed class PagingBench
{
    /// <summary>The pid of the forked child (reused: a child is gone before the next fork).</summary>
    private const int ChildPid = 2;

    private Task? _child;

    /// <summary>Builds the machine and maps the region (nothing touched yet).</summary>
    public PagingBench(long pages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pages, 1);
        Pages = pages;
        Kernel = new Kernel(MmConfig.Default, PhysMemConfig.Default, PagingOptions.Default);
        Task = Kernel.CreateInitTask(1);
        MmStruct mm = Task.Mm!;
        mm.MmapBase = 0x7ffff7fff000;
        mm.MmapLegacyBase = 0x2aaaaaaab000;
        long addr = mm.Mmap(0, Len, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous, null, 0);
        if (addr < 0)
        {
            throw new InvalidOperationException($"mmap of the benchmark region failed: {addr}");
        }
        Region = (ulong)addr;
        long r = mm.Madvise(Region, Len, Madv.NoHugePage);
        if (r != 0)
        {
            throw new InvalidOperationException($"madvise(MADV_NOHUGEPAGE) failed: {r}");
        }
    }

    /// <summary>The machine.</summary>
    public Kernel Kernel { get; }

    /// <summary>The task that maps the region.</summary>
    public Task Task { get; }

    /// <summary>Pages in the region.</summary>
    public long Pages { get; }

    /// <summary>The region's start.</summary>
    public ulong Region { get; }

    /// <summary>The region's length in bytes.</summary>
    public ulong Len => Page.Bytes((ulong)Pages);

    /// <summary>The task's resident pages (get_mm_rss()).</summary>
    public long Rss => Task.Mm!.Paging!.Rss;

    /// <summary>The forked child, between <see cref="Fork"/> and <see cref="ExitChild"/>.</summary>
    public Task? Child => _child;

    /// <summary>
    /// One access of the given kind to every page of the region, in order (anon_write: writes,
    /// zero_read: reads, cow: writes after a fork). Returns the accesses that succeeded.
    /// </summary>
    public long Touch(AccessKind kind)
    {
        long ok = 0;
        ulong a = Region + 8;
        for (long i = 0; i < Pages; i++, a += Page.Size)
        {
            if (Kernel.Access(Task, a, kind) == FaultResult.Ok)
            {
                ok++;
            }
        }
        return ok;
    }

    /// <summary>madvise(MADV_DONTNEED) over the region: every page goes, the page tables stay.</summary>
    public void Reset()
    {
        long r = Task.Mm!.Madvise(Region, Len, Madv.DontNeed);
        if (r != 0)
        {
            throw new InvalidOperationException($"madvise(MADV_DONTNEED) failed: {r}");
        }
    }

    /// <summary>fork(): the child's copy of the address space (dup_mmap(), copy_page_range()).</summary>
    public Task Fork()
    {
        if (_child is not null)
        {
            throw new InvalidOperationException("the previous child has not exited");
        }
        _child = Kernel.Clone(Task, ChildPid, shareVm: false, thread: false, shareFiles: false);
        return _child;
    }

    /// <summary>The child's exit (exit_mmap() of its copy).</summary>
    public void ExitChild()
    {
        if (_child is not null)
        {
            Kernel.Exit(_child);
            _child = null;
        }
    }

    /// <summary>
    /// The hardware walk of a TLB miss over the real 4-level tables: n walks of
    /// <see cref="PageWalker"/> cycling over the region's pages (touch them first; their number
    /// must be a power of two). Returns the walks that found a translation. Compiled fully
    /// optimised at once, not left in the precompiled ReadyToRun code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Walks(long n)
    {
        if ((Pages & (Pages - 1)) != 0)
        {
            throw new InvalidOperationException("the walk benchmark needs a power-of-two region");
        }
        MmStruct mm = Task.Mm!;
        PageWalker w = PageWalker.Instance;
        ulong mask = (ulong)Pages - 1;
        long ok = 0;
        int refs = 0;
        for (long i = 0; i < n; i++)
        {
            // A stride of 37 pages (odd: visits every page of a power-of-two region), so that
            // consecutive walks read different PTE cache lines and often different PTE tables.
            ulong va = Region + ((((ulong)i * 37) & mask) << 12);
            if (w.Walk(mm, va, AccessKind.Read, out _, ref refs) == WalkFault.None)
            {
                ok++;
            }
        }
        return ok;
    }
}
