using System.Globalization;
using Mmsim.Fs;

namespace Mmsim.Ipc;

/// <summary>
/// A System V shared-memory segment (<c>struct shmid_kernel</c>): its id, key and size, and the
/// shmem file behind it, named <c>SYSV&lt;key&gt;</c> on the internal shm mount (device 00:01),
/// never linked (so maps shows it "(deleted)"), whose inode number is the segment id.
/// </summary>
public sealed class ShmSegment
{
    /// <summary>Creates a segment as shmget() does (newseg()).</summary>
    public ShmSegment(int id, int key, ulong size)
    {
        Id = id;
        Key = key;
        Size = size;
        Inode = new Inode(0, 1, (ulong)id, "/SYSV" + ((uint)key).ToString("x8", CultureInfo.InvariantCulture), size, InodeKind.Shmem)
        {
            Unlinked = true,
        };
    }

    public int Id { get; }

    public int Key { get; }

    /// <summary>shm_segsz: the size asked for at creation (mappings round it up to pages).</summary>
    public ulong Size { get; }

    public Inode Inode { get; }

    /// <summary>Set by shmctl(IPC_RMID): destroyed when the last attach goes.</summary>
    public bool Removed { get; set; }

    /// <summary>shm_nattch: the attaches (shmat) not yet detached.</summary>
    public int Attaches { get; set; }
}
