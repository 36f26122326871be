using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mmsim.Cli;

/// <summary>
/// The native side of <c>mmsim difftest</c>: the runner (embedded as
/// <c>Native/difftest_runner.c</c>, built once with the system C compiler into the user's cache
/// directory) executes a program on this machine's kernel under
/// <c>setarch -R strace -f -v -s 256</c>, the flags the fixtures were recorded with.
/// </summary>
internal static class DifftestRunner
{
    private const string SourceResource = "native/difftest_runner.c";

    /// <summary>What one native run left: the log, the maps each process printed at exit, the exit status.</summary>
    internal sealed record NativeRun(string TracePath, Dictionary<int, string> Maps, int Status, string Stderr);

    /// <summary>Builds the runner if the cache has no binary for this source; returns its path (throws <see cref="DifftestException"/> when it cannot).</summary>
    public static string Ensure() =>
        NativeBuild.Ensure(SourceResource, "difftest_runner", out string? why) ?? throw new DifftestException(why!);

    /// <summary>
    /// Runs <paramref name="program"/> natively in <paramref name="dir"/> (its files are created
    /// there and deleted again after the run, so a replay creates them too); the log is
    /// <c>dir/trace.log</c>. Throws <see cref="DifftestException"/> when strace is missing or
    /// cannot trace (ptrace refused).
    /// </summary>
    public static NativeRun Run(string runner, string program, string dir)
    {
        Directory.CreateDirectory(dir);
        string trace = Path.Combine(dir, "trace.log");
        (int status, string stdout, bool started) = Exec("setarch",
            ["-R", "strace", "-f", "-v", "-s", "256", "-o", trace, "--", runner, dir], program, dir, out string stderr);
        for (int i = 0; i < 4; i++)
        {
            File.Delete(Path.Combine(dir, "f" + i.ToString(CultureInfo.InvariantCulture)));
        }
        if (!started)
        {
            throw new DifftestException("setarch (util-linux) is not installed: it runs the runner with ASLR off");
        }
        if (stderr.Contains("strace:", StringComparison.Ordinal) && !File.Exists(trace))
        {
            throw new DifftestException("strace could not run the runner: " + FirstLine(stderr));
        }
        if (stderr.Contains("setarch:", StringComparison.Ordinal) || stderr.Contains("No such file", StringComparison.Ordinal) && !File.Exists(trace))
        {
            throw new DifftestException("strace is missing or failed: " + FirstLine(stderr));
        }
        if (stderr.Contains("PTRACE", StringComparison.Ordinal) || stderr.Contains("ptrace", StringComparison.Ordinal))
        {
            throw new DifftestException("strace cannot trace here (ptrace refused: run as root, or allow ptrace in the container): " + FirstLine(stderr));
        }
        return new NativeRun(trace, ParseMaps(stdout), status, stderr);
    }

    /// <summary>The runner's output: for each process, "== PID" and then its /proc/PID/maps.</summary>
    internal static Dictionary<int, string> ParseMaps(string output)
    {
        var maps = new Dictionary<int, string>();
        int pid = -1;
        var sb = new StringBuilder();
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith("== ", StringComparison.Ordinal) && int.TryParse(line.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int next))
            {
                if (pid >= 0)
                {
                    maps[pid] = sb.ToString();
                }
                pid = next;
                sb.Clear();
            }
            else if (pid >= 0 && line.Length > 0)
            {
                sb.Append(line).Append('\n');
            }
        }
        if (pid >= 0)
        {
            maps[pid] = sb.ToString();
        }
        return maps;
    }

    private static (int Status, string Stdout, bool Started) Exec(string file, string[] args, string? stdin, string? cwd, out string stderr)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (cwd is not null)
        {
            psi.WorkingDirectory = cwd;
        }
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        try
        {
            using System.Diagnostics.Process p = System.Diagnostics.Process.Start(psi)!;
            System.Threading.Tasks.Task<string> err = p.StandardError.ReadToEndAsync();
            System.Threading.Tasks.Task<string> output = p.StandardOutput.ReadToEndAsync();
            if (stdin is not null)
            {
                p.StandardInput.Write(stdin);
            }
            p.StandardInput.Close();
            if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
            stderr = err.Result;
            return (p.ExitCode, output.Result, true);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            stderr = "";
            return (-1, "", false);
        }
    }

    internal static string FirstLine(string text)
    {
        string t = text.Trim();
        int nl = t.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? t : t[..nl];
    }
}

/// <summary>difftest cannot go on (no compiler, no strace, ptrace refused): one line, exit status 2.</summary>
internal sealed class DifftestException : Exception
{
    public DifftestException(string message)
        : base(message)
    {
    }
}
