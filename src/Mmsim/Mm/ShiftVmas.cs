namespace Mmsim.Mm;

/// <summary>Moving a group of VMAs: how a replay re-places what exec laid out at random (ASLR).</summary>
public sealed partial class MmStruct
{
    /// <summary>
    /// Moves every VMA inside [start, end) by delta bytes (page-aligned), keeping their order,
    /// flags, files and file offsets; anonymous private VMAs keep pgoff = address in pages.
    /// Returns false, changing nothing, if the moved range would overlap another VMA or leave
    /// the address space.
    /// </summary>
    public bool ShiftVmas(ulong start, ulong end, long delta)
    {
        if (delta == 0 || !Page.IsAligned((ulong)delta))
        {
            return delta == 0;
        }
        var moving = new List<Vma>();
        for (Vma? v = Vmas.FindIntersection(start, end); v is not null && v.Start < end; v = v.Next)
        {
            if (v.Start < start || v.End > end)
            {
                return false;
            }
            moving.Add(v);
        }
        if (moving.Count == 0)
        {
            return true;
        }
        ulong newStart = (ulong)((long)moving[0].Start + delta);
        ulong newEnd = (ulong)((long)moving[^1].End + delta);
        if (newStart >= newEnd || newEnd > TaskSize)
        {
            return false;
        }
        for (Vma? v = Vmas.FindIntersection(newStart, newEnd); v is not null && v.Start < newEnd; v = v.Next)
        {
            if (!moving.Contains(v))
            {
                return false;
            }
        }
        foreach (Vma v in moving)
        {
            Vmas.Remove(v);
        }
        foreach (Vma v in moving)
        {
            v.StartField = (ulong)((long)v.StartField + delta);
            v.EndField = (ulong)((long)v.EndField + delta);
            if (v.IsAnonymous && (v.Flags & VmFlags.Shared) == 0)
            {
                v.PgOff = v.StartField >> Page.Shift;
            }
            Vmas.Insert(v);
        }
        return true;
    }
}
