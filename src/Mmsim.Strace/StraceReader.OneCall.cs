namespace Mmsim.Strace;

/// <content>One call line on its own (no pid or time prefix, no log around it): for hand-written calls.</content>
public sealed partial class StraceReader
{
    /// <summary>
    /// Parses one call exactly as strace prints it, without the line prefix: <c>name(args)</c> with or without
    /// <c> = result</c> (<see cref="StraceEvent.HasResult"/> tells which). The same scanner and result parser as a
    /// log's lines; <c>&lt;unfinished ...&gt;</c> and <c>resumed</c> halves have no meaning alone and are refused.
    /// The event's arguments are a copy (nothing is borrowed). Throws <see cref="StraceFormatException"/>
    /// naming <paramref name="fileName"/>:<paramref name="line"/> for text that is no call.
    /// </summary>
    public static StraceEvent ParseCall(string text, string fileName, long line, int pid = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        int nameEnd = IdentifierEnd(s);
        if (nameEnd == 0)
        {
            throw new StraceFormatException(fileName, line, "expected a system call name");
        }
        if (nameEnd >= s.Length || s[nameEnd] != '(')
        {
            throw new StraceFormatException(fileName, line, "expected '(' after call name");
        }
        int argsStart = nameEnd + 1;
        int at = SyntaxScanner.ScanArgs(s, argsStart, out ScanStop stop, out string? error);
        if (at < 0)
        {
            throw new StraceFormatException(fileName, line, error!);
        }
        if (stop != ScanStop.CloseParen)
        {
            throw new StraceFormatException(fileName, line, "an unfinished or detached call has no place outside a log");
        }
        string copy = new(s);
        var r = new CallResult { Duration = double.NaN, TextStart = at + 1, TextEnd = at + 1 };
        if (!s[(at + 1)..].IsWhiteSpace() && !ResultParser.TryParse(copy, at + 1, out r, out error))
        {
            throw new StraceFormatException(fileName, line, error!);
        }
        return Completed(string.Intern(copy[..nameEnd]), pid, line, double.NaN, copy.AsMemory(argsStart), at - argsStart, argsStart, r, false);
    }
}
