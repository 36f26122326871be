using Mmsim.Mm;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Mm;

/// <summary>
/// brk(): the heap grows by expanding the VMA ending at the old break (do_brk_flags()), shrinks
/// by unmapping, and a refused request returns the unchanged break. start_brk is column 0.
/// </summary>
public sealed class BrkTests
{
    private static MmStruct NewHeap()
    {
        MmStruct mm = NewMm();
        mm.StartBrk = Col(0);
        mm.Brk = Col(0);
        return mm;
    }

    private static long Brk(MmStruct mm, ulong brk) => mm.Checked(mm.SysBrk(brk));

    [Fact]
    public void GrowCreatesTheHeapVma()
    {
        MmStruct mm = NewHeap();
        // 012
        // HH          <- brk(start_brk + 2 pages)
        Assert.Equal((long)Col(2), Brk(mm, Col(2)));
        Assert.Equal(Col(2), mm.Brk);
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Equal((2UL, 2UL, 2UL), (mm.TotalVm, mm.DataVm, mm.CommittedPages));
    }

    [Fact]
    public void TheHeapNeverMergesWithTheBssBelowStartBrk()
    {
        MmStruct mm = NewHeap();
        // -2 -1 | 0 1 2
        //  B  B | H H H     <- a bss ending at start_brk, then brk(+3 pages): do_brk_flags() is
        //                      given vma_prev_limit(start_brk) = none, so a new VMA, not an
        //                      expanded bss; validate_mm accepts the pair, as the kernel leaves it
        //                      (tests/fixtures/s18_static: bss 4a7000-4ae000, [heap] 4ae000-)
        mm.Checked(mm.Mmap(Col(0) - Pages(2), Pages(2), Rw, AnonFixed, null, 0) - (long)(Col(0) - Pages(2)));
        Brk(mm, Col(3));
        Assert.Equal(2, mm.MapCount);
        Assert.Equal("[0xfffe000-0x10000000 rw-p pg=0xfffe ac] [0x10000000-0x10003000 rw-p pg=0x10000 ac]", mm.Maps());
        mm.Validate();
    }

    [Fact]
    public void GrowAgainExpandsTheSameVma()
    {
        MmStruct mm = NewHeap();
        // 01234
        // HH
        // HHHHH       <- brk(+5 pages): the brk VMA expands, no second VMA
        Brk(mm, Col(2));
        Vma heap = mm.At(0);
        Assert.Equal((long)Col(5), Brk(mm, Col(5)));
        Assert.Equal("[0x10000000-0x10005000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Same(heap, mm.At(4));
        Assert.Equal((5UL, 5UL), (mm.TotalVm, mm.CommittedPages));
    }

    [Fact]
    public void ShrinkUnmapsTheTopOfTheHeap()
    {
        MmStruct mm = NewHeap();
        // 01234
        // HHHHH
        // HH          <- brk(+2 pages)
        //             <- brk(start_brk): the heap VMA is gone
        Brk(mm, Col(5));
        Assert.Equal((long)Col(2), Brk(mm, Col(2)));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
        Assert.Equal(2UL, mm.CommittedPages);
        Assert.Equal((long)Col(0), Brk(mm, Col(0)));
        Assert.Equal("", mm.Maps());
        Assert.Equal(0UL, mm.TotalVm);
    }

    [Fact]
    public void AnUnalignedBreakMapsWholePages()
    {
        MmStruct mm = NewHeap();
        // 012
        // HH          <- brk(+1.5 pages): the VMA ends at the next page boundary
        Assert.Equal((long)Col(1) + 0x800, Brk(mm, Col(1) + 0x800));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
        // Within the same page only the break moves.
        Assert.Equal((long)Col(1) + 0x900, Brk(mm, Col(1) + 0x900));
        Assert.Equal(Col(1) + 0x900, mm.Brk);
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
        // Shrinking to the middle of the first page keeps that page.
        Assert.Equal((long)Col(0) + 0x10, Brk(mm, Col(0) + 0x10));
        Assert.Equal("[0x10000000-0x10001000 rw-p pg=0x10000 ac]", mm.Maps());
    }

    [Fact]
    public void ABreakBelowStartBrkIsIgnored()
    {
        MmStruct mm = NewHeap();
        Brk(mm, Col(2));
        Assert.Equal((long)Col(2), Brk(mm, Col(0) - P));
        Assert.Equal((long)Col(2), Brk(mm, 0));
        Assert.Equal(Col(2), mm.Brk);
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
    }

    [Fact]
    public void TheHeapKeepsOnePageFreeBelowTheNextVma()
    {
        MmStruct mm = NewHeap();
        // 0123456789abcdef0
        //                 M   <- a mapping at column 0x10
        // HHHHHHHHHHHHHHH     <- brk up to column 0xf: allowed, one page stays free
        //                     <- brk one byte further would need column 0xf: refused, old break returned
        mm.MapAt(0x10, 1, R);
        Assert.Equal((long)Col(0xf), Brk(mm, Col(0xf)));
        Assert.Equal((long)Col(0xf), Brk(mm, Col(0xf) + 1));
        Assert.Equal(Col(0xf), mm.Brk);
        Assert.Equal("[0x10000000-0x1000f000 rw-p pg=0x10000 ac] [0x10010000-0x10011000 r--p pg=0x10010]", mm.Maps());
    }

    [Fact]
    public void TheHeapKeepsTheGuardGapBelowAGrowsDownVma()
    {
        MmStruct mm = NewHeap();
        // G (MAP_GROWSDOWN) at column 0x110: the heap may not reach into its 256-page guard gap.
        mm.MapAt(0x110, 1, Rw, AnonFixed | MapFlags.GrowsDown);
        Assert.Equal((long)Col(0xf), Brk(mm, Col(0xf)));
        Assert.Equal((long)Col(0xf), Brk(mm, Col(0x10)));
        Assert.Equal("[0x10000000-0x1000f000 rw-p pg=0x10000 ac] [0x10110000-0x10111000 rw-p pg=0x10110 ac gd]", mm.Maps());
    }

    [Fact]
    public void AShrinkUnmapsWhateverMapsTheFreedRange()
    {
        MmStruct mm = NewHeap();
        // 0123
        // HHHH
        // HHrr        <- MAP_FIXED read-only over the top two heap pages
        // HH          <- brk(+2 pages): the shrink unmaps [2, 4) whatever now maps it
        Brk(mm, Col(4));
        mm.MapAt(2, 2, R);
        Assert.Equal((long)Col(2), Brk(mm, Col(2)));
        Assert.Equal("[0x10000000-0x10002000 rw-p pg=0x10000 ac]", mm.Maps());
    }
}
