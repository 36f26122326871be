using Mmsim.Mm;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Mm;

/// <summary>mseal(): sealing merges the sealed parts with sealed neighbours as mprotect() would.</summary>
public sealed class MsealTests
{
    /// <summary>
    /// munmap over a sealed VMA is refused, but vms_gather_munmap_vmas() has already split the
    /// first VMA at the start and does not undo it: A stays in two halves that the kernel would
    /// merge but leaves apart (found by validate-fuzz seed 7, where an mremap shrink did this and
    /// the validator took the halves for a missed merge).
    /// <code>
    ///   0   1   2   3   4   5          0   1   2   3   4   5
    ///   [    A: rw-     |B:s|   -->   [A: rw-|A': rw-|B:s|      munmap(2..5) = -EPERM
    /// </code>
    /// </summary>
    [Fact]
    public void ARefusedMunmapLeavesTheFirstSplitAndTheValidatorAcceptsIt()
    {
        MmStruct mm = NewMm();
        mm.MapAt(0, 4);
        mm.MapAt(4, 1, R);
        Assert.Equal(0, mm.Checked(mm.Mseal(Col(4), P, 0)));
        Assert.Equal(-Errno.EPERM, mm.Munmap(Col(2), Pages(3)));
        Assert.Equal(3, mm.MapCount);
        Assert.Equal((Col(0), Col(2)), (mm.Vmas.First!.Start, mm.Vmas.First!.End));
        Assert.Equal((Col(2), Col(4)), (mm.Vmas.First!.Next!.Start, mm.Vmas.First!.Next!.End));
        mm.Validate();
    }

    /// <summary>
    /// Found by validate-fuzz (seed 20261132, operation 480580): sealing a range whose first VMA
    /// merges with an already sealed neighbour must still merge the VMA after it. Checked on
    /// this machine's kernel (6.18.44): the result is one sealed VMA.
    /// <code>
    ///   0   1   2   3   4   5   6          0   1   2   3   4   5   6
    ///   [  A: r--  |B:s|  C: r--    ]  --> [        r-- sealed        ]
    ///               mseal(0..7)
    /// </code>
    /// Before the fix, A merged with B and C was sealed alone, starting a page above the
    /// "current" address carried over from A's old end, so it stayed a separate VMA.
    /// </summary>
    [Fact]
    public void SealingAcrossASealedVmaLeavesOneVma()
    {
        MmStruct mm = NewMm();
        mm.MapAt(0, 7, R);
        Assert.Equal(0, mm.Checked(mm.Mseal(Col(3), P, 0)));
        Assert.Equal(3, mm.MapCount);
        Assert.Equal(0, mm.Checked(mm.Mseal(Col(0), Pages(7), 0)));
        Assert.Equal(1, mm.MapCount);
        Vma v = mm.Vmas.First!;
        Assert.Equal((Col(0), Col(7)), (v.Start, v.End));
        Assert.Equal(VmFlags.Sealed, v.Flags & VmFlags.Sealed);
    }

    /// <summary>
    /// A range starting inside A: the part of A is split off and sealed, then merged with B and C.
    /// <code>
    ///   0   1   2   3   4   5   6          0   1   2   3   4   5   6
    ///   [  A: r--  |B:s|  C: r--    ]  --> [A: r--|    r-- sealed      ]
    ///       mseal(2..7)
    /// </code>
    /// </summary>
    [Fact]
    public void SealingFromInsideAVmaSplitsItAndMergesTheRest()
    {
        MmStruct mm = NewMm();
        mm.MapAt(0, 7, R);
        mm.Checked(mm.Mseal(Col(3), P, 0));
        Assert.Equal(0, mm.Checked(mm.Mseal(Col(2), Pages(5), 0)));
        Assert.Equal(2, mm.MapCount);
        Assert.Equal((Col(0), Col(2), VmFlags.None), (mm.At(0).Start, mm.At(0).End, mm.At(0).Flags & VmFlags.Sealed));
        Assert.Equal((Col(2), Col(7), VmFlags.Sealed), (mm.At(2).Start, mm.At(2).End, mm.At(2).Flags & VmFlags.Sealed));
    }
}
