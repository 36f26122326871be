using System.Text;

namespace Mmsim.Strace;

/// <content>Quoted strings and <c>-y</c> fd paths: instance accessors and the static decoders behind them.</content>
public readonly partial struct ArgList
{
    /// <summary>
    /// Bytes of the quoted string in argument <paramref name="i"/> with C escapes decoded; a trailing <c>...</c>
    /// (string cut at the <c>-s</c> limit) sets <paramref name="truncated"/>. False when the argument is not a string
    /// (e.g. <c>NULL</c> or an address) or holds an invalid escape.
    /// </summary>
    public bool TryGetString(int i, out byte[] bytes, out bool truncated)
    {
        return TryDecodeString(Raw(i), out bytes, out truncated);
    }

    /// <summary>
    /// The path of a <c>-y</c>/<c>-yy</c> decorated fd argument: <c>/usr/lib/libc.so.6</c> for <c>3&lt;/usr/lib/libc.so.6&gt;</c>,
    /// <c>socket:[1234]</c> for <c>3&lt;socket:[1234]&gt;</c>, <c>/x (deleted)</c> for <c>3&lt;/x (deleted)&gt;</c>; escapes decoded.
    /// </summary>
    public bool TryGetFdPath(int i, out string path)
    {
        return TryParseFdPath(Raw(i), out path);
    }

    /// <summary>
    /// Decodes a quoted string <c>"..."</c> optionally followed by <c>...</c>: <c>\n \t \r \v \f \a \b \" \\ \'</c>,
    /// octal <c>\ooo</c> (1-3 digits) and <c>\xHH</c>; other characters are taken as UTF-8.
    /// </summary>
    public static bool TryDecodeString(ReadOnlySpan<char> text, out byte[] bytes, out bool truncated)
    {
        bytes = [];
        truncated = false;
        ReadOnlySpan<char> t = text.Trim();
        if (t.Length < 2 || t[0] != '"')
        {
            return false;
        }
        int end = SyntaxScanner.SkipString(t, 0);
        if (end < 0)
        {
            return false;
        }
        ReadOnlySpan<char> rest = t[end..].TrimStart();
        if (!rest.IsEmpty && !rest.SequenceEqual("..."))
        {
            return false;
        }
        truncated = !rest.IsEmpty;
        return TryDecodeEscapes(t[1..(end - 1)], out bytes);
    }

    /// <summary>
    /// Extracts and decodes the text inside a decoration <c>N&lt;...&gt;</c> (fd or pid, <c>-y</c>, <c>-yy</c>, <c>-Y</c>);
    /// also works on result text such as <c>3&lt;/etc/passwd&gt;</c>. False when there is no such decoration.
    /// </summary>
    public static bool TryParseFdPath(ReadOnlySpan<char> text, out string path)
    {
        path = string.Empty;
        ReadOnlySpan<char> t = StripTrailingComment(text.Trim());
        int lt = t.IndexOf('<');
        if (lt <= 0 || t[^1] != '>' || !SyntaxScanner.IsDecorationStart(t, lt)
            || !NumberText.TryParseSigned(t[..lt], out _) || SyntaxScanner.SkipDecoration(t, lt) != t.Length)
        {
            return false;
        }
        if (!TryDecodeEscapes(t[(lt + 1)..^1], out byte[] bytes))
        {
            return false;
        }
        path = Encoding.UTF8.GetString(bytes);
        return true;
    }

    /// <summary>Decodes C escapes of the characters between the quotes into bytes; false on a malformed escape.</summary>
    internal static bool TryDecodeEscapes(ReadOnlySpan<char> s, out byte[] bytes)
    {
        bool ascii = !s.ContainsAnyExceptInRange('\0', '\x7f');
        byte[] buffer = new byte[ascii ? s.Length : s.Length * 3];
        int n = 0;
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '\\')
            {
                if (!TryEscape(s, ref i, out byte b))
                {
                    bytes = [];
                    return false;
                }
                buffer[n++] = b;
            }
            else if (c < 0x80)
            {
                buffer[n++] = (byte)c;
                i++;
            }
            else
            {
                int len = char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
                n += Encoding.UTF8.GetBytes(s.Slice(i, len), buffer.AsSpan(n));
                i += len;
            }
        }
        bytes = n == buffer.Length ? buffer : buffer.AsSpan(0, n).ToArray();
        return true;
    }

    /// <summary>Decodes the escape starting with the backslash at <paramref name="i"/> and advances past it.</summary>
    private static bool TryEscape(ReadOnlySpan<char> s, ref int i, out byte value)
    {
        value = 0;
        if (i + 1 >= s.Length)
        {
            return false;
        }
        char e = s[i + 1];
        if (e >= '0' && e <= '7')
        {
            return TryOctal(s, ref i, out value);
        }
        if (e == 'x')
        {
            return TryHex(s, ref i, out value);
        }
        int simple = e switch
        {
            'n' => '\n', 't' => '\t', 'r' => '\r', 'v' => '\v', 'f' => '\f', 'a' => '\a', 'b' => '\b',
            'e' => 0x1b, '"' => '"', '\\' => '\\', '\'' => '\'', '?' => '?',
            _ => -1,
        };
        value = (byte)simple;
        i += 2;
        return simple >= 0;
    }

    /// <summary>Decodes <c>\o</c>, <c>\oo</c> or <c>\ooo</c> (at most 255) at <paramref name="i"/>.</summary>
    private static bool TryOctal(ReadOnlySpan<char> s, ref int i, out byte value)
    {
        int v = 0;
        int j = i + 1;
        while (j < s.Length && j < i + 4 && s[j] >= '0' && s[j] <= '7')
        {
            v = (v * 8) + (s[j] - '0');
            j++;
        }
        value = (byte)v;
        i = j;
        return v <= 255;
    }

    /// <summary>Decodes <c>\xH</c> or <c>\xHH</c> at <paramref name="i"/>.</summary>
    private static bool TryHex(ReadOnlySpan<char> s, ref int i, out byte value)
    {
        int v = 0;
        int j = i + 2;
        while (j < s.Length && j < i + 4 && NumberText.HexDigit(s[j]) >= 0)
        {
            v = (v * 16) + NumberText.HexDigit(s[j]);
            j++;
        }
        value = (byte)v;
        bool ok = j > i + 2;
        i = j;
        return ok;
    }
}
