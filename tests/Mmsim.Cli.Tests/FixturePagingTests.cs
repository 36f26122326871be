using Mmsim.Phys;
using Mmsim.Replay;

namespace Mmsim.Cli.Tests;

/// <summary>
/// Every fixture replayed with page tables and demand paging on (a 1 GiB machine): the replay
/// still agrees with every recorded call and the machine stays consistent after every line of the
/// log (<see cref="ReplayOptions.Validate"/>: VMAs, counters, page tables within VMAs, RSS, every
/// frame's mapcount and refcount, the buddy lists) and at its end.
/// </summary>
public sealed class FixturePagingTests
{
    [Theory]
    [MemberData(nameof(FixtureReplayTests.Fixtures), MemberType = typeof(FixtureReplayTests))]
    public void FixtureReplaysWithPaging(string name)
    {
        string fx = Path.Combine(FixtureReplayTests.FixturesDir(), name);
        string trace = Path.Combine(fx, "trace.log");
        string root = Path.Combine(fx, "root");
        RecordingMetadata meta = RecordingMetadata.Load(trace);
        var options = new ReplayOptions
        {
            InitialCwd = meta.Cwd ?? "/",
            RecordedInodes = meta.Inodes,
            Paging = PhysMemConfig.OfSize(1UL << 30),
            Validate = true,
        };
        var host = new HostFileSystem(Directory.Exists(root) ? root : null);
        Replayer replayer = Replayer.RunWithEvidence(() => new Replayer(host, ReplayMode.Check, options: options),
            () => new StreamReader(trace), "trace.log");
        Assert.Empty(replayer.Divergences);
        Assert.True(replayer.FirstViolation is null, $"line {replayer.FirstViolation?.Line}: {string.Join("; ", replayer.FirstViolation?.Violations ?? [])}");
        Assert.True(replayer.Validations > replayer.CallsReplayed);
        replayer.Kernel.Validate();
        Fault.PagingMachine m = replayer.Kernel.Paging!;
        Assert.True(m.Phys.Allocations > 0);
        bool allExited = true;
        foreach (Mmsim.Process.Task t in replayer.Kernel.Tasks.Values)
        {
            allExited &= t.Mm is null;
        }
        System.Console.WriteLine($"PAGING {name}: allocs {m.Phys.Allocations} thp {m.ThpFaultAlloc} cache {m.Cache.NrPages} free {m.Phys.FreePages} managed {m.Phys.TotalManaged} kernel {m.KernelFrames} exited {allExited} tables {m.Store.TablesInUse}");
        if (allExited)
        {
            Assert.Equal(m.Phys.TotalManaged - m.KernelFrames - m.Cache.NrPages, m.Phys.FreePages);
        }
    }
}
