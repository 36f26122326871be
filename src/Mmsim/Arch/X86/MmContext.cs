namespace Mmsim.Arch.X86;

/// <summary>
/// The x86 part of an mm (<c>mm_context_t</c>, arch/x86/include/asm/mmu.h) that the TLB code
/// uses: the context id that names the mm in every CPU's ASID cache, the flush generation
/// (<c>tlb_gen</c>) and <c>mm_cpumask()</c>, the CPUs that may hold its translations.
/// </summary>
public sealed class MmContext
{
    /// <summary>ctx_id: unique per mm, never reused (init_mm has 1); 0 until a <see cref="Machine"/> first sees the mm (init_new_context()).</summary>
    public ulong CtxId { get; internal set; }

    /// <summary>tlb_gen: bumped by every flush request (inc_mm_tlb_gen()); CPUs record how far they caught up.</summary>
    public ulong TlbGen { get; internal set; }

    /// <summary>
    /// mm_cpumask(): bit n set while CPU n may hold translations of the mm. switch_mm sets it;
    /// Linux 6.x no longer clears it on switching away: a CPU leaves the mask only when a flush
    /// IPI finds another mm loaded there (flush_tlb_func()). At most 64 CPUs.
    /// </summary>
    public ulong CpuMask { get; internal set; }

    /// <summary>next_trim_cpumask: the jiffy after which a flush also IPIs CPUs that no longer run the mm, to trim the mask.</summary>
    public long NextTrimCpumask { get; internal set; }

    /// <summary>Whether CPU cpu is in mm_cpumask().</summary>
    public bool HasCpu(int cpu) => (CpuMask & (1UL << cpu)) != 0;
}
