using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Pgtable;

namespace Mmsim.Pictures;

/// <summary>
/// Picture 3: how the MMU translated one address. At the top the address is split into the
/// index fields of the paging mode (4-level, LA57, 2-level 10/10/12, PAE) and the page offset;
/// below, from CR3, each table the walk read with the entry the field selected (its index,
/// value and flag bits), down to the page frame and the physical address. A badge says whether
/// the TLB hit (no walk needed) or missed; a fault on the way is stated, and the walk drawn is
/// the one that succeeded after the handler filled the tables (or, for a SIGSEGV, the failed one).
/// </summary>
public static class PageWalkPicture
{
    private const double ColW = 164;
    private const double ColStep = 184;
    private const double Left = 20;
    private const double FieldY = 96;
    private const double FieldH = 46;
    private const double TableY = 196;
    private const double TableH = 176;
    private const double EntryY = TableY + 84;

    /// <summary>One field of the address: its name, high and low bit, and value.</summary>
    internal readonly record struct AddressField(string Name, int High, int Low, ulong Value);

    /// <summary>
    /// The SVG of one explained access (<see cref="Process.Kernel.Explain"/>) in the paging
    /// mode <paramref name="mode"/>. <paramref name="title"/> names the process.
    /// </summary>
    public static string Render(TranslateExplain e, PagingMode mode, string title)
    {
        PagingGeometry g = PagingGeometry.Of(mode);
        IReadOnlyList<WalkStep> steps = e.WalkAfterFault.Count > 0 ? e.WalkAfterFault : e.Walk;
        List<AddressField> fields = Fields(e.Address, g, steps);
        int columns = g.Levels + 2;
        double width = Math.Max(Left + (columns * ColStep) + 10, 760);
        double height = TableY + TableH + 140;
        string kind = e.Kind.ToString().ToLowerInvariant();
        var svg = new Svg(width, height, $"Page walk: {kind} of {Palette.Hex(e.Address)} by {title}");
        svg.Text(12, 42, $"{ModeName(mode)} · cpu {e.Cpu} · {e.Walks} walk(s), {e.MemoryRefs} paging-structure reads", size: 12);
        DrawBadge(svg, e, width);
        DrawFields(svg, e.Address, fields, g);
        if (steps.Count == 0)
        {
            DrawHit(svg, e);
        }
        else
        {
            DrawTables(svg, e, steps, g);
        }
        DrawFooter(svg, e, height);
        return svg.Finish();
    }

    /// <summary>The kernel's name of a paging mode.</summary>
    public static string ModeName(PagingMode mode) => mode switch
    {
        PagingMode.FourLevel => "x86-64 4-level paging (48-bit addresses)",
        PagingMode.FiveLevel => "x86-64 5-level paging, LA57 (57-bit addresses)",
        PagingMode.TwoLevel => "i386 2-level paging (10/10/12)",
        _ => "i386 PAE paging (2/9/9/12)",
    };

    /// <summary>
    /// The address split as the walk used it: the sign extension (64-bit modes), one index per
    /// level down to the leaf (a huge leaf ends the indices early) and the offset in the page.
    /// </summary>
    internal static List<AddressField> Fields(ulong addr, PagingGeometry g, IReadOnlyList<WalkStep> steps)
    {
        var fields = new List<AddressField>();
        int last = g.Levels - 1;
        if (steps.Count > 0 && steps[^1].Huge)
        {
            last = steps.Count - 1;
        }
        int top = g.Shift(0) + g.Bits[0];
        if (g.EntryBytes == 8 && g.Mode is PagingMode.FourLevel or PagingMode.FiveLevel)
        {
            fields.Add(new AddressField("sign ext.", 63, top, addr >> top));
        }
        for (int l = 0; l <= last; l++)
        {
            fields.Add(new AddressField(LevelName(g, l), g.Shift(l) + g.Bits[l] - 1, g.Shift(l), (ulong)g.Index(l, addr)));
        }
        int low = g.Shift(last);
        fields.Add(new AddressField("offset", low - 1, 0, addr & ((1UL << low) - 1)));
        return fields;
    }

    private static string LevelName(PagingGeometry g, int l) => g.LevelKinds[l].ToString().ToUpperInvariant();

    private static double ColX(int column) => Left + (column * ColStep);

    private static void DrawBadge(Svg svg, TranslateExplain e, double width)
    {
        (string text, string fill) = e.Hit switch
        {
            TlbHitLevel.L1 => ("TLB HIT (L1): no walk", Palette.Present),
            TlbHitLevel.Stlb => ("TLB HIT (STLB): no walk", Palette.Present),
            _ => ("TLB MISS → page walk", Palette.Marker),
        };
        svg.Rect(width - 250, 10, 236, 30, fill, Palette.Outline, rx: 6);
        svg.Text(width - 132, 30, text, size: 13, anchor: "middle", fill: "#ffffff", weight: "bold");
    }

    private static void DrawFields(Svg svg, ulong addr, List<AddressField> fields, PagingGeometry g)
    {
        svg.Text(Left, FieldY - 12, $"virtual address {Palette.Hex(addr)} split into its fields (bits high..low: value)", size: 11.5, weight: "bold");
        svg.BeginGroup("fields");
        bool hasSign = fields[0].Name == "sign ext.";
        for (int i = 0; i < fields.Count; i++)
        {
            AddressField f = fields[i];
            int column = hasSign ? i : i + 1;
            if (i == fields.Count - 1)
            {
                column = g.Levels + 1;
            }
            double x = ColX(column);
            string fill = f.Name == "offset" ? "#fff3c4" : f.Name == "sign ext." ? "#eeeeee" : "#e3eefb";
            svg.Rect(x, FieldY, ColW, FieldH, fill, Palette.Outline);
            svg.Text(x + (ColW / 2), FieldY + 17, $"{f.Name} {f.High}..{f.Low}", size: 11.5, anchor: "middle", weight: "bold");
            string value = f.Name == "sign ext." ? (f.Value == 0 ? "all 0" : "all 1") : $"{Palette.Hex(f.Value)} = {f.Value}";
            svg.Text(x + (ColW / 2), FieldY + 36, value, size: 11, anchor: "middle", mono: true);
        }
        svg.EndGroup();
    }

    private static void DrawTables(Svg svg, TranslateExplain e, IReadOnlyList<WalkStep> steps, PagingGeometry g)
    {
        // CR3 in column 0.
        double cx = ColX(0);
        svg.Rect(cx + 30, TableY + 60, ColW - 60, 44, "#e8e8e8", Palette.Outline, rx: 4);
        svg.Text(cx + (ColW / 2), TableY + 80, "CR3", size: 13, anchor: "middle", weight: "bold");
        svg.Text(cx + (ColW / 2), TableY + 96, $"frame {Palette.Hex((ulong)steps[0].TableFrame)}", size: 10, anchor: "middle", mono: true);
        svg.Line(cx + ColW - 30, TableY + 82, ColX(1) - 2, TableY + 14, Palette.Outline, 1.5, arrow: true);
        svg.BeginGroup("tables");
        for (int i = 0; i < steps.Count; i++)
        {
            DrawTable(svg, steps[i], i + 1, g, i == 0 && g.RootInRegisters);
        }
        svg.EndGroup();
        WalkStep leaf = steps[^1];
        if (leaf.Huge)
        {
            for (int l = leaf.Level + 1; l < g.Levels; l++)
            {
                double hx = ColX(l + 1);
                svg.Rect(hx, TableY + 104, ColW, 60, "#ffffff", Palette.Muted, dash: "4 3");
                svg.Text(hx + (ColW / 2), TableY + 130, $"no {LevelName(g, l)} level:", size: 11, anchor: "middle", fill: Palette.Muted);
                svg.Text(hx + (ColW / 2), TableY + 146, $"{leaf.Name} maps a huge page", size: 11, anchor: "middle", fill: Palette.Muted);
            }
        }
        if (leaf.Present && leaf.Leaf)
        {
            DrawFrame(svg, e, leaf, g);
        }
        else
        {
            double x = ColX(steps.Count + 1);
            svg.Rect(x, TableY + 60, ColW, 50, "#fde0dc", Palette.Marker, rx: 4);
            svg.Text(x + (ColW / 2), TableY + 80, "entry not present", size: 12, anchor: "middle", fill: Palette.Marker, weight: "bold");
            svg.Text(x + (ColW / 2), TableY + 98, $"→ page fault ({e.Result})", size: 11, anchor: "middle", fill: Palette.Marker);
            svg.Line(ColX(steps.Count) + ColW, EntryY, x - 2, TableY + 84, Palette.Marker, 1.5, arrow: true);
        }
    }

    private static void DrawTable(Svg svg, WalkStep s, int column, PagingGeometry g, bool inRegisters)
    {
        double x = ColX(column);
        int entries = 1 << g.Bits[s.Level];
        svg.Rect(x, TableY, ColW, TableH, "#fafafa", Palette.Outline);
        svg.Text(x + (ColW / 2), TableY + 16, $"{s.Name} table", size: 12, anchor: "middle", weight: "bold");
        svg.Text(x + (ColW / 2), TableY + 31, inRegisters ? "PDPTE registers" : $"frame {Palette.Hex((ulong)s.TableFrame)}",
            size: 10, anchor: "middle", mono: true, fill: Palette.Muted);
        svg.Text(x + (ColW / 2), TableY + 45, $"{entries} entries × {g.EntryBytes} bytes", size: 10, anchor: "middle", fill: Palette.Muted);
        for (int k = 0; k < 5; k++)
        {
            double ry = TableY + 54 + (k * 24);
            if (k is 2 or 3)
            {
                continue;
            }
            svg.Rect(x + 8, ry + 4, ColW - 16, 16, "#ffffff", Palette.Grid);
        }
        string fill = s.Present ? (s.Leaf ? "#c8e6c9" : "#e3eefb") : "#fde0dc";
        svg.Rect(x + 4, EntryY - 16, ColW - 8, 50, fill, s.Present ? Palette.Outline : Palette.Marker, 1.5);
        svg.Text(x + 26, EntryY - 2, $"entry [{Palette.Hex((ulong)s.Index)}] = {s.Index}", size: 10.5, mono: true, weight: "bold");
        svg.Text(x + (ColW / 2), EntryY + 13, Palette.Hex(s.Entry), size: 10.5, anchor: "middle", mono: true);
        svg.Text(x + (ColW / 2), EntryY + 28, Flags(s), size: 10, anchor: "middle", mono: true,
            fill: s.Present ? Palette.Ink : Palette.Marker);
        // The field that chose this entry.
        svg.Line(x + 16, FieldY + FieldH, x + 16, EntryY - 17, Palette.Code, 1.2, dash: "4 3", arrow: true);
        if (s.Present && !s.Leaf)
        {
            svg.Line(x + ColW - 4, EntryY, ColX(column + 1) - 2, TableY + 14, Palette.Outline, 1.5, arrow: true);
        }
    }

    /// <summary>"P W U A NX → next table" / "not present" flags of an entry.</summary>
    private static string Flags(WalkStep s)
    {
        if (!s.Present)
        {
            return "P=0: not present";
        }
        string f = "P " + (s.Writable ? "RW " : "RO ") + (s.User ? "U" : "S");
        if (s.Accessed)
        {
            f += " A";
        }
        if (s.Leaf && s.Dirty)
        {
            f += " D";
        }
        if (s.Huge)
        {
            f += " PS";
        }
        if (s.NoExecute)
        {
            f += " NX";
        }
        return f;
    }

    private static void DrawFrame(Svg svg, TranslateExplain e, WalkStep leaf, PagingGeometry g)
    {
        double x = ColX(g.Levels + 1);
        ulong pageBytes = leaf.Huge ? g.Span(leaf.Level) : Page.Size;
        svg.BeginGroup("frame");
        svg.Rect(x, TableY, ColW, TableH, "#c8e6c9", Palette.Outline);
        svg.Text(x + (ColW / 2), TableY + 18, $"page frame ({Palette.Size(pageBytes)})", size: 12, anchor: "middle", weight: "bold");
        svg.Text(x + (ColW / 2), TableY + 40, $"PFN {Palette.Hex(leaf.Pfn)}", size: 11, anchor: "middle", mono: true);
        svg.Rect(x + 8, EntryY - 16, ColW - 16, 36, "#ffffff", Palette.Outline, 1.5);
        svg.Text(x + (ColW / 2), EntryY - 2, "byte at offset", size: 10, anchor: "middle");
        svg.Text(x + (ColW / 2), EntryY + 13, Palette.Hex(e.Address & (pageBytes - 1)), size: 10.5, anchor: "middle", mono: true);
        string pa = e.PhysAddr != 0 ? Palette.Hex(e.PhysAddr) : Palette.Hex((leaf.Pfn << Page.Shift) | (e.Address & (pageBytes - 1)));
        svg.Text(x + (ColW / 2), TableY + TableH - 14, $"phys {pa}", size: 10.5, anchor: "middle", mono: true, weight: "bold");
        svg.EndGroup();
        int fromColumn = leaf.Level + 1;
        svg.Line(ColX(fromColumn) + ColW - 4, EntryY, x - 2, TableY + 24, Palette.Outline, 1.5, arrow: true);
        svg.Line(x + ColW - 14, FieldY + FieldH, x + ColW - 14, EntryY - 17, Palette.Code, 1.2, dash: "4 3", arrow: true);
    }

    private static void DrawHit(Svg svg, TranslateExplain e)
    {
        double x = ColX(1);
        svg.Rect(x, TableY + 30, (ColStep * 3) - 20, 70, "#e8f5e9", Palette.Present, 1.5, rx: 6);
        svg.Text(x + 14, TableY + 58, $"The TLB ({e.Hit}) held this page's translation: the MMU read no table.", size: 12.5, weight: "bold");
        svg.Text(x + 14, TableY + 82, e.Result == FaultResult.Ok ? $"physical address {Palette.Hex(e.PhysAddr)}" : $"result {e.Result}",
            size: 12, mono: true);
    }

    private static void DrawFooter(Svg svg, TranslateExplain e, double height)
    {
        double y = height - 106;
        if (e.PageFaults != 0 && e.Walk.Count > 0)
        {
            WalkStep stop = e.Walk[^1];
            string why = stop.Present ? "refused the access (protection)" : "was not present";
            string handled = e.Result switch
            {
                FaultResult.Ok => $"the fault handler ({e.MinorFaults} minor, {e.MajorFaults} major) filled the tables; the retry walked as drawn.",
                FaultResult.MapErr => "no VMA covers the address: the handler sends SIGSEGV (SEGV_MAPERR); nothing is retried.",
                FaultResult.AccErr => "the VMA forbids the access: the handler sends SIGSEGV (SEGV_ACCERR); nothing is retried.",
                FaultResult.SigBus => "the page lies past the end of the file: SIGBUS; nothing is retried.",
                _ => $"the handler failed ({e.Result}); nothing is retried.",
            };
            svg.Text(Left, y, $"First walk: {stop.Name}[{Palette.Hex((ulong)stop.Index)}] {why} → #PF; {handled}",
                size: 11.5, fill: Palette.Marker);
        }
        y += 22;
        string outcome = e.Result == FaultResult.Ok ? $"→ physical address {Palette.Hex(e.PhysAddr)}" : $"→ {e.Result}";
        svg.Text(Left, y, $"Result: {outcome}", size: 12, mono: true, weight: "bold");
        y += 26;
        double x = Left;
        x = svg.LegendItem(x, y, "#e3eefb", "entry → next table");
        x = svg.LegendItem(x, y, "#c8e6c9", "leaf entry / page frame");
        x = svg.LegendItem(x, y, "#fde0dc", "not present", Palette.Marker);
        svg.Text(x, y, "dashed arrow: the address field that indexes the table", size: 10.5, fill: Palette.Muted);
        svg.Text(Left, y + 18, "flags: P present, RW writable / RO read-only, U user / S supervisor, A accessed, D dirty, PS huge page, "
            + "NX no-execute", size: 10.5, fill: Palette.Muted);
    }
}
