using Mmsim.Fs;
using Mmsim.Mm;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Mm;

/// <summary>
/// A new range (mmap) merging with the VMAs around it, as vma_merge_new_range() decides:
/// same flags (soft-dirty aside), same struct file, contiguous pgoff, compatible anon_vmas.
/// One column is one page from 0x10000000; lower-case letters are read-only pages.
/// </summary>
public sealed class NewRangeMergeTests
{
    [Fact]
    public void NewRangeMergesWithPrev()
    {
        MmStruct mm = NewMm();
        // 0123
        // AA          <- mmap 0..1
        // AAAA        <- mmap 2..3: A expands over the new range
        Assert.Equal((long)Col(0), mm.MapAt(0, 2));
        Vma a = mm.At(0);
        Assert.Equal((long)Col(2), mm.MapAt(2, 2));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Same(a, mm.At(3));
        Assert.Equal(4UL, mm.TotalVm);
        Assert.Equal(4UL, mm.CommittedPages);
    }

    [Fact]
    public void NewRangeMergesWithNextLoweringItsPgoff()
    {
        MmStruct mm = NewMm();
        // 0123
        //   BB        <- mmap 2..3 (pgoff 0x10002)
        // BBBB        <- mmap 0..1: B expands down, its pgoff becomes 0x10000
        mm.MapAt(2, 2);
        Vma b = mm.At(2);
        mm.MapAt(0, 2);
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Same(b, mm.At(0));
    }

    [Fact]
    public void NewRangeFillingAHoleMergesWithBoth()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA BB
        // AAAAA       <- mmap 2: prev absorbs the hole and next
        mm.MapAt(0, 2);
        mm.MapAt(3, 2);
        Vma a = mm.At(0);
        Assert.Equal(2, mm.MapCount);
        mm.MapAt(2, 1);
        Assert.Equal("[0x10000000-0x10005000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Same(a, mm.At(4));
        Assert.Equal(5UL, mm.TotalVm);
    }

    [Fact]
    public void DifferentProtectionDoesNotMerge()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAbb        <- rw then read-only: two VMAs
        mm.MapAt(0, 2);
        mm.MapAt(2, 2, R);
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac] [0x10002000-0x10004000 r--p pg=0x10002]", mm.Maps());
    }

    [Fact]
    public void FileMappingsMergeOnlyForTheSameOpenFileAndContiguousOffsets()
    {
        MmStruct mm = NewMm();
        Inode inode = NewInode();
        OpenFile f = OpenFile(inode);
        OpenFile g = OpenFile(inode);
        // 0123456789
        // FFFF           <- f at offset 0, then f at offset 2: contiguous, one VMA
        //     FF         <- f at offset 9: pgoff 9 does not follow 4
        //       GG       <- another open() of the same file at offset 11: not the same struct file
        //         aa     <- anonymous after a file: no
        mm.MapAt(0, 2, R, MapFlags.Private | MapFlags.Fixed, f, 0);
        mm.MapAt(2, 2, R, MapFlags.Private | MapFlags.Fixed, f, 2);
        mm.MapAt(4, 2, R, MapFlags.Private | MapFlags.Fixed, f, 9);
        mm.MapAt(6, 2, R, MapFlags.Private | MapFlags.Fixed, g, 11);
        mm.MapAt(8, 2, R);
        Assert.Equal(
            "[0x10000000-0x10004000 r--p pg=0x0 /tmp/f] [0x10004000-0x10006000 r--p pg=0x9 /tmp/f] "
            + "[0x10006000-0x10008000 r--p pg=0xb /tmp/f] [0x10008000-0x1000a000 r--p pg=0x10008]",
            mm.Maps());
    }

    [Fact]
    public void NewRangeJoinsAFaultedPrevAndKeepsItsAnonVma()
    {
        MmStruct mm = NewMm();
        // 0123
        // AA          <- written: anon_vma a
        // AAAA        <- mmap 2..3: the new range has no anon_vma, so it may join a
        mm.MapAt(0, 2);
        Assert.Equal(FaultResult.Ok, mm.TouchAt(0));
        AnonVma a = mm.At(0).AnonVma!;
        mm.MapAt(2, 2);
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
        Assert.Same(a, mm.At(3).AnonVma);
    }

    [Fact]
    public void ThreeWayMergeWithOneFaultedSideTakesItsAnonVma()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA BB       <- only B written: anon_vma b
        // AAAAA       <- mmap 2: all three merge and A takes b
        mm.MapAt(0, 2);
        mm.MapAt(3, 2);
        mm.TouchAt(3);
        AnonVma b = mm.At(3).AnonVma!;
        mm.MapAt(2, 1);
        Assert.Equal("[0x10000000-0x10005000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
        Assert.Same(b, mm.At(0).AnonVma);
    }

    [Fact]
    public void TwoDifferentAnonVmasDoNotThreeWayMerge()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA BB       <- both written while apart: anon_vmas a and b
        // AAABB       <- mmap 2: compatible with each side, but a != b, so it joins A only
        mm.MapAt(0, 2);
        mm.TouchAt(0);
        mm.MapAt(3, 2);
        mm.TouchAt(3);
        Assert.NotSame(mm.At(0).AnonVma, mm.At(3).AnonVma);
        mm.MapAt(2, 1);
        Assert.Equal(
            "[0x10000000-0x10003000 rw-p pg=0x10000 ac av=a] [0x10003000-0x10005000 rw-p pg=0x10003 ac av=b]",
            mm.Maps(anon: true));
    }

    [Fact]
    public void MprotectOfAHoleFillerBetweenTwoAnonVmasMergesLeftOnly()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA BB       <- both written: a, b
        // AAcBB       <- read-only page between them
        // AAABB       <- mprotect 2 rw: it may join either side, not both
        mm.MapAt(0, 2);
        mm.TouchAt(0);
        mm.MapAt(3, 2);
        mm.TouchAt(3);
        mm.MapAt(2, 1, R);
        Assert.Equal(3, mm.MapCount);
        Assert.Equal(0L, mm.ProtectAt(2, 1, Rw));
        Assert.Equal(
            "[0x10000000-0x10003000 rw-p pg=0x10000 ac av=a] [0x10003000-0x10005000 rw-p pg=0x10003 ac av=b]",
            mm.Maps(anon: true));
    }

    [Fact]
    public void MunmapThenRemapOfTheHoleMergesBack()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA        <- written: a
        // A..A        <- munmap 1..2
        // AAAA        <- mmap 1..2: pgoff 0x10001 is contiguous again, one VMA with a
        mm.MapAt(0, 4);
        mm.TouchAt(0);
        Assert.Equal(0L, mm.UnmapAt(1, 2));
        Assert.Equal(
            "[0x10000000-0x10001000 rw-p pg=0x10000 ac av=a] [0x10003000-0x10004000 rw-p pg=0x10003 ac av=a]",
            mm.Maps(anon: true));
        mm.MapAt(1, 2);
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
        Assert.Equal(4UL, mm.TotalVm);
        Assert.Equal(4UL, mm.CommittedPages);
    }

    [Fact]
    public void FixedMapOverTheMiddleWithTheSameFlagsStaysOneVma()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA        <- written: a
        // AAAA        <- MAP_FIXED 1..2 rw: old pages unmapped, the new range merges with both pieces
        mm.MapAt(0, 4);
        mm.TouchAt(0);
        Assert.Equal((long)Col(1), mm.MapAt(1, 2));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
        Assert.Equal(4UL, mm.TotalVm);
        Assert.Equal(4UL, mm.CommittedPages);
    }

    [Fact]
    public void FixedMapOverTheMiddleWithOtherFlagsSplitsInThree()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // AbbA        <- MAP_FIXED 1..2 read-only
        mm.MapAt(0, 4);
        mm.MapAt(1, 2, R);
        Assert.Equal(
            "[0x10000000-0x10001000 rw-p pg=0x10000 ac] [0x10001000-0x10003000 r--p pg=0x10001] "
            + "[0x10003000-0x10004000 rw-p pg=0x10003 ac]",
            mm.Maps());
        Assert.Equal(4UL, mm.TotalVm);
        Assert.Equal(2UL, mm.DataVm);
        Assert.Equal(2UL, mm.CommittedPages);
    }
}
