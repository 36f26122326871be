using System.Text;
using Mmsim.Binfmt;
using Mmsim.Fs;
using Mmsim.Strace;

namespace Mmsim.Replay;

/// <summary>execve, fork/clone and exit in a replay.</summary>
public sealed partial class Replayer
{
    private const ulong CloneVm = 0x100;
    private const ulong CloneFs = 0x200;
    private const ulong CloneFiles = 0x400;
    private const ulong CloneVfork = 0x4000;
    private const ulong CloneThread = 0x10000;

    private readonly Dictionary<int, ulong> _pendingCloneFlags = new();

    // /proc/PID/cmdline of each mm: the argument vector of the exec that made it, inherited by fork.
    private readonly Dictionary<Mm.MmStruct, byte[]> _cmdlines = new(ReferenceEqualityComparer.Instance);

    private bool HandleProcess(ReplayCall call, Process.Task task, in StraceEvent ev, in ArgList a, string fileName)
    {
        switch (call)
        {
            case ReplayCall.Execve or ReplayCall.Execveat:
                if (ev.HasResult && ev.Result == 0)
                {
                    ReplayExecve(task, ev, a, fileName);
                }
                return true;
            case ReplayCall.Clone or ReplayCall.Clone3 or ReplayCall.Fork or ReplayCall.Vfork:
                ReplayClone(task, ev, a);
                return true;
            case ReplayCall.ExitGroup:
                Snapshot(task);
                Kernel.ExitGroup(task);
                return true;
            case ReplayCall.Exit:
                Kernel.Exit(task);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The clone flags of a (possibly partial) clone/clone3/fork/vfork argument list.</summary>
    private static ulong CloneFlagsOf(string name, ArgList a)
    {
        switch (name)
        {
            case "fork":
                return 0;
            case "vfork":
                return CloneVm | CloneVfork;
            case "clone3":
                if (a.Count > 0 && a.TryGetStructField(0, "flags", out ReadOnlySpan<char> text)
                    && FlagTable.TryParse(text, FlagTables.Clone, out ulong f3))
                {
                    return f3;
                }
                return 0;
            default:
                if (a.TryFindNamed("flags", out int idx) && a.TryGetFlags(idx, FlagTables.Clone, out ulong f))
                {
                    return f;
                }
                return 0;
        }
    }

    /// <summary>Remembers the flags of a clone in flight, for children whose lines come first.</summary>
    private void NoteCloneEntered(in StraceEvent ev)
    {
        _pendingCloneFlags[ev.Pid] = CloneFlagsOf(ev.Name, ev.GetArgs());
    }

    private void ReplayClone(Process.Task task, in StraceEvent ev, ArgList a)
    {
        _pendingCloneFlags.Remove(task.Pid);
        if (!ev.HasResult || ev.Result <= 0 || Kernel.Find((int)ev.Result) is not null)
        {
            return;
        }
        CloneChild(task, (int)ev.Result, CloneFlagsOf(ev.Name, a), ev.Line);
    }

    private Process.Task CloneChild(Process.Task parent, int childPid, ulong flags, long line)
    {
        CheckTaskLimit(line);
        Process.Task child = Kernel.Clone(parent, childPid, shareVm: (flags & CloneVm) != 0, thread: (flags & CloneThread) != 0,
            shareFiles: (flags & CloneFiles) != 0, shareFs: (flags & CloneFs) != 0);
        if (child.Mm is { } mm && parent.Mm is { } parentMm && !ReferenceEquals(mm, parentMm))
        {
            // The child's memory appears at this line: what its vectors show it touched (or
            // inherited resident) is applied here in a second pass.
            CopyOrigins(parentMm, mm, line);
            if (_cmdlines.TryGetValue(parentMm, out byte[]? cmdline))
            {
                _cmdlines[mm] = cmdline;
            }
            if (_inferredPages.TryGetValue(parentMm, out HashSet<ulong>? inherited))
            {
                // Pages the parent's instructions touched come to the child with the fork.
                _inferredPages[mm] = new HashSet<ulong>(inherited);
            }
        }
        return child;
    }

    private void ReplayExecve(Process.Task task, in StraceEvent ev, ArgList a, string fileName)
    {
        int pathArg = ev.Name == "execveat" ? 1 : 0;
        if (!a.TryGetString(pathArg, out byte[] pathBytes, out _))
        {
            Fail(fileName, ev, "execve: cannot read the path argument");
        }
        string given = Encoding.UTF8.GetString(pathBytes);
        string path = FsStruct.Resolve(task.Fs.Cwd, given);
        (ElfImage exe, OpenFile exeFile) = LoadElf(path, fileName, ev);
        ElfImage? interp = null;
        OpenFile? interpFile = null;
        if (exe.Interpreter is not null)
        {
            (interp, interpFile) = LoadElf(exe.Interpreter, fileName, ev);
        }
        var req = new ExecRequest
        {
            Exe = exe,
            ExeFile = exeFile,
            Interp = interp,
            InterpFile = interpFile,
            Filename = given,
            Argv = StringArray(a, pathArg + 1),
            Envp = StringArray(a, pathArg + 2),
        };
        int err = Kernel.Execve(task, req);
        if (err != 0)
        {
            Fail(fileName, ev, $"execve of {path}: the model's ELF loader failed with errno {-err}");
        }
        NoteExecLayout(task.Mm!, exe, exeFile);
        _cmdlines[task.Mm!] = Proc.PmapSource.CmdlineBytes(req.Argv);
        AssumeVdsoRead(task.Mm!);
        _snapshots.Remove(task.Tgid);
    }

    /// <summary>
    /// The C library's start-up code reads the vDSO's ELF header, program headers, dynamic
    /// section and symbols (glibc's setup_vdso() and dl_vdso_vsym()), all in its first page, in
    /// every program, before any call a log shows: that page is faulted in (read) at exec. The
    /// recorded smaps agree: the [vdso] of every exec'd process shows 4 kB resident.
    /// </summary>
    private void AssumeVdsoRead(Mm.MmStruct mm)
    {
        if (mm.Paging is null)
        {
            return;
        }
        foreach (Mm.Vma v in mm.Vmas)
        {
            if (v.SpecialName == "[vdso]")
            {
                mm.Fault(v.Start, write: false);
                return;
            }
        }
    }

    private (ElfImage, OpenFile) LoadElf(string path, string fileName, in StraceEvent ev)
    {
        HostFile? st = _host.Stat(path);
        byte[]? bytes = st is null ? null : _host.ReadAll(path);
        if (st is null)
        {
            Fail(fileName, ev, $"execve: {path} not found (give the fixture's root with --root)");
        }
        if (bytes is null)
        {
            Fail(fileName, ev, $"execve: {path}: not a regular file of at most 1 GiB (a device, FIFO or directory is not read)");
        }
        ElfImage? elf = ElfImage.Parse(bytes, out string? why);
        if (elf is null || !elf.SegmentsWithin((ulong)bytes.Length))
        {
            Fail(fileName, ev, $"execve: {path}: {why ?? "segments extend past the end of the file"}");
        }
        Inode inode = InodeFor(st);
        return (elf, new OpenFile(inode, FMode.Read));
    }

    /// <summary>The strings of an array argument like ["a", "b"] (empty when abbreviated).</summary>
    private static List<byte[]> StringArray(ArgList a, int index)
    {
        var list = new List<byte[]>();
        if (index >= a.Count)
        {
            return list;
        }
        ReadOnlySpan<char> raw = a.Raw(index);
        if (raw.Length < 2 || raw[0] != '[')
        {
            return list;
        }
        var inner = new ArgList(raw[1..^1].ToString());
        for (int i = 0; i < inner.Count; i++)
        {
            if (inner.TryGetString(i, out byte[] s, out _))
            {
                list.Add(s);
            }
        }
        return list;
    }
}
