using Mmsim.Mm;
using Mmsim.Phys;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>Transparent huge pages on anonymous memory (mm/huge_memory.c): PMD-mapped order-9 folios.</summary>
public sealed partial class MmPaging
{
    private const int HpageOrder = 9;
    private const int HpageNr = 1 << HpageOrder;

    /// <summary>
    /// thp_vma_allowable_order() + thp_vma_suitable_order() for a fault: an anonymous private
    /// area THP may back (by the enabled mode: VM_HUGEPAGE for "madvise", not VM_NOHUGEPAGE for
    /// "always"), whose aligned 2 MiB block around addr lies inside it with a matching pgoff alignment.
    /// </summary>
    internal bool ThpEligible(Vma vma, ulong addr)
    {
        if (G.PmdLevel < 0 || !FaultsAnonymous(vma) || (vma.Flags & VmFlags.Shared) != 0)
        {
            return false;
        }
        bool allowed = Machine.Options.Thp switch
        {
            ThpMode.Always => (vma.Flags & VmFlags.NoHugePage) == 0,
            ThpMode.Madvise => (vma.Flags & VmFlags.HugePage) != 0,
            _ => false,
        };
        if (!allowed)
        {
            return false;
        }
        ulong haddr = addr & ~(PmdSpan - 1);
        if (haddr < vma.Start || haddr + PmdSpan > vma.End)
        {
            return false;
        }
        return ((Page.Pages(vma.Start) - vma.PgOff) & (HpageNr - 1)) == 0;
    }

    /// <summary>
    /// do_huge_pmd_anonymous_page(): a read maps the huge zero page (read-only, special), a
    /// write a new zeroed order-9 folio (writable, dirty, 512 pages of MM_ANONPAGES); either
    /// deposits a PTE table for a later split. No free order-9 block: VM_FAULT_FALLBACK.
    /// </summary>
    private VmFault DoHugePmdAnonymousPage(Vma vma, ulong addr, bool write, int pmdTable, int pmdIdx)
    {
        ulong haddr = addr & ~(PmdSpan - 1);
        ulong prot = PageProt(vma);
        if (!write && Machine.Options.ThpUseZeroPage)
        {
            int zero = Machine.HugeZero();
            if (zero >= 0)
            {
                if (!Deposit(haddr))
                {
                    return VmFault.Oom;
                }
                Tables.Set(pmdTable, pmdIdx, MkEntry((ulong)zero, prot & ~Rw) | Pse | Special);
                return VmFault.None;
            }
        }
        int pfn = Phys.Alloc(HpageOrder, Gfp.Comp | Gfp.Zero);
        if (pfn < 0)
        {
            Machine.ThpFaultFallback++;
            return VmFault.Fallback;
        }
        if (!Deposit(haddr))
        {
            Phys.PutPage(pfn);
            return VmFault.Oom;
        }
        Machine.ThpFaultAlloc++;
        MapNewHugeFolio(vma, haddr, pmdTable, pmdIdx, pfn);
        return VmFault.None;
    }

    /// <summary>map_anon_folio_pmd(): folio_add_new_anon_rmap() at PMD level and the PMD leaf itself.</summary>
    private void MapNewHugeFolio(Vma vma, ulong haddr, int pmdTable, int pmdIdx, int pfn)
    {
        ref PageFrame head = ref Phys.Frame(pfn);
        head.Flags |= PageFlags.Anon | PageFlags.SwapBacked | PageFlags.Uptodate;
        head.Index = (long)LinearIndex(vma, haddr);
        for (int i = 0; i < HpageNr; i++)
        {
            Phys.Frame(pfn + i).Flags |= PageFlags.AnonExclusive;
        }
        Machine.SetEntireMapcount(pfn, 0);
        ulong e = MkEntry((ulong)pfn, PageProt(vma)) | Pse;
        if ((vma.Flags & VmFlags.Write) != 0)
        {
            e = MkDirty(e) | Rw;
        }
        Tables.Set(pmdTable, pmdIdx, e);
        AddRss(MmCounter.AnonPages, HpageNr);
    }

    /// <summary>
    /// do_huge_pmd_wp_page(): a write to a read-only huge PMD. The huge zero page is replaced by
    /// a new folio (do_huge_zero_wp_pmd()); an exclusive folio is reused; otherwise, or when no
    /// folio can be had, the PMD is split and the fault retried on the PTEs (VM_FAULT_FALLBACK).
    /// </summary>
    private VmFault DoHugePmdWpPage(Vma vma, ulong addr, int pmdTable, int pmdIdx)
    {
        ulong haddr = addr & ~(PmdSpan - 1);
        ulong pmd = Tables.Get(pmdTable, pmdIdx);
        int pfn = (int)EntryPfn(pmd);
        if ((pmd & Special) != 0)
        {
            int folio = Phys.Alloc(HpageOrder, Gfp.Comp | Gfp.Zero);
            if (folio >= 0)
            {
                Machine.ThpFaultAlloc++;
                MapNewHugeFolio(vma, haddr, pmdTable, pmdIdx, folio);
                Machine.FlushRange(Mm, haddr, haddr + PmdSpan, G.Shifts[PmdLevel]);
                return VmFault.None;
            }
            Machine.ThpFaultFallback++;
        }
        else if (Phys.Frame(pfn).RefCount == 1 || (Phys.Frame(pfn).Flags & PageFlags.AnonExclusive) != 0)
        {
            for (int i = 0; i < HpageNr; i++)
            {
                Phys.Frame(pfn + i).Flags |= PageFlags.AnonExclusive;
            }
            Tables.Set(pmdTable, pmdIdx, MkDirty(pmd) | Rw | Accessed);
            Machine.FlushRange(Mm, haddr, haddr + PmdSpan, G.Shifts[PmdLevel]);
            return VmFault.None;
        }
        SplitHugePmd(haddr, pmdTable, pmdIdx);
        return VmFault.Fallback;
    }

    /// <summary>
    /// __split_huge_pmd(): replaces a huge PMD by its deposited PTE table with 512 PTEs of the
    /// same permissions. For a folio every subpage gains a mapcount and the folio a reference per
    /// PTE while the PMD's entire mapcount goes; the huge zero page becomes 512 zero-page PTEs.
    /// </summary>
    internal void SplitHugePmd(ulong haddr, int pmdTable, int pmdIdx)
    {
        ulong pmd = Tables.Get(pmdTable, pmdIdx);
        int pt = Withdraw(haddr);
        int pfn = (int)EntryPfn(pmd);
        ulong keep = pmd & (Rw | User | Accessed | Dirty | SoftDirty | Nx | Present | ProtNone);
        if (!G.HasNx)
        {
            keep &= ~Nx;
        }
        bool zero = (pmd & Special) != 0;
        for (int i = 0; i < HpageNr; i++)
        {
            ulong e = zero
                ? MkEntry((ulong)Machine.ZeroPfn, keep & ~(Rw | Dirty | SoftDirty)) | Special
                : MkEntry((ulong)(pfn + i), keep);
            Tables.Set(pt, i, e);
        }
        if (!zero)
        {
            for (int i = 0; i < HpageNr; i++)
            {
                Phys.Frame(pfn + i).MapCount++;
            }
            Machine.AddEntireMapcount(pfn, -1);
            Phys.Frame(pfn).RefCount += HpageNr - 1;
        }
        Tables.Set(pmdTable, pmdIdx, MkEntry((ulong)pt, TableEntry));
        Machine.FlushRange(Mm, haddr, haddr + PmdSpan, G.Shifts[PmdLevel]);
    }

    /// <summary>split_huge_pmd_if_needed(): splits the huge PMD a VMA boundary at addr would cut (none if aligned).</summary>
    internal void SplitHugeAt(ulong addr)
    {
        if (G.PmdLevel < 0 || (addr & (PmdSpan - 1)) == 0)
        {
            return;
        }
        int pmdTable = Tables.Descend(addr, PmdLevel, alloc: false, out _);
        if (pmdTable < 0)
        {
            return;
        }
        int pmdIdx = G.Index(PmdLevel, addr);
        if (IsHugePmd(Tables.Get(pmdTable, pmdIdx)))
        {
            SplitHugePmd(addr & ~(PmdSpan - 1), pmdTable, pmdIdx);
        }
    }

    /// <summary>zap_huge_pmd(): unmaps a whole huge PMD, frees its deposited table and drops the folio's PMD mapping.</summary>
    private void ZapHugePmd(ulong haddr, int pmdTable, int pmdIdx)
    {
        ulong pmd = Tables.Get(pmdTable, pmdIdx);
        Tables.Set(pmdTable, pmdIdx, 0);
        FreeDeposit(haddr);
        if ((pmd & Special) != 0)
        {
            return;
        }
        int pfn = (int)EntryPfn(pmd);
        AddRss(MmCounter.AnonPages, -HpageNr);
        Machine.AddEntireMapcount(pfn, -1);
        if (Machine.EntireMapcount(pfn) < 0)
        {
            for (int i = 0; i < HpageNr; i++)
            {
                if (Phys.Frame(pfn + i).MapCount < 0)
                {
                    Phys.Frame(pfn + i).Flags &= ~PageFlags.AnonExclusive;
                }
            }
        }
        Phys.PutPage(pfn);
    }
}
