using System.Xml.Linq;
using static Mmsim.Pictures.Tests.PictureKit;

namespace Mmsim.Pictures.Tests;

/// <summary>Picture 5: VSZ, RSS and faults against the trace line.</summary>
public sealed class TimelinePictureTests
{
    //  line:   1     5     9    14    20
    //  VSZ:    8K  2.1M  2.1M  4.1M  132K      (mmap 2 MiB, mmap 2 MiB, munmap both)
    //  RSS:    4K    4K  1.0M  2.0M    8K      (touching)
    //  minflt: 1     1   256   512   514
    private static readonly MemorySample[] s_samples =
    [
        new(1, 8192, 4096, 1, 0),
        new(5, (2UL << 20) + 8192, 4096, 1, 0),
        new(9, (2UL << 20) + 8192, 1UL << 20, 256, 0),
        new(14, (4UL << 20) + 8192, 2UL << 20, 512, 1),
        new(20, 132UL << 10, 8192, 514, 1),
    ];

    [Fact]
    public void TimelineHasBothSeriesAxesAndLegend()
    {
        XElement root = Parse(TimelinePicture.Render(s_samples, "pid 42 (gonzo)"));
        Assert.True(HasText(root, "5 samples · peak VSZ 4.01 MiB · peak RSS 2 MiB · at the end: 514 minor, 1 major faults"));
        foreach (string label in (string[])["VSZ (total_vm)", "RSS (resident pages)", "minor faults (cumulative)", "trace line", "8 MiB", "2 MiB"])
        {
            Assert.True(HasText(root, label), label);
        }
        // One step line per series; the RSS area under its line.
        XNamespace ns = "http://www.w3.org/2000/svg";
        string vsz = root.Descendants().Single(e => (string?)e.Attribute("class") == "vsz").Element(ns + "path")!.Attribute("d")!.Value;
        Assert.Equal(10, vsz.Split(' ').Length);     // M, then H and V for each of the 4 later samples, then H to the edge
        Assert.Equal(2, root.Descendants().Single(e => (string?)e.Attribute("class") == "rss").Elements(ns + "path").Count());
        Assert.Equal(2, root.Descendants().Single(e => (string?)e.Attribute("class") == "faults").Elements(ns + "path").Count());
    }

    [Fact]
    public void NoSamplesStillGivesAPicture()
    {
        XElement root = Parse(TimelinePicture.Render([], "nothing"));
        Assert.True(HasText(root, "no samples"));
    }

    [Fact]
    public void RendersToAPng()
    {
        (int w, int h, long bytes) = RenderPng(TimelinePicture.Render(s_samples, "pid 42 (gonzo)"), "timeline");
        Assert.Equal((900, 550), (w, h));
        Assert.True(bytes > 20_000, $"PNG only {bytes} bytes");
    }
}
