namespace Mmsim.Mm;

/// <summary>Page-size arithmetic for 4 KiB pages (PAGE_SHIFT 12); the only place that shifts by 12.</summary>
public static class Page
{
    public const int Shift = 12;
    public const ulong Size = 1UL << Shift;
    public const ulong OffsetMask = Size - 1;
    public const ulong Mask = ~OffsetMask;

    /// <summary>PMD_SIZE: 2 MiB, the transparent-huge-page size.</summary>
    public const ulong PmdSize = 1UL << 21;

    /// <summary>PAGE_ALIGN(): rounds up; wraps to 0 for addresses in the last page, as the kernel does.</summary>
    public static ulong Align(ulong addr) => (addr + OffsetMask) & Mask;

    /// <summary>Rounds down to a page boundary (addr &amp; PAGE_MASK).</summary>
    public static ulong AlignDown(ulong addr) => addr & Mask;

    /// <summary>Whether addr is page aligned (offset_in_page(addr) == 0).</summary>
    public static bool IsAligned(ulong addr) => (addr & OffsetMask) == 0;

    /// <summary>Number of pages in a byte length (PHYS_PFN).</summary>
    public static ulong Pages(ulong bytes) => bytes >> Shift;

    /// <summary>Bytes in a number of pages.</summary>
    public static ulong Bytes(ulong pages) => pages << Shift;
}
