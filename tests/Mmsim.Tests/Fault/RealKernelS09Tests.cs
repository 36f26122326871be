using Mmsim.Mm;
using Mmsim.Proc;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Fault;

/// <summary>
/// The population and mincore steps of the real-kernel fixture tests/fixtures/s09_populate_mincore
/// (Linux 6.18, THP "madvise"), replayed call by call on the model: each mincore vector and each
/// ru_minflt step between two getrusage calls must be the recorded one, and the final smaps of
/// the THP area (Rss 2048 kB, AnonHugePages 0 after a DONTNEED across both huge pages).
/// </summary>
public sealed class RealKernelS09Tests
{
    private const ulong Area = 0x7ffff7d92000;

    [Fact]
    public void PopulateMincoreAndFaultCountsMatchTheRecording()
    {
        var (k, t) = NewMachine(mib: 64);
        MmStruct mm = t.Mm();
        Map(mm, Area, 64, Rw, 0);
        Assert.Equal(new string('0', 64), Mincore(mm, Area, 64));
        // madvise(MADV_POPULATE_WRITE) of pages 0..15: ru_minflt 57 -> 73
        Assert.Equal(16, Faults(k, t, () => mm.Madvise(Area, Pages(16), Madv.PopulateWrite)));
        Assert.Equal(new string('1', 16) + new string('0', 48), Mincore(mm, Area, 64));
        // MADV_POPULATE_READ of 16..31 (zero page): 73 -> 89
        Assert.Equal(16, Faults(k, t, () => mm.Madvise(Area + Pages(16), Pages(16), Madv.PopulateRead)));
        Assert.Equal(new string('1', 32) + new string('0', 32), Mincore(mm, Area, 64));
        // MADV_POPULATE_WRITE of 16..23 over the zero page: 89 -> 97
        Assert.Equal(8, Faults(k, t, () => mm.Madvise(Area + Pages(16), Pages(8), Madv.PopulateWrite)));
        // the program writes pages 40..47 by hand: 97 -> 105
        Assert.Equal(8, Faults(k, t, () =>
        {
            for (int i = 40; i < 48; i++)
            {
                k.Access(t, Area + Pages(i), AccessKind.Write);
            }
            return 0;
        }));
        Assert.Equal(new string('1', 32) + "00000000" + "11111111" + new string('0', 16), Mincore(mm, Area, 64));
        // MADV_DONTNEED of 8..43 and MADV_FREE of 0..7: no faults, FREE keeps pages resident
        Assert.Equal(0, Faults(k, t, () => mm.Madvise(Area + Pages(8), 147456, Madv.DontNeed)));
        Assert.Equal("11111111" + new string('0', 36) + "1111" + new string('0', 16), Mincore(mm, Area, 64));
        Assert.Equal(0, Faults(k, t, () => mm.Madvise(Area, Pages(8), Madv.Free)));
        Assert.Equal("11111111" + new string('0', 36) + "1111" + new string('0', 16), Mincore(mm, Area, 64));
        // MAP_POPULATE of 32 pages RW, then 32 PROT_READ, then PROT_NONE: +32, +32, +0
        Assert.Equal(32, Faults(k, t, () => Map(mm, 0x7ffff7d72000, 32, Rw, MapFlags.Populate)));
        Assert.Equal(32, Faults(k, t, () => Map(mm, 0x7ffff7d52000, 32, R, MapFlags.Populate)));
        Assert.Equal(0, Faults(k, t, () => Map(mm, 0x7ffff7fb8000, 8, None, MapFlags.Populate)));
        Assert.Equal(new string('1', 32), Mincore(mm, 0x7ffff7d52000, 32));
        Assert.Equal("00000000", Mincore(mm, 0x7ffff7fb8000, 8));
        Assert.Equal(-Errno.EINVAL, mm.Madvise(0x7ffff7d52000, 16384, Madv.PopulateWrite));
        Assert.Equal(-Errno.EINVAL, mm.Madvise(0x7ffff7fb8000, 16384, Madv.PopulateRead));
        // 4 MiB with MADV_HUGEPAGE populated for writing: two huge pages, 170 -> 172
        Map(mm, 0x7ffff7800000, 1024, Rw, 0);
        Assert.Equal(0, mm.Madvise(0x7ffff7800000, 4UL << 20, Madv.HugePage));
        Assert.Equal(2, Faults(k, t, () => mm.Madvise(0x7ffff7800000, 4UL << 20, Madv.PopulateWrite)));
        Assert.Equal(new string('1', 512), Mincore(mm, 0x7ffff7800000, 512));
        // the same without MADV_HUGEPAGE: small pages, 172 -> 1196
        Map(mm, 0x7ffff7400000, 1024, Rw, 0);
        Assert.Equal(1024, Faults(k, t, () => mm.Madvise(0x7ffff7400000, 4UL << 20, Madv.PopulateWrite)));
        // DONTNEED across the middle of the huge pages splits both: no faults
        Assert.Equal(0, Faults(k, t, () => mm.Madvise(0x7ffff7900000, 2UL << 20, Madv.DontNeed)));
        Assert.Equal(new string('1', 256) + new string('0', 256), Mincore(mm, 0x7ffff7800000, 512));
        // The recorded smaps of 7ffff7800000-7ffff7c00000: Rss 2048 kB, Anonymous 2048 kB,
        // AnonHugePages 0 kB, Private_Dirty 2048 kB.
        var mss = default(MemSizeStats);
        SmapsGather.Gather(mm, mm.Vmas.Lookup(0x7ffff7800000)!, ref mss);
        Assert.Equal((2048UL, 2048UL, 0UL, 2048UL), (mss.Resident >> 10, mss.Anonymous >> 10, mss.AnonymousThp >> 10, mss.PrivateDirty >> 10));
        k.Validate();
    }

    private static long Map(MmStruct mm, ulong addr, int pages, int prot, int extra)
    {
        Assert.Equal((long)addr, mm.Checked(mm.Mmap(addr, Pages(pages), prot, AnonFixed | extra, null, 0)));
        return 0;
    }

    private static int Faults(Mmsim.Process.Kernel k, Mmsim.Process.Task t, Func<long> call)
    {
        long before = t.Pg().MinFlt;
        call();
        k.Validate();
        return (int)(t.Pg().MinFlt - before);
    }

    private static string Mincore(MmStruct mm, ulong addr, int pages)
    {
        byte[] vec = new byte[pages];
        Assert.Equal(0, mm.Mincore(addr, Pages(pages), vec));
        return string.Concat(vec.Select(b => (char)('0' + b)));
    }
}
