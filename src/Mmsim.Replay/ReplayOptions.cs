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

    public static ReplayOptions Default { get; } = new();
}

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

    /// <summary>Pages the replay faulted in for touches it inferred (mincore vectors, SIGSEGV lines): the program's
    /// instructions, not its calls. Sorted.</summary>
    public IReadOnlyList<ulong> InferredPages { get; init; } = [];

    /// <summary>RSS of the process in pages (the model's rss_stat; 0 without page tables).</summary>
    public long RssPages { get; init; }
}
