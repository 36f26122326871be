using Mmsim.Mm;

namespace Mmsim.Cli;

/// <summary>
/// The state an operation keeps between its setup and its timed steps: the reserved region
/// (checked against the other side's after each phase) and the addresses it works on.
/// </summary>
internal struct VmaBenchState
{
    public ulong Region;
    public ulong RegionLen;
    public ulong A;
    public ulong B;

    /// <summary>
    /// Reserves pages of PROT_NONE (the operation then maps inside it with MAP_FIXED, so its
    /// neighbours are known and cannot merge with it).
    /// </summary>
    public static void Reserve<T>(ref T mm, ref VmaBenchState s, ulong pages)
        where T : struct, IMmCalls
    {
        ulong len = pages << Page.Shift;
        s.Region = BenchCheck.ExpectAddress(mm.Mmap(0, len, Prot.None, MapFlags.Private | MapFlags.Anonymous | MapFlags.NoReserve), "mmap", 0);
        s.RegionLen = len;
    }

    /// <summary>mmap(MAP_FIXED) of private anonymous memory, checked.</summary>
    public static void MapFixed<T>(ref T mm, ulong addr, ulong pages, int prot)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mmap(addr, pages << Page.Shift, prot, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed), (long)addr, "mmap", addr);
    }

    /// <summary>munmap, checked.</summary>
    public static void Unmap<T>(ref T mm, ulong addr, ulong pages)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Munmap(addr, pages << Page.Shift), 0, "munmap", addr);
    }
}

/// <summary>
/// One benchmark operation, written once for both sides: a setup, a step and the step that
/// undoes it (a pair is what is timed), and a teardown that leaves the address space as it was.
/// </summary>
internal interface IVmaBenchOp
{
    static abstract void Setup<T>(ref T mm, ref VmaBenchState s)
        where T : struct, IMmCalls;

    static abstract void Do<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls;

    static abstract void Undo<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls;

    /// <summary>Unmaps the reserved region.</summary>
    static virtual void Teardown<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        if (s.RegionLen > 0)
        {
            BenchCheck.Expect(mm.Munmap(s.Region, s.RegionLen), 0, "munmap", s.Region);
        }
    }
}

/// <summary>The operation names, in the order they run and are printed.</summary>
internal static class VmaOpNames
{
    public const string MmapMunmap4k = "mmap_munmap_4k";
    public const string MmapMunmap4kMerge = "mmap_munmap_4k_merge";
    public const string MprotectSplitMerge = "mprotect_split_merge";
    public const string MremapGrowInPlace = "mremap_grow_in_place";
    public const string MremapMove = "mremap_move";
    public const string BrkGrowShrink = "brk_grow_shrink";
    public const string MprotectSplit60k = "mprotect_split_60k";

    public static IReadOnlyList<string> All { get; } =
    [
        MmapMunmap4k, MmapMunmap4kMerge, MprotectSplitMerge, MremapGrowInPlace, MremapMove, BrkGrowShrink, MprotectSplit60k,
    ];
}

/// <summary>
/// mmap of one private anonymous RW page at a hint (a one-page hole between PROT_NONE areas, so
/// nothing merges and the hint is taken as is), then munmap.
/// </summary>
internal readonly struct MmapMunmap4kOp : IVmaBenchOp
{
    public static void Setup<T>(ref T mm, ref VmaBenchState s)
        where T : struct, IMmCalls
    {
        VmaBenchState.Reserve(ref mm, ref s, 16);
        s.A = s.Region + (8 * Page.Size);
        VmaBenchState.Unmap(ref mm, s.A, 1);
    }

    public static void Do<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mmap(s.A, Page.Size, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous), (long)s.A, "mmap", s.A);
    }

    public static void Undo<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Munmap(s.A, Page.Size), 0, "munmap", s.A);
    }
}

/// <summary>mmap(MAP_FIXED) of one RW page right after a one-page RW mapping (they merge), then munmap (split back).</summary>
internal readonly struct MmapMunmap4kMergeOp : IVmaBenchOp
{
    public static void Setup<T>(ref T mm, ref VmaBenchState s)
        where T : struct, IMmCalls
    {
        VmaBenchState.Reserve(ref mm, ref s, 16);
        VmaBenchState.MapFixed(ref mm, s.Region + (7 * Page.Size), 1, Prot.Read | Prot.Write);
        s.A = s.Region + (8 * Page.Size);
        VmaBenchState.Unmap(ref mm, s.A, 1);
    }

    public static void Do<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mmap(s.A, Page.Size, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed), (long)s.A, "mmap", s.A);
    }

    public static void Undo<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Munmap(s.A, Page.Size), 0, "munmap", s.A);
    }
}

/// <summary>mprotect of the middle page of a 3-page RW VMA to PROT_READ (split in 3), then back to RW (merge into 1).</summary>
internal readonly struct MprotectSplitMergeOp : IVmaBenchOp
{
    public static void Setup<T>(ref T mm, ref VmaBenchState s)
        where T : struct, IMmCalls
    {
        VmaBenchState.Reserve(ref mm, ref s, 16);
        VmaBenchState.MapFixed(ref mm, s.Region + (6 * Page.Size), 3, Prot.Read | Prot.Write);
        s.A = s.Region + (7 * Page.Size);
    }

    public static void Do<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mprotect(s.A, Page.Size, Prot.Read), 0, "mprotect", s.A);
    }

    public static void Undo<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mprotect(s.A, Page.Size, Prot.Read | Prot.Write), 0, "mprotect", s.A);
    }
}

/// <summary>mremap of a 1-page mapping with a free page after it to 2 pages (in place), then back to 1.</summary>
internal readonly struct MremapGrowInPlaceOp : IVmaBenchOp
{
    public static void Setup<T>(ref T mm, ref VmaBenchState s)
        where T : struct, IMmCalls
    {
        VmaBenchState.Reserve(ref mm, ref s, 16);
        s.A = s.Region + (6 * Page.Size);
        VmaBenchState.MapFixed(ref mm, s.A, 1, Prot.Read | Prot.Write);
        VmaBenchState.Unmap(ref mm, s.A + Page.Size, 1);
    }

    public static void Do<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mremap(s.A, Page.Size, 2 * Page.Size, 0, 0), (long)s.A, "mremap", s.A);
    }

    public static void Undo<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mremap(s.A, 2 * Page.Size, Page.Size, 0, 0), (long)s.A, "mremap", s.A);
    }
}

/// <summary>mremap(MREMAP_MAYMOVE|MREMAP_FIXED) of one RW page to a free page elsewhere, then back.</summary>
internal readonly struct MremapMoveOp : IVmaBenchOp
{
    public static void Setup<T>(ref T mm, ref VmaBenchState s)
        where T : struct, IMmCalls
    {
        VmaBenchState.Reserve(ref mm, ref s, 16);
        s.A = s.Region + (4 * Page.Size);
        s.B = s.Region + (10 * Page.Size);
        VmaBenchState.MapFixed(ref mm, s.A, 1, Prot.Read | Prot.Write);
        VmaBenchState.Unmap(ref mm, s.B, 1);
    }

    public static void Do<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mremap(s.A, Page.Size, Page.Size, MremapFlags.MayMove | MremapFlags.Fixed, s.B), (long)s.B, "mremap", s.A);
    }

    public static void Undo<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mremap(s.B, Page.Size, Page.Size, MremapFlags.MayMove | MremapFlags.Fixed, s.A), (long)s.A, "mremap", s.B);
    }
}

/// <summary>brk up by one page (the heap VMA grows) and back (it shrinks).</summary>
internal readonly struct BrkGrowShrinkOp : IVmaBenchOp
{
    public static void Setup<T>(ref T mm, ref VmaBenchState s)
        where T : struct, IMmCalls
    {
        s.A = BenchCheck.ExpectAddress(mm.Brk(0), "brk", 0);
        s.B = s.A + Page.Size;
        // The layout checked: the heap's last page and the two above the break.
        s.Region = Page.Align(s.A) - Page.Size;
        s.RegionLen = 3 * Page.Size;
    }

    public static void Do<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Brk(s.B), (long)s.B, "brk", s.B);
    }

    public static void Undo<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Brk(s.A), (long)s.A, "brk", s.A);
    }

    public static void Teardown<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Brk(s.A), (long)s.A, "brk", s.A);
    }
}

/// <summary>
/// <see cref="MprotectSplitMergeOp"/> among 60,000 VMAs: single pages alternating PROT_READ and
/// RW (so none merge), the 3-page RW VMA in the middle of them.
/// </summary>
internal readonly struct MprotectSplit60kOp : IVmaBenchOp
{
    public const int Vmas = 60_000;

    public static void Setup<T>(ref T mm, ref VmaBenchState s)
        where T : struct, IMmCalls
    {
        // One PROT_NONE page at each end of the reservation, 60,000 VMAs, one of them 3 pages.
        VmaBenchState.Reserve(ref mm, ref s, Vmas + 4);
        const int middle = (Vmas / 2) + 1;
        ulong addr = s.Region + Page.Size;
        for (int i = 0; i < Vmas; i++)
        {
            ulong pages = i == middle ? 3UL : 1UL;
            VmaBenchState.MapFixed(ref mm, addr, pages, (i & 1) == 0 ? Prot.Read : Prot.Read | Prot.Write);
            if (i == middle)
            {
                s.A = addr + Page.Size;
            }
            addr += pages << Page.Shift;
        }
    }

    public static void Do<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mprotect(s.A, Page.Size, Prot.Read), 0, "mprotect", s.A);
    }

    public static void Undo<T>(ref T mm, in VmaBenchState s)
        where T : struct, IMmCalls
    {
        BenchCheck.Expect(mm.Mprotect(s.A, Page.Size, Prot.Read | Prot.Write), 0, "mprotect", s.A);
    }
}
