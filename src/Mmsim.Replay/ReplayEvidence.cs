using Mmsim.Mm;

namespace Mmsim.Replay;

/// <summary>What mincore vectors showed about the pages each mapping call created.</summary>
public sealed class TouchEvidence
{
    /// <summary>Pages seen resident, by the line after which they were touched: the call that mapped them, or the last
    /// mincore whose vector showed them absent.</summary>
    public Dictionary<long, List<ulong>> Touched { get; } = new();

    /// <summary>Lines whose memory a vector showed untouched (and never discarded before).</summary>
    public HashSet<long> Untouched { get; } = new();

    /// <summary>For each line in <see cref="Touched"/>, the line of the last vector that first showed one of its pages resident
    /// (each touch happened somewhere between the two lines).</summary>
    public Dictionary<long, long> FirstSeen { get; } = new();

    /// <summary>Lines of fork/clone calls that gave a child its own copy of memory: a touch placed
    /// there was the parent's, at some time before the fork.</summary>
    public HashSet<long> ForkLines { get; } = new();

    /// <summary>True when the evidence would change a replay.</summary>
    public bool Any => Touched.Count > 0 || Untouched.Count > 0;
}

/// <summary>The part of an address space one call created: [Start, End) and its line.</summary>
internal readonly record struct Origin(ulong Start, ulong End, long Line)
{
    /// <summary>True once MADV_DONTNEED/FREE or a remap may have dropped pages: a 0 proves nothing.</summary>
    public bool Discarded { get; init; }

    /// <summary>For a forked child's copy: the line that created the range in the parent (else 0).</summary>
    public long ParentLine { get; init; }
}

public sealed partial class Replayer
{
    private readonly Dictionary<MmStruct, List<Origin>> _origins = new(ReferenceEqualityComparer.Instance);

    // Origins (mapping lines) some page of which a vector has shown, resident or not.
    private readonly HashSet<long> _shownOrigins = new();

    // (origin line, page) -> the line of the last vector that showed the page absent.
    private readonly Dictionary<(long, ulong), long> _lastAbsent = new();
    private TouchEvidence? _plan;

    /// <summary>The evidence this replay gathered (a second replay can be given it as its plan).</summary>
    public TouchEvidence Evidence { get; } = new();

    /// <summary>Gives this (fresh) replay the evidence of a first one: touches are applied when the page is mapped.</summary>
    public void UsePlan(TouchEvidence plan)
    {
        _plan = plan;
    }

    private List<Origin> OriginsOf(MmStruct mm)
    {
        if (!_origins.TryGetValue(mm, out List<Origin>? list))
        {
            list = new List<Origin>();
            _origins[mm] = list;
        }
        return list;
    }

    /// <summary>The line that created the page's current mapping (the latest covering it), or 0.</summary>
    private long OriginLine(MmStruct mm, ulong page, out bool discarded)
    {
        return OriginLine(mm, page, out discarded, out _);
    }

    private long OriginLine(MmStruct mm, ulong page, out bool discarded, out long parentLine)
    {
        discarded = false;
        parentLine = 0;
        if (_origins.TryGetValue(mm, out List<Origin>? list))
        {
            for (int i = list.Count - 1; i >= 0; i--)
            {
                if (page >= list[i].Start && page < list[i].End)
                {
                    discarded = list[i].Discarded;
                    parentLine = list[i].ParentLine;
                    return list[i].Line;
                }
            }
        }
        return 0;
    }

    /// <summary>Marks the origins overlapping [start, end) as possibly emptied.</summary>
    private void NoteDiscard(MmStruct mm, ulong start, ulong end)
    {
        if (!_origins.TryGetValue(mm, out List<Origin>? list))
        {
            return;
        }
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Start < end && start < list[i].End)
            {
                list[i] = list[i] with { Discarded = true };
            }
        }
    }

    /// <summary>
    /// fork: the child's memory has the parent's ranges, all created (for the child) at the
    /// clone's line; touches planned for that line are applied to the child now.
    /// </summary>
    private void CopyOrigins(MmStruct parent, MmStruct child, long line)
    {
        var copy = new List<Origin>();
        if (_origins.TryGetValue(parent, out List<Origin>? list))
        {
            foreach (Origin o in list)
            {
                copy.Add(o with { Line = line, ParentLine = o.ParentLine != 0 ? o.ParentLine : o.Line });
            }
        }
        _origins[child] = copy;
        Evidence.ForkLines.Add(line);
        if (_plan is not null && _plan.Touched.TryGetValue(line, out List<ulong>? pages))
        {
            foreach (ulong page in pages)
            {
                TouchPage(child, page);
            }
        }
    }

    /// <summary>Records what a successful mincore vector says about each page's origin.</summary>
    private void GatherEvidence(MmStruct mm, ulong start, long seenLine)
    {
        for (int i = 0; i < _vector.Count; i++)
        {
            ulong page = start + ((ulong)i << Page.Shift);
            Vma? vma = mm.Vmas.Lookup(page);
            if (vma is null || !vma.IsAnonymous)
            {
                continue;
            }
            long line = OriginLine(mm, page, out bool discarded, out long parentLine);
            if (line == 0)
            {
                continue;
            }
            _shownOrigins.Add(line);
            if ((_vector[i] & 1) != 0)
            {
                if (_modelVector.Count > i && _modelVector[i] != 0)
                {
                    // Already resident in the model: a call (MAP_POPULATE, mlock, MADV_POPULATE_*) explains it.
                    continue;
                }
                // Touched after the mapping call and after the last vector that showed the page
                // absent: applied right after the later of the two.
                long apply = _lastAbsent.TryGetValue((line, page), out long absent) ? absent : line;
                if (!Evidence.Touched.TryGetValue(apply, out List<ulong>? pages))
                {
                    pages = new List<ulong>();
                    Evidence.Touched[apply] = pages;
                }
                Evidence.FirstSeen[apply] = Math.Max(seenLine, Evidence.FirstSeen.GetValueOrDefault(apply));
                if (pages.Count == 0 || pages[^1] != page)
                {
                    pages.Add(page);
                }
            }
            else
            {
                _lastAbsent[(line, page)] = seenLine;
                if (discarded)
                {
                    continue;
                }

                // Not resident now: not touched since the range was made, and in a forked child
                // not touched by the parent before the fork either (its pages would be shared).
                Evidence.Untouched.Add(line);
                if (parentLine != 0)
                {
                    Evidence.Untouched.Add(parentLine);
                }
            }
        }
    }

    /// <summary>
    /// Replays a log twice when the first pass found touch evidence (mincore vectors), the second
    /// applying each touch when its page was mapped. open() must give the log from its start each time.
    /// </summary>
    public static Replayer RunWithEvidence(Func<Replayer> create, Func<TextReader> open, string fileName)
    {
        Replayer first = create();
        using (TextReader log = open())
        {
            first.Run(log, fileName);
        }
        if (!first.Evidence.Any)
        {
            return first;
        }
        Replayer second = create();
        second.UsePlan(first.Evidence);
        using (TextReader log = open())
        {
            second.Run(log, fileName);
        }
        second.Passes = 2;
        return second;
    }

    /// <summary>How many times the log was read (2 when touch evidence was applied).</summary>
    public int Passes { get; private set; } = 1;
}
