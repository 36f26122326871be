using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Process;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// The page-table walk the first seed describes (10/10/12: i386's two levels) and the one x86-64
/// makes (9/9/9/9/12: four levels), each with the TLB missing, the page fault, and the TLB hitting.
/// </summary>
internal sealed class PageWalkStep : DemoStep
{
    /// <summary>The address walked with 2-level paging.</summary>
    public const ulong TwoLevelVa = 0x0804b123;

    /// <summary>The address walked with 4-level paging.</summary>
    public const ulong FourLevelVa = 0x7f0012345abc;

    public override string Id => "page-walk";

    public override string Title => "Page tables: the 10/10/12 walk and the x86-64 4-level walk, with the TLB";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Series4, "A process cannot operate the physical address of the memory, whether it is a kernel thread or a user process. Processes can only operate on linear addresses. Therefore, the kernel needs to maintain a page table for each process for address ing. In Linux, a three-level page table is generally used. The top-level page table is a global page Directory (PGD) with 10 characters in length, and the second-level page table has 10 characters in length, the last level of page table is also called 12 characters in the page offset length."),
        new(Seed.Series4, "In the process of execution, since each memory access will access the page table, in order to improve the linear address resolution efficiency, most architectures implement the block table TLB cache, retained the ing between process linear addresses and physical addresses. In general, to resolve a linear address, you can access TLB first, and then access the process page table after adding TLB to make it invalid."),
        new(Seed.Luodw, LuodwText.L18, "a linear address becomes a physical one through the page tables; each process's memory descriptor keeps its page-table pointer pgd, and each virtual page corresponds to one entry of the page table"),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "10 + 10 + 12 bits is two levels, not three: the i386 layout without PAE (a 1024-entry page directory, 1024-entry page tables, 4 KiB pages). Linux 6.18's generic code has five levels (pgd, p4d, pud, pmd, pte) and folds the ones an architecture lacks. x86-64 walks four (9 + 9 + 9 + 9 bits + 12, 48-bit addresses, P4D folded) or, with LA57, five (57-bit).",
        "\"Bits\", not \"characters\"; and a TLB miss does not invalidate anything: the MMU walks the tables and fills the TLB (x86 has an L1 dTLB/iTLB and a shared second-level STLB). The kernel invalidates entries when it changes the tables (flush_tlb_mm_range(), INVLPG, PCID-tagged entries survive a CR3 switch).",
    ];

    public override PictureKind Picture => PictureKind.Walk;

    public override void Run(DemoScene scene, TextWriter o)
    {
        o.WriteLine("  i386 without PAE (the seed's 10/10/12): a 2-level walk");
        Walk(PagingMode.TwoLevel, TwoLevelVa, "two", scene, o);
        o.WriteLine();
        o.WriteLine("  x86-64 (what Linux 6.18 runs here): a 4-level walk");
        Walk(PagingMode.FourLevel, FourLevelVa, "four", scene, o);
    }

    private static void Walk(PagingMode mode, ulong va, string key, DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel(mode);
        Task t = k.CreateInitTask(100);
        k.Run(t);
        MmStruct mm = t.Mm!;
        ulong page = Page.AlignDown(va);
        DemoKit.Checked(mm.Mmap(page, Page.Size, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, null, 0), "mmap");
        PagingGeometry g = k.Paging!.Geometry;
        var parts = new List<string>();
        for (int l = 0; l < g.Levels; l++)
        {
            string name = g.LevelKinds[l].ToString().ToUpperInvariant();
            int hi = g.Shifts[l] + g.Bits[l] - 1;
            parts.Add($"{name} bits {hi}..{g.Shifts[l]} = 0x{g.Index(l, va):x}");
            scene.Figures[$"{key}.index{l}"] = g.Index(l, va);
        }
        parts.Add($"offset bits 11..0 = 0x{va & Page.OffsetMask:x}");
        o.WriteLine($"    address 0x{va:x}: | {string.Join(" | ", parts)} |");
        o.WriteLine($"    mmap(0x{page:x}, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0): nothing mapped yet");
        TranslateExplain first = k.Explain(t, va, AccessKind.Write);
        o.WriteLine("    first write: the TLB misses, the walk stops at an empty entry, #PF, do_anonymous_page(), the walk again:");
        Indent(first, o);
        TranslateExplain again = k.Explain(t, va, AccessKind.Read);
        o.WriteLine("    second access: the TLB hits, no walk:");
        Indent(again, o);
        k.Validate();
        scene.Kernel = k;
        scene.Pid = t.Pid;
        scene.Address = va;
        scene.Figures[$"{key}.levels"] = g.Levels;
        scene.Figures[$"{key}.first.walks"] = first.Walks;
        scene.Figures[$"{key}.first.refs"] = first.MemoryRefs;
        scene.Figures[$"{key}.first.faults"] = first.PageFaults;
        scene.Figures[$"{key}.first.levels_after"] = first.WalkAfterFault.Count;
        scene.Figures[$"{key}.first.hit"] = (long)first.Hit;
        scene.Figures[$"{key}.second.hit"] = (long)again.Hit;
        scene.Figures[$"{key}.second.refs"] = again.MemoryRefs;
        scene.Figures[$"{key}.pa"] = (long)again.PhysAddr;
    }

    private static void Indent(TranslateExplain e, TextWriter o)
    {
        foreach (string line in e.ToString().Split('\n'))
        {
            o.WriteLine("      " + line);
        }
    }
}
