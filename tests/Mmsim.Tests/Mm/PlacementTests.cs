using Mmsim.Mm;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Mm;

/// <summary>
/// Where mmap() puts a mapping: arch_get_unmapped_area_topdown() below mmap_base, hints,
/// MAP_FIXED_NOREPLACE, the THP alignment of anonymous 2 MiB multiples, mmap_min_addr and the
/// stack guard gap kept below a MAP_GROWSDOWN VMA. T is mmap_base (0x7ffff7fff000).
/// </summary>
public sealed class PlacementTests
{
    private const ulong T = TopOfMmap;

    private static long MapAnywhere(MmStruct mm, ulong hint, int pages, int prot = Rw, int flags = Anon)
    {
        return mm.Checked(mm.Mmap(hint, Pages(pages), prot, flags, null, 0));
    }

    [Fact]
    public void MappingsGoDownFromMmapBase()
    {
        MmStruct mm = NewMm();
        //            T-5 T-4     T
        //             b  AAAA    |   <- 4 pages rw, then 1 page read-only right below it
        Assert.Equal((long)(T - Pages(4)), MapAnywhere(mm, 0, 4));
        Assert.Equal((long)(T - Pages(5)), MapAnywhere(mm, 0, 1, R));
        Assert.Equal("[0x7ffff7ffa000-0x7ffff7ffb000 r--p pg=0x7ffff7ffa] [0x7ffff7ffb000-0x7ffff7fff000 rw-p pg=0x7ffff7ffb ac]", mm.Maps());
        // A third rw mapping below b does not touch A; one that lands right below A would merge.
        Assert.Equal((long)(T - Pages(7)), MapAnywhere(mm, 0, 2));
        Assert.Equal(3, mm.MapCount);
    }

    [Fact]
    public void HolesAreReusedHighestFirst()
    {
        MmStruct mm = NewMm();
        // T-10      T-5       T
        //  d CCCC b AAAA         <- A rw 4, b r 1, C rw 4, d r 1, packed down from T
        //  d .... b ....         <- munmap A and C
        //  d .... b ..EE         <- 2 pages: the highest hole (A's), at its top
        //  d .FFF b ..EE         <- 3 pages: no longer fit in A's hole, go to the top of C's
        long a = MapAnywhere(mm, 0, 4);
        MapAnywhere(mm, 0, 1, R);
        long c = MapAnywhere(mm, 0, 4);
        MapAnywhere(mm, 0, 1, R);
        Assert.Equal((long)(T - Pages(9)), c);
        Assert.Equal(0L, mm.Checked(mm.Munmap((ulong)a, Pages(4))));
        Assert.Equal(0L, mm.Checked(mm.Munmap((ulong)c, Pages(4))));
        Assert.Equal((long)(T - Pages(2)), MapAnywhere(mm, 0, 2));
        Assert.Equal((long)(T - Pages(8)), MapAnywhere(mm, 0, 3));
        Assert.Equal(
            "[0x7ffff7ff5000-0x7ffff7ff6000 r--p pg=0x7ffff7ff5] [0x7ffff7ff7000-0x7ffff7ffa000 rw-p pg=0x7ffff7ff7 ac] "
            + "[0x7ffff7ffa000-0x7ffff7ffb000 r--p pg=0x7ffff7ffa] [0x7ffff7ffd000-0x7ffff7fff000 rw-p pg=0x7ffff7ffd ac]",
            mm.Maps());
    }

    [Fact]
    public void AFreeHintIsHonouredAndATakenOneIsNot()
    {
        MmStruct mm = NewMm();
        // 0123456
        //      H      <- hint column 5 (not page aligned: masked down), free: honoured
        //      H      <- hint column 5 again: taken, so the search runs down from T
        Assert.Equal((long)Col(5), MapAnywhere(mm, Col(5) + 0x123, 1));
        Assert.Equal((long)(T - P), MapAnywhere(mm, Col(5), 1));
        // A hint whose range would run into a VMA is not honoured either.
        Assert.Equal((long)(T - Pages(3)), MapAnywhere(mm, Col(4), 2, R));
        Assert.Equal(
            "[0x10005000-0x10006000 rw-p pg=0x10005 ac] [0x7ffff7ffc000-0x7ffff7ffe000 r--p pg=0x7ffff7ffc] "
            + "[0x7ffff7ffe000-0x7ffff7fff000 rw-p pg=0x7ffff7ffe ac]",
            mm.Maps());
    }

    [Fact]
    public void FixedNoReplaceRefusesAnOccupiedRange()
    {
        MmStruct mm = NewMm();
        // 012345
        //   AA
        //  NN         <- MAP_FIXED_NOREPLACE over column 2: -EEXIST, nothing changed
        //     NN      <- on free pages: mapped there (and merged with A)
        mm.MapAt(2, 2);
        int noReplace = Anon | MapFlags.FixedNoReplace;
        Assert.Equal(-Errno.EEXIST, mm.MapAt(1, 2, Rw, noReplace));
        Assert.Equal(-Errno.EEXIST, mm.MapAt(2, 1, R, noReplace));
        Assert.Equal("[0x10002000-0x10004000 rw-p pg=0x10002 ac]", mm.Maps());
        Assert.Equal((long)Col(4), mm.MapAt(4, 2, Rw, noReplace));
        Assert.Equal("[0x10002000-0x10006000 rw-p pg=0x10002 ac]", mm.Maps());
    }

    [Fact]
    public void AnonymousTwoMegabyteMultiplesAreThpAligned()
    {
        MmStruct mm = NewMm();
        // One page below T leaves the top unaligned; 2 MiB is then placed at the highest 2 MiB
        // boundary that leaves room: 0x7ffff7c00000 (searched with 4 MiB of padding).
        Assert.Equal((long)(T - P), MapAnywhere(mm, 0, 1));
        long huge = MapAnywhere(mm, 0, 512);
        Assert.Equal(0x7ffff7c00000L, huge);
        // 2 MiB + 1 page is no multiple: the highest hole that fits, right below.
        long odd = MapAnywhere(mm, 0, 513, R);
        Assert.Equal(0x7ffff7c00000L - (long)Pages(513), odd);
        // With a hint (taken), no alignment either.
        long hinted = MapAnywhere(mm, (ulong)huge, 512, Rx);
        Assert.Equal(odd - (long)Pages(512), hinted);
        Assert.Equal(
            "[0x7ffff77ff000-0x7ffff79ff000 r-xp pg=0x7ffff77ff] [0x7ffff79ff000-0x7ffff7c00000 r--p pg=0x7ffff79ff] "
            + "[0x7ffff7c00000-0x7ffff7e00000 rw-p pg=0x7ffff7c00 ac] [0x7ffff7ffe000-0x7ffff7fff000 rw-p pg=0x7ffff7ffe ac]",
            mm.Maps());
    }

    [Fact]
    public void SharedAnonymousTwoMegabyteMappingsAreNotThpAligned()
    {
        MmStruct mm = NewMm();
        // MAP_SHARED|MAP_ANONYMOUS goes through shmem's get_unmapped_area (huge shmem is off).
        Assert.Equal((long)(T - P), MapAnywhere(mm, 0, 1));
        Assert.Equal((long)(T - P - Pages(512)), MapAnywhere(mm, 0, 512, Rw, MapFlags.Shared | MapFlags.Anonymous));
    }

    [Fact]
    public void HintsBelowMmapMinAddrAreRaisedToIt()
    {
        MmStruct mm = NewMm();
        // mmap_min_addr is 0x10000: a hint of 0x1000 becomes 0x10000.
        Assert.Equal(0x10000L, MapAnywhere(mm, 0x1000, 1));
        // MAP_FIXED below it is allowed for root (CAP_SYS_RAWIO) ...
        Assert.Equal(0x1000L, mm.Checked(mm.Mmap(0x1000, P, Rw, AnonFixed, null, 0)));
        // ... and refused without it.
        MmStruct user = NewMm(MmConfig.Default with { CapSysRawio = false });
        Assert.Equal(-Errno.EPERM, user.Checked(user.Mmap(0x1000, P, Rw, AnonFixed, null, 0)));
        Assert.Equal(0, user.MapCount);
    }

    [Fact]
    public void TopDownSearchStopsAtMmapMinAddrThenFallsBackBottomUp()
    {
        MmStruct mm = NewMm();
        mm.MmapBase = 0x30000;
        // [0x10000, 0x30000) is all the top-down area there is.
        Assert.Equal(0x10000L, MapAnywhere(mm, 0, 0x20));
        // Nothing is left above mmap_min_addr below mmap_base: the bottom-up search from the legacy base.
        Assert.Equal((long)LegacyBase, MapAnywhere(mm, 0, 1, R));
    }

    [Fact]
    public void TheSearchKeepsTheGuardGapBelowAGrowsDownVma()
    {
        MmStruct mm = NewMm();
        // T-258P          T-257P  ...  T-P  T
        //   N  <-- 256 pages of guard gap -->  G   <- G: MAP_GROWSDOWN at the top; N lands below its gap
        ulong g = T - P;
        Assert.Equal((long)g, mm.Checked(mm.Mmap(g, P, Rw, AnonFixed | MapFlags.GrowsDown, null, 0)));
        Assert.Equal((long)(T - Pages(258)), MapAnywhere(mm, 0, 1));
        Assert.Equal("[0x7ffff7efd000-0x7ffff7efe000 rw-p pg=0x7ffff7efd ac] [0x7ffff7ffe000-0x7ffff7fff000 rw-p pg=0x7ffff7ffe ac gd]", mm.Maps());
    }

    [Fact]
    public void AHintInsideTheGuardGapIsNotHonoured()
    {
        MmStruct mm = NewMm();
        // G at column 0x200; its guard gap is columns 0x100..0x1ff.
        mm.MapAt(0x200, 1, Rw, AnonFixed | MapFlags.GrowsDown);
        // Ending inside the gap: refused, placed below T instead.
        Assert.Equal((long)(T - P), MapAnywhere(mm, Col(0x1ff), 1));
        // Ending exactly where the gap starts: honoured.
        Assert.Equal((long)Col(0xff), MapAnywhere(mm, Col(0xff), 1, R));
        // Right above G the gap does not apply.
        Assert.Equal((long)Col(0x201), MapAnywhere(mm, Col(0x201), 1, R));
    }

    [Fact]
    public void MmapArgumentErrors()
    {
        MmStruct mm = NewMm();
        Assert.Equal(-Errno.EINVAL, MapAnywhere(mm, 0, 0));
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Mmap(0, P, Rw, Anon, null, 1)));
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Mmap(0, P, Rw, MapFlags.Anonymous, null, 0)));
        Assert.Equal(-Errno.ENOMEM, mm.Checked(mm.Mmap(0, ulong.MaxValue - 0x100, Rw, Anon, null, 0)));
        Assert.Equal(0, mm.MapCount);
    }

    [Fact]
    public void Map32BitSearchesBottomUpFromOneGigabyte()
    {
        MmStruct mm = NewMm();
        int flags = Anon | MapFlags.Map32Bit;
        Assert.Equal(0x40000000L, MapAnywhere(mm, 0, 1, Rw, flags));
        Assert.Equal(0x40001000L, MapAnywhere(mm, 0, 1, R, flags));
        Assert.Equal("[0x40000000-0x40001000 rw-p pg=0x40000 ac] [0x40001000-0x40002000 r--p pg=0x40001]", mm.Maps());
    }

    [Fact]
    public void AFileMappingHoldingAWholeHugePageIsPmdAligned()
    {
        // As ld.so maps a 2.04 MiB library (recorded: gcc's cc1 maps libisl.so.23 this way):
        //   search for len + 2 MiB below T, then start at the 2 MiB boundary inside the hole.
        //   0x7ffff7c00000                 T
        //   |LLLLLLLLLLLLLLLLLLLLLLL|...pad...|
        MmStruct mm = NewMm();
        Mmsim.Fs.OpenFile lib = OpenFile(NewInode("/usr/lib/libbig.so", pages: 600));
        long big = mm.Checked(mm.Mmap(0, 2137880, R, MapFlags.Private, lib, 0));
        Assert.Equal(0x7ffff7c00000L, big);
        // 1.9 MiB cannot hold an aligned 2 MiB of the file: placed as usual, in the highest
        // hole that fits (the padding's unused top, between the library's end and T).
        long small = mm.Checked(mm.Mmap(0, 1974096, R, MapFlags.Private, OpenFile(NewInode("/usr/lib/libc.so", pages: 600)), 0));
        Assert.Equal((long)(T - Page.Align(1974096)), small);
        // Nor can 2 MiB of the file starting at an unaligned offset: right below the library.
        long offset = mm.Checked(mm.Mmap(0, 2 * 1024 * 1024, R, MapFlags.Private, OpenFile(NewInode("/usr/lib/x.so", pages: 600)), 0x1000));
        Assert.Equal(0x7ffff7a00000L, offset);
    }
}
