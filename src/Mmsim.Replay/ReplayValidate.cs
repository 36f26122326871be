using Mmsim.DebugVm;
using Mmsim.Strace;

namespace Mmsim.Replay;

/// <summary>The first point of a replay where the machine failed validation: the log line and every violation found there.</summary>
public sealed record ReplayViolation(long Line, int Pid, string Call, IReadOnlyList<VmViolation> Violations);

/// <summary>
/// <see cref="ReplayOptions.Validate"/>: the whole machine is validated
/// (<see cref="ValidateMachine.Check"/>) after every event of the log, and once more at the end
/// (<see cref="ValidateMachine.CheckAfterExit"/> when every process has exited). The first
/// failing event is kept; later ones are not checked (one bug tends to break many books).
/// </summary>
public sealed partial class Replayer
{
    /// <summary>The first event after which the machine failed validation, or null.</summary>
    public ReplayViolation? FirstViolation { get; private set; }

    /// <summary>Validations run (events checked, plus the final check).</summary>
    public long Validations { get; private set; }

    private void ValidateAfter(in StraceEvent ev)
    {
        if (FirstViolation is not null)
        {
            return;
        }
        Validations++;
        List<VmViolation> found = ValidateMachine.Check(Kernel);
        if (found.Count > 0)
        {
            FirstViolation = new ReplayViolation(ev.Line, ev.Pid, ev.Name.Length > 0 ? ev.Name : ev.Kind.ToString(), found);
        }
    }

    private void ValidateAtEnd()
    {
        if (FirstViolation is not null)
        {
            return;
        }
        bool allExited = true;
        foreach (Process.Task t in Kernel.Tasks.Values)
        {
            allExited &= t.Exited;
        }
        Validations++;
        List<VmViolation> found = allExited ? ValidateMachine.CheckAfterExit(Kernel) : ValidateMachine.Check(Kernel);
        if (found.Count > 0)
        {
            FirstViolation = new ReplayViolation(Lines, 0, allExited ? "(after every process exited)" : "(end of log)", found);
        }
    }
}
