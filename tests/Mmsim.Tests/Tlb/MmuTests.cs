using Mmsim.Mm;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Tlb;

/// <summary>
/// The access path: L1 and STLB hits, walks, permission checks from the cached bits, the dirty
/// assist, huge pages and splintering, the fault handler and its retry. Skylake geometry unless
/// a test says otherwise.
/// </summary>
public sealed class MmuTests
{
    private const ulong Text = 0x400000;
    private const ulong Data = 0x600000;

    private static (TlbKit Kit, MmStruct Mm) Booted(Mmsim.Tlb.TlbConfig? config = null)
    {
        var kit = new TlbKit(config: config);
        Task a = kit.Process(100);
        kit.Run(0, a);
        return (kit, a.Mm!);
    }

    [Fact]
    public void StlbRefillsTheL1WithoutAWalk()
    {
        // L1d: one 2-way set; STLB: 16 entries 4-way.
        var config = new Mmsim.Tlb.TlbConfig(
            new TlbLevelConfig("L1d", [new(2, 2, TlbPageSizes.Size4K)]),
            new TlbLevelConfig("L1i", [new(2, 2, TlbPageSizes.Size4K)]),
            new TlbLevelConfig("STLB", [new(16, 4, TlbPageSizes.Size4K)]));
        (TlbKit kit, MmStruct mm) = Booted(config);
        for (ulong i = 0; i < 3; i++)
        {
            kit.Walker.Map(mm, Data + (i << 12), 0x500 + i);
            kit.Read(0, Data + (i << 12));
        }
        // L1d | 0x602 | 0x601 |  (0x600 evicted)   STLB holds all three.
        CpuTlb tlb = kit.Machine.Cpu(0).Tlb;
        Assert.Equal("| 602/p2 | 601/p2 |", TlbKit.DrawSet(tlb.L1d, 0));
        Assert.Equal(3, tlb.Stlb!.Count);

        Assert.Equal(0x500000UL, kit.Phys(0, Data));
        Assert.Equal((3L, 1L, 3L), (tlb.L1d.Misses - 1, tlb.Stlb.Hits, kit.Machine.Cpu(0).Stats.Walks));
    }

    [Fact]
    public void InstructionFetchesUseTheITlbAndHonourNx()
    {
        (TlbKit kit, MmStruct mm) = Booted();
        kit.Walker.Map(mm, Text, 0x10, writable: false);
        kit.Walker.Map(mm, Data, 0x20, nx: true);
        CpuTlb tlb = kit.Machine.Cpu(0).Tlb;

        Assert.Equal(FaultResult.Ok, kit.Machine.Access(0, Text, AccessKind.Execute));
        Assert.Equal((1, 0), (tlb.L1i.Count, tlb.L1d.Count));
        Assert.Equal(FaultResult.Ok, kit.Read(0, Data));
        // Executing the NX data page: the cached dTLB entry is not in the iTLB; the walk refuses.
        Assert.Equal(FaultResult.MapErr, kit.Machine.Access(0, Data, AccessKind.Execute));
        Assert.Equal(1L, kit.Machine.Cpu(0).Stats.PageFaults);
    }

    [Fact]
    public void WriteToReadOnlyEntryRewalksAndFaults()
    {
        (TlbKit kit, MmStruct mm) = Booted();
        kit.Walker.Map(mm, Data, 0x20, writable: false);
        var faults = new List<(ulong, AccessKind, WalkFault)>();
        kit.Machine.FaultHandler = new FaultHandlerFn((cpu, m, va, kind, fault) =>
        {
            faults.Add((va, kind, fault));
            return FaultResult.AccErr;
        });
        Assert.Equal(FaultResult.Ok, kit.Read(0, Data));
        Assert.Equal(FaultResult.AccErr, kit.Write(0, Data + 8));
        Assert.Equal([(Data + 8, AccessKind.Write, WalkFault.Protection)], faults);
        TlbStats s = kit.Machine.Cpu(0).Stats;
        Assert.Equal((1L, 2L, 1L), (s.StalePermissionRewalks, s.Walks, s.WalkFaults));
        // The fault dropped the entry: the next read walks again.
        Assert.Equal(0, kit.Machine.Cpu(0).Tlb.L1d.Count);
    }

    [Fact]
    public void HandledFaultIsRetried()
    {
        // A copy-on-write break: the handler installs a writable copy at a new frame.
        (TlbKit kit, MmStruct mm) = Booted();
        kit.Walker.Map(mm, Data, 0x20, writable: false);
        kit.Machine.FaultHandler = new FaultHandlerFn((cpu, m, va, kind, fault) =>
        {
            kit.Walker.Map(m, va, 0x21, writable: true);
            return FaultResult.Ok;
        });
        Assert.Equal(0x20010UL, kit.Phys(0, Data + 0x10));
        Assert.Equal(0x21010UL, kit.Phys(0, Data + 0x10, AccessKind.Write));
        TlbStats s = kit.Machine.Cpu(0).Stats;
        Assert.Equal((3L, 1L, 1L), (s.Walks, s.PageFaults, s.StalePermissionRewalks));
        Assert.True(kit.Walker.IsDirty(mm, Data));
        Assert.Equal(0x21010UL, kit.Phys(0, Data + 0x10, AccessKind.Write));
        Assert.Equal(3L, s.Walks);
    }

    [Fact]
    public void NotPresentWithoutHandlerIsSigsegv()
    {
        (TlbKit kit, _) = Booted();
        Assert.Equal(FaultResult.MapErr, kit.Read(0, Data));
        Assert.Equal((1L, 1L), (kit.Machine.Cpu(0).Stats.WalkFaults, kit.Machine.Cpu(0).Stats.PageFaults));
    }

    [Fact]
    public void HandlerThatFixesNothingIsAModelBug()
    {
        (TlbKit kit, _) = Booted();
        kit.Machine.FaultHandler = new FaultHandlerFn((cpu, m, va, kind, fault) => FaultResult.Ok);
        Assert.Throws<ModelBugException>(() => kit.Read(0, Data));
    }

    [Fact]
    public void UserAccessToSupervisorPageFaults()
    {
        (TlbKit kit, MmStruct mm) = Booted();
        kit.Walker.Map(mm, Data, 0x20, user: false);
        Assert.Equal(FaultResult.MapErr, kit.Read(0, Data));
        Assert.Equal(0, kit.Machine.Cpu(0).Tlb.L1d.Count);
    }

    [Fact]
    public void WriteToCleanEntryTakesADirtyAssist()
    {
        (TlbKit kit, MmStruct mm) = Booted();
        kit.Walker.Map(mm, Data, 0x20);
        kit.Read(0, Data);
        Assert.False(kit.Walker.IsDirty(mm, Data));
        Assert.Equal(FaultResult.Ok, kit.Write(0, Data));
        Assert.True(kit.Walker.IsDirty(mm, Data));
        Assert.Equal(FaultResult.Ok, kit.Write(0, Data + 64));
        TlbStats s = kit.Machine.Cpu(0).Stats;
        Assert.Equal((1L, 2L, 0L), (s.DirtyAssists, s.Walks, s.PageFaults));
        Assert.Equal(1L, kit.Machine.Cpu(0).Tlb.L1d.Hits);
        // The refill replaced the clean entries in place: one entry per level, not two.
        Assert.Equal((1, 1), (kit.Machine.Cpu(0).Tlb.L1d.Count, kit.Machine.Cpu(0).Tlb.Stlb!.Count));
    }

    [Fact]
    public void PermissionUpgradedWithoutFlushIsPickedUpByTheRewalk()
    {
        // mprotect(PROT_READ -> PROT_READ|PROT_WRITE) needs no flush: the stale read-only entry
        // refuses, the walk finds the PTE writable (the kernel's spurious fault), no SIGSEGV.
        (TlbKit kit, MmStruct mm) = Booted();
        kit.Walker.Map(mm, Data, 0x20, writable: false);
        kit.Read(0, Data);
        kit.Walker.Map(mm, Data, 0x20, writable: true);
        Assert.Equal(FaultResult.Ok, kit.Write(0, Data));
        TlbStats s = kit.Machine.Cpu(0).Stats;
        Assert.Equal((1L, 0L), (s.StalePermissionRewalks, s.PageFaults));
    }

    [Fact]
    public void StaleTranslationIsUsedUntilFlushed()
    {
        (TlbKit kit, MmStruct mm) = Booted();
        kit.Walker.Map(mm, Data, 0x20);
        Assert.Equal(0x20000UL, kit.Phys(0, Data));
        kit.Walker.Map(mm, Data, 0x30);                // the PTE changes, no flush yet
        Assert.Equal(0x20000UL, kit.Phys(0, Data));    // the TLB still says frame 0x20
        kit.Machine.FlushRange(mm, Data, Data + 0x1000);
        Assert.Equal(0x30000UL, kit.Phys(0, Data));
    }

    [Fact]
    public void TwoMegabytePageFillsTheLargePageArrays()
    {
        (TlbKit kit, MmStruct mm) = Booted();
        const ulong Thp = 0x7f0000200000;
        kit.Walker.Map(mm, Thp, 0x1000, shift: 21);
        Assert.Equal(0x1000000UL + 0x12345, kit.Phys(0, Thp + 0x12345));
        Assert.Equal(0x1000000UL + 0x1ff000, kit.Phys(0, Thp + 0x1ff000));
        CpuTlb tlb = kit.Machine.Cpu(0).Tlb;
        // L1d arrays: [0] 4K, [1] 2M, [2] 1G; the STLB's array 0 holds 4K and 2M.
        Assert.Equal((0, 1, 0), (tlb.L1d.Arrays[0].Count, tlb.L1d.Arrays[1].Count, tlb.L1d.Arrays[2].Count));
        Assert.Equal(1, tlb.Stlb!.Arrays[0].Count);
        Assert.Equal((1L, 1L), (tlb.L1d.Hits, kit.Machine.Cpu(0).Stats.Walks));
        // An INVLPG of any 4 KiB address inside drops the 2 MiB entry.
        kit.Machine.FlushRange(mm, Thp + 0x5000, Thp + 0x6000);
        Assert.Equal((0, 0), (tlb.L1d.Count, tlb.Stlb.Count));
    }

    [Fact]
    public void OneGigabytePageSplintersInTheITlb()
    {
        // Skylake's L1 iTLB holds no 1 GiB pages: the fetch caches the 2 MiB fragment.
        (TlbKit kit, MmStruct mm) = Booted();
        const ulong Huge = 0x40000000;
        kit.Walker.Map(mm, Huge, 0x40000, shift: 30);
        Assert.Equal(0x40000000UL + 0x300123, kit.Phys(0, Huge + 0x300123, AccessKind.Execute));
        CpuTlb tlb = kit.Machine.Cpu(0).Tlb;
        Assert.Equal((0, 1), (tlb.L1i.Arrays[0].Count, tlb.L1i.Arrays[1].Count));
        Assert.Equal(21, tlb.L1i.Arrays[1].ShiftAt(Index(tlb.L1i, Huge + 0x300123)));
        Assert.Equal(1, tlb.Stlb!.Arrays[1].Count);   // the STLB keeps the whole 1 GiB page
        // Another 2 MiB fragment misses the iTLB but hits the STLB.
        Assert.Equal(0x40000000UL + 0x500000, kit.Phys(0, Huge + 0x500000, AccessKind.Execute));
        Assert.Equal((1L, 1L), (tlb.Stlb.Hits, kit.Machine.Cpu(0).Stats.Walks));
    }

    private static int Index(TlbLevel level, ulong va) => level.Lookup(va, out _);
}
