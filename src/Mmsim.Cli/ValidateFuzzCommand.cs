using System.Diagnostics;
using System.Globalization;
using Mmsim.DebugVm;

namespace Mmsim.Cli;

/// <summary><c>mmsim validate-fuzz [--ops N] [--seed S] [--restart K]</c>: random operations on the model, the whole machine validated after each.</summary>
internal static class ValidateFuzzCommand
{
    public const string Help = """
        Usage: mmsim validate-fuzz [--ops N] [--seed S] [--restart K] [--every E]

        Drives the model alone with N random operations (mmap of anonymous, shared and file
        memory, munmap, mprotect, mremap, brk, madvise, mlock, munlock, mseal, fork, threads,
        exit, reads, writes and executes) on a 16 MiB machine of up to four processes, over a
        4 MiB window that starts at a 2 MiB boundary, and validates the whole machine after every
        one (VMAs, counters, page tables, RSS, every frame's counts, the buddy lists). Every K
        operations all processes exit, every frame but the kernel's own must be free again, and
        a fresh machine starts. Stops at the first violation: prints the operation number, the
        last operations and every violation.

        Options:
          --ops N        operations to run (default 100000)
          --seed S       the random seed (default 1); the same seed gives the same run
          --restart K    operations per machine before all processes exit (default 10000)
          --every E      validate after every E-th operation only (default 1: after each);
                         the after-exit check still runs on every machine
          -h, --help     this text

        Exit status: 0 no violation, 1 a violation was found, 2 bad options.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Program.AsksForHelp(args))
        {
            stdout.WriteLine(Help);
            return 0;
        }
        long ops = 100_000;
        int seed = 1;
        long restart = 10_000;
        long every = 1;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--ops":
                    ops = Number(args, ref i, 1, 1L << 40);
                    break;
                case "--seed":
                    seed = (int)Number(args, ref i, int.MinValue, int.MaxValue);
                    break;
                case "--restart":
                    restart = Number(args, ref i, 1, 1L << 40);
                    break;
                case "--every":
                    every = Number(args, ref i, 1, 1L << 40);
                    break;
                default:
                    throw new UsageException($"validate-fuzz: unknown option '{args[i]}' (try: mmsim validate-fuzz --help)");
            }
        }
        return Fuzz(ops, seed, restart, every, stdout);
    }

    private static int Fuzz(long ops, int seed, long restart, long every, TextWriter stdout)
    {
        var rng = new Random(seed);
        var sw = Stopwatch.StartNew();
        var recent = new Queue<string>();
        RandomOps machine = new();
        long machines = 1;
        long failed = 0;
        for (long n = 1; n <= ops; n++)
        {
            VmOp op = RandomOps.Next(rng);
            long r = machine.Apply(op);
            recent.Enqueue($"  {n}: {op} = {r}");
            if (recent.Count > 12)
            {
                recent.Dequeue();
            }
            failed += r < 0 ? 1 : 0;
            List<VmViolation> found = n % every == 0 ? machine.Validate() : [];
            if (found.Count == 0 && (n % restart == 0 || n == ops))
            {
                found = machine.ExitAll();
                if (n < ops)
                {
                    machine = new RandomOps();
                    machines++;
                }
            }
            if (found.Count > 0)
            {
                stdout.WriteLine($"validate-fuzz: seed {seed}: {found.Count} violations after operation {n}:");
                foreach (VmViolation v in found)
                {
                    stdout.WriteLine("  " + v);
                }
                stdout.WriteLine("last operations:");
                foreach (string s in recent)
                {
                    stdout.WriteLine(s);
                }
                return 1;
            }
        }
        sw.Stop();
        double secs = sw.Elapsed.TotalSeconds;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"validate-fuzz: seed {seed}: {ops} operations ({failed} refused with -errno) on {machines} machines, validated after {(every == 1 ? "each" : $"every {every}")}: 0 violations in {secs:F1} s ({ops / secs:F0} ops/s)"));
        return 0;
    }

    private static long Number(string[] args, ref int i, long min, long max)
    {
        if (i + 1 >= args.Length)
        {
            throw new UsageException($"validate-fuzz: {args[i]} needs a value");
        }
        string opt = args[i];
        string s = args[++i];
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
        {
            throw new UsageException($"validate-fuzz: {opt} '{s}': give an integer from {min} to {max}");
        }
        return v;
    }
}
