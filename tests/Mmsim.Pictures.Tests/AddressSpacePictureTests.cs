using System.Xml.Linq;
using Mmsim.Mm;
using Mmsim.Process;
using static Mmsim.Pictures.Tests.PictureKit;
using Task = Mmsim.Process.Task;

namespace Mmsim.Pictures.Tests;

/// <summary>Picture 1 on the gonzo process (see <see cref="PictureKit"/>).</summary>
public sealed class AddressSpacePictureTests
{
    [Fact]
    public void LayoutNamesEverySegmentWithItsAddressesAndMarksTheFourPointers()
    {
        (Kernel _, Task t) = Gonzo();
        string svg = AddressSpacePicture.Render(t.Mm!, "pid 42 (gonzo)");
        XElement root = Parse(svg);

        // One box per VMA (8) in the "vmas" group, plus one dashed box per gap.
        Assert.Equal(8, t.Mm!.MapCount);
        Assert.True(HasText(root, "/bin/gonzo · text · r-xp"));
        Assert.True(HasText(root, "/bin/gonzo · read-only data · r--p"));
        Assert.True(HasText(root, "/bin/gonzo · data · rw-p"));
        Assert.True(HasText(root, "bss · rw-p"));
        Assert.True(HasText(root, "[heap] · rw-p"));
        Assert.True(HasText(root, "anonymous · rw-p"));
        Assert.True(HasText(root, "[vdso] · r-xp"));
        Assert.True(HasText(root, "[stack] · rw-p"));
        // Real addresses at the boundaries, sizes in the boxes, the collapsed gaps with their size.
        foreach (string a in (string[])["0x400000", "0x408000", "0x40d000", "0x7ffff7ff0000", "0x7ffffffde000", "0x7ffffffff000"])
        {
            Assert.Contains(a, Texts(root));
        }
        Assert.Contains("20 KiB", Texts(root));
        Assert.Contains("132 KiB", Texts(root));
        Assert.True(HasText(root, "≈ unmapped gap of"));
        // The four markers, and their values spelled out under the legend.
        List<string> markers = root.Descendants().Where(e => (string?)e.Attribute("class") == "markers")
            .SelectMany(g => g.Elements("{http://www.w3.org/2000/svg}text")).Select(e => e.Value).ToList();
        Assert.Equal(["start_brk", "brk", "mmap_base", "start_stack"], markers.OrderBy(m => m switch
        {
            "start_brk" => 0, "brk" => 1, "mmap_base" => 2, _ => 3,
        }));
        Assert.True(HasText(root, "start_brk 0x408000 · brk 0x40d000 · mmap_base 0x7ffff7fff000 · start_stack 0x7fffffffe5d0"));
        Assert.True(HasText(root, "VSZ 200 KiB · RSS 16 KiB · 8 VMAs"));
    }

    [Fact]
    public void SegmentsAreClassifiedByWhatTheyHold()
    {
        (Kernel _, Task t) = Gonzo();
        MmStruct mm = t.Mm!;
        Assert.Equal(
            [SegmentKind.Code, SegmentKind.FileData, SegmentKind.FileData, SegmentKind.Bss, SegmentKind.Heap,
             SegmentKind.Anon, SegmentKind.Special, SegmentKind.Stack],
            Kinds(mm));
    }

    [Fact]
    public void ManyVmasAreDrawnCompactlyWithTouchingAnonymousOnesInOneBox()
    {
        //  30 times, 64 KiB apart:  |rw|--|   one page read-write, one PROT_NONE above it
        //  60 VMAs > CompactAbove (48): each touching pair is one box "anonymous · 2 VMAs: rw-p ---p"
        (Kernel _, Task t) = OnePage(Pgtable.PagingMode.FourLevel, 0x20000000);
        MmStruct mm = t.Mm!;
        Assert.Equal(0, mm.Munmap(0x20000000, 0x1000));
        const int anon = MapFlags.Private | MapFlags.Fixed | MapFlags.Anonymous;
        for (ulong i = 0; i < 30; i++)
        {
            ulong a = 0x10000000 + (i * 0x10000);
            Assert.Equal((long)a, mm.Mmap(a, 0x1000, Prot.Read | Prot.Write, anon, null, 0));
            Assert.Equal((long)a + 0x1000, mm.Mmap(a + 0x1000, 0x1000, Prot.None, anon, null, 0));
        }
        Assert.Equal(60, mm.MapCount);
        XElement root = Parse(AddressSpacePicture.Render(mm, "pid 7"));
        List<string> labels = Texts(root).Where(s => s.StartsWith("anonymous · 2 VMAs: rw-p ---p", StringComparison.Ordinal)).ToList();
        Assert.Equal(30, labels.Count);
        Assert.True(HasText(root, "More than 48 VMAs"));
        XElement vmas = root.Descendants().Single(e => (string?)e.Attribute("class") == "vmas");
        Assert.Equal(30, vmas.Elements("{http://www.w3.org/2000/svg}rect").Count(r => r.Attribute("stroke-dasharray") is null));
    }

    private static List<SegmentKind> Kinds(MmStruct mm)
    {
        var kinds = new List<SegmentKind>();
        foreach (Vma v in mm.Vmas)
        {
            kinds.Add(AddressSpacePicture.Classify(mm, v));
        }
        return kinds;
    }

    [Fact]
    public void OutputIsDeterministicAndEscaped()
    {
        (Kernel _, Task a) = Gonzo();
        (Kernel _, Task b) = Gonzo();
        Assert.Equal(AddressSpacePicture.Render(a.Mm!, "pid 42 <a&b>"), AddressSpacePicture.Render(b.Mm!, "pid 42 <a&b>"));
        XElement root = Parse(AddressSpacePicture.Render(a.Mm!, "pid 42 <a&b>"));
        Assert.True(HasText(root, "Address space of pid 42 <a&b>"));
    }

    [Fact]
    public void RendersToAPngOfThePictureSize()
    {
        (Kernel _, Task t) = Gonzo();
        string svg = AddressSpacePicture.Render(t.Mm!, "pid 42 (gonzo)");
        (int w, int h, long bytes) = RenderPng(svg, "layout");
        Assert.Equal(980, w);
        Assert.InRange(h, 400, 1200);
        Assert.True(bytes > 20_000, $"PNG only {bytes} bytes");
    }
}
