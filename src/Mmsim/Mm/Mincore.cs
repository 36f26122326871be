namespace Mmsim.Mm;

/// <summary>mincore() (mm/mincore.c).</summary>
public sealed partial class MmStruct
{
    /// <summary>
    /// The mincore() system call: checks the range as <see cref="MincoreCheck"/> does, then fills
    /// vec with one byte per page (1 = resident) from the page tables and the page cache. Without
    /// page tables every byte is 0. vec must hold a byte per page. Returns 0 or -errno.
    /// </summary>
    public long Mincore(ulong start, ulong len, Span<byte> vec)
    {
        long err = MincoreCheck(start, len);
        if (err != 0)
        {
            return err;
        }
        ulong end = start + Page.Align(len);
        if ((ulong)vec.Length < Page.Pages(end - start))
        {
            return -Errno.EFAULT;
        }
        vec[..(int)Page.Pages(end - start)].Clear();
        if (Paging is null)
        {
            return 0;
        }
        for (Vma? v = Vmas.FindIntersection(start, end); v is not null && v.Start < end; v = v.Next)
        {
            ulong s = v.Start > start ? v.Start : start;
            ulong e = v.End < end ? v.End : end;
            Paging.MincoreVma(v, s, e, vec[(int)Page.Pages(s - start)..]);
        }
        return 0;
    }
}
