namespace Mmsim.Pictures;

/// <summary>One row of a <see cref="CountsPicture"/>: an event and the counts after it (null: not there yet or any more).</summary>
public sealed record CountsRow(string Event, IReadOnlyList<long?> Values);

/// <summary>
/// Reference counts over a sequence of events (mm_users and mm_count as threads and processes come
/// and go): one row per event, one column per count, each cell its number and a bar scaled to the
/// column's largest value, so a count falling to 0 (the moment something is freed) stands out.
/// </summary>
public static class CountsPicture
{
    private const double Left = 12;
    private const double EventWidth = 430;
    private const double ColumnWidth = 118;
    private const double RowHeight = 26;
    private const double Top = 78;

    /// <summary>The picture; <paramref name="columns"/> name the counts in the order of each row's values.</summary>
    public static string Render(string title, string subtitle, IReadOnlyList<string> columns, IReadOnlyList<CountsRow> rows)
    {
        double width = Left + EventWidth + (columns.Count * ColumnWidth) + 12;
        double height = Top + (rows.Count * RowHeight) + 48;
        var svg = new Svg(width, height, title);
        svg.Text(Left, 42, subtitle, size: 12, fill: Palette.Muted);
        var max = new long[columns.Count];
        foreach (CountsRow r in rows)
        {
            for (int c = 0; c < columns.Count && c < r.Values.Count; c++)
            {
                max[c] = Math.Max(max[c], r.Values[c] ?? 0);
            }
        }
        svg.Text(Left, Top - 10, "event", weight: "bold");
        for (int c = 0; c < columns.Count; c++)
        {
            svg.Text(Left + EventWidth + (c * ColumnWidth), Top - 10, columns[c], weight: "bold");
        }
        for (int i = 0; i < rows.Count; i++)
        {
            double y = Top + (i * RowHeight);
            if (i % 2 == 0)
            {
                svg.Rect(Left - 4, y, width - (2 * Left) + 8, RowHeight, "#f6f8fb");
            }
            svg.Text(Left, y + 17, rows[i].Event);
            for (int c = 0; c < columns.Count; c++)
            {
                double x = Left + EventWidth + (c * ColumnWidth);
                long? v = c < rows[i].Values.Count ? rows[i].Values[c] : null;
                if (v is null)
                {
                    svg.Text(x, y + 17, "-", fill: Palette.Muted, mono: true);
                    continue;
                }
                double bar = max[c] == 0 ? 0 : (ColumnWidth - 40) * v.Value / max[c];
                svg.Rect(x + 22, y + 6, Math.Max(bar, 0), RowHeight - 12, v.Value == 0 ? Palette.Marker : Palette.Vsz);
                svg.Text(x + 16, y + 17, Palette.Count(v.Value), anchor: "end", mono: true, fill: v.Value == 0 ? Palette.Marker : Palette.Ink);
            }
        }
        svg.Text(Left, height - 18, "Bars are scaled per column; a 0 is drawn in red (for mm_users and mm_count: what it counts is freed then).",
            size: 11, fill: Palette.Muted);
        return svg.Finish();
    }
}
