
namespace Mmsim.Cli;

/// <summary>Entry point of the mmsim command: parses the subcommand and maps every bad input to exit status 2.</summary>
internal static class Program
{
    private const string Usage = """
        mmsim: the Linux (6.18, x86-64) process memory-management subsystem as an executable model.

        Usage:
          mmsim demo [STEP] [--list]      a guided tour of Linux memory management on the live model
          mmsim replay TRACE [options]    replay an `strace -f` log on the model
          mmsim report TRACE -o FILE      replay a log (or run a .scn scenario) and write an HTML
                                          page with pictures
          mmsim run FILE                  run a scenario: a hand-written experiment (docs/scenarios.md)
          mmsim bench vma [options]       time VMA operations on the model and on this kernel
          mmsim bench paging [options]    time page faults, fork and the MMU on the model and on
                                          this kernel
          mmsim fuzz TARGET [options]     feed a reader (strace, elf, scenario, options) mutated
                                          real inputs
          mmsim validate-fuzz [options]   random operations on the model, the whole machine
                                          validated after each
          mmsim difftest [options]        run random memory-syscall programs on this kernel and
                                          on the model; shrink and save each disagreement
          mmsim help [COMMAND]            this text, or a command's options (also: COMMAND --help)

        Record a log the model can replay exactly:
          setarch -R strace -f -v -s 256 -o trace.log -- PROGRAM ARGS...

        Exit status: 0 all calls agree, 1 some diverged, 2 bad input (the message names file:line).
        """;

    private static int Main(string[] args)
    {
        try
        {
            if (BenchJit.ShouldRunWithPgo(args))
            {
                return BenchJit.RunWithPgo(args);
            }
            return Run(args, Console.Out, Console.Error);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(ErrorLine(e.Message));
            return 2;
        }
    }

    /// <summary>Runs a command line; returns the exit status.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h")
        {
            stdout.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] == "help")
        {
            return Help(args[1..], stdout);
        }
        return args[0] switch
        {
            "replay" => ReplayCommand.Run(args[1..], stdout, stderr),
            "report" => ReportCommand.Run(args[1..], stdout, stderr),
            "run" => RunCommand.Run(args[1..], stdout, stderr),
            "demo" => DemoCommand.Run(args[1..], stdout, stderr),
            "bench" => BenchCommand.Run(args[1..], stdout, stderr),
            "fuzz" => FuzzCommand.Run(args[1..], stdout, stderr),
            "validate-fuzz" => ValidateFuzzCommand.Run(args[1..], stdout, stderr),
            "difftest" => DifftestCommand.Run(args[1..], stdout, stderr),
            _ => throw new UsageException($"unknown command '{args[0]}' (try: mmsim help)"),
        };
    }

    /// <summary><c>mmsim help [COMMAND]</c>: the overview, or one command's help.</summary>
    private static int Help(string[] args, TextWriter stdout)
    {
        if (args.Length > 1)
        {
            throw new UsageException($"help: one command at a time ('{args[0]}' and '{args[1]}')");
        }
        string text = args.Length == 0 ? Usage : args[0] switch
        {
            "replay" => ReplayCommand.Help,
            "report" => ReportCommand.Help,
            "run" => RunCommand.Help,
            "demo" => DemoCommand.Help,
            "bench" => BenchCommand.Help,
            "fuzz" => FuzzCommand.Help,
            "validate-fuzz" => ValidateFuzzCommand.Help,
            "difftest" => DifftestCommand.Help,
            "help" => Usage,
            _ => throw new UsageException($"help: unknown command '{args[0]}' (commands: demo, replay, run, report, bench, fuzz, validate-fuzz, difftest)"),
        };
        stdout.WriteLine(text);
        return 0;
    }

    /// <summary>
    /// The one line a refusal prints: "mmsim: " and the message, with control characters a
    /// hostile input put into it (a newline in a path, an escape sequence) shown as \n or \xNN,
    /// so that the message stays one line and cannot drive the terminal.
    /// </summary>
    internal static string ErrorLine(string message)
    {
        var sb = new System.Text.StringBuilder("mmsim: ", message.Length + 8);
        foreach (char c in message)
        {
            if (c == '\n')
            {
                sb.Append("\\n");
            }
            else if (char.IsControl(c))
            {
                sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>True when a command's arguments ask for its help (<c>--help</c> or <c>-h</c> anywhere).</summary>
    internal static bool AsksForHelp(string[] args)
    {
        foreach (string a in args)
        {
            if (a is "--help" or "-h")
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>A bad command line: reported in one line with exit status 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }
}
