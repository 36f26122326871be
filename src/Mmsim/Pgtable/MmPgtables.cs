using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Pgtable;

/// <summary>
/// The page tables of one mm: the root (mm->pgd) and the tables below it, each a frame from the
/// buddy allocator whose entries live in the <see cref="PgtableStore"/>. Intermediate tables are
/// allocated on demand by <see cref="Descend"/> (pud_alloc(), pmd_alloc(), pte_alloc()) and
/// freed by <see cref="FreePgtables"/> (free_pgtables()); the counts of PTE, PMD and PUD tables
/// are the kernel's mm_pgtables_bytes() that /proc shows as VmPTE.
/// </summary>
public sealed class MmPgtables
{
    private readonly PgtableStore _store;
    private readonly bool _wide;

    /// <summary>
    /// pgd_alloc(): a root table. In PAE mode the PMDs of the user part of the address space are
    /// allocated with it (preallocate_pmds(): the CPU loads the four PDPT entries with CR3, so they
    /// never change while the mm lives) and counted as PMD tables.
    /// </summary>
    public MmPgtables(PgtableStore store, PagingGeometry geometry)
    {
        _store = store;
        Geometry = geometry;
        _wide = geometry.EntryBytes == 8;
        Frames = store.Phys.Frames;
        LongModeLast = geometry.Mode is PagingMode.FourLevel or PagingMode.FiveLevel ? geometry.Levels - 1 : -1;
        Root = store.AllocTable();
        if (Root < 0)
        {
            throw new MachineOutOfMemoryException("pgd_alloc: no memory for the root table");
        }
        if (geometry.Mode == PagingMode.Pae)
        {
            for (int i = 0; i < 3; i++)
            {
                int pmd = store.AllocTable();
                if (pmd < 0)
                {
                    throw new MachineOutOfMemoryException("pgd_alloc: no memory for the PAE PMDs");
                }
                Set(Root, i, MkEntry((ulong)pmd, Present));
                NrPmds++;
            }
        }
    }

    public PagingGeometry Geometry { get; }

    /// <summary><see cref="HintRegion"/> when there is no hint (above every 2 MiB region number).</summary>
    internal const ulong NoHint = ulong.MaxValue;

    // The walk hint: the model's own memo, not a hardware structure (the x86 paging-structure
    // caches are not modelled, and a hinted walk still counts a memory reference per level).
    // The last 4-level walk that got down to a PTE table leaves here the 2 MiB region it
    // walked (va >> 21), that PTE table and the pool index of its first entry, and the AND and
    // OR of the three entries above it, all present and Accessed. A walk of the same region
    // then reads the PTE alone: while no entry of any other table changes (Set forgets the
    // hint otherwise), the entries above are the ones the hint saw. The page-fault path walks
    // twice (the fault, the retry) through the same region as the faults before it.

    /// <summary>The hinted 2 MiB region (va &gt;&gt; 21), or <see cref="NoHint"/>.</summary>
    internal ulong HintRegion = NoHint;

    /// <summary>The hinted PTE table's frame.</summary>
    internal int HintPte = -1;

    /// <summary>The pool index of the hinted PTE table's entry 0.</summary>
    internal int HintBase;

    /// <summary>The AND of the PGD, PUD and PMD entries above the hinted table.</summary>
    internal ulong HintAll;

    /// <summary>The OR of those entries.</summary>
    internal ulong HintAny;

    /// <summary>
    /// Whether the walk hint still says what a walk from the root finds: the hinted region's
    /// PMD entry points at the hinted table, the table's block is the hinted one, and the entries
    /// above have the hinted AND and OR. Returns what differs, or null (also without a hint).
    /// </summary>
    internal string? CheckHint()
    {
        if (HintRegion == NoHint)
        {
            return null;
        }
        ulong va = HintRegion << 21;
        int table = Root;
        ulong all = ~0UL;
        ulong any = 0;
        for (int l = 0; l < PteLevel; l++)
        {
            ulong e = Get(table, Geometry.Index(l, va));
            if ((e & Present) == 0 || IsLeaf(e))
            {
                return $"walk hint for 0x{va:x}: level {l} entry {e:x} is not a table";
            }
            all &= e;
            any |= e;
            table = (int)EntryPfn(e);
        }
        ref Phys.PageFrame f = ref Frames[table];
        if (table != HintPte || (f.Flags & Phys.PageFlags.PageTable) == 0 || (int)f.Index * PgtableStore.EntriesPerBlock != HintBase
            || all != HintAll || any != HintAny)
        {
            return $"walk hint for 0x{va:x}: PTE table {HintPte} at {HintBase} (and {HintAll:x}/{HintAny:x}), the walk finds {table} at {(int)f.Index * PgtableStore.EntriesPerBlock} (and {all:x}/{any:x})";
        }
        return null;
    }

    /// <summary>
    /// Remembers a 4-level walk's way down to a PTE table (see the field comments above): the
    /// entries above it must be present, not huge, and Accessed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void NoteHint(ulong va, int pteTable, int poolBase, ulong all, ulong any)
    {
        HintRegion = va >> 21;
        HintPte = pteTable;
        HintBase = poolBase;
        HintAll = all;
        HintAny = any;
    }

    /// <summary>
    /// The machine's frame array (fixed for its life), kept here with <see cref="LongModeLast"/>
    /// so that the walker starts from this object alone.
    /// </summary>
    internal readonly Phys.PageFrame[] Frames;

    /// <summary>The PTE level's number in the 4- and 5-level modes (3 or 4); -1 in the 32-bit modes.</summary>
    internal readonly int LongModeLast;

    /// <summary>mm->pgd: the frame CR3 points at.</summary>
    public int Root { get; private set; }

    /// <summary>PTE tables (mm_inc_nr_ptes()).</summary>
    public long NrPtes { get; private set; }

    /// <summary>PMD tables (mm_inc_nr_pmds()); none in 2-level mode, where the PMD is folded.</summary>
    public long NrPmds { get; private set; }

    /// <summary>PUD tables (mm_inc_nr_puds()); 64-bit modes only.</summary>
    public long NrPuds { get; private set; }

    /// <summary>P4D tables (5-level only; not part of mm_pgtables_bytes()).</summary>
    public long NrP4ds { get; private set; }

    /// <summary>mm_pgtables_bytes(): every counted table is 4 KiB (512 × 8 or 1024 × 4 bytes).</summary>
    public long PgtablesBytes => (NrPtes + NrPmds + NrPuds) * 4096;

    /// <summary>All table frames this mm holds, the root included.</summary>
    public long TableFrames => 1 + NrPtes + NrPmds + NrPuds + NrP4ds;

    /// <summary>Counts PTE tables held outside the tree (deposited for huge PMDs).</summary>
    internal void AdjustPtes(int delta) => NrPtes += delta;

    /// <summary>Reads entry idx of a table frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Get(int table, int idx) => _wide ? Slot64(table, CheckIndex(idx)) : _store.Entries32(table)[idx];

    /// <summary>
    /// Writes entry idx of a table frame (set_pte()/set_pmd()/...). A write to any table but the
    /// walk hint's PTE table forgets the hint (<see cref="NoteHint"/>): only a change above the
    /// PTE level could make it wrong, and this needs no knowledge of the table's level.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int table, int idx, ulong value)
    {
        if (table != HintPte)
        {
            HintRegion = NoHint;
        }
        if (_wide)
        {
            Slot64(table, CheckIndex(idx)) = value;
        }
        else
        {
            _store.Entries32(table)[idx] = (uint)value;
        }
    }

    /// <summary>The 512 entries of a 64-bit table frame, for loops over a whole table (copy_pte_range(), zap_pte_range()).</summary>
    public Span<ulong> Entries64(int table) => _store.Entries64(table);

    /// <summary>The store the tables live in.</summary>
    internal PgtableStore Store => _store;

    /// <summary>Whether entries are 64-bit (all modes but 2-level).</summary>
    public bool Wide => _wide;

    /// <summary>
    /// Entry idx of a 64-bit table frame, by reference: the walk hint's PTE table (a fault's,
    /// right after the MMU's walk) straight from its known block, any other through its frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref ulong Slot64(int table, int idx)
    {
        if (table == HintPte && HintRegion != NoHint)
        {
            return ref _store.Pool[HintBase + idx];
        }
        return ref _store.Entry64(table, idx);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CheckIndex(int idx)
    {
        if ((uint)idx >= 512)
        {
            BadIndex(idx);
        }
        return idx;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void BadIndex(int idx) => throw new ModelBugException($"pgtable: entry index {idx} out of range");

    /// <summary>
    /// Walks from the root down to the table of walk step <paramref name="level"/> that holds
    /// va's entry, allocating missing tables when <paramref name="alloc"/> (pXd_alloc()).
    /// Returns the table frame, or -1 when a table is missing (or none could be allocated), or
    /// when a huge leaf above that level maps va (then <paramref name="blocked"/> is true).
    /// </summary>
    public int Descend(ulong va, int level, bool alloc, out bool blocked)
    {
        blocked = false;
        int table = Root;
        for (int l = 0; l < level && table >= 0; l++)
        {
            table = Step(table, Geometry.Index(l, va), l, alloc, out blocked);
        }
        return table;
    }

    /// <summary>
    /// pte_alloc() below a PMD-level entry already found (the last step of <see cref="Descend"/>
    /// to the PTE level without walking from the root again): the PTE table it points at,
    /// allocating one for an empty entry when <paramref name="alloc"/>. Returns -1 when the entry
    /// is empty (and not allocating, or no memory) or maps a huge page.
    /// </summary>
    public int PteTable(int pmdTable, int pmdIdx, bool alloc) => Step(pmdTable, pmdIdx, PmdLevel, alloc, out _);

    /// <summary>
    /// One step down from entry idx of a table at walk step level: the child table it points at,
    /// a new one for an empty entry when <paramref name="alloc"/> (pXd_alloc()), or -1 when the
    /// entry is empty (not allocating, or no memory) or is a huge leaf (<paramref name="blocked"/>).
    /// </summary>
    private int Step(int table, int idx, int level, bool alloc, out bool blocked)
    {
        blocked = false;
        ulong e = Get(table, idx);
        if (IsNone(e))
        {
            if (!alloc)
            {
                return -1;
            }
            int child = _store.AllocTable();
            if (child < 0)
            {
                return -1;
            }
            Count(level + 1, 1);
            Set(table, idx, MkEntry((ulong)child, TableEntry));
            return child;
        }
        if (IsLeaf(e) && Geometry.LeafAllowed(level))
        {
            blocked = true;
            return -1;
        }
        return (int)EntryPfn(e);
    }

    /// <summary>The PTE-level step (the last).</summary>
    public int PteLevel => Geometry.Levels - 1;

    /// <summary>The step whose entries point at PTE tables (or map 2 MiB / 4 MiB pages).</summary>
    public int PmdLevel => Geometry.Levels - 2;

    /// <summary>
    /// free_pgtables() / free_pgd_range(): frees the tables below the root that cover any part of
    /// [start, end) and lie wholly inside [floor, ceiling) (ceiling 0: the top), that is, that
    /// no remaining VMA can use. Tables shared with a neighbour stay. The leaves must already be
    /// zapped; a table still holding an entry is a model bug.
    /// </summary>
    public void FreePgtables(ulong start, ulong end, ulong floor, ulong ceiling)
    {
        if (end > start)
        {
            FreeLevel(Root, 0, 0, start, end, floor, ceiling);
        }
    }

    /// <summary>pgd_free(): the mm is gone; returns the root (and PAE's PMDs). Everything else must be freed.</summary>
    public void FreeRoot()
    {
        if (Root < 0)
        {
            return;
        }
        if (Geometry.Mode == PagingMode.Pae)
        {
            for (int i = 0; i < 3; i++)
            {
                int pmd = (int)EntryPfn(Get(Root, i));
                CheckEmpty(pmd, 1);
                _store.FreeTable(pmd);
                NrPmds--;
            }
        }
        CheckEmpty(Root, 0, Geometry.Mode == PagingMode.Pae ? 3 : 0);
        _store.FreeTable(Root);
        Root = -1;
        if (NrPtes + NrPmds + NrPuds + NrP4ds != 0)
        {
            throw new ModelBugException($"pgd_free: {NrPtes} PTE, {NrPmds} PMD, {NrPuds} PUD tables left");
        }
    }

    private void FreeLevel(int table, int level, ulong baseVa, ulong start, ulong end, ulong floor, ulong ceiling)
    {
        if (level == PteLevel)
        {
            return;
        }
        ulong span = Geometry.Span(level);
        int entries = 1 << Geometry.Bits[level];
        ulong coverEnd = baseVa + (span * (ulong)entries);
        ulong lo = start > baseVa ? start : baseVa;
        ulong hi = coverEnd != 0 && end > coverEnd ? coverEnd : end;
        if (lo >= hi)
        {
            return;
        }
        int first = Geometry.Index(level, lo);
        int last = Geometry.Index(level, hi - 1);
        for (int i = first; i <= last; i++)
        {
            ulong e = Get(table, i);
            if (IsNone(e) || (IsLeaf(e) && Geometry.LeafAllowed(level)))
            {
                continue;
            }
            int child = (int)EntryPfn(e);
            ulong s = baseVa + ((ulong)i * span);
            FreeLevel(child, level + 1, s, start, end, floor, ceiling);
            bool prealloc = level == 0 && Geometry.Mode == PagingMode.Pae;
            if (!prealloc && s >= floor && s + span - 1 <= ceiling - 1)
            {
                CheckEmpty(child, level + 1);
                Set(table, i, 0);
                _store.FreeTable(child);
                Count(level + 1, -1);
            }
        }
    }

    private void CheckEmpty(int table, int level, int skip = 0)
    {
        int entries = 1 << Geometry.Bits[level];
        for (int i = skip; i < entries; i++)
        {
            if (!IsNone(Get(table, i)))
            {
                throw new ModelBugException($"free_pgtables: table pfn {table} (step {level}) still has entry {i} = {Get(table, i):x}");
            }
        }
    }

    private void Count(int level, int delta)
    {
        switch (Geometry.LevelKinds[level])
        {
            case PgLevel.Pte:
                NrPtes += delta;
                break;
            case PgLevel.Pmd:
                NrPmds += delta;
                break;
            case PgLevel.Pud:
                NrPuds += delta;
                break;
            default:
                NrP4ds += delta;
                break;
        }
    }
}
