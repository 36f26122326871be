namespace Mmsim.Mm;

/// <summary>mseal() (mm/mseal.c) and mincore()'s argument checks.</summary>
public sealed partial class MmStruct
{
    /// <summary>The mseal() system call: seals every VMA of a fully mapped range. 0 or -errno.</summary>
    public long Mseal(ulong start, ulong lenIn, ulong flags)
    {
        if (flags != 0)
        {
            return -Errno.EINVAL;
        }
        long rangeErr = UserRange(start, lenIn, out ulong end);
        if (rangeErr != 0 || end == start)
        {
            return rangeErr;
        }
        ulong covered = start;
        for (Vma? v = Vmas.FindIntersection(start, end); v is not null && v.Start < end; v = v.Next)
        {
            if (v.Start > covered)
            {
                return -Errno.ENOMEM;
            }
            covered = v.End;
        }
        if (covered < end)
        {
            return -Errno.ENOMEM;
        }
        Vma? vma = Vmas.Lookup(start)!;
        Vma? prev = start > vma.Start ? vma : vma.Prev;
        while (vma is not null && vma.Start < end)
        {
            // Each VMA's part of the range is taken afresh from the VMA itself, as 6.18.y's
            // mseal_apply() does since "mm/mseal: update VMA end correctly on merge": after a
            // VMA merged with an already sealed next one, the next VMA starts above the end of
            // the part just sealed, and must still merge with the result.
            ulong cur = vma.Start > start ? vma.Start : start;
            ulong e = vma.End < end ? vma.End : end;
            // A merge may have carried the previous VMA over an already sealed neighbour: this
            // piece starts at its own VMA's start.
            cur = vma.Start > cur ? vma.Start : cur;
            if ((vma.Flags & VmFlags.Sealed) == 0)
            {
                Vma? target = ModifyFlags(prev, vma, cur, e, vma.Flags | VmFlags.Sealed, out int err);
                if (target is null)
                {
                    return err;
                }
                target.Flags |= VmFlags.Sealed;
                vma = target;
            }
            prev = vma;
            vma = vma.Next;
        }
        return 0;
    }

    /// <summary>
    /// mincore()'s result: 0 when [start, start+len) is fully mapped, -EINVAL for an unaligned
    /// start, -ENOMEM for a range outside user space or with a hole. The vector itself comes
    /// from the paging layer.
    /// </summary>
    public long MincoreCheck(ulong start, ulong len)
    {
        if (!Page.IsAligned(start))
        {
            return -Errno.EINVAL;
        }
        if (start > TaskSize || len > TaskSize - start)
        {
            return -Errno.ENOMEM;
        }
        ulong end = start + Page.Align(len);
        ulong addr = start;
        while (addr < end)
        {
            Vma? vma = Vmas.Lookup(addr);
            if (vma is null)
            {
                return -Errno.ENOMEM;
            }
            addr = vma.End;
        }
        return 0;
    }
}
