namespace Mmsim.DebugVm;

/// <summary>
/// What the page tables of the live mms say about the frames: how many PTEs map each frame,
/// how many PMDs map each order-9 folio, and which frames are page tables (reachable or
/// deposited). Filled by <see cref="Fault.MmPaging.Check"/>, read by <see cref="ValidateMachine"/>.
/// </summary>
internal sealed class FrameUse
{
    /// <summary>Creates empty books for a machine of the given frames.</summary>
    public FrameUse(int frames)
    {
        PteMaps = new PfnCounts(frames);
    }

    /// <summary>PTE maps per pfn.</summary>
    public PfnCounts PteMaps { get; }

    /// <summary>PMD maps per folio head.</summary>
    public Dictionary<int, int> PmdMaps { get; } = new();

    /// <summary>Table frames with the number of places that hold them (1 each, or the table is shared by mistake).</summary>
    public Dictionary<int, int> Tables { get; } = new();

    public void AddPteMap(int pfn) => PteMaps.Add(pfn);

    public void AddPmdMap(int head) => PmdMaps[head] = PmdMaps.GetValueOrDefault(head) + 1;

    public void AddTable(int pfn) => Tables[pfn] = Tables.GetValueOrDefault(pfn) + 1;
}

/// <summary>
/// A count per pfn: an array indexed by pfn on machines up to 256 MiB (the validator's lookups are
/// most of its time), a dictionary above; the pfns counted are also listed, for iteration.
/// </summary>
internal sealed class PfnCounts
{
    private const int DenseLimit = 1 << 16;
    private readonly int[]? _dense;
    private readonly Dictionary<int, int>? _sparse;
    private readonly List<int> _pfns = new();

    public PfnCounts(int frames)
    {
        if (frames <= DenseLimit)
        {
            _dense = new int[frames];
        }
        else
        {
            _sparse = new Dictionary<int, int>();
        }
    }

    /// <summary>The pfns with a count, in the order first counted.</summary>
    public IReadOnlyList<int> Pfns => _pfns;

    /// <summary>The count of a pfn (0 for one never counted or out of range).</summary>
    public int Get(int pfn)
    {
        if (_dense is not null)
        {
            return (uint)pfn < (uint)_dense.Length ? _dense[pfn] : 0;
        }
        return _sparse!.GetValueOrDefault(pfn);
    }

    /// <summary>Counts one more for pfn.</summary>
    public void Add(int pfn)
    {
        int now;
        if (_dense is not null && (uint)pfn < (uint)_dense.Length)
        {
            now = ++_dense[pfn];
        }
        else
        {
            Dictionary<int, int> d = _sparse ?? throw new ModelBugException($"validate: pfn {pfn} beyond the frame array");
            now = d.GetValueOrDefault(pfn) + 1;
            d[pfn] = now;
        }
        if (now == 1)
        {
            _pfns.Add(pfn);
        }
    }
}
