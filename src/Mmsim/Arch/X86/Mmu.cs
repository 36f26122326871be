using System.Runtime.CompilerServices;
using Mmsim.Mm;
using Mmsim.Tlb;

namespace Mmsim.Arch.X86;

/// <summary>
/// The kernel's page-fault entry for the MMU (exc_page_fault() → do_user_addr_fault() →
/// handle_mm_fault()).
/// </summary>
public interface IPageFaultHandler
{
    /// <summary>
    /// A fault on cpu, whose current task owns mm, at address for an access of kind, with what
    /// the walk found. Returns <see cref="FaultResult.Ok"/> when the page tables now allow the
    /// access (the MMU retries it), otherwise the SIGSEGV the task gets.
    /// </summary>
    FaultResult HandlePageFault(Cpu cpu, MmStruct mm, ulong address, AccessKind kind, WalkFault fault);
}

/// <summary>The MMU: a user access translated through the TLBs, the page walker and the fault handler.</summary>
public sealed partial class Machine
{
    /// <summary>Retries of one access after faults the handler called handled, before the model calls it a bug.</summary>
    private const int MaxFaultRetries = 8;

    /// <summary>
    /// The kernel's page-fault handler (an interface, not a delegate, so that the fault path's
    /// call can be devirtualised); until set, every fault is a SIGSEGV (MapErr).
    /// </summary>
    public IPageFaultHandler? FaultHandler { get; set; }

    /// <summary>
    /// A user-mode access of the given kind to address on a CPU. The L1 TLB of the kind (iTLB for
    /// Execute) is probed; an entry whose cached bits allow the access is a hit. Otherwise the
    /// STLB is probed, then the page walker walks CR3's mm and the translation fills the STLB
    /// and the L1. Cached permissions that refuse the access are not trusted to raise the fault:
    /// the entry is dropped (as a #PF drops the faulting address's entries) and the walk decides,
    /// which also picks up a PTE upgraded without a flush (the kernel's spurious-fault case). A
    /// write hitting a clean entry re-walks to set the dirty bit, as the CPU's assist does. A
    /// walk fault goes to <see cref="FaultHandler"/>; when it reports the fault handled the
    /// access is retried. Returns Ok with the physical address, or the SIGSEGV kind.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FaultResult Access(int cpu, ulong address, AccessKind kind, out ulong physAddr)
    {
        if (TryHit(cpu, address, kind, out ulong data, out int index))
        {
            physAddr = TlbArray.PhysAddr(data, address);
            return FaultResult.Ok;
        }
        return AccessNotHit(cpu, address, kind, index, data, out physAddr);
    }

    /// <summary>
    /// <see cref="Access(int, ulong, AccessKind, out ulong)"/> without the physical address (a
    /// hit then computes none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FaultResult Access(int cpu, ulong address, AccessKind kind) =>
        TryHit(cpu, address, kind, out ulong data, out int index) ? FaultResult.Ok : AccessNotHit(cpu, address, kind, index, data, out _);

    /// <summary>
    /// The hit path: the first (4 KiB) array of the L1 only, reached straight from a per-CPU
    /// array; it holds the level's PCID and its hit counter, so that the chain of dependent loads
    /// is machine, array, tags. A hit whose cached bits allow the access is counted and touched
    /// and its data word returned; anything else returns false, changing nothing, with the index
    /// and data word of a refused hit (index -1 for a miss) for <see cref="AccessNotHit"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryHit(int cpu, ulong address, AccessKind kind, out ulong data, out int index)
    {
        TlbArray array = kind == AccessKind.Execute ? _l1iFirst[cpu] : _l1dFirst[cpu];
        index = array.LookupFirstSizeScalar(address, out int set, out int way);
        if (index >= 0)
        {
            data = array.DataAt(index);
            if ((data & Forbid(kind)) == 0)
            {
                array.Touch(index, set, way);
                array.Hits++;
                return true;
            }
            return false;
        }
        data = 0;
        return false;
    }

    /// <summary>
    /// The access after <see cref="TryHit"/> found no usable entry in the first array: a refused
    /// hit (index, with its data word) or a miss (index -1).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    [SkipLocalsInit]
    private FaultResult AccessNotHit(int cpu, ulong address, AccessKind kind, int index, ulong data, out ulong physAddr)
    {
        if (index >= 0)
        {
            return Refused(_cpus[cpu], data, address, kind, out physAddr);
        }
        return AccessL1(_cpus[cpu], kind == AccessKind.Execute ? _l1i[cpu] : _l1d[cpu], address, kind, out physAddr);
    }

    /// <summary>The rest of the L1 lookup (the other sizes and arrays), off the hit path (in <see cref="AccessNotHit"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private FaultResult AccessL1(Cpu cpu, TlbLevel l1, ulong va, AccessKind kind, out ulong physAddr)
    {
        int index = l1.LookupAfterFirstSize(va, out TlbArray array);
        if (index >= 0)
        {
            ulong data = array.DataAt(index);
            if ((data & Forbid(kind)) == 0)
            {
                array.Touch(index);
                l1.Hits++;
                physAddr = TlbArray.PhysAddr(data, va);
                return FaultResult.Ok;
            }
            return Refused(cpu, data, va, kind, out physAddr);
        }
        return AccessMiss(cpu, l1, va, kind, out physAddr);
    }

    /// <summary>The data bits that refuse an access of this kind (a byte per kind, no branch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Forbid(AccessKind kind)
    {
        const ulong Table = TlbArray.ForbidRead | (TlbArray.ForbidWrite << 8) | (TlbArray.ForbidExec << 16);
        return (Table >> ((int)kind << 3)) & 0xFF;
    }

    /// <summary>The L1 missed: the STLB, then the walk.</summary>
    private FaultResult AccessMiss(Cpu cpu, TlbLevel l1, ulong va, AccessKind kind, out ulong physAddr)
    {
        l1.Misses++;
        TlbLevel? l2 = cpu.Tlb.Stlb;
        if (l2 is not null)
        {
            int index = l2.Lookup(va, out TlbArray array);
            if (index >= 0)
            {
                ulong data = array.DataAt(index);
                if ((data & Forbid(kind)) != 0)
                {
                    return Refused(cpu, data, va, kind, out physAddr);
                }
                array.Touch(index);
                l2.Hits++;
                l1.Fill(va, array.ShiftAt(index), TlbArray.Pfn(data, va), data & TlbArray.FlagMask, mayExist: false);
                physAddr = TlbArray.PhysAddr(data, va);
                return FaultResult.Ok;
            }
            l2.Misses++;
        }
        return WalkAndFill(cpu, va, kind, refill: false, out physAddr, heldOnlyInOtherL1: true);
    }

    /// <summary>A cached entry refused the access: a dirty-bit assist or a stale-permission re-walk.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private FaultResult Refused(Cpu cpu, ulong data, ulong va, AccessKind kind, out ulong physAddr)
    {
        if (kind == AccessKind.Write && (data & (TlbArray.ForbidWrite & ~TlbArray.Clean)) == 0)
        {
            cpu.Stats.DirtyAssists++;
            return WalkAndFill(cpu, va, kind, refill: true, out physAddr);
        }
        cpu.Stats.StalePermissionRewalks++;
        cpu.Tlb.DropAddress(va);
        return WalkAndFill(cpu, va, kind, refill: false, out physAddr, heldOnlyInOtherL1: true);
    }

    /// <summary>
    /// The page walk on CR3's mm and the fills it makes; on a walk fault, the fault handler and
    /// a retry. refill: the TLBs may still hold va's entry (a dirty assist), so fills replace
    /// it in place. heldOnlyInOtherL1: the lookups just missed in the STLB and in the L1 of this
    /// kind (or dropped va there), so when the walk faults only the other L1 can still hold an
    /// entry for va to drop. Throws <see cref="ModelBugException"/> when a handler keeps reporting a fault
    /// handled that the page tables still raise.
    /// </summary>
    private FaultResult WalkAndFill(Cpu cpu, ulong va, AccessKind kind, bool refill, out ulong physAddr, bool heldOnlyInOtherL1 = false)
    {
        TlbStats stats = cpu.Stats;
        for (int attempt = 0; ; attempt++)
        {
            int refs = 0;
            stats.Walks++;
            WalkFault fault = _walker.Walk(cpu.LoadedMm, va, kind, out Translation t, ref refs);
            stats.WalkMemoryRefs += refs;
            if (fault == WalkFault.None)
            {
                // After a fault va is cached nowhere (the fault dropped it and the handler only
                // flushes), so only a dirty assist's first walk refills in place.
                Fill(cpu, va, kind, t, mayExist: refill && attempt == 0);
                physAddr = (t.Pfn << 12) | (va & 0xFFF);
                return FaultResult.Ok;
            }
            stats.WalkFaults++;
            if (heldOnlyInOtherL1)
            {
                // A fault fills nothing, so on a retry too only the other L1 can hold va.
                (kind == AccessKind.Execute ? cpu.Tlb.L1d : cpu.Tlb.L1i).Invalidate(va);
            }
            else
            {
                cpu.Tlb.DropAddress(va);
            }
            FaultResult result = DeliverFault(cpu, va, kind, fault);
            if (result != FaultResult.Ok)
            {
                physAddr = 0;
                return result;
            }
            if (attempt == MaxFaultRetries)
            {
                throw new ModelBugException($"do_user_addr_fault: fault at 0x{va:x} reported handled {MaxFaultRetries} times but the walk still faults");
            }
        }
    }

    /// <summary>Caches a walked translation in the STLB and in the L1 of the access kind.</summary>
    private static void Fill(Cpu cpu, ulong va, AccessKind kind, in Translation t, bool mayExist)
    {
        ulong flags = (t.Writable ? 0 : TlbArray.ReadOnly)
            | (t.User ? 0 : TlbArray.Supervisor)
            | (t.NoExecute ? TlbArray.NoExec : 0)
            | (t.Dirty ? 0 : TlbArray.Clean)
            | (t.Global ? TlbArray.GlobalData : 0);
        cpu.Tlb.Stlb?.Fill(va, t.PageShift, t.Pfn, flags, mayExist);
        (kind == AccessKind.Execute ? cpu.Tlb.L1i : cpu.Tlb.L1d).Fill(va, t.PageShift, t.Pfn, flags, mayExist);
    }

    /// <summary>exc_page_fault(): the current task's mm goes to the handler; a task without one gets SIGSEGV.</summary>
    private FaultResult DeliverFault(Cpu cpu, ulong va, AccessKind kind, WalkFault fault)
    {
        cpu.Stats.PageFaults++;
        MmStruct? mm = cpu.Current.Mm;
        if (mm is null || FaultHandler is null)
        {
            return FaultResult.MapErr;
        }
        return FaultHandler.HandlePageFault(cpu, mm, va, kind, fault);
    }
}
