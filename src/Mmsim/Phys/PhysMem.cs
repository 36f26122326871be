using System.Runtime.CompilerServices;

namespace Mmsim.Phys;

/// <summary>
/// The machine's RAM, one node: the frame array (mem_map), the zones DMA (first 16 MiB), DMA32
/// (up to 4 GiB) and Normal (the rest) as x86-64 lays them out, their watermarks, and the buddy
/// allocator (mm/page_alloc.c) over them. Per-CPU page lists and migrate types are not modelled:
/// every free goes straight to the buddy lists and all blocks share one free list per order.
/// </summary>
public sealed partial class PhysMem
{
    /// <summary>MAX_PAGE_ORDER: the largest block is 2^10 frames (4 MiB).</summary>
    public const int MaxPageOrder = 10;

    /// <summary>NR_PAGE_ORDERS.</summary>
    public const int NrPageOrders = MaxPageOrder + 1;

    /// <summary>The zones modelled (MAX_NR_ZONES without Movable/Device).</summary>
    public const int NrZones = 3;

    /// <summary>pageblock_order (HPAGE_PMD_ORDER on x86-64).</summary>
    public const int PageblockOrder = 9;

    /// <summary>End of ZONE_DMA: MAX_DMA_PFN (16 MiB).</summary>
    public const int MaxDmaPfn = (16 << 20) >> 12;

    /// <summary>End of ZONE_DMA32: MAX_DMA32_PFN (4 GiB).</summary>
    public const int MaxDma32Pfn = 1 << (32 - 12);

    /// <summary>sysctl_lowmem_reserve_ratio for DMA, DMA32 (Normal's applies to Movable only).</summary>
    private static readonly int[] s_lowmemReserveRatio = [256, 256, 32];

    private readonly PageFrame[] _frames;
    private readonly Zone[] _zones;

    /// <summary>Builds the frame array and the zones, frees all managed memory to the buddy lists
    /// in maximal aligned blocks (memblock_free_all()), then sets up min_free_kbytes, the
    /// watermarks and the lowmem reserves as the boot initcalls do.</summary>
    public PhysMem(PhysMemConfig? config = null)
    {
        Config = config ?? PhysMemConfig.Default;
        ulong frames = Config.TotalBytes >> 12;
        if (frames == 0 || frames > int.MaxValue || (Config.TotalBytes & 0xfff) != 0)
        {
            throw new ArgumentException("RAM size must be a positive multiple of 4 KiB below 8 TiB", nameof(config));
        }
        int n = (int)frames;
        if (Config.LowReservedPages < 0 || Config.TopReservedPages < 0
            || (long)Config.LowReservedPages + Config.TopReservedPages >= n)
        {
            throw new ArgumentException("reserved frames leave no memory", nameof(config));
        }
        TotalFrames = n;
        _frames = new PageFrame[n];
        int managedStart = Config.LowReservedPages;
        int managedEnd = n - Config.TopReservedPages;
        // A zeroed frame is blank (see PageFrame): only the reserved ones need writing.
        PageFrame reserved = PageFrame.Blank;
        reserved.Flags = PageFlags.Reserved;
        reserved.RefCount = 1;
        for (int pfn = 0; pfn < managedStart; pfn++)
        {
            _frames[pfn] = reserved;
        }
        for (int pfn = managedEnd; pfn < n; pfn++)
        {
            _frames[pfn] = reserved;
        }

        _zones =
        [
            new Zone(ZoneType.Dma, 0, Math.Min(MaxDmaPfn, n)),
            new Zone(ZoneType.Dma32, Math.Min(MaxDmaPfn, n), Math.Min(MaxDma32Pfn, n)),
            new Zone(ZoneType.Normal, Math.Min(MaxDma32Pfn, n), n),
        ];
        foreach (Zone zone in _zones)
        {
            zone.PresentPages = zone.SpannedPages;
            int start = Math.Max(zone.StartPfn, managedStart);
            int end = Math.Min(zone.EndPfn, managedEnd);
            if (end > start)
            {
                zone.ManagedPages = end - start;
                FreeMemoryCore(zone, start, end);
            }
        }

        CalculateMinFreeKbytes();
        SetupPerZoneWmarks();
        SetupPerZoneLowmemReserve();
        if (Config.ThpEnabled)
        {
            SetRecommendedMinFreeKbytes();
        }
    }

    /// <summary>The configuration the machine was built from.</summary>
    public PhysMemConfig Config { get; }

    /// <summary>Frames in the frame array (max_pfn).</summary>
    public int TotalFrames { get; }

    /// <summary>Host memory per simulated frame: the size of one <see cref="PageFrame"/>.</summary>
    public static int HostBytesPerFrame => Unsafe.SizeOf<PageFrame>();

    /// <summary>The zones, indexed by <see cref="ZoneType"/>; unpopulated ones included.</summary>
    public IReadOnlyList<Zone> Zones => _zones;

    /// <summary>A zone by type.</summary>
    public Zone Zone(ZoneType type) => _zones[(int)type];

    /// <summary>vm.min_free_kbytes as in effect.</summary>
    public int MinFreeKbytes { get; private set; }

    /// <summary>totalram_pages(): the managed pages of all zones.</summary>
    public long TotalManaged
    {
        get
        {
            long sum = 0;
            foreach (Zone z in _zones)
            {
                sum += z.ManagedPages;
            }
            return sum;
        }
    }

    /// <summary>NR_FREE_PAGES of the node.</summary>
    public long FreePages
    {
        get
        {
            long sum = 0;
            foreach (Zone z in _zones)
            {
                sum += z.FreePages;
            }
            return sum;
        }
    }

    /// <summary>Leak check: every managed frame is back in the allocator.</summary>
    public bool AllFree => FreePages == TotalManaged;

    /// <summary>Successful allocations (any order).</summary>
    public long Allocations { get; private set; }

    /// <summary>Blocks given back (any order).</summary>
    public long Frees { get; private set; }

    /// <summary>Pages given back, counted per page (the PGFREE event).</summary>
    public long PagesFreed { get; private set; }

    /// <summary>Allocations that found no zone with a suitable free block.</summary>
    public long AllocFailures { get; private set; }

    /// <summary>The frame array itself (mem_map), for loops that fetch it once.</summary>
    internal PageFrame[] Frames => _frames;

    /// <summary>The struct page of a pfn (pfn_to_page()).</summary>
    public ref PageFrame Frame(int pfn) => ref _frames[pfn];

    /// <summary>page_zone(): the zone a pfn belongs to.</summary>
    public Zone ZoneOf(int pfn)
    {
        if (pfn >= _zones[2].StartPfn)
        {
            return _zones[2];
        }
        return pfn >= _zones[1].StartPfn ? _zones[1] : _zones[0];
    }

    /// <summary>__free_pages_memory(): frees [start, end) in the largest naturally aligned blocks.</summary>
    private void FreeMemoryCore(Zone zone, int start, int end)
    {
        int pfn = start;
        while (pfn < end)
        {
            int order = Math.Min(MaxPageOrder, System.Numerics.BitOperations.TrailingZeroCount(pfn));
            while (pfn + (1 << order) > end)
            {
                order--;
            }
            FreeOnePage(zone, pfn, order, toTail: true);
            pfn += 1 << order;
        }
    }

    /// <summary>nr_free_buffer_pages(): managed pages above the high watermark in zones up to Normal.</summary>
    private long NrFreeBufferPages()
    {
        long sum = 0;
        foreach (Zone z in _zones)
        {
            sum += Math.Max(0, z.ManagedPages - z.WatermarkHigh);
        }
        return sum;
    }

    /// <summary>calculate_min_free_kbytes(): sqrt(lowmem_kbytes * 16), clamped to [128, 262144].</summary>
    private void CalculateMinFreeKbytes()
    {
        if (Config.MinFreeKbytes is int user)
        {
            MinFreeKbytes = user;
            return;
        }
        long lowmemKbytes = NrFreeBufferPages() * 4;
        long computed = IntSqrt(lowmemKbytes * 16);
        MinFreeKbytes = (int)Math.Clamp(computed, 128, 262144);
    }

    /// <summary>set_recommended_min_free_kbytes() (khugepaged start): room for pageblock fallbacks.</summary>
    private void SetRecommendedMinFreeKbytes()
    {
        long nrZones = 0;
        foreach (Zone z in _zones)
        {
            if (z.IsPopulated)
            {
                nrZones++;
            }
        }
        const long PageblockPages = 1L << PageblockOrder;
        const long MigratePcpTypes = 3;
        long recommended = PageblockPages * nrZones * 2;
        recommended += PageblockPages * nrZones * MigratePcpTypes * MigratePcpTypes;
        recommended = Math.Min(recommended, NrFreeBufferPages() / 20);
        recommended <<= 2;
        if (recommended > MinFreeKbytes && Config.MinFreeKbytes is null)
        {
            MinFreeKbytes = (int)recommended;
        }
        SetupPerZoneWmarks();
    }

    /// <summary>__setup_per_zone_wmarks(): min split in proportion to zone size; low and high a
    /// step above, the step max(min/4, managed * watermark_scale_factor / 10000).</summary>
    private void SetupPerZoneWmarks()
    {
        long pagesMin = MinFreeKbytes >> 2;
        long lowmemPages = TotalManaged;
        foreach (Zone z in _zones)
        {
            long managed = z.ManagedPages;
            long min = lowmemPages == 0 ? 0 : pagesMin * managed / lowmemPages;
            long scale = Config.WatermarkScaleFactor;
            long step = Math.Max(min >> 2, (managed / 10000 * scale) + (managed % 10000 * scale / 10000));
            z.WatermarkMin = min;
            z.WatermarkLow = min + step;
            z.WatermarkHigh = z.WatermarkLow + step;
            z.WatermarkPromo = z.WatermarkHigh + step;
        }
    }

    /// <summary>setup_per_zone_lowmem_reserve(): a lower zone keeps back (managed pages of the zones
    /// above it up to the allocation's highest zone) / ratio.</summary>
    private void SetupPerZoneLowmemReserve()
    {
        for (int i = 0; i < NrZones; i++)
        {
            Zone zone = _zones[i];
            int ratio = s_lowmemReserveRatio[i];
            bool clear = ratio == 0 || zone.ManagedPages == 0;
            long managed = 0;
            for (int j = i + 1; j < NrZones; j++)
            {
                Zone upper = _zones[j];
                managed += upper.ManagedPages;
                zone.SetLowmemReserve(j, clear || upper.ManagedPages == 0 ? 0 : managed / ratio);
            }
        }
    }

    private static long IntSqrt(long x)
    {
        long r = (long)Math.Sqrt(x);
        while (r * r > x)
        {
            r--;
        }
        while ((r + 1) * (r + 1) <= x)
        {
            r++;
        }
        return r;
    }
}
