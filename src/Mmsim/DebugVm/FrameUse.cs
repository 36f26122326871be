namespace Mmsim.DebugVm;

/// <summary>
/// What the page tables of the live mms say about the frames: how many PTEs map each frame,
/// how many PMDs map each order-9 folio, and which frames are page tables (reachable or
/// deposited). Filled by <see cref="Fault.MmPaging.Check"/>, read by <see cref="ValidateMachine"/>.
/// </summary>
internal sealed class FrameUse
{
    /// <summary>PTE maps per pfn.</summary>
    public Dictionary<int, int> PteMaps { get; } = new();

    /// <summary>PMD maps per folio head.</summary>
    public Dictionary<int, int> PmdMaps { get; } = new();

    /// <summary>Table frames with the number of places that hold them (1 each, or the table is shared by mistake).</summary>
    public Dictionary<int, int> Tables { get; } = new();

    public void AddPteMap(int pfn) => PteMaps[pfn] = PteMaps.GetValueOrDefault(pfn) + 1;

    public void AddPmdMap(int head) => PmdMaps[head] = PmdMaps.GetValueOrDefault(head) + 1;

    public void AddTable(int pfn) => Tables[pfn] = Tables.GetValueOrDefault(pfn) + 1;
}
