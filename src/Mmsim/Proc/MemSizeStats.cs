namespace Mmsim.Proc;

/// <summary>
/// What smap_gather_stats() counts over one VMA (for smaps) or over every VMA of an mm (for
/// smaps_rollup), the kernel's struct mem_size_stats: byte counts, and the proportional sizes
/// (Pss*, SwapPss) in bytes shifted left by <see cref="PssShift"/> as the kernel keeps them.
/// </summary>
public struct MemSizeStats
{
    /// <summary>PSS_SHIFT: fixed-point fraction bits of the proportional sizes.</summary>
    public const int PssShift = 12;

    public ulong Resident;
    public ulong SharedClean;
    public ulong SharedDirty;
    public ulong PrivateClean;
    public ulong PrivateDirty;
    public ulong Referenced;
    public ulong Anonymous;
    public ulong Lazyfree;
    public ulong AnonymousThp;
    public ulong ShmemThp;
    public ulong FileThp;
    public ulong Swap;
    public ulong SharedHugetlb;
    public ulong PrivateHugetlb;
    public ulong Ksm;
    public ulong Pss;
    public ulong PssAnon;
    public ulong PssFile;
    public ulong PssShmem;
    public ulong PssDirty;
    public ulong PssLocked;
    public ulong SwapPss;
}
