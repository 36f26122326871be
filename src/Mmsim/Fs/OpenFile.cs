namespace Mmsim.Fs;

/// <summary>An open file description (<c>struct file</c>): an inode and the access mode it was opened with.</summary>
public sealed class OpenFile
{
    /// <summary>Creates an open file description.</summary>
    public OpenFile(Inode inode, FMode mode)
    {
        Inode = inode;
        Mode = mode;
    }

    public Inode Inode { get; }

    /// <summary>f_mode: FMODE_READ / FMODE_WRITE.</summary>
    public FMode Mode { get; }

    /// <summary>True when the file lives on a noexec mount (path_noexec()).</summary>
    public bool NoExec { get; init; }

    /// <summary>True when the file has no mmap operation (pipes, sockets, most character devices).</summary>
    public bool CanMmap => Inode.Kind is InodeKind.Regular or InodeKind.Shmem or InodeKind.CharDevice;

    /// <summary>The SysV segment this file attaches (shmat() makes one file per attach), else null.</summary>
    public Ipc.ShmSegment? Shm { get; init; }

    /// <summary>True for /dev/zero, whose MAP_SHARED mappings become shared anonymous memory.</summary>
    public bool IsDevZero => Inode.Kind == InodeKind.CharDevice && Inode.Path == "/dev/zero";

    /// <summary>Exec-time file flag: the file is a mapped executable.</summary>
    public override string ToString() => Inode.Path;
}

/// <summary>f_mode bits relevant to mmap.</summary>
[Flags]
public enum FMode
{
    None = 0,
    Read = 1,
    Write = 2,
}
