namespace Mmsim.Strace.Tests;

/// <summary>Flag tables and errno.</summary>
public sealed class TableTests
{
    [Theory]
    [InlineData("PROT_READ|PROT_WRITE", 3UL)]
    [InlineData("PROT_NONE", 0UL)]
    [InlineData("PROT_READ|PROT_EXEC|PROT_GROWSDOWN", 0x01000005UL)]
    [InlineData("0", 0UL)]
    [InlineData("0x7", 7UL)]
    [InlineData("0x3 /* PROT_READ|PROT_WRITE */", 3UL)]
    [InlineData(" PROT_WRITE | PROT_READ ", 3UL)]
    public void Prot(string text, ulong expected)
    {
        Assert.True(FlagTable.TryParse(text, FlagTables.Prot, out ulong v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("MAP_PRIVATE|MAP_ANONYMOUS|0x40000", 0x40022UL)]
    [InlineData("MAP_SHARED_VALIDATE|MAP_SYNC", 0x80003UL)]
    [InlineData("MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE", 0x812UL)]
    [InlineData("MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT", 0x54040022UL)]
    [InlineData("MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_1GB", 0x78040022UL)]
    [InlineData("MAP_PRIVATE|MAP_HUGE_2MB", 0x54000002UL)]
    [InlineData("MAP_DROPPABLE|MAP_FIXED_NOREPLACE|MAP_STACK|MAP_GROWSDOWN", 0x120108UL)]
    [InlineData("MAP_UNINITIALIZED|MAP_32BIT|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_NONBLOCK|MAP_EXECUTABLE", 0x401F040UL)]
    public void Map(string text, ulong expected)
    {
        Assert.True(FlagTable.TryParse(text, FlagTables.Map, out ulong v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("PROT_READ|PROT_BOGUS")]
    [InlineData("MAP_PRIVATE")]
    [InlineData("")]
    [InlineData("PROT_READ|")]
    [InlineData("|PROT_READ")]
    [InlineData("1<<64")]
    [InlineData("prot_read")]
    [InlineData("/* PROT_READ */")]
    public void UnknownNamesFail(string text)
    {
        Assert.False(FlagTable.TryParse(text, FlagTables.Prot, out ulong v));
        Assert.Equal(0UL, v);
    }

    [Fact]
    public void ShiftNamesAreOnlyShifts()
    {
        Assert.False(FlagTable.TryParse("MAP_HUGE_SHIFT", FlagTables.Map, out _));
        Assert.True(FlagTable.TryParse("30<<MAP_HUGE_SHIFT", FlagTables.Map, out ulong v));
        Assert.Equal(30UL << 26, v);
    }

    [Fact]
    public void OtherTables()
    {
        Check(FlagTables.Mremap, "MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP", 7);
        Check(FlagTables.Madvise, "MADV_GUARD_INSTALL", 102);
        Check(FlagTables.Madvise, "MADV_GUARD_REMOVE", 103);
        Check(FlagTables.Madvise, "MADV_COLLAPSE", 25);
        Check(FlagTables.Madvise, "MADV_POPULATE_WRITE", 23);
        Check(FlagTables.Madvise, "MADV_DONTNEED_LOCKED", 24);
        Check(FlagTables.Madvise, "MADV_SOFT_OFFLINE", 101);
        Check(FlagTables.Madvise, "MADV_WIPEONFORK", 18);
        Check(FlagTables.Mlock, "MLOCK_ONFAULT", 1);
        Check(FlagTables.Mcl, "MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT", 7);
        Check(FlagTables.Msync, "MS_SYNC|MS_INVALIDATE", 6);
        Check(FlagTables.Open, "O_RDONLY|O_CLOEXEC", 0x80000);
        Check(FlagTables.Open, "O_WRONLY|O_CREAT|O_TRUNC", 0x241);
        Check(FlagTables.Open, "O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_DIRECTORY|O_LARGEFILE", 0x380C2);
        Check(FlagTables.Open, "O_PATH|O_NOATIME|O_DIRECT|O_NONBLOCK|O_APPEND|O_NOCTTY|O_DSYNC", 0x245D00);
        Check(FlagTables.Open, "O_SYNC", 0x101000);
        Check(FlagTables.Open, "O_RDWR|O_TMPFILE", 0x410002);
        Check(FlagTables.At, "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH", 0x1100);
        Check(FlagTables.At, "AT_REMOVEDIR", 0x200);
        Check(FlagTables.Clone, "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID", 0x3D0F00);
        Check(FlagTables.Clone, "CLONE_VFORK|CLONE_VM|SIGCHLD", 0x4111);
        Check(FlagTables.Clone, "CLONE_PIDFD|CLONE_INTO_CGROUP|CLONE_CLEAR_SIGHAND|CLONE_IO|CLONE_NEWPID", 0x3A0001000);
        Check(FlagTables.Signals, "SIGKILL", 9);
        Check(FlagTables.Signals, "SIGSYS", 31);
        Check(FlagTables.Signals, "SIGRTMIN", 34);
        Check(FlagTables.Signals, "SIGRT_1", 33);
        Check(FlagTables.Fcntl, "F_DUPFD_CLOEXEC", 1030);
        Check(FlagTables.Fcntl, "F_GET_SEALS", 1034);
        Check(FlagTables.Fcntl, "F_SETFL", 4);
        Check(FlagTables.Seals, "F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE|F_SEAL_FUTURE_WRITE|F_SEAL_EXEC", 63);
        Check(FlagTables.Mfd, "MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_HUGETLB|MFD_NOEXEC_SEAL|MFD_EXEC", 0x1F);
        Check(FlagTables.Mfd, "MFD_HUGETLB|MFD_HUGE_2MB", 0x54000004);
        Check(FlagTables.Ipc, "IPC_CREAT|IPC_EXCL|0600", 0x780);
        Check(FlagTables.Ipc, "SHM_RDONLY|SHM_RND|SHM_REMAP|SHM_EXEC", 0xF000);
        Check(FlagTables.Ipc, "IPC_PRIVATE", 0);
        Check(FlagTables.Ipc, "IPC_RMID", 0);
    }

    [Fact]
    public void ReverseLookupGivesFirstName()
    {
        Assert.Equal("MADV_DONTNEED", FlagTables.Madvise.NameOf(4));
        Assert.Equal("MAP_ANONYMOUS", FlagTables.Map.NameOf(0x20));
        Assert.Null(FlagTables.Madvise.NameOf(999));
        Assert.Equal("madvise", FlagTables.Madvise.Name);
        Assert.True(FlagTables.Madvise.Count > 25);
    }

    [Theory]
    [InlineData("EPERM", 1)]
    [InlineData("ENOMEM", 12)]
    [InlineData("EAGAIN", 11)]
    [InlineData("EWOULDBLOCK", 11)]
    [InlineData("EDEADLOCK", 35)]
    [InlineData("ENOTSUP", 95)]
    [InlineData("EHWPOISON", 133)]
    [InlineData("ERESTARTSYS", 512)]
    [InlineData("ERESTARTNOINTR", 513)]
    [InlineData("ERESTARTNOHAND", 514)]
    [InlineData("ERESTART_RESTARTBLOCK", 516)]
    [InlineData("ENOGRACE", 531)]
    public void ErrnoNumbers(string name, int number)
    {
        Assert.True(Errno.TryGetNumber(name, out int n));
        Assert.Equal(number, n);
    }

    [Fact]
    public void ErrnoNames()
    {
        Assert.Equal("ENOMEM", Errno.NameOf(12));
        Assert.Equal("ENOMEM", Errno.NameOf(-12));
        Assert.Equal("EAGAIN", Errno.NameOf(11));
        Assert.Equal("EDEADLK", Errno.NameOf(35));
        Assert.Equal("EOPNOTSUPP", Errno.NameOf(95));
        Assert.Equal("ERESTART_RESTARTBLOCK", Errno.NameOf(516));
        Assert.Null(Errno.NameOf(41));
        Assert.Null(Errno.NameOf(0));
        Assert.Null(Errno.NameOf(520));
        Assert.Null(Errno.NameOf(int.MinValue));
        Assert.False(Errno.TryGetNumber("EBOGUS", out _));
        for (int i = 1; i <= 133; i++)
        {
            string? name = Errno.NameOf(i);
            if (name is not null)
            {
                Assert.True(Errno.TryGetNumber(name, out int back));
                Assert.Equal(i, back);
            }
        }
    }

    private static void Check(FlagTable table, string text, ulong expected)
    {
        Assert.True(FlagTable.TryParse(text, table, out ulong v), text);
        Assert.Equal(expected, v);
    }
}
