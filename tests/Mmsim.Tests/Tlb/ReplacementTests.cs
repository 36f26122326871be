using Mmsim.Mm;
using Mmsim.Tlb;
using Mmsim.Tlb.Policies;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Tlb;

/// <summary>
/// Hits, misses and evictions in one fully associative 4-way L1 dTLB set (the Tiny geometry),
/// for each replacement policy. Pages are numbered by their virtual page number; "n/p2" in a
/// drawing is page n tagged with PCID 2 (the first user mm's ASID 1).
/// </summary>
public sealed class ReplacementTests
{
    private static ulong Va(int page) => (ulong)page << 12;

    private static (TlbKit Kit, Task Task) Setup(TlbReplacement policy, ulong seed = 1)
    {
        var kit = new TlbKit(config: TlbKit.Tiny(policy, seed: seed));
        Task a = kit.Process(100);
        for (int page = 1; page <= 9; page++)
        {
            kit.Walker.Map(a.Mm!, Va(page), pfn: 0x100 + (ulong)page);
        }
        kit.Run(0, a);
        return (kit, a);
    }

    [Fact]
    public void MissWalksThenHits()
    {
        (TlbKit kit, _) = Setup(TlbReplacement.Lru);
        TlbLevel l1 = kit.Machine.Cpu(0).Tlb.L1d;

        Assert.Equal(0x101000UL + 0x234, kit.Phys(0, Va(1) + 0x234));
        Assert.Equal((0L, 1L, 1L, 4L), (l1.Hits, l1.Misses, kit.Machine.Cpu(0).Stats.Walks, kit.Machine.Cpu(0).Stats.WalkMemoryRefs));
        // | 1/p2 | -- | -- | -- |
        Assert.Equal("| 1/p2 | -- | -- | -- |", TlbKit.DrawSet(l1, 0));

        Assert.Equal(0x101ff8UL, kit.Phys(0, Va(1) + 0xff8));
        Assert.Equal((1L, 1L, 1L), (l1.Hits, l1.Misses, kit.Machine.Cpu(0).Stats.Walks));
    }

    [Fact]
    public void LruEvictsTheLeastRecentlyUsed()
    {
        (TlbKit kit, _) = Setup(TlbReplacement.Lru);
        TlbLevel l1 = kit.Machine.Cpu(0).Tlb.L1d;
        foreach (int page in new[] { 1, 2, 3, 4, 1 })
        {
            kit.Read(0, Va(page));
        }
        // | 1 | 2 | 3 | 4 |   use order, oldest first: 2 3 4 1
        Assert.Equal("| 1/p2 | 2/p2 | 3/p2 | 4/p2 |", TlbKit.DrawSet(l1, 0));
        kit.Read(0, Va(5));
        // | 1 | 5 | 3 | 4 |   2 was the oldest
        Assert.Equal("| 1/p2 | 5/p2 | 3/p2 | 4/p2 |", TlbKit.DrawSet(l1, 0));
        kit.Read(0, Va(3));
        kit.Read(0, Va(6));
        // | 1 | 5 | 3 | 6 |   order was 4 1 5 3: 4 goes
        Assert.Equal("| 1/p2 | 5/p2 | 3/p2 | 6/p2 |", TlbKit.DrawSet(l1, 0));
        Assert.Equal((2L, 6L, 2L), (l1.Hits, l1.Misses, l1.Evictions));
    }

    [Fact]
    public void PseudoLruForgetsHistoryWhenEveryBitIsSet()
    {
        (TlbKit kit, _) = Setup(TlbReplacement.PseudoLru);
        TlbLevel l1 = kit.Machine.Cpu(0).Tlb.L1d;
        // Fills 1..4 set MRU bits 0001 0011 0111, then 1111 -> 1000; the hit on 1 makes 1001.
        foreach (int page in new[] { 1, 2, 3, 4, 1 })
        {
            kit.Read(0, Va(page));
        }
        kit.Read(0, Va(5));
        // First clear bit is way 1: | 1 | 5 | 3 | 4 |, bits 1011 (as LRU here).
        Assert.Equal("| 1/p2 | 5/p2 | 3/p2 | 4/p2 |", TlbKit.DrawSet(l1, 0));
        kit.Read(0, Va(3));   // 1111 -> 0100: only way 2 (page 3) is recent now
        kit.Read(0, Va(6));
        // LRU would evict 4 (oldest); bit-PLRU evicts way 0, page 1.
        Assert.Equal("| 6/p2 | 5/p2 | 3/p2 | 4/p2 |", TlbKit.DrawSet(l1, 0));
    }

    [Fact]
    public void PseudoLruWorkedExample()
    {
        ulong mru = 0;
        const ulong all = 0b1111;
        PseudoLru.Touch(ref mru, 0, all);
        PseudoLru.Touch(ref mru, 2, all);
        PseudoLru.Touch(ref mru, 1, all);
        Assert.Equal(0b0111UL, mru);
        Assert.Equal(3, PseudoLru.Victim(mru, 4));
        PseudoLru.Touch(ref mru, 3, all);
        Assert.Equal(0b1000UL, mru);
        Assert.Equal(0, PseudoLru.Victim(mru, 4));
        PseudoLru.Invalidate(ref mru, 3);
        Assert.Equal(0UL, mru);
    }

    [Fact]
    public void RandomIsReproducibleFromItsSeed()
    {
        string Run(ulong seed)
        {
            (TlbKit kit, _) = Setup(TlbReplacement.Random, seed);
            foreach (int page in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 })
            {
                kit.Read(0, Va(page));
            }
            return TlbKit.DrawSet(kit.Machine.Cpu(0).Tlb.L1d, 0);
        }

        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(7));
        // Every fill past the fourth evicted something: 4 pages of the last 9 remain.
        Assert.Equal(4, Run(42).Split('/').Length - 1);
    }

    [Fact]
    public void EmptyWaysAreFilledBeforeAnyEviction()
    {
        (TlbKit kit, Task a) = Setup(TlbReplacement.Random);
        TlbLevel l1 = kit.Machine.Cpu(0).Tlb.L1d;
        foreach (int page in new[] { 1, 2, 3, 4 })
        {
            kit.Read(0, Va(page));
        }
        Assert.Equal("| 1/p2 | 2/p2 | 3/p2 | 4/p2 |", TlbKit.DrawSet(l1, 0));
        Assert.Equal(0L, l1.Evictions);
        kit.Machine.FlushRange(a.Mm!, Va(2), Va(3));
        // | 1 | -- | 3 | 4 |   the invalidated way is the next one filled, whatever the policy
        Assert.Equal("| 1/p2 | -- | 3/p2 | 4/p2 |", TlbKit.DrawSet(l1, 0));
        kit.Read(0, Va(7));
        Assert.Equal("| 1/p2 | 7/p2 | 3/p2 | 4/p2 |", TlbKit.DrawSet(l1, 0));
        Assert.Equal(0L, l1.Evictions);
    }

    [Fact]
    public void SetIndexComesFromTheLowPageNumberBits()
    {
        // 8 entries, 2-way: 4 sets; pages 1, 5, 9 all index set 1 and compete for its 2 ways.
        var config = new TlbConfig(
            new TlbLevelConfig("L1d", [new(8, 2, TlbPageSizes.Size4K)]),
            new TlbLevelConfig("L1i", [new(8, 2, TlbPageSizes.Size4K)]),
            null);
        var kit = new TlbKit(config: config);
        Task a = kit.Process(100);
        MmStruct mm = a.Mm!;
        foreach (int page in new[] { 1, 2, 5, 9 })
        {
            kit.Walker.Map(mm, Va(page), 0x200 + (ulong)page);
        }
        kit.Run(0, a);
        foreach (int page in new[] { 1, 2, 5, 9 })
        {
            kit.Read(0, Va(page));
        }
        TlbLevel l1 = kit.Machine.Cpu(0).Tlb.L1d;
        // set 0: | -- | -- |   set 1: | 9 | 5 |  (1 evicted)   set 2: | 2 | -- |
        Assert.Equal("| -- | -- |", TlbKit.DrawSet(l1, 0));
        Assert.Equal("| 9/p2 | 5/p2 |", TlbKit.DrawSet(l1, 1));
        Assert.Equal("| 2/p2 | -- |", TlbKit.DrawSet(l1, 2));
        Assert.Equal(1L, l1.Evictions);
    }
}
