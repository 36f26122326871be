using Mmsim.Mm;
using Mmsim.Phys;

namespace Mmsim.Pictures;

/// <summary>
/// Picture 4: the buddy allocator's free areas, what /proc/buddyinfo prints: for each populated
/// zone, the number of free blocks of each order 0..10 (a block of order n is 2^n contiguous
/// pages, 4 KiB to 4 MiB) as a bar on a logarithmic scale shared by all zones, with the exact
/// count above the bar and the zone's free and managed pages in its heading.
/// </summary>
public static class BuddyPicture
{
    private const double Left = 76;
    private const double BarStep = 60;
    private const double BarW = 40;
    private const double PanelH = 226;
    private const double PlotH = 130;
    private const double Width = Left + (PhysMem.NrPageOrders * BarStep) + 40;

    /// <summary>The SVG of mem's free areas now. <paramref name="title"/> says when (e.g. "at pid 42's exit").</summary>
    public static string Render(PhysMem mem, string title)
    {
        var zones = new List<Zone>();
        long max = 1;
        foreach (Zone z in mem.Zones)
        {
            if (z.IsPopulated)
            {
                zones.Add(z);
                for (int o = 0; o < PhysMem.NrPageOrders; o++)
                {
                    max = Math.Max(max, z.NrFree(o));
                }
            }
        }
        int decades = Math.Max(1, (int)Math.Ceiling(Math.Log10(max + 1)));
        double height = 64 + (zones.Count * PanelH) + 44;
        var svg = new Svg(Width, height, $"Buddy allocator free areas {title}");
        svg.Text(12, 42, $"free blocks per order (as /proc/buddyinfo) · {Palette.Count(mem.FreePages)} of {Palette.Count(mem.TotalManaged)} "
            + $"pages free ({Palette.Size(Page.Bytes((ulong)mem.FreePages))})", size: 12);
        double y = 64;
        foreach (Zone z in zones)
        {
            DrawZone(svg, z, y, decades);
            y += PanelH;
        }
        svg.Text(12, y + 14, "Bar height: log10(free blocks + 1), the same scale for every zone. Order n = 2^n contiguous pages.",
            size: 10.5, fill: Palette.Muted);
        svg.Text(12, y + 30, "The allocator splits a larger block to serve a smaller order, and merges a freed block with its free buddy.",
            size: 10.5, fill: Palette.Muted);
        return svg.Finish();
    }

    private static void DrawZone(Svg svg, Zone z, double y, int decades)
    {
        svg.BeginGroup("zone");
        svg.Text(12, y + 14, $"zone {z.Name}: {Palette.Count(z.FreePages)} free of {Palette.Count(z.ManagedPages)} managed pages",
            size: 12.5, weight: "bold");
        svg.Text(12, y + 30, $"PFN {Palette.Hex((ulong)z.StartPfn)}-{Palette.Hex((ulong)z.EndPfn)} · watermarks min {z.WatermarkMin}, "
            + $"low {z.WatermarkLow}, high {z.WatermarkHigh} pages", size: 10.5, fill: Palette.Muted);
        double baseY = y + 44 + PlotH;
        // Grid lines at each power of ten, labelled on the y axis.
        for (int d = 0; d <= decades; d++)
        {
            double gy = baseY - (PlotH * d / decades);
            svg.Line(Left - 4, gy, Left + (PhysMem.NrPageOrders * BarStep), gy, Palette.Grid);
            svg.Text(Left - 8, gy + 4, Palette.Count((long)Math.Pow(10, d) - (d == 0 ? 1 : 0)), size: 9.5, anchor: "end", mono: true,
                fill: Palette.Muted);
        }
        svg.Text(20, baseY - (PlotH / 2), "free blocks", size: 10.5, anchor: "middle", rotate: -90, fill: Palette.Muted);
        for (int o = 0; o < PhysMem.NrPageOrders; o++)
        {
            long n = z.NrFree(o);
            double h = PlotH * Math.Log10(n + 1) / decades;
            double x = Left + (o * BarStep) + ((BarStep - BarW) / 2);
            svg.Rect(x, baseY - h, BarW, h, n == 0 ? Palette.Absent : Palette.Frame, Palette.Outline);
            svg.Text(x + (BarW / 2), baseY - h - 4, Palette.Count(n), size: 10, anchor: "middle", mono: true, weight: "bold");
            svg.Text(x + (BarW / 2), baseY + 14, $"order {o}", size: 10, anchor: "middle");
            svg.Text(x + (BarW / 2), baseY + 27, Palette.Size(Page.Bytes(1UL << o)), size: 9.5, anchor: "middle", mono: true,
                fill: Palette.Muted);
        }
        svg.Line(Left - 4, baseY, Left + (PhysMem.NrPageOrders * BarStep), baseY, Palette.Outline);
        svg.EndGroup();
    }
}
