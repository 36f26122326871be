namespace Mmsim.Cli.Tests;

/// <summary><c>mmsim run FILE</c>: output, exit status, and errors that name FILE:LINE.</summary>
public sealed class RunCommandTests
{
    private static string Write(string text)
    {
        string dir = Path.Combine(Path.GetTempPath(), "mmsim-run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "exp.scn");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void RunsAndPrintsWhatItShows()
    {
        string f = Write("process demo\n$a = mmap(NULL, 5*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\nwrite $a 3*4096\nshow touched\n");
        (int status, string stdout, string stderr) = BadInputTests.Run("run", f);
        Assert.Equal((0, ""), (status, stderr));
        Assert.Contains("VSZ 20 KiB, RSS 12 KiB", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void AnErrorIsOneLineNamingFileAndLineWithStatus2()
    {
        string f = Write("process demo\n\nwrite $nowhere\n");
        (int status, _, string stderr) = BadInputTests.Run("run", f);
        Assert.Equal(2, status);
        Assert.Equal("mmsim: exp.scn:3: undefined variable $nowhere\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void ADivergenceIsStatus1()
    {
        string f = Write("process demo\nmmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x1000\n");
        (int status, string stdout, _) = BadInputTests.Run("run", f);
        Assert.Equal(1, status);
        Assert.Contains("exp.scn:2: pid 1000 mmap: recorded 0x1000, model 0x7ffff7ffe000", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "--help")]
    [InlineData("help", "run")]
    public void HelpTeachesTheLanguage(params string[] args)
    {
        (int status, string stdout, _) = BadInputTests.Run(args);
        Assert.Equal(0, status);
        Assert.StartsWith("Usage: mmsim run FILE", stdout, StringComparison.Ordinal);
        foreach (string s in (string[])["process", "show /proc/", "fork", "thread", "kthread", "schedule", "explain", "docs/scenarios.md"])
        {
            Assert.Contains(s, stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("run")]
    [InlineData("run", "/nonexistent.scn")]
    [InlineData("run", "a.scn", "--bogus")]
    [InlineData("run", "a.scn", "b.scn")]
    public void BadCommandLinesAreStatus2(params string[] args)
    {
        (int status, _, string stderr) = BadInputTests.Run(args);
        Assert.Equal(2, status);
        Assert.StartsWith("mmsim: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTimelineHasARowPerStatement()
    {
        string f = Write("process demo\n$a = mmap(NULL, 5*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\nwrite $a 3*4096\nshow touched\n");
        (int status, string stdout, _) = BadInputTests.Run("run", f, "--timeline");
        Assert.Equal(0, status);
        string[] rows = stdout.ReplaceLineEndings("\n").Split("step  line")[1].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, rows.Length);
        Assert.Equal("   3     4   1000         20         12       3       0  touched", rows[4]);
    }

    [Fact]
    public void AReplayedRecordingHasTheKernelsMapsByteForByte()
    {
        string fixtures = FixtureReplayTests.FixturesDir();
        string example = Path.Combine(fixtures, "..", "..", "examples", "sleep-replayed.scn");
        (int status, string stdout, string stderr) = BadInputTests.Run("run", example);
        Assert.Equal((0, ""), (status, stderr));
        string recorded = File.ReadAllText(Path.Combine(fixtures, "real_sleep", "maps", "17878.maps"));
        Assert.Contains("held at exit_group\n" + recorded + "== held (line 6)", stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
