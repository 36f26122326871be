namespace Mmsim.Mm;

/// <summary>MADV_* advice values (asm-generic/mman-common.h).</summary>
public static class Madv
{
    public const int Normal = 0;
    public const int Random = 1;
    public const int Sequential = 2;
    public const int WillNeed = 3;
    public const int DontNeed = 4;
    public const int Free = 8;
    public const int Remove = 9;
    public const int DontFork = 10;
    public const int DoFork = 11;
    public const int Mergeable = 12;
    public const int Unmergeable = 13;
    public const int HugePage = 14;
    public const int NoHugePage = 15;
    public const int DontDump = 16;
    public const int DoDump = 17;
    public const int WipeOnFork = 18;
    public const int KeepOnFork = 19;
    public const int Cold = 20;
    public const int PageOut = 21;
    public const int PopulateRead = 22;
    public const int PopulateWrite = 23;
    public const int DontNeedLocked = 24;
    public const int Collapse = 25;
    public const int HwPoison = 100;
    public const int SoftOffline = 101;
    public const int GuardInstall = 102;
    public const int GuardRemove = 103;
}

/// <summary>madvise(): do_madvise() and the VMA-flag advice of mm/madvise.c.</summary>
public sealed partial class MmStruct
{
    /// <summary>
    /// The madvise() system call. Advice that changes VMA flags splits and merges as the kernel
    /// does; holes in the range are skipped and reported as -ENOMEM at the end. The paging
    /// advice is validated here and handed to <see cref="OnAdvise"/> for its effect.
    /// </summary>
    public long Madvise(ulong start, ulong lenIn, int advice)
    {
        if (!AdviceValid(advice))
        {
            return -Errno.EINVAL;
        }
        long err = UserRange(start, lenIn, out ulong end);
        if (err != 0 || end == start)
        {
            return err;
        }
        if (advice is Madv.PopulateRead or Madv.PopulateWrite)
        {
            return MadvisePopulate(start, end, advice);
        }
        return MadviseWalk(start, end, advice);
    }

    /// <summary>
    /// The range check madvise() and mseal() share: start page-aligned, length rounded up to
    /// pages without wrapping. Returns 0 with the end (end == start for an empty range) or -EINVAL.
    /// </summary>
    internal static long UserRange(ulong start, ulong lenIn, out ulong end)
    {
        end = start;
        ulong len = Page.Align(lenIn);
        if (!Page.IsAligned(start) || (lenIn != 0 && len == 0) || start + len < start)
        {
            return -Errno.EINVAL;
        }
        end = start + len;
        return 0;
    }

    /// <summary>madvise_behavior_valid().</summary>
    private bool AdviceValid(int advice)
    {
        return advice switch
        {
            >= Madv.Normal and <= Madv.DontNeed => true,
            >= Madv.Free and <= Madv.Collapse => advice != Madv.Mergeable && advice != Madv.Unmergeable || Config.Ksm,
            Madv.GuardInstall or Madv.GuardRemove => true,
            Madv.HwPoison or Madv.SoftOffline => true,
            _ => false,
        };
    }

    /// <summary>
    /// can_madvise_modify(): a sealed VMA refuses only the advice that discards (is_discard():
    /// FREE, DONTNEED(_LOCKED), REMOVE, DONTFORK, WIPEONFORK, GUARD_INSTALL), and only where
    /// it is anonymous and not writable (a program that may write it could zero it anyway).
    /// </summary>
    private static bool CanMadviseModify(Vma vma, int advice)
    {
        if ((vma.Flags & VmFlags.Sealed) == 0)
        {
            return true;
        }
        bool discard = advice is Madv.Free or Madv.DontNeed or Madv.DontNeedLocked or Madv.Remove
            or Madv.DontFork or Madv.WipeOnFork or Madv.GuardInstall;
        return !discard || !vma.IsAnonymous || (vma.Flags & VmFlags.Write) != 0;
    }

    /// <summary>madvise_walk_vmas(): visits each VMA piece of [start, end), skipping holes.</summary>
    private long MadviseWalk(ulong start, ulong end, int advice)
    {
        long unmappedError = 0;
        Vma? vma = Vmas.FindPrev(start, out Vma? prev);
        if (vma is not null && start > vma.Start)
        {
            prev = vma;
        }
        while (true)
        {
            if (vma is null)
            {
                return -Errno.ENOMEM;
            }
            if (start < vma.Start)
            {
                unmappedError = -Errno.ENOMEM;
                start = vma.Start;
                if (start >= end)
                {
                    break;
                }
            }
            ulong tmp = vma.End < end ? vma.End : end;
            int err = MadviseVma(vma, ref prev, start, tmp, advice);
            if (err != 0)
            {
                return err;
            }
            start = tmp;
            if (prev is not null && start < prev.End)
            {
                start = prev.End;
            }
            if (start >= end)
            {
                break;
            }
            vma = Vmas.Find(prev is not null ? prev.End : start);
        }
        return unmappedError;
    }

    /// <summary>madvise_vma_behavior(): one VMA piece; flag advice goes through vma_modify_flags().</summary>
    private int MadviseVma(Vma vma, ref Vma? prev, ulong start, ulong end, int advice)
    {
        if (!CanMadviseModify(vma, advice))
        {
            return -Errno.EPERM;
        }
        VmFlags flags = vma.Flags;
        VmFlags newFlags = flags;
        switch (advice)
        {
            case Madv.Normal:
                newFlags &= ~(VmFlags.RandRead | VmFlags.SeqRead);
                break;
            case Madv.Sequential:
                newFlags = (newFlags & ~VmFlags.RandRead) | VmFlags.SeqRead;
                break;
            case Madv.Random:
                newFlags = (newFlags & ~VmFlags.SeqRead) | VmFlags.RandRead;
                break;
            case Madv.DontFork:
                newFlags |= VmFlags.DontCopy;
                break;
            case Madv.DoFork:
                if ((flags & VmFlags.Io) != 0)
                {
                    return -Errno.EINVAL;
                }
                newFlags &= ~VmFlags.DontCopy;
                break;
            case Madv.WipeOnFork:
                if (vma.File is not null || (flags & VmFlags.Shared) != 0)
                {
                    return -Errno.EINVAL;
                }
                newFlags |= VmFlags.WipeOnFork;
                break;
            case Madv.KeepOnFork:
                newFlags &= ~VmFlags.WipeOnFork;
                break;
            case Madv.DontDump:
                newFlags |= VmFlags.DontDump;
                break;
            case Madv.DoDump:
                if ((flags & VmFlags.Special) != 0)
                {
                    return -Errno.EINVAL;
                }
                newFlags &= ~VmFlags.DontDump;
                break;
            case Madv.Mergeable:
                if ((flags & (VmFlags.Mergeable | VmFlags.Shared | VmFlags.MayShare | VmFlags.PfnMap | VmFlags.Io
                    | VmFlags.DontExpand | VmFlags.HugeTlb | VmFlags.MixedMap | VmFlags.Droppable)) == 0)
                {
                    newFlags |= VmFlags.Mergeable;
                }
                break;
            case Madv.Unmergeable:
                newFlags &= ~VmFlags.Mergeable;
                break;
            case Madv.HugePage:
                newFlags = (newFlags & ~VmFlags.NoHugePage) | VmFlags.HugePage;
                break;
            case Madv.NoHugePage:
                newFlags = (newFlags & ~VmFlags.HugePage) | VmFlags.NoHugePage;
                break;
            default:
                return MadvisePaging(vma, ref prev, start, end, advice);
        }
        if (newFlags == flags)
        {
            prev = vma;
            return 0;
        }
        // A sealed VMA refuses only discards (can_madvise_modify()); flag changes go through.
        Vma? target = ModifyFlags(prev, vma, start, end, newFlags, out int err);
        if (target is null)
        {
            return err;
        }
        target.Flags = newFlags;
        prev = target;
        return 0;
    }

    /// <summary>The advice that acts on pages, not on VMA flags: validated here, applied by <see cref="OnAdvise"/>.</summary>
    private int MadvisePaging(Vma vma, ref Vma? prev, ulong start, ulong end, int advice)
    {
        prev = vma;
        const VmFlags lruForbidden = VmFlags.Locked | VmFlags.PfnMap | VmFlags.HugeTlb;
        switch (advice)
        {
            case Madv.DontNeed or Madv.Cold or Madv.PageOut:
                if ((vma.Flags & lruForbidden) != 0)
                {
                    return -Errno.EINVAL;
                }
                break;
            case Madv.DontNeedLocked:
                if ((vma.Flags & (VmFlags.PfnMap | VmFlags.HugeTlb)) != 0)
                {
                    return -Errno.EINVAL;
                }
                break;
            case Madv.Free:
                if ((vma.Flags & lruForbidden) != 0 || !vma.IsAnonymous)
                {
                    return -Errno.EINVAL;
                }
                break;
            case Madv.Remove:
                if ((vma.Flags & VmFlags.Locked) != 0 || vma.File is null)
                {
                    return -Errno.EINVAL;
                }
                // vma_is_shared_maywrite(): a shared mapping of a file opened for writing, whatever its protection.
                if ((vma.Flags & (VmFlags.Shared | VmFlags.MayWrite)) != (VmFlags.Shared | VmFlags.MayWrite))
                {
                    return -Errno.EACCES;
                }
                break;
            case Madv.GuardInstall or Madv.GuardRemove:
                // is_valid_guard_vma(): any mapping but VM_SPECIAL and hugetlb ones (file-backed,
                // shared and read-only ones too); an install also refuses VM_LOCKED.
                if ((vma.Flags & (VmFlags.Special | VmFlags.HugeTlb | VmFlags.MixedMap)) != 0
                    || (advice == Madv.GuardInstall && (vma.Flags & VmFlags.Locked) != 0))
                {
                    return -Errno.EINVAL;
                }
                if (advice == Madv.GuardInstall && vma.IsAnonymous)
                {
                    // madvise_guard_install(): page tables with markers in an anonymous VMA
                    // need its anon_vma (fork copies them), which then decides merges.
                    AnonVmaPrepare(vma);
                }
                OnAdvise?.Invoke(vma, start, end, advice);
                Paging?.Advise(vma, start, end, advice);
                if (advice == Madv.GuardInstall)
                {
                    InstallGuards(start, end);
                }
                else
                {
                    RemoveGuards(start, end);
                }
                return 0;
            case Madv.HwPoison or Madv.SoftOffline:
                return -Errno.EPERM;
        }
        OnAdvise?.Invoke(vma, start, end, advice);
        Paging?.Advise(vma, start, end, advice);
        return 0;
    }

    /// <summary>madvise_populate(): faults the range in; unmapped parts give -ENOMEM, a mapping that forbids the access -EINVAL.</summary>
    private long MadvisePopulate(ulong start, ulong end, int advice)
    {
        ulong addr = start;
        while (addr < end)
        {
            Vma? vma = Vmas.Lookup(addr);
            if (vma is null)
            {
                return -Errno.ENOMEM;
            }
            if ((vma.Flags & (VmFlags.Io | VmFlags.PfnMap)) != 0)
            {
                return -Errno.EINVAL;
            }
            bool write = advice == Madv.PopulateWrite;
            VmFlags need = write ? VmFlags.Write : VmFlags.Read;
            if ((vma.Flags & need) == 0)
            {
                return -Errno.EINVAL;
            }
            ulong e = vma.End < end ? vma.End : end;
            FaultResult fr = FaultRange(vma, addr, e, write ? Tlb.AccessKind.Write : Tlb.AccessKind.Read);
            if (fr == FaultResult.SigBus)
            {
                return -Errno.EFAULT;
            }
            if (fr == FaultResult.Oom)
            {
                return -Errno.ENOMEM;
            }
            OnAdvise?.Invoke(vma, addr, e, advice);
            addr = e;
        }
        return 0;
    }

    /// <summary>Called for paging advice on [start, end) of a VMA (the paging layer gives it effect).</summary>
    internal Action<Vma, ulong, ulong, int>? OnAdvise { get; set; }
}
