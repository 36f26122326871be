namespace Mmsim.Strace;

/// <content>Call lines: complete calls, <c>&lt;unfinished ...&gt;</c> entries, <c>&lt;detached ...&gt;</c> and resumed halves.</content>
public sealed partial class StraceReader
{
    private const string ResumedTag = " resumed>";

    /// <summary>
    /// Parses <c>name(args) = result</c>, or a call line ending in an unfinished/detached marker;
    /// <paramref name="restAt"/> is where <paramref name="rest"/> starts in the line buffer.
    /// </summary>
    private bool ParseCall(ReadOnlySpan<char> rest, int restAt, int pid, double ts, out StraceEvent ev)
    {
        int nameEnd = IdentifierEnd(rest);
        if (nameEnd == 0)
        {
            throw Error("unrecognized line");
        }
        if (nameEnd >= rest.Length || rest[nameEnd] != '(')
        {
            throw Error("expected '(' after call name");
        }
        int argsStart = nameEnd + 1;
        int at = SyntaxScanner.ScanArgs(rest, argsStart, out ScanStop stop, out string? error);
        if (at < 0)
        {
            throw Error(error!);
        }
        string name = _names.Intern(rest[..nameEnd]);
        if (stop != ScanStop.CloseParen)
        {
            return ParseMarkedCall(rest, argsStart, at, stop, name, pid, ts, out ev);
        }
        if (!ResultParser.TryParse(rest, at + 1, out CallResult r, out error))
        {
            throw Error(error!);
        }
        ReadOnlyMemory<char> text = BorrowText ? _lines.Borrow(restAt + argsStart, rest.Length - argsStart) : new string(rest[argsStart..]).AsMemory();
        Abandon(pid);
        return Emit(Completed(name, pid, _lines.LineNumber, ts, text, at - argsStart, argsStart, r, false), out ev);
    }

    /// <summary>
    /// Handles a call line stopped at a marker: <c>name(partial &lt;unfinished ...&gt;</c> (an entry, emitted as
    /// <see cref="StraceEventKind.Entered"/> and remembered), <c>name(partial &lt;detached ...&gt;</c> (abandoned) and
    /// <c>name(partial &lt;unfinished ...&gt;) = ?</c> (cut short by the process's death).
    /// </summary>
    private bool ParseMarkedCall(ReadOnlySpan<char> rest, int argsStart, int at, ScanStop stop, string name, int pid, double ts, out StraceEvent ev)
    {
        int afterMarker = at + (stop == ScanStop.Unfinished ? SyntaxScanner.UnfinishedMarker.Length : SyntaxScanner.DetachedMarker.Length);
        ReadOnlySpan<char> tail = rest[afterMarker..];
        int partialLength = TrimOneSpace(rest[argsStart..at]).Length;
        if (tail.IsWhiteSpace())
        {
            var entry = new PendingCall(pid, _lines.LineNumber, name, rest.Slice(argsStart, partialLength).ToString().AsMemory(), ts);
            Abandon(pid);
            if (stop == ScanStop.Detached)
            {
                return Emit(entry.ToAbandonedEvent(), out ev);
            }
            _pending[pid] = entry;
            return Emit(entry.ToEnteredEvent(), out ev);
        }
        if (stop == ScanStop.Detached || tail[0] != ')')
        {
            throw Error("unexpected text after " + (stop == ScanStop.Detached ? SyntaxScanner.DetachedMarker : SyntaxScanner.UnfinishedMarker));
        }
        if (!ResultParser.TryParse(rest, afterMarker + 1, out CallResult r, out string? error))
        {
            throw Error(error!);
        }
        ReadOnlyMemory<char> text = new string(rest[argsStart..]).AsMemory();
        Abandon(pid);
        return Emit(Completed(name, pid, _lines.LineNumber, ts, text, partialLength, argsStart, r, true), out ev);
    }

    /// <summary>
    /// Parses <c>&lt;... NAME resumed&gt;rest) = result</c>: joins it with the pending entry of the same pid (or of pid 0,
    /// for logs whose first process had no prefix yet) and emits the whole call with the entry's line and time.
    /// </summary>
    private bool ParseResumed(ReadOnlySpan<char> rest, int pid, double ts, out StraceEvent ev)
    {
        int nameEnd = rest.StartsWith("<... ", StringComparison.Ordinal) ? 5 + IdentifierEnd(rest[5..]) : 5;
        if (nameEnd == 5 || !rest[nameEnd..].StartsWith(ResumedTag, StringComparison.Ordinal))
        {
            throw Error("malformed '<... NAME resumed>' line");
        }
        int key = FindPending(pid, rest[5..nameEnd]);
        PendingCall entry = _pending[key];
        string combined = string.Concat(entry.Partial.Span, rest[(nameEnd + ResumedTag.Length)..]);
        int at = SyntaxScanner.ScanArgs(combined, 0, out ScanStop stop, out string? error);
        if (at < 0)
        {
            throw Error(error!);
        }
        int argsLength = at;
        int resultAt = at + 1;
        if (stop != ScanStop.CloseParen)
        {
            resultAt = CutShortResultStart(combined, at, stop);
            argsLength = TrimOneSpace(combined.AsSpan(0, at)).Length;
        }
        if (!ResultParser.TryParse(combined, resultAt, out CallResult r, out error))
        {
            throw Error(error!);
        }
        _pending.Remove(key);
        bool cutShort = stop != ScanStop.CloseParen;
        return Emit(Completed(entry.Name, pid, entry.Line, entry.Timestamp, combined.AsMemory(), argsLength, 0, r, cutShort), out ev);
    }

    /// <summary>
    /// For <c>&lt;... NAME resumed&gt; &lt;unfinished ...&gt;) = ?</c> (the process died in the call): the index just after
    /// that <c>)</c>. Throws for any other use of a marker on a resumed line.
    /// </summary>
    private int CutShortResultStart(string combined, int at, ScanStop stop)
    {
        int after = at + SyntaxScanner.UnfinishedMarker.Length;
        if (stop != ScanStop.Unfinished || after >= combined.Length || combined[after] != ')')
        {
            throw Error("resumed call is cut off again");
        }
        return after + 1;
    }

    /// <summary>
    /// The key of the pending entry a <c>resumed</c> line of <paramref name="pid"/> continues; throws when there is
    /// none or when its name differs.
    /// </summary>
    private int FindPending(int pid, ReadOnlySpan<char> name)
    {
        if (_pending.TryGetValue(pid, out PendingCall? entry) && entry.Name.AsSpan().SequenceEqual(name))
        {
            return pid;
        }
        if (pid != 0 && _pending.TryGetValue(0, out PendingCall? unprefixed) && unprefixed.Name.AsSpan().SequenceEqual(name))
        {
            return 0;
        }
        if (entry is not null)
        {
            throw Error("'<... " + name.ToString() + " resumed>' does not match the unfinished '" + entry.Name
                + "' of line " + entry.Line.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        throw Error("'<... " + name.ToString() + " resumed>' without a matching unfinished call");
    }

    /// <summary>
    /// Builds a <see cref="StraceEventKind.Syscall"/> event whose args are <c>text[0..argsLength]</c> and whose result
    /// text lies at the parsed offsets (relative to the span <paramref name="text"/> started at <paramref name="offset"/>).
    /// </summary>
    private static StraceEvent Completed(string name, int pid, long line, double ts, ReadOnlyMemory<char> text, int argsLength, int offset, in CallResult r, bool unfinished)
    {
        return new StraceEvent
        {
            Kind = StraceEventKind.Syscall,
            Pid = pid,
            Line = line,
            Name = name,
            Args = text[..argsLength],
            ResultText = text.Slice(r.TextStart - offset, r.TextEnd - r.TextStart),
            HasResult = r.HasResult,
            Result = r.Value,
            ErrnoName = r.ErrnoName,
            Unfinished = unfinished,
            Timestamp = ts,
            Duration = r.Duration,
        };
    }

    /// <summary>Length of the identifier (<c>[A-Za-z_][A-Za-z0-9_]*</c>) at the start of <paramref name="s"/>; 0 if none.</summary>
    private static int IdentifierEnd(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !(char.IsAsciiLetter(s[0]) || s[0] == '_'))
        {
            return 0;
        }
        int i = 1;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_'))
        {
            i++;
        }
        return i;
    }

    /// <summary>Drops the one space strace writes before a marker (<c>read(0,  &lt;unfinished ...&gt;</c> keeps <c>0, </c>).</summary>
    private static ReadOnlySpan<char> TrimOneSpace(ReadOnlySpan<char> s)
    {
        return s.Length > 0 && s[^1] == ' ' ? s[..^1] : s;
    }
}
