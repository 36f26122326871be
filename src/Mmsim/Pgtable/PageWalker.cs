using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mmsim.Mm;
using Mmsim.Tlb;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Pgtable;

/// <summary>
/// The hardware page walk of the x86 MMU over an mm's tables, in the mode the tables were built
/// for: one memory reference per entry read (PAE's four PDPT entries are held in registers
/// after the CR3 load and cost none), RW and U/S ANDed over the levels, NX ORed, a PS bit above
/// the last level ending the walk at a 2 MiB / 4 MiB / 1 GiB page. On success Accessed is set
/// in every entry used and Dirty in the leaf for a write; a faulting walk changes nothing (the
/// architecture allows either).
/// </summary>
public sealed class PageWalker : IPageWalker
{
    /// <summary>The one walker (it keeps no state).</summary>
    public static PageWalker Instance { get; } = new();

    /// <inheritdoc/>
    public WalkFault Walk(MmStruct mm, ulong va, AccessKind kind, out Translation translation, ref int memoryRefs)
    {
        Fault.MmPaging? paging = mm.Paging;
        if (paging is null)
        {
            translation = default;
            return WalkFault.NotPresent;
        }
        MmPgtables pt = paging.Tables;
        WalkFault fault = pt.LongModeLast >= 0
            ? WalkLongMode(pt, va, kind, out translation, ref memoryRefs, out int pteTable)
            : Walk(pt, va, kind, out translation, ref memoryRefs, out pteTable);
        if (fault != WalkFault.None)
        {
            // The fault handler's walk down would end at the same PTE table: leave it there.
            paging.NoteWalk(va, fault, pteTable);
        }
        return fault;
    }

    /// <summary>
    /// The walk over one mm's tables. <paramref name="pteTable"/>: the PTE table the walk read
    /// its last entry from when it got down to the PTE level (a not-present or refused PTE, or a
    /// translation), else -1, so that the fault handler need not walk down again.
    /// </summary>
    internal static WalkFault Walk(MmPgtables pt, ulong va, AccessKind kind, out Translation translation, ref int memoryRefs, out int pteTable)
    {
        PagingGeometry g = pt.Geometry;
        if (g.Mode is PagingMode.FourLevel or PagingMode.FiveLevel)
        {
            return WalkLongMode(pt, va, kind, out translation, ref memoryRefs, out pteTable);
        }
        translation = default;
        pteTable = -1;
        // RW and U/S are ANDed over the levels, NX ORed; Accessed is missing somewhere when the
        // AND lacks it (then the walk writes back, in a second pass, as the hardware's locked
        // updates happen only for clear bits).
        ulong all = ~0UL;
        ulong any = 0;
        int levels = g.Levels;
        bool pdptInRegs = g.RootInRegisters;
        int table = pt.Root;
        int leaf = -1;
        ulong e = 0;
        bool wide = pt.Wide;
        PgtableStore store = pt.Store;
        ulong[] pool = store.Pool;
        Phys.PageFrame[] frames = store.Phys.Frames;
        for (int l = 0; l < levels; l++)
        {
            bool pdpt = l == 0 && pdptInRegs;
            int idx = g.Index(l, va);
            e = wide ? PgtableStore.Read64(frames, pool, table, idx) : pt.Get(table, idx);
            if (l == levels - 1)
            {
                pteTable = table;
            }
            if ((e & Present) == 0)
            {
                memoryRefs += pdpt ? 0 : 1;
                return WalkFault.NotPresent;
            }
            if (!pdpt)
            {
                memoryRefs++;
                all &= e;
                any |= e;
            }
            if (l == levels - 1 || ((e & Pse) != 0 && g.LeafAllowed(l)))
            {
                leaf = l;
                break;
            }
            table = (int)EntryPfn(e);
        }
        bool writable = (all & Rw) != 0;
        bool user = (all & User) != 0;
        bool noExec = g.HasNx && (any & Nx) != 0;
        bool update = (all & Accessed) == 0;
        bool allowed = user && (kind != AccessKind.Write || writable) && (kind != AccessKind.Execute || !noExec);
        if (!allowed)
        {
            return WalkFault.Protection;
        }
        if (update || (kind == AccessKind.Write && (e & Dirty) == 0))
        {
            SetAccessed(pt, g, va, leaf, kind == AccessKind.Write);
        }
        int shift = g.Shift(leaf);
        ulong sub = (1UL << (shift - PfnShift)) - 1;
        ulong pfn = (EntryPfn(e) & ~sub) | ((va >> PfnShift) & sub);
        translation = new Translation(pfn, shift, writable, user, noExec, (e & Global) != 0,
            (e & Dirty) != 0 || kind == AccessKind.Write);
        return WalkFault.None;
    }

    /// <summary>
    /// The walk in the 64-bit long modes (4- and 5-level). A 4-level walk that gets down to the
    /// PTE is read straight through, one dependent chain per level (entry, frame, block, entry)
    /// and nothing else live, and decides a none PTE, a refused access and an allowed one that
    /// needs no write-back (the steady state of a TLB miss) itself; anything else (a 5-level
    /// table, a not-present or huge entry above the PTE, Accessed or Dirty to set) walks again in
    /// <see cref="WalkLongModeFull"/>, which decides. The first reads change nothing, so walking
    /// again is the same walk. A 4-level walk of the 2 MiB region the tables' hint names
    /// (<see cref="MmPgtables.NoteHint"/>: the last walk down to a PTE table, with nothing above
    /// changed since) reads only the PTE; it counts and decides exactly as the full walk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static WalkFault WalkLongMode(MmPgtables pt, ulong va, AccessKind kind, out Translation translation, ref int memoryRefs, out int pteTable)
    {
        if (pt.LongModeLast == 3)
        {
            Phys.PageFrame[] frames = pt.Frames;
            ref ulong pool = ref MemoryMarshal.GetArrayDataReference(pt.Store.Pool);
            int pte;
            ulong e3;
            ulong upAll;
            ulong upAny;
            if ((va >> 21) == pt.HintRegion)
            {
                // The region of the last walk, no other table changed since: its PTE table.
                pte = pt.HintPte;
                e3 = Unsafe.Add(ref pool, pt.HintBase + (nint)((va >> 12) & 511));
                upAll = pt.HintAll;
                upAny = pt.HintAny;
            }
            else
            {
                ulong e0 = Entry(frames, ref pool, pt.Root, va, 39);
                if ((e0 & Present) == 0)
                {
                    return WalkLongModeFull(pt, va, kind, out translation, ref memoryRefs, out pteTable);
                }
                ulong e1 = Entry(frames, ref pool, (int)EntryPfn(e0), va, 30);
                if ((e1 & (Present | Pse)) != Present)
                {
                    return WalkLongModeFull(pt, va, kind, out translation, ref memoryRefs, out pteTable);
                }
                ulong e2 = Entry(frames, ref pool, (int)EntryPfn(e1), va, 21);
                if ((e2 & (Present | Pse)) != Present)
                {
                    return WalkLongModeFull(pt, va, kind, out translation, ref memoryRefs, out pteTable);
                }
                pte = (int)EntryPfn(e2);
                int poolBase = TableBase(frames, pte);
                e3 = Unsafe.Add(ref pool, poolBase + (nint)((va >> 12) & 511));
                upAll = e0 & e1 & e2;
                upAny = e0 | e1 | e2;
                if ((upAll & Accessed) != 0)
                {
                    pt.NoteHint(va, pte, poolBase, upAll, upAny);
                }
            }
            if ((e3 & Present) == 0)
            {
                // The fault path's first walk: a none (or swap, or PROT_NONE) PTE.
                memoryRefs += 4;
                pteTable = pte;
                translation = default;
                return WalkFault.NotPresent;
            }
            ulong all = upAll & e3;
            ulong any = upAny | e3;
            bool writable = (all & Rw) != 0;
            bool noExec = (any & Nx) != 0;
            if ((all & User) == 0 || (kind == AccessKind.Write && !writable) || (kind == AccessKind.Execute && noExec))
            {
                memoryRefs += 4;
                pteTable = pte;
                translation = default;
                return WalkFault.Protection;
            }
            // Allowed; Accessed all the way and, for a write, a dirty leaf: nothing to write back.
            if ((all & Accessed) != 0 && (kind != AccessKind.Write || (e3 & Dirty) != 0))
            {
                memoryRefs += 4;
                pteTable = pte;
                translation = new Translation(EntryPfn(e3), Page.Shift, writable, User: true, noExec,
                    (e3 & Global) != 0, (e3 & Dirty) != 0 || kind == AccessKind.Write);
                return WalkFault.None;
            }
        }
        return WalkLongModeFull(pt, va, kind, out translation, ref memoryRefs, out pteTable);
    }

    /// <summary>The pool index of entry 0 of a 64-bit table frame (checked to be one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TableBase(Phys.PageFrame[] frames, int table)
    {
        ref Phys.PageFrame f = ref frames[table];
        if ((f.Flags & Phys.PageFlags.PageTable) == 0)
        {
            PgtableStore.NotATable(table);
        }
        return (int)f.Index * PgtableStore.EntriesPerBlock;
    }

    /// <summary>
    /// Entry (va &gt;&gt; shift) mod 512 of a 64-bit table frame. The pool is read without a bounds
    /// check: a frame flagged PageTable names a block the pool holds (<see cref="PgtableStore"/>
    /// grows the pool before it hands a block out, and never shrinks it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Entry(Phys.PageFrame[] frames, ref ulong pool, int table, ulong va, int shift) =>
        Unsafe.Add(ref pool, TableBase(frames, table) + (nint)((va >> shift) & 511));

    /// <summary>
    /// The long-mode walk level by level, for every case: 9 index bits a level, no PDPT
    /// registers, PS allowed at the PUD and the PMD.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WalkFault WalkLongModeFull(MmPgtables pt, ulong va, AccessKind kind, out Translation translation, ref int memoryRefs, out int pteTable)
    {
        Phys.PageFrame[] frames = pt.Frames;
        ref ulong pool = ref MemoryMarshal.GetArrayDataReference(pt.Store.Pool);
        int last = pt.LongModeLast;
        int indexShift = Page.Shift + (9 * last);
        int table = pt.Root;
        ulong all = ~0UL;
        ulong any = 0;
        ulong e;
        int l = 0;
        while (true)
        {
            e = Entry(frames, ref pool, table, va, indexShift);
            if ((e & Present) == 0 || l == last || ((e & Pse) != 0 && l >= last - 2))
            {
                break;
            }
            all &= e;
            any |= e;
            table = (int)EntryPfn(e);
            l++;
            indexShift -= 9;
        }
        memoryRefs += l + 1;
        pteTable = l == last ? table : -1;
        if ((e & Present) == 0)
        {
            translation = default;
            return WalkFault.NotPresent;
        }
        all &= e;
        any |= e;
        bool writable = (all & Rw) != 0;
        bool user = (all & User) != 0;
        bool noExec = (any & Nx) != 0;
        if (!user || (kind == AccessKind.Write && !writable) || (kind == AccessKind.Execute && noExec))
        {
            translation = default;
            return WalkFault.Protection;
        }
        if ((all & Accessed) == 0 || (kind == AccessKind.Write && (e & Dirty) == 0))
        {
            SetAccessed(pt, pt.Geometry, va, l, kind == AccessKind.Write);
        }
        int shift = Page.Shift + (9 * (last - l));
        ulong sub = (1UL << (shift - PfnShift)) - 1;
        ulong pfn = (EntryPfn(e) & ~sub) | ((va >> PfnShift) & sub);
        translation = new Translation(pfn, shift, writable, user, noExec, (e & Global) != 0,
            (e & Dirty) != 0 || kind == AccessKind.Write);
        return WalkFault.None;
    }

    /// <summary>
    /// The walk's write-back: Accessed in every entry used down to the leaf (the PDPT registers
    /// excepted), Dirty in the leaf for a write.
    /// </summary>
    private static void SetAccessed(MmPgtables pt, PagingGeometry g, ulong va, int leaf, bool write)
    {
        int table = pt.Root;
        for (int l = 0; l <= leaf; l++)
        {
            int idx = g.Index(l, va);
            ulong v = pt.Get(table, idx);
            if (l > 0 || !g.RootInRegisters)
            {
                ulong nv = v | Accessed | (l == leaf && write ? Dirty : 0);
                pt.Set(table, idx, nv);
            }
            table = (int)EntryPfn(v);
        }
    }
}
