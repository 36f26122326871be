namespace Mmsim.Mm;

/// <summary>
/// The <c>vm_flags</c> of a <c>vm_area_struct</c>, with the bit values of include/linux/mm.h
/// (x86-64, Linux 6.18). Bits the model never sets are kept so that values read from a kernel dump
/// round-trip.
/// </summary>
[Flags]
public enum VmFlags : ulong
{
    None = 0,
    Read = 0x1,
    Write = 0x2,
    Exec = 0x4,
    Shared = 0x8,
    MayRead = 0x10,
    MayWrite = 0x20,
    MayExec = 0x40,
    MayShare = 0x80,
    GrowsDown = 0x100,
    UffdMissing = 0x200,
    PfnMap = 0x400,
    MaybeGuard = 0x800,
    UffdWp = 0x1000,
    Locked = 0x2000,
    Io = 0x4000,
    SeqRead = 0x8000,
    RandRead = 0x10000,
    DontCopy = 0x20000,
    DontExpand = 0x40000,
    LockOnFault = 0x80000,
    Account = 0x100000,
    NoReserve = 0x200000,
    HugeTlb = 0x400000,
    Sync = 0x800000,
    Arch1 = 0x1000000,
    WipeOnFork = 0x2000000,
    DontDump = 0x4000000,
    SoftDirty = 0x8000000,
    MixedMap = 0x10000000,
    HugePage = 0x20000000,
    NoHugePage = 0x40000000,
    Mergeable = 0x80000000,

    /// <summary>VM_HIGH_ARCH_5 on x86: the shadow stack (<c>ss</c> in smaps).</summary>
    ShadowStack = 1UL << 37,

    /// <summary>VM_UFFD_MINOR.</summary>
    UffdMinor = 1UL << 41,

    /// <summary>VM_SEALED: set by mseal(); the VMA can no longer be changed or unmapped.</summary>
    Sealed = 1UL << 42,

    /// <summary>VM_DROPPABLE (MAP_DROPPABLE).</summary>
    Droppable = 1UL << 40,

    /// <summary>VM_READ | VM_WRITE | VM_EXEC: what mprotect() replaces.</summary>
    AccessFlags = Read | Write | Exec,

    /// <summary>VM_SPECIAL: areas that are never merged nor mlocked.</summary>
    Special = Io | DontExpand | PfnMap | MixedMap,

    /// <summary>VM_DATA_DEFAULT_FLAGS on x86-64 (no READ_IMPLIES_EXEC).</summary>
    DataDefault = Read | Write | MayRead | MayWrite | MayExec,

    /// <summary>VM_STACK_FLAGS: the initial stack.</summary>
    StackFlags = GrowsDown | DataDefault | Account,

    /// <summary>VM_LOCKED_MASK.</summary>
    LockedMask = Locked | LockOnFault,

    /// <summary>Flags ignored when deciding whether two VMAs may merge (VM_SOFTDIRTY).</summary>
    IgnoreMerge = SoftDirty,
}
