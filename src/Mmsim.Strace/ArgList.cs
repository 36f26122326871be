using System.Buffers;

namespace Mmsim.Strace;

/// <summary>
/// The arguments of one call, split at top-level commas while respecting "strings" with C escapes, [arrays],
/// {structs}, (parens) such as <c>makedev(0xfe, 0)</c>, <c>/* comments */</c>, <c>3&lt;/path&gt;</c> decorations
/// and <c>...</c> truncation markers. Values are decoded on demand by the non-throwing <c>TryGet*</c> accessors;
/// an index out of range simply fails. Named arguments (<c>child_stack=NULL, flags=...</c>) are found with
/// <see cref="TryFindNamed"/>, and <see cref="Raw"/> returns their value part.
/// A trailing empty argument (the partial text <c>-1, </c> of an unfinished call) is not counted.
/// The text is split lazily, left to right and only as far as an accessor asks (reading the fd of an fstat does
/// not scan the struct after it); the bounds found live in an <see cref="ArgBounds"/>, which a caller that
/// looks at one call at a time can reuse. Not for use from several threads at once.
/// </summary>
public readonly partial struct ArgList
{
    private static readonly SearchValues<char> s_commaSpecial = SearchValues.Create("\"()[]{}/<,");
    private static readonly SearchValues<char> s_equalsSpecial = SearchValues.Create("\"()[]{}/<=");

    private readonly ReadOnlyMemory<char> _text;
    private readonly ArgBounds? _bounds;

    /// <summary>Splits <paramref name="text"/>, the text between a call's outer parentheses.</summary>
    public ArgList(ReadOnlyMemory<char> text)
        : this(text, null)
    {
    }

    /// <summary>
    /// Splits <paramref name="text"/> into <paramref name="reuse"/> (when given: whatever it held for an earlier
    /// list is forgotten, and that list must not be used any more).
    /// </summary>
    public ArgList(ReadOnlyMemory<char> text, ArgBounds? reuse)
    {
        _text = text;
        if (text.Span.IsWhiteSpace())
        {
            _bounds = null;
            return;
        }
        _bounds = reuse ?? new ArgBounds();
        _bounds.Reset();
    }

    /// <summary>Splits <paramref name="text"/>, the text between a call's outer parentheses (or any comma list).</summary>
    public ArgList(string text)
        : this(text.AsMemory())
    {
    }

    /// <summary>Number of top-level arguments (splits the whole text).</summary>
    public int Count => _bounds is null ? 0 : SplitTo(int.MaxValue);

    /// <summary>The whole text the list was made from.</summary>
    public ReadOnlyMemory<char> Text => _text;

    /// <summary>Trimmed text of argument <paramref name="i"/> (for <c>name=value</c>, the value); empty if out of range.</summary>
    public ReadOnlySpan<char> Raw(int i)
    {
        if (!Has(i))
        {
            return default;
        }
        int b = i * ArgBounds.Stride;
        int[] items = _bounds!.Items;
        return _text.Span[items[b]..items[b + 1]];
    }

    /// <summary>The name of a <c>name=value</c> argument <paramref name="i"/>; empty when unnamed or out of range.</summary>
    public ReadOnlySpan<char> NameAt(int i)
    {
        if (!Has(i))
        {
            return default;
        }
        int b = i * ArgBounds.Stride;
        int[] items = _bounds!.Items;
        return _text.Span[items[b + 2]..items[b + 3]];
    }

    /// <summary>True when argument <paramref name="i"/> exists (splitting the text up to it).</summary>
    private bool Has(int i)
    {
        return _bounds is not null && i >= 0 && (i < _bounds.Count || SplitTo(i) > i);
    }

    /// <summary>Splits on until argument <paramref name="i"/> is found or the text ends; returns the arguments found.</summary>
    private int SplitTo(int i)
    {
        ArgBounds b = _bounds!;
        ReadOnlySpan<char> s = _text.Span;
        while (b.Count <= i && b.Next >= 0)
        {
            SplitNext(s, b);
        }
        return b.Count;
    }

    /// <summary>Finds the next argument from <see cref="ArgBounds.Next"/> (skipping a trailing empty one); marks the end when none is left.</summary>
    private static void SplitNext(ReadOnlySpan<char> s, ArgBounds b)
    {
        while (b.Next >= 0 && b.Next <= s.Length)
        {
            int pos = b.Next;
            int end = NextTopLevel(s, pos, ',', false);
            b.Next = end + 1;
            if (end < s.Length || !s[pos..].IsWhiteSpace() || b.Count == 0)
            {
                Record(s, pos, end, b.Add());
                return;
            }
        }
        b.Next = -1;
    }

    /// <summary>Finds the argument written <c>name=value</c> (e.g. <c>flags</c> in clone); false if none.</summary>
    public bool TryFindNamed(string name, out int index)
    {
        for (int i = 0; Has(i); i++)
        {
            if (NameAt(i).SequenceEqual(name))
            {
                index = i;
                return true;
            }
        }
        index = -1;
        return false;
    }

    /// <summary>
    /// The exit-side value of an in/out argument printed as <c>ENTRY =&gt; EXIT</c> (clone3's
    /// <c>{...} =&gt; {parent_tid=[17700]}</c>); false when argument <paramref name="i"/> has no <c>=&gt;</c>.
    /// </summary>
    public bool TryGetExitValue(int i, out ReadOnlySpan<char> exitValue)
    {
        ReadOnlySpan<char> raw = Raw(i);
        int arrow = FindArrow(raw);
        exitValue = arrow < 0 ? default : raw[(arrow + 2)..].Trim();
        return arrow >= 0;
    }

    /// <summary>Index of a top-level <c>=&gt;</c> in <paramref name="s"/>, or -1.</summary>
    internal static int FindArrow(ReadOnlySpan<char> s)
    {
        int i = 0;
        while (i < s.Length)
        {
            i = NextTopLevel(s, i, '=', false);
            if (i + 1 < s.Length && s[i + 1] == '>')
            {
                return i;
            }
            i++;
        }
        return -1;
    }

    /// <summary>The entry side of <paramref name="s"/>: the text before a top-level <c>=&gt;</c>, or all of it.</summary>
    internal static ReadOnlySpan<char> EntryPart(ReadOnlySpan<char> s)
    {
        int arrow = FindArrow(s);
        return arrow < 0 ? s : s[..arrow].TrimEnd();
    }

    /// <summary>
    /// Index of the first <paramref name="target"/> (<c>,</c> or <c>=</c>) at nesting depth 0 at or after
    /// <paramref name="start"/>; with <paramref name="stopOnClose"/>, also stops at a closing bracket that ends the
    /// enclosing group. Returns <c>s.Length</c> if neither is found. Lenient: never fails on malformed text.
    /// </summary>
    internal static int NextTopLevel(ReadOnlySpan<char> s, int start, char target, bool stopOnClose)
    {
        SearchValues<char> special = target == '=' ? s_equalsSpecial : s_commaSpecial;
        int depth = 0;
        int i = start;
        while (i < s.Length)
        {
            int rel = s[i..].IndexOfAny(special);
            if (rel < 0)
            {
                return s.Length;
            }
            i += rel;
            char c = s[i];
            if (c == target && depth == 0)
            {
                return i;
            }
            if ((c == ')' || c == ']' || c == '}') && depth == 0 && stopOnClose)
            {
                return i;
            }
            i = Step(s, i, ref depth);
        }
        return s.Length;
    }

    /// <summary>Advances past the syntax element at <paramref name="i"/> (string, comment, decoration or bracket), updating depth.</summary>
    private static int Step(ReadOnlySpan<char> s, int i, ref int depth)
    {
        char c = s[i];
        int end;
        switch (c)
        {
            case '"':
                end = SyntaxScanner.SkipString(s, i);
                return end < 0 ? s.Length : end;
            case '/':
                end = i + 1 < s.Length && s[i + 1] == '*' ? SyntaxScanner.SkipComment(s, i) : i + 1;
                return end < 0 ? s.Length : end;
            case '<':
                end = SyntaxScanner.IsDecorationStart(s, i) ? SyntaxScanner.SkipDecoration(s, i) : -1;
                return end > i ? end : i + 1;
            case '(' or '[' or '{':
                depth++;
                return i + 1;
            case ')' or ']' or '}':
                depth = depth > 0 ? depth - 1 : 0;
                return i + 1;
            default:
                return i + 1;
        }
    }

    /// <summary>Stores the trimmed value bounds and the name bounds (if <c>identifier=</c> leads) of one argument.</summary>
    private static void Record(ReadOnlySpan<char> s, int start, int end, Span<int> into)
    {
        while (start < end && char.IsWhiteSpace(s[start]))
        {
            start++;
        }
        while (end > start && char.IsWhiteSpace(s[end - 1]))
        {
            end--;
        }
        int nameEnd = NamedPrefix(s[start..end]);
        into[2] = start;
        into[3] = start + Math.Max(nameEnd, 0);
        int valueStart = nameEnd > 0 ? start + nameEnd + 1 : start;
        while (valueStart < end && char.IsWhiteSpace(s[valueStart]))
        {
            valueStart++;
        }
        into[0] = valueStart;
        into[1] = end;
    }

    /// <summary>Length of the identifier in an argument starting <c>identifier=</c> (not <c>==</c>), or -1.</summary>
    private static int NamedPrefix(ReadOnlySpan<char> arg)
    {
        if (arg.IsEmpty || !(char.IsAsciiLetter(arg[0]) || arg[0] == '_'))
        {
            return -1;
        }
        int i = 1;
        while (i < arg.Length && (char.IsAsciiLetterOrDigit(arg[i]) || arg[i] == '_'))
        {
            i++;
        }
        bool named = i < arg.Length && arg[i] == '=' && (i + 1 >= arg.Length || arg[i + 1] != '=');
        return named ? i : -1;
    }
}
