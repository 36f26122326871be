namespace Mmsim.Strace;

/// <content>Numbers, flags, structs, arrays and makedev: instance accessors and the static parsers behind them.</content>
public readonly partial struct ArgList
{
    /// <summary>
    /// Integer value of argument <paramref name="i"/>; see <see cref="TryParseInt64"/> for the accepted forms.
    /// </summary>
    public bool TryGetInt64(int i, out long value)
    {
        return TryParseInt64(Raw(i), out value);
    }

    /// <summary>Flag value of argument <paramref name="i"/> against <paramref name="table"/>; see <see cref="FlagTable.TryParse"/>.</summary>
    public bool TryGetFlags(int i, FlagTable table, out ulong value)
    {
        return FlagTable.TryParse(Raw(i), table, out value);
    }

    /// <summary>
    /// A field of the struct in argument <paramref name="i"/>, e.g. <c>st_ino</c> of <c>{st_dev=makedev(0xfe, 0), st_ino=793, ...}</c>.
    /// For an in/out argument <c>{...} =&gt; {...}</c> the entry struct is searched (use <see cref="TryGetExitValue"/> for the other).
    /// </summary>
    public bool TryGetStructField(int i, string field, out ReadOnlySpan<char> value)
    {
        return TryGetStructField(EntryPart(Raw(i)), field, out value);
    }

    /// <summary>Elements of an integer array argument (<c>[1, 0, 1]</c>, <c>[3, 4]</c>) appended to <paramref name="into"/>; false (adding nothing) for
    /// anything else, including arrays of structs and arrays truncated with <c>...</c>.</summary>
    public bool TryGetIntArray(int i, List<long> into)
    {
        int before = into.Count;
        if (!TryParseIntArray(Raw(i), into, out bool truncated))
        {
            return false;
        }
        if (truncated)
        {
            into.RemoveRange(before, into.Count - before);
        }
        return !truncated;
    }

    /// <summary>Like <see cref="TryGetIntArray(int, List{long})"/> but accepts a trailing <c>...</c> and reports it in <paramref name="truncated"/>.</summary>
    public bool TryGetIntArray(int i, List<long> into, out bool truncated)
    {
        return TryParseIntArray(Raw(i), into, out truncated);
    }

    /// <summary>
    /// Parses an integer as strace prints it: decimal, negative, hex <c>0x..</c> (above <see cref="long.MaxValue"/> as two's
    /// complement), octal <c>0644</c>, <c>NULL</c> (0), <c>AT_FDCWD</c> (-100), <c>RLIM64_INFINITY</c>/<c>RLIM_INFINITY</c> (-1),
    /// <c>-y</c> decorations <c>3&lt;/tmp/x&gt;</c> (3), products <c>8192*1024</c>, shifts <c>1&lt;&lt;20</c> and the
    /// <c>-X verbose</c> form <c>0x3 /* PROT_READ|PROT_WRITE */</c>. False for anything else or on overflow.
    /// </summary>
    public static bool TryParseInt64(ReadOnlySpan<char> text, out long value)
    {
        ReadOnlySpan<char> t = StripTrailingComment(text.Trim());
        if (NumberText.TryParseSigned(t, out value))
        {
            return true;
        }
        if (TryNamedConstant(t, out value))
        {
            return true;
        }
        int lt = t.IndexOf('<');
        if (lt > 0 && t[^1] == '>' && SyntaxScanner.IsDecorationStart(t, lt))
        {
            return NumberText.TryParseSigned(t[..lt], out value);
        }
        return TryProductOrShift(t, out value);
    }

    /// <summary>Same as <see cref="TryParseInt64"/> (kept for callers that use this name).</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out long value)
    {
        return TryParseInt64(text, out value);
    }

    /// <summary>
    /// A field of a struct text <c>{a=1, b={...}, ...}</c>: the trimmed value of the first top-level member named
    /// <paramref name="field"/>. Text after the struct's closing brace (such as <c> =&gt; {...}</c>) is ignored.
    /// </summary>
    public static bool TryGetStructField(ReadOnlySpan<char> structText, ReadOnlySpan<char> field, out ReadOnlySpan<char> value)
    {
        value = default;
        ReadOnlySpan<char> t = structText.Trim();
        if (t.IsEmpty || t[0] != '{' || field.IsEmpty)
        {
            return false;
        }
        int close = NextTopLevel(t, 1, '\0', true);
        ReadOnlySpan<char> inner = t[1..close];
        int pos = 0;
        while (pos <= inner.Length)
        {
            int end = NextTopLevel(inner, pos, ',', false);
            ReadOnlySpan<char> member = inner[pos..end].Trim();
            if (member.Length > field.Length && member[field.Length] == '=' && member.StartsWith(field))
            {
                value = member[(field.Length + 1)..].Trim();
                return true;
            }
            pos = end + 1;
        }
        return false;
    }

    /// <summary>
    /// Several fields of the struct <paramref name="structText"/> starts with, in one pass over it: for each field k of
    /// <paramref name="fields"/> found, bit k of the result is set and <paramref name="values"/>[k] is where its trimmed
    /// value lies in <paramref name="structText"/> (the first occurrence, as <see cref="TryGetStructField(ReadOnlySpan{char}, ReadOnlySpan{char}, out ReadOnlySpan{char})"/>
    /// finds it). 0 when the text is no struct. Of an in/out argument <c>{...} =&gt; {...}</c> the entry struct is read.
    /// </summary>
    public static int GetStructFields(ReadOnlySpan<char> structText, ReadOnlySpan<string> fields, Span<Range> values)
    {
        ReadOnlySpan<char> t = structText.TrimStart();
        int lead = structText.Length - t.Length;
        if (t.IsEmpty || t[0] != '{' || fields.Length > 31 || values.Length < fields.Length)
        {
            return 0;
        }
        int found = 0;
        int pos = 1;
        while (pos < t.Length)
        {
            int end = NextTopLevel(t, pos, ',', true);
            found |= MatchField(t, pos, end, fields, values, found, lead);
            if (end >= t.Length || t[end] != ',')
            {
                break;
            }
            pos = end + 1;
        }
        return found;
    }

    /// <summary>The bit of the (not yet found) field that member <c>t[start..end]</c> sets, recording its value's place; 0 if none.</summary>
    private static int MatchField(ReadOnlySpan<char> t, int start, int end, ReadOnlySpan<string> fields, Span<Range> values, int found, int lead)
    {
        ReadOnlySpan<char> member = t[start..end];
        int skipped = member.Length - member.TrimStart().Length;
        member = member.Trim();
        for (int k = 0; k < fields.Length; k++)
        {
            string field = fields[k];
            if ((found & (1 << k)) == 0 && field.Length > 0 && member.Length > field.Length && member[field.Length] == '=' && member.StartsWith(field))
            {
                ReadOnlySpan<char> rest = member[(field.Length + 1)..];
                int from = lead + start + skipped + field.Length + 1 + (rest.Length - rest.TrimStart().Length);
                values[k] = new Range(from, from + rest.Trim().Length);
                return 1 << k;
            }
        }
        return 0;
    }

    /// <summary>
    /// Parses an integer array <c>[1, 0, 1]</c> into <paramref name="into"/> (appending). A final <c>...</c> element sets
    /// <paramref name="truncated"/>. False, leaving <paramref name="into"/> as it was, if the text is not such an array.
    /// </summary>
    public static bool TryParseIntArray(ReadOnlySpan<char> text, List<long> into, out bool truncated)
    {
        truncated = false;
        ReadOnlySpan<char> t = text.Trim();
        if (t.Length < 2 || t[0] != '[' || t[^1] != ']' || NextTopLevel(t, 1, '\0', true) != t.Length - 1)
        {
            return false;
        }
        ReadOnlySpan<char> inner = t[1..^1];
        int before = into.Count;
        int pos = 0;
        while (pos <= inner.Length && !inner.IsWhiteSpace())
        {
            int end = NextTopLevel(inner, pos, ',', false);
            ReadOnlySpan<char> element = inner[pos..end].Trim();
            if (truncated || !TryArrayElement(element, into, ref truncated))
            {
                into.RemoveRange(before, into.Count - before);
                truncated = false;
                return false;
            }
            pos = end + 1;
        }
        return true;
    }

    /// <summary>
    /// Parses <c>makedev(0xfe, 0)</c> (hex or decimal parts, as in <c>st_dev</c>/<c>st_rdev</c>) into major and minor numbers.
    /// </summary>
    public static bool TryParseMakedev(ReadOnlySpan<char> text, out uint major, out uint minor)
    {
        major = 0;
        minor = 0;
        ReadOnlySpan<char> t = text.Trim();
        if (!t.StartsWith("makedev(", StringComparison.Ordinal) || t[^1] != ')')
        {
            return false;
        }
        ReadOnlySpan<char> inner = t[8..^1];
        int comma = inner.IndexOf(',');
        if (comma < 0
            || !NumberText.TryParseUnsigned(inner[..comma].Trim(), out ulong ma) || ma > uint.MaxValue
            || !NumberText.TryParseUnsigned(inner[(comma + 1)..].Trim(), out ulong mi) || mi > uint.MaxValue)
        {
            return false;
        }
        major = (uint)ma;
        minor = (uint)mi;
        return true;
    }

    /// <summary>
    /// Drops a trailing <c>/* ... */</c> comment (the <c>-X verbose</c> spelling and strace's annotations) from trimmed
    /// text and returns what precedes it, trimmed; text without one is returned as is.
    /// </summary>
    internal static ReadOnlySpan<char> StripTrailingComment(ReadOnlySpan<char> t)
    {
        if (!t.EndsWith("*/", StringComparison.Ordinal))
        {
            return t;
        }
        int open = t.LastIndexOf("/*", StringComparison.Ordinal);
        return open < 0 || open + 2 > t.Length - 2 ? t : t[..open].TrimEnd();
    }

    /// <summary>One array element: an integer, or a final <c>...</c> (sets <paramref name="truncated"/>).</summary>
    private static bool TryArrayElement(ReadOnlySpan<char> element, List<long> into, ref bool truncated)
    {
        if (element.SequenceEqual("..."))
        {
            truncated = true;
            return true;
        }
        if (element.IsEmpty || element[0] == '{' || element[0] == '[' || !TryParseInt64(element, out long v))
        {
            return false;
        }
        into.Add(v);
        return true;
    }

    /// <summary>The symbolic integers strace prints in place of numbers.</summary>
    private static bool TryNamedConstant(ReadOnlySpan<char> t, out long value)
    {
        value = t switch
        {
            "NULL" => 0,
            "AT_FDCWD" => -100,
            "RLIM64_INFINITY" or "RLIM_INFINITY" => -1,
            _ => long.MinValue,
        };
        return value != long.MinValue;
    }

    /// <summary>Parses <c>A*B</c> or <c>A&lt;&lt;B</c> of plain integers; false otherwise or on overflow.</summary>
    private static bool TryProductOrShift(ReadOnlySpan<char> t, out long value)
    {
        value = 0;
        int star = t.IndexOf('*');
        if (star > 0)
        {
            if (!NumberText.TryParseSigned(t[..star].Trim(), out long a) || !NumberText.TryParseSigned(t[(star + 1)..].Trim(), out long b))
            {
                return false;
            }
            Int128 product = (Int128)a * b;
            value = (long)product;
            return product >= long.MinValue && product <= long.MaxValue;
        }
        int shift = t.IndexOf("<<", StringComparison.Ordinal);
        if (shift > 0 && NumberText.TryParseSigned(t[..shift].Trim(), out long left)
            && NumberText.TryParseUnsigned(t[(shift + 2)..].Trim(), out ulong count) && count < 64)
        {
            value = left << (int)count;
            return true;
        }
        return false;
    }
}
