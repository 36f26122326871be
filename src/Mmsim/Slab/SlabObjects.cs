namespace Mmsim.Slab;

/// <summary>
/// The objects of one cache that one owner holds, when the owner does not keep their addresses
/// itself: an mm's vm_area_struct objects (one per VMA in its tree). Objects of a cache are
/// interchangeable, so the last one allocated is the one freed.
/// </summary>
internal sealed class SlabObjects
{
    private readonly KmemCache _cache;
    private readonly Stack<long> _objects = new();

    public SlabObjects(KmemCache cache)
    {
        _cache = cache;
    }

    /// <summary>Objects held.</summary>
    public int Count => _objects.Count;

    /// <summary>kmem_cache_alloc(): one more object (none when the allocator is out of memory).</summary>
    public void Alloc()
    {
        long addr = _cache.Alloc();
        if (addr >= 0)
        {
            _objects.Push(addr);
        }
    }

    /// <summary>kmem_cache_free() of one object held.</summary>
    public void Free()
    {
        if (_objects.Count > 0)
        {
            _cache.Free(_objects.Pop());
        }
    }

    /// <summary>Frees every object held.</summary>
    public void FreeAll()
    {
        while (_objects.Count > 0)
        {
            _cache.Free(_objects.Pop());
        }
    }
}
