using System.Diagnostics;
using Mmsim.Replay;
using Mmsim.Strace;

namespace Mmsim.Cli;

/// <summary><c>mmsim replay TRACE [--root DIR] [--check | --follow] [--proc-dir DIR]</c>.</summary>
internal static class ReplayCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? trace = null;
        string? root = null;
        string? procDir = null;
        string? cwd = null;
        bool assumeWrites = true;
        bool quiet = false;
        ReplayMode mode = ReplayMode.Check;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--check":
                    mode = ReplayMode.Check;
                    break;
                case "--follow":
                    mode = ReplayMode.Follow;
                    break;
                case "--quiet":
                    quiet = true;
                    break;
                case "--root":
                    root = Value(args, ref i);
                    break;
                case "--proc-dir":
                    procDir = Value(args, ref i);
                    break;
                case "--cwd":
                    cwd = Value(args, ref i);
                    if (!cwd.StartsWith('/'))
                    {
                        throw new UsageException($"replay: --cwd {cwd}: give the absolute directory the program started in");
                    }
                    break;
                case "--assume-writes":
                    assumeWrites = true;
                    break;
                case "--no-assume-writes":
                    assumeWrites = false;
                    break;
                default:
                    if (args[i].StartsWith('-'))
                    {
                        throw new UsageException($"replay: unknown option '{args[i]}' (try: mmsim help)");
                    }
                    if (trace is not null)
                    {
                        throw new UsageException($"replay: one trace at a time ('{trace}' and '{args[i]}')");
                    }
                    trace = args[i];
                    break;
            }
        }
        if (trace is null)
        {
            throw new UsageException("replay: missing TRACE (usage: mmsim replay TRACE [--root DIR] [--check|--follow] [--proc-dir DIR])");
        }
        if (root is not null && !Directory.Exists(root))
        {
            throw new UsageException($"replay: --root {root}: no such directory");
        }
        if (!File.Exists(trace))
        {
            throw new UsageException($"{trace}: no such file");
        }
        RecordingMetadata meta = RecordingMetadata.Load(trace);
        var options = new ReplayOptions
        {
            AssumeWrites = assumeWrites,
            InitialCwd = cwd ?? meta.Cwd ?? Environment.CurrentDirectory,
            RecordedInodes = meta.Inodes,
        };
        return Replay(() => OpenLog(trace), trace, root, procDir, mode, quiet, stdout, stderr, options);
    }

    /// <summary>Replays a log (open() gives it from the start; a second pass may read it again) and prints divergences and the summary.</summary>
    internal static int Replay(Func<TextReader> open, string name, string? root, string? procDir, ReplayMode mode, bool quiet,
        TextWriter stdout, TextWriter stderr, ReplayOptions? options = null)
    {
        var host = new HostFileSystem(root);
        var sw = Stopwatch.StartNew();
        Replayer replayer;
        try
        {
            replayer = Replayer.RunWithEvidence(() => new Replayer(host, mode, options: options), open, Path.GetFileName(name));
        }
        catch (StraceFormatException e)
        {
            stderr.WriteLine("mmsim: " + e.Message);
            return 2;
        }
        catch (ReplayException e)
        {
            stderr.WriteLine("mmsim: " + e.Message);
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
            stdout.WriteLine($"{Path.GetFileName(name)}:{d.Line}: pid {d.Pid} {d.Call}: recorded {Show(d.Recorded)}, model {Show(d.Model)}");
        }
        if (!quiet)
        {
            Summary.Print(replayer, sw.Elapsed, stdout);
        }
        stdout.WriteLine($"{replayer.CallsReplayed} calls replayed, {replayer.Divergences.Count} diverged");
        return replayer.Divergences.Count > 0 ? 1 : 0;
    }

    /// <summary>Opens a log for one sequential pass with large buffers (reading is a good part of a replay's time).</summary>
    private static StreamReader OpenLog(string path)
    {
        var options = new FileStreamOptions { BufferSize = 1 << 20, Options = FileOptions.SequentialScan };
        return new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, options);
    }

    private static string Show(long v) => v < 0 && v >= -4095 ? $"-{ErrnoName(-v)}" : $"0x{v:x}";

    private static string ErrnoName(long e) => Errno.NameOf((int)e) ?? e.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new UsageException($"replay: {args[i]} needs a value");
        }
        return args[++i];
    }

    /// <summary>Writes DIR/PID/maps atomically (a temporary file renamed into place).</summary>
    private static void WriteSnapshot(string dir, ProcSnapshot snap)
    {
        string pidDir = Path.Combine(dir, snap.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(pidDir);
        string target = Path.Combine(pidDir, "maps");
        string tmp = target + ".tmp";
        File.WriteAllText(tmp, snap.Maps);
        File.Move(tmp, target, overwrite: true);
    }
}
