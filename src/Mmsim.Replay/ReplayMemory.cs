using Mmsim.Ipc;
using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Strace;
using Errno = Mmsim.Mm.Errno;

namespace Mmsim.Replay;

/// <summary>The memory system calls of a replay.</summary>
public sealed partial class Replayer
{
    private static ulong U(in ArgList a, int i) => a.TryGetInt64(i, out long v) ? (ulong)v : 0;

    private static int I(in ArgList a, int i) => a.TryGetInt64(i, out long v) ? (int)v : 0;

    private static int F(in ArgList a, int i, FlagTable table) => a.TryGetFlags(i, table, out ulong v) ? (int)v : 0;

    /// <summary>
    /// The kind of call a syscall name is, or <see cref="ReplayCall.None"/> for the calls no handler acts on
    /// (they are skipped before their arguments are parsed). A switch the compiler turns into a few length and
    /// character tests: no table to build when a replay starts (a frozen dictionary cost ~20 ms of warm-up).
    /// </summary>
    private static ReplayCall CallOf(string name) => name switch
    {
        "mmap" => ReplayCall.Mmap,
        "munmap" => ReplayCall.Munmap,
        "mprotect" => ReplayCall.Mprotect,
        "mremap" => ReplayCall.Mremap,
        "brk" => ReplayCall.Brk,
        "madvise" => ReplayCall.Madvise,
        "mlock" => ReplayCall.Mlock,
        "mlock2" => ReplayCall.Mlock2,
        "munlock" => ReplayCall.Munlock,
        "mlockall" => ReplayCall.Mlockall,
        "munlockall" => ReplayCall.Munlockall,
        "mincore" => ReplayCall.Mincore,
        "syscall_0x1ce" => ReplayCall.Syscall0x1ce,
        "mseal" => ReplayCall.Mseal,
        "execve" => ReplayCall.Execve,
        "execveat" => ReplayCall.Execveat,
        "clone" => ReplayCall.Clone,
        "clone3" => ReplayCall.Clone3,
        "fork" => ReplayCall.Fork,
        "vfork" => ReplayCall.Vfork,
        "exit" => ReplayCall.Exit,
        "exit_group" => ReplayCall.ExitGroup,
        "openat" => ReplayCall.Openat,
        "openat2" => ReplayCall.Openat2,
        "open" => ReplayCall.Open,
        "creat" => ReplayCall.Creat,
        "chdir" => ReplayCall.Chdir,
        "fchdir" => ReplayCall.Fchdir,
        "getcwd" => ReplayCall.Getcwd,
        "close" => ReplayCall.Close,
        "dup" => ReplayCall.Dup,
        "dup2" => ReplayCall.Dup2,
        "dup3" => ReplayCall.Dup3,
        "fcntl" => ReplayCall.Fcntl,
        "fcntl64" => ReplayCall.Fcntl64,
        "newfstatat" => ReplayCall.Newfstatat,
        "fstat" => ReplayCall.Fstat,
        "statx" => ReplayCall.Statx,
        "memfd_create" => ReplayCall.MemfdCreate,
        "pipe" => ReplayCall.Pipe,
        "pipe2" => ReplayCall.Pipe2,
        "socket" => ReplayCall.Socket,
        "eventfd" => ReplayCall.Eventfd,
        "eventfd2" => ReplayCall.Eventfd2,
        "epoll_create" => ReplayCall.EpollCreate,
        "epoll_create1" => ReplayCall.EpollCreate1,
        "timerfd_create" => ReplayCall.TimerfdCreate,
        "signalfd" => ReplayCall.Signalfd,
        "signalfd4" => ReplayCall.Signalfd4,
        "inotify_init" => ReplayCall.InotifyInit,
        "inotify_init1" => ReplayCall.InotifyInit1,
        "userfaultfd" => ReplayCall.Userfaultfd,
        "ftruncate" => ReplayCall.Ftruncate,
        "unlink" => ReplayCall.Unlink,
        "unlinkat" => ReplayCall.Unlinkat,
        "shmget" => ReplayCall.Shmget,
        "shmat" => ReplayCall.Shmat,
        "shmdt" => ReplayCall.Shmdt,
        "shmctl" => ReplayCall.Shmctl,
        "getrusage" => ReplayCall.Getrusage,
        _ => ReplayCall.None,
    };

    /// <summary>Where the arguments of the call being handled lie (reused call after call).</summary>
    private readonly ArgBounds _args = new();

    /// <summary>Applies one call; false when the model has no handler for it.</summary>
    private bool Handle(Process.Task task, in StraceEvent ev, string fileName, out ReplayCall call)
    {
        call = CallOf(ev.Name);
        if (call == ReplayCall.None)
        {
            return false;
        }
        ArgList a = ev.GetArgs(_args);
        MmStruct? mm = task.Mm;
        if (_assumedWrites.Count > 0 && mm is not null && call is ReplayCall.Munmap or ReplayCall.Mprotect or ReplayCall.Mremap
            or ReplayCall.Madvise or ReplayCall.Mlock or ReplayCall.Mlock2 or ReplayCall.Munlock)
        {
            // A program that reshapes memory it mapped has been using it.
            FlushAssumedWrites(mm, U(a, 0), U(a, 0) + Page.Align(U(a, 1)));
        }
        if (_rusage.Count > 0 && mm is not null)
        {
            switch (call)
            {
                case ReplayCall.Mlock:
                case ReplayCall.Mlock2 when (F(a, 2, FlagTables.Mlock) & MmStruct.MlockOnFault) == 0:
                case ReplayCall.Madvise when F(a, 2, FlagTables.Madvise) is Madv.PopulateRead or Madv.PopulateWrite:
                    NotePopulate(task, mm, U(a, 0) & ~Page.OffsetMask, U(a, 0) + Page.Align(U(a, 1) + (U(a, 0) & Page.OffsetMask)));
                    break;
                case ReplayCall.Mlockall when (F(a, 0, FlagTables.Mcl) & (MmStruct.MclCurrent | MmStruct.MclOnFault)) == MmStruct.MclCurrent:
                    NotePopulate(task, mm, 0, ulong.MaxValue);
                    break;
            }
        }
        switch (call)
        {
            case ReplayCall.Mmap when mm is not null:
                ReplayMmap(task, mm, ev, a);
                return true;
            case ReplayCall.Munmap when mm is not null:
                Compare(ev, mm.Munmap(U(a, 0), U(a, 1)));
                return true;
            case ReplayCall.Mprotect when mm is not null:
                if (Compare(ev, mm.Mprotect(U(a, 0), U(a, 1), F(a, 2, FlagTables.Prot))) && ev.Result == 0 && FollowExeBias(mm, U(a, 0)))
                {
                    mm.Mprotect(U(a, 0), U(a, 1), F(a, 2, FlagTables.Prot));
                }
                return true;
            case ReplayCall.Mremap when mm is not null:
                ReplayMremap(mm, ev, a);
                return true;
            case ReplayCall.Brk when mm is not null:
                ReplayBrk(mm, ev, a);
                return true;
            case ReplayCall.Madvise when mm is not null:
                ReplayMadvise(mm, ev, a);
                return true;
            case ReplayCall.Mlock when mm is not null:
                Compare(ev, mm.Mlock(U(a, 0), U(a, 1)));
                return true;
            case ReplayCall.Mlock2 when mm is not null:
                Compare(ev, mm.Mlock(U(a, 0), U(a, 1), F(a, 2, FlagTables.Mlock)));
                return true;
            case ReplayCall.Munlock when mm is not null:
                Compare(ev, mm.Munlock(U(a, 0), U(a, 1)));
                return true;
            case ReplayCall.Mlockall when mm is not null:
                Compare(ev, mm.Mlockall(F(a, 0, FlagTables.Mcl)));
                return true;
            case ReplayCall.Munlockall when mm is not null:
                Compare(ev, mm.Munlockall());
                return true;
            case ReplayCall.Mincore when mm is not null:
                InferFromMincore(mm, ev, a);
                Compare(ev, mm.MincoreCheck(U(a, 0), U(a, 1)));
                CompareVector(mm, ev, U(a, 0));
                ApplyPlannedTouches(mm, ev.Line);
                return true;
            case ReplayCall.Shmget:
                ReplayShmget(ev, a);
                return true;
            case ReplayCall.Shmat when mm is not null:
                ReplayShmat(mm, ev, a);
                return true;
            case ReplayCall.Shmdt when mm is not null:
                Compare(ev, mm.Shmdt(U(a, 0)));
                return true;
            case ReplayCall.Shmctl:
                if (ev.HasResult && ev.Result == 0 && F(a, 1, FlagTables.Ipc) == 0)
                {
                    Kernel.ShmRmid(I(a, 0));
                }
                return true;
            case ReplayCall.Getrusage:
                ReplayGetrusage(task, ev, a);
                return true;
            case ReplayCall.Syscall0x1ce or ReplayCall.Mseal when mm is not null:
                Compare(ev, mm.Mseal(U(a, 0), U(a, 1), U(a, 2)));
                return true;
            default:
                return HandleProcess(call, task, ev, a, fileName) || HandleFiles(call, task, ev, a);
        }
    }

    private void ReplayMmap(Process.Task task, MmStruct mm, in StraceEvent ev, ArgList a)
    {
        ulong addr = U(a, 0);
        ulong len = U(a, 1);
        int prot = F(a, 2, FlagTables.Prot);
        int flags = F(a, 3, FlagTables.Map);
        int fd = I(a, 4);
        ulong off = U(a, 5);
        OpenFile? file = (flags & MapFlags.Anonymous) == 0 ? task.Files.Get(fd) : null;
        if (file is not null)
        {
            Resolve(file);
        }
        long model = mm.Mmap(addr, len, prot, flags, file, off, badFd: file is null);
        if (!Compare(ev, model))
        {
            if (!Errno.IsError(model))
            {
                AfterMap(mm, (ulong)model, len, ev.Line);
            }
            return;
        }
        if (!Errno.IsError(model))
        {
            mm.Munmap((ulong)model, len);
            if (addr == 0 && (flags & MapFlags.Fixed) == 0 && !Errno.IsError(ev.Result))
            {
                FollowMmapBase(mm, (ulong)model, (ulong)ev.Result);
            }
        }
        if (!Errno.IsError(ev.Result))
        {
            mm.Mmap((ulong)ev.Result, len, prot, (flags & ~MapFlags.FixedNoReplace) | MapFlags.Fixed, file, off, badFd: file is null);
            AfterMap(mm, (ulong)ev.Result, len, ev.Line);
        }
    }

    /// <summary>shmget: the id is the kernel's (the log's result); the segment's key and size are the call's.</summary>
    private void ReplayShmget(in StraceEvent ev, ArgList a)
    {
        if (!ev.HasResult || ev.Result < 0 || Kernel.ShmSegments.ContainsKey((int)ev.Result))
        {
            return;
        }
        int key = a.TryGetFlags(0, FlagTables.Ipc, out ulong k) ? (int)k : I(a, 0);
        Kernel.ShmSegments[(int)ev.Result] = new ShmSegment((int)ev.Result, key, U(a, 1));
    }

    private void ReplayShmat(MmStruct mm, in StraceEvent ev, ArgList a)
    {
        int id = I(a, 0);
        ulong addr = U(a, 1);
        int shmflg = F(a, 2, FlagTables.Ipc);
        long model = Kernel.ShmSegments.TryGetValue(id, out ShmSegment? seg) ? mm.Shmat(seg, addr, shmflg) : -Errno.EINVAL;
        if (Compare(ev, model) && seg is not null && !Errno.IsError(ev.Result))
        {
            if (!Errno.IsError(model))
            {
                mm.Shmdt((ulong)model);
            }
            mm.Shmat(seg, (ulong)ev.Result, shmflg | MmStruct.ShmRemap);
        }
    }

    private void ReplayMadvise(MmStruct mm, in StraceEvent ev, ArgList a)
    {
        ulong start = U(a, 0);
        ulong len = U(a, 1);
        int advice = F(a, 2, FlagTables.Madvise);
        long model = mm.Madvise(start, len, advice);
        Compare(ev, model);
        if (model == 0 && advice is Madv.DontNeed or Madv.Free or Madv.Remove or Madv.DontNeedLocked or Madv.PageOut)
        {
            NoteDiscard(mm, start, start + Page.Align(len));
        }
    }

    private void ReplayMremap(MmStruct mm, in StraceEvent ev, ArgList a)
    {
        ulong addr = U(a, 0);
        ulong oldLen = U(a, 1);
        ulong newLen = U(a, 2);
        int flags = F(a, 3, FlagTables.Mremap);
        ulong newAddr = a.Count > 4 ? U(a, 4) : 0;
        long model = mm.Mremap(addr, oldLen, newLen, flags, newAddr);
        if (Compare(ev, model) && !Errno.IsError(ev.Result) && Errno.IsError(model) && (flags & MremapFlags.MayMove) != 0)
        {
            model = mm.Mremap(addr, oldLen, newLen, flags | MremapFlags.Fixed, (ulong)ev.Result);
        }
        if (Errno.IsError(model))
        {
            return;
        }
        if ((ulong)model == addr)
        {
            if (newLen > oldLen)
            {
                AfterMap(mm, addr + Page.Align(oldLen), Page.Align(newLen) - Page.Align(oldLen), ev.Line);
            }
            return;
        }
        // Moved: the pages keep the origin of the mapping they came from.
        long origin = OriginLine(mm, addr, out _);
        OriginsOf(mm).Add(new Origin((ulong)model, (ulong)model + Page.Align(newLen), origin != 0 ? origin : ev.Line));
        if ((flags & MremapFlags.DontUnmap) != 0)
        {
            NoteDiscard(mm, addr, addr + Page.Align(oldLen));
        }
    }

    private void ReplayBrk(MmStruct mm, in StraceEvent ev, ArgList a)
    {
        ulong oldBrk = mm.Brk;
        long model = mm.SysBrk(U(a, 0));
        if (_mode == ReplayMode.Follow && ev.HasResult && ev.Result != model && U(a, 0) == 0)
        {
            FollowBrk(mm, ev.Result);
        }
        if (Page.Align(mm.Brk) > Page.Align(oldBrk))
        {
            AfterMap(mm, Page.Align(oldBrk), Page.Align(mm.Brk) - Page.Align(oldBrk), ev.Line);
        }
        if (Compare(ev, model) && ev.HasResult)
        {
            mm.SysBrk((ulong)ev.Result);
        }
    }
}
