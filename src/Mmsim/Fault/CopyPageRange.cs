using Mmsim.Mm;
using Mmsim.Phys;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>copy_page_range() (mm/memory.c): what fork copies of the parent's page tables.</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// vma_needs_copy(): PTEs are copied only for areas a fault could not refill correctly: those
    /// with anonymous pages (an anon_vma) or PFN maps. Others (file pages) the child faults in
    /// again. WIPEONFORK areas are never copied.
    /// </summary>
    internal static bool NeedsCopy(Vma src)
    {
        if ((src.Flags & VmFlags.WipeOnFork) != 0)
        {
            return false;
        }
        return src.AnonVma is not null || (src.Flags & (VmFlags.PfnMap | VmFlags.MixedMap)) != 0;
    }

    /// <summary>
    /// copy_page_range() from the parent's VMA src into this (the child's) dst, same range:
    /// every present entry is duplicated. In a copy-on-write mapping (private, may write) a
    /// writable entry is write-protected in the parent and the child; anonymous pages lose
    /// their exclusive mark; each page gains a mapcount and a reference; the child's PTEs are
    /// old (and clean for shared mappings). Huge PMDs are shared whole (copy_huge_pmd(), with a
    /// new deposited table). Returns false on OOM.
    /// </summary>
    internal bool CopyPageRange(Vma dst, MmPaging parent, Vma src)
    {
        bool cow = (src.Flags & (VmFlags.Shared | VmFlags.MayWrite)) == VmFlags.MayWrite;
        ulong addr = src.Start;
        while (parent.NextPmd(ref addr, src.End, out int sPmdT, out int sPmdI, out ulong next))
        {
            ulong pmd = parent.Tables.Get(sPmdT, sPmdI);
            if (IsNone(pmd))
            {
                addr = next;
                continue;
            }
            if (IsHugePmd(pmd))
            {
                if (!CopyHugePmd(parent, addr & ~(PmdSpan - 1), sPmdT, sPmdI, cow))
                {
                    return false;
                }
                addr = next;
                continue;
            }
            int spt = (int)EntryPfn(pmd);
            int dpt = Tables.Descend(addr, PteLevel, alloc: true, out _);
            if (dpt < 0)
            {
                return false;
            }
            if (Tables.Wide)
            {
                CopyPteTable(parent, spt, dpt, PteIndex(addr), (int)((next - addr) >> Page.Shift), cow, (src.Flags & VmFlags.Shared) != 0);
                addr = next;
                continue;
            }
            for (ulong a = addr; a < next; a += Page.Size)
            {
                int idx = PteIndex(a);
                ulong pte = parent.Tables.Get(spt, idx);
                if (IsNone(pte))
                {
                    continue;
                }
                if (cow && IsWrite(pte))
                {
                    pte &= ~Rw;
                    parent.Tables.Set(spt, idx, pte);
                }
                ulong child = pte & ~Accessed;
                if ((src.Flags & VmFlags.Shared) != 0)
                {
                    child &= ~Dirty;
                }
                if ((pte & Special) == 0)
                {
                    int pfn = (int)EntryPfn(pte);
                    ref PageFrame f = ref Phys.Frame(pfn);
                    f.Flags &= ~PageFlags.AnonExclusive;
                    f.MapCount++;
                    Phys.GetPage(Machine.FolioHead(pfn));
                    AddRss(CounterOf(pfn), 1);
                }
                Tables.Set(dpt, idx, child);
            }
            addr = next;
        }
        return true;
    }

    /// <summary>
    /// copy_pte_range() over n entries of one 64-bit PTE table from index first: the whole run
    /// under one table lookup on each side (as the kernel maps both tables and takes the locks
    /// once), the RSS counts gathered locally and added at the end (add_mm_rss_vec()).
    /// </summary>
    private void CopyPteTable(MmPaging parent, int spt, int dpt, int first, int n, bool cow, bool shared)
    {
        Span<ulong> s = parent.Tables.Entries64(spt).Slice(first, n);
        Span<ulong> d = Tables.Entries64(dpt).Slice(first, n);
        ulong childMask = ~(Accessed | (shared ? Dirty : 0));
        ulong wp = cow ? ~Rw : ~0UL;
        long anon = 0;
        long file = 0;
        long shmem = 0;
        for (int i = 0; i < s.Length; i++)
        {
            ulong pte = s[i];
            if (IsNone(pte))
            {
                continue;
            }
            if ((pte & ~wp) != 0)
            {
                pte &= wp;
                s[i] = pte;
            }
            if ((pte & Special) == 0)
            {
                int pfn = (int)EntryPfn(pte);
                ref PageFrame f = ref Phys.Frame(pfn);
                f.Flags &= ~PageFlags.AnonExclusive;
                f.MapCount++;
                int head = Machine.FolioHead(pfn);
                Phys.GetPage(head);
                PageFlags hf = head == pfn ? f.Flags : Phys.Frame(head).Flags;
                if ((hf & PageFlags.Anon) != 0)
                {
                    anon++;
                }
                else if ((hf & PageFlags.SwapBacked) != 0)
                {
                    shmem++;
                }
                else
                {
                    file++;
                }
            }
            d[i] = pte & childMask;
        }
        AddRss(MmCounter.AnonPages, anon);
        AddRss(MmCounter.FilePages, file);
        AddRss(MmCounter.ShmemPages, shmem);
    }

    /// <summary>copy_huge_pmd(): the child maps the same huge page (or huge zero page), both write-protected.</summary>
    private bool CopyHugePmd(MmPaging parent, ulong haddr, int sPmdT, int sPmdI, bool cow)
    {
        int dPmdT = Tables.Descend(haddr, PmdLevel, alloc: true, out _);
        if (dPmdT < 0 || !Deposit(haddr))
        {
            return false;
        }
        ulong pmd = parent.Tables.Get(sPmdT, sPmdI);
        if (cow && IsWrite(pmd))
        {
            pmd &= ~Rw;
            parent.Tables.Set(sPmdT, sPmdI, pmd);
        }
        if ((pmd & Special) == 0)
        {
            int pfn = (int)EntryPfn(pmd);
            for (int i = 0; i < HpageNr; i++)
            {
                Phys.Frame(pfn + i).Flags &= ~PageFlags.AnonExclusive;
            }
            Machine.AddEntireMapcount(pfn, 1);
            Phys.GetPage(pfn);
            AddRss(MmCounter.AnonPages, HpageNr);
        }
        Tables.Set(dPmdT, G.Index(PmdLevel, haddr), pmd & ~Accessed);
        return true;
    }
}
