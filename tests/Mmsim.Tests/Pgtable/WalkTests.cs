using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Tests.Fault;
using Mmsim.Tests.Mm;
using Mmsim.Tlb;
using static Mmsim.Pgtable.PgtableTypes;

namespace Mmsim.Tests.Pgtable;

/// <summary>
/// The hardware walk in each paging mode: which entry each level's index selects for one
/// address, how many memory references the walk costs, the permissions it combines, and the
/// tables a single mapped page needs (VmPTE counts PTE, PMD and PUD tables, not the root).
/// </summary>
public sealed class WalkTests
{
    private static (Translation T, int Refs, WalkFault F) Walk(MmStruct mm, ulong va, AccessKind kind)
    {
        int refs = 0;
        WalkFault f = PageWalker.Instance.Walk(mm, va, kind, out Translation t, ref refs);
        return (t, refs, f);
    }

    private static void MapAndWrite(Process.Kernel k, Process.Task t, ulong page)
    {
        Assert.Equal((long)page, t.Mm().Checked(t.Mm().Mmap(page, 4096, Prot.Read | Prot.Write,
            MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, null, 0)));
        Assert.Equal(FaultResult.Ok, k.Access(t, page + 0x890, AccessKind.Write));
        k.Validate();
    }

    [Fact]
    public void FourLevelWalkOf0x7f1234567890()
    {
        //  va = 0x0000_7f12_3456_7890
        //  | 47..39 pgd | 38..30 pud | 29..21 pmd | 20..12 pte | 11..0 offset |
        //  |    254     |     72     |    418     |    359     |    0x890     |
        //  CR3 -> pgd[254] -> pud[72] -> pmd[418] -> pte[359] -> frame + 0x890
        //  4 memory references; tables: pgd + pud + pmd + pte = 4 frames, VmPTE 12 KiB.
        var (k, t) = PagingKit.NewMachine();
        MapAndWrite(k, t, 0x7f1234567000);
        PagingGeometry g = t.Pg().Tables.Geometry;
        Assert.Equal(new[] { 254, 72, 418, 359 }, Indexes(g, 0x7f1234567890));
        var (tr, refs, f) = Walk(t.Mm(), 0x7f1234567890, AccessKind.Read);
        Assert.Equal(WalkFault.None, f);
        Assert.Equal(4, refs);
        Assert.Equal(new Translation((ulong)t.Pg().EntryAt(0x7f1234567000, out _) >> 12 & ((1UL << 40) - 1), 12,
            Writable: true, User: true, NoExecute: true, Global: false, Dirty: true), tr);
        Assert.Equal(4, t.Pg().Tables.TableFrames);
        Assert.Equal(12, (int)Mmsim.Tests.Fault.PagingKit.Status(t.Mm()).VmPte);
    }

    [Fact]
    public void FiveLevelWalkHasOneMoreStep()
    {
        //  va = 0x0055_1f12_3456_7890 (above 47 bits: MAP_FIXED into the LA57 space)
        //  | 56..48 pgd | 47..39 p4d | 38..30 pud | 29..21 pmd | 20..12 pte |
        //  |     85     |     62     |     72     |    418     |    359     |
        //  5 references; 5 table frames; the P4D table is not in VmPTE (still 12 KiB).
        var (k, t) = PagingKit.NewMachine(mode: PagingMode.FiveLevel);
        Assert.Equal((1UL << 56) - 4096, t.Mm().TaskSize);
        MapAndWrite(k, t, 0x551f1234567000);
        Assert.Equal(new[] { 85, 62, 72, 418, 359 }, Indexes(t.Pg().Tables.Geometry, 0x551f1234567890));
        var (tr, refs, f) = Walk(t.Mm(), 0x551f1234567890, AccessKind.Write);
        Assert.Equal((WalkFault.None, 5, 12), (f, refs, tr.PageShift));
        Assert.Equal(5, t.Pg().Tables.TableFrames);
        Assert.Equal(12, (int)Mmsim.Tests.Fault.PagingKit.Status(t.Mm()).VmPte);
    }

    [Fact]
    public void TwoLevelWalkUses32BitEntriesWithoutNx()
    {
        //  va = 0xb765_4321, i386 without PAE (3G/1G split: TASK_SIZE 0xc0000000)
        //  | 31..22 pgd | 21..12 pte | 11..0 |
        //  |    733     |    596     | 0x321 |
        //  2 references; pgd + pte = 2 frames, VmPTE 4 KiB; no NX bit: the page is executable.
        var (k, t) = PagingKit.NewMachine(mode: PagingMode.TwoLevel);
        Assert.Equal(0xc0000000UL, t.Mm().TaskSize);
        MapAndWrite(k, t, 0xb7654000);
        Assert.Equal(new[] { 733, 596 }, Indexes(t.Pg().Tables.Geometry, 0xb7654321));
        var (tr, refs, f) = Walk(t.Mm(), 0xb7654321, AccessKind.Execute);
        Assert.Equal((WalkFault.None, 2, false), (f, refs, tr.NoExecute));
        ulong pte = t.Pg().EntryAt(0xb7654000, out _);
        Assert.Equal(0UL, pte >> 32);
        Assert.Equal(Present | Rw | User | Accessed | Dirty | SoftDirty, pte & 0xfff);
        Assert.Equal(2, t.Pg().Tables.TableFrames);
        Assert.Equal(4, (int)Mmsim.Tests.Fault.PagingKit.Status(t.Mm()).VmPte);
    }

    [Fact]
    public void PaeWalkReadsThePdptFromRegisters()
    {
        //  va = 0xb765_4321, i386 PAE
        //  | 31..30 pgd (PDPT) | 29..21 pmd | 20..12 pte | 11..0 |
        //  |         2         |    443     |     84     | 0x321 |
        //  The four PDPT entries are loaded with CR3: 2 references. The three user PMDs are
        //  allocated with the pgd (preallocate_pmds()): pgd + 3 pmd + pte = 5 frames, VmPTE 16 KiB.
        var (k, t) = PagingKit.NewMachine(mode: PagingMode.Pae);
        MapAndWrite(k, t, 0xb7654000);
        Assert.Equal(new[] { 2, 443, 84 }, Indexes(t.Pg().Tables.Geometry, 0xb7654321));
        var (tr, refs, f) = Walk(t.Mm(), 0xb7654321, AccessKind.Read);
        Assert.Equal((WalkFault.None, 2, true), (f, refs, tr.NoExecute));
        Assert.Equal(WalkFault.Protection, Walk(t.Mm(), 0xb7654321, AccessKind.Execute).F);
        Assert.Equal(5, t.Pg().Tables.TableFrames);
        Assert.Equal(16, (int)Mmsim.Tests.Fault.PagingKit.Status(t.Mm()).VmPte);
    }

    [Fact]
    public void WalkFaultsAndAccessedDirtyBits()
    {
        // 0123
        // rz..      column 0 read-only file-less page read (zero page), column 1 never touched
        var (k, t) = PagingKit.NewMachine();
        t.Mm().MapAt(0, 2, Mm.MmKit.Rw);
        Assert.Equal(FaultResult.Ok, k.Read(t, 0));
        int refs = 0;
        // Not present: the walk stops at the empty PTE after 4 references.
        Assert.Equal(WalkFault.NotPresent, PageWalker.Instance.Walk(t.Mm(), Mm.MmKit.Col(1), AccessKind.Read, out _, ref refs));
        Assert.Equal(4, refs);
        // The zero page is mapped read-only: a write is a protection fault (P=1).
        Assert.Equal(WalkFault.Protection, Walk(t.Mm(), Mm.MmKit.Col(0), AccessKind.Write).F);
        // A write fault replaces it; the walk then sets D in the leaf only.
        Assert.Equal(FaultResult.Ok, k.Touch(t, 0));
        Tables(t).Set(Leaf(t, 0).Table, Leaf(t, 0).Idx, t.PteAt(0) & ~(Accessed | Dirty));
        Assert.Equal(WalkFault.None, Walk(t.Mm(), Mm.MmKit.Col(0), AccessKind.Write).F);
        Assert.Equal(Accessed | Dirty, t.PteAt(0) & (Accessed | Dirty));
        Assert.Equal(2, t.MinFlt);
    }

    [Fact]
    public void TheWalkWritesBackOnlyTheBitsThatAreClear()
    {
        // 01
        // w.        column 0 written; the walk's write-back happens only when a bit it sets is clear
        //   CR3 -> pgd -> pud -> pmd[i] -> pte[j]
        //                        A cleared here: a read walk sets it again, leaves the leaf's D clear
        var (k, t) = PagingKit.NewMachine();
        t.Mm().MapAt(0, 2, Mm.MmKit.Rw);
        Assert.Equal(FaultResult.Ok, k.Touch(t, 0));
        MmPgtables pt = Tables(t);
        int pmdTable = pt.Descend(Mm.MmKit.Col(0), pt.PmdLevel, alloc: false, out _);
        int pmdIdx = pt.Geometry.Index(pt.PmdLevel, Mm.MmKit.Col(0));
        ulong pmd = pt.Get(pmdTable, pmdIdx);
        pt.Set(pmdTable, pmdIdx, pmd & ~Accessed);
        pt.Set(Leaf(t, 0).Table, Leaf(t, 0).Idx, t.PteAt(0) & ~Dirty);
        Assert.Equal(WalkFault.None, Walk(t.Mm(), Mm.MmKit.Col(0), AccessKind.Read).F);
        Assert.Equal(pmd, pt.Get(pmdTable, pmdIdx));
        Assert.Equal(Accessed, t.PteAt(0) & (Accessed | Dirty));
        // Everything set already: a read walk changes nothing; a write walk sets the leaf's D.
        ulong before = t.PteAt(0);
        Assert.Equal(WalkFault.None, Walk(t.Mm(), Mm.MmKit.Col(0), AccessKind.Read).F);
        Assert.Equal(before, t.PteAt(0));
        var (tr, refs, f) = Walk(t.Mm(), Mm.MmKit.Col(0), AccessKind.Write);
        Assert.Equal((WalkFault.None, 4, true), (f, refs, tr.Dirty));
        Assert.Equal(before | Dirty, t.PteAt(0));
        // 1 GiB further up nothing is mapped: the walk reads the PGD entry and the empty PUD entry.
        var miss = Walk(t.Mm(), Mm.MmKit.Col(0) + (1UL << 30), AccessKind.Read);
        Assert.Equal((WalkFault.NotPresent, 2), (miss.F, miss.Refs));
    }

    [Fact]
    public void AWalkWithNothingToWriteBackDecidesLikeTheLevelByLevelWalk()
    {
        // 01
        // w.        column 0 written: A everywhere, D in the leaf, NX (anonymous memory)
        //   CR3 -> pgd -> pud -> pmd -> pte[0]    read straight through, 4 references each
        // Read and write pass (the write needs no write-back); a fetch hits NX and faults;
        // nothing in the tables changes. Column 1's PTE is none: the walk goes level by level.
        var (k, t) = PagingKit.NewMachine();
        t.Mm().MapAt(0, 2, Mm.MmKit.Rw);
        Assert.Equal(FaultResult.Ok, k.Touch(t, 0));
        ulong pte = t.PteAt(0);
        Assert.Equal(Accessed | Dirty | Nx, pte & (Accessed | Dirty | Nx));
        var read = Walk(t.Mm(), Mm.MmKit.Col(0) + 0x10, AccessKind.Read);
        var write = Walk(t.Mm(), Mm.MmKit.Col(0), AccessKind.Write);
        var exec = Walk(t.Mm(), Mm.MmKit.Col(0), AccessKind.Execute);
        Assert.Equal((WalkFault.None, 4), (read.F, read.Refs));
        Assert.Equal(new Translation(EntryPfn(pte), 12, Writable: true, User: true, NoExecute: true, Global: false, Dirty: true), read.T);
        Assert.Equal((WalkFault.None, 4, read.T), (write.F, write.Refs, write.T));
        Assert.Equal((WalkFault.Protection, 4), (exec.F, exec.Refs));
        Assert.Equal(pte, t.PteAt(0));
        Assert.Equal((WalkFault.NotPresent, 4), (Walk(t.Mm(), Mm.MmKit.Col(1), AccessKind.Read).F, Walk(t.Mm(), Mm.MmKit.Col(1), AccessKind.Read).Refs));
    }

    [Fact]
    public void EntryEncodings()
    {
        // pfn 0x1234 read-only user page, no exec: P|U|A|NX
        Assert.Equal(0x8000000001234025UL, MkEntry(0x1234, PageReadonly));
        Assert.Equal(0x1234UL, EntryPfn(0x8000000001234025UL));
        // x86-64 swap entry: type in bits 59..63, offset inverted from bit 9.
        ulong swp = SwapEntry64(3, 0x1000);
        Assert.Equal(0x1fffffffffdffe00UL, swp);
        Assert.Equal((3u, 0x1000UL), (SwapType64(swp), SwapOffset64(swp)));
        Assert.True(IsSwap(swp));
        Assert.False(IsPresent(swp));
        // i386 2-level: type in bits 1..5, offset from bit 9.
        ulong swp32 = SwapEntry32(3, 0x1000);
        Assert.Equal(0x200006UL, swp32);
        Assert.Equal((3u, 0x1000UL), (SwapType32(swp32), SwapOffset32(swp32)));
        // PROT_NONE keeps the PFN with Present clear: present to the kernel, not to the MMU.
        ulong none = Modify(MkEntry(0x1234, PageShared) | Dirty, PageNone);
        Assert.Equal(0x1234000UL | ProtNone | Accessed | Dirty, none);
        Assert.True(IsPresent(none));
        Assert.True(IsNone(Accessed | Dirty));
    }

    private static int[] Indexes(PagingGeometry g, ulong va)
    {
        int[] r = new int[g.Levels];
        for (int l = 0; l < g.Levels; l++)
        {
            r[l] = g.Index(l, va);
        }
        return r;
    }

    private static MmPgtables Tables(Process.Task t) => t.Pg().Tables;

    private static (int Table, int Idx) Leaf(Process.Task t, int column)
    {
        Assert.True(t.Pg().FindPte(Mm.MmKit.Col(column), out int table, out int idx));
        return (table, idx);
    }

}
