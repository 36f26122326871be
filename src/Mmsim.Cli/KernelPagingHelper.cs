using System.Diagnostics;
using System.Globalization;

namespace Mmsim.Cli;

/// <summary>
/// The kernel side of <c>mmsim bench paging</c>: a small C program (embedded as
/// <c>Native/kernel_paging.c</c>) built once with the system C compiler into the user's cache
/// directory, then run as a child process for each operation. Faults and fork are timed inside
/// it, so the figures carry no managed-runtime cost, and fork() runs in a plain C process.
/// </summary>
internal static class KernelPagingHelper
{
    private const string SourceResource = "native/kernel_paging.c";

    /// <summary>
    /// Builds the helper if the cache holds no binary for this source; returns its path, or
    /// null with the reason (no C compiler, a failed build).
    /// </summary>
    public static string? Ensure(out string? why) => NativeBuild.Ensure(SourceResource, "kernel_paging", out why);

    /// <summary>Runs one operation; returns the nanoseconds per operation of each repetition.</summary>
    public static double[] Run(string binary, string op, long pages, int reps) => Run(binary, op, pages, reps, out _);

    /// <summary>
    /// Runs one operation; returns the nanoseconds per operation of each repetition, and for the
    /// faults how many resident pages the first repetition's touches added (null for fork).
    /// </summary>
    public static double[] Run(string binary, string op, long pages, int reps, out long? rssDelta)
    {
        rssDelta = null;
        (int status, string output) = Exec(binary,
            [op, pages.ToString(CultureInfo.InvariantCulture), reps.ToString(CultureInfo.InvariantCulture)], out _);
        if (status != 0)
        {
            throw new BenchFailureException($"the kernel helper failed on {op} (exit {status}): {FirstLine(output)}");
        }
        var values = new List<double>();
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith("ns_per_op ", StringComparison.Ordinal)
                && double.TryParse(line.AsSpan(10), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                values.Add(v);
            }
            else if (line.StartsWith("rss_delta ", StringComparison.Ordinal)
                && long.TryParse(line.AsSpan(10), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long d))
            {
                rssDelta = d;
            }
        }
        if (values.Count != reps)
        {
            throw new BenchFailureException($"the kernel helper printed {values.Count} timings for {op}, expected {reps}");
        }
        return [.. values];
    }

    private static (int Status, string Output) Exec(string file, string[] args, out bool started)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        try
        {
            using System.Diagnostics.Process p = System.Diagnostics.Process.Start(psi)!;
            System.Threading.Tasks.Task<string> err = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            started = true;
            return (p.ExitCode, stdout + err.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            started = false;
            return (-1, "");
        }
    }

    private static string FirstLine(string text)
    {
        string t = text.Trim();
        int nl = t.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? t : t[..nl];
    }
}
