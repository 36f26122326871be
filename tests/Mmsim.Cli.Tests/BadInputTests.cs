namespace Mmsim.Cli.Tests;

/// <summary>Bad input to the CLI ends in one line naming the problem and exit status 2, never a stack trace.</summary>
public sealed class BadInputTests
{
    /// <summary>Runs a command line in this process, as Main would (a UsageException is exit status 2).</summary>
    internal static (int Status, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int status;
        try
        {
            status = Program.Run(args, o, e);
        }
        catch (UsageException ex)
        {
            e.WriteLine(Program.ErrorLine(ex.Message));
            status = 2;
        }
        return (status, o.ToString(), e.ToString());
    }

    [Fact]
    public void UnknownOptionIsExit2()
    {
        (int status, _, string err) = Run("replay", "x.log", "--bogus");
        Assert.Equal(2, status);
        Assert.Contains("unknown option '--bogus'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingTraceIsExit2()
    {
        (int status, _, string err) = Run("replay", "/nonexistent/trace.log");
        Assert.Equal(2, status);
        Assert.Contains("no such file", err, StringComparison.Ordinal);
    }

    [Fact]
    public void GarbledLogNamesFileAndLine()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mmsim-garbled-{Environment.ProcessId}.log");
        File.WriteAllText(path, "1 brk(NULL) = 0x1000\n1 \u0001\u0002 garbage here\n");
        try
        {
            (int status, _, string err) = Run("replay", path);
            Assert.Equal(2, status);
            Assert.Contains(":2:", err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
            Assert.Single(err.Trim().Split('\n'));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TruncatedElfIsExit2()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mmsim-root-{Environment.ProcessId}");
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        File.WriteAllBytes(Path.Combine(dir, "bin", "prog"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1]);
        string log = Path.Combine(dir, "t.log");
        File.WriteAllText(log, "5 execve(\"/bin/prog\", [\"prog\"], []) = 0\n");
        try
        {
            (int status, _, string err) = Run("replay", log, "--root", dir);
            Assert.Equal(2, status);
            Assert.Contains("t.log:1:", err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int Status, string Err) RunOnLog(byte[] content, string name = "t.log", string? sideFile = null, string? sideText = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mmsim-bad-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string log = Path.Combine(dir, name);
        File.WriteAllBytes(log, content);
        if (sideFile is not null)
        {
            File.WriteAllText(Path.Combine(dir, sideFile), sideText);
        }
        try
        {
            (int status, _, string err) = Run("replay", log);
            return (status, err);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BinaryJunkIsExit2WithOneLine()
    {
        var junk = new byte[4096];
        new Random(1234).NextBytes(junk);
        (int status, string err) = RunOnLog(junk);
        Assert.Equal(2, status);
        Assert.Contains("t.log:1:", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void LineCutOffAtEndOfInputIsExit2()
    {
        (int status, string err) = RunOnLog("7 brk(NULL) = 0x555555559000\n7 mmap(NULL, 4096, PROT_READ|PROT_WRI"u8.ToArray());
        Assert.Equal(2, status);
        Assert.Contains("t.log:2:", err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingElfIsExit2NamingTheLine()
    {
        (int status, string err) = RunOnLog("7 brk(NULL) = 0x555555559000\n7 execve(\"/nonexistent/prog\", [\"prog\"], []) = 0\n"u8.ToArray());
        Assert.Equal(2, status);
        Assert.Contains("t.log:2: execve: /nonexistent/prog not found", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenRecorderMetadataIsExit2NamingTheFile()
    {
        (int status, string err) = RunOnLog("7 brk(NULL) = 0x555555559000\n"u8.ToArray(), sideFile: "processes.json", sideText: "{\"cwd\": ");
        Assert.Equal(2, status);
        Assert.Contains("processes.json:1: not valid JSON", err, StringComparison.Ordinal);
    }

    [Fact]
    public void RelativeCwdIsAUsageError()
    {
        (int status, _, string err) = Run("replay", "x.log", "--cwd", "relative/dir");
        Assert.Equal(2, status);
        Assert.Contains("--cwd relative/dir", err, StringComparison.Ordinal);
    }
}
