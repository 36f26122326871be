using Mmsim.Mm;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Mm;

/// <summary>
/// mremap(): shrink, grow in place (vma_merge_extend()), move (copy_vma() + unmap of the source),
/// MREMAP_FIXED and MREMAP_DONTUNMAP. Lower-case letters are read-only pages.
/// </summary>
public sealed class MremapTests
{
    private static long Remap(MmStruct mm, int column, int oldPages, int newPages, int flags = 0, ulong newAddr = 0)
    {
        return mm.Checked(mm.Mremap(Col(column), Pages(oldPages), Pages(newPages), flags, newAddr));
    }

    [Fact]
    public void ShrinkUnmapsTheTail()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // AA..        <- mremap 4 -> 2 pages
        mm.MapAt(0, 4);
        Assert.Equal((long)Col(0), Remap(mm, 0, 4, 2));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Equal(2UL, mm.TotalVm);
        Assert.Equal(2UL, mm.CommittedPages);
    }

    [Fact]
    public void GrowInPlaceWhenTheSpaceAboveIsFree()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA
        // AAAAA       <- mremap 2 -> 5 pages, no flags
        mm.MapAt(0, 2);
        Vma a = mm.At(0);
        Assert.Equal((long)Col(0), Remap(mm, 0, 2, 5));
        Assert.Equal("[0x10000000-0x10005000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Same(a, mm.At(4));
        Assert.Equal(5UL, mm.TotalVm);
        Assert.Equal(5UL, mm.CommittedPages);
    }

    [Fact]
    public void GrowInPlaceThatReachesACompatibleNextMergesWithIt()
    {
        MmStruct mm = NewMm();
        // 012345
        // AA  BB
        // AAAAAA      <- mremap A 2 -> 4 pages: the extension touches B, one VMA
        mm.MapAt(0, 2);
        mm.MapAt(4, 2);
        Assert.Equal((long)Col(0), Remap(mm, 0, 2, 4));
        Assert.Equal("[0x10000000-0x10006000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Equal(6UL, mm.TotalVm);
    }

    [Fact]
    public void GrowBlockedWithoutMayMoveFailsWithEnomem()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA.bb
        // AA.bb       <- mremap A 2 -> 4 pages: B is in the way and moving is not allowed
        mm.MapAt(0, 2);
        mm.MapAt(3, 2, R);
        Assert.Equal(-Errno.ENOMEM, Remap(mm, 0, 2, 4));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac] [0x10003000-0x10005000 r--p pg=0x10003]", mm.Maps());
        Assert.Equal(4UL, mm.TotalVm);
    }

    [Fact]
    public void GrowOfAPieceNotReachingTheVmaEndCannotBeInPlace()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        //             <- mremap of pages 0..1 to 3 pages: the range does not end at A's end, -ENOMEM
        mm.MapAt(0, 4);
        Assert.Equal(-Errno.ENOMEM, Remap(mm, 0, 2, 3));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac]", mm.Maps());
    }

    [Fact]
    public void MayMoveOfANeverFaultedVmaTakesAPgoffForItsNewAddress()
    {
        MmStruct mm = NewMm();
        // 012
        // AAb
        // ..b    ...  AAAA (below mmap_base)   <- mremap 2 -> 4 pages, MREMAP_MAYMOVE
        mm.MapAt(0, 2);
        mm.MapAt(2, 1, R);
        long moved = Remap(mm, 0, 2, 4, MremapFlags.MayMove);
        Assert.Equal((long)(TopOfMmap - Pages(4)), moved);
        Assert.Equal("[0x10002000-0x10003000 r--p pg=0x10002] [0x7ffff7ffb000-0x7ffff7fff000 rw-p pg=0x7ffff7ffb ac]", mm.Maps());
        Assert.Equal(5UL, mm.TotalVm);
        Assert.Equal(4UL, mm.CommittedPages);
    }

    [Fact]
    public void MayMoveOfAFaultedVmaKeepsItsPgoffAndAnonVma()
    {
        MmStruct mm = NewMm();
        // 012
        // AAb         <- A written: a
        // ..b    ...  AAAA (below mmap_base), pgoff still 0x10000, anon_vma still a
        mm.MapAt(0, 2);
        mm.TouchAt(0);
        AnonVma a = mm.At(0).AnonVma!;
        mm.MapAt(2, 1, R);
        long moved = Remap(mm, 0, 2, 4, MremapFlags.MayMove);
        Assert.Equal((long)(TopOfMmap - Pages(4)), moved);
        Assert.Equal(
            "[0x10002000-0x10003000 r--p pg=0x10002 av=-] [0x7ffff7ffb000-0x7ffff7fff000 rw-p pg=0x10000 ac av=a]",
            mm.Maps(anon: true));
        Assert.Same(a, mm.Vmas.Last!.AnonVma);
    }

    [Fact]
    public void FixedMoveOfANeverFaultedVmaMergesAtTheTarget()
    {
        MmStruct mm = NewMm();
        // 0123456789
        // AA      BB
        // AABB        <- mremap B to column 2 (MAYMOVE|FIXED): new pgoff 0x10002 follows A's, one VMA
        mm.MapAt(0, 2);
        mm.MapAt(8, 2);
        Assert.Equal((long)Col(2), Remap(mm, 8, 2, 2, MremapFlags.MayMove | MremapFlags.Fixed, Col(2)));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Equal(4UL, mm.TotalVm);
        Assert.Equal(4UL, mm.CommittedPages);
    }

    [Fact]
    public void FixedMoveOfAFaultedVmaDoesNotMergeForItsOldPgoff()
    {
        MmStruct mm = NewMm();
        // 0123456789
        // AA      BB  <- B written: b
        // AABB        <- mremap B to column 2: B keeps pgoff 0x10008, which does not follow A's
        mm.MapAt(0, 2);
        mm.MapAt(8, 2);
        mm.TouchAt(8);
        Assert.Equal((long)Col(2), Remap(mm, 8, 2, 2, MremapFlags.MayMove | MremapFlags.Fixed, Col(2)));
        Assert.Equal(
            "[0x10000000-0x10002000 rw-p pg=0x10000 ac av=-] [0x10002000-0x10004000 rw-p pg=0x10008 ac av=a]",
            mm.Maps(anon: true));
    }

    [Fact]
    public void FixedMoveReplacesWhatIsAtTheTarget()
    {
        MmStruct mm = NewMm();
        // 0123456789abcdef0123
        // AA
        //                 cccc
        //                 cAAc   <- mremap A to column 0x11: the middle of C is unmapped first
        mm.MapAt(0, 2);
        mm.MapAt(0x10, 4, R);
        Assert.Equal((long)Col(0x11), Remap(mm, 0, 2, 2, MremapFlags.MayMove | MremapFlags.Fixed, Col(0x11)));
        Assert.Equal(
            "[0x10010000-0x10011000 r--p pg=0x10010] [0x10011000-0x10013000 rw-p pg=0x10011 ac] "
            + "[0x10013000-0x10014000 r--p pg=0x10013]",
            mm.Maps());
        Assert.Equal(4UL, mm.TotalVm);
    }

    [Fact]
    public void DontUnmapLeavesTheSourceVmaInPlace()
    {
        MmStruct mm = NewMm();
        // 0123456789abcdef012
        // AA                    <- written: a
        // AA              AA    <- MREMAP_DONTUNMAP to column 0x10: both exist with the same flags; the
        //                          copy keeps pgoff and anon_vma, the emptied source drops its anon_vma
        mm.MapAt(0, 2);
        mm.TouchAt(0);
        int flags = MremapFlags.MayMove | MremapFlags.Fixed | MremapFlags.DontUnmap;
        Assert.Equal((long)Col(0x10), Remap(mm, 0, 2, 2, flags, Col(0x10)));
        Assert.Equal(
            "[0x10000000-0x10002000 rw-p pg=0x10000 ac av=-] [0x10010000-0x10012000 rw-p pg=0x10000 ac av=a]",
            mm.Maps(anon: true));
        Assert.Equal(4UL, mm.TotalVm);
        Assert.Equal(4UL, mm.CommittedPages);
        // The lengths must be equal.
        Assert.Equal(-Errno.EINVAL, Remap(mm, 0, 2, 3, flags, Col(0x20)));
    }

    [Fact]
    public void DontUnmapWithoutFixedPicksAnAddressTopDown()
    {
        MmStruct mm = NewMm();
        mm.MapAt(0, 2);
        long moved = Remap(mm, 0, 2, 2, MremapFlags.MayMove | MremapFlags.DontUnmap);
        Assert.Equal((long)(TopOfMmap - Pages(2)), moved);
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac] [0x7ffff7ffd000-0x7ffff7fff000 rw-p pg=0x7ffff7ffd ac]", mm.Maps());
    }

    [Fact]
    public void MovingPartOfAVmaSplitsTheSourceAndMovingItBackMerges()
    {
        MmStruct mm = NewMm();
        // 0123456789abcdef01
        // AAAAAA                 <- written: a
        // AA..AA          AA     <- mremap pages 2..3 to column 0x10
        // AAAAAA                 <- and back: pgoff 0x10002 and anon_vma a fit both neighbours
        mm.MapAt(0, 6);
        mm.TouchAt(2);
        int flags = MremapFlags.MayMove | MremapFlags.Fixed;
        Assert.Equal((long)Col(0x10), Remap(mm, 2, 2, 2, flags, Col(0x10)));
        Assert.Equal(
            "[0x10000000-0x10002000 rw-p pg=0x10000 ac av=a] [0x10004000-0x10006000 rw-p pg=0x10004 ac av=a] "
            + "[0x10010000-0x10012000 rw-p pg=0x10002 ac av=a]",
            mm.Maps(anon: true));
        Assert.Equal(6UL, mm.TotalVm);
        Assert.Equal((long)Col(2), Remap(mm, 0x10, 2, 2, flags, Col(2)));
        Assert.Equal("[0x10000000-0x10006000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
        Assert.Equal(6UL, mm.CommittedPages);
    }

    [Fact]
    public void MremapArgumentErrors()
    {
        MmStruct mm = NewMm();
        mm.MapAt(0, 2);
        // No VMA at the address, or the old range runs past the VMA: -EFAULT.
        Assert.Equal(-Errno.EFAULT, Remap(mm, 5, 1, 2, MremapFlags.MayMove));
        Assert.Equal(-Errno.EFAULT, Remap(mm, 0, 3, 4, MremapFlags.MayMove));
        // FIXED needs MAYMOVE; unknown flags; unaligned address; zero new length.
        Assert.Equal(-Errno.EINVAL, Remap(mm, 0, 1, 1, MremapFlags.Fixed, Col(0x10)));
        Assert.Equal(-Errno.EINVAL, Remap(mm, 0, 1, 1, 0x10));
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Mremap(Col(0) + 1, P, P, 0, 0)));
        Assert.Equal(-Errno.EINVAL, Remap(mm, 0, 1, 0));
        // A FIXED target overlapping the source.
        Assert.Equal(-Errno.EINVAL, Remap(mm, 0, 2, 2, MremapFlags.MayMove | MremapFlags.Fixed, Col(1)));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
    }

    [Fact]
    public void DontUnmapOfAWholeVmaUnlinksTheSourcesAnonVma()
    {
        MmStruct mm = NewMm();
        // 0123456789abcdef012
        // AA CC                 <- both written while apart: a, c
        // AA CC           AA    <- MREMAP_DONTUNMAP of all of A: the moved copy keeps a, the
        //                          emptied source loses its anon_vma (unlink_anon_vmas())
        // AAAAA           AA    <- mmap 2: nothing holds the three apart any more, one VMA
        mm.MapAt(0, 2);
        mm.TouchAt(0);
        AnonVma a = mm.At(0).AnonVma!;
        mm.MapAt(3, 2);
        mm.TouchAt(3);
        AnonVma c = mm.At(3).AnonVma!;
        int flags = MremapFlags.MayMove | MremapFlags.Fixed | MremapFlags.DontUnmap;
        Assert.Equal((long)Col(0x10), Remap(mm, 0, 2, 2, flags, Col(0x10)));
        Assert.Null(mm.At(0).AnonVma);
        Assert.Same(a, mm.At(0x10).AnonVma);
        mm.MapAt(2, 1);
        Assert.Equal(
            "[0x10000000-0x10005000 rw-p pg=0x10000 ac av=a] [0x10010000-0x10012000 rw-p pg=0x10000 ac av=b]",
            mm.Maps(anon: true));
        Assert.Same(c, mm.At(0).AnonVma);
    }

    [Fact]
    public void DontUnmapOfPartOfAVmaKeepsTheSourcesAnonVma()
    {
        MmStruct mm = NewMm();
        // 0123456789abcdef0
        // AA CC                 <- both written while apart: a, c
        // AA CC           A     <- MREMAP_DONTUNMAP of page 1 only: A keeps a
        // AAACC           A     <- mmap 2: a and c still keep A and C apart
        mm.MapAt(0, 2);
        mm.TouchAt(0);
        mm.MapAt(3, 2);
        mm.TouchAt(3);
        int flags = MremapFlags.MayMove | MremapFlags.Fixed | MremapFlags.DontUnmap;
        Assert.Equal((long)Col(0x10), Remap(mm, 1, 1, 1, flags, Col(0x10)));
        mm.MapAt(2, 1);
        Assert.Equal(
            "[0x10000000-0x10003000 rw-p pg=0x10000 ac av=a] [0x10003000-0x10005000 rw-p pg=0x10003 ac av=b] "
            + "[0x10010000-0x10011000 rw-p pg=0x10001 ac av=a]",
            mm.Maps(anon: true));
    }

    [Fact]
    public void GrowingALockedVmaInPlacePopulatesTheNewPagesEvenWhenItMergesWithNext()
    {
        MmStruct mm = NewMm();
        // 012345
        // LL  LL      <- two read-only mlock()ed areas (read in: no anon_vma, so they may merge)
        // LLLLLL      <- mremap the first 2 -> 4 pages: one VMA; the pages to populate are the
        //                added 2..3, not the end of the merged VMA
        mm.MapAt(0, 2, R);
        Assert.Equal(0L, mm.Checked(mm.Mlock(Col(0), Pages(2))));
        mm.MapAt(4, 2, R);
        Assert.Equal(0L, mm.Checked(mm.Mlock(Col(4), Pages(2))));
        Assert.Equal((long)Col(0), Remap(mm, 0, 2, 4));
        Assert.Equal("[0x10000000-0x10006000 r--p pg=0x10000 lo]", mm.Maps());
        Assert.Equal((Col(2), Pages(2)), mm.LastPopulate);
        Assert.Equal(6UL, mm.LockedVm);
    }

    [Fact]
    public void ShrinkingFixedMoveUnmapsTheTailThenMoves()
    {
        MmStruct mm = NewMm();
        // 0123456789abcdef01
        // AAAA
        //                 AA   <- mremap 4 -> 2 pages to column 0x10: the tail is unmapped, the rest moved
        mm.MapAt(0, 4);
        Assert.Equal((long)Col(0x10), Remap(mm, 0, 4, 2, MremapFlags.MayMove | MremapFlags.Fixed, Col(0x10)));
        Assert.Equal("[0x10010000-0x10012000 rw-p pg=0x10010 ac]", mm.Maps());
        Assert.Equal((2UL, 2UL), (mm.TotalVm, mm.CommittedPages));
    }

    [Fact]
    public void ShrinkMayUnmapAcrossVmaBoundaries()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAbb
        // AAb.        <- mremap(0, 4 pages -> 3 pages): the cut is an munmap of 3, past A's end
        // A...        <- mremap(0, 4 pages -> 1 page)
        mm.MapAt(0, 2);
        mm.MapAt(2, 2, R);
        Assert.Equal((long)Col(0), Remap(mm, 0, 4, 3));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac] [0x10002000-0x10003000 r--p pg=0x10002]", mm.Maps());
        Assert.Equal((long)Col(0), Remap(mm, 0, 4, 1));
        Assert.Equal("[0x10000000-0x10001000 rw-p pg=0x10000 ac]", mm.Maps());
        // An equal length is a no-op, even when it runs past the VMA; no VMA at all is -EFAULT.
        Assert.Equal((long)Col(0), Remap(mm, 0, 3, 3));
        Assert.Equal(-Errno.EFAULT, Remap(mm, 4, 4, 1));
    }
}
