using System.Globalization;
using System.Net;
using System.Text;
using Mmsim.Pictures;

namespace Mmsim.Cli;

/// <summary>
/// The HTML page of <c>mmsim report</c>: one self-contained file (inline CSS and SVG, no
/// scripts, no external assets) with a summary of the run and, for each process, its layout,
/// maps, a VMA's pages, a page walk, the buddy allocator and the VSZ/RSS timeline. Each picture
/// sits in a <c>figure class="pic pic-KIND"</c>.
/// </summary>
internal static class ReportPage
{
    private const string Css = """
        body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; margin: 24px auto; max-width: 1400px; color: #1a1a1a; padding: 0 16px; }
        h1 { font-size: 24px; margin-bottom: 4px; }
        h2 { font-size: 20px; border-bottom: 2px solid #3f6fb5; padding-bottom: 4px; margin-top: 40px; }
        h3 { font-size: 15px; margin: 22px 0 6px; }
        table { border-collapse: collapse; margin: 8px 0 16px; }
        th, td { border: 1px solid #cccccc; padding: 3px 10px; text-align: right; }
        th { background: #eef3fa; }
        td.l, th.l { text-align: left; }
        code, pre, td.mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
        pre { background: #f6f6f6; border: 1px solid #dddddd; padding: 8px; overflow-x: auto; }
        figure { margin: 8px 0 20px; overflow-x: auto; }
        figure svg { border: 1px solid #dddddd; max-width: none; }
        .muted { color: #666666; }
        .bad { color: #c62828; }
        .ok { color: #2e7d32; }
        nav a { margin-right: 12px; }
        """;

    /// <summary>The whole page of a run.</summary>
    public static string Build(ModelRun run)
    {
        var sb = new StringBuilder(1 << 16);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>mmsim report: ")
            .Append(H(run.Source)).Append("</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");
        sb.Append("<h1>mmsim report: <code>").Append(H(run.Source)).Append("</code></h1>\n");
        sb.Append("<p class=\"muted\">The model of the Linux 6.18 x86-64 memory-management subsystem, run on this ")
            .Append(H(run.SourceKind)).Append(". Pictures are drawn from the model's own state when each process was captured.</p>\n");
        Summary(sb, run);
        foreach (ProcessCapture p in run.Processes)
        {
            Process(sb, run, p);
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    private static void Summary(StringBuilder sb, ModelRun run)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        sb.Append("<h2 id=\"summary\">Summary</h2>\n<table>\n");
        Row(sb, "input", $"{run.Source} ({run.SourceKind})");
        Row(sb, "lines read", run.Lines.ToString("#,0", ci));
        Row(sb, "calls replayed", run.Calls.ToString("#,0", ci));
        Row(sb, "calls skipped (no model)", run.Skipped.ToString("#,0", ci));
        sb.Append("<tr><th class=\"l\">divergences</th><td class=\"l ").Append(run.Divergences.Count == 0 ? "ok" : "bad").Append("\">")
            .Append(run.Divergences.Count == 0 ? "none: every result agrees with the recording" : run.Divergences.Count.ToString(ci))
            .Append("</td></tr>\n</table>\n");
        if (run.CallsByName.Count > 0)
        {
            sb.Append("<p><b>calls by kind:</b> ");
            foreach (KeyValuePair<string, long> kv in run.CallsByName)
            {
                sb.Append("<code>").Append(H(kv.Key)).Append("</code> ").Append(kv.Value.ToString(ci)).Append(" &#160; ");
            }
            sb.Append("</p>\n");
        }
        if (run.Divergences.Count > 0)
        {
            sb.Append("<pre class=\"bad\">");
            int n = 0;
            foreach (string d in run.Divergences)
            {
                if (++n > 100)
                {
                    sb.Append(H($"... and {run.Divergences.Count - 100} more\n"));
                    break;
                }
                sb.Append(H(d)).Append('\n');
            }
            sb.Append("</pre>\n");
        }
        sb.Append("<table>\n<tr><th>pid</th><th class=\"l\">command</th><th class=\"l\">captured</th><th>VMAs</th><th>VSZ</th><th>RSS</th>"
            + "<th>minor faults</th><th>major faults</th></tr>\n");
        foreach (ProcessCapture p in run.Processes)
        {
            sb.Append("<tr><td><a href=\"#pid-").Append(p.Pid.ToString(ci)).Append("\">").Append(p.Pid.ToString(ci)).Append("</a></td><td class=\"l\">")
                .Append(H(p.Comm)).Append("</td><td class=\"l\">").Append(H(p.Moment)).Append("</td><td>").Append(p.Vmas.ToString(ci))
                .Append("</td><td>").Append(H(Palette.Size(p.VszBytes))).Append("</td><td>").Append(H(Palette.Size(p.RssBytes)))
                .Append("</td><td>").Append(p.MinFlt.ToString("#,0", ci)).Append("</td><td>").Append(p.MajFlt.ToString("#,0", ci))
                .Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
        if (run.ProcessesNotCaptured > 0)
        {
            sb.Append("<p class=\"muted\">").Append(run.ProcessesNotCaptured.ToString(ci))
                .Append(" more processes are not drawn (the report draws the first ").Append(TraceRun.MaxCaptured.ToString(ci)).Append(").</p>\n");
        }
    }

    private static void Process(StringBuilder sb, ModelRun run, ProcessCapture p)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        string pid = p.Pid.ToString(ci);
        sb.Append("<h2 id=\"pid-").Append(pid).Append("\">pid ").Append(pid).Append(" (").Append(H(p.Comm)).Append(")</h2>\n");
        sb.Append("<p>Captured ").Append(H(p.Moment)).Append(": ").Append(p.Vmas.ToString(ci)).Append(" VMAs, VSZ ")
            .Append(H(Palette.Size(p.VszBytes))).Append(", RSS ").Append(H(Palette.Size(p.RssBytes))).Append(", ")
            .Append(p.MinFlt.ToString(ci)).Append(" minor and ").Append(p.MajFlt.ToString(ci)).Append(" major faults.</p>\n");
        Figure(sb, "layout", "The address space, high addresses at the top.", p.LayoutSvg);
        sb.Append("<h3>/proc/").Append(pid).Append("/maps</h3>\n<pre>").Append(H(p.Maps)).Append("</pre>\n");
        Figure(sb, "vma-pages", "One VMA's pages and the frames behind them.", p.VmaPagesSvg);
        if (run.SourceKind == "strace log")
        {
            sb.Append("<p class=\"muted\">A replay makes present only the pages the log shows touched (mincore vectors, "
                + "SIGSEGV, MAP_POPULATE, mlock) and those the kernel itself writes (the exec stack, the vDSO): "
                + "the program's own loads and stores are not in an strace log.</p>\n");
        }
        Figure(sb, "walk", "The page walk of one present address (a read), as the MMU did it.", p.WalkSvg);
        Figure(sb, "buddy", "The buddy allocator's free areas at that moment.", p.BuddySvg);
        string timeline = run.Samples.TryGetValue(p.Pid, out List<MemorySample>? samples)
            ? TimelinePicture.Render(samples, $"pid {pid} ({p.Comm})", run.SourceKind == "strace log" ? "trace line" : "step")
            : TimelinePicture.Render([], $"pid {pid} ({p.Comm})");
        Figure(sb, "timeline", "VSZ, RSS and faults after each memory call.", timeline);
    }

    private static void Figure(StringBuilder sb, string kind, string caption, string? svg)
    {
        sb.Append("<h3>").Append(H(caption)).Append("</h3>\n");
        if (svg is null)
        {
            sb.Append("<p class=\"muted\">(not drawn: no page tables, or no present page)</p>\n");
            return;
        }
        sb.Append("<figure class=\"pic pic-").Append(kind).Append("\">\n").Append(svg).Append("</figure>\n");
    }

    private static void Row(StringBuilder sb, string name, string value)
    {
        sb.Append("<tr><th class=\"l\">").Append(H(name)).Append("</th><td class=\"l\">").Append(H(value)).Append("</td></tr>\n");
    }

    private static string H(string s) => WebUtility.HtmlEncode(s);
}
