using System.Text;
using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Process;
using Mmsim.Sched;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Tlb;

/// <summary>A page-fault handler made of a function, for the MMU tests that stand in for the kernel.</summary>
internal sealed class FaultHandlerFn(Func<int, MmStruct, ulong, AccessKind, WalkFault, FaultResult> fn) : IPageFaultHandler
{
    public FaultResult HandlePageFault(Cpu cpu, MmStruct mm, ulong address, AccessKind kind, WalkFault fault) =>
        fn(cpu.Id, mm, address, kind, fault);
}

/// <summary>
/// A fake page walker: a dictionary of pages per mm. A walk reads 4 table entries for a 4 KiB
/// page, 3 for 2 MiB, 2 for 1 GiB (and 4 when nothing is mapped); it checks U/S, RW and NX and
/// sets D on an allowed write, as the hardware walker does.
/// </summary>
internal sealed class FakeWalker : IPageWalker
{
    private static readonly int[] s_shifts = [12, 21, 30];
    private readonly Dictionary<(MmStruct Mm, ulong Base), Translation> _pages = new();

    public int Walks { get; private set; }

    /// <summary>Maps the page of 1 &lt;&lt; shift bytes at va (aligned down) to the frames from pfn.</summary>
    public void Map(MmStruct mm, ulong va, ulong pfn, bool writable = true, bool user = true, bool nx = false,
        bool global = false, int shift = 12, bool dirty = false)
    {
        ulong size = 1UL << shift;
        _pages[(mm, va & ~(size - 1))] = new Translation(pfn, shift, writable, user, nx, global, dirty);
    }

    public void Unmap(MmStruct mm, ulong va, int shift = 12) => _pages.Remove((mm, va & ~((1UL << shift) - 1)));

    public bool IsDirty(MmStruct mm, ulong va) => _pages[(mm, va & ~0xFFFUL)].Dirty;

    public WalkFault Walk(MmStruct mm, ulong va, AccessKind kind, out Translation translation, ref int memoryRefs)
    {
        Walks++;
        foreach (int shift in s_shifts)
        {
            ulong pageBase = va & ~((1UL << shift) - 1);
            if (!_pages.TryGetValue((mm, pageBase), out Translation t) || t.PageShift != shift)
            {
                continue;
            }
            memoryRefs += shift == 12 ? 4 : shift == 21 ? 3 : 2;
            bool allowed = t.User && (kind != AccessKind.Write || t.Writable) && (kind != AccessKind.Execute || !t.NoExecute);
            if (!allowed)
            {
                translation = default;
                return WalkFault.Protection;
            }
            if (kind == AccessKind.Write && !t.Dirty)
            {
                t = t with { Dirty = true };
                _pages[(mm, pageBase)] = t;
            }
            translation = t with { Pfn = t.Pfn + ((va - pageBase) >> 12) };
            return WalkFault.None;
        }
        memoryRefs += 4;
        translation = default;
        return WalkFault.NotPresent;
    }
}

/// <summary>A booted machine with a kernel, a scheduler and the fake walker.</summary>
internal sealed class TlbKit
{
    public TlbKit(int cpus = 1, bool pcid = true, TlbConfig? config = null)
    {
        Walker = new FakeWalker();
        Machine = new Machine(cpus, Walker, config, pcid);
        Kernel = new Kernel(MmConfig.Default);
        Sched = new Scheduler(Machine, Kernel);
    }

    public FakeWalker Walker { get; }

    public Machine Machine { get; }

    public Kernel Kernel { get; }

    public Scheduler Sched { get; }

    /// <summary>A tiny geometry: L1d and L1i of 4 entries in one 4-way set (4K only), no STLB.</summary>
    public static TlbConfig Tiny(TlbReplacement policy = TlbReplacement.Lru, TlbLevelConfig? stlb = null, ulong seed = 1) => new(
        new TlbLevelConfig("L1d", [new(4, 4, TlbPageSizes.Size4K)], policy, seed),
        new TlbLevelConfig("L1i", [new(4, 4, TlbPageSizes.Size4K)], policy, seed),
        stlb);

    /// <summary>A new process (its own mm) created through the kernel.</summary>
    public Task Process(int pid) => Kernel.CreateInitTask(pid);

    /// <summary>Schedules task on cpu and makes cpu the one the flush paths run on.</summary>
    public void Run(int cpu, Task task)
    {
        Sched.Schedule(cpu, task);
        Machine.ThisCpu = cpu;
        Machine.Validate();
    }

    public FaultResult Read(int cpu, ulong va) => Checked(Machine.Access(cpu, va, AccessKind.Read));

    public FaultResult Write(int cpu, ulong va) => Checked(Machine.Access(cpu, va, AccessKind.Write));

    public ulong Phys(int cpu, ulong va, AccessKind kind = AccessKind.Read)
    {
        Assert.Equal(FaultResult.Ok, Checked(Machine.Access(cpu, va, kind, out ulong pa)));
        return pa;
    }

    private FaultResult Checked(FaultResult result)
    {
        Machine.Validate();
        return result;
    }

    /// <summary>
    /// Draws one set of an array as its ways' page numbers (va &gt;&gt; page shift, hex; global
    /// entries marked g, others with their PCID), "--" for an empty way: "| 1/p1 | 2/p1 | -- | -- |".
    /// </summary>
    public static string DrawSet(TlbLevel level, int set, int array = 0)
    {
        TlbArray a = level.Arrays[array];
        var sb = new StringBuilder("|");
        for (int way = 0; way < a.Ways; way++)
        {
            ulong tag = a.TagAt(set, way);
            if (tag == 0)
            {
                sb.Append(" -- |");
                continue;
            }
            string who = (tag & TlbArray.GlobalTag) != 0 ? "g" : $"p{tag & TlbArray.PcidMask}";
            sb.Append($" {tag >> TlbArray.VpnShift:x}/{who} |");
        }
        return sb.ToString();
    }
}
