using Mmsim.Phys;
using Mmsim.Proc;
using static Mmsim.Tests.Phys.PhysKit;

namespace Mmsim.Tests.Phys;

/// <summary>
/// The buddy allocator on a 64 MiB machine: DMA holds pfns 256..4095 (the first 1 MiB is
/// reserved), DMA32 pfns 4096..16383 as twelve order-10 blocks; there is no Normal zone.
/// Drawings show the first 16 frames of DMA32 (see <see cref="PhysKit.Draw"/>).
/// </summary>
public sealed class BuddyAllocatorTests
{
    private const int Dma32 = 4096;

    [Fact]
    public void BootFreesMaximalAlignedBlocks()
    {
        PhysMem mem = Small(64);
        Assert.Equal("0 0 0 0 0 0 0 0 1 1 3", Counts(mem.Zone(ZoneType.Dma)));
        Assert.Equal("0 0 0 0 0 0 0 0 0 0 12", Counts(mem.Zone(ZoneType.Dma32)));
        Assert.False(mem.Zone(ZoneType.Normal).IsPopulated);
        Assert.Equal([1024, 2048, 3072], mem.Zone(ZoneType.Dma).FreeList(mem, 10));
        Assert.Equal(16128, mem.TotalManaged);
        Assert.True(mem.AllFree);
        Assert.True(mem.Frame(0).Flags.HasFlag(PageFlags.Reserved));
        Assert.Equal(-1, mem.Frame(Dma32 + 1).MapCount);
    }

    [Fact]
    public void SplitPutsUpperHalvesOnLowerLists()
    {
        PhysMem mem = Small(64);
        Assert.Equal("a---------------", Draw(mem, Dma32, 16));
        // One order-0 page splits the first order-10 block: the lower half is kept at each step,
        // the upper halves go to orders 9..0.
        Assert.Equal(Dma32, mem.Alloc(0));
        Assert.Equal("A01-2---3-------", Draw(mem, Dma32, 16));
        Assert.Equal("1 1 1 1 1 1 1 1 1 1 11", Counts(mem.Zone(ZoneType.Dma32)));
        Assert.Equal([Dma32 + 512], mem.Zone(ZoneType.Dma32).FreeList(mem, 9));
    }

    [Fact]
    public void SequenceThenMergeBackToTheInitialState()
    {
        PhysMem mem = Small(64);
        string initial = BuddyInfo.Format(mem);
        List<int> initialOrder10 = mem.Zone(ZoneType.Dma32).FreeList(mem, 10);

        int a = mem.Alloc(0);
        int b = mem.Alloc(0);
        int c = mem.Alloc(1);
        int d = mem.Alloc(0);
        Assert.Equal([Dma32, Dma32 + 1, Dma32 + 2, Dma32 + 4], new[] { a, b, c, d });
        // ABCcD then the rest of the order-2 block D came from, then order 3.
        Assert.Equal("AAAaA01-3-------", Draw(mem, Dma32, 16));
        Assert.Equal("1 1 0 1 1 1 1 1 1 1 11", Counts(mem.Zone(ZoneType.Dma32)));

        mem.Free(b, 0);             // buddy a is in use: b stays order 0
        Assert.Equal("A0AaA01-3-------", Draw(mem, Dma32, 16));
        mem.Free(a, 0);             // a + b merge to order 1; c is in use
        Assert.Equal("1-AaA01-3-------", Draw(mem, Dma32, 16));
        Assert.Equal([Dma32, Dma32 + 6], mem.Zone(ZoneType.Dma32).FreeList(mem, 1));
        mem.Free(d, 0);             // d merges with 5 (order 0) then 6 (order 1) into order 2
        Assert.Equal("1-Aa2---3-------", Draw(mem, Dma32, 16));
        Assert.Equal("0 1 1 1 1 1 1 1 1 1 11", Counts(mem.Zone(ZoneType.Dma32)));
        mem.Free(c, 1);             // c closes the gap: everything coalesces up to order 10
        Assert.Equal("a---------------", Draw(mem, Dma32, 16));

        Assert.True(mem.AllFree);
        Assert.Equal(initial, BuddyInfo.Format(mem));
        Assert.Equal(initialOrder10, mem.Zone(ZoneType.Dma32).FreeList(mem, 10));
        Assert.Equal(4, mem.Allocations);
        Assert.Equal(4, mem.Frees);
    }

    [Fact]
    public void FreeGoesToTheTailWhenTheNextMergeIsLikely()
    {
        PhysMem mem = Small(64);
        int[] p = new int[8];
        for (int i = 0; i < 8; i++)
        {
            p[i] = mem.Alloc(0);
        }
        Assert.Equal("AAAAAAAA3-------", Draw(mem, Dma32, 16));
        mem.Free(p[0], 0);          // buddy 1 in use; order-1 buddy (2..3) not free: head
        mem.Free(p[6], 0);          // buddy 7 in use; 4..5 not free: head
        Assert.Equal([Dma32 + 6, Dma32], mem.Zone(ZoneType.Dma32).FreeList(mem, 0));
        mem.Free(p[2], 0);
        mem.Free(p[3], 0);          // 2+3 merge to order 1, whose order-1 buddy 0..1 is not free: head
        mem.Free(p[5], 0);          // buddy 4 in use; 6..7 is not an order-1 block: head
        mem.Free(p[1], 0);          // 0+1 merge to order 1; buddy 2..3 is free at order 1 -> merge to order 2
        Assert.Equal("2---A00A3-------", Draw(mem, Dma32, 16));
        // The order-2 block at 0 has an order-3 buddy (8..15) that is free: merge likely, so tail.
        Assert.Equal([Dma32], mem.Zone(ZoneType.Dma32).FreeList(mem, 2));
        mem.Free(p[7], 0);          // 6+7 -> order 1; its order-2 partner 4..5 is not free at order 1
        Assert.Equal("2---A01-3-------", Draw(mem, Dma32, 16));
        mem.Free(p[4], 0);
        Assert.True(mem.AllFree);
        Assert.Equal("a---------------", Draw(mem, Dma32, 16));
    }

    [Fact]
    public void TailInsertionOrdersTheList()
    {
        PhysMem mem = Small(64);
        int x = mem.Alloc(0);       // 0
        int y = mem.Alloc(0);       // 1
        int z = mem.Alloc(1);       // 2..3
        int w = mem.Alloc(0);       // 4, splitting 4..7: 5 goes to order 0, 6..7 to order 1
        Assert.Equal([Dma32, Dma32 + 1, Dma32 + 2, Dma32 + 4], new[] { x, y, z, w });
        Assert.Equal("AAAaA01-3-------", Draw(mem, Dma32, 16));
        mem.Free(z, 1);             // buddy 0..1 in use, 4..7 in use: head of order 1
        Assert.Equal([Dma32 + 2, Dma32 + 6], mem.Zone(ZoneType.Dma32).FreeList(mem, 1));
        mem.Free(y, 0);             // buddy 0 in use, but 2..3 is a free order-1 block: tail
        Assert.Equal("A01-A01-3-------", Draw(mem, Dma32, 16));
        Assert.Equal([Dma32 + 5, Dma32 + 1], mem.Zone(ZoneType.Dma32).FreeList(mem, 0));
        mem.Free(x, 0);             // 0..3 coalesce to order 2; 4 is in use
        Assert.Equal("2---A01-3-------", Draw(mem, Dma32, 16));
        mem.Free(w, 0);
        Assert.True(mem.AllFree);
    }

    [Fact]
    public void RandomSequenceLeavesNoLeak()
    {
        PhysMem mem = Small(64);
        string initial = BuddyInfo.Format(mem);
        var rng = new Random(42);
        var held = new List<(int Pfn, int Order)>();
        for (int step = 0; step < 5000; step++)
        {
            if (held.Count > 0 && rng.Next(3) == 0)
            {
                int i = rng.Next(held.Count);
                mem.Free(held[i].Pfn, held[i].Order);
                held.RemoveAt(i);
            }
            else
            {
                int order = rng.Next(4);
                int pfn = mem.Alloc(order, Gfp.NoWatermarks);
                if (pfn >= 0)
                {
                    Assert.Equal(0, pfn & ((1 << order) - 1));
                    held.Add((pfn, order));
                }
            }
        }
        long inUse = 0;
        foreach ((int _, int order) in held)
        {
            inUse += 1L << order;
        }
        Assert.Equal(mem.TotalManaged - inUse, mem.FreePages);
        foreach ((int pfn, int order) in held)
        {
            mem.Free(pfn, order);
        }
        Assert.True(mem.AllFree);
        Assert.Equal(initial, BuddyInfo.Format(mem));
    }

    [Fact]
    public void DoubleFreeIsAModelBug()
    {
        PhysMem mem = Small(64);
        int pfn = mem.AllocPage();
        mem.Free(pfn, 0);
        Assert.Throws<ModelBugException>(() => mem.Free(pfn, 0));
        Assert.Throws<ModelBugException>(() => mem.Free(0, 0));
    }

    [Fact]
    public void RefcountLifetime()
    {
        PhysMem mem = Small(64);
        int pfn = mem.AllocPage();
        Assert.Equal(1, mem.Frame(pfn).RefCount);
        Assert.Equal(-1, mem.Frame(pfn).MapCount);
        Assert.Equal(PageFlags.None, mem.Frame(pfn).Flags);
        mem.GetPage(pfn);
        Assert.False(mem.PutPage(pfn));
        Assert.False(mem.AllFree);
        Assert.True(mem.PutPage(pfn));
        Assert.True(mem.AllFree);
        Assert.Throws<ModelBugException>(() => mem.GetPage(pfn));

        int head = mem.Alloc(2, Gfp.Comp);
        Assert.True(mem.Frame(head).Flags.HasFlag(PageFlags.Head));
        Assert.Equal(mem.TotalManaged - 4, mem.FreePages);
        Assert.True(mem.PutPage(head));
        Assert.True(mem.AllFree);
    }
}
