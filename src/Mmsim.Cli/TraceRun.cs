using System.Globalization;
using Mmsim.Pictures;
using Mmsim.Replay;

namespace Mmsim.Cli;

/// <summary>
/// Produces a <see cref="ModelRun"/> by replaying an strace log: each process is captured when
/// it enters exit_group (or at the end of the log), while its mm is alive, and every memory call
/// gives its process a timeline sample (<see cref="ReplayOptions.OnSample"/>).
/// </summary>
internal static class TraceRun
{
    /// <summary>At most this many processes get pictures (a build log may fork hundreds); the others are counted.</summary>
    public const int MaxCaptured = 16;

    /// <summary>
    /// Replays the log (open() gives it from the start; a second pass may read it again, as
    /// <see cref="Replayer.RunWithEvidence"/> does). Throws what the replay throws for bad input.
    /// </summary>
    public static ModelRun Replay(Func<TextReader> open, string name, HostFileSystem host, ReplayMode mode, ReplayOptions options)
    {
        var captures = new List<ProcessCapture>();
        var samples = new Dictionary<int, List<MemorySample>>();
        int notCaptured = 0;
        ReplayOptions withSamples = options with { OnSample = s => AddSample(samples, s.Pid, new MemorySample(s.Line, s.VszBytes, s.RssBytes, s.MinFlt, s.MajFlt)) };
        string fileName = Path.GetFileName(name);
        Replayer r = Replayer.RunWithEvidence(() =>
        {
            // A second pass starts again from nothing.
            captures.Clear();
            samples.Clear();
            notCaptured = 0;
            var replayer = new Replayer(host, mode, options: withSamples);
            replayer.OnSnapshot = snap =>
            {
                if (captures.Count >= MaxCaptured)
                {
                    notCaptured++;
                    return;
                }
                if (replayer.Kernel.Find(snap.Pid) is { Mm: not null } task)
                {
                    string moment = string.Create(CultureInfo.InvariantCulture, $"at line {replayer.Lines}");
                    captures.Add(ProcessCapture.Take(replayer.Kernel, task, moment));
                }
            };
            return replayer;
        }, open, fileName);
        var byName = new List<KeyValuePair<string, long>>(r.CallsByName);
        byName.Sort((a, b) => b.Value != a.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        var divergences = new List<string>();
        foreach (Divergence d in r.Divergences)
        {
            divergences.Add(Describe(fileName, d));
        }
        return new ModelRun
        {
            Source = name,
            SourceKind = "strace log",
            Lines = r.Lines,
            Calls = r.CallsReplayed,
            Skipped = r.CallsSkipped,
            CallsByName = byName,
            Divergences = divergences,
            Processes = captures,
            Samples = samples,
            ProcessesNotCaptured = notCaptured,
        };
    }

    /// <summary>A divergence as the page lists it: FILE:LINE: pid P call: what differed.</summary>
    internal static string Describe(string fileName, Divergence d)
    {
        string what = d.Detail.Length > 0 ? d.Detail : string.Create(CultureInfo.InvariantCulture, $"recorded {d.Recorded}, model {d.Model}");
        return string.Create(CultureInfo.InvariantCulture, $"{fileName}:{d.Line}: pid {d.Pid} {d.Call}: {what}");
    }

    /// <summary>Keeps a sample of a process when something changed since its last one (the timeline is a step line).</summary>
    private static void AddSample(Dictionary<int, List<MemorySample>> samples, int pid, MemorySample m)
    {
        if (!samples.TryGetValue(pid, out List<MemorySample>? list))
        {
            list = new List<MemorySample>();
            samples[pid] = list;
        }
        if (list.Count > 0 && list[^1] with { Index = m.Index } == m)
        {
            return;
        }
        list.Add(m);
    }
}
