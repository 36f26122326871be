namespace Mmsim.Tlb;

/// <summary>The page sizes one TLB array can hold (x86-64: 4 KiB, 2 MiB, 1 GiB).</summary>
[Flags]
public enum TlbPageSizes
{
    /// <summary>4 KiB pages (a PTE leaf).</summary>
    Size4K = 1,

    /// <summary>2 MiB pages (a PMD leaf: THP, hugetlb).</summary>
    Size2M = 2,

    /// <summary>1 GiB pages (a PUD leaf: hugetlb 1G).</summary>
    Size1G = 4,
}

/// <summary>
/// The replacement policy of a TLB level. Each policy is a small helper type in Tlb/Policies;
/// <see cref="TlbArray"/> dispatches on this value (a predictable branch, no interface call).
/// </summary>
public enum TlbReplacement
{
    /// <summary>True LRU: a use stamp per entry, the oldest is evicted (Policies/Lru.cs).</summary>
    Lru,

    /// <summary>Bit pseudo-LRU (one MRU bit per way, as PLRUm): the first way not recently used (Policies/PseudoLru.cs).</summary>
    PseudoLru,

    /// <summary>A seeded xorshift picks the way (Policies/RandomReplacement.cs).</summary>
    Random,
}

/// <summary>Selects a <see cref="TlbReplacement"/> by name ("lru", "plru", "random"), as gem5's ReplacementPolicies.py.</summary>
public static class TlbReplacementNames
{
    private static readonly Dictionary<string, TlbReplacement> s_byName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lru"] = TlbReplacement.Lru,
        ["plru"] = TlbReplacement.PseudoLru,
        ["pseudo-lru"] = TlbReplacement.PseudoLru,
        ["random"] = TlbReplacement.Random,
    };

    /// <summary>The policy named name, or false when the name is unknown.</summary>
    public static bool TryParse(string name, out TlbReplacement policy) => s_byName.TryGetValue(name, out policy);
}

/// <summary>
/// One set-associative array of a TLB level: entries, ways (ways == entries is fully
/// associative) and the page sizes it holds. Entries / ways must be a power of two.
/// </summary>
/// <param name="Entries">Total entries.</param>
/// <param name="Ways">Associativity.</param>
/// <param name="Sizes">Page sizes held; an array holding several (the STLB's 4K+2M) probes each.</param>
public readonly record struct TlbArrayConfig(int Entries, int Ways, TlbPageSizes Sizes);

/// <summary>
/// One TLB level (L1 dTLB, L1 iTLB or the shared STLB): its arrays, replacement policy and
/// whether its entries carry a PCID tag. With <paramref name="PcidTagging"/> off the level keeps
/// untagged entries and loses its non-global ones at every CR3 write that changes the PCID.
/// </summary>
/// <param name="Name">"L1d", "L1i" or "STLB".</param>
/// <param name="Arrays">The arrays, probed in order (put the 4 KiB one first: it is the hot one).</param>
/// <param name="Policy">Replacement policy of every array of the level.</param>
/// <param name="Seed">Seed of the random policy.</param>
/// <param name="PcidTagging">Entries are tagged with the PCID (when CR4.PCIDE is on at all).</param>
public sealed record TlbLevelConfig(string Name, TlbArrayConfig[] Arrays, TlbReplacement Policy = TlbReplacement.Lru, ulong Seed = 1, bool PcidTagging = true);

/// <summary>
/// The TLB geometry of one core: L1 dTLB, L1 iTLB and the shared second-level STLB that both
/// refill from. <see cref="Skylake"/> is the default.
/// </summary>
/// <param name="L1d">The first-level data TLB.</param>
/// <param name="L1i">The first-level instruction TLB.</param>
/// <param name="Stlb">The shared second-level TLB (null: none, misses go straight to the walker).</param>
public sealed record TlbConfig(TlbLevelConfig L1d, TlbLevelConfig L1i, TlbLevelConfig? Stlb)
{
    /// <summary>
    /// An Intel Skylake core (6th-generation Core, also Kaby/Coffee/Comet Lake and Skylake-SP),
    /// from the Intel 64 and IA-32 Architectures Optimization Reference Manual's Skylake TLB
    /// table: L1 dTLB 64 entries 4-way (4K), 32 4-way (2M), 4 fully associative (1G); L1 iTLB
    /// 128 8-way (4K), 8 fully associative (2M, per thread); STLB 1536 12-way shared by 4K and 2M,
    /// 16 4-way (1G). Intel does not document the policy; tree/bit pseudo-LRU is the usual
    /// assumption, so the L1s use <see cref="TlbReplacement.PseudoLru"/> and the STLB too.
    /// 1536 / 12 = 128 sets.
    /// </summary>
    public static TlbConfig Skylake(TlbReplacement policy = TlbReplacement.PseudoLru) => new(
        new TlbLevelConfig("L1d", [new(64, 4, TlbPageSizes.Size4K), new(32, 4, TlbPageSizes.Size2M), new(4, 4, TlbPageSizes.Size1G)], policy),
        new TlbLevelConfig("L1i", [new(128, 8, TlbPageSizes.Size4K), new(8, 8, TlbPageSizes.Size2M)], policy),
        new TlbLevelConfig("STLB", [new(1536, 12, TlbPageSizes.Size4K | TlbPageSizes.Size2M), new(16, 4, TlbPageSizes.Size1G)], policy));
}
