using Mmsim.Replay;
using Mmsim.Strace;

namespace Mmsim.Cli;

/// <summary><c>mmsim report TRACE -o report.html [--root DIR] [--check | --follow] [--cwd DIR] [--no-assume-writes]</c>.</summary>
internal static class ReportCommand
{
    public const string Help = """
        Usage: mmsim report TRACE|SCENARIO.scn -o REPORT.html [--check | --follow] [--root DIR] [--cwd DIR]
                                                 [--no-assume-writes]

        Replays an `strace -f` log on the model (as mmsim replay does, with page tables on a
        24 GiB machine) and writes one self-contained HTML page (inline CSS and SVG, nothing
        fetched): a summary (calls, divergences, and per process its VMAs, VSZ, RSS and faults),
        then for each process, captured as it enters exit_group:
          - the address-space layout (text, data, bss, heap, mmap area, stack, vdso), with
            start_brk, brk, mmap_base and start_stack marked, small segments kept visible;
          - its /proc/PID/maps;
          - the pages of one VMA (the heap, else the largest anonymous one) against the frames
            behind them, Present bits shown, RSS versus VSZ;
          - the page walk of one present address of it, with the TLB's hit or miss;
          - the buddy allocator's free areas per zone and order (/proc/buddyinfo);
          - a timeline of VSZ, RSS and faults after each memory call.
        At most 16 processes are drawn.

        A scenario (a FILE.scn in mmsim run's language, docs/scenarios.md) works the same way:
        it runs, every process alive at its end is captured there, and the timeline has one
        point per statement.
          mmsim report examples/fork-cow.scn -o fork-cow.html

        Options:
          -o, --output FILE  where to write the page (required; written whole or not at all, and
                             never over TRACE)
          --check, --follow, --root DIR, --cwd DIR, --no-assume-writes
                             as for mmsim replay (see mmsim replay --help)
          -h, --help         this text

        Exit status: 0 the page was written, 2 bad input (the message names file:line).
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Program.AsksForHelp(args))
        {
            stdout.WriteLine(Help);
            return 0;
        }
        var shared = new ReplayArgs("report");
        string? output = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (shared.TryTake(args, ref i))
            {
                continue;
            }
            output = args[i] is "-o" or "--output"
                ? shared.Value(args, ref i)
                : throw new UsageException($"report: unknown option '{args[i]}' (try: mmsim report --help)");
        }
        if (shared.Trace is null)
        {
            throw new UsageException("report: missing TRACE (usage: mmsim report TRACE -o REPORT.html; mmsim report --help)");
        }
        if (output is null)
        {
            throw new UsageException("report: missing -o REPORT.html (where to write the page)");
        }
        string trace = shared.CheckInput("");
        string? root = shared.Root;
        string? cwd = shared.Cwd;
        bool assumeWrites = shared.AssumeWrites;
        ReplayMode mode = shared.Mode;
        if (SameFile(trace, output))
        {
            throw new UsageException($"report: -o {output} is the input trace; refusing to overwrite it");
        }
        string? outDir = Path.GetDirectoryName(Path.GetFullPath(output));
        if (outDir is not null && !Directory.Exists(outDir))
        {
            throw new UsageException($"report: -o {output}: no such directory {outDir}");
        }
        if (trace.EndsWith(".scn", StringComparison.Ordinal))
        {
            // A scenario (mmsim run's language) instead of a log.
            try
            {
                return Write(ScenarioReportRun.Run(trace, new HostFileSystem(root)), output, stdout);
            }
            catch (Mmsim.Scenario.ScenarioException e)
            {
                stderr.WriteLine(Program.ErrorLine(e.Message));
                return 2;
            }
        }
        RecordingMetadata meta = RecordingMetadata.Load(trace);
        var options = new ReplayOptions
        {
            AssumeWrites = assumeWrites,
            InitialCwd = cwd ?? meta.Cwd ?? Environment.CurrentDirectory,
            RecordedInodes = meta.Inodes,
            Paging = Mmsim.Phys.PhysMemConfig.Default,
        };
        ModelRun run;
        try
        {
            run = TraceRun.Replay(() => new StreamReader(trace), trace, new HostFileSystem(root), mode, options);
        }
        catch (StraceFormatException e)
        {
            stderr.WriteLine(Program.ErrorLine(e.Message));
            return 2;
        }
        catch (ReplayException e)
        {
            stderr.WriteLine(Program.ErrorLine(e.Message));
            return 2;
        }
        return Write(run, output, stdout);
    }

    /// <summary>
    /// Writes the page of a run (however it was produced: <see cref="TraceRun"/>, or a scenario)
    /// atomically and prints one line; returns exit status 0. The caller has checked that
    /// <paramref name="output"/> is not its input (<see cref="SameFile"/>).
    /// </summary>
    internal static int Write(ModelRun run, string output, TextWriter stdout)
    {
        AtomicFile.Write(output, ReportPage.Build(run));
        stdout.WriteLine($"{output}: {run.Processes.Count} processes, {run.Calls} calls replayed, {run.Divergences.Count} diverged");
        return 0;
    }

    /// <summary>True when both paths name one file (the same full path, or the same file through a link).</summary>
    internal static bool SameFile(string a, string b)
    {
        string fa = Path.GetFullPath(a);
        string fb = Path.GetFullPath(b);
        if (fa == fb)
        {
            return true;
        }
        if (!File.Exists(fb))
        {
            return false;
        }
        string ra = new FileInfo(fa).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? fa;
        string rb = new FileInfo(fb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? fb;
        return ra == rb;
    }
}
