namespace Mmsim.Tlb.Policies;

/// <summary>
/// True LRU over the ways of one set: each way keeps the stamp of its last use from a clock
/// that only grows; the smallest stamp is the least recently used. Stamp 0 means never used
/// (an invalidated way), so it is chosen first.
/// </summary>
internal static class Lru
{
    /// <summary>A lookup hit or a fill of way: it becomes the most recently used.</summary>
    public static void Touch(Span<ulong> stamps, int way, ref ulong clock) => stamps[way] = ++clock;

    /// <summary>The way was invalidated: it is evicted first.</summary>
    public static void Invalidate(Span<ulong> stamps, int way) => stamps[way] = 0;

    /// <summary>The least recently used way of the set (the lowest way on a tie).</summary>
    public static int Victim(ReadOnlySpan<ulong> stamps)
    {
        int victim = 0;
        for (int way = 1; way < stamps.Length; way++)
        {
            if (stamps[way] < stamps[victim])
            {
                victim = way;
            }
        }
        return victim;
    }
}
