using Mmsim.Mm;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>move_page_tables() (mm/mremap.c): mremap moves the mappings, not the pages.</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// move_page_tables(): moves the entries of [oldAddr, oldAddr+len) to newAddr. A whole
    /// PTE table moves by its PMD entry when both ranges cover the same PMD-aligned span and the
    /// destination has none (move_normal_pmd()); a huge PMD moves whole (move_huge_pmd()), or is
    /// split when only part of it moves; the rest moves PTE by PTE (move_ptes()). Pages, counts
    /// and RSS do not change. Flushes the old range. Returns the bytes moved (len, or less on OOM).
    /// </summary>
    internal ulong MovePageTables(ulong oldAddr, ulong newAddr, ulong len)
    {
        ulong done = 0;
        bool any = false;
        while (done < len)
        {
            ulong oa = oldAddr + done;
            ulong na = newAddr + done;
            ulong extent = Math.Min(len - done, PmdSpan - (oa & (PmdSpan - 1)));
            extent = Math.Min(extent, PmdSpan - (na & (PmdSpan - 1)));
            ulong a = oa;
            if (!NextPmd(ref a, oa + extent, out int sPmdT, out int sPmdI, out _) || a != oa)
            {
                done += extent;
                continue;
            }
            ulong pmd = Tables.Get(sPmdT, sPmdI);
            if (IsNone(pmd))
            {
                done += extent;
                continue;
            }
            any = true;
            bool whole = extent == PmdSpan;
            if (IsHugePmd(pmd) && !whole)
            {
                SplitHugePmd(oa & ~(PmdSpan - 1), sPmdT, sPmdI);
                pmd = Tables.Get(sPmdT, sPmdI);
            }
            if (whole && G.PmdLevel >= 0)
            {
                int dPmdT = Tables.Descend(na, PmdLevel, alloc: true, out _);
                if (dPmdT < 0)
                {
                    break;
                }
                int dPmdI = G.Index(PmdLevel, na);
                if (IsNone(Tables.Get(dPmdT, dPmdI)))
                {
                    Tables.Set(sPmdT, sPmdI, 0);
                    Tables.Set(dPmdT, dPmdI, pmd);
                    if (IsHugePmd(pmd))
                    {
                        MoveDeposit(oa, na);
                    }
                    done += extent;
                    continue;
                }
                if (IsHugePmd(pmd))
                {
                    SplitHugePmd(oa, sPmdT, sPmdI);
                    pmd = Tables.Get(sPmdT, sPmdI);
                }
            }
            if (!MovePtes((int)EntryPfn(pmd), oa, na, extent))
            {
                break;
            }
            done += extent;
        }
        if (any)
        {
            Machine.FlushRange(Mm, oldAddr, oldAddr + len);
        }
        return done;
    }

    /// <summary>move_ptes(): entry by entry into the destination's PTE table (allocated as needed).</summary>
    private bool MovePtes(int spt, ulong oa, ulong na, ulong extent)
    {
        int dpt = Tables.Descend(na, PteLevel, alloc: true, out _);
        if (dpt < 0)
        {
            return false;
        }
        for (ulong off = 0; off < extent; off += Page.Size)
        {
            int si = PteIndex(oa + off);
            ulong pte = Tables.Get(spt, si);
            if (IsNone(pte))
            {
                continue;
            }
            Tables.Set(spt, si, 0);
            Tables.Set(dpt, PteIndex(na + off), pte);
        }
        return true;
    }
}
