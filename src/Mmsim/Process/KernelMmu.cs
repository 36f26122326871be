using Mmsim.Arch.X86;
using Mmsim.Fault;
using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Sched;
using Mmsim.Tlb;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Process;

/// <summary>
/// The join of the paging layer and the x86 MMU in a paging kernel. The kernel owns the CPUs
/// (<see cref="Machine"/>) and the scheduler; the page tables' flushes (<see cref="PagingMachine.TlbFlush"/>)
/// go to the machine's flush_tlb_mm_range(), and the MMU's page faults come back to the
/// model's do_user_addr_fault() (<see cref="MmStruct.Access"/>):
/// <code>
///   Kernel.Access(task, va) ─ Run(task): schedule it (context_switch, switch_mm) if not running
///        │
///        ▼
///   Machine.Access(cpu, va) ─ L1 ─ STLB ─ PageWalker over mm's tables ─┐ walk fault
///        ▲                                                              ▼
///        └── retry ◄── HandlePageFault: mm.Access → handle_mm_fault → (COW break etc.)
///                                                      │ page-table change
///                                                      ▼
///                      PagingMachine.FlushRange ─► Machine.FlushTlbMmRange (IPIs, tlb_gen)
/// </code>
/// The CPU a syscall runs on (Machine.ThisCpu, where its flushes start) is the CPU of the task
/// last passed to <see cref="Run"/>, <see cref="Schedule"/> or <see cref="Access"/>.
/// </summary>
public sealed partial class Kernel : IPageFaultHandler
{
    /// <summary>The x86 CPUs, their TLBs and init_mm; null without paging.</summary>
    public Machine? Machine { get; }

    /// <summary>Which task runs where, and the lazy-TLB references; null without paging.</summary>
    public Scheduler? Scheduler { get; }

    /// <summary>
    /// schedule() on cpu picking task (context_switch(): switch_mm, or lazy TLB for a kernel
    /// thread); cpu becomes the CPU the next syscalls run on. Needs paging.
    /// </summary>
    public void Schedule(int cpu, Task task)
    {
        Machine m = Machine ?? throw new InvalidOperationException("a kernel without paging has no CPUs");
        Scheduler!.Schedule(cpu, task);
        m.ThisCpu = cpu;
    }

    /// <summary>
    /// Makes sure task runs and returns its CPU, which becomes the one the next syscalls (and
    /// their flushes) run on: a task not running is scheduled on the CPU it last ran on, or
    /// CPU 0 the first time. Needs paging.
    /// </summary>
    public int Run(Task task)
    {
        Machine m = Machine ?? throw new InvalidOperationException("a kernel without paging has no CPUs");
        int cpu = m.CpuOf(task);
        if (cpu < 0)
        {
            cpu = task.Cpu >= 0 ? task.Cpu : 0;
            Scheduler!.Schedule(cpu, task);
        }
        m.ThisCpu = cpu;
        return cpu;
    }

    /// <summary>
    /// exec_mmap()'s activate_mm(): a running task that was given a new mm loads it before the
    /// old one is put; a kernel thread that execs drops the reference its borrowed active_mm held.
    /// </summary>
    private void ActivateMm(Task task, MmStruct? borrowed)
    {
        int cpu = Machine?.CpuOf(task) ?? -1;
        if (cpu < 0)
        {
            return;
        }
        Machine!.ThisCpu = cpu;
        Scheduler!.ActivateMm(cpu);
        if (borrowed is not null)
        {
            Scheduler.Mmdrop(borrowed);
        }
    }

    /// <summary>
    /// The MMU's page-fault entry (exc_page_fault() → do_user_addr_fault()): the VMA checks and
    /// handle_mm_fault() of the faulting mm, run on the faulting CPU; the fault is counted in
    /// the task's min_flt or maj_flt.
    /// </summary>
    FaultResult IPageFaultHandler.HandlePageFault(Cpu cpu, MmStruct mm, ulong address, AccessKind kind, WalkFault fault)
    {
        Task task = cpu.Current;
        Machine!.ThisCpu = cpu.Id;
        MmPaging? p = mm.Paging;
        long min = p?.MinFlt ?? 0;
        long maj = p?.MajFlt ?? 0;
        FaultResult r = mm.HardwareFault(address, kind, fault);
        if (p is not null)
        {
            task.MinFlt += p.MinFlt - min;
            task.MajFlt += p.MajFlt - maj;
        }
        return r;
    }

    /// <summary>
    /// The CPUs' checks (<see cref="Machine.Validate"/>) and the lazy-TLB reference count of every
    /// mm a CPU or a task holds: mm_count is one for the users together (while there are any)
    /// plus one per CPU whose current task runs on it without owning it (a kernel thread, the
    /// idle task, a task that exited there).
    /// </summary>
    private void ValidateCpus()
    {
        if (Machine is null)
        {
            return;
        }
        Machine.Validate();
        var lazy = new Dictionary<MmStruct, int>();
        foreach (Cpu c in Machine.Cpus)
        {
            if (c.Current.Mm is null && c.Current.ActiveMm is { } borrowed)
            {
                lazy[borrowed] = lazy.GetValueOrDefault(borrowed) + 1;
            }
            if (c.Current.Cpu != c.Id)
            {
                throw new ModelBugException($"cpu {c.Id}: current task {c.Current.Pid} has task_cpu {c.Current.Cpu}");
            }
        }
        foreach (Task t in _tasks.Values)
        {
            if (t.Mm is { } mm)
            {
                lazy.TryAdd(mm, 0);
            }
        }
        lazy.TryAdd(Machine.InitMm, 0);
        foreach ((MmStruct mm, int refs) in lazy)
        {
            int expected = (mm.MmUsers > 0 || mm == Machine.InitMm ? 1 : 0) + refs;
            if (mm.MmCount != expected)
            {
                throw new ModelBugException($"mm_count {mm.MmCount}, expected {expected} (mm_users {mm.MmUsers}, {refs} lazy)");
            }
        }
    }

    /// <summary>
    /// <see cref="Access"/> with the explanation a teacher draws: the walk of the tables before
    /// the access (and after, when a fault changed them), where the TLBs found the translation,
    /// the memory references, the fault and its accounting. Changes the machine exactly as
    /// <see cref="Access"/> does. Needs paging.
    /// </summary>
    public TranslateExplain Explain(Task task, ulong addr, AccessKind kind)
    {
        MmStruct mm = task.Mm ?? throw new InvalidOperationException("a kernel thread has no user memory");
        Machine m = Machine ?? throw new InvalidOperationException("a kernel without paging has no MMU");
        int cpu = Run(task);
        Cpu c = m.Cpu(cpu);
        TlbLevel l1 = kind == AccessKind.Execute ? c.Tlb.L1i : c.Tlb.L1d;
        long l1Hits = l1.Hits;
        long stlbHits = c.Tlb.Stlb?.Hits ?? 0;
        TlbStats st = c.Stats;
        (long walks, long refs, long faults, long assists, long stale) =
            (st.Walks, st.WalkMemoryRefs, st.PageFaults, st.DirtyAssists, st.StalePermissionRewalks);
        (long min, long maj) = (task.MinFlt, task.MajFlt);
        List<WalkStep> before = ReadWalk(mm, addr, kind, out WalkFault wouldFault);
        FaultResult r = m.Access(cpu, addr, kind, out ulong pa);
        bool walked = st.Walks != walks;
        bool faulted = st.PageFaults != faults;
        TlbHitLevel hit = walked ? TlbHitLevel.Walk
            : l1.Hits != l1Hits ? TlbHitLevel.L1
            : (c.Tlb.Stlb?.Hits ?? 0) != stlbHits ? TlbHitLevel.Stlb
            : TlbHitLevel.Walk;
        return new TranslateExplain
        {
            Cpu = cpu,
            Address = addr,
            Kind = kind,
            Hit = hit,
            DirtyAssist = st.DirtyAssists != assists,
            StaleRewalk = st.StalePermissionRewalks != stale,
            Walk = walked ? before : [],
            Fault = faulted ? wouldFault : WalkFault.None,
            WalkAfterFault = faulted && task.Mm?.Paging is not null ? ReadWalk(task.Mm, addr, kind, out _) : [],
            Walks = st.Walks - walks,
            MemoryRefs = st.WalkMemoryRefs - refs,
            PageFaults = st.PageFaults - faults,
            MinorFaults = task.MinFlt - min,
            MajorFaults = task.MajFlt - maj,
            Result = r,
            PhysAddr = r == FaultResult.Ok ? pa : 0,
        };
    }

    /// <summary>
    /// Reads mm's tables along addr as the hardware walker would, changing nothing: the steps
    /// down to the leaf or the first entry not present, and the fault an access of kind raises.
    /// </summary>
    private static List<WalkStep> ReadWalk(MmStruct mm, ulong addr, AccessKind kind, out WalkFault fault)
    {
        var steps = new List<WalkStep>();
        fault = WalkFault.NotPresent;
        MmPgtables? pt = mm.Paging?.Tables;
        if (pt is null)
        {
            return steps;
        }
        PagingGeometry g = pt.Geometry;
        bool writable = true;
        bool user = true;
        bool noExec = false;
        int table = pt.Root;
        for (int l = 0; l < g.Levels; l++)
        {
            int idx = g.Index(l, addr);
            ulong e = pt.Get(table, idx);
            bool leaf = (e & Present) != 0 && (l == g.Levels - 1 || ((e & Pse) != 0 && g.LeafAllowed(l)));
            steps.Add(new WalkStep(l, LevelName(g, l), table, idx, e, leaf));
            if ((e & Present) == 0)
            {
                return steps;
            }
            if (!(l == 0 && g.RootInRegisters))
            {
                writable &= (e & Rw) != 0;
                user &= (e & User) != 0;
                noExec |= g.HasNx && (e & Nx) != 0;
            }
            if (leaf)
            {
                break;
            }
            table = (int)EntryPfn(e);
        }
        bool allowed = user && (kind != AccessKind.Write || writable) && (kind != AccessKind.Execute || !noExec);
        fault = allowed ? WalkFault.None : WalkFault.Protection;
        return steps;
    }

    /// <summary>The kernel's name of a level: PGD at the root, then (from the bottom) PTE, PMD, PUD, P4D.</summary>
    private static string LevelName(PagingGeometry g, int level)
    {
        if (level == 0)
        {
            return "PGD";
        }
        return (g.Levels - 1 - level) switch { 0 => "PTE", 1 => "PMD", 2 => "PUD", _ => "P4D" };
    }
}
