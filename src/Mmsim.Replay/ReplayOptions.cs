namespace Mmsim.Replay;

/// <summary>How a replay treats the recorded results.</summary>
public enum ReplayMode
{
    /// <summary>The model chooses every result; differences are reported.</summary>
    Check,

    /// <summary>Where the model would differ, the recorded result is imposed; differences are still counted.</summary>
    Follow,
}

/// <summary>What a replay assumes about what the log cannot show.</summary>
public sealed record ReplayOptions
{
    /// <summary>
    /// The program writes the first page of every private writable area a call gives it
    /// (mmap, brk growth, mremap growth) by the time it reshapes that area, forks or exits, so
    /// the area gets its anon_vma as the kernel's first write fault gives it. On by default:
    /// programs use the memory they map.
    /// </summary>
    public bool AssumeWrites { get; init; } = true;

    /// <summary>The working directory of the first process (relative paths are resolved against it); "/" if unknown.</summary>
    public string InitialCwd { get; init; } = "/";

    /// <summary>
    /// Inode numbers recorded with the log, by absolute path (a recorder's elf.json lists the
    /// files the processes exec'd): the copies under --root have inodes of their own.
    /// </summary>
    public IReadOnlyDictionary<string, ulong> RecordedInodes { get; init; } = new Dictionary<string, ulong>();

    /// <summary>
    /// RAM for a replay with page tables and demand paging (every file page taken as cached:
    /// the host's page cache decided); null (the default here; `mmsim replay` gives the reference
    /// machine's 24 GiB unless --no-paging): only the VMA layer is modelled. With page tables the
    /// replay also compares mincore vectors over anonymous memory and getrusage fault counts.
    /// </summary>
    public Mmsim.Phys.PhysMemConfig? Paging { get; init; }

    /// <summary>
    /// Snapshots also carry smaps, smaps_rollup, status and statm (formatted at exit_group entry,
    /// like maps); off by default (formatting smaps of every process costs time).
    /// </summary>
    public bool ProcFiles { get; init; }

    /// <summary>
    /// The most tasks alive at once before the replay refuses to go on (exit 2): by default
    /// pid_max of the reference kernel (<see cref="Replayer.DefaultMaxLiveTasks"/>), which no log
    /// of it can exceed; it bounds the host memory a log forking without end can take (~40 KB a
    /// process, ~1.2 GB at the default).
    /// </summary>
    public int MaxLiveTasks { get; init; } = Replayer.DefaultMaxLiveTasks;

    /// <summary>
    /// Called after each memory or process call (mmap ... mseal, execve, clone, shmat/shmdt) with
    /// the calling process's VSZ, RSS and faults, for timelines; null (the default) measures nothing.
    /// </summary>
    public Action<ReplaySample>? OnSample { get; init; }

    /// <summary>
    /// Validate the whole machine after every event of the log and at its end
    /// (<see cref="Replayer.FirstViolation"/>); off by default (it scans every frame each time).
    /// </summary>
    public bool Validate { get; init; }

    public static ReplayOptions Default { get; } = new();
}

/// <summary>A process's memory after one call of a replay.</summary>
/// <param name="Line">The call's line in the log.</param>
/// <param name="Pid">The process (thread group id).</param>
/// <param name="Call">The syscall name.</param>
/// <param name="VszBytes">total_vm in bytes.</param>
/// <param name="RssBytes">The resident set (rss_stat) in bytes; 0 without page tables.</param>
/// <param name="MinFlt">Minor faults of the process's threads so far.</param>
/// <param name="MajFlt">Major faults of the process's threads so far.</param>
public readonly record struct ReplaySample(long Line, int Pid, string Call, ulong VszBytes, ulong RssBytes, long MinFlt, long MajFlt);

/// <summary>One call whose model result differs from the recorded one.</summary>
public sealed record Divergence(long Line, int Pid, string Call, long Recorded, long Model, string Detail);

/// <summary>A process's /proc/PID/maps text at the moment it entered exit_group (or at the end of the log).</summary>
public sealed record ProcSnapshot(int Pid, string Maps)
{
    /// <summary>/proc/PID/smaps (with <see cref="ReplayOptions.ProcFiles"/>; else null).</summary>
    public string? Smaps { get; init; }

    /// <summary>/proc/PID/smaps_rollup (with <see cref="ReplayOptions.ProcFiles"/>).</summary>
    public string? SmapsRollup { get; init; }

    /// <summary>/proc/PID/status (with <see cref="ReplayOptions.ProcFiles"/>): memory lines from the model, the rest
    /// <see cref="Mmsim.Proc.TaskStatusRecord"/>'s defaults.</summary>
    public string? Status { get; init; }

    /// <summary>/proc/PID/statm (with <see cref="ReplayOptions.ProcFiles"/>).</summary>
    public string? Statm { get; init; }

    /// <summary>What procps-ng's <c>pmap PID</c> prints (with <see cref="ReplayOptions.ProcFiles"/>).</summary>
    public string? Pmap { get; init; }

    /// <summary>What <c>pmap -x PID</c> prints (with <see cref="ReplayOptions.ProcFiles"/>).</summary>
    public string? PmapExtended { get; init; }

    /// <summary>What <c>pmap -X PID</c> prints (with <see cref="ReplayOptions.ProcFiles"/>).</summary>
    public string? PmapMore { get; init; }

    /// <summary>Pages the replay faulted in for touches it inferred (mincore vectors, SIGSEGV lines): the program's
    /// instructions, not its calls. Sorted.</summary>
    public IReadOnlyList<ulong> InferredPages { get; init; } = [];

    /// <summary>RSS of the process in pages (the model's rss_stat; 0 without page tables).</summary>
    public long RssPages { get; init; }
}
