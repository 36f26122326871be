using System.Runtime.InteropServices;

namespace Mmsim.Phys;

/// <summary>
/// A compact struct page: one per simulated 4 KiB frame, all of them in one array indexed by
/// pfn. No object references: the owner is a handle into an owner table and the list links are
/// pfns. 32 bytes a frame.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct PageFrame
{
    /// <summary>No link / no owner.</summary>
    public const int None = -1;

    /// <summary>_refcount: 0 when free (or a tail page), 1 after allocation.</summary>
    public int RefCount;

    // _mapcount, lru.prev and lru.next are stored one higher than their values so that an
    // all-zero frame is a blank one: the frame array of a large machine needs no initialising
    // pass and its untouched part stays unbacked host memory. Declared in layout order (32 bytes).
    private int _mapCountPlus1;

    /// <summary>_mapcount as the kernel keeps it: -1 when no page table maps the frame.</summary>
    public int MapCount
    {
        readonly get => _mapCountPlus1 - 1;
        set => _mapCountPlus1 = value + 1;
    }

    /// <summary>Page flags.</summary>
    public PageFlags Flags;

    /// <summary>page->mapping as an index into an owner table (0: no owner).</summary>
    public int Owner;

    /// <summary>page->index (pgoff) while allocated; page_private() = the buddy order while free.</summary>
    public long Index;

    private int _prevPlus1;
    private int _nextPlus1;

    /// <summary>lru.prev / buddy_list.prev as a pfn, or <see cref="None"/>.</summary>
    public int Prev
    {
        readonly get => _prevPlus1 - 1;
        set => _prevPlus1 = value + 1;
    }

    /// <summary>lru.next / buddy_list.next as a pfn, or <see cref="None"/>.</summary>
    public int Next
    {
        readonly get => _nextPlus1 - 1;
        set => _nextPlus1 = value + 1;
    }

    /// <summary>PageBuddy().</summary>
    public readonly bool IsBuddy => (Flags & PageFlags.Buddy) != 0;

    /// <summary>buddy_order(): the order of the free block this frame heads (valid when IsBuddy).</summary>
    public readonly int BuddyOrder => (int)Index;

    /// <summary>page_mapcount(): _mapcount + 1.</summary>
    public readonly int MappedCount => MapCount + 1;

    /// <summary>The state of a frame nobody uses: no refs, unmapped, no flags, unlinked.</summary>
    public static PageFrame Blank => default;
}
