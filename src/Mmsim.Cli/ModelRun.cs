using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Pictures;
using Mmsim.Proc;
using Mmsim.Process;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli;

/// <summary>
/// What a report shows of one run of the model, whatever produced it: a replayed strace log
/// (<see cref="TraceRun"/>), or a scenario. The producer captures each process while its mm is
/// alive (<see cref="ProcessCapture.Take"/>) and records its samples; <see cref="ReportPage"/>
/// turns the run into HTML without looking at the model again.
/// </summary>
internal sealed class ModelRun
{
    /// <summary>The input's name as the page shows it (a file name).</summary>
    public required string Source { get; init; }

    /// <summary>What the input is: "strace log", "scenario".</summary>
    public required string SourceKind { get; init; }

    /// <summary>Lines read from the input.</summary>
    public long Lines { get; init; }

    /// <summary>Calls the model acted on.</summary>
    public long Calls { get; init; }

    /// <summary>Calls the model has no handler for (skipped).</summary>
    public long Skipped { get; init; }

    /// <summary>Calls by name, most frequent first.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> CallsByName { get; init; } = [];

    /// <summary>Each call whose model result differs from the recorded one, as one line ("file:line: pid N call: what").</summary>
    public IReadOnlyList<string> Divergences { get; init; } = [];

    /// <summary>The processes, in the order they were captured.</summary>
    public required IReadOnlyList<ProcessCapture> Processes { get; init; }

    /// <summary>Memory samples by process id, in run order (for the timelines).</summary>
    public required IReadOnlyDictionary<int, List<MemorySample>> Samples { get; init; }

    /// <summary>Processes seen but not captured (a report draws at most <see cref="TraceRun.MaxCaptured"/>).</summary>
    public int ProcessesNotCaptured { get; init; }
}

/// <summary>One process as the report shows it: its figures, maps and pictures at one moment.</summary>
internal sealed class ProcessCapture
{
    public required int Pid { get; init; }

    public required string Comm { get; init; }

    /// <summary>When it was taken, e.g. "at exit_group (line 52)".</summary>
    public required string Moment { get; init; }

    public required string Maps { get; init; }

    public required int Vmas { get; init; }

    public required ulong VszBytes { get; init; }

    public required ulong RssBytes { get; init; }

    public required long MinFlt { get; init; }

    public required long MajFlt { get; init; }

    public required string LayoutSvg { get; init; }

    /// <summary>The pages of the chosen VMA (null without paging or VMAs).</summary>
    public string? VmaPagesSvg { get; init; }

    /// <summary>The walk of one present address (null without paging or a present page).</summary>
    public string? WalkSvg { get; init; }

    /// <summary>The machine's buddy free areas at this moment (null without paging).</summary>
    public string? BuddySvg { get; init; }

    /// <summary>
    /// Captures task's process now: its figures, maps and the pictures. The walk picture is an
    /// explained read (<see cref="Kernel.Explain"/>) of the first present page of the chosen VMA
    /// (or of any VMA), so it faults nothing in and counts no fault; it does load the TLB and schedule the task on
    /// its CPU, as an access would.
    /// </summary>
    public static ProcessCapture Take(Kernel k, Task task, string moment)
    {
        MmStruct mm = task.Mm ?? throw new InvalidOperationException("a kernel thread has no address space to capture");
        string title = $"pid {task.Tgid} ({task.Comm})";
        (long min, long maj) = k.ProcessFaults(task.Tgid);
        Vma? chosen = Interesting(mm);
        string? pages = null;
        string? walk = null;
        string? buddy = null;
        if (mm.Paging is not null && k.Machine is not null && k.Paging is not null)
        {
            if (chosen is not null)
            {
                pages = VmaPagesPicture.Render(mm, chosen, title);
            }
            ulong? addr = FirstPresent(mm, chosen) ?? AnyPresent(mm);
            if (addr is { } a)
            {
                TranslateExplain e = k.Explain(task, a + 0x10, AccessKind.Read);
                walk = PageWalkPicture.Render(e, k.Config.PagingMode, title);
            }
            buddy = BuddyPicture.Render(k.Paging.Phys, moment);
        }
        return new ProcessCapture
        {
            Pid = task.Tgid,
            Comm = task.Comm,
            Moment = moment,
            Maps = ProcMaps.Format(mm),
            Vmas = mm.MapCount,
            VszBytes = Page.Bytes(mm.TotalVm),
            RssBytes = Page.Bytes((ulong)(mm.Paging?.Rss ?? 0)),
            MinFlt = min,
            MajFlt = maj,
            LayoutSvg = AddressSpacePicture.Render(mm, title),
            VmaPagesSvg = pages,
            WalkSvg = walk,
            BuddySvg = buddy,
        };
    }

    /// <summary>
    /// The VMA worth drawing page by page: [heap] when some of it is present; else the VMA with
    /// the most present pages (counting at most 4096 pages of each; not the vDSO); else [heap],
    /// else the largest private anonymous area, else the stack.
    /// </summary>
    internal static Vma? Interesting(MmStruct mm)
    {
        Vma? heap = null;
        Vma? anon = null;
        Vma? stack = null;
        Vma? mostPresent = null;
        int most = 0;
        foreach (Vma v in mm.Vmas)
        {
            SegmentKind kind = AddressSpacePicture.Classify(mm, v);
            int present = PresentPages(mm, v);
            if (kind == SegmentKind.Heap)
            {
                heap = v;
                if (present > 0)
                {
                    return v;
                }
            }
            if (kind == SegmentKind.Stack)
            {
                stack = v;
            }
            else if (kind == SegmentKind.Anon && (anon is null || v.Length > anon.Length))
            {
                anon = v;
            }
            if (present > most && kind != SegmentKind.Special)
            {
                (most, mostPresent) = (present, v);
            }
        }
        return mostPresent ?? heap ?? anon ?? stack;
    }

    private static int PresentPages(MmStruct mm, Vma vma)
    {
        if (mm.Paging is null)
        {
            return 0;
        }
        int n = 0;
        ulong end = Math.Min(vma.End, vma.Start + Page.Bytes(4096));
        for (ulong a = vma.Start; a < end; a += Page.Size)
        {
            if (mm.Paging.PagemapPageAt(vma, a).Kind == PagemapPteKind.Present)
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>The first present page of any VMA, or null.</summary>
    private static ulong? AnyPresent(MmStruct mm)
    {
        foreach (Vma v in mm.Vmas)
        {
            if (FirstPresent(mm, v) is { } a)
            {
                return a;
            }
        }
        return null;
    }

    /// <summary>The first present page of vma (looking at no more than 4096 pages), or null.</summary>
    private static ulong? FirstPresent(MmStruct mm, Vma? vma)
    {
        if (vma is null || mm.Paging is null)
        {
            return null;
        }
        ulong end = Math.Min(vma.End, vma.Start + Page.Bytes(4096));
        for (ulong a = vma.Start; a < end; a += Page.Size)
        {
            if (mm.Paging.PagemapPageAt(vma, a).Kind == PagemapPteKind.Present)
            {
                return a;
            }
        }
        return null;
    }
}
