using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mmsim.Difftest;

namespace Mmsim.Cli;

/// <summary><c>mmsim difftest [--count N] [--seed S] [--calls C] [--jobs J] [--keep DIR] [--save DIR] [--program FILE]</c>.</summary>
internal static class DifftestCommand
{
    public const string Help = """
        Usage: mmsim difftest [--count N] [--seed S] [--calls C] [--jobs J] [--keep DIR]
                              [--save DIR] [--no-shrink] [--program FILE]

        Differential testing against this machine's kernel. Generates N random programs of memory
        system calls (mmap in all its forms, munmap, mprotect, mremap, brk, madvise, mlock, mseal,
        mincore probes, forks and threads), leaning toward the kernel's edge cases: exact VMA
        boundaries, neighbours that merge, 2 MiB boundaries, file offsets, errors. Each program
        runs natively (a small C runner, built once with cc into ~/.cache/mmsim, reads it from
        stdin) under

          setarch -R strace -f -v -s 256 -o trace.log -- RUNNER DIR

        and the log is replayed on the model with --check. A program agrees when every call's
        result is the kernel's, no mincore vector shows a page the model has not made resident
        (the runner touches no memory it maps), and every process's maps at exit are the
        kernel's (the [stack] start masked). Progress goes to stderr; the last line is
        `N/N programs agree`.

        A program that disagrees is shrunk (delta debugging over its calls, run natively at
        each step) to one from which no call can be removed, and written as a regression
        fixture directory under --save: program.txt, trace.log, maps/PID.maps, problems.txt,
        and the runner under root/ (replayed by the tests in tests/Mmsim.Cli.Tests).

        Options:
          --count N        programs to run (default 100)
          --seed S         seed of the run (decimal or 0x hex; default 1): program i is generated
                           from (S, i), the same on every machine
          --calls C        calls per program, forked children and threads included (default 200)
          --jobs J         programs run at once (default 1)
          --keep DIR       keep each program's directory under DIR (program.txt, trace.log,
                           maps.txt); by default they are deleted
          --save DIR       where shrunk disagreements go (default tests/fixtures-difftest when
                           that directory exists here, else ./difftest-failures)
          --no-shrink      report disagreements without shrinking them
          --program FILE   run this program (as written by --keep or a fixture) instead
          -h, --help       this text

        Needs strace, setarch (util-linux) and cc, and ptrace allowed (root, or a container
        with ptrace). Exit status: 0 all agree, 1 some disagree, 2 bad input or a missing tool.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Program.AsksForHelp(args))
        {
            stdout.WriteLine(Help);
            return 0;
        }
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--count":
                    o.Count = IntValue(args, ref i, 1, 10_000_000);
                    break;
                case "--seed":
                    o.Seed = SeedValue(args, ref i);
                    break;
                case "--calls":
                    o.Calls = IntValue(args, ref i, 3, DiffProgram.MaxCalls - 64);
                    break;
                case "--jobs":
                    o.Jobs = IntValue(args, ref i, 1, 64);
                    break;
                case "--keep":
                    o.Keep = Value(args, ref i);
                    break;
                case "--save":
                    o.Save = Value(args, ref i);
                    break;
                case "--no-shrink":
                    o.Shrink = false;
                    break;
                case "--program":
                    o.ProgramFile = Value(args, ref i);
                    break;
                default:
                    throw new UsageException($"difftest: unknown argument '{args[i]}' (try: mmsim difftest --help)");
            }
        }
        DiffProgram? given = null;
        if (o.ProgramFile is not null)
        {
            if (!File.Exists(o.ProgramFile))
            {
                throw new UsageException($"{o.ProgramFile}: no such file");
            }
            try
            {
                given = DiffProgram.Parse(File.ReadAllText(o.ProgramFile), o.ProgramFile);
            }
            catch (FormatException e)
            {
                throw new UsageException(e.Message);
            }
            o.Count = 1;
        }
        o.Save ??= Directory.Exists(Path.Combine("tests", "fixtures-difftest")) ? Path.Combine("tests", "fixtures-difftest") : "difftest-failures";
        try
        {
            return RunAll(o, given, stdout, stderr);
        }
        catch (DifftestException e)
        {
            stderr.WriteLine("mmsim: difftest: " + e.Message);
            return 2;
        }
    }

    /// <summary>What a run is asked to do.</summary>
    internal sealed class Options
    {
        public int Count { get; set; } = 100;
        public ulong Seed { get; set; } = 1;
        public int Calls { get; set; } = 200;
        public int Jobs { get; set; } = 1;
        public string? Keep { get; set; }
        public string? Save { get; set; }
        public bool Shrink { get; set; } = true;
        public string? ProgramFile { get; set; }
    }

    /// <summary>The outcome of a run: programs that agreed, and the fixture directories written.</summary>
    internal sealed record Outcome(int Agreed, int Count, List<string> Fixtures, List<string> Failures);

    private static int RunAll(Options o, DiffProgram? given, TextWriter stdout, TextWriter stderr)
    {
        Outcome r = Execute(o, given, stderr);
        foreach (string f in r.Failures)
        {
            stdout.WriteLine(f);
        }
        foreach (string f in r.Fixtures)
        {
            stdout.WriteLine("fixture written: " + f);
        }
        stdout.WriteLine($"{r.Agreed}/{r.Count} programs agree");
        return r.Agreed == r.Count ? 0 : 1;
    }

    /// <summary>Runs the programs; progress and each disagreement go to <paramref name="stderr"/>.</summary>
    internal static Outcome Execute(Options o, DiffProgram? given, TextWriter stderr)
    {
        string runner = DifftestRunner.Ensure();
        string workRoot = o.Keep ?? Path.Combine(Path.GetTempPath(), $"mmsim-difftest-{Environment.ProcessId}");
        Directory.CreateDirectory(workRoot);
        var sw = Stopwatch.StartNew();
        int agreed = 0;
        int done = 0;
        long calls = 0;
        var fixtures = new List<string>();
        var failures = new List<string>();
        var gate = new object();
        Parallel.For(0, o.Count, new ParallelOptions { MaxDegreeOfParallelism = o.Jobs }, i =>
        {
            ulong seed = ProgramGenerator.SeedOf(o.Seed, i);
            DiffProgram program = given ?? ProgramGenerator.Generate(seed, o.Calls);
            string dir = Path.Combine(workRoot, "p" + i.ToString(CultureInfo.InvariantCulture));
            List<string> problems = Check(runner, program, dir, o.Keep is not null);
            string? fixture = null;
            string report = "";
            if (problems.Count > 0)
            {
                report = $"program {i} (seed 0x{seed:x16}) disagrees:\n  " + string.Join("\n  ", problems);
                lock (gate)
                {
                    stderr.WriteLine("difftest: " + report);
                }
                if (o.Shrink)
                {
                    fixture = ShrinkAndSave(runner, program, seed, workRoot, i, o.Save!, stderr, gate);
                }
            }
            lock (gate)
            {
                done++;
                calls += program.Calls.Count;
                if (problems.Count == 0)
                {
                    agreed++;
                }
                else
                {
                    failures.Add(report);
                }
                if (fixture is not null)
                {
                    fixtures.Add(fixture);
                }
                if (done % 10 == 0 || done == o.Count)
                {
                    stderr.WriteLine($"difftest: {done}/{o.Count} programs, {agreed} agree, {calls} calls, {sw.Elapsed.TotalSeconds:F0} s");
                }
            }
        });
        if (o.Keep is null)
        {
            TryDelete(workRoot);
        }
        return new Outcome(agreed, o.Count, fixtures, failures);
    }

    /// <summary>Runs one program natively and on the model; the disagreements (empty: they agree).</summary>
    internal static List<string> Check(string runner, DiffProgram program, string dir, bool keep)
    {
        TryDelete(dir);
        Directory.CreateDirectory(dir);
        string text = program.Format();
        DifftestRunner.NativeRun run = DifftestRunner.Run(runner, text, dir);
        List<string> problems;
        if (run.Status != 0)
        {
            problems = [$"the runner failed natively (exit {run.Status}): {DifftestRunner.FirstLine(run.Stderr)}"];
        }
        else
        {
            problems = DifftestCheck.Problems(run.TracePath, dir, null, null, run.Maps, dir, runner);
        }
        if (keep)
        {
            File.WriteAllText(Path.Combine(dir, "program.txt"), text);
            var maps = new StringBuilder();
            foreach (KeyValuePair<int, string> m in run.Maps)
            {
                maps.Append("== ").Append(m.Key.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(m.Value);
            }
            File.WriteAllText(Path.Combine(dir, "maps.txt"), maps.ToString());
            if (problems.Count > 0)
            {
                File.WriteAllText(Path.Combine(dir, "problems.txt"), string.Join('\n', problems) + "\n");
            }
        }
        else
        {
            TryDelete(dir);
        }
        return problems;
    }

    /// <summary>Shrinks a disagreeing program and writes it as a fixture; returns the fixture's directory (null if it no longer failed).</summary>
    private static string? ShrinkAndSave(string runner, DiffProgram program, ulong seed, string workRoot, int index,
        string save, TextWriter stderr, object gate)
    {
        string dir = Path.Combine(workRoot, "shrink" + index.ToString(CultureInfo.InvariantCulture));
        DiffProgram small = Shrinker.Shrink(program, p => Check(runner, p, dir, keep: false).Count > 0, 2000, out int runs);
        string rerun = Path.Combine(workRoot, "shrunk" + index.ToString(CultureInfo.InvariantCulture));
        TryDelete(rerun);
        Directory.CreateDirectory(rerun);
        DifftestRunner.NativeRun run = DifftestRunner.Run(runner, small.Format(), rerun);
        List<string> problems = run.Status == 0 ? DifftestCheck.Problems(run.TracePath, rerun, null, null, run.Maps, rerun, runner) : [];
        if (problems.Count == 0)
        {
            lock (gate)
            {
                stderr.WriteLine($"difftest: program {index}: the shrunk program agrees on a rerun (flaky); not saved");
            }
            TryDelete(rerun);
            return null;
        }
        string name = FixtureName(problems[0], seed);
        string target = WriteFixture(save, name, small, run, problems, rerun, runner);
        TryDelete(rerun);
        TryDelete(dir);
        lock (gate)
        {
            stderr.WriteLine($"difftest: program {index}: shrunk from {program.Calls.Count} to {small.Calls.Count} calls in {runs} runs: {target}");
        }
        return target;
    }

    private static string FixtureName(string problem, ulong seed)
    {
        string kind = "maps";
        int colon = problem.IndexOf(": ", StringComparison.Ordinal);
        if (problem.StartsWith("line ", StringComparison.Ordinal) && colon > 0)
        {
            string[] f = problem[(colon + 2)..].Split(' ', 4);
            if (f.Length >= 3)
            {
                kind = f[2].TrimEnd(':');
            }
        }
        else if (problem.StartsWith("mincore", StringComparison.Ordinal))
        {
            kind = "resident";
        }
        else if (problem.StartsWith("replay", StringComparison.Ordinal))
        {
            kind = "replay";
        }
        return $"{kind}_{seed & 0xffffffff:x8}";
    }

    /// <summary>Writes the fixture into a temporary directory and renames it into place (never over an existing one).</summary>
    private static string WriteFixture(string save, string name, DiffProgram program, DifftestRunner.NativeRun run,
        List<string> problems, string workDir, string runner)
    {
        Directory.CreateDirectory(save);
        string target = Path.Combine(save, name);
        for (int k = 2; Directory.Exists(target); k++)
        {
            target = Path.Combine(save, name + "_" + k.ToString(CultureInfo.InvariantCulture));
        }
        string tmp = Path.Combine(save, "." + Path.GetFileName(target) + ".tmp");
        TryDelete(tmp);
        Directory.CreateDirectory(Path.Combine(tmp, "maps"));
        File.WriteAllText(Path.Combine(tmp, "program.txt"), program.Format());
        File.Copy(run.TracePath, Path.Combine(tmp, "trace.log"));
        foreach (KeyValuePair<int, string> m in run.Maps)
        {
            File.WriteAllText(Path.Combine(tmp, "maps", m.Key.ToString(CultureInfo.InvariantCulture) + ".maps"), m.Value);
        }
        File.WriteAllText(Path.Combine(tmp, "problems.txt"),
            "What the model did differently when this program was found (the kernel is right):\n" + string.Join('\n', problems) + "\n");
        (_, _, ulong ino, _) = NativeStat.Stat(runner);
        File.WriteAllText(Path.Combine(tmp, "processes.json"), $"{{\n  \"cwd\": \"{workDir}\",\n  \"runner\": \"{runner}\"\n}}\n");
        File.WriteAllText(Path.Combine(tmp, "elf.json"), $"{{\n  \"{runner}\": {{ \"inode\": {ino} }}\n}}\n");
        string copy = Path.Combine(tmp, "root", runner.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(runner, copy);
        Directory.Move(tmp, target);
        return target;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new UsageException($"difftest: {args[i]} needs a value");
        }
        return args[++i];
    }

    private static int IntValue(string[] args, ref int i, int min, int max)
    {
        string name = args[i];
        string v = Value(args, ref i);
        if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new UsageException($"difftest: {name} {v}: give a whole number from {min} to {max}");
        }
        return n;
    }

    private static ulong SeedValue(string[] args, ref int i)
    {
        string v = Value(args, ref i);
        bool ok = v.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(v.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong s)
            : ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out s);
        if (!ok)
        {
            throw new UsageException($"difftest: --seed {v}: give a number (decimal or 0x hex)");
        }
        return s;
    }
}
