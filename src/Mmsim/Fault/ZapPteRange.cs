using Mmsim.Mm;
using Mmsim.Phys;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>Unmapping pages (zap_page_range_single(), unmap_page_range() → zap_pte_range()) and freeing tables.</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// unmap_region() for one VMA leaving the address space (munmap, exit, a MAP_FIXED
    /// replacement): zaps its pages, then free_pgtables() between its neighbours (floor = the end
    /// of the VMA below, ceiling = the start of the one above; 0 = the top).
    /// </summary>
    internal void UnmapVma(Vma vma)
    {
        bool zapped = ZapRange(vma, vma.Start, vma.End, flush: false);
        ulong floor = vma.Prev?.End ?? 0;
        ulong ceiling = vma.Next?.Start ?? 0;
        long tables = Tables.TableFrames;
        Tables.FreePgtables(vma.Start, vma.End, floor, ceiling);
        bool freed = Tables.TableFrames != tables;
        if (zapped || freed)
        {
            // tlb_finish_mmu(): one flush for the zap and the freed tables (freed_tables).
            Machine.FlushRange(Mm, vma.Start, vma.End, freedTables: freed);
        }
    }

    /// <summary>
    /// zap_page_range_single(): removes every mapping in [start, end) of vma. Each page loses a
    /// mapcount and a reference (freed with the last), its RSS counter drops, a dirty PTE dirties
    /// a file page (set_page_dirty()). A huge PMD wholly inside goes at once (zap_huge_pmd());
    /// one partly inside is split first. Tables stay (MADV_DONTNEED keeps them). Flushes the TLB range
    /// unless flush is false (the caller's mmu_gather flushes later). Returns whether anything was mapped.
    /// </summary>
    internal bool ZapRange(Vma vma, ulong start, ulong end, bool flush = true)
    {
        UpdateHiwaterRss();
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
            any = true;
            if (IsHugePmd(pmd))
            {
                ulong haddr = addr & ~(PmdSpan - 1);
                if (haddr >= start && haddr + PmdSpan <= end)
                {
                    ZapHugePmd(haddr, pmdTable, pmdIdx);
                    addr = next;
                    continue;
                }
                SplitHugePmd(haddr, pmdTable, pmdIdx);
                pmd = Tables.Get(pmdTable, pmdIdx);
            }
            ZapPteRange((int)EntryPfn(pmd), addr, next);
            addr = next;
        }
        if (any && flush)
        {
            Machine.FlushRange(Mm, start, end);
        }
        return any;
    }

    /// <summary>zap_pte_range(): the PTEs of one table in [addr, end).</summary>
    private void ZapPteRange(int pt, ulong addr, ulong end)
    {
        if (Tables.Wide)
        {
            ZapPteTable(pt, addr, end);
            return;
        }
        for (ulong a = addr; a < end; a += Page.Size)
        {
            int idx = PteIndex(a);
            ulong pte = Tables.Get(pt, idx);
            if (IsNone(pte))
            {
                continue;
            }
            Tables.Set(pt, idx, 0);
            if (!IsPresent(pte))
            {
                throw new ModelBugException($"zap_pte_range: swap entry {pte:x} at {a:x}, but swap is not modelled");
            }
            if ((pte & Special) != 0)
            {
                continue;
            }
            int pfn = (int)EntryPfn(pte);
            MmCounter c = CounterOf(pfn);
            if (c != MmCounter.AnonPages && (pte & Dirty) != 0)
            {
                Phys.Frame(pfn).Flags |= PageFlags.Dirty;
            }
            if ((pte & Accessed) != 0)
            {
                Phys.Frame(pfn).Flags |= PageFlags.Referenced;
            }
            AddRss(c, -1);
            RemoveRmapAndPut(pfn);
        }
    }

    /// <summary>
    /// zap_pte_range() over one 64-bit table: the entries through one span, the RSS counts
    /// gathered locally and added once (add_mm_rss_vec()), each folio's head found once.
    /// </summary>
    private void ZapPteTable(int pt, ulong addr, ulong end)
    {
        int first = PteIndex(addr);
        Span<ulong> ptes = Tables.Entries64(pt).Slice(first, (int)((end - addr) >> Page.Shift));
        long anon = 0;
        long file = 0;
        long shmem = 0;
        for (int i = 0; i < ptes.Length; i++)
        {
            ulong pte = ptes[i];
            if (IsNone(pte))
            {
                continue;
            }
            ptes[i] = 0;
            if (!IsPresent(pte))
            {
                throw new ModelBugException($"zap_pte_range: swap entry {pte:x} at {addr + Page.Bytes((ulong)i):x}, but swap is not modelled");
            }
            if ((pte & Special) != 0)
            {
                continue;
            }
            int pfn = (int)EntryPfn(pte);
            int head = Machine.FolioHead(pfn);
            ref PageFrame f = ref Phys.Frame(pfn);
            PageFlags hf = head == pfn ? f.Flags : Phys.Frame(head).Flags;
            if ((hf & PageFlags.Anon) != 0)
            {
                anon++;
            }
            else
            {
                if ((pte & Dirty) != 0)
                {
                    f.Flags |= PageFlags.Dirty;
                }
                if ((hf & PageFlags.SwapBacked) != 0)
                {
                    shmem++;
                }
                else
                {
                    file++;
                }
            }
            if ((pte & Accessed) != 0)
            {
                f.Flags |= PageFlags.Referenced;
            }
            // folio_remove_rmap_pte() + folio_put(), as RemoveRmapAndPut().
            f.MapCount--;
            if (f.MapCount < 0)
            {
                f.Flags &= ~PageFlags.AnonExclusive;
            }
            Phys.PutPage(head);
        }
        AddRss(MmCounter.AnonPages, -anon);
        AddRss(MmCounter.FilePages, -file);
        AddRss(MmCounter.ShmemPages, -shmem);
    }

    /// <summary>
    /// The end of exit_mmap(): every VMA is gone, so every table but the root already is;
    /// pgd_free() returns the root. The mm's TLB entries are flushed.
    /// </summary>
    internal void ExitMmap()
    {
        Tables.FreePgtables(0, Mm.TaskSize, 0, 0);
        if (_deposits.Count != 0 || Rss != 0)
        {
            throw new ModelBugException($"exit_mmap: {_deposits.Count} deposited tables and {Rss} pages left");
        }
        Tables.FreeRoot();
        Machine.FlushMm(Mm, freedTables: true);
    }
}
