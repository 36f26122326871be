namespace Mmsim.Mm;

/// <summary>mremap(): shrink, grow in place, or move (mm/mremap.c).</summary>
public sealed partial class MmStruct
{
    /// <summary>
    /// The mremap() system call (do_mremap()). Returns the (new) address or -errno. The
    /// parameters are checked first (check_mremap_params()), then the VMA at addr
    /// (check_prep_vma()), both before anything is unmapped; a move to a fixed address without a
    /// change of size may span several VMAs and gaps (remap_move()).
    /// </summary>
    public long Mremap(ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr)
    {
        oldLen = Page.Align(oldLen);
        newLen = Page.Align(newLen);
        long err = CheckMremapParams(addr, oldLen, newLen, flags, newAddr);
        if (err != 0)
        {
            return err;
        }
        if ((flags & MremapFlags.Fixed) != 0 && oldLen == newLen)
        {
            return RemapMove(addr, oldLen, newAddr, flags);
        }
        Vma? vma = Vmas.Lookup(addr);
        err = CheckPrepVma(vma, addr, oldLen, newLen, flags);
        if (err != 0)
        {
            return err;
        }
        if ((flags & (MremapFlags.Fixed | MremapFlags.DontUnmap)) != 0)
        {
            return MremapTo(addr, oldLen, newAddr, newLen, flags);
        }
        if (oldLen >= newLen)
        {
            if (oldLen == newLen)
            {
                return (long)addr;
            }
            int unmapped = DoMunmap(addr + newLen, addr + oldLen);
            return unmapped != 0 ? unmapped : (long)addr;
        }
        if (oldLen == vma!.End - addr && VmaExpandable(vma, newLen - oldLen))
        {
            return ExpandInPlace(vma, addr, newLen - oldLen);
        }
        if ((flags & MremapFlags.MayMove) == 0)
        {
            return -Errno.ENOMEM;
        }
        int mapFlags = (vma.Flags & VmFlags.MayShare) != 0 ? MapFlags.Shared : 0;
        long target = GetUnmappedArea(vma.File, 0, newLen, vma.PgOff + Page.Pages(addr - vma.Start), mapFlags, vma.Flags);
        if (Errno.IsError(target))
        {
            return target;
        }
        return MoveVma(vma, addr, oldLen, newLen, (ulong)target, flags);
    }

    /// <summary>check_mremap_params(): the checks that need no VMA; 0 or -errno.</summary>
    private long CheckMremapParams(ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr)
    {
        if ((flags & ~(MremapFlags.Fixed | MremapFlags.MayMove | MremapFlags.DontUnmap)) != 0 || !Page.IsAligned(addr))
        {
            return -Errno.EINVAL;
        }
        // A zero old length is allowed (duplicating a shared mapping); a zero new length is not.
        if (newLen == 0 || newLen > TaskSize || newAddr > TaskSize - newLen)
        {
            return -Errno.EINVAL;
        }
        if ((flags & (MremapFlags.Fixed | MremapFlags.DontUnmap)) == 0)
        {
            return 0;
        }
        if (!Page.IsAligned(newAddr) || (flags & MremapFlags.MayMove) == 0)
        {
            return -Errno.EINVAL;
        }
        if ((flags & MremapFlags.DontUnmap) != 0 && oldLen != newLen)
        {
            return -Errno.EINVAL;
        }
        if (addr + oldLen > newAddr && newAddr + newLen > addr)
        {
            return -Errno.EINVAL;
        }
        // Both ends may split in three before anything is unmapped: stay 4 maps below the limit.
        if (MapCount + 2 >= Config.MaxMapCount - 3)
        {
            return -Errno.ENOMEM;
        }
        return 0;
    }

    /// <summary>
    /// check_prep_vma() with remap_is_valid(): the VMA at addr may be remapped as asked; 0 or
    /// -errno. The validity checks apply when the call maps new address space (it grows, or
    /// names a new address); a shrink may cross VMA boundaries.
    /// </summary>
    private long CheckPrepVma(Vma? vma, ulong addr, ulong oldLen, ulong newLen, int flags)
    {
        if (vma is null)
        {
            return -Errno.EFAULT;
        }
        if ((vma.Flags & VmFlags.Sealed) != 0)
        {
            return -Errno.EPERM;
        }
        if (newLen <= oldLen && (flags & (MremapFlags.Fixed | MremapFlags.DontUnmap)) == 0)
        {
            return 0;
        }
        if (oldLen == 0 && (vma.Flags & (VmFlags.Shared | VmFlags.MayShare)) == 0)
        {
            return -Errno.EINVAL;
        }
        if ((flags & MremapFlags.DontUnmap) != 0 && (vma.Flags & (VmFlags.DontExpand | VmFlags.PfnMap)) != 0)
        {
            return -Errno.EINVAL;
        }
        ulong len = oldLen > newLen ? newLen : oldLen;
        if (len > vma.End - addr)
        {
            return -Errno.EFAULT;
        }
        if (newLen == len)
        {
            return 0;
        }
        ulong pgoff = vma.PgOff + Page.Pages(addr - vma.Start);
        if (pgoff + Page.Pages(newLen) < pgoff)
        {
            return -Errno.EINVAL;
        }
        if ((vma.Flags & (VmFlags.DontExpand | VmFlags.PfnMap)) != 0)
        {
            return -Errno.EFAULT;
        }
        if (!MayExpandVm(vma.Flags, Page.Pages(newLen - len)))
        {
            return -Errno.ENOMEM;
        }
        return 0;
    }

    /// <summary>
    /// remap_move(): MREMAP_FIXED without a change of size moves every VMA in [addr, addr+len),
    /// split at the ends, each to the same distance from the previous one as in the source (gaps
    /// are kept; a gap at the start is -EFAULT). A failure part way leaves the earlier VMAs moved.
    /// Returns where the first VMA went.
    /// </summary>
    private long RemapMove(ulong addr, ulong len, ulong newAddr, int flags)
    {
        ulong end = addr + len;
        ulong cursor = addr;
        ulong target = newAddr;
        ulong lastEnd = 0;
        bool seen = false;
        long res = -Errno.EFAULT;
        while (cursor < end && Vmas.FindIntersection(cursor, end) is { } vma)
        {
            ulong from = vma.Start > addr ? vma.Start : addr;
            ulong pieceLen = (end < vma.End ? end : vma.End) - from;
            if (!seen && addr < vma.Start)
            {
                return -Errno.EFAULT;
            }
            ulong offset = seen ? vma.Start - lastEnd : 0;
            lastEnd = vma.End;
            long r = CheckPrepVma(vma, from, pieceLen, pieceLen, flags);
            if (r == 0)
            {
                r = MremapTo(from, pieceLen, target + offset, pieceLen, flags);
            }
            if (Errno.IsError(r))
            {
                return r;
            }
            if (!seen)
            {
                res = r;
            }
            seen = true;
            target = (ulong)r + pieceLen;
            cursor = from + pieceLen;
        }
        return res;
    }

    /// <summary>mremap_to(): the MREMAP_FIXED and MREMAP_DONTUNMAP cases, after the checks.</summary>
    private long MremapTo(ulong addr, ulong oldLen, ulong newAddr, ulong newLen, int flags)
    {
        int err;
        if ((flags & MremapFlags.Fixed) != 0)
        {
            err = DoMunmap(newAddr, newAddr + newLen);
            if (err != 0)
            {
                return err;
            }
        }
        if (Vmas.Lookup(addr) is null)
        {
            return -Errno.EFAULT;
        }
        if (oldLen > newLen)
        {
            err = DoMunmap(addr + newLen, addr + oldLen);
            if (err != 0)
            {
                return err;
            }
            oldLen = newLen;
        }
        Vma? vma = Vmas.Lookup(addr);
        if (vma is null)
        {
            return -Errno.EFAULT;
        }
        if ((flags & MremapFlags.DontUnmap) != 0 && !MayExpandVm(vma.Flags, Page.Pages(oldLen)))
        {
            return -Errno.ENOMEM;
        }
        int mapFlags = (flags & MremapFlags.Fixed) != 0 ? MapFlags.Fixed : 0;
        if ((vma.Flags & VmFlags.MayShare) != 0)
        {
            mapFlags |= MapFlags.Shared;
        }
        long target = GetUnmappedArea(vma.File, newAddr, newLen, vma.PgOff + Page.Pages(addr - vma.Start), mapFlags, vma.Flags);
        if (Errno.IsError(target))
        {
            return target;
        }
        return MoveVma(vma, addr, oldLen, newLen, (ulong)target, flags);
    }

    /// <summary>vma_expandable(): nothing is mapped in the delta above the VMA and it stays below TASK_SIZE.</summary>
    private bool VmaExpandable(Vma vma, ulong delta)
    {
        ulong end = vma.End + delta;
        if (end < vma.End || Vmas.FindIntersection(vma.End, end) is not null)
        {
            return false;
        }
        return end - vma.Start <= TaskSize && vma.Start <= TaskSize - (end - vma.Start);
    }

    /// <summary>The grow-in-place path: vma_merge_extend() over the delta, then accounting.</summary>
    private long ExpandInPlace(Vma vma, ulong addr, ulong delta)
    {
        ulong pages = Page.Pages(delta);
        ulong oldEnd = vma.End;
        if ((vma.Flags & VmFlags.Account) != 0)
        {
            if (!VmEnoughMemory(pages))
            {
                return -Errno.ENOMEM;
            }
            CommittedPages += pages;
        }
        var vmg = new VmaMergeState
        {
            Start = vma.End,
            End = vma.End + delta,
            PgOff = vma.PgOff + vma.Pages,
            Flags = vma.Flags,
            File = vma.File,
            AnonVma = vma.AnonVma,
            AnonName = vma.AnonName,
            Prev = vma,
            Next = vma.Next,
        };
        Vma merged = VmaMerge.MergeNewRange(this, ref vmg) ?? throw new ModelBugException("mremap: extend did not merge with self");
        StatAccount(merged.Flags, (long)pages);
        if ((merged.Flags & VmFlags.Locked) != 0)
        {
            LockedVm += pages;
            // The added pages, [addr + old_len, addr + new_len): a merge with next may extend merged further.
            RequestPopulate(oldEnd, delta);
        }
        return (long)addr;
    }
}
