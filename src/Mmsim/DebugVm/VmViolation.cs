namespace Mmsim.DebugVm;

/// <summary>
/// The invariants the whole-machine validator checks, one per kind of book the kernel keeps
/// (the VM_BUG_ON_MM()/VM_WARN_ON() sites of CONFIG_DEBUG_VM and validate_mm() in mm/vma.c).
/// </summary>
public enum VmInvariant
{
    /// <summary>A VMA is empty, not page-aligned or above TASK_SIZE.</summary>
    VmaRange,

    /// <summary>Two VMAs overlap or are out of address order.</summary>
    VmaOrder,

    /// <summary>Two neighbours the kernel would have merged (the model's own merge predicate says so).</summary>
    VmaUnmerged,

    /// <summary>The VMA tree (shape, parent links, hole augmentation) and the address-ordered list disagree.</summary>
    VmaTree,

    /// <summary>map_count differs from the VMAs found.</summary>
    MapCount,

    /// <summary>total_vm differs from the pages of all VMAs.</summary>
    TotalVm,

    /// <summary>locked_vm differs from the pages of the VM_LOCKED VMAs.</summary>
    LockedVm,

    /// <summary>data_vm differs from the private writable non-stack VMAs' pages.</summary>
    DataVm,

    /// <summary>exec_vm differs from the executable non-writable non-stack VMAs' pages.</summary>
    ExecVm,

    /// <summary>stack_vm differs from the VM_GROWSDOWN VMAs' pages.</summary>
    StackVm,

    /// <summary>A present (or mapped) page-table entry lies in no VMA.</summary>
    PteOutsideVma,

    /// <summary>An entry grants what its VMA's flags forbid (write, access, execute).</summary>
    PteNotAllowed,

    /// <summary>A writable private entry maps a page somebody else maps too (copy-on-write broken).</summary>
    CowShared,

    /// <summary>An RSS counter (MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES) differs from the entries.</summary>
    RssCounter,

    /// <summary>The page-table counts (VmPTE, nr_ptes...) differ from the tables reachable and deposited.</summary>
    PgtableCount,

    /// <summary>A huge PMD without its deposited PTE table.</summary>
    HugePmdDeposit,

    /// <summary>The page walker's hint (the PTE table of the last region walked) differs from what a walk from the root finds.</summary>
    WalkHint,

    /// <summary>A frame's mapcount (or a folio's entire mapcount) differs from the entries mapping it.</summary>
    FrameMapcount,

    /// <summary>A frame's refcount differs from the references its mappings and owners hold.</summary>
    FrameRefcount,

    /// <summary>The buddy free lists are inconsistent: links, order, alignment, zone, overlap or counts.</summary>
    BuddyList,

    /// <summary>A frame inside a free block is mapped, cached or used as a page table.</summary>
    FreeAndMapped,

    /// <summary>Allocated frames nothing accounts for (after exit: any frame not the kernel's own).</summary>
    Leak,

    /// <summary>The page cache's own books (its page count, the frames' owner and flags).</summary>
    PageCache,
}

/// <summary>One broken invariant: which one, and a message naming the mm, VMA or frame with the value expected and the value found.</summary>
public readonly record struct VmViolation(VmInvariant Invariant, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Invariant}: {Message}";
}
