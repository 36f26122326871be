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
        var st = Mmsim.Tests.Fault.PagingKit.Status(t.Mm());
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

    [Fact]
    public void TheWalkOfAHugePageStopsAtThePmd()
    {
        //  CR3 -> pgd[0] -> pud[1] -> pmd[0] (PS) -> 2 MiB frame: 3 references, page shift 21
        var (k, t) = HugeArea();
        k.Access(t, A, AccessKind.Write);
        int refs = 0;
        Assert.Equal(WalkFault.None, Mmsim.Pgtable.PageWalker.Instance.Walk(t.Mm(), A + 0x12345, AccessKind.Read, out Translation tr, ref refs));
        Assert.Equal(3, refs);
        Assert.Equal(21, tr.PageShift);
        int head = (int)Mmsim.Pgtable.PgtableTypes.EntryPfn(t.Pg().EntryAt(A, out _));
        Assert.Equal((ulong)head + 0x12, tr.Pfn);
    }

    [Fact]
    public void MremapOfWholeAlignedSpansMovesTablesAndHugePmds()
    {
        //  old 0x40000000: block 0 a huge PMD; block 1 split by MADV_DONTNEED of its first page
        //  (511 PTEs in the table that was deposited)
        //  mremap to 0x80000000: both PMD entries move (move_huge_pmd(), move_normal_pmd()):
        //  the same PTE table, the same folios; the old PMD table goes with the old range.
        var (k, t) = HugeArea();
        k.Access(t, A, AccessKind.Write);
        k.Access(t, A + Mib2, AccessKind.Write);
        Assert.Equal(0, t.Mm().Checked(t.Mm().Madvise(A + Mib2, 4096, Madv.DontNeed)));
        MmPgtablesView before = View(t, A + Mib2);
        const ulong B = 0x80000000;
        Assert.Equal((long)B, t.Mm().Checked(t.Mm().Mremap(A, 2 * Mib2, 2 * Mib2, MremapFlags.MayMove | MremapFlags.Fixed, B)));
        k.Validate();
        Assert.Equal(21, t.Pg().EntryAt(B, out int s0) > 0 ? s0 : 0);
        Assert.Equal(before.PteTable, View(t, B + Mib2).PteTable);
        Assert.Equal("1023/0/0", t.RssCounters());
        // One PUD table, one PMD table (the new one), the deposit of block 0 and block 1's table.
        Assert.Equal((1L, 1L, 2L), (t.Pg().Tables.NrPuds, t.Pg().Tables.NrPmds, t.Pg().Tables.NrPtes));
    }

    private readonly record struct MmPgtablesView(int PteTable);

    private static MmPgtablesView View(Mmsim.Process.Task t, ulong addr)
    {
        Mmsim.Pgtable.MmPgtables pt = t.Pg().Tables;
        int pmdTable = pt.Descend(addr, pt.PmdLevel, alloc: false, out _);
        return new MmPgtablesView((int)Mmsim.Pgtable.PgtableTypes.EntryPfn(pt.Get(pmdTable, pt.Geometry.Index(pt.PmdLevel, addr))));
    }

    [Fact]
    public void VmPteOfHugeSmallAndHugeZeroMappingsMatchTheRealKernel()
    {
        // Measured on the reference kernel (4 MiB areas in fresh 512 GiB regions, two 2 MiB
        // blocks touched each): THP writes +16 kB (PUD, PMD, two deposited PTE tables), small
        // pages +16 kB (PUD, PMD, two PTE tables), huge zero page reads +16 kB; munmap of the
        // THP area -16 kB.
        var (k, t) = NewMachine(mib: 64);
        MmStruct mm = t.Mm();
        long a = VmPte(t);
        Assert.Equal(0x200000000000L, mm.Mmap(0x200000000000, 4UL << 20, Rw, AnonFixed, null, 0));
        mm.Madvise(0x200000000000, 4UL << 20, Madv.HugePage);
        k.Access(t, 0x200000000000, AccessKind.Write);
        k.Access(t, 0x200000200000, AccessKind.Write);
        long b = VmPte(t);
        Assert.Equal(0x300000000000L, mm.Mmap(0x300000000000, 4UL << 20, Rw, AnonFixed, null, 0));
        k.Access(t, 0x300000000000, AccessKind.Write);
        k.Access(t, 0x300000200000, AccessKind.Write);
        long c = VmPte(t);
        Assert.Equal(0x380000000000L, mm.Mmap(0x380000000000, 4UL << 20, Rw, AnonFixed, null, 0));
        mm.Madvise(0x380000000000, 4UL << 20, Madv.HugePage);
        k.Access(t, 0x380000000000, AccessKind.Read);
        k.Access(t, 0x380000200000, AccessKind.Read);
        long d = VmPte(t);
        Assert.Equal((16L, 16L, 16L), (b - a, c - b, d - c));
        Assert.Equal(0, mm.Munmap(0x200000000000, 4UL << 20));
        Assert.Equal(-16L, VmPte(t) - d);
        k.Validate();
    }

    private static long VmPte(Mmsim.Process.Task t) => (long)Mmsim.Tests.Fault.PagingKit.Status(t.Mm()).VmPte;

    [Fact]
    public void APteMappedHugeFolioIsReusedOnceNoOtherMmMapsIt()
    {
        //  block 0 written (PMD), its first page unmapped (split: 511 PTEs), fork.
        //  While the child lives, a parent write to page 1 copies it; after the child exits,
        //  a write to page 2 reuses the folio page (all 510 remaining mappings are the parent's).
        var (k, t) = HugeArea();
        k.Access(t, A, AccessKind.Write);
        Assert.Equal(0, t.Mm().Checked(t.Mm().Munmap(A, 4096)));
        int head = (int)Mmsim.Pgtable.PgtableTypes.EntryPfn(t.Pg().EntryAt(A + 4096, out _)) - 1;
        Mmsim.Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        k.Access(t, A + 0x1000, AccessKind.Write);
        k.Validate();
        Assert.NotEqual(head + 1, (int)Mmsim.Pgtable.PgtableTypes.EntryPfn(t.Pg().EntryAt(A + 0x1000, out _)));
        k.Exit(c);
        k.Access(t, A + 0x2000, AccessKind.Write);
        k.Validate();
        Assert.Equal(head + 2, (int)Mmsim.Pgtable.PgtableTypes.EntryPfn(t.Pg().EntryAt(A + 0x2000, out _)));
        Assert.Equal("511/0/0", t.RssCounters());
    }
}
