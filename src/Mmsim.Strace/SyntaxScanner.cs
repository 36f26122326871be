using System.Buffers;

namespace Mmsim.Strace;

/// <summary>Where <see cref="SyntaxScanner.ScanArgs"/> stopped.</summary>
internal enum ScanStop
{
    /// <summary>At the <c>)</c> closing the call.</summary>
    CloseParen,

    /// <summary>At a <c>&lt;unfinished ...&gt;</c> marker.</summary>
    Unfinished,

    /// <summary>At a <c>&lt;detached ...&gt;</c> marker.</summary>
    Detached,
}

/// <summary>
/// Low-level scanning of strace argument syntax shared by the reader (strict) and <see cref="ArgList"/> (lenient):
/// "strings" with C escapes, (parens), [arrays], {structs}, /* comments */ and <c>3&lt;/path&gt;</c> fd decorations.
/// </summary>
internal static class SyntaxScanner
{
    /// <summary>Longest nesting of brackets the scanner tracks (two bits per level in a 128-bit stack).</summary>
    internal const int MaxDepth = 64;

    internal const string UnfinishedMarker = "<unfinished ...>";
    internal const string DetachedMarker = "<detached ...>";
    internal const string ErrUnterminatedArgs = "unterminated argument list";
    internal const string ErrUnterminatedString = "unterminated string";
    internal const string ErrUnterminatedComment = "unterminated comment";
    internal const string ErrTooDeep = "brackets nested too deeply";

    private static readonly SearchValues<char> s_special = SearchValues.Create("\"()[]{}/<");
    private static readonly SearchValues<char> s_quoteOrBackslash = SearchValues.Create("\"\\");

    /// <summary>
    /// Scans an argument list that starts at <paramref name="start"/> (just after the call's <c>(</c>). Returns the
    /// index of the closing <c>)</c> at depth 0 or of an unfinished/detached marker (at any depth), with
    /// <paramref name="stop"/> saying which; returns -1 and sets <paramref name="error"/> on malformed text.
    /// </summary>
    internal static int ScanArgs(ReadOnlySpan<char> s, int start, out ScanStop stop, out string? error)
    {
        UInt128 stack = 0;
        int depth = 0;
        int i = start;
        stop = ScanStop.CloseParen;
        while (true)
        {
            int rel = i < s.Length ? s[i..].IndexOfAny(s_special) : -1;
            if (rel < 0)
            {
                error = ErrUnterminatedArgs;
                return -1;
            }
            i += rel;
            char c = s[i];
            if (c == '"' || c == '/' || c == '<')
            {
                int next = SkipSpecial(s, i, out stop, out error);
                if (next <= i)
                {
                    return next == i ? i : -1;
                }
                i = next;
                continue;
            }
            if (!Nest(c, ref stack, ref depth, out error))
            {
                return depth == 0 && c == ')' && error is null ? i : -1;
            }
            i++;
        }
    }

    /// <summary>
    /// Handles a <c>"</c>, <c>/</c> or <c>&lt;</c> at <paramref name="i"/>: returns the index to continue at (&gt; i),
    /// or exactly <paramref name="i"/> for an unfinished/detached marker (setting <paramref name="stop"/>), or -1 with an error.
    /// </summary>
    private static int SkipSpecial(ReadOnlySpan<char> s, int i, out ScanStop stop, out string? error)
    {
        stop = ScanStop.CloseParen;
        error = null;
        char c = s[i];
        if (c == '"')
        {
            int end = SkipString(s, i);
            error = end < 0 ? ErrUnterminatedString : null;
            return end;
        }
        if (c == '/')
        {
            if (i + 1 < s.Length && s[i + 1] == '*')
            {
                int end = SkipComment(s, i);
                error = end < 0 ? ErrUnterminatedComment : null;
                return end;
            }
            return i + 1;
        }
        return SkipAngle(s, i, out stop);
    }

    /// <summary>Handles a <c>&lt;</c>: a marker returns <paramref name="i"/>, an fd decoration its end, anything else i + 1.</summary>
    private static int SkipAngle(ReadOnlySpan<char> s, int i, out ScanStop stop)
    {
        stop = ScanStop.CloseParen;
        ReadOnlySpan<char> rest = s[i..];
        if (rest.StartsWith(UnfinishedMarker, StringComparison.Ordinal))
        {
            stop = ScanStop.Unfinished;
            return i;
        }
        if (rest.StartsWith(DetachedMarker, StringComparison.Ordinal))
        {
            stop = ScanStop.Detached;
            return i;
        }
        if (IsDecorationStart(s, i))
        {
            int end = SkipDecoration(s, i);
            return end > i ? end : i + 1;
        }
        return i + 1;
    }

    /// <summary>
    /// Applies one bracket character to the nesting stack. Returns true when scanning should go on; false when
    /// <paramref name="c"/> is the <c>)</c> closing the list (error null, depth 0) or on a nesting error (error set).
    /// </summary>
    internal static bool Nest(char c, ref UInt128 stack, ref int depth, out string? error)
    {
        error = null;
        int code = c switch { '(' or ')' => 1, '[' or ']' => 2, _ => 3 };
        if (c == '(' || c == '[' || c == '{')
        {
            if (depth >= MaxDepth)
            {
                error = ErrTooDeep;
                return false;
            }
            stack = (stack << 2) | (uint)code;
            depth++;
            return true;
        }
        if (depth == 0)
        {
            error = c == ')' ? null : "unbalanced '" + c + "'";
            return false;
        }
        if ((int)(stack & 3) != code)
        {
            error = "mismatched '" + c + "'";
            return false;
        }
        stack >>= 2;
        depth--;
        return true;
    }

    /// <summary>Given <c>"</c> at <paramref name="i"/>, returns the index just past the closing quote, or -1 if unterminated.</summary>
    internal static int SkipString(ReadOnlySpan<char> s, int i)
    {
        int j = i + 1;
        while (j < s.Length)
        {
            int rel = s[j..].IndexOfAny(s_quoteOrBackslash);
            if (rel < 0)
            {
                return -1;
            }
            j += rel;
            if (s[j] == '"')
            {
                return j + 1;
            }
            j += 2;
        }
        return -1;
    }

    /// <summary>Given <c>/*</c> at <paramref name="i"/>, returns the index just past <c>*/</c>, or -1 if unterminated.</summary>
    internal static int SkipComment(ReadOnlySpan<char> s, int i)
    {
        if (i + 2 > s.Length)
        {
            return -1;
        }
        int rel = s[(i + 2)..].IndexOf("*/", StringComparison.Ordinal);
        return rel < 0 ? -1 : i + 2 + rel + 2;
    }

    /// <summary>True when the <c>&lt;</c> at <paramref name="i"/> opens an fd/pid decoration: it follows a digit and is not a <c>&lt;&lt;</c> shift.</summary>
    internal static bool IsDecorationStart(ReadOnlySpan<char> s, int i)
    {
        return i > 0 && char.IsAsciiDigit(s[i - 1]) && (i + 1 >= s.Length || s[i + 1] != '<');
    }

    /// <summary>
    /// Given <c>&lt;</c> at <paramref name="i"/>, returns the index just past the matching <c>&gt;</c>, honouring nested
    /// <c>&lt;...&gt;</c> (<c>-yy</c> device info), <c>[...]</c> (sockets, where <c>-&gt;</c> appears) and strings; -1 if unterminated.
    /// </summary>
    internal static int SkipDecoration(ReadOnlySpan<char> s, int i)
    {
        int angle = 0;
        int square = 0;
        for (int j = i; j < s.Length; j++)
        {
            char c = s[j];
            if (c == '\\')
            {
                j++;
            }
            else if (c == '"')
            {
                int end = SkipString(s, j);
                if (end < 0)
                {
                    return -1;
                }
                j = end - 1;
            }
            else if (c == '[')
            {
                square++;
            }
            else if (c == ']' && square > 0)
            {
                square--;
            }
            else if (c == '<' && square == 0)
            {
                angle++;
            }
            else if (c == '>' && square == 0 && --angle == 0)
            {
                return j + 1;
            }
        }
        return -1;
    }
}
