using System.Xml.Linq;
using static Mmsim.Pictures.Tests.PictureKit;

namespace Mmsim.Pictures.Tests;

/// <summary>The reference-count picture of the demo's mm_users/mm_count steps.</summary>
public sealed class CountsPictureTests
{
    /*
     *   event              users  count
     *   process runs         1      1
     *   kthread borrows      1      2      (mmgrab)
     *   process exits        0      1      users 0: drawn red
     *   -                    -      -      (the column shows "-" where a count does not exist)
     */
    [Fact]
    public void EachRowHasItsCountsAndAZeroIsRed()
    {
        string svg = CountsPicture.Render("counts", "of one mm", ["users", "count"],
        [
            new("process runs", [1, 1]),
            new("kthread borrows", [1, 2]),
            new("process exits", [0, 1]),
            new("not yet", [null, null]),
        ]);
        XElement root = Parse(svg);
        List<string> texts = Texts(root);
        Assert.Equal(["process runs", "kthread borrows", "process exits", "not yet"], texts.Where(t => t is "process runs" or "kthread borrows" or "process exits" or "not yet"));
        Assert.Equal(2, texts.Count(t => t == "-"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Single(root.Elements(ns + "text"), e => e.Value == "0" && (string?)e.Attribute("fill") == Palette.Marker);
        (int w, int h, long bytes) = RenderPng(svg, "counts");
        Assert.Equal((690, true), (w, h > 150));
        Assert.True(bytes > 5_000, $"PNG only {bytes} bytes");
    }
}
