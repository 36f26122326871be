using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Scenario.Statements;

/// <summary><c>in TASK</c>: makes TASK (a name, a pid, <c>$var</c>) the current process: the one calls and touches act on.</summary>
public sealed class InStatement : Statement
{
    private readonly string _task;

    private InStatement(StatementSource source, string task)
        : base(source)
    {
        _task = task;
    }

    public static Statement Parse(StatementSource source)
    {
        IReadOnlyList<string> w = source.Words();
        return w.Count == 1 ? new InStatement(source, w[0]) : throw source.Error("expected 'in TASK' (a name, a pid or $variable)");
    }

    public override void Execute(ScenarioRun run) => run.Current = run.ResolveTask(this, _task);
}

/// <summary>
/// <c>fork [NAME]</c>: the current process forks (the <c>fork()</c> call: dup_mmap() copies its
/// address space, private pages shared copy-on-write); the child gets NAME. The parent stays current.
/// </summary>
public sealed class ForkStatement : Statement
{
    private readonly string? _name;

    private ForkStatement(StatementSource source, string? name)
        : base(source)
    {
        _name = name;
    }

    public static Statement Parse(StatementSource source) => new ForkStatement(source, OptionalName(source, "fork [NAME]"));

    public override void Execute(ScenarioRun run)
    {
        Task parent = run.CurrentTask(this);
        long child = run.Call(this, "fork()", parent.Pid);
        if (_name is not null)
        {
            run.Name(this, _name, run.Kernel.Find((int)child)!);
        }
    }

    /// <summary>The one optional NAME operand of a statement.</summary>
    internal static string? OptionalName(StatementSource source, string usage)
    {
        IReadOnlyList<string> w = source.Words();
        if (w.Count > 1 || (w.Count == 1 && !ScenarioSyntax.IsName(w[0])))
        {
            throw source.Error($"expected '{usage}'");
        }
        return w.Count == 1 ? w[0] : null;
    }
}

/// <summary>
/// <c>thread [NAME]</c>: the current process starts a thread as glibc's pthread_create() does: an
/// 8 MiB stack with a guard page (mmap PROT_NONE, mprotect all but the guard), its top page
/// written (the thread descriptor lives there), then clone with CLONE_VM|CLONE_THREAD|...: the
/// thread shares the mm (mm_users + 1).
/// </summary>
public sealed class ThreadStatement : Statement
{
    /// <summary>glibc's default thread stack: 8 MiB (RLIMIT_STACK) plus one guard page.</summary>
    public const ulong StackBytes = (8UL << 20) + 4096;

    private const string Flags = "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID";

    private readonly string? _name;

    private ThreadStatement(StatementSource source, string? name)
        : base(source)
    {
        _name = name;
    }

    public static Statement Parse(StatementSource source) => new ThreadStatement(source, ForkStatement.OptionalName(source, "thread [NAME]"));

    public override void Execute(ScenarioRun run)
    {
        Task parent = run.CurrentTask(this);
        long stack = run.Call(this, $"mmap(NULL, {StackBytes}, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0)", parent.Pid);
        if (stack < 0 && stack >= -4095)
        {
            throw run.Error(this, "the thread's stack could not be mapped");
        }
        ulong guard = (ulong)stack + 4096;
        run.Call(this, $"mprotect({ScenarioRun.Hex(guard)}, {StackBytes - 4096}, PROT_READ|PROT_WRITE)", parent.Pid);
        ulong top = (ulong)stack + StackBytes - 4096;
        if (!run.Deliver(parent, run.Kernel.Access(parent, top, AccessKind.Write), top))
        {
            return;
        }
        long tid = run.Call(this, $"clone(child_stack={ScenarioRun.Hex(top)}, flags={Flags})", parent.Pid);
        if (_name is not null)
        {
            run.Name(this, _name, run.Kernel.Find((int)tid)!);
        }
    }
}

/// <summary>
/// <c>exit [TASK]</c>: the current process (or TASK) exits: exit_group() for a process (all its
/// threads), exit() for a thread other than the leader, do_exit() for a kernel thread. When the
/// current process exits, its parent becomes current (as a shell waits for its child).
/// </summary>
public sealed class ExitStatement : Statement
{
    private readonly string? _task;

    private ExitStatement(StatementSource source, string? task)
        : base(source)
    {
        _task = task;
    }

    public static Statement Parse(StatementSource source)
    {
        IReadOnlyList<string> w = source.Words();
        return w.Count <= 1 ? new ExitStatement(source, w.Count == 1 ? w[0] : null) : throw source.Error("expected 'exit [TASK]'");
    }

    public override void Execute(ScenarioRun run)
    {
        Task t = _task is null ? run.CurrentTask(this, needMm: false) : run.ResolveTask(this, _task);
        if (t.Mm is null)
        {
            run.Kernel.Exit(t);
        }
        else
        {
            run.Call(this, t.IsLeader ? "exit_group(0)" : "exit(0)", t.Pid);
            if (run.TraceCalls)
            {
                run.Out.WriteLine($"[pid {t.Pid}] +++ exited with 0 +++");
            }
        }
        if (run.Current is { Exited: true } gone)
        {
            Task? next = gone.Parent is { Exited: false } parent ? parent : run.Kernel.Find(gone.Tgid) is { Exited: false } leader ? leader : null;
            run.Current = next ?? gone;
        }
    }
}

/// <summary><c>kthread NAME</c>: a kernel thread (kthread_create()): a task with no mm, which borrows the
/// previous task's mm (active_mm) when it is scheduled on a CPU.</summary>
public sealed class KthreadStatement : Statement
{
    private readonly string _name;

    private KthreadStatement(StatementSource source, string name)
        : base(source)
    {
        _name = name;
    }

    public static Statement Parse(StatementSource source) =>
        new KthreadStatement(source, ForkStatement.OptionalName(source, "kthread NAME") ?? throw source.Error("expected 'kthread NAME'"));

    public override void Execute(ScenarioRun run)
    {
        Task t = run.Kernel.CreateKernelThread(_name, run.NextPid());
        run.Name(this, _name, t);
    }
}

/// <summary><c>schedule TASK on cpu N</c>: the scheduler picks TASK on CPU N (context_switch(): switch_mm, or
/// lazy TLB for a kernel thread, which keeps the previous task's mm as its active_mm). A task running on
/// another CPU is first switched out there (that CPU runs its idle task): a migration.</summary>
public sealed class ScheduleStatement : Statement
{
    private readonly string _task;
    private readonly string _cpu;

    private ScheduleStatement(StatementSource source, string task, string cpu)
        : base(source)
    {
        _task = task;
        _cpu = cpu;
    }

    public static Statement Parse(StatementSource source)
    {
        IReadOnlyList<string> w = source.Words();
        if (w.Count != 4 || w[1] != "on" || w[2] != "cpu" || Expr.SyntaxError(w[3]) is not null)
        {
            throw source.Error("expected 'schedule TASK on cpu N'");
        }
        return new ScheduleStatement(source, w[0], w[3]);
    }

    public override void Execute(ScenarioRun run)
    {
        Task t = run.ResolveTask(this, _task);
        long cpu = run.Eval(this, _cpu);
        int cpus = run.Kernel.Machine!.NrCpus;
        if (cpu < 0 || cpu >= cpus)
        {
            throw run.Error(this, $"cpu {cpu}: the machine has cpus 0 to {cpus - 1}");
        }
        int running = run.Kernel.Machine.CpuOf(t);
        if (running >= 0 && running != cpu)
        {
            // A migration: the task is switched out where it runs (that CPU goes idle), then picked here.
            run.Kernel.Schedule(running, run.Kernel.Machine.Cpu(running).Idle);
        }
        run.Kernel.Schedule((int)cpu, t);
    }
}
