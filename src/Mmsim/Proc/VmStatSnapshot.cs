using Mmsim.Fault;
using Mmsim.Phys;
using Mmsim.Process;

namespace Mmsim.Proc;

/// <summary>
/// The /proc/vmstat counters a simulated machine determines, read off the model the way the
/// kernel keeps them (vm_node_stat, vm_zone_stat, vm_event_states): the free pages and blocks,
/// the page allocator's per-zone allocation and free events, the fault events summed over every
/// task that ever ran (a task's min_flt/maj_flt are what PGFAULT/PGMAJFAULT count), and the node
/// counters of mapped and cached pages. The counters are computed by one scan of the frame array
/// rather than kept incrementally, so they cost nothing on the fault path; items the model does
/// not simulate stay 0 (or what a recorded file put there: <see cref="VmStat.FromRecord"/>).
/// </summary>
public static class VmStatSnapshot
{
    /// <summary>Order of a PMD-sized folio (HPAGE_PMD_ORDER).</summary>
    private const int HpageOrder = 9;

    /// <summary>
    /// Fills <paramref name="into"/> (a new VmStat when null) from a kernel with paging; without
    /// paging only the fault events are known. Returns the VmStat.
    /// </summary>
    public static VmStat Of(Kernel kernel, VmStat? into = null)
    {
        VmStat v = into ?? new VmStat();
        long minflt = 0;
        long majflt = 0;
        foreach (Task t in kernel.Tasks.Values)
        {
            minflt += t.MinFlt;
            majflt += t.MajFlt;
        }
        v[VmStatItem.Pgfault] = minflt + majflt;
        v[VmStatItem.Pgmajfault] = majflt;
        if (kernel.Paging is not { } paging)
        {
            return v;
        }
        PhysMem phys = paging.Phys;
        v.SetFromPhys(phys, paging.Slabs);
        v[VmStatItem.PgallocDma] = phys.Zone(ZoneType.Dma).PagesAllocated;
        v[VmStatItem.PgallocDma32] = phys.Zone(ZoneType.Dma32).PagesAllocated;
        v[VmStatItem.PgallocNormal] = phys.Zone(ZoneType.Normal).PagesAllocated;
        v[VmStatItem.Pgfree] = phys.PagesFreed;
        v[VmStatItem.NrPageTablePages] = paging.Store.TablesInUse;
        v[VmStatItem.NrFilePages] = paging.Cache.NrPages;
        v[VmStatItem.ThpFaultAlloc] = paging.ThpFaultAlloc;
        v[VmStatItem.ThpFaultFallback] = paging.ThpFaultFallback;
        CountMapped(paging, v);
        return v;
    }

    /// <summary>
    /// NR_ANON_MAPPED, NR_FILE_MAPPED, NR_SHMEM and NR_ANON_THPS: one pass over the frames. A
    /// page counts as mapped while some page-table entry maps it (its mapcount, or a huge
    /// folio's entire mapcount, is at least 0); the shared zero pages are reserved and never count.
    /// </summary>
    private static void CountMapped(PagingMachine paging, VmStat v)
    {
        PhysMem phys = paging.Phys;
        long anon = 0;
        long file = 0;
        long shmem = 0;
        long anonThps = 0;
        int n = phys.TotalFrames;
        for (int pfn = 0; pfn < n; pfn++)
        {
            ref PageFrame f = ref phys.Frame(pfn);
            if ((f.Flags & (PageFlags.Reserved | PageFlags.Buddy | PageFlags.PageTable | PageFlags.Slab)) != 0 || f.RefCount <= 0)
            {
                continue;
            }
            bool large = (f.Flags & PageFlags.Head) != 0 && pfn + 1 < n && phys.Frame(pfn + 1).Index == HpageOrder;
            int pages = large ? 1 << HpageOrder : 1;
            long mapped = MappedPages(phys, pfn, large, out bool pmdMapped);
            bool isAnon = (f.Flags & PageFlags.Anon) != 0;
            if (isAnon)
            {
                anon += mapped;
                anonThps += pmdMapped ? 1 : 0;
            }
            else
            {
                file += mapped;
                if ((f.Flags & PageFlags.SwapBacked) != 0)
                {
                    shmem += pages;
                }
            }
            pfn += pages - 1;
        }
        v[VmStatItem.NrAnonPages] = anon;
        v[VmStatItem.NrMapped] = file;
        v[VmStatItem.NrShmem] = shmem;
        v[VmStatItem.NrAnonTransparentHugepages] = anonThps;
    }

    /// <summary>The pages of a folio that some entry maps: all of a PMD-mapped one, else each mapped subpage.</summary>
    private static long MappedPages(PhysMem phys, int head, bool large, out bool pmdMapped)
    {
        pmdMapped = false;
        if (!large)
        {
            return phys.Frame(head).MapCount >= 0 ? 1 : 0;
        }
        // folio->_entire_mapcount lives in the first tail's spare link (see PagingMachine).
        if (phys.Frame(head + 1).Prev >= 0)
        {
            pmdMapped = true;
            return 1 << HpageOrder;
        }
        long mapped = 0;
        for (int i = 0; i < 1 << HpageOrder; i++)
        {
            mapped += phys.Frame(head + i).MapCount >= 0 ? 1 : 0;
        }
        return mapped;
    }
}
