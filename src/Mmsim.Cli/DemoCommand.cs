using Mmsim.Replay;

namespace Mmsim.Cli;

/// <summary>
/// <c>mmsim demo</c>: for now, replays the embedded recording of a real <c>sleep 0.1</c>
/// (Linux 6.18, ASLR off) and prints the maps the model rebuilt with the summary.
/// </summary>
internal static class DemoCommand
{
    public const string Help = """
        Usage: mmsim demo

        Replays a real `sleep 0.1`, recorded with strace on Linux 6.18 (x86-64, ASLR off) and built
        into mmsim, on the model: every mmap/mprotect/munmap/brk result is recomputed and compared
        with the kernel's, then the /proc/PID/maps the model rebuilt is printed with the replay
        summary. It takes no options; to replay a log of your own, see mmsim replay --help.

        Exit status: 0 all calls agree, 1 some diverged.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Program.AsksForHelp(args))
        {
            stdout.WriteLine(Help);
            return 0;
        }
        if (args.Length > 0)
        {
            throw new UsageException($"demo: unexpected argument '{args[0]}' (try: mmsim demo --help)");
        }
        using Stream? s = typeof(DemoCommand).Assembly.GetManifestResourceStream("demo/real_sleep.trace.log");
        if (s is null)
        {
            stderr.WriteLine("mmsim: demo: the embedded recording is missing from this build");
            return 2;
        }
        using var reader = new StreamReader(s);
        stdout.WriteLine("Replaying a real `sleep 0.1` recorded with strace on Linux 6.18 (x86-64, ASLR off).");
        stdout.WriteLine("Every mmap/mprotect/munmap/brk result is recomputed by the model and compared.");
        stdout.WriteLine();
        var replayer = new Replayer(new HostFileSystem(null), ReplayMode.Check);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        replayer.Run(reader, "real_sleep/trace.log");
        sw.Stop();
        foreach (ProcSnapshot snap in replayer.Snapshots.Values)
        {
            stdout.WriteLine($"/proc/{snap.Pid}/maps as the model rebuilt it, at exit_group:");
            stdout.Write(snap.Maps);
            stdout.WriteLine();
        }
        Summary.Print(replayer, sw.Elapsed, stdout);
        stdout.WriteLine($"{replayer.CallsReplayed} calls replayed, {replayer.Divergences.Count} diverged");
        return replayer.Divergences.Count > 0 ? 1 : 0;
    }
}
