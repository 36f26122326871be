using BenchmarkDotNet.Attributes;
using Mmsim.Fault;
using Mmsim.Tlb;

namespace Mmsim.Bench;

/// <summary>
/// <c>mmsim bench paging</c> in BenchmarkDotNet: faults on every page of a 16384-page (64 MiB)
/// private anonymous region with MADV_NOHUGEPAGE, on this machine's kernel (the baseline of each
/// category, <see cref="KernelPaging"/>, in the benchmark process) and on the model
/// (<see cref="PagingBench"/>: the reference machine, 4-level paging), and fork of the model's
/// process with the region written. Each invocation is one pass over the region (reported per
/// fault) or one fork; what the next one needs (the MADV_DONTNEED reset, a fork before the COW
/// writes, the child's exit) runs untimed in the iteration setup, so every iteration is one
/// invocation. The Ratio column is model time / kernel time.
/// </summary>
/// <remarks>
/// Fork has no kernel baseline here: fork() of the benchmark process would copy the whole .NET
/// runtime's address space, not a process holding just the region; <c>mmsim bench paging</c>
/// times that in its C helper, a process of its own.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(1)]
[IterationCount(25)]
[WarmupCount(300)]   // a pass is ~1 ms of the model: 300 let the JIT's tiers settle (PGO'd tier 1), as the CLI's 0.5 s
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PagingBenchmarks
{
    private const int Pages = 16384;
    private PagingBench? _anon;
    private PagingBench? _zero;
    private PagingBench? _cow;
    private PagingBench? _fork;
    private KernelPaging? _kernel;

    [GlobalSetup(Targets = [nameof(AnonWrite), nameof(ZeroRead), nameof(CowWrite), nameof(Fork)])]
    public void Setup()
    {
        _anon = new PagingBench(Pages);
        _zero = new PagingBench(Pages);
        _cow = new PagingBench(Pages);
        _fork = new PagingBench(Pages);
        _fork.Touch(AccessKind.Write);
    }

    [GlobalSetup(Targets = [nameof(KernelAnonWrite), nameof(KernelZeroRead), nameof(KernelCowWrite)])]
    public void SetupKernel() => _kernel = new KernelPaging(Pages);

    [GlobalCleanup]
    public void Cleanup()
    {
        _cow?.ExitChild();
        _kernel?.Dispose();
        _kernel = null;
    }

    [IterationSetup(Target = nameof(KernelAnonWrite))]
    public void ResetKernelAnon() => _kernel!.Reset();

    /// <summary>The kernel's do_anonymous_page() on a write.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Pages)]
    [BenchmarkCategory("anon_write")]
    public long KernelAnonWrite() => _kernel!.Write();

    [IterationSetup(Target = nameof(AnonWrite))]
    public void ResetAnon() => _anon!.Reset();

    /// <summary>do_anonymous_page() on a write: a frame allocated, mapped and charged per page.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    [BenchmarkCategory("anon_write")]
    public long AnonWrite() => _anon!.Touch(AccessKind.Write);

    [IterationSetup(Target = nameof(KernelZeroRead))]
    public void ResetKernelZero() => _kernel!.Reset();

    /// <summary>The kernel's do_anonymous_page() on a read (the zero page).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Pages)]
    [BenchmarkCategory("zero_read")]
    public long KernelZeroRead() => _kernel!.Read();

    [IterationSetup(Target = nameof(ZeroRead))]
    public void ResetZero() => _zero!.Reset();

    /// <summary>do_anonymous_page() on a read: the shared zero page mapped read-only.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    [BenchmarkCategory("zero_read")]
    public long ZeroRead() => _zero!.Touch(AccessKind.Read);

    [IterationSetup(Target = nameof(KernelCowWrite))]
    public void ForkKernelBeforeCow()
    {
        _kernel!.ReleaseChild();
        _kernel.Reset();
        _kernel.Write();
        _kernel.Fork();
    }

    /// <summary>The kernel's do_wp_page() copying every page shared with the held child.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Pages)]
    [BenchmarkCategory("cow")]
    public long KernelCowWrite() => _kernel!.Write();

    [IterationSetup(Target = nameof(CowWrite))]
    public void ForkBeforeCow()
    {
        _cow!.ExitChild();
        _cow.Reset();
        _cow.Touch(AccessKind.Write);
        _cow.Fork();
    }

    /// <summary>do_wp_page() → wp_page_copy(): every page shared with the child copied on the write.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    [BenchmarkCategory("cow")]
    public long CowWrite() => _cow!.Touch(AccessKind.Write);

    [IterationSetup(Target = nameof(Fork))]
    public void ExitForkChild() => _fork!.ExitChild();

    /// <summary>fork(): dup_mmap() and copy_page_range() of 16384 written PTEs (no kernel baseline: see the remarks).</summary>
    [Benchmark]
    [BenchmarkCategory("fork")]
    public int Fork() => _fork!.Fork().Pid;
}
