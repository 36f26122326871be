using Mmsim.Mm;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>mincore() (mm/mincore.c): which pages of a range are resident.</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// mincore_page_range() over [start, end) of vma into vec (one byte per page, bit 0 =
    /// resident): a present PTE (or huge PMD) is resident; an empty one of a file or shmem
    /// mapping is resident when the page cache holds that page (mincore_page()), or, with every
    /// file page assumed cached, when it lies inside a regular file; of an anonymous mapping, not.
    /// </summary>
    internal void MincoreVma(Vma vma, ulong start, ulong end, Span<byte> vec)
    {
        for (ulong a = start; a < end; a += Page.Size)
        {
            vec[(int)Page.Pages(a - start)] = Resident(vma, a) ? (byte)1 : (byte)0;
        }
    }

    private bool Resident(Vma vma, ulong addr)
    {
        int pmdTable = Tables.Descend(addr, PmdLevel, alloc: false, out _);
        if (pmdTable >= 0)
        {
            ulong pmd = Tables.Get(pmdTable, G.Index(PmdLevel, addr));
            if (IsHugePmd(pmd))
            {
                return true;
            }
            if (!IsNone(pmd))
            {
                ulong pte = Tables.Get((int)EntryPfn(pmd), PteIndex(addr));
                if (IsPresent(pte))
                {
                    return true;
                }
            }
        }
        if (vma.File is { } file && !FaultsAnonymous(vma) && file.CanMmap)
        {
            ulong index = LinearIndex(vma, addr);
            if (Machine.Options.FilePagesAssumedCached && file.Inode.Kind == Fs.InodeKind.Regular)
            {
                return index < PagesOf(file.Inode.Size);
            }
            return Machine.Cache.Find(file.Inode, index) >= 0;
        }
        return false;
    }
}
