namespace Mmsim.Strace;

/// <summary>
/// The constant tables strace prints, with Linux x86-64 values (checked against linux/mman.h,
/// asm-generic/mman-common.h, asm-generic/fcntl.h, linux/sched.h, linux/ipc.h, linux/shm.h and newer
/// uapi additions such as <c>MAP_DROPPABLE</c>, <c>MADV_GUARD_INSTALL</c>, <c>F_SEAL_EXEC</c>, <c>MFD_EXEC</c>).
/// C octal constants are written here in hex.
/// </summary>
public static class FlagTables
{
    /// <summary>Shift of the huge page size encoded in MAP_/MFD_/SHM_ flags (<c>HUGETLB_FLAG_ENCODE_SHIFT</c>).</summary>
    public const int HugeShift = 26;

    /// <summary>mmap/mprotect/pkey_mprotect protection bits.</summary>
    public static readonly FlagTable Prot = new("prot",
    [
        ("PROT_NONE", 0x0), ("PROT_READ", 0x1), ("PROT_WRITE", 0x2), ("PROT_EXEC", 0x4), ("PROT_SEM", 0x8),
        ("PROT_GROWSDOWN", 0x01000000), ("PROT_GROWSUP", 0x02000000),
    ]);

    /// <summary>mmap flags, including the huge page size encodings (<c>MAP_HUGE_2MB</c>, or <c>21&lt;&lt;MAP_HUGE_SHIFT</c>).</summary>
    public static readonly FlagTable Map = new("map", Concat(
    [
        ("MAP_FILE", 0x0), ("MAP_SHARED", 0x1), ("MAP_PRIVATE", 0x2), ("MAP_SHARED_VALIDATE", 0x3),
        ("MAP_DROPPABLE", 0x8), ("MAP_FIXED", 0x10), ("MAP_ANONYMOUS", 0x20), ("MAP_ANON", 0x20),
        ("MAP_32BIT", 0x40), ("MAP_ABOVE4G", 0x80), ("MAP_GROWSDOWN", 0x100), ("MAP_DENYWRITE", 0x800),
        ("MAP_EXECUTABLE", 0x1000), ("MAP_LOCKED", 0x2000), ("MAP_NORESERVE", 0x4000), ("MAP_POPULATE", 0x8000),
        ("MAP_NONBLOCK", 0x10000), ("MAP_STACK", 0x20000), ("MAP_HUGETLB", 0x40000), ("MAP_SYNC", 0x80000),
        ("MAP_FIXED_NOREPLACE", 0x100000), ("MAP_UNINITIALIZED", 0x4000000),
    ], HugeSizes("MAP_HUGE_")), [("MAP_HUGE_SHIFT", HugeShift)]);

    /// <summary>mremap flags.</summary>
    public static readonly FlagTable Mremap = new("mremap",
    [
        ("MREMAP_MAYMOVE", 0x1), ("MREMAP_FIXED", 0x2), ("MREMAP_DONTUNMAP", 0x4),
    ]);

    /// <summary>madvise advice values (a single value each, not bit flags).</summary>
    public static readonly FlagTable Madvise = new("madvise",
    [
        ("MADV_NORMAL", 0), ("MADV_RANDOM", 1), ("MADV_SEQUENTIAL", 2), ("MADV_WILLNEED", 3),
        ("MADV_DONTNEED", 4), ("MADV_FREE", 8), ("MADV_REMOVE", 9), ("MADV_DONTFORK", 10), ("MADV_DOFORK", 11),
        ("MADV_MERGEABLE", 12), ("MADV_UNMERGEABLE", 13), ("MADV_HUGEPAGE", 14), ("MADV_NOHUGEPAGE", 15),
        ("MADV_DONTDUMP", 16), ("MADV_DODUMP", 17), ("MADV_WIPEONFORK", 18), ("MADV_KEEPONFORK", 19),
        ("MADV_COLD", 20), ("MADV_PAGEOUT", 21), ("MADV_POPULATE_READ", 22), ("MADV_POPULATE_WRITE", 23),
        ("MADV_DONTNEED_LOCKED", 24), ("MADV_COLLAPSE", 25), ("MADV_HWPOISON", 100), ("MADV_SOFT_OFFLINE", 101),
        ("MADV_GUARD_INSTALL", 102), ("MADV_GUARD_REMOVE", 103),
    ]);

    /// <summary>mlock2 flags.</summary>
    public static readonly FlagTable Mlock = new("mlock", [("MLOCK_ONFAULT", 0x1)]);

    /// <summary>mlockall flags.</summary>
    public static readonly FlagTable Mcl = new("mcl", [("MCL_CURRENT", 0x1), ("MCL_FUTURE", 0x2), ("MCL_ONFAULT", 0x4)]);

    /// <summary>msync flags.</summary>
    public static readonly FlagTable Msync = new("msync", [("MS_ASYNC", 0x1), ("MS_INVALIDATE", 0x2), ("MS_SYNC", 0x4)]);

    /// <summary>open/openat flags (also F_SETFL/F_GETFL values). <c>O_SYNC</c> and <c>O_TMPFILE</c> are the composite values.</summary>
    public static readonly FlagTable Open = new("open",
    [
        ("O_RDONLY", 0x0), ("O_WRONLY", 0x1), ("O_RDWR", 0x2), ("O_ACCMODE", 0x3), ("O_CREAT", 0x40),
        ("O_EXCL", 0x80), ("O_NOCTTY", 0x100), ("O_TRUNC", 0x200), ("O_APPEND", 0x400), ("O_NONBLOCK", 0x800),
        ("O_NDELAY", 0x800), ("O_DSYNC", 0x1000), ("FASYNC", 0x2000), ("O_ASYNC", 0x2000), ("O_DIRECT", 0x4000),
        ("O_LARGEFILE", 0x8000), ("O_DIRECTORY", 0x10000), ("O_NOFOLLOW", 0x20000), ("O_NOATIME", 0x40000),
        ("O_CLOEXEC", 0x80000), ("__O_SYNC", 0x100000), ("O_SYNC", 0x101000), ("O_RSYNC", 0x101000),
        ("O_FSYNC", 0x101000), ("O_PATH", 0x200000), ("__O_TMPFILE", 0x400000), ("O_TMPFILE", 0x410000),
    ]);

    /// <summary>*at() flags. <c>AT_FDCWD</c> is a descriptor, not a flag: <see cref="ArgList.TryGetInt64"/> reads it as -100.</summary>
    public static readonly FlagTable At = new("at",
    [
        ("AT_SYMLINK_NOFOLLOW", 0x100), ("AT_EACCESS", 0x200), ("AT_REMOVEDIR", 0x200), ("AT_HANDLE_FID", 0x200),
        ("AT_SYMLINK_FOLLOW", 0x400), ("AT_NO_AUTOMOUNT", 0x800), ("AT_EMPTY_PATH", 0x1000),
        ("AT_STATX_SYNC_AS_STAT", 0x0), ("AT_STATX_FORCE_SYNC", 0x2000), ("AT_STATX_DONT_SYNC", 0x4000),
        ("AT_RECURSIVE", 0x8000), ("AT_EXECVE_CHECK", 0x10000),
    ]);

    /// <summary>Signal numbers: <c>SIGHUP</c>..<c>SIGSYS</c>, aliases, glibc's <c>SIGRTMIN</c> (34) and strace's <c>SIGRT_n</c> (32 + n).</summary>
    public static readonly FlagTable Signals = new("signals", SignalEntries());

    /// <summary>clone/clone3 flags; the exit signal in the low byte is spelled as a signal name (<c>SIGCHLD</c>).</summary>
    public static readonly FlagTable Clone = new("clone", Concat(
    [
        ("CLONE_NEWTIME", 0x80), ("CLONE_VM", 0x100), ("CLONE_FS", 0x200), ("CLONE_FILES", 0x400),
        ("CLONE_SIGHAND", 0x800), ("CLONE_PIDFD", 0x1000), ("CLONE_PTRACE", 0x2000), ("CLONE_VFORK", 0x4000),
        ("CLONE_PARENT", 0x8000), ("CLONE_THREAD", 0x10000), ("CLONE_NEWNS", 0x20000), ("CLONE_SYSVSEM", 0x40000),
        ("CLONE_SETTLS", 0x80000), ("CLONE_PARENT_SETTID", 0x100000), ("CLONE_CHILD_CLEARTID", 0x200000),
        ("CLONE_DETACHED", 0x400000), ("CLONE_UNTRACED", 0x800000), ("CLONE_CHILD_SETTID", 0x1000000),
        ("CLONE_NEWCGROUP", 0x2000000), ("CLONE_NEWUTS", 0x4000000), ("CLONE_NEWIPC", 0x8000000),
        ("CLONE_NEWUSER", 0x10000000), ("CLONE_NEWPID", 0x20000000), ("CLONE_NEWNET", 0x40000000),
        ("CLONE_IO", 0x80000000), ("CLONE_CLEAR_SIGHAND", 0x100000000), ("CLONE_INTO_CGROUP", 0x200000000),
    ], SignalEntries()));

    /// <summary>fcntl commands, plus the <c>FD_CLOEXEC</c> descriptor flag used by F_GETFD/F_SETFD.</summary>
    public static readonly FlagTable Fcntl = new("fcntl",
    [
        ("F_DUPFD", 0), ("F_GETFD", 1), ("F_SETFD", 2), ("F_GETFL", 3), ("F_SETFL", 4), ("F_GETLK", 5),
        ("F_SETLK", 6), ("F_SETLKW", 7), ("F_SETOWN", 8), ("F_GETOWN", 9), ("F_SETSIG", 10), ("F_GETSIG", 11),
        ("F_GETLK64", 12), ("F_SETLK64", 13), ("F_SETLKW64", 14), ("F_SETOWN_EX", 15), ("F_GETOWN_EX", 16),
        ("F_GETOWNER_UIDS", 17), ("F_OFD_GETLK", 36), ("F_OFD_SETLK", 37), ("F_OFD_SETLKW", 38),
        ("F_SETLEASE", 1024), ("F_GETLEASE", 1025), ("F_NOTIFY", 1026), ("F_DUPFD_QUERY", 1027),
        ("F_CREATED_QUERY", 1028), ("F_CANCELLK", 1029), ("F_DUPFD_CLOEXEC", 1030), ("F_SETPIPE_SZ", 1031),
        ("F_GETPIPE_SZ", 1032), ("F_ADD_SEALS", 1033), ("F_GET_SEALS", 1034), ("F_GET_RW_HINT", 1035),
        ("F_SET_RW_HINT", 1036), ("F_GET_FILE_RW_HINT", 1037), ("F_SET_FILE_RW_HINT", 1038), ("F_GETDELEG", 1039),
        ("F_SETDELEG", 1040), ("FD_CLOEXEC", 1),
    ]);

    /// <summary>memfd seals (F_ADD_SEALS / F_GET_SEALS).</summary>
    public static readonly FlagTable Seals = new("seals",
    [
        ("F_SEAL_SEAL", 0x1), ("F_SEAL_SHRINK", 0x2), ("F_SEAL_GROW", 0x4), ("F_SEAL_WRITE", 0x8),
        ("F_SEAL_FUTURE_WRITE", 0x10), ("F_SEAL_EXEC", 0x20),
    ]);

    /// <summary>memfd_create flags, including <c>MFD_HUGE_*</c> sizes and <c>MFD_HUGE_SHIFT</c>.</summary>
    public static readonly FlagTable Mfd = new("mfd", Concat(
    [
        ("MFD_CLOEXEC", 0x1), ("MFD_ALLOW_SEALING", 0x2), ("MFD_HUGETLB", 0x4), ("MFD_NOEXEC_SEAL", 0x8),
        ("MFD_EXEC", 0x10),
    ], HugeSizes("MFD_HUGE_")), [("MFD_HUGE_SHIFT", HugeShift)]);

    /// <summary>System V IPC keys, flags and commands (shmget/shmat/shmctl), including <c>SHM_HUGE_*</c>.</summary>
    public static readonly FlagTable Ipc = new("ipc", Concat(
    [
        ("IPC_PRIVATE", 0), ("IPC_RMID", 0), ("IPC_SET", 1), ("IPC_STAT", 2), ("IPC_INFO", 3), ("IPC_64", 0x100),
        ("IPC_CREAT", 0x200), ("IPC_EXCL", 0x400), ("IPC_NOWAIT", 0x800), ("SHM_HUGETLB", 0x800),
        ("SHM_NORESERVE", 0x1000), ("SHM_RDONLY", 0x1000), ("SHM_RND", 0x2000), ("SHM_REMAP", 0x4000),
        ("SHM_EXEC", 0x8000), ("SHM_LOCK", 11), ("SHM_UNLOCK", 12), ("SHM_STAT", 13), ("SHM_INFO", 14),
        ("SHM_STAT_ANY", 15),
    ], HugeSizes("SHM_HUGE_")), [("SHM_HUGE_SHIFT", HugeShift)]);

    /// <summary>File type and mode bits as in <c>st_mode=S_IFREG|0644</c> (permission bits are plain octal numbers).</summary>
    public static readonly FlagTable FileMode = new("mode",
    [
        ("S_IFMT", 0xF000), ("S_IFSOCK", 0xC000), ("S_IFLNK", 0xA000), ("S_IFREG", 0x8000), ("S_IFBLK", 0x6000),
        ("S_IFDIR", 0x4000), ("S_IFCHR", 0x2000), ("S_IFIFO", 0x1000), ("S_ISUID", 0x800), ("S_ISGID", 0x400),
        ("S_ISVTX", 0x200),
    ]);

    /// <summary>The <c>PREFIX16KB</c>..<c>PREFIX16GB</c> huge page size encodings (log2(size) &lt;&lt; 26).</summary>
    private static (string Name, ulong Value)[] HugeSizes(string prefix)
    {
        (string Size, int Log2)[] sizes =
        [
            ("16KB", 14), ("64KB", 16), ("512KB", 19), ("1MB", 20), ("2MB", 21), ("8MB", 23), ("16MB", 24),
            ("32MB", 25), ("256MB", 28), ("512MB", 29), ("1GB", 30), ("2GB", 31), ("16GB", 34),
        ];
        var result = new (string Name, ulong Value)[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            result[i] = (prefix + sizes[i].Size, (ulong)sizes[i].Log2 << HugeShift);
        }
        return result;
    }

    /// <summary>Signal names and numbers for x86-64.</summary>
    private static (string Name, ulong Value)[] SignalEntries()
    {
        string[] classic =
        [
            "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
            "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
            "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
            "SIGIO", "SIGPWR", "SIGSYS",
        ];
        var result = new List<(string Name, ulong Value)>(80);
        for (int i = 0; i < classic.Length; i++)
        {
            result.Add((classic[i], (ulong)(i + 1)));
        }
        result.AddRange([("SIGIOT", 6), ("SIGCLD", 17), ("SIGPOLL", 29), ("SIGUNUSED", 31), ("SIGRTMIN", 34), ("SIGRTMAX", 64)]);
        for (int n = 0; n <= 32; n++)
        {
            result.Add(("SIGRT_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture), (ulong)(32 + n)));
        }
        return [.. result];
    }

    /// <summary>The entries of <paramref name="a"/> followed by those of <paramref name="b"/>.</summary>
    private static (string Name, ulong Value)[] Concat((string Name, ulong Value)[] a, (string Name, ulong Value)[] b)
    {
        var result = new (string Name, ulong Value)[a.Length + b.Length];
        a.CopyTo(result, 0);
        b.CopyTo(result, a.Length);
        return result;
    }
}
