namespace Mmsim.Strace.Tests;

/// <summary><see cref="StraceReader.ParseCall"/>: one call without a line prefix, with or without its result.</summary>
public sealed class OneCallTests
{
    [Fact]
    public void WithoutAResult()
    {
        StraceEvent ev = StraceReader.ParseCall("mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)", "s.scn", 4, pid: 1000);
        Assert.Equal((StraceEventKind.Syscall, "mmap", 1000, 4L, false), (ev.Kind, ev.Name, ev.Pid, ev.Line, ev.HasResult));
        Assert.Equal("NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0", ev.Args.ToString());
        ArgList a = ev.GetArgs();
        Assert.Equal(6, a.Count);
        Assert.True(a.TryGetFlags(2, FlagTables.Prot, out ulong prot));
        Assert.Equal(3UL, prot);
        Assert.Equal("", ev.ResultText.ToString());
    }

    [Theory]
    [InlineData("brk(NULL) = 0x55555555f000", 0x55555555f000L, null)]
    [InlineData("  munmap(0x1001, 4096)   = -1 EINVAL (Invalid argument)  ", -22L, "EINVAL")]
    [InlineData("openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3", 3L, null)]
    public void WithAResult(string line, long result, string? errno)
    {
        StraceEvent ev = StraceReader.ParseCall(line, "s.scn", 1);
        Assert.True(ev.HasResult);
        Assert.Equal((result, errno), (ev.Result, ev.ErrnoName));
    }

    [Theory]
    [InlineData("mmap(NULL, 8192", "unterminated")]
    [InlineData("42(1)", "expected a system call name")]
    [InlineData("mmap NULL", "expected '(' after call name")]
    [InlineData("mmap(NULL) junk", "expected '=' after argument list")]
    [InlineData("mmap(NULL) = ", "missing result after '='")]
    [InlineData("read(0,  <unfinished ...>", "no place outside a log")]
    public void BadTextNamesFileAndLine(string line, string fragment)
    {
        StraceFormatException e = Assert.Throws<StraceFormatException>(() => StraceReader.ParseCall(line, "s.scn", 7));
        Assert.StartsWith("s.scn:7: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
