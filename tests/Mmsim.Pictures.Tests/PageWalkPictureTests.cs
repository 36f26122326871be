using System.Xml.Linq;
using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Process;
using Mmsim.Tlb;
using static Mmsim.Pictures.Tests.PictureKit;
using Task = Mmsim.Process.Task;

namespace Mmsim.Pictures.Tests;

/// <summary>Picture 3 in the four paging modes: the fields, the tables, the frame, the TLB badge.</summary>
public sealed class PageWalkPictureTests
{
    [Fact]
    public void FourLevelMissShowsTheFieldsEachTableAndTheFrame()
    {
        //  0x7ffff7ff0010 = sign 0 | PGD 0xff | PUD 0x1ff | PMD 0x1bf | PTE 0x1f0 | offset 0x010
        //  first write: not present (empty PTE) → #PF → retry walks PGD, PUD, PMD, PTE
        (Kernel k, Task t) = Gonzo();
        TranslateExplain e = k.Explain(t, AnonStart + 0x10, AccessKind.Write);
        Assert.Equal(TlbHitLevel.Walk, e.Hit);
        XElement root = Parse(PageWalkPicture.Render(e, PagingMode.FourLevel, "pid 42 (gonzo)"));
        Assert.True(HasText(root, "TLB MISS"));
        List<string> fields = VmaPagesPictureTests.Group(root, "fields");
        Assert.Equal(
            ["sign ext. 63..48", "all 0", "PGD 47..39", "0xff = 255", "PUD 38..30", "0x1ff = 511", "PMD 29..21", "0x1bf = 447",
             "PTE 20..12", "0x1f0 = 496", "offset 11..0", "0x10 = 16"], fields);
        List<string> tables = VmaPagesPictureTests.Group(root, "tables");
        Assert.Equal(["PGD table", "PUD table", "PMD table", "PTE table"], tables.Where(s => s.EndsWith(" table", StringComparison.Ordinal)));
        Assert.Contains("entry [0x1f0] = 496", tables);
        Assert.True(HasText(root, $"PFN {Palette.Hex(e.WalkAfterFault[^1].Pfn)}"));
        Assert.True(HasText(root, $"phys {Palette.Hex(e.PhysAddr)}"));
        Assert.True(HasText(root, "→ #PF"));
        (int w, int h, long bytes) = RenderPng(PageWalkPicture.Render(e, PagingMode.FourLevel, "pid 42 (gonzo)"), "walk-4level");
        Assert.Equal((1134, true), (w, h > 400));
        Assert.True(bytes > 20_000, $"PNG only {bytes} bytes");
    }

    [Fact]
    public void SecondAccessHitsTheTlbAndDrawsNoTables()
    {
        (Kernel k, Task t) = Gonzo();
        k.Explain(t, AnonStart + 0x10, AccessKind.Write);
        TranslateExplain again = k.Explain(t, AnonStart + 0x10, AccessKind.Read);
        XElement root = Parse(PageWalkPicture.Render(again, PagingMode.FourLevel, "pid 42"));
        Assert.True(HasText(root, "TLB HIT (L1): no walk"));
        Assert.DoesNotContain(root.Descendants(), e => (string?)e.Attribute("class") == "tables");
        Assert.True(HasText(root, $"physical address {Palette.Hex(again.PhysAddr)}"));
    }

    [Fact]
    public void HugePmdLeafEndsTheWalkAndWidensTheOffset()
    {
        //  THP always: a write into a 2 MiB-aligned anonymous area maps a huge PMD; the walk stops
        //  at the PMD (PS), the PTE field joins the offset (bits 20..0), the frame is 2 MiB.
        var k = new Kernel(MmConfig.Default, Phys.PhysMemConfig.OfSize(64UL << 20), new Fault.PagingOptions { Thp = Fault.ThpMode.Always });
        Task t = k.CreateInitTask(9);
        t.Mm!.MmapBase = 0x7ffff7fff000;
        const ulong addr = 0x40000000;
        Assert.Equal((long)addr, t.Mm.Mmap(addr, 4UL << 20, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed | MapFlags.Anonymous, null, 0));
        TranslateExplain e = k.Explain(t, addr + 0x12345, AccessKind.Write);
        Assert.True(e.WalkAfterFault[^1].Huge);
        XElement root = Parse(PageWalkPicture.Render(e, PagingMode.FourLevel, "pid 9"));
        List<string> fields = VmaPagesPictureTests.Group(root, "fields");
        Assert.Equal(["PMD 29..21", "0x0 = 0", "offset 20..0", "0x12345 = 74565"], fields[^4..]);
        Assert.True(HasText(root, "page frame (2 MiB)"));
        Assert.True(HasText(root, "P RW U A D PS NX"));
        Assert.True(HasText(root, "no PTE level:"));
        RenderPng(PageWalkPicture.Render(e, PagingMode.FourLevel, "pid 9"), "walk-huge");
    }

    [Theory]
    [InlineData(PagingMode.FiveLevel, 0x7ffff7ff0000UL, "PGD 56..48|P4D 47..39|PUD 38..30|PMD 29..21|PTE 20..12|offset 11..0", 1318)]
    [InlineData(PagingMode.TwoLevel, 0x10000000UL, "PGD 31..22|PTE 21..12|offset 11..0", 766)]
    [InlineData(PagingMode.Pae, 0x10000000UL, "PGD 31..30|PMD 29..21|PTE 20..12|offset 11..0", 950)]
    public void EveryPagingModeSplitsTheAddressItsOwnWay(PagingMode mode, ulong addr, string expected, int width)
    {
        (Kernel k, Task t) = OnePage(mode, addr);
        TranslateExplain e = k.Explain(t, addr + 0x123, AccessKind.Write);
        Assert.Equal(FaultResult.Ok, e.Result);
        string svg = PageWalkPicture.Render(e, mode, "pid 7");
        XElement root = Parse(svg);
        string fields = string.Join("|", VmaPagesPictureTests.Group(root, "fields").Where(s => s.Contains("..", StringComparison.Ordinal)
            && !s.StartsWith("sign", StringComparison.Ordinal)));
        Assert.Equal(expected, fields);
        Assert.True(HasText(root, PageWalkPicture.ModeName(mode)));
        Assert.True(HasText(root, "0x123 = 291"));
        (int w, _, long bytes) = RenderPng(svg, "walk-" + mode);
        Assert.Equal(width, w);
        Assert.True(bytes > 15_000, $"PNG only {bytes} bytes");
    }
}
