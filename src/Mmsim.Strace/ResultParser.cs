namespace Mmsim.Strace;

/// <summary>The parsed result part of a call line (everything after the closing parenthesis).</summary>
internal struct CallResult
{
    /// <summary>False for <c>= ?</c> (unless an ERESTART* errno follows).</summary>
    internal bool HasResult;

    /// <summary>Return value; -errno when an errno is printed.</summary>
    internal long Value;

    /// <summary>Canonical errno name, or null.</summary>
    internal string? ErrnoName;

    /// <summary>Start of the result text (after <c>= </c>) in the scanned span.</summary>
    internal int TextStart;

    /// <summary>End of the result text, excluding the <c>-T</c> duration.</summary>
    internal int TextEnd;

    /// <summary><c>-T</c> duration in seconds, or NaN.</summary>
    internal double Duration;
}

/// <summary>
/// Parses <c> = RESULT [ERRNO] [(text)]... [/* comment */] [&lt;0.000012&gt;]</c>: decimal, hex, <c>?</c>,
/// decorated (<c>3&lt;/etc/passwd&gt;</c>), errors (<c>-1 ENOMEM (Cannot allocate memory)</c>, <c>-1 (errno 530)</c>),
/// restarts (<c>? ERESTARTSYS (...)</c>), trailing parentheticals, comments and <c>&lt;unavailable&gt;</c>.
/// </summary>
internal static class ResultParser
{
    /// <summary>Parses the result starting at <paramref name="pos"/> (just after the call's <c>)</c>); false with an error message if malformed.</summary>
    internal static bool TryParse(ReadOnlySpan<char> s, int pos, out CallResult r, out string? error)
    {
        r = default;
        r.Duration = double.NaN;
        int p = LinePrefix.SkipSpaces(s, pos);
        if (p >= s.Length || s[p] != '=')
        {
            error = p >= s.Length ? "missing result after argument list" : "expected '=' after argument list";
            return false;
        }
        p++;
        if (p >= s.Length || s[p] != ' ')
        {
            error = "missing result after '='";
            return false;
        }
        p = LinePrefix.SkipSpaces(s, p);
        r.TextStart = p;
        p = ParseValue(s, p, ref r, out error);
        if (p < 0)
        {
            return false;
        }
        r.TextEnd = p;
        return ParseTrailers(s, p, ref r, out error);
    }

    /// <summary>Parses <c>?</c> or an integer with an optional decoration; returns the index after it, or -1.</summary>
    private static int ParseValue(ReadOnlySpan<char> s, int p, ref CallResult r, out string? error)
    {
        error = null;
        if (p < s.Length && s[p] == '?')
        {
            return p + 1;
        }
        int start = p;
        if (p < s.Length && s[p] == '-')
        {
            p++;
        }
        while (p < s.Length && (char.IsAsciiHexDigit(s[p]) || s[p] == 'x' || s[p] == 'X'))
        {
            p++;
        }
        if (!NumberText.TryParseSigned(s[start..p], out r.Value))
        {
            error = p == start ? "missing result after '='" : "malformed result value";
            return -1;
        }
        r.HasResult = true;
        if (p < s.Length && s[p] == '<')
        {
            int end = SyntaxScanner.SkipDecoration(s, p);
            error = end < 0 ? "unterminated '<' after result" : null;
            return end;
        }
        return p;
    }

    /// <summary>Parses the space-separated items after the value up to the end of the line.</summary>
    private static bool ParseTrailers(ReadOnlySpan<char> s, int p, ref CallResult r, out string? error)
    {
        error = null;
        while (p < s.Length)
        {
            if (s[p] != ' ')
            {
                error = "unexpected text after result";
                return false;
            }
            p = LinePrefix.SkipSpaces(s, p);
            if (p >= s.Length)
            {
                return true;
            }
            p = ParseTrailer(s, p, ref r, out error);
            if (p < 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Parses one trailer item at <paramref name="p"/>; returns the index after it or -1 with an error.</summary>
    private static int ParseTrailer(ReadOnlySpan<char> s, int p, ref CallResult r, out string? error)
    {
        error = null;
        char c = s[p];
        int end;
        if (c == '(')
        {
            int close = SyntaxScanner.ScanArgs(s, p + 1, out ScanStop stop, out error);
            end = close < 0 || stop != ScanStop.CloseParen ? -1 : close + 1;
            error = end < 0 ? "unterminated '(' after result" : null;
            if (end > 0)
            {
                NoteErrnoNumber(s[(p + 1)..close], ref r);
            }
        }
        else if (c == '/' && p + 1 < s.Length && s[p + 1] == '*')
        {
            end = SyntaxScanner.SkipComment(s, p);
            error = end < 0 ? SyntaxScanner.ErrUnterminatedComment : null;
        }
        else if (c == '<')
        {
            return ParseAngle(s, p, ref r, out error);
        }
        else if (char.IsAsciiLetterUpper(c))
        {
            end = ParseErrnoName(s, p, ref r, out error);
        }
        else
        {
            error = "unexpected text after result";
            return -1;
        }
        r.TextEnd = end > 0 ? end : r.TextEnd;
        return end;
    }

    /// <summary>Parses <c>&lt;0.000012&gt;</c> (the <c>-T</c> duration) or another <c>&lt;...&gt;</c> item such as <c>&lt;unavailable&gt;</c>.</summary>
    private static int ParseAngle(ReadOnlySpan<char> s, int p, ref CallResult r, out string? error)
    {
        error = null;
        int close = s[p..].IndexOf('>');
        if (close < 0)
        {
            error = "unterminated '<' after result";
            return -1;
        }
        int end = p + close + 1;
        if (NumberText.TryParseSeconds(s[(p + 1)..(end - 1)], out double seconds))
        {
            r.Duration = seconds;
            return end;
        }
        r.TextEnd = end;
        return end;
    }

    /// <summary>Parses an errno name such as <c>ENOMEM</c> or <c>ERESTARTSYS</c>; sets the value to -errno.</summary>
    private static int ParseErrnoName(ReadOnlySpan<char> s, int p, ref CallResult r, out string? error)
    {
        error = null;
        int q = p;
        while (q < s.Length && (char.IsAsciiLetterUpper(s[q]) || char.IsAsciiDigit(s[q]) || s[q] == '_'))
        {
            q++;
        }
        if (r.ErrnoName is not null || !Errno.TryGetCanonical(s[p..q], out string name, out int number))
        {
            error = r.ErrnoName is null ? "unknown errno name after result" : "unexpected text after result";
            return -1;
        }
        r.ErrnoName = name;
        r.Value = -number;
        r.HasResult = true;
        return q;
    }

    /// <summary>Handles <c>(errno 530)</c>, strace's spelling of an errno it has no name for.</summary>
    private static void NoteErrnoNumber(ReadOnlySpan<char> inner, ref CallResult r)
    {
        if (r.ErrnoName is null && r.HasResult && r.Value < 0 && inner.StartsWith("errno ", StringComparison.Ordinal)
            && NumberText.TryParseUnsigned(inner[6..], out ulong n) && n > 0 && n <= Errno.MaxErrno)
        {
            r.Value = -(long)n;
            r.ErrnoName = Errno.NameOf((int)n);
        }
    }
}
