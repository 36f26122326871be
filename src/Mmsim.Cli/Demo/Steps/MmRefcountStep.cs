using Mmsim.Mm;
using Mmsim.Process;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// mm_users and mm_count as threads and processes come and go: exec, clone(CLONE_VM), fork's
/// copy_mm(), exits on a CPU, and the mm_struct slab objects going back to their cache only when
/// the last lazy-TLB reference is dropped.
/// </summary>
internal sealed class MmRefcountStep : DemoStep
{
    public override string Id => "mm-refcounts";

    public override string Title => "mm_struct, mm_users and mm_count as threads and processes come and go";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Series4, "Generally, the memory addresses of each process are independent of each other, when the memory between processes can access each other, this process is also called a thread."),
        new(Seed.Series4, "Mm_users indicates the number of threads in the process, and mm_count indicates the number of processes. Only when mm_count is 0 indicates that no process uses this memory descriptor. In this case, the kernel can undo this struct."),
        new(Seed.Series4, "The fork () function uses the copy_mm () function to copy the mm_struct of the parent process, the mm_struct of the sub-process is allocated through the mm_cachu slab cache. Generally, each process has a unique mm_struct. To create a thread, set CLONE_VM Peugeot when calling clone. Therefore, there is no distinction between processes and threads from the kernel perspective. The only difference is whether the address space can be shared."),
        new(Seed.Series4, "The two processes have their own vm_area_struct when the shared memory is mapped to a file. The two threads can share a vm_area_struct, because they share an mm_struct."),
        new(Seed.Series4, "When the thread exits, the kernel reduces the user count of mm_users in mm_struct. When the process exits, mm_count is 0, and mm_struct is recycled, kmem_cache_free () is called () the function recycles mm_struct to the cache of mm_cachu slab."),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "mm_users counts the users of the address space: every task sharing it (threads and CLONE_VM children) plus temporary mmget() holders such as a /proc reader. mm_count counts references to the struct itself: all users together hold one, and each CPU running a kernel thread (or its idle task, or a task that exited there) on it lazily holds one more (x86 selects CONFIG_MMU_LAZY_TLB_REFCOUNT).",
        "Threads are tasks sharing one mm_struct (clone with CLONE_VM); processes can share memory too (MAP_SHARED, SysV shm) without being threads, and a thread shares more than memory (CLONE_THREAD: the thread group and its signals; usually files and fs too).",
        "When mm_users reaches 0 the address space is torn down at once (mmput() → exit_mmap()); the mm_struct itself is freed (__mmdrop() → free_mm(): kmem_cache_free(mm_cachep)) only when mm_count reaches 0, which may be later, when the last CPU switches away from it. The cache is named mm_struct in /proc/slabinfo; the variable is mm_cachep. \"Peugeot\" is the translation's rendering of \"flag\".",
    ];

    public override PictureKind Picture => PictureKind.Timeline;

    public override void Run(DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel();
        Task p = DemoKit.ExecGonzo(k, 100);
        MmStruct pm = p.Mm!;
        MmStruct? cm = null;
        o.WriteLine("  event                                                      pid 100's mm     pid 102's mm     mm_struct objects");
        o.WriteLine("                                                             users  count     users  count     in use");
        int n = 0;
        var rows = new List<Mmsim.Pictures.CountsRow>();
        void Row(string what)
        {
            string c = cm is null ? "  -      -  " : $"{cm.MmUsers,4}  {cm.MmCount,5}  ";
            long objs = DemoKit.MmStructObjects(k);
            rows.Add(new(what, [pm.MmUsers, pm.MmCount, cm?.MmUsers, cm?.MmCount, objs]));
            o.WriteLine($"  {what,-58} {pm.MmUsers,4}  {pm.MmCount,5}     {c}     {objs,5}");
            scene.Figures[$"e{n}.p.mm_users"] = pm.MmUsers;
            scene.Figures[$"e{n}.p.mm_count"] = pm.MmCount;
            if (cm is not null)
            {
                scene.Figures[$"e{n}.c.mm_users"] = cm.MmUsers;
                scene.Figures[$"e{n}.c.mm_count"] = cm.MmCount;
            }
            scene.Figures[$"e{n}.mm_struct_objs"] = objs;
            k.Validate();
            n++;
        }

        Row("0 execve(/bin/gonzo): pid 100, running on CPU 0");
        Task t = k.Clone(p, 101, shareVm: true, thread: true, shareFiles: true);
        Row("1 clone(CLONE_VM|CLONE_THREAD...): thread 101");
        long vmasBefore = k.Paging!.Slabs.VmAreaStruct!.ActiveObjs;
        Task c = k.Clone(p, 102, shareVm: false, thread: false, shareFiles: false);
        long vmasAfter = k.Paging.Slabs.VmAreaStruct.ActiveObjs;
        scene.Figures["fork.vma_objs_before"] = vmasBefore;
        scene.Figures["fork.vma_objs_after"] = vmasAfter;
        scene.Figures["fork.map_count"] = c.Mm!.MapCount;
        cm = c.Mm!;
        Row("2 fork(): child 102, copy_mm() → dup_mm()");
        k.Schedule(1, c);
        k.Exit(c);
        Row("3 child 102 runs on CPU 1 and exits (exit_mmap done)");
        k.Schedule(1, t);
        Row("4 thread 101 runs on CPU 1: switch_mm, mmdrop(102's)");
        k.Exit(t);
        Row("5 thread 101 exits on CPU 1 (CPU 1 idles, lazy on 100's)");
        k.Exit(p);
        Row("6 pid 100 exits on CPU 0 (CPU 0 idles, lazy on it too)");
        Task q = k.CreateInitTask(200);
        k.Schedule(0, q);
        Row("7 a new process 200 runs on CPU 0");
        Task q2 = k.Clone(q, 201, shareVm: true, thread: true, shareFiles: true);
        k.Schedule(1, q2);
        Row("8 its thread 201 runs on CPU 1: 100's last reference");
        o.WriteLine();
        o.WriteLine($"  At event 2, dup_mmap() gave child 102 its own copy of each of gonzo's {scene["fork.map_count"]} VMAs: vm_area_struct objects");
        o.WriteLine($"  in use went {vmasBefore} → {vmasAfter}; thread 101 got none, it shares the mm and so every VMA with 100.");
        o.WriteLine("  The address space of 102 was gone at event 3 (mm_users 0: exit_mmap), but its mm_struct");
        o.WriteLine("  stayed allocated until CPU 1 switched to another mm at event 4 (mm_count 0: kmem_cache_free).");
        o.WriteLine("  Likewise 100's: torn down at event 6, freed at event 8 when the second CPU let go of it.");
        scene.Kernel = k;
        scene.Pid = 100;
        scene.Picture = (Mmsim.Pictures.CountsPicture.Render("mm_users and mm_count as threads and processes come and go",
            "pid 100 (gonzo) with its thread 101 and its forked child 102; mm_struct objects in the slab cache",
            ["100 users", "100 count", "102 users", "102 count", "mm_structs"], rows),
            "mm_users and mm_count after each event");
    }
}
