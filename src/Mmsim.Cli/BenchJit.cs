using System.Diagnostics;

namespace Mmsim.Cli;

/// <summary>
/// The JIT settings a benchmark runs under. The CLI turns dynamic PGO off (see Mmsim.Cli.csproj:
/// a replay is a short process that the instrumented tier would only slow down), but a benchmark
/// measures the model's steady state, which is what .NET's defaults (PGO on) are for and what
/// BenchmarkDotNet measures in bench/Mmsim.Bench. So <c>mmsim bench paging</c> runs itself again
/// in a child process with <c>DOTNET_TieredPGO=1</c>, which overrides the CLI's runtimeconfig; its
/// output and exit status are the child's. Not <c>bench vma</c>: it moves this process's real
/// program break, which is safe only while no other thread allocates from glibc's main arena, and
/// the busier JIT threads of the PGO tiers made that race show (a test's child crashed in brk). Measured (paging, 16384 pages, load ~3): anon_write
/// 175 -> 128 ns, zero_read 167 -> 111 ns, cow 231 -> 171 ns per fault.
/// </summary>
internal static class BenchJit
{
    private const string PgoVariable = "DOTNET_TieredPGO";

    /// <summary>
    /// Whether this process is the mmsim command itself (run by <c>dotnet Mmsim.Cli.dll</c> or its
    /// apphost) without PGO, so that a benchmark should run in a child with PGO instead.
    /// </summary>
    public static bool ShouldRunWithPgo(string[] args)
    {
        if (args.Length < 2 || args[0] != "bench" || args[1] != "paging" || Program.AsksForHelp(args)
            || Environment.GetEnvironmentVariable(PgoVariable) is not null)
        {
            return false;
        }
        string entry = Environment.GetCommandLineArgs()[0];
        return Path.GetFileName(entry) is "Mmsim.Cli.dll" or "Mmsim.Cli" or "mmsim" && Environment.ProcessPath is not null;
    }

    /// <summary>Runs the same command line in a child process with PGO on; returns its exit status.</summary>
    public static int RunWithPgo(string[] args)
    {
        string host = Environment.ProcessPath!;
        string entry = Environment.GetCommandLineArgs()[0];
        var psi = new ProcessStartInfo(host) { UseShellExecute = false };
        if (!string.Equals(Path.GetFullPath(host), Path.GetFullPath(entry), StringComparison.Ordinal)
            && entry.EndsWith(".dll", StringComparison.Ordinal))
        {
            psi.ArgumentList.Add(entry);   // dotnet Mmsim.Cli.dll ...
        }
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment[PgoVariable] = "1";
        using System.Diagnostics.Process child = System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException($"could not start {host}");
        child.WaitForExit();
        return child.ExitCode;
    }
}
