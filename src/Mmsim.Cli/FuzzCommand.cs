using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mmsim.Cli.Fuzz;

namespace Mmsim.Cli;

/// <summary><c>mmsim fuzz TARGET [--count N] [--seed S] [--corpus DIR] [--save DIR]</c>: mutation fuzzing of the tool's readers.</summary>
internal static class FuzzCommand
{
    public const string Help = """
        Usage: mmsim fuzz strace|elf|scenario|options [--count N] [--seed S] [--corpus DIR] [--save DIR]
                                             [--slow-ms MS] [--ram GIB] [--root DIR]

        Feeds one of mmsim's readers with mutated real inputs, in this process, and checks that
        every input is either accepted (exit 0 or 1) or refused the way bad input must be: exit
        status 2 with exactly one line, "mmsim: " and the place (FILE:LINE for files), and never
        an unhandled exception. Each input must also finish within --slow-ms of CPU time (a hang or
        a runaway allocation shows up there) and the process must stay under 4 GiB.

        Targets:
          strace   strace logs, replayed with --check and paging (the 24 GiB machine): lines
                   deleted, duplicated, swapped, cut short, spliced from another log; numbers
                   replaced by boundary values (0, -1, 2^47, 2^64, overlong); random bytes
          elf      an ELF executable, mutated (headers, program headers, sizes, offsets, random
                   bytes) and exec'd by a small replayed log (execve, then exit_group)
          scenario scenarios (mmsim run's language): statements and calls mutated, run on a fresh
                   machine each (corpus: the *.scn under --corpus DIR, by default a built-in
                   scenario using most statements)
          options  command lines: the commands' real options in random order with good, missing
                   and malformed values, and random tokens (benchmarks are only parsed)

        Mutations start from the corpus: for strace every *.log/trace.log under --corpus DIR
        (default: the embedded recording of `sleep 0.1`); for elf the executables under DIR
        (default: /usr/bin/sleep). Each run is deterministic for its seed.

        Options:
          --count N     inputs to try (default 1000)
          --seed S      the mutator's seed (default 1)
          --corpus DIR  where the real inputs come from (see above)
          --save DIR    write each failing input there as TARGET-N.bin (the directory is created)
          --slow-ms MS  an input taking more CPU time counts as a failure (default 5000)
          --root DIR    look files up under DIR first, as mmsim replay --root (a corpus of
                        fixture logs execs their programs from there)
          --ram GIB     the simulated machine's RAM for strace and elf (default 1: setting up
                        the reference machine's 24 GiB costs ~20x more per input than most
                        inputs take; --ram 24 fuzzes on the replay's own machine)

        Prints progress on stderr and one summary line:
          fuzz TARGET: N inputs (seed S), A accepted, R rejected, F failed, slowest T ms CPU
        Exit status: 0 no failure, 1 failures (each printed with its input number), 2 bad usage.
        """;

    private const long MemoryCeiling = 4L << 30;
    private const int HeadBytes = 4096;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Program.AsksForHelp(args))
        {
            stdout.WriteLine(Help);
            return 0;
        }
        if (args.Length == 0)
        {
            throw new UsageException("fuzz: missing TARGET (strace, elf, scenario or options; mmsim fuzz --help)");
        }
        string target = args[0];
        long count = 1000;
        ulong seed = 1;
        string? corpus = null;
        string? save = null;
        long slowMs = 5000;
        long ramGib = 1;
        string? root = null;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--count":
                    count = Number(args, ref i, 1, 100_000_000);
                    break;
                case "--seed":
                    seed = (ulong)Number(args, ref i, 0, long.MaxValue);
                    break;
                case "--corpus":
                    corpus = Value(args, ref i);
                    break;
                case "--save":
                    save = Value(args, ref i);
                    break;
                case "--slow-ms":
                    slowMs = Number(args, ref i, 1, 3_600_000);
                    break;
                case "--root":
                    root = Value(args, ref i);
                    if (!Directory.Exists(root))
                    {
                        throw new UsageException($"fuzz: --root {root}: no such directory");
                    }
                    break;
                case "--ram":
                    ramGib = Number(args, ref i, 1, 64);
                    break;
                default:
                    throw new UsageException($"fuzz: unknown option '{args[i]}' (try: mmsim fuzz --help)");
            }
        }
        if (corpus is not null && !Directory.Exists(corpus))
        {
            throw new UsageException($"fuzz: --corpus {corpus}: no such directory");
        }
        string scratch = Path.Combine(Path.GetTempPath(), $"mmsim-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(scratch);
        try
        {
            FuzzTarget t = MakeTarget(target, corpus, scratch, Mmsim.Phys.PhysMemConfig.OfSize((ulong)ramGib << 30), root);
            return Fuzz(t, count, seed, save, slowMs, stdout, stderr);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Runs count inputs on a target and prints the failures and the summary; returns the exit status.</summary>
    internal static int Fuzz(FuzzTarget t, long count, ulong seed, string? save, long slowMs, TextWriter stdout, TextWriter stderr,
        long memoryCeiling = MemoryCeiling)
    {
        var m = new Mutator(seed);
        long accepted = 0;
        long rejected = 0;
        long failed = 0;
        double slowest = 0;
        var progress = Stopwatch.StartNew();
        for (long n = 0; n < count; n++)
        {
            byte[] input = MakeInput(t, m);
            // CPU time, not wall time: other work on the machine must not make an input look hung.
            TimeSpan cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            FuzzOutcome o;
            try
            {
                o = t.Run(input);
            }
#pragma warning disable CA1031 // a fuzzer reports every exception the reader lets out
            catch (Exception e)
#pragma warning restore CA1031
            {
                o = new FuzzOutcome(FuzzVerdict.Failed, $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            }
            double ms = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
            slowest = Math.Max(slowest, ms);
            if (o.Verdict != FuzzVerdict.Failed && ms > slowMs)
            {
                o = new FuzzOutcome(FuzzVerdict.Failed, $"took {ms:F0} ms (limit {slowMs})");
            }
            if (o.Verdict != FuzzVerdict.Failed && GC.GetTotalMemory(false) > memoryCeiling)
            {
                o = new FuzzOutcome(FuzzVerdict.Failed, $"{GC.GetTotalMemory(false) >> 20} MiB of managed memory after the input");
            }
            switch (o.Verdict)
            {
                case FuzzVerdict.Accepted:
                    accepted++;
                    break;
                case FuzzVerdict.Rejected:
                    rejected++;
                    break;
                default:
                    failed++;
                    stdout.WriteLine($"fuzz {t.Name}: input {n}: {o.Detail}");
                    if (save is not null)
                    {
                        Directory.CreateDirectory(save);
                        AtomicFile.Write(Path.Combine(save, $"{t.Name}-{n}.bin"), input);
                    }
                    break;
            }
            if (progress.Elapsed.TotalSeconds >= 5)
            {
                stderr.WriteLine($"fuzz {t.Name}: {n + 1}/{count} inputs, {failed} failed");
                progress.Restart();
            }
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fuzz {t.Name}: {count} inputs (seed {seed}), {accepted} accepted, {rejected} rejected, {failed} failed, slowest {slowest:F0} ms CPU"));
        return failed == 0 ? 0 : 1;
    }

    private static byte[] MakeInput(FuzzTarget t, Mutator m)
    {
        if (t is OptionsTarget o && m.Next(2) == 0)
        {
            return o.Synthesize(m);
        }
        byte[] seedInput = t.Corpus[m.Next(t.Corpus.Count)];
        byte[] donor = t.Corpus[m.Next(t.Corpus.Count)];
        if (t.IsText)
        {
            return m.MutateText(seedInput, donor);
        }
        // Binary: half the inputs mutated only where the loader looks (the ELF and program
        // headers, in the first 4 KiB), the others anywhere.
        int rounds = 1 + m.Next(6);
        if (seedInput.Length > HeadBytes && m.Next(2) == 0)
        {
            byte[] head = m.MutateBytes(seedInput[..HeadBytes], donor, rounds);
            return [.. head, .. seedInput.AsSpan(HeadBytes)];
        }
        return m.MutateBytes(seedInput, donor, rounds);
    }

    internal static FuzzTarget MakeTarget(string name, string? corpus, string scratch, Mmsim.Phys.PhysMemConfig ram, string? root = null)
    {
        var host = new HostFileSystem(root);
        switch (name)
        {
            case "strace":
            {
                List<byte[]> logs = [];
                if (corpus is not null)
                {
                    foreach (string f in Directory.EnumerateFiles(corpus, "*.log", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                    {
                        logs.Add(File.ReadAllBytes(f));
                    }
                }
                if (logs.Count == 0)
                {
                    logs.Add(EmbeddedSleepLog());
                }
                return new StraceTarget(logs, host, ram);
            }
            case "elf":
            {
                List<byte[]> exes = [];
                if (corpus is not null)
                {
                    foreach (string f in Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                    {
                        byte[] head = new byte[4];
                        using (FileStream fs = File.OpenRead(f))
                        {
                            if (fs.Read(head) < 4 || head[0] != 0x7f || head[1] != (byte)'E')
                            {
                                continue;
                            }
                        }
                        exes.Add(File.ReadAllBytes(f));
                    }
                }
                if (exes.Count == 0)
                {
                    exes.Add(File.ReadAllBytes("/usr/bin/sleep"));
                }
                const string Exe = "/usr/bin/sleep";
                string log = $"""
                    1 execve("{Exe}", ["sleep", "0"], 0x7ffe0 /* 1 var */) = 0
                    1 brk(NULL) = 0x555555559000
                    1 exit_group(0) = ?
                    1 +++ exited with 0 +++

                    """;
                return new ElfTarget(exes, Encoding.UTF8.GetBytes(log), Exe, host, ram);
            }
            case "scenario":
            {
                List<byte[]> scenarios = [];
                if (corpus is not null)
                {
                    foreach (string f in Directory.EnumerateFiles(corpus, "*.scn", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                    {
                        scenarios.Add(File.ReadAllBytes(f));
                    }
                }
                if (scenarios.Count == 0)
                {
                    scenarios.Add(Encoding.UTF8.GetBytes(DefaultScenario));
                }
                return new ScenarioTarget(scenarios, host, ram, corpus ?? scratch);
            }
            case "options":
            {
                string trace = Path.Combine(scratch, "trace.log");
                File.WriteAllBytes(trace, Encoding.UTF8.GetBytes("""
                    1 execve("/bin/true", ["true"], 0x7ffe0 /* 1 var */) = 0
                    1 exit_group(0) = ?
                    1 +++ exited with 0 +++

                    """));
                return new OptionsTarget(trace, scratch);
            }
            default:
                throw new UsageException($"fuzz: unknown target '{name}' (strace, elf, scenario or options)");
        }
    }

    /// <summary>The scenario corpus without --corpus: most statements of the language once.</summary>
    private const string DefaultScenario = """
        # five pages, three written; a fork; a thread; a kernel thread
        process demo
        $a = mmap(NULL, 5*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
        write $a 3*4096
        show touched
        mprotect($a + 4096, 4096, PROT_READ) = 0
        fork child
        in child
        write $a
        read $a + 2*4096
        in demo
        thread worker
        kthread kw
        schedule kw on cpu 1
        explain $a write
        show /proc/self/maps
        show /proc/self/pagemap $a 5*4K
        pmap demo -x
        munmap($a, 5*4096) = 0
        $h = brk(NULL)
        brk($h + 8192)
        write $h 8192
        exit child
        show mm
        """;

    private static byte[] EmbeddedSleepLog()
    {
        using Stream s = typeof(FuzzCommand).Assembly.GetManifestResourceStream("demo/real_sleep.trace.log")
            ?? throw new InvalidOperationException("the embedded recording is missing from this build");
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new UsageException($"fuzz: {args[i]} needs a value");
        }
        return args[++i];
    }

    private static long Number(string[] args, ref int i, long min, long max)
    {
        string name = args[i];
        string v = Value(args, ref i);
        if (!long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < min || n > max)
        {
            throw new UsageException($"fuzz: {name} {v}: give a whole number from {min} to {max}");
        }
        return n;
    }
}
