using Mmsim.Mm;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Mm;

/// <summary>munmap(): splits at the edges of the range, removes what is inside, keeps the counters.</summary>
public sealed class MunmapTests
{
    [Fact]
    public void MunmapOfTheHeadKeepsTheTailWithItsPgoff()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA
        // ..AA
        mm.MapAt(0, 4);
        Assert.Equal(0L, mm.UnmapAt(0, 2));
        Assert.Equal("[0x10002000-0x10004000 rw-p pg=0x10002 ac]", mm.Maps());
        Assert.Equal(2UL, mm.TotalVm);
        Assert.Equal(2UL, mm.CommittedPages);
    }

    [Fact]
    public void MunmapOfTheTail()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA        <- written: a
        // AAA.
        mm.MapAt(0, 4);
        mm.TouchAt(3);
        Assert.Equal(0L, mm.UnmapAt(3, 1));
        Assert.Equal("[0x10000000-0x10003000 rw-p pg=0x10000 ac av=a]", mm.Maps(anon: true));
        Assert.Equal(3UL, mm.TotalVm);
    }

    [Fact]
    public void MunmapOfTheMiddleLeavesTwoPiecesWithTheSameAnonVma()
    {
        MmStruct mm = NewMm();
        // 0123
        // AAAA        <- written: a
        // A..A
        mm.MapAt(0, 4);
        mm.TouchAt(1);
        Assert.Equal(0L, mm.UnmapAt(1, 2));
        Assert.Equal(
            "[0x10000000-0x10001000 rw-p pg=0x10000 ac av=a] [0x10003000-0x10004000 rw-p pg=0x10003 ac av=a]",
            mm.Maps(anon: true));
        Assert.Equal(2UL, mm.TotalVm);
    }

    [Fact]
    public void MunmapSpanningSeveralVmas()
    {
        MmStruct mm = NewMm();
        // 01234567
        // AAAbbCCC    <- A rw, B read-only, C rwx
        // A......C    <- munmap 1..6: A cut at its tail, B gone, C cut at its head
        mm.MapAt(0, 3);
        mm.MapAt(3, 2, R);
        mm.MapAt(5, 3, Rwx);
        Assert.Equal(3, mm.MapCount);
        Assert.Equal(0L, mm.UnmapAt(1, 6));
        Assert.Equal("[0x10000000-0x10001000 rw-p pg=0x10000 ac] [0x10007000-0x10008000 rwxp pg=0x10007 ac]", mm.Maps());
        Assert.Equal(2UL, mm.TotalVm);
        Assert.Equal(2UL, mm.DataVm);
        Assert.Equal(2UL, mm.CommittedPages);
    }

    [Fact]
    public void MunmapOfAnUnmappedRangeSucceedsAndChangesNothing()
    {
        MmStruct mm = NewMm();
        // 0123456
        // AA
        // AA   ..     <- munmap 4..5: nothing there, returns 0
        mm.MapAt(0, 2);
        Assert.Equal(0L, mm.UnmapAt(4, 2));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Equal(0L, NewMm().UnmapAt(0, 1));
    }

    [Fact]
    public void MunmapArgumentErrors()
    {
        MmStruct mm = NewMm();
        mm.MapAt(0, 2);
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Munmap(Col(0) + 1, P)));
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Munmap(Col(0), 0)));
        Assert.Equal(-Errno.EINVAL, mm.Checked(mm.Munmap(mm.TaskSize - P, Pages(2))));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
        // An unaligned length is rounded up to whole pages.
        Assert.Equal(0L, mm.Checked(mm.Munmap(Col(0), 1)));
        Assert.Equal("[0x10001000-0x10002000 rw-p pg=0x10001 ac]", mm.Maps());
    }

    [Fact]
    public void CountersFollowMapsAndUnmaps()
    {
        MmStruct mm = NewMm();
        // 0123456789abcdef
        // DDDD                  private rw: data
        //     XX                private r-x: exec
        //         SSS           shared rw: neither data nor exec
        //             G         MAP_GROWSDOWN rw: stack
        //               r       private read-only: only total
        mm.MapAt(0, 4);
        mm.MapAt(4, 2, Rx);
        mm.MapAt(8, 3, Rw, MapFlags.Shared | MapFlags.Anonymous | MapFlags.Fixed);
        mm.MapAt(12, 1, Rw, AnonFixed | MapFlags.GrowsDown);
        mm.MapAt(14, 1, R);
        Assert.Equal((11UL, 4UL, 2UL, 1UL), (mm.TotalVm, mm.DataVm, mm.ExecVm, mm.StackVm));
        Assert.Equal(5UL, mm.CommittedPages);
        Assert.Equal(11UL, mm.HiwaterVm);
        // 0123456789abcdef
        // D.D.  X   S S   r   <- munmap 1, 3, 4, 9, 12
        mm.UnmapAt(1, 1);
        mm.UnmapAt(3, 2);
        mm.UnmapAt(9, 1);
        mm.UnmapAt(12, 1);
        Assert.Equal((6UL, 2UL, 1UL, 0UL), (mm.TotalVm, mm.DataVm, mm.ExecVm, mm.StackVm));
        Assert.Equal(2UL, mm.CommittedPages);
        Assert.Equal(11UL, mm.HiwaterVm);
        Assert.Equal(
            "[0x10000000-0x10001000 rw-p pg=0x10000 ac] [0x10002000-0x10003000 rw-p pg=0x10002 ac] "
            + "[0x10005000-0x10006000 r-xp pg=0x10005] [0x10008000-0x10009000 rw-s pg=0x0 /dev/zero] "
            + "[0x1000a000-0x1000b000 rw-s pg=0x2 /dev/zero] [0x1000e000-0x1000f000 r--p pg=0x1000e]",
            mm.Maps());
    }

    [Fact]
    public void MunmapOfTheMiddleOfAFileMappingKeepsFileOffsets()
    {
        MmStruct mm = NewMm();
        // 0123
        // FFFF        <- the file from offset 8 pages
        // F.FF        <- munmap 1: the upper piece starts at file page 10
        mm.MapAt(0, 4, R, MapFlags.Private | MapFlags.Fixed, OpenFile(NewInode()), 8);
        Assert.Equal(0L, mm.UnmapAt(1, 1));
        Assert.Equal("[0x10000000-0x10001000 r--p pg=0x8 /tmp/f] [0x10002000-0x10004000 r--p pg=0xa /tmp/f]", mm.Maps());
    }
}
