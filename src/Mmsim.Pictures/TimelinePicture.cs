using System.Globalization;
using System.Text;

namespace Mmsim.Pictures;

/// <summary>One moment of a run: the process's VSZ, RSS and fault counts after a call.</summary>
/// <param name="Index">Where in the run: the trace line (or the scenario step).</param>
/// <param name="VszBytes">total_vm in bytes.</param>
/// <param name="RssBytes">The resident set in bytes.</param>
/// <param name="MinFlt">Minor faults so far (cumulative).</param>
/// <param name="MajFlt">Major faults so far (cumulative).</param>
public readonly record struct MemorySample(long Index, ulong VszBytes, ulong RssBytes, long MinFlt, long MajFlt);

/// <summary>
/// Picture 5: a timeline of one process over a run: VSZ and RSS as step lines on a shared byte
/// axis (top panel), and the cumulative minor and major faults (bottom panel), both against the
/// trace line (or scenario step) on a shared horizontal axis.
/// </summary>
public static class TimelinePicture
{
    private const double Left = 90;
    private const double Right = 30;
    private const double Width = 900;
    private const double TopPanelY = 70;
    private const double TopPanelH = 220;
    private const double BottomPanelY = TopPanelY + TopPanelH + 56;
    private const double BottomPanelH = 130;

    /// <summary>The SVG of <paramref name="samples"/> (in run order). <paramref name="axisLabel"/> names the x axis.</summary>
    public static string Render(IReadOnlyList<MemorySample> samples, string title, string axisLabel = "trace line")
    {
        double height = BottomPanelY + BottomPanelH + 74;
        var svg = new Svg(Width, height, $"VSZ and RSS over time: {title}");
        if (samples.Count == 0)
        {
            svg.Text(12, 60, "no samples", size: 12, fill: Palette.Muted);
            return svg.Finish();
        }
        MemorySample last = samples[^1];
        ulong peakVsz = 0;
        ulong peakRss = 0;
        long maxFlt = 1;
        foreach (MemorySample s in samples)
        {
            peakVsz = Math.Max(peakVsz, s.VszBytes);
            peakRss = Math.Max(peakRss, s.RssBytes);
            maxFlt = Math.Max(maxFlt, s.MinFlt + s.MajFlt);
        }
        svg.Text(12, 42, $"{samples.Count} samples · peak VSZ {Palette.Size(peakVsz)} · peak RSS {Palette.Size(peakRss)} · "
            + $"at the end: {last.MinFlt} minor, {last.MajFlt} major faults", size: 12);
        long x0 = samples[0].Index;
        // A little room after the last sample, so its values show as a step, not an edge.
        long x1 = Math.Max(last.Index, x0 + 1) + Math.Max(1, (last.Index - x0) / 25);
        double X(long i) => Left + ((Width - Left - Right) * (i - x0) / (x1 - x0));

        double bytesTop = NiceBytes(Math.Max(peakVsz, 4096));
        DrawAxes(svg, TopPanelY, TopPanelH, bytesTop, v => Palette.Size((ulong)v), "bytes");
        double YB(ulong v) => TopPanelY + TopPanelH - (TopPanelH * v / bytesTop);
        svg.BeginGroup("vsz");
        svg.Path(Step(samples, X, s => YB(s.VszBytes)), "none", Palette.Vsz, 2.2);
        svg.EndGroup();
        svg.BeginGroup("rss");
        svg.Path(Area(samples, X, s => YB(s.RssBytes), TopPanelY + TopPanelH), Palette.Rss, null, 1, opacity: 0.25);
        svg.Path(Step(samples, X, s => YB(s.RssBytes)), "none", Palette.Rss, 2.2);
        svg.EndGroup();

        double fltTop = NiceCeiling(Math.Max(maxFlt, 4));
        DrawAxes(svg, BottomPanelY, BottomPanelH, fltTop, v => v.ToString("#,0.##", CultureInfo.InvariantCulture), "faults");
        double YF(long v) => BottomPanelY + BottomPanelH - (BottomPanelH * v / fltTop);
        svg.BeginGroup("faults");
        svg.Path(Step(samples, X, s => YF(s.MinFlt)), "none", Palette.MinFlt, 2);
        svg.Path(Step(samples, X, s => YF(s.MajFlt)), "none", Palette.MajFlt, 2, dash: "6 3");
        svg.EndGroup();

        DrawXAxis(svg, x0, x1, X, axisLabel);
        double ly = height - 16;
        double lx = 12;
        lx = svg.LegendItem(lx, ly, Palette.Vsz, "VSZ (total_vm)");
        lx = svg.LegendItem(lx, ly, Palette.Rss, "RSS (resident pages)");
        lx = svg.LegendItem(lx, ly, Palette.MinFlt, "minor faults (cumulative)");
        svg.LegendItem(lx, ly, Palette.MajFlt, "major faults (cumulative, dashed)");
        return svg.Finish();
    }

    /// <summary>The smallest 1, 2 or 5 times a power of ten (or of 1024 for bytes-like values) at or above v.</summary>
    internal static double NiceCeiling(double v)
    {
        double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new double[] { 1, 2, 2.5, 5, 10 })
        {
            if (m * p >= v)
            {
                return m * p;
            }
        }
        return 10 * p;
    }

    /// <summary>The smallest power of two times a power of 1024 at or above v, so quarter ticks read 4 MiB, 8 MiB...</summary>
    internal static double NiceBytes(double v)
    {
        double p = 1;
        while (p < v)
        {
            p *= 2;
        }
        return p;
    }

    private static void DrawAxes(Svg svg, double y, double h, double top, Func<double, string> label, string name)
    {
        for (int k = 0; k <= 4; k++)
        {
            double gy = y + h - (h * k / 4);
            svg.Line(Left, gy, Width - Right, gy, Palette.Grid);
            svg.Text(Left - 6, gy + 4, label(top * k / 4), size: 10, anchor: "end", mono: true, fill: Palette.Muted);
        }
        svg.Line(Left, y, Left, y + h, Palette.Outline);
        svg.Line(Left, y + h, Width - Right, y + h, Palette.Outline);
        svg.Text(16, y + (h / 2), name, size: 11, anchor: "middle", rotate: -90, fill: Palette.Muted);
    }

    private static void DrawXAxis(Svg svg, long x0, long x1, Func<long, double> x, string axisLabel)
    {
        double step = NiceCeiling((x1 - x0) / 6.0);
        double yb = BottomPanelY + BottomPanelH;
        for (double t = Math.Ceiling(x0 / step) * step; t <= x1; t += step)
        {
            double px = x((long)t);
            svg.Line(px, yb, px, yb + 5, Palette.Outline);
            svg.Line(px, TopPanelY + TopPanelH, px, TopPanelY + TopPanelH + 5, Palette.Outline);
            svg.Text(px, yb + 18, Palette.Count((long)t), size: 10, anchor: "middle", mono: true, fill: Palette.Muted);
        }
        svg.Text(Left + ((Width - Left - Right) / 2), yb + 36, axisLabel, size: 11, anchor: "middle");
    }

    /// <summary>A step line: each value holds until the next sample, the last to the right edge.</summary>
    private static string Step(IReadOnlyList<MemorySample> s, Func<long, double> x, Func<MemorySample, double> y)
    {
        var d = new StringBuilder();
        d.Append('M').Append(Svg.N(x(s[0].Index))).Append(',').Append(Svg.N(y(s[0])));
        for (int i = 1; i < s.Count; i++)
        {
            d.Append(" H").Append(Svg.N(x(s[i].Index))).Append(" V").Append(Svg.N(y(s[i])));
        }
        d.Append(" H").Append(Svg.N(Width - Right));
        return d.ToString();
    }

    /// <summary>The area under a step line, down to <paramref name="baseY"/>.</summary>
    private static string Area(IReadOnlyList<MemorySample> s, Func<long, double> x, Func<MemorySample, double> y, double baseY)
    {
        return Step(s, x, y) + " V" + Svg.N(baseY) + " H" + Svg.N(x(s[0].Index)) + " Z";
    }
}
