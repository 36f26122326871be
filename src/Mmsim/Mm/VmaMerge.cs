using Mmsim.Fs;

namespace Mmsim.Mm;

/// <summary>
/// The proposed range of a merge (<c>struct vma_merge_struct</c>):
/// <code>
///   prev     [start, end)    next
///  |-----|   |**********|   |-----|
///            middle: the existing VMA being modified (existing-range merges only)
/// </code>
/// </summary>
internal struct VmaMergeState
{
    public ulong Start;
    public ulong End;
    public ulong PgOff;
    public VmFlags Flags;
    public OpenFile? File;
    public AnonVma? AnonVma;
    public string? AnonName;
    public Vma? Prev;
    public Vma? Next;
    public Vma? Middle;

    /// <summary>The result: the VMA that now covers the range, when a merge happened.</summary>
    public Vma? Result;

    /// <summary>True when the attempted merge failed for lack of memory (never, in the model).</summary>
    public bool NoMem;
}

/// <summary>Merging and splitting of VMAs; models mm/vma.c.</summary>
internal static class VmaMerge
{
    /// <summary>
    /// Whether two adjacent VMAs are compatible enough that the kernel would have merged them
    /// (same flags but soft-dirty, file, name, contiguous offset, compatible anon_vma, not special,
    /// and one of the two may vanish in the merge: can_merge_remove_vma()). Used by the invariant check.
    /// </summary>
    public static bool WouldMerge(Vma prev, Vma next)
    {
        if (prev.End != next.Start || ((prev.Flags | next.Flags) & VmFlags.Special) != 0
            || (!CanMergeRemove(prev) && !CanMergeRemove(next)))
        {
            return false;
        }
        if (((prev.Flags ^ next.Flags) & ~VmFlags.IgnoreMerge) != 0 || prev.File != next.File
            || prev.AnonName != next.AnonName || prev.SpecialName is not null || next.SpecialName is not null)
        {
            return false;
        }
        if (prev.PgOff + prev.Pages != next.PgOff)
        {
            return false;
        }
        if (prev.AnonVma is null && next.AnonVma is null)
        {
            return true;
        }
        // is_mergeable_anon_vma(): one side without an anon_vma takes the other's, unless that one
        // still links to a parent's (a forked child's VMA); otherwise they must share it.
        if (prev.AnonVma is null || next.AnonVma is null)
        {
            return !HadUncowedParents(prev.AnonVma is not null ? prev : next);
        }
        return prev.AnonVma == next.AnonVma;
    }

    /// <summary>
    /// can_merge_remove_vma(): a VMA whose file has a close operation (a SysV shm attach) must
    /// not vanish in a merge.
    /// </summary>
    private static bool CanMergeRemove(Vma vma) => vma.File?.Shm is null;

    /// <summary>vma_had_uncowed_parents(): the VMA's anon_vma chain links to a parent's anon_vma.</summary>
    private static bool HadUncowedParents(Vma? vma) => vma is not null && vma.AnonVma is not null && vma.AnonVmaChainShared;

    /// <summary>is_mergeable_vma(): flags (but soft-dirty), file and anon name agree.</summary>
    private static bool IsMergeableVma(in VmaMergeState vmg, Vma target)
    {
        return ((target.Flags ^ vmg.Flags) & ~VmFlags.IgnoreMerge) == 0
            && target.File == vmg.File
            && target.SpecialName is null
            && target.AnonName == vmg.AnonName;
    }

    /// <summary>is_mergeable_anon_vma(): the anon_vmas of the source and the target can be joined.</summary>
    private static bool IsMergeableAnonVma(in VmaMergeState vmg, Vma target)
    {
        AnonVma? tgt = target.AnonVma;
        AnonVma? src = vmg.AnonVma;
        if (tgt is null && src is not null)
        {
            return !HadUncowedParents(vmg.Middle);
        }
        if (tgt is not null && src is null)
        {
            return !HadUncowedParents(target);
        }
        return src == tgt;
    }

    /// <summary>can_vma_merge_left(): prev ends at start and can absorb the range.</summary>
    private static bool CanMergeLeft(in VmaMergeState vmg)
    {
        Vma? prev = vmg.Prev;
        return prev is not null && prev.End == vmg.Start && IsMergeableVma(vmg, prev)
            && IsMergeableAnonVma(vmg, prev) && prev.PgOff + prev.Pages == vmg.PgOff;
    }

    /// <summary>can_vma_merge_right(): next starts at end and can absorb the range (and prev, if merging both).</summary>
    private static bool CanMergeRight(in VmaMergeState vmg, bool canMergeLeft)
    {
        Vma? next = vmg.Next;
        if (next is null || vmg.End != next.Start || !IsMergeableVma(vmg, next) || !IsMergeableAnonVma(vmg, next)
            || vmg.PgOff + Page.Pages(vmg.End - vmg.Start) != next.PgOff)
        {
            return false;
        }
        if (!canMergeLeft)
        {
            return true;
        }
        AnonVma? a = vmg.Prev!.AnonVma;
        AnonVma? b = next.AnonVma;
        return a is null || b is null || a == b;
    }

    /// <summary>
    /// vma_merge_new_range(): a new range [start, end) is about to be mapped in a hole between
    /// prev and next; expands prev and/or next over it when compatible. Returns the expanded VMA,
    /// or null when a new VMA is needed.
    /// </summary>
    public static Vma? MergeNewRange(MmStruct mm, ref VmaMergeState vmg)
    {
        if ((vmg.Flags & VmFlags.Special) != 0 || (vmg.Prev is null && vmg.Next is null))
        {
            return null;
        }
        bool left = CanMergeLeft(vmg);
        bool right = CanMergeRight(vmg, left);
        if (!left && !right)
        {
            return null;
        }
        Vma prev = vmg.Prev!;
        Vma next = vmg.Next!;
        if (left && right)
        {
            DupAnonVma(prev, next);
            ulong end = next.End;
            RemoveVma(mm, next);
            SetRangeSplitHuge(mm, prev, prev.Start, end);
            return prev;
        }
        if (left)
        {
            SetRangeSplitHuge(mm, prev, prev.Start, vmg.End);
            return prev;
        }
        next.PgOff -= Page.Pages(vmg.End - vmg.Start);
        SetRangeSplitHuge(mm, next, vmg.Start, next.End);
        return next;
    }

    /// <summary>
    /// vma_merge_existing_range(): the attributes of [start, end) inside vmg.Middle change to
    /// vmg.Flags; merges with prev and/or next where the range touches them and is compatible.
    /// Returns the VMA that now holds the range, or null when no merge is possible (the caller
    /// then splits).
    /// </summary>
    public static Vma? MergeExistingRange(MmStruct mm, ref VmaMergeState vmg)
    {
        Vma vma = vmg.Middle!;
        bool leftSide = vmg.Start == vma.Start;
        bool rightSide = vmg.End == vma.End;
        if ((vmg.Flags & VmFlags.Special) != 0 || vma.SpecialName is not null || (!leftSide && !rightSide))
        {
            return null;
        }
        bool mergeLeft = leftSide && CanMergeLeft(vmg);
        bool mergeRight = false;
        if (rightSide)
        {
            vmg.Next = vma.Next;
            mergeRight = CanMergeRight(vmg, mergeLeft);
        }
        if (!mergeLeft && !mergeRight)
        {
            return null;
        }
        bool deleteVma = leftSide && rightSide;
        if (deleteVma && !CanMergeRemove(vma))
        {
            return null;
        }
        if (mergeLeft && mergeRight && !CanMergeRemove(vmg.Next!))
        {
            mergeRight = false;
        }
        Vma? prev = vmg.Prev;
        Vma? next = vmg.Next;
        if (mergeLeft && mergeRight)
        {
            DupAnonVma(prev!, next!.AnonVma is not null ? next : vma);
            ulong end = next.End;
            RemoveVma(mm, vma);
            RemoveVma(mm, next);
            SetRangeSplitHuge(mm, prev!, prev!.Start, end);
            return prev;
        }
        if (mergeLeft)
        {
            DupAnonVma(prev!, vma);
            if (deleteVma)
            {
                RemoveVma(mm, vma);
            }
            else
            {
                AdjustStart(mm, vma, vmg.End);
            }
            SetRangeSplitHuge(mm, prev!, prev!.Start, vmg.End);
            return prev;
        }
        DupAnonVma(next!, vma);
        ulong pglen = Page.Pages(vmg.End - vmg.Start);
        if (deleteVma)
        {
            RemoveVma(mm, vma);
        }
        else
        {
            SetRangeSplitHuge(mm, vma, vma.Start, vmg.Start);
        }
        next!.PgOff -= pglen;
        SetRangeSplitHuge(mm, next, vmg.Start, next.End);
        return next;
    }

    /// <summary>dup_anon_vma(): the expanding VMA takes the anon_vma of the one it absorbs, if it had none.</summary>
    private static void DupAnonVma(Vma dst, Vma src)
    {
        if (src.AnonVma is not null && dst.AnonVma is null)
        {
            dst.AnonVma = src.AnonVma;
            dst.AnonVmaChainShared = src.AnonVmaChainShared;
        }
    }

    /// <summary>Moves a VMA's start up, keeping its pgoff pointing at the same pages.</summary>
    private static void AdjustStart(MmStruct mm, Vma vma, ulong newStart)
    {
        vma.PgOff += Page.Pages(newStart - vma.Start);
        SetRangeSplitHuge(mm, vma, newStart, vma.End);
    }

    /// <summary>Unlinks a VMA absorbed by a merge (map_count drops; the pages stay accounted to the survivor).</summary>
    private static void RemoveVma(MmStruct mm, Vma vma)
    {
        mm.Vmas.RemoveAbsorbed(vma);
        mm.OnVmaFreed(vma);
    }

    /// <summary>
    /// __split_vma(): splits vma at addr; the new VMA takes the lower part when newBelow, else the
    /// upper part. Returns the new VMA. split_vma() additionally refuses at max_map_count.
    /// </summary>
    public static Vma Split(MmStruct mm, Vma vma, ulong addr, bool newBelow)
    {
        mm.Paging?.SplitHugeAt(addr);
        Vma created = vma.Dup();
        if (newBelow)
        {
            created.EndField = addr;
            ulong oldStart = vma.Start;
            vma.PgOff += Page.Pages(addr - oldStart);
            // Both bounds move at once: InsertAfter then writes vma's hole (now 0) just once.
            vma.StartField = addr;
            mm.Vmas.InsertAfter(vma.Prev, created);
        }
        else
        {
            created.StartField = addr;
            created.PgOff += Page.Pages(addr - vma.Start);
            // No transient hole above vma: created fills [addr, old end) as vma shrinks.
            vma.EndField = addr;
            mm.Vmas.InsertAfter(vma, created);
        }
        mm.OnVmaCreated(created);
        return created;
    }

    /// <summary>
    /// vma_modify(): prepares [start, end) of vma (with prev its predecessor) to take the new
    /// attributes in vmg: merges if it can, otherwise splits off the parts outside the range.
    /// Returns the VMA that covers exactly [start, end), or null with err set (-ENOMEM at
    /// max_map_count). The caller then applies the new flags to the returned VMA.
    /// </summary>
    public static Vma? Modify(MmStruct mm, ref VmaMergeState vmg, out int err)
    {
        err = 0;
        Vma vma = vmg.Middle!;
        Vma? merged = MergeExistingRange(mm, ref vmg);
        if (merged is not null)
        {
            return merged;
        }
        if (vmg.Start > vma.Start)
        {
            if (mm.MapCount >= mm.Config.MaxMapCount)
            {
                err = -Errno.ENOMEM;
                return null;
            }
            Split(mm, vma, vmg.Start, newBelow: true);
        }
        if (vmg.End < vma.End)
        {
            if (mm.MapCount >= mm.Config.MaxMapCount)
            {
                err = -Errno.ENOMEM;
                return null;
            }
            Split(mm, vma, vmg.End, newBelow: false);
        }
        return vma;
    }

    /// <summary>
    /// Moves a VMA boundary; a huge PMD that the new boundary would cut is split first, as
    /// vma_adjust_trans_huge() does.
    /// </summary>
    private static void SetRangeSplitHuge(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        if (mm.Paging is { } paging)
        {
            paging.SplitHugeAt(start);
            paging.SplitHugeAt(end);
        }
        mm.Vmas.SetRange(vma, start, end);
    }
}
