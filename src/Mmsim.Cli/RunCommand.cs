using Mmsim.Scenario;

namespace Mmsim.Cli;

/// <summary><c>mmsim run FILE [--root DIR] [--timeline]</c>: runs a scenario (docs/scenarios.md) on the model.</summary>
internal static class RunCommand
{
    public const string Help = """
        Usage: mmsim run FILE [--root DIR] [--timeline]

        Runs a scenario: a hand-written experiment on the model, one statement a line. System
        calls are written as strace prints them (the replay's reader and dispatcher apply them),
        with or without a recorded result to check; plain statements do what strace cannot show.
        Each call is printed with the model's result, and each `show` prints what it names.

          process demo                      # a process with an empty address space
          $a = mmap(NULL, 5*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
          write $a 3*4096                   # touch three of the five pages (page faults)
          show /proc/self/maps              # also smaps, smaps_rollup, status, statm, pagemap ADDR
          show touched                      # a named moment: VSZ 20 KiB, RSS 12 KiB, 3 faults

        Statements: process NAME [exec PATH ARGS... | layout { text 8K; data 4K; bss 4K; heap 132K;
        stack 8K } | replay TRACE], in TASK, fork [NAME], thread [NAME], exit [TASK], kthread NAME,
        schedule TASK on cpu N, read|write|exec ADDR [LEN], explain ADDR [read|write|exec],
        show /proc/PID/FILE | /proc/meminfo|vmstat|buddyinfo|slabinfo | mm | cpus | NAME,
        $var = EXPR, print TEXT, trace on|off, # comments. Expressions: $var, 0x hex, decimal,
        K/M/G suffixes, + - * / and parentheses. The language reference: docs/scenarios.md;
        examples: examples/*.scn.

        A signal the kernel sends (SIGSEGV on a touch) is output, not an error: the process dies
        as it would. Calls whose written result differs from the model's are printed like the
        replay's divergences.

        Options:
          --root DIR   look up programs to exec under DIR first, then on the host
          --timeline   after the run, a table of the current process's figures after each
                       statement: step, line, pid, VSZ and RSS in KiB, minor and major
                       faults, and the name of the moment (`show NAME`)
          -h, --help   this text

        Exit status: 0 ran, every written result agreed; 1 some diverged; 2 bad scenario (the
        message names FILE:LINE) or bad command line.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Program.AsksForHelp(args))
        {
            stdout.WriteLine(Help);
            return 0;
        }
        string? file = null;
        string? root = null;
        bool timeline = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--root")
            {
                root = i + 1 < args.Length ? args[++i] : throw new UsageException("run: --root needs a value");
            }
            else if (args[i] == "--timeline")
            {
                timeline = true;
            }
            else if (args[i].StartsWith('-'))
            {
                throw new UsageException($"run: unknown option '{args[i]}' (try: mmsim run --help)");
            }
            else if (file is not null)
            {
                throw new UsageException($"run: one scenario at a time ('{file}' and '{args[i]}')");
            }
            else
            {
                file = args[i];
            }
        }
        if (file is null)
        {
            throw new UsageException("run: missing FILE (usage: mmsim run FILE; mmsim run --help for the language)");
        }
        if (root is not null && !Directory.Exists(root))
        {
            throw new UsageException($"run: --root {root}: no such directory");
        }
        if (!File.Exists(file))
        {
            throw new UsageException($"{file}: no such file");
        }
        if (!NativeStat.IsRegularFile(file))
        {
            throw new UsageException($"{file}: not a regular file");
        }
        string text = File.ReadAllText(file);
        try
        {
            ScenarioRun run = ScenarioRun.Execute(text, Path.GetFileName(file), new HostFileSystem(root), stdout,
                baseDirectory: Path.GetDirectoryName(Path.GetFullPath(file)));
            if (timeline)
            {
                PrintTimeline(run, stdout);
            }
            return run.Divergences.Count > 0 ? 1 : 0;
        }
        catch (ScenarioException e)
        {
            stdout.Flush();
            stderr.WriteLine(Program.ErrorLine(e.Message));
            return 2;
        }
    }

    /// <summary>The timeline as a table: one row per statement.</summary>
    private static void PrintTimeline(ScenarioRun run, TextWriter o)
    {
        o.WriteLine("step  line  pid    vsz_kib    rss_kib  minflt  majflt  moment");
        foreach (ScenarioSample s in run.Timeline)
        {
            o.WriteLine(System.FormattableString.Invariant($"{s.Step,4}  {s.Line,4}  {s.Pid,5}  {s.VszKiB,9}  {s.RssKiB,9}  {s.MinFlt,6}  {s.MajFlt,6}  {s.Label}").TrimEnd());
        }
    }
}
