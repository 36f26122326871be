namespace Mmsim.Strace;

/// <summary>
/// Parses what precedes the event on a line: a pid (<c>17530 </c> from <c>strace -f -o</c>, or <c>[pid  1234] </c>),
/// a time (<c>-t</c> <c>12:34:56</c>, <c>-tt</c> <c>12:34:56.123456</c>, <c>-ttt</c> <c>1695812345.123456</c>,
/// <c>-r</c> <c>     0.000123</c>) and an instruction pointer or syscall number in brackets (<c>-i</c>, <c>-n</c>).
/// </summary>
internal static class LinePrefix
{
    /// <summary>
    /// Returns the index where the event text starts, with the pid (0 if none) and the time (NaN if none);
    /// returns -1 and sets <paramref name="error"/> when a prefix is present but malformed.
    /// </summary>
    internal static int Parse(ReadOnlySpan<char> s, out int pid, out double timestamp, out string? error)
    {
        pid = 0;
        timestamp = double.NaN;
        error = null;
        int p = SkipSpaces(s, 0);
        if (s[p..].StartsWith("[pid", StringComparison.Ordinal))
        {
            p = ParseBracketPid(s, p + 4, out pid, out error);
        }
        else if (p == 0 && p < s.Length && char.IsAsciiDigit(s[p]))
        {
            p = ParseLeadingPid(s, out pid, out error);
        }
        if (p >= 0 && p < s.Length && char.IsAsciiDigit(s[p]))
        {
            p = ParseTime(s, p, out timestamp, out error);
        }
        return p < 0 ? -1 : SkipBracketNumber(s, p);
    }

    /// <summary>Parses <c>DIGITS </c> at the start of the line as a pid; leaves other digit runs (times) alone.</summary>
    private static int ParseLeadingPid(ReadOnlySpan<char> s, out int pid, out string? error)
    {
        pid = 0;
        error = null;
        int q = 0;
        while (q < s.Length && char.IsAsciiDigit(s[q]))
        {
            q++;
        }
        if (q >= s.Length || s[q] != ' ')
        {
            return 0;
        }
        if (!TryParsePid(s[..q], out pid))
        {
            error = "pid out of range";
            return -1;
        }
        return SkipSpaces(s, q);
    }

    /// <summary>Parses the rest of <c>[pid  1234] </c> after <c>[pid</c>; returns the index after it or -1.</summary>
    private static int ParseBracketPid(ReadOnlySpan<char> s, int p, out int pid, out string? error)
    {
        pid = 0;
        error = null;
        int start = SkipSpaces(s, p);
        int q = start;
        while (q < s.Length && char.IsAsciiDigit(s[q]))
        {
            q++;
        }
        if (q == start || start == p || q >= s.Length || s[q] != ']')
        {
            error = "malformed [pid N] prefix";
            return -1;
        }
        if (!TryParsePid(s[start..q], out pid))
        {
            error = "pid out of range";
            return -1;
        }
        return SkipSpaces(s, q + 1);
    }

    /// <summary>Parses a time token at <paramref name="p"/> (must be followed by a space); returns the index after it or -1.</summary>
    private static int ParseTime(ReadOnlySpan<char> s, int p, out double timestamp, out string? error)
    {
        error = null;
        int q = p;
        while (q < s.Length && (char.IsAsciiDigit(s[q]) || s[q] == ':' || s[q] == '.'))
        {
            q++;
        }
        ReadOnlySpan<char> token = s[p..q];
        bool ok = token.Contains(':') ? NumberText.TryParseClock(token, out timestamp) : NumberText.TryParseSeconds(token, out timestamp);
        if (!ok || q >= s.Length || s[q] != ' ')
        {
            timestamp = double.NaN;
            error = "malformed timestamp";
            return -1;
        }
        return SkipSpaces(s, q);
    }

    /// <summary>Skips an <c>-i</c> instruction pointer <c>[00007f...] </c> or <c>-n</c> number <c>[  9] </c>, if present.</summary>
    private static int SkipBracketNumber(ReadOnlySpan<char> s, int p)
    {
        if (p >= s.Length || s[p] != '[')
        {
            return p;
        }
        int q = p + 1;
        bool digits = false;
        while (q < s.Length && (s[q] == ' ' || NumberText.HexDigit(s[q]) >= 0))
        {
            digits |= s[q] != ' ';
            q++;
        }
        if (!digits || q + 1 >= s.Length || s[q] != ']' || s[q + 1] != ' ')
        {
            return p;
        }
        return SkipSpaces(s, q + 1);
    }

    /// <summary>Parses 1-10 decimal digits (the caller checked they are digits) as a pid that fits in an int.</summary>
    private static bool TryParsePid(ReadOnlySpan<char> digits, out int pid)
    {
        pid = 0;
        if (digits.IsEmpty || digits.Length > 10)
        {
            return false;
        }
        long v = 0;
        foreach (char c in digits)
        {
            v = (v * 10) + (c - '0');
        }
        pid = (int)v;
        return v <= int.MaxValue;
    }

    /// <summary>Index of the first non-space character at or after <paramref name="p"/>.</summary>
    internal static int SkipSpaces(ReadOnlySpan<char> s, int p)
    {
        while (p < s.Length && s[p] == ' ')
        {
            p++;
        }
        return p;
    }
}
