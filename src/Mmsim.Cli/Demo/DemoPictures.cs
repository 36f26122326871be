using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Pictures;
using Mmsim.Process;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// <c>mmsim demo --svg DIR</c>: each step's picture (<see cref="DemoStep.Picture"/>) drawn from
/// the live model the step left behind (<see cref="DemoScene"/>), written as DIR/NN-STEP.svg.
/// </summary>
internal static class DemoPictures
{
    /// <summary>
    /// The SVG of a step's scene, and what it shows; null when the scene holds nothing to draw.
    /// The timeline steps (reference counts over events) are drawn as the layout of the address
    /// space the step is about, as it stands at the step's end.
    /// </summary>
    public static (string Svg, string What)? Draw(DemoStep step, int number, DemoScene scene)
    {
        if (scene.Picture is { } drawn)
        {
            return drawn;
        }
        Kernel? k = scene.Kernel;
        if (k is null)
        {
            return null;
        }
        Task? task = k.Find(scene.Pid) is { Mm: not null } t ? t : FirstUserTask(k);
        MmStruct? mm = task?.Mm;
        // The pictures put their own words before it ("Address space of ...").
        string title = task is null ? $"the demo machine (step {number})" : $"{task.Comm} (pid {task.Pid}), demo step {number}";
        switch (step.Picture)
        {
            case PictureKind.Buddy when k.Paging is { } paging:
                return (BuddyPicture.Render(paging.Phys, $"on the demo machine after step {number}"), "the buddy allocator's free areas");
            case PictureKind.VmaPages when mm is not null && VmaOf(mm, scene.Address) is { } vma:
                return (VmaPagesPicture.Render(mm, vma, title), "a VMA's pages against physical frames");
            case PictureKind.Walk when task is not null && k.Machine is { } machine && scene.Address != 0:
            {
                // The walk as a TLB miss makes it: the CPU's TLBs are emptied first, so the
                // picture shows every level (the step itself printed the hits).
                int cpu = k.Run(task);
                machine.Cpu(cpu).Tlb.FlushAll();
                TranslateExplain e = k.Explain(task, scene.Address, AccessKind.Read);
                return (PageWalkPicture.Render(e, task.Mm!.Paging!.Tables.Geometry.Mode, title), "the page walk of one address");
            }
            default:
                return mm is null ? null : (AddressSpacePicture.Render(mm, title), "the address-space layout");
        }
    }

    /// <summary>Draws the step's picture into dir (created if needed); says on o what was written.</summary>
    public static void Write(string dir, DemoStep step, int number, DemoScene scene, TextWriter o)
    {
        (string Svg, string What)? picture = Draw(step, number, scene);
        if (picture is null)
        {
            o.WriteLine($"  (--svg: step {number} leaves no address space to draw)");
            return;
        }
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"{number:D2}-{step.Id}.svg");
        AtomicFile.Write(path, picture.Value.Svg);
        o.WriteLine($"  picture: {path} ({picture.Value.What})");
    }

    private static Task? FirstUserTask(Kernel k)
    {
        Task? best = null;
        foreach (Task t in k.Tasks.Values)
        {
            if (!t.Exited && t.Mm is not null && (best is null || t.Pid < best.Pid))
            {
                best = t;
            }
        }
        return best;
    }

    /// <summary>The VMA holding address, else the largest private anonymous one.</summary>
    private static Vma? VmaOf(MmStruct mm, ulong address)
    {
        if (address != 0 && mm.Vmas.Find(address) is { } v && v.Start <= address)
        {
            return v;
        }
        Vma? best = null;
        foreach (Vma x in mm.Vmas)
        {
            if (x.File is null && (best is null || x.Length > best.Length))
            {
                best = x;
            }
        }
        return best;
    }
}
