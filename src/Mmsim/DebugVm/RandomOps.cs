using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.DebugVm;

/// <summary>The operations <see cref="RandomOps"/> applies.</summary>
public enum VmOpKind : byte
{
    MmapAnon,
    MmapSharedAnon,
    MmapFile,
    Munmap,
    Mprotect,
    Mremap,
    Brk,
    Madvise,
    Mlock,
    Munlock,
    Mseal,
    Fork,
    Thread,
    Exit,
    Read,
    Write,
}

/// <summary>
/// One operation on the window: its kind, which live task (index modulo their number), the
/// first page (column) and page count, and an argument (protection, advice, target column...).
/// </summary>
public readonly record struct VmOp(VmOpKind Kind, int Task, int Column, int Pages, int Arg)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind} task {Task} col {Column} n {Pages} arg {Arg}";
}

/// <summary>
/// A small machine (16 MiB, up to four processes) driven by operations on a 1024-page window
/// that starts at a 2 MiB boundary, so that merges, splits, both neighbours, huge pages and the
/// limits are met often: every memory syscall, fork, threads, exit and touches. For property
/// tests and the validator's long runs; the operations themselves carry every choice, so a
/// failing sequence can be replayed and shrunk.
/// </summary>
public sealed class RandomOps
{
    /// <summary>Pages in the window.</summary>
    public const int Window = 1024;

    /// <summary>The window's first address (2 MiB-aligned).</summary>
    public const ulong Base = 0x40000000;

    private const int MaxTasks = 4;
    private static readonly int[] s_prots = [Prot.None, Prot.Read, Prot.Read | Prot.Write, Prot.Read | Prot.Exec, Prot.Read | Prot.Write];
    private static readonly int[] s_advice =
    [
        Madv.DontNeed, Madv.Free, Madv.WillNeed, Madv.HugePage, Madv.NoHugePage, Madv.DontFork, Madv.DoFork,
        Madv.WipeOnFork, Madv.KeepOnFork, Madv.DontDump, Madv.DoDump, Madv.PopulateRead, Madv.PopulateWrite,
        Madv.Normal, Madv.Random, Madv.Sequential, Madv.Cold, Madv.PageOut,
    ];

    private readonly List<Task> _tasks = new();
    private readonly Inode _file = new(254, 0, 4242, "/data/f", 48 * Page.Size, InodeKind.Regular);
    private int _nextPid = 2;

    /// <summary>A fresh machine with one process whose heap starts below the window.</summary>
    public RandomOps(int ramMib = 16)
    {
        Kernel = new Process.Kernel(MmConfig.Default, PhysMemConfig.OfSize((ulong)ramMib << 20));
        Task init = Kernel.CreateInitTask(1);
        MmStruct mm = init.Mm!;
        mm.MmapBase = 0x7ffff7fff000;
        mm.MmapLegacyBase = 0x2aaaaaaab000;
        mm.StartBrk = mm.Brk = Base - (64 * Page.Size);
        _tasks.Add(init);
    }

    /// <summary>The machine.</summary>
    public Process.Kernel Kernel { get; }

    /// <summary>Live tasks.</summary>
    public int Tasks => _tasks.Count;

    /// <summary>
    /// A random operation: columns and lengths biased toward small ranges (and sometimes whole
    /// 2 MiB blocks), syscalls more often than forks and exits.
    /// </summary>
    public static VmOp Next(Random rng)
    {
        int r = rng.Next(100);
        VmOpKind kind = r switch
        {
            < 14 => VmOpKind.MmapAnon,
            < 17 => VmOpKind.MmapSharedAnon,
            < 22 => VmOpKind.MmapFile,
            < 30 => VmOpKind.Munmap,
            < 40 => VmOpKind.Mprotect,
            < 45 => VmOpKind.Mremap,
            < 48 => VmOpKind.Brk,
            < 56 => VmOpKind.Madvise,
            < 59 => VmOpKind.Mlock,
            < 62 => VmOpKind.Munlock,
            < 63 => VmOpKind.Mseal,
            < 65 => VmOpKind.Fork,
            < 66 => VmOpKind.Thread,
            < 68 => VmOpKind.Exit,
            < 82 => VmOpKind.Read,
            _ => VmOpKind.Write,
        };
        bool block = rng.Next(10) == 0;
        int column = block ? 512 * rng.Next(2) : rng.Next(Window);
        int pages = block ? 512 : 1 + rng.Next(rng.Next(3) == 0 ? 64 : 8);
        return new VmOp(kind, rng.Next(MaxTasks), column, pages, rng.Next(1 << 16));
    }

    /// <summary>Applies one operation; returns its result (a syscall's, or 0).</summary>
    public long Apply(VmOp op)
    {
        Task t = _tasks[op.Task % _tasks.Count];
        MmStruct mm = t.Mm!;
        ulong addr = Base + ((ulong)op.Column * Page.Size);
        ulong len = (ulong)op.Pages * Page.Size;
        int prot = s_prots[op.Arg % s_prots.Length];
        int fixedFlag = (op.Arg & 0x100) != 0 ? 0 : MapFlags.Fixed;
        switch (op.Kind)
        {
            case VmOpKind.MmapAnon:
                return mm.Mmap(addr, len, prot, MapFlags.Private | MapFlags.Anonymous | fixedFlag, null, 0);
            case VmOpKind.MmapSharedAnon:
                return mm.Mmap(addr, len, prot, MapFlags.Shared | MapFlags.Anonymous | fixedFlag, null, 0);
            case VmOpKind.MmapFile:
                int type = (op.Arg & 0x200) != 0 ? MapFlags.Shared : MapFlags.Private;
                return mm.Mmap(addr, len, prot, type | fixedFlag, new OpenFile(_file, FMode.Read | FMode.Write), (ulong)((op.Arg >> 4) % 40) * Page.Size);
            case VmOpKind.Munmap:
                return mm.Munmap(addr, len);
            case VmOpKind.Mprotect:
                return mm.Mprotect(addr, len, prot);
            case VmOpKind.Mremap:
                ulong to = Base + ((ulong)((op.Arg >> 3) % Window) * Page.Size);
                ulong newLen = (ulong)(1 + ((op.Arg >> 2) % (op.Pages + 8))) * Page.Size;
                int flags = (op.Arg & 1) != 0 ? MremapFlags.MayMove : MremapFlags.MayMove | MremapFlags.Fixed;
                return mm.Mremap(addr, len, newLen, flags, to);
            case VmOpKind.Brk:
                return mm.SysBrk(mm.StartBrk + (ulong)(op.Arg % (96 * 4096)));
            case VmOpKind.Madvise:
                return mm.Madvise(addr, len, s_advice[op.Arg % s_advice.Length]);
            case VmOpKind.Mlock:
                return mm.Mlock(addr, len, op.Arg & 1);
            case VmOpKind.Munlock:
                return mm.Munlock(addr, len);
            case VmOpKind.Mseal:
                return mm.Mseal(addr, len, 0);
            case VmOpKind.Fork:
            case VmOpKind.Thread:
                if (_tasks.Count >= MaxTasks)
                {
                    return 0;
                }
                bool thread = op.Kind == VmOpKind.Thread;
                _tasks.Add(Kernel.Clone(t, _nextPid++, shareVm: thread, thread: thread, shareFiles: thread));
                return _nextPid - 1;
            case VmOpKind.Exit:
                if (_tasks.Count == 1)
                {
                    return 0;
                }
                Kernel.Exit(t);
                _tasks.Remove(t);
                return 0;
            default:
                AccessKind kind = op.Kind == VmOpKind.Write ? AccessKind.Write : (op.Arg & 1) != 0 ? AccessKind.Execute : AccessKind.Read;
                for (int i = 0; i < Math.Min(op.Pages, 16); i++)
                {
                    Kernel.Access(t, addr + ((ulong)i * Page.Size) + (ulong)(op.Arg & 0xff8), kind);
                }
                return 0;
        }
    }

    /// <summary>The whole-machine validation (<see cref="ValidateMachine.Check"/>).</summary>
    public List<VmViolation> Validate() => ValidateMachine.Check(Kernel);

    /// <summary>Every task exits; then the after-exit validation (<see cref="ValidateMachine.CheckAfterExit"/>).</summary>
    public List<VmViolation> ExitAll()
    {
        foreach (Task t in _tasks)
        {
            Kernel.Exit(t);
        }
        _tasks.Clear();
        return ValidateMachine.CheckAfterExit(Kernel);
    }
}
