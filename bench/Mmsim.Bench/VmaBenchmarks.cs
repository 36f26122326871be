using BenchmarkDotNet.Attributes;
using Mmsim.Cli;

namespace Mmsim.Bench;

/// <summary>
/// The operations of <c>mmsim bench vma</c>: one invocation is one pair (the step and its undo),
/// on the kernel of this machine (the baseline, in the benchmark process through libc) and on the
/// model (an address space with as many VMAs as the benchmark process). The Ratio column is
/// model time / kernel time.
/// </summary>
[MemoryDiagnoser]
public class VmaBenchmarks
{
    private IBenchSide? _side;

    /// <summary>The operation (see <see cref="VmaOpNames"/>).</summary>
    [ParamsSource(nameof(Operations))]
    public string Op { get; set; } = VmaOpNames.MmapMunmap4k;

    public static IEnumerable<string> Operations => VmaOpNames.All;

    // brk_grow_shrink moves this process's real program break: glibc's main arena takes its
    // room first (NativeMm.ReserveMainArena), so that no malloc of the runtime sbrk()s between
    // the benchmark's brk up and its brk down, as `mmsim bench vma` does.
    [GlobalSetup(Target = nameof(Kernel))]
    public void SetupKernel()
    {
        NativeMm.ReserveMainArena();
        _side = VmaBench.CreateKernel(Op);
    }

    [GlobalSetup(Target = nameof(Model))]
    public void SetupModel()
    {
        NativeMm.ReserveMainArena();
        _side = VmaBench.CreateModel(Op, HostFacts.Read());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _side?.Validate();
        _side?.Dispose();
        _side = null;
    }

    [Benchmark(Baseline = true)]
    public void Kernel() => _side!.Run(1);

    [Benchmark]
    public void Model() => _side!.Run(1);
}
