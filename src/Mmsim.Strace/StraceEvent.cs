using System.Globalization;

namespace Mmsim.Strace;

/// <summary>
/// One event read from an strace log by <see cref="StraceReader"/>. A small immutable value: the argument text
/// is kept as a slice of the line it came from and is only split or decoded on demand through <see cref="GetArgs()"/>.
/// Which members are meaningful depends on <see cref="Kind"/>; the others keep their defaults
/// (<see cref="Timestamp"/> and <see cref="Duration"/> are <see cref="double.NaN"/> when the log has none).
/// </summary>
public readonly struct StraceEvent
{
    private readonly string? _name;

    /// <summary>What this event describes.</summary>
    public StraceEventKind Kind { get; init; }

    /// <summary>Process (thread) id from the line prefix; 0 when the log has no pid prefix.
    /// For <c>strace: Process N attached/detached</c> lines it is N.</summary>
    public int Pid { get; init; }

    /// <summary>1-based line number; for a joined call, the line where the call started.</summary>
    public long Line { get; init; }

    /// <summary>System call name (interned: equal names are the same instance); empty for non-call events.</summary>
    public string Name
    {
        get => _name ?? string.Empty;
        init => _name = value;
    }

    /// <summary>
    /// Syscall/Entered: the raw text between the call's outer parentheses (joined across
    /// <c>&lt;unfinished ...&gt;</c>/<c>resumed</c> lines). Signal: the text after the signal name
    /// (e.g. <c>{si_signo=SIGCHLD, ...}</c>). Killed: <c>(core dumped)</c> or empty. Info: the message.
    /// </summary>
    public ReadOnlyMemory<char> Args { get; init; }

    /// <summary>Raw result text after <c>= </c> without the <c>-T</c> duration, e.g. <c>-1 ENOENT (No such file or directory)</c>,
    /// <c>3&lt;/etc/passwd&gt;</c> or <c>1 ([{fd=3, revents=POLLIN}])</c>; empty when the call has no result line.</summary>
    public ReadOnlyMemory<char> ResultText { get; init; }

    /// <summary>True when the call returned a value (<see cref="Result"/> is meaningful); false for <c>= ?</c> and for calls that never resumed.
    /// <c>= ? ERESTARTSYS (...)</c> counts as a result: <see cref="Result"/> is then -512.</summary>
    public bool HasResult { get; init; }

    /// <summary>Return value. Errors are stored as -errno (<c>-1 ENOMEM</c> gives -12); hex values above
    /// <see cref="long.MaxValue"/> are stored as their two's complement.</summary>
    public long Result { get; init; }

    /// <summary>Errno name of a failed call (<c>ENOMEM</c>), or null.</summary>
    public string? ErrnoName { get; init; }

    /// <summary>True when the call never completed in the log: it was abandoned when its process exited,
    /// at end of input, by <c>&lt;detached ...&gt;</c>, or printed as <c>&lt;unfinished ...&gt;) = ?</c>.</summary>
    public bool Unfinished { get; init; }

    /// <summary>Exit status of an <see cref="StraceEventKind.Exited"/> event.</summary>
    public int ExitCode { get; init; }

    /// <summary>Signal name of a <see cref="StraceEventKind.Killed"/> or <see cref="StraceEventKind.Signal"/> event, e.g. <c>SIGSEGV</c>.</summary>
    public string? SignalName { get; init; }

    /// <summary>Time prefix in seconds (<c>-t</c>/<c>-tt</c>: since midnight, <c>-ttt</c>: since the epoch,
    /// <c>-r</c>: since the previous line); <see cref="double.NaN"/> if the log has none. For a joined call, the start time.</summary>
    public double Timestamp { get; init; }

    /// <summary>Time spent in the call from the <c>-T</c> suffix <c>&lt;0.000012&gt;</c>, in seconds; <see cref="double.NaN"/> if absent.</summary>
    public double Duration { get; init; }

    /// <summary>Splits <see cref="Args"/> into top-level arguments (done on demand; allocation is one small array).</summary>
    public ArgList GetArgs()
    {
        return new ArgList(Args);
    }

    /// <summary>
    /// Like <see cref="GetArgs()"/>, splitting into <paramref name="reuse"/> (nothing is allocated); the list from the
    /// previous use of <paramref name="reuse"/> becomes invalid.
    /// </summary>
    public ArgList GetArgs(ArgBounds reuse)
    {
        return new ArgList(Args, reuse);
    }

    /// <summary>A compact, human-readable rendering for diagnostics: <c>line 12 pid 7 mmap(...) = 0x7f...</c>.</summary>
    public override string ToString()
    {
        string head = string.Create(CultureInfo.InvariantCulture, $"line {Line} pid {Pid} {Kind}");
        return Kind switch
        {
            StraceEventKind.Syscall or StraceEventKind.Entered =>
                string.Create(CultureInfo.InvariantCulture, $"{head} {Name}({Args}) = {(HasResult ? Result.ToString(CultureInfo.InvariantCulture) : "?")}{(Unfinished ? " unfinished" : string.Empty)}"),
            StraceEventKind.Exited => string.Create(CultureInfo.InvariantCulture, $"{head} {ExitCode}"),
            StraceEventKind.Killed or StraceEventKind.Signal => $"{head} {SignalName} {Args}",
            _ => $"{head} {Args}",
        };
    }
}
