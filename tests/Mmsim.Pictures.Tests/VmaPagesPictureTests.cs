using System.Xml.Linq;
using Mmsim.Mm;
using Mmsim.Process;
using static Mmsim.Pictures.Tests.PictureKit;
using Task = Mmsim.Process.Task;

namespace Mmsim.Pictures.Tests;

/// <summary>Picture 2 on gonzo's heap: five pages, pages 0, 1 and 3 present (RSS 12 KiB, VSZ 20 KiB).</summary>
public sealed class VmaPagesPictureTests
{
    [Fact]
    public void HeapShowsFivePagesThreePresentEachJoinedToItsFrame()
    {
        //  0x408000 0x409000 0x40a000 0x40b000 0x40c000
        //    P=1      P=1      P=0      P=1      P=0
        //     \        |                /
        //      frames (sorted by PFN), three of them
        (Kernel _, Task t) = Gonzo();
        MmStruct mm = t.Mm!;
        Vma heap = mm.Vmas.Find(HeapStart)!;
        XElement root = Parse(VmaPagesPicture.Render(mm, heap, "pid 42"));
        Assert.True(HasText(root, "VMA 0x408000-0x40d000 · 5 pages · VSZ 20 KiB · RSS 12 KiB (3 present)"));
        List<string> pages = Group(root, "pages");
        Assert.Equal(["0x408000", "P=1", "0x409000", "P=1", "0x40a000", "P=0", "0x40b000", "P=1", "0x40c000", "P=0"], pages);
        List<string> frames = Group(root, "frames").Where(s => s.StartsWith("PFN ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, frames.Count);
        foreach (ulong a in (ulong[])[HeapStart, HeapStart + 0x1000, HeapStart + 0x3000])
        {
            ulong pfn = mm.Paging!.PagemapPageAt(heap, a).Pfn;
            Assert.Contains($"PFN {Palette.Hex(pfn)}", frames);
        }
        int links = root.Descendants().Single(e => (string?)e.Attribute("class") == "links")
            .Elements("{http://www.w3.org/2000/svg}line").Count();
        Assert.Equal(3, links);
    }

    [Fact]
    public void LargeVmaIsDrawnFromItsFirstPresentPage()
    {
        //  stack: 33 pages, only the top one present; 8 drawn: the window ends at the VMA's end.
        (Kernel _, Task t) = Gonzo();
        MmStruct mm = t.Mm!;
        Vma stack = mm.Vmas.Find(StackStart)!;
        XElement root = Parse(VmaPagesPicture.Render(mm, stack, "pid 42", maxPages: 8));
        List<string> pages = Group(root, "pages");
        Assert.Equal("0x7fffffff7000", pages[0]);
        Assert.Equal(["0x7fffffffe000", "P=1"], pages[^2..]);
        Assert.True(HasText(root, "8 of 33 pages drawn (25 before, 0 after this window)"));
    }

    [Fact]
    public void RendersToAPng()
    {
        (Kernel _, Task t) = Gonzo();
        Vma heap = t.Mm!.Vmas.Find(HeapStart)!;
        (int w, int h, long bytes) = RenderPng(VmaPagesPicture.Render(t.Mm!, heap, "pid 42 (gonzo)"), "vma-pages");
        Assert.Equal((800, true), (w, h > 200));
        Assert.True(bytes > 15_000, $"PNG only {bytes} bytes");
    }

    internal static List<string> Group(XElement root, string cls) =>
        root.Descendants().Single(e => (string?)e.Attribute("class") == cls)
            .Elements("{http://www.w3.org/2000/svg}text").Select(e => e.Value).ToList();
}
