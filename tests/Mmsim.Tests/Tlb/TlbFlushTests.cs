using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Tlb;

/// <summary>
/// flush_tlb_mm_range(): the 33-page ceiling, shootdown IPIs to the CPUs of mm_cpumask() that
/// run the mm, none to lazy CPUs (unless page tables were freed) nor to CPUs that moved on
/// (they catch up through tlb_gen at their next switch_mm), and the cpumask trimming.
/// Four CPUs; process A has threads a0 and a1, B is another process, k a kernel thread:
/// <code>
///   cpu0: a0    cpu1: a1    cpu2: B (ran a1's mm before)    cpu3: idle
/// </code>
/// </summary>
public sealed class TlbFlushTests
{
    private const ulong Heap = 0x10000000;

    private sealed record World(TlbKit Kit, Task A0, Task A1, Task B, Task K)
    {
        public Machine M => Kit.Machine;

        public MmStruct A => A0.Mm!;
    }

    private static World Build(int pages = 64)
    {
        var kit = new TlbKit(cpus: 4);
        Task a0 = kit.Process(100);
        Task a1 = kit.Kernel.Clone(a0, 101, shareVm: true, thread: true, shareFiles: true);
        Task b = kit.Process(200);
        Task k = kit.Kernel.CreateKernelThread("kworker/0:1");
        for (ulong i = 0; i < (ulong)pages; i++)
        {
            kit.Walker.Map(a0.Mm!, Heap + (i << 12), 0x1000 + i);
            kit.Walker.Map(b.Mm!, Heap + (i << 12), 0x2000 + i);
        }
        return new World(kit, a0, a1, b, k);
    }

    private static void Touch(TlbKit kit, int cpu, int pages)
    {
        for (ulong i = 0; i < (ulong)pages; i++)
        {
            kit.Read(cpu, Heap + (i << 12));
        }
    }

    [Fact]
    public void RangeUpToTheCeilingIsFlushedPageByPage()
    {
        World w = Build();
        w.Kit.Run(0, w.A0);
        Touch(w.Kit, 0, 40);
        w.M.FlushRange(w.A, Heap, Heap + (33UL << 12));
        TlbStats s = w.M.Cpu(0).Stats;
        Assert.Equal((33L, 1L, 0L), (s.SinglePageFlushes, s.RangeFlushes, s.FullFlushes));
        Assert.Equal(40 - 33, w.M.Cpu(0).Tlb.L1d.Count);
        Assert.Equal(0L, w.M.IpisSent);
    }

    [Fact]
    public void RangeAboveTheCeilingFlushesTheWholeMm()
    {
        World w = Build();
        w.Kit.Run(0, w.A0);
        Touch(w.Kit, 0, 40);
        w.M.FlushRange(w.A, Heap, Heap + (34UL << 12));
        TlbStats s = w.M.Cpu(0).Stats;
        Assert.Equal((0L, 0L, 1L), (s.SinglePageFlushes, s.RangeFlushes, s.FullFlushes));
        Assert.Equal(0, w.M.Cpu(0).Tlb.L1d.Count);
        Assert.Equal(0, w.M.Cpu(0).Tlb.Stlb!.Count);
    }

    [Fact]
    public void CeilingIsTunable()
    {
        World w = Build();
        w.Kit.Run(0, w.A0);
        w.M.TlbSinglePageFlushCeiling = 0;
        w.M.FlushRange(w.A, Heap, Heap + 0x1000);
        Assert.Equal(1L, w.M.Cpu(0).Stats.FullFlushes);
    }

    [Fact]
    public void ShootdownGoesOnlyToCpusRunningTheMm()
    {
        World w = Build();
        w.Kit.Run(2, w.A1);                 // cpu2 runs A's mm, then B: it stays in A's cpumask
        w.Kit.Run(2, w.B);
        w.Kit.Run(1, w.A1);
        w.Kit.Run(0, w.A0);
        Touch(w.Kit, 0, 4);
        Touch(w.Kit, 1, 4);
        Assert.Equal(0b0111UL, w.A.Context.CpuMask);

        w.M.FlushRange(w.A, Heap, Heap + 0x1000);
        Assert.Equal((1L, 1L), (w.M.IpisSent, w.M.ShootdownsSkippedNotLoaded));
        Assert.Equal((0L, 1L, 0L, 0L), (w.M.Cpu(0).Stats.IpisReceived, w.M.Cpu(1).Stats.IpisReceived, w.M.Cpu(2).Stats.IpisReceived, w.M.Cpu(3).Stats.IpisReceived));
        Assert.Equal((1L, 1L), (w.M.Cpu(0).Stats.SinglePageFlushes, w.M.Cpu(1).Stats.SinglePageFlushes));
        Assert.Equal((3, 3), (w.M.Cpu(0).Tlb.L1d.Count, w.M.Cpu(1).Tlb.L1d.Count));
        w.M.Validate();
    }

    [Fact]
    public void CpuThatMovedOnCatchesUpAtItsNextSwitch()
    {
        World w = Build();
        w.Kit.Run(1, w.A1);
        Touch(w.Kit, 1, 4);
        w.Kit.Run(1, w.B);                  // A's entries stay cached under ASID 1
        w.Kit.Run(0, w.A0);
        w.M.FlushRange(w.A, Heap, Heap + 0x1000);
        Assert.Equal(0L, w.M.IpisSent);
        w.Kit.Walker.Map(w.A, Heap, 0x7777);  // the page was replaced

        // Back on cpu1, ASID 1's tlb_gen (0) is behind A's (1): switch_mm flushes it.
        w.Kit.Run(1, w.A1);
        Assert.Equal((1, (w.A.Context.CtxId, 1UL)), (w.M.Cpu(1).LoadedMmAsid, w.M.Cpu(1).AsidSlot(1)));
        Assert.Equal(0x7777000UL, w.Kit.Phys(1, Heap));
        Assert.Equal(0x1001000UL, w.Kit.Phys(1, Heap + 0x1000));
    }

    [Fact]
    public void LazyCpuIsSkippedAndFlushesWhenItReturns()
    {
        World w = Build();
        w.Kit.Run(1, w.A1);
        Touch(w.Kit, 1, 4);
        w.Kit.Run(1, w.K);                  // lazy: CR3 still A's
        Assert.True(w.M.Cpu(1).IsLazy);
        Assert.Same(w.A, w.M.Cpu(1).LoadedMm);
        w.Kit.Run(0, w.A0);

        w.M.FlushRange(w.A, Heap, Heap + 0x1000);
        Assert.Equal((0L, 1L), (w.M.IpisSent, w.M.ShootdownsSkippedLazy));
        Assert.Equal(4, w.M.Cpu(1).Tlb.L1d.Count);   // nothing flushed there yet

        long flushes = w.M.Cpu(1).Stats.PcidFlushes;
        w.Kit.Run(1, w.A1);                 // prev == next, was lazy, tlb_gen moved: flush
        Assert.Equal(flushes + 1, w.M.Cpu(1).Stats.PcidFlushes);
        Assert.Equal(0, w.M.Cpu(1).Tlb.L1d.Count);
    }

    [Fact]
    public void LazyCpuReturningToAnUnflushedMmKeepsItsEntries()
    {
        World w = Build();
        w.Kit.Run(1, w.A1);
        Touch(w.Kit, 1, 4);
        w.Kit.Run(1, w.K);
        long cr3 = w.M.Cpu(1).Stats.Cr3Writes;
        w.Kit.Run(1, w.A1);
        Assert.Equal(cr3, w.M.Cpu(1).Stats.Cr3Writes);
        Assert.Equal(4, w.M.Cpu(1).Tlb.L1d.Count);
    }

    [Fact]
    public void FreedTablesReachLazyCpusWhichLeaveTheMm()
    {
        World w = Build();
        w.Kit.Run(1, w.A1);
        w.Kit.Run(1, w.K);
        w.Kit.Run(0, w.A0);
        w.M.FlushTlbMmRange(w.A, Heap, Heap + 0x1000, strideShift: 12, freedTables: true);
        Assert.Equal((1L, 0L), (w.M.IpisSent, w.M.ShootdownsSkippedLazy));
        Cpu cpu1 = w.M.Cpu(1);
        Assert.Same(w.M.InitMm, cpu1.LoadedMm);
        Assert.False(cpu1.IsLazy);
        Assert.Same(w.A, w.K.ActiveMm);      // the kernel thread still holds its reference
        w.M.Validate();
    }

    [Fact]
    public void TrimOnceASecondRemovesCpusThatMovedOn()
    {
        World w = Build();
        w.Kit.Run(2, w.A1);
        w.Kit.Run(2, w.B);
        w.Kit.Run(0, w.A0);
        w.M.FlushRange(w.A, Heap, Heap + 0x1000);
        Assert.True(w.A.Context.HasCpu(2));
        w.M.Tick(Machine.Hz + 1);
        w.M.FlushRange(w.A, Heap, Heap + 0x1000);
        // The trimming flush IPIs cpu2, whose flush_tlb_func() finds B loaded and leaves A's mask.
        Assert.Equal((1L, 1L), (w.M.IpisSent, w.M.CpumaskTrims));
        Assert.False(w.A.Context.HasCpu(2));
        Assert.Equal(0b0001UL, w.A.Context.CpuMask);
        w.M.FlushRange(w.A, Heap, Heap + 0x1000);
        Assert.Equal(1L, w.M.IpisSent);
    }

    [Fact]
    public void FlushFromACpuNotRunningTheMmStillReachesThoseThatDo()
    {
        World w = Build();
        w.Kit.Run(1, w.A1);
        Touch(w.Kit, 1, 2);
        w.Kit.Run(3, w.B);                  // ThisCpu = 3, e.g. process_madvise from B
        w.M.FlushMm(w.A);
        Assert.Equal((1L, 1L), (w.M.IpisSent, w.M.Cpu(1).Stats.FullFlushes));
        Assert.Equal(0, w.M.Cpu(1).Tlb.L1d.Count);
    }

    [Fact]
    public void FlushOfAnMmLoadedNowhereDoesNothing()
    {
        World w = Build();
        w.Kit.Run(0, w.B);
        w.M.FlushMm(w.A);
        Assert.Equal((1L, 0L, 0L), (w.M.FlushRequests, w.M.RemoteFlushes, w.M.Cpu(0).Stats.FullFlushes));
        Assert.Equal(1UL, w.A.Context.TlbGen);
    }

    [Fact]
    public void HugePageRangeUsesThePmdStride()
    {
        // flush_pmd_tlb_range(): 2 MiB in one stride, far under the ceiling.
        World w = Build();
        w.Kit.Run(0, w.A0);
        w.M.FlushTlbMmRange(w.A, 0x40000000, 0x40000000 + (1UL << 21), strideShift: 21, freedTables: false);
        Assert.Equal((1L, 0L), (w.M.Cpu(0).Stats.SinglePageFlushes, w.M.Cpu(0).Stats.FullFlushes));
    }
}
