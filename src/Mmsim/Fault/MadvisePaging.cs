using Mmsim.Mm;
using Mmsim.Phys;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>The paging advice of mm/madvise.c.</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// The effect of paging advice on [start, end) of vma, once the VMA layer accepted it:
    /// MADV_DONTNEED(_LOCKED) zaps (madvise_dontneed_single_vma(); tables stay), MADV_FREE
    /// marks exclusive anonymous pages lazily freeable (madvise_free_pte_range()), MADV_WILLNEED
    /// reads a file range into the page cache (force_page_cache_readahead()). The rest
    /// (COLD, PAGEOUT, REMOVE, guard markers) is not modelled; POPULATE faulted already.
    /// </summary>
    internal void Advise(Vma vma, ulong start, ulong end, int advice)
    {
        switch (advice)
        {
            case Madv.DontNeed or Madv.DontNeedLocked:
                ZapRange(vma, start, end);
                break;
            case Madv.GuardInstall:
                // The range is zapped before the markers go in (the markers themselves, which
                // make later faults there SIGSEGV, are not modelled).
                ZapRange(vma, start, end);
                break;
            case Madv.Free:
                MadviseFree(start, end);
                break;
            case Madv.WillNeed when vma.File is { } file && !file.Inode.IsShmem && file.Inode.Kind == Fs.InodeKind.Regular:
                ulong fileEnd = PagesOf(file.Inode.Size);
                for (ulong i = LinearIndex(vma, start); i < LinearIndex(vma, end) && i < fileEnd; i++)
                {
                    if (Machine.Cache.Find(file.Inode, i) < 0 && Machine.Cache.Add(file.Inode, i) < 0)
                    {
                        break;
                    }
                }
                break;
        }
    }

    /// <summary>
    /// madvise_free_pte_range(): an anonymous page only this PTE maps loses its dirty state
    /// (PTE clean and old, PG_dirty and PG_swapbacked cleared): reclaim may drop it without
    /// swapping, and smaps counts it as LazyFree. Shared pages and the zero page are left. A
    /// huge PMD wholly inside stays and is cleaned whole when only this mm maps it
    /// (madvise_free_huge_pmd()); one partly inside is split first.
    /// </summary>
    private void MadviseFree(ulong start, ulong end)
    {
        ulong addr = start;
        bool any = false;
        while (NextPmd(ref addr, end, out int pmdTable, out int pmdIdx, out ulong next))
        {
            ulong pmd = Tables.Get(pmdTable, pmdIdx);
            if (IsNone(pmd))
            {
                addr = next;
                continue;
            }
            if (IsHugePmd(pmd))
            {
                ulong haddr = addr & ~(PmdSpan - 1);
                if (haddr >= start && haddr + PmdSpan <= end)
                {
                    // madvise_free_huge_pmd(): a folio mapped only here stays PMD-mapped, made clean and old.
                    int head = (int)EntryPfn(pmd);
                    if ((pmd & Special) == 0 && Phys.Frame(head).RefCount == 1)
                    {
                        Phys.Frame(head).Flags &= ~(PageFlags.Dirty | PageFlags.SwapBacked | PageFlags.Referenced);
                        Tables.Set(pmdTable, pmdIdx, pmd & ~(Dirty | Accessed));
                        any = true;
                    }
                    addr = next;
                    continue;
                }
                SplitHugePmd(haddr, pmdTable, pmdIdx);
                pmd = Tables.Get(pmdTable, pmdIdx);
            }
            int pt = (int)EntryPfn(pmd);
            for (ulong a = addr; a < next; a += Page.Size)
            {
                int idx = PteIndex(a);
                ulong pte = Tables.Get(pt, idx);
                if (!IsPresent(pte) || (pte & Special) != 0)
                {
                    continue;
                }
                ref PageFrame f = ref Phys.Frame((int)EntryPfn(pte));
                // PTE-mapped parts of a huge folio are left (the kernel would split the folio first).
                int head = Machine.FolioHead((int)EntryPfn(pte));
                if ((f.Flags & PageFlags.Anon) == 0 || f.MapCount != 0 || Machine.IsLarge(head))
                {
                    continue;
                }
                f.Flags &= ~(PageFlags.Dirty | PageFlags.SwapBacked | PageFlags.Referenced);
                Tables.Set(pt, idx, pte & ~(Dirty | Accessed));
                any = true;
            }
            addr = next;
        }
        if (any)
        {
            Machine.FlushRange(Mm, start, end);
        }
    }
}
