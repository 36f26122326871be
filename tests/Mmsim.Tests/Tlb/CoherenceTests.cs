using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Tlb;

/// <summary>
/// The property the flush paths exist for: when every page-table change is followed by the
/// flush the kernel would issue, no CPU ever translates through a stale entry. Seeded random
/// runs over 3 CPUs, 3 processes (one with two threads) and a kernel thread: remap pages (then
/// flush_tlb_range, or flush_tlb_mm for big ranges), context switches, accesses; every access
/// must yield the frame the page tables hold now, for each policy, with and without PCID.
/// </summary>
public sealed class CoherenceTests
{
    private const int Pages = 16;
    private const ulong Base = 0x20000000;

    [Theory]
    [InlineData(TlbReplacement.Lru, true, 1)]
    [InlineData(TlbReplacement.PseudoLru, true, 2)]
    [InlineData(TlbReplacement.Random, true, 3)]
    [InlineData(TlbReplacement.PseudoLru, false, 4)]
    [InlineData(TlbReplacement.Lru, false, 5)]
    public void NoStaleTranslationAfterKernelFlushes(TlbReplacement policy, bool pcid, int seed)
    {
        // Small arrays so evictions, ASID reuse and the STLB all play a part.
        var config = new TlbConfig(
            new TlbLevelConfig("L1d", [new(8, 2, TlbPageSizes.Size4K), new(4, 4, TlbPageSizes.Size2M)], policy, (ulong)seed),
            new TlbLevelConfig("L1i", [new(8, 4, TlbPageSizes.Size4K)], policy, (ulong)seed),
            new TlbLevelConfig("STLB", [new(32, 4, TlbPageSizes.Size4K | TlbPageSizes.Size2M)], policy, (ulong)seed));
        var kit = new TlbKit(cpus: 3, pcid: pcid, config: config);
        var rng = new Random(seed);
        Task a = kit.Process(100);
        Task[] tasks =
        [
            a,
            kit.Kernel.Clone(a, 101, shareVm: true, thread: true, shareFiles: true),
            kit.Process(200),
            kit.Process(300),
            kit.Kernel.CreateKernelThread("kworker"),
        ];
        var frames = new Dictionary<(MmStruct, int), ulong>();
        ulong nextFrame = 0x1000;
        foreach (Task t in tasks)
        {
            if (t.Mm is not null && !frames.ContainsKey((t.Mm, 0)))
            {
                for (int p = 0; p < Pages; p++)
                {
                    frames[(t.Mm, p)] = nextFrame;
                    kit.Walker.Map(t.Mm, Base + ((ulong)p << 12), nextFrame++);
                }
            }
        }
        for (int step = 0; step < 3000; step++)
        {
            int cpu = rng.Next(3);
            int op = rng.Next(20);
            if (op < 2)
            {
                Task next = tasks[rng.Next(tasks.Length)];
                int where = kit.Machine.CpuOf(next);
                if (where < 0 || where == cpu)
                {
                    kit.Run(cpu, next);
                }
            }
            else if (op < 4)
            {
                // A page-table change in the mm running on cpu (or any mm), then its flush.
                MmStruct mm = (kit.Machine.Cpu(cpu).Current.Mm ?? tasks[2].Mm)!;
                int first = rng.Next(Pages);
                int count = 1 + rng.Next(op == 2 ? 3 : Pages - first);
                count = Math.Min(count, Pages - first);
                for (int p = first; p < first + count; p++)
                {
                    frames[(mm, p)] = nextFrame;
                    kit.Walker.Map(mm, Base + ((ulong)p << 12), nextFrame++);
                }
                kit.Machine.ThisCpu = cpu;
                kit.Machine.FlushTlbMmRange(mm, Base + ((ulong)first << 12), Base + ((ulong)(first + count) << 12), 12, freedTables: rng.Next(8) == 0);
            }
            else if (op == 4)
            {
                kit.Machine.Tick(rng.Next(600));
            }
            else
            {
                MmStruct? mm = kit.Machine.Cpu(cpu).Current.Mm;
                if (mm is null)
                {
                    continue;
                }
                int p = rng.Next(Pages);
                AccessKind kind = (AccessKind)rng.Next(3);
                ulong va = Base + ((ulong)p << 12) + (ulong)rng.Next(4096);
                Assert.Equal(FaultResult.Ok, kit.Machine.Access(cpu, va, kind, out ulong pa));
                Assert.Equal((frames[(mm, p)] << 12) | (va & 0xFFF), pa);
            }
        }
        kit.Machine.Validate();
        long hits = 0;
        foreach (Cpu c in kit.Machine.Cpus)
        {
            hits += c.Tlb.L1d.Hits + c.Tlb.L1i.Hits + c.Tlb.Stlb!.Hits;
        }
        Assert.True(hits > 500, $"only {hits} hits: the run did not exercise the TLBs");
    }
}
