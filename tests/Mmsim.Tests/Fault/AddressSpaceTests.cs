using Mmsim.Mm;
using Mmsim.Proc;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Fault;

/// <summary>
/// The address-space calls acting on page tables: munmap zaps and frees tables no neighbour
/// shares (free_pgtables()), MADV_DONTNEED zaps but keeps tables, mprotect rewrites the
/// entries (change_protection()), mremap moves them (move_page_tables()), MADV_FREE makes
/// pages lazily freeable. Every change is reported to the TLB seam.
/// </summary>
public sealed class AddressSpaceTests
{
    private sealed class FlushLog : ITlbFlush
    {
        public List<string> Calls { get; } = [];

        public void FlushRange(MmStruct mm, ulong start, ulong end, int strideShift, bool freedTables) => Calls.Add($"{start:x}-{end:x}");

        public void FlushMm(MmStruct mm, bool freedTables) => Calls.Add("mm");
    }

    [Fact]
    public void MunmapFreesPagesAndTablesNoNeighbourShares()
    {
        //  2 MiB span A (PTE table a)      2 MiB span B (PTE table b)
        //  |ww.............|               |ww.........|
        //  munmap of the first VMA: its pages go; table a covers a part of the second VMA's
        //  span? no: each VMA lies in its own 2 MiB span, so table a is freed, b stays.
        var (k, t) = NewMachine();
        var log = new FlushLog();
        k.Paging!.TlbFlush = log;
        const ulong a = 0x40000000, b = 0x40200000;
        Map(t.Mm(), a, 4);
        Map(t.Mm(), b, 4);
        k.Access(t, a, AccessKind.Write);
        k.Access(t, a + 0x1000, AccessKind.Write);
        k.Access(t, b, AccessKind.Write);
        k.Validate();
        Assert.Equal(4, t.Pg().Tables.NrPtes + t.Pg().Tables.NrPmds + t.Pg().Tables.NrPuds);
        long free = k.Paging.Phys.FreePages;
        Assert.Equal(0, t.Mm().Checked(t.Mm().Munmap(a, 4 * 4096)));
        k.Validate();
        // Two pages and one PTE table back to the buddy allocator.
        Assert.Equal(free + 3, k.Paging.Phys.FreePages);
        Assert.Equal((1L, 1L, 1L), (t.Pg().Tables.NrPtes, t.Pg().Tables.NrPmds, t.Pg().Tables.NrPuds));
        Assert.Equal("40000000-40004000", log.Calls[^1]);
        // A neighbour in the same 2 MiB span keeps the table: unmap part of B's span.
        Map(t.Mm(), b + 0x10000, 1);
        k.Access(t, b + 0x10000, AccessKind.Write);
        Assert.Equal(0, t.Mm().Checked(t.Mm().Munmap(b, 4 * 4096)));
        Assert.Equal(1L, t.Pg().Tables.NrPtes);
        Assert.Equal("1/0/0", t.RssCounters());
        Assert.Equal(12UL, Mmsim.Tests.Fault.PagingKit.Status(t.Mm()).VmHwm);
    }

    [Fact]
    public void DontNeedZapsButKeepsTables()
    {
        // 0123
        // wwww  -> MADV_DONTNEED 1..2 -> w..w ; the next read maps the zero page
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 4);
        for (int i = 0; i < 4; i++)
        {
            k.Touch(t, i);
        }
        long ptes = t.Pg().Tables.NrPtes;
        t.Mm().AdviseAt(1, 2, Madv.DontNeed);
        k.Validate();
        Assert.Equal(("w..w", "2/0/0", ptes), (t.Ptes(0, 4), t.RssCounters(), t.Pg().Tables.NrPtes));
        Assert.Equal(16UL, Mmsim.Tests.Fault.PagingKit.Status(t.Mm()).VmHwm);
        k.Read(t, 1);
        Assert.Equal("wz.w", t.Ptes(0, 4));
    }

    [Fact]
    public void MprotectRewritesEntries()
    {
        // 0123
        // wwzr   written, written, read (zero page), file... all anonymous here
        // PROT_READ:  rrzr  (writes now SEGV_ACCERR)
        // PROT_NONE:  nnnn  entries keep their frames, not present to the MMU
        // PROT_READ|PROT_WRITE: exclusive anonymous pages become writable at once (no fault)
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 3);
        k.Touch(t, 0);
        k.Touch(t, 1);
        k.Read(t, 2);
        int p0 = t.PfnAt(0);
        t.Mm().ProtectAt(0, 3, R);
        Assert.Equal("rrz", t.Ptes(0, 3));
        Assert.Equal(FaultResult.AccErr, k.Touch(t, 0));
        t.Mm().ProtectAt(0, 3, None);
        Assert.Equal("nnn", t.Ptes(0, 3));
        Assert.Equal(FaultResult.AccErr, k.Touch(t, 0, AccessKind.Read));
        Assert.Equal("2/0/0", t.RssCounters());
        t.Mm().ProtectAt(0, 3, Rw);
        Assert.Equal("wwz", t.Ptes(0, 3));
        Assert.Equal(p0, t.PfnAt(0));
        long faults = t.MinFlt;
        Assert.Equal(FaultResult.Ok, k.Touch(t, 1));
        Assert.Equal(faults, t.MinFlt);
        // After fork the same mprotect cannot make the shared pages writable.
        Mmsim.Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        t.Mm().ProtectAt(0, 3, R);
        t.Mm().ProtectAt(0, 3, Rw);
        Assert.Equal(("rrz", "rrz"), (t.Ptes(0, 3), c.Ptes(0, 3)));
        k.Validate();
    }

    [Fact]
    public void MremapMovesTheEntriesNotThePages()
    {
        // 0123        40..43
        // ww.w  --->  ww.w   same frames, old range empty, RSS unchanged
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 4);
        k.Touch(t, 0);
        k.Touch(t, 1);
        k.Touch(t, 3);
        int p3 = t.PfnAt(3);
        Assert.Equal((long)Col(40), t.Mm().Checked(t.Mm().Mremap(Col(0), Pages(4), Pages(4),
            MremapFlags.MayMove | MremapFlags.Fixed, Col(40))));
        k.Validate();
        Assert.Equal("ww.w", t.Ptes(40, 4));
        Assert.Equal(p3, t.PfnAt(43));
        Assert.Equal("3/0/0", t.RssCounters());
        Assert.Equal("1/1", k.Counts(p3));
    }

    [Fact]
    public void MadviseFreeCleansExclusivePages()
    {
        // 01  both written; MADV_FREE: clean, old, LazyFree in smaps; a new write redirties
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 2);
        k.Touch(t, 0);
        k.Touch(t, 1);
        t.Mm().AdviseAt(0, 2, Madv.Free);
        k.Validate();
        var mss = default(MemSizeStats);
        SmapsGather.Gather(t.Mm(), t.Mm().At(0), ref mss);
        Assert.Equal((8192UL, 8192UL, 8192UL, 0UL), (mss.Resident, mss.Lazyfree, mss.PrivateClean, mss.Referenced));
        k.Touch(t, 0);
        mss = default;
        SmapsGather.Gather(t.Mm(), t.Mm().At(0), ref mss);
        Assert.Equal((4096UL, 4096UL), (mss.Lazyfree, mss.PrivateDirty));
    }

    private static void Map(MmStruct mm, ulong addr, int pages)
    {
        Assert.Equal((long)addr, mm.Checked(mm.Mmap(addr, Pages(pages), Rw, AnonFixed, null, 0)));
    }

    [Fact]
    public void TableFreeingMatchesTheRealKernel()
    {
        // Measured on the reference kernel: two 16-page VMAs 1 MiB apart in a fresh region share
        // one PTE table (+12 kB: PUD, PMD, PTE); MADV_DONTNEED frees nothing (+0); munmap of the
        // first keeps the table its neighbour uses (+0); munmap of the second frees all (-12 kB).
        var (k, t) = NewMachine();
        MmStruct mm = t.Mm();
        long a = Pte(t);
        Map(mm, 0x200000000000, 16);
        Map(mm, 0x200000100000, 16);
        k.Access(t, 0x200000000000, AccessKind.Write);
        k.Access(t, 0x200000100000, AccessKind.Write);
        long b = Pte(t);
        mm.Madvise(0x200000000000, Pages(16), Madv.DontNeed);
        long c = Pte(t);
        mm.Munmap(0x200000000000, Pages(16));
        long d = Pte(t);
        mm.Munmap(0x200000100000, Pages(16));
        long e = Pte(t);
        Assert.Equal((12L, 0L, 0L, -12L), (b - a, c - b, d - c, e - d));
        k.Validate();
    }

    private static long Pte(Mmsim.Process.Task t) => (long)Mmsim.Tests.Fault.PagingKit.Status(t.Mm()).VmPte;
}
