using Mmsim.Mm;
using Mmsim.Proc;
using Mmsim.Replay;

namespace Mmsim.Cli.Demo;

/// <summary>
/// <c>sleep 3000 &amp;</c> and its /proc/PID/maps: the embedded strace recording of a real
/// /usr/bin/sleep (Linux 6.18, ASLR off) replayed on the model, every result recomputed and
/// compared with the kernel's, and the maps the model rebuilt at the moment sleep sleeps.
/// </summary>
internal sealed class SleepStep : DemoStep
{
    /// <summary>The embedded recording (tests/fixtures/real_sleep/trace.log).</summary>
    public const string Resource = "demo/real_sleep.trace.log";

    public override string Id => "sleep";

    public override string Title => "sleep 3000 & and its /proc/PID/maps (a real /usr/bin/sleep)";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Series4, "First run a daemon sleep 3000 &. View/proc/[pid]/maps. The result is as follows: [...] Then run pmap [pid] to view the following content:"),
        new(Seed.Series4, "This mainly includes the code segment, Data Segment and bss segment in the C library, the code segment of the Dynamic Link program, the data segment and bss segment. The code segment and Data Segment of the stack and executable objects of the process."),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "A library today is mapped in four or five areas, not two or three: r--p (ELF headers, read-only data), r-xp (code), r--p (RELRO, made read-only after relocation), rw-p (data) and an anonymous rw-p for the rest of its bss. Besides: the locale files glibc maps, [vvar]/[vvar_vclock]/[vdso] (kernel pages for clock_gettime without a syscall) and [vsyscall] (a legacy page above TASK_SIZE that is not a VMA of the mm).",
        "The recording is of `sleep 0.1`: sleep's address space does not depend on its argument, and it is the same during all 3000 seconds of `sleep 3000 &` (it is read here at the moment sleep calls clock_nanosleep, the last change being before it).",
    ];

    public override PictureKind Picture => PictureKind.Layout;

    public override void Run(DemoScene scene, TextWriter o)
    {
        using Stream s = typeof(SleepStep).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException("demo: the embedded sleep recording is missing from this build");
        using var reader = new StreamReader(s);
        var replayer = new Replayer(new SleepHostFiles(), ReplayMode.Check);
        string? maps = null;
        replayer.OnSnapshot = snap =>
        {
            MmStruct mm = replayer.Kernel.Find(snap.Pid)!.Mm!;
            maps = snap.Maps;
            o.WriteLine($"  $ sleep 3000 &");
            o.WriteLine($"  [1] {snap.Pid}");
            o.WriteLine($"  $ cat /proc/{snap.Pid}/maps          (as the model rebuilt it; what each area is on the right)");
            PrintMaps(mm, o);
            o.WriteLine();
            o.WriteLine($"  $ pmap {snap.Pid}                      (procps-ng's format, byte for byte: sizes in KiB, the areas named by file)");
            // The recorded command was `sleep 0.1`; the seed's `sleep 3000 &` has the same areas.
            PmapProcess p = PmapSource.FromMm(mm, snap.Pid, "sleep 3000");
            foreach (string line in ProcPmap.Format(p, PmapFormat.Default).TrimEnd('\n').Split('\n'))
            {
                o.WriteLine("  " + line);
            }
            Pmap = ProcPmap.Format(p, PmapFormat.Default);
            scene.Pid = snap.Pid;
            scene.Picture = (Mmsim.Pictures.AddressSpacePicture.Render(mm, $"sleep (pid {snap.Pid}) at exit_group"),
                "the address-space layout of the real sleep");
            scene.Figures["map_count"] = mm.MapCount;
            scene.Figures["vsz_kib"] = (long)(Page.Bytes(mm.TotalVm) >> 10);
            scene.Figures["rss_kib"] = snap.RssPages * 4;
        };
        replayer.Run(reader, "real_sleep/trace.log");
        o.WriteLine();
        o.WriteLine($"  {replayer.CallsReplayed} calls replayed from the recording, {replayer.Divergences.Count} diverged from the real kernel's results;");
        o.WriteLine("  the tests check these maps line by line against the real process's /proc/PID/maps.");
        scene.Kernel = replayer.Kernel;
        scene.Figures["calls"] = replayer.CallsReplayed;
        scene.Figures["divergences"] = replayer.Divergences.Count;
        Maps = maps;
    }

    /// <summary>The pmap output of the last run (for the tests).</summary>
    public string? Pmap { get; private set; }

    /// <summary>The maps text of the last run (for the tests).</summary>
    public string? Maps { get; private set; }

    /// <summary>The maps lines with the first seed's words for each: code, data or bss of which object.</summary>
    private static void PrintMaps(MmStruct mm, TextWriter o)
    {
        var sb = new System.Text.StringBuilder();
        Vma? prev = null;
        foreach (Vma v in mm.Vmas)
        {
            sb.Clear();
            ProcMaps.AppendLine(sb, mm, v);
            string line = sb.ToString().TrimEnd('\n');
            o.WriteLine($"  {(line.Length > 110 ? line[..110] : line),-110} {Kind(mm, v, prev)}");
            prev = v;
        }
        o.WriteLine($"  {ProcMaps.VsyscallLine,-110} [vsyscall]: the gate page, not a VMA of the mm");
    }

    private static string Kind(MmStruct mm, Vma v, Vma? prev)
    {
        string? name = ProcMaps.Name(mm, v);
        if (v.File is not null)
        {
            string file = v.File.Inode.Path;
            string obj = file == "/usr/bin/sleep" ? "the program" : file.Contains("libc.so", StringComparison.Ordinal) ? "the C library"
                : file.Contains("ld-linux", StringComparison.Ordinal) ? "the dynamic linker" : file.Contains("/locale/", StringComparison.Ordinal) ? "locale data" : "a mapped file";
            bool x = (v.Flags & VmFlags.Exec) != 0;
            bool w = (v.Flags & VmFlags.Write) != 0;
            return obj + (x ? ": code" : w ? ": data" : (v.Flags & VmFlags.Shared) != 0 ? " (shared)" : ": read-only");
        }
        if (name is "[heap]" or "[stack]" or "[vdso]" or "[vvar]" or "[vvar_vclock]")
        {
            return name;
        }
        if (prev is { File: not null } && prev.End == v.Start && (prev.Flags & VmFlags.Write) != 0)
        {
            return "bss of " + (prev.File.Inode.Path.Contains("libc.so", StringComparison.Ordinal) ? "the C library" : prev.File.Inode.Path);
        }
        return "anonymous (malloc / ld.so / TLS)";
    }
}
