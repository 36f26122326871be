using System.Text;
using Mmsim.Mm;
using Mmsim.Tlb;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Arch.X86;

/// <summary>Where an access found its translation.</summary>
public enum TlbHitLevel
{
    /// <summary>The first-level TLB of the access kind (L1 dTLB, or iTLB for a fetch).</summary>
    L1,

    /// <summary>The second-level, shared TLB (STLB); the L1 was filled from it.</summary>
    Stlb,

    /// <summary>No usable TLB entry: the page walker walked the tables (and the fault handler ran, if the walk faulted).</summary>
    Walk,
}

/// <summary>
/// One paging-structure entry the walk reads: the table's frame, the index the address selects
/// in it, and the entry found there (bits as in <see cref="Pgtable.PgtableTypes"/>).
/// </summary>
/// <param name="Level">0 for the root (CR3's table), counting down towards the PTE.</param>
/// <param name="Name">The kernel's name of the level: PGD, P4D, PUD, PMD, PTE.</param>
/// <param name="TableFrame">The frame holding the table.</param>
/// <param name="Index">The entry's index in the table (bits of the address).</param>
/// <param name="Entry">The entry's value.</param>
/// <param name="Leaf">The walk ends here: a PTE, or a huge page (PS) at a level that may map one.</param>
public readonly record struct WalkStep(int Level, string Name, int TableFrame, int Index, ulong Entry, bool Leaf)
{
    /// <summary>_PAGE_PRESENT.</summary>
    public bool Present => (Entry & Pgtable.PgtableTypes.Present) != 0;

    /// <summary>_PAGE_RW.</summary>
    public bool Writable => (Entry & Rw) != 0;

    /// <summary>_PAGE_USER.</summary>
    public bool User => (Entry & Pgtable.PgtableTypes.User) != 0;

    /// <summary>_PAGE_ACCESSED.</summary>
    public bool Accessed => (Entry & Pgtable.PgtableTypes.Accessed) != 0;

    /// <summary>_PAGE_DIRTY (meaningful in a leaf).</summary>
    public bool Dirty => (Entry & Pgtable.PgtableTypes.Dirty) != 0;

    /// <summary>_PAGE_PSE: a huge-page leaf above the PTE level.</summary>
    public bool Huge => Leaf && (Entry & Pse) != 0;

    /// <summary>_PAGE_GLOBAL.</summary>
    public bool Global => (Entry & Pgtable.PgtableTypes.Global) != 0;

    /// <summary>_PAGE_NX.</summary>
    public bool NoExecute => (Entry & Nx) != 0;

    /// <summary>The frame the entry points at: the next table, or the (first) page frame of a leaf.</summary>
    public ulong Pfn => EntryPfn(Entry);

    /// <summary>"PTE[0x001] in frame 0x2a = 0x8000000000123067 P W U A D NX".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append($"{Name}[0x{Index:x3}] in frame 0x{TableFrame:x} = 0x{Entry:x16}");
        if (!Present)
        {
            return sb.Append(" not present").ToString();
        }
        sb.Append(" P");
        sb.Append(Writable ? " W" : " R");
        sb.Append(User ? " U" : " S");
        if (Accessed)
        {
            sb.Append(" A");
        }
        if (Leaf && Dirty)
        {
            sb.Append(" D");
        }
        if (Huge)
        {
            sb.Append(" PS");
        }
        if (Global)
        {
            sb.Append(" G");
        }
        if (NoExecute)
        {
            sb.Append(" NX");
        }
        return sb.ToString();
    }
}

/// <summary>
/// What one user access did, for a teacher to show: the CPU, where the translation came from
/// (L1, STLB, or a walk), the page walk step by step (as the tables were before the access, and
/// after it when a fault changed them), the paging-structure reads the MMU made, the fault taken
/// and how it was counted, and the outcome. Pure data; <see cref="ToString"/> is for tests.
/// </summary>
public sealed record TranslateExplain
{
    /// <summary>The CPU the access ran on.</summary>
    public required int Cpu { get; init; }

    /// <summary>The virtual address.</summary>
    public required ulong Address { get; init; }

    public required AccessKind Kind { get; init; }

    /// <summary>Where the translation was found (the first lookup; a fault's retry is part of <see cref="TlbHitLevel.Walk"/>).</summary>
    public required TlbHitLevel Hit { get; init; }

    /// <summary>A write hit a clean entry and the MMU re-walked to set D.</summary>
    public required bool DirtyAssist { get; init; }

    /// <summary>A cached entry's permissions refused the access; it was dropped and the walk decided.</summary>
    public required bool StaleRewalk { get; init; }

    /// <summary>The walk over the tables as they were before the access (empty on a TLB hit).</summary>
    public required IReadOnlyList<WalkStep> Walk { get; init; }

    /// <summary>The fault the walk raised (None when it did not, or there was no walk).</summary>
    public required WalkFault Fault { get; init; }

    /// <summary>The walk after the fault handler changed the tables (empty when no fault was taken).</summary>
    public required IReadOnlyList<WalkStep> WalkAfterFault { get; init; }

    /// <summary>Hardware page walks the access started (a fault's retry is a second walk).</summary>
    public required long Walks { get; init; }

    /// <summary>Paging-structure entries those walks read.</summary>
    public required long MemoryRefs { get; init; }

    /// <summary>Page faults delivered to the kernel.</summary>
    public required long PageFaults { get; init; }

    /// <summary>The task's min_flt increase.</summary>
    public required long MinorFaults { get; init; }

    /// <summary>The task's maj_flt increase.</summary>
    public required long MajorFaults { get; init; }

    /// <summary>Ok, or the signal the task gets.</summary>
    public required FaultResult Result { get; init; }

    /// <summary>The physical address (0 unless <see cref="Result"/> is Ok).</summary>
    public required ulong PhysAddr { get; init; }

    /// <summary>Several lines: the access and its outcome, then the walk(s).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append($"cpu {Cpu} {Kind.ToString().ToLowerInvariant()} 0x{Address:x}: ");
        sb.Append(Hit switch { TlbHitLevel.L1 => "L1 hit", TlbHitLevel.Stlb => "STLB hit", _ => "TLB miss" });
        if (DirtyAssist)
        {
            sb.Append(", dirty assist");
        }
        if (StaleRewalk)
        {
            sb.Append(", stale entry re-walked");
        }
        sb.Append($", {Walks} walk(s), {MemoryRefs} refs");
        if (PageFaults != 0)
        {
            sb.Append($", #PF {Fault} ({MinorFaults} minor, {MajorFaults} major)");
        }
        sb.Append(Result == FaultResult.Ok ? $" -> 0x{PhysAddr:x}" : $" -> {Result}");
        foreach (WalkStep s in Walk)
        {
            sb.Append("\n  ").Append(s);
        }
        if (WalkAfterFault.Count != 0)
        {
            sb.Append("\n after the fault:");
            foreach (WalkStep s in WalkAfterFault)
            {
                sb.Append("\n  ").Append(s);
            }
        }
        return sb.ToString();
    }
}
