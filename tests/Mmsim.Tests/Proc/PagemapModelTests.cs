using Mmsim.Fs;
using Mmsim.Mm;
using Mmsim.Proc;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Proc;

/// <summary>
/// /proc/PID/pagemap read off the model's page tables (MmPaging.PagemapPageAt), with the bit
/// meanings the real entries recorded in tests/fixtures-machine/procself confirm: an anonymous
/// page written once is present and exclusive; the zero page is present, neither file nor
/// exclusive; a page shared by fork is not exclusive until the copy-on-write; a page-cache page
/// is "file"; a PMD-mapped THP reads as 512 consecutive frames, each exclusive.
/// </summary>
public sealed class PagemapModelTests
{
    private const ulong P = ProcPagemap.Present;
    private const ulong X = ProcPagemap.MmapExclusive;
    private const ulong F = ProcPagemap.File;

    [Fact]
    public void AnonZeroForkAndCowPagesReadAsTheKernelReportsThem()
    {
        // 0123
        // wz..      page 0 written, page 1 read (zero page), 2-3 untouched
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 4);
        k.Touch(t, 0);
        k.Read(t, 1);
        Assert.Equal([P | X, P, 0, 0], Flags(t, 0, 4));
        Assert.Equal((ulong)t.PfnAt(0), Entries(t, 0, 1)[0] & ProcPagemap.PfnMask);
        Assert.Equal((ulong)k.Paging!.ZeroPfn, Entries(t, 1, 1)[0] & ProcPagemap.PfnMask);
        // fork: the written page is mapped by both, so no longer exclusive in either.
        Mmsim.Process.Task child = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        Assert.Equal([P, P, 0, 0], Flags(t, 0, 4));
        Assert.Equal([P, P, 0, 0], Flags(child, 0, 4));
        // The parent's write copies: both copies are exclusive again.
        k.Touch(t, 0);
        Assert.Equal(P | X, Flags(t, 0, 1)[0]);
        Assert.Equal(P | X, Flags(child, 0, 1)[0]);
        Assert.NotEqual(Entries(t, 0, 1)[0], Entries(child, 0, 1)[0]);
        // Without CAP_SYS_ADMIN the frame reads as 0 but the flags stay.
        Assert.Equal(P | X, Entries(t, 0, 1, showPfn: false)[0]);
    }

    [Fact]
    public void FilePagesAreFileAndAHugePageIs512ConsecutiveExclusiveFrames()
    {
        var (k, t) = NewMachine();
        Inode f = NewInode("/lib/liby.so", 4);
        t.Mm().MapAt(0, 4, R, MapFlags.Private | MapFlags.Fixed, OpenFile(f));
        // A cold read is a major fault that maps only its own page (read-around fills the cache).
        k.Read(t, 0);
        Assert.Equal([P | F | X, 0, 0, 0], Flags(t, 0, 4));
        // Now cached, the next read maps the rest by fault-around: each page-cache page is "file".
        k.Read(t, 1);
        Assert.Equal([P | F | X, P | F | X, P | F | X, P | F | X], Flags(t, 0, 4));

        const ulong A = 0x40000000;
        t.Mm().Checked(t.Mm().Mmap(A, 2UL << 20, Rw, AnonFixed, null, 0));
        t.Mm().Checked(t.Mm().Madvise(A, 2UL << 20, Madv.HugePage));
        k.Access(t, A, AccessKind.Write);
        var buf = new byte[512 * 8];
        Assert.Equal(buf.Length, ProcPagemap.Read(t.Mm(), t.Pg().PagemapPageAt, A / 4096 * 8, buf));
        ulong first = BitConverter.ToUInt64(buf, 0) & ProcPagemap.PfnMask;
        for (int i = 0; i < 512; i++)
        {
            ulong e = BitConverter.ToUInt64(buf, i * 8);
            Assert.Equal(P | X | (first + (ulong)i), e);
        }
    }

    private static ulong[] Entries(Mmsim.Process.Task t, int column, int n, bool showPfn = true)
    {
        var buf = new byte[n * 8];
        Assert.Equal(buf.Length, ProcPagemap.Read(t.Mm(), t.Pg().PagemapPageAt, Col(column) / 4096 * 8, buf, showPfn));
        var e = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            e[i] = BitConverter.ToUInt64(buf, i * 8);
        }
        return e;
    }

    private static ulong[] Flags(Mmsim.Process.Task t, int column, int n)
    {
        ulong[] e = Entries(t, column, n);
        for (int i = 0; i < n; i++)
        {
            e[i] &= ~ProcPagemap.PfnMask;
        }
        return e;
    }
}
