using Mmsim.Fault;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Process;

namespace Mmsim.DebugVm;

/// <summary>
/// The whole-machine validator (what CONFIG_DEBUG_VM's checks would catch, run on request): every
/// live mm's VMAs and counters (<see cref="ValidateMm"/>), its page tables
/// (<see cref="MmPaging.Check"/>), every frame's reference and map counts against the mappings,
/// the page cache and the tables, and the buddy allocator's free lists. Each finding is a
/// <see cref="VmViolation"/>; nothing is thrown and nothing is changed.
/// </summary>
public static partial class ValidateMachine
{
    /// <summary>Checks the whole machine; returns every violation found (none: consistent).</summary>
    public static List<VmViolation> Check(Kernel kernel)
    {
        var found = new List<VmViolation>();
        List<MmStruct> live = kernel.LiveMms();
        foreach (MmStruct mm in live)
        {
            ValidateMm.Check(mm, found);
        }
        if (kernel.Paging is { } machine)
        {
            CheckFrames(machine, live, found);
        }
        return found;
    }

    /// <summary>
    /// After every process has exited: <see cref="Check"/>, and no page table, anonymous page or
    /// other frame is left but what the kernel holds itself (page cache, zero pages, vDSO, slab).
    /// </summary>
    public static List<VmViolation> CheckAfterExit(Kernel kernel)
    {
        List<VmViolation> found = Check(kernel);
        if (kernel.Paging is not { } m)
        {
            return found;
        }
        if (kernel.LiveMms().Count > 0)
        {
            found.Add(new(VmInvariant.Leak, $"{kernel.LiveMms().Count} address spaces still live after every process exited"));
        }
        if (m.Store.TablesInUse != 0)
        {
            found.Add(new(VmInvariant.Leak, $"{m.Store.TablesInUse} page-table frames left after every process exited, expected 0"));
        }
        long expectedFree = m.Phys.TotalManaged - m.KernelFrames - m.Cache.NrPages;
        if (m.Phys.FreePages != expectedFree)
        {
            found.Add(new(VmInvariant.Leak, $"{m.Phys.FreePages} free pages after every process exited, expected {expectedFree} (managed {m.Phys.TotalManaged} - kernel {m.KernelFrames} - page cache {m.Cache.NrPages})"));
        }
        return found;
    }

    /// <summary>
    /// The frame side over the given mms: their page tables (<see cref="MmPaging.Check"/>), then
    /// every frame's mapcount and refcount against the entries, the page cache and the tables;
    /// the buddy lists; no frame both free and used; no allocated frame nobody holds.
    /// </summary>
    public static void CheckFrames(PagingMachine machine, IEnumerable<MmStruct> mms, List<VmViolation> found)
    {
        var use = new FrameUse(machine.Phys.TotalFrames);
        foreach (MmStruct mm in mms)
        {
            mm.Paging?.Check(found, use);
        }
        var cache = new PfnCounts(machine.Phys.TotalFrames);
        CheckPageCache(machine, cache, found);
        var held = new HashSet<int>(machine.SpecialFramePfns);
        var free = new List<(int Start, int End)>();
        Dictionary<int, int> listed = CheckBuddy(machine.Phys, found);
        ScanFrames(machine, listed, use, cache, held, free, found);
        CheckNothingFreeUsed(use, cache, held, free, found);
        if (machine.Store.TablesInUse != use.Tables.Count)
        {
            found.Add(new(VmInvariant.PgtableCount, $"{machine.Store.TablesInUse} page-table frames in use machine-wide, {use.Tables.Count} reachable from the live mms"));
        }
    }

    /// <summary>Throws a <see cref="ModelBugException"/> listing the violations, if any.</summary>
    public static void ThrowIfAny(List<VmViolation> found)
    {
        if (found.Count == 0)
        {
            return;
        }
        string more = found.Count > 1 ? $" (and {found.Count - 1} more: {string.Join("; ", found.Skip(1).Take(4))})" : "";
        throw new ModelBugException($"validate: {found[0]}{more}");
    }

    /// <summary>The page cache's books: its page count, and each page's owner, flags and cache reference.</summary>
    private static void CheckPageCache(PagingMachine machine, PfnCounts cache, List<VmViolation> found)
    {
        long n = 0;
        foreach ((int owner, ulong index, int pfn) in machine.Cache.Pages())
        {
            n++;
            if ((uint)pfn >= (uint)machine.Phys.TotalFrames)
            {
                found.Add(new(VmInvariant.PageCache, $"cached pfn {pfn} (owner {owner} index {index}) is beyond max_pfn"));
                continue;
            }
            cache.Add(pfn);
            if (cache.Get(pfn) > 1)
            {
                found.Add(new(VmInvariant.PageCache, $"pfn {pfn} is cached twice (owner {owner} index {index} and another)"));
                continue;
            }
            ref PageFrame f = ref machine.Phys.Frame(pfn);
            if (f.Owner != owner || f.Index != (long)index || (f.Flags & PageFlags.Anon) != 0)
            {
                found.Add(new(VmInvariant.PageCache, $"cached pfn {pfn}: expected owner {owner} index {index} not anon, found owner {f.Owner} index {f.Index} flags {f.Flags}"));
            }
        }
        if (n != machine.Cache.NrPages)
        {
            found.Add(new(VmInvariant.PageCache, $"the page cache counts {machine.Cache.NrPages} pages but holds {n}"));
        }
    }

    /// <summary>Whether a pfn lies in one of the free blocks (sorted by start).</summary>
    private static bool InFreeBlock(List<(int Start, int End)> free, int pfn)
    {
        int lo = 0;
        int hi = free.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (pfn < free[mid].Start)
            {
                hi = mid - 1;
            }
            else if (pfn >= free[mid].End)
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>No frame inside a free block is mapped, cached, held or used as a page table.</summary>
    private static void CheckNothingFreeUsed(FrameUse use, PfnCounts cache, HashSet<int> held, List<(int Start, int End)> free, List<VmViolation> found)
    {
        foreach (int pfn in use.PteMaps.Pfns)
        {
            if (InFreeBlock(free, pfn))
            {
                found.Add(new(VmInvariant.FreeAndMapped, $"pfn {pfn} is free in the buddy allocator but {use.PteMaps.Get(pfn)} PTEs map it"));
            }
        }
        foreach (int pfn in use.PmdMaps.Keys)
        {
            if (InFreeBlock(free, pfn))
            {
                found.Add(new(VmInvariant.FreeAndMapped, $"folio {pfn} is free in the buddy allocator but {use.PmdMaps[pfn]} PMDs map it"));
            }
        }
        foreach (int pfn in use.Tables.Keys)
        {
            if (InFreeBlock(free, pfn))
            {
                found.Add(new(VmInvariant.FreeAndMapped, $"pfn {pfn} is free in the buddy allocator but is a page table in use"));
            }
        }
        foreach (int pfn in cache.Pfns)
        {
            if (InFreeBlock(free, pfn))
            {
                found.Add(new(VmInvariant.FreeAndMapped, $"pfn {pfn} is free in the buddy allocator but in the page cache"));
            }
        }
        foreach (int pfn in held)
        {
            if (InFreeBlock(free, pfn))
            {
                found.Add(new(VmInvariant.FreeAndMapped, $"pfn {pfn} is free in the buddy allocator but held as a vDSO page"));
            }
        }
    }
}
