using BenchmarkDotNet.Attributes;
using Mmsim.Fault;
using Mmsim.Tlb;

namespace Mmsim.Bench;

/// <summary>
/// The model side of <c>mmsim bench paging</c> (the work of <see cref="PagingBench"/>): faults
/// on every page of a 16384-page (64 MiB) private anonymous region and fork of the process
/// with the region written, on the reference machine with 4-level paging. Each invocation is
/// one pass over the region (reported per fault) or one fork; what the next one needs (the
/// MADV_DONTNEED reset, a fork before the COW writes, the child's exit) runs untimed in the
/// iteration setup, so every iteration is one invocation.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
[IterationCount(20)]
[WarmupCount(10)]
public class PagingBenchmarks
{
    private const int Pages = 16384;
    private PagingBench? _anon;
    private PagingBench? _zero;
    private PagingBench? _cow;
    private PagingBench? _fork;

    [GlobalSetup]
    public void Setup()
    {
        _anon = new PagingBench(Pages);
        _zero = new PagingBench(Pages);
        _cow = new PagingBench(Pages);
        _fork = new PagingBench(Pages);
        _fork.Touch(AccessKind.Write);
    }

    [IterationSetup(Target = nameof(AnonWrite))]
    public void ResetAnon() => _anon!.Reset();

    /// <summary>do_anonymous_page() on a write: a frame allocated, mapped and charged per page.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public long AnonWrite() => _anon!.Touch(AccessKind.Write);

    [IterationSetup(Target = nameof(ZeroRead))]
    public void ResetZero() => _zero!.Reset();

    /// <summary>do_anonymous_page() on a read: the shared zero page mapped read-only.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public long ZeroRead() => _zero!.Touch(AccessKind.Read);

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
    public long CowWrite() => _cow!.Touch(AccessKind.Write);

    [IterationSetup(Target = nameof(Fork))]
    public void ExitForkChild() => _fork!.ExitChild();

    /// <summary>fork(): dup_mmap() and copy_page_range() of 16384 written PTEs.</summary>
    [Benchmark]
    public int Fork() => _fork!.Fork().Pid;
}
