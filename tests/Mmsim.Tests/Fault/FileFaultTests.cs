using Mmsim.Fault;
using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Proc;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Fault;

/// <summary>
/// File faults (do_read_fault(), do_cow_fault(), do_shared_fault()) over one page cache
/// shared by every mapper: fault-around of 16 pages, read-around on a major fault, SIGBUS
/// past the end of the file, copy-on-write of private file pages.
/// </summary>
public sealed class FileFaultTests
{
    [Fact]
    public void ColdReadIsMajorAndReadsAroundThenFaultAroundMapsTheCachedWindow()
    {
        // file of 64 pages mapped at column 0, read at page 20:
        //  read-around: pages 4..35 enter the cache (32 pages centred on 20), major fault
        //  then page 40 (not cached): major again; page 17 is cached: minor, and fault-around
        //  maps the aligned 16-page window 16..31 at once.
        var (k, t) = NewMachine();
        Inode f = NewInode("/lib/libx.so", 64);
        t.Mm().MapAt(0, 64, R, MapFlags.Private | MapFlags.Fixed, OpenFile(f));
        Assert.Equal(FaultResult.Ok, k.Read(t, 20));
        Assert.Equal((0L, 1L), (t.MinFlt, t.MajFlt));
        Assert.Equal(32, k.Paging!.Cache.CountOf(f));
        Assert.Equal(new string('.', 20) + "r" + new string('.', 43), t.Ptes(0, 64));
        k.Touch(t, 17, AccessKind.Read);
        Assert.Equal((1L, 1L), (t.MinFlt, t.MajFlt));
        Assert.Equal(new string('.', 16) + new string('r', 16) + new string('.', 32), t.Ptes(0, 64));
        Assert.Equal("0/16/0", t.RssCounters());
        Assert.Equal("1/2", k.Counts(t.PfnAt(17)));
    }

    [Fact]
    public void TwoProcessesShareCachePagesAndFaultAroundStopsAtTheVmaAndFileEnd()
    {
        // file of 10 pages; process A maps pages 0..9 at column 0; B maps pages 2..5 at column 40.
        // With every file page assumed cached: A's read of page 3 maps 0..9 (the file ends);
        // B's read maps its four pages (the VMA ends), onto the same frames.
        var (k, t) = NewMachine(options: new PagingOptions { FilePagesAssumedCached = true });
        Inode f = NewInode("/usr/bin/tool", 10);
        t.Mm().MapAt(0, 16, R, MapFlags.Private | MapFlags.Fixed, OpenFile(f));
        Mmsim.Process.Task b = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        b.Mm().UnmapAt(0, 16);
        b.Mm().MapAt(40, 4, R, MapFlags.Private | MapFlags.Fixed, OpenFile(f), offsetPages: 2);
        k.Read(t, 3);
        Assert.Equal("rrrrrrrrrr......", t.Ptes(0, 16));
        Assert.Equal((1L, 0L), (t.MinFlt, t.MajFlt));
        k.Read(b, 41);
        Assert.Equal("rrrr", b.Ptes(40, 4));
        Assert.Equal(t.PfnAt(2), b.PfnAt(40));
        Assert.Equal("2/3", k.Counts(t.PfnAt(5)));
        // Past the file's last page, inside the VMA: SIGBUS.
        Assert.Equal(FaultResult.SigBus, k.Touch(t, 12, AccessKind.Read));
        MemSizeStats s = SmapsGather.GatherRollup(t.Mm());
        Assert.Equal((40960UL, 16384UL, 24576UL), (s.Resident, s.SharedClean, s.PrivateClean));
    }

    [Fact]
    public void PrivateWriteCopiesSharedWriteDirtiesTheCachePage()
    {
        // 0123       private rw mapping of a 4-page file: a write copies the file page (COW)
        // 4567       shared rw mapping of the same file: a write dirties the cache page itself
        var (k, t) = NewMachine(options: new PagingOptions { FilePagesAssumedCached = true });
        Inode f = NewInode("/data/db", 4);
        t.Mm().MapAt(0, 4, Rw, MapFlags.Private | MapFlags.Fixed, OpenFile(f));
        t.Mm().MapAt(4, 4, Rw, MapFlags.Shared | MapFlags.Fixed, OpenFile(f));
        k.Touch(t, 0);
        Assert.Equal("w...", t.Ptes(0, 4));
        Assert.Equal("1/0/0", t.RssCounters());
        int cached0 = k.Paging!.Cache.Find(f, 0);
        Assert.NotEqual(cached0, t.PfnAt(0));
        Assert.Equal("0/1", k.Counts(cached0));
        // A read of the private mapping maps cache pages around; a write to one copies it.
        k.Read(t, 1);
        Assert.Equal("wrrr", t.Ptes(0, 4));
        k.Touch(t, 2);
        Assert.Equal("wrwr", t.Ptes(0, 4));
        Assert.Equal("2/2/0", t.RssCounters());
        // The shared write: a regular file is write-notified, so a read maps it read-only...
        k.Read(t, 5);
        Assert.Equal("rrrr", t.Ptes(4, 4));
        // ...and the first write makes it writable and dirties the page (wp_page_shared()).
        k.Touch(t, 5);
        Assert.Equal("rwrr", t.Ptes(4, 4));
        Assert.True((k.Paging.Phys.Frame(k.Paging.Cache.Find(f, 1)).Flags & PageFlags.Dirty) != 0);
        // The private view of page 1 is that same cache page, mapped read-only; 2 anon, 2 + 4 file.
        Assert.Equal(t.PfnAt(1), t.PfnAt(5));
        Assert.Equal("2/6/0", t.RssCounters());
    }

    [Fact]
    public void MincoreReportsMappedPagesAndCachedFilePages()
    {
        // anon 0..3: only 1 written; file 8..11 of a 4-page file, page 2 cached by another reader
        var (k, t) = NewMachine();
        Inode f = NewInode("/f", 4);
        t.Mm().MapAt(0, 4);
        t.Mm().MapAt(8, 4, R, MapFlags.Private | MapFlags.Fixed, OpenFile(f));
        k.Touch(t, 1);
        k.Paging!.Cache.Add(f, 2);
        byte[] vec = new byte[12];
        Assert.Equal(-Errno.ENOMEM, t.Mm().Mincore(Col(0), Pages(12), vec));
        Assert.Equal(0, t.Mm().Mincore(Col(0), Pages(4), vec));
        Assert.Equal(new byte[] { 0, 1, 0, 0 }, vec[..4]);
        Assert.Equal(0, t.Mm().Mincore(Col(8), Pages(4), vec));
        Assert.Equal(new byte[] { 0, 0, 1, 0 }, vec[..4]);
        // With every file page assumed cached: all pages inside the file (not the two past its end).
        var (k2, t2) = NewMachine(options: new PagingOptions { FilePagesAssumedCached = true });
        t2.Mm().MapAt(8, 6, R, MapFlags.Private | MapFlags.Fixed, OpenFile(f));
        Assert.Equal(0, t2.Mm().Mincore(Col(8), Pages(6), vec));
        Assert.Equal(new byte[] { 1, 1, 1, 1, 0, 0 }, vec[..6]);
        k2.Validate();
    }

    [Fact]
    public void TruncateUnmapsEveryMappingPastTheNewEnd()
    {
        // an 8-page file: process A maps it shared at 0..7, B private at 20..27 and writes page 5
        // (a private copy). ftruncate to 3.5 pages: pages 4..7 go from both (the copy too) and
        // from the cache; page 3 (holding the new end) stays; touching page 5 is SIGBUS.
        var (k, a) = NewMachine(options: new PagingOptions { FilePagesAssumedCached = true });
        Inode f = NewInode("/data/log", 8);
        a.Mm().MapAt(0, 8, Rw, MapFlags.Shared | MapFlags.Fixed, OpenFile(f));
        Mmsim.Process.Task b = k.Clone(a, 2, shareVm: false, thread: false, shareFiles: false);
        b.Mm().MapAt(20, 8, Rw, MapFlags.Private | MapFlags.Fixed, OpenFile(f));
        k.Read(a, 0);
        k.Read(b, 20);
        k.Touch(b, 25);
        Assert.Equal(("rrrrrrrr", "rrrrrwrr"), (a.Ptes(0, 8), b.Ptes(20, 8)));
        k.Truncate(f, Pages(3) + 2048);
        k.Validate();
        Assert.Equal(("rrrr....", "rrrr...."), (a.Ptes(0, 8), b.Ptes(20, 8)));
        Assert.Equal((4, "0/4/0", "0/4/0"), (k.Paging!.Cache.CountOf(f), a.RssCounters(), b.RssCounters()));
        Assert.Equal(FaultResult.SigBus, k.Touch(b, 25));
        Assert.Equal(FaultResult.Ok, k.Touch(a, 3));
    }

    [Fact]
    public void ForkCopiesTheFileAndAnonPagesOfAPrivateMappingTableAtATime()
    {
        // 0123
        // rwr.   a private file mapping: pages 0 and 2 read (page-cache pages), page 1 written
        //        (do_cow_fault(): an anonymous copy, so the VMA has an anon_vma and fork copies
        //        its PTEs). copy_pte_range() gives the child the same frames, 1 anon + 2 file,
        //        the written page write-protected on both sides; the child's exit undoes it.
        var (k, t) = NewMachine(options: new PagingOptions { FilePagesAssumedCached = true, FaultAroundBytes = 4096 });
        Inode f = NewInode("/data/db", 4);
        t.Mm().MapAt(0, 4, Rw, MapFlags.Private | MapFlags.Fixed, OpenFile(f));
        k.Read(t, 0);
        k.Touch(t, 1);
        k.Read(t, 2);
        Assert.Equal(("rwr.", "1/2/0"), (t.Ptes(0, 4), t.RssCounters()));
        Mmsim.Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        k.Validate();
        Assert.Equal(("rrr.", "rrr."), (t.Ptes(0, 4), c.Ptes(0, 4)));
        Assert.Equal(("1/2/0", "1/2/0"), (t.RssCounters(), c.RssCounters()));
        Assert.Equal((t.PfnAt(0), t.PfnAt(1), t.PfnAt(2)), (c.PfnAt(0), c.PfnAt(1), c.PfnAt(2)));
        Assert.Equal(("2/3", "2/2"), (k.Counts(t.PfnAt(0)), k.Counts(t.PfnAt(1))));
        k.Exit(c);
        k.Validate();
        Assert.Equal(("1/2", "1/1"), (k.Counts(t.PfnAt(0)), k.Counts(t.PfnAt(1))));
    }
}
