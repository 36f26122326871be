using Mmsim.Mm;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Mm;

/// <summary>
/// Changing the attributes of part of the address space (mprotect, madvise flag advice, mlock):
/// vma_modify() splits where the range ends inside a VMA and vma_merge_existing_range() merges
/// where the changed piece becomes identical to a neighbour. Lower-case letters are read-only.
/// </summary>
public sealed class ModifyRangeTests
{
    [Fact]
    public void MprotectOfTheMiddleSplitsInThreeSharingTheAnonVma()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA        <- written: a
        // AbbA        <- mprotect 1..2 read-only; a faulted area keeps VM_ACCOUNT
        mm.MapAt(0, 4);
        mm.TouchAt(0);
        Assert.Equal(0L, mm.ProtectAt(1, 2, R));
        Assert.Equal(
            "[0x10000000-0x10001000 rw-p pg=0x10000 ac av=a] [0x10001000-0x10003000 r--p pg=0x10001 ac av=a] "
            + "[0x10003000-0x10004000 rw-p pg=0x10003 ac av=a]",
            mm.Maps(anon: true));
        Assert.Equal(4UL, mm.TotalVm);
        Assert.Equal(2UL, mm.DataVm);
        Assert.Equal(4UL, mm.CommittedPages);
    }

    [Fact]
    public void MprotectOfTheHeadSplitsInTwoAndUnchargesANeverFaultedPiece()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // aaAA        <- mprotect 0..1 read-only: never faulted, so VM_ACCOUNT goes
        mm.MapAt(0, 4);
        Assert.Equal(0L, mm.ProtectAt(0, 2, R));
        Assert.Equal("[0x10000000-0x10002000 r--p pg=0x10000] [0x10002000-0x10004000 rw-p pg=0x10002 ac]", mm.Maps());
        Assert.Equal(2UL, mm.CommittedPages);
        Assert.Equal(2UL, mm.DataVm);
    }

    [Fact]
    public void MprotectOfTheTailSplitsInTwo()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // AAAx        <- mprotect 3 rwx
        mm.MapAt(0, 4);
        Assert.Equal(0L, mm.ProtectAt(3, 1, Rwx));
        Assert.Equal("[0x10000000-0x10003000 rw-p pg=0x10000 ac] [0x10003000-0x10004000 rwxp pg=0x10003 ac]", mm.Maps());
        Assert.Equal(4UL, mm.DataVm);
        Assert.Equal(0UL, mm.ExecVm);
    }

    [Fact]
    public void MprotectOfATailMovesItIntoACompatibleNext()
    {
        MmStruct mm = NewMm();
        // 012345
        // AAAAbb      <- A rw, B read-only
        // AAbbbb      <- mprotect 2..3 read-only: the tail joins B, B's start and pgoff go down
        mm.MapAt(0, 4);
        mm.MapAt(4, 2, R);
        Vma b = mm.At(4);
        Assert.Equal(0L, mm.ProtectAt(2, 2, R));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac] [0x10002000-0x10006000 r--p pg=0x10002]", mm.Maps());
        Assert.Same(b, mm.At(2));
    }

    [Fact]
    public void MprotectOfAHeadMovesItIntoACompatiblePrev()
    {
        MmStruct mm = NewMm();
        // 012345
        // aaBBBB      <- A read-only, B rw
        // aaaaBB      <- mprotect 2..3 read-only: the head joins A, B's start and pgoff go up
        mm.MapAt(0, 2, R);
        mm.MapAt(2, 4);
        Vma a = mm.At(0);
        Assert.Equal(0L, mm.ProtectAt(2, 2, R));
        Assert.Equal("[0x10000000-0x10004000 r--p pg=0x10000] [0x10004000-0x10006000 rw-p pg=0x10004 ac]", mm.Maps());
        Assert.Same(a, mm.At(3));
    }

    [Fact]
    public void MprotectOverSeveralVmasThenBackEndsAsOneVma()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // AbAA        <- mprotect 1 read-only: three VMAs
        // aaaa        <- mprotect 0..3 read-only: every piece now matches, one VMA
        // AAAA        <- mprotect 0..3 rw: still one VMA, charged again
        mm.MapAt(0, 4);
        mm.ProtectAt(1, 1, R);
        Assert.Equal(3, mm.MapCount);
        Assert.Equal(0L, mm.ProtectAt(0, 4, R));
        Assert.Equal("[0x10000000-0x10004000 r--p pg=0x10000]", mm.Maps());
        Assert.Equal(0UL, mm.CommittedPages);
        Assert.Equal(0L, mm.ProtectAt(0, 4, Rw));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Equal(4UL, mm.CommittedPages);
        Assert.Equal(4UL, mm.DataVm);
    }

    [Fact]
    public void MprotectOverSeveralFaultedVmasThenBackEndsAsOneVma()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA        <- written: a
        // AbAc        <- page 1 read-only, page 3 r-x: four VMAs, all with a
        // aaaa        <- mprotect 0..3 read-only: one VMA
        // AAAA        <- mprotect 0..3 rw: one VMA
        mm.MapAt(0, 4);
        mm.TouchAt(0);
        mm.ProtectAt(1, 1, R);
        mm.ProtectAt(3, 1, Rx);
        Assert.Equal(4, mm.MapCount);
        Assert.Equal(0L, mm.ProtectAt(0, 4, R));
        Assert.Equal("[0x10000000-0x10004000 r--p pg=0x10000 ac av=a]", mm.Maps(anon: true));
        Assert.Equal(0L, mm.ProtectAt(0, 4, Rw));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
        Assert.Equal(4UL, mm.CommittedPages);
    }

    [Fact]
    public void MprotectAcrossAHoleChangesTheEarlierPartThenFails()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA BB
        // aa BB       <- mprotect 0..4 read-only: A changed, then the hole: -ENOMEM, B untouched
        mm.MapAt(0, 2);
        mm.MapAt(3, 2);
        Assert.Equal(-Errno.ENOMEM, mm.ProtectAt(0, 5, R));
        Assert.Equal("[0x10000000-0x10002000 r--p pg=0x10000] [0x10003000-0x10005000 rw-p pg=0x10003 ac]", mm.Maps());
        // A range that starts in the hole changes nothing.
        Assert.Equal(-Errno.ENOMEM, mm.ProtectAt(2, 3, R));
        Assert.Equal("[0x10000000-0x10002000 r--p pg=0x10000] [0x10003000-0x10005000 rw-p pg=0x10003 ac]", mm.Maps());
    }

    [Fact]
    public void MprotectArgumentErrors()
    {
        MmStruct mm = NewMm();
        mm.MapAt(0, 2);
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Mprotect(Col(0) + 1, P, R)));
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Mprotect(Col(0), P, 0x10)));
        Assert.Equal(0L, mm.Checked(mm.Mprotect(Col(0), 0, R)));
        // A length that is not a page multiple is rounded up.
        Assert.Equal(0L, mm.Checked(mm.Mprotect(Col(0), 1, R)));
        Assert.Equal("[0x10000000-0x10001000 r--p pg=0x10000] [0x10001000-0x10002000 rw-p pg=0x10001 ac]", mm.Maps());
    }

    [Fact]
    public void MprotectCannotAddWriteToAReadOnlySharedFileMapping()
    {
        MmStruct mm = NewMm();
        var ro = new Mmsim.Fs.OpenFile(NewInode(), Mmsim.Fs.FMode.Read);
        // A shared mapping of a file opened read-only has no VM_MAYWRITE.
        mm.MapAt(0, 2, R, MapFlags.Shared | MapFlags.Fixed, ro, 0);
        Assert.Equal(-Errno.EACCES, mm.ProtectAt(0, 2, Rw));
        Assert.Equal("[0x10000000-0x10002000 r--s pg=0x0 /tmp/f]", mm.Maps());
    }

    [Fact]
    public void MadviseDontForkSplitsAndDoForkMergesBack()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // ADDA        <- MADV_DONTFORK 1..2: VM_DONTCOPY on the middle
        // AAAA        <- MADV_DOFORK 1..2: identical again, one VMA
        mm.MapAt(0, 4);
        Assert.Equal(0L, mm.AdviseAt(1, 2, Madv.DontFork));
        Assert.Equal(
            "[0x10000000-0x10001000 rw-p pg=0x10000 ac] [0x10001000-0x10003000 rw-p pg=0x10001 ac dc] "
            + "[0x10003000-0x10004000 rw-p pg=0x10003 ac]",
            mm.Maps());
        Assert.Equal(0L, mm.AdviseAt(1, 2, Madv.DoFork));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac]", mm.Maps());
    }

    [Fact]
    public void MadviseDontDumpSplitsAndDoDumpMergesBack()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA        <- written: a
        // AADD        <- MADV_DONTDUMP 2..3
        // AAAA        <- MADV_DODUMP 0..3: one VMA
        mm.MapAt(0, 4);
        mm.TouchAt(0);
        Assert.Equal(0L, mm.AdviseAt(2, 2, Madv.DontDump));
        Assert.Equal(
            "[0x10000000-0x10002000 rw-p pg=0x10000 ac av=a] [0x10002000-0x10004000 rw-p pg=0x10002 ac dd av=a]",
            mm.Maps(anon: true));
        Assert.Equal(0L, mm.AdviseAt(0, 4, Madv.DoDump));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
    }

    [Fact]
    public void MadviseHugePageSplitsThenTheWholeRangeMergesAgain()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // AHAA        <- MADV_HUGEPAGE 1
        // HHHH        <- MADV_HUGEPAGE 0..3: every piece has VM_HUGEPAGE, one VMA
        mm.MapAt(0, 4);
        Assert.Equal(0L, mm.AdviseAt(1, 1, Madv.HugePage));
        Assert.Equal(
            "[0x10000000-0x10001000 rw-p pg=0x10000 ac] [0x10001000-0x10002000 rw-p pg=0x10001 ac hg] "
            + "[0x10002000-0x10004000 rw-p pg=0x10002 ac]",
            mm.Maps());
        Assert.Equal(0L, mm.AdviseAt(0, 4, Madv.HugePage));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac hg]", mm.Maps());
        // MADV_NOHUGEPAGE replaces the flag rather than restoring the original VMA.
        Assert.Equal(0L, mm.AdviseAt(0, 4, Madv.NoHugePage));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac nh]", mm.Maps());
    }

    [Fact]
    public void MadviseAcrossAHoleAdvisesEveryVmaAndReportsEnomem()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA BB
        // DD DD       <- MADV_DONTFORK 0..4: both VMAs changed, the hole gives -ENOMEM at the end
        mm.MapAt(0, 2);
        mm.MapAt(3, 2);
        Assert.Equal(-Errno.ENOMEM, mm.AdviseAt(0, 5, Madv.DontFork));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac dc] [0x10003000-0x10005000 rw-p pg=0x10003 ac dc]", mm.Maps());
        Assert.Equal(-Errno.ENOMEM, mm.AdviseAt(5, 2, Madv.DontFork));
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Madvise(Col(0) + 1, P, Madv.DontFork)));
    }

    [Fact]
    public void MlockOfTheMiddleSplitsAndMunlockMergesBack()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // ALLA        <- mlock 1..2: VM_LOCKED, populated (written, so anon_vma a)
        // AAAA        <- munlock 1..2: one VMA again
        mm.MapAt(0, 4);
        Assert.Equal(0L, mm.Checked(mm.Mlock(Col(1), Pages(2))));
        Assert.Equal(
            "[0x10000000-0x10001000 rw-p pg=0x10000 ac av=-] [0x10001000-0x10003000 rw-p pg=0x10001 ac lo av=a] "
            + "[0x10003000-0x10004000 rw-p pg=0x10003 ac av=-]",
            mm.Maps(anon: true));
        Assert.Equal(2UL, mm.LockedVm);
        Assert.Equal(0L, mm.Checked(mm.Munlock(Col(1), Pages(2))));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
        Assert.Equal(0UL, mm.LockedVm);
    }

    [Fact]
    public void MlockOfAPieceThatMergesIntoALockedNextSucceeds()
    {
        MmStruct mm = NewMm();
        // 0123
        // AALL        <- mlock 2..3
        // LLLL        <- mlock 0..3: A becomes identical to L and merges into it; the walk goes
        //                on after the merged VMA, which already reaches the end: 0
        mm.MapAt(0, 4);
        Assert.Equal(0L, mm.Checked(mm.Mlock(Col(2), Pages(2))));
        Assert.Equal(0L, mm.Checked(mm.Mlock(Col(0), Pages(4))));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac lo]", mm.Maps());
        Assert.Equal(4UL, mm.LockedVm);
    }

    [Fact]
    public void MlockContinuesAfterAMergeIntoTheNextVma()
    {
        MmStruct mm = NewMm();
        // 012345
        // AAAAcc      <- A rw, C read-only
        // AALLll      <- mlock 2..5
        // LLLLll      <- mlock 0..5: A merges into the locked rw piece, then C (already locked) is
        //                reached right after it: 0, and every page locked once
        mm.MapAt(0, 4);
        mm.MapAt(4, 2, R);
        Assert.Equal(0L, mm.Checked(mm.Mlock(Col(2), Pages(4))));
        Assert.Equal(4UL, mm.LockedVm);
        Assert.Equal(0L, mm.Checked(mm.Mlock(Col(0), Pages(6))));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac lo] [0x10004000-0x10006000 r--p pg=0x10004 lo]", mm.Maps());
        Assert.Equal(6UL, mm.LockedVm);
    }

    [Fact]
    public void MlockAcrossAHoleLocksTheEarlierPartAndFails()
    {
        MmStruct mm = NewMm();
        // 01234
        // AA BB
        // LL BB       <- mlock 0..4: -ENOMEM at the hole, A stays locked
        mm.MapAt(0, 2);
        mm.MapAt(3, 2);
        Assert.Equal(-Errno.ENOMEM, mm.Checked(mm.Mlock(Col(0), Pages(5))));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac lo] [0x10003000-0x10005000 rw-p pg=0x10003 ac]", mm.Maps());
        Assert.Equal(2UL, mm.LockedVm);
    }

    [Fact]
    public void MprotectWithProtGrowsDownExtendsTheRangeToTheVmaStart()
    {
        MmStruct mm = NewMm();
        // 0123
        // GGGG        <- MAP_GROWSDOWN
        // gggG        <- mprotect(column 2, 1 page, PROT_READ|PROT_GROWSDOWN): from G's start to 2
        mm.MapAt(0, 4, Rw, AnonFixed | MapFlags.GrowsDown);
        Assert.Equal(0L, mm.Checked(mm.Mprotect(Col(2), P, R | Prot.GrowsDown)));
        Assert.Equal("[0x10000000-0x10003000 r--p pg=0x10000 gd] [0x10003000-0x10004000 rw-p pg=0x10003 ac gd]", mm.Maps());
        Assert.Equal(4UL, mm.StackVm);
        // Not on a VMA that does not grow down, and never both directions.
        mm.MapAt(0x10, 2);
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Mprotect(Col(0x11), P, R | Prot.GrowsDown)));
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Mprotect(Col(0x10), P, R | Prot.GrowsDown | Prot.GrowsUp)));
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Mprotect(Col(0x10), P, R | Prot.GrowsUp)));
        Assert.Equal(
            "[0x10000000-0x10003000 r--p pg=0x10000 gd] [0x10003000-0x10004000 rw-p pg=0x10003 ac gd] "
            + "[0x10010000-0x10012000 rw-p pg=0x10010 ac]",
            mm.Maps());
    }

    [Fact]
    public void SplitsStopAtMaxMapCount()
    {
        MmStruct mm = NewMm(MmConfig.Default with { MaxMapCount = 3 });
        // 0123456789
        // AAAA  B C   <- three VMAs: the limit
        mm.MapAt(0, 4);
        mm.MapAt(6, 1, R);
        mm.MapAt(8, 1, Rx);
        string three = mm.Maps();
        // A split that adds a VMA is refused: -ENOMEM, nothing changed.
        Assert.Equal(-Errno.ENOMEM, mm.ProtectAt(1, 2, R));
        Assert.Equal(-Errno.ENOMEM, mm.ProtectAt(0, 1, R));
        Assert.Equal(-Errno.ENOMEM, mm.UnmapAt(1, 2));
        Assert.Equal(-Errno.ENOMEM, mm.AdviseAt(3, 1, Madv.DontDump));
        Assert.Equal(three, mm.Maps());
        // Changing a whole VMA, or cutting off an end, does not add one.
        Assert.Equal(0L, mm.ProtectAt(6, 1, Rw));
        Assert.Equal(0L, mm.UnmapAt(0, 1));
        Assert.Equal(3, mm.MapCount);
        // mmap() only refuses once map_count is above the limit: a fourth VMA is allowed, a fifth not.
        Assert.Equal((long)Col(0x10), mm.MapAt(0x10, 1));
        Assert.Equal(4, mm.MapCount);
        Assert.Equal(-Errno.ENOMEM, mm.MapAt(0x12, 1));
        Assert.Equal(4, mm.MapCount);
    }

    [Fact]
    public void MlockallLocksEveryVmaAndFutureMappings()
    {
        MmStruct mm = NewMm();
        // 012345678
        // AALL r      <- A rw, L rw mlock()ed, r read-only
        // LLLL l      <- mlockall(MCL_CURRENT): A merges with L
        // AAAA r      <- munlockall(): the merged VMA stays one
        //         M   <- mlockall(MCL_FUTURE), mmap 8: locked and populated
        mm.MapAt(0, 2);
        mm.MapAt(2, 2);
        mm.Checked(mm.Mlock(Col(2), Pages(2)));
        mm.MapAt(5, 1, R);
        Assert.Equal(0L, mm.Checked(mm.Mlockall(MmStruct.MclCurrent)));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac lo] [0x10005000-0x10006000 r--p pg=0x10005 lo]", mm.Maps());
        Assert.Equal(5UL, mm.LockedVm);
        Assert.Equal(0L, mm.Checked(mm.Munlockall()));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac] [0x10005000-0x10006000 r--p pg=0x10005]", mm.Maps());
        Assert.Equal(0UL, mm.LockedVm);
        Assert.Equal(0L, mm.Checked(mm.Mlockall(MmStruct.MclFuture)));
        mm.MapAt(8, 1);
        Assert.Equal(
            "[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a] [0x10005000-0x10006000 r--p pg=0x10005 av=-] "
            + "[0x10008000-0x10009000 rw-p pg=0x10008 ac lo av=b]",
            mm.Maps(anon: true));
        Assert.Equal((Col(8), P), mm.LastPopulate);
        Assert.Equal(1UL, mm.LockedVm);
        // munlockall() also ends MCL_FUTURE: the next mapping is not locked and merges.
        Assert.Equal(0L, mm.Checked(mm.Munlockall()));
        mm.MapAt(9, 1);
        Assert.Equal(
            "[0x10000000-0x10004000 rw-p pg=0x10000 ac] [0x10005000-0x10006000 r--p pg=0x10005] "
            + "[0x10008000-0x1000a000 rw-p pg=0x10008 ac]",
            mm.Maps());
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Mlockall(MmStruct.MclOnFault)));
    }
}
