using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Proc;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>The page-table side of /proc/PID/pagemap (pte_to_pagemap_entry(), pagemap_pmd_range()).</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// The pagemap facts of the page at addr inside vma, as pagemap_read() finds them in the
    /// page tables: none, a swap entry, or a present page with its frame (inside a huge PMD, the
    /// 4 KiB part's frame). A present page that vm_normal_page() would not return (the shared
    /// zero pages) carries only its frame; any other is PM_FILE unless anonymous, and
    /// PM_MMAP_EXCLUSIVE when exactly one entry maps that page (its precise mapcount is 1:
    /// its own mapcount plus, for a PMD-mapped folio, the folio's entire mapcount).
    /// Usable as a <see cref="PagemapPageOf"/>.
    /// </summary>
    public PagemapPage PagemapPageAt(Vma vma, ulong addr)
    {
        ulong e = EntryAt(addr, out int shift);
        if (IsNone(e))
        {
            return default;
        }
        if (!IsPresent(e))
        {
            return G.EntryBytes == 4
                ? PagemapPage.Swapped(SwapType32(e), SwapOffset32(e))
                : PagemapPage.Swapped(SwapType64(e), SwapOffset64(e));
        }
        ulong sub = (1UL << (shift - Page.Shift)) - 1;
        int pfn = (int)((EntryPfn(e) & ~sub) | (Page.Pages(addr) & sub));
        ref PageFrame f = ref Phys.Frame(pfn);
        if (pfn == Machine.ZeroPfn || (Machine.HugeZeroPfn >= 0 && pfn - Machine.HugeZeroPfn is >= 0 and < 512))
        {
            return PagemapPage.Present((ulong)pfn, file: false, exclusive: false);
        }
        int head = Machine.FolioHead(pfn);
        bool anon = (Phys.Frame(head).Flags & PageFlags.Anon) != 0;
        int mapcount = f.MappedCount;
        if (head != pfn || Machine.IsLarge(head))
        {
            mapcount += Machine.EntireMapcount(head) + 1;
        }
        return PagemapPage.Present((ulong)pfn, file: !anon, exclusive: mapcount == 1);
    }
}
