using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Process;
using Task = Mmsim.Process.Task;

namespace Mmsim.Sched;

/// <summary>
/// The memory-management side of the scheduler (kernel/sched/core.c): which task runs on which
/// CPU, context_switch()'s mm handling and the lazy-TLB reference counting. A kernel thread has
/// no mm of its own and borrows active_mm from the task before it:
/// <code>
///   kernel -> kernel   lazy, active_mm (and its reference) passed on
///   user   -> kernel   lazy, mmgrab(prev->active_mm)
///   kernel -> user     switch_mm, mmdrop(prev->active_mm) in finish_task_switch()
///   user   -> user     switch_mm
/// </code>
/// (x86 selects CONFIG_MMU_LAZY_TLB_REFCOUNT, so the lazy reference is a real mm_count.)
/// </summary>
public sealed class Scheduler
{
    private readonly Machine _machine;
    private readonly Kernel _kernel;

    /// <summary>A scheduler over the machine's CPUs, each starting with its idle task.</summary>
    public Scheduler(Machine machine, Kernel kernel)
    {
        _machine = machine;
        _kernel = kernel;
    }

    /// <summary>Context switches, counted.</summary>
    public long Switches { get; private set; }

    /// <summary>The task running on cpu (its idle task until something else is scheduled).</summary>
    public Task Current(int cpu) => _machine.Cpu(cpu).Current;

    /// <summary>
    /// schedule() picking next on cpu: context_switch() then finish_task_switch(). next must not be
    /// running on another CPU nor have exited (the model throws <see cref="ModelBugException"/>).
    /// Scheduling the task already running does nothing.
    /// </summary>
    public void Schedule(int cpu, Task next)
    {
        Cpu c = _machine.Cpu(cpu);
        Task prev = c.Current;
        if (prev == next)
        {
            return;
        }
        if (next.Exited || _machine.CpuOf(next) >= 0)
        {
            throw new ModelBugException($"schedule: task {next.Pid} exited or already running");
        }
        MmStruct? dropAfter = ContextSwitch(c, prev, next);
        c.Current = next;
        next.Cpu = cpu;
        Switches++;
        if (dropAfter is not null)
        {
            Mmdrop(dropAfter);
        }
    }

    /// <summary>context_switch()'s mm part; returns rq->prev_mm, the lazy reference finish_task_switch() drops.</summary>
    private MmStruct? ContextSwitch(Cpu c, Task prev, Task next)
    {
        if (next.Mm is null)
        {
            _machine.EnterLazyTlb(c.Id);
            next.ActiveMm = prev.ActiveMm;
            if (prev.Mm is not null)
            {
                Mmgrab(prev.ActiveMm!);
            }
            else
            {
                prev.ActiveMm = null;
            }
            return null;
        }
        _machine.SwitchMmIrqsOff(c, next.Mm);
        if (prev.Mm is null)
        {
            MmStruct? prevMm = prev.ActiveMm;
            prev.ActiveMm = null;
            return prevMm;
        }
        return null;
    }

    /// <summary>
    /// do_exit() of the task running on cpu: exit_mm() takes a lazy reference to the mm and
    /// enters lazy TLB mode before mmput(), so the dying task runs on like a kernel thread until
    /// the next <see cref="Schedule"/> drops that reference. Then the rest of the exit
    /// (<see cref="Kernel.Exit"/> without the scheduling; the flushes of the last mmput() start
    /// on this CPU).
    /// </summary>
    public void ExitCurrent(int cpu)
    {
        Task task = _machine.Cpu(cpu).Current;
        if (task.Exited)
        {
            return;
        }
        if (task.Mm is not null)
        {
            Mmgrab(task.Mm);
            _machine.EnterLazyTlb(cpu);
        }
        _machine.ThisCpu = cpu;
        _kernel.ExitTask(task);
    }

    /// <summary>
    /// exec_mmap()'s activate_mm() for the task running on cpu, after <see cref="Kernel.Execve"/>
    /// gave it a new mm: loads that mm (a kernel thread that execs also drops the lazy reference
    /// its borrowed active_mm held). Does nothing when the loaded mm is already the task's.
    /// </summary>
    public void ActivateMm(int cpu)
    {
        Cpu c = _machine.Cpu(cpu);
        MmStruct? mm = c.Current.Mm;
        if (mm is null || (c.LoadedMm == mm && !c.IsLazy))
        {
            return;
        }
        _machine.SwitchMmIrqsOff(c, mm);
    }

    /// <summary>mmgrab(): one more reference to the mm_struct itself (mm_count).</summary>
    public static void Mmgrab(MmStruct mm) => mm.MmCount++;

    /// <summary>mmdrop(): drops a reference to the mm_struct; the last one frees it (__mmdrop()).</summary>
    public static void Mmdrop(MmStruct mm) => mm.Mmdrop();
}
