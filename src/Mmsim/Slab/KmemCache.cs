using Mmsim.Mm;
using Mmsim.Phys;

namespace Mmsim.Slab;

/// <summary>The SLAB_* creation flags the model honours (include/linux/slab.h).</summary>
[Flags]
public enum SlabFlags : uint
{
    None = 0,

    /// <summary>SLAB_HWCACHE_ALIGN: align objects to the cache line, or a power-of-two fraction of it.</summary>
    HwcacheAlign = 1u << 0,

    /// <summary>SLAB_TYPESAFE_BY_RCU: the free pointer must live outside the object unless the cache
    /// names a free-pointer offset.</summary>
    TypesafeByRcu = 1u << 1,

    /// <summary>SLAB_RECLAIM_ACCOUNT: the slab pages count as SReclaimable.</summary>
    ReclaimAccount = 1u << 2,

    /// <summary>SLAB_KMALLOC: a kmalloc-N cache, aligned to the largest power of two dividing N.</summary>
    Kmalloc = 1u << 3,
}

/// <summary>
/// What a cache is created with: kmem_cache_create()'s name, object size, alignment, flags, whether
/// it has a constructor and whether it names a free-pointer offset (struct kmem_cache_args).
/// </summary>
public readonly record struct KmemCacheArgs(
    string Name,
    int ObjectSize,
    int Align = 8,
    SlabFlags Flags = SlabFlags.None,
    bool HasCtor = false,
    bool UseFreeptrOffset = false);

/// <summary>
/// One SLUB cache, the kernel's <c>struct kmem_cache</c> (mm/slub.c): objects of one size carved out
/// of slabs of 2^order pages taken from the buddy allocator. Geometry (size, order, objects per slab)
/// is computed as calculate_sizes() and calculate_order() do.
/// Simplified: there are no per-cpu slabs and no freelist randomization; a slab with free objects
/// sits on one partial list (newest first), as on a single node with the per-cpu caches drained.
/// </summary>
public sealed class KmemCache
{
    /// <summary>PAGE_ALLOC_COSTLY_ORDER, SLUB's default slub_max_order.</summary>
    public const int SlubMaxOrder = 3;

    /// <summary>MAX_OBJS_PER_PAGE: the slab's object count is a 15-bit field.</summary>
    public const int MaxObjsPerPage = 32767;

    /// <summary>cache_line_size() on x86-64.</summary>
    public const int CacheLineSize = 64;

    private const int PageSize = 1 << Page.Shift;
    private const int MinPartial = 5;
    private const int MaxPartial = 10;

    private readonly PhysMem _mem;
    private readonly Dictionary<int, int> _slabOfHead = [];
    private readonly List<SlabPage> _slabs = [];
    private readonly List<int> _freeSlabIndices = [];
    private readonly List<int> _partial = [];

    /// <summary>Creates a cache, as __kmem_cache_create() does; <paramref name="nrCpus"/> is
    /// num_present_cpus(), which sets the minimum objects per slab.</summary>
    public KmemCache(PhysMem mem, KmemCacheArgs args, int nrCpus)
    {
        _mem = mem;
        Name = args.Name;
        Flags = args.Flags;
        ObjectSize = args.ObjectSize;
        Align = CalculateAlignment(args.Flags, args.Align, args.ObjectSize);
        Size = CalculateSize(args, Align);
        Order = CalculateOrder(Size, nrCpus);
        ObjsPerSlab = OrderObjects(Order, Size);
        MinPartialSlabs = Math.Min(MaxPartial, Math.Max(MinPartial, Log2(Size) / 2));
    }

    /// <summary>The cache's name as /proc/slabinfo shows it.</summary>
    public string Name { get; }

    /// <summary>The creation flags.</summary>
    public SlabFlags Flags { get; }

    /// <summary>object_size: what the caller asked for.</summary>
    public int ObjectSize { get; }

    /// <summary>size: the object's stride in the slab (object, free pointer if outside, alignment).</summary>
    public int Size { get; }

    /// <summary>align: the object alignment.</summary>
    public int Align { get; }

    /// <summary>The slab order (a slab is 2^Order pages).</summary>
    public int Order { get; }

    /// <summary>Objects in one slab.</summary>
    public int ObjsPerSlab { get; }

    /// <summary>min_partial: empty slabs kept on the partial list instead of being freed.</summary>
    public int MinPartialSlabs { get; }

    /// <summary>Slabs allocated (nr_slabs).</summary>
    public long NumSlabs { get; private set; }

    /// <summary>Object slots in all slabs (total_objects).</summary>
    public long NumObjs => NumSlabs * ObjsPerSlab;

    /// <summary>Objects handed out and not yet freed.</summary>
    public long ActiveObjs { get; private set; }

    /// <summary>Pages held by the cache's slabs.</summary>
    public long Pages => NumSlabs << Order;

    /// <summary>
    /// kmem_cache_alloc(): an object from the first partial slab, or from a new slab allocated from
    /// the buddy allocator (allocate_slab() with __GFP_COMP). Returns the object's physical address,
    /// or -1 when the page allocator fails.
    /// </summary>
    public long Alloc()
    {
        if (_partial.Count == 0 && !NewSlab())
        {
            return -1;
        }
        int si = _partial[^1];
        SlabPage slab = _slabs[si];
        int index = slab.Free[--slab.FreeCount];
        slab.InUse++;
        if (slab.FreeCount == 0)
        {
            _partial.RemoveAt(_partial.Count - 1);
        }
        ActiveObjs++;
        return ((long)slab.Pfn << Page.Shift) + ((long)index * Size);
    }

    /// <summary>
    /// kmem_cache_free(): returns an object to its slab. A full slab goes back on the partial list;
    /// an empty slab is given back to the buddy allocator once min_partial slabs are already partial
    /// (discard_slab() from __slab_free()). Throws <see cref="ModelBugException"/> on a bad address.
    /// </summary>
    public void Free(long addr)
    {
        int head = (int)(addr >> Page.Shift) & ~((1 << Order) - 1);
        if (!_slabOfHead.TryGetValue(head, out int si))
        {
            throw new ModelBugException($"kmem_cache_free({Name}): {addr:x} is in no slab of the cache");
        }
        SlabPage slab = _slabs[si];
        long offset = addr - ((long)head << Page.Shift);
        if (offset % Size != 0 || offset / Size >= ObjsPerSlab)
        {
            throw new ModelBugException($"kmem_cache_free({Name}): {addr:x} is not an object start");
        }
        if (slab.FreeCount == 0)
        {
            _partial.Add(si);
        }
        slab.Free[slab.FreeCount++] = (int)(offset / Size);
        slab.InUse--;
        ActiveObjs--;
        if (slab.InUse == 0 && _partial.Count > MinPartialSlabs)
        {
            DiscardSlab(si);
        }
    }

    private bool NewSlab()
    {
        int pfn = _mem.Alloc(Order, Order > 0 ? Gfp.Comp : Gfp.None);
        if (pfn < 0)
        {
            return false;
        }
        SlabPage slab;
        int si;
        if (_freeSlabIndices.Count > 0)
        {
            si = _freeSlabIndices[^1];
            _freeSlabIndices.RemoveAt(_freeSlabIndices.Count - 1);
            slab = _slabs[si];
        }
        else
        {
            si = _slabs.Count;
            slab = new SlabPage(ObjsPerSlab);
            _slabs.Add(slab);
        }
        // __folio_set_slab(): the head frame is PG_slab; Index holds the slab number for debugging.
        _mem.Frame(pfn).Flags |= PageFlags.Slab;
        _mem.Frame(pfn).Index = si;
        slab.Pfn = pfn;
        slab.InUse = 0;
        slab.FreeCount = ObjsPerSlab;
        for (int i = 0; i < ObjsPerSlab; i++)
        {
            // Objects are handed out from the lowest address up, as the unrandomized freelist does.
            slab.Free[i] = ObjsPerSlab - 1 - i;
        }
        _slabOfHead.Add(pfn, si);
        _partial.Add(si);
        NumSlabs++;
        return true;
    }

    private void DiscardSlab(int si)
    {
        SlabPage slab = _slabs[si];
        _partial.Remove(si);
        _slabOfHead.Remove(slab.Pfn);
        _freeSlabIndices.Add(si);
        _mem.Free(slab.Pfn, Order);
        slab.Pfn = -1;
        NumSlabs--;
    }

    /// <summary>calculate_alignment(): the cache line (halved while the object fits twice) for
    /// SLAB_HWCACHE_ALIGN, the largest power-of-two divisor for kmalloc caches, at least a word.</summary>
    internal static int CalculateAlignment(SlabFlags flags, int align, int size)
    {
        if ((flags & SlabFlags.HwcacheAlign) != 0)
        {
            int ralign = CacheLineSize;
            while (size <= ralign / 2)
            {
                ralign /= 2;
            }
            align = Math.Max(align, ralign);
        }
        if ((flags & SlabFlags.Kmalloc) != 0)
        {
            align = Math.Max(align, size & -size);
        }
        return AlignUp(Math.Max(align, 8), 8);
    }

    /// <summary>calculate_sizes() without debugging: the object rounded to a word, plus an outside
    /// free pointer for caches with a constructor or SLAB_TYPESAFE_BY_RCU (unless they name a free
    /// pointer offset), rounded up to the alignment.</summary>
    internal static int CalculateSize(KmemCacheArgs args, int align)
    {
        int size = AlignUp(args.ObjectSize, 8);
        bool rcu = (args.Flags & SlabFlags.TypesafeByRcu) != 0;
        if ((rcu && !args.UseFreeptrOffset) || args.HasCtor)
        {
            size += 8;
        }
        return AlignUp(size, align);
    }

    /// <summary>order_objects(): how many objects of <paramref name="size"/> fit in 2^order pages.</summary>
    internal static int OrderObjects(int order, int size) => (PageSize << order) / size;

    /// <summary>
    /// calculate_order(): the smallest order from the min_objects-derived minimum up to
    /// slub_max_order whose leftover is at most 1/16 of the slab, relaxing to 1/8, then 1/4;
    /// min_objects is 4 * (fls(nr_cpus) + 1), capped by what fits in a slub_max_order slab.
    /// </summary>
    internal static int CalculateOrder(int size, int nrCpus)
    {
        int minObjects = 4 * (Fls(nrCpus) + 1);
        int maxObjects = Math.Max(OrderObjects(SlubMaxOrder, size), 1);
        minObjects = Math.Min(minObjects, maxObjects);
        int minOrder = GetOrder((long)minObjects * size);
        if (OrderObjects(minOrder, size) > MaxObjsPerPage)
        {
            return GetOrder((long)size * MaxObjsPerPage) - 1;
        }
        for (int fraction = 16; fraction > 1; fraction /= 2)
        {
            int order = CalcSlabOrder(size, minOrder, SlubMaxOrder, fraction);
            if (order <= SlubMaxOrder)
            {
                return order;
            }
        }
        return GetOrder(size);
    }

    /// <summary>calc_slab_order(): the first order whose leftover is at most slab/fraction.</summary>
    private static int CalcSlabOrder(int size, int minOrder, int maxOrder, int fraction)
    {
        int order = minOrder;
        for (; order <= maxOrder; order++)
        {
            int slabSize = PageSize << order;
            if (slabSize % size <= slabSize / fraction)
            {
                break;
            }
        }
        return order;
    }

    /// <summary>get_order(): the order of the smallest block of pages holding <paramref name="bytes"/>.</summary>
    internal static int GetOrder(long bytes)
    {
        long pages = (bytes + PageSize - 1) >> Page.Shift;
        int order = 0;
        while ((1L << order) < pages)
        {
            order++;
        }
        return order;
    }

    private static int Fls(int x) => x == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)x);

    private static int Log2(int x) => Fls(x) - 1;

    private static int AlignUp(int x, int a) => (x + a - 1) & -a;

    /// <summary>One slab: its head frame, objects in use and a stack of free object indices.</summary>
    private sealed class SlabPage(int objects)
    {
        public int Pfn = -1;
        public int InUse;
        public int FreeCount;
        public readonly int[] Free = new int[objects];
    }
}
