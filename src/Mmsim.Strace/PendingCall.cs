namespace Mmsim.Strace;

/// <summary>A call whose line ended in <c>&lt;unfinished ...&gt;</c> and has not resumed yet.</summary>
/// <param name="Pid">Pid the call belongs to (where it is expected to resume).</param>
/// <param name="Line">Line where the call started.</param>
/// <param name="Name">Interned call name.</param>
/// <param name="Partial">Argument text printed so far, without the marker and the space before it.</param>
/// <param name="Timestamp">Time prefix of the starting line, or NaN.</param>
internal sealed record PendingCall(int Pid, long Line, string Name, ReadOnlyMemory<char> Partial, double Timestamp)
{
    /// <summary>The <see cref="StraceEventKind.Entered"/> event announcing the call.</summary>
    internal StraceEvent ToEnteredEvent()
    {
        return ToEvent(StraceEventKind.Entered, false);
    }

    /// <summary>The <see cref="StraceEventKind.Syscall"/> event for a call that never resumed (no result, <c>Unfinished</c>).</summary>
    internal StraceEvent ToAbandonedEvent()
    {
        return ToEvent(StraceEventKind.Syscall, true);
    }

    /// <summary>Orders pending calls by their starting line (for reporting them at end of input).</summary>
    internal static int CompareByLine(PendingCall? a, PendingCall? b)
    {
        return (a?.Line ?? 0).CompareTo(b?.Line ?? 0);
    }

    /// <summary>An event of <paramref name="kind"/> carrying the partial arguments and no result.</summary>
    private StraceEvent ToEvent(StraceEventKind kind, bool unfinished)
    {
        return new StraceEvent
        {
            Kind = kind,
            Pid = Pid,
            Line = Line,
            Name = Name,
            Args = Partial,
            Unfinished = unfinished,
            Timestamp = Timestamp,
            Duration = double.NaN,
        };
    }
}
