using Mmsim.Mm;

namespace Mmsim.Fs;

/// <summary>memfd seals and the shmem inode numbers (mm/memfd.c, mm/shmem.c).</summary>
public static class Memfd
{
    public const int SealSeal = 1;
    public const int SealShrink = 2;
    public const int SealGrow = 4;
    public const int SealWrite = 8;
    public const int SealFutureWrite = 16;
    public const int SealExec = 32;

    /// <summary>
    /// memfd_check_seals_mmap(): a write-sealed file refuses shared writable mappings (-EPERM);
    /// its shared read-only mappings lose VM_MAYWRITE so mprotect cannot make them writable.
    /// </summary>
    public static int CheckSealsMmap(Inode inode, ref VmFlags vmFlags)
    {
        if ((inode.Seals & (SealWrite | SealFutureWrite)) == 0)
        {
            return 0;
        }
        if ((vmFlags & VmFlags.Shared) != 0 && (vmFlags & VmFlags.Write) != 0)
        {
            return -Errno.EPERM;
        }
        if ((vmFlags & VmFlags.Shared) != 0 || (vmFlags & VmFlags.MayShare) != 0)
        {
            vmFlags &= ~VmFlags.MayWrite;
        }
        return 0;
    }
}

/// <summary>Inode numbers for shmem objects (shared anonymous memory, memfd, SysV shm).</summary>
public static class Shmem
{
    private static long s_nextIno = 1000;

    /// <summary>A fresh shmem inode number (the real ones differ per run and are masked in comparisons).</summary>
    public static ulong NextIno() => (ulong)Interlocked.Increment(ref s_nextIno);
}
