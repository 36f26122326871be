using Mmsim.Mm;
using Mmsim.Tlb;
using Mmsim.Process;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// The "gonzo" layout of the second seed (after Gustavo Duarte's figure): text, data, bss, heap,
/// the memory-mapping segment and the stack, each an area, with the mm_struct fields that mark them.
/// </summary>
internal sealed class GonzoStep : DemoStep
{
    public override string Id => "gonzo";

    public override string Title => "The layout of a program: /bin/gonzo";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Luodw, LuodwText.L12, "each process is a task_struct; its mm_struct (the memory descriptor) manages all its virtual memory: the start and end of each segment, the resident pages (RSS), the virtual size (VSZ), the set of areas and the page tables"),
        new(Seed.Luodw, LuodwText.L13, "a process has a text segment, a data segment (initialised globals and statics), a BSS segment (uninitialised ones), the heap, the memory-mapping segment and the stack"),
        new(Seed.Luodw, LuodwText.L16, "this is the layout of /bin/gonzo: the binary is mapped to the text and data segments, text read-only and executable; bss, heap and stack are anonymous; the mapping segment holds shared libraries, mapped files and anonymous maps; different files go to different vm_area_structs"),
        new(Seed.Luodw, LuodwText.L29, "each segment of a process's layout is one vm_area_struct of contiguous virtual addresses"),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "\"One segment, one vm_area_struct\" is only roughly true: one file may be mapped as several areas (the C library below is five: r--p, r-xp, r--p, r--p after RELRO, rw-p), the bss is partly in the data segment's last page (file-backed) and only the rest is an anonymous area, and neighbouring anonymous areas with the same flags merge into one.",
        "RSS is not a field of mm_struct but the sum of its rss_stat counters (MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES); VSZ is total_vm. With ASLR on (the default) the heap, mmap_base and stack start at random offsets; here they are as under setarch -R.",
    ];

    public override PictureKind Picture => PictureKind.Layout;

    public override void Run(DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel();
        Task t = DemoKit.ExecGonzo(k, 100);
        MmStruct mm = t.Mm!;
        (ulong libc, ulong anon) = DemoKit.MapLibcAndAnon(mm);
        DemoKit.GrowHeap(k, t, 0x21000);
        foreach (ulong a in (ulong[])[mm.StartBrk, anon, mm.StartStack - 8, DemoKit.GonzoData])
        {
            k.Access(t, a, AccessKind.Write);
        }
        k.Access(t, DemoKit.GonzoText + 0x1000, AccessKind.Execute);
        k.Access(t, libc + 0x26000, AccessKind.Execute);
        k.Validate();

        o.WriteLine("  gonzo's address space, high addresses first (one row per area; holes shown with their size):");
        o.WriteLine();
        DrawLayout(mm, o);
        o.WriteLine();
        o.WriteLine("  The mm_struct fields that mark the segments:");
        o.WriteLine($"    start_code  0x{mm.StartCode:x12}   end_code  0x{mm.EndCode:x12}");
        o.WriteLine($"    start_data  0x{mm.StartData:x12}   end_data  0x{mm.EndData:x12}");
        o.WriteLine($"    start_brk   0x{mm.StartBrk:x12}   brk       0x{mm.Brk:x12}");
        o.WriteLine($"    mmap_base   0x{mm.MmapBase:x12}   start_stack 0x{mm.StartStack:x12}");
        long rss = mm.Paging!.Rss;
        o.WriteLine($"    total_vm    {mm.TotalVm} pages (VSZ {Page.Bytes(mm.TotalVm) >> 10} KiB); rss_stat {rss} pages (RSS {rss * 4} KiB); map_count {mm.MapCount}");
        scene.Kernel = k;
        scene.Pid = t.Pid;
        scene.Address = mm.StartBrk;
        scene.Figures["start_code"] = (long)mm.StartCode;
        scene.Figures["end_data"] = (long)mm.EndData;
        scene.Figures["start_brk"] = (long)mm.StartBrk;
        scene.Figures["brk"] = (long)mm.Brk;
        scene.Figures["mmap_base"] = (long)mm.MmapBase;
        scene.Figures["map_count"] = mm.MapCount;
        scene.Figures["vsz_kib"] = (long)(Page.Bytes(mm.TotalVm) >> 10);
        scene.Figures["rss_kib"] = rss * 4;
    }

    /// <summary>The layout as a column of boxes, top (stack) to bottom (text), with the mm fields that fall in each.</summary>
    internal static void DrawLayout(MmStruct mm, TextWriter o)
    {
        var rows = new List<Vma>();
        foreach (Vma v in mm.Vmas)
        {
            rows.Add(v);
        }
        rows.Reverse();
        o.WriteLine($"    0x{mm.TaskSize:x12} ┬ TASK_SIZE");
        ulong above = mm.TaskSize;
        foreach (Vma v in rows)
        {
            if (v.End < above)
            {
                o.WriteLine($"                   │   (hole, {Size(above - v.End)})");
            }
            string marks = Marks(mm, v);
            string name = Proc.ProcMaps.Name(mm, v) ?? "";
            if (name.StartsWith('/'))
            {
                name = name[(name.LastIndexOf('/') + 1)..];
            }
            o.WriteLine($"    0x{v.End:x12} ├───────────────────────────────────────────");
            o.WriteLine($"                   │ {DemoKit.Kind(mm, v),-36} {Perms(v)} {name,-14} {Size(v.End - v.Start),9}  {marks}");
            above = v.Start;
        }
        o.WriteLine($"    0x{above:x12} ├───────────────────────────────────────────");
        o.WriteLine($"                   │   (hole, {Size(above)}: nothing mapped; below mmap_min_addr, 64 KiB, nothing can be)");
        o.WriteLine($"    0x{0:x12} ┴");
    }

    private static string Marks(MmStruct mm, Vma v)
    {
        var m = new List<string>();
        void Mark(string name, ulong a)
        {
            if (a >= v.Start && a < v.End)
            {
                m.Add($"{name} 0x{a:x}");
            }
        }
        Mark("start_code", mm.StartCode);
        Mark("start_data", mm.StartData);
        Mark("start_brk", mm.StartBrk);
        if (mm.Brk > v.Start && mm.Brk <= v.End)
        {
            m.Add($"brk 0x{mm.Brk:x}");
        }
        Mark("start_stack", mm.StartStack);
        if (v.End == mm.MmapBase || (mm.MmapBase > v.Start && mm.MmapBase <= v.End))
        {
            m.Add($"mmap_base 0x{mm.MmapBase:x} (below it the mmap area grows down)");
        }
        return string.Join(", ", m);
    }

    private static string Perms(Vma v)
    {
        return $"{((v.Flags & VmFlags.Read) != 0 ? 'r' : '-')}{((v.Flags & VmFlags.Write) != 0 ? 'w' : '-')}{((v.Flags & VmFlags.Exec) != 0 ? 'x' : '-')}{((v.Flags & VmFlags.Shared) != 0 ? 's' : 'p')}";
    }

    /// <summary>A size in the largest unit that keeps it whole-ish: "132 KiB", "127 TiB".</summary>
    internal static string Size(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }
        return v >= 100 || v == Math.Floor(v) ? $"{v:0} {units[u]}" : $"{v:0.#} {units[u]}";
    }
}
