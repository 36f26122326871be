namespace Mmsim.Strace.Tests;

/// <summary>The forms of the result part of a call line.</summary>
public sealed class ResultTests
{
    [Theory]
    [InlineData("= 3", true, 3L, null)]
    [InlineData("                 = 3", true, 3L, null)]
    [InlineData("= 0x7ffff7fc0000", true, 0x7ffff7fc0000L, null)]
    [InlineData("= 0xffffffffff600000", true, -10485760L, null)]
    [InlineData("= 18446744073709551615", true, -1L, null)]
    [InlineData("= -1 ENOMEM (Cannot allocate memory)", true, -12L, "ENOMEM")]
    [InlineData("= -1 EAGAIN (Resource temporarily unavailable)", true, -11L, "EAGAIN")]
    [InlineData("= ?", false, 0L, null)]
    [InlineData("= ? <unavailable>", false, 0L, null)]
    [InlineData("= 0 (Timeout)", true, 0L, null)]
    [InlineData("= 1 ([{fd=3, revents=POLLIN}])", true, 1L, null)]
    [InlineData("= 0x1 (flags FD_CLOEXEC)", true, 1L, null)]
    [InlineData("= 3</etc/passwd>", true, 3L, null)]
    [InlineData("= 3<socket:[1234]>", true, 3L, null)]
    [InlineData("= 0x3 /* PROT_READ|PROT_WRITE */", true, 3L, null)]
    [InlineData("= ? ERESTARTSYS (To be restarted if SA_RESTART is set)", true, -512L, "ERESTARTSYS")]
    [InlineData("= ? ERESTART_RESTARTBLOCK (Interrupted by signal)", true, -516L, "ERESTART_RESTARTBLOCK")]
    [InlineData("= -1 (errno 530)", true, -530L, "ERECALLCONFLICT")]
    [InlineData("= -1 ENOENT (No such file or directory) (INJECTED)", true, -2L, "ENOENT")]
    [InlineData("= 1234<sleep>", true, 1234L, null)]
    public void ResultForms(string result, bool hasResult, long value, string? errno)
    {
        StraceEvent ev = TestUtil.One("7 foo(1, 2) " + result + "\n");
        Assert.Equal(hasResult, ev.HasResult);
        Assert.Equal(value, ev.Result);
        Assert.Equal(errno, ev.ErrnoName);
        Assert.Equal("1, 2", ev.Args.ToString());
        Assert.False(ev.Unfinished);
    }

    [Fact]
    public void DecoratedResultGivesThePath()
    {
        StraceEvent ev = TestUtil.One("7 openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3</etc/passwd>\n");
        Assert.True(ArgList.TryParseFdPath(ev.ResultText.Span, out string path));
        Assert.Equal("/etc/passwd", path);
    }

    [Fact]
    public void ErrnoNamesAreTheTableInstances()
    {
        List<StraceEvent> events = TestUtil.ReadAll("1 close(9) = -1 EBADF (Bad file descriptor)\n2 close(8) = -1 EBADF (Bad file descriptor)\n");
        Assert.Same(events[0].ErrnoName, events[1].ErrnoName);
    }

    [Fact]
    public void StringsMayContainParensAndEquals()
    {
        StraceEvent ev = TestUtil.One("1 write(1, \"a) = 5 \\\"(\", 8) = 8\n");
        Assert.Equal(8, ev.Result);
        Assert.Equal(3, ev.GetArgs().Count);
        Assert.True(ev.GetArgs().TryGetString(1, out byte[] bytes, out _));
        Assert.Equal("a) = 5 \"(", System.Text.Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public void ExitGroupHasNoResult()
    {
        StraceEvent ev = TestUtil.One("17942 exit_group(0)                     = ?\n");
        Assert.False(ev.HasResult);
        Assert.Equal("?", ev.ResultText.ToString());
    }

    [Fact]
    public void ExecveWithCommentedEnvironment()
    {
        StraceEvent ev = TestUtil.One("5 execve(\"/bin/ls\", [\"ls\", \"-l\"], 0x7ffd1c2b3a40 /* 20 vars */) = 0\n");
        ArgList a = ev.GetArgs();
        Assert.Equal(3, a.Count);
        Assert.True(a.TryGetInt64(2, out long envp));
        Assert.Equal(0x7ffd1c2b3a40, envp);
    }
}
