using Mmsim.Arch.X86;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Tlb;

/// <summary>
/// switch_mm across context switches: with PCID the entries of an mm survive while its ASID
/// slot does; without PCID every switch to another mm drops the non-global entries; global
/// entries survive every CR3 write. The Tiny geometry (one 4-way L1d set, no STLB).
/// </summary>
public sealed class SwitchMmTests
{
    private const ulong Va = 0x1000;

    private static (TlbKit Kit, Task A, Task B) TwoProcesses(bool pcid)
    {
        var kit = new TlbKit(pcid: pcid, config: TlbKit.Tiny());
        Task a = kit.Process(100);
        Task b = kit.Process(200);
        kit.Walker.Map(a.Mm!, Va, 0xa0);
        kit.Walker.Map(b.Mm!, Va, 0xb0);
        return (kit, a, b);
    }

    [Fact]
    public void WithPcidEntriesSurviveASwitchAway()
    {
        (TlbKit kit, Task a, Task b) = TwoProcesses(pcid: true);
        kit.Run(0, a);
        Assert.Equal(0xa0000UL, kit.Phys(0, Va));
        kit.Run(0, b);
        // Same address, other mm: A's entry (PCID 2) does not match under B's PCID 3.
        Assert.Equal(0xb0000UL, kit.Phys(0, Va));
        TlbLevel l1 = kit.Machine.Cpu(0).Tlb.L1d;
        // | 1/p2 | 1/p3 | -- | -- |
        Assert.Equal("| 1/p2 | 1/p3 | -- | -- |", TlbKit.DrawSet(l1, 0));
        kit.Run(0, a);
        Assert.Equal(0xa0000UL, kit.Phys(0, Va));
        Assert.Equal((1L, 2), (l1.Hits, kit.Walker.Walks));
        Cpu cpu = kit.Machine.Cpu(0);
        Assert.Equal((1, (a.Mm!.Context.CtxId, 0UL)), (cpu.LoadedMmAsid, cpu.AsidSlot(1)));
        Assert.Equal(1L, cpu.Stats.Cr3NoFlushWrites);
    }

    [Fact]
    public void WithoutPcidEverySwitchFlushes()
    {
        (TlbKit kit, Task a, Task b) = TwoProcesses(pcid: false);
        kit.Run(0, a);
        kit.Read(0, Va);
        kit.Run(0, b);
        TlbLevel l1 = kit.Machine.Cpu(0).Tlb.L1d;
        Assert.Equal("| -- | -- | -- | -- |", TlbKit.DrawSet(l1, 0));
        kit.Read(0, Va);
        kit.Run(0, a);
        Assert.Equal(0xa0000UL, kit.Phys(0, Va));
        Assert.Equal((0L, 3), (l1.Hits, kit.Walker.Walks));
        Assert.Equal(0, kit.Machine.Cpu(0).LoadedMmAsid);
        // Boot plus three switches, each a flushing CR3 write.
        Assert.Equal((4L, 0L, 3L), (kit.Machine.Cpu(0).Stats.Cr3Writes, kit.Machine.Cpu(0).Stats.Cr3NoFlushWrites, kit.Machine.Cpu(0).Stats.PcidFlushes));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GlobalEntriesSurviveCr3Writes(bool pcid)
    {
        (TlbKit kit, Task a, Task b) = TwoProcesses(pcid);
        const ulong Shared = 0x5000;
        kit.Walker.Map(a.Mm!, Shared, 0x99, global: true);
        kit.Walker.Map(b.Mm!, Shared, 0x99, global: true);
        kit.Run(0, a);
        kit.Read(0, Shared);
        kit.Run(0, b);
        // | 5/g | -- | -- | -- |   matched under B's PCID too: no walk.
        Assert.Equal("| 5/g | -- | -- | -- |", TlbKit.DrawSet(kit.Machine.Cpu(0).Tlb.L1d, 0));
        Assert.Equal(0x99000UL, kit.Phys(0, Shared));
        Assert.Equal(1, kit.Walker.Walks);
        // Only a global flush drops it.
        kit.Machine.FlushTlbAll();
        Assert.Equal(0, kit.Machine.Cpu(0).Tlb.L1d.Count);
    }

    [Fact]
    public void SixDynamicAsidsRoundRobin()
    {
        // Slot 0 holds init_mm at boot; mms 1..5 take slots 1..5, mm 6 wraps to slot 0, mm 7
        // takes slot 1 from mm 1. Going back to mm 1 costs a flush; mm 3 still has its slot.
        var config = new TlbConfig(
            new TlbLevelConfig("L1d", [new(16, 16, TlbPageSizes.Size4K)]),
            new TlbLevelConfig("L1i", [new(4, 4, TlbPageSizes.Size4K)]),
            null);
        var kit = new TlbKit(config: config);
        var tasks = new Task[8];
        for (int i = 1; i <= 7; i++)
        {
            tasks[i] = kit.Process(100 + i);
            kit.Walker.Map(tasks[i].Mm!, Va, (ulong)i);
            kit.Run(0, tasks[i]);
            kit.Read(0, Va);
        }
        Cpu cpu = kit.Machine.Cpu(0);
        Assert.Equal(1, cpu.LoadedMmAsid);
        Assert.Equal(tasks[7].Mm!.Context.CtxId, cpu.AsidSlot(1).CtxId);
        Assert.Equal(tasks[6].Mm!.Context.CtxId, cpu.AsidSlot(0).CtxId);
        Assert.Equal(6, kit.Machine.Cpu(0).Tlb.L1d.Count);   // mm 1's entry went with its slot
        int walks = kit.Walker.Walks;

        kit.Run(0, tasks[3]);
        Assert.Equal(0x3000UL, kit.Phys(0, Va));
        Assert.Equal(walks, kit.Walker.Walks);

        kit.Run(0, tasks[1]);
        Assert.Equal(2, cpu.LoadedMmAsid);                 // next_asid went on to 2: mm 2 loses its slot
        Assert.Equal(0x1000UL, kit.Phys(0, Va));
        Assert.Equal(walks + 1, kit.Walker.Walks);
    }

    [Fact]
    public void ThreadsOfOneMmSwitchWithoutCr3Write()
    {
        var kit = new TlbKit(config: TlbKit.Tiny());
        Task a = kit.Process(100);
        Task t = kit.Kernel.Clone(a, 101, shareVm: true, thread: true, shareFiles: true);
        kit.Walker.Map(a.Mm!, Va, 0xa0);
        kit.Run(0, a);
        kit.Read(0, Va);
        long cr3 = kit.Machine.Cpu(0).Stats.Cr3Writes;
        kit.Run(0, t);
        Assert.Equal(cr3, kit.Machine.Cpu(0).Stats.Cr3Writes);
        kit.Read(0, Va);
        Assert.Equal(1L, kit.Machine.Cpu(0).Tlb.L1d.Hits);
    }

    [Fact]
    public void UntaggedLevelLosesEntriesWhenThePcidChanges()
    {
        // A level with PCID tagging off keeps nothing across a switch even with CR4.PCIDE on.
        var config = new TlbConfig(
            new TlbLevelConfig("L1d", [new(4, 4, TlbPageSizes.Size4K)], PcidTagging: false),
            new TlbLevelConfig("L1i", [new(4, 4, TlbPageSizes.Size4K)]),
            new TlbLevelConfig("STLB", [new(16, 4, TlbPageSizes.Size4K)]));
        var kit = new TlbKit(config: config);
        Task a = kit.Process(100);
        Task b = kit.Process(200);
        kit.Walker.Map(a.Mm!, Va, 0xa0);
        kit.Run(0, a);
        kit.Read(0, Va);
        kit.Run(0, b);
        kit.Run(0, a);
        Assert.Equal(0xa0000UL, kit.Phys(0, Va));
        CpuTlb tlb = kit.Machine.Cpu(0).Tlb;
        Assert.Equal((0L, 1L, 1), (tlb.L1d.Hits, tlb.Stlb!.Hits, kit.Walker.Walks));
    }

    [Fact]
    public void InvlpgDropsTheGlobalEntryOfItsAddressToo()
    {
        (TlbKit kit, Task a, _) = TwoProcesses(pcid: true);
        kit.Walker.Map(a.Mm!, 0x5000, 0x99, global: true);
        kit.Run(0, a);
        kit.Read(0, Va);
        kit.Read(0, 0x5000);
        // | 1/p2 | 5/g | -- | --|
        Assert.Equal("| 1/p2 | 5/g | -- | -- |", TlbKit.DrawSet(kit.Machine.Cpu(0).Tlb.L1d, 0));
        kit.Machine.FlushRange(a.Mm!, 0x5000, 0x6000);
        Assert.Equal("| 1/p2 | -- | -- | -- |", TlbKit.DrawSet(kit.Machine.Cpu(0).Tlb.L1d, 0));
    }

    [Fact]
    public void FlushTlbAllReachesEveryCpu()
    {
        var kit = new TlbKit(cpus: 3, config: TlbKit.Tiny());
        kit.Machine.ThisCpu = 1;
        kit.Machine.FlushTlbAll();
        Assert.Equal(2L, kit.Machine.IpisSent);
        Assert.Equal((1L, 0L, 1L), (kit.Machine.Cpu(0).Stats.IpisReceived, kit.Machine.Cpu(1).Stats.IpisReceived, kit.Machine.Cpu(2).Stats.IpisReceived));
        Assert.Equal(1L, kit.Machine.Cpu(1).Stats.GlobalFlushes);
    }

    [Theory]
    [InlineData("lru", TlbReplacement.Lru)]
    [InlineData("PLRU", TlbReplacement.PseudoLru)]
    [InlineData("random", TlbReplacement.Random)]
    public void PoliciesAreSelectedByName(string name, TlbReplacement policy)
    {
        Assert.True(TlbReplacementNames.TryParse(name, out TlbReplacement parsed));
        Assert.Equal(policy, parsed);
        Assert.False(TlbReplacementNames.TryParse("fifo", out _));
    }
}
