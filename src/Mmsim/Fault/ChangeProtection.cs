using Mmsim.Mm;
using Mmsim.Phys;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>change_protection() (mm/mprotect.c): mprotect's effect on the PTEs.</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// change_protection(): gives every mapped entry of [start, end) in vma (already carrying
    /// its new flags) the VMA's new page protection with pte_modify() (PFN, A, D and software
    /// bits kept; PROT_NONE clears Present and sets PROTNONE). Where the kernel would avoid a
    /// later write fault it makes the entry writable at once: an exclusive anonymous page in a
    /// writable private area, a dirty page in a write-notified shared one
    /// (can_change_pte_writable()). Huge PMDs inside change whole; one partly inside is split.
    /// </summary>
    internal void ChangeProtection(Vma vma, ulong start, ulong end)
    {
        ulong prot = PageProt(vma);
        bool writable = (vma.Flags & VmFlags.Write) != 0;
        bool shared = (vma.Flags & VmFlags.Shared) != 0;
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
                    ulong e = Modify(pmd, prot) | Pse;
                    if ((pmd & Special) == 0 && writable && !shared
                        && (Phys.Frame((int)EntryPfn(pmd)).Flags & PageFlags.AnonExclusive) != 0)
                    {
                        e |= Rw;
                    }
                    Tables.Set(pmdTable, pmdIdx, e);
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
                if (IsNone(pte) || !IsPresent(pte))
                {
                    continue;
                }
                ulong e = Modify(pte, prot);
                if (writable && (e & Present) != 0 && (pte & Special) == 0 && CanChangeWritable(pte, shared))
                {
                    e |= Rw;
                }
                Tables.Set(pt, idx, e);
            }
            addr = next;
        }
        if (any)
        {
            Machine.FlushRange(Mm, start, end);
        }
    }

    /// <summary>can_change_pte_writable(): private needs an exclusive anonymous page, shared a dirty PTE.</summary>
    private bool CanChangeWritable(ulong pte, bool shared)
    {
        if (shared)
        {
            return (pte & Dirty) != 0;
        }
        int pfn = (int)EntryPfn(pte);
        return (Phys.Frame(Machine.FolioHead(pfn)).Flags & PageFlags.Anon) != 0
            && (Phys.Frame(pfn).Flags & PageFlags.AnonExclusive) != 0;
    }
}
