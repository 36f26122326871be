using Mmsim.Mm;
using Mmsim.Proc;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Fault;

/// <summary>
/// fork()'s copy_page_range() and the copy-on-write that follows (do_wp_page()): shared frames
/// with mapcount and refcount 2, write-protected in both; the first writer copies, the last
/// one left reuses; DONTFORK and WIPEONFORK areas; shared memory stays shared.
/// </summary>
public sealed class CowTests
{
    [Fact]
    public void ForkSharesWriteProtectedPagesAndTheWriterCopies()
    {
        //  parent  01        child  01
        //          ww  fork  ->     rr  (same frames, parent now rr too)
        //  child writes 0:  child  wr  (new frame)  parent rr, frame 0 back to 1/1
        //  parent writes 0: reuse (refcount 1), no copy; parent writes 1: copy
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 2);
        k.Touch(t, 0);
        k.Touch(t, 1);
        int p0 = t.PfnAt(0);
        int p1 = t.PfnAt(1);
        Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        k.Validate();
        Assert.Equal(("rr", "rr"), (t.Ptes(0, 2), c.Ptes(0, 2)));
        Assert.Equal((p0, p1), (c.PfnAt(0), c.PfnAt(1)));
        Assert.Equal(("2/2", "2/2"), (k.Counts(p0), k.Counts(p1)));
        Assert.Equal(("2/0/0", "2/0/0"), (t.RssCounters(), c.RssCounters()));

        k.Touch(c, 0);
        Assert.NotEqual(p0, c.PfnAt(0));
        Assert.Equal(("wr", "1/1"), (c.Ptes(0, 2), k.Counts(p0)));

        long free = k.Paging!.Phys.FreePages;
        k.Touch(t, 0);
        Assert.Equal((p0, "1/1", free), (t.PfnAt(0), k.Counts(p0), k.Paging.Phys.FreePages));
        k.Touch(t, 1);
        Assert.NotEqual(p1, t.PfnAt(1));
        Assert.Equal(("ww", "1/1"), (t.Ptes(0, 2), k.Counts(p1)));
        Assert.Equal((4L, 1L), (t.MinFlt, c.MinFlt));
    }

    [Fact]
    public void PssSplitsASharedPageBetweenItsMappers()
    {
        // 0: shared by parent and child (mapcount 2): Pss 2 KiB each, Shared_Dirty 4 KiB
        // 1: written by the child after fork: private to each
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 2);
        k.Touch(t, 0);
        k.Touch(t, 1);
        Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        k.Touch(c, 1);
        MemSizeStats p = SmapsGather.GatherRollup(t.Mm());
        Assert.Equal((8192UL, 4096UL, 4096UL, 6144UL << MemSizeStats.PssShift), (p.Resident, p.SharedDirty, p.PrivateDirty, p.Pss));
        MemSizeStats s = SmapsGather.GatherRollup(c.Mm());
        Assert.Equal(p.Pss, s.Pss);
        Assert.Equal(p.PssAnon, p.Pss);
        // The child's PTEs were copied old: only the page it wrote is referenced.
        Assert.Equal(4096UL, s.Referenced);
    }

    [Fact]
    public void DontForkAndWipeOnForkAreasAreNotCopied()
    {
        // 0 1 2
        // w w w    0 plain, 1 MADV_DONTFORK, 2 MADV_WIPEONFORK
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 1);
        t.Mm().MapAt(2, 1);
        t.Mm().MapAt(4, 1);
        k.Touch(t, 0);
        k.Touch(t, 2);
        k.Touch(t, 4);
        t.Mm().AdviseAt(2, 1, Madv.DontFork);
        t.Mm().AdviseAt(4, 1, Madv.WipeOnFork);
        Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        k.Validate();
        Assert.Null(c.Mm().Vmas.Lookup(Col(2)));
        Assert.Equal(("r", "."), (c.Ptes(0, 1), c.Ptes(4, 1)));
        Assert.Equal("1/0/0", c.RssCounters());
        // The wiped area reads zeros: the zero page.
        k.Read(c, 4);
        Assert.Equal("z", c.Ptes(4, 1));
        // The parent's DONTFORK page stayed writable (not copied, so not protected).
        Assert.Equal(("r", "w", "w"), (t.Ptes(0, 1), t.Ptes(2, 1), t.Ptes(4, 1)));
    }

    [Fact]
    public void SharedAnonymousMemoryIsShmemAndStaysShared()
    {
        // 012
        // SSS   MAP_SHARED|MAP_ANONYMOUS: shmem pages, MM_SHMEMPAGES, same frames after fork
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 3, Rw, MapFlags.Shared | MapFlags.Anonymous | MapFlags.Fixed);
        k.Touch(t, 0);
        k.Read(t, 1);
        Assert.Equal("ww.", t.Ptes(0, 3));
        Assert.Equal("0/0/2", t.RssCounters());
        Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        // No anon_vma: the child's tables are not copied; it faults the same pages in.
        Assert.Equal("...", c.Ptes(0, 3));
        k.Touch(c, 0);
        Assert.Equal(t.PfnAt(0), c.PfnAt(0));
        Assert.Equal("2/3", k.Counts(t.PfnAt(0)));
        Assert.Equal("0/0/1", c.RssCounters());
        var st = Mmsim.Tests.Fault.PagingKit.Status(t.Mm());
        Assert.Equal((8UL, 8UL), (st.RssShmem, st.VmRss));
    }
}
