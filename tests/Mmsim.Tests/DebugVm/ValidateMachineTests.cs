using Mmsim.DebugVm;
using Mmsim.Fault;
using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Phys;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;
using Kernel = Mmsim.Process.Kernel;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.DebugVm;

/// <summary>
/// Planted corruption: each test breaks one invariant on purpose through the model's internals
/// and asserts that the validator reports exactly that violation (and, where one broken book
/// necessarily breaks another, exactly those). Every test starts from this machine (16 MiB):
/// <code>
///   Base + column * 4 KiB
///     0   1   2   3   4 .. 7   8   9
///   | w | w | w | z |        | r | r |
///   [ A: rw- anon   ]        [ B: r-- private file ]
///   w: written (an anonymous frame each), z: read (the zero page), r: read (page-cache frames)
/// </code>
/// </summary>
public sealed class ValidateMachineTests
{
    private readonly Kernel _k;
    private readonly Task _t;

    public ValidateMachineTests()
    {
        (_k, _t) = NewMachine(mib: 16);
        _t.Mm().MapAt(0, 4, Rw);
        _t.Mm().MapAt(8, 2, R, MapFlags.Private | MapFlags.Fixed, OpenFile(NewInode("/data/b", 8)));
        for (int c = 0; c < 3; c++)
        {
            _k.Touch(_t, c);
        }
        _k.Read(_t, 3);
        _k.Read(_t, 8);
        _k.Read(_t, 9);
    }

    private MmStruct Mm => _t.Mm();

    private PhysMem Phys => _k.Paging!.Phys;

    /// <summary>The distinct invariants the validator reports, in enum order.</summary>
    private static List<VmInvariant> Kinds(List<VmViolation> found)
    {
        var kinds = new SortedSet<VmInvariant>();
        foreach (VmViolation v in found)
        {
            kinds.Add(v.Invariant);
        }
        return [.. kinds];
    }

    private void AssertOnly(params VmInvariant[] expected)
    {
        List<VmViolation> found = ValidateMachine.Check(_k);
        Array.Sort(expected);
        Assert.True(expected.SequenceEqual(Kinds(found)), $"expected {string.Join(", ", expected)}, found:\n{string.Join('\n', found)}");
    }

    private ref ulong PteOf(int column)
    {
        MmPgtables tables = _t.Pg().Tables;
        int pt = tables.Descend(Col(column), tables.PteLevel, alloc: false, out _);
        Assert.True(pt >= 0);
        return ref tables.Store.Entry64(pt, tables.Geometry.Index(tables.PteLevel, Col(column)));
    }

    [Fact]
    public void ACleanMachineHasNoViolationAndIsAllFreeAfterExit()
    {
        Assert.Empty(ValidateMachine.Check(_k));
        Task child = _k.Clone(_t, 2, shareVm: false, thread: false, shareFiles: false);
        _k.Touch(child, 0);
        Assert.Empty(ValidateMachine.Check(_k));
        _k.Exit(child);
        _k.Exit(_t);
        Assert.Empty(ValidateMachine.CheckAfterExit(_k));
    }

    /// <summary>B's end moved half a page: [8, 10.5) is not page-aligned.</summary>
    [Fact]
    public void AnUnalignedVmaIsReported()
    {
        Mm.Vmas.Last!.EndField += 0x800;
        AssertOnly(VmInvariant.VmaRange);
    }

    /// <summary>
    /// Two untouched VMAs, the first moved up by two pages onto the second (same length, so the
    /// counters still agree; the holes below them are stale, so the tree's books break too):
    /// <code>
    ///   20  21  22  23  24        20  21  22  23  24
    ///   [ D ]   [ E  ]     -->            [ D  ]
    ///                                         [ E  ]
    /// </code>
    /// </summary>
    [Fact]
    public void OverlappingVmasAreReported()
    {
        Mm.MapAt(20, 2, R);
        Mm.MapAt(23, 2, Rw);
        Vma d = Mm.At(20);
        d.StartField += Pages(2);
        d.EndField += Pages(2);
        AssertOnly(VmInvariant.VmaOrder, VmInvariant.VmaTree);
    }

    /// <summary>
    /// MADV_DONTDUMP on the last page splits C; clearing VM_DONTDUMP behind the model's back
    /// leaves two neighbours with the same flags and contiguous pgoff:
    /// <code>
    ///   30  31  32  33  34
    ///   [ C              |D]    C and D would have merged
    /// </code>
    /// </summary>
    [Fact]
    public void NeighboursThatWouldHaveMergedAreReported()
    {
        Mm.MapAt(30, 5, Rw);
        Mm.AdviseAt(34, 1, Madv.DontDump);
        Assert.Equal(4, Mm.MapCount);
        Mm.At(34).Flags &= ~VmFlags.DontDump;
        AssertOnly(VmInvariant.VmaUnmerged);
    }

    [Fact]
    public void AStaleHoleInTheTreeIsReported()
    {
        Mm.At(8).GapBelow += P;
        AssertOnly(VmInvariant.VmaTree);
    }

    [Fact]
    public void AWrongMapCountIsReported()
    {
        typeof(VmaTree).GetProperty(nameof(VmaTree.Count))!.SetValue(Mm.Vmas, Mm.MapCount + 1);
        AssertOnly(VmInvariant.MapCount, VmInvariant.VmaTree);
    }

    [Theory]
    [InlineData(VmInvariant.TotalVm)]
    [InlineData(VmInvariant.LockedVm)]
    [InlineData(VmInvariant.DataVm)]
    [InlineData(VmInvariant.ExecVm)]
    [InlineData(VmInvariant.StackVm)]
    public void AWrongVmCounterIsReported(VmInvariant counter)
    {
        switch (counter)
        {
            case VmInvariant.TotalVm:
                Mm.TotalVm++;
                break;
            case VmInvariant.LockedVm:
                Mm.LockedVm++;
                break;
            case VmInvariant.DataVm:
                Mm.DataVm--;
                break;
            case VmInvariant.ExecVm:
                Mm.ExecVm++;
                break;
            default:
                Mm.StackVm++;
                break;
        }
        AssertOnly(counter);
        Assert.Contains("pages but the VMAs hold", Assert.Single(ValidateMachine.Check(_k)).Message, StringComparison.Ordinal);
    }

    /// <summary>The zero-page entry of column 3 copied to column 6, where no VMA is.</summary>
    [Fact]
    public void AnEntryOutsideEveryVmaIsReported()
    {
        ulong zero = PteOf(3);
        PteOf(6) = zero;
        AssertOnly(VmInvariant.PteOutsideVma);
        Assert.Contains($"at {Col(6):x} outside any VMA", ValidateMachine.Check(_k)[0].Message, StringComparison.Ordinal);
    }

    /// <summary>Column 0's entry made executable (NX cleared) in A, which has no VM_EXEC.</summary>
    [Fact]
    public void AnEntryTheVmaForbidsIsReported()
    {
        PteOf(0) &= ~PgtableTypes.Nx;
        AssertOnly(VmInvariant.PteNotAllowed);
    }

    /// <summary>After fork, column 0's page is shared copy-on-write; making the parent's entry writable breaks COW.</summary>
    [Fact]
    public void AWritableSharedCowPageIsReported()
    {
        _k.Clone(_t, 2, shareVm: false, thread: false, shareFiles: false);
        Assert.Empty(ValidateMachine.Check(_k));
        PteOf(0) |= PgtableTypes.Rw;
        AssertOnly(VmInvariant.CowShared);
    }

    [Fact]
    public void AWrongRssCounterIsReported()
    {
        _t.Pg().AddRss(MmCounter.AnonPages, 1);
        AssertOnly(VmInvariant.RssCounter);
        Assert.Contains("AnonPages is 4 but the tables map 3", ValidateMachine.Check(_k)[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongPageTableCountIsReported()
    {
        _t.Pg().Tables.AdjustPtes(1);
        AssertOnly(VmInvariant.PgtableCount);
    }

    [Fact]
    public void AWrongMapcountIsReported()
    {
        int pfn = _t.PfnAt(8);
        Phys.Frame(pfn).MapCount++;
        AssertOnly(VmInvariant.FrameMapcount);
        Assert.Contains($"pfn {pfn}: mapcount 2, expected 1", ValidateMachine.Check(_k)[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongRefcountIsReported()
    {
        int pfn = _t.PfnAt(0);
        Phys.Frame(pfn).RefCount++;
        AssertOnly(VmInvariant.FrameRefcount);
        Assert.Contains($"pfn {pfn}: refcount 2, expected 1", ValidateMachine.Check(_k)[0].Message, StringComparison.Ordinal);
    }

    /// <summary>The page-cache frame of column 8 names another owner than its file.</summary>
    [Fact]
    public void APageCacheFrameWithAWrongOwnerIsReported()
    {
        Phys.Frame(_t.PfnAt(8)).Owner = 999;
        AssertOnly(VmInvariant.PageCache);
    }

    /// <summary>A free list's back link broken (the second block no longer points at the first).</summary>
    [Fact]
    public void ABrokenFreeListIsReported()
    {
        Zone zone = Phys.Zone(ZoneType.Dma);
        int order = 0;
        while (zone.FreeList(Phys, order).Count < 2)
        {
            order++;
        }
        Phys.Frame(zone.FreeList(Phys, order)[1]).Prev = PageFrame.None;
        AssertOnly(VmInvariant.BuddyList);
    }

    /// <summary>
    /// Column 0's frame freed while A still maps it (after mprotect made the entries read-only):
    /// the frame is in a free block and mapped; having lost PageAnon, it is also counted as a
    /// file page by the RSS scan.
    /// </summary>
    [Fact]
    public void AFreedFrameStillMappedIsReported()
    {
        Mm.ProtectAt(0, 4, R);
        int pfn = _t.PfnAt(0);
        Assert.True(Phys.PutPage(pfn));
        AssertOnly(VmInvariant.FreeAndMapped, VmInvariant.RssCounter);
        Assert.Contains($"pfn {pfn} is free in the buddy allocator but 1 PTEs map it", ValidateMachine.Check(_k).Find(v => v.Invariant == VmInvariant.FreeAndMapped).Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Column 8's entry pointed at pfn 0, reserved boot memory: the reserved frame is mapped as a
    /// page, and the page-cache frame it mapped before has one mapping (and one reference) fewer
    /// than its counts say.
    /// </summary>
    [Fact]
    public void AReservedFrameMappedAsAPageIsReported()
    {
        int cached = _t.PfnAt(8);
        PteOf(8) &= ~PgtableTypes.PfnMask64;
        AssertOnly(VmInvariant.FrameMapcount, VmInvariant.FrameRefcount);
        List<VmViolation> found = ValidateMachine.Check(_k);
        Assert.Contains(found, v => v.Message == "pfn 0 is reserved but 1 PTEs map it as a page, expected none");
        Assert.Contains(found, v => v.Message == $"pfn {cached}: mapcount 1, expected 0 (the PTEs mapping it)");
    }

    [Fact]
    public void AnAllocatedFrameNobodyHoldsIsALeak()
    {
        int pfn = Phys.AllocPage();
        AssertOnly(VmInvariant.Leak);
        Assert.Contains($"pfn {pfn} ", ValidateMachine.Check(_k)[0].Message, StringComparison.Ordinal);
    }

    /// <summary>After every process exited, one frame allocated and never given back.</summary>
    [Fact]
    public void AFrameLeftAfterExitIsReported()
    {
        _k.Exit(_t);
        Assert.Empty(ValidateMachine.CheckAfterExit(_k));
        Phys.AllocPage();
        List<VmViolation> found = ValidateMachine.CheckAfterExit(_k);
        Assert.Equal([VmInvariant.Leak], Kinds(found));
        Assert.Equal(2, found.Count);
    }

    /// <summary>
    /// A huge page mapped at 1 GiB (THP always) whose deposited PTE table is filed under the next
    /// 2 MiB block instead of its own.
    /// </summary>
    [Fact]
    public void AHugePmdWithoutItsDepositIsReported()
    {
        (Kernel k, Task t) = NewMachine(mib: 16, options: new PagingOptions { Thp = ThpMode.Always });
        const ulong Huge = 0x40000000;
        t.Mm().Mmap(Huge, 4UL << 20, Rw, AnonFixed, null, 0);
        k.Access(t, Huge, AccessKind.Write);
        Assert.Equal(1, k.Paging!.ThpFaultAlloc);
        Assert.Empty(ValidateMachine.Check(k));
        var deposits = (Dictionary<ulong, int>)typeof(MmPaging).GetField("_deposits", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(t.Pg())!;
        deposits.Remove(Huge, out int table);
        deposits[Huge + (2UL << 20)] = table;
        List<VmViolation> found = ValidateMachine.Check(k);
        Assert.Equal([VmInvariant.HugePmdDeposit], Kinds(found));
    }
}
