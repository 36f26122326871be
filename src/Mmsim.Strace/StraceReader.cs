using System.Globalization;

namespace Mmsim.Strace;

/// <summary>
/// Pull reader for <c>strace</c> logs (<c>-f</c> with <c>-o</c> or to stderr, single process, <c>-t/-tt/-ttt/-r</c>,
/// <c>-T</c>, <c>-y/-yy</c>, <c>-X</c>, <c>-v</c>, <c>-s</c>). Joins <c>&lt;unfinished ...&gt;</c> / <c>&lt;... NAME resumed&gt;</c>
/// pairs (interleaved across pids, any distance apart) and reports the entry with an <see cref="StraceEventKind.Entered"/>
/// event. Arguments are not parsed eagerly: see <see cref="StraceEvent.GetArgs()"/>. Any line that fits no form throws
/// <see cref="StraceFormatException"/> (<c>FILE:LINE: what</c>); lines over 1 MiB are refused without being buffered.
/// The reader does no I/O of its own beyond reading the given <see cref="TextReader"/>.
/// </summary>
public sealed partial class StraceReader
{
    private readonly LineSource _lines;
    private readonly NameCache _names = new();
    private readonly Dictionary<int, PendingCall> _pending = [];
    private readonly Queue<StraceEvent> _queue = new();
    private bool _done;

    /// <summary>Creates a reader over <paramref name="reader"/>; <paramref name="fileName"/> names the log in error messages.</summary>
    public StraceReader(TextReader reader, string fileName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        FileName = fileName ?? string.Empty;
        _lines = new LineSource(reader, FileName);
    }

    /// <summary>
    /// When true, the <see cref="StraceEvent.Args"/> and <see cref="StraceEvent.ResultText"/> of a call completed on
    /// one line are slices of the reader's line buffer rather than copies: reading then allocates nothing per line,
    /// but that text is only valid until the next <see cref="TryRead"/>. For consumers that act on each event at
    /// once (a replay); leave it false to keep events.
    /// </summary>
    public bool BorrowText { get; init; }

    /// <summary>Name of the log, as used in error messages.</summary>
    public string FileName { get; }

    /// <summary>Number of the last line read (1-based).</summary>
    public long LineNumber => _lines.LineNumber;

    /// <summary>
    /// Reads the next event; false at the end of input (after calls that never resumed have been reported).
    /// Throws <see cref="StraceFormatException"/> for a malformed line; reading may go on with the next line.
    /// </summary>
    public bool TryRead(out StraceEvent ev)
    {
        while (true)
        {
            if (_queue.Count > 0)
            {
                ev = _queue.Dequeue();
                return true;
            }
            if (_done)
            {
                ev = default;
                return false;
            }
            if (!_lines.TryNext(out ReadOnlySpan<char> line))
            {
                FlushAtEnd();
                _done = true;
                continue;
            }
            if (!line.IsWhiteSpace() && ParseLine(line, out ev))
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Parses one non-empty line. Returns true with the line's only event in <paramref name="ev"/>; returns false when
    /// the line's events (if any) were queued instead.
    /// </summary>
    private bool ParseLine(ReadOnlySpan<char> line, out StraceEvent ev)
    {
        // Nearly every line is printable ASCII (strace escapes the rest): one vectorized range test settles it.
        int bad = line.ContainsAnyExceptInRange(' ', '~') ? IndexOfBadChar(line) : -1;
        if (bad >= 0)
        {
            throw Error("invalid character U+" + ((int)line[bad]).ToString("X4", CultureInfo.InvariantCulture));
        }
        int body = LinePrefix.Parse(line, out int pid, out double ts, out string? error);
        if (body < 0)
        {
            throw Error(error!);
        }
        ReadOnlySpan<char> rest = line[body..];
        if (rest.IsEmpty)
        {
            throw Error("nothing after the line prefix");
        }
        return rest[0] switch
        {
            '+' => ParseExit(rest, pid, ts, out ev),
            '-' => ParseSignal(rest, pid, ts, out ev),
            '<' => ParseResumed(rest, pid, ts, out ev),
            '[' => ParseBracketInfo(rest, pid, ts, out ev),
            _ when rest.StartsWith("strace: ", StringComparison.Ordinal) => ParseStraceInfo(rest, pid, ts, out ev),
            _ => ParseCall(rest, _lines.LineStart + body, pid, ts, out ev),
        };
    }

    /// <summary>Parses <c>+++ exited with N +++</c>, <c>+++ killed by SIGX [(core dumped)] +++</c> and <c>+++ superseded by execve in pid N +++</c>.</summary>
    private bool ParseExit(ReadOnlySpan<char> rest, int pid, double ts, out StraceEvent ev)
    {
        if (rest.Length < 9 || !rest.StartsWith("+++ ", StringComparison.Ordinal) || !rest.EndsWith(" +++", StringComparison.Ordinal))
        {
            throw Error("malformed '+++' line");
        }
        ReadOnlySpan<char> inner = rest[4..^4];
        if (inner.StartsWith("exited with ", StringComparison.Ordinal))
        {
            if (!NumberText.TryParseSigned(inner[12..], out long code) || code < int.MinValue || code > int.MaxValue)
            {
                throw Error("malformed exit status");
            }
            Abandon(pid);
            return Emit(NewEvent(StraceEventKind.Exited, pid, ts) with { ExitCode = (int)code }, out ev);
        }
        if (inner.StartsWith("killed by ", StringComparison.Ordinal))
        {
            ReadOnlySpan<char> what = inner[10..];
            int sigEnd = SignalNameEnd(what);
            ReadOnlySpan<char> tail = what[sigEnd..].Trim();
            if (sigEnd == 0 || (!tail.IsEmpty && !tail.SequenceEqual("(core dumped)")))
            {
                throw Error("malformed 'killed by' line");
            }
            Abandon(pid);
            StraceEvent killed = NewEvent(StraceEventKind.Killed, pid, ts) with { SignalName = _names.Intern(what[..sigEnd]), Args = tail.ToString().AsMemory() };
            return Emit(killed, out ev);
        }
        if (inner.StartsWith("superseded by execve in pid ", StringComparison.Ordinal))
        {
            return ParseSuperseded(inner, pid, ts, out ev);
        }
        throw Error("unrecognized '+++' line");
    }

    /// <summary>
    /// A non-leader thread exec'd: its pending execve now belongs to the leader's pid (where it resumes) and the
    /// leader's own pending call is abandoned.
    /// </summary>
    private bool ParseSuperseded(ReadOnlySpan<char> inner, int pid, double ts, out StraceEvent ev)
    {
        ReadOnlySpan<char> digits = inner[28..];
        if (!NumberText.TryParseSigned(digits, out long oldPid) || oldPid <= 0 || oldPid > int.MaxValue)
        {
            throw Error("malformed 'superseded by execve' line");
        }
        Abandon(pid);
        if (_pending.Remove((int)oldPid, out PendingCall? moved))
        {
            _pending[pid] = moved with { Pid = pid };
        }
        return Emit(NewEvent(StraceEventKind.Info, pid, ts) with { Args = inner.ToString().AsMemory() }, out ev);
    }

    /// <summary>Parses <c>--- SIGCHLD {si_signo=...} ---</c> and <c>--- stopped by SIGSTOP ---</c>.</summary>
    private bool ParseSignal(ReadOnlySpan<char> rest, int pid, double ts, out StraceEvent ev)
    {
        if (rest.Length < 9 || !rest.StartsWith("--- ", StringComparison.Ordinal) || !rest.EndsWith(" ---", StringComparison.Ordinal))
        {
            throw Error("malformed '---' line");
        }
        ReadOnlySpan<char> inner = rest[4..^4];
        bool stopped = inner.StartsWith("stopped by ", StringComparison.Ordinal);
        ReadOnlySpan<char> sig = stopped ? inner[11..] : inner;
        int sigEnd = SignalNameEnd(sig);
        if (sigEnd == 0 || (sigEnd < sig.Length && sig[sigEnd] != ' ') || (stopped && sigEnd != sig.Length))
        {
            throw Error("malformed signal line");
        }
        ReadOnlySpan<char> args = stopped ? inner : sig[sigEnd..].Trim();
        ev = NewEvent(StraceEventKind.Signal, pid, ts) with { SignalName = _names.Intern(sig[..sigEnd]), Args = args.ToString().AsMemory() };
        return true;
    }

    /// <summary>Parses <c>strace: ...</c> lines; for <c>strace: Process N attached/detached</c> the event's pid is N.</summary>
    private bool ParseStraceInfo(ReadOnlySpan<char> rest, int pid, double ts, out StraceEvent ev)
    {
        ReadOnlySpan<char> message = rest[8..].Trim();
        if (message.StartsWith("Process ", StringComparison.Ordinal))
        {
            ReadOnlySpan<char> tail = message[8..];
            int end = tail.IndexOf(' ');
            if (end > 0 && NumberText.TryParseSigned(tail[..end], out long n) && n > 0 && n <= int.MaxValue)
            {
                pid = (int)n;
            }
        }
        ev = NewEvent(StraceEventKind.Info, pid, ts) with { Args = message.ToString().AsMemory() };
        return true;
    }

    /// <summary>Parses <c>[ Process PID=N runs in 32 bit mode. ]</c>-style notes.</summary>
    private bool ParseBracketInfo(ReadOnlySpan<char> rest, int pid, double ts, out StraceEvent ev)
    {
        if (rest.Length < 4 || !rest.StartsWith("[ ", StringComparison.Ordinal) || !rest.EndsWith(" ]", StringComparison.Ordinal))
        {
            throw Error("malformed '[ ... ]' line");
        }
        ev = NewEvent(StraceEventKind.Info, pid, ts) with { Args = rest[2..^2].Trim().ToString().AsMemory() };
        return true;
    }

    /// <summary>Reports every call still pending at end of input as unfinished, in the order the calls started.</summary>
    private void FlushAtEnd()
    {
        var all = new List<PendingCall>(_pending.Values);
        all.Sort(PendingCall.CompareByLine);
        foreach (PendingCall p in all)
        {
            _queue.Enqueue(p.ToAbandonedEvent());
        }
        _pending.Clear();
    }

    /// <summary>Reports the call pending for <paramref name="pid"/> (if any) as unfinished, before the current line's events.</summary>
    private void Abandon(int pid)
    {
        if (_pending.Count > 0 && _pending.Remove(pid, out PendingCall? p))
        {
            _queue.Enqueue(p.ToAbandonedEvent());
        }
    }

    /// <summary>Hands <paramref name="e"/> out directly when nothing is queued; otherwise queues it behind the earlier events.</summary>
    private bool Emit(in StraceEvent e, out StraceEvent ev)
    {
        if (_queue.Count == 0)
        {
            ev = e;
            return true;
        }
        _queue.Enqueue(e);
        ev = default;
        return false;
    }

    /// <summary>An event of <paramref name="kind"/> for the current line with no result and no duration.</summary>
    private StraceEvent NewEvent(StraceEventKind kind, int pid, double ts)
    {
        return new StraceEvent { Kind = kind, Pid = pid, Line = _lines.LineNumber, Timestamp = ts, Duration = double.NaN };
    }

    /// <summary>Length of the signal name (<c>[A-Z0-9_]+</c>) at the start of <paramref name="s"/>.</summary>
    private static int SignalNameEnd(ReadOnlySpan<char> s)
    {
        int i = 0;
        while (i < s.Length && (char.IsAsciiLetterUpper(s[i]) || char.IsAsciiDigit(s[i]) || s[i] == '_'))
        {
            i++;
        }
        return i;
    }

    /// <summary>An exception for the current line; notes when the line was cut off at end of input.</summary>
    private StraceFormatException Error(string what)
    {
        string reason = _lines.HadNewline ? what : what + " (line cut off at end of input)";
        return new StraceFormatException(FileName, _lines.LineNumber, reason);
    }

    /// <summary>
    /// Index of the first character strace never writes (C0/C1 controls other than tab, DEL, and U+FFFD, which
    /// invalid UTF-8 leaves), or -1. Only lines with a character outside printable ASCII get here, so a plain loop
    /// does: a SearchValues set with non-ASCII members cost several milliseconds of start-up compilation.
    /// </summary>
    private static int IndexOfBadChar(ReadOnlySpan<char> line)
    {
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if ((c < ' ' && c != '\t') || (c >= '\x7f' && c <= '\x9f') || c == '\uFFFD')
            {
                return i;
            }
        }
        return -1;
    }
}
