using Mmsim.Fs;
using Mmsim.Phys;

namespace Mmsim.Filemap;

/// <summary>
/// The page cache (struct address_space per inode, mm/filemap.c): the frames holding file pages,
/// found by the file's identity and the page index, shared by every process that maps the file.
/// The cache holds one reference on each page; every PTE mapping it holds another. Shmem files
/// (shared anonymous memory, memfd, SysV shm) keep their pages here too, swap-backed.
/// </summary>
public sealed class PageCache
{
    private readonly PhysMem _phys;
    private readonly Dictionary<Inode, Dictionary<ulong, int>> _mappings = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Inode, int> _ids = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates an empty cache over a machine's frames.</summary>
    public PageCache(PhysMem phys)
    {
        _phys = phys;
    }

    /// <summary>Pages in the cache (all files).</summary>
    public long NrPages { get; private set; }

    /// <summary>filemap_get_folio(): the frame caching page index of inode, or -1.</summary>
    public int Find(Inode inode, ulong index)
    {
        return _mappings.TryGetValue(inode, out Dictionary<ulong, int>? pages) && pages.TryGetValue(index, out int pfn) ? pfn : -1;
    }

    /// <summary>Pages cached for one inode.</summary>
    public int CountOf(Inode inode) => _mappings.TryGetValue(inode, out Dictionary<ulong, int>? pages) ? pages.Count : 0;

    /// <summary>
    /// filemap_add_folio() after a read (or shmem_alloc_and_add_folio()): a fresh frame for page
    /// index of inode, up to date, with the cache's reference. Returns the pfn, or -1 when memory is exhausted.
    /// </summary>
    public int Add(Inode inode, ulong index)
    {
        int pfn = _phys.Alloc(0, Gfp.Zero);
        if (pfn < 0)
        {
            return -1;
        }
        if (!_mappings.TryGetValue(inode, out Dictionary<ulong, int>? pages))
        {
            pages = new Dictionary<ulong, int>();
            _mappings[inode] = pages;
            _ids[inode] = _ids.Count + 1;
        }
        pages[index] = pfn;
        ref PageFrame f = ref _phys.Frame(pfn);
        f.Flags |= PageFlags.Uptodate | PageFlags.LRU | (inode.IsShmem ? PageFlags.SwapBacked : PageFlags.None);
        f.Owner = _ids[inode];
        f.Index = (long)index;
        NrPages++;
        return pfn;
    }

    /// <summary>
    /// truncate_inode_pages() for an inode nobody can reach any more (the shmem object of a
    /// shared anonymous mapping whose last VMA went): drops every page; a page still mapped is a model bug.
    /// </summary>
    public void Evict(Inode inode)
    {
        if (!_mappings.Remove(inode, out Dictionary<ulong, int>? pages))
        {
            return;
        }
        foreach (int pfn in pages.Values)
        {
            Release(pfn);
        }
    }

    /// <summary>
    /// truncate_inode_pages(): drops the pages of inode from index on (they must be unmapped).
    /// </summary>
    public void TruncateFrom(Inode inode, ulong index)
    {
        if (!_mappings.TryGetValue(inode, out Dictionary<ulong, int>? pages))
        {
            return;
        }
        var drop = new List<ulong>();
        foreach (ulong i in pages.Keys)
        {
            if (i >= index)
            {
                drop.Add(i);
            }
        }
        foreach (ulong i in drop)
        {
            Release(pages[i]);
            pages.Remove(i);
        }
    }

    /// <summary>
    /// echo 1 &gt; /proc/sys/vm/drop_caches: frees every clean, unmapped page of regular files
    /// (shmem pages are the data itself and stay). Returns the pages freed.
    /// </summary>
    public long DropCaches()
    {
        long freed = 0;
        var empty = new List<Inode>();
        foreach (KeyValuePair<Inode, Dictionary<ulong, int>> kv in _mappings)
        {
            if (kv.Key.IsShmem)
            {
                continue;
            }
            var drop = new List<ulong>();
            foreach (KeyValuePair<ulong, int> p in kv.Value)
            {
                ref PageFrame f = ref _phys.Frame(p.Value);
                if (f.MapCount < 0 && f.RefCount == 1 && (f.Flags & PageFlags.Dirty) == 0)
                {
                    drop.Add(p.Key);
                }
            }
            foreach (ulong index in drop)
            {
                Release(kv.Value[index]);
                kv.Value.Remove(index);
                freed++;
            }
            if (kv.Value.Count == 0)
            {
                empty.Add(kv.Key);
            }
        }
        foreach (Inode i in empty)
        {
            _mappings.Remove(i);
        }
        return freed;
    }

    /// <summary>Every cached page as (the owner id its frames carry, page index, pfn), for the validator.</summary>
    internal IEnumerable<(int Owner, ulong Index, int Pfn)> Pages()
    {
        foreach (KeyValuePair<Inode, Dictionary<ulong, int>> kv in _mappings)
        {
            int id = _ids[kv.Key];
            foreach (KeyValuePair<ulong, int> p in kv.Value)
            {
                yield return (id, p.Key, p.Value);
            }
        }
    }

    /// <summary>Writes back dirty pages (clears PG_dirty), as sync would.</summary>
    public void Sync()
    {
        foreach (Dictionary<ulong, int> pages in _mappings.Values)
        {
            foreach (int pfn in pages.Values)
            {
                _phys.Frame(pfn).Flags &= ~PageFlags.Dirty;
            }
        }
    }

    private void Release(int pfn)
    {
        ref PageFrame f = ref _phys.Frame(pfn);
        if (f.MapCount >= 0)
        {
            throw new ModelBugException($"page cache: evicting pfn {pfn} still mapped {f.MappedCount} times");
        }
        f.Owner = 0;
        f.Flags &= ~(PageFlags.Uptodate | PageFlags.LRU | PageFlags.SwapBacked | PageFlags.Dirty);
        _phys.PutPage(pfn);
        NrPages--;
    }
}
