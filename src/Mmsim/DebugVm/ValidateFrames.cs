using Mmsim.Fault;
using Mmsim.Phys;

namespace Mmsim.DebugVm;

/// <summary>The frame and buddy-allocator half of the validator (after check_new_page(), free_pages_check() and the free-area books of mm/page_alloc.c).</summary>
public static partial class ValidateMachine
{
    /// <summary>
    /// The free lists of every zone: links both ways, each block headed by a PageBuddy frame of
    /// the list's order, aligned to it and inside the zone, listed once; nr_free per order and
    /// the zone's free pages equal to the lists; no two free buddies left unmerged. Returns the
    /// listed blocks (head pfn → order).
    /// </summary>
    private static Dictionary<int, int> CheckBuddy(PhysMem phys, List<VmViolation> found)
    {
        var listed = new Dictionary<int, int>();
        foreach (Zone zone in phys.Zones)
        {
            long pages = 0;
            for (int order = 0; order <= PhysMem.MaxPageOrder; order++)
            {
                pages += CheckFreeList(phys, zone, order, listed, found) << order;
            }
            if (pages != zone.FreePages)
            {
                found.Add(new(VmInvariant.BuddyList, $"zone {zone.Name}: NR_FREE_PAGES {zone.FreePages} but the free lists hold {pages} pages"));
            }
        }
        foreach ((int pfn, int order) in listed)
        {
            int buddy = pfn ^ (1 << order);
            if (order < PhysMem.MaxPageOrder && pfn < buddy && listed.TryGetValue(buddy, out int bo) && bo == order
                && phys.ZoneOf(pfn) == phys.ZoneOf(buddy))
            {
                found.Add(new(VmInvariant.BuddyList, $"free buddies pfn {pfn} and {buddy} of order {order} were not merged"));
            }
        }
        return listed;
    }

    /// <summary>Walks one free list; returns the blocks on it.</summary>
    private static long CheckFreeList(PhysMem phys, Zone zone, int order, Dictionary<int, int> listed, List<VmViolation> found)
    {
        long n = 0;
        int prev = PageFrame.None;
        string list = $"zone {zone.Name} order {order}";
        for (int pfn = zone.FirstFree(order); pfn != PageFrame.None; pfn = phys.Frame(pfn).Next)
        {
            if (!zone.Spans(pfn) || n > zone.SpannedPages)
            {
                found.Add(new(VmInvariant.BuddyList, $"{list}: pfn {pfn} on the free list is outside the zone (or the list loops)"));
                return n;
            }
            ref PageFrame f = ref phys.Frame(pfn);
            if (f.Prev != prev)
            {
                found.Add(new(VmInvariant.BuddyList, $"{list}: pfn {pfn} links back to {f.Prev}, expected {prev}"));
            }
            if (!f.IsBuddy || f.BuddyOrder != order)
            {
                found.Add(new(VmInvariant.BuddyList, $"{list}: pfn {pfn} on the list has PageBuddy {f.IsBuddy} order {f.BuddyOrder}, expected a free block of order {order}"));
            }
            if ((pfn & ((1 << order) - 1)) != 0 || pfn + (1 << order) > zone.EndPfn)
            {
                found.Add(new(VmInvariant.BuddyList, $"{list}: block at pfn {pfn} is not aligned to its order or crosses the zone's end {zone.EndPfn}"));
            }
            if (!listed.TryAdd(pfn, order))
            {
                found.Add(new(VmInvariant.BuddyList, $"{list}: pfn {pfn} is listed twice (also at order {listed[pfn]})"));
            }
            prev = pfn;
            n++;
        }
        if (n != zone.NrFree(order))
        {
            found.Add(new(VmInvariant.BuddyList, $"{list}: nr_free {zone.NrFree(order)} but {n} blocks on the list"));
        }
        return n;
    }

    /// <summary>
    /// One pass over the frame array, block by block: free blocks (collected into free, checked
    /// against the lists), reserved frames, slab pages, page tables, folios and single pages, each
    /// against its users; a frame neither free nor held by anything is a leak.
    /// </summary>
    private static void ScanFrames(PagingMachine machine, Dictionary<int, int> listed, FrameUse use, PfnCounts cache, HashSet<int> held,
        List<(int Start, int End)> free, List<VmViolation> found)
    {
        PhysMem phys = machine.Phys;
        int seenListed = 0;
        int pfn = 0;
        while (pfn < phys.TotalFrames)
        {
            ref PageFrame f = ref phys.Frame(pfn);
            if (f.IsBuddy)
            {
                int order = Math.Clamp(f.BuddyOrder, 0, PhysMem.MaxPageOrder);
                if (listed.ContainsKey(pfn))
                {
                    seenListed++;
                }
                else
                {
                    found.Add(new(VmInvariant.BuddyList, $"pfn {pfn} is PageBuddy (order {f.BuddyOrder}) but on no free list"));
                }
                free.Add((pfn, Math.Min(pfn + (1 << order), phys.TotalFrames)));
                pfn += 1 << order;
                continue;
            }
            pfn += CheckAllocated(machine, pfn, use, cache, held, found);
        }
        CheckKernelFramesUnused(machine, use, found);
        if (seenListed != listed.Count)
        {
            found.Add(new(VmInvariant.BuddyList, $"{listed.Count} blocks on the free lists but {seenListed} found heading free blocks: free blocks overlap"));
        }
    }

    /// <summary>Checks the frame (or folio) at pfn, which is not free; returns the frames it spans.</summary>
    private static int CheckAllocated(PagingMachine machine, int pfn, FrameUse use, PfnCounts cache, HashSet<int> held, List<VmViolation> found)
    {
        PhysMem phys = machine.Phys;
        ref PageFrame f = ref phys.Frame(pfn);
        int span = 1;
        if ((f.Flags & PageFlags.Head) != 0 && pfn + 1 < phys.TotalFrames)
        {
            span = 1 << Math.Clamp((int)phys.Frame(pfn + 1).Index, 1, PhysMem.MaxPageOrder);
        }
        if ((f.Flags & (PageFlags.Reserved | PageFlags.Slab)) != 0 || pfn == machine.HugeZeroPfn)
        {
            // Mapped or used as a table by mistake: see CheckKernelFramesUnused (a lookup per
            // reserved frame would cost more than the rest of the scan on a large machine).
            return span;
        }
        if ((f.Flags & PageFlags.PageTable) != 0)
        {
            CheckTableFrame(pfn, ref f, use, found);
            return span;
        }
        if (span > 1)
        {
            CheckFolio(machine, pfn, span, use, found);
            return span;
        }
        int maps = use.PteMaps.Get(pfn);
        if (f.MappedCount != maps)
        {
            found.Add(new(VmInvariant.FrameMapcount, $"pfn {pfn}: mapcount {f.MappedCount}, expected {maps} (the PTEs mapping it)"));
        }
        bool cached = cache.Get(pfn) > 0;
        bool owned = cached || (held.Count > 0 && held.Contains(pfn));
        int expected = maps + (owned ? 1 : 0);
        if (expected == 0)
        {
            found.Add(new(VmInvariant.Leak, $"pfn {pfn} (refcount {f.RefCount}, flags {f.Flags}) is not free, yet nothing maps, caches or holds it"));
        }
        else if (f.RefCount != expected)
        {
            string by = owned ? (cached ? " + the page cache's" : " + the vDSO's") : "";
            found.Add(new(VmInvariant.FrameRefcount, $"pfn {pfn}: refcount {f.RefCount}, expected {expected} ({maps} PTEs{by})"));
        }
        return 1;
    }

    /// <summary>A page-table frame: reachable from exactly one place in a live mm, refcount 1, mapped by nothing.</summary>
    private static void CheckTableFrame(int pfn, ref PageFrame f, FrameUse use, List<VmViolation> found)
    {
        int holders = use.Tables.GetValueOrDefault(pfn);
        if (holders == 0)
        {
            found.Add(new(VmInvariant.Leak, $"page-table pfn {pfn} is allocated but no live mm reaches it"));
        }
        else if (holders > 1)
        {
            found.Add(new(VmInvariant.PgtableCount, $"page-table pfn {pfn} is reached from {holders} places, expected 1"));
        }
        if (f.RefCount != 1)
        {
            found.Add(new(VmInvariant.FrameRefcount, $"page-table pfn {pfn}: refcount {f.RefCount}, expected 1"));
        }
        NotMapped(pfn, use, found, "a page table");
    }

    /// <summary>An order-9 folio: each page's mapcount, the entire mapcount, and the head's refcount (one per mapping).</summary>
    private static void CheckFolio(PagingMachine machine, int head, int span, FrameUse use, List<VmViolation> found)
    {
        PhysMem phys = machine.Phys;
        int entire = use.PmdMaps.GetValueOrDefault(head);
        if (machine.EntireMapcount(head) + 1 != entire)
        {
            found.Add(new(VmInvariant.FrameMapcount, $"folio {head}: entire mapcount {machine.EntireMapcount(head) + 1}, expected {entire} (the PMDs mapping it)"));
        }
        int expected = entire;
        for (int i = 0; i < span; i++)
        {
            int maps = use.PteMaps.Get(head + i);
            if (phys.Frame(head + i).MappedCount != maps)
            {
                found.Add(new(VmInvariant.FrameMapcount, $"pfn {head + i} of folio {head}: mapcount {phys.Frame(head + i).MappedCount}, expected {maps} (the PTEs mapping it)"));
            }
            expected += maps;
        }
        int rc = phys.Frame(head).RefCount;
        if (expected == 0)
        {
            found.Add(new(VmInvariant.Leak, $"folio {head} (refcount {rc}) is not free, yet nothing maps it"));
        }
        else if (rc != expected)
        {
            found.Add(new(VmInvariant.FrameRefcount, $"folio {head}: refcount {rc}, expected {expected} (its PMD and PTE maps)"));
        }
    }

    private static void NotMapped(int pfn, FrameUse use, List<VmViolation> found, string what)
    {
        if (use.PteMaps.Get(pfn) is int maps and > 0)
        {
            found.Add(new(VmInvariant.FrameMapcount, $"pfn {pfn} is {what} but {maps} PTEs map it as a page, expected none"));
        }
    }

    /// <summary>
    /// No counted mapping and no page table uses a reserved frame (the zero page, boot memory),
    /// a slab page or the huge zero folio: those are mapped only by special entries, if at all.
    /// </summary>
    private static void CheckKernelFramesUnused(PagingMachine machine, FrameUse use, List<VmViolation> found)
    {
        foreach (int pfn in use.PteMaps.Pfns)
        {
            int maps = use.PteMaps.Get(pfn);
            if (KernelFrame(machine, pfn) is { } what)
            {
                found.Add(new(VmInvariant.FrameMapcount, $"pfn {pfn} is {what} but {maps} PTEs map it as a page, expected none"));
            }
        }
        foreach (int pfn in use.Tables.Keys)
        {
            if (KernelFrame(machine, pfn) is { } what)
            {
                found.Add(new(VmInvariant.PgtableCount, $"pfn {pfn} is {what} but is used as a page table"));
            }
        }
    }

    /// <summary>What kernel-owned frame pfn is (reserved, a slab page, the huge zero folio), or null.</summary>
    private static string? KernelFrame(PagingMachine machine, int pfn)
    {
        if ((uint)pfn >= (uint)machine.Phys.TotalFrames)
        {
            return "beyond max_pfn";
        }
        PageFlags flags = machine.Phys.Frame(pfn).Flags;
        int head = pfn & ~511;
        return (flags & PageFlags.Reserved) != 0 ? "reserved"
            : (flags & PageFlags.Slab) != 0 ? "a slab page"
            : machine.HugeZeroPfn >= 0 && head == machine.HugeZeroPfn ? "part of the huge zero folio"
            : null;
    }
}
