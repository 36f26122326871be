using Mmsim.Fs;

namespace Mmsim.Mm;

/// <summary>
/// The request of vm_unmapped_area() (<c>struct vm_unmapped_area_info</c>).
/// </summary>
internal struct UnmappedAreaInfo
{
    public bool TopDown;
    public ulong Length;
    public ulong LowLimit;
    public ulong HighLimit;
    public ulong AlignMask;
    public ulong AlignOffset;
    public ulong StartGap;
}

/// <summary>Choosing where a mapping goes: get_unmapped_area() and friends (mm/mmap.c, arch/x86/kernel/sys_x86_64.c).</summary>
public sealed partial class MmStruct
{
    /// <summary>
    /// __get_unmapped_area(): returns the address for a mapping of len bytes, or -errno.
    /// Anonymous private lengths that are multiples of 2 MiB, with no hint, are THP-aligned, and
    /// so are file mappings that can hold a whole aligned 2 MiB of the file.
    /// </summary>
    internal long GetUnmappedArea(OpenFile? file, ulong addr, ulong len, ulong pgoff, int flags, VmFlags vmFlags)
    {
        if (len > TaskSize)
        {
            return -Errno.ENOMEM;
        }
        bool shmemArea = file is null && (flags & MapFlags.Shared) != 0;
        if (file is null)
        {
            pgoff = 0;
        }
        long result;
        if (Config.ThpEnabled && (FileUsesThpArea(file, flags)
            || (!shmemArea && file is null && addr == 0 && (len & (Page.PmdSize - 1)) == 0)))
        {
            result = ThpGetUnmappedArea(file, addr, len, pgoff, flags, vmFlags);
        }
        else
        {
            result = ArchGetUnmappedArea(file, addr, len, pgoff, flags, vmFlags);
        }
        if (Errno.IsError(result))
        {
            return result;
        }
        ulong a = (ulong)result;
        if (a > TaskSize - len)
        {
            return -Errno.ENOMEM;
        }
        if (!Page.IsAligned(a))
        {
            return -Errno.EINVAL;
        }
        if (a < Config.MmapMinAddr && !Config.CapSysRawio)
        {
            return -Errno.EPERM;
        }
        return result;
    }

    /// <summary>
    /// Files whose get_unmapped_area is thp_get_unmapped_area(): regular files on a disk file
    /// system (ext4 here) and private mappings of /dev/zero. shmem and tmpfs files (no huge pages
    /// by default), SysV segments and other devices place their mappings like anonymous memory.
    /// </summary>
    private static bool FileUsesThpArea(OpenFile? file, int flags)
    {
        if (file is null || file.Shm is not null)
        {
            return false;
        }
        return (file.Inode.Kind == InodeKind.Regular && file.Inode.DevMajor != 0)
            || (file.IsDevZero && (flags & MapFlags.Shared) == 0);
    }

    /// <summary>
    /// __thp_get_unmapped_area(): asks for len + 2 MiB and returns a 2 MiB-aligned address
    /// inside it (the top one when searching top-down).
    /// </summary>
    private long ThpGetUnmappedArea(OpenFile? file, ulong addr, ulong len, ulong pgoff, int flags, VmFlags vmFlags)
    {
        ulong size = Page.PmdSize;
        ulong off = pgoff << Page.Shift;
        ulong offEnd = off + len;
        ulong offAlign = (off + size - 1) & ~(size - 1);
        ulong lenPad = len + size;
        if (offEnd <= offAlign || offEnd - offAlign < size || lenPad < len || off + lenPad < off)
        {
            // The mapping cannot hold one aligned huge page of the object (or the padding overflows).
            return ArchGetUnmappedArea(file, addr, len, pgoff, flags, vmFlags);
        }
        long ret = ArchGetUnmappedArea(file, addr, lenPad, pgoff, flags, vmFlags);
        if (Errno.IsError(ret))
        {
            return ArchGetUnmappedArea(file, addr, len, pgoff, flags, vmFlags);
        }
        ulong r = (ulong)ret;
        if (r == addr)
        {
            return ret;
        }
        ulong offSub = (off - r) & (size - 1);
        if (TopDown && offSub == 0)
        {
            return (long)(r + size);
        }
        return (long)(r + offSub);
    }

    /// <summary>
    /// arch_get_unmapped_area_topdown() / arch_get_unmapped_area() for x86-64: MAP_FIXED returns
    /// the address; a valid, free hint is honoured; otherwise the search runs below mmap_base
    /// (top-down) or above the legacy base (bottom-up, and always for MAP_32BIT).
    /// </summary>
    private long ArchGetUnmappedArea(OpenFile? file, ulong addr, ulong len, ulong pgoff, int flags, VmFlags vmFlags)
    {
        if (len > TaskSize)
        {
            return -Errno.ENOMEM;
        }
        if ((flags & MapFlags.Fixed) != 0)
        {
            return (long)addr;
        }
        ulong startGap = (vmFlags & VmFlags.ShadowStack) != 0 ? Page.Size : 0;
        if (!TopDown || (flags & MapFlags.Map32Bit) != 0)
        {
            return BottomUp(addr, len, pgoff, flags, startGap);
        }
        if (addr != 0)
        {
            addr &= Page.Mask;
            if (HintValid(addr, len))
            {
                Vma? vma = Vmas.Find(addr);
                if (vma is null || addr + len <= vma.StartGap(Config.StackGuardGap))
                {
                    return (long)addr;
                }
            }
        }
        var info = new UnmappedAreaInfo
        {
            TopDown = true,
            Length = len,
            LowLimit = Page.Size,
            HighLimit = MmapBase,
            AlignOffset = pgoff << Page.Shift,
            StartGap = startGap,
        };
        if (addr > Config.DefaultMapWindow)
        {
            info.HighLimit += TaskSize - Config.DefaultMapWindow;
        }
        long found = VmUnmappedArea(info);
        if (!Errno.IsError(found))
        {
            return found;
        }
        return BottomUp(addr, len, pgoff, flags, startGap);
    }

    /// <summary>mmap_address_hint_valid(): the hint fits below TASK_SIZE and does not straddle the default window.</summary>
    private bool HintValid(ulong addr, ulong len)
    {
        if (TaskSize - len < addr)
        {
            return false;
        }
        return (addr > Config.DefaultMapWindow) == (addr + len > Config.DefaultMapWindow);
    }

    /// <summary>arch_get_unmapped_area(): the bottom-up search (legacy layout and MAP_32BIT).</summary>
    private long BottomUp(ulong addr, ulong len, ulong pgoff, int flags, ulong startGap)
    {
        ulong begin;
        ulong end;
        if ((flags & MapFlags.Map32Bit) != 0)
        {
            begin = 0x40000000;
            end = 0x80000000;
        }
        else
        {
            begin = MmapLegacyBase;
            end = addr > Config.DefaultMapWindow ? TaskSize : Config.DefaultMapWindow;
        }
        if (len > end)
        {
            return -Errno.ENOMEM;
        }
        if (addr != 0)
        {
            addr = Page.Align(addr);
            Vma? vma = Vmas.Find(addr);
            if (end - len >= addr && (vma is null || addr + len <= vma.StartGap(Config.StackGuardGap)))
            {
                return (long)addr;
            }
        }
        var info = new UnmappedAreaInfo
        {
            Length = len,
            LowLimit = begin,
            HighLimit = end,
            AlignOffset = pgoff << Page.Shift,
            StartGap = startGap,
        };
        return VmUnmappedArea(info);
    }

    /// <summary>
    /// vm_unmapped_area(): unmapped_area() or unmapped_area_topdown(), including the retry that
    /// keeps the stack guard gap below a GROWSDOWN neighbour free.
    /// </summary>
    internal long VmUnmappedArea(in UnmappedAreaInfo info)
    {
        ulong length = info.Length + info.AlignMask + info.StartGap;
        if (length < info.Length)
        {
            return -Errno.ENOMEM;
        }
        ulong low = info.LowLimit < Config.MmapMinAddr ? Config.MmapMinAddr : info.LowLimit;
        ulong high = info.HighLimit;
        ulong guard = Config.StackGuardGap;
        if (info.TopDown)
        {
            while (true)
            {
                if (!Vmas.HighestHole(low, high, length, out ulong gapEnd))
                {
                    return -Errno.ENOMEM;
                }
                ulong gap = gapEnd - info.Length;
                gap -= (gap - info.AlignOffset) & info.AlignMask;
                Vma? next = Vmas.Find(gapEnd);
                if (next is not null && next.Start >= gapEnd && (next.Flags & VmFlags.GrowsDown) != 0
                    && next.StartGap(guard) < gapEnd)
                {
                    high = next.StartGap(guard);
                    continue;
                }
                return (long)gap;
            }
        }
        while (true)
        {
            if (!Vmas.LowestHole(low, high, length, out ulong holeStart))
            {
                return -Errno.ENOMEM;
            }
            ulong gap = holeStart + info.StartGap;
            gap += (info.AlignOffset - gap) & info.AlignMask;
            Vma? next = Vmas.Find(holeStart);
            if (next is not null && (next.Flags & VmFlags.GrowsDown) != 0 && next.StartGap(guard) < gap + length - 1)
            {
                low = next.End;
                continue;
            }
            return (long)gap;
        }
    }
}
