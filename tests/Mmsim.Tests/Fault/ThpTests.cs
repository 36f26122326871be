using Mmsim.Mm;
using Mmsim.Proc;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Fault;

/// <summary>
/// Transparent huge pages with enabled=madvise: a VM_HUGEPAGE anonymous area gets an order-9
/// folio per aligned 2 MiB block on first write (a PMD leaf, with a PTE table deposited for a
/// later split), the huge zero page on first read; partial unmaps split; fork shares the PMD.
/// </summary>
public sealed class ThpTests
{
    private const ulong A = 0x40000000;
    private const ulong Mib2 = 2UL << 20;

    private static (Mmsim.Process.Kernel K, Mmsim.Process.Task T) HugeArea()
    {
        //  0x40000000         0x40200000         0x40400000
        //  |   block 0 (2 MiB) |   block 1 (2 MiB) |     rw, MADV_HUGEPAGE
        var (k, t) = NewMachine(mib: 64);
        Assert.Equal((long)A, t.Mm().Checked(t.Mm().Mmap(A, 2 * Mib2, Rw, AnonFixed, null, 0)));
        Assert.Equal(0, t.Mm().Checked(t.Mm().Madvise(A, 2 * Mib2, Madv.HugePage)));
        return (k, t);
    }

    [Fact]
    public void FirstWriteMapsAHugePageFirstReadTheHugeZeroPage()
    {
        var (k, t) = HugeArea();
        Assert.Equal(FaultResult.Ok, k.Access(t, A + 0x1234, AccessKind.Write));
        Assert.Equal(FaultResult.Ok, k.Access(t, A + Mib2 + 0x10, AccessKind.Read));
        k.Validate();
        ulong pmd = t.Pg().EntryAt(A, out int shift);
        Assert.Equal(21, shift);
        Assert.Equal(2L, t.MinFlt);
        // One fault filled block 0: every later access is a TLB matter, no fault.
        Assert.Equal(FaultResult.Ok, k.Access(t, A + Mib2 - 1, AccessKind.Write));
        Assert.Equal(2L, t.MinFlt);
        Assert.Equal("512/0/0", t.RssCounters());
        // PUD + PMD tables and two deposited PTE tables.
        MmRssStatus st = MmRssStatus.Of(t.Mm());
        Assert.Equal((2048UL, 16UL), (st.RssAnon, st.VmPte));
        MemSizeStats mss = SmapsGather.GatherRollup(t.Mm());
        Assert.Equal((Mib2, Mib2, Mib2), (mss.Resident, mss.AnonymousThp, mss.PrivateDirty));
        Assert.Equal(1L, k.Paging!.ThpFaultAlloc);
        // A write to the huge zero page gets its own huge page.
        Assert.Equal(FaultResult.Ok, k.Access(t, A + Mib2, AccessKind.Write));
        k.Validate();
        Assert.Equal("1024/0/0", t.RssCounters());
        Assert.NotEqual(pmd, t.Pg().EntryAt(A + Mib2, out _));
    }

    [Fact]
    public void UnmappingPartOfAHugePageSplitsIt()
    {
        var (k, t) = HugeArea();
        k.Access(t, A, AccessKind.Write);
        int head = (int)Mmsim.Pgtable.PgtableTypes.EntryPfn(t.Pg().EntryAt(A, out _));
        //  block 0: |x|wwwwww...w|   munmap of its first page: the PMD splits into 512 PTEs,
        //  511 of which stay; the folio keeps its order and one reference per PTE.
        Assert.Equal(0, t.Mm().Checked(t.Mm().Munmap(A, 4096)));
        k.Validate();
        Assert.Equal(12, t.Pg().EntryAt(A + 4096, out int shift) > 0 ? shift : 0);
        Assert.Equal("511/0/0", t.RssCounters());
        Assert.Equal("0/511", k.Counts(head));
        Assert.Equal(head + 1, (int)Mmsim.Pgtable.PgtableTypes.EntryPfn(t.Pg().EntryAt(A + 4096, out _)));
        MemSizeStats mss = SmapsGather.GatherRollup(t.Mm());
        Assert.Equal((511UL * 4096, 0UL), (mss.Resident, mss.AnonymousThp));
        // Unmapping the rest frees the whole order-9 block.
        long free = k.Paging!.Phys.FreePages;
        Assert.Equal(0, t.Mm().Checked(t.Mm().Munmap(A, Mib2)));
        Assert.True(k.Paging.Phys.FreePages >= free + 512);
        k.Validate();
    }

    [Fact]
    public void ForkSharesTheHugePmdAndAWriteSplitsIt()
    {
        var (k, t) = HugeArea();
        k.Access(t, A, AccessKind.Write);
        Mmsim.Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        k.Validate();
        Assert.Equal(t.Pg().EntryAt(A, out _) & ~0xfffUL, c.Pg().EntryAt(A, out int cs) & ~0xfffUL);
        Assert.Equal(21, cs);
        Assert.Equal("512/0/0", c.RssCounters());
        MemSizeStats s = SmapsGather.GatherRollup(c.Mm());
        Assert.Equal((Mib2, Mib2 / 2 << MemSizeStats.PssShift), (s.SharedDirty, s.Pss));
        // The child writes one byte: its PMD splits and that one 4 KiB page is copied.
        Assert.Equal(FaultResult.Ok, k.Access(c, A + 0x5000, AccessKind.Write));
        k.Validate();
        Assert.Equal(12, c.Pg().EntryAt(A, out int shift) > 0 ? shift : 0);
        Assert.Equal("512/0/0", c.RssCounters());
        // The parent still maps the whole folio with its PMD.
        Assert.Equal(21, t.Pg().EntryAt(A, out int ps) > 0 ? ps : 0);
    }

    [Fact]
    public void AVmaBoundaryInsideAHugePageSplitsIt()
    {
        //  block 0 mapped by a PMD; MADV_NOHUGEPAGE on its second half splits the VMA at
        //  0x40100000, inside the block: the PMD is split (vma_adjust_trans_huge()), RSS stays.
        var (k, t) = HugeArea();
        k.Access(t, A, AccessKind.Write);
        Assert.Equal(0, t.Mm().Checked(t.Mm().Madvise(A + (Mib2 / 2), Mib2 / 2, Madv.NoHugePage)));
        k.Validate();
        Assert.Equal(12, t.Pg().EntryAt(A, out int shift) > 0 ? shift : 0);
        Assert.Equal("512/0/0", t.RssCounters());
        Assert.Equal(3, t.Mm().MapCount);
    }
}
