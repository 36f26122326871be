namespace Mmsim.Strace;

/// <summary>
/// Interns short identifiers (syscall and signal names) so that equal names read from a log are one string
/// instance and looking one up allocates nothing. Bounded: past <see cref="Capacity"/> names, new names are
/// still returned as fresh strings but no longer remembered.
/// </summary>
internal sealed class NameCache
{
    /// <summary>How many distinct names are remembered at most.</summary>
    internal const int Capacity = 4096;

    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    /// <summary>Creates an empty cache.</summary>
    internal NameCache()
    {
        _lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Returns the single string instance equal to <paramref name="name"/>, creating it on first use.</summary>
    internal string Intern(ReadOnlySpan<char> name)
    {
        if (_lookup.TryGetValue(name, out string? known))
        {
            return known;
        }
        string created = name.ToString();
        if (_names.Count < Capacity)
        {
            _names.Add(created, created);
        }
        return created;
    }
}
