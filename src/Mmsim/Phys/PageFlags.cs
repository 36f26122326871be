namespace Mmsim.Phys;

/// <summary>
/// The meaningful subset of the kernel's page flags (include/linux/page-flags.h), plus Buddy,
/// which the kernel keeps as a page type rather than a flag: the frame is free in the allocator.
/// </summary>
[Flags]
public enum PageFlags : uint
{
    None = 0,
    Locked = 1u << 0,
    Referenced = 1u << 1,
    Uptodate = 1u << 2,
    Dirty = 1u << 3,
    LRU = 1u << 4,
    Active = 1u << 5,
    Workingset = 1u << 6,
    Slab = 1u << 7,
    Reserved = 1u << 8,
    Private = 1u << 9,
    Writeback = 1u << 10,
    /// <summary>PG_head: the first frame of a compound page (folio of order &gt; 0).</summary>
    Head = 1u << 11,
    Reclaim = 1u << 12,
    SwapBacked = 1u << 13,
    Unevictable = 1u << 14,
    Mlocked = 1u << 15,
    SwapCache = 1u << 16,
    /// <summary>PageAnon(): the mapping is an anon_vma (the kernel's PAGE_MAPPING_ANON bit).</summary>
    Anon = 1u << 17,
    /// <summary>PageBuddy(): free, the first frame of a block on a free list; order in Index.</summary>
    Buddy = 1u << 18,
    /// <summary>PageTable(): the frame holds a page table (its contents live in the table store; Index = the block).</summary>
    PageTable = 1u << 19,
    /// <summary>PG_anon_exclusive: an anonymous page only this mapping may use (copy-on-write may reuse it).</summary>
    AnonExclusive = 1u << 20,
}
