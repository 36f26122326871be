using Mmsim.Fault;
using Mmsim.Mm;
using Mmsim.Strace;

namespace Mmsim.Replay;

/// <summary>
/// Fault counts and getrusage(). The kernel counts every handled fault in the faulting task's
/// min_flt or maj_flt (mm_account_fault()), faults taken for get_user_pages() included:
/// MAP_POPULATE, mlock, MADV_POPULATE_READ/WRITE fault their pages in the calling task. The model
/// counts faults per mm (<see cref="MmPaging.MinFlt"/>); the replay gives each task the faults
/// its own lines made the model take (its calls, the touches applied for them from evidence, the
/// assumed writes carried out for them, a checked SIGSEGV), so
/// <see cref="Process.Task.MinFlt"/> is what the log lets the model know of the task's faults.
/// <para>
/// getrusage(RUSAGE_SELF) reports the whole thread group, RUSAGE_THREAD the calling thread.
/// Between two such calls of a process (of a thread) whose every line in between (of any of its
/// threads; of that thread) is a <em>memory call</em>: mmap, munmap,
/// mprotect, madvise, mincore, mlock, mlock2, mlockall, munlock, munlockall, mremap, brk, msync,
/// mseal, or a call that failed with EBADF (fdget() fails before any user memory is read; the
/// scenario programs label their steps with write(-1, ...)), the only faults are those of these
/// calls and of the program's own instructions between them. The difference of ru_minflt and of
/// ru_majflt is compared with the faults the model took for those lines; a difference is a
/// divergence. Instructions can touch memory no call mentions, so a window is compared only
/// when the log determines its count: each touch inferred from a vector certainly falls inside
/// or outside it (<see cref="InferredAcross"/>), no call in it faults in older memory whose state
/// no vector showed (<see cref="NotePopulate"/>), and no call in it maps private writable memory
/// that no vector shows before it ends (<see cref="FreshMemoryUnshown"/>).
/// </para>
/// </summary>
public sealed partial class Replayer
{
    private readonly Dictionary<int, RusageWindow> _rusage = new();

    // Lines of calls that gave a process fresh private writable memory (while getrusage windows are open).
    private readonly List<long> _freshWritable = new();

    /// <summary>getrusage() pairs of one process compared with the model (memory calls only in between).</summary>
    public long RusageCompared { get; private set; }

    /// <summary>getrusage() pairs left out: the log does not determine their fault count (see the class remarks).</summary>
    public long RusageSkipped { get; private set; }

    /// <summary>mincore() vectors compared page by page over anonymous memory.</summary>
    public long VectorsCompared { get; private set; }

    /// <summary>Per thread group (RUSAGE_SELF) or thread (RUSAGE_THREAD), the state since its last getrusage.</summary>
    private sealed class RusageWindow
    {
        public long MinFlt;
        public long MajFlt;
        public long ModelMin;
        public long ModelMaj;
        public bool Clean;
        public bool Unknown;
        public long Line;
    }

    /// <summary>The fault counts of an mm before a step (0, 0 without page tables).</summary>
    private static (long Min, long Maj) FaultMark(MmStruct? mm) =>
        mm?.Paging is { } p ? (p.MinFlt, p.MajFlt) : (0, 0);

    /// <summary>Gives task the faults its mm took since <paramref name="mark"/> (of the mm it had then).</summary>
    private void ChargeFaults(Process.Task task, MmStruct? before, (long Min, long Maj) mark)
    {
        long min = 0;
        long maj = 0;
        if (before?.Paging is { } p)
        {
            min = p.MinFlt - mark.Min;
            maj = p.MajFlt - mark.Maj;
        }
        if (!ReferenceEquals(task.Mm, before) && task.Mm?.Paging is { } fresh)
        {
            // execve: the new mm's faults (setting up the stack) were the task's.
            min += fresh.MinFlt;
            maj += fresh.MajFlt;
        }
        if (min == 0 && maj == 0)
        {
            return;
        }
        task.MinFlt += min;
        task.MajFlt += maj;
        if (_rusage.TryGetValue(task.Tgid, out RusageWindow? w))
        {
            w.ModelMin += min;
            w.ModelMaj += maj;
        }
        if (_rusage.TryGetValue(ThreadKey(task), out RusageWindow? tw))
        {
            tw.ModelMin += min;
            tw.ModelMaj += maj;
        }
    }

    /// <summary>A line of the process that is not a memory call ends its clean window.</summary>
    private void NoteCallForRusage(Process.Task task, ReplayCall call, in StraceEvent ev)
    {
        if (IsMemoryCall(call, ev))
        {
            return;
        }
        if (_rusage.TryGetValue(task.Tgid, out RusageWindow? w))
        {
            w.Clean = false;
        }
        if (_rusage.TryGetValue(ThreadKey(task), out RusageWindow? tw))
        {
            tw.Clean = false;
        }
    }

    /// <summary>
    /// Before a call that faults in memory it did not just create (mlock, mlock2 and mlockall
    /// without the on-fault flag, MADV_POPULATE_READ/WRITE over [start, end)): when part of the
    /// range was mapped before the open window began and no vector has shown its pages since,
    /// how many of its pages the program's instructions had already faulted in is unknown, and
    /// so is the call's fault count: the window is not compared.
    /// </summary>
    private void NotePopulate(Process.Task task, MmStruct mm, ulong start, ulong end)
    {
        _rusage.TryGetValue(task.Tgid, out RusageWindow? w);
        _rusage.TryGetValue(ThreadKey(task), out RusageWindow? tw);
        if (w is null && tw is null)
        {
            return;
        }
        long from = Math.Min(w?.Line ?? long.MaxValue, tw?.Line ?? long.MaxValue);
        for (Vma? v = mm.Vmas.FindIntersection(start, end); v is not null && v.Start < end; v = v.Next)
        {
            ulong s = Math.Max(v.Start, start);
            ulong e = Math.Min(v.End, end);
            for (ulong page = s; page < e; page += Page.Size)
            {
                long origin = OriginLine(mm, page, out _);
                if (origin == 0 || (origin < from && !_shownOrigins.Contains(origin)))
                {
                    (w ?? tw)!.Unknown = true;
                    if (tw is not null)
                    {
                        tw.Unknown = true;
                    }
                    return;
                }
            }
        }
    }

    /// <summary>
    /// True when a call between lines from and to gave private writable memory that no vector
    /// has shown since: programs write the memory they map (the assumed writes), at a time the
    /// log does not tell, so the window's count is unknown. Measured on the reference kernel
    /// (perf page-fault events) for s14's window 34-86: its one user fault is the program's
    /// write to the 4 MiB area it mapped there.
    /// </summary>
    private bool FreshMemoryUnshown(long from, long to)
    {
        foreach (long line in _freshWritable)
        {
            if (line > from && line < to && !_shownOrigins.Contains(line))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The window key of RUSAGE_THREAD for a task (RUSAGE_SELF windows are keyed by tgid).</summary>
    private static int ThreadKey(Process.Task task) => -task.Pid - 1;

    private static bool IsMemoryCall(ReplayCall call, in StraceEvent ev)
    {
        switch (call)
        {
            case ReplayCall.Mmap or ReplayCall.Munmap or ReplayCall.Mprotect or ReplayCall.Madvise or ReplayCall.Mincore
                or ReplayCall.Mlock or ReplayCall.Mlock2 or ReplayCall.Mlockall or ReplayCall.Munlock or ReplayCall.Munlockall
                or ReplayCall.Mremap or ReplayCall.Brk or ReplayCall.Mseal or ReplayCall.Syscall0x1ce or ReplayCall.Getrusage:
                return true;
            default:
                return ev.Name == "msync" || (ev.HasResult && ev.Result == -Mm.Errno.EBADF);
        }
    }

    /// <summary>getrusage(RUSAGE_SELF or RUSAGE_THREAD): compares the fault counts since the previous one when the log determines them.</summary>
    private void ReplayGetrusage(Process.Task task, in StraceEvent ev, in ArgList a)
    {
        bool self = a.Count >= 2 && a.Raw(0).SequenceEqual("RUSAGE_SELF");
        bool thread = a.Count >= 2 && a.Raw(0).SequenceEqual("RUSAGE_THREAD");
        if (!ev.HasResult || ev.Result != 0 || !(self || thread)
            || !a.TryGetStructField(1, "ru_minflt", out ReadOnlySpan<char> minText) || !ArgList.TryParseNumber(minText, out long min)
            || !a.TryGetStructField(1, "ru_majflt", out ReadOnlySpan<char> majText) || !ArgList.TryParseNumber(majText, out long maj))
        {
            return;
        }
        int key = self ? task.Tgid : ThreadKey(task);
        if (_rusage.TryGetValue(key, out RusageWindow? w) && Kernel.Paging is not null)
        {
            if (w.Clean && !w.Unknown && !InferredAcross(w.Line, ev.Line) && !FreshMemoryUnshown(w.Line, ev.Line))
            {
                RusageCompared++;
                long recMin = min - w.MinFlt;
                long recMaj = maj - w.MajFlt;
                if (recMin != w.ModelMin)
                {
                    _divergences.Add(new Divergence(ev.Line, ev.Pid, "getrusage", recMin, w.ModelMin,
                        $"ru_minflt since line {w.Line}: recorded +{recMin}, model +{w.ModelMin}"));
                }
                if (recMaj != w.ModelMaj)
                {
                    _divergences.Add(new Divergence(ev.Line, ev.Pid, "getrusage", recMaj, w.ModelMaj,
                        $"ru_majflt since line {w.Line}: recorded +{recMaj}, model +{w.ModelMaj}"));
                }
            }
            else
            {
                RusageSkipped++;
            }
        }
        else
        {
            w = new RusageWindow();
            _rusage[key] = w;
        }
        w.MinFlt = min;
        w.MajFlt = maj;
        w.ModelMin = 0;
        w.ModelMaj = 0;
        w.Clean = true;
        w.Unknown = false;
        w.Line = ev.Line;
    }

    /// <summary>
    /// True when a touch inferred from a vector may or may not fall between lines from and to:
    /// each such touch happened somewhere between the line it is applied after (the mapping call,
    /// or the last vector showing the page absent) and the vector that showed it resident; the
    /// window's count is known only when that span lies wholly inside or wholly outside it.
    /// Spans of other processes count too (conservative).
    /// </summary>
    private bool InferredAcross(long from, long to)
    {
        if (_plan is null)
        {
            return false;
        }
        foreach (KeyValuePair<long, long> kv in _plan.FirstSeen)
        {
            long apply = kv.Key;
            long seen = kv.Value;
            if (_plan.ForkLines.Contains(apply))
            {
                // Applied to the child at the fork, but made by the parent at some time before it.
                seen = apply;
                apply = 0;
            }
            bool overlaps = apply < to && seen > from;
            bool inside = apply >= from && seen <= to;
            if (overlaps && !inside)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// mincore's vector over anonymous memory: the model's (after the touches it infers) must be
    /// the recorded one. File pages are left out: the host's page cache decided them (the model
    /// takes every file page as cached).
    /// </summary>
    private void CompareVector(MmStruct mm, in StraceEvent ev, ulong start)
    {
        if (mm.Paging is null || _vector.Count == 0)
        {
            return;
        }
        Span<byte> model = _vector.Count <= 4096 ? stackalloc byte[_vector.Count] : new byte[_vector.Count];
        if (mm.Mincore(start, (ulong)_vector.Count << Page.Shift, model) != 0)
        {
            return;
        }
        VectorsCompared++;
        for (int i = 0; i < _vector.Count; i++)
        {
            ulong page = start + ((ulong)i << Page.Shift);
            if ((_vector[i] & 1) == model[i] || mm.Vmas.Lookup(page) is not { IsAnonymous: true })
            {
                continue;
            }
            _divergences.Add(new Divergence(ev.Line, ev.Pid, "mincore", _vector[i] & 1, model[i],
                $"page {i} (0x{page:x}): recorded {_vector[i] & 1}, model {model[i]}"));
            return;
        }
    }
}
