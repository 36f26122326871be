namespace Mmsim.Proc;

/// <summary>/sys/kernel/mm/transparent_hugepage/enabled (and the PMD size's "inherit" setting).</summary>
public enum ThpMode
{
    /// <summary>"always": every suitable anonymous VMA.</summary>
    Always,

    /// <summary>"madvise": only VMAs with VM_HUGEPAGE (the reference machine).</summary>
    Madvise,

    /// <summary>"never".</summary>
    Never,
}

/// <summary>/sys/kernel/mm/transparent_hugepage/shmem_enabled, the huge= option of the internal
/// shm mount used by shared anonymous memory, SysV shm and memfd.</summary>
public enum ShmemThpMode
{
    /// <summary>"never" (the reference machine).</summary>
    Never,

    /// <summary>"always".</summary>
    Always,

    /// <summary>"within_size": only pages wholly inside i_size (simplified here to "always").</summary>
    WithinSize,

    /// <summary>"advise": VMAs with VM_HUGEPAGE.</summary>
    Advise,

    /// <summary>"deny".</summary>
    Deny,

    /// <summary>"force".</summary>
    Force,
}

/// <summary>
/// The machine settings that decide which lines smaps prints and what THPeligible says.
/// The defaults are the reference machine's (Linux 6.18 x86-64, no PKU, THP madvise, shmem never).
/// </summary>
/// <param name="PkeysEnabled">arch_pkeys_enabled(): the CPU has PKU (then each VMA gets a
/// "ProtectionKey:" line).</param>
/// <param name="Thp">The anonymous THP mode.</param>
/// <param name="ShmemThp">The shmem THP mode of the internal shm mount.</param>
/// <param name="MmThpDisabled">MMF_DISABLE_THP_COMPLETELY: prctl(PR_SET_THP_DISABLE) on this mm.</param>
public readonly record struct SmapsConfig(
    bool PkeysEnabled = false,
    ThpMode Thp = ThpMode.Madvise,
    ShmemThpMode ShmemThp = ShmemThpMode.Never,
    bool MmThpDisabled = false)
{
    /// <summary>The reference machine (through the primary constructor: a bare <c>new()</c> of a record
    /// struct zeroes every field, which would make <see cref="Thp"/> "always").</summary>
    public static SmapsConfig Reference => new(PkeysEnabled: false);
}
