
namespace Mmsim.Cli;

/// <summary>Entry point of the mmsim command: parses the subcommand and maps every bad input to exit status 2.</summary>
internal static class Program
{
    private const string Usage = """
        mmsim: the Linux (6.18, x86-64) process memory-management subsystem as an executable model.

        Usage:
          mmsim demo                      replay a recorded real program (sleep 0.1) and show its maps
          mmsim replay TRACE [options]    replay an `strace -f` log on the model
          mmsim bench vma [options]       time VMA operations on the model and on this kernel
          mmsim bench paging [options]    time page faults, fork and the MMU on the model and on
                                          this kernel
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
            return Run(args, Console.Out, Console.Error);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine("mmsim: " + e.Message);
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
            "demo" => DemoCommand.Run(args[1..], stdout, stderr),
            "bench" => BenchCommand.Run(args[1..], stdout, stderr),
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
            "demo" => DemoCommand.Help,
            "bench" => BenchCommand.Help,
            "difftest" => DifftestCommand.Help,
            "help" => Usage,
            _ => throw new UsageException($"help: unknown command '{args[0]}' (commands: demo, replay, bench, difftest)"),
        };
        stdout.WriteLine(text);
        return 0;
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
