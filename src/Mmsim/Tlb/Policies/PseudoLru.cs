using System.Numerics;
using System.Runtime.CompilerServices;

namespace Mmsim.Tlb.Policies;

/// <summary>
/// Bit pseudo-LRU (the MRU-bit scheme, "PLRUm"): one bit per way in a word per set. A use
/// sets the way's bit; when that would set every bit, all the others are cleared, so the set
/// remembers only the way just used. The victim is the lowest way whose bit is clear. Works
/// for any associativity up to 64 (the 12-way STLB included), unlike tree PLRU.
/// Worked example, 4 ways, bits written way 3..0:
/// <code>
///   touch 0 -> 0001   touch 2 -> 0101   touch 1 -> 0111   victim = 3
///   touch 3 -> 1111 would be full -> 1000                   victim = 0
/// </code>
/// </summary>
internal static class PseudoLru
{
    /// <summary>A lookup hit or a fill of way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Touch(ref ulong mru, int way, ulong allWays)
    {
        ulong bit = 1UL << way;
        ulong bits = mru;
        if ((bits & bit) != 0)
        {
            return;   // already recent; the set is never all ones, so nothing changes
        }
        bits |= bit;
        mru = bits == allWays ? bit : bits;
    }

    /// <summary>The way was invalidated: clearing its bit makes it a candidate.</summary>
    public static void Invalidate(ref ulong mru, int way) => mru &= ~(1UL << way);

    /// <summary>The lowest way not recently used.</summary>
    public static int Victim(ulong mru, int ways)
    {
        int way = BitOperations.TrailingZeroCount(~mru);
        return way < ways ? way : 0;
    }
}
