using Mmsim.Mm;
using Mmsim.Proc;

namespace Mmsim.Pictures;

/// <summary>
/// Picture 2: one VMA's virtual pages against the physical frames that back them. Each page is a
/// row on the left (its address and its Present bit); each frame that backs one is a box on the
/// right, frames sorted by PFN; a line joins a present page to its frame, so frames shared by
/// several pages (the zero page) and the scatter of physical memory show at once. The title
/// states VSZ (the VMA's size) against RSS (its present pages).
/// </summary>
public static class VmaPagesPicture
{
    private const double Top = 78;
    private const double RowH = 20;
    private const double PageX = 20;
    private const double PageW = 250;
    private const double FrameX = 560;
    private const double FrameW = 190;
    private const double Width = 800;

    /// <summary>What one drawn page holds.</summary>
    private readonly record struct PageRow(ulong Addr, PagemapPage Page);

    /// <summary>
    /// The SVG of <paramref name="vma"/>'s pages in <paramref name="mm"/> (which needs paging),
    /// at most <paramref name="maxPages"/> of them: when the VMA is larger, the window starts at its
    /// first present page and the rest are summarised. Reads the page tables; changes nothing.
    /// </summary>
    public static string Render(MmStruct mm, Vma vma, string title, int maxPages = 40)
    {
        if (mm.Paging is null)
        {
            throw new ArgumentException("the mm has no page tables", nameof(mm));
        }
        ulong total = vma.Pages;
        ulong present = 0;
        ulong firstPresent = ulong.MaxValue;
        for (ulong a = vma.Start; a < vma.End; a += Page.Size)
        {
            if (mm.Paging.PagemapPageAt(vma, a).Kind == PagemapPteKind.Present)
            {
                present++;
                firstPresent = Math.Min(firstPresent, a);
            }
        }
        ulong windowStart = total <= (ulong)maxPages || firstPresent == ulong.MaxValue
            ? vma.Start
            : Math.Min(firstPresent, vma.End - Page.Bytes((ulong)maxPages));
        var rows = new List<PageRow>();
        for (ulong a = windowStart; a < vma.End && rows.Count < maxPages; a += Page.Size)
        {
            rows.Add(new PageRow(a, mm.Paging.PagemapPageAt(vma, a)));
        }
        List<ulong> frames = FramesOf(rows);
        double listH = Math.Max(rows.Count, frames.Count) * RowH;
        double height = Top + listH + 110;
        string name = ProcMaps.Name(mm, vma) ?? "anonymous";
        var svg = new Svg(Width, height, $"Pages of {name} in {title}");
        svg.Text(12, 40, $"VMA {Palette.Hex(vma.Start)}-{Palette.Hex(vma.End)} · {total} pages · "
            + $"VSZ {Palette.Size(vma.Length)} · RSS {Palette.Size(Page.Bytes(present))} ({present} present)",
            size: 12, mono: true);
        svg.Text(PageX, Top - 10, "virtual page (address, PTE Present bit)", size: 11, weight: "bold");
        svg.Text(FrameX, Top - 10, "physical frame (PFN)", size: 11, weight: "bold");
        DrawLinks(svg, rows, frames);
        DrawPages(svg, rows);
        DrawFrames(svg, frames);
        double y = Top + listH + 22;
        if ((ulong)rows.Count < total)
        {
            ulong before = Page.Pages(windowStart - vma.Start);
            ulong after = total - before - (ulong)rows.Count;
            svg.Text(PageX, y, $"{rows.Count} of {total} pages drawn ({before} before, {after} after this window)", size: 11,
                fill: Palette.Muted, italic: true);
            y += 18;
        }
        double x = 12;
        x = svg.LegendItem(x, y + 12, Palette.Present, "present (P=1): counted in RSS");
        x = svg.LegendItem(x, y + 12, Palette.Absent, "not present (P=0): VSZ only");
        svg.LegendItem(x, y + 12, Palette.Swapped, "swapped out");
        svg.LegendItem(12, y + 32, Palette.Frame, "frame (4 KiB of RAM); several pages may share one, e.g. the zero page");
        return svg.Finish();
    }

    /// <summary>The distinct frames the drawn pages map, sorted.</summary>
    private static List<ulong> FramesOf(List<PageRow> rows)
    {
        var set = new SortedSet<ulong>();
        foreach (PageRow r in rows)
        {
            if (r.Page.Kind == PagemapPteKind.Present)
            {
                set.Add(r.Page.Pfn);
            }
        }
        return [.. set];
    }

    private static void DrawPages(Svg svg, List<PageRow> rows)
    {
        svg.BeginGroup("pages");
        for (int i = 0; i < rows.Count; i++)
        {
            PageRow r = rows[i];
            double y = Top + (i * RowH);
            string fill = r.Page.Kind switch
            {
                PagemapPteKind.Present => Palette.Present,
                PagemapPteKind.Swap => Palette.Swapped,
                _ => Palette.Absent,
            };
            svg.Rect(PageX, y + 1, PageW, RowH - 2, fill, Palette.Outline);
            svg.Text(PageX + 6, y + 14, Palette.Hex(r.Addr), size: 11, mono: true);
            string bit = r.Page.Kind switch
            {
                PagemapPteKind.Present => "P=1",
                PagemapPteKind.Swap => "P=0 swap",
                _ => "P=0",
            };
            svg.Text(PageX + PageW - 6, y + 14, bit, size: 11, anchor: "end", mono: true, weight: "bold");
        }
        svg.EndGroup();
    }

    private static void DrawFrames(Svg svg, List<ulong> frames)
    {
        svg.BeginGroup("frames");
        for (int i = 0; i < frames.Count; i++)
        {
            double y = Top + (i * RowH);
            svg.Rect(FrameX, y + 1, FrameW, RowH - 2, Palette.Frame, Palette.Outline);
            svg.Text(FrameX + 6, y + 14, $"PFN {Palette.Hex(frames[i])}", size: 11, mono: true);
            svg.Text(FrameX + FrameW - 6, y + 14, Palette.Hex(frames[i] << Page.Shift), size: 9.5, anchor: "end",
                mono: true, fill: Palette.Muted);
        }
        svg.EndGroup();
    }

    private static void DrawLinks(Svg svg, List<PageRow> rows, List<ulong> frames)
    {
        svg.BeginGroup("links");
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Page.Kind != PagemapPteKind.Present)
            {
                continue;
            }
            int f = frames.BinarySearch(rows[i].Page.Pfn);
            double y1 = Top + (i * RowH) + (RowH / 2);
            double y2 = Top + (f * RowH) + (RowH / 2);
            svg.Line(PageX + PageW, y1, FrameX - 2, y2, "#2e7d32", 1.3, arrow: true);
        }
        svg.EndGroup();
    }
}
