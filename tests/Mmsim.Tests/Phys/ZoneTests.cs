using System.Diagnostics;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Proc;
using static Mmsim.Tests.Phys.PhysKit;

namespace Mmsim.Tests.Phys;

/// <summary>Zones, watermarks, fallback, /proc/buddyinfo and the host cost of the frame array.</summary>
public sealed class ZoneTests
{
    [Fact]
    public void BuddyInfoOfA64MiBMachine()
    {
        PhysMem mem = Small(64);
        Assert.Equal(
            "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n" +
            "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0     12 \n",
            BuddyInfo.Format(mem));
        mem.AllocPage();
        Assert.Equal(
            "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n" +
            "Node 0, zone    DMA32      1      1      1      1      1      1      1      1      1      1     11 \n",
            BuddyInfo.Format(mem));
    }

    [Fact]
    public void WatermarksOfA64MiBMachine()
    {
        // min_free_kbytes = sqrt(16128 * 4 * 16) = 1015, then khugepaged raises it to
        // min(2 zones * 512 * (2 + 9), nr_free_buffer_pages / 20) pages = 787 pages = 3148 kB.
        PhysMem mem = Small(64);
        Assert.Equal(3148, mem.MinFreeKbytes);
        AssertWmarks(mem.Zone(ZoneType.Dma), 187, 233, 279);
        AssertWmarks(mem.Zone(ZoneType.Dma32), 599, 748, 897);
        Assert.Equal(12288 / 256, mem.Zone(ZoneType.Dma).LowmemReserve(ZoneType.Dma32));
        Assert.Equal(0, mem.Zone(ZoneType.Dma).LowmemReserve(ZoneType.Normal));

        PhysMem noThp = new(PhysMemConfig.OfSize(64UL << 20) with { ThpEnabled = false });
        Assert.Equal(1015, noThp.MinFreeKbytes);
        AssertWmarks(noThp.Zone(ZoneType.Dma), 60, 75, 90);
        AssertWmarks(noThp.Zone(ZoneType.Dma32), 192, 240, 288);
    }

    [Fact]
    public void DefaultMachine()
    {
        var sw = Stopwatch.StartNew();
        var mem = new PhysMem();
        sw.Stop();
        Assert.True(sw.ElapsedMilliseconds < 3000, $"init took {sw.ElapsedMilliseconds} ms");

        Assert.Equal(6291456, mem.TotalFrames);
        Assert.Equal((long)MmConfig.Default.TotalRamPages, mem.TotalManaged);
        Assert.Equal(3840, mem.Zone(ZoneType.Dma).ManagedPages);
        Assert.Equal(4096, mem.Zone(ZoneType.Dma).PresentPages);
        Assert.Equal(1044480, mem.Zone(ZoneType.Dma32).ManagedPages);
        Assert.Equal(5122704, mem.Zone(ZoneType.Normal).ManagedPages);
        // sqrt(24684096 * 16) = 19873 kB, raised by khugepaged to 3 zones * 512 * 11 pages = 67584 kB.
        Assert.Equal(67584, mem.MinFreeKbytes);
        AssertWmarks(mem.Zone(ZoneType.Dma), 10, 13, 16);
        AssertWmarks(mem.Zone(ZoneType.Dma32), 2859, 3903, 4947);
        AssertWmarks(mem.Zone(ZoneType.Normal), 14025, 19147, 24269);
        Assert.Equal((1044480 + 5122704) / 256, mem.Zone(ZoneType.Dma).LowmemReserve(ZoneType.Normal));
        Assert.Equal(5122704 / 256, mem.Zone(ZoneType.Dma32).LowmemReserve(ZoneType.Normal));
        Assert.Equal(
            "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n" +
            "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0   1020 \n" +
            "Node 0, zone   Normal      0      0      0      0      1      0      0      1      0      1   5002 \n",
            BuddyInfo.Format(mem));

        // The smallest free block that fits is the order-4 tail of Normal, just below the
        // reserved top of RAM.
        int pfn = mem.AllocPage();
        Assert.Equal(6171264, pfn);
        Assert.Same(mem.Zone(ZoneType.Normal), mem.ZoneOf(pfn));
        Assert.True(mem.PutPage(pfn));
        Assert.True(mem.AllFree);
    }

    [Fact]
    public void FallbackNormalToDma32ToDma()
    {
        PhysMem mem = Small(64);
        Zone dma = mem.Zone(ZoneType.Dma);
        Zone dma32 = mem.Zone(ZoneType.Dma32);
        var held = new List<int>();
        int inDma32 = 0;
        int inDma = 0;
        for (int pfn = mem.AllocPage(); pfn >= 0; pfn = mem.AllocPage())
        {
            held.Add(pfn);
            if (mem.ZoneOf(pfn) == dma32)
            {
                Assert.Equal(0, inDma);
                inDma32++;
            }
            else
            {
                inDma++;
            }
        }
        // Each zone is used down to its min watermark; DMA keeps no reserve against Normal
        // allocations here because this machine has no Normal zone.
        Assert.Equal(12288 - 599, inDma32);
        Assert.Equal(3840 - 187, inDma);
        Assert.Equal(599, dma32.FreePages);
        Assert.Equal(187, dma.FreePages);
        Assert.Equal(1, mem.AllocFailures);

        // A DMA32 allocation must leave DMA's lowmem reserve against DMA32 as well.
        foreach (int pfn in held)
        {
            mem.PutPage(pfn);
        }
        Assert.True(mem.AllFree);
        held.Clear();
        for (int pfn = mem.Alloc(0, Gfp.Dma32); pfn >= 0; pfn = mem.Alloc(0, Gfp.Dma32))
        {
            held.Add(pfn);
        }
        Assert.Equal(187 + 48, dma.FreePages);

        // __GFP_DMA never leaves DMA; ignoring watermarks drains it.
        int last = -1;
        for (int pfn = mem.Alloc(0, Gfp.Dma | Gfp.NoWatermarks); pfn >= 0; pfn = mem.Alloc(0, Gfp.Dma | Gfp.NoWatermarks))
        {
            Assert.Same(dma, mem.ZoneOf(pfn));
            held.Add(pfn);
            last = pfn;
        }
        Assert.NotEqual(-1, last);
        Assert.Equal(0, dma.FreePages);
        foreach (int pfn in held)
        {
            mem.Free(pfn, 0);
        }
        Assert.True(mem.AllFree);
    }

    [Fact]
    public void HostBytesPerFrame()
    {
        Assert.True(PhysMem.HostBytesPerFrame <= 32);
        // Static initialisers (the default configurations) run on whichever thread first needs them.
        _ = new PhysMem(PhysMemConfig.OfSize(16UL << 20));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var mem = new PhysMem(PhysMemConfig.OfSize(1UL << 30));
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(262144, mem.TotalFrames);
        // The frame array is the whole cost: at most 32 bytes a frame plus a few KiB of zones.
        Assert.True(bytes <= (32L * mem.TotalFrames) + 8192, $"{bytes} bytes for {mem.TotalFrames} frames");
    }

    [Fact]
    public void OrderZeroAllocAndFreeDoNotAllocate()
    {
        PhysMem mem = Small(64);
        for (int i = 0; i < 1000; i++)
        {
            int warm = mem.AllocPage();
            mem.PutPage(warm);
        }
        // A round can catch the runtime's tier-up of the two methods (its bookkeeping allocates
        // on this thread, at a moment other tests' JIT activity shifts); the path itself must
        // then allocate nothing in a later round.
        long allocated = -1;
        for (int round = 0; round < 3 && allocated != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                int pfn = mem.AllocPage();
                mem.PutPage(pfn);
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(0, allocated);
        Assert.True(mem.AllFree);
    }

    private static void AssertWmarks(Zone zone, long min, long low, long high)
    {
        Assert.Equal((min, low, high), (zone.WatermarkMin, zone.WatermarkLow, zone.WatermarkHigh));
    }
}
