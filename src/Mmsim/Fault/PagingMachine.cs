using Mmsim.Filemap;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Pgtable;
using Mmsim.Tlb;

namespace Mmsim.Fault;

/// <summary>/sys/kernel/mm/transparent_hugepage/enabled.</summary>
public enum ThpMode
{
    /// <summary>Every anonymous area without VM_NOHUGEPAGE.</summary>
    Always,

    /// <summary>Only areas with VM_HUGEPAGE (madvise(MADV_HUGEPAGE)); the reference machine's setting.</summary>
    Madvise,

    /// <summary>No huge pages on fault.</summary>
    Never,
}

/// <summary>The paging layer's machine options (sysctls and what the model cannot know).</summary>
public sealed record PagingOptions
{
    /// <summary>
    /// Every file page is taken to be in the page cache already (no major faults, fault-around
    /// maps whole windows). A replay sets it: the host's cache, not the log, decided.
    /// </summary>
    public bool FilePagesAssumedCached { get; init; }

    /// <summary>/sys/kernel/mm/transparent_hugepage/enabled.</summary>
    public ThpMode Thp { get; init; } = ThpMode.Madvise;

    /// <summary>/sys/kernel/mm/transparent_hugepage/use_zero_page: a read fault maps the huge zero page.</summary>
    public bool ThpUseZeroPage { get; init; } = true;

    /// <summary>fault_around_bytes (debugfs): 64 KiB, 16 pages.</summary>
    public int FaultAroundBytes { get; init; } = 65536;

    /// <summary>The backing device's ra_pages (read_ahead_kb 128): the mmap read-around window in pages.</summary>
    public int ReadAroundPages { get; init; } = 32;

    /// <summary>The defaults: the reference machine.</summary>
    public static PagingOptions Default { get; } = new();
}

/// <summary>
/// The machine-wide side of paging: RAM (<see cref="PhysMem"/>), the page-table store, the page
/// cache, the shared zero pages and the TLB seam. One per <see cref="Process.Kernel"/>; every mm
/// with page tables belongs to one.
/// </summary>
public sealed partial class PagingMachine
{
    private readonly Dictionary<(string Name, ulong Index), int> _specialFrames = new();

    /// <summary>Builds the paging layer over a machine's RAM; allocates the shared zero page.</summary>
    public PagingMachine(PhysMem phys, PagingMode mode = PagingMode.FourLevel, PagingOptions? options = null)
    {
        Phys = phys;
        Geometry = PagingGeometry.Of(mode);
        Options = options ?? PagingOptions.Default;
        if (Geometry.EntryBytes == 4 && (ulong)phys.TotalFrames > 1UL << 20)
        {
            throw new ArgumentException("2-level paging addresses at most 4 GiB of RAM", nameof(phys));
        }
        Store = new PgtableStore(phys);
        Cache = new PageCache(phys);
        ZeroPfn = phys.Alloc(0, Gfp.Zero);
        if (ZeroPfn < 0)
        {
            throw new ArgumentException("no memory for the zero page", nameof(phys));
        }
        phys.Frame(ZeroPfn).Flags |= PageFlags.Reserved | PageFlags.Uptodate;
    }

    public PhysMem Phys { get; }

    public PagingGeometry Geometry { get; }

    public PagingOptions Options { get; }

    /// <summary>The frames holding page tables.</summary>
    public PgtableStore Store { get; }

    public PageCache Cache { get; }

    /// <summary>ZERO_PAGE(0): mapped read-only by anonymous read faults.</summary>
    public int ZeroPfn { get; }

    /// <summary>The huge zero folio (order 9), allocated on first use (get_huge_zero_folio()); -1 before.</summary>
    public int HugeZeroPfn { get; private set; } = -1;

    /// <summary>
    /// Frames the machine itself holds: the zero pages and vDSO pages (never returned) and the
    /// slab caches' pages (SLUB keeps a few empty slabs per cache after their objects are freed).
    /// </summary>
    public long KernelFrames => 1 + (HugeZeroPfn >= 0 ? 512 : 0) + _specialFrames.Count + SlabPages;

    /// <summary>The TLB layer told of every translation change; null: changes are only counted.</summary>
    public ITlbFlush? TlbFlush { get; set; }

    /// <summary>flush_tlb_range()/flush_tlb_page() calls.</summary>
    public long RangeFlushes { get; private set; }

    /// <summary>flush_tlb_mm() calls.</summary>
    public long MmFlushes { get; private set; }

    /// <summary>THP faults that found no order-9 block (thp_fault_fallback).</summary>
    public long ThpFaultFallback { get; internal set; }

    /// <summary>THP faults that mapped a huge page (thp_fault_alloc).</summary>
    public long ThpFaultAlloc { get; internal set; }

    /// <summary>Gives mm page tables on this machine (pgd_alloc() at mm creation).</summary>
    public MmPaging Attach(MmStruct mm)
    {
        var paging = new MmPaging(mm, this);
        mm.Paging = paging;
        AllocMmObjects(mm);
        return paging;
    }

    internal void FlushRange(MmStruct mm, ulong start, ulong end, int strideShift = Page.Shift, bool freedTables = false)
    {
        RangeFlushes++;
        TlbFlush?.FlushRange(mm, start, end, strideShift, freedTables);
    }

    internal void FlushMm(MmStruct mm, bool freedTables = false)
    {
        MmFlushes++;
        TlbFlush?.FlushMm(mm, freedTables);
    }

    /// <summary>The huge zero folio, allocating it on first use; -1 if no order-9 block is free.</summary>
    internal int HugeZero()
    {
        if (HugeZeroPfn < 0)
        {
            int pfn = Phys.Alloc(9, Gfp.Comp | Gfp.Zero);
            if (pfn < 0)
            {
                return -1;
            }
            Phys.Frame(pfn).Flags |= PageFlags.Uptodate;
            HugeZeroPfn = pfn;
        }
        return HugeZeroPfn;
    }

    /// <summary>The frame behind page index of a special mapping (the vDSO image), allocated once; -1 on OOM.</summary>
    internal int SpecialFrame(string name, ulong index)
    {
        if (!_specialFrames.TryGetValue((name, index), out int pfn))
        {
            pfn = Phys.Alloc(0, Gfp.Zero);
            if (pfn < 0)
            {
                return -1;
            }
            Phys.Frame(pfn).Flags |= PageFlags.Uptodate;
            _specialFrames[(name, index)] = pfn;
        }
        return pfn;
    }


    /// <summary>The vDSO image frames the machine holds (one reference each), for the validator.</summary>
    internal IEnumerable<int> SpecialFramePfns => _specialFrames.Values;

    /// <summary>compound_head(): the first frame of the folio a frame belongs to (user folios are order 0 or 9).</summary>
    internal int FolioHead(int pfn)
    {
        // Only order-0 pages and heads are ever marked uptodate: such a frame is its own head,
        // and the (often cold) frame 512-aligned below it need not be read.
        if ((Phys.Frame(pfn).Flags & PageFlags.Uptodate) != 0)
        {
            return pfn;
        }
        int head = pfn & ~511;
        if (head != pfn && (Phys.Frame(head).Flags & PageFlags.Head) != 0 && Phys.Frame(head + 1).Index == 9)
        {
            return head;
        }
        return pfn;
    }

    /// <summary>folio_test_large() for a head frame.</summary>
    internal bool IsLarge(int head) => (Phys.Frame(head).Flags & PageFlags.Head) != 0;

    /// <summary>
    /// folio->_entire_mapcount of an order-9 folio, kept in the first tail frame's otherwise
    /// unused list link (both start at -1: not mapped by any PMD).
    /// </summary>
    internal int EntireMapcount(int head) => Phys.Frame(head + 1).Prev;

    /// <summary>Sets an order-9 folio's _entire_mapcount (0: mapped by one PMD).</summary>
    internal void SetEntireMapcount(int head, int value) => Phys.Frame(head + 1).Prev = value;

    /// <summary>Adds to an order-9 folio's _entire_mapcount.</summary>
    internal void AddEntireMapcount(int head, int delta) => Phys.Frame(head + 1).Prev += delta;
}
