namespace Mmsim.Mm;

/// <summary>Searches of the holes between VMAs (<c>mas_empty_area()</c> / <c>mas_empty_area_rev()</c>).</summary>
public sealed partial class VmaTree
{
    /// <summary>
    /// Finds the highest hole that, clipped to [low, high), is at least <paramref name="length"/>
    /// bytes, and returns its clipped end; false when none fits. Models mas_empty_area_rev().
    /// </summary>
    public bool HighestHole(ulong low, ulong high, ulong length, out ulong holeEnd)
    {
        holeEnd = 0;
        if (high <= low || high - low < length)
        {
            return false;
        }
        ulong topStart = _last is null ? 0 : _last.EndField;
        if (topStart < high)
        {
            ulong s = topStart > low ? topStart : low;
            if (high - s >= length)
            {
                holeEnd = high;
                return true;
            }
        }
        return SearchDown(_root, low, high, length, ref holeEnd);
    }

    /// <summary>
    /// Finds the lowest hole that, clipped to [low, high), is at least <paramref name="length"/>
    /// bytes, and returns its clipped start; false when none fits. Models mas_empty_area().
    /// </summary>
    public bool LowestHole(ulong low, ulong high, ulong length, out ulong holeStart)
    {
        holeStart = 0;
        if (high <= low || high - low < length)
        {
            return false;
        }
        if (SearchUp(_root, low, high, length, ref holeStart))
        {
            return true;
        }
        ulong topStart = _last is null ? 0 : _last.EndField;
        ulong s = topStart > low ? topStart : low;
        if (s < high && high - s >= length)
        {
            holeStart = s;
            return true;
        }
        return false;
    }

    private static bool SearchDown(Vma? n, ulong low, ulong high, ulong length, ref ulong holeEnd)
    {
        while (n is not null && n.MaxGap >= length)
        {
            if (n.EndField < high && SearchDown(n.Right, low, high, length, ref holeEnd))
            {
                return true;
            }
            ulong hs = n.StartField - n.GapBelow;
            ulong e = n.StartField < high ? n.StartField : high;
            ulong s = hs > low ? hs : low;
            if (e > s && e - s >= length)
            {
                holeEnd = e;
                return true;
            }
            if (hs <= low)
            {
                return false;
            }
            n = n.Left;
        }
        return false;
    }

    private static bool SearchUp(Vma? n, ulong low, ulong high, ulong length, ref ulong holeStart)
    {
        while (n is not null && n.MaxGap >= length)
        {
            ulong hs = n.StartField - n.GapBelow;
            if (hs > low && SearchUp(n.Left, low, high, length, ref holeStart))
            {
                return true;
            }
            ulong e = n.StartField < high ? n.StartField : high;
            ulong s = hs > low ? hs : low;
            if (e > s && e - s >= length)
            {
                holeStart = s;
                return true;
            }
            if (n.EndField >= high)
            {
                return false;
            }
            n = n.Right;
        }
        return false;
    }
}
