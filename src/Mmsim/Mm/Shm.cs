using Mmsim.Fs;
using Mmsim.Ipc;

namespace Mmsim.Mm;

/// <summary>shmat() and shmdt() (do_shmat(), ksys_shmdt() in ipc/shm.c): SysV segments in the address space.</summary>
public sealed partial class MmStruct
{
    public const int ShmRdonly = 0x1000;
    public const int ShmRnd = 0x2000;
    public const int ShmRemap = 0x4000;
    public const int ShmExec = 0x8000;

    /// <summary>
    /// Attaches a segment: a MAP_SHARED mapping of a new file on the segment's shmem inode,
    /// at addr (MAP_FIXED; refused with -EINVAL if anything is mapped there, unless SHM_REMAP)
    /// or where get_unmapped_area puts it. Returns the address or -errno.
    /// </summary>
    public long Shmat(ShmSegment seg, ulong addr, int shmflg)
    {
        int flags = MapFlags.Shared;
        if (addr != 0)
        {
            if (!Page.IsAligned(addr))
            {
                if ((shmflg & ShmRnd) == 0)
                {
                    return -Errno.EINVAL;
                }
                addr &= Page.Mask;
                if (addr == 0 && (shmflg & ShmRemap) != 0)
                {
                    return -Errno.EINVAL;
                }
            }
            flags |= MapFlags.Fixed;
        }
        else if ((shmflg & ShmRemap) != 0)
        {
            return -Errno.EINVAL;
        }
        int prot = (shmflg & ShmRdonly) != 0 ? Prot.Read : Prot.Read | Prot.Write;
        if ((shmflg & ShmExec) != 0)
        {
            prot |= Prot.Exec;
        }
        if (seg.Removed && seg.Attaches == 0)
        {
            return -Errno.EIDRM;
        }
        ulong size = seg.Size;
        if (addr != 0 && (shmflg & ShmRemap) == 0)
        {
            if (addr + size < addr || Vmas.FindIntersection(addr, addr + size) is not null)
            {
                return -Errno.EINVAL;
            }
        }
        FMode mode = (shmflg & ShmRdonly) != 0 ? FMode.Read : FMode.Read | FMode.Write;
        var file = new OpenFile(seg.Inode, mode) { Shm = seg };
        long r = DoMmap(file, addr, size, prot, flags, 0);
        if (!Errno.IsError(r))
        {
            seg.Attaches++;
        }
        return r;
    }

    /// <summary>
    /// Detaches the segment attached at addr: the first shm VMA at or above addr whose offset
    /// matches its distance from addr fixes the segment; it and the segment's other fragments
    /// within its size are unmapped. -EINVAL if there is none.
    /// </summary>
    public long Shmdt(ulong addr)
    {
        if (!Page.IsAligned(addr))
        {
            return -Errno.EINVAL;
        }
        Vma? vma = Vmas.Find(addr);
        OpenFile? file = null;
        ulong size = 0;
        while (vma is not null)
        {
            Vma? next = vma.Next;
            if (IsShmFragmentOf(vma, addr))
            {
                file = vma.File;
                size = file!.Shm!.Size;
                Munmap(vma.Start, vma.Length);
                vma = next;
                break;
            }
            vma = next;
        }
        if (file is null)
        {
            return -Errno.EINVAL;
        }
        size = Page.Align(size);
        while (vma is not null && vma.End - addr <= size)
        {
            Vma? next = vma.Next;
            if (IsShmFragmentOf(vma, addr) && vma.File == file)
            {
                Munmap(vma.Start, vma.Length);
            }
            vma = next;
        }
        file.Shm!.Attaches--;
        return 0;
    }

    private static bool IsShmFragmentOf(Vma vma, ulong addr)
    {
        return vma.File?.Shm is not null && vma.Start >= addr && Page.Pages(vma.Start - addr) == vma.PgOff;
    }
}
