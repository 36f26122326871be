namespace Mmsim.Strace;

/// <summary>
/// Where the arguments of an <see cref="ArgList"/> lie in its text, as far as they have been found. One instance
/// can serve call after call (see <see cref="StraceEvent.GetArgs(ArgBounds)"/>), so that reading arguments
/// allocates nothing.
/// </summary>
public sealed class ArgBounds
{
    /// <summary>Ints per argument in <see cref="Items"/>: value start, value end, name start, name end.</summary>
    internal const int Stride = 4;

    /// <summary>The bounds, <see cref="Stride"/> ints per argument found.</summary>
    internal int[] Items { get; private set; } = new int[Stride * 6];

    /// <summary>Arguments found so far.</summary>
    internal int Count { get; private set; }

    /// <summary>Where the search for the next argument starts; -1 once the text is exhausted.</summary>
    internal int Next { get; set; }

    /// <summary>Forgets every argument found (for a new text).</summary>
    internal void Reset()
    {
        Count = 0;
        Next = 0;
    }

    /// <summary>Room for one more argument's bounds, growing the array when full.</summary>
    internal Span<int> Add()
    {
        if ((Count + 1) * Stride > Items.Length)
        {
            int[] bigger = new int[Items.Length * 2];
            Items.CopyTo(bigger, 0);
            Items = bigger;
        }
        Count++;
        return Items.AsSpan((Count - 1) * Stride, Stride);
    }
}
