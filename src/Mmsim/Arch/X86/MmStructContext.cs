using Mmsim.Arch.X86;

namespace Mmsim.Mm;

/// <summary>The arch-specific member of mm_struct (<c>mm-&gt;context</c>), kept beside the x86 code that owns it.</summary>
public sealed partial class MmStruct
{
    /// <summary>mm->context: the x86 TLB state of this address space.</summary>
    public MmContext Context { get; } = new();
}
