using System.Text;
using Mmsim.Mm;
using Mmsim.Phys;

namespace Mmsim.Proc;

/// <summary>
/// The values of /proc/meminfo, in kB (HugePages_* in pages), one per <see cref="MeminfoLine"/>.
/// <see cref="Compute"/> derives the lines the model simulates from <see cref="PhysMem"/> and
/// <see cref="VmStat"/> as meminfo_proc_show() does, and copies the rest from a record.
/// </summary>
public sealed class MeminfoValues
{
    private readonly ulong[] _v = new ulong[(int)MeminfoLine.Count];

    /// <summary>One line's value.</summary>
    public ulong this[MeminfoLine line]
    {
        get => _v[(int)line];
        set => _v[(int)line] = value;
    }

    /// <summary>
    /// The lines the model does not simulate: Buffers, SwapTotal, SwapFree, Zswap, Zswapped,
    /// Committed_AS (the system-wide vm_committed_as), VmallocTotal, VmallocUsed, VmallocChunk,
    /// Percpu, the hugetlb lines and the DirectMap lines.
    /// </summary>
    public static readonly MeminfoLine[] RecordLines =
    [
        MeminfoLine.Buffers, MeminfoLine.SwapTotal, MeminfoLine.SwapFree, MeminfoLine.Zswap, MeminfoLine.Zswapped,
        MeminfoLine.CommittedAS, MeminfoLine.VmallocTotal, MeminfoLine.VmallocUsed, MeminfoLine.VmallocChunk,
        MeminfoLine.Percpu, MeminfoLine.HugePagesTotal, MeminfoLine.HugePagesFree, MeminfoLine.HugePagesRsvd,
        MeminfoLine.HugePagesSurp, MeminfoLine.Hugepagesize, MeminfoLine.Hugetlb, MeminfoLine.DirectMap4k,
        MeminfoLine.DirectMap2M, MeminfoLine.DirectMap1G,
    ];

    /// <summary>SWAP_CLUSTER_MAX: the min (= low) watermark of the empty ZONE_MOVABLE, which
    /// si_mem_available() sums with the populated zones' low watermarks.</summary>
    public const long MovableZoneLowWmark = 32;

    /// <summary>
    /// meminfo_proc_show(): MemTotal from totalram_pages(), MemFree from NR_FREE_PAGES,
    /// MemAvailable as si_mem_available(), CommitLimit as vm_commit_limit() with
    /// <paramref name="overcommitRatio"/>, and every other simulated line from a vmstat counter;
    /// <see cref="RecordLines"/> come from <paramref name="record"/>.
    /// </summary>
    public static MeminfoValues Compute(PhysMem mem, VmStat s, MeminfoValues record, int overcommitRatio = 50)
    {
        const int toKb = Page.Shift - 10;
        const ulong thp = 512;
        var m = new MeminfoValues();
        foreach (MeminfoLine l in RecordLines)
        {
            m[l] = record[l];
        }
        ulong P(VmStatItem i) => (ulong)Math.Max(0, s[i]) << toKb;
        ulong totalram = (ulong)mem.TotalManaged;
        m[MeminfoLine.MemTotal] = totalram << toKb;
        m[MeminfoLine.MemFree] = P(VmStatItem.NrFreePages);
        m[MeminfoLine.MemAvailable] = (ulong)SiMemAvailable(mem, s) << toKb;
        long cached = s[VmStatItem.NrFilePages] - s[VmStatItem.NrSwapcached] - (long)(record[MeminfoLine.Buffers] >> toKb);
        m[MeminfoLine.Cached] = (ulong)Math.Max(0, cached) << toKb;
        m[MeminfoLine.SwapCached] = P(VmStatItem.NrSwapcached);
        m[MeminfoLine.Active] = P(VmStatItem.NrActiveAnon) + P(VmStatItem.NrActiveFile);
        m[MeminfoLine.Inactive] = P(VmStatItem.NrInactiveAnon) + P(VmStatItem.NrInactiveFile);
        m[MeminfoLine.ActiveAnon] = P(VmStatItem.NrActiveAnon);
        m[MeminfoLine.InactiveAnon] = P(VmStatItem.NrInactiveAnon);
        m[MeminfoLine.ActiveFile] = P(VmStatItem.NrActiveFile);
        m[MeminfoLine.InactiveFile] = P(VmStatItem.NrInactiveFile);
        m[MeminfoLine.Unevictable] = P(VmStatItem.NrUnevictable);
        m[MeminfoLine.Mlocked] = P(VmStatItem.NrMlock);
        m[MeminfoLine.Dirty] = P(VmStatItem.NrDirty);
        m[MeminfoLine.Writeback] = P(VmStatItem.NrWriteback);
        m[MeminfoLine.AnonPages] = P(VmStatItem.NrAnonPages);
        m[MeminfoLine.Mapped] = P(VmStatItem.NrMapped);
        m[MeminfoLine.Shmem] = P(VmStatItem.NrShmem);
        m[MeminfoLine.KReclaimable] = P(VmStatItem.NrSlabReclaimable) + P(VmStatItem.NrKernelMiscReclaimable);
        m[MeminfoLine.Slab] = P(VmStatItem.NrSlabReclaimable) + P(VmStatItem.NrSlabUnreclaimable);
        m[MeminfoLine.SReclaimable] = P(VmStatItem.NrSlabReclaimable);
        m[MeminfoLine.SUnreclaim] = P(VmStatItem.NrSlabUnreclaimable);
        m[MeminfoLine.KernelStack] = (ulong)Math.Max(0, s[VmStatItem.NrKernelStack]);
        m[MeminfoLine.PageTables] = P(VmStatItem.NrPageTablePages);
        m[MeminfoLine.SecPageTables] = P(VmStatItem.NrSecPageTablePages);
        m[MeminfoLine.CommitLimit] = ((totalram * (ulong)overcommitRatio / 100) << toKb) + record[MeminfoLine.SwapTotal];
        m[MeminfoLine.AnonHugePages] = P(VmStatItem.NrAnonTransparentHugepages) * thp;
        m[MeminfoLine.ShmemHugePages] = P(VmStatItem.NrShmemHugepages) * thp;
        m[MeminfoLine.ShmemPmdMapped] = P(VmStatItem.NrShmemPmdmapped) * thp;
        m[MeminfoLine.FileHugePages] = P(VmStatItem.NrFileHugepages) * thp;
        m[MeminfoLine.FilePmdMapped] = P(VmStatItem.NrFilePmdmapped) * thp;
        m[MeminfoLine.Balloon] = P(VmStatItem.NrBalloonPages);
        return m;
    }

    /// <summary>
    /// si_mem_available() (mm/show_mem.c): free pages minus totalreserve_pages, plus the page cache
    /// and reclaimable slab each less min(half, the sum of low watermarks). Pages.
    /// </summary>
    public static long SiMemAvailable(PhysMem mem, VmStat s)
    {
        long wmarkLow = MovableZoneLowWmark;
        foreach (Zone z in mem.Zones)
        {
            wmarkLow += z.WatermarkLow;
        }
        return SiMemAvailable(
            s[VmStatItem.NrFreePages],
            TotalReservePages(mem),
            wmarkLow,
            s[VmStatItem.NrActiveFile] + s[VmStatItem.NrInactiveFile],
            s[VmStatItem.NrSlabReclaimable] + s[VmStatItem.NrKernelMiscReclaimable]);
    }

    /// <summary>The arithmetic of si_mem_available() over its inputs, all in pages.</summary>
    public static long SiMemAvailable(long free, long totalReserve, long wmarkLow, long pagecache, long reclaimable)
    {
        long available = free - totalReserve;
        available += pagecache - Math.Min(pagecache / 2, wmarkLow);
        available += reclaimable - Math.Min(reclaimable / 2, wmarkLow);
        return Math.Max(0, available);
    }

    /// <summary>calculate_totalreserve_pages(): per zone, its largest lowmem reserve plus its high
    /// watermark, capped by its managed pages.</summary>
    public static long TotalReservePages(PhysMem mem)
    {
        long total = 0;
        foreach (Zone z in mem.Zones)
        {
            long max = 0;
            for (var j = z.Type; j <= ZoneType.Normal; j++)
            {
                max = Math.Max(max, z.LowmemReserve(j));
            }
            total += Math.Min(max + z.WatermarkHigh, z.ManagedPages);
        }
        return total;
    }
}

/// <summary>/proc/meminfo as meminfo_proc_show() prints it.</summary>
public static class ProcMeminfo
{
    /// <summary>Each line's label, padded as the kernel's format strings pad it.</summary>
    private static readonly string[] s_labels =
    [
        "MemTotal:       ", "MemFree:        ", "MemAvailable:   ", "Buffers:        ", "Cached:         ",
        "SwapCached:     ", "Active:         ", "Inactive:       ", "Active(anon):   ", "Inactive(anon): ",
        "Active(file):   ", "Inactive(file): ", "Unevictable:    ", "Mlocked:        ", "SwapTotal:      ",
        "SwapFree:       ", "Zswap:          ", "Zswapped:       ", "Dirty:          ", "Writeback:      ",
        "AnonPages:      ", "Mapped:         ", "Shmem:          ", "KReclaimable:   ", "Slab:           ",
        "SReclaimable:   ", "SUnreclaim:     ", "KernelStack:    ", "PageTables:     ", "SecPageTables:  ",
        "NFS_Unstable:   ", "Bounce:         ", "WritebackTmp:   ", "CommitLimit:    ", "Committed_AS:   ",
        "VmallocTotal:   ", "VmallocUsed:    ", "VmallocChunk:   ", "Percpu:         ", "AnonHugePages:  ",
        "ShmemHugePages: ", "ShmemPmdMapped: ", "FileHugePages:  ", "FilePmdMapped:  ", "Balloon:        ",
        "HugePages_Total:   ", "HugePages_Free:    ", "HugePages_Rsvd:    ", "HugePages_Surp:    ",
        "Hugepagesize:   ", "Hugetlb:        ", "DirectMap4k:    ", "DirectMap2M:    ", "DirectMap1G:    ",
    ];

    /// <summary>The label of one line, with its padding.</summary>
    public static string Label(MeminfoLine line) => s_labels[(int)line];

    /// <summary>The whole file: "%8lu kB" lines, the HugePages_* counts as "%5lu".</summary>
    public static string Format(MeminfoValues v)
    {
        var sb = new StringBuilder(1600);
        for (var l = MeminfoLine.MemTotal; l < MeminfoLine.Count; l++)
        {
            bool count = l is >= MeminfoLine.HugePagesTotal and <= MeminfoLine.HugePagesSurp;
            sb.Append(s_labels[(int)l]);
            ProcText.Dec(sb, v[l], count ? 5 : 8);
            sb.Append(count ? "\n" : " kB\n");
        }
        return sb.ToString();
    }
}
