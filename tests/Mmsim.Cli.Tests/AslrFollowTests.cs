using Mmsim.Replay;

namespace Mmsim.Cli.Tests;

/// <summary>
/// --follow on logs recorded with ASLR on: the random heap start, mmap base and PIE load bias
/// are read off the first calls that reveal them, so the rebuilt maps equal the real ones but
/// for [stack], whose random top no call shows. Each revealed choice counts as one divergence.
/// </summary>
public sealed class AslrFollowTests
{
    private static string Dir(string name)
    {
        return Path.Combine(Path.GetDirectoryName(FixtureReplayTests.FixturesDir())!, "fixtures-aslr", name);
    }

    private static List<string> WithoutStack(string maps)
    {
        var lines = FixtureReplayTests.Normalize(maps);
        lines.RemoveAll(l => l.EndsWith(" [stack]", StringComparison.Ordinal));
        return lines;
    }

    [Theory]
    [InlineData("sleep", 3)]   // PIE: heap start, mmap base, load bias
    [InlineData("python3", 2)] // ET_EXEC: heap start, mmap base
    public void FollowRebuildsTheRandomisedLayout(string name, int revealed)
    {
        string dir = Dir(name);
        string trace = Path.Combine(dir, "trace.log");
        RecordingMetadata meta = RecordingMetadata.Load(trace);
        var options = new ReplayOptions { InitialCwd = meta.Cwd ?? "/" };
        Replayer r = Replayer.RunWithEvidence(() => new Replayer(new HostFileSystem(null), ReplayMode.Follow, options: options),
            () => new StreamReader(trace), "trace.log");
        Assert.Equal(revealed, r.Divergences.Count);
        string real = Directory.GetFiles(Path.Combine(dir, "maps"))[0];
        int pid = int.Parse(Path.GetFileName(real).Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(WithoutStack(File.ReadAllText(real)), WithoutStack(r.Snapshots[pid].Maps));
    }

    [Fact]
    public void CheckModeKeepsItsOwnLayoutAndReportsEveryDifference()
    {
        string trace = Path.Combine(Dir("sleep"), "trace.log");
        Replayer r = Replayer.RunWithEvidence(() => new Replayer(new HostFileSystem(null), ReplayMode.Check),
            () => new StreamReader(trace), "trace.log");
        Assert.True(r.Divergences.Count > 3, $"{r.Divergences.Count} divergences");
    }
}
