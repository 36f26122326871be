using Mmsim.Mm;
using Mmsim.Process;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Mm;

/// <summary>
/// Merging in a forked child: a VMA whose anon_vma chain links to the parent's
/// (vma_had_uncowed_parents()) neither lends its anon_vma to a neighbour nor merges with one that
/// has none, and split pieces get distinct child anon_vmas (anon_vma_fork()).
/// </summary>
public sealed class ForkedAnonVmaTests
{
    [Fact]
    public void ChildDoesNotMergeANewRangeWithAVmaFaultedBeforeTheFork()
    {
        MmStruct parent = NewMm();
        // 0123
        // AA          <- written in the parent: a
        // AANN        <- in the child, mmap 2..3: A's anon_vma chain is not singular, no merge
        parent.MapAt(0, 2);
        parent.TouchAt(0);
        MmStruct child = Fork.DupMm(parent);
        child.Validate();
        Assert.NotSame(parent.At(0).AnonVma, child.At(0).AnonVma);
        Assert.Same(parent.At(0).AnonVma, child.At(0).AnonVma!.Parent);
        child.MapAt(2, 2);
        Assert.Equal(
            "[0x10000000-0x10002000 rw-p pg=0x10000 ac av=a] [0x10002000-0x10004000 rw-p pg=0x10002 ac av=-]",
            child.Maps(anon: true));
        // The same call in the parent merges.
        parent.MapAt(2, 2);
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", parent.Maps(anon: true));
    }

    [Fact]
    public void ChildMergesWithAVmaNeverFaulted()
    {
        MmStruct parent = NewMm();
        parent.MapAt(0, 2);
        MmStruct child = Fork.DupMm(parent);
        child.MapAt(2, 2);
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac]", child.Maps());
    }

    [Fact]
    public void SplitPiecesDoNotMergeBackInTheChild()
    {
        MmStruct parent = NewMm();
        // 0123
        // AAAA        <- written: a
        // AbAA        <- mprotect 1 read-only: three pieces sharing a
        // fork: each child piece gets its own anon_vma
        // ABCC        <- mprotect 1 rw in the child: the three anon_vmas differ, no merge
        // AAAA        <- the same call in the parent merges
        parent.MapAt(0, 4);
        parent.TouchAt(0);
        parent.ProtectAt(1, 1, R);
        MmStruct child = Fork.DupMm(parent);
        child.Validate();
        Assert.Equal(0L, child.ProtectAt(1, 1, Rw));
        Assert.Equal(
            "[0x10000000-0x10001000 rw-p pg=0x10000 ac av=a] [0x10001000-0x10002000 rw-p pg=0x10001 ac av=b] "
            + "[0x10002000-0x10004000 rw-p pg=0x10002 ac av=c]",
            child.Maps(anon: true));
        Assert.Equal(0L, parent.ProtectAt(1, 1, Rw));
        Assert.Equal("[0x10000000-0x10004000 rw-p pg=0x10000 ac av=a]", parent.Maps(anon: true));
    }

    [Fact]
    public void AFaultInTheChildDoesNotReuseAForkedNeighboursAnonVma()
    {
        MmStruct parent = NewMm();
        // 0123
        // AAXX        <- X: rwx piece never faulted; A written in the parent
        // fork; the child writes X: A's anon_vma chain is shared, so X gets a new one
        parent.MapAt(0, 4);
        parent.ProtectAt(2, 2, Rwx);
        parent.TouchAt(0);
        MmStruct child = Fork.DupMm(parent);
        child.TouchAt(2);
        Assert.NotSame(child.At(0).AnonVma, child.At(2).AnonVma);
        Assert.Equal(0L, child.ProtectAt(2, 2, Rw));
        Assert.Equal(2, child.MapCount);
    }
}
