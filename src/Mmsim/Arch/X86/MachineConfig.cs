using Mmsim.Tlb;

namespace Mmsim.Arch.X86;

/// <summary>The shape of the x86 CPUs a paging <see cref="Process.Kernel"/> owns.</summary>
public sealed record MachineConfig
{
    /// <summary>Online CPUs (1..64); the reference machine has 2.</summary>
    public int NrCpus { get; init; } = 2;

    /// <summary>X86_FEATURE_PCID: TLB entries tagged by ASID, switch_mm without a flush when the ASID cache allows.</summary>
    public bool Pcid { get; init; } = true;

    /// <summary>The TLB geometry of every CPU; null: <see cref="TlbConfig.Skylake"/>.</summary>
    public TlbConfig? Tlb { get; init; }

    /// <summary>The reference machine: 2 CPUs, PCID, Skylake TLBs.</summary>
    public static MachineConfig Default { get; } = new();
}
