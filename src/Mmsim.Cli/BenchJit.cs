using System.Diagnostics;

namespace Mmsim.Cli;

/// <summary>
/// The JIT settings a benchmark runs under. The CLI turns dynamic PGO off (see Mmsim.Cli.csproj:
/// a replay is a short process that the instrumented tier would only slow down) and ./mmsim
/// builds it with ReadyToRun code (precompiled, for a fast start), but a benchmark measures the
/// model's steady state: the code the JIT makes of the IL with .NET's defaults (PGO on), which is
/// what BenchmarkDotNet measures in bench/Mmsim.Bench. So <c>mmsim bench paging</c> runs itself
/// again in a child process with <c>DOTNET_TieredPGO=1</c> (which overrides the CLI's
/// runtimeconfig) and <c>DOTNET_ReadyToRun=0</c> (the precompiled code is not used: a hot
/// method that starts in it is later recompiled without the profile the instrumented tier
/// would have gathered); its output and exit status are the child's. Not <c>bench vma</c>: it
/// moves this process's real program break, which is safe only while no other thread allocates
/// from glibc's main arena, and the busier JIT threads of the PGO tiers made that race show (a
/// test's child crashed in brk). Measured (paging, 16384 pages, load ~3): PGO on, anon_write
/// 175 -> 128 ns, zero_read 167 -> 111 ns, cow 231 -> 171 ns per fault; then ReadyToRun off
/// (quiet, zero_read alone, the same build): 73.5 -> 62.8 ns.
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

    /// <summary>
    /// Runs the same command line in child processes with PGO on, one per operation (as
    /// BenchmarkDotNet gives each benchmark its own process, so that the profile the JIT gathered
    /// on one operation does not shape the code another is timed with); prints their output as
    /// one run's (the header and the last line once) and returns the first failing status, or 0.
    /// </summary>
    public static int RunWithPgo(string[] args)
    {
        IReadOnlyList<string[]> runs = BenchPaging.PerOperation(args);
        for (int i = 0; i < runs.Count; i++)
        {
            int status = RunChild(runs[i], first: i == 0, last: i == runs.Count - 1);
            if (status != 0)
            {
                return status;
            }
        }
        return 0;
    }

    /// <summary>One child; its standard output is passed on line by line, less the header (but
    /// for the first) and the closing line (but for the last).</summary>
    private static int RunChild(string[] args, bool first, bool last)
    {
        string host = Environment.ProcessPath!;
        string entry = Environment.GetCommandLineArgs()[0];
        var psi = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true };
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
        psi.Environment["DOTNET_ReadyToRun"] = "0";
        using System.Diagnostics.Process child = System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException($"could not start {host}");
        while (child.StandardOutput.ReadLine() is { } line)
        {
            bool header = line.StartsWith('#');
            bool closing = line.StartsWith(BenchPaging.ClosingLine, StringComparison.Ordinal);
            if ((header && !first) || (closing && !last))
            {
                continue;
            }
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
        child.WaitForExit();
        return child.ExitCode;
    }
}
