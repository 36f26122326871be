using System.Globalization;
using Mmsim.Replay;

namespace Mmsim.Cli;

/// <summary>The replay summary: processes, VMAs, calls by kind, speed.</summary>
internal static class Summary
{
    public static void Print(Replayer r, TimeSpan elapsed, TextWriter o)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        int processes = 0;
        int threads = 0;
        foreach (Process.Task t in r.Kernel.Tasks.Values)
        {
            if (t.IsLeader)
            {
                processes++;
            }
            else
            {
                threads++;
            }
        }
        o.WriteLine($"processes: {processes} (+{threads} threads)");
        foreach (ProcSnapshot s in r.Snapshots.Values)
        {
            int vmas = s.Maps.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
            string rss = r.Kernel.Paging is not null ? string.Create(ci, $", RSS {s.RssPages * 4} kB (model: pages the log shows)") : "";
            o.WriteLine($"  pid {s.Pid}: {vmas} VMAs at exit{rss}");
        }
        var names = new List<KeyValuePair<string, long>>(r.CallsByName);
        names.Sort((a, b) => b.Value != a.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        o.Write("calls:");
        foreach (KeyValuePair<string, long> kv in names)
        {
            o.Write(string.Create(ci, $" {kv.Key} {kv.Value}"));
        }
        o.WriteLine();
        o.WriteLine(string.Create(ci, $"skipped (no model): {r.CallsSkipped} calls"));
        if (r.Kernel.Paging is not null)
        {
            o.WriteLine("paging: 24 GiB machine; file pages assumed cached (the host's page cache decided: file-backed mincore bytes not compared)");
            o.WriteLine(string.Create(ci,
                $"inferred: {r.FaultsInferred} page touches (mincore vectors, SIGSEGV), {r.AnonVmasAssumed} anon_vmas for assumed writes (no page); checked: {r.VectorsCompared} vectors, {r.RusageCompared} getrusage windows ({r.RusageSkipped} left out: the log does not determine them)"));
        }
        double secs = Math.Max(elapsed.TotalSeconds, 1e-9);
        string passes = r.Passes > 1 ? string.Create(ci, $" ({r.Passes} passes: touch evidence found, {r.FaultsInferred} faults inferred)") : "";
        o.WriteLine(string.Create(ci, $"time: {elapsed.TotalMilliseconds:F1} ms, {r.Lines * r.Passes / secs:F0} lines/s{passes}"));
    }
}
