using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Mmsim.Phys;

/// <summary>The buddy allocator proper: allocation with zone fallback, splitting and coalescing.</summary>
public sealed partial class PhysMem
{
    /// <summary>
    /// __alloc_pages(): a block of 2^order frames from the highest zone the gfp bits allow, falling
    /// back Normal → DMA32 → DMA (the zonelist). A zone is used only while its free pages stay above
    /// its min watermark plus the lowmem reserve against the allocation's highest zone
    /// (zone_watermark_ok() with ALLOC_WMARK_MIN), unless <see cref="Gfp.NoWatermarks"/>.
    /// Returns the first pfn, refcount 1, or -1.
    /// </summary>
    public int Alloc(int order, Gfp gfp = Gfp.None)
    {
        if ((uint)order > MaxPageOrder)
        {
            AllocFailures++;
            return -1;
        }
        int highest = (gfp & Gfp.Dma) != 0 ? 0 : (gfp & Gfp.Dma32) != 0 ? 1 : 2;
        for (int z = highest; z >= 0; z--)
        {
            Zone zone = _zones[z];
            if (!zone.IsPopulated)
            {
                continue;
            }
            if ((gfp & Gfp.NoWatermarks) == 0 && !WatermarkOk(zone, order, zone.WatermarkMin, highest))
            {
                continue;
            }
            int pfn = RmqueueSmallest(zone, order);
            if (pfn >= 0)
            {
                PrepNewPage(pfn, order, gfp);
                Allocations++;
                zone.PagesAllocated += 1L << order;
                return pfn;
            }
        }
        AllocFailures++;
        return -1;
    }

    /// <summary>alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_ZERO): one zeroed frame, or -1.</summary>
    public int AllocPage() => Alloc(0, Gfp.Zero);

    /// <summary>get_page(): takes a reference on an allocated frame.</summary>
    public void GetPage(int pfn)
    {
        ref PageFrame f = ref CheckedFrame(pfn, nameof(GetPage));
        if (f.RefCount <= 0)
        {
            BadRefcount("get_page", pfn, f.RefCount);
        }
        f.RefCount++;
    }

    /// <summary>put_page(): drops a reference; the last one frees the frame (a compound page
    /// frees its whole order). Returns true when the frame went back to the allocator.</summary>
    public bool PutPage(int pfn)
    {
        ref PageFrame f = ref CheckedFrame(pfn, nameof(PutPage));
        if (f.RefCount <= 0 || f.IsBuddy)
        {
            BadRefcount("put_page", pfn, f.RefCount);
        }
        if (--f.RefCount > 0)
        {
            return false;
        }
        int order = (f.Flags & PageFlags.Head) != 0 ? (int)_frames[pfn + 1].Index : 0;
        Free(pfn, order);
        return true;
    }

    /// <summary>
    /// __free_pages(): gives a block of 2^order frames back (regardless of its refcount), merging
    /// with its buddy while the buddy is free with the same order (__free_one_page()).
    /// </summary>
    public void Free(int pfn, int order)
    {
        ref PageFrame f = ref CheckedFrame(pfn, nameof(Free));
        if ((uint)order > MaxPageOrder || (pfn & ((1 << order) - 1)) != 0 || pfn + (1 << order) > TotalFrames)
        {
            throw new ModelBugException($"free_pages: bad block pfn {pfn} order {order}");
        }
        if (f.IsBuddy || (f.Flags & PageFlags.Reserved) != 0)
        {
            throw new ModelBugException($"free_pages: pfn {pfn} is {(f.IsBuddy ? "already free" : "reserved")}");
        }
        if ((f.Flags & PageFlags.Head) != 0 && order > 0)
        {
            _frames[pfn + 1].Index = 0;
        }
        f = PageFrame.Blank;
        for (int i = 1; i < 1 << order; i++)
        {
            ref PageFrame t = ref _frames[pfn + i];
            if (t.IsBuddy)
            {
                throw new ModelBugException($"free_pages: tail pfn {pfn + i} of pfn {pfn} order {order} is free");
            }
            t = PageFrame.Blank;
        }
        Zone zone = ZoneOf(pfn);
        if (pfn + (1 << order) > zone.EndPfn)
        {
            throw new ModelBugException($"free_pages: pfn {pfn} order {order} crosses zone {zone.Name}");
        }
        FreeOnePage(zone, pfn, order, toTail: false);
        Frees++;
        PagesFreed += 1L << order;
    }

    private ref PageFrame CheckedFrame(int pfn, string fn)
    {
        if ((uint)pfn >= (uint)TotalFrames)
        {
            BeyondMaxPfn(fn, pfn);
        }
        return ref _frames[pfn];
    }

    // The throws live out of line so that the hot refcount paths stay small enough to inline.
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void BadRefcount(string fn, int pfn, int refCount) => throw new ModelBugException($"{fn}: pfn {pfn} has refcount {refCount}");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BeyondMaxPfn(string fn, int pfn) => throw new ModelBugException($"{fn}: pfn {pfn} beyond max_pfn {TotalFrames}");

    /// <summary>__zone_watermark_ok() without highatomic/CMA: enough free pages after taking this
    /// block, and a free block of at least this order.</summary>
    private static bool WatermarkOk(Zone zone, int order, long mark, int highestZone)
    {
        long free = zone.FreePages - ((1L << order) - 1);
        if (free <= mark + zone.LowmemReserve((ZoneType)highestZone))
        {
            return false;
        }
        if (order == 0)
        {
            return true;
        }
        for (int o = order; o <= MaxPageOrder; o++)
        {
            if (zone.NrFree(o) > 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>__rmqueue_smallest(): the head of the smallest non-empty free list of at least this
    /// order, split down by expand().</summary>
    private int RmqueueSmallest(Zone zone, int order)
    {
        for (int current = order; current <= MaxPageOrder; current++)
        {
            int pfn = zone.FirstFree(current);
            if (pfn == PageFrame.None)
            {
                continue;
            }
            zone.DelFree(_frames, pfn, current);
            Expand(zone, pfn, order, current);
            return pfn;
        }
        return -1;
    }

    /// <summary>expand(): keeps the lower half at each step and puts the upper half at the head of
    /// the free list one order down.</summary>
    private void Expand(Zone zone, int pfn, int low, int high)
    {
        int size = 1 << high;
        while (high > low)
        {
            high--;
            size >>= 1;
            zone.AddFree(_frames, pfn + size, high, toTail: false);
        }
    }

    private void PrepNewPage(int pfn, int order, Gfp gfp)
    {
        ref PageFrame f = ref _frames[pfn];
        f = PageFrame.Blank;
        f.RefCount = 1;
        if (order > 0 && (gfp & Gfp.Comp) != 0)
        {
            f.Flags = PageFlags.Head;
            // The folio order lives in the first tail page, as in the kernel.
            _frames[pfn + 1].Index = order;
        }
    }

    /// <summary>page_is_buddy(): the frame heads a free block of exactly this order in this zone.</summary>
    private bool IsBuddy(Zone zone, int buddyPfn, int order)
    {
        if (!zone.Spans(buddyPfn))
        {
            return false;
        }
        ref PageFrame b = ref _frames[buddyPfn];
        return b.IsBuddy && b.BuddyOrder == order;
    }

    /// <summary>__free_one_page(): coalesces upwards, then links the block at the tail when the
    /// next-larger block is likely to merge soon (buddy_merge_likely()) or when asked, else at the head.</summary>
    private void FreeOnePage(Zone zone, int pfn, int order, bool toTail)
    {
        int buddyPfn = 0;
        while (order < MaxPageOrder)
        {
            buddyPfn = pfn ^ (1 << order);
            if (!IsBuddy(zone, buddyPfn, order))
            {
                break;
            }
            zone.DelFree(_frames, buddyPfn, order);
            pfn &= buddyPfn;
            order++;
        }
        if (!toTail && order < MaxPageOrder - 1)
        {
            // buddy_pfn is pfn's buddy at this order: see whether the merged block's buddy is free.
            buddyPfn = pfn ^ (1 << order);
            int higher = buddyPfn & pfn;
            toTail = IsBuddy(zone, higher ^ (1 << (order + 1)), order + 1);
        }
        zone.AddFree(_frames, pfn, order, toTail);
    }
}
