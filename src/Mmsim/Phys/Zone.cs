namespace Mmsim.Phys;

/// <summary>
/// One memory zone (struct zone): its pfn span, page counts, watermarks, lowmem reserves and the
/// buddy free areas of orders 0..<see cref="PhysMem.MaxPageOrder"/>, kept as intrusive lists of
/// pfns linked through <see cref="PageFrame.Prev"/>/<see cref="PageFrame.Next"/>.
/// </summary>
public sealed class Zone
{
    private readonly int[] _head = new int[PhysMem.NrPageOrders];
    private readonly int[] _tail = new int[PhysMem.NrPageOrders];
    private readonly long[] _nrFree = new long[PhysMem.NrPageOrders];
    private readonly long[] _lowmemReserve = new long[PhysMem.NrZones];

    internal Zone(ZoneType type, int startPfn, int endPfn)
    {
        Type = type;
        StartPfn = startPfn;
        EndPfn = endPfn;
        Array.Fill(_head, PageFrame.None);
        Array.Fill(_tail, PageFrame.None);
    }

    /// <summary>The zone type (its index in the node).</summary>
    public ZoneType Type { get; }

    /// <summary>The name as /proc prints it.</summary>
    public string Name => Type switch
    {
        ZoneType.Dma => "DMA",
        ZoneType.Dma32 => "DMA32",
        _ => "Normal",
    };

    /// <summary>zone_start_pfn.</summary>
    public int StartPfn { get; }

    /// <summary>zone_end_pfn() (exclusive).</summary>
    public int EndPfn { get; }

    /// <summary>spanned_pages.</summary>
    public int SpannedPages => EndPfn - StartPfn;

    /// <summary>present_pages: frames of RAM in the span.</summary>
    public int PresentPages { get; internal set; }

    /// <summary>managed_pages: present frames the buddy allocator owns (not reserved).</summary>
    public int ManagedPages { get; internal set; }

    /// <summary>populated_zone().</summary>
    public bool IsPopulated => ManagedPages > 0;

    /// <summary>NR_FREE_PAGES of the zone.</summary>
    public long FreePages { get; internal set; }

    /// <summary>Pages handed out from this zone, counted per page (the PGALLOC_* events).</summary>
    public long PagesAllocated { get; internal set; }

    /// <summary>min_wmark_pages().</summary>
    public long WatermarkMin { get; internal set; }

    /// <summary>low_wmark_pages().</summary>
    public long WatermarkLow { get; internal set; }

    /// <summary>high_wmark_pages().</summary>
    public long WatermarkHigh { get; internal set; }

    /// <summary>promo_wmark_pages().</summary>
    public long WatermarkPromo { get; internal set; }

    /// <summary>free_area[order].nr_free: free blocks of that order.</summary>
    public long NrFree(int order) => _nrFree[order];

    /// <summary>lowmem_reserve[highestZone]: pages kept back from allocations that could use a higher zone.</summary>
    public long LowmemReserve(ZoneType highestZone) => _lowmemReserve[(int)highestZone];

    internal void SetLowmemReserve(int highestZone, long pages) => _lowmemReserve[highestZone] = pages;

    /// <summary>zone_spans_pfn().</summary>
    public bool Spans(int pfn) => pfn >= StartPfn && pfn < EndPfn;

    /// <summary>The first block on the free list of an order (get_page_from_free_area()), or -1.</summary>
    public int FirstFree(int order) => _head[order];

    /// <summary>The pfns of the free blocks of an order, head first (for tests and dumps).</summary>
    public List<int> FreeList(PhysMem mem, int order)
    {
        var list = new List<int>();
        for (int pfn = _head[order]; pfn != PageFrame.None; pfn = mem.Frame(pfn).Next)
        {
            list.Add(pfn);
        }
        return list;
    }

    /// <summary>__add_to_free_list(): links a block at the head or the tail of its order's list.</summary>
    internal void AddFree(PageFrame[] frames, int pfn, int order, bool toTail)
    {
        ref PageFrame f = ref frames[pfn];
        f.Flags |= PageFlags.Buddy;
        f.Index = order;
        if (toTail)
        {
            int tail = _tail[order];
            f.Prev = tail;
            f.Next = PageFrame.None;
            if (tail == PageFrame.None)
            {
                _head[order] = pfn;
            }
            else
            {
                frames[tail].Next = pfn;
            }
            _tail[order] = pfn;
        }
        else
        {
            int head = _head[order];
            f.Next = head;
            f.Prev = PageFrame.None;
            if (head == PageFrame.None)
            {
                _tail[order] = pfn;
            }
            else
            {
                frames[head].Prev = pfn;
            }
            _head[order] = pfn;
        }
        _nrFree[order]++;
        FreePages += 1L << order;
    }

    /// <summary>del_page_from_free_list(): unlinks a free block and clears PageBuddy.</summary>
    internal void DelFree(PageFrame[] frames, int pfn, int order)
    {
        ref PageFrame f = ref frames[pfn];
        if (f.Prev == PageFrame.None)
        {
            _head[order] = f.Next;
        }
        else
        {
            frames[f.Prev].Next = f.Next;
        }
        if (f.Next == PageFrame.None)
        {
            _tail[order] = f.Prev;
        }
        else
        {
            frames[f.Next].Prev = f.Prev;
        }
        f.Prev = PageFrame.None;
        f.Next = PageFrame.None;
        f.Flags &= ~PageFlags.Buddy;
        f.Index = 0;
        _nrFree[order]--;
        FreePages -= 1L << order;
    }
}
