using Mmsim.Mm;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Mm;

/// <summary>
/// The VMA side of page faults and population: anon_vma_prepare() (with the reuse of a
/// neighbour's anon_vma that find_mergeable_anon_vma() allows), expand_downwards() for
/// MAP_GROWSDOWN areas, MAP_POPULATE and MADV_POPULATE_(READ|WRITE).
/// </summary>
public sealed class FaultTests
{
    [Fact]
    public void OnlyAWriteToAPrivateMappingGivesAnAnonVma()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA          private rw
        //   SS        shared rw
        //     f       private rw file
        mm.MapAt(0, 2);
        mm.MapAt(2, 2, Rw, MapFlags.Shared | MapFlags.Anonymous | MapFlags.Fixed);
        mm.MapAt(4, 1, Rw, MapFlags.Private | MapFlags.Fixed, OpenFile(NewInode()), 0);
        // Reads map the zero page or the page cache: no anon_vma anywhere.
        Assert.Equal(FaultResult.Ok, mm.TouchAt(0, write: false));
        Assert.Equal(FaultResult.Ok, mm.TouchAt(2, write: false));
        Assert.Equal(FaultResult.Ok, mm.TouchAt(4, write: false));
        Assert.Null(mm.At(0).AnonVma);
        Assert.Null(mm.At(4).AnonVma);
        // Writes: private anonymous and private file (copy-on-write) get one, shared does not.
        Assert.Equal(FaultResult.Ok, mm.TouchAt(1));
        Assert.Equal(FaultResult.Ok, mm.TouchAt(3));
        Assert.Equal(FaultResult.Ok, mm.TouchAt(4));
        Assert.Equal(
            "[0x10000000-0x10002000 rw-p pg=0x10000 ac av=a] [0x10002000-0x10004000 rw-s pg=0x0 /dev/zero av=-] "
            + "[0x10004000-0x10005000 rw-p pg=0x0 ac /tmp/f av=b]",
            mm.Maps(anon: true));
    }

    [Fact]
    public void FaultOutcomes()
    {
        MmStruct mm = NewMm();
        // 012345
        // aa NN W     <- read-only, PROT_NONE, write-only
        mm.MapAt(0, 2, R);
        mm.MapAt(3, 2, None);
        mm.MapAt(5, 1, Prot.Write);
        Assert.Equal(FaultResult.MapErr, mm.TouchAt(2, write: false));
        Assert.Equal(FaultResult.MapErr, mm.TouchAt(0x100));
        Assert.Equal(FaultResult.Ok, mm.TouchAt(0, write: false));
        Assert.Equal(FaultResult.AccErr, mm.TouchAt(0));
        Assert.Equal(FaultResult.AccErr, mm.TouchAt(3, write: false));
        // Any access bit makes a VMA readable by a fault (vma_is_accessible()).
        Assert.Equal(FaultResult.Ok, mm.TouchAt(5, write: false));
        Assert.Null(mm.At(0).AnonVma);
    }

    [Fact]
    public void APieceSplitByMprotectReusesItsNeighboursAnonVmaAndMergesBack()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // AAXX        <- mprotect 2..3 rwx: split before any fault
        // a a         <- write 0 (new anon_vma a), then write 2: X differs from A only in access
        //                bits and its pgoff follows, so anon_vma_prepare() reuses a
        // AAAA        <- mprotect 2..3 rw: same anon_vma, so it merges back
        mm.MapAt(0, 4);
        mm.ProtectAt(2, 2, Rwx);
        mm.TouchAt(0);
        mm.TouchAt(2);
        Assert.Same(mm.At(0).AnonVma, mm.At(2).AnonVma);
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac av=a] [0x10002000-0x10004000 rwxp pg=0x10002 ac av=a]", mm.Maps(anon: true));
        Assert.Equal(0L, mm.ProtectAt(2, 2, Rw));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
    }

    [Fact]
    public void AnonVmaPrepareLooksAtTheNextVmaToo()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAXX        <- as above, but X is written first: A then takes X's anon_vma from its next
        // AAAA        <- mprotect 2..3 rw: one VMA
        mm.MapAt(0, 4);
        mm.ProtectAt(2, 2, Rwx);
        mm.TouchAt(2);
        mm.TouchAt(0);
        Assert.Same(mm.At(0).AnonVma, mm.At(2).AnonVma);
        Assert.Equal(0L, mm.ProtectAt(2, 2, Rw));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
    }

    [Fact]
    public void ANeighbourDifferingInMoreThanAccessBitsGetsItsOwnAnonVma()
    {
        MmStruct mm = NewMm();
        // 0123
        // AADD        <- MADV_DONTDUMP 2..3
        // a b         <- written: D's flags differ in VM_DONTDUMP, so no reuse
        // AADD        <- MADV_DODUMP 2..3: flags agree but a != b, the split stays
        mm.MapAt(0, 4);
        mm.AdviseAt(2, 2, Madv.DontDump);
        mm.TouchAt(0);
        mm.TouchAt(2);
        Assert.NotSame(mm.At(0).AnonVma, mm.At(2).AnonVma);
        Assert.Equal(0L, mm.AdviseAt(2, 2, Madv.DoDump));
        Assert.Equal(
            "[0x10000000-0x10002000 rw-p pg=0x10000 ac av=a] [0x10002000-0x10004000 rw-p pg=0x10002 ac av=b]",
            mm.Maps(anon: true));
    }

    [Fact]
    public void AGrowsDownVmaExpandsToAFaultBelowIt()
    {
        MmStruct mm = NewMm();
        // 0123456789abcdef
        //             G       <- MAP_GROWSDOWN at column 0xc
        //          GGGG       <- write in column 9: the VMA grows down to it, pgoff follows
        mm.MapAt(0xc, 1, Rw, AnonFixed | MapFlags.GrowsDown);
        Assert.Equal((1UL, 1UL, 0UL), (mm.TotalVm, mm.StackVm, mm.DataVm));
        Assert.Equal(FaultResult.Ok, mm.TouchAt(9));
        Assert.Equal("[0x10009000-0x1000d000 rw-p pg=0x10009 ac gd av=a]", mm.Maps(anon: true));
        Assert.Equal((4UL, 4UL, 0UL), (mm.TotalVm, mm.StackVm, mm.DataVm));
        Assert.Equal(4UL, mm.CommittedPages);
        // A read below it grows it as well (and the growth alone prepares the anon_vma).
        MmStruct mm2 = NewMm();
        mm2.MapAt(0xc, 1, Rw, AnonFixed | MapFlags.GrowsDown);
        Assert.Equal(FaultResult.Ok, mm2.TouchAt(0xb, write: false));
        Assert.Equal("[0x1000b000-0x1000d000 rw-p pg=0x1000b ac gd av=a]", mm2.Maps(anon: true));
    }

    [Fact]
    public void AGrowsDownVmaDoesNotGrowIntoTheGuardGapOfAnAccessibleVmaBelow()
    {
        MmStruct mm = NewMm();
        // L at column 0; G at column 0x200. L ends at column 1, so G may grow down to column
        // 0x101 (256 pages above L's end) but not to 0x100.
        mm.MapAt(0, 1);
        mm.MapAt(0x200, 1, Rw, AnonFixed | MapFlags.GrowsDown);
        Assert.Equal(FaultResult.MapErr, mm.TouchAt(0x100));
        Assert.Equal("[0x10000000-0x10001000 rw-p pg=0x10000 ac] [0x10200000-0x10201000 rw-p pg=0x10200 ac gd]", mm.Maps());
        Assert.Equal(2UL, mm.TotalVm);
        Assert.Equal(FaultResult.Ok, mm.TouchAt(0x101));
        Assert.Equal("[0x10000000-0x10001000 rw-p pg=0x10000 ac] [0x10101000-0x10201000 rw-p pg=0x10101 ac gd]", mm.Maps());
        Assert.Equal(0x101UL, mm.TotalVm);
    }

    [Fact]
    public void TheGuardGapIgnoresAProtNoneVmaBelow()
    {
        MmStruct mm = NewMm();
        // N (PROT_NONE) at column 0, G at column 0x200: G may grow right down to N.
        mm.MapAt(0, 1, None);
        mm.MapAt(0x200, 1, Rw, AnonFixed | MapFlags.GrowsDown);
        Assert.Equal(FaultResult.Ok, mm.TouchAt(1));
        Assert.Equal("[0x10000000-0x10001000 ---p pg=0x10000] [0x10001000-0x10201000 rw-p pg=0x10001 ac gd]", mm.Maps());
    }

    [Fact]
    public void AGrowsDownVmaStopsAtTheStackRlimit()
    {
        MmStruct mm = NewMm(MmConfig.Default with { RlimitStack = 16 * P });
        // G at column 0x20: it may reach 16 pages (column 0x11) but not 17 (column 0x10).
        mm.MapAt(0x20, 1, Rw, AnonFixed | MapFlags.GrowsDown);
        Assert.Equal(FaultResult.MapErr, mm.TouchAt(0x10));
        Assert.Equal(FaultResult.Ok, mm.TouchAt(0x11));
        Assert.Equal("[0x10011000-0x10021000 rw-p pg=0x10011 ac gd]", mm.Maps());
    }

    [Fact]
    public void NoGrowthBelowMmapMinAddr()
    {
        MmStruct mm = NewMm();
        mm.Checked(mm.Mmap(0x11000, P, Rw, AnonFixed | MapFlags.GrowsDown, null, 0));
        // mmap_min_addr is 0x10000: the page below it cannot become stack.
        Assert.Equal(FaultResult.MapErr, mm.FaultChecked(0xf000));
        Assert.Equal(FaultResult.Ok, mm.FaultChecked(0x10000));
        Assert.Equal("[0x10000-0x12000 rw-p pg=0x10 ac gd]", mm.Maps());
    }

    [Fact]
    public void MapPopulateOfAPrivateWritableMappingWritesItIn()
    {
        MmStruct mm = NewMm();
        // 0123456
        // PP          <- MAP_POPULATE rw: written in, anon_vma a
        //    rr       <- MAP_POPULATE read-only: read in, no anon_vma
        //       SS    <- MAP_POPULATE shared rw: read in, no anon_vma
        Assert.Equal((long)Col(0), mm.MapAt(0, 2, Rw, AnonFixed | MapFlags.Populate));
        Assert.Equal((Col(0), Pages(2)), mm.LastPopulate);
        mm.MapAt(3, 2, R, AnonFixed | MapFlags.Populate);
        mm.MapAt(6, 2, Rw, MapFlags.Shared | MapFlags.Anonymous | MapFlags.Fixed | MapFlags.Populate);
        // MAP_NONBLOCK cancels MAP_POPULATE.
        mm.MapAt(9, 1, Rw, AnonFixed | MapFlags.Populate | MapFlags.NonBlock);
        Assert.Equal(default, mm.LastPopulate);
        Assert.Equal(
            "[0x10000000-0x10002000 rw-p pg=0x10000 ac av=a] [0x10003000-0x10005000 r--p pg=0x10003 av=-] "
            + "[0x10006000-0x10008000 rw-s pg=0x0 /dev/zero av=-] [0x10009000-0x1000a000 rw-p pg=0x10009 ac av=-]",
            mm.Maps(anon: true));
    }

    [Fact]
    public void MadvisePopulateChecksTheAccessItWouldMake()
    {
        MmStruct mm = NewMm();
        // 01234
        // rrN WW      <- read-only, PROT_NONE, rw
        mm.MapAt(0, 2, R);
        mm.MapAt(2, 1, None);
        mm.MapAt(4, 2);
        Assert.Equal(-Errno.EINVAL, mm.AdviseAt(0, 2, Madv.PopulateWrite));
        Assert.Equal(0L, mm.AdviseAt(0, 2, Madv.PopulateRead));
        Assert.Equal(-Errno.EINVAL, mm.AdviseAt(2, 1, Madv.PopulateRead));
        Assert.Equal(-Errno.EINVAL, mm.AdviseAt(0, 3, Madv.PopulateRead));
        Assert.Equal(-Errno.ENOMEM, mm.AdviseAt(3, 2, Madv.PopulateRead));
        Assert.Equal(-Errno.ENOMEM, mm.AdviseAt(0x10, 1, Madv.PopulateWrite));
        Assert.Null(mm.At(4).AnonVma);
        Assert.Equal(0L, mm.AdviseAt(4, 2, Madv.PopulateWrite));
        Assert.Equal(
            "[0x10000000-0x10002000 r--p pg=0x10000 av=-] [0x10002000-0x10003000 ---p pg=0x10002 av=-] "
            + "[0x10004000-0x10006000 rw-p pg=0x10004 ac av=a]",
            mm.Maps(anon: true));
    }

    [Fact]
    public void HugePageReadFaultPreparesTheAnonVma()
    {
        MmStruct mm = NewMm();
        // A 4 MiB rw area at a 2 MiB boundary with MADV_HUGEPAGE: a read fault takes the
        // huge-page path, which prepares the anon_vma before choosing the huge zero page.
        ulong at = 0x40000000;
        mm.Checked(mm.Mmap(at, 2 * Page.PmdSize, Rw, AnonFixed, null, 0));
        mm.Checked(mm.Madvise(at, 2 * Page.PmdSize, Madv.HugePage));
        Assert.Equal(FaultResult.Ok, mm.FaultChecked(at + 0x1234, write: false));
        Assert.NotNull(mm.Vmas.First!.AnonVma);
        // Without MADV_HUGEPAGE (THP "madvise" mode), a read fault does not.
        MmStruct plain = NewMm();
        plain.Checked(plain.Mmap(at, 2 * Page.PmdSize, Rw, AnonFixed, null, 0));
        Assert.Equal(FaultResult.Ok, plain.FaultChecked(at + 0x1234, write: false));
        Assert.Null(plain.Vmas.First!.AnonVma);
    }
}
