using System.Text;

namespace Mmsim.Proc;

/// <summary>The number printing of seq_file (fs/seq_file.c) the /proc formatters share.</summary>
internal static class ProcText
{
    /// <summary>Number of decimal digits of <paramref name="v"/>.</summary>
    public static int Digits(ulong v)
    {
        int n = 1;
        while (v >= 10)
        {
            v /= 10;
            n++;
        }
        return n;
    }

    /// <summary>"%*lu": <paramref name="v"/> right-aligned in <paramref name="width"/> columns, as
    /// seq_put_decimal_ull_width() does.</summary>
    public static StringBuilder Dec(StringBuilder sb, ulong v, int width)
    {
        int pad = width - Digits(v);
        if (pad > 0)
        {
            sb.Append(' ', pad);
        }
        return sb.Append(v);
    }

    /// <summary>Signed "%*ld".</summary>
    public static StringBuilder Dec(StringBuilder sb, long v, int width)
    {
        if (v >= 0)
        {
            return Dec(sb, (ulong)v, width);
        }
        int pad = width - Digits((ulong)-v) - 1;
        if (pad > 0)
        {
            sb.Append(' ', pad);
        }
        return sb.Append(v);
    }

    /// <summary>"%0*lx": lower-case hex, zero-padded to <paramref name="minDigits"/>, without allocating.</summary>
    public static StringBuilder Hex(StringBuilder sb, ulong v, int minDigits)
    {
        Span<char> buf = stackalloc char[16];
        int n = 0;
        do
        {
            buf[15 - n++] = "0123456789abcdef"[(int)(v & 0xf)];
            v >>= 4;
        }
        while (v != 0);
        if (minDigits > n)
        {
            sb.Append('0', minDigits - n);
        }
        return sb.Append(buf[(16 - n)..]);
    }

    /// <summary>"NAME%8lu kB\n" for a byte count shown in kB.</summary>
    public static void Kb(StringBuilder sb, string label, ulong bytes) =>
        Dec(sb.Append(label), bytes >> 10, 8).Append(" kB\n");
}
