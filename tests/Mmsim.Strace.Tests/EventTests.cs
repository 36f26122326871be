namespace Mmsim.Strace.Tests;

/// <summary>Exit, signal and info lines.</summary>
public sealed class EventTests
{
    [Fact]
    public void Exited()
    {
        StraceEvent ev = TestUtil.One("17530 +++ exited with 3 +++\n");
        Assert.Equal(StraceEventKind.Exited, ev.Kind);
        Assert.Equal(3, ev.ExitCode);
        Assert.Equal(17530, ev.Pid);
    }

    [Fact]
    public void Killed()
    {
        StraceEvent ev = TestUtil.One("17717 +++ killed by SIGSEGV +++\n");
        Assert.Equal(StraceEventKind.Killed, ev.Kind);
        Assert.Equal("SIGSEGV", ev.SignalName);
        Assert.Equal(string.Empty, ev.Args.ToString());
        StraceEvent core = TestUtil.One("[pid 9] +++ killed by SIGABRT (core dumped) +++\n");
        Assert.Equal("SIGABRT", core.SignalName);
        Assert.Equal("(core dumped)", core.Args.ToString());
    }

    [Fact]
    public void Signal()
    {
        StraceEvent ev = TestUtil.One("17942 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=17943, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---\n");
        Assert.Equal(StraceEventKind.Signal, ev.Kind);
        Assert.Equal("SIGCHLD", ev.SignalName);
        Assert.True(ArgList.TryGetStructField(ev.Args.Span, "si_pid", out ReadOnlySpan<char> child));
        Assert.Equal("17943", child.ToString());
        StraceEvent stop = TestUtil.One("5 --- stopped by SIGSTOP ---\n");
        Assert.Equal("SIGSTOP", stop.SignalName);
        Assert.Equal("stopped by SIGSTOP", stop.Args.ToString());
    }

    [Fact]
    public void StraceInfoLines()
    {
        List<StraceEvent> events = TestUtil.ReadAll("strace: Process 1234 attached\nstrace: Process 1234 detached\nstrace: whatever else\n[ Process PID=1234 runs in 32 bit mode. ]\n");
        Assert.Equal(4, events.Count);
        Assert.All(events, e => Assert.Equal(StraceEventKind.Info, e.Kind));
        Assert.Equal(1234, events[0].Pid);
        Assert.Equal("Process 1234 attached", events[0].Args.ToString());
        Assert.Equal(1234, events[1].Pid);
        Assert.Equal(0, events[2].Pid);
        Assert.Equal("Process PID=1234 runs in 32 bit mode.", events[3].Args.ToString());
    }

    [Fact]
    public void ToStringIsReadable()
    {
        StraceEvent ev = TestUtil.One("7 close(3) = 0\n");
        Assert.Contains("close(3) = 0", ev.ToString(), StringComparison.Ordinal);
    }
}
