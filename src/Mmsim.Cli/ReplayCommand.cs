using System.Diagnostics;
using Mmsim.Replay;
using Mmsim.Strace;

namespace Mmsim.Cli;

/// <summary><c>mmsim replay TRACE [--root DIR] [--check | --follow] [--proc-dir DIR]</c>.</summary>
internal static class ReplayCommand
{
    public const string Help = """
        Usage: mmsim replay TRACE [--check | --follow] [--root DIR] [--proc-dir DIR] [--cwd DIR]
                                  [--no-assume-writes] [--no-paging] [--validate] [--quiet]

        Replays an `strace -f` log on the model: every memory, file and process call is applied
        and its result compared with the recorded one. Each call that differs is printed with its
        line; then a summary (processes, VMAs at exit, calls by kind, time and lines/s, the time
        being the wall time of reading and replaying the log), and last
        `N calls replayed, M diverged`.

        Options:
          --check            (default) the model chooses every result; each call whose result
                             differs from the recorded one is reported with its line number
          --follow           impose the recorded result where the model would differ (logs taken
                             with ASLR on, or racing threads); divergences are still counted.
                             exec's random heap start, mmap base and PIE load bias are read off
                             the first brk, mmap and RELRO mprotect (the stack top stays put)
          --root DIR         look files up under DIR first (each fixture has a root/), then on the host
          --proc-dir DIR     write DIR/PID/{maps,smaps,smaps_rollup,status,statm} of each process
                             as it enters exit_group (status: memory lines from the model, the
                             others - ids, signals, capabilities, context switches - defaults),
                             and DIR/PID/{pmap,pmap-x,pmap-X}: what procps-ng's pmap, pmap -x and
                             pmap -X print for it at that moment
          --no-paging        model only the VMA layer (no page tables: no RSS, no vector or
                             getrusage checks); by default a 24 GiB machine with demand paging,
                             every page inside a regular file taken as cached
          --cwd DIR          the directory the program started in, for relative paths (default:
                             the recorder's processes.json beside TRACE, else the current one)
          --no-assume-writes the program's own loads and stores are not in the log; by default
                             each private writable area it maps is assumed written (its VMA gets
                             an anon_vma, which changes later merges) by the time the program
                             reshapes it, forks or exits. Faults the log does show (mincore
                             vectors, SIGSEGV) are always applied.
          --validate         check the whole machine after every line of the log and at its end
                             (VMAs sorted, disjoint, merged; map_count, total_vm and the other
                             counters; every PTE inside a VMA and allowed by it; RSS and VmPTE;
                             every frame's refcount and mapcount; the buddy free lists; after
                             every process exited, every frame free but the kernel's own) and
                             print the first line after which something is broken, with every
                             violation found there
          --quiet            leave out the summary: print the divergences and the last line only
          -h, --help         this text

        Files beside TRACE, when present: processes.json (the starting directory) and elf.json
        (the recorded inode of each executable, whose copy under --root has another).

        Record a log the model can replay exactly:
          setarch -R strace -f -v -s 256 -o trace.log -- PROGRAM ARGS...

        Exit status: 0 all calls agree, 1 some diverged (or --validate found a violation), 2 bad
        input (the message names file:line).
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Program.AsksForHelp(args))
        {
            stdout.WriteLine(Help);
            return 0;
        }
        var shared = new ReplayArgs("replay");
        string? procDir = null;
        bool paging = true;
        bool quiet = false;
        bool validate = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (shared.TryTake(args, ref i))
            {
                continue;
            }
            switch (args[i])
            {
                case "--quiet":
                    quiet = true;
                    break;
                case "--validate":
                    validate = true;
                    break;
                case "--proc-dir":
                    procDir = shared.Value(args, ref i);
                    break;
                case "--no-paging":
                    paging = false;
                    break;
                case "--paging":
                    paging = true;
                    break;
                default:
                    throw new UsageException($"replay: unknown option '{args[i]}' (try: mmsim replay --help)");
            }
        }
        string trace = shared.CheckInput("replay: missing TRACE (usage: mmsim replay TRACE [options]; mmsim replay --help for them)");
        string? root = shared.Root;
        string? cwd = shared.Cwd;
        bool assumeWrites = shared.AssumeWrites;
        ReplayMode mode = shared.Mode;
        RecordingMetadata meta = RecordingMetadata.Load(trace);
        var options = new ReplayOptions
        {
            AssumeWrites = assumeWrites,
            InitialCwd = cwd ?? meta.Cwd ?? Environment.CurrentDirectory,
            RecordedInodes = meta.Inodes,
            Paging = paging ? Mmsim.Phys.PhysMemConfig.Default : null,
            ProcFiles = procDir is not null,
            Validate = validate,
        };
        return Replay(() => OpenLog(trace), trace, root, procDir, mode, quiet, stdout, stderr, options);
    }

    /// <summary>Replays a log (open() gives it from the start; a second pass may read it again) and prints divergences and the summary.</summary>
    internal static int Replay(Func<TextReader> open, string name, string? root, string? procDir, ReplayMode mode, bool quiet,
        TextWriter stdout, TextWriter stderr, ReplayOptions? options = null) =>
        Replay(open, name, new HostFileSystem(root), procDir, mode, quiet, stdout, stderr, options);

    /// <summary><see cref="Replay(Func{TextReader}, string, string?, string?, ReplayMode, bool, TextWriter, TextWriter, ReplayOptions?)"/> with the files looked up through host.</summary>
    internal static int Replay(Func<TextReader> open, string name, IHostFiles host, string? procDir, ReplayMode mode, bool quiet,
        TextWriter stdout, TextWriter stderr, ReplayOptions? options = null)
    {
        var sw = Stopwatch.StartNew();
        Replayer replayer;
        try
        {
            replayer = Replayer.RunWithEvidence(() => new Replayer(host, mode, options: options), open, Path.GetFileName(name));
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
        sw.Stop();
        if (procDir is not null)
        {
            foreach (ProcSnapshot snap in replayer.Snapshots.Values)
            {
                WriteSnapshot(procDir, snap);
            }
        }
        foreach (Divergence d in replayer.Divergences)
        {
            string what = d.Detail.Length > 0 ? d.Detail : $"recorded {Show(d.Recorded)}, model {Show(d.Model)}";
            stdout.WriteLine($"{Path.GetFileName(name)}:{d.Line}: pid {d.Pid} {d.Call}: {what}");
        }
        if (!quiet)
        {
            Summary.Print(replayer, sw.Elapsed, stdout);
        }
        if (options?.Validate == true)
        {
            PrintValidation(replayer, Path.GetFileName(name), stdout);
        }
        stdout.WriteLine($"{replayer.CallsReplayed} calls replayed, {replayer.Divergences.Count} diverged");
        return replayer.Divergences.Count > 0 || replayer.FirstViolation is not null ? 1 : 0;
    }

    /// <summary>--validate: the first line after which the machine was inconsistent, with every violation, or that none was.</summary>
    private static void PrintValidation(Replayer replayer, string name, TextWriter stdout)
    {
        if (replayer.FirstViolation is { } v)
        {
            foreach (Mmsim.DebugVm.VmViolation x in v.Violations)
            {
                stdout.WriteLine($"{name}:{v.Line}: pid {v.Pid} {v.Call}: validate: {x}");
            }
            stdout.WriteLine($"validate: {v.Violations.Count} violations after line {v.Line} ({replayer.Validations} checks)");
            return;
        }
        stdout.WriteLine($"validate: {replayer.Validations} checks, no violation");
    }

    /// <summary>Opens a log for one sequential pass with large buffers (reading is a good part of a replay's time).</summary>
    private static StreamReader OpenLog(string path)
    {
        var options = new FileStreamOptions { BufferSize = 1 << 20, Options = FileOptions.SequentialScan };
        return new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, options);
    }

    private static string Show(long v) => v < 0 && v >= -4095 ? $"-{ErrnoName(-v)}" : $"0x{v:x}";

    private static string ErrnoName(long e) => Errno.NameOf((int)e) ?? e.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes DIR/PID/{maps,smaps,smaps_rollup,status,statm,pmap,pmap-x,pmap-X}, each atomically (a temporary file renamed into place).</summary>
    private static void WriteSnapshot(string dir, ProcSnapshot snap)
    {
        string pidDir = Path.Combine(dir, snap.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(pidDir);
        WriteAtomically(Path.Combine(pidDir, "maps"), snap.Maps);
        WriteAtomically(Path.Combine(pidDir, "smaps"), snap.Smaps);
        WriteAtomically(Path.Combine(pidDir, "smaps_rollup"), snap.SmapsRollup);
        WriteAtomically(Path.Combine(pidDir, "status"), snap.Status);
        WriteAtomically(Path.Combine(pidDir, "statm"), snap.Statm);
        WriteAtomically(Path.Combine(pidDir, "pmap"), snap.Pmap);
        WriteAtomically(Path.Combine(pidDir, "pmap-x"), snap.PmapExtended);
        WriteAtomically(Path.Combine(pidDir, "pmap-X"), snap.PmapMore);
    }

    private static void WriteAtomically(string target, string? text)
    {
        if (text is not null)
        {
            AtomicFile.Write(target, text);
        }
    }
}
