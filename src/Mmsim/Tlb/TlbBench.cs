using System.Runtime.CompilerServices;
using Mmsim.Arch.X86;
using Mmsim.Mm;

namespace Mmsim.Tlb;

/// <summary>
/// A synthetic walker for benchmarks: every address is mapped, read-write, user, dirty, to the
/// frame numbered like its page, and each walk charges the 4 entry reads of a 4-level walk.
/// </summary>
public sealed class IdentityPageWalker : IPageWalker
{
    /// <inheritdoc/>
    public WalkFault Walk(MmStruct mm, ulong va, AccessKind kind, out Translation translation, ref int memoryRefs)
    {
        memoryRefs += 4;
        translation = new Translation(va >> 12, 12, Writable: true, User: true, NoExecute: false, Global: false, Dirty: true);
        return WalkFault.None;
    }
}

/// <summary>
/// The work of the paging benchmarks, without a clock (the model has none): the CLI's
/// <c>mmsim bench paging</c> and bench/Mmsim.Bench time these calls. Each returns the number of
/// accesses that succeeded, so the work cannot be optimised away and a caller can check it.
/// </summary>
public static class TlbBench
{
    /// <summary>Where the benchmark pages start.</summary>
    public const ulong Base = 0x7f0000000000;

    /// <summary>
    /// A one-CPU machine (default geometry: Skylake) with a fresh user mm loaded, translating
    /// through walker (default: <see cref="IdentityPageWalker"/>).
    /// </summary>
    public static Machine CreateMachine(TlbConfig? config = null, IPageWalker? walker = null, bool pcid = true)
    {
        var machine = new Machine(1, walker ?? new IdentityPageWalker(), config, pcid);
        machine.SwitchMm(0, new MmStruct(MmConfig.Default));
        return machine;
    }

    /// <summary>
    /// n reads cycling over pages pages (a power of two; 16 fits every L1 dTLB set of the default
    /// geometry), so all but the first pages accesses are L1 hits. Compiled fully optimised at
    /// once (not the precompiled ReadyToRun code, which a run this short never leaves), as a
    /// user's long-running loop over <see cref="Machine.Access(int, ulong, AccessKind)"/> is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long RunHits(Machine machine, long n, int pages = 16)
    {
        ulong mask = (ulong)pages - 1;
        long ok = 0;
        for (long i = 0; i < n; i++)
        {
            ulong va = Base + (((ulong)i & mask) << 12) + 8;
            if (machine.Access(0, va, AccessKind.Read) == FaultResult.Ok)
            {
                ok++;
            }
        }
        return ok;
    }

    /// <summary>
    /// n reads walking forward over 65536 pages (256 MiB), more than the STLB holds, so each one
    /// misses every level, walks and fills the STLB and the L1. Compiled fully optimised at once,
    /// as <see cref="RunHits"/> is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long RunMisses(Machine machine, long n)
    {
        const ulong Mask = (1UL << 16) - 1;
        long ok = 0;
        for (long i = 0; i < n; i++)
        {
            ulong va = Base + (((ulong)i & Mask) << 12);
            if (machine.Access(0, va, AccessKind.Read) == FaultResult.Ok)
            {
                ok++;
            }
        }
        return ok;
    }
}
