using Mmsim.Mm;
using Mmsim.Proc;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Fault;

/// <summary>
/// Anonymous faults as handle_mm_fault() resolves them: the zero page for reads, a zeroed frame
/// for writes, SIGSEGV for what no VMA allows, stack growth, and the RSS and fault counters.
/// Drawings: one character per page ('.' no entry, 'z' zero page, 'r' read-only, 'w' writable).
/// </summary>
public sealed class AnonFaultTests
{
    [Fact]
    public void FiveAnonymousPagesThreeTouchedGiveRss12KiBOfVsz20KiB()
    {
        // 01234
        // ww.w.      writes to columns 0, 1 and 3 of a 5-page private anonymous VMA
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 5);
        k.Touch(t, 0);
        k.Touch(t, 1);
        k.Touch(t, 3);
        Assert.Equal("ww.w.", t.Ptes(0, 5));
        Assert.Equal(20UL * 1024, Page.Bytes(t.Mm().TotalVm));
        var s = Mmsim.Tests.Fault.PagingKit.Status(t.Mm());
        Assert.Equal((12UL, 12UL, 0UL, 0UL), (s.VmRss, s.RssAnon, s.RssFile, s.RssShmem));
        var mss = default(MemSizeStats);
        SmapsGather.Gather(t.Mm(), t.Mm().At(0), ref mss);
        Assert.Equal((12UL * 1024, 12UL * 1024, 12UL * 1024, 12UL * 1024 << MemSizeStats.PssShift),
            (mss.Resident, mss.Anonymous, mss.PrivateDirty, mss.Pss));
        Assert.Equal((3L, 0L), (t.MinFlt, t.MajFlt));
    }

    [Fact]
    public void ReadMapsTheZeroPageAndAWriteReplacesIt()
    {
        // 01
        // z.   read: the shared zero page, read-only, not in RSS
        // w.   write: a zeroed frame, writable and dirty
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 2);
        long free = k.Paging!.Phys.FreePages;
        Assert.Equal(FaultResult.Ok, k.Read(t, 0));
        Assert.Equal("z.", t.Ptes(0, 2));
        Assert.Equal("0/0/0", t.RssCounters());
        // One PTE table (plus PUD and PMD tables) were needed, no page.
        Assert.Equal(free - 3, k.Paging.Phys.FreePages);
        // A second read of the same page is no fault at all.
        Assert.Equal(FaultResult.Ok, k.Read(t, 0));
        Assert.Equal(1L, t.MinFlt);
        Assert.Equal(FaultResult.Ok, k.Touch(t, 0));
        Assert.Equal("w.", t.Ptes(0, 2));
        Assert.Equal("1/0/0", t.RssCounters());
        Assert.Equal("1/1", k.Counts(t.PfnAt(0)));
        Assert.Equal(2L, t.MinFlt);
        Assert.NotNull(t.Mm().At(0).AnonVma);
    }

    [Fact]
    public void SegvMapErrAccErrAndStackGrowth()
    {
        // 0123456789
        // rr NN      read-only pages, a hole, a PROT_NONE area
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 2, R);
        t.Mm().MapAt(3, 2, None);
        Assert.Equal(FaultResult.MapErr, k.Touch(t, 2, AccessKind.Read));
        Assert.Equal(FaultResult.AccErr, k.Touch(t, 3, AccessKind.Read));
        Assert.Equal(FaultResult.Ok, k.Read(t, 0));
        Assert.Equal(FaultResult.AccErr, k.Touch(t, 0));
        // A fetch from a mapped no-exec page is a protection fault: SEGV_ACCERR.
        Assert.Equal(FaultResult.AccErr, k.Touch(t, 0, AccessKind.Execute));
        Assert.Equal("z.", t.Ptes(0, 2));
        // Errors are not counted as faults.
        Assert.Equal(1L, t.MinFlt);

        // A GROWSDOWN stack grows to the faulting page; the page is mapped.
        //        col 20    col 28
        //        |gggggggg|SS|       grows from 30 down to 21
        Assert.Equal((long)Col(28), t.Mm().Checked(t.Mm().Mmap(Col(28), Pages(2), Rw,
            MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed | MapFlags.GrowsDown, null, 0)));
        Assert.Equal(FaultResult.Ok, k.Touch(t, 21));
        Assert.Equal(Col(21), t.Mm().At(21).Start);
        Assert.Equal("w.......", t.Ptes(21, 8));
    }

    [Fact]
    public void PopulateAndMlockFaultEveryPage()
    {
        // 0123 4567 89
        // wwww rrrr zz     MAP_POPULATE rw, MAP_POPULATE of a read-only file... and a POPULATE_READ
        var (k, t) = NewMachine();
        Assert.Equal((long)Col(0), t.Mm().Checked(t.Mm().Mmap(Col(0), Pages(4), Rw, AnonFixed | MapFlags.Populate, null, 0)));
        Assert.Equal("wwww", t.Ptes(0, 4));
        t.Mm().MapAt(8, 2);
        Assert.Equal(0, t.Mm().Madvise(Col(8), Pages(2), Madv.PopulateRead));
        Assert.Equal("zz", t.Ptes(8, 2));
        Assert.Equal(0, t.Mm().Madvise(Col(8), Pages(2), Madv.PopulateWrite));
        Assert.Equal("ww", t.Ptes(8, 2));
        t.Mm().MapAt(12, 3);
        Assert.Equal(0, t.Mm().Mlock(Col(12), Pages(3)));
        Assert.Equal("www", t.Ptes(12, 3));
        Assert.Equal("9/0/0", t.RssCounters());
        k.Validate();
    }

    [Fact]
    public void VdsoPagesCountAsFilePagesVvarIsAPfnMap()
    {
        // [vvar] (VM_IO|VM_PFNMAP) and [vdso] as the ELF loader installs them: the vDSO page is a
        // kernel frame with a struct page (RssFile, mapcount), vvar a special entry (no RSS).
        var (k, t) = NewMachine();
        const VmFlags vvar = VmFlags.Read | VmFlags.MayRead | VmFlags.Io | VmFlags.PfnMap | VmFlags.DontExpand;
        const VmFlags vdso = VmFlags.Read | VmFlags.Exec | VmFlags.MayRead | VmFlags.MayWrite | VmFlags.MayExec | VmFlags.DontExpand;
        t.Mm().InstallSpecialMapping(Col(0), Pages(1), vvar, "[vvar]");
        t.Mm().InstallSpecialMapping(Col(1), Pages(2), vdso, "[vdso]");
        Assert.Equal(FaultResult.Ok, k.Touch(t, 0, AccessKind.Read));
        Assert.Equal(FaultResult.Ok, k.Touch(t, 1, AccessKind.Execute));
        Assert.Equal(FaultResult.AccErr, k.Touch(t, 0, AccessKind.Execute));
        Assert.Equal("0/1/0", t.RssCounters());
        Mmsim.Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        k.Touch(c, 1, AccessKind.Read);
        Assert.Equal("2/3", k.Counts(t.PfnAt(1)));
        k.Exit(t);
        k.Exit(c);
        Assert.Equal(k.Paging!.Phys.TotalManaged - k.Paging.KernelFrames, k.Paging.Phys.FreePages);
    }
}
