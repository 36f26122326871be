using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Process;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// The second seed's four steps: a heap of 8 KiB, all present; brk() grows it by a page that is
/// not; an access faults; the buddy allocator hands out a frame (order, zone, PFN) that is mapped
/// with Present set.
/// </summary>
internal sealed class BrkFaultStep : DemoStep
{
    public override string Id => "brk-fault";

    public override string Title => "brk grows the heap; a page fault brings in a frame from the buddy allocator";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Luodw, LuodwText.L24, "at first the heap has 8 kB, all mapped to physical memory"),
        new(Seed.Luodw, LuodwText.L25, "brk() extends the heap; the new page is not mapped"),
        new(Seed.Luodw, LuodwText.L26, "the processor accesses an address in the new page: a page fault"),
        new(Seed.Luodw, LuodwText.L27, "the process gets a page from the buddy system, maps it, adds the PTE and sets Present"),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "Right, with the kernel doing step 4, not the process: do_anonymous_page() allocates a zeroed order-0 folio (GFP_HIGHUSER_MOVABLE: zone Normal first, then DMA32, DMA), charges it, sets the PTE and counts MM_ANONPAGES. The real allocator serves order-0 requests from per-CPU lists (pcp) refilled in batches from the buddy free lists; the model takes the page from the free lists directly, splitting the smallest free block that fits.",
    ];

    public override PictureKind Picture => PictureKind.Buddy;

    public override void Run(DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel();
        Task t = DemoKit.ExecGonzo(k, 100);
        MmStruct mm = t.Mm!;
        ulong heap = mm.StartBrk;

        DemoKit.Checked(mm.SysBrk(heap + 0x2000) - (long)(heap + 0x2000), "brk");
        k.Access(t, heap, AccessKind.Write);
        k.Access(t, heap + Page.Size, AccessKind.Write);
        k.Validate();
        o.WriteLine($"  1. brk(0x{heap + 0x2000:x}): the heap is 8 KiB, and gonzo wrote both pages:");
        PrintHeap(mm, heap, 2, o);
        scene.Figures["step1.heap_kib"] = (long)(HeapVma(mm).Length >> 10);

        DemoKit.Checked(mm.SysBrk(heap + 0x3000) - (long)(heap + 0x3000), "brk");
        k.Validate();
        o.WriteLine($"  2. brk(0x{heap + 0x3000:x}): do_brk_flags() extends the same VMA; the new page has no PTE:");
        PrintHeap(mm, heap, 3, o);
        scene.Figures["step2.heap_kib"] = (long)(HeapVma(mm).Length >> 10);
        scene.Figures["step2.map_count"] = mm.MapCount;

        PhysMem phys = k.Paging!.Phys;
        long[][] before = FreeCounts(phys);
        ulong va = heap + 0x2000 + 0x40;
        TranslateExplain e = k.Explain(t, va, AccessKind.Write);
        k.Validate();
        o.WriteLine($"  3. gonzo writes 0x{va:x}: the TLB misses, the walk finds PTE Present = 0, #PF:");
        o.WriteLine($"       {e.ToString().Split('\n')[0]}");
        ulong pte = DemoKit.Pte(mm, va);
        int pfn = (int)Pgtable.PgtableTypes.EntryPfn(pte);
        Zone zone = phys.ZoneOf(pfn);
        o.WriteLine($"  4. do_anonymous_page() asked the buddy allocator for one page (order 0) and got PFN 0x{pfn:x}");
        o.WriteLine($"     (physical 0x{(ulong)pfn << Page.Shift:x}) from zone {zone.Name}; the PTE is now {DemoKit.DescribePte(pte)}:");
        PrintHeap(mm, heap, 3, o);
        int split = -1;
        o.WriteLine($"     zone {zone.Name}'s free blocks per order, before and after:");
        o.WriteLine($"       order   {string.Join(" ", Enumerable.Range(0, PhysMem.NrPageOrders).Select(i => $"{i,6}"))}");
        long[] b = before[(int)zone.Type];
        long[] a = FreeCounts(phys)[(int)zone.Type];
        o.WriteLine($"       before  {string.Join(" ", b.Select(x => $"{x,6}"))}");
        o.WriteLine($"       after   {string.Join(" ", a.Select(x => $"{x,6}"))}");
        for (int i = PhysMem.MaxPageOrder; i >= 0; i--)
        {
            if (a[i] < b[i])
            {
                split = i;
                break;
            }
        }
        o.WriteLine(split > 0
            ? $"     no free order-0 page, so an order-{split} block was split: one half kept at each order below, one page handed out"
            : "     an order-0 free page was taken as it was");
        scene.Figures["fault.faults"] = e.PageFaults;
        scene.Figures["fault.minor"] = e.MinorFaults;
        scene.Figures["frame.pfn"] = pfn;
        scene.Figures["frame.order"] = 0;
        scene.Figures["frame.zone"] = (long)zone.Type;
        scene.Figures["frame.split_order"] = split;
        scene.Figures["frame.refcount"] = phys.Frame(pfn).RefCount;
        scene.Figures["rss_kib"] = mm.Paging!.Rss * 4;
        scene.Kernel = k;
        scene.Pid = t.Pid;
        scene.Address = va;
    }

    private static Vma HeapVma(MmStruct mm) => mm.Vmas.Lookup(mm.StartBrk)!;

    private static void PrintHeap(MmStruct mm, ulong heap, int pages, TextWriter o)
    {
        Vma v = HeapVma(mm);
        o.WriteLine($"       [heap] VMA {v.Start:x}-{v.End:x} ({v.Length >> 10} KiB), start_brk 0x{mm.StartBrk:x}, brk 0x{mm.Brk:x}");
        for (int i = 0; i < pages; i++)
        {
            ulong va = heap + ((ulong)i * Page.Size);
            o.WriteLine($"         page 0x{va:x}: PTE {DemoKit.DescribePte(DemoKit.Pte(mm, va))}");
        }
    }

    private static long[][] FreeCounts(PhysMem phys)
    {
        var all = new long[PhysMem.NrZones][];
        foreach (Zone z in phys.Zones)
        {
            long[] c = new long[PhysMem.NrPageOrders];
            for (int i = 0; i < c.Length; i++)
            {
                c[i] = z.NrFree(i);
            }
            all[(int)z.Type] = c;
        }
        return all;
    }
}
