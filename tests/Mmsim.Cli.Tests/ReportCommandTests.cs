using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Mmsim.Cli.Tests;

/// <summary>
/// The report tests replay on the 24 GiB machine (~250 MB of frames per kernel, counted by
/// GC.GetTotalMemory even untouched); they run alone, after the parallel tests, so they never add
/// to the managed memory another test watches (the fuzz tests' 4 GiB ceiling).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReportTestsAlone
{
    public const string Name = "report tests, run alone";
}

/// <summary>
/// <c>mmsim report TRACE -o FILE</c>: one self-contained HTML page with the summary and, for each
/// process, the five kinds of picture; bad input and the input itself as output are refused.
/// </summary>
[Collection(ReportTestsAlone.Name)]
public sealed partial class ReportCommandTests
{
    [GeneratedRegex("<figure class=\"pic pic-([a-z-]+)\">\n(<svg .*?</svg>\n)</figure>", RegexOptions.Singleline)]
    private static partial Regex FigureRegex();

    private static string TempDir(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mmsim-report-{name}-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public void ForkCowReportHasEveryPictureOfEveryProcessAsWellFormedSvg()
    {
        //  s10_fork_cow: a parent and three children, each captured at its exit_group;
        //  per process: layout, VMA pages, walk, buddy, timeline.
        string fx = Path.Combine(FixtureReplayTests.FixturesDir(), "s10_fork_cow");
        string dir = TempDir("fork");
        try
        {
            string output = Path.Combine(dir, "report.html");
            (int status, string stdout, string stderr) = BadInputTests.Run(
                ["report", Path.Combine(fx, "trace.log"), "--root", Path.Combine(fx, "root"), "-o", output]);
            Assert.Equal((0, ""), (status, stderr));
            Assert.Equal($"{output}: 4 processes, 65 calls replayed, 0 diverged\n", stdout.Replace("\r", "", StringComparison.Ordinal));
            string html = File.ReadAllText(output);
            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
            Assert.Contains("none: every result agrees with the recording", html, StringComparison.Ordinal);

            var kinds = new Dictionary<string, int>();
            foreach (Match m in FigureRegex().Matches(html))
            {
                kinds[m.Groups[1].Value] = kinds.GetValueOrDefault(m.Groups[1].Value) + 1;
                XElement svg = XElement.Parse(m.Groups[2].Value);
                Assert.Equal("{http://www.w3.org/2000/svg}svg", svg.Name.ToString());
            }
            Assert.Equal(
                [("buddy", 4), ("layout", 4), ("timeline", 4), ("vma-pages", 4), ("walk", 4)],
                kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => (k.Key, k.Value)));
            // The maps of each process, as the replay writes them.
            foreach (string maps in Directory.GetFiles(Path.Combine(fx, "maps"), "*.maps"))
            {
                string pid = Path.GetFileNameWithoutExtension(maps);
                Assert.Contains($"<h3>/proc/{pid}/maps</h3>", html, StringComparison.Ordinal);
            }
            // Self-contained: no script, no linked stylesheet or image, nothing fetched.
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("href=\"http", html, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheReportReplayDivergesExactlyAsTheReplayDoes()
    {
        //  Capturing a process (its walk is an explained read of a present page) changes no result:
        //  the same fixture reports the same calls and divergences as mmsim replay.
        string fx = Path.Combine(FixtureReplayTests.FixturesDir(), "real_sh_pipe");
        string dir = TempDir("pipe");
        try
        {
            string output = Path.Combine(dir, "r.html");
            (int status, string stdout, _) = BadInputTests.Run(["report", Path.Combine(fx, "trace.log"), "-o", output]);
            (_, string replay, _) = BadInputTests.Run(["replay", Path.Combine(fx, "trace.log"), "--quiet"]);
            Assert.Equal(0, status);
            Assert.EndsWith(replay.Trim().Split('\n')[^1], stdout.Trim(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void APageCanBeBuiltFromAnyModelRunNotOnlyATrace()
    {
        //  A run made by hand, as a scenario would make it: one process with a 4-page anonymous
        //  area, pages 0 and 2 written, captured live; two samples by step. The page has the five
        //  pictures, the "step" axis, and escapes the source's name.
        var k = new Process.Kernel(Mm.MmConfig.Default, Phys.PhysMemConfig.OfSize(64UL << 20));
        Process.Task t = k.CreateInitTask(5);
        t.Comm = "demo";
        t.Mm!.MmapBase = 0x7ffff7fff000;
        const ulong a = 0x10000000;
        Assert.Equal((long)a, t.Mm.Mmap(a, 0x4000, Mm.Prot.Read | Mm.Prot.Write,
            Mm.MapFlags.Private | Mm.MapFlags.Fixed | Mm.MapFlags.Anonymous, null, 0));
        k.Access(t, a, Tlb.AccessKind.Write);
        k.Access(t, a + 0x2000, Tlb.AccessKind.Write);
        var run = new ModelRun
        {
            Source = "my <scenario>.mms",
            SourceKind = "scenario",
            Processes = [ProcessCapture.Take(k, t, "at step 3")],
            Samples = new Dictionary<int, List<Pictures.MemorySample>>
            {
                [5] = [new(1, 0x4000, 0, 0, 0), new(3, 0x4000, 0x2000, 2, 0)],
            },
        };
        string html = ReportPage.Build(run);
        Assert.Contains("<h1>mmsim report: <code>my &lt;scenario&gt;.mms</code></h1>", html, StringComparison.Ordinal);
        var kinds = FigureRegex().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["layout", "vma-pages", "walk", "buddy", "timeline"], kinds);
        Assert.Contains(">step</text>", html, StringComparison.Ordinal);
        Assert.Contains("VSZ 16 KiB · RSS 8 KiB (2 present)", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"l\">at step 3</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesToWriteOverItsInput()
    {
        string dir = TempDir("self");
        try
        {
            string trace = Path.Combine(dir, "trace.log");
            File.WriteAllText(trace, "7 brk(NULL) = 0x555555559000\n");
            (int status, _, string stderr) = BadInputTests.Run(["report", trace, "-o", trace]);
            Assert.Equal(2, status);
            Assert.Contains("is the input trace; refusing to overwrite it", stderr, StringComparison.Ordinal);
            Assert.Equal("7 brk(NULL) = 0x555555559000\n", File.ReadAllText(trace));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /*
     * A scenario instead of a log: the fork-cow example leaves parent and child alive at its
     * end, so the page has both, five pictures each, and a timeline of one point per statement.
     */
    [Fact]
    public void AScenarioGivesAPageToo()
    {
        string dir = TempDir("scn");
        try
        {
            string example = Path.Combine(FixtureReplayTests.FixturesDir(), "..", "..", "examples", "fork-cow.scn");
            string output = Path.Combine(dir, "fork-cow.html");
            (int status, string stdout, _) = BadInputTests.Run(["report", example, "-o", output]);
            Assert.Equal(0, status);
            Assert.Contains("2 processes", stdout, StringComparison.Ordinal);
            string html = File.ReadAllText(output);
            Assert.Equal(10, Regex.Matches(html, "<svg ").Count);
            Assert.Contains("(scenario)", html, StringComparison.Ordinal);

            string bad = Path.Combine(dir, "bad.scn");
            File.WriteAllText(bad, "process p\nwrite $nowhere\n");
            (status, _, string stderr) = BadInputTests.Run(["report", bad, "-o", Path.Combine(dir, "bad.html")]);
            Assert.Equal(2, status);
            Assert.StartsWith("mmsim: bad.scn:2: ", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "bad.html")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BadInputNamesFileAndLineAndWritesNothing()
    {
        string dir = TempDir("bad");
        try
        {
            string trace = Path.Combine(dir, "bad.log");
            File.WriteAllText(trace, "7 brk(NULL) = 0x555555559000\n7 mmap(NULL, 4096, PROT_READ\n");
            string output = Path.Combine(dir, "r.html");
            (int status, _, string stderr) = BadInputTests.Run(["report", trace, "-o", output]);
            Assert.Equal(2, status);
            Assert.StartsWith("mmsim: bad.log:2: ", stderr, StringComparison.Ordinal);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.False(File.Exists(output));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("report")]
    [InlineData("report", "trace.log")]
    [InlineData("report", "trace.log", "-o")]
    [InlineData("report", "trace.log", "-o", "r.html", "--bogus")]
    public void UsageErrorsExitTwo(params string[] args)
    {
        (int status, _, string stderr) = BadInputTests.Run(args);
        Assert.Equal(2, status);
        Assert.StartsWith("mmsim: ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("report", "--help")]
    [InlineData("help", "report")]
    public void HelpListsThePicturesAndOptions(params string[] args)
    {
        (int status, string stdout, _) = BadInputTests.Run(args);
        Assert.Equal(0, status);
        Assert.StartsWith("Usage: mmsim report TRACE|SCENARIO.scn -o REPORT.html", stdout, StringComparison.Ordinal);
        foreach (string word in (string[])["--output", "--root", "--follow", "layout", "page walk", "buddy", "timeline"])
        {
            Assert.Contains(word, stdout, StringComparison.Ordinal);
        }
    }
}
