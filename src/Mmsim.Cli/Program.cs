
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
                                          (mmsim bench --help for its options)
          mmsim bench paging [options]    time page faults, fork and the MMU on the model and on
                                          this kernel (mmsim bench paging --help)
          mmsim help                      this text

        replay options:
          --check            (default) the model chooses every result; each call whose result
                             differs from the recorded one is reported with its line number
          --follow           impose the recorded result where the model would differ (logs taken
                             with ASLR on, or racing threads); divergences are still counted.
                             exec's random heap start, mmap base and PIE load bias are read off
                             the first brk, mmap and RELRO mprotect (the stack top stays put)
          --root DIR         look files up under DIR first (each fixture has a root/), then on the host
          --proc-dir DIR     write DIR/PID/maps for each process when it enters exit_group
          --cwd DIR          the directory the program started in, for relative paths (default:
                             the recorder's processes.json beside TRACE, else the current one)
          --no-assume-writes the program's own loads and stores are not in the log; by default
                             each private writable area it maps is assumed written (its VMA gets
                             an anon_vma, which changes later merges) by the time the program
                             reshapes it, forks or exits. Faults the log does show (mincore
                             vectors, SIGSEGV) are always applied.
          --quiet            print only the summary

        Files beside TRACE, when present: processes.json (the starting directory) and elf.json
        (the recorded inode of each executable, whose copy under --root has another).

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
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            stdout.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        return args[0] switch
        {
            "replay" => ReplayCommand.Run(args[1..], stdout, stderr),
            "demo" => DemoCommand.Run(args[1..], stdout, stderr),
            "bench" => BenchCommand.Run(args[1..], stdout, stderr),
            _ => throw new UsageException($"unknown command '{args[0]}' (try: mmsim help)"),
        };
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
