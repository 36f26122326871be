namespace Mmsim.Tlb.Policies;

/// <summary>
/// Random replacement from a seeded xorshift64* generator, so a run is reproducible: the same
/// seed and the same accesses evict the same ways.
/// </summary>
internal static class RandomReplacement
{
    /// <summary>The initial state for a seed (never 0, which xorshift cannot leave).</summary>
    public static ulong Init(ulong seed) => seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    /// <summary>A way in [0, ways), advancing the generator.</summary>
    public static int Victim(ref ulong state, int ways)
    {
        ulong x = state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state = x;
        return (int)(((x * 0x2545F4914F6CDD1DUL) >> 32) % (uint)ways);
    }
}
