using Mmsim.Fs;

namespace Mmsim.Mm;

/// <summary>mmap(): do_mmap() and mmap_region() (mm/mmap.c, mm/vma.c).</summary>
public sealed partial class MmStruct
{
    /// <summary>
    /// The mmap() system call as x86-64 enters it (offset in bytes). <paramref name="file"/> is the
    /// open file behind fd, or null for MAP_ANONYMOUS; a caller that resolved no file for a
    /// non-anonymous mapping passes <paramref name="badFd"/> = true and gets -EBADF.
    /// Returns the address or -errno. Pages to populate (MAP_POPULATE, VM_LOCKED) are reported
    /// through <see cref="LastPopulate"/>.
    /// </summary>
    public long Mmap(ulong addr, ulong len, int prot, int flags, OpenFile? file, ulong offset, bool badFd = false)
    {
        LastPopulate = default;
        if ((offset & Page.OffsetMask) != 0)
        {
            return -Errno.EINVAL;
        }
        if ((flags & MapFlags.Anonymous) == 0)
        {
            if (badFd || file is null)
            {
                return -Errno.EBADF;
            }
            if ((flags & MapFlags.HugeTlb) != 0)
            {
                return -Errno.EINVAL;
            }
        }
        else
        {
            file = null;
            if ((flags & MapFlags.HugeTlb) != 0)
            {
                // No hugetlb pages are reserved on the reference machine: hugetlb_file_setup() fails.
                return -Errno.ENOMEM;
            }
        }
        return DoMmap(file, addr, len, prot, flags, offset >> Page.Shift);
    }

    /// <summary>The range the last successful mmap asked to populate (MAP_POPULATE or VM_LOCKED); empty if none.</summary>
    public (ulong Start, ulong Length) LastPopulate { get; private set; }

    /// <summary>do_mmap(): validates, derives vm_flags, picks the address and maps it.</summary>
    internal long DoMmap(OpenFile? file, ulong addr, ulong len, int prot, int flags, ulong pgoff)
    {
        if (len == 0)
        {
            return -Errno.EINVAL;
        }
        if ((flags & MapFlags.FixedNoReplace) != 0)
        {
            flags |= MapFlags.Fixed;
        }
        if ((flags & MapFlags.Fixed) == 0)
        {
            addr = RoundHintToMin(addr);
        }
        len = Page.Align(len);
        if (len == 0)
        {
            return -Errno.ENOMEM;
        }
        if (pgoff + Page.Pages(len) < pgoff)
        {
            return -Errno.EOVERFLOW;
        }
        if (MapCount > Config.MaxMapCount)
        {
            return -Errno.ENOMEM;
        }
        VmFlags vmFlags = ProtToVmFlags(prot) | MapToVmFlags(flags) | DefFlags
            | VmFlags.MayRead | VmFlags.MayWrite | VmFlags.MayExec;
        long area = GetUnmappedArea(file, addr, len, pgoff, flags, vmFlags);
        if (Errno.IsError(area))
        {
            return area;
        }
        addr = (ulong)area;
        if ((flags & MapFlags.FixedNoReplace) != 0 && Vmas.FindIntersection(addr, addr + len) is not null)
        {
            return -Errno.EEXIST;
        }
        if (file is not null)
        {
            int err = CheckFileMapping(file, prot, ref flags, ref vmFlags, pgoff, len);
            if (err != 0)
            {
                return err;
            }
        }
        else
        {
            switch (flags & MapFlags.Type)
            {
                case MapFlags.Shared:
                    if ((vmFlags & VmFlags.GrowsDown) != 0)
                    {
                        return -Errno.EINVAL;
                    }
                    pgoff = 0;
                    vmFlags |= VmFlags.Shared | VmFlags.MayShare;
                    break;
                case MapFlags.Private:
                    pgoff = addr >> Page.Shift;
                    break;
                default:
                    return -Errno.EINVAL;
            }
        }
        if ((flags & MapFlags.NoReserve) != 0 && Config.OvercommitMemory != 2)
        {
            vmFlags |= VmFlags.NoReserve;
        }
        // A shared mapping of /dev/zero is shared anonymous memory (mmap_zero() -> shmem_zero_setup()).
        bool sharedAnon = (file is null || file.IsDevZero) && (vmFlags & VmFlags.Shared) != 0;
        long mapped = MmapRegion(sharedAnon ? null : file, addr, len, vmFlags, pgoff, sharedAnon);
        if (!Errno.IsError(mapped) && ((vmFlags & VmFlags.Locked) != 0
            || (flags & (MapFlags.Populate | MapFlags.NonBlock)) == MapFlags.Populate))
        {
            RequestPopulate(addr, len);
        }
        return mapped;
    }

    /// <summary>round_hint_to_min(): a non-fixed hint is page-masked and raised to mmap_min_addr.</summary>
    private ulong RoundHintToMin(ulong hint)
    {
        hint &= Page.Mask;
        return hint != 0 && hint < Config.MmapMinAddr ? Page.Align(Config.MmapMinAddr) : hint;
    }

    /// <summary>The do_mmap() checks of a file mapping against the file's open mode and seals.</summary>
    private static int CheckFileMapping(OpenFile file, int prot, ref int flags, ref VmFlags vmFlags, ulong pgoff, ulong len)
    {
        if (!FileMmapOk(file, pgoff, len))
        {
            return -Errno.EOVERFLOW;
        }
        int type = flags & MapFlags.Type;
        if (type == MapFlags.Shared || type == MapFlags.SharedValidate)
        {
            if (type == MapFlags.Shared)
            {
                flags &= MapFlags.LegacyMask;
            }
            else if ((flags & ~(MapFlags.LegacyMask | MapFlags.Type | SupportedMapFlags(file))) != 0)
            {
                return -Errno.EOPNOTSUPP;
            }
            if ((prot & Prot.Write) != 0 && (file.Mode & FMode.Write) == 0)
            {
                return -Errno.EACCES;
            }
            vmFlags |= VmFlags.Shared | VmFlags.MayShare;
            if ((file.Mode & FMode.Write) == 0)
            {
                vmFlags &= ~(VmFlags.MayWrite | VmFlags.Shared);
            }
        }
        else if (type != MapFlags.Private)
        {
            return -Errno.EINVAL;
        }
        if ((file.Mode & FMode.Read) == 0)
        {
            return -Errno.EACCES;
        }
        if (file.NoExec)
        {
            if ((vmFlags & VmFlags.Exec) != 0)
            {
                return -Errno.EPERM;
            }
            vmFlags &= ~VmFlags.MayExec;
        }
        if (!file.CanMmap)
        {
            return -Errno.ENODEV;
        }
        if ((vmFlags & VmFlags.GrowsDown) != 0)
        {
            return -Errno.EINVAL;
        }
        return Memfd.CheckSealsMmap(file.Inode, ref vmFlags);
    }

    /// <summary>file_mmap_ok(): the page offset range fits the file's maximum size (MAX_LFS_FILESIZE).</summary>
    private static bool FileMmapOk(OpenFile file, ulong pgoff, ulong len)
    {
        const ulong maxPages = 0x7fffffffffffffffUL >> Page.Shift;
        ulong pages = Page.Pages(len);
        return pages <= maxPages && pgoff <= maxPages - pages;
    }

    /// <summary>
    /// The file's f_op->mmap_supported_flags: a regular file on a block-device file system (ext4,
    /// xfs) accepts MAP_SYNC (its mmap hook then refuses VM_SYNC without DAX); tmpfs, devices and
    /// pseudo files accept nothing beyond the legacy flags.
    /// </summary>
    private static int SupportedMapFlags(OpenFile file)
    {
        return file.Inode.Kind == InodeKind.Regular && file.Inode.DevMajor != 0 ? MapFlags.Sync : 0;
    }

    /// <summary>calc_vm_prot_bits(): PROT_READ/WRITE/EXEC to VM_READ/WRITE/EXEC.</summary>
    internal static VmFlags ProtToVmFlags(int prot)
    {
        return (VmFlags)(ulong)(prot & (Prot.Read | Prot.Write | Prot.Exec));
    }

    /// <summary>calc_vm_flag_bits(): MAP_GROWSDOWN, MAP_LOCKED, MAP_STACK (VM_NOHUGEPAGE).</summary>
    private static VmFlags MapToVmFlags(int flags)
    {
        VmFlags f = VmFlags.None;
        if ((flags & MapFlags.GrowsDown) != 0)
        {
            f |= VmFlags.GrowsDown;
        }
        if ((flags & MapFlags.Locked) != 0)
        {
            f |= VmFlags.Locked;
        }
        if ((flags & MapFlags.Stack) != 0)
        {
            f |= VmFlags.NoHugePage;
        }
        if ((flags & MapFlags.Type) == MapFlags.SharedValidate && (flags & MapFlags.Sync) != 0)
        {
            f |= VmFlags.Sync;
        }
        return f;
    }

    /// <summary>accountable_mapping(): private writable memory without MAP_NORESERVE is charged.</summary>
    internal static bool Accountable(VmFlags flags)
    {
        return (flags & (VmFlags.NoReserve | VmFlags.Shared | VmFlags.Write)) == VmFlags.Write;
    }

    /// <summary>
    /// mmap_region(): unmaps what MAP_FIXED covers, charges the commit, merges with a neighbour
    /// or inserts a new VMA, and accounts it. Returns addr or -errno (nothing changed, except after
    /// a refusal by the file's mmap hook: the range MAP_FIXED covered is then unmapped).
    /// </summary>
    internal long MmapRegion(OpenFile? file, ulong addr, ulong len, VmFlags vmFlags, ulong pgoff, bool sharedAnon)
    {
        ulong end = addr + len;
        ulong pglen = Page.Pages(len);
        int err = GatherMunmap(addr, end, out MunmapGather gather);
        if (err != 0)
        {
            return err;
        }
        if (!MayExpandVm(vmFlags, pglen - gather.Pages))
        {
            return -Errno.ENOMEM;
        }
        if (Accountable(vmFlags))
        {
            ulong charged = pglen - gather.AccountedPages;
            if (!VmEnoughMemory(charged))
            {
                return -Errno.ENOMEM;
            }
            vmFlags |= VmFlags.Account;
        }
        if (gather.Count > 0)
        {
            CompleteMunmap(ref gather);
        }
        if ((vmFlags & VmFlags.Sync) != 0)
        {
            // The file's mmap hook (ext4_file_mmap_prepare) refuses MAP_SYNC without DAX; it runs
            // after the old range was cleared, so what MAP_FIXED covered stays unmapped.
            return -Errno.EOPNOTSUPP;
        }
        if (sharedAnon)
        {
            file = ShmemZeroSetup(len);
        }
        Vma? next = Vmas.Find(addr);
        Vma? prev = next is null ? Vmas.Last : next.Prev;
        var vmg = new VmaMergeState
        {
            Start = addr,
            End = end,
            PgOff = pgoff,
            Flags = vmFlags,
            File = file,
            Prev = prev,
            Next = next,
        };
        Vma? vma = VmaMerge.MergeNewRange(this, ref vmg);
        if (vma is null)
        {
            vma = new Vma(addr, end, vmFlags, pgoff, file);
            Vmas.InsertAfter(prev, vma);
            OnVmaCreated(vma);
        }
        CompleteMmap(vma, vmFlags, pglen);
        return (long)addr;
    }

    /// <summary>__mmap_complete(): accounting, and VM_LOCKED dropped where it cannot apply.</summary>
    private void CompleteMmap(Vma vma, VmFlags vmFlags, ulong pglen)
    {
        StatAccount(vmFlags, (long)pglen);
        if ((vmFlags & VmFlags.Account) != 0)
        {
            CommittedPages += pglen;
        }
        if ((vmFlags & VmFlags.Locked) != 0)
        {
            if ((vmFlags & VmFlags.Special) != 0)
            {
                vma.Flags &= ~VmFlags.LockedMask;
            }
            else
            {
                LockedVm += pglen;
            }
        }
        vma.Flags |= VmFlags.SoftDirty;
    }

    /// <summary>Shared anonymous memory gets a shmem file, "/dev/zero (deleted)" (shmem_zero_setup()).</summary>
    private OpenFile ShmemZeroSetup(ulong len)
    {
        var inode = new Inode(0, 1, Shmem.NextIno(), "/dev/zero", len, InodeKind.Shmem) { Unlinked = true };
        return new OpenFile(inode, FMode.Read | FMode.Write);
    }

    /// <summary>Bookkeeping when a VMA comes into existence (i_mmap_writable for shared writable file maps).</summary>
    internal void OnVmaCreated(Vma vma)
    {
        if (vma.File is not null && (vma.Flags & (VmFlags.Shared | VmFlags.MayWrite)) == (VmFlags.Shared | VmFlags.MayWrite))
        {
            vma.File.Inode.WritableMappings++;
        }
        if (vma.File is not null)
        {
            vma.File.Inode.Mappings++;
        }
    }

    /// <summary>Bookkeeping when a VMA is freed (unmapped or absorbed by a merge).</summary>
    internal void OnVmaFreed(Vma vma)
    {
        if (vma.File is not null && (vma.Flags & (VmFlags.Shared | VmFlags.MayWrite)) == (VmFlags.Shared | VmFlags.MayWrite))
        {
            vma.File.Inode.WritableMappings--;
        }
        if (vma.File is not null)
        {
            vma.File.Inode.Mappings--;
            // The shmem object behind shared anonymous memory is reachable only through its VMAs;
            // a SysV segment marked IPC_RMID goes with its last attach.
            if (vma.File.Inode.Mappings == 0 && vma.File.Inode.IsShmem
                && (vma.File.Shm is { Removed: true } || (vma.File.Shm is null && vma.File.Inode.Path == "/dev/zero")))
            {
                Paging?.Machine.Cache.Evict(vma.File.Inode);
            }
        }
    }
}
