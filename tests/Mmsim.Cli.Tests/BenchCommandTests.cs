using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Mmsim.Cli.Tests;

/// <summary>
/// <c>mmsim bench vma</c>: a few pairs of each operation on the model and on the kernel print one
/// well-formed BENCH line each; bad options are exit 2. The run itself happens in a child
/// process, as a user starts it: the benchmark moves this process's real program break, which is
/// safe only on a main thread the test host's other threads do not share.
/// </summary>
public sealed partial class BenchCommandTests
{
    private static readonly string[] s_ops =
    [
        "mmap_munmap_4k", "mmap_munmap_4k_merge", "mprotect_split_merge", "mremap_grow_in_place",
        "mremap_move", "brk_grow_shrink", "mprotect_split_60k",
    ];

    [GeneratedRegex(@"^BENCH (?<name>[a-z0-9_]+) model_ns=(?<m>[0-9]+\.[0-9]) kernel_ns=(?<k>[0-9]+\.[0-9]) speedup=(?<s>[0-9]+\.[0-9]{2})$")]
    private static partial Regex BenchLine();

    [Fact]
    public void QuickRunPrintsOneWellFormedLinePerOperation()
    {
        (int status, string stdout, string stderr) = RunCli("bench", "vma", "--iterations", "5");
        Assert.True(status == 0, $"exit {status}: {stderr}");
        Assert.Equal("", stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var bench = lines.Where(l => l.StartsWith("BENCH ", StringComparison.Ordinal)).ToList();
        Assert.Equal(s_ops.Length, bench.Count);
        Assert.All(lines, l => Assert.True(l.StartsWith('#') || l.StartsWith("BENCH ", StringComparison.Ordinal), l));
        for (int i = 0; i < s_ops.Length; i++)
        {
            Match m = BenchLine().Match(bench[i]);
            Assert.True(m.Success, bench[i]);
            Assert.Equal(s_ops[i], m.Groups["name"].Value);
            Assert.True(double.Parse(m.Groups["m"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, bench[i]);
            Assert.True(double.Parse(m.Groups["k"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, bench[i]);
        }
    }

    [Fact]
    public void OnlySelectsOperations()
    {
        (int status, string stdout, string stderr) = RunCli("bench", "vma", "--quick", "--only", "mremap_move,mmap_munmap_4k");
        Assert.True(status == 0, $"exit {status}: {stderr}");
        var names = stdout.Split('\n').Where(l => l.StartsWith("BENCH ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToList();
        Assert.Equal("mremap_move,mmap_munmap_4k", string.Join(',', names));
    }

    [Theory]
    [InlineData("--bogus", "unknown option '--bogus'")]
    [InlineData("--iterations", "--iterations needs a value")]
    [InlineData("--iterations=3", "unknown option '--iterations=3'")]
    [InlineData("--only", "--only needs a value")]
    public void BadOptionIsOneLineAndExit2(string option, string message)
    {
        (int status, _, string err) = BadInputTests.Run("bench", "vma", option);
        Assert.Equal(2, status);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void BadValuesAreExit2()
    {
        Assert.Equal(2, BadInputTests.Run("bench", "vma", "--iterations", "0").Status);
        Assert.Equal(2, BadInputTests.Run("bench", "vma", "--only", "nope").Status);
        Assert.Equal(2, BadInputTests.Run("bench", "fs").Status);
    }

    [Fact]
    public void BareBenchAndHelpPrintUsage()
    {
        (int status, string stdout, _) = BadInputTests.Run("bench");
        Assert.Equal(2, status);
        Assert.Contains("mmsim bench vma", stdout, StringComparison.Ordinal);
        (status, stdout, _) = BadInputTests.Run("bench", "--help");
        Assert.Equal(0, status);
        Assert.Contains("mprotect_split_60k", stdout, StringComparison.Ordinal);
    }

    /// <summary>Runs the built CLI (Mmsim.Cli.dll beside the tests) in a child process with the same dotnet host.</summary>
    private static (int Status, string Out, string Err) RunCli(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Mmsim.Cli.dll");
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using System.Diagnostics.Process p = System.Diagnostics.Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            throw new TimeoutException("mmsim bench did not finish in 60 s");
        }
        return (p.ExitCode, stdout, err.Result);
    }

    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
