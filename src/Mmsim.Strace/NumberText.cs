namespace Mmsim.Strace;

/// <summary>Allocation-free parsing of the integer and time spellings strace uses.</summary>
internal static class NumberText
{
    /// <summary>
    /// Parses a whole span as an unsigned integer: hex <c>0x1f</c>, octal <c>0644</c> (leading zero) or decimal.
    /// False when empty, when any character is not a digit of the base, or on overflow past 64 bits.
    /// </summary>
    internal static bool TryParseUnsigned(ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        {
            return TryParseHex(s[2..], out value);
        }
        if (s.Length > 1 && s[0] == '0')
        {
            return TryParseBase(s[1..], 8, out value);
        }
        return TryParseBase(s, 10, out value);
    }

    /// <summary>
    /// Parses an optionally signed integer (<c>-12</c>, <c>-0x10</c>, <c>+3</c>); unsigned values above
    /// <see cref="long.MaxValue"/> become their two's complement. False on malformed text or overflow.
    /// </summary>
    internal static bool TryParseSigned(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        bool negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (!TryParseUnsigned(s, out ulong u))
        {
            return false;
        }
        if (negative)
        {
            if (u > 1UL << 63)
            {
                return false;
            }
            value = unchecked(-(long)u);
            return true;
        }
        value = unchecked((long)u);
        return true;
    }

    /// <summary>Parses 1 to 16 hex digits (no prefix) into <paramref name="value"/>; false otherwise.</summary>
    internal static bool TryParseHex(ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 16)
        {
            return false;
        }
        foreach (char c in s)
        {
            int d = HexDigit(c);
            if (d < 0)
            {
                return false;
            }
            value = (value << 4) | (uint)d;
        }
        return true;
    }

    /// <summary>Parses decimal or octal digits (no prefix) with overflow detection; false for empty or bad digits.</summary>
    private static bool TryParseBase(ReadOnlySpan<char> s, uint radix, out ulong value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }
        foreach (char c in s)
        {
            uint d = (uint)(c - '0');
            if (d >= radix)
            {
                return false;
            }
            ulong next = unchecked((value * radix) + d);
            if (value > (ulong.MaxValue - d) / radix)
            {
                return false;
            }
            value = next;
        }
        return true;
    }

    /// <summary>Value of a hex digit, or -1.</summary>
    internal static int HexDigit(char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        return -1;
    }

    /// <summary>
    /// Parses <c>DIGITS[.DIGITS]</c> (as in <c>-ttt</c>, <c>-r</c> and <c>-T</c> times) into seconds; false for
    /// anything else, including more than 18 integer or fraction digits.
    /// </summary>
    internal static bool TryParseSeconds(ReadOnlySpan<char> s, out double seconds)
    {
        seconds = double.NaN;
        int dot = s.IndexOf('.');
        ReadOnlySpan<char> whole = dot < 0 ? s : s[..dot];
        ReadOnlySpan<char> fraction = dot < 0 ? default : s[(dot + 1)..];
        if (whole.Length > 18 || fraction.Length > 18 || (dot >= 0 && fraction.IsEmpty))
        {
            return false;
        }
        if (!TryParseBase(whole, 10, out ulong w))
        {
            return false;
        }
        ulong f = 0;
        if (!fraction.IsEmpty && !TryParseBase(fraction, 10, out f))
        {
            return false;
        }
        seconds = w + (f / Math.Pow(10, fraction.Length));
        return true;
    }

    /// <summary>
    /// Parses a time of day <c>HH:MM:SS[.fraction]</c> (as in <c>-t</c>/<c>-tt</c>) into seconds since midnight;
    /// false for anything else.
    /// </summary>
    internal static bool TryParseClock(ReadOnlySpan<char> s, out double seconds)
    {
        seconds = double.NaN;
        if (s.Length < 8 || s[2] != ':' || s[5] != ':')
        {
            return false;
        }
        if (!TryParseBase(s[..2], 10, out ulong h) || !TryParseBase(s[3..5], 10, out ulong m)
            || !TryParseSeconds(s[6..], out double sec) || s[6] == '.')
        {
            return false;
        }
        seconds = (h * 3600.0) + (m * 60.0) + sec;
        return true;
    }
}
