namespace Mmsim.Cli.Tests;

/// <summary>
/// Every way of asking for help prints it on stdout with exit status 0: <c>mmsim help</c>,
/// <c>mmsim help COMMAND</c>, and <c>--help</c>/<c>-h</c> anywhere after a command.
/// </summary>
public sealed class HelpTests
{
    [Theory]
    [InlineData("replay", "--help")]
    [InlineData("replay", "-h")]
    [InlineData("replay", "trace.log", "--follow", "--help")]
    [InlineData("help", "replay")]
    public void ReplayHelpListsItsOptions(params string[] args)
    {
        (int status, string stdout, string stderr) = BadInputTests.Run(args);
        Assert.Equal(0, status);
        Assert.Equal(string.Empty, stderr);
        Assert.StartsWith("Usage: mmsim replay TRACE", stdout, StringComparison.Ordinal);
        foreach (string option in (string[])["--check", "--follow", "--root", "--proc-dir", "--cwd", "--no-assume-writes", "--no-paging", "--validate", "--quiet"])
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("demo", "--help")]
    [InlineData("demo", "-h")]
    [InlineData("help", "demo")]
    public void DemoHelpSaysWhatItShows(params string[] args)
    {
        (int status, string stdout, _) = BadInputTests.Run(args);
        Assert.Equal(0, status);
        Assert.StartsWith("Usage: mmsim demo [STEP] [--list]", stdout, StringComparison.Ordinal);
        Assert.Contains("/usr/bin/sleep", stdout, StringComparison.Ordinal);
        Assert.Contains("docs/seeds.md", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("/proc/", stdout.Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public void HelpBenchIsTheBenchHelp()
    {
        (int status, string stdout, _) = BadInputTests.Run("help", "bench");
        Assert.Equal(0, status);
        Assert.Equal(BadInputTests.Run("bench", "--help").Out, stdout);
    }

    [Fact]
    public void OverviewNamesEveryCommand()
    {
        (int status, string stdout, _) = BadInputTests.Run("help");
        Assert.Equal(0, status);
        Assert.Equal(stdout, BadInputTests.Run("--help").Out);
        foreach (string command in (string[])["mmsim demo", "mmsim replay", "mmsim bench", "mmsim help"])
        {
            Assert.Contains(command, stdout, StringComparison.Ordinal);
        }
        // Without arguments the overview is printed as a usage error.
        (status, string bare, _) = BadInputTests.Run();
        Assert.Equal(2, status);
        Assert.Equal(stdout, bare);
    }

    [Fact]
    public void HelpForAnUnknownCommandIsExit2()
    {
        (int status, string stdout, string stderr) = BadInputTests.Run("help", "frobnicate");
        Assert.Equal(2, status);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("unknown command 'frobnicate'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void DemoStillRefusesOtherArguments()
    {
        (int status, _, string stderr) = BadInputTests.Run("demo", "--fast");
        Assert.Equal(2, status);
        Assert.Contains("unexpected argument '--fast'", stderr, StringComparison.Ordinal);
    }
}
