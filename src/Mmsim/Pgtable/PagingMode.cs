namespace Mmsim.Pgtable;

/// <summary>The x86 paging modes a machine can run with.</summary>
public enum PagingMode
{
    /// <summary>x86-64 4-level paging: PGD/PUD/PMD/PTE, 9 bits each, 48-bit addresses (P4D folded).</summary>
    FourLevel,

    /// <summary>x86-64 5-level paging (LA57): PGD/P4D/PUD/PMD/PTE, 57-bit addresses.</summary>
    FiveLevel,

    /// <summary>i386 2-level paging: PGD/PTE, 10 bits each, 32-bit entries, 4 MiB PSE pages.</summary>
    TwoLevel,

    /// <summary>i386 PAE: a 4-entry PGD (the PDPT), PMD and PTE of 512 64-bit entries, 2 MiB pages.</summary>
    Pae,
}

/// <summary>The kernel's names for the table levels, lowest first (enum pgtable_level).</summary>
public enum PgLevel
{
    Pte = 0,
    Pmd = 1,
    Pud = 2,
    P4d = 3,
    Pgd = 4,
}

/// <summary>
/// The shape of one paging mode: the levels a walk visits from CR3 down, the address bits each
/// indexes, the entry size, and whether NX exists. Index i = 0 is the root (the PGD).
/// <code>
///  4-level  |  pgd 47..39 | pud 38..30 | pmd 29..21 | pte 20..12 | offset 11..0 |
///  5-level  | pgd 56..48 | p4d 47..39 | pud 38..30 | pmd 29..21 | pte 20..12 | offset |
///  2-level  |  pgd 31..22 (PSE: 4 MiB) | pte 21..12 | offset 11..0 |
///  PAE      |  pgd 31..30 (PDPT) | pmd 29..21 | pte 20..12 | offset 11..0 |
/// </code>
/// </summary>
public sealed class PagingGeometry
{
    // The walk's hot paths read these arrays directly (an IReadOnlyList is an interface call per step).
    private readonly int[] _shifts;
    private readonly ulong[] _indexMasks;
    private readonly bool[] _leafAllowed;

    private PagingGeometry(PagingMode mode, PgLevel[] levels, int[] shifts, int[] bits, int entryBytes, bool nx)
    {
        Mode = mode;
        LevelKinds = levels;
        Shifts = shifts;
        Bits = bits;
        EntryBytes = entryBytes;
        HasNx = nx;
        _shifts = shifts;
        Levels = shifts.Length;
        _indexMasks = new ulong[shifts.Length];
        _leafAllowed = new bool[shifts.Length];
        for (int l = 0; l < shifts.Length; l++)
        {
            _indexMasks[l] = (1UL << bits[l]) - 1;
            _leafAllowed[l] = l == Levels - 1 || (l > 0 && l >= Levels - 3) || (mode == PagingMode.TwoLevel && l == 0);
        }
    }

    public PagingMode Mode { get; }

    /// <summary>The kernel level of each walk step, root first.</summary>
    public IReadOnlyList<PgLevel> LevelKinds { get; }

    /// <summary>The lowest address bit each walk step indexes.</summary>
    public IReadOnlyList<int> Shifts { get; }

    /// <summary>How many address bits each walk step indexes.</summary>
    public IReadOnlyList<int> Bits { get; }

    /// <summary>Walk steps (table levels).</summary>
    public int Levels { get; }

    /// <summary>sizeof(pte_t): 8, or 4 in 2-level mode.</summary>
    public int EntryBytes { get; }

    /// <summary>The NX bit exists (64-bit entries).</summary>
    public bool HasNx { get; }

    /// <summary>
    /// The walk step whose entries map transparent huge pages (PMD leaves of 2 MiB), or -1 when
    /// the mode has none modelled (2-level paging maps only 4 MiB PSE pages, no THP here).
    /// </summary>
    public int PmdLevel => Mode == PagingMode.TwoLevel ? -1 : Levels - 2;

    /// <summary>The level whose entries may be PSE leaves at all (for the walker).</summary>
    public bool LeafAllowed(int level) => _leafAllowed[level];

    /// <summary>PAE: the four PDPT entries are loaded with CR3, so a walk does not read them.</summary>
    public bool RootInRegisters => Mode == PagingMode.Pae;

    /// <summary>The index an address selects at a walk step.</summary>
    public int Index(int level, ulong va) => (int)((va >> _shifts[level]) & _indexMasks[level]);

    /// <summary>Bytes one entry of a walk step covers.</summary>
    public ulong Span(int level) => 1UL << _shifts[level];

    /// <summary>The lowest address bit a walk step indexes (<see cref="Shifts"/> without the interface call).</summary>
    public int Shift(int level) => _shifts[level];

    /// <summary>TASK_SIZE of a user process in this mode.</summary>
    public ulong TaskSize => Mode switch
    {
        PagingMode.FourLevel => (1UL << 47) - 4096,
        PagingMode.FiveLevel => (1UL << 56) - 4096,
        _ => 0xC0000000UL,
    };

    /// <summary>DEFAULT_MAP_WINDOW: where stacks and the default mmap area live (47 bits even with LA57).</summary>
    public ulong DefaultMapWindow => Mode == PagingMode.FiveLevel ? (1UL << 47) - 4096 : TaskSize;

    /// <summary>The geometry of a mode.</summary>
    public static PagingGeometry Of(PagingMode mode) => mode switch
    {
        PagingMode.FourLevel => s_four,
        PagingMode.FiveLevel => s_five,
        PagingMode.TwoLevel => s_two,
        PagingMode.Pae => s_pae,
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    private static readonly PagingGeometry s_four = new(PagingMode.FourLevel,
        [PgLevel.Pgd, PgLevel.Pud, PgLevel.Pmd, PgLevel.Pte], [39, 30, 21, 12], [9, 9, 9, 9], 8, true);

    private static readonly PagingGeometry s_five = new(PagingMode.FiveLevel,
        [PgLevel.Pgd, PgLevel.P4d, PgLevel.Pud, PgLevel.Pmd, PgLevel.Pte], [48, 39, 30, 21, 12], [9, 9, 9, 9, 9], 8, true);

    private static readonly PagingGeometry s_two = new(PagingMode.TwoLevel,
        [PgLevel.Pgd, PgLevel.Pte], [22, 12], [10, 10], 4, false);

    private static readonly PagingGeometry s_pae = new(PagingMode.Pae,
        [PgLevel.Pgd, PgLevel.Pmd, PgLevel.Pte], [30, 21, 12], [2, 9, 9], 8, true);
}
