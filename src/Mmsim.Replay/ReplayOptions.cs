namespace Mmsim.Replay;

/// <summary>How a replay treats the recorded results.</summary>
public enum ReplayMode
{
    /// <summary>The model chooses every result; differences are reported.</summary>
    Check,

    /// <summary>Where the model would differ, the recorded result is imposed; differences are still counted.</summary>
    Follow,
}

/// <summary>One call whose model result differs from the recorded one.</summary>
public sealed record Divergence(long Line, int Pid, string Call, long Recorded, long Model, string Detail);

/// <summary>A process's /proc/PID/maps text at the moment it entered exit_group (or at the end of the log).</summary>
public sealed record ProcSnapshot(int Pid, string Maps);
