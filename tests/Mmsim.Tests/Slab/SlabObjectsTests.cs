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

    [Fact]
    public void AnonVmasAndTheirChainsFollowPrepareForkSplitAndExit()
    {
        //  columns:   0 1   3   5      (RW private anonymous VMAs, not mergeable: holes between)
        //             [ A ]  [B]  [C]
        //
        //  event                                     anon_vma  anon_vma_chain
        //  mapped, nothing written                   0         0
        //  write to A (anon_vma_prepare: a0)         1         1
        //  write to C (c0)                           2         2
        //  fork: A' and C' get a1 -> a0, c1 -> c0    4         6
        //  parent splits A (mprotect of column 1)    4         7   (the split clones A's chain)
        //  child exits (a1, c1 gone; a0, c0 stay)    2         3
        //  parent unmaps everything                  0         0
        var (k, t) = NewMachine();
        SlabCaches s = k.Paging!.Slabs;
        t.Mm().MapAt(0, 2);
        t.Mm().MapAt(3, 1);
        t.Mm().MapAt(5, 1);
        Assert.Equal((0L, 0L), Anon(s));
        Assert.Equal(FaultResult.Ok, k.Touch(t, 0));
        Assert.Equal((1L, 1L), Anon(s));
        Assert.Equal(FaultResult.Ok, k.Touch(t, 5));
        Assert.Equal((2L, 2L), Anon(s));
        Task child = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        Assert.Equal((4L, 6L), Anon(s));
        t.Mm().ProtectAt(1, 1, Mmsim.Mm.Prot.Read);
        Assert.Equal((4L, 7L), Anon(s));
        k.Exit(child);
        Assert.Equal((2L, 3L), Anon(s));
        t.Mm().UnmapAt(0, 6);
        Assert.Equal((0L, 0L), Anon(s));
        k.Validate();
    }

    private static (long AnonVmas, long Chains) Anon(SlabCaches s) => (s.AnonVma!.ActiveObjs, s.AnonVmaChain!.ActiveObjs);

    private static (long Tasks, long Mms, long Vmas) Active(SlabCaches s) =>
        (s.TaskStruct!.ActiveObjs, s.MmStruct!.ActiveObjs, s.VmAreaStruct!.ActiveObjs);
}
