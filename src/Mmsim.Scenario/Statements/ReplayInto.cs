using System.Text;
using Mmsim.Replay;
using Mmsim.Strace;

namespace Mmsim.Scenario.Statements;

/// <content>process NAME replay FILE: a recorded log's processes, held at exit.</content>
public sealed partial class ProcessStatement
{
    /// <summary>
    /// Replays the strace -f log at path (relative to the scenario's directory; read through the run's host files) into the run's model,
    /// event by event through <see cref="Replayer.Step"/>, and holds its processes where they would
    /// exit: exit_group calls and exit lines are not applied, so the processes stay as they were
    /// when a recorder read their /proc files. The log's pids are kept. Prints one line (calls,
    /// divergences - each also printed as the replay prints it); returns the log's first pid.
    /// </summary>
    public static int ReplayInto(ScenarioRun run, Statement s, string path)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(s);
        byte[] bytes = run.Files.ReadAll(run.PathOf(path)) ?? throw run.Error(s, $"replay: {path}: no such file");
        string name = Path.GetFileName(path);
        var reader = new StraceReader(new StringReader(Encoding.UTF8.GetString(bytes)), name);
        int first = 0;
        long calls = 0;
        int diverged = 0;
        try
        {
            while (reader.TryRead(out StraceEvent ev))
            {
                if (ev.Kind is StraceEventKind.Exited or StraceEventKind.Killed
                    || (ev.Kind == StraceEventKind.Syscall && ev.Name is "exit_group"))
                {
                    continue;
                }
                if (first == 0 && ev.Kind is StraceEventKind.Syscall or StraceEventKind.Entered)
                {
                    first = ev.Pid;
                }
                ReplayStepResult r = run.Replayer.Step(ev, name);
                calls += ev.Kind == StraceEventKind.Syscall && r.Handled ? 1 : 0;
                if (r.Divergence is { } d)
                {
                    diverged++;
                    run.Out.WriteLine($"{name}:{d.Line}: pid {d.Pid} {d.Call}: recorded {ScenarioRun.ShowResult(d.Call, d.Recorded, false)}, model {ScenarioRun.ShowResult(d.Call, d.Model, false)}");
                }
            }
        }
        catch (StraceFormatException e)
        {
            throw run.Error(s, "replay: " + e.Message);
        }
        catch (ReplayException e)
        {
            throw run.Error(s, "replay: " + e.Message);
        }
        if (first == 0 || run.Kernel.Find(first) is not { Exited: false })
        {
            throw run.Error(s, $"replay: {path}: no process left to hold");
        }
        run.Out.WriteLine($"[pid {first}] replayed {calls} calls of {name} ({diverged} diverged), held at exit_group");
        return first;
    }
}
