namespace Mmsim.Strace.Tests;

/// <summary>Pid and time prefixes, and the -T suffix.</summary>
public sealed class PrefixTests
{
    [Fact]
    public void PidFromDashO()
    {
        StraceEvent ev = TestUtil.One("17530 close(3) = 0\n");
        Assert.Equal(17530, ev.Pid);
        Assert.Equal("close", ev.Name);
        Assert.Equal("3", ev.Args.ToString());
        Assert.True(double.IsNaN(ev.Timestamp));
        Assert.True(double.IsNaN(ev.Duration));
        Assert.Equal(1, ev.Line);
    }

    [Fact]
    public void PidInBracketsFromStderr()
    {
        StraceEvent ev = TestUtil.One("[pid  1234] close(3) = 0\n");
        Assert.Equal(1234, ev.Pid);
        Assert.Equal(99999, TestUtil.One("[pid 99999] getpid() = 99999\n").Pid);
    }

    [Fact]
    public void NoPidMeansZero()
    {
        StraceEvent ev = TestUtil.One("close(3) = 0\n");
        Assert.Equal(0, ev.Pid);
    }

    [Theory]
    [InlineData("12:34:56 close(3) = 0", 45296.0)]
    [InlineData("12:34:56.123456 close(3) = 0", 45296.123456)]
    [InlineData("1695812345.123456 close(3) = 0", 1695812345.123456)]
    [InlineData("     0.000123 close(3) = 0", 0.000123)]
    [InlineData("17530 12:34:56.5 close(3) = 0", 45296.5)]
    [InlineData("17530 1695812345.000001 close(3) = 0", 1695812345.000001)]
    [InlineData("17530      0.000123 close(3) = 0", 0.000123)]
    [InlineData("[pid  1234] 12:34:56 close(3) = 0", 45296.0)]
    [InlineData("[pid  1234]      1.500000 close(3) = 0", 1.5)]
    public void TimePrefixes(string line, double expected)
    {
        StraceEvent ev = TestUtil.One(line + "\n");
        Assert.Equal(expected, ev.Timestamp, 6);
        Assert.Equal("close", ev.Name);
        Assert.Equal(0, ev.Result);
    }

    [Fact]
    public void DurationSuffix()
    {
        StraceEvent ev = TestUtil.One("17530 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000 <0.000012>\n");
        Assert.Equal(0.000012, ev.Duration, 9);
        Assert.Equal(0x7f0000000000, ev.Result);
        Assert.Equal("0x7f0000000000", ev.ResultText.ToString());
    }

    [Fact]
    public void DurationAfterErrnoAndTimeTogether()
    {
        StraceEvent ev = TestUtil.One("1234  10:00:00.000001 openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000020>\n");
        Assert.Equal(1234, ev.Pid);
        Assert.Equal(36000.000001, ev.Timestamp, 6);
        Assert.Equal(-2, ev.Result);
        Assert.Equal("ENOENT", ev.ErrnoName);
        Assert.Equal(0.00002, ev.Duration, 9);
        Assert.Equal("-1 ENOENT (No such file or directory)", ev.ResultText.ToString());
    }

    [Fact]
    public void InstructionPointerPrefixIsSkipped()
    {
        StraceEvent ev = TestUtil.One("[00007f1e2d3c4b5a] close(3) = 0\n");
        Assert.Equal("close", ev.Name);
    }

    [Fact]
    public void CrLfAndBlankLinesAreTolerated()
    {
        List<StraceEvent> events = TestUtil.ReadAll("1 close(3) = 0\r\n\n   \n2 close(4) = 0");
        Assert.Equal(2, events.Count);
        Assert.Equal(4, events[1].Line);
        Assert.Equal(2, events[1].Pid);
    }

    [Fact]
    public void SyscallNamesAreInterned()
    {
        List<StraceEvent> events = TestUtil.ReadAll("1 close(3) = 0\n2 close(4) = 0\n");
        Assert.Same(events[0].Name, events[1].Name);
    }

    [Fact]
    public void UnknownSyscallNamesAreJustIdentifiers()
    {
        StraceEvent ev = TestUtil.One("42 syscall_0x1ce(0x1, 0x2, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)\n");
        Assert.Equal("syscall_0x1ce", ev.Name);
        Assert.Equal(6, ev.GetArgs().Count);
        Assert.Equal(-38, ev.Result);
    }
}
