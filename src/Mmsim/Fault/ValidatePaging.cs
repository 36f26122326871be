using Mmsim.DebugVm;
using Mmsim.Mm;
using Mmsim.Phys;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>Consistency checks of the page tables against the VMAs, the counters and the frames.</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// Every mapped entry lies inside a VMA and is allowed by its flags (writable only in a
    /// VM_WRITE area, hardware-present only in an accessible one, executable only with
    /// VM_EXEC); the RSS counters equal the entries by kind; the table counts equal the tables
    /// reachable plus the deposited ones. Adds what is broken to found, and each frame's
    /// mappings and each table frame to use when given (for <see cref="ValidateMachine"/>).
    /// </summary>
    internal void Check(List<VmViolation> found, FrameUse? use = null)
    {
        Span<long> rss = stackalloc long[4];
        Span<long> perLevel = stackalloc long[G.Levels];
        if (Tables.Root >= 0)
        {
            WalkTable(Tables.Root, 0, 0, false, rss, perLevel, found, use);
        }
        CheckTableCounts(perLevel, found, use);
        if (Tables.CheckHint() is { } stale)
        {
            found.Add(new(VmInvariant.WalkHint, $"mm {ValidateMm.Name(Mm)}: {stale}"));
        }
        for (int c = 0; c < 4; c++)
        {
            if (rss[c] != _rss[c])
            {
                found.Add(new(VmInvariant.RssCounter, $"mm {ValidateMm.Name(Mm)}: {(MmCounter)c} is {_rss[c]} but the tables map {rss[c]}"));
            }
        }
    }

    /// <summary>Throws the first finding of <see cref="Check"/> (the frames are not checked).</summary>
    internal void Validate()
    {
        var found = new List<VmViolation>();
        Check(found);
        ValidateMachine.ThrowIfAny(found);
    }

    /// <summary>
    /// One table of the walk, depth first: counts it, checks each entry of the user half that
    /// maps a page (a PTE, or a huge PMD), adds the mapped pages to rss and descends into the
    /// tables below; above TASK_SIZE (PAE's kernel PMD) it only counts tables (countOnly). Reads
    /// the entries straight from the table's block, once each.
    /// </summary>
    private void WalkTable(int table, int level, ulong baseVa, bool countOnly, Span<long> rss, Span<long> perLevel, List<VmViolation> found, FrameUse? use)
    {
        perLevel[level]++;
        use?.AddTable(table);
        int entries = 1 << G.Bits[level];
        int shift = G.Shift(level);
        Span<ulong> wide = Tables.Wide ? Tables.Entries64(table) : default;
        for (int i = 0; i < entries; i++)
        {
            ulong va = baseVa + ((ulong)i << shift);
            ulong e = Tables.Wide ? wide[i] : Tables.Get(table, i);
            if (IsNone(e))
            {
                continue;
            }
            bool user = !countOnly && va < Mm.TaskSize;
            if (!user && (level == PteLevel || (IsLeaf(e) && G.LeafAllowed(level))))
            {
                continue;
            }
            if (level == PteLevel)
            {
                CheckPte(va, e, rss, found, use);
            }
            else if (level == PmdLevel && IsHugePmd(e))
            {
                CheckHugePmd(va, e, rss, found, use);
            }
            else if (!(IsLeaf(e) && G.LeafAllowed(level)))
            {
                WalkTable((int)EntryPfn(e), level + 1, va, !user, rss, perLevel, found, use);
                if (Tables.Wide)
                {
                    wide = Tables.Entries64(table);
                }
            }
        }
    }

    private void CheckPte(ulong va, ulong pte, Span<long> rss, List<VmViolation> found, FrameUse? use)
    {
        CheckEntry(va, pte, huge: false, found);
        if ((pte & Special) != 0)
        {
            return;
        }
        int pfn = (int)EntryPfn(pte);
        if ((uint)pfn >= (uint)Phys.TotalFrames)
        {
            found.Add(new(VmInvariant.PteNotAllowed, $"mm {ValidateMm.Name(Mm)}: entry {pte:x} at {va:x} maps pfn {pfn} beyond max_pfn {Phys.TotalFrames}"));
            return;
        }
        rss[(int)CounterOf(pfn)]++;
        use?.AddPteMap(pfn);
    }

    private void CheckHugePmd(ulong haddr, ulong pmd, Span<long> rss, List<VmViolation> found, FrameUse? use)
    {
        CheckEntry(haddr, pmd, huge: true, found);
        if (!_deposits.ContainsKey(haddr))
        {
            found.Add(new(VmInvariant.HugePmdDeposit, $"mm {ValidateMm.Name(Mm)}: huge pmd {pmd:x} at {haddr:x} without a deposited table"));
        }
        if ((pmd & Special) == 0)
        {
            rss[(int)MmCounter.AnonPages] += HpageNr;
            use?.AddPmdMap((int)EntryPfn(pmd));
        }
    }

    /// <summary>
    /// mm_pgtables_bytes() (VmPTE) and nr_ptes against the tables reachable from the root plus
    /// the deposited PTE tables of huge PMDs.
    /// </summary>
    private void CheckTableCounts(Span<long> perLevel, List<VmViolation> found, FrameUse? use)
    {
        long tables = 0;
        foreach (long n in perLevel)
        {
            tables += n;
        }
        foreach (int t in _deposits.Values)
        {
            use?.AddTable(t);
        }
        if (tables + _deposits.Count != Tables.TableFrames)
        {
            found.Add(new(VmInvariant.PgtableCount, $"mm {ValidateMm.Name(Mm)}: {Tables.TableFrames} table frames counted, {tables} reachable and {_deposits.Count} deposited"));
        }
        if (G.Levels > 1 && perLevel[PteLevel] + _deposits.Count != Tables.NrPtes)
        {
            found.Add(new(VmInvariant.PgtableCount, $"mm {ValidateMm.Name(Mm)}: nr_ptes {Tables.NrPtes} but {perLevel[PteLevel]} PTE tables reachable and {_deposits.Count} deposited"));
        }
    }

    private void CheckEntry(ulong addr, ulong e, bool huge, List<VmViolation> found)
    {
        Vma? vma = Mm.Vmas.Lookup(addr);
        ulong last = addr + (huge ? PmdSpan : Page.Size) - 1;
        if (vma is null || last >= vma.End)
        {
            found.Add(new(VmInvariant.PteOutsideVma, $"{Where(addr, e)} outside any VMA"));
            return;
        }
        VmFlags f = vma.Flags;
        if (IsWrite(e) && (f & VmFlags.Write) == 0)
        {
            found.Add(new(VmInvariant.PteNotAllowed, $"{Where(addr, e)} is writable in {vma} without VM_WRITE"));
        }
        if ((e & Present) != 0 && (f & (VmFlags.Read | VmFlags.Write | VmFlags.Exec)) == 0)
        {
            found.Add(new(VmInvariant.PteNotAllowed, $"{Where(addr, e)} is present in PROT_NONE {vma}"));
        }
        if (G.HasNx && (e & Present) != 0 && (e & Nx) == 0 && (f & VmFlags.Exec) == 0)
        {
            found.Add(new(VmInvariant.PteNotAllowed, $"{Where(addr, e)} is executable in {vma} without VM_EXEC"));
        }
        if (IsWrite(e) && (e & Special) != 0)
        {
            found.Add(new(VmInvariant.PteNotAllowed, $"{Where(addr, e)}: the zero page is writable"));
        }
        if (IsWrite(e) && (f & VmFlags.Shared) == 0 && (e & Special) == 0)
        {
            CheckExclusive(addr, (int)EntryPfn(e), huge, found);
        }
    }

    /// <summary>The mm, entry and address for a message (formatted only when something is found).</summary>
    private string Where(ulong addr, ulong e) => $"mm {ValidateMm.Name(Mm)}: entry {e:x} at {addr:x}";

    /// <summary>
    /// The copy-on-write invariant: a writable entry of a private mapping maps an anonymous
    /// page nobody else maps (else another process would see this one's writes).
    /// </summary>
    private void CheckExclusive(ulong addr, int pfn, bool huge, List<VmViolation> found)
    {
        int head = Machine.FolioHead(pfn);
        ref PageFrame f = ref Phys.Frame(pfn);
        int maps;
        if (huge)
        {
            maps = Machine.EntireMapcount(head) + 1;
            for (int i = 0; i < HpageNr; i++)
            {
                maps += Phys.Frame(head + i).MappedCount;
            }
        }
        else
        {
            maps = f.MappedCount + (Machine.IsLarge(head) ? Machine.EntireMapcount(head) + 1 : 0);
        }
        if ((Phys.Frame(head).Flags & PageFlags.Anon) == 0 || maps != 1 || (f.Flags & PageFlags.AnonExclusive) == 0)
        {
            found.Add(new(VmInvariant.CowShared, $"mm {ValidateMm.Name(Mm)}: writable private entry at {addr:x} maps pfn {pfn}: expected an exclusive anonymous page mapped once, found mapped {maps} times, flags {Phys.Frame(head).Flags}"));
        }
    }

    /// <summary>The machine-wide check over the given mms (<see cref="ValidateMachine.CheckFrames"/>); throws on the first finding.</summary>
    public static void ValidateFrames(PagingMachine machine, IEnumerable<MmStruct> mms)
    {
        var found = new List<VmViolation>();
        ValidateMachine.CheckFrames(machine, mms, found);
        ValidateMachine.ThrowIfAny(found);
    }
}
