namespace Mmsim.Mm;

/// <summary>mremap(): shrink, grow in place, or move (mm/mremap.c).</summary>
public sealed partial class MmStruct
{
    /// <summary>The mremap() system call. Returns the (new) address or -errno.</summary>
    public long Mremap(ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr)
    {
        if ((flags & ~(MremapFlags.Fixed | MremapFlags.MayMove | MremapFlags.DontUnmap)) != 0)
        {
            return -Errno.EINVAL;
        }
        if ((flags & MremapFlags.Fixed) != 0 && (flags & MremapFlags.MayMove) == 0)
        {
            return -Errno.EINVAL;
        }
        if ((flags & MremapFlags.DontUnmap) != 0 && ((flags & MremapFlags.MayMove) == 0 || oldLen != newLen))
        {
            return -Errno.EINVAL;
        }
        if (!Page.IsAligned(addr))
        {
            return -Errno.EINVAL;
        }
        oldLen = Page.Align(oldLen);
        newLen = Page.Align(newLen);
        if (newLen == 0 || newLen > TaskSize)
        {
            return -Errno.EINVAL;
        }
        Vma? vma = Vmas.Lookup(addr);
        if (vma is null)
        {
            return -Errno.EFAULT;
        }
        if ((vma.Flags & VmFlags.Sealed) != 0)
        {
            return -Errno.EPERM;
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
            int err = DoMunmap(addr + newLen, addr + oldLen);
            return err != 0 ? err : (long)addr;
        }
        long checkedVma = VmaToResize(addr, oldLen, newLen, flags, out vma);
        if (checkedVma != 0)
        {
            return checkedVma;
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

    /// <summary>mremap_to(): the MREMAP_FIXED and MREMAP_DONTUNMAP cases.</summary>
    private long MremapTo(ulong addr, ulong oldLen, ulong newAddr, ulong newLen, int flags)
    {
        if (!Page.IsAligned(newAddr) || newLen > TaskSize || newAddr > TaskSize - newLen)
        {
            return -Errno.EINVAL;
        }
        if (addr + oldLen > newAddr && newAddr + newLen > addr)
        {
            return -Errno.EINVAL;
        }
        if (MapCount + 2 >= Config.MaxMapCount - 3)
        {
            return -Errno.ENOMEM;
        }
        int err;
        if ((flags & MremapFlags.Fixed) != 0)
        {
            err = DoMunmap(newAddr, newAddr + newLen);
            if (err != 0)
            {
                return err;
            }
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
        long checkedVma = VmaToResize(addr, oldLen, newLen, flags, out Vma? vma);
        if (checkedVma != 0)
        {
            return checkedVma;
        }
        if ((flags & MremapFlags.DontUnmap) != 0 && !MayExpandVm(vma!.Flags, Page.Pages(oldLen)))
        {
            return -Errno.ENOMEM;
        }
        int mapFlags = (flags & MremapFlags.Fixed) != 0 ? MapFlags.Fixed : 0;
        if ((vma!.Flags & VmFlags.MayShare) != 0)
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

    /// <summary>vma_to_resize(): the checks on the source VMA before growing or moving it; 0 or -errno.</summary>
    private long VmaToResize(ulong addr, ulong oldLen, ulong newLen, int flags, out Vma? vma)
    {
        vma = Vmas.Lookup(addr);
        if (vma is null)
        {
            return -Errno.EFAULT;
        }
        if (oldLen == 0 && (vma.Flags & (VmFlags.Shared | VmFlags.MayShare)) == 0)
        {
            return -Errno.EINVAL;
        }
        if ((flags & MremapFlags.DontUnmap) != 0 && (vma.Flags & (VmFlags.DontExpand | VmFlags.PfnMap)) != 0)
        {
            return -Errno.EINVAL;
        }
        if (oldLen > vma.End - addr)
        {
            return -Errno.EFAULT;
        }
        if (newLen == oldLen)
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
        if (!MayExpandVm(vma.Flags, Page.Pages(newLen - oldLen)))
        {
            return -Errno.ENOMEM;
        }
        return 0;
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
