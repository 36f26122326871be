using Mmsim.Fs;

namespace Mmsim.Tests.Fs;

/// <summary>The fd table: an array by fd that grows on demand, with far-out fds kept aside.</summary>
public sealed class FdTableTests
{
    private static OpenFile File(string path) => new(new Inode(8, 1, 12, path, 0, InodeKind.Regular), FMode.Read);

    [Fact]
    public void InstallGetCloseAndLowestFree()
    {
        //  fd:  0  1  2  3  4  5 ... 200
        //       a  a  -  b  -  -      c
        var t = new FdTable();
        OpenFile a = File("/a");
        OpenFile b = File("/b");
        OpenFile c = File("/c");
        t.Install(0, a);
        t.Install(1, a);
        t.Install(3, b);
        t.Install(200, c); // past the first 64 slots: the array grows
        Assert.Equal(4, t.Count);
        Assert.Same(a, t.Get(1));
        Assert.Null(t.Get(2));
        Assert.Same(c, t.Get(200));
        Assert.Null(t.Get(-1));
        Assert.Null(t.Get(100_000));
        Assert.Equal(2, t.LowestFree(0));
        Assert.Equal(4, t.LowestFree(3));
        Assert.True(t.Close(1));
        Assert.False(t.Close(1));
        Assert.False(t.Close(-3));
        Assert.Equal(1, t.LowestFree(0));
        Assert.Equal(3, t.Count);
    }

    [Fact]
    public void FdsPastNrOpenAndCopies()
    {
        var t = new FdTable();
        OpenFile far = File("/far");
        t.Install(int.MaxValue, far);
        t.Install(FdTable.NrOpen, far);
        t.Install(-5, far); // no such fd: ignored
        Assert.Equal(2, t.Count);
        Assert.Same(far, t.Get(int.MaxValue));
        FdTable copy = t.Clone();
        Assert.True(t.Close(int.MaxValue));
        Assert.Null(t.Get(int.MaxValue));
        Assert.Same(far, copy.Get(int.MaxValue));
        Assert.Equal(2, copy.Count);
        Assert.Equal(1, t.Count);
    }
}
