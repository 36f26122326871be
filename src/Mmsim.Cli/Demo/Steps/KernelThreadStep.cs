using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Process;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>A kernel thread with no mm borrowing the previous task's mm (active_mm, lazy TLB).</summary>
internal sealed class KernelThreadStep : DemoStep
{
    public override string Id => "kernel-thread";

    public override string Title => "A kernel thread has no mm and borrows the previous task's (active_mm)";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Series4, "A kernel thread is also a unique process because it is always executed in the kernel space and has no process address space. At the same time, there is no user context. Its mm domain is empty. When the kernel thread accesses the kernel space, it also needs to convert the page table into a virtual address. In this case, the kernel thread directly uses the memory descriptor of the previous CPU execution process."),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "Right in substance. In Linux 6.18: task->mm is NULL and task->active_mm points at the borrowed mm; context_switch() calls enter_lazy_tlb() and keeps the previous CR3 loaded (no switch_mm), taking a reference with mmgrab_lazy_tlb() (a real mm_count on x86). The kernel half of every page table is the same, so any user mm serves. When a user task next runs there, switch_mm() loads its tables and finish_task_switch() drops the lazy reference. (Kernel threads that need a user mm, such as io_uring workers, use kthread_use_mm().)",
    ];

    public override PictureKind Picture => PictureKind.Timeline;

    public override void Run(DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel();
        Task p = DemoKit.ExecGonzo(k, 100);
        MmStruct pm = p.Mm!;
        Task kw = k.CreateKernelThread("kworker/0:1");
        Cpu cpu0 = k.Machine!.Cpu(0);
        string Cpu0() => $"CPU 0 runs {cpu0.Current.Comm,-12} mm={(cpu0.Current.Mm is null ? "NULL" : "gonzo's")}, active_mm={Who(cpu0.Current.ActiveMm, pm)}, CR3 holds {Who(cpu0.LoadedMm, pm)}{(cpu0.IsLazy ? " (lazy TLB)" : "")}; gonzo's mm_count {pm.MmCount}";
        o.WriteLine($"  {Cpu0()}");
        scene.Figures["before.mm_count"] = pm.MmCount;
        k.Schedule(0, kw);
        k.Validate();
        o.WriteLine($"  schedule() picks {kw.Comm} (pid {kw.Pid}): enter_lazy_tlb, mmgrab_lazy_tlb(gonzo's mm)");
        o.WriteLine($"  {Cpu0()}");
        scene.Figures["kthread.mm_is_null"] = kw.Mm is null ? 1 : 0;
        scene.Figures["kthread.borrows"] = kw.ActiveMm == pm ? 1 : 0;
        scene.Figures["kthread.mm_count"] = pm.MmCount;
        scene.Figures["kthread.lazy"] = cpu0.IsLazy ? 1 : 0;
        Task other = k.CreateInitTask(300);
        other.Comm = "bash";
        k.Schedule(0, other);
        k.Validate();
        o.WriteLine("  schedule() picks bash (pid 300): switch_mm loads its tables; finish_task_switch mmdrop(gonzo's)");
        o.WriteLine($"  {Cpu0()}");
        o.WriteLine($"  {kw.Comm}'s active_mm is now {Who(kw.ActiveMm, pm)}: it borrows again whenever it next runs.");
        scene.Figures["after.mm_count"] = pm.MmCount;
        scene.Kernel = k;
        scene.Pid = kw.Pid;
        scene.Picture = (Mmsim.Pictures.CountsPicture.Render("A kernel thread borrows gonzo's mm (active_mm, lazy TLB)",
            "gonzo's mm_users and mm_count; 1 in the last column: CPU 0 has gonzo's page tables loaded (CR3)",
            ["users", "count", "in CR3"],
            [
                new("gonzo (pid 100) runs on CPU 0", [pm.MmUsers, scene.Figures["before.mm_count"], 1]),
                new($"{kw.Comm} runs on CPU 0: mm NULL, borrows gonzo's (mmgrab)", [pm.MmUsers, scene.Figures["kthread.mm_count"], 1]),
                new("bash (pid 300) runs on CPU 0: switch_mm, mmdrop", [pm.MmUsers, scene.Figures["after.mm_count"], 0]),
            ]),
            "gonzo's mm_users and mm_count as the kernel thread borrows its mm");
    }

    private static string Who(MmStruct? mm, MmStruct gonzo) => mm is null ? "NULL" : mm == gonzo ? "gonzo's" : "another";
}
