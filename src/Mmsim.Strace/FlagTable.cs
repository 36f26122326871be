namespace Mmsim.Strace;

/// <summary>
/// The symbolic names of one set of constants (flags or commands) with their Linux x86-64 values, plus
/// optional shift names such as <c>MAP_HUGE_SHIFT</c> (only valid on the right of <c>&lt;&lt;</c>).
/// Immutable and safe to share; the tables strace prints are in <see cref="FlagTables"/>.
/// </summary>
public sealed class FlagTable
{
    private readonly Dictionary<string, ulong> _values;
    private readonly Dictionary<string, ulong>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Dictionary<string, ulong> _shifts;
    private readonly Dictionary<string, ulong>.AlternateLookup<ReadOnlySpan<char>> _shiftLookup;
    private readonly Dictionary<ulong, string> _names;

    /// <summary>Creates a table. For a value with several names, <see cref="NameOf"/> returns the first listed.</summary>
    /// <param name="name">Short name of the table, for diagnostics.</param>
    /// <param name="entries">Name/value pairs.</param>
    /// <param name="shifts">Names usable only as a shift count, e.g. <c>("MAP_HUGE_SHIFT", 26)</c>.</param>
    public FlagTable(string name, (string Name, ulong Value)[] entries, (string Name, ulong Shift)[]? shifts = null)
    {
        Name = name;
        _values = new Dictionary<string, ulong>(entries.Length, StringComparer.Ordinal);
        _names = new Dictionary<ulong, string>(entries.Length);
        foreach ((string key, ulong value) in entries)
        {
            _values[key] = value;
            _names.TryAdd(value, key);
        }
        _shifts = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach ((string key, ulong shift) in shifts ?? [])
        {
            _shifts[key] = shift;
        }
        _lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();
        _shiftLookup = _shifts.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Short name of the table (e.g. <c>prot</c>).</summary>
    public string Name { get; }

    /// <summary>Number of symbolic names (shift names not counted).</summary>
    public int Count => _values.Count;

    /// <summary>Looks up one symbolic name (exact, case-sensitive).</summary>
    public bool TryGetValue(ReadOnlySpan<char> name, out ulong value)
    {
        return _lookup.TryGetValue(name, out value);
    }

    /// <summary>The first name listed for exactly <paramref name="value"/>, or null.</summary>
    public string? NameOf(ulong value)
    {
        return _names.TryGetValue(value, out string? name) ? name : null;
    }

    /// <summary>
    /// Parses a flag expression as strace prints it: <c>PROT_READ|PROT_WRITE</c>, <c>MAP_PRIVATE|MAP_ANONYMOUS|0x40000</c>,
    /// <c>21&lt;&lt;MAP_HUGE_SHIFT</c> terms, plain numbers (<c>0</c>, raw hex of <c>-X raw</c>) and the <c>-X verbose</c>
    /// form <c>0x3 /* PROT_READ|PROT_WRITE */</c>. False (never an exception) for empty text or an unknown name.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, FlagTable table, out ulong value)
    {
        value = 0;
        ReadOnlySpan<char> t = ArgList.StripTrailingComment(text.Trim());
        if (t.IsEmpty)
        {
            return false;
        }
        while (true)
        {
            int bar = t.IndexOf('|');
            ReadOnlySpan<char> term = (bar < 0 ? t : t[..bar]).Trim();
            if (!table.TryTerm(term, out ulong v))
            {
                value = 0;
                return false;
            }
            value |= v;
            if (bar < 0)
            {
                return true;
            }
            t = t[(bar + 1)..];
        }
    }

    /// <summary>Value of one <c>|</c>-separated term: a name, a number, or <c>A&lt;&lt;B</c>.</summary>
    private bool TryTerm(ReadOnlySpan<char> term, out ulong value)
    {
        value = 0;
        int shiftAt = term.IndexOf("<<", StringComparison.Ordinal);
        if (shiftAt < 0)
        {
            return TryOperand(term, out value);
        }
        ReadOnlySpan<char> right = term[(shiftAt + 2)..].Trim();
        if (!TryOperand(term[..shiftAt].Trim(), out ulong left))
        {
            return false;
        }
        bool ok = NumberText.TryParseUnsigned(right, out ulong count) || _shiftLookup.TryGetValue(right, out count);
        if (!ok || count > 63)
        {
            return false;
        }
        value = left << (int)count;
        return true;
    }

    /// <summary>Value of a number (any base, optionally negative) or of a symbolic name of this table.</summary>
    private bool TryOperand(ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }
        if (char.IsAsciiDigit(s[0]) || s[0] == '-')
        {
            bool ok = NumberText.TryParseSigned(s, out long n);
            value = unchecked((ulong)n);
            return ok;
        }
        return _lookup.TryGetValue(s, out value);
    }

    /// <summary>The table's name, for diagnostics.</summary>
    public override string ToString()
    {
        return Name;
    }
}
