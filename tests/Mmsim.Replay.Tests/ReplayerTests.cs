namespace Mmsim.Replay.Tests;

/// <summary>The replay engine on small hand-written logs, with a fake host that has no files.</summary>
public sealed class ReplayerTests
{
    private sealed class NoFiles : IHostFiles
    {
        public HostFile? Stat(string path) => null;

        public byte[]? ReadAll(string path) => null;
    }

    [Fact]
    public void ExecOfAMissingFileNamesTheLine()
    {
        var r = new Replayer(new NoFiles(), ReplayMode.Check);
        var e = Assert.Throws<ReplayException>(() => r.Run(new StringReader("7 execve(\"/bin/x\", [\"x\"], []) = 0\n"), "t.log"));
        Assert.StartsWith("t.log:1:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DivergentResultIsCountedWithItsLine()
    {
        var r = new Replayer(new NoFiles(), ReplayMode.Check);
        r.Run(new StringReader("7 munmap(0x1001, 4096) = 0\n7 munmap(0x1000, 4096) = 0\n"), "t.log");
        Assert.Single(r.Divergences);
        Assert.Equal(1, r.Divergences[0].Line);
        Assert.Equal(2, r.CallsReplayed);
    }
}
