using Mmsim.Pictures;
using Mmsim.Replay;
using Mmsim.Scenario;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli;

/// <summary>
/// A scenario as a <see cref="ModelRun"/> for <c>mmsim report</c>: the scenario runs (its own
/// output is not part of the page), every process still alive at its end is captured there, and
/// the timeline is the scenario's, one sample per statement.
/// </summary>
internal static class ScenarioReportRun
{
    /// <summary>Runs the scenario file; a <see cref="ScenarioException"/> (FILE:LINE) goes to the caller.</summary>
    public static ModelRun Run(string file, HostFileSystem host)
    {
        string text = File.ReadAllText(file);
        ScenarioRun run = ScenarioRun.Execute(text, Path.GetFileName(file), host, TextWriter.Null,
            baseDirectory: Path.GetDirectoryName(Path.GetFullPath(file)));
        var captures = new List<ProcessCapture>();
        int notCaptured = 0;
        foreach (Task t in run.Kernel.Tasks.Values.OrderBy(t => t.Pid))
        {
            if (t.Exited || t.Mm is null || t.Pid != t.Tgid)
            {
                continue;
            }
            if (captures.Count < TraceRun.MaxCaptured)
            {
                captures.Add(ProcessCapture.Take(run.Kernel, t, "at the end of the scenario"));
            }
            else
            {
                notCaptured++;
            }
        }
        var samples = new Dictionary<int, List<MemorySample>>();
        foreach (ScenarioSample s in run.Timeline)
        {
            if (s.Pid == 0)
            {
                continue;
            }
            if (!samples.TryGetValue(s.Pid, out List<MemorySample>? list))
            {
                samples[s.Pid] = list = [];
            }
            // One point per statement (a trace keeps only the points where something changed).
            list.Add(new MemorySample(s.Step, s.VszKiB * 1024, s.RssKiB * 1024, s.MinFlt, s.MajFlt));
        }
        var divergences = new List<string>();
        foreach (Divergence d in run.Divergences)
        {
            divergences.Add(TraceRun.Describe(Path.GetFileName(file), d));
        }
        return new ModelRun
        {
            Source = file,
            SourceKind = "scenario",
            Lines = text.Split('\n').Length,
            Calls = run.Timeline.Count,
            Divergences = divergences,
            Processes = captures,
            Samples = samples,
            ProcessesNotCaptured = notCaptured,
        };
    }
}
