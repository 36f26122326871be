using Mmsim.Mm;
using Task = Mmsim.Process.Task;
using Mmsim.Slab;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Slab;

/// <summary>
/// The model's own objects come from the slab caches of a machine with paging: task_struct per
/// task, mm_struct per address space (back to the cache only at __mmdrop(), when mm_count
/// reaches 0), vm_area_struct per VMA in a tree.
/// </summary>
public sealed class SlabObjectsTests
{
    [Fact]
    public void TasksMmsAndVmasAreSlabObjectsThatReturnWhenFreed()
    {
        //  event                         task_struct  mm_struct  vm_area_struct
        //  init task, 3 VMAs             1            1          3
        //  thread (CLONE_VM)             2            1          3
        //  fork                          3            2          6
        //  child exits                   2            1          3
        //  munmap of the middle VMA      2            1          2
        var (k, t) = NewMachine();
        SlabCaches s = k.Paging!.Slabs;
        t.Mm().MapAt(0, 1);
        t.Mm().MapAt(2, 1);
        t.Mm().MapAt(4, 1);
        Assert.Equal((1L, 1L, 3L), Active(s));
        Task thread = k.Clone(t, 2, shareVm: true, thread: true, shareFiles: true);
        Assert.Equal((2L, 1L, 3L), Active(s));
        Task child = k.Clone(t, 3, shareVm: false, thread: false, shareFiles: false);
        Assert.Equal((3L, 2L, 6L), Active(s));
        k.Exit(child);
        Assert.Equal((2L, 1L, 3L), Active(s));
        t.Mm().UnmapAt(2, 1);
        Assert.Equal((2L, 1L, 2L), Active(s));
        k.Exit(thread);
        k.Validate();
    }

    [Fact]
    public void AKernelThreadKeepsTheMmStructAliveAfterItsLastUserExits()
    {
        //  A runs on CPU 0, then the kernel thread borrows A's mm (mmgrab: mm_count 2);
        //  A exits: exit_mmap frees its VMAs, but the mm_struct stays (mm_count 1)
        //  until the CPU switches to another user task (mmdrop: mm_count 0, object freed).
        var (k, a) = NewMachine();
        SlabCaches s = k.Paging!.Slabs;
        a.Mm().MapAt(0, 1);
        MmStruct mm = a.Mm();
        k.Schedule(0, a);
        Task kt = k.CreateKernelThread("kworker/0:0");
        k.Schedule(0, kt);
        Assert.Equal((2L, 1L, 1L), Active(s));
        Assert.Equal((1, 2), (mm.MmUsers, mm.MmCount));
        k.Exit(a);
        Assert.Equal((1L, 1L, 0L), Active(s));
        Assert.Equal((0, 1), (mm.MmUsers, mm.MmCount));
        Task b = k.CreateInitTask(10);
        k.Schedule(0, b);
        Assert.Equal(0, mm.MmCount);
        Assert.Equal((2L, 1L, 0L), Active(s));
        k.Validate();
    }

    private static (long Tasks, long Mms, long Vmas) Active(SlabCaches s) =>
        (s.TaskStruct!.ActiveObjs, s.MmStruct!.ActiveObjs, s.VmAreaStruct!.ActiveObjs);
}
