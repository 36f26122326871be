using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Mmsim.Cli;

/// <summary>
/// <c>mmsim bench vma</c>: times the same VMA operation sequences on the model and on the kernel
/// of this machine (in this process, through libc) and prints one BENCH line per operation.
/// </summary>
internal static class BenchCommand
{
    public const string Help = """
        Usage: mmsim bench vma [--quick | --iterations N] [--only NAME[,NAME...]]
               mmsim bench paging [--quick | --reps N] [--only NAME[,NAME...]]  (see mmsim bench paging --help)

        Runs the same VMA operation sequences on the model and on the kernel of this machine (in
        this process, through libc) and prints one line per operation:
          BENCH <name> model_ns=<x> kernel_ns=<y> speedup=<y/x>
        where x and y are nanoseconds per pair (the step and the step that undoes it) and the
        speedup is kernel_ns / model_ns. The model's address space is given as many VMAs as this
        process has, and a heap of the same size.

        Operations:
          mmap_munmap_4k        mmap one anonymous RW page at a hint (no neighbour merges), munmap it
          mmap_munmap_4k_merge  mmap(MAP_FIXED) a page right after an RW page (merge), munmap (split)
          mprotect_split_merge  mprotect the middle page of a 3-page RW VMA to PROT_READ, then back
          mremap_grow_in_place  mremap a 1-page mapping to 2 pages in place, then back to 1
          mremap_move           mremap(MAYMOVE|FIXED) a page to another address, then back
          brk_grow_shrink       brk up by one page, then back
          mprotect_split_60k    mprotect_split_merge among 60,000 VMAs

        Options:
          --iterations N   run exactly N pairs per side, no warm-up (default: warm up until the
                           time per pair settles, then time ~20 ms batches for ~200 ms per side
                           and report their median)
          --quick          the same as --iterations 20 (a smoke test: the figures mean little)
          --only NAMES     run only these operations (comma-separated)

        Before and after the timed runs the VMAs of each operation's region are compared between
        the model and the kernel, every call's result is checked, and the model is validated.

        Exit status: 0 done, 1 a call failed or the model disagreed with the kernel, 2 bad usage.
        """;

    private const double WarmupNs = 100e6;
    private const double MaxWarmupNs = 2e9;
    private const double WarmupBatchNs = 5e6;
    private const int StaleBatches = 10;
    private const double MeasureNs = 200e6;
    private const double BatchNs = 20e6;
    private const int MinBatches = 5;
    private const int QuickIterations = 20;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            stdout.WriteLine(Help);
            return 2;
        }
        if (args[0] is "--help" or "-h" or "help")
        {
            stdout.WriteLine(Help);
            return 0;
        }
        if (args[0] == "paging")
        {
            return BenchPaging.Run(args[1..], stdout, stderr);
        }
        if (args[0] != "vma")
        {
            throw new UsageException($"bench: unknown benchmark '{args[0]}' (try: mmsim bench --help)");
        }
        long iterations = 0;
        List<string> ops = [.. VmaOpNames.All];
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    stdout.WriteLine(Help);
                    return 0;
                case "--quick":
                    iterations = QuickIterations;
                    break;
                case "--iterations":
                    string n = Value(args, ref i);
                    if (!long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations <= 0)
                    {
                        throw new UsageException($"bench: --iterations {n}: give a positive number");
                    }
                    break;
                case "--only":
                    ops = ParseOnly(Value(args, ref i));
                    break;
                default:
                    throw new UsageException($"bench: unknown option '{args[i]}' (try: mmsim bench --help)");
            }
        }
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            stderr.WriteLine("mmsim: bench vma: the kernel side needs Linux on x86-64");
            return 1;
        }
        return RunVma(ops, iterations, stdout, stderr);
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new UsageException($"bench: {args[i]} needs a value");
        }
        return args[++i];
    }

    private static List<string> ParseOnly(string list)
    {
        var ops = new List<string>();
        foreach (string name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!VmaOpNames.All.Contains(name))
            {
                throw new UsageException($"bench: --only: unknown operation '{name}' (known: {string.Join(", ", VmaOpNames.All)})");
            }
            ops.Add(name);
        }
        if (ops.Count == 0)
        {
            throw new UsageException("bench: --only needs at least one operation");
        }
        return ops;
    }

    private static int RunVma(List<string> ops, long iterations, TextWriter stdout, TextWriter stderr)
    {
        // Before the host's heap is measured: the main arena takes its room now, not mid-benchmark.
        NativeMm.ReserveMainArena();
        HostFacts host;
        try
        {
            host = HostFacts.Read();
        }
        catch (IOException e)
        {
            stderr.WriteLine($"mmsim: bench vma: cannot read {HostFacts.MapsPath}: {e.Message}");
            return 1;
        }
        if (ops.Contains(VmaOpNames.MprotectSplit60k) && MaxMapCount() is { } max
            && host.MapCount + MprotectSplit60kOp.Vmas + 8 > max)
        {
            stderr.WriteLine($"mmsim: bench vma: {VmaOpNames.MprotectSplit60k} needs {MprotectSplit60kOp.Vmas + 8} more VMAs, but this process has {host.MapCount} and vm.max_map_count is {max}");
            return 1;
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# Linux {KernelRelease()}, {host.MapCount} VMAs in this process, heap {host.HeapBytes >> 10} KiB; ns per pair, {(iterations > 0 ? $"{iterations} pairs per side" : "median of timed batches")}"));
        var samples = new double[256];
        foreach (string op in ops)
        {
            string phase = "kernel setup";
            IBenchSide? kernel = null;
            IBenchSide? model = null;
            try
            {
                kernel = VmaBench.CreateKernel(op);
                phase = "model setup";
                model = VmaBench.CreateModel(op, host);
                phase = "layout check";
                Compare(model, kernel, "after the setup");
                phase = "model step";
                model.Do();
                phase = "kernel step";
                kernel.Do();
                phase = "layout check";
                Compare(model, kernel, "after one step");
                phase = "model undo";
                model.Undo();
                phase = "kernel undo";
                kernel.Undo();
                phase = "model timing";
                double modelNs = NsPerPair(model, iterations, samples);
                phase = "kernel timing";
                double kernelNs = NsPerPair(kernel, iterations, samples);
                phase = "layout check";
                Compare(model, kernel, "after the timed runs");
                phase = "model validation";
                model.Validate();
                phase = "model teardown";
                model.Dispose();
                phase = "kernel teardown";
                kernel.Dispose();
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"BENCH {op} model_ns={modelNs:F1} kernel_ns={kernelNs:F1} speedup={kernelNs / modelNs:F2}"));
                stdout.Flush();
            }
            catch (Exception e)
            {
                // A refused call, a model/kernel disagreement or a model bug: one line, no stack trace.
                string what = e is BenchFailureException or ModelBugException or IOException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                stderr.WriteLine($"mmsim: bench vma: {op}: {phase}: {what}");
                return 1;
            }
            finally
            {
                DisposeQuietly(model);
                DisposeQuietly(kernel);
            }
        }
        return 0;
    }

    /// <summary>Fails when the model's VMAs in the operation's region are not the kernel's; names the first differing line.</summary>
    private static void Compare(IBenchSide model, IBenchSide kernel, string when)
    {
        string m = model.Layout();
        string k = kernel.Layout();
        if (m == k)
        {
            return;
        }
        string[] ml = m.Split('\n');
        string[] kl = k.Split('\n');
        int i = 0;
        while (i < ml.Length && i < kl.Length && ml[i] == kl[i])
        {
            i++;
        }
        string Line(string[] lines) => i < lines.Length && lines[i].Length > 0 ? $"'{lines[i]}'" : "(no more VMAs)";
        throw new BenchFailureException(
            $"the model's VMAs differ from the kernel's {when}: region line {i + 1}: model {Line(ml)}, kernel {Line(kl)}");
    }

    private static void DisposeQuietly(IBenchSide? side)
    {
        try
        {
            side?.Dispose();
        }
        catch (BenchFailureException)
        {
            // Already reporting the failure that stopped the run.
        }
    }

    /// <summary>
    /// Nanoseconds per pair: with a fixed iteration count, one timed run. Otherwise a warm-up
    /// (doubling the batch until one takes ~5 ms, then ~5 ms batches until the best per-pair time
    /// has not improved by 2% for 10 batches, at least 100 ms and at most 2 s, so the JIT's
    /// tiers have settled), then ~20 ms batches for ~200 ms, and the median of their per-pair times.
    /// </summary>
    private static double NsPerPair(IBenchSide side, long iterations, double[] samples)
    {
        if (iterations > 0)
        {
            long t = Stopwatch.GetTimestamp();
            side.Run(iterations);
            return ElapsedNs(t) / iterations;
        }
        long batch = 1;
        double last = TimeBatch(side, batch);
        while (last < WarmupBatchNs)
        {
            batch *= 2;
            last = TimeBatch(side, batch);
        }
        long warmup = Stopwatch.GetTimestamp();
        double best = last / batch;
        int stale = 0;
        while (ElapsedNs(warmup) < MaxWarmupNs && (stale < StaleBatches || ElapsedNs(warmup) < WarmupNs))
        {
            last = TimeBatch(side, batch);
            double perPair = last / batch;
            if (perPair < best * 0.98)
            {
                stale = 0;
            }
            else
            {
                stale++;
            }
            best = Math.Min(best, perPair);
        }
        batch = Math.Max(1, (long)(batch * BatchNs / last));
        int n = 0;
        long measure = Stopwatch.GetTimestamp();
        while (n < samples.Length && (n < MinBatches || ElapsedNs(measure) < MeasureNs))
        {
            samples[n++] = TimeBatch(side, batch) / batch;
        }
        Array.Sort(samples, 0, n);
        return (n & 1) == 1 ? samples[n / 2] : (samples[(n / 2) - 1] + samples[n / 2]) / 2;
    }

    private static double TimeBatch(IBenchSide side, long batch)
    {
        long t = Stopwatch.GetTimestamp();
        side.Run(batch);
        return ElapsedNs(t);
    }

    private static int? MaxMapCount()
    {
        try
        {
            return int.TryParse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return "(unknown release)";
        }
    }

    private static double ElapsedNs(long start) => (Stopwatch.GetTimestamp() - start) * (1e9 / Stopwatch.Frequency);
}
