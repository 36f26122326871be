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
        translation = default;
        MmPgtables? pt = mm.Paging?.Tables;
        if (pt is null)
        {
            return WalkFault.NotPresent;
        }
        PagingGeometry g = pt.Geometry;
        Span<int> tables = stackalloc int[5];
        Span<int> indexes = stackalloc int[5];
        bool writable = true;
        bool user = true;
        bool noExec = false;
        // Whether some entry used lacks Accessed (or the leaf lacks Dirty for a write): only then
        // does the walk write back, as the hardware's locked updates happen only for clear bits.
        bool update = false;
        int levels = g.Levels;
        bool pdptInRegs = g.RootInRegisters;
        int table = pt.Root;
        int leaf = -1;
        ulong e = 0;
        for (int l = 0; l < levels; l++)
        {
            int idx = g.Index(l, va);
            bool pdpt = l == 0 && pdptInRegs;
            if (!pdpt)
            {
                memoryRefs++;
            }
            e = pt.Get(table, idx);
            if ((e & Present) == 0)
            {
                return WalkFault.NotPresent;
            }
            tables[l] = table;
            indexes[l] = idx;
            if (!pdpt)
            {
                writable &= (e & Rw) != 0;
                user &= (e & User) != 0;
                noExec |= g.HasNx && (e & Nx) != 0;
                update |= (e & Accessed) == 0;
            }
            if (l == levels - 1 || ((e & Pse) != 0 && g.LeafAllowed(l)))
            {
                leaf = l;
                break;
            }
            table = (int)EntryPfn(e);
        }
        bool allowed = user && (kind != AccessKind.Write || writable) && (kind != AccessKind.Execute || !noExec);
        if (!allowed)
        {
            return WalkFault.Protection;
        }
        update |= kind == AccessKind.Write && (e & Dirty) == 0;
        for (int l = 0; update && l <= leaf; l++)
        {
            if (l == 0 && pdptInRegs)
            {
                continue;
            }
            ulong v = pt.Get(tables[l], indexes[l]) | Accessed;
            if (l == leaf && kind == AccessKind.Write)
            {
                v |= Dirty;
            }
            pt.Set(tables[l], indexes[l], v);
        }
        int shift = g.Shift(leaf);
        ulong sub = (1UL << (shift - PfnShift)) - 1;
        ulong pfn = (EntryPfn(e) & ~sub) | ((va >> PfnShift) & sub);
        translation = new Translation(pfn, shift, writable, user, noExec, (e & Global) != 0,
            (e & Dirty) != 0 || kind == AccessKind.Write);
        return WalkFault.None;
    }
}
