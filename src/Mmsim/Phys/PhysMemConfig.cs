namespace Mmsim.Phys;

/// <summary>
/// The shape of the machine's RAM. RAM is one contiguous range from pfn 0. The defaults are the
/// fixtures' reference machine: 24 GiB, of which the first 1 MiB is reserved (x86 reserves it
/// always) and enough at the top (memmap, kernel allocations made by memblock, which allocates
/// top-down) that totalram_pages() equals MemTotal 24684096 kB = <see cref="Mm.MmConfig.TotalRamPages"/>.
/// </summary>
public sealed record PhysMemConfig
{
    /// <summary>Bytes of RAM (a multiple of the page size).</summary>
    public ulong TotalBytes { get; init; } = 24UL << 30;

    /// <summary>Frames reserved from pfn 0 up (never freed to the allocator).</summary>
    public int LowReservedPages { get; init; } = 256;

    /// <summary>Frames reserved at the top of RAM (never freed to the allocator).</summary>
    public int TopReservedPages { get; init; } = (int)((24UL << 30 >> 12) - 256 - Mm.MmConfig.Default.TotalRamPages);

    /// <summary>vm.min_free_kbytes set by the user; null: computed at boot as the kernel does.</summary>
    public int? MinFreeKbytes { get; init; }

    /// <summary>vm.watermark_scale_factor.</summary>
    public int WatermarkScaleFactor { get; init; } = 10;

    /// <summary>THP enabled (khugepaged raises min_free_kbytes: set_recommended_min_free_kbytes()).</summary>
    public bool ThpEnabled { get; init; } = true;

    /// <summary>The reference machine.</summary>
    public static PhysMemConfig Default { get; } = new();

    /// <summary>A machine of the given size with only the first 1 MiB reserved.</summary>
    public static PhysMemConfig OfSize(ulong bytes) => new() { TotalBytes = bytes, TopReservedPages = 0 };
}
