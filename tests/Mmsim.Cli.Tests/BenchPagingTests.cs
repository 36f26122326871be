using System.Text.RegularExpressions;

namespace Mmsim.Cli.Tests;

/// <summary>
/// <c>mmsim bench paging</c>: a quick run (4096 pages, 3 repetitions) prints one well-formed
/// line per operation, in order, and the host bytes per frame; without the kernel side it says
/// so on one line. Nothing here is timed: the figures only have to be positive numbers. The
/// model's own checks (validation before and after the timed part, every access succeeding,
/// the RSS after the touches) make the run fail with exit 1 if the model misbehaves.
/// </summary>
public sealed partial class BenchPagingTests
{
    private static readonly string[] s_faults = ["anon_write", "zero_read", "cow", "fork"];

    [GeneratedRegex(@"^BENCH (?<name>[a-z_]+) model_ns=(?<m>[0-9]+\.[0-9]) kernel_ns=(?<k>[0-9]+\.[0-9]) speedup=[0-9]+\.[0-9]{2}$")]
    private static partial Regex FaultLine();

    [GeneratedRegex(@"^BENCH (?<name>[a-z_]+) model_ns=(?<m>[0-9]+\.[0-9])$")]
    private static partial Regex ModelOnlyLine();

    [GeneratedRegex(@"^BENCH tlb_hit model_ns=[0-9]+\.[0-9]{2} rate=[0-9]+M/s target=200M/s$")]
    private static partial Regex TlbHitLine();

    [GeneratedRegex(@"^BENCH page_walk model_ns=[0-9]+\.[0-9]{2} target=20ns$")]
    private static partial Regex PageWalkLine();

    [GeneratedRegex(@"^BENCH tlb_miss model_ns=[0-9]+\.[0-9]{2}$")]
    private static partial Regex TlbMissLine();

    [Fact]
    public void QuickRunPrintsEveryOperationInOrder()
    {
        (int status, string[] lines, string err) = Run("--quick");
        Assert.True(status == 0, $"exit {status}: {err}");
        Assert.Equal("", err);
        Assert.StartsWith("# paging: 4096 pages (16 MiB), median of 3 repetitions", lines[0], StringComparison.Ordinal);
        bool skipped = lines[1].StartsWith("# kernel side skipped: ", StringComparison.Ordinal);
        string[] bench = [.. lines.Where(l => l.StartsWith("BENCH ", StringComparison.Ordinal))];
        Assert.Equal(7, bench.Length);
        for (int i = 0; i < s_faults.Length; i++)
        {
            Match m = (skipped ? ModelOnlyLine() : FaultLine()).Match(bench[i]);
            Assert.True(m.Success, bench[i]);
            Assert.Equal(s_faults[i], m.Groups["name"].Value);
            Assert.True(double.Parse(m.Groups["m"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, bench[i]);
        }
        Assert.Matches(TlbHitLine(), bench[4]);
        Assert.Matches(PageWalkLine(), bench[5]);
        Assert.Matches(TlbMissLine(), bench[6]);
        Assert.Equal("host bytes per simulated frame: 32", lines[^1]);
    }

    [Fact]
    public void ModelOnlySaysSoOnOneLineAndRunsTheChosenOperations()
    {
        (int status, string[] lines, string err) = Run("--quick", "--model-only", "--only", "fork,anon_write");
        Assert.True(status == 0, $"exit {status}: {err}");
        Assert.Equal("# kernel side skipped: --model-only", Assert.Single(lines, l => l.StartsWith("# kernel", StringComparison.Ordinal)));
        string[] bench = [.. lines.Where(l => l.StartsWith("BENCH ", StringComparison.Ordinal))];
        Assert.Equal(2, bench.Length);
        Assert.Equal("fork", ModelOnlyLine().Match(bench[0]).Groups["name"].Value);
        Assert.Equal("anon_write", ModelOnlyLine().Match(bench[1]).Groups["name"].Value);
    }

    [Theory]
    [InlineData("--bogus", "unknown option '--bogus'")]
    [InlineData("--reps", "--reps needs a value")]
    [InlineData("--only", "--only needs a value")]
    public void BadOptionIsOneLineAndExit2(string option, string message)
    {
        (int status, _, string err) = BadInputTests.Run("bench", "paging", option);
        Assert.Equal(2, status);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void BadValuesAreExit2AndHelpTeaches()
    {
        Assert.Equal(2, BadInputTests.Run("bench", "paging", "--reps", "0").Status);
        Assert.Equal(2, BadInputTests.Run("bench", "paging", "--only", "nope").Status);
        (int status, string stdout, _) = BadInputTests.Run("bench", "paging", "--help");
        Assert.Equal(0, status);
        Assert.Contains("MADV_DONTNEED", stdout, StringComparison.Ordinal);
        Assert.Contains("copy_page_range()", stdout, StringComparison.Ordinal);
        Assert.Contains("untimed", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// The PGO re-run gives each operation a child process of its own: the command line once
    /// per operation, each naming it alone with --only, the other options kept in order; a line
    /// with one operation, or one that does not parse, runs as it is (and reports its error).
    /// </summary>
    [Fact]
    public void EachOperationRunsInAProcessOfItsOwn()
    {
        IReadOnlyList<string[]> runs = BenchPaging.PerOperation(["bench", "paging", "--quick", "--only", "cow,fork", "--model-only"]);
        Assert.Equal(2, runs.Count);
        Assert.Equal(["bench", "paging", "--quick", "--model-only", "--only", "cow"], runs[0]);
        Assert.Equal(["bench", "paging", "--quick", "--model-only", "--only", "fork"], runs[1]);
        Assert.Equal(7, BenchPaging.PerOperation(["bench", "paging", "--reps", "5"]).Count);
        Assert.Equal(["bench", "paging", "--reps", "5", "--only", "tlb_miss"], BenchPaging.PerOperation(["bench", "paging", "--reps", "5"])[6]);
        string[] one = ["bench", "paging", "--only", "fork"];
        Assert.Same(one, Assert.Single(BenchPaging.PerOperation(one)));
        string[] bad = ["bench", "paging", "--only", "nope,fork"];
        Assert.Same(bad, Assert.Single(BenchPaging.PerOperation(bad)));
    }

    /// <summary>The benchmark in this process (it changes nothing of the process's own memory; the kernel side is a child).</summary>
    private static (int Status, string[] Lines, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int status = BenchPaging.Run(args, stdout, stderr);
        return (status, stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.ToString());
    }
}
