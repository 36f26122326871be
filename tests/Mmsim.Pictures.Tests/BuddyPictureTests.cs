using System.Xml.Linq;
using Mmsim.Phys;
using Mmsim.Process;
using static Mmsim.Pictures.Tests.PictureKit;
using Task = Mmsim.Process.Task;

namespace Mmsim.Pictures.Tests;

/// <summary>Picture 4: the free areas of the 64 MiB machine, per zone and order, as /proc/buddyinfo counts them.</summary>
public sealed class BuddyPictureTests
{
    [Fact]
    public void EachZoneHasElevenBarsLabelledWithTheBuddyinfoCounts()
    {
        (Kernel k, Task _) = Gonzo();
        PhysMem mem = k.Paging!.Phys;
        XElement root = Parse(BuddyPicture.Render(mem, "after gonzo's faults"));
        List<XElement> zones = root.Descendants().Where(e => (string?)e.Attribute("class") == "zone").ToList();
        var populated = mem.Zones.Where(z => z.IsPopulated).ToList();
        Assert.Equal(populated.Count, zones.Count);
        for (int i = 0; i < zones.Count; i++)
        {
            List<string> texts = zones[i].Elements("{http://www.w3.org/2000/svg}text").Select(e => e.Value).ToList();
            Assert.StartsWith($"zone {populated[i].Name}: ", texts[0], StringComparison.Ordinal);
            for (int o = 0; o <= 10; o++)
            {
                Assert.Contains($"order {o}", texts);
                Assert.Contains(Palette.Count(populated[i].NrFree(o)), texts);
            }
            Assert.Equal(11, zones[i].Elements("{http://www.w3.org/2000/svg}rect").Count());
        }
        Assert.True(HasText(root, "4 KiB") && HasText(root, "4 MiB"));
        (int w, int h, long bytes) = RenderPng(BuddyPicture.Render(mem, "after gonzo's faults"), "buddy");
        Assert.Equal((776, true), (w, h > 300));
        Assert.True(bytes > 15_000, $"PNG only {bytes} bytes");
    }
}
