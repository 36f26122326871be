using System.Text;
using System.Text.RegularExpressions;

namespace Mmsim.Strace.Tests;

/// <summary>Every real log recorded for the project reads cleanly and joins its split calls.</summary>
public sealed partial class FixtureTests
{
    /// <summary>Names of the fixture folders that hold a trace.log.</summary>
    public static TheoryData<string> Logs()
    {
        var data = new TheoryData<string>();
        foreach (string log in TestUtil.FixtureLogs())
        {
            data.Add(Path.GetFileName(Path.GetDirectoryName(log)!));
        }
        return data;
    }

    [Fact]
    public void AllTwentyTwoFixturesAreFound()
    {
        Assert.True(TestUtil.FixtureLogs().Length >= 22);
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public void ReadsToEndWithOneSyscallEventPerCallStart(string fixture)
    {
        string path = Path.Combine(TestUtil.FixturesDir, fixture, "trace.log");
        string text = File.ReadAllText(path);
        string[] lines = text.Split('\n');
        int starts = 0;
        int unfinished = 0;
        int resumed = 0;
        foreach (string line in lines)
        {
            starts += CallStart().IsMatch(line) ? 1 : 0;
            unfinished += line.EndsWith("<unfinished ...>", StringComparison.Ordinal) ? 1 : 0;
            resumed += line.Contains(" resumed>", StringComparison.Ordinal) ? 1 : 0;
        }
        List<StraceEvent> events = TestUtil.ReadAll(text, "trace.log");
        int syscalls = 0;
        int entered = 0;
        int neverResumed = 0;
        foreach (StraceEvent ev in events)
        {
            syscalls += ev.Kind == StraceEventKind.Syscall ? 1 : 0;
            entered += ev.Kind == StraceEventKind.Entered ? 1 : 0;
            neverResumed += ev.Kind == StraceEventKind.Syscall && ev.Unfinished ? 1 : 0;
            Assert.DoesNotContain("<unfinished", ev.Args.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("resumed>", ev.Args.ToString(), StringComparison.Ordinal);
        }
        Assert.Equal(starts, syscalls);
        Assert.Equal(unfinished, entered);
        Assert.Equal(unfinished - resumed, neverResumed);
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public void ArgumentAccessorsWorkOnEveryCall(string fixture)
    {
        string text = File.ReadAllText(Path.Combine(TestUtil.FixturesDir, fixture, "trace.log"));
        var ints = new List<long>();
        foreach (StraceEvent ev in TestUtil.ReadAll(text))
        {
            if (ev.Kind != StraceEventKind.Syscall)
            {
                continue;
            }
            ArgList a = ev.GetArgs();
            if (ev.Name is "mmap" or "mprotect" or "munmap" or "madvise")
            {
                Assert.True(a.TryGetInt64(0, out _), ev.ToString());
                Assert.True(a.TryGetInt64(1, out _), ev.ToString());
            }
            if (ev.Name == "mmap")
            {
                Assert.True(a.TryGetFlags(2, FlagTables.Prot, out _), ev.ToString());
                Assert.True(a.TryGetFlags(3, FlagTables.Map, out _), ev.ToString());
                Assert.Equal(6, a.Count);
            }
            if (ev.Name == "mprotect")
            {
                Assert.True(a.TryGetFlags(2, FlagTables.Prot, out _), ev.ToString());
            }
            if (ev.Name == "madvise")
            {
                Assert.True(a.TryGetFlags(2, FlagTables.Madvise, out _), ev.ToString());
            }
            if (ev.Name is "openat")
            {
                Assert.True(a.TryGetString(1, out _, out _), ev.ToString());
                Assert.True(a.TryGetFlags(2, FlagTables.Open, out _), ev.ToString());
            }
            if (ev.Name == "mincore" && ev.HasResult && ev.Result == 0)
            {
                ints.Clear();
                Assert.True(a.TryGetIntArray(2, ints), ev.ToString());
                Assert.True(a.TryGetInt64(1, out long len));
                Assert.Equal((len + 4095) / 4096, ints.Count);
            }
            if (ev.Name == "clone")
            {
                Assert.True(a.TryFindNamed("flags", out int fi));
                Assert.True(a.TryGetFlags(fi, FlagTables.Clone, out ulong flags));
                Assert.Equal(17UL, flags & 0xff);
            }
            if (ev.Name == "clone3")
            {
                Assert.True(a.TryGetStructField(0, "flags", out ReadOnlySpan<char> f));
                Assert.True(FlagTable.TryParse(f, FlagTables.Clone, out ulong cf));
                Assert.NotEqual(0UL, cf & 0x10000);
                Assert.True(a.TryGetExitValue(0, out ReadOnlySpan<char> exit));
                Assert.True(ArgList.TryGetStructField(exit, "parent_tid", out ReadOnlySpan<char> tid));
                ints.Clear();
                Assert.True(ArgList.TryParseIntArray(tid, ints, out _));
                Assert.Equal(ev.Result, ints[0]);
            }
        }
    }

    [Fact]
    public void RealShPipeJoinsNewfstatatOfCat()
    {
        string text = File.ReadAllText(Path.Combine(TestUtil.FixturesDir, "real_sh_pipe", "trace.log"));
        string[] lines = text.Split('\n');
        StraceEvent found = default;
        foreach (StraceEvent ev in TestUtil.ReadAll(text))
        {
            if (ev.Kind == StraceEventKind.Syscall && ev.Name == "newfstatat" && ev.Args.Span.Contains("\"/usr/bin/cat\"", StringComparison.Ordinal))
            {
                found = ev;
            }
        }
        Assert.Equal("newfstatat", found.Name);
        Assert.EndsWith("<unfinished ...>", lines[found.Line - 1], StringComparison.Ordinal);
        ArgList a = found.GetArgs();
        Assert.Equal(4, a.Count);
        Assert.True(a.TryGetInt64(0, out long dirfd));
        Assert.Equal(-100, dirfd);
        Assert.True(a.TryGetString(1, out byte[] path, out bool truncated));
        Assert.Equal("/usr/bin/cat", Encoding.ASCII.GetString(path));
        Assert.False(truncated);
        Assert.True(a.TryGetStructField(2, "st_ino", out ReadOnlySpan<char> ino));
        Assert.Equal("247270", ino.ToString());
        Assert.True(a.TryGetStructField(2, "st_dev", out ReadOnlySpan<char> dev));
        Assert.True(ArgList.TryParseMakedev(dev, out uint major, out uint minor));
        Assert.Equal((0xfeu, 0u), (major, minor));
        Assert.True(a.TryGetInt64(3, out long flags));
        Assert.Equal(0, flags);
        Assert.True(found.HasResult);
        Assert.Equal(0, found.Result);
    }

    [Fact]
    public void RealShPipeCloneIsAnnouncedBeforeItsChild()
    {
        string text = File.ReadAllText(Path.Combine(TestUtil.FixturesDir, "real_sh_pipe", "trace.log"));
        List<StraceEvent> events = TestUtil.ReadAll(text);
        int entered = events.FindIndex(e => e.Kind == StraceEventKind.Entered && e.Name == "clone");
        int child = events.FindIndex(e => e.Pid == 17944);
        int done = events.FindIndex(e => e.Kind == StraceEventKind.Syscall && e.Name == "clone" && e.Result == 17944);
        Assert.True(entered >= 0 && entered < child && entered < done);
        Assert.Equal(events[entered].Line, events[done].Line);
        Assert.True(events[done].GetArgs().TryFindNamed("child_tidptr", out int idx));
        Assert.Equal(2, idx);
    }

    [Fact]
    public void KilledAndSignalEventsOfS12()
    {
        string text = File.ReadAllText(Path.Combine(TestUtil.FixturesDir, "s12_growsdown", "trace.log"));
        List<StraceEvent> events = TestUtil.ReadAll(text);
        StraceEvent killed = events.Find(e => e.Kind == StraceEventKind.Killed);
        Assert.Equal("SIGSEGV", killed.SignalName);
        StraceEvent segv = events.Find(e => e.Kind == StraceEventKind.Signal && e.SignalName == "SIGSEGV");
        Assert.StartsWith("{si_signo=SIGSEGV", segv.Args.ToString(), StringComparison.Ordinal);
        Assert.True(ArgList.TryGetStructField(segv.Args.Span, "si_addr", out ReadOnlySpan<char> addr));
        Assert.True(ArgList.TryParseInt64(addr, out long a));
        Assert.Equal(0x5fffb8000, a);
    }

    [Fact]
    public void MemfdAndSealsOfS07()
    {
        string text = File.ReadAllText(Path.Combine(TestUtil.FixturesDir, "s07_filemap", "trace.log"));
        List<StraceEvent> events = TestUtil.ReadAll(text);
        StraceEvent memfd = events.Find(e => e.Name == "memfd_create");
        Assert.True(memfd.GetArgs().TryGetFlags(1, FlagTables.Mfd, out ulong mfd));
        Assert.Equal(3UL, mfd);
        StraceEvent seal = events.Find(e => e.Name == "fcntl" && e.Args.Span.Contains("F_ADD_SEALS", StringComparison.Ordinal));
        Assert.True(seal.GetArgs().TryGetFlags(1, FlagTables.Fcntl, out ulong cmd));
        Assert.Equal(1033UL, cmd);
        Assert.True(seal.GetArgs().TryGetFlags(2, FlagTables.Seals, out ulong seals));
        Assert.Equal(16UL, seals);
    }

    [GeneratedRegex(@"^\d+ [A-Za-z_][A-Za-z0-9_]*\(")]
    private static partial Regex CallStart();
}
