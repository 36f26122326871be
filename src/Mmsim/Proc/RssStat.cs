using Mmsim.Mm;

namespace Mmsim.Proc;

/// <summary>
/// The per-mm counters /proc/PID/status and statm read besides the VM counters of
/// <see cref="MmStruct"/>: the rss_stat counters (MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS,
/// MM_SHMEMPAGES), hiwater_rss, mm_pgtables_bytes() and hugetlb_usage. The page-table model fills it.
/// </summary>
public struct RssStat
{
    /// <summary>MM_FILEPAGES: resident page-cache pages mapped.</summary>
    public ulong FilePages;

    /// <summary>MM_ANONPAGES: resident anonymous pages.</summary>
    public ulong AnonPages;

    /// <summary>MM_SWAPENTS: swap entries in the page tables.</summary>
    public ulong SwapEnts;

    /// <summary>MM_SHMEMPAGES: resident shmem pages mapped.</summary>
    public ulong ShmemPages;

    /// <summary>hiwater_rss: the RSS high-water mark in pages, updated before RSS drops.</summary>
    public ulong HiwaterRss;

    /// <summary>mm_pgtables_bytes(): bytes of page-table pages.</summary>
    public ulong PgtablesBytes;

    /// <summary>hugetlb_usage: pages of hugetlb mappings counted in 4 KiB units.</summary>
    public ulong HugetlbUsage;

    /// <summary>get_mm_rss(): anon + file + shmem.</summary>
    public readonly ulong Rss => AnonPages + FilePages + ShmemPages;

    /// <summary>The counters of an mm's page tables (all zero when the mm has none).</summary>
    public static RssStat Of(MmStruct mm)
    {
        if (mm.Paging is not { } p)
        {
            return default;
        }
        return new RssStat
        {
            FilePages = (ulong)p.Counter(Fault.MmCounter.FilePages),
            AnonPages = (ulong)p.Counter(Fault.MmCounter.AnonPages),
            SwapEnts = (ulong)p.Counter(Fault.MmCounter.SwapEnts),
            ShmemPages = (ulong)p.Counter(Fault.MmCounter.ShmemPages),
            HiwaterRss = (ulong)p.HiwaterRss,
            PgtablesBytes = (ulong)p.Tables.PgtablesBytes,
        };
    }
}

/// <summary>task_mem() and task_statm() (fs/proc/task_mmu.c): the memory numbers of status/statm.</summary>
public static class TaskMem
{
    /// <summary>The text (VmExe) and library (VmLib) bytes: the page-aligned code segment, capped
    /// by exec_vm, and the rest of exec_vm.</summary>
    public static (ulong Text, ulong Lib) TextLib(MmStruct mm)
    {
        ulong text = PageAlign(mm.EndCode) - (mm.StartCode & ~Page.OffsetMask);
        ulong exec = mm.ExecVm << Page.Shift;
        text = Math.Min(text, exec);
        return (text, exec - text);
    }

    /// <summary>Rounds up to a page.</summary>
    public static ulong PageAlign(ulong a) => (a + Page.OffsetMask) & ~Page.OffsetMask;
}
