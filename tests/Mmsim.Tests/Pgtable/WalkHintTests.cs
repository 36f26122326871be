using Mmsim.DebugVm;
using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Tests.Fault;
using Mmsim.Tlb;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Pgtable;

/// <summary>
/// The walker's hint (MmPgtables.HintRegion ...): the model's memo of the last 2 MiB region a
/// 4-level walk got down to. It must never change what a walk finds or counts: a hinted walk
/// costs the same 4 references, sees every PTE change, and is forgotten as soon as an entry of
/// any other table changes (a PMD cleared by free_pgtables(), a new PTE table, a huge PMD).
/// </summary>
public sealed class WalkHintTests
{
    /// <summary>Region B, 2 MiB above region A.</summary>
    private const ulong B = Base + (2UL << 20);

    /// <summary>
    /// Region A: pagesOfA pages at <see cref="Mm.MmKit.Base"/>; region B: one page at
    /// <see cref="B"/>, in another PTE table. B's page is written, then A's first (the last
    /// fault, so the hint is A's).
    /// </summary>
    private static (Process.Kernel K, Process.Task T) TwoRegions(int pagesOfA)
    {
        var (k, t) = PagingKit.NewMachine();
        t.Mm().MapAt(0, pagesOfA, Rw);
        Assert.Equal((long)B, t.Mm().Checked(t.Mm().Mmap(B, Page.Size, Prot.Read | Prot.Write, AnonFixed, null, 0)));
        Assert.Equal(FaultResult.Ok, k.Access(t, B, AccessKind.Write));
        Assert.Equal(FaultResult.Ok, k.Touch(t, 0));
        return (k, t);
    }

    private static (WalkFault F, int Refs, ulong Pfn) Walk(MmStruct mm, ulong va, AccessKind kind = AccessKind.Read)
    {
        int refs = 0;
        WalkFault f = PageWalker.Instance.Walk(mm, va, kind, out Translation t, ref refs);
        return (f, refs, t.Pfn);
    }

    [Fact]
    public void AHintedWalkCountsEveryLevelAndSeesPteChanges()
    {
        //  region 0x10000000 (2 MiB, one PTE table)
        //  0123
        //  w...   walk col 0: the full walk leaves the hint; walk col 1: hinted, not present
        //  ww..   write col 1 (a fault): the hinted walk now finds its new frame
        var (k, t) = PagingKit.NewMachine();
        t.Mm().MapAt(0, 4, Rw);
        Assert.Equal(FaultResult.Ok, k.Touch(t, 0));
        MmPgtables pt = t.Pg().Tables;
        Assert.Equal((WalkFault.None, 4, (ulong)t.PfnAt(0)), Walk(t.Mm(), Col(0)));
        Assert.Equal(Col(0) >> 21, pt.HintRegion);
        Assert.Equal((WalkFault.NotPresent, 4, 0UL), Walk(t.Mm(), Col(1)));
        Assert.Equal(FaultResult.Ok, k.Touch(t, 1));
        Assert.Equal(Col(0) >> 21, pt.HintRegion);
        Assert.Equal((WalkFault.None, 4, (ulong)t.PfnAt(1)), Walk(t.Mm(), Col(1), AccessKind.Write));
        Assert.Null(pt.CheckHint());
        k.Validate();
    }

    [Fact]
    public void FreeingTheHintedTableForgetsTheHint()
    {
        //  0x10000000        0x10200000
        //  |w.. region A ... |w.. region B
        //  walk A → hint A; munmap A: zap, free_pgtables() clears A's PMD entry → no hint;
        //  map A again and write: a new PTE table (maybe the same frame), found by a full walk.
        var (k, t) = TwoRegions(pagesOfA: 3);
        MmPgtables pt = t.Pg().Tables;
        Assert.Equal(WalkFault.None, Walk(t.Mm(), Col(0)).F);
        Assert.Equal(Base >> 21, pt.HintRegion);
        Assert.Equal(0, t.Mm().Munmap(Base, 3 * Page.Size));
        Assert.Equal(MmPgtables.NoHint, pt.HintRegion);
        Assert.Equal((WalkFault.NotPresent, 3, 0UL), Walk(t.Mm(), Col(0)));
        t.Mm().MapAt(0, 3, Rw);
        Assert.Equal(FaultResult.Ok, k.Touch(t, 2));
        Assert.Equal((WalkFault.None, 4, (ulong)t.PfnAt(2)), Walk(t.Mm(), Col(2)));
        Assert.Equal((WalkFault.NotPresent, 4, 0UL), Walk(t.Mm(), Col(0)));
        Assert.Null(pt.CheckHint());
        k.Validate();
    }

    [Fact]
    public void AWriteToAnotherTableForgetsTheHint()
    {
        //  0x10000000        0x10200000
        //  |w region A       |w region B
        // Any Set outside the hinted PTE table forgets the hint, whatever the table's level: here
        // mprotect() rewriting B's PTE, which could not have made the hint wrong (the cost is one
        // full walk); the next walk of A leaves it again.
        var (k, t) = TwoRegions(pagesOfA: 1);
        MmPgtables pt = t.Pg().Tables;
        Assert.Equal(Base >> 21, pt.HintRegion);
        Assert.Equal(0, t.Mm().Mprotect(B, Page.Size, Prot.Read));
        Assert.Equal(MmPgtables.NoHint, pt.HintRegion);
        Assert.Equal((WalkFault.None, 4, (ulong)t.PfnAt(0)), Walk(t.Mm(), Col(0)));
        Assert.Equal(Base >> 21, pt.HintRegion);
        Assert.Null(pt.CheckHint());
        k.Validate();
    }

    [Fact]
    public void AnUpperEntryChangedBehindSetsBackIsReported()
    {
        // The validator walks from the root and compares: a PMD entry rewritten straight in its
        // table's block (not through Set, which would have forgotten the hint) makes it stale.
        var (k, t) = PagingKit.NewMachine();
        t.Mm().MapAt(0, 1, Rw);
        Assert.Equal(FaultResult.Ok, k.Touch(t, 0));
        MmPgtables pt = t.Pg().Tables;
        Assert.Empty(ValidateMachine.Check(k));
        int pmdTable = pt.Descend(Base, pt.PmdLevel, alloc: false, out _);
        int idx = pt.Geometry.Index(pt.PmdLevel, Base);
        pt.Entries64(pmdTable)[idx] &= ~PgtableTypes.Accessed;
        List<VmViolation> found = ValidateMachine.Check(k);
        Assert.Contains(found, v => v.Invariant == VmInvariant.WalkHint);
    }
}
