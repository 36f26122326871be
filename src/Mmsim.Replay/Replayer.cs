using System.Diagnostics.CodeAnalysis;
using Mmsim.Mm;
using Mmsim.Process;
using Mmsim.Proc;
using Mmsim.Strace;

namespace Mmsim.Replay;

/// <summary>
/// Replays an strace -f log on the model: each memory, file and process system call is applied
/// to the simulated kernel, and its result compared with the recorded one. Processes are
/// snapshotted (their /proc/PID/maps) when they enter exit_group, as the fixtures were.
/// </summary>
public sealed partial class Replayer
{
    private readonly IHostFiles _host;
    private readonly ReplayMode _mode;
    private readonly ReplayOptions _options;
    private const int CallKinds = (int)ReplayCall.Last + 1;

    // Calls replayed, counted by kind (a string-keyed dictionary cost more than some calls' replay).
    private readonly long[] _callCounts = new long[CallKinds];
    private readonly string?[] _callNames = new string?[CallKinds];
    private long _segvsChecked;
    private readonly List<Divergence> _divergences = new();
    private readonly Dictionary<int, ProcSnapshot> _snapshots = new();

    /// <summary>Creates a replayer over a fresh machine.</summary>
    public Replayer(IHostFiles host, ReplayMode mode, MmConfig? config = null, ReplayOptions? options = null)
    {
        _host = host;
        _mode = mode;
        _options = options ?? ReplayOptions.Default;
        Kernel = _options.Paging is { } phys
            ? new Kernel(config ?? MmConfig.Default, phys, new Fault.PagingOptions { FilePagesAssumedCached = true })
            : new Kernel(config ?? MmConfig.Default);
    }

    public Kernel Kernel { get; }

    /// <summary>Calls replayed (memory, file and process calls the model acts on).</summary>
    public long CallsReplayed { get; private set; }

    /// <summary>Syscall lines the model has no handler for (counted, skipped).</summary>
    public long CallsSkipped { get; private set; }

    /// <summary>Lines read from the log.</summary>
    public long Lines { get; private set; }

    public IReadOnlyList<Divergence> Divergences => _divergences;

    /// <summary>Snapshots by pid, in the order processes exited.</summary>
    public IReadOnlyDictionary<int, ProcSnapshot> Snapshots => _snapshots;

    /// <summary>Calls replayed by syscall name (SIGSEGV lines checked count as "SIGSEGV"); a fresh dictionary each time.</summary>
    public IReadOnlyDictionary<string, long> CallsByName
    {
        get
        {
            var byName = new Dictionary<string, long>(StringComparer.Ordinal);
            for (int i = 0; i < _callCounts.Length; i++)
            {
                if (_callCounts[i] > 0)
                {
                    byName[_callNames[i]!] = _callCounts[i];
                }
            }
            if (_segvsChecked > 0)
            {
                byName["SIGSEGV"] = _segvsChecked;
            }
            return byName;
        }
    }

    /// <summary>Called when a process is snapshotted (entering exit_group, or at the end of the log).</summary>
    public Action<ProcSnapshot>? OnSnapshot { get; set; }

    /// <summary>
    /// Replays the whole log. Throws <see cref="StraceFormatException"/> for unreadable input
    /// and <see cref="ReplayException"/> for input the model cannot follow (an exec of a missing
    /// or broken ELF); both carry file:line.
    /// </summary>
    public void Run(TextReader log, string fileName)
    {
        // Each event is acted on before the next is read: its text can stay in the reader's buffer.
        _fileName = fileName;
        var reader = new StraceReader(log, fileName) { BorrowText = true };
        while (reader.TryRead(out StraceEvent ev))
        {
            Lines = ev.Line;
            try
            {
                Dispatch(ev, fileName);
            }
            catch (MachineOutOfMemoryException e)
            {
                throw new ReplayException($"{fileName}:{ev.Line}: the simulated machine is out of memory ({e.Message}): the replay stops here");
            }
            if (_options.Validate)
            {
                ValidateAfter(ev);
            }
        }
        if (_options.Validate)
        {
            ValidateAtEnd();
        }
        foreach (Process.Task t in Kernel.Tasks.Values)
        {
            if (!t.Exited && t.IsLeader && t.Mm is not null && !_snapshots.ContainsKey(t.Tgid))
            {
                Snapshot(t);
            }
        }
    }

    private void Dispatch(in StraceEvent ev, string fileName)
    {
        switch (ev.Kind)
        {
            case StraceEventKind.Syscall:
                Syscall(ev, fileName);
                break;
            case StraceEventKind.Entered:
                if (ev.Name is "clone" or "clone3" or "fork" or "vfork")
                {
                    if (Kernel.Find(ev.Pid) is { Exited: false, Mm: { } forking } forker)
                    {
                        (long, long) mark = FaultMark(forking);
                        FlushAssumedWrites(forking);
                        ChargeFaults(forker, forking, mark);
                    }
                    NoteCloneEntered(ev);
                }
                else if (ev.Name == "exit_group" && Kernel.Find(ev.Pid) is { Exited: false } exiting)
                {
                    if (exiting.Mm is { } mm)
                    {
                        (long, long) mark = FaultMark(mm);
                        FlushAssumedWrites(mm);
                        ChargeFaults(exiting, mm, mark);
                    }
                    Snapshot(exiting);
                }
                break;
            case StraceEventKind.Signal when ev.SignalName == "SIGSEGV" && Kernel.Find(ev.Pid) is { Exited: false } faulting:
                {
                    MmStruct? mm = faulting.Mm;
                    (long, long) mark = FaultMark(mm);
                    CheckSegv(faulting, ev);
                    ChargeFaults(faulting, mm, mark);
                }
                break;
            case StraceEventKind.Exited:
            case StraceEventKind.Killed:
                Process.Task? t = Kernel.Find(ev.Pid);
                if (t is not null)
                {
                    Kernel.Exit(t);
                }
                break;
        }
    }

    private void Syscall(in StraceEvent ev, string fileName)
    {
        if (!ev.HasResult && Kernel.Find(ev.Pid) is { Exited: true })
        {
            // A call a thread was in when another thread's exit_group killed it: "<... futex resumed>) = ?".
            CallsSkipped++;
            return;
        }
        Process.Task task = TaskFor(ev.Pid, ev.Line);
        MmStruct? before = task.Mm;
        (long, long) mark = FaultMark(before);
        if (_assumedWrites.Count > 0 && before is not null && ev.Name is "clone" or "fork" or "vfork" or "clone3")
        {
            FlushAssumedWrites(before);
        }
        bool handled = Handle(task, ev, fileName, out ReplayCall call);
        if (_rusage.Count > 0)
        {
            NoteCallForRusage(task, call, ev);
        }
        if (before?.Paging is not null || task.Mm?.Paging is not null)
        {
            ChargeFaults(task, before, mark);
        }
        if (!handled)
        {
            CallsSkipped++;
            return;
        }
        CallsReplayed++;
        _callCounts[(int)call]++;
        _callNames[(int)call] = ev.Name;
        if (_options.OnSample is { } onSample && (call <= ReplayCall.ExitGroup || call is ReplayCall.Shmat or ReplayCall.Shmdt))
        {
            Sample(onSample, task, ev);
        }
    }

    /// <summary>Reports the memory of the task's process after a call (<see cref="ReplayOptions.OnSample"/>).</summary>
    private void Sample(Action<ReplaySample> onSample, Process.Task task, in StraceEvent ev)
    {
        if (task.Mm is not { } mm)
        {
            return;
        }
        (long min, long maj) = Kernel.ProcessFaults(task.Tgid);
        ulong rss = (ulong)(mm.Paging?.Rss ?? 0);
        onSample(new ReplaySample(ev.Line, task.Tgid, ev.Name, Page.Bytes(mm.TotalVm), Page.Bytes(rss), min, maj));
    }

    /// <summary>
    /// The task behind a pid. The first pid seen is the root process; a pid seen while another
    /// task has a clone in flight is that clone's child (its lines may come before the parent's
    /// resumed clone line).
    /// </summary>
    private Process.Task TaskFor(int pid, long line)
    {
        Process.Task? t = Kernel.Find(pid);
        if (t is not null && !t.Exited)
        {
            return t;
        }
        foreach (KeyValuePair<int, ulong> pending in _pendingCloneFlags)
        {
            if (Kernel.Find(pending.Key) is { Exited: false } parent)
            {
                // A new task (also one reusing the pid of a task gone before) whose first line
                // comes before its parent's clone returns.
                return CloneChild(parent, pid, pending.Value, line);
            }
        }
        if (t is not null)
        {
            throw new ReplayException($"{_fileName}:{line}: pid {pid} makes a call after it exited, and no clone in flight can have reused its pid");
        }
        CheckTaskLimit(line);
        Process.Task init = Kernel.CreateInitTask(pid);
        init.Fs.Cwd = Fs.FsStruct.Resolve("/", _options.InitialCwd);
        return init;
    }

    /// <summary>Records the maps of the task's process (once).</summary>
    private void Snapshot(Process.Task task)
    {
        if (task.Mm is null || _snapshots.ContainsKey(task.Tgid))
        {
            return;
        }
        MmStruct mm = task.Mm;
        var snap = new ProcSnapshot(task.Tgid, ProcMaps.Format(mm))
        {
            RssPages = mm.Paging?.Rss ?? 0,
            InferredPages = _inferredPages.TryGetValue(mm, out HashSet<ulong>? inferred) ? inferred.Order().ToList() : [],
        };
        if (_options.ProcFiles)
        {
            RssStat rss = RssStat.Of(mm);
            int threads = 0;
            foreach (Process.Task t in Kernel.Tasks.Values)
            {
                if (t.Tgid == task.Tgid && !t.Exited)
                {
                    threads++;
                }
            }
            Process.Task leader = Kernel.Find(task.Tgid) ?? task;
            snap = snap with
            {
                Smaps = ProcSmaps.Format(mm, (Vma v, ref MemSizeStats mss) => SmapsGather.Gather(mm, v, ref mss), SmapsConfig.Reference),
                SmapsRollup = ProcSmapsRollup.Format(mm, (Vma v, ref MemSizeStats mss) => SmapsGather.Gather(mm, v, ref mss)),
                Status = ProcStatus.Format(TaskStatusRecord.ForTask(leader, Math.Max(threads, 1)), mm, rss),
                Statm = ProcStatm.Format(mm, rss),
            };
            // pmap reads the smaps just formatted (as PmapSource.FromMm would format it again).
            var pmap = new PmapProcess(task.Tgid,
                _cmdlines.TryGetValue(mm, out byte[]? cmdline) ? PmapSource.CmdlineText(cmdline, leader.Comm) : "[" + leader.Comm + "]",
                mm.StartStack, PmapSource.ParseMappings(snap.Smaps!));
            snap = snap with
            {
                Pmap = ProcPmap.Format(pmap, PmapFormat.Default),
                PmapExtended = ProcPmap.Format(pmap, PmapFormat.Extended),
                PmapMore = ProcPmap.Format(pmap, PmapFormat.More),
            };
        }
        _snapshots[task.Tgid] = snap;
        OnSnapshot?.Invoke(snap);
    }

    /// <summary>Compares a model result with the recorded one; in follow mode reports whether to impose it.</summary>
    private bool Compare(in StraceEvent ev, long model, string detail = "")
    {
        if (!_stepHasModel)
        {
            _stepModel = model;
            _stepHasModel = true;
        }
        if (!ev.HasResult || ev.Result == model)
        {
            return false;
        }
        _divergences.Add(new Divergence(ev.Line, ev.Pid, ev.Name, ev.Result, model, detail));
        return _mode == ReplayMode.Follow;
    }

    /// <summary>
    /// pid_max of the reference kernel (/proc/sys/kernel/pid_max, 32768 with 2 CPUs): no log of
    /// it can have more tasks alive at once. Beyond <see cref="ReplayOptions.MaxLiveTasks"/> (this
    /// by default) the replay refuses to go on, so that a log forking without end cannot take
    /// the host's memory with it.
    /// </summary>
    public const int DefaultMaxLiveTasks = 32768;

    private string _fileName = "";

    /// <summary>Throws when another task would exceed <see cref="ReplayOptions.MaxLiveTasks"/>.</summary>
    private void CheckTaskLimit(long line)
    {
        int max = _options.MaxLiveTasks;
        if (Kernel.LiveTasks >= max)
        {
            throw new ReplayException($"{_fileName}:{line}: more than {max} tasks alive at once (the reference kernel's pid_max is {DefaultMaxLiveTasks}): the replay stops here");
        }
    }

    [DoesNotReturn]
    private static void Fail(string fileName, in StraceEvent ev, string message)
    {
        throw new ReplayException($"{fileName}:{ev.Line}: {message}");
    }
}

/// <summary>Input the replay cannot follow; the message is one line naming file:line.</summary>
public sealed class ReplayException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ReplayException(string message)
        : base(message)
    {
    }
}
