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
    /// reachable plus the deposited ones. Adds each frame's mappings to refs when given.
    /// Throws <see cref="ModelBugException"/> on a mismatch.
    /// </summary>
    internal void Validate(Dictionary<int, int>? refs = null)
    {
        Span<long> rss = stackalloc long[4];
        ulong addr = 0;
        ulong end = Mm.TaskSize;
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
                CheckEntry(haddr, pmd, huge: true);
                if (!_deposits.ContainsKey(haddr))
                {
                    throw new ModelBugException($"validate: huge pmd at {haddr:x} without a deposited table");
                }
                if ((pmd & Special) == 0)
                {
                    rss[(int)MmCounter.AnonPages] += HpageNr;
                    if (refs is not null)
                    {
                        int head = (int)EntryPfn(pmd);
                        refs[-head - 1] = refs.GetValueOrDefault(-head - 1) + 1;
                    }
                }
                addr = next;
                continue;
            }
            int pt = (int)EntryPfn(pmd);
            for (ulong a = addr; a < next; a += Page.Size)
            {
                ulong pte = Tables.Get(pt, G.Index(PteLevel, a));
                if (IsNone(pte))
                {
                    continue;
                }
                CheckEntry(a, pte, huge: false);
                if ((pte & Special) != 0)
                {
                    continue;
                }
                int pfn = (int)EntryPfn(pte);
                rss[(int)CounterOf(pfn)]++;
                if (refs is not null)
                {
                    refs[pfn] = refs.GetValueOrDefault(pfn) + 1;
                }
            }
            addr = next;
        }
        long tables = CountTables(Tables.Root, 0);
        if (tables + _deposits.Count != Tables.TableFrames)
        {
            throw new ModelBugException($"validate: {Tables.TableFrames} table frames counted, {tables} reachable and {_deposits.Count} deposited");
        }
        for (int c = 0; c < 4; c++)
        {
            if (rss[c] != _rss[c])
            {
                throw new ModelBugException($"validate: {(MmCounter)c} is {_rss[c]} but the tables map {rss[c]}");
            }
        }
    }

    /// <summary>The table frames reachable from a table (itself included).</summary>
    private long CountTables(int table, int level)
    {
        long n = 1;
        if (level == PteLevel)
        {
            return n;
        }
        int entries = 1 << G.Bits[level];
        for (int i = 0; i < entries; i++)
        {
            ulong e = Tables.Get(table, i);
            if (!IsNone(e) && !(IsLeaf(e) && G.LeafAllowed(level)))
            {
                n += CountTables((int)EntryPfn(e), level + 1);
            }
        }
        return n;
    }

    private void CheckEntry(ulong addr, ulong e, bool huge)
    {
        Vma? vma = Mm.Vmas.Lookup(addr);
        ulong last = addr + (huge ? PmdSpan : Page.Size) - 1;
        if (vma is null || last >= vma.End)
        {
            throw new ModelBugException($"validate: entry {e:x} at {addr:x} outside any VMA");
        }
        VmFlags f = vma.Flags;
        if (IsWrite(e) && (f & VmFlags.Write) == 0)
        {
            throw new ModelBugException($"validate: writable entry at {addr:x} in {vma}");
        }
        if ((e & Present) != 0 && (f & (VmFlags.Read | VmFlags.Write | VmFlags.Exec)) == 0)
        {
            throw new ModelBugException($"validate: present entry at {addr:x} in PROT_NONE {vma}");
        }
        if (G.HasNx && (e & Present) != 0 && (e & Nx) == 0 && (f & VmFlags.Exec) == 0)
        {
            throw new ModelBugException($"validate: executable entry at {addr:x} in {vma}");
        }
        if (IsWrite(e) && (e & Special) != 0)
        {
            throw new ModelBugException($"validate: the zero page is writable at {addr:x}");
        }
        if (IsWrite(e) && (f & VmFlags.Shared) == 0 && (e & Special) == 0)
        {
            CheckExclusive(addr, (int)EntryPfn(e), huge);
        }
    }

    /// <summary>
    /// The copy-on-write invariant: a writable entry of a private mapping maps an anonymous
    /// page nobody else maps (else another process would see this one's writes).
    /// </summary>
    private void CheckExclusive(ulong addr, int pfn, bool huge)
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
            throw new ModelBugException($"validate: writable private entry at {addr:x} maps pfn {pfn} mapped {maps} times, flags {Phys.Frame(head).Flags}");
        }
    }

    /// <summary>
    /// The machine-wide check over every live mm: each frame's mapcount equals the entries
    /// mapping it, and its refcount the references those entries and the page cache (or the
    /// machine, for vDSO frames) hold; an order-9 folio's entire mapcount equals its PMD maps.
    /// </summary>
    public static void ValidateFrames(PagingMachine machine, IEnumerable<MmStruct> mms)
    {
        var refs = new Dictionary<int, int>();
        foreach (MmStruct mm in mms)
        {
            mm.Paging?.Validate(refs);
        }
        PhysMem phys = machine.Phys;
        for (int pfn = 0; pfn < phys.TotalFrames; pfn++)
        {
            ref PageFrame f = ref phys.Frame(pfn);
            if (f.IsBuddy || f.RefCount == 0 && f.MapCount == -1)
            {
                continue;
            }
            int maps = refs.GetValueOrDefault(pfn);
            if (f.MappedCount != maps && (f.Flags & PageFlags.PageTable) == 0)
            {
                throw new ModelBugException($"validate: pfn {pfn} mapcount {f.MappedCount} but {maps} entries map it");
            }
            if (f.RefCount == 0 || (f.Flags & (PageFlags.PageTable | PageFlags.Reserved | PageFlags.Slab)) != 0 || pfn == machine.HugeZeroPfn)
            {
                continue;
            }
            int expected;
            if (machine.IsLarge(pfn))
            {
                int entire = refs.GetValueOrDefault(-pfn - 1);
                if (machine.EntireMapcount(pfn) + 1 != entire)
                {
                    throw new ModelBugException($"validate: folio {pfn} entire mapcount {machine.EntireMapcount(pfn) + 1} but {entire} PMDs map it");
                }
                expected = entire;
                for (int i = 0; i < HpageNr; i++)
                {
                    expected += refs.GetValueOrDefault(pfn + i);
                }
            }
            else
            {
                bool held = (f.Flags & PageFlags.Anon) == 0;
                expected = maps + (held ? 1 : 0);
            }
            if (f.RefCount != expected)
            {
                throw new ModelBugException($"validate: pfn {pfn} refcount {f.RefCount}, expected {expected}");
            }
        }
    }
}
