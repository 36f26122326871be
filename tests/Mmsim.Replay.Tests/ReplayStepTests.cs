using Mmsim.Strace;

namespace Mmsim.Replay.Tests;

/// <summary><see cref="Replayer.Step"/>: one event at a time does what a whole log does, and gives the model's result.</summary>
public sealed class ReplayStepTests
{
    private sealed class NoFiles : IHostFiles
    {
        public HostFile? Stat(string path) => null;

        public byte[]? ReadAll(string path) => null;
    }

    private const string Log = """
        7 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x10000
        7 mprotect(0x11000, 4096, PROT_READ) = 0
        7 munmap(0x13000, 4096) = 0
        7 brk(NULL) = 0
        """;

    [Fact]
    public void StepByStepIsTheSameReplayAsRun()
    {
        //  0x10000 rw- | r-- | rw- | (unmapped)      (no exec: an empty mm maps from mmap_min_addr up)
        var whole = new Replayer(new NoFiles(), ReplayMode.Check);
        whole.Run(new StringReader(Log), "t.log");
        var stepped = new Replayer(new NoFiles(), ReplayMode.Check);
        var reader = new StraceReader(new StringReader(Log), "t.log");
        var results = new List<long>();
        while (reader.TryRead(out StraceEvent ev))
        {
            ReplayStepResult r = stepped.Step(ev, "t.log");
            Assert.True(r.Handled);
            Assert.Null(r.Divergence);
            results.Add(r.Result);
        }
        Assert.Equal([0x10000L, 0, 0, 0], results);
        Assert.Equal(Mmsim.Proc.ProcMaps.Format(whole.Kernel.Find(7)!.Mm!), Mmsim.Proc.ProcMaps.Format(stepped.Kernel.Find(7)!.Mm!));
        Assert.Equal(whole.CallsReplayed, stepped.CallsReplayed);
    }

    [Fact]
    public void TheModelChoosesWithoutAResultAndADifferenceIsADivergence()
    {
        var r = new Replayer(new NoFiles(), ReplayMode.Check);
        ReplayStepResult chosen = r.Step(StraceReader.ParseCall("mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)", "s", 1, 7), "s");
        Assert.Equal((true, 0x10000L, (Divergence?)null), (chosen.Handled, chosen.Result, chosen.Divergence));
        ReplayStepResult differs = r.Step(StraceReader.ParseCall("munmap(0x1001, 4096) = 0", "s", 2, 7), "s");
        Assert.Equal(-22L, differs.Result);
        Assert.Equal((2L, 7, "munmap", 0L, -22L), (differs.Divergence!.Line, differs.Divergence.Pid, differs.Divergence.Call, differs.Divergence.Recorded, differs.Divergence.Model));
        ReplayStepResult unknown = r.Step(StraceReader.ParseCall("getpid() = 7", "s", 3, 7), "s");
        Assert.False(unknown.Handled);
    }
}
