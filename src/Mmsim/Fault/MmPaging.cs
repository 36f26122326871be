using System.Runtime.CompilerServices;
using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Pgtable;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>The mm counters of mm->rss_stat (enum mm_counter).</summary>
public enum MmCounter
{
    /// <summary>MM_FILEPAGES: page-cache pages of regular files (and the vDSO).</summary>
    FilePages = 0,

    /// <summary>MM_ANONPAGES: anonymous pages.</summary>
    AnonPages = 1,

    /// <summary>MM_SWAPENTS: swap entries in the page tables.</summary>
    SwapEnts = 2,

    /// <summary>MM_SHMEMPAGES: shmem pages (shared anonymous memory, memfd, SysV shm, tmpfs).</summary>
    ShmemPages = 3,
}

/// <summary>
/// The paging state of one mm: its page tables, its RSS counters and fault counts, and the
/// operations of mm/memory.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c, mm/mincore.c and
/// mm/huge_memory.c on them (the partial files named after those functions).
/// </summary>
public sealed partial class MmPaging
{
    private readonly long[] _rss = new long[4];
    private readonly Dictionary<ulong, int> _deposits = new();

    /// <summary>No page: the low bits of a page address are clear.</summary>
    private const ulong NoWalkedPage = 1;

    private ulong _walkedPage = NoWalkedPage;
    private int _walkedPte = -1;

    internal MmPaging(MmStruct mm, PagingMachine machine)
    {
        Mm = mm;
        Machine = machine;
        Phys = machine.Phys;
        Tables = new MmPgtables(machine.Store, machine.Geometry);
        G = machine.Geometry;
        _pteIndexMask = (1UL << G.Bits[G.Levels - 1]) - 1;
    }

    public MmStruct Mm { get; }

    public PagingMachine Machine { get; }

    /// <summary>The page tables (mm->pgd and below).</summary>
    public MmPgtables Tables { get; }

    private PhysMem Phys { get; }

    private PagingGeometry G { get; }

    /// <summary>get_mm_counter().</summary>
    public long Counter(MmCounter c) => _rss[(int)c];

    /// <summary>get_mm_rss(): file + anon + shmem pages.</summary>
    public long Rss => _rss[0] + _rss[1] + _rss[3];

    /// <summary>hiwater_rss as the kernel keeps it (raised before every unmap).</summary>
    public long HiwaterRssRaw { get; private set; }

    /// <summary>VmHWM: max(hiwater_rss, current rss) in pages, as task_mem() reports it.</summary>
    public long HiwaterRss => Math.Max(HiwaterRssRaw, Rss);

    /// <summary>Minor faults handled in this mm (what the faulting tasks' min_flt add up to).</summary>
    public long MinFlt { get; private set; }

    /// <summary>Major faults handled in this mm.</summary>
    public long MajFlt { get; private set; }

    /// <summary>PTE tables deposited for huge PMDs (pgtable_trans_huge_deposit()); part of NrPtes.</summary>
    public int Deposits => _deposits.Count;

    private int PteLevel => Tables.PteLevel;

    /// <summary>The index bits of the PTE level (511, or 1023 in 2-level mode).</summary>
    private readonly ulong _pteIndexMask;

    /// <summary>pte_index(): the entry of addr in its PTE table (the level above the 4 KiB offset).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int PteIndex(ulong addr) => (int)((addr >> Page.Shift) & _pteIndexMask);

    private int PmdLevel => Tables.PmdLevel;

    private ulong PmdSpan => G.Span(PmdLevel);

    internal void AddRss(MmCounter c, long pages) => _rss[(int)c] += pages;

    /// <summary>update_hiwater_rss(): called before anything lowers the RSS.</summary>
    internal void UpdateHiwaterRss()
    {
        if (Rss > HiwaterRssRaw)
        {
            HiwaterRssRaw = Rss;
        }
    }

    /// <summary>Sets the starting high-water mark (dup_mm(): the child's RSS after copying).</summary>
    internal void ResetHiwater() => HiwaterRssRaw = Rss;

    /// <summary>mm_account_fault(): counts one handled fault as major or minor.</summary>
    private VmFault Account(VmFault ret)
    {
        if ((ret & VmFault.Error) != 0)
        {
            return ret;
        }
        if ((ret & VmFault.Major) != 0)
        {
            MajFlt++;
        }
        else
        {
            MinFlt++;
        }
        return ret;
    }

    /// <summary>
    /// vma->vm_page_prot: vm_get_page_prot() of the flags, with write access removed for shared
    /// writable mappings of files whose dirty pages are tracked (vma_wants_writenotify(): regular
    /// files; shmem is not tracked), so the first write faults.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong PageProt(Vma vma)
    {
        VmFlags f = vma.Flags;
        bool shared = (f & VmFlags.Shared) != 0;
        ulong prot = ProtFor((f & VmFlags.Read) != 0, (f & VmFlags.Write) != 0, (f & VmFlags.Exec) != 0, shared, G.HasNx);
        if (shared && (f & VmFlags.Write) != 0 && WantsWritenotify(vma))
        {
            prot &= ~Rw;
        }
        return prot;
    }

    private static bool WantsWritenotify(Vma vma) => vma.File is { } file && file.Inode.Kind == InodeKind.Regular;

    /// <summary>vma_is_anonymous() as the fault path sees it: no file, or a private /dev/zero mapping.</summary>
    internal static bool FaultsAnonymous(Vma vma)
    {
        return (vma.File is null && vma.SpecialName is null)
            || (vma.File is { IsDevZero: true } && (vma.Flags & VmFlags.Shared) == 0);
    }

    /// <summary>linear_page_index(): the page's index in the file (or in the anonymous area's pgoff space).</summary>
    internal static ulong LinearIndex(Vma vma, ulong addr) => vma.PgOff + Page.Pages(addr - vma.Start);

    /// <summary>
    /// The next PMD-level slot of [addr, end) whose table exists: skips whole missing upper
    /// tables. Returns false when none is left; next is the end of this slot's span (clipped).
    /// </summary>
    internal bool NextPmd(ref ulong addr, ulong end, out int pmdTable, out int pmdIdx, out ulong next)
    {
        while (addr < end)
        {
            int table = Tables.Root;
            int l = 0;
            for (; l < PmdLevel; l++)
            {
                ulong e = Tables.Get(table, G.Index(l, addr));
                if (IsNone(e) || (IsLeaf(e) && G.LeafAllowed(l)))
                {
                    break;
                }
                table = (int)EntryPfn(e);
            }
            if (l < PmdLevel)
            {
                ulong skip = (addr | (G.Span(l) - 1)) + 1;
                if (skip == 0 || skip >= end)
                {
                    break;
                }
                addr = skip;
                continue;
            }
            pmdTable = table;
            pmdIdx = G.Index(PmdLevel, addr);
            ulong n = (addr | (PmdSpan - 1)) + 1;
            next = n == 0 || n > end ? end : n;
            return true;
        }
        pmdTable = pmdIdx = -1;
        next = end;
        return false;
    }

    /// <summary>Whether a PMD-level entry maps a huge page (a THP or the huge zero page).</summary>
    internal bool IsHugePmd(ulong pmd) => G.PmdLevel >= 0 && IsLeaf(pmd);

    /// <summary>The PTE entry for addr if its table exists: returns false otherwise (or when a huge PMD maps it).</summary>
    internal bool FindPte(ulong addr, out int table, out int idx)
    {
        idx = PteIndex(addr);
        table = Tables.Descend(addr, PteLevel, alloc: false, out _);
        return table >= 0;
    }

    /// <summary>
    /// The leaf entry mapping addr (a PTE, or a huge PMD with pageShift 21), or 0 when nothing
    /// maps it. Reads only; for /proc, tests and visualisers.
    /// </summary>
    public ulong EntryAt(ulong addr, out int pageShift)
    {
        pageShift = Page.Shift;
        int pmdTable = Tables.Descend(addr, PmdLevel, alloc: false, out _);
        if (pmdTable < 0)
        {
            return 0;
        }
        ulong pmd = Tables.Get(pmdTable, G.Index(PmdLevel, addr));
        if (IsNone(pmd))
        {
            return 0;
        }
        if (IsHugePmd(pmd))
        {
            pageShift = G.Shifts[PmdLevel];
            return pmd;
        }
        return Tables.Get((int)EntryPfn(pmd), PteIndex(addr));
    }

    // ---- rmap and refcounts ----

    /// <summary>folio_add_new_anon_rmap() for an order-0 page just allocated: mapped once, exclusive.</summary>
    private void NewAnonRmap(int pfn, Vma vma, ulong addr)
    {
        ref PageFrame f = ref Phys.Frame(pfn);
        f.Flags |= PageFlags.Anon | PageFlags.SwapBacked | PageFlags.AnonExclusive | PageFlags.Uptodate;
        f.Index = (long)LinearIndex(vma, addr);
        f.MapCount = 0;
    }

    /// <summary>folio_add_file_rmap_pte() + folio_get(): one more mapping of a page-cache page.</summary>
    private void AddFileRmap(int pfn)
    {
        ref PageFrame f = ref Phys.Frame(pfn);
        f.MapCount++;
        Phys.GetPage(pfn);
    }

    /// <summary>
    /// folio_remove_rmap_pte() + folio_put() for a frame a PTE mapped: its mapcount drops, the
    /// folio loses the mapping's reference and is freed with the last one.
    /// </summary>
    private void RemoveRmapAndPut(int pfn)
    {
        ref PageFrame f = ref Phys.Frame(pfn);
        f.MapCount--;
        if (f.MapCount < 0)
        {
            f.Flags &= ~PageFlags.AnonExclusive;
        }
        Phys.PutPage(Machine.FolioHead(pfn));
    }

    /// <summary>mm_counter(): which RSS counter a mapped frame is charged to.</summary>
    private MmCounter CounterOf(int pfn)
    {
        PageFlags fl = Phys.Frame(Machine.FolioHead(pfn)).Flags;
        if ((fl & PageFlags.Anon) != 0)
        {
            return MmCounter.AnonPages;
        }
        return (fl & PageFlags.SwapBacked) != 0 ? MmCounter.ShmemPages : MmCounter.FilePages;
    }

    /// <summary>pte_mkdirty(): x86 sets soft-dirty with dirty.</summary>
    private static ulong MkDirty(ulong e) => e | Dirty | SoftDirty;

    // ---- deposited tables of huge PMDs ----

    /// <summary>pte_alloc_one() + pgtable_trans_huge_deposit(): a PTE table kept for a later split; false on OOM.</summary>
    private bool Deposit(ulong haddr)
    {
        int t = Machine.Store.AllocTable();
        if (t < 0)
        {
            return false;
        }
        _deposits[haddr] = t;
        Tables.AdjustPtes(1);
        return true;
    }

    /// <summary>pgtable_trans_huge_withdraw(): takes the deposited table of a huge PMD back.</summary>
    private int Withdraw(ulong haddr)
    {
        if (!_deposits.Remove(haddr, out int t))
        {
            throw new ModelBugException($"huge pmd at {haddr:x} has no deposited table");
        }
        return t;
    }

    /// <summary>zap_deposited_table(): frees the withdrawn table.</summary>
    private void FreeDeposit(ulong haddr)
    {
        Machine.Store.FreeTable(Withdraw(haddr));
        Tables.AdjustPtes(-1);
    }

    /// <summary>Moves a deposit with its huge PMD (mremap).</summary>
    private void MoveDeposit(ulong from, ulong to)
    {
        _deposits[to] = Withdraw(from);
    }
}
