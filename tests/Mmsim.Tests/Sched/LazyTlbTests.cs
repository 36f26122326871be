using Mmsim.Mm;
using Mmsim.Tests.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Sched;

/// <summary>
/// context_switch() and lazy TLB: a kernel thread has no mm of its own and borrows active_mm,
/// holding an mm_count reference from a user task until a user task runs again:
/// <code>
///   A -> k1 -> k2 -> B
///   A.mm:  mm_count 1 -> 2 (mmgrab) -> 2 (passed on) -> 1 (mmdrop)
/// </code>
/// </summary>
public sealed class LazyTlbTests
{
    [Fact]
    public void KernelThreadBorrowsTheMmOfTheTaskBefore()
    {
        var kit = new TlbKit(cpus: 2);
        Task a = kit.Process(100);
        Task b = kit.Process(200);
        Task k = kit.Kernel.CreateKernelThread("kswapd0");
        MmStruct mm = a.Mm!;
        kit.Run(0, a);
        Assert.Equal((1, 1), (mm.MmUsers, mm.MmCount));

        kit.Run(0, k);
        Assert.Null(k.Mm);
        Assert.Same(mm, k.ActiveMm);
        Assert.Equal((1, 2), (mm.MmUsers, mm.MmCount));
        Assert.True(kit.Machine.Cpu(0).IsLazy);
        Assert.Same(mm, kit.Machine.Cpu(0).LoadedMm);

        kit.Run(0, b);
        Assert.Null(k.ActiveMm);
        Assert.Equal((1, 1), (mm.MmUsers, mm.MmCount));
        Assert.False(kit.Machine.Cpu(0).IsLazy);
        Assert.Same(b.Mm, kit.Machine.Cpu(0).LoadedMm);
    }

    [Fact]
    public void KernelToKernelPassesTheReferenceOn()
    {
        var kit = new TlbKit();
        Task a = kit.Process(100);
        Task k1 = kit.Kernel.CreateKernelThread("k1");
        Task k2 = kit.Kernel.CreateKernelThread("k2");
        MmStruct mm = a.Mm!;
        kit.Run(0, a);
        kit.Run(0, k1);
        kit.Run(0, k2);
        Assert.Equal(2, mm.MmCount);
        Assert.Null(k1.ActiveMm);
        Assert.Same(mm, k2.ActiveMm);

        long cr3 = kit.Machine.Cpu(0).Stats.Cr3Writes;
        kit.Run(0, a);                      // back to the same mm: no CR3 write at all
        Assert.Equal(1, mm.MmCount);
        Assert.Null(k2.ActiveMm);
        Assert.Equal(cr3, kit.Machine.Cpu(0).Stats.Cr3Writes);
    }

    [Fact]
    public void IdleTasksHoldInitMm()
    {
        var kit = new TlbKit(cpus: 3);
        MmStruct init = kit.Machine.InitMm;
        Assert.Equal(1 + 3, init.MmCount);
        Assert.Equal("swapper/2", kit.Sched.Current(2).Comm);
        Task a = kit.Process(100);
        kit.Run(1, a);                      // idle -> user: idle's lazy reference dropped
        Assert.Equal(3, init.MmCount);
        Assert.Null(kit.Machine.Cpu(1).Idle.ActiveMm);
        kit.Run(1, kit.Machine.Cpu(1).Idle);
        Assert.Same(a.Mm, kit.Machine.Cpu(1).Idle.ActiveMm);
        Assert.Equal(2, a.Mm!.MmCount);
    }

    [Fact]
    public void ExitingTaskKeepsItsMmStructUntilSwitchedAway()
    {
        var kit = new TlbKit();
        Task a = kit.Process(100);
        Task b = kit.Process(200);
        Task k = kit.Kernel.CreateKernelThread("k");
        MmStruct mm = a.Mm!;
        kit.Run(0, a);
        kit.Sched.ExitCurrent(0);
        // exit_mm(): mmgrab then mmput; the last user's reference goes, the lazy one stays.
        Assert.Equal((0, 1), (mm.MmUsers, mm.MmCount));
        Assert.Null(a.Mm);
        Assert.True(kit.Machine.Cpu(0).IsLazy);
        kit.Run(0, k);                      // the dying task's reference passes to k
        Assert.Equal(1, mm.MmCount);
        kit.Run(0, b);
        Assert.Equal(0, mm.MmCount);        // __mmdrop()
    }

    [Fact]
    public void ScheduleRefusesATaskRunningElsewhere()
    {
        var kit = new TlbKit(cpus: 2);
        Task a = kit.Process(100);
        kit.Run(0, a);
        Assert.Throws<ModelBugException>(() => kit.Sched.Schedule(1, a));
    }

    [Fact]
    public void KernelThreadsGetFreshPids()
    {
        var kit = new TlbKit();
        Task k = kit.Kernel.CreateKernelThread("kthreadd");
        Assert.Equal((2, "kthreadd"), (k.Pid, k.Comm));
        kit.Process(100);
        Task k2 = kit.Kernel.CreateKernelThread("kworker/u8:0-events_unbound");
        Assert.Equal((101, "kworker/u8:0-ev"), (k2.Pid, k2.Comm));
        Assert.Same(k2, kit.Kernel.Find(101));
        Assert.Null(k2.Mm);
    }

    [Fact]
    public void ExecLoadsTheNewMmOnTheRunningCpu()
    {
        var kit = new TlbKit();
        Task a = kit.Process(100);
        kit.Run(0, a);
        MmStruct old = a.Mm!;
        var fresh = new MmStruct(MmConfig.Default);
        // What Kernel.Execve does to the task (the ELF loading aside).
        a.Mm = fresh;
        a.ActiveMm = fresh;
        Mmsim.Process.Kernel.Mmput(old);
        Assert.Throws<ModelBugException>(kit.Machine.Validate);
        kit.Sched.ActivateMm(0);
        Assert.Same(fresh, kit.Machine.Cpu(0).LoadedMm);
        Assert.True(fresh.Context.HasCpu(0));
        kit.Machine.Validate();
    }
}
