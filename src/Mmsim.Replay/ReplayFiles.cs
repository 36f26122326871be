using System.Text;
using Mmsim.Fs;
using Mmsim.Strace;

namespace Mmsim.Replay;

/// <summary>The file-descriptor calls of a replay: enough to know which file each mapping maps.</summary>
public sealed partial class Replayer
{
    private const int OAccMode = 3;
    private const int OPath = 0x200000;
    private const int FDupFd = 0;
    private const int FDupFdCloexec = 1030;
    private const int FAddSeals = 1033;

    private const int StDev = 1;
    private const int StIno = 2;
    private const int StMode = 4;
    private const int StSize = 8;

    /// <summary>The struct stat fields an fstat settles an inode with (bit k of a match is field k).</summary>
    private static readonly string[] s_statFields = ["st_dev", "st_ino", "st_mode", "st_size"];

    private readonly Dictionary<string, Inode> _inodesByPath = new(StringComparer.Ordinal);
    private readonly Dictionary<(uint, uint, ulong), Inode> _inodesById = new();

    private bool HandleFiles(ReplayCall call, Process.Task task, in StraceEvent ev, in ArgList a)
    {
        if (!ev.HasResult)
        {
            return false;
        }
        long r = ev.Result;
        switch (call)
        {
            case ReplayCall.Openat or ReplayCall.Openat2 when r >= 0:
                Open(task, (int)r, a, pathArg: 1);
                return true;
            case ReplayCall.Open or ReplayCall.Creat when r >= 0:
                Open(task, (int)r, a, pathArg: 0);
                return true;
            case ReplayCall.Chdir when r == 0:
                task.Fs.Cwd = PathArg(task, a, -1, 0);
                return true;
            case ReplayCall.Fchdir when r == 0:
                if (task.Files.Get(I(a, 0)) is { } dir)
                {
                    task.Fs.Cwd = dir.Inode.Path;
                }
                return true;
            case ReplayCall.Getcwd when r > 0:
                // The kernel's answer is the working directory: it settles what the log could not show.
                if (a.TryGetString(0, out byte[] cwd, out bool cut) && !cut && cwd.Length > 0 && cwd[0] == '/')
                {
                    task.Fs.Cwd = Encoding.UTF8.GetString(cwd);
                }
                return true;
            case ReplayCall.Close when r == 0:
                task.Files.Close(I(a, 0));
                return true;
            case ReplayCall.Dup or ReplayCall.Dup2 or ReplayCall.Dup3 when r >= 0:
                Dup(task, I(a, 0), (int)r);
                return true;
            case ReplayCall.Fcntl or ReplayCall.Fcntl64 when r >= 0:
                Fcntl(task, a, r);
                return true;
            case ReplayCall.Newfstatat or ReplayCall.Fstat or ReplayCall.Statx when r == 0:
                Fstat(task, call, a);
                return true;
            case ReplayCall.MemfdCreate when r >= 0:
                MemfdCreate(task, (int)r, a);
                return true;
            case ReplayCall.Pipe or ReplayCall.Pipe2 when r == 0:
                Pipe(task, a);
                return true;
            case ReplayCall.Socket or ReplayCall.Eventfd or ReplayCall.Eventfd2 or ReplayCall.EpollCreate or ReplayCall.EpollCreate1 or ReplayCall.TimerfdCreate
                or ReplayCall.Signalfd or ReplayCall.Signalfd4 or ReplayCall.InotifyInit or ReplayCall.InotifyInit1 or ReplayCall.Userfaultfd when r >= 0:
                task.Files.Install((int)r, AnonFile(ev.Name, InodeKind.Socket));
                return true;
            case ReplayCall.Ftruncate when r == 0:
                if (task.Files.Get(I(a, 0)) is { } f)
                {
                    Kernel.Truncate(f.Inode, U(a, 1));
                }
                return true;
            case ReplayCall.Unlink or ReplayCall.Unlinkat when r == 0:
                Unlink(task, a, ev.Name == "unlinkat" ? 1 : 0);
                return true;
            default:
                return false;
        }
    }

    private void Open(Process.Task task, int fd, in ArgList a, int pathArg)
    {
        string path = PathArg(task, a, pathArg == 1 ? 0 : -1, pathArg);
        int flags = F(a, pathArg + 1, FlagTables.Open);
        FMode mode = (flags & OAccMode) switch
        {
            0 => FMode.Read,
            1 => FMode.Write,
            _ => FMode.Read | FMode.Write,
        };
        if ((flags & OPath) != 0)
        {
            mode = FMode.None;
        }
        task.Files.Install(fd, new OpenFile(PendingInode(path), mode));
    }

    /// <summary>
    /// The absolute path a call's path argument names: relative paths are looked up from the
    /// directory fd in argument dirfdArg (AT_FDCWD or -1 for none: the working directory).
    /// </summary>
    private static string PathArg(Process.Task task, in ArgList a, int dirfdArg, int pathArg)
    {
        ReadOnlySpan<char> raw = a.Raw(pathArg);
        ReadOnlySpan<char> path = raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' && !raw[1..^1].ContainsAny('"', '\\')
            ? raw[1..^1] // no escapes, not cut short: the text is the path (what decoding would give back)
            : a.TryGetString(pathArg, out byte[] b, out _) ? Encoding.UTF8.GetString(b) : "";
        string dir = task.Fs.Cwd;
        if (!path.StartsWith('/') && dirfdArg >= 0 && a.TryGetInt64(dirfdArg, out long dirfd) && dirfd >= 0
            && task.Files.Get((int)dirfd) is { } df)
        {
            dir = df.Inode.Path;
        }
        return FsStruct.Resolve(dir, path);
    }

    /// <summary>
    /// The inode behind a path the program opened. Who it is (device, inode number, the
    /// canonical path maps shows) is settled lazily: by an fstat in the log, or from the host
    /// when the file is first mapped. Most opened files are never mapped, and looking each up on
    /// the host would cost more than the whole replay.
    /// </summary>
    private Inode PendingInode(string path)
    {
        if (_inodesByPath.TryGetValue(path, out Inode? known) && !known.Unlinked)
        {
            return known;
        }
        var inode = new Inode(0, 0, 0, path, 0, InodeKind.Regular) { IdentityKnown = false, PathCanonical = false };
        _inodesByPath[path] = inode;
        return inode;
    }

    /// <summary>Settles an opened file's identity and canonical path from the host, before it is mapped.</summary>
    private void Resolve(OpenFile file)
    {
        Inode inode = file.Inode;
        bool identity = !inode.IdentityKnown;
        if (!identity && inode.PathCanonical)
        {
            return;
        }
        inode.PathCanonical = true;
        HostFile? st = _host.Stat(inode.Path);
        if (st is null)
        {
            if (identity)
            {
                (uint major, uint minor) = DeviceOfDirectoryAbove(inode.Path);
                inode.SetIdentity(major, minor, 0, InodeKind.Regular);
            }
            return;
        }
        if (identity)
        {
            ulong ino = _options.RecordedInodes.TryGetValue(st.CanonicalPath, out ulong recorded) ? recorded : st.Ino;
            inode.SetIdentity(st.DevMajor, st.DevMinor, ino, KindOf(st));
            if (inode.Size == 0)
            {
                inode.Size = st.Size;
            }
        }
        inode.Path = st.CanonicalPath;
    }

    private static InodeKind KindOf(HostFile st) => st.IsDirectory ? InodeKind.Directory : st.IsCharDevice ? InodeKind.CharDevice : InodeKind.Regular;

    /// <summary>The inode for a host file the kernel itself opens (an exec'd ELF, its interpreter), shared by every use.</summary>
    private Inode InodeFor(HostFile st)
    {
        if (_inodesById.TryGetValue((st.DevMajor, st.DevMinor, st.Ino), out Inode? known))
        {
            return known;
        }
        ulong ino = _options.RecordedInodes.TryGetValue(st.CanonicalPath, out ulong recorded) ? recorded : st.Ino;
        var inode = new Inode(st.DevMajor, st.DevMinor, ino, st.CanonicalPath, st.Size, KindOf(st));
        _inodesById[(st.DevMajor, st.DevMinor, st.Ino)] = inode;
        return inode;
    }

    /// <summary>
    /// The device of the nearest directory above path that the host has: where a file the
    /// program created (and the host lacks) lived. Its inode number is in no log line.
    /// </summary>
    private (uint Major, uint Minor) DeviceOfDirectoryAbove(string path)
    {
        for (string dir = FsStruct.Resolve(path, ".."); ; dir = FsStruct.Resolve(dir, ".."))
        {
            if (_host.Stat(dir) is { IsDirectory: true } d)
            {
                return (d.DevMajor, d.DevMinor);
            }
            if (dir == "/")
            {
                return (0, 0);
            }
        }
    }

    private static OpenFile AnonFile(string what, InodeKind kind)
    {
        return new OpenFile(new Inode(0, 14, 0, "anon_inode:" + what, 0, kind), FMode.Read | FMode.Write);
    }

    private static void Dup(Process.Task task, int oldFd, int newFd)
    {
        if (task.Files.Get(oldFd) is { } f)
        {
            task.Files.Install(newFd, f);
        }
    }

    private static void Fcntl(Process.Task task, ArgList a, long r)
    {
        int cmd = F(a, 1, FlagTables.Fcntl);
        OpenFile? f = task.Files.Get(I(a, 0));
        if (f is null)
        {
            return;
        }
        if (cmd is FDupFd or FDupFdCloexec)
        {
            task.Files.Install((int)r, f);
        }
        else if (cmd == FAddSeals)
        {
            f.Inode.Seals |= F(a, 2, FlagTables.Seals);
        }
    }

    /// <summary>fstat results give an opened file its real identity (device, inode, size, type).</summary>
    private static void Fstat(Process.Task task, ReplayCall call, ArgList a)
    {
        int structArg = call == ReplayCall.Fstat ? 1 : 2;
        if (call != ReplayCall.Fstat && !a.Raw(1).SequenceEqual("\"\""))
        {
            return;
        }
        OpenFile? f = task.Files.Get(I(a, 0));
        if (f is null || f.Inode.IdentityKnown)
        {
            return;
        }
        // One pass over the struct for all four fields: it is the longest text a replay reads.
        ReadOnlySpan<char> st = a.Raw(structArg);
        Span<Range> at = stackalloc Range[s_statFields.Length];
        int found = ArgList.GetStructFields(st, s_statFields, at);
        if ((found & (StDev | StIno)) != (StDev | StIno) || !ulong.TryParse(st[at[1]], out ulong ino)
            || !ArgList.TryParseMakedev(st[at[0]], out uint major, out uint minor))
        {
            return;
        }
        InodeKind kind = InodeKind.Regular;
        if ((found & StMode) != 0)
        {
            ReadOnlySpan<char> mode = st[at[2]];
            kind = mode.StartsWith("S_IFCHR") ? InodeKind.CharDevice : mode.StartsWith("S_IFDIR") ? InodeKind.Directory : InodeKind.Regular;
        }
        f.Inode.SetIdentity(major, minor, ino, kind);
        if ((found & StSize) != 0 && ulong.TryParse(st[at[3]], out ulong size))
        {
            f.Inode.Size = size;
        }
    }

    private static void MemfdCreate(Process.Task task, int fd, ArgList a)
    {
        string name = a.TryGetString(0, out byte[] b, out _) ? Encoding.UTF8.GetString(b) : "";
        var inode = new Inode(0, 1, Shmem.NextIno(), "/memfd:" + name, 0, InodeKind.Shmem) { Unlinked = true };
        task.Files.Install(fd, new OpenFile(inode, FMode.Read | FMode.Write));
    }

    private static void Pipe(Process.Task task, ArgList a)
    {
        var fds = new List<long>(2);
        if (a.TryGetIntArray(0, fds) && fds.Count == 2)
        {
            OpenFile pipe = AnonFile("pipe", InodeKind.Pipe);
            task.Files.Install((int)fds[0], pipe);
            task.Files.Install((int)fds[1], pipe);
        }
    }

    private void Unlink(Process.Task task, in ArgList a, int pathArg)
    {
        string path = PathArg(task, a, pathArg == 1 ? 0 : -1, pathArg);
        if (_inodesByPath.TryGetValue(path, out Inode? inode))
        {
            inode.Unlinked = true;
        }
    }
}
