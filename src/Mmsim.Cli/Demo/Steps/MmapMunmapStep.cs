using System.Text;
using Mmsim.Mm;
using Mmsim.Process;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>do_mmap() adding areas that merge with their neighbours, do_munmap() and mprotect splitting them.</summary>
internal sealed class MmapMunmapStep : DemoStep
{
    public override string Id => "mmap-munmap";

    public override string Title => "do_mmap and do_munmap: areas added, merged and split";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Series4, "Through the Kernel Operating Process, we can increase or decrease the memory area."),
        new(Seed.Series4, "The do_mmap () function can add a linear address space to the address space of a specified process. Its prototype is as follows: do_mmap (struct file * file, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flag, unsigned long offset) [...] The corresponding undo address space ing function do_unmmap ()."),
        new(Seed.Luodw, LuodwText.L30, "when memory is requested, a vm_area_struct is first extended or a new one allocated, but no physical memory is mapped; only an access, through a page fault, makes the kernel allocate it"),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "In Linux 6.18 the prototype is do_mmap(file, addr, len, prot, flags, vm_flags, pgoff, &populate, uf): the offset is in pages and the result says whether to populate. An adjacent area with the same flags, file (and offset), anon_vma and policy is extended instead of a new one created (vma_merge_new_range() in mm/vma.c). The undo is do_munmap() (there is no do_unmmap), today a wrapper of do_vmi_munmap(), which splits areas at the range's ends (__split_vma()) and removes what lies inside.",
    ];

    public override PictureKind Picture => PictureKind.Layout;

    public override void Run(DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel();
        Task t = DemoKit.ExecGonzo(k, 100);
        MmStruct mm = t.Mm!;
        int rw = Prot.Read | Prot.Write;
        int anon = MapFlags.Private | MapFlags.Anonymous;
        ulong a = DemoKit.Checked(mm.Mmap(0, 0x2000, rw, anon, null, 0), "mmap");
        ulong lo = a - 0x2000;
        ulong hi = a + 0x2000;
        int n = 0;
        void Show(string call, string what)
        {
            k.Validate();
            o.WriteLine($"  {call}");
            o.WriteLine($"      {Draw(mm, lo, hi)}   {what}");
            int i = 0;
            for (Vma? v = mm.Vmas.Find(lo); v is not null && v.Start < hi; v = v.Next, i++)
            {
                scene.Figures[$"s{n}.vma{i}.start"] = (long)v.Start;
                scene.Figures[$"s{n}.vma{i}.end"] = (long)v.End;
            }
            scene.Figures[$"s{n}.count"] = i;
            n++;
        }

        o.WriteLine($"  The four pages 0x{lo:x}-0x{hi:x} of gonzo's mmap area, one letter per page and one letter per VMA:");
        o.WriteLine();
        Show($"mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x{a:x}", "do_mmap: a new area");
        ulong b = DemoKit.Checked(mm.Mmap(0, 0x2000, rw, anon, null, 0), "mmap");
        Show($"mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x{b:x}", "placed just below and merged: one area of 16 KiB");
        DemoKit.Check(mm.Munmap(lo + 0x1000, 0x1000), "munmap");
        Show($"munmap(0x{lo + 0x1000:x}, 4096) = 0", "do_munmap: the area split in two around the hole");
        DemoKit.Checked(mm.Mmap(lo + 0x1000, 0x1000, rw, anon | MapFlags.Fixed, null, 0), "mmap");
        Show($"mmap(0x{lo + 0x1000:x}, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)", "fills the hole: merged with both neighbours");
        DemoKit.Check(mm.Mprotect(lo + 0x2000, 0x1000, Prot.Read), "mprotect");
        Show($"mprotect(0x{lo + 0x2000:x}, 4096, PROT_READ) = 0", "different flags in the middle: three areas");
        DemoKit.Check(mm.Mprotect(lo + 0x2000, 0x1000, rw), "mprotect");
        Show($"mprotect(0x{lo + 0x2000:x}, 4096, PROT_READ|PROT_WRITE) = 0", "the same flags again: merged back into one");
        DemoKit.Check(mm.Munmap(lo, 0x4000), "munmap");
        Show($"munmap(0x{lo:x}, 16384) = 0", "all gone");
        scene.Kernel = k;
        scene.Pid = t.Pid;
        scene.Address = lo;
    }

    /// <summary>One character per page of [lo, hi): '.' unmapped, else a letter per VMA (a, b, c...).</summary>
    private static string Draw(MmStruct mm, ulong lo, ulong hi)
    {
        var sb = new StringBuilder("|");
        var letters = new Dictionary<Vma, char>();
        for (ulong va = lo; va < hi; va += Page.Size)
        {
            Vma? v = mm.Vmas.Lookup(va);
            if (v is null)
            {
                sb.Append('.');
                continue;
            }
            if (!letters.TryGetValue(v, out char c))
            {
                c = (char)('a' + letters.Count);
                letters[v] = c;
            }
            sb.Append(c);
        }
        return sb.Append('|').ToString();
    }
}
