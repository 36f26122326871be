using Mmsim.Mm;

namespace Mmsim.Tests.Mm;

/// <summary>Merge, split and placement, drawn as the kernel's tools/testing/vma tests draw them (one column = one page).</summary>
public sealed class VmaMergeTests
{
    private const int Rw = Prot.Read | Prot.Write;
    private const int Anon = MapFlags.Private | MapFlags.Anonymous;
    private const ulong P = Page.Size;

    private static MmStruct NewMm()
    {
        var mm = new MmStruct(MmConfig.Default) { MmapBase = 0x7ffff7fff000 };
        return mm;
    }

    [Fact]
    public void FixedNeighboursWithSameFlagsMerge()
    {
        MmStruct mm = NewMm();
        // 0123456789
        // AA B
        Assert.Equal(0x100000L, mm.Mmap(0x100000, 2 * P, Rw, Anon | MapFlags.Fixed, null, 0));
        Assert.Equal(0x103000L, mm.Mmap(0x103000, P, Rw, Anon | MapFlags.Fixed, null, 0));
        Assert.Equal(2, mm.MapCount);
        // AA*B  -> AAAA
        Assert.Equal(0x102000L, mm.Mmap(0x102000, P, Rw, Anon | MapFlags.Fixed, null, 0));
        Assert.Equal(1, mm.MapCount);
        Vma v = mm.Vmas.First!;
        Assert.Equal((0x100000UL, 0x104000UL, 0x100UL), (v.Start, v.End, v.PgOff));
        mm.Validate();
    }

    [Fact]
    public void MprotectMiddleSplitsAndBackMerges()
    {
        MmStruct mm = NewMm();
        // AAAA
        mm.Mmap(0x100000, 4 * P, Rw, Anon | MapFlags.Fixed, null, 0);
        // ABBA
        Assert.Equal(0L, mm.Mprotect(0x101000, 2 * P, Prot.Read));
        Assert.Equal(3, mm.MapCount);
        Assert.Equal((0x101000UL, 0x103000UL), (mm.Vmas.First!.Next!.Start, mm.Vmas.First!.Next!.End));
        mm.Validate();
        // AAAA
        Assert.Equal(0L, mm.Mprotect(0x101000, 2 * P, Rw));
        Assert.Equal(1, mm.MapCount);
        mm.Validate();
    }

    [Fact]
    public void MunmapMiddleLeavesTwoPieces()
    {
        MmStruct mm = NewMm();
        mm.Mmap(0x100000, 4 * P, Rw, Anon | MapFlags.Fixed, null, 0);
        // A..A
        Assert.Equal(0L, mm.Munmap(0x101000, 2 * P));
        Assert.Equal(2, mm.MapCount);
        Assert.Equal(2UL, mm.TotalVm);
        Assert.Equal((0x103000UL, 0x104000UL, 0x103UL), (mm.Vmas.Last!.Start, mm.Vmas.Last!.End, mm.Vmas.Last!.PgOff));
        mm.Validate();
    }

    [Fact]
    public void TopDownPlacementFillsTheHighestHole()
    {
        MmStruct mm = NewMm();
        long a = mm.Mmap(0, 3 * P, Rw, Anon, null, 0);
        Assert.Equal(0x7ffff7ffcL, a >> 12);
        long b = mm.Mmap(0, P, Prot.Read, Anon, null, 0);
        Assert.Equal(a - (long)P, b);
        Assert.Equal(0L, mm.Munmap((ulong)a, 3 * P));
        long c = mm.Mmap(0, 2 * P, Prot.Read, Anon, null, 0);
        Assert.Equal(a + (long)P, c);
        mm.Validate();
    }

    [Fact]
    public void TwoMegabyteMultiplesAreThpAligned()
    {
        MmStruct mm = NewMm();
        mm.Mmap(0, P, Rw, Anon, null, 0);
        long a = mm.Mmap(0, Page.PmdSize, Rw, Anon, null, 0);
        Assert.Equal(0L, a & (long)(Page.PmdSize - 1));
        mm.Validate();
    }

    [Fact]
    public void ErrorsAreNegativeErrno()
    {
        MmStruct mm = NewMm();
        Assert.Equal(-Errno.EINVAL, mm.Mmap(0, 0, Rw, Anon, null, 0));
        Assert.Equal(-Errno.EINVAL, mm.Munmap(0x100001, P));
        Assert.Equal(-Errno.ENOMEM, mm.Mprotect(0x100000, P, Rw));
        Assert.Equal(-Errno.EBADF, mm.Mmap(0, P, Rw, MapFlags.Private, null, 0, badFd: true));
    }
}
