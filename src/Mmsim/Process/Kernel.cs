using System.Runtime.CompilerServices;
using Mmsim.Arch.X86;
using Mmsim.Binfmt;
using Mmsim.Fault;
using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Phys;
using Mmsim.Sched;
using Mmsim.Tlb;

namespace Mmsim.Process;

/// <summary>
/// The simulated machine: its configuration and its tasks. Process-level system calls
/// (execve, fork/clone, exit) live here; memory syscalls on a task's <see cref="MmStruct"/>.
/// </summary>
public sealed partial class Kernel
{
    private readonly Dictionary<int, Task> _tasks = new();

    /// <summary>Creates a machine with the given configuration.</summary>
    public Kernel(MmConfig config)
    {
        Config = config;
    }

    /// <summary>
    /// Creates a machine with RAM, page tables and demand paging: every mm gets page tables in
    /// the paging mode of <paramref name="config"/>, and faults allocate frames from one
    /// <see cref="PhysMem"/> of the given shape. The kernel also owns the x86 CPUs of
    /// <paramref name="machine"/> (default: <see cref="MachineConfig.Default"/>): user accesses
    /// go through their TLBs and MMU (<see cref="Access"/>), and every page-table change is
    /// flushed from them (see KernelMmu.cs).
    /// </summary>
    public Kernel(MmConfig config, PhysMemConfig phys, PagingOptions? options = null, MachineConfig? machine = null)
        : this(config)
    {
        Paging = new PagingMachine(new PhysMem(phys), config.PagingMode, options);
        MachineConfig m = machine ?? MachineConfig.Default;
        Machine = new Machine(m.NrCpus, PageWalker.Instance, m.Tlb, m.Pcid);
        Machine.FaultHandler = this;
        Paging.TlbFlush = Machine;
        Scheduler = new Scheduler(Machine, this);
    }

    public MmConfig Config { get; }

    /// <summary>The machine's RAM and paging layer; null when only the VMA layer is modelled.</summary>
    public PagingMachine? Paging { get; }

    /// <summary>The SysV shared-memory segments of the (one) IPC namespace, by id.</summary>
    public Dictionary<int, Ipc.ShmSegment> ShmSegments { get; } = new();

    /// <summary>
    /// shmctl(IPC_RMID): marks a segment for removal; its pages go when nothing maps it any
    /// more (now, or with the last detach). Returns 0 or -EINVAL.
    /// </summary>
    public int ShmRmid(int id)
    {
        if (!ShmSegments.TryGetValue(id, out Ipc.ShmSegment? seg))
        {
            return -Errno.EINVAL;
        }
        seg.Removed = true;
        if (seg.Inode.Mappings == 0)
        {
            Paging?.Cache.Evict(seg.Inode);
        }
        return 0;
    }

    /// <summary>
    /// truncate_setsize() for ftruncate(): sets i_size; when it shrinks, every mapping of the
    /// pages past the new end (private copies included) is zapped in every mm
    /// (unmap_mapping_range() with even_cows) and those pages leave the page cache
    /// (truncate_inode_pages()), so a later access there is SIGBUS.
    /// </summary>
    public void Truncate(Fs.Inode inode, ulong size)
    {
        ulong old = inode.Size;
        inode.Size = size;
        if (Paging is null || size >= old)
        {
            return;
        }
        ulong holeBegin = Page.Pages(Page.Align(size));
        foreach (MmStruct mm in LiveMms())
        {
            for (Vma? v = mm.Vmas.First; v is not null; v = v.Next)
            {
                if (v.File?.Inode != inode || v.PgOff + v.Pages <= holeBegin)
                {
                    continue;
                }
                ulong start = v.PgOff >= holeBegin ? v.Start : v.Start + Page.Bytes(holeBegin - v.PgOff);
                mm.Paging?.ZapRange(v, start, v.End);
            }
        }
        Paging.Cache.TruncateFrom(inode, holeBegin);
    }

    /// <summary>The distinct address spaces of the tasks that have not exited.</summary>
    internal List<MmStruct> LiveMms()
    {
        var live = new List<MmStruct>();
        foreach (Task t in _tasks.Values)
        {
            if (t.Mm is { } mm && !live.Contains(mm))
            {
                live.Add(mm);
            }
        }
        return live;
    }

    /// <summary>All tasks ever created, by pid (exited ones are kept, marked).</summary>
    public IReadOnlyDictionary<int, Task> Tasks => _tasks;

    /// <summary>
    /// The minor and major faults of a process: the sums over the tasks of thread group tgid,
    /// exited ones included (what /proc/PID/stat's minflt and majflt add up for the whole group).
    /// </summary>
    public (long Min, long Maj) ProcessFaults(int tgid)
    {
        long min = 0;
        long maj = 0;
        foreach (Task t in _tasks.Values)
        {
            if (t.Tgid == tgid)
            {
                min += t.MinFlt;
                maj += t.MajFlt;
            }
        }
        return (min, maj);
    }

    /// <summary>Creates the first task of a process tree with an empty mm and no files.</summary>
    public Task CreateInitTask(int pid)
    {
        var mm = new MmStruct(Config);
        Paging?.Attach(mm);
        var task = new Task(pid, pid, mm, new FdTable());
        _tasks[pid] = task;
        AllocTaskStruct(task);
        return task;
    }

    /// <summary>The task with this pid, or null.</summary>
    public Task? Find(int pid) => _tasks.TryGetValue(pid, out Task? t) ? t : null;

    /// <summary>
    /// execve(): replaces the task's mm with a fresh one laid out by the ELF loader. The old mm
    /// loses a user (mmput). Returns 0 or -errno (the old mm is kept on failure).
    /// </summary>
    public int Execve(Task task, ExecRequest req)
    {
        MmStruct? mm = BinfmtElf.Load(Config, req, out int err);
        if (mm is null)
        {
            return err;
        }
        Paging?.Attach(mm);
        MmStruct? old = task.Mm;
        MmStruct? borrowed = task.ActiveMm;
        task.Mm = mm;
        task.ActiveMm = mm;
        ActivateMm(task, old is null ? borrowed : null);
        if (old is not null)
        {
            Mmput(old);
        }
        string name = req.Filename;
        int slash = name.LastIndexOf('/');
        task.Comm = slash >= 0 ? name[(slash + 1)..] : name;
        if (task.Comm.Length > 15)
        {
            task.Comm = task.Comm[..15];
        }
        return 0;
    }

    /// <summary>
    /// fork()/vfork()/clone(): creates the child task. With shareVm (CLONE_VM) the child shares
    /// the parent's mm (mm_users + 1); otherwise dup_mmap() copies it. With shareFiles
    /// (CLONE_FILES) the fd table is shared, with shareFs (CLONE_FS) the working directory.
    /// With CPUs (a paging kernel) the parent makes the call on its CPU (<see cref="Run"/>), where
    /// dup_mmap()'s flush of its write-protected entries starts; the child has not run yet.
    /// </summary>
    public Task Clone(Task parent, int childPid, bool shareVm, bool thread, bool shareFiles, bool shareFs = false)
    {
        if (Machine is not null)
        {
            Run(parent);
        }
        MmStruct? mm = parent.Mm;
        if (mm is not null)
        {
            if (shareVm)
            {
                mm.MmUsers++;
            }
            else
            {
                mm = Fork.DupMm(mm);
            }
        }
        FdTable files = shareFiles ? parent.Files : parent.Files.Clone();
        if (shareFiles)
        {
            files.Users++;
        }
        var child = new Task(childPid, thread ? parent.Tgid : childPid, mm, files)
        {
            Parent = parent,
            Comm = parent.Comm,
            Fs = shareFs ? parent.Fs : parent.Fs.Copy(),
        };
        _tasks[childPid] = child;
        AllocTaskStruct(child);
        return child;
    }

    /// <summary>
    /// A user access by a task (the CPU and do_user_addr_fault()): the fault, if one is taken,
    /// is counted in the task's min_flt or maj_flt. Returns the outcome (Ok, or the signal).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FaultResult Access(Task task, ulong addr, AccessKind kind)
    {
        // The task already running on its CPU (a user's loop of accesses): straight to the MMU.
        if (Machine is { } m && task.Mm is not null && m.IsCurrent(task))
        {
            m.ThisCpu = task.Cpu;
            return m.Access(task.Cpu, addr, kind);
        }
        return AccessScheduling(task, addr, kind);
    }

    /// <summary><see cref="Access"/> of a task not running yet (scheduled first), or without an MMU.</summary>
    private FaultResult AccessScheduling(Task task, ulong addr, AccessKind kind)
    {
        MmStruct mm = task.Mm ?? throw new InvalidOperationException("a kernel thread has no user memory");
        if (Machine is not null)
        {
            return Machine.Access(Run(task), addr, kind);
        }
        long min = mm.Paging?.MinFlt ?? 0;
        long maj = mm.Paging?.MajFlt ?? 0;
        FaultResult r = mm.Access(addr, kind);
        if (mm.Paging is { } p)
        {
            task.MinFlt += p.MinFlt - min;
            task.MajFlt += p.MajFlt - maj;
        }
        return r;
    }

    /// <summary>
    /// Checks the whole machine (<see cref="DebugVm.ValidateMachine.Check"/>: every live mm's VMAs,
    /// counters and page tables, every frame's counts, the buddy lists) and the CPUs; throws
    /// <see cref="ModelBugException"/> naming the violations found.
    /// </summary>
    public void Validate()
    {
        DebugVm.ValidateMachine.ThrowIfAny(DebugVm.ValidateMachine.Check(this));
        ValidateCpus();
    }

    /// <summary>
    /// exit(): the task drops its mm (exit_mm → mmput) and files. A task running on one of the
    /// kernel's CPUs exits there (<see cref="Scheduler.ExitCurrent"/>: lazy TLB on its mm until
    /// the switch away) and its CPU then runs the idle task.
    /// </summary>
    public void Exit(Task task)
    {
        if (task.Exited)
        {
            return;
        }
        int cpu = Machine?.CpuOf(task) ?? -1;
        if (cpu >= 0)
        {
            Scheduler!.ExitCurrent(cpu);
            Schedule(cpu, Machine!.Cpu(cpu).Idle);
            return;
        }
        ExitTask(task);
    }

    /// <summary>do_exit() without the scheduler's part: exit_mm() → mmput(), exit_files().</summary>
    internal void ExitTask(Task task)
    {
        if (task.Exited)
        {
            return;
        }
        task.Exited = true;
        FreeTaskStruct(task);
        if (task.Mm is not null)
        {
            Mmput(task.Mm);
            task.Mm = null;
        }
        task.Files.Users--;
    }

    /// <summary>exit_group(): every task of the thread group exits.</summary>
    public void ExitGroup(Task task)
    {
        foreach (Task t in _tasks.Values)
        {
            if (t.Tgid == task.Tgid && !t.Exited)
            {
                Exit(t);
            }
        }
    }

    /// <summary>mmput(): drops a user; the last one tears the address space down (exit_mmap) and mmdrop()s.</summary>
    public static void Mmput(MmStruct mm)
    {
        mm.MmUsers--;
        if (mm.MmUsers == 0)
        {
            mm.ExitMmap();
            mm.Mmdrop();
        }
    }
}
