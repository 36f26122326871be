using Mmsim.Mm;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Fault;

/// <summary>The page-cache side of file faults (mm/filemap.c, mm/readahead.c).</summary>
public sealed partial class MmPaging
{
    /// <summary>
    /// filemap_fault() / shmem_fault(): the cache page for addr. A regular file's page not in the
    /// cache is read (a major fault, unless the machine assumes every file page cached) together
    /// with its read-around window (do_sync_mmap_readahead()); a shmem hole gets a new zeroed
    /// page. Returns the pfn, or -1 with the error in ret.
    /// </summary>
    private int FilemapFault(Vma vma, ulong addr, out VmFault ret)
    {
        ret = VmFault.None;
        Fs.Inode inode = vma.File!.Inode;
        ulong pgoff = LinearIndex(vma, addr);
        int pfn = Machine.Cache.Find(inode, pgoff);
        if (pfn >= 0)
        {
            return pfn;
        }
        if (!inode.IsShmem)
        {
            if (!Machine.Options.FilePagesAssumedCached)
            {
                ret = VmFault.Major;
            }
            SyncMmapReadahead(vma, inode, pgoff);
            pfn = Machine.Cache.Find(inode, pgoff);
        }
        if (pfn < 0)
        {
            pfn = Machine.Cache.Add(inode, pgoff);
        }
        if (pfn < 0)
        {
            ret = VmFault.Oom;
        }
        return pfn;
    }

    /// <summary>
    /// do_sync_mmap_readahead(): VM_RAND_READ reads only the page, VM_SEQ_READ reads ahead from
    /// it, otherwise the mmap read-around reads ra_pages centred on it. Pages already cached stay.
    /// </summary>
    private void SyncMmapReadahead(Vma vma, Fs.Inode inode, ulong pgoff)
    {
        ulong ra = (ulong)Machine.Options.ReadAroundPages;
        ulong start;
        ulong count;
        if ((vma.Flags & VmFlags.RandRead) != 0)
        {
            start = pgoff;
            count = 1;
        }
        else if ((vma.Flags & VmFlags.SeqRead) != 0)
        {
            start = pgoff;
            count = ra;
        }
        else
        {
            start = pgoff > ra / 2 ? pgoff - (ra / 2) : 0;
            count = ra;
        }
        ulong fileEnd = PagesOf(inode.Size);
        for (ulong i = start; i < start + count && i < fileEnd; i++)
        {
            if (Machine.Cache.Find(inode, i) < 0 && Machine.Cache.Add(inode, i) < 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// do_fault_around() + filemap_map_pages(): maps the pages of the fault-around window
    /// (fault_around_bytes, aligned, clipped to the VMA, the PTE table and the file's end) that
    /// the cache holds and whose PTE is none. With every file page assumed cached, missing
    /// pages of a regular file count as cached.
    /// </summary>
    private void DoFaultAround(Vma vma, ulong addr, int pt)
    {
        ulong nrPages = (ulong)Machine.Options.FaultAroundBytes >> Page.Shift;
        ulong ptes = 1UL << G.Bits[PteLevel];
        ulong pteOff = (ulong)PteIndex(addr);
        ulong vmaOff = Page.Pages(addr - vma.Start);
        ulong fromPte = Math.Max(pteOff / nrPages * nrPages, pteOff - Math.Min(pteOff, vmaOff));
        ulong toPte = Math.Min(Math.Min(fromPte + nrPages, ptes), pteOff + vma.Pages - vmaOff) - 1;
        Fs.Inode inode = vma.File!.Inode;
        ulong fileEnd = PagesOf(inode.Size);
        ulong pgoff = LinearIndex(vma, addr);
        bool assume = Machine.Options.FilePagesAssumedCached && !inode.IsShmem;
        ulong prot = PageProt(vma);
        for (ulong p = fromPte; p <= toPte; p++)
        {
            ulong index = pgoff + p - pteOff;
            if (index >= fileEnd)
            {
                break;
            }
            if (!IsNone(Tables.Get(pt, (int)p)))
            {
                continue;
            }
            int pfn = Machine.Cache.Find(inode, index);
            if (pfn < 0 && assume)
            {
                pfn = Machine.Cache.Add(inode, index);
            }
            if (pfn < 0)
            {
                continue;
            }
            Tables.Set(pt, (int)p, MkEntry((ulong)pfn, prot));
            AddFileRmap(pfn);
            AddRss(CounterOf(pfn), 1);
        }
    }
}
