using Mmsim.Tlb;

namespace Mmsim.Mm;

/// <summary>mlock(), mlock2(), munlock(), mlockall(), munlockall() (mm/mlock.c).</summary>
public sealed partial class MmStruct
{
    public const int MlockOnFault = 1;
    public const int MclCurrent = 1;
    public const int MclFuture = 2;
    public const int MclOnFault = 4;

    /// <summary>mlock2(); mlock() is mlock2 with flags 0. Returns 0 or -errno.</summary>
    public long Mlock(ulong start, ulong len, int flags = 0)
    {
        if ((flags & ~MlockOnFault) != 0)
        {
            return -Errno.EINVAL;
        }
        VmFlags vmFlags = VmFlags.Locked | ((flags & MlockOnFault) != 0 ? VmFlags.LockOnFault : VmFlags.None);
        len = Page.Align(len + (start & Page.OffsetMask));
        start &= Page.Mask;
        ulong locked = Page.Pages(len) + LockedVm;
        if (locked > Page.Pages(Config.RlimitMemlock) && !Config.CapIpcLock)
        {
            return -Errno.ENOMEM;
        }
        long err = ApplyVmaLockFlags(start, len, vmFlags);
        if (err != 0)
        {
            return err;
        }
        LastPopulate = (start, len);
        return MlockPopulate(start, start + len);
    }

    /// <summary>munlock(). Returns 0 or -errno.</summary>
    public long Munlock(ulong start, ulong len)
    {
        len = Page.Align(len + (start & Page.OffsetMask));
        start &= Page.Mask;
        return ApplyVmaLockFlags(start, len, VmFlags.None);
    }

    /// <summary>mlockall(). Returns 0 or -errno.</summary>
    public long Mlockall(int flags)
    {
        if (flags == 0 || (flags & ~(MclCurrent | MclFuture | MclOnFault)) != 0 || flags == MclOnFault)
        {
            return -Errno.EINVAL;
        }
        ApplyMlockallFlags(flags);
        if ((flags & MclCurrent) != 0)
        {
            RequestPopulate(0, TaskSize);
        }
        return 0;
    }

    /// <summary>munlockall().</summary>
    public long Munlockall()
    {
        ApplyMlockallFlags(0);
        return 0;
    }

    /// <summary>
    /// __mm_populate() as mlock calls it (errors not ignored): VMA by VMA, it stops at the first
    /// one that cannot be faulted in, a PROT_NONE area or a page past the end of the file
    /// (SIGBUS), which mlock() reports as -ENOMEM (from -EFAULT); the VMAs after it stay as they
    /// were. VM_IO/PFNMAP and lock-on-fault areas are skipped.
    /// </summary>
    private long MlockPopulate(ulong start, ulong end)
    {
        if (end <= start)
        {
            return 0; // mlock(addr, 0): nothing to populate
        }
        for (Vma? v = Vmas.FindIntersection(start, end); v is not null && v.Start < end; v = v.Next)
        {
            if ((v.Flags & (VmFlags.LockOnFault | VmFlags.Io | VmFlags.PfnMap)) != 0)
            {
                continue;
            }
            if (!IsAccessible(v.Flags))
            {
                return -Errno.ENOMEM;
            }
            bool write = (v.Flags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write;
            ulong s = v.Start > start ? v.Start : start;
            ulong e = v.End < end ? v.End : end;
            FaultResult r = FaultRange(v, s, e, write ? AccessKind.Write : AccessKind.Read);
            if (r == FaultResult.SigBus)
            {
                return -Errno.ENOMEM;
            }
            if (r == FaultResult.Oom)
            {
                return -Errno.EAGAIN;
            }
        }
        return 0;
    }

    /// <summary>apply_vma_lock_flags(): sets the lock bits on each VMA of the range; -ENOMEM on a hole.</summary>
    private long ApplyVmaLockFlags(ulong start, ulong len, VmFlags lockFlags)
    {
        ulong end = start + len;
        if (end < start)
        {
            return -Errno.EINVAL;
        }
        if (end == start)
        {
            return 0;
        }
        Vma? vma = Vmas.Lookup(start);
        if (vma is null)
        {
            return -Errno.ENOMEM;
        }
        Vma? prev = start > vma.Start ? vma : vma.Prev;
        ulong nstart = start;
        ulong tmp = vma.Start;
        Vma? cur = vma;
        while (cur is not null && cur.Start < end)
        {
            if (cur.Start != tmp)
            {
                return -Errno.ENOMEM;
            }
            VmFlags newFlags = (cur.Flags & ~VmFlags.LockedMask) | lockFlags;
            tmp = cur.End < end ? cur.End : end;
            int err = MlockFixup(cur, ref prev, nstart, tmp, newFlags);
            if (err != 0)
            {
                return err;
            }
            // Continue after the VMA now holding the range, which a merge with the next VMA
            // may have carried past tmp (the kernel reads the iterator's end, as mprotect does).
            tmp = prev!.End;
            nstart = tmp;
            cur = prev.Next;
        }
        return tmp < end ? -Errno.ENOMEM : 0;
    }

    /// <summary>mlock_fixup(): one VMA piece; special mappings are left alone and not counted.</summary>
    private int MlockFixup(Vma vma, ref Vma? prev, ulong start, ulong end, VmFlags newFlags)
    {
        VmFlags oldFlags = vma.Flags;
        if (newFlags == oldFlags || (oldFlags & (VmFlags.Special | VmFlags.Droppable | VmFlags.HugeTlb)) != 0)
        {
            prev = vma;
            return 0;
        }
        Vma? target = ModifyFlags(prev, vma, start, end, newFlags, out int err);
        if (target is null)
        {
            prev = vma;
            return err;
        }
        long pages = (long)Page.Pages(end - start);
        if ((newFlags & VmFlags.Locked) == 0)
        {
            pages = -pages;
        }
        else if ((oldFlags & VmFlags.Locked) != 0)
        {
            pages = 0;
        }
        LockedVm = (ulong)((long)LockedVm + pages);
        target.Flags = newFlags;
        prev = target;
        return 0;
    }

    /// <summary>apply_mlockall_flags(): def_flags for MCL_FUTURE, every VMA for MCL_CURRENT.</summary>
    private void ApplyMlockallFlags(int flags)
    {
        DefFlags &= ~VmFlags.LockedMask;
        VmFlags toAdd = VmFlags.None;
        if ((flags & MclFuture) != 0)
        {
            DefFlags |= VmFlags.Locked;
            if ((flags & MclOnFault) != 0)
            {
                DefFlags |= VmFlags.LockOnFault;
            }
            if ((flags & MclCurrent) == 0)
            {
                return;
            }
        }
        if ((flags & MclCurrent) != 0)
        {
            toAdd |= VmFlags.Locked;
        }
        if ((flags & MclOnFault) != 0)
        {
            toAdd |= VmFlags.LockOnFault;
        }
        Vma? prev = null;
        Vma? vma = Vmas.First;
        while (vma is not null)
        {
            VmFlags newFlags = (vma.Flags & ~VmFlags.LockedMask) | toAdd;
            Vma? p = prev;
            if (MlockFixup(vma, ref p, vma.Start, vma.End, newFlags) != 0)
            {
                p = vma;
            }
            prev = p;
            vma = prev!.Next;
        }
    }
}
