using Mmsim.Phys;

namespace Mmsim.Slab;

/// <summary>
/// The kernel's <c>slab_caches</c> list (mm/slab_common.c): every cache, newest first, as
/// /proc/slabinfo walks it. <see cref="CreateStandard"/> makes the caches the process model uses,
/// with the object sizes, alignments and flags of Linux 6.18 x86-64 (read from /sys/kernel/slab on
/// the reference machine).
/// </summary>
public sealed class SlabCaches
{
    /// <summary>The kmalloc size classes of x86-64 (kmalloc_info[]), in creation order.</summary>
    public static readonly int[] KmallocSizes = [96, 192, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

    private readonly PhysMem _mem;
    private readonly List<KmemCache> _caches = [];

    /// <summary>An empty list; <paramref name="nrCpus"/> is num_present_cpus().</summary>
    public SlabCaches(PhysMem mem, int nrCpus = 2)
    {
        _mem = mem;
        NrCpus = nrCpus;
    }

    /// <summary>num_present_cpus(), which the slab orders depend on.</summary>
    public int NrCpus { get; }

    /// <summary>The caches, oldest first (slabinfo prints them newest first).</summary>
    public IReadOnlyList<KmemCache> Caches => _caches;

    /// <summary>The task_struct cache, set by <see cref="CreateStandard"/>.</summary>
    public KmemCache? TaskStruct { get; private set; }

    /// <summary>The mm_struct cache.</summary>
    public KmemCache? MmStruct { get; private set; }

    /// <summary>The vm_area_struct cache.</summary>
    public KmemCache? VmAreaStruct { get; private set; }

    /// <summary>The anon_vma cache.</summary>
    public KmemCache? AnonVma { get; private set; }

    /// <summary>The anon_vma_chain cache.</summary>
    public KmemCache? AnonVmaChain { get; private set; }

    /// <summary>kmem_cache_create(): a new cache at the head of the list.</summary>
    public KmemCache Create(KmemCacheArgs args)
    {
        var cache = new KmemCache(_mem, args, NrCpus);
        _caches.Add(cache);
        return cache;
    }

    /// <summary>The cache with this name, or null.</summary>
    public KmemCache? Find(string name)
    {
        foreach (KmemCache c in _caches)
        {
            if (c.Name == name)
            {
                return c;
            }
        }
        return null;
    }

    /// <summary>
    /// The kmalloc caches (create_kmalloc_caches()), then the caches of the process model in the
    /// order the kernel creates them at boot (proc_caches_init(), anon_vma_init(), vma_state_init()).
    /// </summary>
    public static SlabCaches CreateStandard(PhysMem mem, int nrCpus = 2)
    {
        var list = new SlabCaches(mem, nrCpus);
        foreach (int size in KmallocSizes)
        {
            list.Create(new KmemCacheArgs(KmallocName(size), size, 8, SlabFlags.Kmalloc));
        }
        list.TaskStruct = list.Create(new KmemCacheArgs("task_struct", 5840, 64));
        list.MmStruct = list.Create(new KmemCacheArgs("mm_struct", 1568, 8, SlabFlags.HwcacheAlign));
        list.VmAreaStruct = list.Create(new KmemCacheArgs(
            "vm_area_struct", 192, 8, SlabFlags.HwcacheAlign | SlabFlags.TypesafeByRcu, UseFreeptrOffset: true));
        list.AnonVma = list.Create(new KmemCacheArgs("anon_vma", 96, 8, SlabFlags.TypesafeByRcu, HasCtor: true));
        list.AnonVmaChain = list.Create(new KmemCacheArgs("anon_vma_chain", 64));
        return list;
    }

    /// <summary>The kmalloc cache serving <paramref name="size"/> bytes (kmalloc_slab()), or null.</summary>
    public KmemCache? Kmalloc(int size)
    {
        int best = int.MaxValue;
        foreach (int s in KmallocSizes)
        {
            if (s >= size && s < best)
            {
                best = s;
            }
        }
        return best == int.MaxValue ? null : Find(KmallocName(best));
    }

    /// <summary>Pages in slabs of caches with SLAB_RECLAIM_ACCOUNT (SReclaimable), and the rest.</summary>
    public (long Reclaimable, long Unreclaimable) Pages()
    {
        long rec = 0;
        long unrec = 0;
        foreach (KmemCache c in _caches)
        {
            if ((c.Flags & SlabFlags.ReclaimAccount) != 0)
            {
                rec += c.Pages;
            }
            else
            {
                unrec += c.Pages;
            }
        }
        return (rec, unrec);
    }

    private static string KmallocName(int size) =>
        size >= 1024 ? "kmalloc-" + (size >> 10) + "k" : "kmalloc-" + size;
}
