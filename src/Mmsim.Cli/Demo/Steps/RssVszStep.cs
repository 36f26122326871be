using System.Text;
using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Proc;
using Mmsim.Process;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// The second seed's five-page VMA with three pages present: RSS 12 KiB, VSZ 20 KiB, the Present
/// bits of the five PTEs, and the page fault an access to an absent page takes.
/// </summary>
internal sealed class RssVszStep : DemoStep
{
    /// <summary>Where the five pages are mapped.</summary>
    public const ulong Base = 0x10000000;

    public override string Id => "rss-vsz";

    public override string Title => "A five-page area with three pages present: RSS 12 KiB, VSZ 20 KiB";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Luodw, LuodwText.L19, "virtual memory stores nothing, it maps the address space to physical memory, which the buddy system allocates; a new frame is anonymous (process data) or page cache (file data); an area is contiguous virtual pages whose frames need not be contiguous"),
        new(Seed.Luodw, LuodwText.L21, "three pages are mapped, two are not, so RSS is 12 kB and the virtual size 20 kB; the three PTEs have Present = 1, the other two have it clear, and an access to them takes a page fault"),
        new(Seed.Luodw, LuodwText.L22, "a VMA is a contract between the program and the kernel: a request updates the virtual memory at once, physical memory is mapped only when an access faults on a PTE whose Present bit is clear; VMAs and PTEs matter for faults, freeing and swap-out"),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "Right. Two details: a PTE that was never used is entirely zero (pte_none), while one whose page went to swap is not present but holds the swap entry; and a read fault on private anonymous memory maps the shared zero page (read-only, not counted in RSS) until the first write.",
    ];

    public override PictureKind Picture => PictureKind.VmaPages;

    public override void Run(DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel();
        Task t = k.CreateInitTask(100);
        k.Run(t);
        MmStruct mm = t.Mm!;
        DemoKit.Checked(mm.Mmap(Base, 5 * Page.Size, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, null, 0), "mmap");
        foreach (int i in (int[])[0, 2, 3])
        {
            k.Access(t, Base + ((ulong)i * Page.Size), AccessKind.Write);
        }
        k.Validate();
        o.WriteLine($"  A process whose only area is 5 pages of private anonymous memory at 0x{Base:x}; it wrote pages 0, 2 and 3:");
        o.WriteLine();
        PrintPages(mm, o);
        o.WriteLine();
        RssStat rss = RssStat.Of(mm);
        var sb = new StringBuilder();
        ProcStatus.AppendTaskMem(sb, mm, rss);
        o.WriteLine("  /proc/100/status says (VmSize is VSZ, VmRSS is RSS):");
        foreach (string line in sb.ToString().Split('\n'))
        {
            if (line.StartsWith("VmSize", StringComparison.Ordinal) || line.StartsWith("VmRSS", StringComparison.Ordinal) || line.StartsWith("RssAnon", StringComparison.Ordinal))
            {
                o.WriteLine("    " + line.Replace('\t', ' '));
            }
        }
        scene.Figures["vsz_kib"] = (long)(Page.Bytes(mm.TotalVm) >> 10);
        scene.Figures["rss_kib"] = (long)(rss.Rss * 4);
        scene.Figures["present"] = (long)rss.Rss;
        // The seed's picture is this moment: three of five pages present.
        scene.Picture = (Mmsim.Pictures.VmaPagesPicture.Render(mm, mm.Vmas.Find(Base)!, $"{t.Comm} (pid {t.Pid}), three of five pages present"),
            "the five pages against their frames: RSS 12 KiB, VSZ 20 KiB");
        o.WriteLine();
        ulong absent = Base + Page.Size;
        TranslateExplain e = k.Explain(t, absent + 0x10, AccessKind.Write);
        k.Validate();
        o.WriteLine($"  Now a write to page 1 (0x{absent + 0x10:x}), whose PTE has Present = 0:");
        o.WriteLine($"    {e.ToString().Split('\n')[0]}");
        o.WriteLine($"    → a minor fault; page 1 is now {DemoKit.DescribePte(DemoKit.Pte(mm, absent))}; RSS {RssStat.Of(mm).Rss * 4} KiB, VSZ still {Page.Bytes(mm.TotalVm) >> 10} KiB");
        scene.Figures["fault.faults"] = e.PageFaults;
        scene.Figures["fault.minor"] = e.MinorFaults;
        scene.Figures["after.rss_kib"] = (long)(RssStat.Of(mm).Rss * 4);
        scene.Kernel = k;
        scene.Pid = t.Pid;
        scene.Address = Base;
    }

    /// <summary>The five pages as the seed's figure draws them: the virtual page, its PTE, the frame.</summary>
    private static void PrintPages(MmStruct mm, TextWriter o)
    {
        o.WriteLine("    virtual page        PTE                                   physical frame");
        for (int i = 0; i < 5; i++)
        {
            ulong va = Base + ((ulong)i * Page.Size);
            ulong e = DemoKit.Pte(mm, va);
            string frame = Pgtable.PgtableTypes.IsPresent(e) ? $"──► frame 0x{Pgtable.PgtableTypes.EntryPfn(e):x}" : "    (none: a fault on access)";
            o.WriteLine($"    [{i}] 0x{va:x}   {DemoKit.DescribePte(e),-36}  {frame}");
        }
    }
}
