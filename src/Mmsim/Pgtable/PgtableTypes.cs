namespace Mmsim.Pgtable;

/// <summary>
/// The bit layout of an x86 page-table entry (arch/x86/include/asm/pgtable_types.h), the only
/// place that knows it. Entries are handled as 64-bit values in every mode; in the i386 2-level
/// mode only the low 32 bits exist (no NX, a 20-bit PFN field).
/// <code>
///  63  62..59 58......52 51.................12 11  10  9   8  7  6  5  4   3   2  1  0
/// [NX][pkey ][ software][ PFN (phys >> 12)    ][SD][  ][SP][G][PS][D][A][PCD][PWT][U][W][P]
/// </code>
/// A not-present entry that is not none is a swap entry (or, with <see cref="ProtNone"/>, a
/// PROT_NONE mapping that keeps its PFN).
/// </summary>
public static class PgtableTypes
{
    /// <summary>_PAGE_PRESENT.</summary>
    public const ulong Present = 1UL << 0;

    /// <summary>_PAGE_RW: writes allowed.</summary>
    public const ulong Rw = 1UL << 1;

    /// <summary>_PAGE_USER: user-mode accesses allowed.</summary>
    public const ulong User = 1UL << 2;

    /// <summary>_PAGE_PWT: write-through.</summary>
    public const ulong Pwt = 1UL << 3;

    /// <summary>_PAGE_PCD: cache disabled.</summary>
    public const ulong Pcd = 1UL << 4;

    /// <summary>_PAGE_ACCESSED: set by the MMU when the entry is used.</summary>
    public const ulong Accessed = 1UL << 5;

    /// <summary>_PAGE_DIRTY: set by the MMU in a leaf on a write.</summary>
    public const ulong Dirty = 1UL << 6;

    /// <summary>_PAGE_PSE: in a PMD (PUD, or i386 PGD) entry, the entry maps a huge page.</summary>
    public const ulong Pse = 1UL << 7;

    /// <summary>_PAGE_GLOBAL: the translation survives a CR3 switch (never set for user pages).</summary>
    public const ulong Global = 1UL << 8;

    /// <summary>_PAGE_SPECIAL (software bit 1): no struct page refcount/mapcount (the zero page, PFN maps).</summary>
    public const ulong Special = 1UL << 9;

    /// <summary>_PAGE_SOFT_DIRTY (software bit 11).</summary>
    public const ulong SoftDirty = 1UL << 11;

    /// <summary>_PAGE_PROTNONE: shares the Global bit; with Present clear it marks a PROT_NONE mapping.</summary>
    public const ulong ProtNone = Global;

    /// <summary>_PAGE_NX: no instruction fetch (bit 63; 64-bit entries only).</summary>
    public const ulong Nx = 1UL << 63;

    /// <summary>PTE_PFN_MASK for 64-bit entries (__PHYSICAL_MASK_SHIFT 52).</summary>
    public const ulong PfnMask64 = ((1UL << 52) - 1) & ~0xfffUL;

    /// <summary>The PFN field of a 32-bit (i386 2-level) entry.</summary>
    public const ulong PfnMask32 = 0xfffff000UL;

    /// <summary>The bits pte_modify() keeps (_PAGE_CHG_MASK): PFN, caching, special, A, D, soft-dirty.</summary>
    public const ulong ChgMask = PfnMask64 | Pcd | Pwt | Special | Accessed | Dirty | SoftDirty;

    /// <summary>_PAGE_TABLE: how a table entry points at the next-level table (P, RW, U, A, D).</summary>
    public const ulong TableEntry = Present | Rw | User | Accessed | Dirty;

    /// <summary>PAGE_NONE: the protection of a PROT_NONE VMA.</summary>
    public const ulong PageNone = ProtNone | Accessed;

    /// <summary>PAGE_READONLY / PAGE_COPY (a private writable mapping starts read-only).</summary>
    public const ulong PageReadonly = Present | User | Accessed | Nx;

    /// <summary>PAGE_SHARED: a shared writable mapping.</summary>
    public const ulong PageShared = Present | Rw | User | Accessed | Nx;

    /// <summary>PAGE_READONLY_EXEC / PAGE_COPY_EXEC.</summary>
    public const ulong PageReadonlyExec = Present | User | Accessed;

    /// <summary>PAGE_SHARED_EXEC.</summary>
    public const ulong PageSharedExec = Present | Rw | User | Accessed;

    /// <summary>SWP_TYPE_BITS: the swap area number has 5 bits.</summary>
    public const int SwapTypeBits = 5;

    /// <summary>The first bit of the swap offset: above _PAGE_BIT_PROTNONE.</summary>
    private const int SwapOffsetFirstBit = 9;

    /// <summary>PFN_PTE_SHIFT: the PFN field starts at bit 12.</summary>
    public const int PfnShift = 12;

    /// <summary>pfn_pte(): an entry mapping pfn with the given protection bits.</summary>
    public static ulong MkEntry(ulong pfn, ulong prot) => (pfn << PfnShift) | prot;

    /// <summary>pte_pfn(): the PFN an entry holds (64-bit layout; 32-bit entries are a subset).</summary>
    public static ulong EntryPfn(ulong e) => (e & PfnMask64) >> PfnShift;

    /// <summary>pte_none(): nothing there (x86 ignores A and D, the KNL erratum bits).</summary>
    public static bool IsNone(ulong e) => (e & ~(Accessed | Dirty)) == 0;

    /// <summary>pte_present(): mapped, possibly PROT_NONE (hardware sees it not present).</summary>
    public static bool IsPresent(ulong e) => (e & (Present | ProtNone)) != 0;

    /// <summary>A swap entry: not none and not present.</summary>
    public static bool IsSwap(ulong e) => !IsNone(e) && !IsPresent(e);

    /// <summary>pmd_leaf(): a present PMD/PUD (i386: PGD) entry that maps a huge page itself.</summary>
    public static bool IsLeaf(ulong e) => (e & Pse) != 0 && IsPresent(e);

    /// <summary>pte_write().</summary>
    public static bool IsWrite(ulong e) => (e & Rw) != 0;

    /// <summary>pte_modify(): keeps the PFN, A, D and software bits, takes the rest from newProt.</summary>
    public static ulong Modify(ulong e, ulong newProt) => (e & ChgMask) | (newProt & ~ChgMask);

    /// <summary>
    /// __swp_entry_to_pte() for 64-bit entries (x86-64 and PAE): the type in bits 59..63, the
    /// offset inverted in bits 9..58 (the L1TF mitigation keeps a not-present entry from
    /// pointing at real memory).
    /// </summary>
    public static ulong SwapEntry64(uint type, ulong offset)
    {
        const int offsetShift = SwapOffsetFirstBit + SwapTypeBits;
        return (~offset << offsetShift >> SwapTypeBits) | ((ulong)type << (64 - SwapTypeBits));
    }

    /// <summary>__swp_type() of a 64-bit swap entry.</summary>
    public static uint SwapType64(ulong e) => (uint)(e >> (64 - SwapTypeBits));

    /// <summary>__swp_offset() of a 64-bit swap entry.</summary>
    public static ulong SwapOffset64(ulong e)
    {
        const int offsetShift = SwapOffsetFirstBit + SwapTypeBits;
        return ~e << SwapTypeBits >> offsetShift;
    }

    /// <summary>The i386 2-level swap entry: type in bits 1..5, offset from bit 9.</summary>
    public static ulong SwapEntry32(uint type, ulong offset)
    {
        return ((ulong)(type & ((1u << SwapTypeBits) - 1)) << 1) | ((offset << SwapOffsetFirstBit) & 0xffffffffUL);
    }

    /// <summary>__swp_type() of a 2-level swap entry.</summary>
    public static uint SwapType32(ulong e) => (uint)(e >> 1) & ((1u << SwapTypeBits) - 1);

    /// <summary>__swp_offset() of a 2-level swap entry.</summary>
    public static ulong SwapOffset32(ulong e) => (e & 0xffffffffUL) >> SwapOffsetFirstBit;

    /// <summary>
    /// vm_get_page_prot(): x86's protection_map for the read/write/exec/shared bits of a VMA.
    /// Private writable areas map read-only (copy-on-write); without NX support the NX bit is dropped.
    /// </summary>
    public static ulong ProtFor(bool read, bool write, bool exec, bool shared, bool nx)
    {
        ulong prot;
        if (!read && !write && !exec)
        {
            prot = PageNone;
        }
        else if (shared && write)
        {
            prot = exec ? PageSharedExec : PageShared;
        }
        else
        {
            prot = exec ? PageReadonlyExec : PageReadonly;
        }
        return nx ? prot : prot & ~Nx;
    }
}
