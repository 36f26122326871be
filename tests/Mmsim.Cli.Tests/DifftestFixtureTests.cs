using System.Text.Json;

namespace Mmsim.Cli.Tests;

/// <summary>
/// Every disagreement `mmsim difftest` found, shrunk to a minimal program, with the real kernel's
/// record (tests/fixtures-difftest/NAME: program.txt, trace.log, maps/PID.maps, problems.txt
/// saying what the model did wrong then, and the runner under root/). Each is replayed exactly
/// as difftest does (--check, no assumed writes, paging): no call may diverge, no mincore
/// vector may show a page the model has not made resident, and every process's maps at exit
/// must be the kernel's.
/// </summary>
public sealed class DifftestFixtureTests
{
    internal static string FixturesDir() => Path.Combine(Path.GetDirectoryName(FixtureReplayTests.FixturesDir())!, "fixtures-difftest");

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (string fx in Directory.GetDirectories(FixturesDir()).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(fx));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ShrunkDisagreementNowAgrees(string name)
    {
        string fx = Path.Combine(FixturesDir(), name);
        using JsonDocument processes = JsonDocument.Parse(File.ReadAllText(Path.Combine(fx, "processes.json")));
        string cwd = processes.RootElement.GetProperty("cwd").GetString()!;
        string runner = processes.RootElement.GetProperty("runner").GetString()!;
        RecordingMetadata meta = RecordingMetadata.Load(Path.Combine(fx, "trace.log"));
        var maps = new Dictionary<int, string>();
        foreach (string f in Directory.GetFiles(Path.Combine(fx, "maps"), "*.maps"))
        {
            maps[int.Parse(Path.GetFileName(f).Split('.')[0], System.Globalization.CultureInfo.InvariantCulture)] = File.ReadAllText(f);
        }
        Assert.NotEmpty(maps);
        List<string> problems = DifftestCheck.Problems(Path.Combine(fx, "trace.log"), cwd, Path.Combine(fx, "root"), meta.Inodes, maps, cwd, runner);
        Assert.True(problems.Count == 0, $"{name}:\n{string.Join('\n', problems)}");
    }
}
