using Mmsim.Mm;
using Mmsim.Proc;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Proc;

/// <summary>
/// /proc/vmstat as the model determines it: fault events from the tasks, allocation and free
/// events from the buddy allocator, and the node counters of mapped pages from the frames.
/// </summary>
public sealed class VmStatSnapshotTests
{
    [Fact]
    public void FaultsAllocationsAndMappedPagesAreCounted()
    {
        // 0123      a 4-page private anonymous VMA
        // wwz.      two writes (two frames), one read (the zero page: mapped, but not counted)
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 4);
        VmStat before = VmStatSnapshot.Of(k);
        k.Touch(t, 0);
        k.Touch(t, 1);
        k.Read(t, 2);
        VmStat v = VmStatSnapshot.Of(k);
        Assert.Equal((3L, 0L), (v[VmStatItem.Pgfault], v[VmStatItem.Pgmajfault]));
        Assert.Equal((2L, 0L, 0L), (v[VmStatItem.NrAnonPages], v[VmStatItem.NrMapped], v[VmStatItem.NrAnonTransparentHugepages]));
        // Three page-table pages (PUD, PMD, PTE), two data frames, and the first slab page of the
        // anon_vma and of the anon_vma_chain cache (the first write's anon_vma_prepare()) came
        // from the allocator.
        Assert.Equal(3L, v[VmStatItem.NrPageTablePages] - before[VmStatItem.NrPageTablePages]);
        long allocated = Allocated(v) - Allocated(before);
        long freed = v[VmStatItem.Pgfree] - before[VmStatItem.Pgfree];
        Assert.Equal((7L, 0L), (allocated, freed));
        Assert.Equal(before[VmStatItem.NrFreePages] - 7, v[VmStatItem.NrFreePages]);
    }

    [Fact]
    public void UnmapFreesWhatTheFaultsAllocatedAndForkSharesAnonPagesOnce()
    {
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 4);
        k.Touch(t, 0);
        k.Touch(t, 1);
        // fork: both processes map the two pages; each page is still one anonymous page.
        Mmsim.Process.Task child = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        VmStat shared = VmStatSnapshot.Of(k);
        Assert.Equal(2L, shared[VmStatItem.NrAnonPages]);
        k.Exit(child);
        VmStat before = VmStatSnapshot.Of(k);
        t.Mm().UnmapAt(0, 4);
        VmStat v = VmStatSnapshot.Of(k);
        // The two frames and the now-empty PTE table go back (the PUD and PMD tables stay, as
        // free_pgtables() keeps tables that still span other VMAs' floor/ceiling).
        Assert.Equal(0L, v[VmStatItem.NrAnonPages]);
        Assert.Equal(v[VmStatItem.Pgfree] - before[VmStatItem.Pgfree], v[VmStatItem.NrFreePages] - before[VmStatItem.NrFreePages]);
        Assert.True(v[VmStatItem.Pgfree] - before[VmStatItem.Pgfree] >= 2);
    }

    [Fact]
    public void AHugePageCountsAsOneTransparentHugepageAnd512AnonPages()
    {
        const ulong A = 0x40000000;
        var (k, t) = NewMachine(mib: 64);
        t.Mm().Checked(t.Mm().Mmap(A, 2UL << 20, Rw, AnonFixed, null, 0));
        t.Mm().Checked(t.Mm().Madvise(A, 2UL << 20, Madv.HugePage));
        k.Access(t, A, AccessKind.Write);
        VmStat v = VmStatSnapshot.Of(k);
        Assert.Equal((512L, 1L, 1L), (v[VmStatItem.NrAnonPages], v[VmStatItem.NrAnonTransparentHugepages], v[VmStatItem.ThpFaultAlloc]));
    }

    [Fact]
    public void MeminfoOfTheMachineFollowsTheSnapshot()
    {
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 4);
        k.Touch(t, 0);
        k.Touch(t, 1);
        VmStat v = VmStatSnapshot.Of(k);
        MeminfoValues m = MeminfoValues.Compute(k.Paging!.Phys, v, new MeminfoValues());
        Assert.Equal((ulong)v[VmStatItem.NrFreePages] * 4, m[MeminfoLine.MemFree]);
        Assert.Equal(8UL, m[MeminfoLine.AnonPages]);
        // The slab pages of the task_struct (8), mm_struct (8), vm_area_struct, anon_vma and
        // anon_vma_chain (1 each) objects.
        Assert.Equal(19UL * 4, m[MeminfoLine.Slab]);
        Assert.Contains("AnonPages:             8 kB\n", ProcMeminfo.Format(m), StringComparison.Ordinal);
    }

    private static long Allocated(VmStat v) => v[VmStatItem.PgallocDma] + v[VmStatItem.PgallocDma32] + v[VmStatItem.PgallocNormal];
}
