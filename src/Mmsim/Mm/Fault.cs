using System.Runtime.CompilerServices;
using Mmsim.Fault;
using Mmsim.Tlb;

namespace Mmsim.Mm;

/// <summary>What a user access did (the outcome of handle_mm_fault() as the VMA layer sees it).</summary>
public enum FaultResult
{
    /// <summary>The access is allowed; the page is (now) mapped.</summary>
    Ok,

    /// <summary>No VMA covers the address and no stack could grow to it (SIGSEGV, SEGV_MAPERR).</summary>
    MapErr,

    /// <summary>A VMA covers the address but forbids the access (SIGSEGV, SEGV_ACCERR).</summary>
    AccErr,

    /// <summary>The page lies beyond the end of the mapped file (SIGBUS, BUS_ADRERR).</summary>
    SigBus,

    /// <summary>No memory for the page or a page table (VM_FAULT_OOM: the OOM killer's business).</summary>
    Oom,
}

/// <summary>
/// The VMA side of a page fault (lock_mm_and_find_vma(), expand_stack(), anon_vma_prepare()) and
/// of population (__mm_populate()). Page tables and frames belong to the paging layer, which
/// hears of every fault through <see cref="OnFault"/>; here a fault decides what the address
/// space itself keeps: a stack that grew, and the anon_vma a private write gives its VMA.
/// </summary>
public sealed partial class MmStruct
{
    /// <summary>The page tables and frames of this mm; null when only the VMA layer is modelled.</summary>
    public MmPaging? Paging { get; internal set; }

    /// <summary>Called for every allowed access (vma, page address, write).</summary>
    internal Action<Vma, ulong, bool>? OnFault { get; set; }

    /// <summary>
    /// A user access to addr: finds the VMA (growing a GROWSDOWN one down to the page, as
    /// expand_stack() does), checks its permissions and, for a write to a private mapping or any
    /// touch of a VM_HUGEPAGE anonymous one, gives the VMA its anon_vma.
    /// </summary>
    public FaultResult Fault(ulong addr, bool write)
    {
        return Access(addr, write ? AccessKind.Write : AccessKind.Read);
    }

    /// <summary>
    /// A user access of the given kind at addr, as the CPU and do_user_addr_fault() see it. With
    /// page tables (<see cref="Paging"/>), an access the present entries allow is no fault at
    /// all; otherwise the VMA is found (a GROWSDOWN one grown), access_error() applied (a write
    /// needs VM_WRITE; a fetch from a present no-execute page, or any access to a PROT_NONE area,
    /// is SEGV_ACCERR) and handle_mm_fault() maps the page. Without page tables only the VMA side runs.
    /// </summary>
    public FaultResult Access(ulong addr, AccessKind kind)
    {
        bool present = false;
        if (Paging is { } paging && paging.TryAccess(addr, kind, out present))
        {
            return FaultResult.Ok;
        }
        return AccessFault(addr, kind, present);
    }

    /// <summary>
    /// do_user_addr_fault() for a fault the MMU's walk of these tables has just raised:
    /// <see cref="Access"/> without its own first walk, which would find what the MMU's did
    /// (<paramref name="fault"/>; its PTE table is noted in <see cref="Paging"/>).
    /// </summary>
    internal FaultResult HardwareFault(ulong addr, AccessKind kind, WalkFault fault) =>
        Paging is null || fault == WalkFault.None ? Access(addr, kind) : AccessFault(addr, kind, fault == WalkFault.Protection);

    /// <summary>The access after the walk found no entry allowing it (present: the leaf was present).</summary>
    private FaultResult AccessFault(ulong addr, AccessKind kind, bool present)
    {
        bool write = kind == AccessKind.Write;
        Vma? vma = Vmas.Find(addr);
        if (vma is null)
        {
            return FaultResult.MapErr;
        }
        if (vma.Start > addr)
        {
            if ((vma.Flags & VmFlags.GrowsDown) == 0 || ExpandDownwards(vma, addr) != 0)
            {
                return FaultResult.MapErr;
            }
        }
        VmFlags need = write ? VmFlags.Write : VmFlags.Read | VmFlags.Write | VmFlags.Exec;
        if ((vma.Flags & need) == 0)
        {
            return FaultResult.AccErr;
        }
        if (kind == AccessKind.Execute && present)
        {
            return FaultResult.AccErr;
        }
        ulong page = addr & Page.Mask;
        // The walk above already found no entry allowing a read or write: FaultRange need not repeat it.
        FaultResult r = FaultRange(vma, page, page + Page.Size, kind, walked: kind != AccessKind.Execute);
        if (r == FaultResult.Ok && kind == AccessKind.Execute && Paging is { } p && !p.TryAccess(addr, kind, out _))
        {
            return FaultResult.AccErr;
        }
        return r;
    }

    /// <summary>
    /// expand_downwards(): lowers a GROWSDOWN VMA's start to the page of address, keeping the
    /// stack guard gap to an accessible non-stack VMA below and the stack rlimit. Returns 0 or -errno.
    /// </summary>
    public int ExpandDownwards(Vma vma, ulong address)
    {
        address &= Page.Mask;
        if (address < Config.MmapMinAddr)
        {
            return -Errno.EPERM;
        }
        Vma? prev = vma.Prev;
        if (prev is not null && (prev.Flags & VmFlags.GrowsDown) == 0 && IsAccessible(prev.Flags)
            && address - prev.End < Config.StackGuardGap)
        {
            return -Errno.ENOMEM;
        }
        if (prev is not null && prev.End > address)
        {
            return -Errno.ENOMEM;
        }
        AnonVmaPrepare(vma);
        if (address >= vma.Start)
        {
            return 0;
        }
        ulong grow = Page.Pages(vma.Start - address);
        ulong size = vma.End - address;
        if (grow > vma.PgOff)
        {
            return -Errno.ENOMEM;
        }
        if (!MayExpandVm(vma.Flags, grow) || size > Config.RlimitStack)
        {
            return -Errno.ENOMEM;
        }
        if ((vma.Flags & VmFlags.Locked) != 0 && !Config.CapIpcLock
            && Page.Bytes(LockedVm + grow) > Config.RlimitMemlock)
        {
            return -Errno.ENOMEM;
        }
        if (!VmEnoughMemory(grow))
        {
            return -Errno.ENOMEM;
        }
        CommittedPages += grow;
        if ((vma.Flags & VmFlags.Locked) != 0)
        {
            LockedVm += grow;
        }
        StatAccount(vma.Flags, (long)grow);
        Vmas.SetRange(vma, address, vma.End);
        vma.PgOff -= grow;
        return 0;
    }

    /// <summary>
    /// anon_vma_prepare(): gives vma an anon_vma if it has none, reusing the one of an adjacent
    /// compatible VMA that was never shared by a fork (find_mergeable_anon_vma(): next first,
    /// then prev), else a new one. Reuse is what lets a later mprotect merge the two back.
    /// </summary>
    public void AnonVmaPrepare(Vma vma)
    {
        if (vma.AnonVma is not null)
        {
            return;
        }
        AnonVma? reuse = null;
        Vma? next = vma.Next;
        if (next is not null && AnonVmaCompatible(vma, next) && next.AnonVma is not null && !next.AnonVmaChainShared)
        {
            reuse = next.AnonVma;
        }
        Vma? prev = vma.Prev;
        if (reuse is null && prev is not null && AnonVmaCompatible(prev, vma) && prev.AnonVma is not null && !prev.AnonVmaChainShared)
        {
            reuse = prev.AnonVma;
        }
        vma.AnonVma = reuse ?? new AnonVma();
        vma.AnonVmaChainShared = false;
    }

    /// <summary>anon_vma_compatible(): a directly below b, same file, flags equal but for access bits, linear pgoff.</summary>
    private static bool AnonVmaCompatible(Vma a, Vma b)
    {
        return a.End == b.Start
            && a.File == b.File
            && ((a.Flags ^ b.Flags) & ~(VmFlags.AccessFlags | VmFlags.SoftDirty)) == 0
            && b.PgOff == a.PgOff + Page.Pages(b.Start - a.Start);
    }

    /// <summary>
    /// Whether a fault in [start, end) takes the huge-page path of a VM_HUGEPAGE anonymous VMA
    /// (a whole aligned 2 MiB block inside it), which prepares the anon_vma even for a read.
    /// </summary>
    private bool HugeAnonFault(Vma vma, ulong start, ulong end)
    {
        if (!Config.ThpEnabled || !vma.IsAnonymous || (vma.Flags & (VmFlags.Shared | VmFlags.HugePage)) != VmFlags.HugePage)
        {
            return false;
        }
        for (ulong block = start & ~(Page.PmdSize - 1); block < end; block += Page.PmdSize)
        {
            if (block >= vma.Start && block + Page.PmdSize <= vma.End)
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsAccessible(VmFlags flags) => (flags & (VmFlags.Read | VmFlags.Write | VmFlags.Exec)) != 0;

    /// <summary>Records and carries out the population a call asked for (mm_populate() after the lock is dropped).</summary>
    private void RequestPopulate(ulong start, ulong len)
    {
        LastPopulate = (start, len);
        Populate(start, len);
    }

    /// <summary>
    /// __mm_populate() with errors ignored, as mmap(MAP_POPULATE), mlock() and a locked brk or
    /// mremap call it: faults in every page of [start, start+len) the VMAs allow, writing where
    /// the mapping is private and writable (populate_vma_page_range()). PROT_NONE, VM_IO/PFNMAP
    /// and lock-on-fault areas are skipped.
    /// </summary>
    public void Populate(ulong start, ulong len)
    {
        ulong end = start + len;
        for (Vma? v = Vmas.FindIntersection(start, end); v is not null && v.Start < end; v = v.Next)
        {
            if ((v.Flags & (VmFlags.Io | VmFlags.PfnMap | VmFlags.LockOnFault)) != 0 || !IsAccessible(v.Flags))
            {
                continue;
            }
            bool write = (v.Flags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write;
            ulong s = v.Start > start ? v.Start : start;
            ulong e = v.End < end ? v.End : end;
            FaultRange(v, s, e, write ? AccessKind.Write : AccessKind.Read);
        }
    }

    /// <summary>
    /// Faults in [start, end) of one VMA that allows the access: the anon_vma a private write
    /// (or a huge-page fault) needs, then, with page tables, handle_mm_fault() for every page
    /// the entries do not already allow (as GUP's follow_page() checks before faultin_page()).
    /// Returns the first failure (SIGBUS, OOM) or Ok. <paramref name="walked"/>: the caller's walk
    /// has just found that the first page's entries do not allow the access.
    /// </summary>
    [SkipLocalsInit]
    private FaultResult FaultRange(Vma vma, ulong start, ulong end, AccessKind kind, bool walked = false)
    {
        if (HasGuards && FirstGuard(start, end) is ulong guard)
        {
            // The pages before the guard marker are faulted in; the marked page fails the fault
            // (VM_FAULT_SIGSEGV, which populate and mlock report as they report SIGBUS).
            FaultResult before = guard > start ? FaultRange(vma, start, guard, kind, walked) : FaultResult.Ok;
            return before != FaultResult.Ok ? before : FaultResult.SigBus;
        }
        bool write = kind == AccessKind.Write;
        if ((write && (vma.Flags & VmFlags.Shared) == 0) || HugeAnonFault(vma, start, end))
        {
            AnonVmaPrepare(vma);
        }
        if (OnFault is { } onFault)
        {
            for (ulong a = start; a < end; a += Page.Size)
            {
                onFault(vma, a, write);
            }
        }
        if (Paging is { } paging)
        {
            for (ulong a = start; a < end; a += Page.Size)
            {
                int walkedPte = -1;
                if (walked && a == start && OnFault is null)
                {
                    walkedPte = paging.TakeWalkedPte(a);
                }
                else if (paging.TryAccess(a, kind == AccessKind.Execute ? AccessKind.Read : kind, out _))
                {
                    continue;
                }
                else
                {
                    walkedPte = paging.TakeWalkedPte(a);
                }
                VmFault r = paging.HandleMmFault(vma, a, kind, walkedPte);
                if ((r & VmFault.SigBus) != 0)
                {
                    return FaultResult.SigBus;
                }
                if ((r & VmFault.Oom) != 0)
                {
                    return FaultResult.Oom;
                }
            }
        }
        return FaultResult.Ok;
    }
}
