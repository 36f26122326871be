using Mmsim.Mm;
using Mmsim.Proc;

namespace Mmsim.Pictures;

/// <summary>What a VMA is, for its colour in the layout picture.</summary>
public enum SegmentKind
{
    /// <summary>A file mapped executable: program or library text.</summary>
    Code,

    /// <summary>A file mapped without exec: read-only data, RELRO, data.</summary>
    FileData,

    /// <summary>Anonymous memory between the program's end and the heap: its bss.</summary>
    Bss,

    /// <summary>The brk area, [heap].</summary>
    Heap,

    /// <summary>Other anonymous memory (mmap, thread stacks, allocator arenas).</summary>
    Anon,

    /// <summary>The main thread's stack, [stack].</summary>
    Stack,

    /// <summary>A special mapping: [vdso], [vvar], [vvar_vclock].</summary>
    Special,

    /// <summary>PROT_NONE: a guard or a reservation.</summary>
    NoAccess,
}

/// <summary>
/// Picture 1: the layout of one address space, high addresses at the top as textbooks draw it.
/// Every VMA is a box whose height grows with the logarithm of its size (so a one-page [vdso]
/// stays visible beside a 1 GiB reservation); the empty stretches between them are collapsed
/// into short break rows that state their size. Boundaries are labelled with real addresses,
/// boxes with name, role, permissions and size; start_brk, brk, mmap_base and start_stack are
/// marked where they fall.
/// </summary>
public static class AddressSpacePicture
{
    private const double Top = 58;
    private const double AddrRight = 146;
    private const double BoxX = 154;
    private const double BoxW = 170;
    private const double MarkX = BoxX + BoxW + 6;
    private const double LabelX = 450;
    private const double GapH = 22;
    private const double Width = 980;

    /// <summary>More VMAs than this and the segments of one file that touch are drawn as one box.</summary>
    public const int CompactAbove = 48;

    /// <summary>
    /// One row of the drawing: a VMA (or, in a compact drawing, the touching VMAs of one file,
    /// <paramref name="Count"/> of them from <paramref name="Vma"/> up) or a gap (null), [Lo, Hi)
    /// drawn from YTop down to YBottom.
    /// </summary>
    private readonly record struct Row(ulong Lo, ulong Hi, double YTop, double YBottom, Vma? Vma, int Count = 1);

    /// <summary>
    /// The SVG of mm's layout. <paramref name="title"/> names the process (e.g. "pid 42 (sleep)").
    /// Reads the VMAs, the layout fields and, with paging, the RSS; changes nothing.
    /// </summary>
    public static string Render(MmStruct mm, string title)
    {
        List<Row> rows = Layout(mm, out double bottom);
        double height = bottom + (mm.MapCount > CompactAbove ? 112 : 96);
        long rssPages = mm.Paging?.Rss ?? 0;
        var svg = new Svg(Width, height, $"Address space of {title}");
        svg.Text(12, 40, $"VSZ {Palette.Size(Page.Bytes(mm.TotalVm))} · RSS {Palette.Size(Page.Bytes((ulong)rssPages))} · "
            + $"{mm.MapCount} VMAs · high addresses at the top · box height grows with log(size) · ≈ marks a collapsed gap",
            size: 11, fill: Palette.Muted);
        svg.BeginGroup("vmas");
        foreach (Row r in rows)
        {
            if (r.Vma is null)
            {
                DrawGap(svg, r);
            }
            else
            {
                DrawVma(svg, mm, r);
            }
        }
        svg.EndGroup();
        DrawAddresses(svg, rows);
        DrawMarkers(svg, mm, rows);
        DrawLegend(svg, mm, bottom + 30);
        return svg.Finish();
    }

    /// <summary>Classifies a VMA for its colour (see <see cref="SegmentKind"/>).</summary>
    public static SegmentKind Classify(MmStruct mm, Vma vma)
    {
        string? name = ProcMaps.Name(mm, vma);
        if (name == "[heap]")
        {
            return SegmentKind.Heap;
        }
        if (name == "[stack]")
        {
            return SegmentKind.Stack;
        }
        if (vma.SpecialName is not null)
        {
            return SegmentKind.Special;
        }
        if ((vma.Flags & (VmFlags.Read | VmFlags.Write | VmFlags.Exec)) == 0)
        {
            return SegmentKind.NoAccess;
        }
        if (vma.File is not null)
        {
            return (vma.Flags & VmFlags.Exec) != 0 ? SegmentKind.Code : SegmentKind.FileData;
        }
        if (mm.StartBrk != 0 && vma.End <= mm.StartBrk && vma.Start >= mm.StartCode && vma.Start < mm.StartBrk
            && mm.StartBrk - vma.End < (1UL << 30))
        {
            return SegmentKind.Bss;
        }
        return SegmentKind.Anon;
    }

    /// <summary>The colour of a kind.</summary>
    public static string Colour(SegmentKind kind) => kind switch
    {
        SegmentKind.Code => Palette.Code,
        SegmentKind.FileData => Palette.FileData,
        SegmentKind.Bss => Palette.Bss,
        SegmentKind.Heap => Palette.Heap,
        SegmentKind.Anon => Palette.Anon,
        SegmentKind.Stack => Palette.Stack,
        SegmentKind.Special => Palette.Special,
        _ => Palette.NoAccess,
    };

    /// <summary>
    /// The rows from the top of the user address space down to 0. With more than
    /// <see cref="CompactAbove"/> VMAs, the touching VMAs of one file become one row.
    /// </summary>
    private static List<Row> Layout(MmStruct mm, out double bottom)
    {
        var vmas = new List<Vma>();
        foreach (Vma v in mm.Vmas)
        {
            vmas.Add(v);
        }
        bool compact = vmas.Count > CompactAbove;
        var rows = new List<Row>();
        double y = Top;
        ulong above = mm.TaskSize;
        for (int i = vmas.Count - 1; i >= 0; i--)
        {
            int first = i;
            while (compact && first > 0 && SameGroup(mm, vmas[first - 1], vmas[first]))
            {
                first--;
            }
            Vma lo = vmas[first];
            Vma hi = vmas[i];
            double gapH = compact ? 16 : GapH;
            if (above > hi.End)
            {
                rows.Add(new Row(hi.End, above, y, y + gapH, null));
                y += gapH;
            }
            double log = Math.Log2(Math.Max(Page.Pages(hi.End - lo.Start), 1));
            double h = compact ? Math.Clamp(17 + (2 * log), 17, 44) : Math.Clamp(18 + (6 * log), 18, 96);
            rows.Add(new Row(lo.Start, hi.End, y, y + h, lo, i - first + 1));
            y += h;
            above = lo.Start;
            i = first;
        }
        if (above > 0)
        {
            rows.Add(new Row(0, above, y, y + GapH, null));
            y += GapH;
        }
        bottom = y;
        return rows;
    }

    /// <summary>
    /// Whether two neighbouring VMAs share a box in a compact drawing: they touch and are the
    /// segments of one file, or both plain anonymous memory (an arena and its reserve, a thread
    /// stack and its guard).
    /// </summary>
    private static bool SameGroup(MmStruct mm, Vma lower, Vma upper)
    {
        if (lower.End != upper.Start)
        {
            return false;
        }
        if (upper.File is not null)
        {
            return lower.File?.Inode == upper.File.Inode;
        }
        return lower.File is null && Classify(mm, lower) is SegmentKind.Anon or SegmentKind.NoAccess
            && Classify(mm, upper) is SegmentKind.Anon or SegmentKind.NoAccess;
    }

    private static void DrawVma(Svg svg, MmStruct mm, Row r)
    {
        Vma v = r.Vma!;
        SegmentKind kind = Classify(mm, v);
        string label = Describe(mm, v, kind);
        if (r.Count > 1)
        {
            // The segments of one file: coloured as text when one of them is.
            var perms = new System.Text.StringBuilder();
            Vma? s = v;
            for (int k = 0; k < r.Count && s is not null; k++, s = s.Next)
            {
                kind = (s.Flags & VmFlags.Exec) != 0 ? SegmentKind.Code : Classify(mm, s) == SegmentKind.Anon ? SegmentKind.Anon : kind;
                if (k < 6)
                {
                    perms.Append(k == 0 ? "" : " ").Append(Perms(s));
                }
            }
            if (r.Count > 6)
            {
                perms.Append(" …");
            }
            string name = ProcMaps.Name(mm, v) ?? "anonymous";
            label = $"{(name.Length > 44 ? "…" + name[^43..] : name)} · {r.Count} VMAs: {perms}";
        }
        svg.Rect(BoxX, r.YTop, BoxW, r.YBottom - r.YTop, Colour(kind), Palette.Outline);
        double mid = (r.YTop + r.YBottom) / 2;
        svg.Text(BoxX + (BoxW / 2), mid + 4, Palette.Size(r.Hi - r.Lo), size: 11, anchor: "middle", mono: true);
        svg.Text(LabelX, mid + 4, label, size: 11.5);
    }

    /// <summary>The four permission characters of maps: "r-xp".</summary>
    private static string Perms(Vma v) => new([
        (v.Flags & VmFlags.Read) != 0 ? 'r' : '-',
        (v.Flags & VmFlags.Write) != 0 ? 'w' : '-',
        (v.Flags & VmFlags.Exec) != 0 ? 'x' : '-',
        (v.Flags & VmFlags.MayShare) != 0 ? 's' : 'p',
    ]);

    /// <summary>"/usr/lib/libc.so.6 · text · r-xp · 1.5 MiB" style label of one VMA.</summary>
    internal static string Describe(MmStruct mm, Vma v, SegmentKind kind)
    {
        string? name = ProcMaps.Name(mm, v);
        string role = kind switch
        {
            SegmentKind.Code => "text",
            SegmentKind.FileData => (v.Flags & VmFlags.Write) != 0 ? "data" : "read-only data",
            SegmentKind.Bss => "bss",
            SegmentKind.Anon => (v.Flags & VmFlags.Shared) != 0 ? "shared anonymous" : "anonymous",
            SegmentKind.NoAccess => "no access (guard/reserve)",
            _ => "",
        };
        if (name is not null && name.Length > 44)
        {
            name = "…" + name[^43..];
        }
        string perms = Perms(v);
        string head = name is null ? role : role.Length == 0 ? name : name + " · " + role;
        string grows = kind switch
        {
            SegmentKind.Heap => " · grows up with brk() ↑",
            SegmentKind.Stack => " · grows down ↓",
            _ => "",
        };
        return $"{head} · {perms}{grows}";
    }

    private static void DrawGap(Svg svg, Row r)
    {
        double mid = (r.YTop + r.YBottom) / 2;
        svg.Rect(BoxX, r.YTop, BoxW, r.YBottom - r.YTop, "#ffffff", Palette.Grid, dash: "3 3");
        // Two zigzag break marks across the box: the gap is not to scale.
        for (int k = 0; k < 2; k++)
        {
            double yy = mid - 3 + (k * 6);
            var d = new System.Text.StringBuilder();
            d.Append("M").Append(Svg.N(BoxX - 6)).Append(',').Append(Svg.N(yy));
            for (double x = BoxX - 6; x < BoxX + BoxW + 6; x += 8)
            {
                d.Append(" L").Append(Svg.N(x + 4)).Append(',').Append(Svg.N(yy - 3)).Append(" L").Append(Svg.N(x + 8)).Append(',').Append(Svg.N(yy));
            }
            svg.Path(d.ToString(), "none", Palette.Muted);
        }
        svg.Text(LabelX, mid + 4, $"≈ unmapped gap of {Palette.Size(r.Hi - r.Lo)}", size: 11, fill: Palette.Muted, italic: true);
    }

    /// <summary>Each distinct row boundary gets its address once, at the left.</summary>
    private static void DrawAddresses(Svg svg, List<Row> rows)
    {
        svg.BeginGroup("addresses");
        double lastY = double.NegativeInfinity;
        foreach (Row r in rows)
        {
            if (r.YTop - lastY > 0.5)
            {
                svg.Text(AddrRight, r.YTop + 4, Palette.Hex(r.Hi), size: 10.5, anchor: "end", mono: true);
                svg.Line(AddrRight + 2, r.YTop, BoxX, r.YTop, Palette.Muted);
            }
            lastY = r.YTop;
        }
        if (rows.Count > 0)
        {
            Row last = rows[^1];
            svg.Text(AddrRight, last.YBottom + 4, Palette.Hex(last.Lo), size: 10.5, anchor: "end", mono: true);
            svg.Line(AddrRight + 2, last.YBottom, BoxX, last.YBottom, Palette.Muted);
        }
        svg.EndGroup();
    }

    /// <summary>The y of an address: linear inside the row that holds it.</summary>
    private static double YOf(List<Row> rows, ulong addr)
    {
        foreach (Row r in rows)
        {
            if (addr >= r.Lo && addr <= r.Hi)
            {
                double f = r.Hi == r.Lo ? 0 : (double)(addr - r.Lo) / (r.Hi - r.Lo);
                return r.YBottom - (f * (r.YBottom - r.YTop));
            }
        }
        return rows.Count == 0 ? Top : addr > rows[0].Hi ? rows[0].YTop : rows[^1].YBottom;
    }

    private static void DrawMarkers(Svg svg, MmStruct mm, List<Row> rows)
    {
        var marks = new List<(double Y, string Name)>();
        void Add(string name, ulong a)
        {
            if (a != 0)
            {
                marks.Add((YOf(rows, a), name));
            }
        }
        Add("start_stack", mm.StartStack);
        Add("mmap_base", mm.MmapBase);
        Add("brk", mm.Brk);
        Add("start_brk", mm.StartBrk);
        marks.Sort((a, b) => a.Y != b.Y ? a.Y.CompareTo(b.Y) : string.CompareOrdinal(a.Name, b.Name));
        svg.BeginGroup("markers");
        double next = double.NegativeInfinity;
        foreach ((double y, string name) in marks)
        {
            double ly = Math.Max(y, next);
            next = ly + 13;
            svg.Line(BoxX - 2, y, BoxX + BoxW + 2, y, Palette.Marker, 1.5, dash: "5 3");
            svg.Line(MarkX + 26, ly, BoxX + BoxW + 3, y, Palette.Marker, 1.2, arrow: true);
            svg.Text(MarkX + 29, ly + 4, name, size: 11, fill: Palette.Marker, mono: true, weight: "bold");
        }
        svg.EndGroup();
    }

    private static void DrawLegend(Svg svg, MmStruct mm, double y)
    {
        double x = 12;
        (SegmentKind K, string L)[] items =
        [
            (SegmentKind.Code, "file text"), (SegmentKind.FileData, "file data"), (SegmentKind.Bss, "bss"),
            (SegmentKind.Heap, "heap"), (SegmentKind.Anon, "anonymous mmap"), (SegmentKind.Stack, "stack"),
            (SegmentKind.Special, "vdso/vvar"), (SegmentKind.NoAccess, "PROT_NONE"),
        ];
        foreach ((SegmentKind k, string l) in items)
        {
            x = svg.LegendItem(x, y, Colour(k), l);
        }
        svg.Text(12, y + 24, $"start_brk {Palette.Hex(mm.StartBrk)} · brk {Palette.Hex(mm.Brk)} · mmap_base {Palette.Hex(mm.MmapBase)} · "
            + $"start_stack {Palette.Hex(mm.StartStack)} · TASK_SIZE {Palette.Hex(mm.TaskSize)}", size: 11, mono: true, fill: Palette.Marker);
        svg.Text(12, y + 42, "Not drawn: [vsyscall] at 0xffffffffff600000 (kernel address, not a VMA of the mm).", size: 10.5, fill: Palette.Muted);
        if (mm.MapCount > CompactAbove)
        {
            svg.Text(12, y + 58, $"More than {CompactAbove} VMAs: touching VMAs of one file, or touching anonymous ones, share a box "
                + "(the maps below list each).", size: 10.5, fill: Palette.Muted);
        }
    }
}
