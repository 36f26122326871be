using Mmsim.Mm;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Arch.X86;

/// <summary>
/// One CPU: its TLBs, the task running on it (x86's per-CPU <c>current_task</c>) and the
/// kernel's per-CPU TLB state (<c>struct tlb_state cpu_tlbstate</c> and
/// <c>cpu_tlbstate_shared.is_lazy</c>): the mm whose page tables CR3 points to, the ASID it
/// runs under and the small dynamic-ASID cache that lets switch_mm skip a flush.
/// </summary>
public sealed class Cpu
{
    // cpu_tlbstate.ctxs[]: which mm (ctx_id) owns each dynamic ASID, and up to which tlb_gen
    // that ASID's TLB entries are known to be flushed. Changed only by switch_mm and flush_tlb_func.
    internal readonly TlbContext[] Ctxs = new TlbContext[Machine.TlbNrDynAsids];

    internal Cpu(int id, CpuTlb tlb, MmStruct initMm, Task idle)
    {
        Id = id;
        Tlb = tlb;
        LoadedMm = initMm;
        Idle = idle;
        Current = idle;
    }

    public int Id { get; }

    public CpuTlb Tlb { get; }

    /// <summary>This CPU's idle task (swapper/N), a kernel thread that starts on init_mm.</summary>
    public Task Idle { get; }

    /// <summary>current: the task running here.</summary>
    public Task Current { get; internal set; }

    /// <summary>cpu_tlbstate.loaded_mm: the mm CR3 points to (init_mm when none).</summary>
    public MmStruct LoadedMm { get; internal set; }

    /// <summary>cpu_tlbstate.loaded_mm_asid: the dynamic ASID (0..5) the loaded mm runs under; the PCID is ASID + 1.</summary>
    public int LoadedMmAsid { get; internal set; }

    /// <summary>cpu_tlbstate.next_asid: where the next ASID-cache miss allocates (round robin).</summary>
    public int NextAsid { get; internal set; } = 1;

    /// <summary>cpu_tlbstate_shared.is_lazy: a kernel thread runs on a borrowed mm; flush IPIs skip this CPU.</summary>
    public bool IsLazy { get; internal set; }

    /// <summary>The ctx_id and tlb_gen cached in dynamic ASID slot asid.</summary>
    public (ulong CtxId, ulong TlbGen) AsidSlot(int asid) => (Ctxs[asid].CtxId, Ctxs[asid].TlbGen);

    /// <summary>The shorthand of the per-level TLB counters (L1d, L1i, STLB).</summary>
    public TlbStats Stats => Tlb.Stats;
}

/// <summary>One slot of cpu_tlbstate.ctxs[] (<c>struct tlb_context</c>).</summary>
internal struct TlbContext
{
    public ulong CtxId;
    public ulong TlbGen;
}
