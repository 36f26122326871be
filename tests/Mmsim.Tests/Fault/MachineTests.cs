using Mmsim.Mm;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Fault;

/// <summary>Faults seen machine-wide: threads sharing an mm, running out of memory, brk.</summary>
public sealed class MachineTests
{
    [Fact]
    public void ThreadsShareTablesEachCountsItsOwnFaults()
    {
        // 0123   two threads of one process write different pages of one area
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 4);
        Mmsim.Process.Task th = k.Clone(t, 2, shareVm: true, thread: true, shareFiles: true);
        k.Touch(t, 0);
        k.Touch(th, 1);
        k.Touch(th, 2);
        Assert.Same(t.Mm(), th.Mm());
        Assert.Equal(("www.", 1L, 2L), (t.Ptes(0, 4), t.MinFlt, th.MinFlt));
        Assert.Equal(3L, t.Pg().MinFlt);
        k.Exit(th);
        Assert.Equal("3/0/0", t.RssCounters());
    }

    [Fact]
    public void RunningOutOfMemoryFailsTheFaultAndLeavesNothingBehind()
    {
        //  a 4 MiB machine (the first MiB reserved), a 4 MiB area written page by page:
        //  the buddy allocator refuses below the min watermark, the fault reports OOM
        var (k, t) = NewMachine(mib: 4);
        long managed = k.Paging!.Phys.TotalManaged;
        t.Mm().MapAt(0, 1024);
        int ok = 0;
        FaultResult last = FaultResult.Ok;
        for (int i = 0; i < 1024 && last == FaultResult.Ok; i++)
        {
            last = k.Access(t, Col(i), AccessKind.Write);
            ok += last == FaultResult.Ok ? 1 : 0;
        }
        Assert.Equal(FaultResult.Oom, last);
        k.Validate();
        Assert.Equal($"{ok}/0/0", t.RssCounters());
        // 768 managed frames: 688 pages, the zero page, the PGD, PUD, PMD and 2 PTE tables, the
        // slabs of the task_struct (8 frames), mm_struct (8), vm_area_struct, anon_vma and
        // anon_vma_chain (1 each) objects; the 55 left are what zone_watermark_ok() keeps back at
        // the min watermark.
        Assert.Equal((688, 19L, 55L), (ok, k.Paging.KernelFrames - 1, k.Paging.Phys.FreePages));
        Assert.True(k.Paging.Phys.FreePages <= k.Paging.Phys.Zones[0].WatermarkMin + 1);
        k.Exit(t);
        Assert.Equal(managed - k.Paging.KernelFrames, k.Paging.Phys.FreePages);
    }

    [Fact]
    public void BrkShrinkZapsThePagesAbove()
    {
        // start_brk at column 0: grow by 4 pages, write all, shrink by 3
        var (k, t) = NewMachine();
        MmStruct mm = t.Mm();
        mm.StartBrk = mm.Brk = Col(0);
        Assert.Equal((long)Col(4), (long)mm.SysBrk(Col(4)));
        for (int i = 0; i < 4; i++)
        {
            k.Touch(t, i);
        }
        Assert.Equal((long)Col(1), (long)mm.SysBrk(Col(1)));
        k.Validate();
        Assert.Equal(("w...", "1/0/0"), (t.Ptes(0, 4), t.RssCounters()));
        Assert.Equal(16UL, Mmsim.Tests.Fault.PagingKit.Status(mm).VmHwm);
    }

    [Fact]
    public void SysVSegmentPagesGoAfterIpcRmidAndTheLastDetach()
    {
        // a 4-page segment attached at column 0, two pages written (shmem pages, RssShmem);
        // IPC_RMID while attached keeps them; the detach frees them.
        var (k, t) = NewMachine();
        long managed = k.Paging!.Phys.TotalManaged;
        var seg = new Mmsim.Ipc.ShmSegment(7, 0x1234, Pages(4));
        k.ShmSegments[7] = seg;
        Assert.Equal((long)Col(0), t.Mm().Checked(t.Mm().Shmat(seg, Col(0), 0)));
        k.Touch(t, 0);
        k.Touch(t, 2);
        Assert.Equal(("w.w.", "0/0/2"), (t.Ptes(0, 4), t.RssCounters()));
        Assert.Equal(0, k.ShmRmid(7));
        Assert.Equal(2, k.Paging.Cache.CountOf(seg.Inode));
        Assert.Equal(0, t.Mm().Checked(t.Mm().Shmdt(Col(0))));
        k.Validate();
        Assert.Equal(0, k.Paging.Cache.CountOf(seg.Inode));
        k.Exit(t);
        Assert.Equal(managed - k.Paging.KernelFrames, k.Paging.Phys.FreePages);
    }
}
