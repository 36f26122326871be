using System.Runtime.CompilerServices;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Tlb;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>handle_mm_fault() and the PTE-level fault handlers of mm/memory.c.</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// What the MMU would do with a user access of this kind at addr, without faulting: true
    /// when a present leaf allows it, after setting Accessed (and Dirty for a write) as the
    /// hardware does. <paramref name="present"/> tells whether the leaf was present (a P=1 fault).
    /// </summary>
    public bool TryAccess(ulong addr, AccessKind kind, out bool present)
    {
        int refs = 0;
        WalkFault w = Pgtable.PageWalker.Walk(Tables, addr, kind, out _, ref refs, out int pt);
        present = w == WalkFault.Protection;
        NoteWalk(addr, w, pt);
        return w == WalkFault.None;
    }

    /// <summary>
    /// What a walk of these tables (the MMU's or <see cref="TryAccess"/>'s) found at addr: a
    /// failed walk that got down to the PTE table leaves that table for the fault that follows
    /// (<see cref="TakeWalkedPte"/>), which would otherwise walk down again to the same table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void NoteWalk(ulong addr, WalkFault fault, int pteTable)
    {
        _walkedPage = fault != WalkFault.None && pteTable >= 0 ? addr & Page.Mask : NoWalkedPage;
        _walkedPte = pteTable;
    }

    /// <summary>
    /// The PTE table the last <see cref="TryAccess"/> reached if it failed at addr's page, and
    /// forgets it: for a fault right after that walk, with no table change in between (the
    /// VMA-side work of a fault changes none). -1 otherwise.
    /// </summary>
    internal int TakeWalkedPte(ulong addr)
    {
        int pt = _walkedPage == (addr & Page.Mask) ? _walkedPte : -1;
        _walkedPage = NoWalkedPage;
        return pt;
    }

    /// <summary>
    /// handle_mm_fault() → __handle_mm_fault() → handle_pte_fault(): resolves a fault the VMA
    /// layer has allowed (the VMA covers addr and permits the access). A huge PMD is tried first
    /// for THP-eligible anonymous areas; then the PTE: none → do_anonymous_page() or do_fault(),
    /// present but read-only on a write → do_wp_page(), otherwise a spurious fault that only
    /// marks the entry young (and dirty). Counts the fault as minor or major.
    /// </summary>
    public VmFault HandleMmFault(Vma vma, ulong addr, AccessKind kind) => HandleMmFault(vma, addr, kind, -1);

    /// <summary>
    /// <see cref="HandleMmFault(Vma, ulong, AccessKind)"/> with the PTE table of addr already
    /// known (<paramref name="walkedPte"/> from <see cref="TakeWalkedPte"/>; -1: walk down): the
    /// PMD entry points at a table, so no huge-PMD case applies, and the walk is not repeated.
    /// </summary>
    internal VmFault HandleMmFault(Vma vma, ulong addr, AccessKind kind, int walkedPte)
    {
        bool write = kind == AccessKind.Write;
        addr &= Page.Mask;
        if (walkedPte >= 0)
        {
            return HandlePteFault(vma, addr, write, walkedPte);
        }
        int pmdTable = Tables.Descend(addr, PmdLevel, alloc: true, out _);
        if (pmdTable < 0)
        {
            return VmFault.Oom;
        }
        int pmdIdx = G.Index(PmdLevel, addr);
        ulong pmd = Tables.Get(pmdTable, pmdIdx);
        if (IsNone(pmd) && ThpEligible(vma, addr))
        {
            VmFault r = DoHugePmdAnonymousPage(vma, addr, write, pmdTable, pmdIdx);
            if (r != VmFault.Fallback)
            {
                return Account(r);
            }
        }
        else if (IsHugePmd(pmd))
        {
            if (write && !IsWrite(pmd))
            {
                VmFault r = DoHugePmdWpPage(vma, addr, pmdTable, pmdIdx);
                if (r != VmFault.Fallback)
                {
                    return Account(r);
                }
            }
            else
            {
                Tables.Set(pmdTable, pmdIdx, pmd | Accessed | (write ? Dirty : 0));
                return Account(VmFault.None);
            }
        }
        // The PMD-level entry again (a huge fallback may have split it), then its PTE table.
        int pt = Tables.PteTable(pmdTable, pmdIdx, alloc: true);
        if (pt < 0)
        {
            return VmFault.Oom;
        }
        return HandlePteFault(vma, addr, write, pt);
    }

    /// <summary>handle_pte_fault(): the PTE level of a fault, its table found.</summary>
    private VmFault HandlePteFault(Vma vma, ulong addr, bool write, int pt)
    {
        int idx = PteIndex(addr);
        ulong pte = Tables.Get(pt, idx);
        if (IsNone(pte))
        {
            return Account(FaultsAnonymous(vma) ? DoAnonymousPage(vma, addr, write, pt, idx) : DoFault(vma, addr, write, pt, idx));
        }
        if (!IsPresent(pte))
        {
            throw new ModelBugException($"do_swap_page: swap entry {pte:x} at {addr:x}, but swap is not modelled");
        }
        if (write && !IsWrite(pte))
        {
            return Account(DoWpPage(vma, addr, pt, idx, pte));
        }
        Tables.Set(pt, idx, pte | Accessed | (write ? Dirty | SoftDirty : 0));
        return Account(VmFault.None);
    }

    /// <summary>
    /// do_anonymous_page(): a read maps the shared zero page read-only (pte_mkspecial, no RSS);
    /// a write maps a fresh zeroed frame, writable and dirty, charged to MM_ANONPAGES.
    /// </summary>
    private VmFault DoAnonymousPage(Vma vma, ulong addr, bool write, int pt, int idx)
    {
        ulong prot = PageProt(vma);
        if (!write)
        {
            Tables.Set(pt, idx, MkEntry((ulong)Machine.ZeroPfn, prot & ~Rw) | Special);
            return VmFault.None;
        }
        int pfn = Phys.Alloc(0, Gfp.Zero);
        if (pfn < 0)
        {
            return VmFault.Oom;
        }
        NewAnonRmap(pfn, vma, addr);
        ulong e = MkEntry((ulong)pfn, prot);
        if ((vma.Flags & VmFlags.Write) != 0)
        {
            e = MkDirty(e) | Rw;
        }
        Tables.Set(pt, idx, e);
        AddRss(MmCounter.AnonPages, 1);
        return VmFault.None;
    }

    /// <summary>
    /// do_fault(): a fault on a file (or shmem, or special) mapping. Beyond the last page of
    /// the file it is SIGBUS; a read goes to do_read_fault(), a private write to do_cow_fault(),
    /// a shared write to do_shared_fault().
    /// </summary>
    private VmFault DoFault(Vma vma, ulong addr, bool write, int pt, int idx)
    {
        if (vma.File is null || (vma.Flags & (VmFlags.PfnMap | VmFlags.Io)) != 0)
        {
            return SpecialMappingFault(vma, addr, pt, idx);
        }
        if (!vma.File.CanMmap || vma.File.Inode.Kind == Fs.InodeKind.CharDevice)
        {
            Tables.Set(pt, idx, MkEntry((ulong)Machine.ZeroPfn, PageProt(vma) & ~Rw) | Special);
            return VmFault.None;
        }
        ulong pgoff = LinearIndex(vma, addr);
        if (pgoff >= FileEndIndex(vma))
        {
            return VmFault.SigBus;
        }
        if (!write)
        {
            return DoReadFault(vma, addr, pt, idx);
        }
        return (vma.Flags & VmFlags.Shared) == 0 ? DoCowFault(vma, addr, pt, idx) : DoSharedFault(vma, addr, pt, idx);
    }

    /// <summary>DIV_ROUND_UP(i_size, PAGE_SIZE): the first page index past the end of the mapped file.</summary>
    private static ulong FileEndIndex(Vma vma) => PagesOf(vma.File!.Inode.Size);

    /// <summary>DIV_ROUND_UP(bytes, PAGE_SIZE).</summary>
    private static ulong PagesOf(ulong bytes) => Page.Pages(bytes) + ((bytes & Page.OffsetMask) != 0 ? 1UL : 0);

    /// <summary>
    /// do_read_fault(): first fault-around (map what the cache already holds near addr), then,
    /// unless that mapped addr, __do_fault() (filemap_fault(): the page, read with read-around
    /// if missing, a major fault) and finish_fault().
    /// </summary>
    private VmFault DoReadFault(Vma vma, ulong addr, int pt, int idx)
    {
        if ((ulong)Machine.Options.FaultAroundBytes > Page.Size)
        {
            DoFaultAround(vma, addr, pt);
            if (!IsNone(Tables.Get(pt, idx)))
            {
                return VmFault.None;
            }
        }
        int pfn = FilemapFault(vma, addr, out VmFault ret);
        if (pfn < 0)
        {
            return ret;
        }
        FinishFault(vma, pt, idx, pfn, write: false);
        return ret;
    }

    /// <summary>
    /// do_cow_fault(): a write to a private file mapping copies the file page into a new
    /// anonymous page; the file page itself is not mapped.
    /// </summary>
    private VmFault DoCowFault(Vma vma, ulong addr, int pt, int idx)
    {
        int src = FilemapFault(vma, addr, out VmFault ret);
        if (src < 0)
        {
            return ret;
        }
        int pfn = Phys.Alloc(0, Gfp.Zero);
        if (pfn < 0)
        {
            return VmFault.Oom;
        }
        NewAnonRmap(pfn, vma, addr);
        Tables.Set(pt, idx, MkDirty(MkEntry((ulong)pfn, PageProt(vma))) | Rw);
        AddRss(MmCounter.AnonPages, 1);
        return ret;
    }

    /// <summary>
    /// do_shared_fault(): a write to a shared file mapping maps the cache page writable and
    /// dirty and marks the page dirty (page_mkwrite(), fault_dirty_shared_page()).
    /// </summary>
    private VmFault DoSharedFault(Vma vma, ulong addr, int pt, int idx)
    {
        int pfn = FilemapFault(vma, addr, out VmFault ret);
        if (pfn < 0)
        {
            return ret;
        }
        Phys.Frame(pfn).Flags |= PageFlags.Dirty;
        FinishFault(vma, pt, idx, pfn, write: true);
        return ret;
    }

    /// <summary>
    /// finish_fault() → set_pte_range(): maps a page-cache page with the VMA's protection (a
    /// write: dirty and writable), takes a reference and a mapcount, charges MM_FILEPAGES or MM_SHMEMPAGES.
    /// </summary>
    private void FinishFault(Vma vma, int pt, int idx, int pfn, bool write)
    {
        ulong e = MkEntry((ulong)pfn, PageProt(vma));
        if (write)
        {
            e = MkDirty(e) | Rw;
        }
        Tables.Set(pt, idx, e);
        AddFileRmap(pfn);
        AddRss(CounterOf(pfn), 1);
    }

    /// <summary>
    /// special_mapping_fault() / the vvar PFN maps: the vDSO's pages are kernel frames mapped
    /// with a reference and charged to MM_FILEPAGES; VM_PFNMAP/VM_IO areas get special entries
    /// without a struct page's accounting.
    /// </summary>
    private VmFault SpecialMappingFault(Vma vma, ulong addr, int pt, int idx)
    {
        string name = vma.SpecialName ?? vma.File?.Inode.Path ?? "?";
        int pfn = Machine.SpecialFrame(name, Page.Pages(addr - vma.Start));
        if (pfn < 0)
        {
            return VmFault.Oom;
        }
        ulong prot = PageProt(vma) & ~Rw;
        if ((vma.Flags & (VmFlags.PfnMap | VmFlags.Io)) != 0)
        {
            Tables.Set(pt, idx, MkEntry((ulong)pfn, prot) | Special);
            return VmFault.None;
        }
        Tables.Set(pt, idx, MkEntry((ulong)pfn, prot));
        AddFileRmap(pfn);
        AddRss(MmCounter.FilePages, 1);
        return VmFault.None;
    }

    /// <summary>
    /// do_wp_page(): a write to a present read-only PTE of a writable VMA. Shared mappings just
    /// become writable and dirty (wp_page_shared()). Private: an anonymous page nobody else holds
    /// (refcount 1, or marked exclusive) is reused (wp_page_reuse()); anything else, the zero page
    /// and page-cache pages included, is copied (wp_page_copy()).
    /// </summary>
    private VmFault DoWpPage(Vma vma, ulong addr, int pt, int idx, ulong pte)
    {
        int pfn = (int)EntryPfn(pte);
        if ((vma.Flags & VmFlags.Shared) != 0)
        {
            if ((pte & Special) == 0)
            {
                Phys.Frame(pfn).Flags |= PageFlags.Dirty;
            }
            Tables.Set(pt, idx, MkDirty(pte) | Rw | Accessed);
            Machine.FlushRange(Mm, addr, addr + Page.Size);
            return VmFault.None;
        }
        if ((pte & Special) == 0 && (Phys.Frame(Machine.FolioHead(pfn)).Flags & PageFlags.Anon) != 0)
        {
            int head = Machine.FolioHead(pfn);
            bool reuse = (Phys.Frame(pfn).Flags & PageFlags.AnonExclusive) != 0
                || (Machine.IsLarge(head) ? CanReuseLargeAnonFolio(head, addr, pfn) : Phys.Frame(pfn).RefCount == 1);
            if (reuse)
            {
                Phys.Frame(pfn).Flags |= PageFlags.AnonExclusive;
                Tables.Set(pt, idx, MkDirty(pte) | Rw | Accessed);
                Machine.FlushRange(Mm, addr, addr + Page.Size);
                return VmFault.None;
            }
        }
        return WpPageCopy(vma, addr, pt, idx, pte);
    }

    /// <summary>
    /// __wp_can_reuse_large_anon_folio(): a PTE-mapped huge folio may be reused when no PMD maps
    /// it, at least two of its pages are mapped, every reference is a mapping, and every mapping
    /// is in this mm (its PTEs around addr account for all of them). A folio with one page
    /// mapped is copied from instead, so that it can be freed.
    /// </summary>
    private bool CanReuseLargeAnonFolio(int head, ulong addr, int pfn)
    {
        if (Machine.EntireMapcount(head) >= 0)
        {
            return false;
        }
        int mapcount = 0;
        for (int i = 0; i < HpageNr; i++)
        {
            mapcount += Phys.Frame(head + i).MappedCount;
        }
        if (mapcount <= 1 || mapcount != Phys.Frame(head).RefCount)
        {
            return false;
        }
        ulong first = addr - Page.Bytes((ulong)(pfn - head));
        int mine = 0;
        for (int i = 0; i < HpageNr; i++)
        {
            ulong e = EntryAt(first + Page.Bytes((ulong)i), out int shift);
            if (shift == Page.Shift && IsPresent(e) && (e & Special) == 0 && (int)EntryPfn(e) == head + i)
            {
                mine++;
            }
        }
        return mine == mapcount;
    }

    /// <summary>
    /// wp_page_copy(): a new anonymous page (zeroed for the zero page, else a copy) replaces
    /// the old one in this PTE; the old page loses this mapping and, with its last reference, is freed.
    /// </summary>
    private VmFault WpPageCopy(Vma vma, ulong addr, int pt, int idx, ulong pte)
    {
        int pfn = Phys.Alloc(0, Gfp.Zero);
        if (pfn < 0)
        {
            return VmFault.Oom;
        }
        NewAnonRmap(pfn, vma, addr);
        Tables.Set(pt, idx, MkDirty(MkEntry((ulong)pfn, PageProt(vma))) | Rw);
        AddRss(MmCounter.AnonPages, 1);
        if ((pte & Special) == 0)
        {
            int old = (int)EntryPfn(pte);
            AddRss(CounterOf(old), -1);
            RemoveRmapAndPut(old);
        }
        Machine.FlushRange(Mm, addr, addr + Page.Size);
        return VmFault.None;
    }
}
