namespace Mmsim.Mm;

/// <summary>mprotect(): do_mprotect_pkey() and mprotect_fixup() (mm/mprotect.c).</summary>
public sealed partial class MmStruct
{
    /// <summary>
    /// The mprotect() system call. VMAs are changed one by one from the start; on a hole the
    /// ones before it stay changed and -ENOMEM is returned, as the kernel does.
    /// </summary>
    public long Mprotect(ulong start, ulong len, int prot)
    {
        int grows = prot & (Prot.GrowsDown | Prot.GrowsUp);
        prot &= ~(Prot.GrowsDown | Prot.GrowsUp);
        if (grows == (Prot.GrowsDown | Prot.GrowsUp))
        {
            return -Errno.EINVAL;
        }
        if (!Page.IsAligned(start))
        {
            return -Errno.EINVAL;
        }
        if (len == 0)
        {
            return 0;
        }
        len = Page.Align(len);
        ulong end = start + len;
        if (end <= start)
        {
            return -Errno.ENOMEM;
        }
        if ((prot & ~(Prot.Read | Prot.Write | Prot.Exec | Prot.Sem)) != 0)
        {
            return -Errno.EINVAL;
        }
        Vma? vma = Vmas.FindIntersection(start, end);
        if (vma is null)
        {
            return -Errno.ENOMEM;
        }
        if ((grows & Prot.GrowsDown) != 0)
        {
            start = vma.Start;
            if ((vma.Flags & VmFlags.GrowsDown) == 0)
            {
                return -Errno.EINVAL;
            }
        }
        else
        {
            if (vma.Start > start)
            {
                return -Errno.ENOMEM;
            }
            if ((grows & Prot.GrowsUp) != 0)
            {
                return -Errno.EINVAL;
            }
        }
        return MprotectRange(vma, start, end, prot);
    }

    /// <summary>The loop of do_mprotect_pkey() over the VMAs of [start, end), first one given.</summary>
    private long MprotectRange(Vma vma, ulong start, ulong end, int prot)
    {
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
            VmFlags newFlags = ProtToVmFlags(prot) | (cur.Flags & ~VmFlags.AccessFlags);
            ulong mayBits = (ulong)newFlags >> 4;
            if (((ulong)newFlags & ~mayBits & (ulong)VmFlags.AccessFlags) != 0)
            {
                return -Errno.EACCES;
            }
            tmp = cur.End < end ? cur.End : end;
            int err = MprotectFixup(cur, ref prev, nstart, tmp, newFlags);
            if (err != 0)
            {
                return err;
            }
            // Continue after the VMA now holding the range: a merge with the next VMA may have
            // carried it past tmp (the kernel reads the iterator's end here).
            tmp = prev!.End;
            nstart = tmp;
            cur = prev.Next;
        }
        return tmp < end ? -Errno.ENOMEM : 0;
    }

    /// <summary>
    /// mprotect_fixup(): gives [start, end) of vma the new flags, charging the commit when a
    /// private area becomes writable and dropping VM_ACCOUNT from a never-faulted anonymous one
    /// made read-only. On return prev is the VMA now holding the range.
    /// </summary>
    private int MprotectFixup(Vma vma, ref Vma? prev, ulong start, ulong end, VmFlags newFlags)
    {
        if ((vma.Flags & VmFlags.Sealed) != 0)
        {
            return -Errno.EPERM;
        }
        VmFlags oldFlags = vma.Flags;
        if (newFlags == oldFlags)
        {
            prev = vma;
            return 0;
        }
        ulong pages = Page.Pages(end - start);
        ulong charged = 0;
        if ((newFlags & VmFlags.Write) != 0)
        {
            if (!MayExpandVm(newFlags, pages) && MayExpandVm(oldFlags, pages))
            {
                return -Errno.ENOMEM;
            }
            if ((oldFlags & (VmFlags.Account | VmFlags.Write | VmFlags.HugeTlb | VmFlags.Shared | VmFlags.NoReserve)) == 0)
            {
                if (!VmEnoughMemory(pages))
                {
                    return -Errno.ENOMEM;
                }
                charged = pages;
                newFlags |= VmFlags.Account;
            }
        }
        else if ((oldFlags & VmFlags.Account) != 0 && vma.IsAnonymous && vma.AnonVma is null)
        {
            newFlags &= ~VmFlags.Account;
        }
        Vma? target = ModifyFlags(prev, vma, start, end, newFlags, out int err);
        if (target is null)
        {
            return err;
        }
        prev = target;
        target.Flags = newFlags;
        CommittedPages += charged;
        if ((oldFlags & VmFlags.Account) != 0 && (newFlags & VmFlags.Account) == 0)
        {
            CommittedPages -= pages;
        }
        StatAccount(oldFlags, -(long)pages);
        StatAccount(newFlags, (long)pages);
        OnProtectRange?.Invoke(target, start, end);
        Paging?.ChangeProtection(target, start, end);
        // A private VM_LOCKED range that becomes writable is faulted in for writing at once
        // (populate_vma_page_range(): the COW is broken now, not at the first store); a
        // lock-on-fault range is left to its faults.
        if ((oldFlags & (VmFlags.Write | VmFlags.Shared | VmFlags.Locked)) == VmFlags.Locked
            && (newFlags & VmFlags.Write) != 0 && (newFlags & VmFlags.LockOnFault) == 0)
        {
            FaultRange(target, start, end, Tlb.AccessKind.Write);
        }
        return 0;
    }

    /// <summary>
    /// vma_modify_flags(): makes [start, end) of vma a VMA of its own (merging with a neighbour
    /// that will have the same flags, else splitting) and returns it; null with -errno on failure.
    /// </summary>
    internal Vma? ModifyFlags(Vma? prev, Vma vma, ulong start, ulong end, VmFlags newFlags, out int err)
    {
        var vmg = new VmaMergeState
        {
            Start = start,
            End = end,
            PgOff = vma.PgOff + Page.Pages(start - vma.Start),
            Flags = newFlags,
            File = vma.File,
            AnonVma = vma.AnonVma,
            AnonName = vma.AnonName,
            Prev = prev,
            Middle = vma,
        };
        return VmaMerge.Modify(this, ref vmg, out err);
    }

    /// <summary>Called after the protection of [start, end) changed (the paging layer's change_protection hook).</summary>
    internal Action<Vma, ulong, ulong>? OnProtectRange { get; set; }
}
