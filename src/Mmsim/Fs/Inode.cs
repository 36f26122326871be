namespace Mmsim.Fs;

/// <summary>
/// The identity of a file as /proc/PID/maps prints it: device, inode number and path
/// (the kernel's <c>struct inode</c> plus the dentry path, reduced to what mappings show).
/// </summary>
public sealed class Inode
{
    /// <summary>Creates an inode.</summary>
    public Inode(uint devMajor, uint devMinor, ulong ino, string path, ulong size, InodeKind kind)
    {
        DevMajor = devMajor;
        DevMinor = devMinor;
        Ino = ino;
        Path = path;
        Size = size;
        Kind = kind;
    }

    public uint DevMajor { get; private set; }

    public uint DevMinor { get; private set; }

    public ulong Ino { get; set; }

    /// <summary>The path d_path() gives, without the " (deleted)" suffix.</summary>
    public string Path { get; set; }

    /// <summary>i_size in bytes (ftruncate changes it).</summary>
    public ulong Size { get; set; }

    public InodeKind Kind { get; private set; }

    /// <summary>
    /// False while device, inode number and kind are stand-ins (a file a replayed log opened
    /// whose identity is learned later, from an fstat in the log or from the host).
    /// </summary>
    public bool IdentityKnown { get; set; } = true;

    /// <summary>False while <see cref="Path"/> is the name the program used rather than the canonical one maps shows.</summary>
    public bool PathCanonical { get; set; } = true;

    /// <summary>
    /// Fills in an identity learned after the file was opened (a replayed fstat, or the host):
    /// every open file and mapping of this inode shows it from then on.
    /// </summary>
    public void SetIdentity(uint devMajor, uint devMinor, ulong ino, InodeKind kind)
    {
        DevMajor = devMajor;
        DevMinor = devMinor;
        Ino = ino;
        Kind = kind;
        IdentityKnown = true;
    }

    /// <summary>True once the last link is gone (unlink, or shmem objects that never had one).</summary>
    public bool Unlinked { get; set; }

    /// <summary>memfd seals (F_SEAL_*), as fcntl(F_ADD_SEALS) sets them.</summary>
    public int Seals { get; set; }

    /// <summary>Number of VM_SHARED|VM_MAYWRITE mappings (i_mmap_writable), which F_SEAL_WRITE refuses.</summary>
    public int WritableMappings { get; set; }

    /// <summary>VMAs mapping this inode (the size of its i_mmap tree).</summary>
    public int Mappings { get; set; }

    /// <summary>True for shmem-backed inodes (shared anonymous memory, memfd, SysV shm): no page cache on disk.</summary>
    public bool IsShmem => Kind is InodeKind.Shmem;
}

/// <summary>What kind of object an inode is; decides how mmap treats it.</summary>
public enum InodeKind
{
    Regular,
    Directory,
    CharDevice,
    Shmem,
    Pipe,
    Socket,
    Anon,
}
