namespace Mmsim.Mm;

/// <summary>
/// The machine-wide settings the memory syscalls consult: sysctls, boot parameters, the layout
/// constants of x86-64 with 4-level paging, and the resource limits of the process. Defaults are
/// those of the reference machine the fixtures were recorded on (Linux 6.18, 24 GiB, no swap,
/// THP "madvise", overcommit 0, max_map_count 65530, running as root).
/// </summary>
public sealed record MmConfig
{
    /// <summary>TASK_SIZE_MAX with 4-level paging: (1 &lt;&lt; 47) - PAGE_SIZE.</summary>
    public ulong TaskSize { get; init; } = 0x7ffffffff000UL;

    /// <summary>DEFAULT_MAP_WINDOW: the top of the default mmap search window.</summary>
    public ulong DefaultMapWindow { get; init; } = 0x7ffffffff000UL;

    /// <summary>mmap_min_addr as enforced: max(vm.mmap_min_addr, CONFIG_LSM_MMAP_MIN_ADDR).</summary>
    public ulong MmapMinAddr { get; init; } = 0x10000;

    /// <summary>stack_guard_gap: 256 pages unless the stack_guard_gap= boot parameter says otherwise.</summary>
    public ulong StackGuardGap { get; init; } = 256UL << Page.Shift;

    /// <summary>vm.max_map_count.</summary>
    public int MaxMapCount { get; init; } = 65530;

    /// <summary>vm.overcommit_memory: 0 heuristic, 1 always, 2 never.</summary>
    public int OvercommitMemory { get; init; }

    /// <summary>vm.overcommit_ratio (mode 2).</summary>
    public int OvercommitRatio { get; init; } = 50;

    /// <summary>totalram_pages(): MemTotal in pages.</summary>
    public ulong TotalRamPages { get; init; } = 24684096UL / 4;

    /// <summary>total_swap_pages.</summary>
    public ulong TotalSwapPages { get; init; }

    /// <summary>True when /sys/kernel/mm/transparent_hugepage is not "never" (anonymous PMD-multiple lengths are aligned).</summary>
    public bool ThpEnabled { get; init; } = true;

    /// <summary>RLIMIT_STACK soft limit in bytes (ulong.MaxValue: unlimited).</summary>
    public ulong RlimitStack { get; init; } = 8UL << 20;

    /// <summary>RLIMIT_AS soft limit in bytes.</summary>
    public ulong RlimitAs { get; init; } = ulong.MaxValue;

    /// <summary>RLIMIT_DATA soft limit in bytes.</summary>
    public ulong RlimitData { get; init; } = ulong.MaxValue;

    /// <summary>RLIMIT_MEMLOCK soft limit in bytes.</summary>
    public ulong RlimitMemlock { get; init; } = 8UL << 20;

    /// <summary>The caller has CAP_IPC_LOCK (root): mlock is not limited by RLIMIT_MEMLOCK.</summary>
    public bool CapIpcLock { get; init; } = true;

    /// <summary>The caller passes the mmap_min_addr capability check (root with CAP_SYS_RAWIO).</summary>
    public bool CapSysRawio { get; init; } = true;

    /// <summary>CONFIG_KSM: MADV_MERGEABLE is accepted.</summary>
    public bool Ksm { get; init; } = true;

    /// <summary>The paging mode: decides the page-table shape and, through <see cref="ForMode"/>, the layout.</summary>
    public Pgtable.PagingMode PagingMode { get; init; } = Pgtable.PagingMode.FourLevel;

    /// <summary>The reference configuration.</summary>
    public static MmConfig Default { get; } = new();

    /// <summary>
    /// The reference configuration in another paging mode: TASK_SIZE and the default map window
    /// of that mode (5-level: 56-bit TASK_SIZE, mmap and stack still below 47 bits; i386 and
    /// PAE: the 3G/1G split, TASK_SIZE 0xC0000000, so mmap_legacy_base is 0x40000000, the
    /// top-down base sits below the stack gap under 0xC0000000 and the stack ends at it).
    /// </summary>
    public static MmConfig ForMode(Pgtable.PagingMode mode)
    {
        Pgtable.PagingGeometry g = Pgtable.PagingGeometry.Of(mode);
        return Default with { PagingMode = mode, TaskSize = g.TaskSize, DefaultMapWindow = g.DefaultMapWindow };
    }
}
