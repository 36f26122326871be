namespace Mmsim.Strace.Tests;

/// <summary>Joining of unfinished/resumed halves.</summary>
public sealed class JoinTests
{
    [Fact]
    public void InterleavedCallsAreJoined()
    {
        const string log =
            "1 read(0,  <unfinished ...>\n" +
            "2 write(1, \"x\", 1 <unfinished ...>\n" +
            "3 getpid() = 3\n" +
            "2 <... write resumed>) = 1\n" +
            "1 <... read resumed>\"abc\", 128) = 3 <0.5>\n";
        List<StraceEvent> events = TestUtil.ReadAll(log);
        Assert.Equal(5, events.Count);
        Assert.Equal(StraceEventKind.Entered, events[0].Kind);
        Assert.Equal("0, ", events[0].Args.ToString());
        Assert.Equal(StraceEventKind.Entered, events[1].Kind);
        StraceEvent write = events[3];
        Assert.Equal(StraceEventKind.Syscall, write.Kind);
        Assert.Equal("write", write.Name);
        Assert.Equal("1, \"x\", 1", write.Args.ToString());
        Assert.Equal(2, write.Line);
        StraceEvent read = events[4];
        Assert.Equal("0, \"abc\", 128", read.Args.ToString());
        Assert.Equal(1, read.Line);
        Assert.Equal(3, read.Result);
        Assert.Equal(0.5, read.Duration);
        Assert.Equal(3, read.GetArgs().Count);
    }

    [Fact]
    public void EmptyArgumentCallsJoin()
    {
        List<StraceEvent> events = TestUtil.ReadAll("1 vfork( <unfinished ...>\n1 <... vfork resumed>)              = 17677\n");
        Assert.Equal(string.Empty, events[1].Args.ToString());
        Assert.Equal(0, events[1].GetArgs().Count);
        Assert.Equal(17677, events[1].Result);
    }

    [Fact]
    public void Clone3ResumesWithExitSide()
    {
        List<StraceEvent> events = TestUtil.ReadAll(
            "1 clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x7f, stack_size=0x7fff80} <unfinished ...>\n" +
            "1 <... clone3 resumed> => {parent_tid=[17700]}, 88) = 17700\n");
        ArgList a = events[1].GetArgs();
        Assert.Equal(2, a.Count);
        Assert.True(a.TryGetStructField(0, "stack_size", out ReadOnlySpan<char> size));
        Assert.Equal("0x7fff80", size.ToString());
        Assert.True(a.TryGetExitValue(0, out ReadOnlySpan<char> exit));
        Assert.Equal("{parent_tid=[17700]}", exit.ToString());
        Assert.True(a.TryGetInt64(1, out long n));
        Assert.Equal(88, n);
    }

    [Fact]
    public void CallCutOffByExitIsReportedBeforeTheExit()
    {
        List<StraceEvent> events = TestUtil.ReadAll("5 futex(0x7f, FUTEX_WAIT, 0, NULL <unfinished ...>\n6 getpid() = 6\n5 +++ killed by SIGKILL +++\n");
        Assert.Equal(4, events.Count);
        StraceEvent futex = events[2];
        Assert.Equal(StraceEventKind.Syscall, futex.Kind);
        Assert.True(futex.Unfinished);
        Assert.False(futex.HasResult);
        Assert.Equal(1, futex.Line);
        Assert.Equal("0x7f, FUTEX_WAIT, 0, NULL", futex.Args.ToString());
        Assert.Equal(StraceEventKind.Killed, events[3].Kind);
    }

    [Fact]
    public void CallsPendingAtEndAreReportedInStartOrder()
    {
        List<StraceEvent> events = TestUtil.ReadAll("9 read(3,  <unfinished ...>\n8 wait4(-1,  <unfinished ...>\n");
        Assert.Equal(4, events.Count);
        Assert.Equal("read", events[2].Name);
        Assert.Equal("wait4", events[3].Name);
        Assert.True(events[2].Unfinished && events[3].Unfinished);
        Assert.Equal(1, events[3].GetArgs().Count);
    }

    [Fact]
    public void KilledInsideCallForms()
    {
        List<StraceEvent> events = TestUtil.ReadAll(
            "1 read(0,  <unfinished ...>) = ?\n" +
            "2 read(4,  <unfinished ...>\n" +
            "3 getpid() = 3\n" +
            "2 <... read resumed> <unfinished ...>) = ?\n" +
            "2 +++ killed by SIGKILL +++\n");
        Assert.True(events[0].Unfinished);
        Assert.False(events[0].HasResult);
        Assert.Equal("0, ", events[0].Args.ToString());
        StraceEvent joined = events[3];
        Assert.Equal("read", joined.Name);
        Assert.True(joined.Unfinished);
        Assert.Equal("4, ", joined.Args.ToString());
        Assert.Equal(2, joined.Line);
    }

    [Fact]
    public void DetachedCallIsUnfinished()
    {
        StraceEvent ev = TestUtil.One("1 read(0,  <detached ...>\n");
        Assert.Equal(StraceEventKind.Syscall, ev.Kind);
        Assert.True(ev.Unfinished);
        Assert.False(ev.HasResult);
    }

    [Fact]
    public void SupersededExecveMovesToTheLeader()
    {
        List<StraceEvent> events = TestUtil.ReadAll(
            "101 execve(\"/bin/true\", [\"true\"], 0x7ffc /* 1 var */ <unfinished ...>\n" +
            "100 futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>\n" +
            "100 +++ superseded by execve in pid 101 +++\n" +
            "100 <... execve resumed>) = 0\n");
        Assert.Equal(5, events.Count);
        Assert.Equal("futex", events[2].Name);
        Assert.True(events[2].Unfinished);
        Assert.Equal(StraceEventKind.Info, events[3].Kind);
        Assert.Equal("execve", events[4].Name);
        Assert.Equal(100, events[4].Pid);
        Assert.Equal(1, events[4].Line);
        Assert.Equal(0, events[4].Result);
    }

    [Fact]
    public void UnprefixedLeaderResumesUnderItsPid()
    {
        List<StraceEvent> events = TestUtil.ReadAll(
            "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>\n" +
            "[pid 1235] getpid() = 1235\n" +
            "[pid 1234] <... clone resumed>, child_tidptr=0x7f) = 1235\n");
        Assert.Equal(0, events[0].Pid);
        Assert.Equal(1234, events[2].Pid);
        Assert.Equal(3, events[2].GetArgs().Count);
    }

    [Fact]
    public void NewCallOnABusyPidAbandonsTheOldOne()
    {
        List<StraceEvent> events = TestUtil.ReadAll("1 read(0,  <unfinished ...>\n1 close(3) = 0\n");
        Assert.Equal(3, events.Count);
        Assert.True(events[1].Unfinished);
        Assert.Equal("close", events[2].Name);
    }
}
