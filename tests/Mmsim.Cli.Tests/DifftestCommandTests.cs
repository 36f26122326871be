namespace Mmsim.Cli.Tests;

/// <summary>
/// <c>mmsim difftest</c>: its help and bad options, and the short version of the issue's
/// check: a fixed seed's random programs run on this machine's kernel (under strace) and on the
/// model must agree, every one.
/// </summary>
public sealed class DifftestCommandTests
{
    [Theory]
    [InlineData("difftest", "--help")]
    [InlineData("help", "difftest")]
    public void HelpTeachesTheCommand(params string[] args)
    {
        (int status, string stdout, _) = BadInputTests.Run(args);
        Assert.Equal(0, status);
        Assert.StartsWith("Usage: mmsim difftest", stdout, StringComparison.Ordinal);
        foreach (string option in (string[])["--count", "--seed", "--calls", "--jobs", "--keep", "--save", "--no-shrink", "--program", "strace"])
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("mmsim: difftest: --count 0: give a whole number from 1 to 10000000", "difftest", "--count", "0")]
    [InlineData("mmsim: difftest: --seed x: give a number (decimal or 0x hex)", "difftest", "--seed", "x")]
    [InlineData("mmsim: difftest: unknown argument '--frob' (try: mmsim difftest --help)", "difftest", "--frob")]
    [InlineData("mmsim: difftest: --calls needs a value", "difftest", "--calls")]
    [InlineData("mmsim: no-such-program.txt: no such file", "difftest", "--program", "no-such-program.txt")]
    public void BadOptionsAreOneLineAndStatus2(string message, params string[] args)
    {
        (int status, _, string stderr) = BadInputTests.Run(args);
        Assert.Equal(2, status);
        Assert.Equal(message, stderr.TrimEnd());
    }

    [Fact]
    public void MalformedProgramNamesItsLine()
    {
        string file = Path.Combine(Path.GetTempPath(), $"mmsim-difftest-bad-{Environment.ProcessId}.txt");
        File.WriteAllText(file, "0 - brk 0\n1 - mmap $7 0x1000 3 0x22 -1 0\n");
        try
        {
            (int status, _, string stderr) = BadInputTests.Run("difftest", "--program", file);
            Assert.Equal(2, status);
            Assert.Equal($"mmsim: {file}:2: '$7' refers to no earlier call", stderr.TrimEnd());
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// 20 programs of 200 calls (seed 20261130) on the kernel and on the model: all agree. Missing
    /// tools or a refused ptrace fail the test with the reason; it never passes without running.
    /// </summary>
    [Fact]
    public void ShortRunAgreesWithThisKernel()
    {
        // .ci/run installs strace when it is missing; setarch (util-linux) and cc come with the machine.
        Assert.True(OnPath("strace") && OnPath("setarch") && OnPath("cc"),
            "difftest needs strace, setarch and cc on PATH (apt-get install strace util-linux gcc)");
        var options = new DifftestCommand.Options { Count = 20, Seed = 20261130, Calls = 200, Shrink = false };
        var log = new StringWriter();
        DifftestCommand.Outcome outcome;
        try
        {
            outcome = DifftestCommand.Execute(options, null, log);
        }
        catch (DifftestException e)
        {
            Assert.Fail("difftest could not run here: " + e.Message);
            return;
        }
        Assert.True(outcome.Agreed == outcome.Count, $"{outcome.Agreed}/{outcome.Count} programs agree\n{string.Join('\n', outcome.Failures)}");
    }

    private static bool OnPath(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, tool)))
            {
                return true;
            }
        }
        return false;
    }
}
