namespace Mmsim.Scenario;

/// <summary>
/// The figures of the current process after one statement of a scenario: what a timeline of VSZ,
/// RSS and faults plots. <see cref="Label"/> is set for the moments a scenario names (<c>show NAME</c>).
/// </summary>
/// <param name="Step">0-based index of the statement in the run.</param>
/// <param name="Line">The statement's line.</param>
/// <param name="Statement">The statement as written.</param>
/// <param name="Label">The name of the moment, or null.</param>
/// <param name="Pid">The current process (its thread-group id); 0 when there is none.</param>
/// <param name="Comm">Its command name.</param>
/// <param name="VszKiB">total_vm in KiB (ps's VSZ).</param>
/// <param name="RssKiB">The resident pages in KiB (ps's RSS: anon + file + shmem).</param>
/// <param name="MinFlt">Minor faults of the process's tasks so far.</param>
/// <param name="MajFlt">Major faults of the process's tasks so far.</param>
public readonly record struct ScenarioSample(int Step, int Line, string Statement, string? Label, int Pid, string Comm,
    ulong VszKiB, ulong RssKiB, long MinFlt, long MajFlt)
{
    /// <summary>Minor plus major faults.</summary>
    public long Faults => MinFlt + MajFlt;
}
