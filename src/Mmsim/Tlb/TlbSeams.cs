using Mmsim.Mm;

namespace Mmsim.Tlb;

/// <summary>The kind of a user access: the W and I bits of the x86 page-fault error code.</summary>
public enum AccessKind
{
    /// <summary>A data load.</summary>
    Read,

    /// <summary>A data store (error code bit W).</summary>
    Write,

    /// <summary>An instruction fetch (error code bit I).</summary>
    Execute,
}

/// <summary>Why a hardware page walk raised a page fault (the error code's P bit).</summary>
public enum WalkFault
{
    /// <summary>The walk reached a present leaf that allows the access.</summary>
    None,

    /// <summary>Some level's entry was not present (P = 0).</summary>
    NotPresent,

    /// <summary>Every level was present but an RW, U/S or NX bit forbids the access (P = 1).</summary>
    Protection,
}

/// <summary>
/// What a hardware page walk found for one virtual address: the frame and the permissions the
/// TLB caches for it (the AND of RW and U/S over every level, the OR of NX).
/// </summary>
/// <param name="Pfn">Frame of the 4 KiB page holding the address (inside a huge page: that 4 KiB part).</param>
/// <param name="PageShift">12, 21 or 30: the size of the page the leaf entry maps (22 for a 4 MiB i386 PSE page).</param>
/// <param name="Writable">RW set at every level.</param>
/// <param name="User">U/S set at every level.</param>
/// <param name="NoExecute">NX set at some level.</param>
/// <param name="Global">G set in the leaf.</param>
/// <param name="Dirty">D set in the leaf (after this walk).</param>
public readonly record struct Translation(ulong Pfn, int PageShift, bool Writable, bool User, bool NoExecute, bool Global, bool Dirty);

/// <summary>The hardware page walker of one paging mode over an mm's page tables.</summary>
public interface IPageWalker
{
    /// <summary>
    /// Walks mm's page tables for va as the MMU does for an access of the given kind: adds one
    /// to memoryRefs for every table entry read, sets Accessed in each entry it uses (and Dirty
    /// in the leaf for a write that is allowed), and returns the translation, or the fault the
    /// access raises (the translation is then default).
    /// </summary>
    WalkFault Walk(MmStruct mm, ulong va, AccessKind kind, out Translation translation, ref int memoryRefs);
}

/// <summary>
/// The seam between the page-table layer and the TLBs: every page-table change that can leave
/// a stale translation behind is reported here, as the kernel calls flush_tlb_range(),
/// flush_tlb_page() and flush_tlb_mm(). The MMU layer implements it.
/// </summary>
public interface ITlbFlush
{
    /// <summary>
    /// flush_tlb_range() / flush_tlb_page() / tlb_finish_mmu(): translations of [start, end) in
    /// mm may be stale. strideShift is the size of the pages the range held (PAGE_SHIFT, or
    /// PMD_SHIFT for a huge PMD: one 2 MiB page is one stride, not 512); freedTables when page
    /// tables under the range were freed too (free_pgtables()), so that even CPUs running the
    /// mm lazily must drop what they cache of them.
    /// </summary>
    void FlushRange(MmStruct mm, ulong start, ulong end, int strideShift, bool freedTables);

    /// <summary>flush_tlb_mm() (a full-mm mmu_gather): every translation of mm may be stale; freedTables as above.</summary>
    void FlushMm(MmStruct mm, bool freedTables);
}
