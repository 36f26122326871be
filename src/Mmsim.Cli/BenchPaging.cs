using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mmsim.Arch.X86;
using Mmsim.Fault;
using Mmsim.Phys;
using Mmsim.Pgtable;
using Mmsim.Tlb;

namespace Mmsim.Cli;

/// <summary>
/// <c>mmsim bench paging</c>: times page faults and fork on the model (through
/// <see cref="PagingBench"/>) and on the kernel of this machine (a small C program, see
/// <see cref="KernelPagingHelper"/>), and the MMU's translation rates, one BENCH line each.
/// </summary>
internal static class BenchPaging
{
    public const string Help = """
        Usage: mmsim bench paging [--quick | --reps N] [--only NAME[,NAME...]] [--model-only]

        Times page faults and fork on the model and on the kernel of this machine and prints
          BENCH <name> model_ns=<x> kernel_ns=<y> speedup=<y/x>
        with x and y the median over the repetitions of nanoseconds per fault (per fork for
        fork). The kernel side is a small C program (built once with cc into ~/.cache/mmsim,
        run as a child process); the model side is one simulated machine (the reference
        machine's 24 GiB, 4-level paging) with one task. Both map one private anonymous region
        of 16384 pages (64 MiB; 4096 with --quick) with MADV_NOHUGEPAGE, so every fault is a 4 KiB one.

        Operations (what is timed; what runs between repetitions untimed):
          anon_write  a write to each page of the untouched region: do_anonymous_page() allocates,
                      maps and charges a frame per page. Reset: MADV_DONTNEED over the region.
          zero_read   a read of each page of the untouched region: the shared zero page is mapped
                      read-only, no frame is allocated. Reset: MADV_DONTNEED.
          cow         a write to each page after the process forked (untimed: the touch before the
                      fork and the fork; the child stays until the writes are done): do_wp_page()
                      copies every page. Reset: the child's exit, MADV_DONTNEED.
          fork        fork() of the process with the whole region written (dup_mmap(),
                      copy_page_range() write-protects 16384 PTEs and shares their frames). The
                      model times Kernel.Clone; the kernel, fork() in the parent. Reset: the child's
                      exit (exit_mmap() of its copy) and, on the kernel, waitpid().
          tlb_hit     the model's MMU only: reads cycling over 16 pages that hit the L1 dTLB
                      (Tlb/TlbBench.RunHits); prints the rate against the 200 M/s target.
          page_walk   the model's MMU only: the hardware walk of a TLB miss, PageWalker over the
                      real 4-level tables of the written region (4 entry reads, Accessed set).
          tlb_miss    the model's MMU only: a read that misses the L1 and the STLB, walks the real
                      tables and fills both (Machine.Access), cycling over the 16384 written pages.

        Targets (issue 3): anon_write, zero_read and cow >= 10x the kernel's speed, fork >= 5x,
        tlb_hit >= 200 million translations per second, page_walk <= 20 ns.

        Before the first timed repetition and after it, and at the end, the model machine is
        validated (VMAs, page tables against VMAs, RSS counters, every frame's mapcount and
        refcount); every access must succeed; the RSS change of the first repetition's touches
        is compared with the kernel's (its /proc/self/statm; the kernel's per-CPU RSS counters
        may lag by a few dozen pages, so that much difference is allowed). Without a C compiler
        the kernel side is skipped (said on one line) and only the model figures are printed.

        Options:
          --reps N     timed repetitions per side (default 11; the model's come after untimed
                       warm-up ones, at least 2 and 0.5 s, so that the JIT has settled)
          --quick      4096 pages, 3 repetitions, 1 warm-up: checks that everything runs
          --only NAMES run only these operations (comma-separated)
          --model-only do not build or run the kernel side: BENCH lines carry model_ns only

        The last line gives the host memory the model spends per simulated 4 KiB frame.

        The model is timed at its steady state, as BenchmarkDotNet times it: each operation runs
        in a child process of its own (so that what the JIT learnt from one operation does not
        shape the code another is timed with), with .NET's default JIT: dynamic PGO on
        (DOTNET_TieredPGO=1; the CLI turns it off for short replays) and the precompiled
        ReadyToRun code of ./mmsim's build not used (DOTNET_ReadyToRun=0; it is there for a fast
        start).

        Exit status: 0 done, 1 an access failed, the model disagreed with the kernel or the
        kernel helper failed, 2 bad usage.
        """;

    public const string AnonWrite = "anon_write";
    public const string ZeroRead = "zero_read";
    public const string Cow = "cow";
    public const string ForkOp = "fork";
    public const string TlbHit = "tlb_hit";
    public const string PageWalk = "page_walk";
    public const string TlbMiss = "tlb_miss";

    public static IReadOnlyList<string> All { get; } = [AnonWrite, ZeroRead, Cow, ForkOp, TlbHit, PageWalk, TlbMiss];

    /// <summary>Slack for the kernel's RSS: percpu counters are read without folding the per-CPU deltas.</summary>
    private const long RssSlack = 64;

    /// <summary>The least warm-up time of the model side (but for --quick).</summary>
    private const double WarmupNs = 500e6;

    private sealed record Settings(long Pages, int Reps, int Warmup, bool Quick);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var s = new Settings(16384, 11, 2, false);
        List<string> ops = [.. All];
        bool modelOnly = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    stdout.WriteLine(Help);
                    return 0;
                case "--quick":
                    s = s with { Pages = 4096, Reps = 3, Warmup = 1, Quick = true };
                    break;
                case "--reps":
                    string n = i + 1 < args.Length ? args[++i] : throw new UsageException("bench: --reps needs a value");
                    if (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out int reps) || reps <= 0 || reps > 1000)
                    {
                        throw new UsageException($"bench: --reps {n}: give a number from 1 to 1000");
                    }
                    s = s with { Reps = reps };
                    break;
                case "--model-only":
                    modelOnly = true;
                    break;
                case "--only":
                    string list = i + 1 < args.Length ? args[++i] : throw new UsageException("bench: --only needs a value");
                    ops = ParseOnly(list);
                    break;
                default:
                    throw new UsageException($"bench: unknown option '{args[i]}' (try: mmsim bench paging --help)");
            }
        }
        string? binary = null;
        string? why = modelOnly ? "--model-only" : "the kernel side needs Linux on x86-64";
        if (!modelOnly && OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            binary = KernelPagingHelper.Ensure(out why);
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# paging: {s.Pages} pages ({s.Pages >> 8} MiB), median of {s.Reps} repetitions per side (the model after a warm-up{(s.Quick ? "" : " of 0.5 s")}); ns per fault, per fork, per translation"));
        if (binary is null)
        {
            stdout.WriteLine($"# kernel side skipped: {why}");
        }
        foreach (string op in ops)
        {
            string phase = "model";
            try
            {
                switch (op)
                {
                    case TlbHit:
                        double hit = TimeTlbHit(s);
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"BENCH {op} model_ns={hit:F2} rate={1e3 / hit:F0}M/s target=200M/s"));
                        break;
                    case PageWalk:
                    case TlbMiss:
                        double walk = TimeWalk(s, op == TlbMiss);
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"BENCH {op} model_ns={walk:F2}{(op == PageWalk ? " target=20ns" : "")}"));
                        break;
                    default:
                        double modelNs = TimeModel(op, s, out long modelRss);
                        if (binary is null)
                        {
                            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH {op} model_ns={modelNs:F1}"));
                            break;
                        }
                        phase = "kernel";
                        double[] k = KernelPagingHelper.Run(binary, op, s.Pages, s.Reps, out long? kernelRss);
                        if (kernelRss is long kr && Math.Abs(kr - modelRss) > RssSlack)
                        {
                            throw new BenchFailureException(
                                $"the first touches changed the RSS by {modelRss} pages on the model, {kr} on the kernel");
                        }
                        double kernelNs = Median(k);
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"BENCH {op} model_ns={modelNs:F1} kernel_ns={kernelNs:F1} speedup={kernelNs / modelNs:F2}"));
                        break;
                }
                stdout.Flush();
            }
            catch (Exception e)
            {
                string what = e is BenchFailureException or ModelBugException or IOException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                stderr.WriteLine($"mmsim: bench paging: {op}: {phase}: {what}");
                return 1;
            }
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ClosingLine} {PhysMem.HostBytesPerFrame}"));
        return 0;
    }

    /// <summary>The start of the last line of a run (the host memory per frame).</summary>
    public const string ClosingLine = "host bytes per simulated frame:";

    /// <summary>
    /// The command line <c>bench paging ARGS</c> split into one per operation it runs (each with
    /// <c>--only</c> that operation); the line itself when it names one operation or does not
    /// parse (the run then reports the error).
    /// </summary>
    public static IReadOnlyList<string[]> PerOperation(string[] args)
    {
        var rest = new List<string>();
        List<string> ops = [.. All];
        try
        {
            for (int i = 2; i < args.Length; i++)
            {
                if (args[i] == "--only")
                {
                    ops = ParseOnly(i + 1 < args.Length ? args[++i] : throw new UsageException("--only needs a value"));
                }
                else
                {
                    rest.Add(args[i]);
                }
            }
        }
        catch (UsageException)
        {
            return [args];
        }
        if (ops.Count <= 1)
        {
            return [args];
        }
        var runs = new List<string[]>();
        foreach (string op in ops)
        {
            runs.Add([args[0], args[1], .. rest, "--only", op]);
        }
        return runs;
    }

    private static List<string> ParseOnly(string list)
    {
        var ops = new List<string>();
        foreach (string name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!All.Contains(name))
            {
                throw new UsageException($"bench: --only: unknown operation '{name}' (known: {string.Join(", ", All)})");
            }
            ops.Add(name);
        }
        if (ops.Count == 0)
        {
            throw new UsageException("bench: --only needs at least one operation");
        }
        return ops;
    }

    /// <summary>
    /// The model side of a fault or fork operation: warm-up repetitions, then the timed ones;
    /// returns the median ns per fault (per fork) and the RSS change of the first touches.
    /// </summary>
    private static double TimeModel(string op, Settings s, out long rssDelta)
    {
        var b = new PagingBench(s.Pages);
        var samples = new double[s.Reps];
        long firstRssDelta = 0;
        if (op == ForkOp)
        {
            Expect(b.Touch(AccessKind.Write), b.Pages, "write");
        }
        // Warm-up: at least the given repetitions and (but for --quick) half a second, so that
        // the JIT's tiers have settled before anything is timed.
        long warm = Stopwatch.GetTimestamp();
        for (int w = 0; w < s.Warmup || (!s.Quick && ElapsedNs(warm) < WarmupNs); w++)
        {
            Rep(false);
        }
        for (int r = 0; r < s.Reps; r++)
        {
            if (r == 0)
            {
                b.Kernel.Validate();
            }
            samples[r] = Rep(r == 0);
        }
        b.Kernel.Validate();
        rssDelta = firstRssDelta;
        return Median(samples);

        double Rep(bool check)
        {
            double ns;
            switch (op)
            {
                case AnonWrite or ZeroRead:
                {
                    AccessKind kind = op == AnonWrite ? AccessKind.Write : AccessKind.Read;
                    long before = b.Rss;
                    long t = Stopwatch.GetTimestamp();
                    long ok = b.Touch(kind);
                    ns = ElapsedNs(t) / b.Pages;
                    Expect(ok, b.Pages, op);
                    if (check)
                    {
                        firstRssDelta = b.Rss - before;
                        ExpectRss(firstRssDelta, kind == AccessKind.Write ? b.Pages : 0, "the touches' RSS change");
                        b.Kernel.Validate();
                    }
                    b.Reset();
                    break;
                }
                case Cow:
                {
                    Expect(b.Touch(AccessKind.Write), b.Pages, "write");
                    Process.Task child = b.Fork();
                    long before = b.Rss;
                    long t = Stopwatch.GetTimestamp();
                    long ok = b.Touch(AccessKind.Write);
                    ns = ElapsedNs(t) / b.Pages;
                    Expect(ok, b.Pages, op);
                    if (check)
                    {
                        firstRssDelta = b.Rss - before;
                        ExpectRss(firstRssDelta, 0, "the COW writes' RSS change");
                        ExpectRss(child.Mm!.Paging!.Rss, b.Pages, "the child's RSS");
                        b.Kernel.Validate();
                    }
                    b.ExitChild();
                    b.Reset();
                    break;
                }
                default:
                {
                    long t = Stopwatch.GetTimestamp();
                    Process.Task child = b.Fork();
                    ns = ElapsedNs(t);
                    if (check)
                    {
                        ExpectRss(child.Mm!.Paging!.Rss, b.Pages, "the child's RSS after fork");
                        ExpectRss(child.Mm.Paging.Tables.NrPtes, b.Task.Mm!.Paging!.Tables.NrPtes, "the child's PTE tables");
                        b.Kernel.Validate();
                    }
                    b.ExitChild();
                    break;
                }
            }
            return ns;
        }
    }

    /// <summary>tlb_hit: ns per L1 dTLB hit, the median of timed batches.</summary>
    private static double TimeTlbHit(Settings s)
    {
        Machine m = TlbBench.CreateMachine();
        long n = s.Quick ? 1 << 18 : 1 << 22;
        long warm = Stopwatch.GetTimestamp();
        do
        {
            TlbBench.RunHits(m, n);
        }
        while (!s.Quick && ElapsedNs(warm) < WarmupNs);
        var samples = new double[s.Reps];
        for (int r = 0; r < s.Reps; r++)
        {
            long t = Stopwatch.GetTimestamp();
            long ok = TlbBench.RunHits(m, n);
            samples[r] = ElapsedNs(t) / n;
            Expect(ok, n, "tlb hit read");
        }
        return Median(samples);
    }

    /// <summary>page_walk / tlb_miss: ns per walk (or per missing access) over the written region's real tables.</summary>
    private static double TimeWalk(Settings s, bool throughMmu)
    {
        var b = new PagingBench(s.Pages);
        Expect(b.Touch(AccessKind.Write), b.Pages, "write");
        b.Kernel.Validate();
        Machine? m = null;
        if (throughMmu)
        {
            m = new Machine(1, PageWalker.Instance);
            m.SwitchMm(0, b.Task.Mm!);
        }
        long n = s.Quick ? 1 << 16 : 1 << 20;
        var samples = new double[s.Reps];
        long warm = Stopwatch.GetTimestamp();
        for (int r = -1; r < s.Reps; r++)
        {
            if (r == 0 && !s.Quick && ElapsedNs(warm) < WarmupNs)
            {
                r = -1;
            }
            long t = Stopwatch.GetTimestamp();
            long ok = m is null ? b.Walks(n) : Misses(m, b, n);
            double ns = ElapsedNs(t) / n;
            Expect(ok, n, throughMmu ? "tlb miss read" : "page walk");
            if (r >= 0)
            {
                samples[r] = ns;
            }
        }
        b.Kernel.Validate();
        return Median(samples);
    }

    /// <summary>
    /// Reads walking forward over the region: more pages than the STLB holds, so each misses
    /// every level. Compiled fully optimised at once, as TlbBench's loops are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Misses(Machine m, PagingBench b, long n)
    {
        ulong mask = (ulong)b.Pages - 1;
        long ok = 0;
        for (long i = 0; i < n; i++)
        {
            if (m.Access(0, b.Region + (((ulong)i & mask) << 12), AccessKind.Read) == Mm.FaultResult.Ok)
            {
                ok++;
            }
        }
        return ok;
    }

    private static void Expect(long ok, long n, string what)
    {
        if (ok != n)
        {
            throw new BenchFailureException($"{n - ok} of {n} model accesses ({what}) failed");
        }
    }

    private static void ExpectRss(long got, long want, string what)
    {
        if (got != want)
        {
            throw new BenchFailureException($"{what} is {got} pages on the model, expected {want}");
        }
    }

    private static double Median(double[] v)
    {
        double[] a = [.. v];
        Array.Sort(a);
        int n = a.Length;
        return (n & 1) == 1 ? a[n / 2] : (a[(n / 2) - 1] + a[n / 2]) / 2;
    }

    private static double ElapsedNs(long start) => (Stopwatch.GetTimestamp() - start) * (1e9 / Stopwatch.Frequency);
}
