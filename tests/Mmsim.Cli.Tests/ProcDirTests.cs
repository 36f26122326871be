namespace Mmsim.Cli.Tests;

/// <summary><c>mmsim replay --proc-dir DIR</c> writes maps, smaps, smaps_rollup, status and statm of each process.</summary>
public sealed class ProcDirTests
{
    [Fact]
    public void ProcDirHoldsTheFiveFilesOfEachProcess()
    {
        string fx = Path.Combine(FixtureReplayTests.FixturesDir(), "s09_populate_mincore");
        string dir = Path.Combine(Path.GetTempPath(), "mmsim-procdir-" + Environment.ProcessId);
        try
        {
            (int status, string stdout, _) = BadInputTests.Run(
                ["replay", Path.Combine(fx, "trace.log"), "--root", Path.Combine(fx, "root"), "--proc-dir", dir]);
            Assert.Equal(0, status);
            Assert.Contains("RSS ", stdout, StringComparison.Ordinal);
            Assert.Contains("file pages assumed cached", stdout, StringComparison.Ordinal);
            string pid = Path.Combine(dir, "17658");
            Assert.Equal(File.ReadAllText(Path.Combine(fx, "maps", "17658.maps")).Split('\n')[0], File.ReadAllText(Path.Combine(pid, "maps")).Split('\n')[0]);
            Assert.StartsWith("555555554000-7ffffffff000 ---p 00000000 00:00 0                          [rollup]\n",
                File.ReadAllText(Path.Combine(pid, "smaps_rollup")), StringComparison.Ordinal);
            Assert.Contains("VmSize:\t   11024 kB\n", File.ReadAllText(Path.Combine(pid, "status")), StringComparison.Ordinal);
            Assert.StartsWith("2756 ", File.ReadAllText(Path.Combine(pid, "statm")), StringComparison.Ordinal);
            Assert.Contains("THPeligible:", File.ReadAllText(Path.Combine(pid, "smaps")), StringComparison.Ordinal);
            Assert.StartsWith("17658:   ", File.ReadAllText(Path.Combine(pid, "pmap")), StringComparison.Ordinal);
            Assert.Contains("total kB", File.ReadAllText(Path.Combine(pid, "pmap-x")), StringComparison.Ordinal);
            Assert.EndsWith(" KB \n", File.ReadAllText(Path.Combine(pid, "pmap-X")), StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(pid, "*.tmp"));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
