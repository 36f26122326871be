using Mmsim.Proc;
using Task = Mmsim.Process.Task;

namespace Mmsim.Scenario.Statements;

/// <summary>
/// <c>pmap [TASK] [-x | -X | -XX]</c>: what procps-ng's <c>pmap</c> prints for the process at this
/// moment (<see cref="ProcPmap"/>: the default format, extended, and the smaps columns), of the
/// current process or of TASK (a name, a pid, a $variable). The header's command line is the
/// process's name, as <c>process NAME</c> gave it.
/// </summary>
public sealed class PmapStatement : Statement
{
    private readonly string? _task;
    private readonly PmapFormat _format;

    private PmapStatement(StatementSource source, string? task, PmapFormat format)
        : base(source)
    {
        _task = task;
        _format = format;
    }

    public static Statement Parse(StatementSource source)
    {
        string? task = null;
        PmapFormat format = PmapFormat.Default;
        foreach (string w in source.Words())
        {
            if (w.StartsWith('-'))
            {
                format = w switch
                {
                    "-x" => PmapFormat.Extended,
                    "-X" => PmapFormat.More,
                    "-XX" => PmapFormat.All,
                    _ => throw source.Error($"pmap: unknown option '{w}' (-x, -X or -XX)"),
                };
            }
            else if (task is null)
            {
                task = w;
            }
            else
            {
                throw source.Error("expected 'pmap [TASK] [-x|-X|-XX]': one process at a time");
            }
        }
        return new PmapStatement(source, task, format);
    }

    public override void Execute(ScenarioRun run)
    {
        Task t = _task is null ? run.CurrentTask(this) : run.ResolveTask(this, _task);
        if (t.Mm is null)
        {
            throw run.Error(this, $"pid {t.Pid} ({t.Comm}) has no user address space: pmap shows nothing");
        }
        PmapProcess p = PmapSource.FromMm(t.Mm, t.Tgid, t.Comm);
        run.Out.Write(ProcPmap.Format(p, _format));
    }
}
