using Mmsim.Fault;
using Mmsim.Mm;
using Mmsim.Phys;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Proc;

/// <summary>
/// smap_gather_stats() (fs/proc/task_mmu.c): fills <see cref="MemSizeStats"/> for a VMA by
/// walking its page tables as smaps_pte_entry() and smaps_pmd_entry() do, and the per-mm
/// counters /proc/PID/status prints (task_mem()).
/// </summary>
public static class SmapsGather
{
    /// <summary>
    /// Adds vma's pages to mss. Only entries with a struct page count (vm_normal_page(): the
    /// zero pages and PFN maps do not). Each page: Rss; Anonymous if anon (LazyFree if also
    /// clean and not swap-backed); Referenced if the entry is young or the page referenced; then,
    /// unless the page's refcount is 1, per 4 KiB part with its precise mapcount: Pss the size
    /// over the mapcount, private when mapped once, dirty by the entry or the page flag;
    /// PssLocked in VM_LOCKED areas. A huge PMD adds 2 MiB to AnonHugePages.
    /// </summary>
    public static void Gather(MmStruct mm, Vma vma, ref MemSizeStats mss)
    {
        if (mm.Paging is not { } paging)
        {
            return;
        }
        bool locked = (vma.Flags & VmFlags.Locked) != 0;
        ulong addr = vma.Start;
        while (paging.NextPmd(ref addr, vma.End, out int pmdTable, out int pmdIdx, out ulong next))
        {
            ulong pmd = paging.Tables.Get(pmdTable, pmdIdx);
            if (IsNone(pmd))
            {
                addr = next;
                continue;
            }
            if (paging.IsHugePmd(pmd))
            {
                if ((pmd & Special) == 0)
                {
                    int head = (int)EntryPfn(pmd);
                    mss.AnonymousThp += 512 * Page.Size;
                    Account(paging, ref mss, head, 512, (pmd & Accessed) != 0, (pmd & Dirty) != 0, locked);
                }
                addr = next;
                continue;
            }
            int pt = (int)EntryPfn(pmd);
            for (ulong a = addr; a < next; a += Page.Size)
            {
                ulong pte = paging.Tables.Get(pt, paging.Tables.Geometry.Index(paging.Tables.PteLevel, a));
                if (!IsPresent(pte) || (pte & Special) != 0)
                {
                    continue;
                }
                Account(paging, ref mss, (int)EntryPfn(pte), 1, (pte & Accessed) != 0, (pte & Dirty) != 0, locked);
            }
            addr = next;
        }
    }

    /// <summary>smaps_rollup: the sum over every VMA.</summary>
    public static MemSizeStats GatherRollup(MmStruct mm)
    {
        var mss = default(MemSizeStats);
        foreach (Vma v in mm.Vmas)
        {
            Gather(mm, v, ref mss);
        }
        return mss;
    }

    /// <summary>smaps_account(): nr pages from pfn mapped by one entry.</summary>
    private static void Account(MmPaging paging, ref MemSizeStats mss, int pfn, int nr, bool young, bool dirty, bool locked)
    {
        PhysMem phys = paging.Machine.Phys;
        int head = paging.Machine.FolioHead(pfn);
        ref PageFrame folio = ref phys.Frame(head);
        ulong size = (ulong)nr * Page.Size;
        bool anon = (folio.Flags & PageFlags.Anon) != 0;
        bool folioDirty = (folio.Flags & PageFlags.Dirty) != 0;
        if (anon)
        {
            mss.Anonymous += size;
            if ((folio.Flags & PageFlags.SwapBacked) == 0 && !dirty && !folioDirty)
            {
                mss.Lazyfree += size;
            }
        }
        mss.Resident += size;
        if (young || (phys.Frame(pfn).Flags & PageFlags.Referenced) != 0)
        {
            mss.Referenced += size;
        }
        if (folio.RefCount == 1)
        {
            Accumulate(ref mss, folio.Flags, size, size << MemSizeStats.PssShift, dirty || folioDirty, locked, priv: true);
            return;
        }
        bool large = paging.Machine.IsLarge(head);
        int entire = large ? paging.Machine.EntireMapcount(head) + 1 : 0;
        for (int i = 0; i < nr; i++)
        {
            int mapcount = phys.Frame(pfn + i).MappedCount + entire;
            ulong pss = Page.Size << MemSizeStats.PssShift;
            if (mapcount >= 2)
            {
                pss /= (ulong)mapcount;
            }
            Accumulate(ref mss, folio.Flags, Page.Size, pss, dirty || folioDirty, locked, mapcount < 2);
        }
    }

    /// <summary>smaps_page_accumulate().</summary>
    private static void Accumulate(ref MemSizeStats mss, PageFlags folio, ulong size, ulong pss, bool dirty, bool locked, bool priv)
    {
        mss.Pss += pss;
        if ((folio & PageFlags.Anon) != 0)
        {
            mss.PssAnon += pss;
        }
        else if ((folio & PageFlags.SwapBacked) != 0)
        {
            mss.PssShmem += pss;
        }
        else
        {
            mss.PssFile += pss;
        }
        if (locked)
        {
            mss.PssLocked += pss;
        }
        if (dirty)
        {
            mss.PssDirty += pss;
            if (priv)
            {
                mss.PrivateDirty += size;
            }
            else
            {
                mss.SharedDirty += size;
            }
        }
        else if (priv)
        {
            mss.PrivateClean += size;
        }
        else
        {
            mss.SharedClean += size;
        }
    }
}
